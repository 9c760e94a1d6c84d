//! The data plane: everything that turns the logs into derived state.
//!
//! - [`sequencer`] numbers committed rows of the two logs (domain events in the
//!   outbox, client behaviour events) so readers never miss a late commit;
//! - [`consumer`] runs each [`Consumer`] over its log with a checkpoint written in
//!   the transaction that applies the batch (exactly once, across restarts, crashes
//!   and nodes), and reports lag and stuck consumers;
//! - [`ingest`] validates and stores the behaviour events clients send;
//! - [`statistics`] keeps per-note statistics (hourly, daily, totals, CES) from both
//!   logs, and rolls hours up into days as a recurring job.
//!
//! Must never: hold business rules of other contexts (it asks `carmine-notes` who may
//! see a note), or apply a consumer's effect outside the transaction that moves its
//! checkpoint.

pub mod consumer;
pub mod ingest;
pub mod notices;
pub mod sequencer;
pub mod statistics;

pub use consumer::{Batch, Consumer, ConsumerStatus, DataPlane, DataPlaneConfig, MemoryConsumer, Running, Subscriber};
pub use ingest::{ClientEvent, EventOutcome, Ingest};
pub use statistics::{CesWeights, NoteStatistics, Statistics};

/// Forgets everything the consumers derived (statistics) and their checkpoints, so it
/// is rebuilt from the logs when the data plane next runs (after a restore).
pub async fn forget_derived_state(db: &carmine_store::Db) -> Result<(), carmine_core::Error> {
    let mut tx = db.begin().await?;
    carmine_store::backup::forget_derived_state(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}
