//! Orders' pages (Commerce II): the cart (`/cart`), checkout with the address book
//! and the payment method (`/checkout`), the buyer's orders (`/orders`,
//! `/orders/{id}`: pay again, cancel) and the page a payment provider sends the
//! buyer back to (`/orders/paid`); the console's orders, coupons and sale prices,
//! and the operator's commerce pages. Every form works without JavaScript. One router,
//! merged into the pages in one line.

pub(crate) mod after_sales;
pub(crate) mod coupons;
pub(crate) mod fulfilment;
pub(crate) mod reviews;
pub(crate) mod sales;

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use carmine_accounts::Caller;
use carmine_commerce::regions;
use carmine_core::{Error, ErrorCode, Id};
use carmine_orders::{AddressInput, CartLine, CheckoutInput, LineProblem};
use carmine_store::orders::{LineRecord, OrderRecord};
use serde::Deserialize;

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiQuery, Member, path_id};
use crate::pages::money::{field, form_key, yuan};
use crate::pages::{Layout, PageForm, done, render, shown_on_form};

/// The notices orders' forms end with (`?done=`; `notice-<key>` in the catalogues).
pub(crate) const NOTICES: &[&str] = &[
    "cart_added",
    "sale_created",
    "sale_ended",
    "cart_saved",
    "cart_removed",
    "address_saved",
    "address_removed",
    "order_placed",
    "order_paid",
    "order_cancelled",
    "order_received",
    "receipt_extended",
    "order_shipped",
    "after_sale_requested",
    "after_sale_withdrawn",
    "return_shipped",
    "after_sale_escalated",
    "after_sale_approved",
    "after_sale_rejected",
    "return_received",
    "arbitration_decided",
    "review_posted",
    "coupon_issued",
    "coupon_claimed",
    "coupon_limit_reached",
    "coupon_unavailable",
];

/// Notices that say something did not happen (shown as errors).
pub(crate) const REFUSALS: &[&str] = &["coupon_limit_reached", "coupon_unavailable"];

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/cart", get(cart))
        .route("/cart/add", post(add_to_cart).get(to_cart))
        .route("/cart/{sku}/quantity", post(set_quantity).get(to_cart))
        .route("/cart/{sku}/remove", post(remove).get(to_cart))
        .route("/checkout", get(checkout).post(place))
        .route("/addresses", post(add_address).get(address_book))
        .route("/addresses/{id}", post(save_address).get(to_address_book))
        .route("/addresses/{id}/remove", post(remove_address).get(to_address_book))
        .route("/orders", get(orders))
        .route("/orders/paid", get(paid))
        .route("/orders/{id}", get(order))
        .route("/orders/{id}/cancel", post(cancel).get(to_order))
        .route("/orders/{id}/pay", post(pay).get(to_order))
        .route("/orders/{id}/receive", post(fulfilment::receive).get(to_order))
        .route("/orders/{id}/extend-receipt", post(fulfilment::extend).get(to_order))
        .route("/o/{handle}/manage/orders", get(fulfilment::console))
        .route("/o/{handle}/orders/{id}/ship", post(fulfilment::ship))
        .route("/orders/{id}/after-sale", get(after_sales::new_request))
        .route("/orders/{id}/after-sales", post(after_sales::request).get(to_order))
        .route("/after-sales/{id}/{action}", post(after_sales::buyer_action))
        .route("/o/{handle}/after-sales/{id}/{action}", post(after_sales::store_action))
        .route("/orders/{id}/review", get(reviews::new_review))
        .route(
            "/orders/{id}/reviews",
            post(reviews::submit).get(to_order).layer(DefaultBodyLimit::max(reviews::REVIEW_BODY_BYTES_MAX)),
        )
        .route("/admin/commerce", get(coupons::admin_show))
        .route("/admin/coupons", post(coupons::admin_create))
        .route("/admin/arbitration", get(after_sales::arbitration))
        .route("/admin/arbitration/{id}", post(after_sales::decide))
        .route("/o/{handle}/manage/products/{id}/sales", get(sales::show).post(sales::create))
        .route("/o/{handle}/manage/products/{id}/sales/{sale}/end", post(sales::end))
        .route("/o/{handle}/manage/coupons", get(coupons::show))
        .route("/o/{handle}/coupons", post(coupons::create))
        .route("/coupons/{id}/claim", post(coupons::claim).get(coupons::to_cart))
}

