//! Money's API: a member's wallet (coins, earnings, their histories), coin
//! top-ups through the payment provider, gifts, payout accounts and withdrawals;
//! organizations' balances, top-ups and payouts; the provider's webhooks; and the
//! operator's revenue statement, refunds, payout batches and reconciliation.
//!
//! Every request that moves money takes an `Idempotency-Key` header (428 without):
//! the same key and body answer the first outcome again, another body under the
//! key is 422 `idempotency_key_reused`, a duplicate still running is 409.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use carmine_accounts::Caller;
use carmine_accounts::orgs::OrgAction;
use carmine_core::limits::{DECISION_REASON_CHARS_MAX, WEBHOOK_BODY_BYTES_MAX};
use carmine_core::money::{Currency, Money};
use carmine_core::{Error, ErrorCode, Id, Timestamp};
use carmine_ledger::payments::{Purpose, TopUp};
use carmine_ledger::statements::{Period, RevenueStatement};
use carmine_ledger::{AccountKind, AccountRef, Balance, IdempotencyKey, Owner, Stream};
use carmine_store::ledger::{EntryRecord, TransactionRecord};
use carmine_store::payments::{PaymentRecord, PayoutAccountRecord, PayoutRecord, RefundRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::views::{Items, Page};
use super::{PageQuery, page};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{Admin, ApiJson, ApiQuery, CheckLater, Member, path_id};
use crate::openapi::ErrorBody;

/// The header money-moving requests carry.
pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";

/// `{"amount_minor": 12345, "currency": "CNY"}`: integer minor units, never a float.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoneyView {
    pub amount_minor: i64,
    #[schema(value_type = String, example = "CNY")]
    pub currency: Currency,
}

impl MoneyView {
    pub fn new(amount_minor: i64, currency: Currency) -> MoneyView {
        MoneyView { amount_minor, currency }
    }

    fn of(amount_minor: i64, currency: &str) -> MoneyView {
        MoneyView { amount_minor, currency: Currency::parse(currency).unwrap_or(Currency::CNY) }
    }

    pub fn money(self) -> Money {
        Money::new(self.amount_minor, self.currency)
    }
}

/// The caller's key for a money-moving request, bound to the route and the body.
pub(crate) fn idempotency_key(
    headers: &HeaderMap,
    caller: &Caller,
    operation: &str,
    body: &impl Serialize,
) -> Result<IdempotencyKey, Error> {
    let raw = headers
        .get(IDEMPOTENCY_HEADER)
        .ok_or(ErrorCode::IdempotencyKeyRequired)?
        .to_str()
        .map_err(|_| Error::new(ErrorCode::InvalidIdempotencyKey))?;
    let canonical = serde_json::to_vec(body).map_err(Error::internal)?;
    IdempotencyKey::new(caller.user_id, raw, operation, &canonical)
}

#[derive(Serialize, ToSchema)]
pub struct BalanceView {
    /// `coins`, `earnings`, `ad_balance`, `escrow`, `merchant_receivable`…
    pub kind: String,
    pub label: String,
    /// Everything posted.
    pub posted: MoneyView,
    /// What may be spent or withdrawn now (posted minus pending holds).
    pub available: MoneyView,
    /// Reserved by pending holds (a requested payout, a refund in flight).
    pub pending_out: MoneyView,
    pub pending_in: MoneyView,
}

