//! Group commit: transfers that arrive together are written in one database
//! transaction (up to [`LEDGER_BATCH_MAX`]), so one durable commit — one fsync —
//! carries many of them. Each transfer still stands alone: it is checked against
//! the balances its predecessors in the batch left, its idempotency key is claimed
//! and its outcome recorded, and a refused transfer is undone by its savepoint
//! without touching the others. Every caller is answered only after the commit.
//!
//! Never await a transfer while holding a [`carmine_store::Tx`]: on SQLite the
//! writer connection is the one the batch needs.

use carmine_core::limits::LEDGER_BATCH_MAX;
use carmine_core::{Error, ErrorCode, Id, Result};
use carmine_store::Db;
use tokio::sync::{mpsc, oneshot};

use crate::idempotency::{self, IdempotencyKey};
use crate::posting::{self, Header, Leg};

/// One transfer for the writer: resolved legs, and the key it runs under.
pub(crate) struct Work {
    pub header: Header,
    pub legs: Vec<Leg>,
    pub key: Option<(IdempotencyKey, carmine_core::Timestamp)>,
    pub reply: oneshot::Sender<Result<Id>>,
}

/// Starts the writer; it stops when every sender is gone.
pub(crate) fn start(db: Db) -> mpsc::Sender<Work> {
    let (sender, receiver) = mpsc::channel(LEDGER_BATCH_MAX * 4);
    tokio::spawn(run(db, receiver));
    sender
}

async fn run(db: Db, mut receiver: mpsc::Receiver<Work>) {
    let mut batch = Vec::with_capacity(LEDGER_BATCH_MAX);
    while receiver.recv_many(&mut batch, LEDGER_BATCH_MAX).await > 0 {
        let outcomes = write(&db, &batch).await;
        match outcomes {
            Ok(outcomes) => {
                for (work, outcome) in batch.drain(..).zip(outcomes) {
                    let _ = work.reply.send(outcome);
                }
            }
            Err(error) => {
                tracing::error!(error = %error, transfers = batch.len(), "a ledger batch failed; nothing of it was written");
                for work in batch.drain(..) {
                    let _ = work.reply.send(Err(Error::internal(format!("ledger batch failed: {error}"))));
                }
            }
        }
    }
}

/// Writes a batch in one transaction. The outer error means nothing was committed.
async fn write(db: &Db, batch: &[Work]) -> Result<Vec<Result<Id>>> {
    let mut tx = db.begin().await?;
    let accounts: Vec<Id> = batch.iter().flat_map(|work| work.legs.iter().map(|leg| leg.account_id)).collect();
    carmine_store::ledger::lock_accounts(&mut tx, &accounts).await?;
    let mut outcomes = Vec::with_capacity(batch.len());
    for work in batch {
        if let Some((key, expires_at)) = &work.key
            && let Err(error) = idempotency::claim(&mut tx, key, None, *expires_at).await
        {
            if error.code == ErrorCode::Internal {
                return Err(error);
            }
            outcomes.push(Err(error));
            continue;
        }
        let outcome = posting::post(&mut tx, &work.header, &work.legs).await;
        if let Err(error) = &outcome
            && error.code == ErrorCode::Internal
        {
            return Err(Error::internal(format!("{error}")));
        }
        if let Some((key, _)) = &work.key {
            idempotency::finish(&mut tx, key, &outcome).await?;
        }
        outcomes.push(outcome);
    }
    tx.commit().await?;
    Ok(outcomes)
}