// A refused form is shown at its POST address; reloading it or switching the
// language there asks for it again with GET: back to the page the form was on.
async fn to_cart() -> Redirect {
    Redirect::to("/cart")
}

async fn to_address_book() -> Redirect {
    Redirect::to("/addresses")
}

// ---- The address book ----------------------------------------------------------------

#[derive(Template)]
#[template(path = "addresses.html")]
struct AddressBookPage {
    layout: Layout,
    /// (id, the address as its form shows it, the default).
    book: Vec<(String, AddressInput, bool)>,
    regions: Vec<(String, String)>,
    /// The address whose form was refused (shown open, with what was typed).
    failed: Option<String>,
}

async fn address_book_page(
    state: &AppState,
    caller: &Caller,
    done: Option<&str>,
    failed: Option<(Id, AddressInput, &Error)>,
) -> Result<Response, ApiError> {
    let error = failed.as_ref().map(|(_, _, e)| *e);
    let layout = Layout::with(Some(caller), done, error);
    let mut book: Vec<(String, AddressInput, bool)> = state
        .orders()
        .addresses(caller.user_id)
        .await?
        .iter()
        .map(|a| {
            let input = AddressInput {
                recipient: a.recipient.clone(),
                phone: a.phone.clone(),
                region: a.region.clone(),
                detail: a.detail.clone(),
                is_default: a.is_default,
            };
            (a.id.to_string(), input, a.is_default)
        })
        .collect();
    if let Some((id, typed, _)) = &failed
        && let Some(entry) = book.iter_mut().find(|(book_id, ..)| *book_id == id.to_string())
    {
        entry.1 = typed.clone();
    }
    let page = AddressBookPage {
        book,
        regions: regions::listed().map(|code| (code.to_owned(), layout.tv("region", code))).collect(),
        failed: failed.map(|(id, ..)| id.to_string()),
        layout,
    };
    Ok(render(&page, error))
}

async fn address_book(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(q): ApiQuery<DoneQuery>,
) -> Result<Response, ApiError> {
    address_book_page(&state, &caller, q.done.as_deref(), None).await
}

fn address_of(fields: &[(String, String)]) -> AddressInput {
    AddressInput {
        recipient: field(fields, "recipient").to_owned(),
        phone: field(fields, "phone").to_owned(),
        region: field(fields, "region").to_owned(),
        detail: field(fields, "detail").to_owned(),
        is_default: field(fields, "is_default") == "1",
    }
}

async fn save_address(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::AddressNotFound)?;
    let input = address_of(&fields);
    match state.orders().update_address(caller.user_id, id, &input).await {
        Ok(_) => Ok(done("/addresses", "address_saved")),
        Err(error) => {
            let error = shown_on_form(error)?;
            address_book_page(&state, &caller, None, Some((id, input, &error))).await
        }
    }
}

async fn remove_address(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::AddressNotFound)?;
    state.orders().remove_address(caller.user_id, id).await?;
    Ok(done("/addresses", "address_removed"))
}

async fn to_order(Path(id): Path<String>) -> Redirect {
    match id.parse::<Id>() {
        Ok(id) => Redirect::to(&format!("/orders/{id}")),
        Err(_) => Redirect::to("/orders"),
    }
}

/// A cart or checkout line as the pages draw it.
pub(crate) struct LineRow {
    pub sku_id: String,
    pub product_url: String,
    pub title: String,
    pub option_label: String,
    pub quantity: i64,
    pub price: String,
    /// The regular price, when a sale prices the line.
    pub regular: Option<String>,
    pub line_total: String,
    pub price_was: Option<String>,
    /// Why it cannot be bought as it stands, in the reader's language.
    pub problem: Option<String>,
    /// A sale on now the line is too large for, in words.
    pub sale_missed: Option<String>,
    pub cover: Option<String>,
    pub max: i64,
}