impl From<&Balance> for BalanceView {
    fn from(b: &Balance) -> Self {
        BalanceView {
            kind: b.kind.as_str().to_owned(),
            label: b.kind.label().to_owned(),
            posted: MoneyView::new(b.posted, b.currency),
            available: MoneyView::new(b.available, b.currency),
            pending_out: MoneyView::new(b.pending_out, b.currency),
            pending_in: MoneyView::new(b.pending_in, b.currency),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PayoutAccountView {
    pub provider: String,
    pub holder_name: String,
    pub account_last4: String,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

impl From<&PayoutAccountRecord> for PayoutAccountView {
    fn from(r: &PayoutAccountRecord) -> Self {
        PayoutAccountView {
            provider: r.provider.clone(),
            holder_name: r.holder_name.clone(),
            account_last4: r.account_last4.clone(),
            updated_at: r.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct WalletView {
    /// Coins: what the member paid in and has not spent.
    pub coins: BalanceView,
    /// The same, counted in coins.
    pub coin_count: i64,
    /// What one coin costs.
    pub coin_price: MoneyView,
    /// Gifts and other income, withdrawable.
    pub earnings: BalanceView,
    pub payout_account: Option<PayoutAccountView>,
    /// Payment methods a top-up accepts.
    pub top_up_methods: Vec<String>,
}

/// The caller's wallet.
#[utoipa::path(get, path = "/api/v1/me/wallet", tag = "money", responses((status = 200, body = WalletView)),
    security(("session" = []), ("bearer" = [])))]
pub async fn wallet(State(state): State<AppState>, Member(caller): Member) -> Result<Json<WalletView>, ApiError> {
    Ok(Json(wallet_view(&state, &caller).await?))
}

pub(crate) async fn wallet_view(state: &AppState, caller: &Caller) -> Result<WalletView, Error> {
    let ledger = state.ledger();
    let currency = ledger.config().currency;
    let owner = Owner::User(caller.user_id);
    let coins = ledger.balance(AccountRef::new(owner, AccountKind::Coins, currency)).await?;
    let earnings = ledger.balance(AccountRef::new(owner, AccountKind::Earnings, currency)).await?;
    let payout_account = state.payments().payout_account(owner).await?;
    Ok(WalletView {
        coin_count: coins.posted / ledger.config().coin_minor,
        coin_price: MoneyView::new(ledger.config().coin_minor, currency),
        coins: BalanceView::from(&coins),
        earnings: BalanceView::from(&earnings),
        payout_account: payout_account.as_ref().map(PayoutAccountView::from),
        top_up_methods: state.payments().provider().methods().iter().map(|m| (*m).to_owned()).collect(),
    })
}

#[derive(Serialize, ToSchema)]
pub struct EntryView {
    pub transaction_id: String,
    /// `top_up`, `gift`, `payout`, `payout_sent`, `refund`, `reversal`…
    pub kind: String,
    pub reference_kind: String,
    pub reference_id: String,
    /// Signed: positive came in.
    pub amount: MoneyView,
    pub memo: String,
    pub reverses: Option<String>,
    pub reversed_by: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

impl From<&EntryRecord> for EntryView {
    fn from(e: &EntryRecord) -> Self {
        let t = &e.transaction;
        EntryView {
            transaction_id: t.id.to_string(),
            kind: t.kind.clone(),
            reference_kind: t.reference_kind.clone(),
            reference_id: t.reference_id.to_string(),
            amount: MoneyView::of(e.amount, &e.currency),
            memo: t.memo.clone(),
            reverses: t.reverses_id.map(|id| id.to_string()),
            reversed_by: t.reversed_by.map(|id| id.to_string()),
            created_at: t.created_at,
        }
    }
}

fn member_account(kind: &str) -> Result<AccountKind, Error> {
    match AccountKind::parse(kind) {
        Some(kind @ (AccountKind::Coins | AccountKind::Earnings)) => Ok(kind),
        _ => Err(Error::invalid_field("account", "coins or earnings")),
    }
}

fn org_account(kind: &str) -> Result<AccountKind, Error> {
    match AccountKind::parse(kind) {
        Some(
            kind @ (AccountKind::AdBalance
            | AccountKind::Escrow
            | AccountKind::Earnings
            | AccountKind::MerchantReceivable),
        ) => Ok(kind),
        _ => Err(Error::invalid_field("account", "ad_balance, escrow, earnings or merchant_receivable")),
    }
}

pub(crate) async fn entries_page(
    state: &AppState,
    owner: Owner,
    kind: AccountKind,
    query: &PageQuery,
) -> Result<Page<EntryView>, Error> {
    let (limit, after) = query.position(state)?;
    let account = AccountRef::new(owner, kind, state.ledger().config().currency);
    let balance = state.ledger().balance(account).await?;
    let rows = if balance.account_id.as_i64() == 0 {
        Vec::new()
    } else {
        state.ledger().entries(owner, balance.account_id, after, limit).await?
    };
    Ok(page(state, rows, limit, |e| e.transaction.id, |e| EntryView::from(e)))
}

/// The history of the caller's `coins` or `earnings`, newest first.
#[utoipa::path(get, path = "/api/v1/me/wallet/{account}/entries", tag = "money",
    params(("account" = String, Path, description = "`coins` or `earnings`"), PageQuery),
    responses((status = 200, body = Page<EntryView>), (status = 422, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn wallet_entries(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(account): Path<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Page<EntryView>>, ApiError> {
    let kind = member_account(&account)?;
    Ok(Json(entries_page(&state, Owner::User(caller.user_id), kind, &query).await?))
}

#[derive(Serialize, ToSchema)]
pub struct PaymentView {
    pub id: String,
    /// `coins`, `ad_balance` or `escrow`.
    pub purpose: String,
    /// `created`, `requires_action` (finish on `redirect_url`), `pending`, `succeeded`, `declined`.
    pub status: String,
    pub amount: MoneyView,
    pub method: String,
    pub provider: String,
    /// The provider's id of the charge.
    pub provider_ref: Option<String>,
    pub decline_reason: Option<String>,
    pub refunded: MoneyView,
    pub redirect_url: Option<String>,
    /// The ledger transaction that credited it (once succeeded).
    pub transaction_id: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

impl From<&PaymentRecord> for PaymentView {
    fn from(p: &PaymentRecord) -> Self {
        PaymentView {
            id: p.id.to_string(),
            purpose: p.purpose.clone(),
            status: p.status.clone(),
            amount: MoneyView::of(p.amount, &p.currency),
            method: p.method.clone(),
            provider: p.provider.clone(),
            provider_ref: p.provider_ref.clone(),
            decline_reason: p.decline_reason.clone(),
            refunded: MoneyView::of(p.refunded, &p.currency),
            redirect_url: p.redirect_url.clone().filter(|_| p.status == "requires_action"),
            transaction_id: p.transaction_id.map(|id| id.to_string()),
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TopUpRequest {
    /// For coins: a whole number of coins' worth, from ¥1 to ¥5,000.
    pub amount: MoneyView,
    /// One of the wallet's `top_up_methods` (`sandbox_checkout` sends the payer to a page).

    #[schema(min_length = 1, max_length = 64)]
    pub method: String,
}

/// Buys coins. `201` with the payment: `succeeded` (coins credited),
/// `requires_action` (open `redirect_url`), `pending` (a webhook settles it) or `declined`.
#[utoipa::path(post, path = "/api/v1/me/wallet/top-ups", tag = "money", request_body = TopUpRequest,
    params(("Idempotency-Key" = String, Header, description = "1–64 visible ASCII characters")),
    responses((status = 201, body = PaymentView), (status = 409, body = ErrorBody, description = "`idempotency_key_in_use`"),
        (status = 422, body = ErrorBody, description = "`invalid_amount`, `unsupported_currency`, `idempotency_key_reused`"),
        (status = 428, body = ErrorBody, description = "`idempotency_key_required`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn top_up(
    State(state): State<AppState>,
    Member(caller): Member,
    headers: HeaderMap,
    ApiJson(body): ApiJson<TopUpRequest>,
) -> Result<(StatusCode, Json<PaymentView>), ApiError> {
    let key = idempotency_key(&headers, &caller, "wallet.top_up", &body)?;
    let request = TopUp {
        payer: caller.user_id,
        owner: Owner::User(caller.user_id),
        purpose: Purpose::Coins,
        amount: body.amount.money(),
        method: &body.method,
        return_url: "/wallet/payments/{payment}",
    };
    let payment = state.payments().top_up(&request, &key).await?;
    Ok((StatusCode::CREATED, Json(PaymentView::from(&payment))))
}

/// The caller's payments, newest first.
#[utoipa::path(get, path = "/api/v1/me/payments", tag = "money", params(PageQuery),
    responses((status = 200, body = Page<PaymentView>)), security(("session" = []), ("bearer" = [])))]
pub async fn my_payments(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Page<PaymentView>>, ApiError> {
    let (limit, after) = query.position(&state)?;
    let rows = state.payments().list(caller.user_id, after, limit).await?;
    Ok(Json(page(&state, rows, limit, |p| p.id, |p| PaymentView::from(p))))
}

/// One of the caller's payments; an open one is first checked with the provider.
#[utoipa::path(get, path = "/api/v1/payments/{id}", tag = "money", params(("id" = String, Path)),
    responses((status = 200, body = PaymentView), (status = 404, body = ErrorBody, description = "`payment_not_found`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn get_payment(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Json<PaymentView>, ApiError> {
    Ok(Json(PaymentView::from(&payment_for(&state, &caller, &id).await?)))
}

/// A payment of the caller's, brought up to date with the provider if still open.
pub(crate) async fn payment_for(state: &AppState, caller: &Caller, id: &str) -> Result<PaymentRecord, Error> {
    let id = id.parse::<Id>().map_err(|_| Error::new(ErrorCode::PaymentNotFound))?;
    let payment = state.payments().get_for(caller.user_id, id).await?;
    if matches!(payment.status.as_str(), "created" | "requires_action" | "pending") {
        return state.payments().resume(id, None).await;
    }
    Ok(payment)
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GiftRequest {
    /// The creator's username.

    #[schema(min_length = 3, max_length = 24)]
    pub to: String,
    /// Whole coins, 1 to 100,000.

    #[schema(minimum = 1, maximum = 100000)]
    pub coins: i64,
    /// The note it is sent on.

    #[schema(pattern = "^[0-9]{1,19}$")]
    pub note_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PostingView {
    pub owner_kind: String,
    pub owner_id: String,
    pub account: String,
    pub amount: MoneyView,
}

#[derive(Serialize, ToSchema)]
pub struct TransactionView {
    pub id: String,
    pub kind: String,
    pub reference_kind: String,
    pub reference_id: String,
    pub memo: String,
    pub reverses: Option<String>,
    pub reversed_by: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// Every posting; they sum to zero.
    pub postings: Vec<PostingView>,
}

fn transaction_view(t: &TransactionRecord, postings: &[carmine_store::ledger::PostingRecord]) -> TransactionView {
    TransactionView {
        id: t.id.to_string(),
        kind: t.kind.clone(),
        reference_kind: t.reference_kind.clone(),
        reference_id: t.reference_id.to_string(),
        memo: t.memo.clone(),
        reverses: t.reverses_id.map(|id| id.to_string()),
        reversed_by: t.reversed_by.map(|id| id.to_string()),
        created_at: t.created_at,
        postings: postings
            .iter()
            .map(|p| PostingView {
                owner_kind: p.owner_kind.clone(),
                owner_id: p.owner_id.to_string(),
                account: p.account_kind.clone(),
                amount: MoneyView::of(p.amount, &p.currency),
            })
            .collect(),
    }
}

/// Sends coins to a creator: their share goes to the creator's earnings, the rest
/// (and any rounding) is the platform's live-gift revenue.
#[utoipa::path(post, path = "/api/v1/gifts", tag = "money", request_body = GiftRequest,
    params(("Idempotency-Key" = String, Header)),
    responses((status = 201, body = TransactionView),
        (status = 403, body = ErrorBody, description = "`blocked`"), (status = 404, body = ErrorBody, description = "`user_not_found`"),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody, description = "`insufficient_funds`, `invalid_amount`, `cannot_gift_self`"),
        (status = 428, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn send_gift(
    State(state): State<AppState>,
    Member(caller): Member,
    headers: HeaderMap,
    ApiJson(body): ApiJson<GiftRequest>,
) -> Result<(StatusCode, Json<TransactionView>), ApiError> {
    let key = idempotency_key(&headers, &caller, "gift", &body)?;
    let transaction = gift(&state, &caller, &body, &key).await?;
    let (record, postings) = state.ledger().transaction(transaction).await?;
    Ok((StatusCode::CREATED, Json(transaction_view(&record, &postings))))
}

pub(crate) async fn gift(
    state: &AppState,
    caller: &Caller,
    body: &GiftRequest,
    key: &IdempotencyKey,
) -> Result<Id, Error> {
    let recipient = state.accounts().user_id_by_username(&body.to).await?.ok_or(ErrorCode::UserNotFound)?;
    let note = match body.note_id.as_deref() {
        Some(raw) => {
            let id = raw.parse::<Id>().map_err(|_| Error::invalid_field("note_id", "not a note id"))?;
            // A gift on a note is on the recipient's own note, one the sender may see:
            // the ledger's reference is never another creator's note or a made-up id.
            let visible = state.notes().visible_records(Some(caller), &[id]).await?;
            if !visible.iter().any(|n| n.author_id == recipient || n.posted_by == recipient) {
                return Err(Error::invalid_field("note_id", "not a note of the recipient that you can see"));
            }
            Some(id)
        }
        None => None,
    };
    let gift = carmine_ledger::gifts::Gift { from: caller.user_id, to: recipient, coins: body.coins, note };
    state.ledger().send_gift(&gift, key).await
}

/// A ledger transaction with a posting on one of the caller's accounts (any, for an admin).
#[utoipa::path(get, path = "/api/v1/transactions/{id}", tag = "money", params(("id" = String, Path)),
    responses((status = 200, body = TransactionView), (status = 404, body = ErrorBody, description = "`transaction_not_found`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn get_transaction(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Json<TransactionView>, ApiError> {
    let id = path_id(&id, ErrorCode::TransactionNotFound)?;
    let (record, postings) = state.ledger().transaction(id).await?;
    let mine = postings.iter().any(|p| p.owner_kind == "user" && p.owner_id == caller.user_id);
    if !mine && !caller.is_admin {
        return Err(ApiError(Error::new(ErrorCode::TransactionNotFound)));
    }
    Ok(Json(transaction_view(&record, &postings)))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayoutAccountRequest {
    #[schema(min_length = 1, max_length = 64)]
    pub holder_name: String,
    /// 8 to 34 digits (the sandbox fails payouts to numbers ending in 0000).

    #[schema(pattern = "^[0-9]{8,34}$")]
    pub account_number: String,
}

/// Where the caller's payouts go.
#[utoipa::path(get, path = "/api/v1/me/payout-account", tag = "money",
    responses((status = 200, body = PayoutAccountView), (status = 409, body = ErrorBody, description = "`payout_account_required`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn my_payout_account(
    State(state): State<AppState>,
    Member(caller): Member,
) -> Result<Json<PayoutAccountView>, ApiError> {
    let account = state.payments().payout_account(Owner::User(caller.user_id)).await?;
    Ok(Json(PayoutAccountView::from(&account.ok_or(ErrorCode::PayoutAccountRequired)?)))
}

/// Registers or replaces where the caller's payouts go (only its last four digits are kept).
#[utoipa::path(put, path = "/api/v1/me/payout-account", tag = "money", request_body = PayoutAccountRequest,
    responses((status = 200, body = PayoutAccountView), (status = 422, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn set_my_payout_account(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiJson(body): ApiJson<PayoutAccountRequest>,
) -> Result<Json<PayoutAccountView>, ApiError> {
    let record = state
        .payments()
        .set_payout_account(Owner::User(caller.user_id), &body.holder_name, &body.account_number)
        .await?;
    Ok(Json(PayoutAccountView::from(&record)))
}

#[derive(Serialize, ToSchema)]
pub struct PayoutView {
    pub id: String,
    pub amount: MoneyView,
    /// `requested` (held, waiting for a batch), `submitted`, `paid`, `failed`
    /// (returned to earnings), `cancelled`, `expired`.
    pub status: String,
    pub provider_ref: Option<String>,
    pub failure_reason: Option<String>,
    pub batch_id: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

impl From<&PayoutRecord> for PayoutView {
    fn from(p: &PayoutRecord) -> Self {
        PayoutView {
            id: p.id.to_string(),
            amount: MoneyView::of(p.amount, &p.currency),
            status: p.status.clone(),
            provider_ref: p.provider_ref.clone(),
            failure_reason: p.failure_reason.clone(),
            batch_id: p.batch_id.map(|id| id.to_string()),
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayoutRequest {
    /// From ¥1 to ¥50,000 of available earnings.
    pub amount: MoneyView,
}

/// Withdraws available earnings: held now, sent with the next payout batch.
#[utoipa::path(post, path = "/api/v1/me/payouts", tag = "money", request_body = PayoutRequest,
    params(("Idempotency-Key" = String, Header)),
    responses((status = 201, body = PayoutView), (status = 409, body = ErrorBody, description = "`payout_account_required`"),
        (status = 422, body = ErrorBody, description = "`insufficient_funds`, `invalid_amount`"), (status = 428, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn request_my_payout(
    State(state): State<AppState>,
    Member(caller): Member,
    headers: HeaderMap,
    ApiJson(body): ApiJson<PayoutRequest>,
) -> Result<(StatusCode, Json<PayoutView>), ApiError> {
    let key = idempotency_key(&headers, &caller, "me.payout", &body)?;
    let payout =
        state.payments().request_payout(Owner::User(caller.user_id), caller.user_id, body.amount.money(), &key).await?;
    Ok((StatusCode::CREATED, Json(PayoutView::from(&payout))))
}

/// The caller's payouts, newest first.
#[utoipa::path(get, path = "/api/v1/me/payouts", tag = "money", params(PageQuery),
    responses((status = 200, body = Page<PayoutView>)), security(("session" = []), ("bearer" = [])))]
pub async fn my_payouts(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Page<PayoutView>>, ApiError> {
    Ok(Json(payouts_page(&state, Owner::User(caller.user_id), &query).await?))
}

async fn payouts_page(state: &AppState, owner: Owner, query: &PageQuery) -> Result<Page<PayoutView>, Error> {
    let (limit, after) = query.position(state)?;
    let rows = state.payments().payouts(owner, after, limit).await?;
    Ok(page(state, rows, limit, |p| p.id, |p| PayoutView::from(p)))
}

/// Cancels a payout no batch has taken yet; the amount is available again.
#[utoipa::path(post, path = "/api/v1/me/payouts/{id}/cancel", tag = "money", params(("id" = String, Path)),
    responses((status = 200, body = PayoutView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "`payout_not_cancellable`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn cancel_my_payout(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Json<PayoutView>, ApiError> {
    let id = path_id(&id, ErrorCode::PayoutNotFound)?;
    Ok(Json(PayoutView::from(&state.payments().cancel_payout(Owner::User(caller.user_id), id).await?)))
}

// ---- organizations ----

async fn org_owner(state: &AppState, caller: &Caller, handle: &str, action: OrgAction) -> Result<Owner, Error> {
    Ok(Owner::Org(state.accounts().authorize_org(caller, handle, action).await?.org.id))
}

/// An organization's balances (owners, admins, analysts).
#[utoipa::path(get, path = "/api/v1/orgs/{org}/balances", tag = "money", params(("org" = String, Path)),
    responses((status = 200, body = Items<BalanceView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn org_balances(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(org): Path<String>,
) -> Result<Json<Items<BalanceView>>, ApiError> {
    let owner = org_owner(&state, &caller, &org, OrgAction::ViewMoney).await?;
    Ok(Json(Items { items: org_balance_views(&state, owner).await? }))
}

/// Every balance an organization may hold, zero where nothing moved yet.
pub(crate) async fn org_balance_views(state: &AppState, owner: Owner) -> Result<Vec<BalanceView>, Error> {
    let currency = state.ledger().config().currency;
    let mut views = Vec::new();
    for kind in [AccountKind::AdBalance, AccountKind::Escrow, AccountKind::Earnings, AccountKind::MerchantReceivable] {
        views.push(BalanceView::from(&state.ledger().balance(AccountRef::new(owner, kind, currency)).await?));
    }
    Ok(views)
}

/// One organization balance's history, newest first.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/balances/{account}/entries", tag = "money",
    params(("org" = String, Path), ("account" = String, Path, description = "`ad_balance`, `escrow`, `earnings`, `merchant_receivable`"), PageQuery),
    responses((status = 200, body = Page<EntryView>), (status = 404, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn org_entries(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((org, account)): Path<(String, String)>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Page<EntryView>>, ApiError> {
    let owner = org_owner(&state, &caller, &org, OrgAction::ViewMoney).await?;
    let kind = org_account(&account)?;
    Ok(Json(entries_page(&state, owner, kind, &query).await?))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgTopUpRequest {
    /// `ad_balance` or `escrow`.

    #[schema(value_type = super::views::TopUpPurposeName)]
    pub purpose: String,
    /// From ¥1 to ¥1,000,000.
    pub amount: MoneyView,

    #[schema(min_length = 1, max_length = 64)]
    pub method: String,
}

/// Tops up an organization's ad balance or funds its escrow (owners, admins).
#[utoipa::path(post, path = "/api/v1/orgs/{org}/top-ups", tag = "money", params(("org" = String, Path), ("Idempotency-Key" = String, Header)),
    request_body = OrgTopUpRequest,
    responses((status = 201, body = PaymentView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 428, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn org_top_up(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(org): Path<String>,
    headers: HeaderMap,
    body: CheckLater<OrgTopUpRequest>,
) -> Result<(StatusCode, Json<PaymentView>), ApiError> {
    let owner = org_owner(&state, &caller, &org, OrgAction::ManageMoney).await?;
    let body = body.parse()?;
    let purpose = match Purpose::parse(&body.purpose) {
        Some(purpose @ (Purpose::AdBalance | Purpose::Escrow)) => purpose,
        _ => return Err(ApiError(Error::invalid_field("purpose", "ad_balance or escrow"))),
    };
    let key = idempotency_key(&headers, &caller, &format!("org.{}.top_up", owner.id()), &body)?;
    let return_url = format!("/o/{}/money?payment={{payment}}", org.to_ascii_lowercase());
    let request = TopUp {
        payer: caller.user_id,
        owner,
        purpose,
        amount: body.amount.money(),
        method: &body.method,
        return_url: &return_url,
    };
    let payment = state.payments().top_up(&request, &key).await?;
    Ok((StatusCode::CREATED, Json(PaymentView::from(&payment))))
}

/// Where an organization's payouts go (owners, admins, analysts).
#[utoipa::path(get, path = "/api/v1/orgs/{org}/payout-account", tag = "money", params(("org" = String, Path)),
    responses((status = 200, body = PayoutAccountView), (status = 404, body = ErrorBody, description = "`org_not_found`"), (status = 409, body = ErrorBody, description = "`payout_account_required`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn org_payout_account(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(org): Path<String>,
) -> Result<Json<PayoutAccountView>, ApiError> {
    let owner = org_owner(&state, &caller, &org, OrgAction::ViewMoney).await?;
    let account = state.payments().payout_account(owner).await?;
    Ok(Json(PayoutAccountView::from(&account.ok_or(ErrorCode::PayoutAccountRequired)?)))
}

/// Registers where an organization's payouts go (owners, admins).
#[utoipa::path(put, path = "/api/v1/orgs/{org}/payout-account", tag = "money", params(("org" = String, Path)),
    request_body = PayoutAccountRequest,
    responses((status = 200, body = PayoutAccountView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn set_org_payout_account(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(org): Path<String>,
    body: CheckLater<PayoutAccountRequest>,
) -> Result<Json<PayoutAccountView>, ApiError> {
    let owner = org_owner(&state, &caller, &org, OrgAction::ManageMoney).await?;
    let body = body.parse()?;
    let record = state.payments().set_payout_account(owner, &body.holder_name, &body.account_number).await?;
    Ok(Json(PayoutAccountView::from(&record)))
}

/// Withdraws an organization's available earnings (owners, admins).
#[utoipa::path(post, path = "/api/v1/orgs/{org}/payouts", tag = "money", params(("org" = String, Path), ("Idempotency-Key" = String, Header)),
    request_body = PayoutRequest,
    responses((status = 201, body = PayoutView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 428, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn request_org_payout(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(org): Path<String>,
    headers: HeaderMap,
    body: CheckLater<PayoutRequest>,
) -> Result<(StatusCode, Json<PayoutView>), ApiError> {
    let owner = org_owner(&state, &caller, &org, OrgAction::ManageMoney).await?;
    let body = body.parse()?;
    let key = idempotency_key(&headers, &caller, &format!("org.{}.payout", owner.id()), &body)?;
    let payout = state.payments().request_payout(owner, caller.user_id, body.amount.money(), &key).await?;
    Ok((StatusCode::CREATED, Json(PayoutView::from(&payout))))
}

/// An organization's payouts, newest first (owners, admins, analysts).
#[utoipa::path(get, path = "/api/v1/orgs/{org}/payouts", tag = "money", params(("org" = String, Path), PageQuery),
    responses((status = 200, body = Page<PayoutView>), (status = 404, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn org_payouts(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(org): Path<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Page<PayoutView>>, ApiError> {
    let owner = org_owner(&state, &caller, &org, OrgAction::ViewMoney).await?;
    Ok(Json(payouts_page(&state, owner, &query).await?))
}

// ---- the provider's webhooks ----

#[derive(Serialize, ToSchema)]
pub struct WebhookAck {
    pub received: bool,
    /// The event was delivered before and is ignored this time.
    pub duplicate: bool,
}

/// A payment provider's webhook: the raw body, signed in `Carmine-Signature`
/// (`t=<unix>,v1=<hex HMAC-SHA-256 of "t.body">`). Forged or stale → 400
/// `webhook_signature_invalid` and nothing changes; a replay → 200 `duplicate`.
#[utoipa::path(post, path = "/api/v1/payments/webhooks/{provider}", tag = "money", params(("provider" = String, Path)),
    request_body(content = String, content_type = "application/json"),
    responses((status = 200, body = WebhookAck), (status = 400, body = ErrorBody, description = "`webhook_signature_invalid`"),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn webhook(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<WebhookAck>, ApiError> {
    if body.len() > WEBHOOK_BODY_BYTES_MAX {
        return Err(ApiError(Error::new(ErrorCode::PayloadTooLarge)));
    }
    let signature = headers.get("carmine-signature").and_then(|v| v.to_str().ok());
    let receipt = state.payments().receive_webhook(&provider, signature, &body).await?;
    Ok(Json(WebhookAck { received: true, duplicate: receipt == carmine_ledger::payments::WebhookReceipt::Duplicate }))
}

// ---- the operator ----

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatementParams {
    /// First day (`2026-11-01`, UTC); default: 29 days before `to`.
    pub from: Option<String>,
    /// Last day, inclusive; default: today.
    pub to: Option<String>,
    /// `day` (default) or `month`.
    pub period: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct StreamView {
    pub stream: String,
    pub label: String,
}

#[derive(Serialize, ToSchema)]
pub struct StatementRowView {
    pub period: String,
    /// One amount per stream, in `streams` order.
    pub by_stream: Vec<MoneyView>,
    pub total: MoneyView,
}

#[derive(Serialize, ToSchema)]
pub struct StatementView {
    pub from: String,
    pub to: String,
    pub period: String,
    pub streams: Vec<StreamView>,
    pub rows: Vec<StatementRowView>,
    pub totals: Vec<MoneyView>,
    pub total: MoneyView,
}

impl From<&RevenueStatement> for StatementView {
    fn from(s: &RevenueStatement) -> Self {
        let money = |v: i64| MoneyView::new(v, s.currency);
        StatementView {
            from: s.from.to_string(),
            to: s.to.to_string(),
            period: s.period.as_str().to_owned(),
            streams: Stream::ALL
                .iter()
                .map(|st| StreamView { stream: st.as_str().to_owned(), label: st.label().to_owned() })
                .collect(),
            rows: s
                .rows
                .iter()
                .map(|r| StatementRowView {
                    period: r.label.clone(),
                    by_stream: r.by_stream.iter().map(|v| money(*v)).collect(),
                    total: money(r.total),
                })
                .collect(),
            totals: s.totals.iter().map(|v| money(*v)).collect(),
            total: money(s.total),
        }
    }
}

/// The days `from..=to` a statement covers: `to` defaults to today, `from` to 29
/// days before `to`.
pub(crate) fn day_range(
    state: &AppState,
    from: &Option<String>,
    to: &Option<String>,
) -> Result<(jiff::civil::Date, jiff::civil::Date), Error> {
    let day = |field: &str, raw: &Option<String>| -> Result<Option<jiff::civil::Date>, Error> {
        match raw.as_deref().filter(|r| !r.is_empty()) {
            Some(raw) => raw.parse().map(Some).map_err(|_| Error::invalid_field(field, "a date such as 2026-11-25")),
            None => Ok(None),
        }
    };
    let today = state.ledger().now().local_date();
    let to = day("to", to)?.unwrap_or(today);
    let from = match day("from", from)? {
        Some(from) => from,
        None => to.checked_sub(jiff::Span::new().days(29)).map_err(Error::internal)?,
    };
    if to < from {
        return Err(Error::invalid_field("to", "must not be before from"));
    }
    Ok((from, to))
}

pub(crate) async fn statement(state: &AppState, params: &StatementParams) -> Result<RevenueStatement, Error> {
    let (from, to) = day_range(state, &params.from, &params.to)?;
    let period = match params.period.as_deref() {
        None | Some("") => Period::Day,
        Some(raw) => Period::parse(raw).ok_or_else(|| Error::invalid_field("period", "day or month"))?,
    };
    carmine_ledger::statements::revenue(state.ledger().db(), state.ledger().config().currency, from, to, period).await
}

/// The platform's revenue by stream and period (admins).
#[utoipa::path(get, path = "/api/v1/admin/revenue", tag = "money", params(StatementParams),
    responses((status = 200, body = StatementView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn revenue(
    State(state): State<AppState>,
    Admin(caller): Admin,
    ApiQuery(params): ApiQuery<StatementParams>,
) -> Result<Json<StatementView>, ApiError> {
    state.accounts().require_admin(&caller)?;
    Ok(Json(StatementView::from(&statement(&state, &params).await?)))
}

/// The same statement as CSV (amounts as decimals).
#[utoipa::path(get, path = "/api/v1/admin/revenue.csv", tag = "money", params(StatementParams),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn revenue_csv(
    State(state): State<AppState>,
    Admin(caller): Admin,
    ApiQuery(params): ApiQuery<StatementParams>,
) -> Result<Response, ApiError> {
    state.accounts().require_admin(&caller)?;
    let statement = statement(&state, &params).await?;
    Ok(csv_response(&statement))
}

pub(crate) fn csv_response(statement: &RevenueStatement) -> Response {
    let name = format!("revenue-{}-{}.csv", statement.from, statement.to);
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        statement.csv(),
    )
        .into_response()
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundRequest {
    pub amount: MoneyView,

    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct RefundView {
    pub id: String,
    pub payment_id: String,
    pub amount: MoneyView,
    /// `pending`, `succeeded`, `failed`.
    pub status: String,
    pub reason: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

impl From<&RefundRecord> for RefundView {
    fn from(r: &RefundRecord) -> Self {
        RefundView {
            id: r.id.to_string(),
            payment_id: r.payment_id.to_string(),
            amount: MoneyView::of(r.amount, &r.currency),
            status: r.status.clone(),
            reason: r.reason.clone(),
            created_at: r.created_at,
        }
    }
}

/// Refunds part or all of a succeeded payment (admins): held on the credited
/// account, sent back through the provider, posted when it confirms.
#[utoipa::path(post, path = "/api/v1/admin/payments/{id}/refunds", tag = "money", params(("id" = String, Path), ("Idempotency-Key" = String, Header)),
    request_body = RefundRequest,
    responses((status = 201, body = RefundView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "`payment_not_refundable`"),
        (status = 422, body = ErrorBody, description = "`refund_exceeds_payment`, `insufficient_funds` (the coins were spent)")),
    security(("session" = []), ("bearer" = [])))]
pub async fn refund(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<RefundRequest>,
) -> Result<(StatusCode, Json<RefundView>), ApiError> {
    state.accounts().require_admin(&caller)?;
    let id = path_id(&id, ErrorCode::PaymentNotFound)?;
    let reason = body.reason.trim();
    if reason.is_empty() || reason.chars().count() > DECISION_REASON_CHARS_MAX {
        return Err(ApiError(Error::invalid_field("reason", format!("1 to {DECISION_REASON_CHARS_MAX} characters"))));
    }
    let key = idempotency_key(&headers, &caller, &format!("refund.{id}"), &body)?;
    let refund = state.payments().refund(caller.user_id, id, body.amount.money(), reason, &key).await?;
    Ok((StatusCode::CREATED, Json(RefundView::from(&refund))))
}

#[derive(Serialize, ToSchema)]
pub struct BatchView {
    pub batch_id: Option<String>,
    pub submitted: usize,
    pub paid: usize,
    pub failed: usize,
    pub expired: usize,
}

/// Sends the requested payouts now instead of at the next hourly batch (admins).
#[utoipa::path(post, path = "/api/v1/admin/payouts/batches", tag = "money",
    responses((status = 200, body = BatchView), (status = 403, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn run_payout_batch(
    State(state): State<AppState>,
    Admin(caller): Admin,
) -> Result<Json<BatchView>, ApiError> {
    state.accounts().require_admin(&caller)?;
    let report = state.payments().run_payout_batch().await?;
    Ok(Json(BatchView {
        batch_id: report.batch_id.map(|id| id.to_string()),
        submitted: report.submitted,
        paid: report.paid,
        failed: report.failed,
        expired: report.expired,
    }))
}

/// The latest payouts of everyone (admins).
#[utoipa::path(get, path = "/api/v1/admin/payouts", tag = "money",
    responses((status = 200, body = Items<PayoutView>), (status = 403, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn admin_payouts(
    State(state): State<AppState>,
    Admin(caller): Admin,
) -> Result<Json<Items<PayoutView>>, ApiError> {
    state.accounts().require_admin(&caller)?;
    let payouts = state.payments().recent_payouts(100).await?;
    Ok(Json(Items { items: payouts.iter().map(PayoutView::from).collect() }))
}

#[derive(Serialize, ToSchema)]
pub struct ReconciliationView {
    pub clean: bool,
    pub accounts: usize,
    pub transactions: i64,
    /// Per currency, the sum of every balance (zero when the books balance).
    pub trial_balance: Vec<MoneyView>,
    pub mismatched: Vec<String>,
    pub unbalanced_transactions: Vec<String>,
    pub below_floor: Vec<String>,
}

/// Recomputes every balance from the postings and checks the books (admins).
#[utoipa::path(get, path = "/api/v1/admin/ledger/reconciliation", tag = "money",
    responses((status = 200, body = ReconciliationView), (status = 403, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn reconciliation(
    State(state): State<AppState>,
    Admin(caller): Admin,
) -> Result<Json<ReconciliationView>, ApiError> {
    state.accounts().require_admin(&caller)?;
    let report = carmine_ledger::reconcile::reconcile(state.ledger().db()).await?;
    Ok(Json(ReconciliationView {
        clean: report.is_clean(),
        accounts: report.accounts,
        transactions: report.transactions,
        trial_balance: report.trial_balance.iter().map(|(c, total)| MoneyView::of(*total, c)).collect(),
        mismatched: report.mismatched.clone(),
        unbalanced_transactions: report
            .unbalanced_transactions
            .iter()
            .chain(&report.lopsided_transactions)
            .map(|id| id.to_string())
            .collect(),
        below_floor: report.below_floor.clone(),
    }))
}
