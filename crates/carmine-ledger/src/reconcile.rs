//! Reconciliation: recompute every balance from the postings and the open holds,
//! and check the books — every transaction balanced with at least two postings,
//! every currency's balances summing to zero, no account below its floor.

use carmine_core::Result;
use carmine_store::Db;
use carmine_store::ledger as rows;

/// What `carmine ledger reconcile` found. Clean when every list is empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reconciliation {
    pub accounts: usize,
    pub transactions: i64,
    /// `(currency, sum of every balance)`: each must be zero.
    pub trial_balance: Vec<(String, i64)>,
    /// Accounts whose stored balance or pending amounts differ from the recomputed.
    pub mismatched: Vec<String>,
    pub unbalanced_transactions: Vec<carmine_core::Id>,
    pub lopsided_transactions: Vec<carmine_core::Id>,
    /// Accounts that may not go negative but have.
    pub below_floor: Vec<String>,
}

impl Reconciliation {
    pub fn is_clean(&self) -> bool {
        self.mismatched.is_empty()
            && self.unbalanced_transactions.is_empty()
            && self.lopsided_transactions.is_empty()
            && self.below_floor.is_empty()
            && self.trial_balance.iter().all(|(_, total)| *total == 0)
    }
}

pub async fn reconcile(db: &Db) -> Result<Reconciliation> {
    let mut conn = db.reader().await?;
    let mut report = Reconciliation::default();
    for (account, (posted, held_debits, held_credits)) in rows::recomputed_balances(&mut conn).await? {
        report.accounts += 1;
        let name = format!(
            "{} {}:{} {} ({})",
            account.id, account.owner_kind, account.owner_id, account.kind, account.currency
        );
        if (account.balance, account.pending_debits, account.pending_credits) != (posted, held_debits, held_credits) {
            report.mismatched.push(format!(
                "{name}: stored {}/{}/{}, recomputed {posted}/{held_debits}/{held_credits}",
                account.balance, account.pending_debits, account.pending_credits
            ));
        }
        if !account.may_go_negative && account.balance - account.pending_debits < 0 {
            report.below_floor.push(name);
        }
    }
    report.transactions = rows::transaction_count(&mut conn).await?;
    report.trial_balance = rows::trial_balance(&mut conn).await?;
    report.unbalanced_transactions = rows::unbalanced_transactions(&mut conn, 20).await?;
    report.lopsided_transactions = rows::lopsided_transactions(&mut conn, 20).await?;
    Ok(report)
}