fn line_row(layout: &Layout, line: &CartLine) -> LineRow {
    let r = &line.record;
    LineRow {
        sku_id: r.sku_id.to_string(),
        product_url: format!("/products/{}", r.product_id),
        title: r.title.clone(),
        option_label: carmine_orders::checkout::option_label(&r.options, &r.option_key),
        quantity: r.quantity,
        price: yuan(line.unit_price_minor()),
        regular: line.sale.map(|_| yuan(r.price_minor)),
        line_total: yuan(line.line_total_minor()),
        price_was: line.price_was.map(yuan),
        problem: line.problem.map(|p| match p {
            LineProblem::NotForSale => layout.t("cart-not-for-sale"),
            LineProblem::OutOfStock { available: 0 } => layout.t("product-sold-out"),
            LineProblem::OutOfStock { available } => layout.t1("cart-only-left", "count", available),
        }),
        sale_missed: line.sale_missed.map(|(price, units)| match units {
            0 => layout.t1("cart-sale-used", "price", yuan(price)),
            _ => layout.t2("cart-sale-missed", "price", yuan(price), "count", units),
        }),
        cover: crate::api::orders::cover_url(&r.cover),
        max: carmine_core::limits::CART_QUANTITY_MAX,
    }
}

pub(crate) struct StoreRow {
    pub name: String,
    pub url: String,
    pub lines: Vec<LineRow>,
    pub goods: String,
    /// `—` until an address is chosen; the reason when the store does not deliver.
    pub shipping: String,
    pub delivers: bool,
}

fn store_rows(layout: &Layout, lines: &[CartLine]) -> Vec<StoreRow> {
    let mut stores: Vec<(Id, StoreRow)> = Vec::new();
    for line in lines {
        let row = line_row(layout, line);
        match stores.last_mut() {
            Some((id, store)) if *id == line.record.store_id => store.lines.push(row),
            _ => stores.push((
                line.record.store_id,
                StoreRow {
                    name: line.record.store_name.clone(),
                    url: format!("/o/{}/store", line.record.store_handle),
                    lines: vec![row],
                    goods: String::new(),
                    shipping: String::new(),
                    delivers: true,
                },
            )),
        }
    }
    stores.into_iter().map(|(_, s)| s).collect()
}

// ---- Cart ------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "cart.html")]
struct CartPage {
    layout: Layout,
    stores: Vec<StoreRow>,
    units: i64,
    goods: String,
    ready: bool,
}

#[derive(Deserialize, Default)]
pub(super) struct DoneQuery {
    done: Option<String>,
}

async fn cart_page(
    state: &AppState,
    caller: &Caller,
    done: Option<&str>,
    error: Option<&Error>,
) -> Result<Response, ApiError> {
    let layout = Layout::with(Some(caller), done, error);
    let lines = state.orders().cart(caller.user_id).await?;
    let page = CartPage {
        stores: store_rows(&layout, &lines),
        units: lines.iter().map(|l| l.record.quantity).sum(),
        goods: yuan(lines.iter().filter(|l| l.problem.is_none()).map(CartLine::line_total_minor).sum()),
        ready: !lines.is_empty() && lines.iter().all(|l| l.problem.is_none()),
        layout,
    };
    Ok(render(&page, error))
}

async fn cart(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(q): ApiQuery<DoneQuery>,
) -> Result<Response, ApiError> {
    cart_page(&state, &caller, q.done.as_deref(), None).await
}

fn quantity_of(fields: &[(String, String)]) -> Result<i64, Error> {
    field(fields, "quantity")
        .trim()
        .parse()
        .map_err(|_| Error::invalid_field("quantity", "a whole number from 1 to 99"))
}

