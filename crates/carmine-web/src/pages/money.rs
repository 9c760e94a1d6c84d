//! Money's pages: the member's wallet (coins, top-ups, earnings, payout account,
//! withdrawals, histories), a payment's status after the provider, gifts from a
//! profile, the sandbox provider's hosted checkout, an organization's balances and
//! top-ups, and the operator's revenue statement (SVG chart, CSV) and payouts.
//!
//! Forms that move money carry an `idempotency_key` made when the page was drawn,
//! so a double-clicked or resubmitted form moves money once.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use carmine_accounts::Caller;
use carmine_accounts::orgs::OrgAction;
use carmine_core::money::Money;
use carmine_core::secret::random_token;
use carmine_core::{Error, ErrorCode, Id, Timestamp};
use carmine_ledger::payments::{Purpose, TopUp};
use carmine_ledger::statements::{RevenueStatement, decimal};
use carmine_ledger::{AccountKind, AccountRef, IdempotencyKey, Owner, Stream};
use serde::Deserialize;

use super::{Done, Layout, PageForm, done, render, shown_on_form};
use crate::api::PageQuery;
use crate::api::money::{self as api, EntryView, StatementParams};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiQuery, Member, RequestContext};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/wallet", get(wallet))
        .route("/wallet/top-up", post(top_up))
        .route("/wallet/payments/{id}", get(payment))
        .route("/wallet/payout-account", post(save_payout_account))
        .route("/wallet/payouts", post(withdraw))
        .route("/wallet/payouts/{id}/cancel", post(cancel_payout))
        .route("/u/{username}/gift", post(gift))
        .route("/sandbox/checkout/{reference}", get(checkout).post(checkout_answer))
        .route("/o/{handle}/money", get(org_money))
        .route("/o/{handle}/money/top-up", post(org_top_up))
        .route("/admin/revenue", get(admin_revenue))
        .route("/admin/payouts", get(admin_payouts))
        .route("/admin/payouts/batch", post(admin_run_batch))
}

/// The coin packs a member picks from: (coins, price in fen).
pub(crate) const COIN_PACKS: [(i64, i64); 6] =
    [(60, 600), (300, 3_000), (680, 6_800), (1_280, 12_800), (3_280, 32_800), (6_480, 64_800)];

pub(crate) use carmine_core::money::yuan;

/// A decimal amount typed in a form (`12`, `12.3`, `12.34`) in minor units.
pub(crate) fn parse_yuan(field: &str, raw: &str) -> Result<i64, Error> {
    carmine_core::money::parse_decimal(raw).ok_or_else(|| {
        Error::new(ErrorCode::InvalidAmount)
            .with_message(format!("{field}: an amount such as 12.34"))
            .with_details(serde_json::json!({ "field": field }))
    })
}

pub(crate) fn form_key(caller: &Caller, fields: &[(String, String)], operation: &str) -> Result<IdempotencyKey, Error> {
    let key = field(fields, "idempotency_key");
    let canonical: Vec<&(String, String)> =
        fields.iter().filter(|(k, _)| k != "_csrf" && k != "idempotency_key").collect();
    let body = serde_json::to_vec(&canonical).map_err(Error::internal)?;
    IdempotencyKey::new(caller.user_id, key, operation, &body)
}

pub(crate) fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

pub(crate) struct EntryRow {
    pub at: Timestamp,
    /// What moved the money (`entry-<kind>` in the catalogues).
    pub kind: &'static str,
    /// Who or what it concerned (a member's handle, a payout reference).
    pub memo: String,
    /// The amount as money (`¥6.00`); coin entries show `coins` instead.
    pub amount: String,
    pub coins: Option<i64>,
    pub incoming: bool,
}

/// The kinds of ledger entries pages name (`entry-<kind>`; anything else: `other`).
pub(crate) const ENTRY_KINDS: &[&str] = &[
    "top_up",
    "funds_added",
    "gift_sent",
    "gift_received",
    "payout",
    "payout_sent",
    "refund",
    "reversal",
    "boost",
    "boost_refund",
    "ad_credit",
    "ad_spend",
    "other",
];

