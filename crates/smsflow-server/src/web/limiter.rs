//! Sign-in rate limiting: attempts that did not sign in are counted per email and per client
//! address over a window; once either count reaches its limit, sign-in is refused (before any
//! password is checked) until the window that began with the first attempt ends. A successful
//! sign-in clears the email's count. Counts live in this process's memory: a restart forgets them.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long attempts are remembered, counted from the first.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failed attempts per email within [`WINDOW`].
pub const PER_EMAIL: u32 = 5;
/// Failed attempts per client address within [`WINDOW`] (several people may share an address).
pub const PER_ADDRESS: u32 = 20;
/// Past this many tracked keys, expired ones are dropped on the next failure.
const PRUNE_ABOVE: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Email(String),
    Address(IpAddr),
}

#[derive(Debug, Clone, Copy)]
struct Attempts {
    since: Instant,
    count: u32,
}

#[derive(Debug, Default)]
pub struct SignInLimiter {
    attempts: Mutex<HashMap<Key, Attempts>>,
}

impl SignInLimiter {
    fn keys(email: &str, address: Option<IpAddr>) -> impl Iterator<Item = (Key, u32)> {
        std::iter::once((Key::Email(email.trim().to_lowercase()), PER_EMAIL))
            .chain(address.map(|address| (Key::Address(address), PER_ADDRESS)))
    }

    /// Counts a sign-in attempt, or refuses it with `Err(wait)` when this email or address must
    /// wait. The attempt is counted before the password is checked, in the same step as the
    /// check, so a burst of concurrent guesses cannot all slip through; [`Self::succeeded`] takes
    /// back a successful one.
    pub fn attempt(
        &self,
        email: &str,
        address: Option<IpAddr>,
        now: Instant,
    ) -> Result<(), Duration> {
        let mut attempts = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        let wait = Self::keys(email, address)
            .filter_map(|(key, limit)| {
                let entry = attempts.get(&key)?;
                let ends = entry.since + WINDOW;
                (entry.count >= limit && ends > now).then(|| ends - now)
            })
            .max();
        if let Some(wait) = wait {
            return Err(wait);
        }
        if attempts.len() > PRUNE_ABOVE {
            attempts.retain(|_, entry| entry.since + WINDOW > now);
        }
        for (key, _) in Self::keys(email, address) {
            let entry = attempts.entry(key).or_insert(Attempts {
                since: now,
                count: 0,
            });
            if entry.since + WINDOW <= now {
                *entry = Attempts {
                    since: now,
                    count: 0,
                };
            }
            entry.count += 1;
        }
        Ok(())
    }

    /// The attempt signed in: the email starts afresh and the address's count drops by one.
    pub fn succeeded(&self, email: &str, address: Option<IpAddr>) {
        let mut attempts = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        attempts.remove(&Key::Email(email.trim().to_lowercase()));
        if let Some(entry) = address.and_then(|address| attempts.get_mut(&Key::Address(address))) {
            entry.count = entry.count.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_is_refused_after_its_limit_until_the_window_ends() {
        let limiter = SignInLimiter::default();
        let start = Instant::now();
        for _ in 0..PER_EMAIL {
            assert!(limiter.attempt("Ada@example.com", None, start).is_ok());
        }
        let later = start + Duration::from_secs(60);
        assert_eq!(
            limiter.attempt("ada@example.com ", None, later),
            Err(WINDOW - Duration::from_secs(60)),
            "the email is compared in any case"
        );
        assert!(limiter.attempt("bob@example.com", None, later).is_ok());
        assert!(
            limiter
                .attempt("ada@example.com", None, start + WINDOW)
                .is_ok(),
            "a new window starts counting from one"
        );
        assert!(
            limiter
                .attempt("ada@example.com", None, start + WINDOW)
                .is_ok()
        );
    }

    #[test]
    fn an_address_is_limited_across_emails_and_success_gives_the_attempt_back() {
        let limiter = SignInLimiter::default();
        let address = Some(IpAddr::from([192, 0, 2, 7]));
        let now = Instant::now();
        for i in 0..PER_ADDRESS {
            assert!(
                limiter
                    .attempt(&format!("user{i}@example.com"), address, now)
                    .is_ok()
            );
        }
        assert!(limiter.attempt("new@example.com", address, now).is_err());
        assert!(limiter.attempt("new@example.com", None, now).is_ok());
        limiter.succeeded("user0@example.com", address);
        assert!(
            limiter.attempt("user0@example.com", address, now).is_ok(),
            "one attempt was given back"
        );

        let other = SignInLimiter::default();
        for _ in 0..PER_EMAIL {
            assert!(other.attempt("ada@example.com", None, now).is_ok());
        }
        other.succeeded("ada@example.com", None);
        assert!(
            other.attempt("ada@example.com", None, now).is_ok(),
            "success starts the email afresh"
        );
    }
}