/// The product page's form: into the cart, or straight to checkout with it ("buy now").
async fn add_to_cart(
    State(state): State<AppState>,
    Member(caller): Member,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let added = async {
        let sku: Id =
            field(&fields, "sku_id").parse().map_err(|_| Error::invalid_field("sku_id", "choose a variant"))?;
        state.orders().put_in_cart(caller.user_id, sku, quantity_of(&fields)?, true).await?;
        Ok::<Id, Error>(sku)
    };
    match added.await {
        Ok(sku) if field(&fields, "buy") == "now" => Ok(Redirect::to(&format!("/checkout?sku={sku}")).into_response()),
        Ok(_) => Ok(done("/cart", "cart_added")),
        Err(error) => cart_page(&state, &caller, None, Some(&shown_on_form(error)?)).await,
    }
}

async fn set_quantity(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(sku): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let sku = path_id(&sku, ErrorCode::CartLineNotFound)?;
    let saved = async { state.orders().put_in_cart(caller.user_id, sku, quantity_of(&fields)?, false).await };
    match saved.await {
        Ok(_) => Ok(done("/cart", "cart_saved")),
        Err(error) => cart_page(&state, &caller, None, Some(&shown_on_form(error)?)).await,
    }
}

async fn remove(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(sku): Path<String>,
) -> Result<Response, ApiError> {
    let sku = path_id(&sku, ErrorCode::CartLineNotFound)?;
    match state.orders().remove_from_cart(caller.user_id, sku).await {
        Ok(_) => Ok(done("/cart", "cart_removed")),
        Err(error) => cart_page(&state, &caller, None, Some(&shown_on_form(error)?)).await,
    }
}

// ---- Checkout --------------------------------------------------------------------

pub(crate) struct AddressRow {
    pub id: String,
    pub recipient: String,
    pub phone: String,
    pub region: String,
    pub detail: String,
    pub chosen: bool,
    pub href: String,
}

#[derive(Template)]
#[template(path = "checkout.html")]
struct CheckoutPage {
    layout: Layout,
    addresses: Vec<AddressRow>,
    chosen: String,
    stores: Vec<StoreRow>,
    goods: String,
    shipping: String,
    /// (name, amount off) of each coupon spent.
    coupons: Vec<(String, String)>,
    total: String,
    total_minor: i64,
    ready: bool,
    sku: String,
    methods: Vec<String>,
    test_mode: bool,
    key: String,
    regions: Vec<(String, String)>,
    /// The address form's values after a refusal.
    draft: AddressInput,
}

#[derive(Deserialize, Default)]
pub(super) struct CheckoutQuery {
    address: Option<String>,
    /// Buy now: only this variant of the cart.
    sku: Option<String>,
    done: Option<String>,
}