/// Ledger entries as rows; `coin_minor` set: the account counts coins, shown as coins.
/// The ledger's memo is its own English note; a row shows only what reads in any
/// language: the balance a top-up went to, the card a payout went to, a refund's reason
/// as it was written.
fn entry_rows(entries: &[EntryView], coin_minor: Option<i64>) -> Vec<EntryRow> {
    let locale = crate::i18n::Locale::current();
    entries
        .iter()
        .map(|e| {
            let minor = e.amount.amount_minor;
            let (kind, memo) = match e.kind.as_str() {
                "gift" if minor < 0 => ("gift_sent", String::new()),
                "gift" => ("gift_received", String::new()),
                "top_up" if e.memo == "coins" || e.memo.is_empty() => ("top_up", String::new()),
                "top_up" => ("funds_added", locale.text_if_defined(&format!("balance-{}", e.memo)).unwrap_or_default()),
                "payout" => ("payout", e.memo.strip_prefix("to ").unwrap_or_default().to_owned()),
                "payout_sent" => ("payout_sent", String::new()),
                // Its memo is the ledger's own words ("payout failed: …"); the payout's
                // status says it in the reader's language.
                "reversal" => ("reversal", String::new()),
                // The ledger's memo repeats the kind in English.
                "boost" => ("boost", String::new()),
                "boost_refund" => ("boost_refund", String::new()),
                "ad_credit" => ("ad_credit", String::new()),
                "ad_spend" => ("ad_spend", String::new()),
                other => {
                    let kind = ENTRY_KINDS.iter().copied().find(|k| *k == other).unwrap_or("other");
                    (kind, if kind == "other" { String::new() } else { e.memo.clone() })
                }
            };
            EntryRow {
                at: e.created_at,
                kind,
                memo,
                amount: yuan(minor),
                coins: coin_minor.filter(|m| *m > 0).map(|m| minor / m),
                incoming: minor > 0,
            }
        })
        .collect()
}

pub(crate) struct PaymentRow {
    pub id: String,
    pub at: Timestamp,
    pub amount: String,
    pub status: String,
}

pub(crate) struct PayoutRow {
    pub id: String,
    pub at: Timestamp,
    pub amount: String,
    pub status: String,
    pub reason: String,
    pub cancellable: bool,
}

/// A payment provider's reason code (`card_declined`, `account_closed`) in words, where
/// the catalogue knows it (`provider-<code>`); otherwise left out rather than shown raw.
fn provider_reason(code: &str) -> String {
    crate::i18n::Locale::current().text_if_defined(&format!("provider-{code}")).unwrap_or_default()
}

fn payout_rows(items: &[api::PayoutView]) -> Vec<PayoutRow> {
    items
        .iter()
        .map(|p| PayoutRow {
            id: p.id.clone(),
            at: p.created_at,
            amount: yuan(p.amount.amount_minor),
            status: p.status.clone(),
            reason: p.failure_reason.as_deref().map(provider_reason).unwrap_or_default(),
            cancellable: p.status == "requested",
        })
        .collect()
}

#[derive(Template)]
#[template(path = "wallet.html")]
struct WalletPage {
    layout: Layout,
    coins: i64,
    coins_value: String,
    earnings_available: String,
    earnings_pending: String,
    packs: Vec<(i64, i64, String)>,
    methods: Vec<String>,
    /// The sandbox offers its test outcomes (labelled as such).
    test_mode: bool,
    key: String,
    payout_account: Option<(String, String)>,
    coin_entries: Vec<EntryRow>,
    earning_entries: Vec<EntryRow>,
    payments: Vec<PaymentRow>,
    payouts: Vec<PayoutRow>,
    /// Affiliate commissions the member's notes earned (total, latest sales: product,
    /// store, amount, when).
    affiliate_total: String,
    affiliate: Vec<(String, String, String, String)>,
}

async fn wallet(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(d): ApiQuery<Done>,
) -> Result<Response, ApiError> {
    wallet_page(&state, &caller, d.done.as_deref(), None).await
}

