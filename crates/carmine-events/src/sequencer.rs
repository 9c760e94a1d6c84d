//! The sequencer: gives committed log rows their positions, then tells the consumers.
//!
//! It wakes when this process commits a log write (`Db::log_written`) and otherwise
//! polls, so rows written by other nodes are numbered too. Any number of nodes may
//! run it: `log::sequence` holds the log's head row while it numbers.

use carmine_core::Error;
use carmine_store::Db;
use carmine_store::log::{self, Log};
use tokio::sync::watch;

/// Rows numbered per transaction.
const SEQUENCE_BATCH: u32 = 2_000;

/// Numbers every committed row of `log` and publishes the new head; returns it.
pub async fn sequence_all(db: &Db, log: Log, head: &watch::Sender<i64>) -> Result<i64, Error> {
    loop {
        let mut tx = db.begin().await?;
        let before = *head.borrow();
        let now = log::sequence(&mut tx, log, SEQUENCE_BATCH).await?;
        tx.commit().await?;
        if now != before {
            head.send_replace(now);
        }
        // A full batch may mean more are waiting.
        if now - before < i64::from(SEQUENCE_BATCH) {
            return Ok(now);
        }
    }
}
