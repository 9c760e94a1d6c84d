//! Stores: open (admins and owners of a verified brand or merchant organization),
//! read (anyone), edit settings, shipping templates and warehouses (the role
//! matrix), and the operator's list, suspension and reinstatement. A caller outside
//! the organization gets `store_not_found` on every console route.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use carmine_accounts::admin::Operator;
use carmine_accounts::orgs::OrgAction;
use carmine_commerce::stores::StoreStarter;
use carmine_commerce::{Store, StoreInput, TemplateInput};
use carmine_core::{ErrorCode, Id, Timestamp};
use carmine_store::stores::{StoreRecord, TemplateRecord, WarehouseRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::money::MoneyView;
use crate::api::views::Page;
use crate::api::{PageQuery, page};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{Admin, ApiJson, ApiQuery, CheckLater, Member, RequestContext, path_id, present};
use crate::i18n::Locale;
use crate::openapi::ErrorBody;

/// What a store says it is (describes the values in the OpenAPI document).
#[allow(dead_code)]
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum StoreTypeName {
    BrandOfficial,
    AuthorisedReseller,
    CrossBorder,
}

#[derive(Serialize, ToSchema)]
pub struct RegionFeeView {
    /// An ISO 3166-2:CN code (`CN-BJ`) or `world`.
    pub region: String,
    /// `null`: the template does not deliver there.
    pub fee: Option<MoneyView>,
}

#[derive(Serialize, ToSchema)]
pub struct TemplateView {
    pub id: String,
    pub name: String,
    /// The fee for every region not listed in `fees`.
    pub default_fee: MoneyView,
    /// Orders of at least this much ship free.
    pub free_over: Option<MoneyView>,
    pub fees: Vec<RegionFeeView>,
    pub is_default: bool,
}

#[derive(Serialize, ToSchema)]
pub struct WarehouseView {
    pub id: String,
    pub name: String,
    /// Checkout takes stock from the lowest first.
    pub priority: i64,
}

#[derive(Serialize, ToSchema)]
pub struct StoreView {
    pub id: String,
    /// The organization's handle: the store lives at `/o/{handle}/store`.
    pub handle: String,
    pub url: String,
    pub name: String,
    pub description: String,
    #[schema(value_type = StoreTypeName)]
    pub store_type: String,
    pub logo_url: Option<String>,
    pub banner_url: Option<String>,
    /// Days after receipt a buyer may return goods without a reason (0: no such returns).
    pub return_days: i64,
    pub return_policy: String,
    /// 0 to 5; every store starts at the neutral 4.5 until reviews and after-sales move it.
    pub score: f64,
    /// `open` or `suspended` (its products are then hidden from every listing).
    pub status: String,
    /// The operator's reason, shown to the store's own members only.
    pub suspended_reason: Option<String>,
    pub shipping_templates: Vec<TemplateView>,
    /// The store's warehouses, for its own members only.
    pub warehouses: Option<Vec<WarehouseView>>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

fn image_url((id, key): &(Id, String), variant: &str) -> String {
    format!("/media/{id}/{key}/{variant}.jpg")
}

fn template_view(state: &AppState, t: &TemplateRecord, default: Option<Id>) -> TemplateView {
    let money = |amount| MoneyView::new(amount, state.commerce().currency());
    TemplateView {
        id: t.id.to_string(),
        name: t.name.clone(),
        default_fee: money(t.default_fee_minor),
        free_over: t.free_over_minor.map(money),
        fees: t
            .fees
            .iter()
            .map(|(region, fee)| RegionFeeView { region: region.clone(), fee: fee.map(money) })
            .collect(),
        is_default: default == Some(t.id),
    }
}

fn warehouse_view(w: &WarehouseRecord) -> WarehouseView {
    WarehouseView { id: w.id.to_string(), name: w.name.clone(), priority: w.priority }
}

impl StoreView {
    fn of_record(record: &StoreRecord, insider: bool) -> StoreView {
        StoreView {
            id: record.id.to_string(),
            handle: record.handle.clone(),
            url: format!("/o/{}/store", record.handle),
            name: record.name.clone(),
            description: record.description.clone(),
            store_type: record.store_type.clone(),
            logo_url: record.logo.as_ref().map(|l| image_url(l, "grid")),
            banner_url: record.banner.as_ref().map(|b| image_url(b, "detail")),
            return_days: record.return_days,
            return_policy: record.return_policy.clone(),
            score: record.score_centi as f64 / 100.0,
            status: record.status.clone(),
            suspended_reason: if insider { record.suspended_reason.clone() } else { None },
            shipping_templates: Vec::new(),
            warehouses: None,
            created_at: record.created_at,
        }
    }

    fn new(state: &AppState, store: &Store, insider: bool) -> StoreView {
        let default = store.record.default_template_id;
        StoreView {
            shipping_templates: store.templates.iter().map(|t| template_view(state, t, default)).collect(),
            warehouses: insider.then(|| store.warehouses.iter().map(warehouse_view).collect()),
            ..StoreView::of_record(&store.record, insider)
        }
    }
}

/// What a new store is given, named in the request's language.
pub(crate) fn starter() -> StoreStarter {
    let locale = Locale::current();
    StoreStarter {
        template_name: locale.text("store-starter-template"),
        warehouse_name: locale.text("store-starter-warehouse"),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenStoreRequest {
    /// The organization's handle (a verified brand or merchant; you are its admin or owner).
    #[schema(max_length = 24, pattern = "^[A-Za-z0-9_]+$")]
    pub org: String,
    /// Default: the organization's name.
    #[schema(min_length = 1, max_length = 40)]
    pub name: Option<String>,
    #[schema(max_length = 1000)]
    pub description: Option<String>,
    /// `brand_official` is for brand organizations only.
    #[schema(value_type = StoreTypeName)]
    pub store_type: String,
    #[schema(value_type = Option<String>, pattern = "^[0-9]{1,19}$")]
    pub logo_media_id: Option<Id>,
    #[schema(value_type = Option<String>, pattern = "^[0-9]{1,19}$")]
    pub banner_media_id: Option<Id>,
    /// 0 to 30; default 7.
    #[schema(minimum = 0, maximum = 30)]
    pub return_days: Option<i64>,
    #[schema(max_length = 1000)]
    pub return_policy: Option<String>,
}

/// Opens the organization's store, with a free-shipping template and a warehouse.
#[utoipa::path(post, path = "/api/v1/stores", tag = "commerce", request_body = OpenStoreRequest, responses(
    (status = 201, body = StoreView), (status = 403, body = ErrorBody, description = "`role_too_low`"),
    (status = 404, body = ErrorBody, description = "`org_not_found` (also for non-members)"),
    (status = 409, body = ErrorBody, description = "`store_exists`, `store_needs_verified_org`"),
    (status = 422, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn open_store(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiJson(body): ApiJson<OpenStoreRequest>,
) -> Result<(StatusCode, Json<StoreView>), ApiError> {
    let input = StoreInput {
        name: body.name,
        description: body.description,
        store_type: Some(body.store_type),
        logo_media_id: body.logo_media_id.map(Some),
        banner_media_id: body.banner_media_id.map(Some),
        return_days: body.return_days,
        return_policy: body.return_policy,
    };
    let store = state.commerce().open_store(&caller, &body.org, &input, &starter()).await?;
    Ok((StatusCode::CREATED, Json(StoreView::new(&state, &store, true))))
}

/// Open stores, newest first.
#[utoipa::path(get, path = "/api/v1/stores", tag = "commerce", params(PageQuery), responses(
    (status = 200, body = Page<StoreView>), (status = 400, body = ErrorBody, description = "`invalid_cursor`")))]
pub async fn list_stores(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Page<StoreView>>, ApiError> {
    let (limit, after) = query.position(&state)?;
    let rows = state.commerce().open_stores(after, limit + 1).await?;
    Ok(Json(page(&state, rows, limit, |s| s.id, |s| StoreView::of_record(s, false))))
}

/// Whether the caller belongs to the store's organization.
async fn insider(state: &AppState, context: &RequestContext, store_id: Id) -> bool {
    match &context.caller {
        Some(caller) => state.commerce().authorize_store(caller, store_id, OrgAction::ViewStore).await.is_ok(),
        None => false,
    }
}

/// A store with its shipping templates (anyone); its members also see its warehouses.
#[utoipa::path(get, path = "/api/v1/stores/{id}", tag = "commerce", params(("id" = String, Path)), responses(
    (status = 200, body = StoreView), (status = 404, body = ErrorBody, description = "`store_not_found`")))]
