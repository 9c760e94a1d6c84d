//! Idempotency keys (Stripe's rules): same key and same request → the first outcome
//! again; same key and another request → `idempotency_key_reused`; a duplicate
//! while the first still runs → `idempotency_key_in_use` (409, retry later).
//!
//! A key is claimed in the transaction that does the work and its outcome — the
//! resource made or the error met — is written there too, so key and effect commit
//! together or not at all: a client retrying after a crash either finds the outcome
//! or runs the work for the first time. Duplicates in this process are caught by an
//! in-memory set before they reach the database; duplicates on other nodes by the
//! key's primary key.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use carmine_core::limits::IDEMPOTENCY_KEY_CHARS_MAX;
use carmine_core::{Error, ErrorCode, Id, Result, Timestamp};
use carmine_store::{Db, Tx, idempotency as rows};
use sha2::{Digest, Sha256};

/// A caller's key for one request, with the digest of what was asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyKey {
    pub scope: Id,
    pub key: String,
    pub request_hash: String,
}

impl IdempotencyKey {
    /// `operation` names the route (so one key on two routes is two requests);
    /// `request` is the request in a canonical form (its parsed, re-serialized body).
    pub fn new(scope: Id, key: &str, operation: &str, request: &[u8]) -> Result<IdempotencyKey> {
        let valid =
            !key.is_empty() && key.len() <= IDEMPOTENCY_KEY_CHARS_MAX && key.bytes().all(|b| b.is_ascii_graphic());
        if !valid {
            return Err(Error::new(ErrorCode::InvalidIdempotencyKey));
        }
        let mut digest = Sha256::new();
        digest.update(operation.as_bytes());
        digest.update([0]);
        digest.update(request);
        Ok(IdempotencyKey { scope, key: key.to_owned(), request_hash: hex::encode(digest.finalize()) })
    }
}

/// What an earlier request under the same key left.
#[derive(Debug)]
pub enum Outcome {
    /// It made this resource.
    Made(Id),
    /// It was refused with this error (nothing was written).
    Refused(Error),
}

/// What to do with a request carrying a key.
pub enum Prior {
    /// Nothing yet: do the work (the guard keeps duplicates in this process out).
    Fresh(InFlight),
    /// An earlier request finished: answer with its outcome.
    Done(Outcome),
    /// An earlier request started work outside the database (a provider call) and
    /// was interrupted: resume it (the payment or payout it made is `resource`).
    Interrupted { resource: Option<Id>, guard: InFlight },
}

/// Keys of requests running in this process; dropping the guard frees the key.
pub struct InFlight {
    set: Arc<Mutex<HashSet<(Id, String)>>>,
    entry: (Id, String),
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.set.lock().expect("in-flight keys").remove(&self.entry);
    }
}

#[derive(Clone)]
pub struct Idempotency {
    db: Db,
    in_flight: Arc<Mutex<HashSet<(Id, String)>>>,
    retention_seconds: i64,
}

impl Idempotency {
    pub fn new(db: Db, retention_seconds: i64) -> Idempotency {
        Idempotency { db, in_flight: Arc::default(), retention_seconds }
    }

    /// Looks the key up and, unless it is finished, marks it in flight here.
    pub async fn begin(&self, key: &IdempotencyKey) -> Result<Prior> {
        let entry = (key.scope, key.key.clone());
        if !self.in_flight.lock().expect("in-flight keys").insert(entry.clone()) {
            return Err(Error::new(ErrorCode::IdempotencyKeyInUse));
        }
        let guard = InFlight { set: self.in_flight.clone(), entry };
        let mut conn = self.db.reader().await?;
        let Some(record) = rows::get(&mut conn, key.scope, &key.key).await? else { return Ok(Prior::Fresh(guard)) };
        if record.expires_at <= self.db.now() {
            // Past retention (not yet pruned): the key is free again.
            return Ok(Prior::Fresh(guard));
        }
        if record.request_hash != key.request_hash {
            return Err(Error::new(ErrorCode::IdempotencyKeyReused));
        }
        if record.state == "started" {
            return Ok(Prior::Interrupted { resource: record.resource_id, guard });
        }
        Ok(Prior::Done(match (record.resource_id, record.error_code) {
            (_, Some(code)) => {
                let code = ErrorCode::from_code(&code).unwrap_or(ErrorCode::Internal);
                Outcome::Refused(Error::new(code).with_message(record.error_message.unwrap_or_default()))
            }
            (Some(id), None) => Outcome::Made(id),
            (None, None) => return Err(Error::internal("an idempotency key finished with no outcome")),
        }))
    }

    pub fn expires_at(&self, now: Timestamp) -> Timestamp {
        now.plus_seconds(self.retention_seconds)
    }

    pub fn retention_seconds(&self) -> i64 {
        self.retention_seconds
    }
}

/// Claims `key` inside `tx` (a key expired but not yet pruned is replaced).
/// `idempotency_key_in_use` if another node claimed it first.
pub async fn claim(tx: &mut Tx, key: &IdempotencyKey, resource: Option<Id>, expires_at: Timestamp) -> Result<()> {
    if let Some(old) = rows::get(tx.conn(), key.scope, &key.key).await?
        && old.expires_at <= tx.now()
    {
        rows::prune_one(tx, key.scope, &key.key).await?;
    }
    if !rows::claim(tx, key.scope, &key.key, &key.request_hash, resource, expires_at).await? {
        return Err(Error::new(ErrorCode::IdempotencyKeyInUse));
    }
    Ok(())
}

/// Writes the outcome of the work done under `key`, in the work's transaction.
/// Internal errors are not outcomes: they roll the whole transaction back.
pub async fn finish(tx: &mut Tx, key: &IdempotencyKey, outcome: &Result<Id>) -> Result<()> {
    match outcome {
        Ok(id) => rows::finish(tx, key.scope, &key.key, Some(*id), None).await?,
        Err(error) => rows::finish(tx, key.scope, &key.key, None, Some((error.code.as_str(), &error.message))).await?,
    }
    Ok(())
}

/// Records that the work under `key` was refused (its own transaction rolled back
/// everything else) and hands the error back. Validation errors found before any
/// work began are not recorded (Stripe's rule): the same request meets them again.
pub async fn refuse(db: &Db, key: &IdempotencyKey, expires_at: Timestamp, error: Error) -> Error {
    if error.code == ErrorCode::Internal {
        return error;
    }
    let recorded = async {
        let mut tx = db.begin().await?;
        claim(&mut tx, key, None, expires_at).await?;
        let outcome: Result<Id> = Err(Error::new(error.code).with_message(error.message.clone()));
        finish(&mut tx, key, &outcome).await?;
        tx.commit().await?;
        Ok::<(), Error>(())
    };
    if let Err(failure) = recorded.await {
        tracing::warn!(error = %failure, "could not record a refused request's idempotency key");
    }
    error
}

/// Deletes keys past their retention (the `money.prune` job).
pub async fn prune(tx: &mut Tx) -> Result<u64> {
    let now = tx.now();
    Ok(rows::prune(tx, now).await?)
}