/// A member's coins they can send now.
pub(crate) async fn coins_of(state: &AppState, user_id: Id) -> Result<i64, Error> {
    let ledger = state.ledger();
    let account = AccountRef::new(Owner::User(user_id), AccountKind::Coins, ledger.config().currency);
    Ok(ledger.balance(account).await?.available / ledger.config().coin_minor.max(1))
}

async fn wallet_page(
    state: &AppState,
    caller: &Caller,
    notice: Option<&str>,
    error: Option<Error>,
) -> Result<Response, ApiError> {
    let view = api::wallet_view(state, caller).await?;
    let first_page = PageQuery { limit: Some(20), cursor: None };
    let owner = Owner::User(caller.user_id);
    let coin_entries = api::entries_page(state, owner, AccountKind::Coins, &first_page).await?.items;
    let earning_entries = api::entries_page(state, owner, AccountKind::Earnings, &first_page).await?.items;
    let payments = state.payments().list(caller.user_id, None, 10).await?;
    let payouts = state.payments().payouts(owner, None, 10).await?;
    let payouts: Vec<api::PayoutView> = payouts.iter().map(api::PayoutView::from).collect();
    let (affiliate, affiliate_total) = state.orders().affiliate_earnings(caller.user_id, None, 10).await?;
    let layout = Layout::with(Some(caller), notice, error.as_ref());
    let affiliate = affiliate
        .iter()
        .take(10)
        .map(|e| {
            let net = e.amount_minor - e.clawed_back_minor;
            (e.title.clone(), e.store_name.clone(), yuan(net), layout.date(&e.settled_at))
        })
        .collect();
    let page = WalletPage {
        affiliate_total: yuan(affiliate_total),
        affiliate,
        layout,
        coins: view.coin_count,
        coins_value: yuan(view.coins.posted.amount_minor),
        earnings_available: yuan(view.earnings.available.amount_minor),
        earnings_pending: yuan(view.earnings.pending_out.amount_minor),
        packs: COIN_PACKS.iter().map(|&(coins, price)| (coins, price, yuan(price))).collect(),
        methods: view.top_up_methods.clone(),
        test_mode: state.sandbox().test_mode(),
        key: random_token(16),
        payout_account: view.payout_account.as_ref().map(|a| (a.holder_name.clone(), a.account_last4.clone())),
        coin_entries: entry_rows(&coin_entries, Some(state.ledger().config().coin_minor)),
        earning_entries: entry_rows(&earning_entries, None),
        // The member's own coin purchases; an organization's top-ups live in its console.
        payments: payments
            .iter()
            .filter(|p| p.purpose == "coins")
            .take(10)
            .map(|p| PaymentRow {
                id: p.id.to_string(),
                at: p.created_at,
                amount: yuan(p.amount),
                status: p.status.clone(),
            })
            .collect(),
        payouts: payout_rows(&payouts),
    };
    Ok(render(&page, error.as_ref()))
}

/// Re-shows the wallet with the error a form met (or sends it to the error page).
async fn wallet_error(state: &AppState, caller: &Caller, error: Error) -> Result<Response, ApiError> {
    let error = shown_on_form(error)?;
    wallet_page(state, caller, None, Some(error)).await
}

async fn top_up(
    State(state): State<AppState>,
    Member(caller): Member,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let started = async {
        let amount: i64 =
            field(&fields, "amount_minor").parse().map_err(|_| Error::invalid_field("amount_minor", "pick a pack"))?;
        let key = form_key(&caller, &fields, "wallet.top_up")?;
        let request = TopUp {
            payer: caller.user_id,
            owner: Owner::User(caller.user_id),
            purpose: Purpose::Coins,
            amount: Money::new(amount, state.ledger().config().currency),
            method: field(&fields, "method"),
            return_url: "/wallet/payments/{payment}",
        };
        state.payments().top_up(&request, &key).await
    };
    match started.await {
        Ok(payment) => match (payment.status.as_str(), payment.redirect_url) {
            ("requires_action", Some(url)) => Ok(Redirect::to(&url).into_response()),
            _ => Ok(Redirect::to(&format!("/wallet/payments/{}", payment.id)).into_response()),
        },
        Err(error) => wallet_error(&state, &caller, error).await,
    }
}

