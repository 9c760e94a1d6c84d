//! Fulfilment on the pages: the buyer confirms receipt or extends the time for it
//! (`/orders/{id}/receive`, `/orders/{id}/extend-receipt`), and the console's Orders
//! tab (`/o/{handle}/manage/orders`): the store's orders by status, a ship form on
//! each paid one for staff who fulfil orders, and — for those who may see the
//! store's money — the settlement statement of the last 30 days with its CSV.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use carmine_accounts::Caller;
use carmine_accounts::orgs::{OrgAccess, OrgAction};
use carmine_core::{Error, ErrorCode, Id};
use carmine_orders::ShipInput;
use carmine_store::fulfilment::{SettlementRecord, ShipmentEvent};
use serde::Deserialize;

use super::{OrderRow, order_page, order_row};
use crate::api::orders::fulfilment::{ORDER_STATUSES, SettlementParams, statement, status_filter};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiQuery, Member, path_id};
use crate::pages::money::{field, yuan};
use crate::pages::orgs::Console;
use crate::pages::{Layout, PageForm, done, render, shown_on_form};

const TAB: &str = "manage/orders";

/// A tracking event as the order page shows it.
pub(crate) struct TrackingRow {
    pub code: String,
    pub location: String,
    pub when: String,
}

pub(crate) fn tracking_rows(layout: &Layout, events: &[ShipmentEvent]) -> Vec<TrackingRow> {
    events
        .iter()
        .rev()
        .map(|e| TrackingRow {
            code: e.code.clone(),
            location: if e.location.is_empty() { String::new() } else { layout.tv("region", &e.location) },
            when: layout.when(&e.happened_at),
        })
        .collect()
}

pub(super) async fn receive(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::OrderNotFound)?;
    match state.orders().confirm_receipt(caller.user_id, id).await {
        Ok(_) => Ok(done(&format!("/orders/{id}"), "order_received")),
        Err(error) => order_page(&state, &caller, id, None, Some(&shown_on_form(error)?)).await,
    }
}

pub(super) async fn extend(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::OrderNotFound)?;
    match state.orders().extend_receipt(caller.user_id, id).await {
        Ok(_) => Ok(done(&format!("/orders/{id}"), "receipt_extended")),
        Err(error) => order_page(&state, &caller, id, None, Some(&shown_on_form(error)?)).await,
    }
}

/// A settled order's split as the statement lists it.
struct SettlementRow {
    order_id: String,
    when: String,
    escrow: String,
    subsidy: String,
    fee: String,
    commission: String,
    waived: String,
    affiliate: String,
    merchant: String,
}

fn settlement_row(layout: &Layout, s: &SettlementRecord) -> SettlementRow {
    SettlementRow {
        order_id: s.order_id.to_string(),
        when: layout.date(&s.settled_at),
        escrow: yuan(s.escrow_minor),
        subsidy: yuan(s.subsidy_minor),
        fee: yuan(s.fee_minor),
        commission: yuan(s.commission_minor),
        waived: yuan(s.commission_free_minor),
        affiliate: yuan(s.affiliate_minor),
        merchant: yuan(s.merchant_minor),
    }
}

/// A store's order as the console lists it: the buyer's order row plus where it goes.
struct ConsoleOrder {
    order: OrderRow,
    ship_to: String,
    tracking: String,
}

#[derive(Template)]
#[template(path = "orders_manage.html")]
struct OrdersConsolePage {
    layout: Layout,
    console: Console,
    handle: String,
    has_store: bool,
    can_ship: bool,
    /// (status, selected) filters; "" is every status.
    filters: Vec<(String, bool)>,
    status: String,
    orders: Vec<ConsoleOrder>,
    next: Option<String>,
    carriers: Vec<(String, String)>,
    /// The statement of the last 30 days, for those who may see the store's money.
    statement: Option<(Vec<SettlementRow>, SettlementRow)>,
    csv_url: String,
    /// The order whose ship form failed, and what was typed.
    failed: Option<(String, String, String)>,
    /// The store's latest after-sale requests, with what the staff may do.
    after_sales: Vec<super::after_sales::AfterSaleRow>,
}

#[derive(Deserialize, Default)]
pub(super) struct ConsoleQuery {
    status: Option<String>,
    before: Option<String>,
    done: Option<String>,
}

