//! Fulfilment and settlement API (ADR 0026): the buyer confirms receipt, extends the
//! time for it once and reads the tracking; a store's staff list its orders and ship
//! them; those who may see its money read its settlement statement (JSON or CSV);
//! a creator reads the affiliate commissions their notes earned.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use carmine_core::{Error, ErrorCode, Timestamp};
use carmine_orders::ShipInput;
use carmine_store::fulfilment::{AffiliateEarning, SettlementRecord, ShipmentEvent};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{OrderView, money, order_view};
use crate::api::PageQuery;
use crate::api::money::MoneyView;
use crate::api::views::{Items, Page};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiQuery, CheckLater, Member, path_id};
use crate::openapi::ErrorBody;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(confirm_receipt))
        .routes(routes!(extend_receipt))
        .routes(routes!(tracking))
        .routes(routes!(carriers))
        .routes(routes!(store_orders))
        .routes(routes!(store_order))
        .routes(routes!(ship))
        .routes(routes!(settlements))
        .routes(routes!(settlements_csv))
        .routes(routes!(affiliate_earnings))
}

/// Confirms receipt of a shipped order: it completes, and settles with the merchant
/// after the store's settlement delay.
#[utoipa::path(post, path = "/api/v1/orders/{id}/receive", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = OrderView), (status = 404, body = ErrorBody, description = "`order_not_found`"),
        (status = 409, body = ErrorBody, description = "`order_not_shipped`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn confirm_receipt(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Json<OrderView>, ApiError> {
    let id = path_id(&id, ErrorCode::OrderNotFound)?;
    state.orders().confirm_receipt(caller.user_id, id).await?;
    let detail = state.orders().order(caller.user_id, id).await?;
    Ok(Json(order_view(&state, &detail.order, &detail.lines)))
}

/// Extends the time to confirm receipt of a shipped order, once.
#[utoipa::path(post, path = "/api/v1/orders/{id}/extend-receipt", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = OrderView), (status = 404, body = ErrorBody, description = "`order_not_found`"),
        (status = 409, body = ErrorBody, description = "`order_not_shipped`, `receipt_already_extended`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn extend_receipt(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Json<OrderView>, ApiError> {
    let id = path_id(&id, ErrorCode::OrderNotFound)?;
    state.orders().extend_receipt(caller.user_id, id).await?;
    let detail = state.orders().order(caller.user_id, id).await?;
    Ok(Json(order_view(&state, &detail.order, &detail.lines)))
}

#[derive(Serialize, ToSchema)]
pub struct TrackingEventView {
    /// `picked_up`, `in_transit`, `out_for_delivery`, `delivered` or `delivery_failed`.
    pub code: String,
    /// A region code (`CN-SH`…) where the carrier knows it; empty otherwise.
    pub location: String,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
}

fn event_view(event: &ShipmentEvent) -> TrackingEventView {
    TrackingEventView { code: event.code.clone(), location: event.location.clone(), at: event.happened_at }
}

/// What the carrier has reported about one of the caller's orders, oldest first.
#[utoipa::path(get, path = "/api/v1/orders/{id}/tracking", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = Items<TrackingEventView>),
        (status = 404, body = ErrorBody, description = "`order_not_found`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn tracking(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Json<Items<TrackingEventView>>, ApiError> {
    let id = path_id(&id, ErrorCode::OrderNotFound)?;
    state.orders().order(caller.user_id, id).await?;
    let events = state.orders().tracking(id).await?;
    Ok(Json(Items { items: events.iter().map(event_view).collect() }))
}

#[derive(Serialize, ToSchema)]
pub struct CarrierView {
    /// What `ship` takes as `carrier`.
    pub code: String,
    pub name_en: String,
    pub name_zh: String,
}

/// The carriers orders may be shipped with.
#[utoipa::path(get, path = "/api/v1/carriers", tag = "orders", responses((status = 200, body = Items<CarrierView>)))]
pub async fn carriers(State(state): State<AppState>) -> Json<Items<CarrierView>> {
    let items = state
        .orders()
        .carriers()
        .iter()
        .map(|c| CarrierView { code: c.code.to_owned(), name_en: c.name_en.to_owned(), name_zh: c.name_zh.to_owned() })
        .collect();
    Json(Items { items })
}