async fn checkout_page(
    state: &AppState,
    caller: &Caller,
    query: &CheckoutQuery,
    error: Option<&Error>,
    draft: AddressInput,
) -> Result<Response, ApiError> {
    let layout = Layout::with(Some(caller), query.done.as_deref(), error);
    let addresses = state.orders().addresses(caller.user_id).await?;
    let wanted = query.address.as_deref().and_then(|a| a.parse::<Id>().ok());
    let chosen = addresses.iter().find(|a| Some(a.id) == wanted).or(addresses.first()).map(|a| a.id);
    let sku: Vec<Id> = query.sku.as_deref().and_then(|s| s.parse().ok()).into_iter().collect();
    let quote = match state.orders().quote(caller.user_id, chosen, &sku, None).await {
        Ok(quote) => quote,
        // The variant bought "now" left the cart: check out the cart instead.
        Err(e) if e.code == ErrorCode::CartLineNotFound => {
            state.orders().quote(caller.user_id, chosen, &[], None).await?
        }
        Err(e) => return Err(ApiError(e)),
    };
    let lines: Vec<CartLine> = quote.stores.iter().flat_map(|s| s.lines.iter().cloned()).collect();
    let mut stores = store_rows(&layout, &lines);
    for (row, quoted) in stores.iter_mut().zip(&quote.stores) {
        row.goods = yuan(quoted.goods_minor);
        row.delivers = quoted.delivers;
        row.shipping = match quoted.shipping_minor {
            Some(0) => layout.t("checkout-free-shipping"),
            Some(fee) => yuan(fee),
            None if quoted.delivers => "—".to_owned(),
            None => layout.t("checkout-not-delivered"),
        };
    }
    let here = |id: Id| match query.sku.as_deref() {
        Some(sku) => format!("/checkout?address={id}&sku={sku}"),
        None => format!("/checkout?address={id}"),
    };
    let page = CheckoutPage {
        addresses: addresses
            .iter()
            .map(|a| AddressRow {
                id: a.id.to_string(),
                recipient: a.recipient.clone(),
                phone: a.phone.clone(),
                region: layout.tv("region", &a.region),
                detail: a.detail.clone(),
                chosen: Some(a.id) == chosen,
                href: here(a.id),
            })
            .collect(),
        chosen: chosen.map(|id| id.to_string()).unwrap_or_default(),
        ready: chosen.is_some()
            && !quote.stores.is_empty()
            && quote.problems().is_empty()
            && quote.undelivered().is_empty(),
        stores,
        goods: yuan(quote.goods_minor),
        shipping: if chosen.is_some() { yuan(quote.shipping_minor) } else { "—".to_owned() },
        coupons: quote.coupons.iter().map(|c| (c.name.clone(), yuan(c.discount_minor))).collect(),
        total: yuan(quote.total_minor),
        total_minor: quote.total_minor,
        sku: sku.first().map(|s| s.to_string()).unwrap_or_default(),
        // The buyer's coins come first where the operator allows paying with them.
        methods: (state.orders().config().wallet_payments.then(|| carmine_ledger::payments::WALLET.to_owned()))
            .into_iter()
            .chain(state.payments().provider().methods().iter().map(|m| (*m).to_owned()))
            .collect(),
        test_mode: state.services().sandbox.test_mode(),
        key: carmine_core::secret::random_token(16),
        regions: regions::listed().map(|code| (code.to_owned(), layout.tv("region", code))).collect(),
        draft,
        layout,
    };
    Ok(render(&page, error))
}

async fn checkout(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(q): ApiQuery<CheckoutQuery>,
) -> Result<Response, ApiError> {
    checkout_page(&state, &caller, &q, None, AddressInput::default()).await
}

/// Places the checkout shown (its total is the one the buyer saw).
async fn place(
    State(state): State<AppState>,
    Member(caller): Member,
    headers: axum::http::HeaderMap,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let sku = field(&fields, "sku").to_owned();
    let placed = async {
        let address_id: Id =
            field(&fields, "address_id").parse().map_err(|_| Error::new(ErrorCode::AddressNotFound))?;
        let expected_total_minor: i64 = field(&fields, "expected_total")
            .parse()
            .map_err(|_| Error::invalid_field("expected_total", "the total shown"))?;
        let input = CheckoutInput {
            address_id,
            sku_ids: sku.parse::<Id>().ok().into_iter().collect(),
            method: field(&fields, "method").to_owned(),
            expected_total_minor,
            coupon_ids: None,
        };
        let key = form_key(&caller, &fields, "checkout")?;
        let mut visitors = vec![carmine_commerce::tags::Visitor::Member(caller.user_id)];
        if let Some(token) = crate::cookies::referral(&headers) {
            visitors.push(carmine_commerce::tags::Visitor::Cookie(token));
        }
        state.orders().checkout(caller.user_id, &visitors, &input, &key, "/orders/paid?payment={payment}").await
    };
    match placed.await {
        Ok(placed) => match (placed.payment.status.as_str(), placed.payment.redirect_url.as_deref()) {
            ("requires_action", Some(url)) => Ok(Redirect::to(url).into_response()),
            (status, _) => {
                let (_, orders, _) = state.orders().group(caller.user_id, placed.group_id).await?;
                let first = orders.first().map(|o| o.id.to_string()).unwrap_or_default();
                if status == "succeeded" {
                    Ok(done(&format!("/orders/{first}"), "order_placed"))
                } else {
                    Ok(Redirect::to(&format!("/orders/{first}")).into_response())
                }
            }
        },
        Err(error) => {
            let error = shown_on_form(error)?;
            let query = CheckoutQuery {
                address: Some(field(&fields, "address_id").to_owned()),
                sku: (!sku.is_empty()).then_some(sku),
                done: None,
            };
            checkout_page(&state, &caller, &query, Some(&error), AddressInput::default()).await
        }
    }
}

