//! The built-in sandbox provider: behaves like a real one, moves no real money.
//!
//! Test payment methods choose what happens (like a real provider's test cards):
//!
//! | method | the charge | webhooks (HMAC-signed, delivered by the job runner) |
//! |---|---|---|
//! | `sandbox_success` | succeeds at once | `charge.succeeded` after 2 s |
//! | `sandbox_decline` | declined (`card_declined`) | `charge.declined` after 2 s |
//! | `sandbox_pending` | pending | `charge.pending` at once, then settles: `charge.succeeded` after 60 s |
//! | `sandbox_out_of_order` | pending | `charge.succeeded` after 1 s, the stale `charge.pending` after 5 s |
//! | `sandbox_duplicate` | succeeds at once | `charge.succeeded` three times (one event id) |
//! | `sandbox_checkout` | requires action: the payer pays or declines on the sandbox's page | the outcome, at once |
//!
//! Refunds succeed while the charge covers them. Payouts to an account number
//! ending in `0000` fail (`account_closed`); others are paid at once. Its books are
//! the `sandbox_*` tables: it stands in for a service outside Carmine.

use carmine_core::money::Money;
use carmine_core::{Error, ErrorCode, Id, Result, Timestamp};
use carmine_jobs::JobHandler;
use carmine_store::jobs::{self, JobRecord};
use carmine_store::{Db, Tx, sandbox as books};

use crate::provider::{
    BoxFuture, Charge, ChargeRequest, ChargeStatus, Destination, PaymentProvider, TransferResult, TransferStatus,
    WebhookEvent, sign_webhook, verify_signature,
};

pub const NAME: &str = "sandbox";
pub const DELIVERY_JOB: &str = "sandbox.webhook";
/// Where the sandbox's hosted checkout page lives (served by carmine-web).
pub const CHECKOUT_PATH: &str = "/sandbox/checkout";
/// The checkout page first: outside test mode it is the only method.
pub const METHODS: &[&str] = &[
    "sandbox_checkout",
    "sandbox_success",
    "sandbox_decline",
    "sandbox_pending",
    "sandbox_out_of_order",
    "sandbox_duplicate",
];

#[derive(Clone)]
pub struct Sandbox {
    db: Db,
    secret: Vec<u8>,
    /// Offer the test methods (declines, late and duplicate webhooks) besides the
    /// hosted checkout; off, payers see one method, the checkout page.
    test_mode: bool,
}

impl Sandbox {
    /// `secret` signs webhooks (shared with the verifying side, as with a real provider).
    pub fn new(db: Db, secret: Vec<u8>, test_mode: bool) -> Sandbox {
        Sandbox { db, secret, test_mode }
    }

    /// Whether the test methods are offered (the operator's choice; the demo's on).
    pub fn test_mode(&self) -> bool {
        self.test_mode
    }

    pub fn secret(&self) -> &[u8] {
        &self.secret
    }

    /// The payer's choice on the hosted checkout page. Answers the page to send
    /// the payer back to.
    pub async fn complete_checkout(&self, reference: &str, pay: bool) -> Result<String> {
        let mut tx = self.db.begin().await?;
        let charge = books::get_charge(tx.conn(), reference).await?.ok_or(ErrorCode::PaymentNotFound)?;
        let to = if pay { "succeeded" } else { "declined" };
        if books::move_charge(&mut tx, reference, "requires_action", to).await? {
            let kind = if pay { "charge.succeeded" } else { "charge.declined" };
            let reason = (!pay).then(|| "payer_declined".to_owned());
            schedule(&mut tx, event(reference, kind, reason), 0, 1).await?;
        }
        tx.commit().await?;
        Ok(charge.return_url)
    }

    /// A charge as the checkout page shows it.
    pub async fn checkout(&self, reference: &str) -> Result<books::ChargeRecord> {
        let mut conn = self.db.reader().await?;
        Ok(books::get_charge(&mut conn, reference).await?.ok_or(ErrorCode::PaymentNotFound)?)
    }

    /// Signs a delivery the way the sandbox does (for its delivery job and tests).
    pub fn sign(&self, now: Timestamp, body: &[u8]) -> String {
        sign_webhook(&self.secret, now.micros() / 1_000_000, body)
    }
}

