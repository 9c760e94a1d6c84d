//! After-sales on the pages: the buyer's request form (`/orders/{id}/after-sale`),
//! their requests on the order page with what they may do next (withdraw, ship the
//! return back, escalate); the store's open requests in the console's Orders tab
//! (approve, reject with a note, confirm a return and restock); and the operator's
//! arbitration queue (`/admin/arbitration`).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use carmine_accounts::Caller;
use carmine_accounts::orgs::OrgAction;
use carmine_core::{Error, ErrorCode, Id};
use carmine_orders::{AfterSaleInput, ShipInput};
use carmine_store::after_sales::AfterSaleRecord;
use carmine_store::orders::LineRecord;
use serde::Deserialize;

use super::order_page;
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiQuery, Member, path_id};
use crate::pages::money::{field, parse_yuan, yuan};
use crate::pages::{Layout, PageForm, done, render, shown_on_form};

/// A request as the pages list it.
pub(crate) struct AfterSaleRow {
    pub id: String,
    pub order_id: String,
    pub title: String,
    pub kind: String,
    pub quantity: i64,
    pub amount: String,
    pub reason: String,
    pub status: String,
    /// The day the running timer acts, if one runs.
    pub due: String,
    pub merchant_note: String,
    pub operator_note: String,
    pub return_shipment: String,
}

pub(crate) fn after_sale_row(layout: &Layout, r: &AfterSaleRecord, lines: &[LineRecord]) -> AfterSaleRow {
    let line = lines.iter().find(|l| l.id == r.line_id);
    AfterSaleRow {
        id: r.id.to_string(),
        order_id: r.order_id.to_string(),
        title: line.map(|l| l.title.clone()).unwrap_or_default(),
        kind: r.kind.clone(),
        quantity: r.quantity,
        amount: yuan(r.amount_minor),
        reason: r.reason.clone(),
        status: r.status.clone(),
        due: carmine_orders::after_sales::due(r).map(|at| layout.date(&at)).unwrap_or_default(),
        merchant_note: r.merchant_note.clone().unwrap_or_default(),
        operator_note: r.operator_note.clone().unwrap_or_default(),
        return_shipment: match (&r.return_carrier, &r.return_tracking) {
            (Some(carrier), Some(no)) => format!("{} {no}", layout.tv("carrier", carrier)),
            _ => String::new(),
        },
    }
}

#[derive(Template)]
#[template(path = "after_sale_new.html")]
struct RequestPage {
    layout: Layout,
    order_id: String,
    line_id: String,
    title: String,
    option_label: String,
    /// Units one may still ask about, and the line's refund for all of them.
    units: i64,
    returnable: bool,
    kind: String,
    quantity: String,
    amount: String,
    reason: String,
}

#[derive(Deserialize, Default)]
pub(super) struct LineQuery {
    #[serde(default)]
    line: String,
}

async fn request_page(
    state: &AppState,
    caller: &Caller,
    order_id: Id,
    fields: &[(String, String)],
    error: Option<&Error>,
) -> Result<Response, ApiError> {
    let detail = state.orders().order(caller.user_id, order_id).await?;
    if detail.group.imported() {
        // Imported history: nothing was paid here to refund (`carmine_orders::imported`);
        // its page says so.
        return Ok(axum::response::IntoResponse::into_response(axum::response::Redirect::to(&format!(
            "/orders/{order_id}"
        ))));
    }
    let line_id: Id = path_id(field(fields, "line_id"), ErrorCode::OrderNotFound)?;
    let line = detail.lines.iter().find(|l| l.id == line_id).ok_or(ErrorCode::OrderNotFound)?;
    let asked = state.orders().order_after_sales(caller.user_id, order_id).await?;
    let claimed: i64 = asked
        .iter()
        .filter(|r| r.line_id == line.id && !["cancelled", "closed"].contains(&r.status.as_str()))
        .map(|r| r.quantity)
        .sum();
    let units = (line.quantity - claimed).max(0);
    let page = RequestPage {
        layout: Layout::with(Some(caller), None, error),
        order_id: order_id.to_string(),
        line_id: line.id.to_string(),
        title: line.title.clone(),
        option_label: line.option_label.clone(),
        units,
        returnable: line.returnable,
        kind: match field(fields, "kind") {
            "" => "refund_only".to_owned(),
            kind => kind.to_owned(),
        },
        quantity: match field(fields, "quantity") {
            "" => units.to_string(),
            quantity => quantity.to_owned(),
        },
        amount: field(fields, "amount").to_owned(),
        reason: field(fields, "reason").to_owned(),
    };
    Ok(render(&page, error))
}

pub(super) async fn new_request(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<LineQuery>,
) -> Result<Response, ApiError> {
    let order_id = path_id(&id, ErrorCode::OrderNotFound)?;
    request_page(&state, &caller, order_id, &[("line_id".to_owned(), q.line)], None).await
}