pub async fn get_store(
    State(state): State<AppState>,
    context: RequestContext,
    Path(id): Path<String>,
) -> Result<Json<StoreView>, ApiError> {
    let id = path_id(&id, ErrorCode::StoreNotFound)?;
    let store = state.commerce().store(id).await?;
    let insider = insider(&state, &context, id).await;
    Ok(Json(StoreView::new(&state, &store, insider)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateStoreRequest {
    #[schema(min_length = 1, max_length = 40)]
    pub name: Option<String>,
    #[schema(max_length = 1000)]
    pub description: Option<String>,
    #[schema(value_type = Option<StoreTypeName>)]
    pub store_type: Option<String>,
    /// An image you uploaded; `null` removes the logo.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]{1,19}$")]
    pub logo_media_id: Option<Option<Id>>,
    /// An image you uploaded; `null` removes the banner.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]{1,19}$")]
    pub banner_media_id: Option<Option<Id>>,
    #[schema(minimum = 0, maximum = 30)]
    pub return_days: Option<i64>,
    #[schema(max_length = 1000)]
    pub return_policy: Option<String>,
}

/// Edits the store's settings (admins and owners).
#[utoipa::path(patch, path = "/api/v1/stores/{id}", tag = "commerce", params(("id" = String, Path)),
    request_body = UpdateStoreRequest, responses(
    (status = 200, body = StoreView), (status = 403, body = ErrorBody, description = "`role_too_low`"),
    (status = 404, body = ErrorBody, description = "`store_not_found` (also for non-members)"), (status = 422, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn update_store(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    body: CheckLater<UpdateStoreRequest>,
) -> Result<Json<StoreView>, ApiError> {
    let id = path_id(&id, ErrorCode::StoreNotFound)?;
    state.commerce().authorize_store(&caller, id, OrgAction::ManageStore).await?;
    let body = body.parse()?;
    let input = StoreInput {
        name: body.name,
        description: body.description,
        store_type: body.store_type,
        logo_media_id: body.logo_media_id,
        banner_media_id: body.banner_media_id,
        return_days: body.return_days,
        return_policy: body.return_policy,
    };
    let store = state.commerce().update_store(&caller, id, &input).await?;
    Ok(Json(StoreView::new(&state, &store, true)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegionFeeRequest {
    /// An ISO 3166-2:CN code (`CN-BJ`) or `world`.
    #[schema(max_length = 8)]
    pub region: String,
    /// `null`: not delivered there.
    pub fee: Option<MoneyView>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateRequest {
    #[schema(min_length = 1, max_length = 40)]
    pub name: String,
    /// In the instance's currency (else `unsupported_currency`), 0 to ¥100,000.
    pub default_fee: MoneyView,
    pub free_over: Option<MoneyView>,
    /// Each region once; at most 35.
    #[serde(default)]
    #[schema(max_items = 35)]
    pub fees: Vec<RegionFeeRequest>,
    /// Make it the store's default template.
    #[serde(default)]
    pub make_default: bool,
}

impl TemplateRequest {
    fn input(self) -> TemplateInput {
        TemplateInput {
            name: self.name,
            default_fee: self.default_fee.money(),
            free_over: self.free_over.map(MoneyView::money),
            fees: self.fees.into_iter().map(|f| (f.region, f.fee.map(MoneyView::money))).collect(),
            make_default: self.make_default,
        }
    }
}

/// Adds a shipping template (admins and owners; at most 20 a store).
#[utoipa::path(post, path = "/api/v1/stores/{id}/shipping-templates", tag = "commerce", params(("id" = String, Path)),
    request_body = TemplateRequest, responses(
    (status = 201, body = StoreView), (status = 403, body = ErrorBody, description = "`role_too_low`"),
    (status = 404, body = ErrorBody, description = "`store_not_found`"),
    (status = 422, body = ErrorBody, description = "`invalid_field`, `invalid_amount`, `unsupported_currency`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn add_template(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    body: CheckLater<TemplateRequest>,
) -> Result<(StatusCode, Json<StoreView>), ApiError> {
    let id = path_id(&id, ErrorCode::StoreNotFound)?;
    state.commerce().authorize_store(&caller, id, OrgAction::ManageStore).await?;
    let store = state.commerce().add_template(&caller, id, &body.parse()?.input()).await?;
    Ok((StatusCode::CREATED, Json(StoreView::new(&state, &store, true))))
}

/// Rewrites a shipping template (admins and owners).
#[utoipa::path(put, path = "/api/v1/stores/{id}/shipping-templates/{template_id}", tag = "commerce",
    params(("id" = String, Path), ("template_id" = String, Path)), request_body = TemplateRequest, responses(
    (status = 200, body = StoreView), (status = 403, body = ErrorBody, description = "`role_too_low`"),
    (status = 404, body = ErrorBody, description = "`store_not_found`, `shipping_template_not_found`"),
    (status = 422, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn update_template(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((id, template_id)): Path<(String, String)>,
    body: CheckLater<TemplateRequest>,
) -> Result<Json<StoreView>, ApiError> {
    let id = path_id(&id, ErrorCode::StoreNotFound)?;
    state.commerce().authorize_store(&caller, id, OrgAction::ManageStore).await?;
    let template_id = path_id(&template_id, ErrorCode::ShippingTemplateNotFound)?;
    let store = state.commerce().update_template(&caller, id, template_id, &body.parse()?.input()).await?;
    Ok(Json(StoreView::new(&state, &store, true)))
}

/// Deletes a shipping template that is not the store's default (admins and owners).
#[utoipa::path(delete, path = "/api/v1/stores/{id}/shipping-templates/{template_id}", tag = "commerce",
    params(("id" = String, Path), ("template_id" = String, Path)), responses(
    (status = 200, body = StoreView), (status = 403, body = ErrorBody, description = "`role_too_low`"),
    (status = 404, body = ErrorBody, description = "`store_not_found`, `shipping_template_not_found`"),
    (status = 422, body = ErrorBody, description = "`invalid_field`: the default template")),
    security(("session" = []), ("bearer" = [])))]
pub async fn delete_template(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((id, template_id)): Path<(String, String)>,
) -> Result<Json<StoreView>, ApiError> {
    let id = path_id(&id, ErrorCode::StoreNotFound)?;
    state.commerce().authorize_store(&caller, id, OrgAction::ManageStore).await?;
    let template_id = path_id(&template_id, ErrorCode::ShippingTemplateNotFound)?;
    let store = state.commerce().delete_template(&caller, id, template_id).await?;
    Ok(Json(StoreView::new(&state, &store, true)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WarehouseRequest {
    #[schema(min_length = 1, max_length = 40)]
    pub name: String,
}

/// Adds a warehouse after the others (admins and owners; at most 20 a store).
#[utoipa::path(post, path = "/api/v1/stores/{id}/warehouses", tag = "commerce", params(("id" = String, Path)),
    request_body = WarehouseRequest, responses(
    (status = 201, body = StoreView), (status = 403, body = ErrorBody, description = "`role_too_low`"),
    (status = 404, body = ErrorBody, description = "`store_not_found`"), (status = 422, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn add_warehouse(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    body: CheckLater<WarehouseRequest>,
) -> Result<(StatusCode, Json<StoreView>), ApiError> {
    let id = path_id(&id, ErrorCode::StoreNotFound)?;
    state.commerce().authorize_store(&caller, id, OrgAction::ManageStore).await?;
    let store = state.commerce().add_warehouse(&caller, id, &body.parse()?.name).await?;
    Ok((StatusCode::CREATED, Json(StoreView::new(&state, &store, true))))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WarehouseChangeRequest {
    #[schema(min_length = 1, max_length = 40)]
    pub name: Option<String>,
    /// Where checkout tries it: 1 first; the others keep their order around it.
    #[schema(minimum = 1, maximum = 20)]
    pub position: Option<i64>,
}

/// Renames a warehouse and/or moves it in checkout's order (admins and owners).
#[utoipa::path(patch, path = "/api/v1/stores/{id}/warehouses/{warehouse_id}", tag = "commerce",
    params(("id" = String, Path), ("warehouse_id" = String, Path)), request_body = WarehouseChangeRequest, responses(
    (status = 200, body = StoreView), (status = 403, body = ErrorBody, description = "`role_too_low`"),
    (status = 404, body = ErrorBody, description = "`store_not_found`, `warehouse_not_found`"),
    (status = 422, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn change_warehouse(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((id, warehouse_id)): Path<(String, String)>,
    body: CheckLater<WarehouseChangeRequest>,
) -> Result<Json<StoreView>, ApiError> {
    let id = path_id(&id, ErrorCode::StoreNotFound)?;
    state.commerce().authorize_store(&caller, id, OrgAction::ManageStore).await?;
    let warehouse_id = path_id(&warehouse_id, ErrorCode::WarehouseNotFound)?;
    let body = body.parse()?;
    let store =
        state.commerce().change_warehouse(&caller, id, warehouse_id, body.name.as_deref(), body.position).await?;
    Ok(Json(StoreView::new(&state, &store, true)))
}

/// Removes a warehouse that holds no stock (admins and owners; a store keeps one).
#[utoipa::path(delete, path = "/api/v1/stores/{id}/warehouses/{warehouse_id}", tag = "commerce",
    params(("id" = String, Path), ("warehouse_id" = String, Path)), responses(
    (status = 200, body = StoreView), (status = 403, body = ErrorBody, description = "`role_too_low`"),
    (status = 404, body = ErrorBody, description = "`store_not_found`, `warehouse_not_found`"),
    (status = 409, body = ErrorBody, description = "`warehouse_not_empty`, `last_warehouse`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn remove_warehouse(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((id, warehouse_id)): Path<(String, String)>,
) -> Result<Json<StoreView>, ApiError> {
    let id = path_id(&id, ErrorCode::StoreNotFound)?;
    state.commerce().authorize_store(&caller, id, OrgAction::ManageStore).await?;
    let warehouse_id = path_id(&warehouse_id, ErrorCode::WarehouseNotFound)?;
    let store = state.commerce().remove_warehouse(&caller, id, warehouse_id).await?;
    Ok(Json(StoreView::new(&state, &store, true)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AdminStoresQuery {
    /// `open` or `suspended`; absent: every store.
    pub status: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Every store, newest first, optionally by status (operator).
#[utoipa::path(get, path = "/api/v1/admin/stores", tag = "admin", params(AdminStoresQuery), responses(
    (status = 200, body = Page<StoreView>), (status = 403, body = ErrorBody, description = "`admin_only`"),
    (status = 422, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn admin_stores(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiQuery(query): ApiQuery<AdminStoresQuery>,
) -> Result<Json<Page<StoreView>>, ApiError> {
    let (limit, after) = PageQuery { limit: query.limit, cursor: query.cursor }.position(&state)?;
    let rows =
        state.commerce().admin_stores(Operator::Admin(&admin), query.status.as_deref(), after, limit + 1).await?;
    Ok(Json(page(&state, rows, limit, |s| s.id, |s| StoreView::of_record(s, true))))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuspendStoreRequest {
    /// Shown to the store's members.
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
}

/// Suspends a store: its products leave every listing; orders already placed are
/// not touched (operator).
#[utoipa::path(post, path = "/api/v1/admin/stores/{id}/suspend", tag = "admin", params(("id" = String, Path)),
    request_body = SuspendStoreRequest, responses(
    (status = 200, body = StoreView), (status = 403, body = ErrorBody, description = "`admin_only`"),
    (status = 404, body = ErrorBody, description = "`store_not_found`"), (status = 422, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn suspend_store(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SuspendStoreRequest>,
) -> Result<Json<StoreView>, ApiError> {
    let id = path_id(&id, ErrorCode::StoreNotFound)?;
    let record = state.commerce().set_store_suspended(Operator::Admin(&admin), id, Some(&body.reason)).await?;
    Ok(Json(StoreView::of_record(&record, true)))
}

/// Reinstates a suspended store (operator).
#[utoipa::path(post, path = "/api/v1/admin/stores/{id}/reinstate", tag = "admin", params(("id" = String, Path)), responses(
    (status = 200, body = StoreView), (status = 403, body = ErrorBody, description = "`admin_only`"),
    (status = 404, body = ErrorBody, description = "`store_not_found`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn reinstate_store(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
) -> Result<Json<StoreView>, ApiError> {
    let id = path_id(&id, ErrorCode::StoreNotFound)?;
    let record = state.commerce().set_store_suspended(Operator::Admin(&admin), id, None).await?;
    Ok(Json(StoreView::of_record(&record, true)))
}