fn event(reference: &str, kind: &str, reason: Option<String>) -> WebhookEvent {
    WebhookEvent {
        id: format!("evt_{reference}_{}", kind.replace('.', "_")),
        kind: kind.to_owned(),
        reference: reference.to_owned(),
        reason,
    }
}

/// Schedules `copies` deliveries of `event` after `delay_seconds`.
async fn schedule(tx: &mut Tx, event: WebhookEvent, delay_seconds: i64, copies: u32) -> Result<()> {
    let body = serde_json::to_string(&event).map_err(Error::internal)?;
    let at = tx.now().plus_seconds(delay_seconds);
    for copy in 0..copies {
        jobs::schedule(tx, DELIVERY_JOB, &format!("{}#{copy}", event.id), &body, at, 10).await?;
    }
    Ok(())
}

fn charge_of(record: &books::ChargeRecord) -> Charge {
    let status = match record.status.as_str() {
        "succeeded" => ChargeStatus::Succeeded,
        "declined" => ChargeStatus::Declined("card_declined".to_owned()),
        "requires_action" => {
            ChargeStatus::RequiresAction { redirect_url: format!("{CHECKOUT_PATH}/{}", record.reference) }
        }
        _ => ChargeStatus::Pending,
    };
    Charge { reference: record.reference.clone(), status }
}

impl PaymentProvider for Sandbox {
    fn name(&self) -> &'static str {
        NAME
    }

    fn methods(&self) -> &'static [&'static str] {
        if self.test_mode { METHODS } else { &METHODS[..1] }
    }

    fn create_charge<'a>(&'a self, request: ChargeRequest<'a>) -> BoxFuture<'a, Result<Charge>> {
        Box::pin(async move {
            if !self.methods().contains(&request.method) {
                return Err(Error::invalid_field("method", format!("one of {}", self.methods().join(", "))));
            }
            let mut tx = self.db.begin().await?;
            if let Some(existing) = books::charge_for_payment(tx.conn(), request.payment_id).await? {
                return Ok(charge_of(&existing));
            }
            // Unguessable: the hosted checkout page is reached by its reference alone.
            let reference = format!("sbx_ch_{}_{}", request.payment_id, carmine_core::secret::random_token(12));
            let status = match request.method {
                "sandbox_success" | "sandbox_duplicate" => "succeeded",
                "sandbox_decline" => "declined",
                "sandbox_checkout" => "requires_action",
                _ => "pending",
            };
            let charge = books::NewCharge {
                reference: &reference,
                payment_id: request.payment_id,
                amount: request.amount.amount_minor,
                currency: request.amount.currency.as_str(),
                method: request.method,
                status,
                return_url: request.return_url,
            };
            books::insert_charge(&mut tx, &charge).await?;
            match request.method {
                "sandbox_success" => schedule(&mut tx, event(&reference, "charge.succeeded", None), 2, 1).await?,
                "sandbox_duplicate" => schedule(&mut tx, event(&reference, "charge.succeeded", None), 2, 3).await?,
                "sandbox_decline" => {
                    let reason = Some("card_declined".to_owned());
                    schedule(&mut tx, event(&reference, "charge.declined", reason), 2, 1).await?
                }
                "sandbox_pending" => {
                    schedule(&mut tx, event(&reference, "charge.pending", None), 0, 1).await?;
                    schedule(&mut tx, event(&reference, "charge.succeeded", None), 60, 1).await?;
                }
                "sandbox_out_of_order" => {
                    schedule(&mut tx, event(&reference, "charge.succeeded", None), 1, 1).await?;
                    schedule(&mut tx, event(&reference, "charge.pending", None), 5, 1).await?;
                }
                _ => {}
            }
            let record = books::get_charge(tx.conn(), &reference).await?.ok_or(ErrorCode::Internal)?;
            tx.commit().await?;
            Ok(charge_of(&record))
        })
    }

    fn charge<'a>(&'a self, payment_id: Id) -> BoxFuture<'a, Result<Option<Charge>>> {
        Box::pin(async move {
            let mut conn = self.db.reader().await?;
            Ok(books::charge_for_payment(&mut conn, payment_id).await?.as_ref().map(charge_of))
        })
    }

    fn refund<'a>(
        &'a self,
        refund_id: Id,
        charge_reference: &'a str,
        amount: Money,
    ) -> BoxFuture<'a, Result<TransferResult>> {
        Box::pin(async move {
            let mut tx = self.db.begin().await?;
            if let Some((reference, status)) = books::get_transfer(tx.conn(), "refund", refund_id).await? {
                return Ok(transfer_result(reference, &status));
            }
            let reference = format!("sbx_re_{refund_id}");
            let covered = books::add_charge_refund(&mut tx, charge_reference, amount.amount_minor).await?;
            let status = if covered { "succeeded" } else { "failed" };
            books::insert_transfer(
                &mut tx,
                "refund",
                refund_id,
                &reference,
                amount.amount_minor,
                amount.currency.as_str(),
                status,
            )
            .await?;
            let kind = if covered { "refund.succeeded" } else { "refund.failed" };
            schedule(&mut tx, event(&reference, kind, None), 1, 1).await?;
            tx.commit().await?;
            Ok(transfer_result(reference, status))
        })
    }

    fn payout<'a>(
        &'a self,
        payout_id: Id,
        destination: &'a str,
        amount: Money,
    ) -> BoxFuture<'a, Result<TransferResult>> {
        Box::pin(async move {
            let mut tx = self.db.begin().await?;
            if let Some((reference, status)) = books::get_transfer(tx.conn(), "payout", payout_id).await? {
                return Ok(transfer_result(reference, &status));
            }
            let reference = format!("sbx_po_{payout_id}");
            let status = if destination.ends_with("0000") { "failed" } else { "succeeded" };
            books::insert_transfer(
                &mut tx,
                "payout",
                payout_id,
                &reference,
                amount.amount_minor,
                amount.currency.as_str(),
                status,
            )
            .await?;
            tx.commit().await?;
            Ok(transfer_result(reference, status))
        })
    }

    fn register_destination<'a>(
        &'a self,
        holder: &'a str,
        account_number: &'a str,
    ) -> BoxFuture<'a, Result<Destination>> {
        Box::pin(async move {
            let digits: String = account_number.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
            if !(8..=34).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Error::invalid_field("account_number", "8 to 34 digits"));
            }
            if holder.trim().is_empty() {
                return Err(Error::invalid_field("holder_name", "required"));
            }
            Ok(Destination { last4: digits[digits.len() - 4..].to_owned(), token: format!("sbx_acct_{digits}") })
        })
    }

    fn verify_webhook(&self, signature: Option<&str>, body: &[u8], now: Timestamp) -> Result<WebhookEvent> {
        verify_signature(&self.secret, signature, body, now)?;
        serde_json::from_slice(body).map_err(|_| Error::new(ErrorCode::MalformedJson))
    }
}

