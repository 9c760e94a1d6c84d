//! The category tree: everyone reads the live categories; the operator reads them
//! all and adds, renames, re-rates, orders and archives them.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use carmine_accounts::admin::Operator;
use carmine_commerce::Category;
use carmine_commerce::categories::{CategoryChange, CategoryInput};
use carmine_core::{ErrorCode, Id};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::views::Items;
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{Admin, ApiJson, path_id};
use crate::openapi::ErrorBody;

#[derive(Serialize, ToSchema)]
pub struct CategoryView {
    pub id: String,
    pub parent_id: Option<String>,
    /// The stable key (`[a-z0-9_]`), used by CSV files and datasets.
    pub slug: String,
    pub name_en: String,
    pub name_zh: String,
    /// What checkout charges the store on a sale in this category, in basis points (500 = 5%).
    pub commission_bps: i64,
    pub position: i64,
    /// 1 for a top-level category.
    pub depth: usize,
    /// Archived itself or under an archived category: takes no new products.
    pub archived: bool,
}

impl From<&Category> for CategoryView {
    fn from(c: &Category) -> Self {
        CategoryView {
            id: c.record.id.to_string(),
            parent_id: c.record.parent_id.map(|p| p.to_string()),
            slug: c.record.slug.clone(),
            name_en: c.record.name_en.clone(),
            name_zh: c.record.name_zh.clone(),
            commission_bps: c.record.commission_bps,
            position: c.record.position,
            depth: c.depth,
            archived: c.archived,
        }
    }
}

/// The live category tree, parents before their children.
#[utoipa::path(get, path = "/api/v1/categories", tag = "commerce", responses((status = 200, body = Items<CategoryView>)))]
pub async fn categories(State(state): State<AppState>) -> Result<Json<Items<CategoryView>>, ApiError> {
    let tree = state.commerce().categories().await?;
    Ok(Json(Items { items: tree.iter().filter(|c| !c.archived).map(CategoryView::from).collect() }))
}

/// The whole tree, archived categories included (operator).
#[utoipa::path(get, path = "/api/v1/admin/categories", tag = "admin", responses(
    (status = 200, body = Items<CategoryView>), (status = 403, body = ErrorBody, description = "`admin_only`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn admin_categories(
    State(state): State<AppState>,
    Admin(_): Admin,
) -> Result<Json<Items<CategoryView>>, ApiError> {
    let tree = state.commerce().categories().await?;
    Ok(Json(Items { items: tree.iter().map(CategoryView::from).collect() }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCategoryRequest {
    /// Under this category (at most 3 levels); absent: a top-level category.
    #[schema(value_type = Option<String>, pattern = "^[0-9]{1,19}$")]
    pub parent_id: Option<Id>,
    #[schema(min_length = 1, max_length = 40, pattern = "^[a-z0-9_]+$")]
    pub slug: String,
    #[schema(min_length = 1, max_length = 30)]
    pub name_en: String,
    #[schema(min_length = 1, max_length = 30)]
    pub name_zh: String,
    /// 0 to 10000; absent: the parent's rate (required at the top level).
    #[schema(minimum = 0, maximum = 10000)]
    pub commission_bps: Option<i64>,
    /// Order among siblings; absent: last.
    pub position: Option<i64>,
}

/// Adds a category (operator).
#[utoipa::path(post, path = "/api/v1/admin/categories", tag = "admin", request_body = CreateCategoryRequest, responses(
    (status = 201, body = CategoryView), (status = 403, body = ErrorBody, description = "`admin_only`"),
    (status = 422, body = ErrorBody, description = "`invalid_field`, `missing_field`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn create_category(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(body): ApiJson<CreateCategoryRequest>,
) -> Result<(StatusCode, Json<CategoryView>), ApiError> {
    let input = CategoryInput {
        parent_id: body.parent_id,
        slug: body.slug,
        name_en: body.name_en,
        name_zh: body.name_zh,
        commission_bps: body.commission_bps,
        position: body.position,
    };
    let created = state.commerce().create_category(Operator::Admin(&admin), &input).await?;
    Ok((StatusCode::CREATED, Json(CategoryView::from(&created))))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCategoryRequest {
    #[schema(min_length = 1, max_length = 30)]
    pub name_en: Option<String>,
    #[schema(min_length = 1, max_length = 30)]
    pub name_zh: Option<String>,
    /// 0 to 10000 basis points; applies to sales from now on.
    #[schema(minimum = 0, maximum = 10000)]
    pub commission_bps: Option<i64>,
    pub position: Option<i64>,
    /// `true` archives (refused with `category_in_use` while it has live sub-categories).
    pub archived: Option<bool>,
}

/// Renames, re-rates, moves among its siblings, archives or restores a category (operator).
#[utoipa::path(patch, path = "/api/v1/admin/categories/{id}", tag = "admin", params(("id" = String, Path)),
    request_body = UpdateCategoryRequest, responses(
    (status = 200, body = CategoryView), (status = 403, body = ErrorBody, description = "`admin_only`"),
    (status = 404, body = ErrorBody, description = "`category_not_found`"),
    (status = 409, body = ErrorBody, description = "`category_in_use`"), (status = 422, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn update_category(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateCategoryRequest>,
) -> Result<Json<CategoryView>, ApiError> {
    let id = path_id(&id, ErrorCode::CategoryNotFound)?;
    let change = CategoryChange {
        name_en: body.name_en,
        name_zh: body.name_zh,
        commission_bps: body.commission_bps,
        position: body.position,
        archived: body.archived,
    };
    let updated = state.commerce().update_category(Operator::Admin(&admin), id, &change).await?;
    Ok(Json(CategoryView::from(&updated)))
}
