//! Orders' API (Commerce II): the member's cart and address book, checkout (quoted,
//! then placed under an `Idempotency-Key`), and the buyer's orders — read, cancelled,
//! paid again after a decline. One router, merged into `/api/v1` in one line.
//! Every object here is the caller's own: anyone else's answers 404.

pub(crate) mod after_sales;
pub(crate) mod coupons;
pub(crate) mod fulfilment;
pub(crate) mod reviews;
pub(crate) mod sales;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use carmine_commerce::tags::Visitor;
use carmine_core::{ErrorCode, Id, Timestamp};
use carmine_orders::{AddressInput, CartLine, CheckoutInput, Placed, Quote};
use carmine_store::orders::{AddressRecord, LineRecord, OrderRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::PageQuery;
use crate::api::money::{MoneyView, PaymentView, idempotency_key};
use crate::api::views::{Items, Page};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, CheckLater, Member, path_id};
use crate::openapi::ErrorBody;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_cart, add_to_cart))
        .routes(routes!(set_cart_line, remove_cart_line))
        .routes(routes!(list_addresses, add_address))
        .routes(routes!(update_address, remove_address))
        .routes(routes!(quote))
        .routes(routes!(checkout))
        .routes(routes!(list_orders))
        .routes(routes!(get_order))
        .routes(routes!(cancel_order))
        .routes(routes!(pay_order))
        .routes(routes!(coupons::create_store_coupon, coupons::store_coupons))
        .routes(routes!(coupons::create_platform_coupon, coupons::platform_coupons))
        .routes(routes!(coupons::my_coupons))
        .routes(routes!(coupons::live_platform_coupons))
        .routes(routes!(coupons::claim))
        .routes(routes!(sales::create_sale, sales::product_sales))
        .routes(routes!(sales::end_sale))
        .merge(fulfilment::router())
        .merge(after_sales::router())
        .merge(reviews::router())
}

pub(crate) fn money(state: &AppState, minor: i64) -> MoneyView {
    MoneyView::new(minor, state.ledger().config().currency)
}

// ---- Cart ------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct CartLineView {
    pub sku_id: String,
    pub product_id: String,
    pub title: String,
    /// "Colour: red · Size: M"; empty for a product without options.
    pub option_label: String,
    pub quantity: i64,
    /// The price of one unit now (a sale's price when one prices the line), and the line at it.
    pub price: MoneyView,
    /// The limited-quantity sale pricing the line, if any.
    pub sale_id: Option<String>,
    pub line_total: MoneyView,
    /// The price when the line was put in the cart, when it has changed since.
    pub price_was: Option<MoneyView>,
    /// Units free to buy now.
    pub available: i64,
    /// `not_for_sale` or `out_of_stock` when the line cannot be bought as it stands.
    pub problem: Option<String>,
    pub cover_url: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CartStoreView {
    pub store_id: String,
    pub store_name: String,
    pub store_url: String,
    pub lines: Vec<CartLineView>,
}

#[derive(Serialize, ToSchema)]
pub struct CartView {
    pub stores: Vec<CartStoreView>,
    /// Units over every line.
    pub units: i64,
    /// The lines that can be bought, at today's prices (shipping comes at checkout).
    pub goods: MoneyView,
}

pub(crate) fn cover_url(cover: &Option<(Id, String)>) -> Option<String> {
    cover.as_ref().map(image_url)
}

/// An image's grid rendition, by (media id, url key).
pub(crate) fn image_url((id, key): &(Id, String)) -> String {
    format!("/media/{id}/{key}/grid.jpg")
}

fn cart_line_view(state: &AppState, line: &CartLine) -> CartLineView {
    let r = &line.record;
    CartLineView {
        sku_id: r.sku_id.to_string(),
        product_id: r.product_id.to_string(),
        title: r.title.clone(),
        option_label: carmine_orders::checkout::option_label(&r.options, &r.option_key),
        quantity: r.quantity,
        price: money(state, line.unit_price_minor()),
        sale_id: line.sale.map(|s| s.sale_id.to_string()),
        line_total: money(state, line.line_total_minor()),
        price_was: line.price_was.map(|p| money(state, p)),
        available: r.available.max(0),
        problem: line.problem.map(|p| p.code().to_owned()),
        cover_url: cover_url(&r.cover),
    }
}