#[derive(Template)]
#[template(path = "payment.html")]
struct PaymentPage {
    layout: Layout,
    /// `coins`, `ad_balance` or `escrow` (`payment-for-<purpose>`).
    purpose: String,
    coins: i64,
    amount: String,
    status: String,
    reason: String,
    back: String,
}

/// Where the provider sends the payer back: the payment, checked with the provider.
async fn payment(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let payment = api::payment_for(&state, &caller, &id).await?;
    let page = PaymentPage {
        layout: Layout::new(Some(&caller)),
        purpose: if matches!(payment.purpose.as_str(), "coins" | "ad_balance") {
            payment.purpose.clone()
        } else {
            "escrow".to_owned()
        },
        coins: payment.amount / state.ledger().config().coin_minor.max(1),
        amount: yuan(payment.amount),
        status: payment.status.clone(),
        reason: payment.decline_reason.as_deref().map(provider_reason).unwrap_or_default(),
        back: "/wallet".to_owned(),
    };
    Ok(render(&page, None))
}

async fn save_payout_account(
    State(state): State<AppState>,
    Member(caller): Member,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let saved = state
        .payments()
        .set_payout_account(
            Owner::User(caller.user_id),
            field(&fields, "holder_name"),
            field(&fields, "account_number"),
        )
        .await;
    match saved {
        Ok(_) => Ok(done("/wallet", "payout_account_saved")),
        Err(error) => wallet_error(&state, &caller, error).await,
    }
}

async fn withdraw(
    State(state): State<AppState>,
    Member(caller): Member,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let requested = async {
        let amount = parse_yuan("amount", field(&fields, "amount"))?;
        let key = form_key(&caller, &fields, "me.payout")?;
        let money = Money::new(amount, state.ledger().config().currency);
        state.payments().request_payout(Owner::User(caller.user_id), caller.user_id, money, &key).await
    };
    match requested.await {
        Ok(_) => Ok(done("/wallet", "payout_requested")),
        Err(error) => wallet_error(&state, &caller, error).await,
    }
}

async fn cancel_payout(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = id.parse::<Id>().map_err(|_| Error::new(ErrorCode::PayoutNotFound))?;
    match state.payments().cancel_payout(Owner::User(caller.user_id), id).await {
        Ok(_) => Ok(done("/wallet", "payout_cancelled")),
        Err(error) => wallet_error(&state, &caller, error).await,
    }
}

/// A gift from a creator's profile page.
/// The gift amounts offered as one tap (coins).
pub(crate) const GIFT_PRESETS: [i64; 5] = [10, 66, 188, 520, 1314];

async fn gift(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(username): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let back = format!("/u/{}", username.to_ascii_lowercase());
    let sent = async {
        // A preset chip (`coins`) or, typed in, another amount (`coins_other`).
        let typed = field(&fields, "coins_other").trim();
        let chosen = if typed.is_empty() { field(&fields, "coins").trim() } else { typed };
        let coins: i64 = chosen.parse().map_err(|_| Error::new(ErrorCode::InvalidAmount))?;
        let key = form_key(&caller, &fields, "gift")?;
        let body = api::GiftRequest { to: username.clone(), coins, note_id: None };
        api::gift(&state, &caller, &body, &key).await
    };
    match sent.await {
        Ok(_) => Ok(done(&back, "gift_sent")),
        Err(error) => {
            let error = shown_on_form(error)?;
            let notice = match error.code {
                ErrorCode::InsufficientFunds => "gift_insufficient_funds",
                ErrorCode::InvalidAmount => "gift_invalid_amount",
                ErrorCode::Blocked => "gift_blocked",
                _ => "gift_failed",
            };
            Ok(done(&back, notice))
        }
    }
}

#[derive(Template)]
#[template(path = "sandbox_checkout.html")]
struct CheckoutPage {
    layout: Layout,
    reference: String,
    amount: String,
    status: String,
}

/// The sandbox provider's hosted page (it stands in for a real provider's site).
async fn checkout(
    State(state): State<AppState>,
    context: RequestContext,
    Path(reference): Path<String>,
) -> Result<Response, ApiError> {
    let charge = state.sandbox().checkout(&reference).await?;
    let page = CheckoutPage {
        layout: Layout::new(context.caller.as_ref()),
        amount: yuan(charge.amount),
        status: charge.status.clone(),
        reference,
    };
    Ok(render(&page, None))
}

