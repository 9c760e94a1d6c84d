//! The accounts context: members (sign-up, log-in, sessions, passwords, API tokens,
//! profile with consented demographics, export and erasure), organizations (roles,
//! invitations, verification) and the admin actions on both.
//!
//! Owns the rules; the store owns the SQL and `carmine-web` owns HTTP. Must never
//! depend on a context above it (notes, feed, commerce…) nor know about HTTP.

pub mod admin;
pub mod config;
pub mod expiry;
pub mod members;
pub mod orgs;
pub mod password;
pub mod session;
pub mod tokens;

pub use config::AccountsConfig;
pub use session::{Authenticated, Caller, Credential};

use std::sync::Arc;

use carmine_core::ratelimit::KeyedLimiter;
use carmine_store::Db;

/// The accounts service: one per process, cheap to clone.
#[derive(Clone)]
pub struct Accounts {
    db: Db,
    config: Arc<AccountsConfig>,
    hasher: password::PasswordHasher,
    login_failures_per_account: Arc<KeyedLimiter>,
    login_failures_per_ip: Arc<KeyedLimiter>,
}

impl Accounts {
    pub fn new(db: Db, config: AccountsConfig) -> Self {
        let hasher = password::PasswordHasher::new(config.argon2);
        Accounts {
            login_failures_per_account: Arc::new(KeyedLimiter::new(config.login_failures_per_account, 100_000)),
            login_failures_per_ip: Arc::new(KeyedLimiter::new(config.login_failures_per_ip, 100_000)),
            db,
            config: Arc::new(config),
            hasher,
        }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn config(&self) -> &AccountsConfig {
        &self.config
    }

    /// `admin_only` unless the caller is an administrator (for other contexts'
    /// operator views, such as jobs and the data plane).
    pub fn require_admin(&self, caller: &Caller) -> carmine_core::Result<()> {
        if caller.is_admin { Ok(()) } else { Err(carmine_core::Error::new(carmine_core::ErrorCode::AdminOnly)) }
    }
}
