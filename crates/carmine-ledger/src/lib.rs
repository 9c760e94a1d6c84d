//! Money: the one place it moves (ADR 0015).
//!
//! A double-entry ledger: accounts for every party and for the platform's revenue
//! by stream (`accounts`), balanced immutable transactions, two-phase holds and
//! reversals (`posting`), group commit for standalone transfers (`batch`),
//! idempotency keys (`idempotency`), payments through providers with signed webhooks
//! (`provider`, `sandbox`, `payments`), gifts of coins (`gifts`), payouts in batches
//! (`payouts`), statements and the revenue report (`statements`), and the
//! reconciliation that recomputes every balance (`reconcile`).
//!
//! Must never: write a balance except through a posting, call a provider inside a
//! database transaction, or let a member, creator or organization balance go below
//! zero. Amounts are `i64` minor units with an explicit currency; no floats.

pub mod accounts;
mod batch;
pub mod gifts;
pub mod idempotency;
pub mod jobs;
pub mod payments;
pub mod payouts;
pub mod posting;
pub mod provider;
pub mod reconcile;
pub mod sandbox;
pub mod statements;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use carmine_core::money::{Currency, Money};
use carmine_core::{Error, ErrorCode, Id, Result, Timestamp};
use carmine_store::ledger::{self as rows, AccountRecord, EntryRecord, PostingRecord, TransactionRecord};
use carmine_store::{Db, Tx};
use tokio::sync::{mpsc, oneshot};

pub use accounts::{AccountKind, AccountRef, Balance, Owner, Stream};
pub use idempotency::{Idempotency, IdempotencyKey, Outcome, Prior};
pub use posting::{Header, Leg};

/// How money behaves on this instance.
#[derive(Clone, Debug)]
pub struct LedgerConfig {
    /// The one currency members pay and are paid in.
    pub currency: Currency,
    /// What one coin costs, in minor units of `currency` (10: ten coins a yuan).
    pub coin_minor: i64,
    /// A gift's share that goes to the creator, in basis points; the platform keeps
    /// the rest (and any rounding remainder) as live-gift revenue.
    pub gift_creator_share_bps: u32,
    /// How long an idempotency key is remembered.
    pub idempotency_retention_seconds: i64,
    /// How long a requested payout may wait for a batch before its hold expires.
    pub payout_hold_seconds: i64,
}

impl Default for LedgerConfig {
    fn default() -> Self {
        LedgerConfig {
            currency: Currency::CNY,
            coin_minor: 10,
            gift_creator_share_bps: 5_000,
            idempotency_retention_seconds: 24 * 3_600,
            payout_hold_seconds: 30 * 86_400,
        }
    }
}

impl LedgerConfig {
    /// `unsupported_currency` unless `currency` is this instance's.
    pub fn check_currency(&self, currency: Currency) -> Result<()> {
        if currency != self.currency {
            return Err(Error::new(ErrorCode::UnsupportedCurrency).with_details(
                serde_json::json!({ "accepted": [self.currency.as_str()], "found": currency.as_str() }),
            ));
        }
        Ok(())
    }

    pub fn money(&self, amount_minor: i64) -> Money {
        Money::new(amount_minor, self.currency)
    }
}

/// A transfer between named accounts, for [`Ledger::transfer`].
#[derive(Clone, Debug)]
pub struct Transfer {
    pub header: Header,
    pub legs: Vec<(AccountRef, i64)>,
}

/// The ledger service: resolves accounts, writes transfers through group commit,
/// reads balances and histories.
#[derive(Clone)]
pub struct Ledger {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    config: LedgerConfig,
    /// Account ids never change once created; only committed ones are cached.
    account_ids: Mutex<HashMap<AccountRef, Id>>,
    writer: mpsc::Sender<batch::Work>,
    idempotency: Idempotency,
}

impl Ledger {
    /// Starts the group-commit writer (inside a tokio runtime).
    pub fn new(db: Db, config: LedgerConfig) -> Ledger {
        let idempotency = Idempotency::new(db.clone(), config.idempotency_retention_seconds);
        Ledger {
            inner: Arc::new(Inner {
                writer: batch::start(db.clone()),
                account_ids: Mutex::default(),
                idempotency,
                config,
                db,
            }),
        }
    }

    pub fn config(&self) -> &LedgerConfig {
        &self.inner.config
    }

    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    pub fn idempotency(&self) -> &Idempotency {
        &self.inner.idempotency
    }

    pub fn now(&self) -> Timestamp {
        self.inner.db.now()
    }

    /// The id of an account, created (in its own transaction) on first use. Not
    /// while holding a `Tx`: use [`Ledger::account_in`] there.
    pub async fn account(&self, account: AccountRef) -> Result<Id> {
        if let Some(id) = self.inner.account_ids.lock().expect("account ids").get(&account) {
            return Ok(*id);
        }
        check_owner(account)?;
        let id = match self.find(account).await? {
            Some(record) => record.id,
            None => {
                let mut tx = self.inner.db.begin().await?;
                let id = account_in(&mut tx, account).await?;
                tx.commit().await?;
                id
            }
        };
        self.inner.account_ids.lock().expect("account ids").insert(account, id);
        Ok(id)
    }