fn transfer_result(reference: String, status: &str) -> TransferResult {
    let status = match status {
        "succeeded" => TransferStatus::Succeeded,
        "failed" => TransferStatus::Failed(
            if reference.starts_with("sbx_po_") { "account_closed" } else { "refund_exceeds_charge" }.to_owned(),
        ),
        _ => TransferStatus::Pending,
    };
    TransferResult { reference, status }
}

/// Delivers the sandbox's scheduled webhooks, signed at delivery time, through the
/// same verification and handling as `POST /api/v1/payments/webhooks/sandbox`.
/// A `charge.succeeded` for a pending charge first settles it on the sandbox's books.
pub struct Delivery {
    pub sandbox: Sandbox,
    pub payments: crate::payments::Payments,
}

impl JobHandler for Delivery {
    fn kind(&self) -> &'static str {
        DELIVERY_JOB
    }

    fn run<'a>(&'a self, tx: &'a mut Tx, job: &'a JobRecord) -> carmine_jobs::BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let event: WebhookEvent = serde_json::from_str(&job.payload).map_err(Error::internal)?;
            if event.kind == "charge.succeeded" {
                books::move_charge(tx, &event.reference, "pending", "succeeded").await?;
            }
            let signature = self.sandbox.sign(tx.now(), job.payload.as_bytes());
            self.payments.receive_webhook_in(tx, NAME, Some(&signature), job.payload.as_bytes()).await?;
            Ok(())
        })
    }
}
