//! Settings of the accounts context, with production defaults.

use carmine_core::ratelimit::Quota;

/// Argon2id cost. Defaults are OWASP's recommendation (19 MiB, 2 passes, 1 lane).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Argon2Params {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Argon2Params {
    pub const OWASP: Argon2Params = Argon2Params { memory_kib: 19_456, iterations: 2, parallelism: 1 };
    /// The cheapest valid parameters: tests only.
    pub const TEST_ONLY_MINIMAL: Argon2Params = Argon2Params { memory_kib: 8, iterations: 1, parallelism: 1 };
}

impl Default for Argon2Params {
    fn default() -> Self {
        Argon2Params::OWASP
    }
}

#[derive(Clone, Debug)]
pub struct AccountsConfig {
    pub argon2: Argon2Params,
    /// A session unused for this long ends.
    pub session_idle_seconds: i64,
    /// A session ends this long after log-in, used or not.
    pub session_absolute_seconds: i64,
    /// Failed log-ins allowed per account, then one more per interval.
    pub login_failures_per_account: Quota,
    /// Failed log-ins allowed per client IP, then one more per interval.
    pub login_failures_per_ip: Quota,
}

impl Default for AccountsConfig {
    fn default() -> Self {
        AccountsConfig {
            argon2: Argon2Params::OWASP,
            session_idle_seconds: 7 * 24 * 3600,
            session_absolute_seconds: 30 * 24 * 3600,
            login_failures_per_account: Quota::new(5, 60_000),
            login_failures_per_ip: Quota::new(20, 6_000),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_defaults_follow_owasp() {
        let config = AccountsConfig::default();
        assert_eq!(config.argon2, Argon2Params { memory_kib: 19_456, iterations: 2, parallelism: 1 });
        assert!(config.session_idle_seconds < config.session_absolute_seconds);
    }
}