async fn console_page(
    state: &AppState,
    caller: &Caller,
    handle: &str,
    query: &ConsoleQuery,
    error: Option<&Error>,
    failed: Option<(String, String, String)>,
) -> Result<Response, ApiError> {
    const PAGE: u32 = 20;
    let OrgAccess { org, role } = state.accounts().authorize_org(caller, handle, OrgAction::ViewStore).await?;
    let store = state.commerce().store_of_org(org.id).await?;
    let layout = Layout::with(Some(caller), query.done.as_deref(), error);
    let status = status_filter(query.status.as_deref())?;
    let mut page = OrdersConsolePage {
        console: Console::new(&org, role, TAB),
        handle: org.handle.clone(),
        has_store: store.is_some(),
        can_ship: role.allows(OrgAction::FulfilOrders),
        // Orders never rest in `received` (receipt completes them): no chip for it.
        filters: std::iter::once("")
            .chain(ORDER_STATUSES.into_iter().filter(|s| *s != "received"))
            .map(|s| (s.to_owned(), s == status.unwrap_or("")))
            .collect(),
        status: status.unwrap_or("").to_owned(),
        orders: Vec::new(),
        next: None,
        carriers: state.orders().carriers().iter().map(|c| (c.code.to_owned(), layout.tv("carrier", c.code))).collect(),
        statement: None,
        csv_url: String::new(),
        failed,
        after_sales: Vec::new(),
        layout,
    };
    if let Some(store) = store {
        let store_id = store.record.id;
        let before = query.before.as_deref().and_then(|b| b.parse::<Id>().ok());
        let (mut records, lines, groups) = state.orders().store_orders(caller, store_id, status, before, PAGE).await?;
        if records.len() > PAGE as usize {
            records.truncate(PAGE as usize);
            page.next = records.last().map(|o| format!("/o/{handle}/{TAB}?status={}&before={}", page.status, o.id));
        }
        for record in &records {
            let Some(group) = groups.iter().find(|g| g.id == record.group_id) else { continue };
            page.orders.push(ConsoleOrder {
                order: order_row(&page.layout, record, &lines),
                ship_to: format!(
                    "{} {} · {} {}",
                    group.recipient,
                    group.phone,
                    page.layout.tv("region", &group.region),
                    group.detail
                ),
                tracking: match (&record.fulfilment.carrier, &record.fulfilment.tracking_no) {
                    (Some(carrier), Some(no)) => format!("{} {no}", page.layout.tv("carrier", carrier)),
                    _ => String::new(),
                },
            });
        }
        let requests = state.orders().store_after_sales(caller, store_id, None, None, 30).await?;
        for request in requests.iter().take(30) {
            let request_lines = if lines.iter().any(|l| l.id == request.line_id) {
                lines.clone()
            } else {
                state.orders().store_order_detail(caller, store_id, request.order_id).await?.lines
            };
            page.after_sales.push(super::after_sales::after_sale_row(&page.layout, request, &request_lines));
        }
        if role.allows(OrgAction::ViewMoney) {
            let params = SettlementParams { from: None, to: None };
            let statement = statement(state, caller, store_id, &params).await?;
            page.statement = Some((
                statement.rows.iter().take(50).map(|r| settlement_row(&page.layout, r)).collect(),
                settlement_row(&page.layout, &statement.totals),
            ));
            page.csv_url = format!("/api/v1/stores/{store_id}/settlements.csv");
        }
    }
    Ok(render(&page, error))
}

pub(super) async fn console(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(handle): Path<String>,
    ApiQuery(query): ApiQuery<ConsoleQuery>,
) -> Result<Response, ApiError> {
    console_page(&state, &caller, &handle, &query, None, None).await
}

/// The console again, after an after-sale action failed.
pub(super) async fn console_with_error(
    state: &AppState,
    caller: &Caller,
    handle: &str,
    error: &Error,
) -> Result<Response, ApiError> {
    console_page(state, caller, handle, &ConsoleQuery::default(), Some(error), None).await
}

/// A page's `?done=` only.
#[derive(Deserialize, Default)]
pub(super) struct DoneOnly {
    pub done: Option<String>,
}

pub(super) async fn ship(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((handle, id)): Path<(String, String)>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let order_id = path_id(&id, ErrorCode::OrderNotFound)?;
    let input = ShipInput {
        carrier: field(&fields, "carrier").to_owned(),
        tracking_no: field(&fields, "tracking_no").trim().to_owned(),
    };
    let shipped = async {
        let access = state.accounts().authorize_org(&caller, &handle, OrgAction::FulfilOrders).await?;
        let store = state.commerce().store_of_org(access.org.id).await?.ok_or(ErrorCode::StoreNotFound)?;
        state.orders().ship(&caller, store.record.id, order_id, &input).await
    };
    match shipped.await {
        Ok(_) => Ok(done(&format!("/o/{handle}/{TAB}?status=awaiting_shipment"), "order_shipped")),
        Err(error) => {
            let error = shown_on_form(error)?;
            let query = ConsoleQuery { status: Some("awaiting_shipment".to_owned()), ..ConsoleQuery::default() };
            let failed = Some((order_id.to_string(), input.carrier, input.tracking_no));
            console_page(&state, &caller, &handle, &query, Some(&error), failed).await
        }
    }
}
