//! After-sales API (ADR 0026): the buyer asks about a line of a received order,
//! withdraws, ships a return back or escalates a rejection; the store's staff
//! approve, reject and confirm returns; the operator decides escalated requests.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use carmine_accounts::orgs::OrgAction;
use carmine_core::{ErrorCode, Id, Timestamp};
use carmine_orders::{AfterSaleInput, ShipInput};
use carmine_store::after_sales::AfterSaleRecord;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::money;
use crate::api::PageQuery;
use crate::api::money::MoneyView;
use crate::api::views::{Items, Page};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{Admin, ApiJson, ApiQuery, CheckLater, Member, path_id};
use crate::openapi::ErrorBody;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(request, order_after_sales))
        .routes(routes!(cancel))
        .routes(routes!(ship_return))
        .routes(routes!(escalate))
        .routes(routes!(store_after_sales))
        .routes(routes!(approve))
        .routes(routes!(reject))
        .routes(routes!(confirm_return))
        .routes(routes!(arbitration_queue))
        .routes(routes!(decide))
}

/// The statuses of a request.
pub const STATUSES: [&str; 8] =
    ["requested", "awaiting_return", "returned", "rejected", "arbitration", "refunded", "closed", "cancelled"];

#[derive(Serialize, ToSchema)]
pub struct AfterSaleView {
    pub id: String,
    pub order_id: String,
    pub line_id: String,
    /// `refund_only` or `return_refund`.
    pub kind: String,
    pub quantity: i64,
    pub amount: MoneyView,
    pub reason: String,
    /// `requested`, `awaiting_return`, `returned`, `rejected`, `arbitration`,
    /// `refunded`, `closed` or `cancelled`.
    pub status: String,
    /// When the running timer acts: the store's answer, the return's shipping or
    /// arrival, the last day to escalate.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_at: Option<Timestamp>,
    pub merchant_note: Option<String>,
    pub operator_note: Option<String>,
    pub return_carrier: Option<String>,
    pub return_tracking: Option<String>,
    pub restocked: bool,
    /// Who decided last: `merchant`, `timer`, `operator` or `buyer`.
    pub decided_by: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

pub(crate) fn after_sale_view(state: &AppState, r: &AfterSaleRecord) -> AfterSaleView {
    AfterSaleView {
        id: r.id.to_string(),
        order_id: r.order_id.to_string(),
        line_id: r.line_id.to_string(),
        kind: r.kind.clone(),
        quantity: r.quantity,
        amount: money(state, r.amount_minor),
        reason: r.reason.clone(),
        status: r.status.clone(),
        due_at: carmine_orders::after_sales::due(r),
        merchant_note: r.merchant_note.clone(),
        operator_note: r.operator_note.clone(),
        return_carrier: r.return_carrier.clone(),
        return_tracking: r.return_tracking.clone(),
        restocked: r.restocked,
        decided_by: r.decided_by.clone(),
        created_at: r.created_at,
    }
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AfterSaleRequest {
    /// A line of the order.
    #[schema(value_type = String, format = "int64")]
    pub line_id: String,
    /// `refund_only` or `return_refund` (returnable lines, within the store's window).
    #[schema(pattern = "^(refund_only|return_refund)$")]
    pub kind: String,
    /// Units of the line not yet asked about.
    #[schema(minimum = 1, maximum = 99)]
    pub quantity: i64,
    /// At most the units' share of what the line paid (the default).
    pub amount: Option<MoneyView>,
    /// 1 to 500 characters.
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// Asks for a refund, or a return and refund, of units of one line of a received
/// order (within 15 days of receipt; returns within the store's window).
#[utoipa::path(post, path = "/api/v1/orders/{id}/after-sales", tag = "orders", request_body = AfterSaleRequest,
    params(("id" = String, Path)),
    responses((status = 201, body = AfterSaleView), (status = 404, body = ErrorBody, description = "`order_not_found`"),
        (status = 409, body = ErrorBody, description = "`after_sale_not_allowed`, `after_sale_window_closed`"),
        (status = 422, body = ErrorBody, description = "`invalid_field`, `refund_exceeds_payment`, `unsupported_currency`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn request(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    body: CheckLater<AfterSaleRequest>,
) -> Result<(StatusCode, Json<AfterSaleView>), ApiError> {
    let order_id = path_id(&id, ErrorCode::OrderNotFound)?;
    state.orders().order(caller.user_id, order_id).await?;
    let body = body.parse()?;
    if let Some(amount) = &body.amount {
        state.ledger().config().check_currency(amount.currency)?;
    }
    let input = AfterSaleInput {
        line_id: body
            .line_id
            .parse::<Id>()
            .map_err(|_| carmine_core::Error::invalid_field("line_id", "a line of this order"))?,
        kind: body.kind,
        quantity: body.quantity,
        amount_minor: body.amount.map(|a| a.amount_minor),
        reason: body.reason,
    };
    let record = state.orders().request_after_sale(caller.user_id, order_id, &input).await?;
    Ok((StatusCode::CREATED, Json(after_sale_view(&state, &record))))
}

/// An order's after-sale requests, oldest first.
#[utoipa::path(get, path = "/api/v1/orders/{id}/after-sales", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = Items<AfterSaleView>), (status = 404, body = ErrorBody, description = "`order_not_found`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn order_after_sales(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Json<Items<AfterSaleView>>, ApiError> {
    let order_id = path_id(&id, ErrorCode::OrderNotFound)?;
    let records = state.orders().order_after_sales(caller.user_id, order_id).await?;
    Ok(Json(Items { items: records.iter().map(|r| after_sale_view(&state, r)).collect() }))
}

/// Withdraws one of the caller's open requests.
#[utoipa::path(post, path = "/api/v1/after-sales/{id}/cancel", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = AfterSaleView), (status = 404, body = ErrorBody, description = "`after_sale_not_found`"),
        (status = 409, body = ErrorBody, description = "`after_sale_not_open`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn cancel(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Json<AfterSaleView>, ApiError> {
    let id = path_id(&id, ErrorCode::AfterSaleNotFound)?;
    let record = state.orders().cancel_after_sale(caller.user_id, id).await?;
    Ok(Json(after_sale_view(&state, &record)))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnRequest {
    /// A carrier's code from `/api/v1/carriers`.
    #[schema(min_length = 1, max_length = 16)]
    pub carrier: String,
    /// 1 to 40 letters, digits or hyphens.
    #[schema(min_length = 1, max_length = 40)]
    pub tracking_no: String,
}

/// Says the return is on its way back, with its tracking number.
#[utoipa::path(post, path = "/api/v1/after-sales/{id}/return", tag = "orders", request_body = ReturnRequest,
    params(("id" = String, Path)),
    responses((status = 200, body = AfterSaleView), (status = 404, body = ErrorBody, description = "`after_sale_not_found`"),
        (status = 409, body = ErrorBody, description = "`after_sale_not_open`"),
        (status = 422, body = ErrorBody, description = "`invalid_field`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn ship_return(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    body: CheckLater<ReturnRequest>,
) -> Result<Json<AfterSaleView>, ApiError> {
    let id = path_id(&id, ErrorCode::AfterSaleNotFound)?;
    state.orders().buyer_after_sale(caller.user_id, id).await?;
    let body = body.parse()?;
    let shipment = ShipInput { carrier: body.carrier, tracking_no: body.tracking_no };
    let record = state.orders().ship_return(caller.user_id, id, &shipment).await?;
    Ok(Json(after_sale_view(&state, &record)))
}

/// Takes a rejected request to the operator's arbitration (within 7 days).
#[utoipa::path(post, path = "/api/v1/after-sales/{id}/escalate", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = AfterSaleView), (status = 404, body = ErrorBody, description = "`after_sale_not_found`"),
        (status = 409, body = ErrorBody, description = "`after_sale_not_open`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn escalate(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Json<AfterSaleView>, ApiError> {
    let id = path_id(&id, ErrorCode::AfterSaleNotFound)?;
    let record = state.orders().escalate_after_sale(caller.user_id, id).await?;
    Ok(Json(after_sale_view(&state, &record)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AfterSalesQuery {
    /// One of the statuses; absent: all.
    pub status: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

fn status_of(raw: Option<&str>) -> Result<Option<&'static str>, carmine_core::Error> {
    match raw.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(raw) => STATUSES
            .iter()
            .find(|s| **s == raw)
            .map(|s| Some(*s))
            .ok_or_else(|| carmine_core::Error::invalid_field("status", format!("one of {}", STATUSES.join(", ")))),
    }
}

/// A store's after-sale requests, newest first (its staff).
#[utoipa::path(get, path = "/api/v1/stores/{id}/after-sales", tag = "orders", params(("id" = String, Path), AfterSalesQuery),
    responses((status = 200, body = Page<AfterSaleView>), (status = 403, body = ErrorBody, description = "`forbidden`"),
        (status = 404, body = ErrorBody, description = "`store_not_found`"),
        (status = 422, body = ErrorBody, description = "`invalid_field`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn store_after_sales(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<AfterSalesQuery>,
) -> Result<Json<Page<AfterSaleView>>, ApiError> {
    let store_id = path_id(&id, ErrorCode::StoreNotFound)?;
    let status = status_of(query.status.as_deref())?;
    let (limit, after) = PageQuery { limit: query.limit, cursor: query.cursor }.position(&state)?;
    let records = state.orders().store_after_sales(&caller, store_id, status, after, limit).await?;
    Ok(Json(crate::api::page(&state, records, limit, |r| r.id, |r| after_sale_view(&state, r))))
}

fn ids(store: &str, after_sale: &str) -> Result<(Id, Id), ApiError> {
    Ok((path_id(store, ErrorCode::StoreNotFound)?, path_id(after_sale, ErrorCode::AfterSaleNotFound)?))
}

/// Approves a request: a refund only is refunded now, a return is awaited.
#[utoipa::path(post, path = "/api/v1/stores/{id}/after-sales/{after_sale_id}/approve", tag = "orders",
    params(("id" = String, Path), ("after_sale_id" = String, Path)),
    responses((status = 200, body = AfterSaleView), (status = 403, body = ErrorBody, description = "`forbidden`"),
        (status = 404, body = ErrorBody, description = "`store_not_found`, `after_sale_not_found`"),
        (status = 409, body = ErrorBody, description = "`after_sale_not_open`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn approve(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((store, after_sale)): Path<(String, String)>,
) -> Result<Json<AfterSaleView>, ApiError> {
    let (store_id, id) = ids(&store, &after_sale)?;
    let record = state.orders().approve_after_sale(&caller, store_id, id).await?;
    Ok(Json(after_sale_view(&state, &record)))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteRequest {
    /// Why: 1 to 500 characters.
    #[schema(min_length = 1, max_length = 500)]
    pub note: String,
}

/// Rejects a request, saying why; the buyer may escalate it within 7 days.
#[utoipa::path(post, path = "/api/v1/stores/{id}/after-sales/{after_sale_id}/reject", tag = "orders",
    request_body = NoteRequest, params(("id" = String, Path), ("after_sale_id" = String, Path)),
    responses((status = 200, body = AfterSaleView), (status = 403, body = ErrorBody, description = "`forbidden`"),
        (status = 404, body = ErrorBody, description = "`store_not_found`, `after_sale_not_found`"),
        (status = 409, body = ErrorBody, description = "`after_sale_not_open`"),
        (status = 422, body = ErrorBody, description = "`invalid_field`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn reject(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((store, after_sale)): Path<(String, String)>,
    body: CheckLater<NoteRequest>,
) -> Result<Json<AfterSaleView>, ApiError> {
    let (store_id, id) = ids(&store, &after_sale)?;
    state.orders().store_after_sale(&caller, store_id, id, OrgAction::FulfilOrders).await?;
    let body = body.parse()?;
    let record = state.orders().reject_after_sale(&caller, store_id, id, &body.note).await?;
    Ok(Json(after_sale_view(&state, &record)))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiveReturnRequest {
    /// Put the units back on hand (default false).
    pub restock: Option<bool>,
}

/// Confirms a return arrived: the buyer is refunded, and the units restocked if asked.
#[utoipa::path(post, path = "/api/v1/stores/{id}/after-sales/{after_sale_id}/receive", tag = "orders",
    request_body = ReceiveReturnRequest, params(("id" = String, Path), ("after_sale_id" = String, Path)),
    responses((status = 200, body = AfterSaleView), (status = 403, body = ErrorBody, description = "`forbidden`"),
        (status = 404, body = ErrorBody, description = "`store_not_found`, `after_sale_not_found`"),
        (status = 409, body = ErrorBody, description = "`after_sale_not_open`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn confirm_return(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((store, after_sale)): Path<(String, String)>,
    body: CheckLater<ReceiveReturnRequest>,
) -> Result<Json<AfterSaleView>, ApiError> {
    let (store_id, id) = ids(&store, &after_sale)?;
    state.orders().store_after_sale(&caller, store_id, id, OrgAction::FulfilOrders).await?;
    let body = body.parse()?;
    let record = state.orders().confirm_return(&caller, store_id, id, body.restock.unwrap_or(false)).await?;
    Ok(Json(after_sale_view(&state, &record)))
}

/// Requests escalated to the operator, newest first (admins).
#[utoipa::path(get, path = "/api/v1/admin/after-sales", tag = "orders", params(PageQuery),
    responses((status = 200, body = Page<AfterSaleView>), (status = 403, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn arbitration_queue(
    State(state): State<AppState>,
    Admin(_): Admin,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Page<AfterSaleView>>, ApiError> {
    let (limit, after) = query.position(&state)?;
    let records = state.orders().arbitration_queue(after, limit).await?;
    Ok(Json(crate::api::page(&state, records, limit, |r| r.id, |r| after_sale_view(&state, r))))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    /// `buyer` (refund, or the return first) or `store` (closed for good).
    #[schema(pattern = "^(buyer|store)$")]
    pub for_party: String,
    /// 1 to 500 characters, shown to both.
    #[schema(min_length = 1, max_length = 500)]
    pub note: String,
}

/// Decides an escalated request (admins).
#[utoipa::path(post, path = "/api/v1/admin/after-sales/{id}/decide", tag = "orders", request_body = DecisionRequest,
    params(("id" = String, Path)),
    responses((status = 200, body = AfterSaleView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "`after_sale_not_found`"),
        (status = 409, body = ErrorBody, description = "`after_sale_not_open`"),
        (status = 422, body = ErrorBody, description = "`invalid_field`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn decide(
    State(state): State<AppState>,
    Admin(_): Admin,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DecisionRequest>,
) -> Result<Json<AfterSaleView>, ApiError> {
    let id = path_id(&id, ErrorCode::AfterSaleNotFound)?;
    let for_buyer = match body.for_party.as_str() {
        "buyer" => true,
        "store" => false,
        _ => return Err(carmine_core::Error::invalid_field("for_party", "buyer or store").into()),
    };
    let record = state.orders().decide_arbitration(for_buyer, id, &body.note).await?;
    Ok(Json(after_sale_view(&state, &record)))
}
