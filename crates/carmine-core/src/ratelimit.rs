//! An in-memory keyed rate limiter (GCRA): a burst, then one request per interval.
//!
//! Used for API rate limits and login throttling. State is per process; a multi-node
//! deployment limits per node (a shared Redis limiter is the later scale path).
//! Memory is bounded: at most `keys_max` keys, expired ones pruned first.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::clock::Timestamp;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quota {
    /// Requests allowed at once.
    pub burst: u32,
    /// Then one more per this many milliseconds.
    pub interval_ms: i64,
}

impl Quota {
    pub const fn new(burst: u32, interval_ms: i64) -> Self {
        Quota { burst, interval_ms }
    }
}

pub struct KeyedLimiter {
    quota: Quota,
    keys_max: usize,
    // key -> theoretical arrival time, in microseconds
    state: Mutex<HashMap<String, i64>>,
}

impl KeyedLimiter {
    pub fn new(quota: Quota, keys_max: usize) -> Self {
        assert!(quota.burst > 0 && quota.interval_ms > 0);
        KeyedLimiter { quota, keys_max, state: Mutex::new(HashMap::new()) }
    }

    /// Seconds to wait (at least 1) if `key` is out of allowance now, without using any.
    pub fn retry_after(&self, key: &str, now: Timestamp) -> Option<u64> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let tat = state.get(key).copied().unwrap_or(i64::MIN);
        self.wait_micros(tat, now.micros()).map(seconds_ceil)
    }

    /// Uses one unit of `key`'s allowance; `Err(seconds to wait)` when there is none.
    pub fn hit(&self, key: &str, now: Timestamp) -> Result<(), u64> {
        let now = now.micros();
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let tat = state.get(key).copied().unwrap_or(i64::MIN);
        if let Some(wait) = self.wait_micros(tat, now) {
            return Err(seconds_ceil(wait));
        }
        if state.len() >= self.keys_max && !state.contains_key(key) {
            state.retain(|_, tat| *tat > now);
            if state.len() >= self.keys_max {
                // Still full of live keys: refuse rather than grow without bound.
                return Err(seconds_ceil(self.quota.interval_ms * 1_000));
            }
        }
        state.insert(key.to_owned(), tat.max(now) + self.quota.interval_ms * 1_000);
        Ok(())
    }

    /// Forgets a key (e.g. the account's failures after a successful log-in).
    pub fn reset(&self, key: &str) {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }

    fn wait_micros(&self, tat: i64, now: i64) -> Option<i64> {
        let interval = self.quota.interval_ms * 1_000;
        let allowance = interval * i64::from(self.quota.burst);
        let next_tat = tat.max(now) + interval;
        (next_tat - now > allowance).then_some(next_tat - now - allowance)
    }
}

fn seconds_ceil(micros: i64) -> u64 {
    (micros.max(1) as u64).div_ceil(1_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_one_per_interval() {
        let limiter = KeyedLimiter::new(Quota::new(3, 10_000), 100);
        let t0 = Timestamp(1_000_000_000);
        for _ in 0..3 {
            assert!(limiter.hit("k", t0).is_ok());
        }
        assert_eq!(limiter.hit("k", t0), Err(10));
        assert_eq!(limiter.retry_after("k", t0), Some(10));
        assert!(limiter.hit("other", t0).is_ok(), "keys are independent");
        assert!(limiter.hit("k", t0.plus_seconds(10)).is_ok());
        assert!(limiter.hit("k", t0.plus_seconds(10)).is_err());
        limiter.reset("k");
        assert!(limiter.hit("k", t0.plus_seconds(10)).is_ok());
    }

    #[test]
    fn memory_is_bounded() {
        let limiter = KeyedLimiter::new(Quota::new(1, 60_000), 2);
        let t0 = Timestamp(0);
        assert!(limiter.hit("a", t0).is_ok());
        assert!(limiter.hit("b", t0).is_ok());
        assert!(limiter.hit("c", t0).is_err(), "full of live keys");
        assert!(limiter.hit("c", t0.plus_seconds(61)).is_ok(), "expired keys pruned");
    }
}