pub(super) async fn request(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let order_id = path_id(&id, ErrorCode::OrderNotFound)?;
    let asked = async {
        let amount = field(&fields, "amount").trim();
        let input = AfterSaleInput {
            line_id: field(&fields, "line_id")
                .parse()
                .map_err(|_| Error::invalid_field("line_id", "a line of this order"))?,
            kind: field(&fields, "kind").to_owned(),
            quantity: field(&fields, "quantity")
                .trim()
                .parse()
                .map_err(|_| Error::invalid_field("quantity", "a whole number"))?,
            amount_minor: if amount.is_empty() { None } else { Some(parse_yuan("amount", amount)?) },
            reason: field(&fields, "reason").to_owned(),
        };
        state.orders().request_after_sale(caller.user_id, order_id, &input).await
    };
    match asked.await {
        Ok(_) => Ok(done(&format!("/orders/{order_id}"), "after_sale_requested")),
        Err(error) => request_page(&state, &caller, order_id, &fields, Some(&shown_on_form(error)?)).await,
    }
}

/// The buyer withdraws, ships a return back or escalates; back to the order.
pub(super) async fn buyer_action(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((id, action)): Path<(String, String)>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::AfterSaleNotFound)?;
    let record = state.orders().buyer_after_sale(caller.user_id, id).await?;
    let outcome = match action.as_str() {
        "cancel" => state.orders().cancel_after_sale(caller.user_id, id).await.map(|_| "after_sale_withdrawn"),
        "return" => {
            let shipment = ShipInput {
                carrier: field(&fields, "carrier").to_owned(),
                tracking_no: field(&fields, "tracking_no").trim().to_owned(),
            };
            state.orders().ship_return(caller.user_id, id, &shipment).await.map(|_| "return_shipped")
        }
        "escalate" => state.orders().escalate_after_sale(caller.user_id, id).await.map(|_| "after_sale_escalated"),
        _ => return Err(ApiError(Error::new(ErrorCode::RouteNotFound))),
    };
    match outcome {
        Ok(notice) => Ok(done(&format!("/orders/{}", record.order_id), notice)),
        Err(error) => order_page(&state, &caller, record.order_id, None, Some(&shown_on_form(error)?)).await,
    }
}

/// The store's staff approve, reject or confirm a return; back to the Orders tab.
pub(super) async fn store_action(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((handle, id, action)): Path<(String, String, String)>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::AfterSaleNotFound)?;
    let acted = async {
        let access = state.accounts().authorize_org(&caller, &handle, OrgAction::FulfilOrders).await?;
        let store = state.commerce().store_of_org(access.org.id).await?.ok_or(ErrorCode::StoreNotFound)?;
        let store_id = store.record.id;
        let orders = state.orders();
        match action.as_str() {
            "approve" => orders.approve_after_sale(&caller, store_id, id).await.map(|_| "after_sale_approved"),
            "reject" => orders
                .reject_after_sale(&caller, store_id, id, field(&fields, "note"))
                .await
                .map(|_| "after_sale_rejected"),
            "receive" => orders
                .confirm_return(&caller, store_id, id, field(&fields, "restock") == "on")
                .await
                .map(|_| "return_received"),
            _ => Err(Error::new(ErrorCode::RouteNotFound)),
        }
    };
    let back = format!("/o/{handle}/manage/orders");
    match acted.await {
        Ok(notice) => Ok(done(&format!("{back}#after-sales"), notice)),
        Err(error) if error.code == ErrorCode::RouteNotFound => Err(ApiError(error)),
        Err(error) => {
            let error = shown_on_form(error)?;
            super::fulfilment::console_with_error(&state, &caller, &handle, &error).await
        }
    }
}

/// An escalated request as the operator sees it: the request, the line and both sides.
struct ArbitrationRow {
    request: AfterSaleRow,
    store_name: String,
    order_total: String,
    paid: String,
}

#[derive(Template)]
#[template(path = "admin_arbitration.html")]
struct ArbitrationPage {
    layout: Layout,
    rows: Vec<ArbitrationRow>,
}

async fn arbitration_page(
    state: &AppState,
    caller: &Caller,
    done: Option<&str>,
    error: Option<&Error>,
) -> Result<Response, ApiError> {
    state.accounts().require_admin(caller)?;
    let layout = Layout::with(Some(caller), done, error);
    let mut rows = Vec::new();
    for record in state.orders().arbitration_queue(None, 100).await? {
        let detail = state.orders().order(record.buyer_id, record.order_id).await?;
        let line = detail.lines.iter().find(|l| l.id == record.line_id);
        rows.push(ArbitrationRow {
            request: after_sale_row(&layout, &record, &detail.lines),
            store_name: detail.order.store_name.clone(),
            order_total: yuan(detail.order.total_minor),
            paid: line.map(|l| yuan(l.paid_minor)).unwrap_or_default(),
        });
    }
    Ok(render(&ArbitrationPage { layout, rows }, error))
}

pub(super) async fn arbitration(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(q): ApiQuery<super::fulfilment::DoneOnly>,
) -> Result<Response, ApiError> {
    arbitration_page(&state, &caller, q.done.as_deref(), None).await
}

pub(super) async fn decide(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    state.accounts().require_admin(&caller)?;
    let id = path_id(&id, ErrorCode::AfterSaleNotFound)?;
    let for_buyer = match field(&fields, "for_party") {
        "buyer" => true,
        "store" => false,
        _ => {
            return arbitration_page(&state, &caller, None, Some(&Error::invalid_field("for_party", "buyer or store")))
                .await;
        }
    };
    match state.orders().decide_arbitration(for_buyer, id, field(&fields, "note")).await {
        Ok(_) => Ok(done("/admin/arbitration", "arbitration_decided")),
        Err(error) => arbitration_page(&state, &caller, None, Some(&shown_on_form(error)?)).await,
    }
}