/// The address form on the checkout page: saved, then chosen.
async fn add_address(
    State(state): State<AppState>,
    Member(caller): Member,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let input = address_of(&fields);
    let sku = field(&fields, "sku").to_owned();
    match state.orders().add_address(caller.user_id, &input).await {
        Ok(address) => {
            let sku = if sku.is_empty() { String::new() } else { format!("&sku={sku}") };
            Ok(done(&format!("/checkout?address={}{sku}", address.id), "address_saved"))
        }
        Err(error) => {
            let error = shown_on_form(error)?;
            let query = CheckoutQuery { address: None, sku: (!sku.is_empty()).then_some(sku), done: None };
            checkout_page(&state, &caller, &query, Some(&error), input).await
        }
    }
}

// ---- Orders ----------------------------------------------------------------------

pub(crate) struct OrderLineRow {
    pub id: String,
    pub product_url: String,
    pub title: String,
    pub option_label: String,
    pub quantity: i64,
    pub price: String,
    /// The line's share of the order's coupons ("" for none).
    pub discount: String,
    pub paid: String,
    pub cover: Option<String>,
    pub returnable: bool,
}

pub(crate) struct OrderRow {
    pub id: String,
    pub store_name: String,
    pub store_url: String,
    pub status: String,
    pub cancel_reason: String,
    pub goods: String,
    /// Taken off by coupons ("" for none).
    pub discount: String,
    pub shipping: String,
    pub total: String,
    pub refunded: String,
    pub placed_at: String,
    /// Whole minutes left to pay (rounded up).
    pub minutes_to_pay: i64,
    /// "SF Express SF1234…" once shipped.
    pub shipment: String,
    /// The day it is received automatically unless the buyer confirms first.
    pub receive_by: String,
    pub receipt_extended: bool,
    /// The day a completed order settles with the merchant.
    pub settles_on: String,
    pub lines: Vec<OrderLineRow>,
}

fn order_row(layout: &Layout, order: &OrderRecord, lines: &[LineRecord]) -> OrderRow {
    OrderRow {
        id: order.id.to_string(),
        store_name: order.store_name.clone(),
        store_url: format!("/o/{}/store", order.store_handle),
        status: order.status.clone(),
        cancel_reason: order.cancel_reason.clone().unwrap_or_default(),
        goods: yuan(order.goods_minor),
        discount: if order.discount_minor > 0 { yuan(order.discount_minor) } else { String::new() },
        shipping: yuan(order.shipping_minor),
        total: yuan(order.total_minor),
        refunded: if order.refunded_minor > 0 { yuan(order.refunded_minor) } else { String::new() },
        placed_at: layout.when(&order.created_at),
        minutes_to_pay: ((order.pay_by.micros() - crate::i18n::now().micros()) / 60_000_000).max(0) + 1,
        shipment: match (&order.fulfilment.carrier, &order.fulfilment.tracking_no) {
            (Some(carrier), Some(no)) => format!("{} {no}", layout.tv("carrier", carrier)),
            _ => String::new(),
        },
        receive_by: order.fulfilment.receive_by.map(|at| layout.date(&at)).unwrap_or_default(),
        receipt_extended: order.fulfilment.receipt_extended,
        settles_on: order.fulfilment.settle_after.map(|at| layout.date(&at)).unwrap_or_default(),
        lines: lines
            .iter()
            .filter(|l| l.order_id == order.id)
            .map(|l| OrderLineRow {
                id: l.id.to_string(),
                product_url: format!("/products/{}", l.product_id),
                title: l.title.clone(),
                option_label: l.option_label.clone(),
                quantity: l.quantity,
                price: yuan(l.unit_price_minor),
                discount: if l.discount_minor > 0 { yuan(l.discount_minor) } else { String::new() },
                paid: yuan(l.paid_minor),
                cover: crate::api::orders::cover_url(&l.cover),
                returnable: l.returnable,
            })
            .collect(),
    }
}

