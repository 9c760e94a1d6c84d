//! Advertising's timed work: `ads.close_spend` posts what campaigns spent and gives
//! back what their chunks held, hourly (`billing`); `ads.invalid_traffic` credits
//! invalid traffic back (`invalid`); `ads.settle_boosts` gives boosts that are over
//! their unspent coins back (`boosts`).

use std::time::Duration;

use carmine_core::Result;
use carmine_jobs::{BoxFuture, JobHandler};
use carmine_store::Tx;
use carmine_store::jobs::JobRecord;

use crate::Ads;

/// Campaigns one run closes (the rest wait for the next hour).
const CLOSE_PER_RUN: u32 = 1_000;

pub struct CloseSpend {
    pub ads: Ads,
}

impl JobHandler for CloseSpend {
    fn kind(&self) -> &'static str {
        "ads.close_spend"
    }

    fn every(&self) -> Option<Duration> {
        Some(Duration::from_secs(3_600))
    }

    fn run<'a>(&'a self, tx: &'a mut Tx, _: &'a JobRecord) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let closed = self.ads.close_spend_in(tx, CLOSE_PER_RUN).await?;
            if closed > 0 {
                tracing::info!(closed, "closed ad spend chunks");
            }
            Ok(())
        })
    }
}

/// `ads.invalid_traffic`: finds invalid traffic of the last hours and credits it back.
pub struct InvalidTraffic {
    pub ads: Ads,
}

impl JobHandler for InvalidTraffic {
    fn kind(&self) -> &'static str {
        "ads.invalid_traffic"
    }

    fn every(&self) -> Option<Duration> {
        Some(Duration::from_secs(3_600))
    }

    fn run<'a>(&'a self, tx: &'a mut Tx, _: &'a JobRecord) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let found = self.ads.credit_invalid_in(tx).await?;
            if found > 0 {
                tracing::info!(found, "invalid ad traffic credited back");
            }
            Ok(())
        })
    }
}

/// Boosts one run settles (the rest wait for the next run).
const SETTLE_PER_RUN: u32 = 200;

/// `ads.settle_boosts`: boosts that ended, were rejected or stopped give their
/// unspent coins back (`boosts`).
pub struct SettleBoosts {
    pub ads: Ads,
}

impl JobHandler for SettleBoosts {
    fn kind(&self) -> &'static str {
        "ads.settle_boosts"
    }

    fn every(&self) -> Option<Duration> {
        Some(Duration::from_secs(300))
    }

    fn run<'a>(&'a self, tx: &'a mut Tx, _: &'a JobRecord) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let settled = self.ads.settle_boosts_in(tx, SETTLE_PER_RUN).await?;
            if settled > 0 {
                tracing::info!(settled, "boosts settled");
            }
            Ok(())
        })
    }
}
