//! The demo's money: coin and ad-balance top-ups paid through the sandbox provider,
//! and gifts to creators — written with the ledger's own functions inside the
//! seeder's transaction, so balances, revenue and the books are exactly what the
//! services would have made.

use carmine_core::event::DomainEvent;
use carmine_core::{ErrorCode, Id, Result};
use carmine_ledger::gifts::{Gift, transfer_for};
use carmine_ledger::payments::{Purpose, apply_charge};
use carmine_ledger::provider::ChargeStatus;
use carmine_ledger::{AccountRef, LedgerConfig, Leg, Owner, account_in, posting};
use carmine_store::payments::{self, NewPayment};
use carmine_store::{Tx, sandbox};

/// A top-up the sandbox provider charged successfully (its books included).
pub(crate) async fn paid_top_up(tx: &mut Tx, payer: Id, owner: Owner, purpose: Purpose, amount: i64) -> Result<()> {
    let currency = LedgerConfig::default().currency;
    let account_id = account_in(tx, AccountRef::new(owner, purpose.account_kind(), currency)).await?;
    let id = tx.new_id();
    let payment = NewPayment {
        id,
        provider: carmine_ledger::sandbox::NAME,
        purpose: purpose.as_str(),
        payer_id: payer,
        account_id,
        amount,
        currency: currency.as_str(),
        method: "sandbox_success",
    };
    payments::insert_payment(tx, &payment).await?;
    tx.emit(DomainEvent::PaymentChanged { payment_id: id, status: "created".to_owned() }).await?;
    let reference = format!("sbx_ch_{id}_demo");
    let charge = sandbox::NewCharge {
        reference: &reference,
        payment_id: id,
        amount,
        currency: currency.as_str(),
        method: "sandbox_success",
        status: "succeeded",
        return_url: "/wallet",
    };
    sandbox::insert_charge(tx, &charge).await?;
    apply_charge(tx, id, &reference, &ChargeStatus::Succeeded).await
}

/// A gift of `coins`; false when the sender's coins do not cover it (nothing written).
pub(crate) async fn gift(tx: &mut Tx, config: &LedgerConfig, from: Id, to: Id, coins: i64) -> Result<bool> {
    let transfer = transfer_for(config, &Gift { from, to, coins, note: None });
    let mut legs = Vec::with_capacity(transfer.legs.len());
    for (account, amount) in &transfer.legs {
        legs.push(Leg { account_id: account_in(tx, *account).await?, currency: account.currency, amount: *amount });
    }
    match posting::post(tx, &transfer.header, &legs).await {
        Ok(_) => Ok(true),
        Err(error) if error.code == ErrorCode::InsufficientFunds => Ok(false),
        Err(error) => Err(error),
    }
}