/// The buyer's order tabs: (name, the statuses it shows).
const ORDER_TABS: [(&str, &[&str]); 6] = [
    ("all", &[]),
    ("to_pay", &["pending_payment"]),
    ("to_ship", &["awaiting_shipment"]),
    ("to_receive", &["shipped"]),
    ("done", &["received", "completed", "settled"]),
    ("cancelled", &["cancelled"]),
];

#[derive(Template)]
#[template(path = "orders.html")]
struct OrdersPage {
    layout: Layout,
    /// (tab, selected).
    tabs: Vec<(&'static str, bool)>,
    orders: Vec<OrderRow>,
    next: Option<String>,
}

#[derive(Deserialize, Default)]
pub(super) struct OrdersQuery {
    tab: Option<String>,
    before: Option<String>,
    done: Option<String>,
}

async fn orders(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(q): ApiQuery<OrdersQuery>,
) -> Result<Response, ApiError> {
    const PAGE: u32 = 20;
    let layout = Layout::with(Some(&caller), q.done.as_deref(), None);
    let before = q.before.as_deref().and_then(|b| b.parse::<Id>().ok());
    let tab = q.tab.as_deref().unwrap_or("all");
    let (tab, statuses) = ORDER_TABS
        .iter()
        .find(|(name, _)| *name == tab)
        .copied()
        .ok_or_else(|| Error::invalid_field("tab", "one of all, to_pay, to_ship, to_receive, done, cancelled"))?;
    let (mut records, lines) = state.orders().buyer_orders(caller.user_id, statuses, before, PAGE).await?;
    let more = records.len() > PAGE as usize;
    records.truncate(PAGE as usize);
    let page = OrdersPage {
        tabs: ORDER_TABS.iter().map(|(name, _)| (*name, *name == tab)).collect(),
        next: if more { records.last().map(|o| format!("/orders?tab={tab}&before={}", o.id)) } else { None },
        orders: records.iter().map(|o| order_row(&layout, o, &lines)).collect(),
        layout,
    };
    Ok(render(&page, None))
}

#[derive(Template)]
#[template(path = "order.html")]
struct OrderPage {
    layout: Layout,
    order: OrderRow,
    recipient: String,
    phone: String,
    address: String,
    /// The group's payment: `created`, `requires_action`, `pending`, `succeeded`, `declined`.
    payment_status: String,
    payment_url: Option<String>,
    /// The other orders of the same checkout (one payment pays them all): (id, store, status).
    siblings: Vec<(String, String, String)>,
    /// What the checkout's payment is for: every order of it.
    group_total: String,
    paid_at: String,
    payment_method: String,
    can_pay: bool,
    can_cancel: bool,
    methods: Vec<String>,
    key: String,
    /// What the carrier reported, newest first.
    tracking: Vec<fulfilment::TrackingRow>,
    /// Days the buyer's one extension adds.
    extend_days: i64,
    /// The order's after-sale requests, and whether one may ask now.
    after_sales: Vec<after_sales::AfterSaleRow>,
    can_ask: bool,
    carriers: Vec<(String, String)>,
    /// Lines the buyer reviewed already (by id), when the order may be reviewed.
    reviewed: Vec<String>,
}

async fn order_page(
    state: &AppState,
    caller: &Caller,
    id: Id,
    done: Option<&str>,
    error: Option<&Error>,
) -> Result<Response, ApiError> {
    let layout = Layout::with(Some(caller), done, error);
    let detail = state.orders().order(caller.user_id, id).await?;
    let (group, siblings, _) = state.orders().group(caller.user_id, detail.group.id).await?;
    let payment = match group.payment_id {
        Some(payment_id) => Some(state.payments().get(payment_id).await?),
        None => None,
    };
    let payment_status = payment.as_ref().map(|p| p.status.clone()).unwrap_or_default();
    let pending = detail.order.status == "pending_payment";
    let page = OrderPage {
        order: order_row(&layout, &detail.order, &detail.lines),
        recipient: group.recipient.clone(),
        phone: group.phone.clone(),
        address: format!("{} {}", layout.tv("region", &group.region), group.detail),
        payment_url: payment.as_ref().filter(|p| p.status == "requires_action").and_then(|p| p.redirect_url.clone()),
        can_pay: pending && matches!(payment_status.as_str(), "declined" | "created"),
        can_cancel: matches!(detail.order.status.as_str(), "pending_payment" | "awaiting_shipment"),
        payment_method: payment.as_ref().map(|p| p.method.clone()).unwrap_or_default(),
        payment_status,
        siblings: siblings
            .iter()
            .filter(|o| o.id != detail.order.id)
            .map(|o| (o.id.to_string(), o.store_name.clone(), o.status.clone()))
            .collect(),
        group_total: yuan(group.total_minor),
        paid_at: detail.order.paid_at.map(|at| layout.when(&at)).unwrap_or_default(),
        methods: state.payments().provider().methods().iter().map(|m| (*m).to_owned()).collect(),
        key: carmine_core::secret::random_token(16),
        tracking: fulfilment::tracking_rows(&layout, &state.orders().tracking(id).await?),
        extend_days: state.orders().config().extend_days,
        after_sales: state
            .orders()
            .order_after_sales(caller.user_id, id)
            .await?
            .iter()
            .map(|r| after_sales::after_sale_row(&layout, r, &detail.lines))
            .collect(),
        // Imported history has no payment here to refund (`carmine_orders::imported`).
        can_ask: ["completed", "settled"].contains(&detail.order.status.as_str())
            && !detail.group.imported()
            && detail.order.fulfilment.received_at.is_some_and(|at| {
                at.plus_seconds(state.orders().config().after_sale_days * 86_400) > crate::i18n::now()
            }),
        carriers: state.orders().carriers().iter().map(|c| (c.code.to_owned(), layout.tv("carrier", c.code))).collect(),
        reviewed: state
            .orders()
            .order_reviews(caller.user_id, id)
            .await?
            .iter()
            .map(|r| r.line_id.to_string())
            .collect(),
        layout,
    };
    Ok(render(&page, error))
}

async fn order(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<DoneQuery>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::OrderNotFound)?;
    order_page(&state, &caller, id, q.done.as_deref(), None).await
}