async fn checkout_answer(
    State(state): State<AppState>,
    Path(reference): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let back = state.sandbox().complete_checkout(&reference, field(&fields, "outcome") == "pay").await?;
    Ok(Redirect::to(&super::local_path(Some(back), || "/wallet".to_owned())).into_response())
}

#[derive(Template)]
#[template(path = "org_money.html")]
struct OrgMoneyPage {
    layout: Layout,
    console: super::orgs::Console,
    handle: String,
    name: String,
    can_manage: bool,
    /// (account kind, available, on hold).
    balances: Vec<(String, String, String)>,
    methods: Vec<String>,
    test_mode: bool,
    key: String,
    ad_entries: Vec<EntryRow>,
    escrow_entries: Vec<EntryRow>,
    payment_status: Option<String>,
}

#[derive(Deserialize, Default)]
struct OrgMoneyQuery {
    done: Option<String>,
    payment: Option<String>,
}

async fn org_money(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(handle): Path<String>,
    ApiQuery(q): ApiQuery<OrgMoneyQuery>,
) -> Result<Response, ApiError> {
    org_money_page(&state, &caller, &handle, q, None).await
}

async fn org_money_page(
    state: &AppState,
    caller: &Caller,
    handle: &str,
    q: OrgMoneyQuery,
    error: Option<Error>,
) -> Result<Response, ApiError> {
    let access = state.accounts().authorize_org(caller, handle, OrgAction::ViewMoney).await?;
    let owner = Owner::Org(access.org.id);
    let balances = api::org_balance_views(state, owner).await?;
    let first_page = PageQuery { limit: Some(20), cursor: None };
    let ad = api::entries_page(state, owner, AccountKind::AdBalance, &first_page).await?.items;
    let escrow = api::entries_page(state, owner, AccountKind::Escrow, &first_page).await?.items;
    // The status of the caller's own payment, back from the provider's page (nothing
    // for someone else's payment: the page still shows).
    let payment_status = match q.payment.as_deref() {
        Some(id) => match api::payment_for(state, caller, id).await {
            Ok(payment) => Some(payment.status),
            Err(error) if error.code == ErrorCode::PaymentNotFound => None,
            Err(error) => return Err(ApiError(error)),
        },
        None => None,
    };
    let page = OrgMoneyPage {
        layout: Layout::with(Some(caller), q.done.as_deref(), error.as_ref()),
        console: super::orgs::Console::new(&access.org, access.role, "money"),
        handle: access.org.handle.clone(),
        name: access.org.name.clone(),
        can_manage: access.role.allows(OrgAction::ManageMoney),
        balances: balances
            .iter()
            .map(|b| (b.kind.clone(), yuan(b.available.amount_minor), yuan(b.pending_out.amount_minor)))
            .collect(),
        methods: state.payments().provider().methods().iter().map(|m| (*m).to_owned()).collect(),
        test_mode: state.sandbox().test_mode(),
        key: random_token(16),
        ad_entries: entry_rows(&ad, None),
        escrow_entries: entry_rows(&escrow, None),
        payment_status,
    };
    Ok(render(&page, error.as_ref()))
}

async fn org_top_up(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(handle): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let access = state.accounts().authorize_org(&caller, &handle, OrgAction::ManageMoney).await?;
    let owner = Owner::Org(access.org.id);
    let started = async {
        let purpose = match Purpose::parse(field(&fields, "purpose")) {
            Some(p @ (Purpose::AdBalance | Purpose::Escrow)) => p,
            _ => return Err(Error::invalid_field("purpose", "ad_balance or escrow")),
        };
        let amount = parse_yuan("amount", field(&fields, "amount"))?;
        let key = form_key(&caller, &fields, &format!("org.{}.top_up", owner.id()))?;
        let return_url = format!("/o/{}/money?payment={{payment}}", access.org.handle);
        let request = TopUp {
            payer: caller.user_id,
            owner,
            purpose,
            amount: Money::new(amount, state.ledger().config().currency),
            method: field(&fields, "method"),
            return_url: &return_url,
        };
        state.payments().top_up(&request, &key).await
    };
    match started.await {
        Ok(payment) => match (payment.status.as_str(), payment.redirect_url) {
            ("requires_action", Some(url)) => Ok(Redirect::to(&url).into_response()),
            _ => Ok(Redirect::to(&format!("/o/{}/money?payment={}", access.org.handle, payment.id)).into_response()),
        },
        Err(error) => {
            let error = shown_on_form(error)?;
            org_money_page(&state, &caller, &handle, OrgMoneyQuery::default(), Some(error)).await
        }
    }
}

