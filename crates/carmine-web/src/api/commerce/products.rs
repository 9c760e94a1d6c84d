//! The catalogue's API: a store's products (create, list), any listed product and
//! the listing with filters, editing, stock, a variant's price history, and the
//! operator's certificate review. Editing is for the store's staff, admins and
//! owners; anyone else gets `product_not_found` (or 403 for an analyst).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use carmine_accounts::admin::Operator;
use carmine_accounts::orgs::OrgAction;
use carmine_commerce::Category;
use carmine_commerce::products::{CrossBorderInput, Product, ProductChange, ProductInput, ProductOption, VariantInput};
use carmine_core::{Error, ErrorCode, Id, Timestamp};
use carmine_store::products::{ListingFilter, ProductRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::money::MoneyView;
use crate::api::views::{Items, Page};
use crate::api::{PageQuery, page};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{Admin, ApiJson, ApiQuery, CheckLater, Member, RequestContext, path_id, present};
use crate::openapi::ErrorBody;

/// A product's status (describes the values in the OpenAPI document).
#[allow(dead_code)]
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ProductStatusName {
    Draft,
    Active,
    Archived,
}

/// How a cross-border product enters the country.
#[allow(dead_code)]
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum TradeModeName {
    BondedWarehouse,
    DirectMail,
}

#[derive(Serialize, ToSchema)]
pub struct ImageView {
    pub id: String,
    pub url: String,
    pub grid_url: String,
    pub width: i64,
    pub height: i64,
    pub alt_text: String,
}

#[derive(Serialize, ToSchema)]
pub struct CategoryRef {
    pub id: String,
    pub slug: String,
    pub name_en: String,
    pub name_zh: String,
}

impl From<&Category> for CategoryRef {
    fn from(c: &Category) -> Self {
        CategoryRef {
            id: c.record.id.to_string(),
            slug: c.record.slug.clone(),
            name_en: c.record.name_en.clone(),
            name_zh: c.record.name_zh.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct StoreRef {
    pub id: String,
    pub handle: String,
    pub name: String,
    pub store_type: String,
    pub url: String,
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OptionView {
    #[schema(min_length = 1, max_length = 20)]
    pub name: String,
    #[schema(max_items = 200)]
    pub values: Vec<String>,
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttributeView {
    #[schema(min_length = 1, max_length = 20)]
    pub name: String,
    #[schema(min_length = 1, max_length = 100)]
    pub value: String,
}

#[derive(Serialize, ToSchema)]
pub struct StockView {
    pub warehouse_id: String,
    pub on_hand: i64,
    /// Held for orders not yet shipped.
    pub reserved: i64,
}

#[derive(Serialize, ToSchema)]
pub struct VariantView {
    pub id: String,
    pub code: String,
    /// One value per option.
    pub options: Vec<String>,
    pub price: MoneyView,
    pub compare_at: Option<MoneyView>,
    pub weight_grams: i64,
    /// Units buyers can order now (over all warehouses).
    pub available: i64,
    /// Per warehouse, for the store's members only.
    pub stock: Option<Vec<StockView>>,
}

#[derive(Serialize, ToSchema)]
pub struct CrossBorderView {
    pub origin_country: String,
    #[schema(value_type = TradeModeName)]
    pub trade_mode: String,
    pub warehouse_code: Option<String>,
    pub hs_code: Option<String>,
    pub declared_value: Option<MoneyView>,
    /// `none`, `pending`, `verified`, `rejected`.
    pub certificate_status: String,
    /// The certificate image, for the store's members and the operator.
    pub certificate_url: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ProductView {
    pub id: String,
    pub url: String,
    pub store: StoreRef,
    pub title: String,
    pub description: String,
    pub brand: String,
    pub category: Option<CategoryRef>,
    /// From the top-level category down to the product's.
    pub category_path: Vec<CategoryRef>,
    pub attributes: Vec<AttributeView>,
    pub options: Vec<OptionView>,
    pub variants: Vec<VariantView>,
    pub images: Vec<ImageView>,
    #[schema(value_type = ProductStatusName)]
    pub status: String,
    /// Buyers can buy it: active, in an open store.
    pub available: bool,
    /// `false`: exempt from the store's no-reason returns.
    pub returnable: bool,
    pub shipping_template_id: Option<String>,
    /// What a creator earns on sales their tag drives, in basis points.
    pub affiliate_bps: i64,
    pub cross_border: Option<CrossBorderView>,
    pub price_min: MoneyView,
    pub price_max: MoneyView,
    pub sales_count: i64,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

fn image_path(id: Id, key: &str, variant: &str) -> String {
    format!("/media/{id}/{key}/{variant}.jpg")
}

fn money(state: &AppState, minor: i64) -> MoneyView {
    MoneyView::new(minor, state.commerce().currency())
}

fn store_ref(record: &ProductRecord) -> StoreRef {
    StoreRef {
        id: record.store_id.to_string(),
        handle: record.store_handle.clone(),
        name: record.store_name.clone(),
        store_type: record.store_type.clone(),
        url: format!("/o/{}/store", record.store_handle),
    }
}

impl ProductView {
    pub(crate) fn new(state: &AppState, product: &Product, operator: bool) -> ProductView {
        let record = &product.record;
        let insider = product.insider;
        ProductView {
            id: record.id.to_string(),
            url: format!("/products/{}", record.id),
            store: store_ref(record),
            title: record.title.clone(),
            description: record.description.clone(),
            brand: record.brand.clone(),
            category: product.category.as_ref().map(CategoryRef::from),
            category_path: product.category_path.iter().map(CategoryRef::from).collect(),
            attributes: product
                .attributes
                .iter()
                .map(|(name, value)| AttributeView { name: name.clone(), value: value.clone() })
                .collect(),
            options: product
                .options
                .iter()
                .map(|o| OptionView { name: o.name.clone(), values: o.values.clone() })
                .collect(),
            variants: product
                .variants
                .iter()
                .map(|v| VariantView {
                    id: v.record.id.to_string(),
                    code: v.record.code.clone(),
                    options: v.options.clone(),
                    price: money(state, v.record.price_minor),
                    compare_at: v.record.compare_at_minor.map(|m| money(state, m)),
                    weight_grams: v.record.weight_grams,
                    available: v.available,
                    stock: insider.then(|| {
                        v.stock
                            .iter()
                            .map(|(w, on_hand, reserved)| StockView {
                                warehouse_id: w.to_string(),
                                on_hand: *on_hand,
                                reserved: *reserved,
                            })
                            .collect()
                    }),
                })
                .collect(),
            images: product
                .media
                .iter()
                .map(|m| ImageView {
                    id: m.id.to_string(),
                    url: image_path(m.id, &m.url_key, "detail"),
                    grid_url: image_path(m.id, &m.url_key, "grid"),
                    width: m.width,
                    height: m.height,
                    alt_text: m.alt_text.clone(),
                })
                .collect(),
            status: record.status.clone(),
            available: product.available(),
            returnable: record.returnable,
            shipping_template_id: record.shipping_template_id.map(|t| t.to_string()),
            affiliate_bps: record.affiliate_bps,
            cross_border: record.cross_border.then(|| CrossBorderView {
                origin_country: record.origin_country.clone().unwrap_or_default(),
                trade_mode: record.trade_mode.clone().unwrap_or_default(),
                warehouse_code: record.customs_warehouse_code.clone(),
                hs_code: record.hs_code.clone(),
                declared_value: record.declared_value_minor.map(|m| money(state, m)),
                certificate_status: record.certificate_status.clone(),
                certificate_url: product
                    .certificate
                    .as_ref()
                    .filter(|_| insider || operator)
                    .map(|m| image_path(m.id, &m.url_key, "detail")),
            }),
            price_min: money(state, record.price_min_minor),
            price_max: money(state, record.price_max_minor),
            sales_count: record.sales_count,
            created_at: record.created_at,
            updated_at: record.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CoverView {
    pub url: String,
    pub width: i64,
    pub height: i64,
    /// Shown while the image loads.
    pub color: String,
}

/// A product as lists show it.
#[derive(Serialize, ToSchema)]
pub struct ProductCardView {
    pub id: String,
    pub url: String,
    pub title: String,
    pub cover: Option<CoverView>,
    pub price_min: MoneyView,
    pub price_max: MoneyView,
    pub store: StoreRef,
    pub cross_border: bool,
    pub in_stock: bool,
    #[schema(value_type = ProductStatusName)]
    pub status: String,
    pub available: bool,
}

impl ProductCardView {
    pub(crate) fn new(state: &AppState, record: &ProductRecord) -> ProductCardView {
        ProductCardView {
            id: record.id.to_string(),
            url: format!("/products/{}", record.id),
            title: record.title.clone(),
            cover: record.cover.as_ref().map(|(id, key, width, height, color)| CoverView {
                url: image_path(*id, key, "grid"),
                width: *width,
                height: *height,
                color: color.clone(),
            }),
            price_min: money(state, record.price_min_minor),
            price_max: money(state, record.price_max_minor),
            store: store_ref(record),
            cross_border: record.cross_border,
            in_stock: record.stock_total > 0,
            status: record.status.clone(),
            available: carmine_commerce::products::listed(record),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VariantRequest {
    /// An existing variant (editing); absent: matched by its option values, else new.
    #[schema(value_type = Option<String>, pattern = "^[0-9]{1,19}$")]
    pub id: Option<Id>,
    /// One value per option, in the options' order (`[]` without options).
    #[serde(default)]
    #[schema(max_items = 3)]
    pub options: Vec<String>,
    /// The store's code (unique in the store); absent: made up.
    #[serde(default)]
    #[schema(max_length = 64, pattern = "^[A-Za-z0-9._/-]*$")]
    pub code: String,
    /// Above 0, at most ¥1,000,000, in the instance's currency.
    pub price: MoneyView,
    /// At least the price.
    pub compare_at: Option<MoneyView>,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1000000)]
    pub weight_grams: i64,
}

impl VariantRequest {
    fn input(self) -> VariantInput {
        VariantInput {
            id: self.id,
            options: self.options,
            code: self.code,
            price: self.price.money(),
            compare_at: self.compare_at.map(MoneyView::money),
            weight_grams: self.weight_grams,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CrossBorderRequest {
    /// ISO 3166-1 alpha-2, not CN.
    #[schema(min_length = 2, max_length = 2)]
    pub origin_country: String,
    #[schema(value_type = TradeModeName)]
    pub trade_mode: String,
    #[schema(max_length = 64)]
    pub warehouse_code: Option<String>,
    /// 6 to 10 digits.
    #[schema(pattern = "^[0-9]{6,10}$")]
    pub hs_code: Option<String>,
    pub declared_value: Option<MoneyView>,
    /// A photo or scan of the authenticity certificate you uploaded; a new one waits
    /// for the operator's review.
    #[schema(value_type = Option<String>, pattern = "^[0-9]{1,19}$")]
    pub certificate_media_id: Option<Id>,
}

impl CrossBorderRequest {
    fn input(self) -> CrossBorderInput {
        CrossBorderInput {
            origin_country: self.origin_country,
            trade_mode: self.trade_mode,
            warehouse_code: self.warehouse_code,
            hs_code: self.hs_code,
            declared_value: self.declared_value.map(MoneyView::money),
            certificate_media_id: self.certificate_media_id,
        }
    }
}

fn options_of(options: Vec<OptionView>) -> Vec<ProductOption> {
    options.into_iter().map(|o| ProductOption { name: o.name, values: o.values }).collect()
}

fn attributes_of(attributes: Vec<AttributeView>) -> Vec<(String, String)> {
    attributes.into_iter().map(|a| (a.name, a.value)).collect()
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProductRequest {
    #[schema(value_type = String, pattern = "^[0-9]{1,19}$")]
    pub category_id: Id,
    #[schema(min_length = 1, max_length = 60)]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub description: String,
    #[serde(default)]
    #[schema(max_length = 40)]
    pub brand: String,
    #[serde(default)]
    #[schema(max_items = 30)]
    pub attributes: Vec<AttributeView>,
    /// At most 3 (e.g. 颜色, 尺码).
    #[serde(default)]
    #[schema(max_items = 3)]
    pub options: Vec<OptionView>,
    /// 1 to 200, each a different combination of option values.
    #[schema(max_items = 200)]
    pub variants: Vec<VariantRequest>,
    /// Images you uploaded, in order (the first is the cover); an active product needs one.
    #[serde(default)]
    #[schema(value_type = Vec<String>, max_items = 18)]
    pub media_ids: Vec<Id>,
    /// Default `draft`.
    #[schema(value_type = Option<ProductStatusName>)]
    pub status: Option<String>,
    /// Default `true`; `false` exempts it from the store's no-reason returns.
    pub returnable: Option<bool>,
    /// One of the store's templates; absent: the store's default.
    #[schema(value_type = Option<String>, pattern = "^[0-9]{1,19}$")]
    pub shipping_template_id: Option<Id>,
    /// 0 to 5000 basis points; default 0.
    #[schema(minimum = 0, maximum = 5000)]
    pub affiliate_bps: Option<i64>,
    pub cross_border: Option<CrossBorderRequest>,
}

/// Creates a product in the store (its staff, admins and owners).
#[utoipa::path(post, path = "/api/v1/stores/{id}/products", tag = "commerce", params(("id" = String, Path)),
    request_body = CreateProductRequest, responses(
    (status = 201, body = ProductView), (status = 403, body = ErrorBody, description = "`role_too_low`"),
    (status = 404, body = ErrorBody, description = "`store_not_found`, `category_not_found`, `shipping_template_not_found`"),
    (status = 422, body = ErrorBody, description = "`invalid_field`, `invalid_amount`, `unsupported_currency`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn create_product(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    body: CheckLater<CreateProductRequest>,
) -> Result<(StatusCode, Json<ProductView>), ApiError> {
    let store_id = path_id(&id, ErrorCode::StoreNotFound)?;
    state.commerce().authorize_store(&caller, store_id, OrgAction::EditCatalogue).await?;
    let body = body.parse()?;
    let input = ProductInput {
        category_id: body.category_id,
        title: body.title,
        description: body.description,
        brand: body.brand,
        attributes: attributes_of(body.attributes),
        options: options_of(body.options),
        variants: body.variants.into_iter().map(VariantRequest::input).collect(),
        media_ids: body.media_ids,
        status: body.status.unwrap_or_else(|| "draft".to_owned()),
        returnable: body.returnable.unwrap_or(true),
        shipping_template_id: body.shipping_template_id,
        affiliate_bps: body.affiliate_bps.unwrap_or(0),
        cross_border: body.cross_border.map(CrossBorderRequest::input),
    };
    let product = state.commerce().create_product(&caller, store_id, &input).await?;
    Ok((StatusCode::CREATED, Json(ProductView::new(&state, &product, false))))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StoreProductsQuery {
    /// `draft`, `active` or `archived` (the store's members; others see active ones).
    pub status: Option<String>,
    /// A category id (its sub-categories included).
    pub category: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// The filters the listing and product search share, checked: a category id, a store
/// type of the closed set (`None`: any), prices of at least 0.
fn checked_filters<'a>(
    category: Option<&str>,
    store_type: Option<&'a str>,
    min_price: Option<i64>,
    max_price: Option<i64>,
) -> Result<(Option<Id>, Option<&'a str>), Error> {
    let store_type = store_type.filter(|s| !s.is_empty());
    if store_type.is_some_and(|t| !carmine_commerce::stores::STORE_TYPES.contains(&t)) {
        return Err(Error::invalid_field("store_type", "must be brand_official, authorised_reseller or cross_border"));
    }
    if min_price.is_some_and(|p| p < 0) || max_price.is_some_and(|p| p < 0) {
        return Err(Error::invalid_field("min_price", "prices are at least 0"));
    }
    Ok((category_param(category)?, store_type))
}

fn category_param(raw: Option<&str>) -> Result<Option<Id>, Error> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(raw) => raw.parse().map(Some).map_err(|_| Error::invalid_field("category", "a category id")),
    }
}

/// A store's products, newest first.
#[utoipa::path(get, path = "/api/v1/stores/{id}/products", tag = "commerce", params(("id" = String, Path), StoreProductsQuery),
    responses((status = 200, body = Page<ProductCardView>), (status = 404, body = ErrorBody, description = "`store_not_found`"),
    (status = 422, body = ErrorBody)))]
pub async fn store_products(
    State(state): State<AppState>,
    context: RequestContext,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<StoreProductsQuery>,
) -> Result<Json<Page<ProductCardView>>, ApiError> {
    let store_id = path_id(&id, ErrorCode::StoreNotFound)?;
    let (limit, after) = PageQuery { limit: query.limit, cursor: query.cursor.clone() }.position(&state)?;
    let category = category_param(query.category.as_deref())?;
    let rows = state
        .commerce()
        .store_products(context.caller.as_ref(), store_id, query.status.as_deref(), category, after, limit + 1)
        .await?;
    Ok(Json(page(&state, rows, limit, |p| p.id, |p| ProductCardView::new(&state, p))))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListingQuery {
    /// A category id (its sub-categories included).
    pub category: Option<String>,
    /// `brand_official`, `authorised_reseller` or `cross_border`.
    pub store_type: Option<String>,
    pub cross_border: Option<bool>,
    pub in_stock: Option<bool>,
    /// Bounds on the lowest variant price, in minor units.
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Products on sale (active, in open stores), newest first, filtered.
#[utoipa::path(get, path = "/api/v1/products", tag = "commerce", params(ListingQuery),
    responses((status = 200, body = Page<ProductCardView>), (status = 422, body = ErrorBody)))]
pub async fn listed_products(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ListingQuery>,
) -> Result<Json<Page<ProductCardView>>, ApiError> {
    let (limit, after) = PageQuery { limit: query.limit, cursor: query.cursor.clone() }.position(&state)?;
    let (category, store_type) =
        checked_filters(query.category.as_deref(), query.store_type.as_deref(), query.min_price, query.max_price)?;
    let filter = ListingFilter {
        category,
        store_type: store_type.unwrap_or(""),
        cross_border: query.cross_border,
        in_stock: query.in_stock.unwrap_or(false),
        min_price_minor: query.min_price,
        max_price_minor: query.max_price,
    };
    let rows = state.commerce().listed_products(&filter, after, limit + 1).await?;
    Ok(Json(page(&state, rows, limit, |p| p.id, |p| ProductCardView::new(&state, p))))
}

/// A product: anyone sees active and archived ones (`available` says whether it is
/// on sale); drafts only the store's members.
#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "commerce", params(("id" = String, Path)),
    responses((status = 200, body = ProductView), (status = 404, body = ErrorBody, description = "`product_not_found`")))]
pub async fn get_product(
    State(state): State<AppState>,
    context: RequestContext,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::ProductNotFound)?;
    let product = state.commerce().product(context.caller.as_ref(), id).await?;
    let operator = context.caller.as_ref().is_some_and(|c| c.is_admin);
    if product.insider || operator {
        return Ok(Json(ProductView::new(&state, &product, operator)).into_response());
    }
    let body = state
        .product_json()
        .public(&product, || serde_json::to_vec(&ProductView::new(&state, &product, false)).map(Bytes::from))
        .map_err(|e| Error::internal(format!("a product's JSON: {e}")))?;
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProductRequest {
    #[schema(value_type = Option<String>, pattern = "^[0-9]{1,19}$")]
    pub category_id: Option<Id>,
    #[schema(min_length = 1, max_length = 60)]
    pub title: Option<String>,
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    #[schema(max_length = 40)]
    pub brand: Option<String>,
    #[schema(max_items = 30)]
    pub attributes: Option<Vec<AttributeView>>,
    #[schema(max_items = 3)]
    pub options: Option<Vec<OptionView>>,
    /// Replaces the variants: those left out are archived.
    #[schema(max_items = 200)]
    pub variants: Option<Vec<VariantRequest>>,
    #[schema(value_type = Option<Vec<String>>, max_items = 18)]
    pub media_ids: Option<Vec<Id>>,
    #[schema(value_type = Option<ProductStatusName>)]
    pub status: Option<String>,
    pub returnable: Option<bool>,
    /// `null`: the store's default.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]{1,19}$")]
    pub shipping_template_id: Option<Option<Id>>,
    #[schema(minimum = 0, maximum = 5000)]
    pub affiliate_bps: Option<i64>,
    /// `null`: no longer cross-border.
    #[serde(default, deserialize_with = "present")]
    pub cross_border: Option<Option<CrossBorderRequest>>,
}

/// Changes a product; absent fields stay (its store's staff, admins and owners).
#[utoipa::path(patch, path = "/api/v1/products/{id}", tag = "commerce", params(("id" = String, Path)),
    request_body = UpdateProductRequest, responses(
    (status = 200, body = ProductView), (status = 403, body = ErrorBody, description = "`role_too_low`"),
    (status = 404, body = ErrorBody, description = "`product_not_found` (also for outsiders)"),
    (status = 422, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn update_product(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    body: CheckLater<UpdateProductRequest>,
) -> Result<Json<ProductView>, ApiError> {
    let id = path_id(&id, ErrorCode::ProductNotFound)?;
    state.commerce().authorize_product(&caller, id, OrgAction::EditCatalogue).await?;
    let body = body.parse()?;
    let change = ProductChange {
        category_id: body.category_id,
        title: body.title,
        description: body.description,
        brand: body.brand,
        attributes: body.attributes.map(attributes_of),
        options: body.options.map(options_of),
        variants: body.variants.map(|v| v.into_iter().map(VariantRequest::input).collect()),
        media_ids: body.media_ids,
        status: body.status,
        returnable: body.returnable,
        shipping_template_id: body.shipping_template_id,
        affiliate_bps: body.affiliate_bps,
        cross_border: body.cross_border.map(|c| c.map(CrossBorderRequest::input)),
    };
    let product = state.commerce().update_product(&caller, id, &change).await?;
    Ok(Json(ProductView::new(&state, &product, false)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockRow {
    #[schema(value_type = String, pattern = "^[0-9]{1,19}$")]
    pub sku_id: Id,
    #[schema(value_type = String, pattern = "^[0-9]{1,19}$")]
    pub warehouse_id: Id,
    /// 0 to 10,000,000 units; not below what orders have reserved.
    #[schema(minimum = 0, maximum = 10000000)]
    pub on_hand: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockRequest {
    #[schema(max_items = 1000)]
    pub items: Vec<StockRow>,
}

/// Sets stock on hand per (variant, warehouse); all rows or none (staff, admins, owners).
#[utoipa::path(put, path = "/api/v1/products/{id}/stock", tag = "commerce", params(("id" = String, Path)),
    request_body = StockRequest, responses(
    (status = 200, body = ProductView), (status = 403, body = ErrorBody, description = "`role_too_low`"),
    (status = 404, body = ErrorBody, description = "`product_not_found`, `warehouse_not_found`"),
    (status = 409, body = ErrorBody, description = "`stock_below_reserved`"), (status = 422, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn set_stock(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    body: CheckLater<StockRequest>,
) -> Result<Json<ProductView>, ApiError> {
    let id = path_id(&id, ErrorCode::ProductNotFound)?;
    state.commerce().authorize_product(&caller, id, OrgAction::EditCatalogue).await?;
    let rows: Vec<(Id, Id, i64)> =
        body.parse()?.items.into_iter().map(|r| (r.sku_id, r.warehouse_id, r.on_hand)).collect();
    let product = state.commerce().set_stock(&caller, id, &rows).await?;
    Ok(Json(ProductView::new(&state, &product, false)))
}

#[derive(Serialize, ToSchema)]
pub struct PriceView {
    pub price: MoneyView,
    pub compare_at: Option<MoneyView>,
    #[schema(value_type = String, format = DateTime)]
    pub from: Timestamp,
}

#[derive(Serialize, ToSchema)]
pub struct PriceHistoryView {
    /// Oldest first.
    pub items: Vec<PriceView>,
    /// The lowest price of the last 30 days (the price in force 30 days ago included).
    pub lowest_30_days: Option<MoneyView>,
}

/// Every price a variant of a product has had.
#[utoipa::path(get, path = "/api/v1/products/{id}/variants/{variant_id}/prices", tag = "commerce",
    params(("id" = String, Path), ("variant_id" = String, Path)),
    responses((status = 200, body = PriceHistoryView), (status = 404, body = ErrorBody, description = "`product_not_found`")))]
pub async fn price_history(
    State(state): State<AppState>,
    context: RequestContext,
    Path((id, variant_id)): Path<(String, String)>,
) -> Result<Json<PriceHistoryView>, ApiError> {
    let id = path_id(&id, ErrorCode::ProductNotFound)?;
    let variant_id = path_id(&variant_id, ErrorCode::ProductNotFound)?;
    let product = state.commerce().product(context.caller.as_ref(), id).await?;
    if !product.variants.iter().any(|v| v.record.id == variant_id) {
        return Err(Error::new(ErrorCode::ProductNotFound).into());
    }
    let since = Timestamp(crate::i18n::now().micros() - 30 * 86_400 * 1_000_000);
    let (history, lowest) = state.commerce().price_history(variant_id, since).await?;
    Ok(Json(PriceHistoryView {
        items: history
            .into_iter()
            .map(|(price, compare_at, from)| PriceView {
                price: money(&state, price),
                compare_at: compare_at.map(|c| money(&state, c)),
                from,
            })
            .collect(),
        lowest_30_days: lowest.map(|l| money(&state, l)),
    }))
}

/// Cross-border products whose certificate waits for review, oldest first (operator).
#[utoipa::path(get, path = "/api/v1/admin/certificates", tag = "admin", responses(
    (status = 200, body = Items<ProductView>), (status = 403, body = ErrorBody, description = "`admin_only`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn pending_certificates(
    State(state): State<AppState>,
    Admin(admin): Admin,
) -> Result<Json<Items<ProductView>>, ApiError> {
    let products = state.commerce().pending_certificates(Operator::Admin(&admin), 100).await?;
    Ok(Json(Items { items: products.iter().map(|p| ProductView::new(&state, p, true)).collect() }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateDecisionRequest {
    /// `true` verifies the certificate, `false` rejects it.
    pub verified: bool,
}

/// Verifies or rejects a product's pending certificate (operator).
#[utoipa::path(post, path = "/api/v1/admin/products/{id}/certificate", tag = "admin", params(("id" = String, Path)),
    request_body = CertificateDecisionRequest, responses(
    (status = 200, body = ProductView), (status = 403, body = ErrorBody, description = "`admin_only`"),
    (status = 404, body = ErrorBody, description = "`product_not_found`"),
    (status = 422, body = ErrorBody, description = "`invalid_field`: nothing is pending")),
    security(("session" = []), ("bearer" = [])))]
pub async fn decide_certificate(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CertificateDecisionRequest>,
) -> Result<Json<ProductView>, ApiError> {
    let id = path_id(&id, ErrorCode::ProductNotFound)?;
    let product = state.commerce().decide_certificate(Operator::Admin(&admin), id, body.verified).await?;
    Ok(Json(ProductView::new(&state, &product, true)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductSearchParams {
    /// What to look for (the same rules as note search; empty: browse with the filters).
    pub q: Option<String>,
    /// A category id (its sub-categories included).
    pub category: Option<String>,
    /// `brand_official`, `authorised_reseller` or `cross_border`.
    pub store_type: Option<String>,
    pub cross_border: Option<bool>,
    pub in_stock: Option<bool>,
    /// Bounds on the lowest variant price, in minor units.
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    /// `relevance` (default), `price_low`, `price_high`, `newest` or `sales`.
    pub sort: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ProductSearchView {
    pub items: Vec<ProductCardView>,
    pub next_cursor: Option<String>,
    /// Matching products, counted up to 1,000.
    pub total: usize,
    pub total_capped: bool,
    /// Nothing matched every word: these match some.
    pub relaxed: bool,
}

/// Products on sale matching a search, filtered and sorted (the product tab).
pub(crate) async fn run_product_search(
    state: &AppState,
    params: &ProductSearchParams,
) -> Result<(ProductSearchView, Vec<ProductRecord>), Error> {
    use carmine_search::products::{ProductQuery, ProductSort};
    let sort = match params.sort.as_deref().filter(|s| !s.is_empty()) {
        None => ProductSort::Relevance,
        Some(raw) => ProductSort::parse(raw)
            .ok_or_else(|| Error::invalid_field("sort", "must be relevance, price_low, price_high, newest or sales"))?,
    };
    let (category, store_type) =
        checked_filters(params.category.as_deref(), params.store_type.as_deref(), params.min_price, params.max_price)?;
    let store_type = store_type.map(str::to_owned);
    let text = params.q.clone().unwrap_or_default();
    let fingerprint = crate::api::search::fingerprint(&[
        &text,
        sort.as_str(),
        &category.map(|c| c.to_string()).unwrap_or_default(),
        store_type.as_deref().unwrap_or(""),
        &format!("{:?}{:?}{:?}{:?}", params.cross_border, params.in_stock, params.min_price, params.max_price),
    ]);
    let offset = crate::api::search::cursor_offset(state, params.cursor.as_deref(), &fingerprint)?;
    let limit = carmine_core::cursor::clamp_limit(params.limit) as usize;
    let results = state
        .search()
        .products(ProductQuery {
            text,
            category,
            store_type,
            cross_border: params.cross_border,
            in_stock: params.in_stock.unwrap_or(false),
            min_price: params.min_price,
            max_price: params.max_price,
            sort,
            offset,
            limit,
        })
        .await?;
    let end = offset + results.ids.len();
    let next_cursor = (results.ids.len() == limit && end < results.total)
        .then(|| state.cursors().encode(&crate::api::search::SearchCursor { o: end as u32, h: fingerprint.clone() }));
    let records = state.commerce().listed_by_ids(&results.ids).await?;
    let view = ProductSearchView {
        items: records.iter().map(|p| ProductCardView::new(state, p)).collect(),
        next_cursor,
        total: results.total,
        total_capped: results.capped,
        relaxed: results.relaxed,
    };
    Ok((view, records))
}

/// Searches products on sale, with filters and sorts.
#[utoipa::path(get, path = "/api/v1/search/products", tag = "search", params(ProductSearchParams), responses(
    (status = 200, body = ProductSearchView),
    (status = 400, body = ErrorBody, description = "`invalid_cursor`: forged, or from another search"),
    (status = 422, body = ErrorBody, description = "`invalid_field`: sort, store_type, category or prices"),
    (status = 503, body = ErrorBody, description = "`search_timeout`")))]
pub async fn search_products(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<ProductSearchParams>,
) -> Result<Json<ProductSearchView>, ApiError> {
    Ok(Json(run_product_search(&state, &params).await?.0))
}