async fn cancel(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::OrderNotFound)?;
    match state.orders().cancel(caller.user_id, id).await {
        Ok(_) => Ok(done(&format!("/orders/{id}"), "order_cancelled")),
        Err(error) => order_page(&state, &caller, id, None, Some(&shown_on_form(error)?)).await,
    }
}

async fn pay(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::OrderNotFound)?;
    let paid = async {
        let key = form_key(&caller, &fields, &format!("orders.{id}.pay"))?;
        state
            .orders()
            .pay_again(caller.user_id, id, field(&fields, "method"), &key, "/orders/paid?payment={payment}")
            .await
    };
    match paid.await {
        Ok(placed) => match (placed.payment.status.as_str(), placed.payment.redirect_url.as_deref()) {
            ("requires_action", Some(url)) => Ok(Redirect::to(url).into_response()),
            ("succeeded", _) => Ok(done(&format!("/orders/{id}"), "order_paid")),
            _ => Ok(Redirect::to(&format!("/orders/{id}")).into_response()),
        },
        Err(error) => order_page(&state, &caller, id, None, Some(&shown_on_form(error)?)).await,
    }
}

#[derive(Deserialize, Default)]
pub(super) struct PaidQuery {
    #[serde(default)]
    payment: String,
}

/// Back from the provider's page: the payment is checked with the provider, then
/// the buyer sees their order.
async fn paid(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(q): ApiQuery<PaidQuery>,
) -> Result<Response, ApiError> {
    let payment = crate::api::money::payment_for(&state, &caller, &q.payment).await?;
    let group = state.orders().group_of_payment(caller.user_id, payment.id).await?.ok_or(ErrorCode::OrderNotFound)?;
    let (_, orders, _) = state.orders().group(caller.user_id, group).await?;
    let first = orders.first().ok_or(ErrorCode::OrderNotFound)?;
    let notice = if payment.status == "succeeded" { "?done=order_placed" } else { "" };
    Ok(Redirect::to(&format!("/orders/{}{notice}", first.id)).into_response())
}