fn stores_of(state: &AppState, lines: &[CartLine]) -> Vec<CartStoreView> {
    let mut stores: Vec<CartStoreView> = Vec::new();
    for line in lines {
        let view = cart_line_view(state, line);
        match stores.last_mut() {
            Some(store) if store.store_id == line.record.store_id.to_string() => store.lines.push(view),
            _ => stores.push(CartStoreView {
                store_id: line.record.store_id.to_string(),
                store_name: line.record.store_name.clone(),
                store_url: format!("/o/{}/store", line.record.store_handle),
                lines: vec![view],
            }),
        }
    }
    stores
}

pub(crate) fn cart_view(state: &AppState, lines: &[CartLine]) -> CartView {
    CartView {
        stores: stores_of(state, lines),
        units: lines.iter().map(|l| l.record.quantity).sum(),
        goods: money(state, lines.iter().filter(|l| l.problem.is_none()).map(CartLine::line_total_minor).sum()),
    }
}

/// The caller's cart, by store, saying which lines changed price or cannot be bought.
#[utoipa::path(get, path = "/api/v1/cart", tag = "orders", responses((status = 200, body = CartView)),
    security(("session" = []), ("bearer" = [])))]
pub async fn get_cart(State(state): State<AppState>, Member(caller): Member) -> Result<Json<CartView>, ApiError> {
    let lines = state.orders().cart(caller.user_id).await?;
    Ok(Json(cart_view(&state, &lines)))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddToCartRequest {
    /// A variant of an active product.
    #[schema(value_type = String, pattern = "^[0-9]{1,19}$")]
    pub sku_id: Id,
    /// Units to add to what the line holds: 1 to 99 (the line holds at most 99).
    #[schema(minimum = 1, maximum = 99)]
    pub quantity: i64,
}

/// Adds units of a variant to the cart.
#[utoipa::path(post, path = "/api/v1/cart", tag = "orders", request_body = AddToCartRequest,
    responses((status = 200, body = CartView),
        (status = 404, body = ErrorBody, description = "`product_not_found`"),
        (status = 409, body = ErrorBody, description = "`not_for_sale`, `out_of_stock`, `cart_full`"),
        (status = 422, body = ErrorBody, description = "`invalid_field`, `too_many`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn add_to_cart(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiJson(body): ApiJson<AddToCartRequest>,
) -> Result<Json<CartView>, ApiError> {
    let lines = state.orders().put_in_cart(caller.user_id, body.sku_id, body.quantity, true).await?;
    Ok(Json(cart_view(&state, &lines)))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CartLineRequest {
    /// 1 to 99.
    #[schema(minimum = 1, maximum = 99)]
    pub quantity: i64,
}

/// Sets how many units of a variant the cart holds.
#[utoipa::path(put, path = "/api/v1/cart/{variant_id}", tag = "orders", request_body = CartLineRequest,
    params(("variant_id" = String, Path)),
    responses((status = 200, body = CartView),
        (status = 404, body = ErrorBody, description = "`product_not_found`"),
        (status = 409, body = ErrorBody, description = "`not_for_sale`, `out_of_stock`, `cart_full`"),
        (status = 422, body = ErrorBody, description = "`invalid_field`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn set_cart_line(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(sku_id): Path<String>,
    ApiJson(body): ApiJson<CartLineRequest>,
) -> Result<Json<CartView>, ApiError> {
    let sku_id = path_id(&sku_id, ErrorCode::ProductNotFound)?;
    let lines = state.orders().put_in_cart(caller.user_id, sku_id, body.quantity, false).await?;
    Ok(Json(cart_view(&state, &lines)))
}

/// Takes a variant out of the cart.
#[utoipa::path(delete, path = "/api/v1/cart/{variant_id}", tag = "orders", params(("variant_id" = String, Path)),
    responses((status = 200, body = CartView), (status = 404, body = ErrorBody, description = "`cart_line_not_found`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn remove_cart_line(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(sku_id): Path<String>,
) -> Result<Json<CartView>, ApiError> {
    let sku_id = path_id(&sku_id, ErrorCode::CartLineNotFound)?;
    let lines = state.orders().remove_from_cart(caller.user_id, sku_id).await?;
    Ok(Json(cart_view(&state, &lines)))
}

// ---- Addresses -------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct AddressView {
    pub id: String,
    pub recipient: String,
    pub phone: String,
    /// An ISO 3166-2:CN code or `world`.
    pub region: String,
    pub detail: String,
    pub is_default: bool,
}

impl From<&AddressRecord> for AddressView {
    fn from(a: &AddressRecord) -> Self {
        AddressView {
            id: a.id.to_string(),
            recipient: a.recipient.clone(),
            phone: a.phone.clone(),
            region: a.region.clone(),
            detail: a.detail.clone(),
            is_default: a.is_default,
        }
    }
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressRequest {
    /// 1 to 30 characters.
    #[schema(min_length = 1, max_length = 30)]
    pub recipient: String,
    /// Mainland China: 1 then 10 digits; Hong Kong and Macau: 8 digits; Taiwan: 09
    /// then 8 digits; `world`: + then 7 to 15 digits.
    #[schema(max_length = 20)]
    pub phone: String,
    /// An ISO 3166-2:CN code (`CN-BJ`…) or `world`.
    #[schema(pattern = "^(CN-[A-Za-z]{2}|world)$", max_length = 5)]
    pub region: String,
    /// 2 to 120 characters.
    #[schema(min_length = 2, max_length = 120)]
    pub detail: String,
    /// Make it the default address (the first one always is).
    #[serde(default)]
    pub is_default: bool,
}

impl AddressRequest {
    fn input(self) -> AddressInput {
        AddressInput {
            recipient: self.recipient,
            phone: self.phone,
            region: self.region,
            detail: self.detail,
            is_default: self.is_default,
        }
    }
}

/// The caller's address book, the default first.
#[utoipa::path(get, path = "/api/v1/addresses", tag = "orders", responses((status = 200, body = Items<AddressView>)),
    security(("session" = []), ("bearer" = [])))]
pub async fn list_addresses(
    State(state): State<AppState>,
    Member(caller): Member,
) -> Result<Json<Items<AddressView>>, ApiError> {
    let addresses = state.orders().addresses(caller.user_id).await?;
    Ok(Json(Items { items: addresses.iter().map(AddressView::from).collect() }))
}

/// Adds an address (at most 20).
#[utoipa::path(post, path = "/api/v1/addresses", tag = "orders", request_body = AddressRequest,
    responses((status = 201, body = AddressView), (status = 409, body = ErrorBody, description = "`address_book_full`"),
        (status = 422, body = ErrorBody, description = "`invalid_field`, `empty`, `too_long`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn add_address(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiJson(body): ApiJson<AddressRequest>,
) -> Result<(StatusCode, Json<AddressView>), ApiError> {
    let address = state.orders().add_address(caller.user_id, &body.input()).await?;
    Ok((StatusCode::CREATED, Json(AddressView::from(&address))))
}

/// Rewrites one of the caller's addresses.
#[utoipa::path(put, path = "/api/v1/addresses/{id}", tag = "orders", request_body = AddressRequest,
    params(("id" = String, Path)),
    responses((status = 200, body = AddressView), (status = 404, body = ErrorBody, description = "`address_not_found`"),
        (status = 422, body = ErrorBody, description = "`invalid_field`, `empty`, `too_long`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn update_address(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    body: CheckLater<AddressRequest>,
) -> Result<Json<AddressView>, ApiError> {
    let id = path_id(&id, ErrorCode::AddressNotFound)?;
    state.orders().address(caller.user_id, id).await?;
    let address = state.orders().update_address(caller.user_id, id, &body.parse()?.input()).await?;
    Ok(Json(AddressView::from(&address)))
}

/// Removes an address from the book (orders keep their copy).
#[utoipa::path(delete, path = "/api/v1/addresses/{id}", tag = "orders", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody, description = "`address_not_found`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn remove_address(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id, ErrorCode::AddressNotFound)?;
    state.orders().remove_address(caller.user_id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- Checkout --------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct QuoteStoreView {
    pub store_id: String,
    pub store_name: String,
    pub lines: Vec<CartLineView>,
    pub goods: MoneyView,
    /// Unknown until an address is chosen, and when the store does not deliver there.
    pub shipping: Option<MoneyView>,
    pub delivers: bool,
    /// Taken off by coupons (the store's and its share of the platform's).
    pub discount: MoneyView,
    pub total: MoneyView,
}

#[derive(Serialize, ToSchema)]
pub struct AppliedCouponView {
    /// The claimed coupon (what `coupon_ids` names).
    pub id: String,
    pub name: String,
    /// `null`: the platform's.
    pub store_id: Option<String>,
    pub discount: MoneyView,
}

#[derive(Serialize, ToSchema)]
pub struct QuoteView {
    pub region: Option<String>,
    pub stores: Vec<QuoteStoreView>,
    pub goods: MoneyView,
    pub shipping: MoneyView,
    pub discount: MoneyView,
    /// The coupons it spends (the best the buyer holds, unless `coupon_ids` named them).
    pub coupons: Vec<AppliedCouponView>,
    /// What checkout will charge: send it back as `expected_total`.
    pub total: MoneyView,
    /// Every line can be bought and every store delivers.
    pub ready: bool,
}

pub(crate) fn quote_view(state: &AppState, quote: &Quote) -> QuoteView {
    QuoteView {
        region: quote.region.clone(),
        stores: quote
            .stores
            .iter()
            .map(|s| QuoteStoreView {
                store_id: s.store_id.to_string(),
                store_name: s.store_name.clone(),
                lines: s.lines.iter().map(|l| cart_line_view(state, l)).collect(),
                goods: money(state, s.goods_minor),
                shipping: s.shipping_minor.map(|m| money(state, m)),
                delivers: s.delivers,
                discount: money(state, s.discount_minor),
                total: money(state, s.total_minor()),
            })
            .collect(),
        goods: money(state, quote.goods_minor),
        shipping: money(state, quote.shipping_minor),
        discount: money(state, quote.discount_minor),
        coupons: quote
            .coupons
            .iter()
            .map(|c| AppliedCouponView {
                id: c.member_coupon_id.to_string(),
                name: c.name.clone(),
                store_id: c.store_id.map(|s| s.to_string()),
                discount: money(state, c.discount_minor),
            })
            .collect(),
        total: money(state, quote.total_minor),
        ready: !quote.stores.is_empty()
            && quote.problems().is_empty()
            && quote.undelivered().is_empty()
            && quote.region.is_some(),
    }
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteRequest {
    /// One of the caller's addresses (shipping is unknown without one).
    #[schema(value_type = Option<String>, pattern = "^[0-9]{1,19}$")]
    #[serde(default)]
    pub address_id: Option<Id>,
    /// The cart lines (variant ids) to buy; absent or empty: the whole cart. At most 100.
    #[schema(value_type = Vec<String>, max_items = 100)]
    #[serde(default)]
    pub sku_ids: Vec<Id>,
    /// Claimed coupons to spend (at most one per store and one of the platform's);
    /// absent: the best the caller holds; `[]`: none.
    #[schema(value_type = Option<Vec<String>>, max_items = 20)]
    #[serde(default)]
    pub coupon_ids: Option<Vec<Id>>,
}

fn check_coupons(coupon_ids: &Option<Vec<Id>>) -> Result<(), ApiError> {
    if coupon_ids.as_ref().is_some_and(|ids| ids.len() > 20) {
        return Err(ApiError(carmine_core::Error::broke_rule("coupon_ids", carmine_core::FieldRule::TooMany(20))));
    }
    Ok(())
}

fn check_lines(sku_ids: &[Id]) -> Result<(), ApiError> {
    if sku_ids.len() > carmine_core::limits::CART_LINES_MAX {
        return Err(ApiError(carmine_core::Error::broke_rule(
            "sku_ids",
            carmine_core::FieldRule::TooMany(carmine_core::limits::CART_LINES_MAX),
        )));
    }
    Ok(())
}

/// Prices the cart (or some lines) for an address: per store goods and shipping.
#[utoipa::path(post, path = "/api/v1/checkout/quote", tag = "orders", request_body = QuoteRequest,
    responses((status = 200, body = QuoteView),
        (status = 404, body = ErrorBody, description = "`address_not_found`, `cart_line_not_found`"),
        (status = 409, body = ErrorBody, description = "`coupon_not_applicable`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn quote(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiJson(body): ApiJson<QuoteRequest>,
) -> Result<Json<QuoteView>, ApiError> {
    check_lines(&body.sku_ids)?;
    check_coupons(&body.coupon_ids)?;
    let quote =
        state.orders().quote(caller.user_id, body.address_id, &body.sku_ids, body.coupon_ids.as_deref()).await?;
    Ok(Json(quote_view(&state, &quote)))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckoutRequest {
    /// One of the caller's addresses.
    #[schema(value_type = String, pattern = "^[0-9]{1,19}$")]
    pub address_id: Id,
    /// The cart lines (variant ids) to buy; absent or empty: the whole cart. At most 100.
    #[schema(value_type = Vec<String>, max_items = 100)]
    #[serde(default)]
    pub sku_ids: Vec<Id>,
    /// The payment provider's method (`sandbox_checkout`; in test mode also
    /// `sandbox_success`, `sandbox_decline`, …). 1 to 64 characters.
    #[schema(min_length = 1, max_length = 64)]
    pub method: String,
    /// The total the buyer was shown (the quote's `total`); another answers 409 `price_changed`.
    pub expected_total: MoneyView,
    /// Claimed coupons to spend (at most one per store and one of the platform's);
    /// absent: the best the caller holds (as the quote chose); `[]`: none.
    #[schema(value_type = Option<Vec<String>>, max_items = 20)]
    #[serde(default)]
    pub coupon_ids: Option<Vec<Id>>,
}

#[derive(Serialize, ToSchema)]
pub struct CheckoutView {
    /// The order group: one payment, one order per store.
    pub group_id: String,
    pub orders: Vec<OrderView>,
    pub payment: PaymentView,
}

/// The referral cookie's visitor beside the member: taps made signed out count.
fn visitors(caller_id: Id, headers: &HeaderMap) -> Vec<Visitor> {
    let mut visitors = vec![Visitor::Member(caller_id)];
    if let Some(token) = crate::cookies::referral(headers) {
        visitors.push(Visitor::Cookie(token));
    }
    visitors
}

pub(crate) async fn checkout_view(state: &AppState, buyer: Id, placed: &Placed) -> Result<CheckoutView, ApiError> {
    let (_, orders, lines) = state.orders().group(buyer, placed.group_id).await?;
    Ok(CheckoutView {
        group_id: placed.group_id.to_string(),
        orders: orders.iter().map(|o| order_view(state, o, &lines)).collect(),
        payment: PaymentView::from(&placed.payment),
    })
}

/// Places the cart (or some lines) as one order group: stock reserved, one order
/// per store, one payment. `201` with the payment: `succeeded` (the orders await
/// shipment), `requires_action` (open `redirect_url`), `pending` or `declined`
/// (pay again before the orders expire).
#[utoipa::path(post, path = "/api/v1/checkout", tag = "orders", request_body = CheckoutRequest,
    params(("Idempotency-Key" = String, Header, description = "1–64 visible ASCII characters")),
    responses((status = 201, body = CheckoutView),
        (status = 404, body = ErrorBody, description = "`address_not_found`, `cart_line_not_found`"),
        (status = 409, body = ErrorBody, description = "`price_changed` (details: the new figures), `out_of_stock`, `not_for_sale`, `cart_empty`, `region_not_delivered`, `coupon_not_applicable`, `idempotency_key_in_use`"),
        (status = 422, body = ErrorBody, description = "`invalid_field`, `invalid_amount`, `unsupported_currency`, `idempotency_key_reused`"),
        (status = 428, body = ErrorBody, description = "`idempotency_key_required`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn checkout(
    State(state): State<AppState>,
    Member(caller): Member,
    headers: HeaderMap,
    ApiJson(body): ApiJson<CheckoutRequest>,
) -> Result<(StatusCode, Json<CheckoutView>), ApiError> {
    check_lines(&body.sku_ids)?;
    check_coupons(&body.coupon_ids)?;
    state.ledger().config().check_currency(body.expected_total.currency)?;
    let key = idempotency_key(&headers, &caller, "checkout", &body)?;
    let input = CheckoutInput {
        address_id: body.address_id,
        sku_ids: body.sku_ids,
        method: body.method,
        expected_total_minor: body.expected_total.amount_minor,
        coupon_ids: body.coupon_ids,
    };
    let placed = state
        .orders()
        .checkout(caller.user_id, &visitors(caller.user_id, &headers), &input, &key, "/orders/paid?payment={payment}")
        .await?;
    Ok((StatusCode::CREATED, Json(checkout_view(&state, caller.user_id, &placed).await?)))
}

// ---- Orders ----------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct OrderLineView {
    pub id: String,
    pub product_id: String,
    pub sku_id: String,
    pub title: String,
    pub option_label: String,
    pub sku_code: String,
    pub quantity: i64,
    pub unit_price: MoneyView,
    /// What the buyer paid for the line (after discounts).
    pub paid: MoneyView,
    /// Eligible for no-reason returns within the store's window.
    pub returnable: bool,
    pub cover_url: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct OrderView {
    pub id: String,
    pub group_id: String,
    pub store_id: String,
    pub store_name: String,
    pub store_url: String,
    /// `pending_payment`, `awaiting_shipment`, `shipped`, `received`, `completed`,
    /// `settled` or `cancelled`.
    pub status: String,
    /// Why a cancelled order was: `expired`, `buyer`, `merchant` or `declined`.
    pub cancel_reason: Option<String>,
    pub goods: MoneyView,
    pub shipping: MoneyView,
    pub discount: MoneyView,
    pub total: MoneyView,
    pub refunded: MoneyView,
    /// Unpaid past this, the order is cancelled.
    #[schema(value_type = String, format = DateTime)]
    pub pay_by: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub paid_at: Option<Timestamp>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// The carrier's code and the tracking number, once shipped.
    pub carrier: Option<String>,
    pub tracking_no: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub shipped_at: Option<Timestamp>,
    /// Shipped and not confirmed by this, the order is received automatically.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub receive_by: Option<Timestamp>,
    /// The buyer has used their one extension.
    pub receipt_extended: bool,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub received_at: Option<Timestamp>,
    /// Completed, the order settles with the merchant after this.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub settle_after: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub settled_at: Option<Timestamp>,
    pub lines: Vec<OrderLineView>,
}

pub(crate) fn order_view(state: &AppState, o: &OrderRecord, lines: &[LineRecord]) -> OrderView {
    OrderView {
        id: o.id.to_string(),
        group_id: o.group_id.to_string(),
        store_id: o.store_id.to_string(),
        store_name: o.store_name.clone(),
        store_url: format!("/o/{}/store", o.store_handle),
        status: o.status.clone(),
        cancel_reason: o.cancel_reason.clone(),
        goods: money(state, o.goods_minor),
        shipping: money(state, o.shipping_minor),
        discount: money(state, o.discount_minor),
        total: money(state, o.total_minor),
        refunded: money(state, o.refunded_minor),
        pay_by: o.pay_by,
        paid_at: o.paid_at,
        created_at: o.created_at,
        carrier: o.fulfilment.carrier.clone(),
        tracking_no: o.fulfilment.tracking_no.clone(),
        shipped_at: o.fulfilment.shipped_at,
        receive_by: o.fulfilment.receive_by,
        receipt_extended: o.fulfilment.receipt_extended,
        received_at: o.fulfilment.received_at,
        settle_after: o.fulfilment.settle_after,
        settled_at: o.fulfilment.settled_at,
        lines: lines
            .iter()
            .filter(|l| l.order_id == o.id)
            .map(|l| OrderLineView {
                id: l.id.to_string(),
                product_id: l.product_id.to_string(),
                sku_id: l.sku_id.to_string(),
                title: l.title.clone(),
                option_label: l.option_label.clone(),
                sku_code: l.sku_code.clone(),
                quantity: l.quantity,
                unit_price: money(state, l.unit_price_minor),
                paid: money(state, l.paid_minor),
                returnable: l.returnable,
                cover_url: cover_url(&l.cover),
            })
            .collect(),
    }
}

/// The caller's orders, newest first.
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders", params(PageQuery),
    responses((status = 200, body = Page<OrderView>)), security(("session" = []), ("bearer" = [])))]
pub async fn list_orders(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Page<OrderView>>, ApiError> {
    let (limit, after) = query.position(&state)?;
    let (orders, lines) = state.orders().buyer_orders(caller.user_id, &[], after, limit).await?;
    Ok(Json(crate::api::page(&state, orders, limit, |o| o.id, |o| order_view(&state, o, &lines))))
}

/// One of the caller's orders with its lines.
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = OrderView), (status = 404, body = ErrorBody, description = "`order_not_found`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn get_order(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Json<OrderView>, ApiError> {
    let id = path_id(&id, ErrorCode::OrderNotFound)?;
    let detail = state.orders().order(caller.user_id, id).await?;
    Ok(Json(order_view(&state, &detail.order, &detail.lines)))
}

/// Cancels an order before shipment: unpaid, the whole checkout (one payment pays
/// it); paid, this order, refunded in full. Its units go back on sale.
#[utoipa::path(post, path = "/api/v1/orders/{id}/cancel", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = OrderView), (status = 404, body = ErrorBody, description = "`order_not_found`"),
        (status = 409, body = ErrorBody, description = "`order_not_cancellable`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn cancel_order(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Json<OrderView>, ApiError> {
    let id = path_id(&id, ErrorCode::OrderNotFound)?;
    state.orders().cancel(caller.user_id, id).await?;
    let detail = state.orders().order(caller.user_id, id).await?;
    Ok(Json(order_view(&state, &detail.order, &detail.lines)))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayRequest {
    /// The payment provider's method. 1 to 64 characters.
    #[schema(min_length = 1, max_length = 64)]
    pub method: String,
}

/// Pays an unpaid order's checkout again after its payment was declined.
#[utoipa::path(post, path = "/api/v1/orders/{id}/pay", tag = "orders", request_body = PayRequest,
    params(("id" = String, Path), ("Idempotency-Key" = String, Header, description = "1–64 visible ASCII characters")),
    responses((status = 200, body = CheckoutView), (status = 404, body = ErrorBody, description = "`order_not_found`"),
        (status = 409, body = ErrorBody, description = "`order_not_payable`, `idempotency_key_in_use`"),
        (status = 422, body = ErrorBody, description = "`invalid_field`, `idempotency_key_reused`"),
        (status = 428, body = ErrorBody, description = "`idempotency_key_required`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn pay_order(
    State(state): State<AppState>,
    Member(caller): Member,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: CheckLater<PayRequest>,
) -> Result<Json<CheckoutView>, ApiError> {
    let id = path_id(&id, ErrorCode::OrderNotFound)?;
    state.orders().order(caller.user_id, id).await?;
    let body = body.parse()?;
    let key = idempotency_key(&headers, &caller, &format!("orders.{id}.pay"), &body)?;
    let placed =
        state.orders().pay_again(caller.user_id, id, &body.method, &key, "/orders/paid?payment={payment}").await?;
    Ok(Json(checkout_view(&state, caller.user_id, &placed).await?))
}
