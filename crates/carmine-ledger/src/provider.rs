//! The payment-provider interface. An adapter for a real provider (Alipay, WeChat
//! Pay, Stripe…) implements [`PaymentProvider`]; Carmine calls it only outside
//! database transactions, after recording its intent, and reconciles afterwards.
//!
//! What an adapter must promise:
//! - **Idempotent by our id.** `create_charge`, `refund` and `payout` carry Carmine's
//!   own id (payment, refund, payout); asked twice, the provider answers with the
//!   first result instead of moving money twice (Alipay's `out_trade_no`, WeChat
//!   Pay's `out_trade_no`, Stripe's `Idempotency-Key`).
//! - **Retrievable.** `charge` answers what became of a payment, so a crash between
//!   the call and recording its answer is repaired by asking again.
//! - **Signed webhooks.** `verify_webhook` checks the signature over the raw body
//!   and refuses stale timestamps; each event has an id, so Carmine applies it once.
//!   Events may arrive late, twice or out of order: Carmine's state machines only
//!   move forward.

use std::future::Future;
use std::pin::Pin;

use carmine_core::limits::WEBHOOK_TOLERANCE_SECONDS;
use carmine_core::money::Money;
use carmine_core::secret::{constant_time_eq, hmac_sha256};
use carmine_core::{Error, ErrorCode, Id, Result, Timestamp};
use serde::{Deserialize, Serialize};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a provider said about a charge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChargeStatus {
    Succeeded,
    Declined(String),
    /// Accepted, money not yet settled (a bank transfer, a review).
    Pending,
    /// The payer must finish on the provider's page.
    RequiresAction {
        redirect_url: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Charge {
    /// The provider's id for it.
    pub reference: String,
    pub status: ChargeStatus,
}

pub struct ChargeRequest<'a> {
    pub payment_id: Id,
    pub amount: Money,
    /// The provider's payment method (the sandbox's test methods, a wallet…).
    pub method: &'a str,
    /// Where the provider's page sends the payer back.
    pub return_url: &'a str,
}

/// A refund or payout as the provider answered it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransferStatus {
    Succeeded,
    Failed(String),
    Pending,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferResult {
    pub reference: String,
    pub status: TransferStatus,
}

/// A payout destination the provider holds for us: we keep only its token and the
/// last four digits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destination {
    pub token: String,
    pub last4: String,
}

/// A verified webhook event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEvent {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// The provider's id of the charge, refund or payout.
    pub reference: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

pub trait PaymentProvider: Send + Sync + 'static {
    /// The name stored with payments (`sandbox`).
    fn name(&self) -> &'static str;

    /// The payment methods a payer may pick.
    fn methods(&self) -> &'static [&'static str];

    fn create_charge<'a>(&'a self, request: ChargeRequest<'a>) -> BoxFuture<'a, Result<Charge>>;

    /// What became of the charge made for `payment_id` (None: none was made).
    fn charge<'a>(&'a self, payment_id: Id) -> BoxFuture<'a, Result<Option<Charge>>>;

    fn refund<'a>(
        &'a self,
        refund_id: Id,
        charge_reference: &'a str,
        amount: Money,
    ) -> BoxFuture<'a, Result<TransferResult>>;

    fn payout<'a>(
        &'a self,
        payout_id: Id,
        destination: &'a str,
        amount: Money,
    ) -> BoxFuture<'a, Result<TransferResult>>;

    /// Checks a bank account and returns the provider's token for it.
    fn register_destination<'a>(
        &'a self,
        holder: &'a str,
        account_number: &'a str,
    ) -> BoxFuture<'a, Result<Destination>>;

    /// Verifies a delivery (its signature header and raw body) at `now`.
    fn verify_webhook(&self, signature: Option<&str>, body: &[u8], now: Timestamp) -> Result<WebhookEvent>;
}

/// The signature header of an HMAC-signed delivery: `t=<unix seconds>,v1=<hex>`,
/// the HMAC-SHA-256 of `"<t>.<raw body>"` (Stripe's scheme).
pub fn sign_webhook(secret: &[u8], unix_seconds: i64, body: &[u8]) -> String {
    format!("t={unix_seconds},v1={}", hex::encode(webhook_mac(secret, unix_seconds, body)))
}

fn webhook_mac(secret: &[u8], unix_seconds: i64, body: &[u8]) -> [u8; 32] {
    let mut message = format!("{unix_seconds}.").into_bytes();
    message.extend_from_slice(body);
    hmac_sha256(secret, &message)
}

/// Checks a signature header made by [`sign_webhook`]: the MAC must match and the
/// timestamp lie within [`WEBHOOK_TOLERANCE_SECONDS`] of `now` (a captured delivery
/// replayed later is refused even with its valid signature).
pub fn verify_signature(secret: &[u8], header: Option<&str>, body: &[u8], now: Timestamp) -> Result<()> {
    let invalid =
        |why: &str| Error::new(ErrorCode::WebhookSignatureInvalid).with_details(serde_json::json!({ "reason": why }));
    let header = header.ok_or_else(|| invalid("missing"))?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => signatures.extend(hex::decode(value).ok()),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or_else(|| invalid("no timestamp"))?;
    let expected = webhook_mac(secret, timestamp, body);
    if !signatures.iter().any(|candidate| constant_time_eq(candidate, &expected)) {
        return Err(invalid("signature mismatch"));
    }
    let now_seconds = now.micros() / 1_000_000;
    if (now_seconds - timestamp).abs() > WEBHOOK_TOLERANCE_SECONDS {
        return Err(invalid("timestamp outside tolerance"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_only_unchanged_and_fresh() {
        let secret = b"whsec";
        let now = Timestamp(1_800_000_000_000_000);
        let body = br#"{"id":"evt_1"}"#;
        let header = sign_webhook(secret, 1_800_000_000, body);
        assert!(verify_signature(secret, Some(&header), body, now).is_ok());
        let code = |r: Result<()>| r.unwrap_err().code;
        assert_eq!(
            code(verify_signature(secret, Some(&header), br#"{"id":"evt_2"}"#, now)),
            ErrorCode::WebhookSignatureInvalid
        );
        assert_eq!(code(verify_signature(b"other", Some(&header), body, now)), ErrorCode::WebhookSignatureInvalid);
        assert_eq!(code(verify_signature(secret, None, body, now)), ErrorCode::WebhookSignatureInvalid);
        assert_eq!(code(verify_signature(secret, Some("t=1800000000"), body, now)), ErrorCode::WebhookSignatureInvalid);
        let later = now.plus_seconds(WEBHOOK_TOLERANCE_SECONDS + 1);
        assert_eq!(code(verify_signature(secret, Some(&header), body, later)), ErrorCode::WebhookSignatureInvalid);
    }
}
