//! A circuit breaker: after `threshold` consecutive failed calls it opens and calls fail at once for
//! `cool_down`; then one trial call is let through (half-open), and its outcome closes the circuit
//! or opens it again.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::LlmError;

#[derive(Debug)]
pub(crate) struct CircuitBreaker {
    /// 0 disables the breaker.
    threshold: u32,
    cool_down: Duration,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    consecutive_failures: u32,
    open_until: Option<Instant>,
    trial_in_flight: bool,
}

/// Leave to make one call; report its outcome with [`Permit::record`]. A permit dropped without a
/// record (the caller gave up waiting) frees the half-open trial without counting anything.
pub(crate) struct Permit<'a> {
    breaker: &'a CircuitBreaker,
    trial: bool,
    recorded: bool,
}

impl CircuitBreaker {
    pub(crate) fn new(threshold: u32, cool_down: Duration) -> Self {
        CircuitBreaker {
            threshold,
            cool_down,
            state: Mutex::new(State::default()),
        }
    }

    pub(crate) fn acquire(&self) -> Result<Permit<'_>, LlmError> {
        let mut state = self.lock();
        let trial = match state.open_until {
            None => false,
            Some(until) => {
                let now = Instant::now();
                if now < until {
                    return Err(LlmError::Unavailable(format!(
                        "{} consecutive calls failed; not trying again for {} ms",
                        state.consecutive_failures,
                        (until - now).as_millis()
                    )));
                }
                if state.trial_in_flight {
                    return Err(LlmError::Unavailable(
                        "recovering from failures; one trial call is in flight".into(),
                    ));
                }
                state.trial_in_flight = true;
                true
            }
        };
        Ok(Permit {
            breaker: self,
            trial,
            recorded: false,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state stays consistent even if a holder panicked: every update is a few assignments.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Permit<'_> {
    pub(crate) fn record(mut self, success: bool) {
        self.recorded = true;
        let breaker = self.breaker;
        let mut state = breaker.lock();
        if self.trial {
            state.trial_in_flight = false;
        }
        if success {
            state.consecutive_failures = 0;
            state.open_until = None;
        } else if breaker.threshold > 0 {
            state.consecutive_failures = state.consecutive_failures.saturating_add(1);
            if self.trial || state.consecutive_failures >= breaker.threshold {
                state.open_until = Some(Instant::now() + breaker.cool_down);
            }
        }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if self.trial && !self.recorded {
            self.breaker.lock().trial_in_flight = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_the_threshold_then_lets_one_trial_through() {
        let breaker = CircuitBreaker::new(2, Duration::from_millis(30));
        breaker.acquire().unwrap().record(false);
        breaker.acquire().unwrap().record(false);
        assert!(matches!(breaker.acquire(), Err(LlmError::Unavailable(_))));

        std::thread::sleep(Duration::from_millis(40));
        let trial = breaker.acquire().unwrap();
        assert!(matches!(breaker.acquire(), Err(LlmError::Unavailable(_))));
        trial.record(false);
        assert!(
            matches!(breaker.acquire(), Err(LlmError::Unavailable(_))),
            "a failed trial reopens"
        );

        std::thread::sleep(Duration::from_millis(40));
        breaker.acquire().unwrap().record(true);
        breaker.acquire().unwrap().record(false);
        assert!(breaker.acquire().is_ok(), "a success resets the count");
    }

    #[test]
    fn an_abandoned_trial_frees_the_half_open_slot() {
        let breaker = CircuitBreaker::new(1, Duration::from_millis(1));
        breaker.acquire().unwrap().record(false);
        std::thread::sleep(Duration::from_millis(5));
        drop(breaker.acquire().unwrap());
        assert!(breaker.acquire().is_ok());
    }

    #[test]
    fn zero_disables_it() {
        let breaker = CircuitBreaker::new(0, Duration::from_secs(60));
        for _ in 0..10 {
            breaker.acquire().unwrap().record(false);
        }
        assert!(breaker.acquire().is_ok());
    }
}