    /// Resolves named legs to postings.
    pub async fn legs(&self, legs: &[(AccountRef, i64)]) -> Result<Vec<Leg>> {
        let mut resolved = Vec::with_capacity(legs.len());
        for (account, amount) in legs {
            resolved.push(Leg {
                account_id: self.account(*account).await?,
                currency: account.currency,
                amount: *amount,
            });
        }
        Ok(resolved)
    }

    /// Writes a transfer through group commit and returns its transaction id.
    /// Under a key, the key's claim and outcome are written with it.
    pub async fn transfer(&self, transfer: Transfer, key: Option<&IdempotencyKey>) -> Result<Id> {
        let legs = self.legs(&transfer.legs).await?;
        posting::validate(&legs)?;
        let (reply, answer) = oneshot::channel();
        let key = key.map(|key| (key.clone(), self.inner.idempotency.expires_at(self.now())));
        let work = batch::Work { header: transfer.header, legs, key, reply };
        self.inner.writer.send(work).await.map_err(|_| Error::internal("the ledger writer has stopped"))?;
        answer.await.map_err(|_| Error::internal("the ledger writer dropped a transfer"))?
    }

    async fn find(&self, account: AccountRef) -> Result<Option<AccountRecord>> {
        let mut conn = self.inner.db.reader().await?;
        let (owner, kind, currency) = (account.owner, account.kind.as_str(), account.currency.as_str());
        Ok(rows::find_account(&mut conn, owner.kind(), owner.id(), kind, currency).await?)
    }

    /// One account's balances (zero if it was never used).
    pub async fn balance(&self, account: AccountRef) -> Result<Balance> {
        let record = self.find(account).await?;
        Ok(record.as_ref().and_then(Balance::from_record).unwrap_or(Balance {
            account_id: Id::from_i64(0),
            kind: account.kind,
            currency: account.currency,
            posted: 0,
            available: 0,
            pending_out: 0,
            pending_in: 0,
        }))
    }

    /// Every account an owner holds.
    pub async fn balances(&self, owner: Owner) -> Result<Vec<Balance>> {
        let mut conn = self.inner.db.reader().await?;
        let records = rows::owner_accounts(&mut conn, owner.kind(), owner.id()).await?;
        Ok(records.iter().filter_map(Balance::from_record).collect())
    }

    /// An owner's account's history, newest first (`limit + 1` rows: the extra one
    /// says there is more). Someone else's account reads as empty.
    pub async fn entries(
        &self,
        owner: Owner,
        account_id: Id,
        before: Option<Id>,
        limit: u32,
    ) -> Result<Vec<EntryRecord>> {
        let mut conn = self.inner.db.reader().await?;
        match rows::get_account(&mut conn, account_id).await? {
            Some(account) if account.owner_kind == owner.kind() && account.owner_id == owner.id() => {
                Ok(rows::entries(&mut conn, account_id, before, limit + 1).await?)
            }
            _ => Ok(Vec::new()),
        }
    }

    /// A transaction and its postings.
    pub async fn transaction(&self, id: Id) -> Result<(TransactionRecord, Vec<PostingRecord>)> {
        let mut conn = self.inner.db.reader().await?;
        let record = rows::get_transaction(&mut conn, id).await?.ok_or(ErrorCode::TransactionNotFound)?;
        let postings = rows::postings(&mut conn, id).await?;
        Ok((record, postings))
    }

    /// Holds past their expiry are released (the `money.expire_holds` job does this).
    pub async fn expire_holds(&self) -> Result<usize> {
        let mut tx = self.inner.db.begin().await?;
        let expired = expire_holds_in(&mut tx).await?;
        tx.commit().await?;
        Ok(expired)
    }
}

fn check_owner(account: AccountRef) -> Result<()> {
    if !account.kind.allowed_for(account.owner) {
        return Err(Error::internal(format!("{:?} cannot hold a {} account", account.owner, account.kind.as_str())));
    }
    Ok(())
}

/// The id of an account inside a transaction (created if new; not cached, since
/// the transaction may yet roll back).
pub async fn account_in(tx: &mut Tx, account: AccountRef) -> Result<Id> {
    check_owner(account)?;
    Ok(rows::ensure_account(
        tx,
        account.owner.kind(),
        account.owner.id(),
        account.kind.as_str(),
        account.currency.as_str(),
        account.kind.may_go_negative(),
    )
    .await?)
}

/// Releases up to 500 expired holds in `tx`, with whatever their owners hang on
/// them (a payout waiting for a batch becomes `expired`).
pub async fn expire_holds_in(tx: &mut Tx) -> Result<usize> {
    let now = tx.now();
    let due = rows::expired_holds(tx.conn(), now, 500).await?;
    for hold_id in &due {
        posting::void_hold(tx, *hold_id, true).await?;
        payouts::hold_expired(tx, *hold_id).await?;
    }
    Ok(due.len())
}
