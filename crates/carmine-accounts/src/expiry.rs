//! Expiry sweeps run as recurring jobs: sessions past their idle or absolute limit
//! are deleted (they were already refused; this keeps the table small).

use std::time::Duration;

use carmine_core::Error;
use carmine_jobs::{BoxFuture, JobHandler};
use carmine_store::jobs::JobRecord;
use carmine_store::{Tx, sessions};

/// Deletes expired sessions every hour.
pub struct SweepSessions {
    pub idle_seconds: i64,
}

impl JobHandler for SweepSessions {
    fn kind(&self) -> &'static str {
        "accounts.sweep_sessions"
    }

    fn every(&self) -> Option<Duration> {
        Some(Duration::from_secs(3600))
    }

    fn run<'a>(&'a self, tx: &'a mut Tx, _job: &'a JobRecord) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let cutoff = tx.now().plus_seconds(-self.idle_seconds);
            let removed = sessions::delete_expired(tx, cutoff).await?;
            tracing::info!(sessions = removed, "swept expired sessions");
            Ok(())
        })
    }
}
