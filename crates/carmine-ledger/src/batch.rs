//! Group commit: transfers that arrive together are written in one database
//! transaction (up to [`LEDGER_BATCH_MAX`]), so one durable commit — one fsync —
//! carries many of them, in a handful of statements.
//!
//! The writer reads the balances of every account the batch touches (locking their
//! rows in id order on PostgreSQL), applies the transfers one after another in
//! memory with the same rules as the conditional updates of `posting` (currency,
//! floor, limit), so each is checked against the balances its predecessors left and
//! a refused one leaves the others alone; then it writes the balance deltas, the
//! transactions, their postings, their events and the idempotency keys with their
//! outcomes in bulk, and answers every caller after the commit. A key another node
//! claimed meanwhile (PostgreSQL) makes the bulk insert come up short: the batch is
//! rolled back and run again, and that transfer is answered `idempotency_key_in_use`.
//!
//! Never await a transfer while holding a [`carmine_store::Tx`]: on SQLite the
//! writer connection is the one the batch needs.

use std::collections::{HashMap, HashSet};

use carmine_core::event::DomainEvent;
use carmine_core::limits::{ACCOUNT_BALANCE_MAX, LEDGER_BATCH_MAX};
use carmine_core::{Error, ErrorCode, Id, Result, Timestamp};
use carmine_store::idempotency::{self as keys, FinishedKey};
use carmine_store::ledger::{self as rows, BatchAccount, NewTransactionRow};
use carmine_store::{Db, Tx, outbox};
use serde_json::json;
use tokio::sync::{mpsc, oneshot};

use crate::idempotency::IdempotencyKey;
use crate::posting::{Header, Leg};

/// One transfer for the writer: resolved legs, and the key it runs under.
pub(crate) struct Work {
    pub header: Header,
    pub legs: Vec<Leg>,
    pub key: Option<(IdempotencyKey, Timestamp)>,
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
        let mut outcomes = write(&db, &batch, &HashSet::new()).await;
        // Keys another node claimed while this batch ran: run it again without them.
        if let Ok(Written::KeysTaken(taken)) = outcomes {
            outcomes = write(&db, &batch, &taken).await;
        }
        match outcomes {
            Ok(Written::Committed(outcomes)) => {
                for (work, outcome) in batch.drain(..).zip(outcomes) {
                    let _ = work.reply.send(outcome);
                }
            }
            Ok(Written::KeysTaken(_)) | Err(_) => {
                let error = match outcomes {
                    Err(error) => error.to_string(),
                    _ => "idempotency keys kept being taken".to_owned(),
                };
                tracing::error!(error = %error, transfers = batch.len(), "a ledger batch failed; nothing of it was written");
                for work in batch.drain(..) {
                    let _ = work.reply.send(Err(Error::internal(format!("ledger batch failed: {error}"))));
                }
            }
        }
    }
}

enum Written {
    Committed(Vec<Result<Id>>),
    /// Rolled back: these keys were claimed by another writer meanwhile.
    KeysTaken(HashSet<(Id, String)>),
}

/// Applies one transfer to the in-memory balances if every leg passes.
fn apply(accounts: &mut HashMap<Id, BatchAccount>, legs: &[Leg]) -> Result<()> {
    for leg in legs {
        let account = accounts.get(&leg.account_id).ok_or_else(|| Error::internal("a ledger account vanished"))?;
        if account.currency != leg.currency.as_str() {
            return Err(Error::new(ErrorCode::CurrencyMismatch)
                .with_details(json!({ "expected": account.currency, "found": leg.currency.as_str() })));
        }
        let after = account.balance + leg.amount;
        if !account.may_go_negative && after - account.pending_debits < 0 {
            return Err(Error::new(ErrorCode::InsufficientFunds).with_details(json!({
                "account": account.kind,
                "available": { "amount_minor": account.balance - account.pending_debits, "currency": account.currency },
                "needed": { "amount_minor": -leg.amount, "currency": account.currency },
            })));
        }
        if after.abs() > ACCOUNT_BALANCE_MAX {
            return Err(Error::new(ErrorCode::InvalidAmount).with_message("the balance would pass its limit"));
        }
    }
    for leg in legs {
        if let Some(account) = accounts.get_mut(&leg.account_id) {
            account.balance += leg.amount;
        }
    }
    Ok(())
}