#[derive(Template)]
#[template(path = "admin_revenue.html")]
struct RevenuePage {
    layout: Layout,
    from: String,
    to: String,
    period: String,
    streams: Vec<&'static str>,
    rows: Vec<(String, Vec<String>, String)>,
    totals: Vec<String>,
    total: String,
    chart: String,
    csv_href: String,
    books_clean: bool,
    trial_balance: String,
    transactions: i64,
}

async fn admin_revenue(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(params): ApiQuery<StatementParams>,
) -> Result<Response, ApiError> {
    state.accounts().require_admin(&caller)?;
    let statement = api::statement(&state, &params).await?;
    let books = carmine_ledger::reconcile::reconcile(state.ledger().db()).await?;
    let csv_href = format!(
        "/api/v1/admin/revenue.csv?from={}&to={}&period={}",
        statement.from,
        statement.to,
        statement.period.as_str()
    );
    let page = RevenuePage {
        layout: Layout::new(Some(&caller)),
        from: statement.from.to_string(),
        to: statement.to.to_string(),
        period: statement.period.as_str().to_owned(),
        streams: Stream::ALL.iter().map(|s| s.as_str()).collect(),
        rows: statement
            .rows
            .iter()
            .map(|r| (r.label.clone(), r.by_stream.iter().map(|v| yuan(*v)).collect(), yuan(r.total)))
            .collect(),
        totals: statement.totals.iter().map(|v| yuan(*v)).collect(),
        total: yuan(statement.total),
        chart: revenue_chart(&statement),
        csv_href,
        books_clean: books.is_clean(),
        trial_balance: books
            .trial_balance
            .iter()
            .map(|(c, t)| format!("{c} {}", decimal(*t)))
            .collect::<Vec<_>>()
            .join(", "),
        transactions: books.transactions,
    };
    Ok(render(&page, None))
}

/// One colour per stream, in [`Stream::ALL`] order.
const STREAM_COLOURS: [&str; 7] = ["#e0245e", "#f28c28", "#c2185b", "#7b1fa2", "#1976d2", "#00897b", "#6d4c41"];

