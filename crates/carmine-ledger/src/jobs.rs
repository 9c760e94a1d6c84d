//! The ledger's timed work for the job runner: releasing expired holds, and
//! forgetting idempotency keys and webhook event ids past their retention.

use std::time::Duration;

use carmine_core::Result;
use carmine_core::limits::WEBHOOK_EVENTS_KEPT_DAYS;
use carmine_jobs::{BoxFuture, JobHandler};
use carmine_store::Tx;
use carmine_store::jobs::JobRecord;

/// `money.expire_holds`, every minute.
pub struct ExpireHolds;

impl JobHandler for ExpireHolds {
    fn kind(&self) -> &'static str {
        "money.expire_holds"
    }

    fn every(&self) -> Option<Duration> {
        Some(Duration::from_secs(60))
    }

    fn run<'a>(&'a self, tx: &'a mut Tx, _: &'a JobRecord) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let expired = crate::expire_holds_in(tx).await?;
            if expired > 0 {
                tracing::info!(expired, "released expired holds");
            }
            Ok(())
        })
    }
}

/// `money.prune`, every hour: idempotency keys past their retention, webhook event
/// ids older than [`WEBHOOK_EVENTS_KEPT_DAYS`].
pub struct Prune;

impl JobHandler for Prune {
    fn kind(&self) -> &'static str {
        "money.prune"
    }

    fn every(&self) -> Option<Duration> {
        Some(Duration::from_secs(3_600))
    }

    fn run<'a>(&'a self, tx: &'a mut Tx, _: &'a JobRecord) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            crate::idempotency::prune(tx).await?;
            let before = tx.now().plus_seconds(-WEBHOOK_EVENTS_KEPT_DAYS * 86_400);
            carmine_store::payments::prune_webhook_events(tx, before).await?;
            Ok(())
        })
    }
}