/// Writes a batch in one transaction. An error means nothing was committed.
async fn write(db: &Db, batch: &[Work], taken: &HashSet<(Id, String)>) -> Result<Written> {
    let mut tx = db.begin().await?;
    let ids: Vec<Id> = batch.iter().flat_map(|work| work.legs.iter().map(|leg| leg.account_id)).collect();
    let mut accounts: HashMap<Id, BatchAccount> =
        rows::accounts_for_batch(&mut tx, &ids).await?.into_iter().map(|a| (a.id, a)).collect();
    let before: HashMap<Id, i64> = accounts.iter().map(|(id, a)| (*id, a.balance)).collect();
    let claimed = claimed_keys(&mut tx, batch).await?;

    let mut outcomes = Vec::with_capacity(batch.len());
    let mut seen = HashSet::new();
    for work in batch {
        let key = work.key.as_ref().map(|(key, _)| (key.scope, key.key.clone()));
        if let Some(key) = &key
            && (claimed.contains(key) || taken.contains(key) || !seen.insert(key.clone()))
        {
            outcomes.push(Err(Error::new(ErrorCode::IdempotencyKeyInUse)));
            continue;
        }
        outcomes.push(apply(&mut accounts, &work.legs).map(|()| tx.new_id()));
    }

    let deltas: Vec<(Id, i64)> = accounts
        .values()
        .filter_map(|a| {
            let delta = a.balance - before.get(&a.id).copied().unwrap_or(a.balance);
            (delta != 0).then_some((a.id, delta))
        })
        .collect();
    rows::add_to_balances(&mut tx, &deltas).await?;
    let mut transactions = Vec::new();
    let mut postings = Vec::new();
    let mut events = Vec::new();
    let mut finished = Vec::new();
    for (work, outcome) in batch.iter().zip(&outcomes) {
        if let Ok(id) = outcome {
            transactions.push(NewTransactionRow {
                id: *id,
                kind: &work.header.kind,
                reference_kind: &work.header.reference_kind,
                reference_id: work.header.reference_id,
                reverses_id: None,
                memo: &work.header.memo,
            });
            postings.extend(work.legs.iter().map(|leg| (*id, leg.account_id, leg.currency.as_str(), leg.amount)));
            events.push(DomainEvent::MoneyMoved {
                transaction_id: *id,
                kind: work.header.kind.clone(),
                reference_kind: work.header.reference_kind.clone(),
                reference_id: work.header.reference_id,
            });
            events.extend(work.header.announces.clone());
        }
        let Some((key, expires_at)) = &work.key else { continue };
        if matches!(outcome, Err(error) if error.code == ErrorCode::IdempotencyKeyInUse) {
            continue;
        }
        finished.push(FinishedKey {
            scope_id: key.scope,
            key: &key.key,
            request_hash: &key.request_hash,
            resource_id: outcome.as_ref().ok().copied(),
            error: outcome.as_ref().err().map(|e| (e.code.as_str(), e.message.as_str())),
            expires_at: *expires_at,
        });
    }
    rows::insert_transactions(&mut tx, &transactions).await?;
    rows::insert_postings(&mut tx, &postings).await?;
    outbox::append_many(&mut tx, &events).await?;
    let inserted = keys::insert_finished(&mut tx, &finished).await?;
    if inserted < finished.len() as u64 {
        drop(tx);
        let mut conn = db.reader().await?;
        let mut now_taken = taken.clone();
        for key in &finished {
            if keys::get(&mut conn, key.scope_id, key.key).await?.is_some() {
                now_taken.insert((key.scope_id, key.key.to_owned()));
            }
        }
        return Ok(Written::KeysTaken(now_taken));
    }
    tx.commit().await?;
    Ok(Written::Committed(outcomes))
}

/// Keys of this batch already in the table (expired ones are removed: free again).
async fn claimed_keys(tx: &mut Tx, batch: &[Work]) -> Result<HashSet<(Id, String)>> {
    let wanted: Vec<(Id, &str)> =
        batch.iter().filter_map(|w| w.key.as_ref().map(|(k, _)| (k.scope, k.key.as_str()))).collect();
    if wanted.is_empty() {
        return Ok(HashSet::new());
    }
    let now = tx.now();
    let mut claimed = HashSet::new();
    for (scope, key, expires_at) in keys::existing(tx, &wanted).await? {
        if expires_at <= now {
            keys::prune_one(tx, scope, &key).await?;
        } else {
            claimed.insert((scope, key));
        }
    }
    Ok(claimed)
}