/// Revenue per period as stacked bars, one colour per stream, with a legend:
/// plain SVG drawn on the server (no script). Negative amounts (reversals) are
/// left out of the bars; the table beside the chart has the exact figures.
pub(crate) fn revenue_chart(statement: &RevenueStatement) -> String {
    let locale = crate::i18n::Locale::current();
    let name = |stream: Stream| escape_text(&locale.text(&format!("stream-{}", stream.as_str())));
    let (width, height, left, bottom, top) = (720.0_f64, 260.0_f64, 56.0_f64, 28.0_f64, 12.0_f64);
    let plot_height = height - bottom - top;
    let n = statement.rows.len().max(1) as f64;
    let slot = (width - left - 8.0) / n;
    let bar = (slot * 0.7).max(1.0);
    let max =
        statement.rows.iter().map(|r| r.by_stream.iter().filter(|v| **v > 0).sum::<i64>()).max().unwrap_or(0).max(1)
            as f64;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {}" role="img" aria-label="{}" id="revenue-chart" class="chart">"#,
        height + 22.0 * 2.0,
        escape_text(&locale.text("revenue-title"))
    );
    for step in 0..=4 {
        let value = max * f64::from(step) / 4.0;
        let y = top + plot_height - plot_height * f64::from(step) / 4.0;
        svg.push_str(&format!(
            r##"<line x1="{left}" x2="{width}" y1="{y:.1}" y2="{y:.1}" stroke="#eee"/><text x="{:.1}" y="{:.1}" font-size="10" text-anchor="end" fill="#666">{}</text>"##,
            left - 4.0,
            y + 3.0,
            yuan(value.round() as i64)
        ));
    }
    let label_every = ((n / 12.0).ceil() as usize).max(1);
    for (i, row) in statement.rows.iter().enumerate() {
        let x = left + slot * i as f64 + (slot - bar) / 2.0;
        let mut y = top + plot_height;
        for (stream, value) in row.by_stream.iter().enumerate() {
            if *value <= 0 {
                continue;
            }
            let h = plot_height * (*value as f64) / max;
            y -= h;
            svg.push_str(&format!(
                r#"<rect x="{x:.1}" y="{y:.1}" width="{bar:.1}" height="{h:.1}" fill="{}"><title>{} {}: {}</title></rect>"#,
                STREAM_COLOURS[stream],
                row.label,
                name(Stream::ALL[stream]),
                yuan(*value)
            ));
        }
        if i % label_every == 0 {
            svg.push_str(&format!(
                r##"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle" fill="#666">{}</text>"##,
                x + bar / 2.0,
                top + plot_height + 14.0,
                row.label
            ));
        }
    }
    for (i, stream) in Stream::ALL.iter().enumerate() {
        let x = left + (i % 4) as f64 * 165.0;
        let y = height + 6.0 + (i / 4) as f64 * 18.0;
        svg.push_str(&format!(
            r##"<rect x="{x:.1}" y="{y:.1}" width="10" height="10" fill="{}"/><text x="{:.1}" y="{:.1}" font-size="11" fill="#333">{}</text>"##,
            STREAM_COLOURS[i],
            x + 14.0,
            y + 9.0,
            name(*stream)
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// Text for SVG drawn here (askama escapes templates, not this).
pub(crate) fn escape_text(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[derive(Template)]
#[template(path = "admin_payouts.html")]
struct PayoutsPage {
    layout: Layout,
    /// (requested at, owner, amount, status, failure reason).
    payouts: Vec<(Timestamp, String, String, String, String)>,
}

async fn admin_payouts(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(d): ApiQuery<Done>,
) -> Result<Response, ApiError> {
    state.accounts().require_admin(&caller)?;
    let payouts = state.payments().recent_payouts(100).await?;
    let rows = payouts
        .iter()
        .map(|p| {
            (
                p.created_at,
                format!("{}:{}", p.owner_kind, p.owner_id),
                yuan(p.amount),
                p.status.clone(),
                // The operator sees the provider's code where there are no words for it.
                p.failure_reason
                    .as_deref()
                    .map(|code| {
                        Some(provider_reason(code)).filter(|w| !w.is_empty()).unwrap_or_else(|| code.to_owned())
                    })
                    .unwrap_or_default(),
            )
        })
        .collect();
    Ok(render(&PayoutsPage { layout: Layout::with(Some(&caller), d.done.as_deref(), None), payouts: rows }, None))
}

async fn admin_run_batch(State(state): State<AppState>, Member(caller): Member) -> Result<Response, ApiError> {
    state.accounts().require_admin(&caller)?;
    state.payments().run_payout_batch().await?;
    Ok(done("/admin/payouts", "payouts_sent"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_amounts_become_minor_units_exactly() {
        assert_eq!(parse_yuan("a", "12").unwrap(), 1_200);
        assert_eq!(parse_yuan("a", "12.3").unwrap(), 1_230);
        assert_eq!(parse_yuan("a", "¥0.05").unwrap(), 5);
        for bad in ["", "-1", "1.234", "1e3", "12,00", "abc", "9999999999999.00", ".5"] {
            assert_eq!(parse_yuan("a", bad).unwrap_err().code, ErrorCode::InvalidAmount, "{bad}");
        }
        assert_eq!(yuan(-50), "-¥0.50");
        assert_eq!(yuan(123_456), "¥1,234.56");
        assert_eq!(
            (yuan(99_999), yuan(10_000_000_000), yuan(-123_456_789)),
            ("¥999.99".into(), "¥100,000,000.00".into(), "-¥1,234,567.89".into())
        );
    }
}
