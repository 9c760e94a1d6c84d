//! Limited-quantity sale prices' API: a store's catalogue editors set a variant's sale
//! (price, window, units, per-member limit) and end it; anyone reads a product's
//! sales running or to come. Carts and checkout price lines by them.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use carmine_core::{ErrorCode, Id, Timestamp};
use carmine_orders::SaleInput;
use carmine_store::sales::SaleRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::money::MoneyView;
use crate::api::views::Items;
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{CheckLater, Member, path_id};
use crate::openapi::ErrorBody;

#[derive(Serialize, ToSchema)]
pub struct SaleView {
    pub id: String,
    pub sku_id: String,
    pub price: MoneyView,
    /// Units offered at the price, and sold so far.
    pub quantity: i64,
    pub sold: i64,
    pub per_member_limit: i64,
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: Timestamp,
    /// On now with units left.
    pub live: bool,
}

fn sale_view(state: &AppState, s: &SaleRecord) -> SaleView {
    SaleView {
        id: s.id.to_string(),
        sku_id: s.sku_id.to_string(),
        price: MoneyView::new(s.price_minor, state.ledger().config().currency),
        quantity: s.quantity,
        sold: s.sold,
        per_member_limit: s.per_member_limit,
        starts_at: s.starts_at,
        ends_at: s.ends_at,
        live: s.live(state.ledger().now()) && s.ended_at.is_none(),
    }
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaleRequest {
    /// A live variant of the product.
    #[schema(value_type = String, pattern = "^[0-9]{1,19}$")]
    pub sku_id: Id,
    /// Below the variant's price.
    pub price: MoneyView,
    /// Units at the price: 1 to 1,000,000.
    #[schema(minimum = 1, maximum = 1000000)]
    pub quantity: i64,
    /// Units one member may buy at the price: 1 to 100.
    #[schema(minimum = 1, maximum = 100)]
    pub per_member_limit: i64,
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: Timestamp,
    /// After `starts_at`, at most 31 days later.
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: Timestamp,
}

/// Sets a limited-quantity sale price on one of the product's variants.
#[utoipa::path(post, path = "/api/v1/products/{id}/sales", tag = "orders", request_body = SaleRequest,
    params(("id" = String, Path)),
    responses((status = 201, body = SaleView), (status = 403, body = ErrorBody, description = "`forbidden`"),
        (status = 404, body = ErrorBody, description = "`product_not_found`"),
        (status = 409, body = ErrorBody, description = "`sale_overlaps`"),
        (status = 422, body = ErrorBody, description = "`invalid_field`, `unsupported_currency`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn create_sale(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    body: CheckLater<SaleRequest>,
) -> Result<(StatusCode, Json<SaleView>), ApiError> {
    let product_id = path_id(&id, ErrorCode::ProductNotFound)?;
    state.commerce().authorize_product(&caller, product_id, carmine_accounts::orgs::OrgAction::EditCatalogue).await?;
    let body = body.parse()?;
    state.ledger().config().check_currency(body.price.currency)?;
    let input = SaleInput {
        sku_id: body.sku_id,
        price_minor: body.price.amount_minor,
        quantity: body.quantity,
        per_member_limit: body.per_member_limit,
        starts_at: body.starts_at,
        ends_at: body.ends_at,
    };
    let sale = state.orders().create_sale(&caller, product_id, &input).await?;
    Ok((StatusCode::CREATED, Json(sale_view(&state, &sale))))
}

/// A product's sale prices running or to come.
#[utoipa::path(get, path = "/api/v1/products/{id}/sales", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = Items<SaleView>), (status = 404, body = ErrorBody, description = "`product_not_found`")))]
pub async fn product_sales(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Items<SaleView>>, ApiError> {
    let product_id = path_id(&id, ErrorCode::ProductNotFound)?;
    state.commerce().product(None, product_id).await?;
    let sales = state.orders().product_sales(product_id).await?;
    Ok(Json(Items { items: sales.iter().map(|s| sale_view(&state, s)).collect() }))
}

/// Ends a sale early (units already bought keep their price).
#[utoipa::path(post, path = "/api/v1/sales/{id}/end", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = SaleView), (status = 404, body = ErrorBody, description = "`sale_not_found`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn end_sale(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Json<SaleView>, ApiError> {
    let sale_id = path_id(&id, ErrorCode::SaleNotFound)?;
    let sale = state.orders().end_sale(&caller, sale_id).await?;
    Ok(Json(sale_view(&state, &sale)))
}
