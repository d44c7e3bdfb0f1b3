//! Sign-in rate limiting: failed attempts are counted per email and per client address over a
//! window; once either count reaches its limit, sign-in is refused (before any password is checked)
//! until the window that began with the first failure ends. A successful sign-in clears the
//! email's count. Counts live in this process's memory: a restart forgets them.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long failures are remembered, counted from the first.
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
struct Failures {
    since: Instant,
    count: u32,
}

#[derive(Debug, Default)]
pub struct SignInLimiter {
    failures: Mutex<HashMap<Key, Failures>>,
}

impl SignInLimiter {
    fn keys(email: &str, address: Option<IpAddr>) -> impl Iterator<Item = (Key, u32)> {
        std::iter::once((Key::Email(email.trim().to_lowercase()), PER_EMAIL))
            .chain(address.map(|address| (Key::Address(address), PER_ADDRESS)))
    }

    /// `Err(wait)` when this email or address must wait before trying again.
    pub fn check(
        &self,
        email: &str,
        address: Option<IpAddr>,
        now: Instant,
    ) -> Result<(), Duration> {
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let wait = Self::keys(email, address)
            .filter_map(|(key, limit)| {
                let entry = failures.get(&key)?;
                let ends = entry.since + WINDOW;
                (entry.count >= limit && ends > now).then(|| ends - now)
            })
            .max();
        wait.map_or(Ok(()), Err)
    }

    pub fn failed(&self, email: &str, address: Option<IpAddr>, now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() > PRUNE_ABOVE {
            failures.retain(|_, entry| entry.since + WINDOW > now);
        }
        for (key, _) in Self::keys(email, address) {
            let entry = failures.entry(key).or_insert(Failures {
                since: now,
                count: 0,
            });
            if entry.since + WINDOW <= now {
                *entry = Failures {
                    since: now,
                    count: 0,
                };
            }
            entry.count += 1;
        }
    }

    pub fn succeeded(&self, email: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(&Key::Email(email.trim().to_lowercase()));
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
            assert!(limiter.check("Ada@example.com", None, start).is_ok());
            limiter.failed("Ada@example.com", None, start);
        }
        let later = start + Duration::from_secs(60);
        assert_eq!(
            limiter.check("ada@example.com ", None, later),
            Err(WINDOW - Duration::from_secs(60)),
            "the email is compared in any case"
        );
        assert!(limiter.check("bob@example.com", None, later).is_ok());
        assert!(
            limiter
                .check("ada@example.com", None, start + WINDOW)
                .is_ok()
        );
        limiter.failed("ada@example.com", None, start + WINDOW);
        assert!(
            limiter
                .check("ada@example.com", None, start + WINDOW)
                .is_ok(),
            "a new window starts counting from one"
        );
    }

    #[test]
    fn an_address_is_limited_across_emails_and_success_clears_only_the_email() {
        let limiter = SignInLimiter::default();
        let address = Some(IpAddr::from([192, 0, 2, 7]));
        let now = Instant::now();
        for i in 0..PER_ADDRESS {
            limiter.failed(&format!("user{i}@example.com"), address, now);
        }
        assert!(limiter.check("new@example.com", address, now).is_err());
        assert!(limiter.check("new@example.com", None, now).is_ok());

        let other = SignInLimiter::default();
        for _ in 0..PER_EMAIL - 1 {
            other.failed("ada@example.com", None, now);
        }
        other.succeeded("ada@example.com");
        other.failed("ada@example.com", None, now);
        assert!(other.check("ada@example.com", None, now).is_ok());
    }
}