/// The statuses a store's order list may be filtered by.
pub const ORDER_STATUSES: [&str; 7] =
    ["pending_payment", "awaiting_shipment", "shipped", "received", "completed", "settled", "cancelled"];

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StoreOrdersQuery {
    /// One of the order statuses; absent: all.
    pub status: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Checks a status filter against the allowlist.
pub(crate) fn status_filter(raw: Option<&str>) -> Result<Option<&'static str>, Error> {
    match raw.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(raw) => ORDER_STATUSES
            .iter()
            .find(|s| **s == raw)
            .map(|s| Some(*s))
            .ok_or_else(|| Error::invalid_field("status", format!("one of {}", ORDER_STATUSES.join(", ")))),
    }
}

/// A store's orders for its staff, newest first.
#[utoipa::path(get, path = "/api/v1/stores/{id}/orders", tag = "orders", params(("id" = String, Path), StoreOrdersQuery),
    responses((status = 200, body = Page<OrderView>), (status = 403, body = ErrorBody, description = "`forbidden`"),
        (status = 404, body = ErrorBody, description = "`store_not_found`"),
        (status = 422, body = ErrorBody, description = "`invalid_field`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn store_orders(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<StoreOrdersQuery>,
) -> Result<Json<Page<OrderView>>, ApiError> {
    let store_id = path_id(&id, ErrorCode::StoreNotFound)?;
    let status = status_filter(query.status.as_deref())?;
    let (limit, after) = PageQuery { limit: query.limit, cursor: query.cursor }.position(&state)?;
    let (orders, lines, _) = state.orders().store_orders(&caller, store_id, status, after, limit).await?;
    Ok(Json(crate::api::page(&state, orders, limit, |o| o.id, |o| order_view(&state, o, &lines))))
}

/// One of a store's orders, for its staff.
#[utoipa::path(get, path = "/api/v1/stores/{id}/orders/{order_id}", tag = "orders",
    params(("id" = String, Path), ("order_id" = String, Path)),
    responses((status = 200, body = OrderView), (status = 403, body = ErrorBody, description = "`forbidden`"),
        (status = 404, body = ErrorBody, description = "`store_not_found`, `order_not_found`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn store_order(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((id, order_id)): Path<(String, String)>,
) -> Result<Json<OrderView>, ApiError> {
    let store_id = path_id(&id, ErrorCode::StoreNotFound)?;
    let order_id = path_id(&order_id, ErrorCode::OrderNotFound)?;
    let detail = state.orders().store_order_detail(&caller, store_id, order_id).await?;
    Ok(Json(order_view(&state, &detail.order, &detail.lines)))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipRequest {
    /// A carrier's code from `/api/v1/carriers`.
    #[schema(min_length = 1, max_length = 16)]
    pub carrier: String,
    /// 1 to 40 letters, digits or hyphens.
    #[schema(min_length = 1, max_length = 40)]
    pub tracking_no: String,
}

/// Ships a paid order with a carrier and tracking number (staff, admins and owners):
/// its units leave the warehouses and the buyer's time to confirm receipt starts.
#[utoipa::path(post, path = "/api/v1/stores/{id}/orders/{order_id}/ship", tag = "orders", request_body = ShipRequest,
    params(("id" = String, Path), ("order_id" = String, Path)),
    responses((status = 200, body = OrderView), (status = 403, body = ErrorBody, description = "`forbidden`"),
        (status = 404, body = ErrorBody, description = "`store_not_found`, `order_not_found`"),
        (status = 409, body = ErrorBody, description = "`order_not_shippable`"),
        (status = 422, body = ErrorBody, description = "`invalid_field`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn ship(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((id, order_id)): Path<(String, String)>,
    body: CheckLater<ShipRequest>,
) -> Result<Json<OrderView>, ApiError> {
    let store_id = path_id(&id, ErrorCode::StoreNotFound)?;
    let order_id = path_id(&order_id, ErrorCode::OrderNotFound)?;
    // Access before the body: a stranger learns nothing of what the route accepts.
    state.commerce().authorize_store(&caller, store_id, carmine_accounts::orgs::OrgAction::FulfilOrders).await?;
    let body = body.parse()?;
    let input = ShipInput { carrier: body.carrier, tracking_no: body.tracking_no };
    state.orders().ship(&caller, store_id, order_id, &input).await?;
    let detail = state.orders().store_order_detail(&caller, store_id, order_id).await?;
    Ok(Json(order_view(&state, &detail.order, &detail.lines)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SettlementParams {
    /// First day (`2026-11-01`); default 29 days before `to`.
    pub from: Option<String>,
    /// Last day, inclusive; default today.
    pub to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SettlementView {
    pub order_id: String,
    #[schema(value_type = String, format = DateTime)]
    pub settled_at: Timestamp,
    /// What the buyer's payment left in escrow for the order.
    pub escrow: MoneyView,
    /// The platform coupon's part, paid by the platform.
    pub subsidy: MoneyView,
    pub channel_fee: MoneyView,
    pub commission: MoneyView,
    /// Commission the store's commission-free allowance waived.
    pub commission_waived: MoneyView,
    pub affiliate: MoneyView,
    /// The merchant's share; `netted` of it repaid what the merchant owed.
    pub merchant: MoneyView,
    pub netted: MoneyView,
    pub clawed_back: MoneyView,
}

#[derive(Serialize, ToSchema)]
pub struct SettlementStatementView {
    pub from: String,
    pub to: String,
    pub orders: Vec<SettlementView>,
    /// Sums of the columns over `orders`.
    pub totals: SettlementView,
    /// More orders settled in the range than a statement lists (5,000).
    pub truncated: bool,
}

fn settlement_view(state: &AppState, s: &SettlementRecord) -> SettlementView {
    SettlementView {
        order_id: s.order_id.to_string(),
        settled_at: s.settled_at,
        escrow: money(state, s.escrow_minor),
        subsidy: money(state, s.subsidy_minor),
        channel_fee: money(state, s.fee_minor),
        commission: money(state, s.commission_minor),
        commission_waived: money(state, s.commission_free_minor),
        affiliate: money(state, s.affiliate_minor),
        merchant: money(state, s.merchant_minor),
        netted: money(state, s.netted_minor),
        clawed_back: money(state, s.clawed_back_minor),
    }
}

/// A store's settlements over the days asked, with their totals.
pub(crate) struct Statement {
    pub from: jiff::civil::Date,
    pub to: jiff::civil::Date,
    pub rows: Vec<SettlementRecord>,
    pub totals: SettlementRecord,
}

pub(crate) async fn statement(
    state: &AppState,
    caller: &carmine_accounts::Caller,
    store_id: carmine_core::Id,
    params: &SettlementParams,
) -> Result<Statement, Error> {
    let (from, to) = crate::api::money::day_range(state, &params.from, &params.to)?;
    let start = carmine_ledger::statements::day_start(from)?;
    let end = carmine_ledger::statements::day_start(to.tomorrow().map_err(Error::internal)?)?;
    let rows = state.orders().settlements(caller, store_id, start, end).await?;
    let mut totals = SettlementRecord {
        order_id: carmine_core::Id::from_i64(0),
        store_id,
        currency: state.ledger().config().currency.as_str().to_owned(),
        escrow_minor: 0,
        subsidy_minor: 0,
        fee_minor: 0,
        commission_minor: 0,
        commission_free_minor: 0,
        affiliate_minor: 0,
        merchant_minor: 0,
        netted_minor: 0,
        clawed_back_minor: 0,
        settled_at: end,
    };
    for r in &rows {
        totals.escrow_minor += r.escrow_minor;
        totals.subsidy_minor += r.subsidy_minor;
        totals.fee_minor += r.fee_minor;
        totals.commission_minor += r.commission_minor;
        totals.commission_free_minor += r.commission_free_minor;
        totals.affiliate_minor += r.affiliate_minor;
        totals.merchant_minor += r.merchant_minor;
        totals.netted_minor += r.netted_minor;
        totals.clawed_back_minor += r.clawed_back_minor;
    }
    Ok(Statement { from, to, rows, totals })
}

/// A store's settlement statement: each settled order's split and the totals
/// (owners, admins and analysts).
#[utoipa::path(get, path = "/api/v1/stores/{id}/settlements", tag = "orders",
    params(("id" = String, Path), SettlementParams),
    responses((status = 200, body = SettlementStatementView), (status = 403, body = ErrorBody, description = "`forbidden`"),
        (status = 404, body = ErrorBody, description = "`store_not_found`"),
        (status = 422, body = ErrorBody, description = "`invalid_field`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn settlements(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<SettlementParams>,
) -> Result<Json<SettlementStatementView>, ApiError> {
    let store_id = path_id(&id, ErrorCode::StoreNotFound)?;
    let statement = statement(&state, &caller, store_id, &params).await?;
    Ok(Json(SettlementStatementView {
        from: statement.from.to_string(),
        to: statement.to.to_string(),
        truncated: statement.rows.len() as u32 >= carmine_orders::settlement::STATEMENT_ORDERS_MAX,
        orders: statement.rows.iter().map(|r| settlement_view(&state, r)).collect(),
        totals: settlement_view(&state, &statement.totals),
    }))
}

/// The statement as CSV, one settled order a row and a total row.
pub(crate) fn statement_csv(statement: &Statement) -> String {
    let mut out = String::from(
        "order_id,settled_at,escrow,subsidy,channel_fee,commission,commission_waived,affiliate,merchant,netted,clawed_back\n",
    );
    let mut row = |id: String, at: String, s: &SettlementRecord| {
        let figures = [
            s.escrow_minor,
            s.subsidy_minor,
            s.fee_minor,
            s.commission_minor,
            s.commission_free_minor,
            s.affiliate_minor,
            s.merchant_minor,
            s.netted_minor,
            s.clawed_back_minor,
        ];
        let figures: Vec<String> = figures.iter().map(|m| carmine_core::money::decimal(*m)).collect();
        out.push_str(&format!("{id},{at},{}\n", figures.join(",")));
    };
    for s in &statement.rows {
        row(s.order_id.to_string(), s.settled_at.to_rfc3339(), s);
    }
    row("total".to_owned(), String::new(), &statement.totals);
    out
}

/// The same statement as CSV (amounts as decimals).
#[utoipa::path(get, path = "/api/v1/stores/{id}/settlements.csv", tag = "orders",
    params(("id" = String, Path), SettlementParams),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn settlements_csv(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<SettlementParams>,
) -> Result<Response, ApiError> {
    let store_id = path_id(&id, ErrorCode::StoreNotFound)?;
    let statement = statement(&state, &caller, store_id, &params).await?;
    let name = format!("settlements-{}-{}.csv", statement.from, statement.to);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        statement_csv(&statement),
    )
        .into_response())
}

#[derive(Serialize, ToSchema)]
pub struct AffiliateEarningView {
    pub order_id: String,
    pub note_id: String,
    /// What was sold and by which store.
    pub title: String,
    pub store_name: String,
    pub amount: MoneyView,
    pub clawed_back: MoneyView,
    #[schema(value_type = String, format = DateTime)]
    pub settled_at: Timestamp,
}

#[derive(Serialize, ToSchema)]
pub struct AffiliateEarningsView {
    /// Every affiliate commission so far, net of clawbacks.
    pub total: MoneyView,
    pub items: Vec<AffiliateEarningView>,
    pub next_cursor: Option<String>,
}

pub(crate) fn earning_view(state: &AppState, e: &AffiliateEarning) -> AffiliateEarningView {
    AffiliateEarningView {
        order_id: e.order_id.to_string(),
        note_id: e.note_id.to_string(),
        title: e.title.clone(),
        store_name: e.store_name.clone(),
        amount: money(state, e.amount_minor),
        clawed_back: money(state, e.clawed_back_minor),
        settled_at: e.settled_at,
    }
}

/// The affiliate commissions the caller's notes earned on settled orders, newest
/// sale first.
#[utoipa::path(get, path = "/api/v1/me/affiliate-earnings", tag = "orders", params(PageQuery),
    responses((status = 200, body = AffiliateEarningsView)), security(("session" = []), ("bearer" = [])))]
pub async fn affiliate_earnings(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<AffiliateEarningsView>, ApiError> {
    let (limit, after) = query.position(&state)?;
    let (earnings, total) = state.orders().affiliate_earnings(caller.user_id, after, limit).await?;
    let page = crate::api::page(&state, earnings, limit, |e| e.line_id, |e| earning_view(&state, e));
    Ok(Json(AffiliateEarningsView { total: money(&state, total), items: page.items, next_cursor: page.next_cursor }))
}
