//! Reviews API (ADR 0026): a buyer reviews a product of a received order, optionally
//! published as a note tagging the product too; anyone reads a product's reviews.
//! Publishing composes three contexts — the review (orders), the note (notes) and
//! its tag (commerce) — in `post_review`, the one way both the API and the pages use.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use carmine_accounts::Caller;
use carmine_commerce::tags::TagInput;
use carmine_core::limits::NOTE_TITLE_CHARS_MAX;
use carmine_core::{Error, ErrorCode, Id, Timestamp};
use carmine_notes::{NoteInput, Visibility};
use carmine_orders::ReviewInput;
use carmine_store::reviews::ReviewRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::PageQuery;
use crate::api::views::{Items, Page};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiQuery, CheckLater, Member, path_id};
use crate::openapi::ErrorBody;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(post, order_reviews)).routes(routes!(product_reviews))
}

#[derive(Serialize, ToSchema)]
pub struct ReviewView {
    pub id: String,
    pub product_id: String,
    pub order_id: String,
    pub author: String,
    pub author_name: String,
    /// 1 to 5 stars.
    pub rating: i64,
    pub body: String,
    /// The variant bought.
    pub option_label: String,
    /// Every review comes from a buyer of a received order.
    pub verified_purchase: bool,
    pub image_urls: Vec<String>,
    /// The note it was published as, if any.
    pub note_id: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

pub(crate) fn review_view(r: &ReviewRecord) -> ReviewView {
    ReviewView {
        id: r.id.to_string(),
        product_id: r.product_id.to_string(),
        order_id: r.order_id.to_string(),
        author: r.author_handle.clone(),
        author_name: r.author_name.clone(),
        rating: r.rating,
        body: r.body.clone(),
        option_label: r.option_label.clone(),
        verified_purchase: true,
        image_urls: r.images.iter().map(crate::api::orders::image_url).collect(),
        note_id: r.note_id.map(|id| id.to_string()),
        created_at: r.created_at,
    }
}

/// Posts a review and, when asked, publishes it as a note tagging the product.
pub(crate) async fn post_review(
    state: &AppState,
    caller: &Caller,
    order_id: Id,
    input: &ReviewInput,
    publish_as_note: bool,
) -> Result<ReviewRecord, Error> {
    if publish_as_note && input.media_ids.is_empty() {
        return Err(Error::invalid_field("media_ids", "a note needs at least one image"));
    }
    let review = state.orders().review(caller.user_id, order_id, input).await?;
    if !publish_as_note {
        return Ok(review);
    }
    let detail = state.orders().order(caller.user_id, order_id).await?;
    let title = detail.lines.iter().find(|l| l.id == review.line_id).map(|l| l.title.clone()).unwrap_or_default();
    let note = NoteInput {
        author: None,
        title: title.chars().take(NOTE_TITLE_CHARS_MAX).collect(),
        body: format!("{} {}", "★".repeat(review.rating as usize), review.body),
        location: None,
        visibility: Visibility::Public,
        topics: Vec::new(),
        media_ids: input.media_ids.clone(),
        publish: true,
        publish_at: None,
    };
    let published = async {
        let note = state.notes().create(caller, &note).await?;
        state
            .commerce()
            .set_tags(caller, note.note.id, &[TagInput { product_id: review.product_id, pin: None }])
            .await?;
        state.orders().link_review_note(caller.user_id, review.id, note.note.id).await
    };
    match published.await {
        Ok(linked) => Ok(linked),
        Err(error) => {
            tracing::warn!(review = %review.id, error = %error, "a review could not be published as a note");
            Ok(review)
        }
    }
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// A line of the order.
    #[schema(value_type = String, format = "int64")]
    pub line_id: String,
    /// 1 to 5 stars.
    #[schema(minimum = 1, maximum = 5)]
    pub rating: i64,
    /// Up to 1,000 characters.
    #[schema(max_length = 1000)]
    pub body: Option<String>,
    /// Up to 9 of the caller's uploads.
    #[schema(max_items = 9, value_type = Vec<String>)]
    pub media_ids: Option<Vec<String>>,
    /// Also publish it as a note tagging the product (needs an image).
    pub publish_as_note: Option<bool>,
}

/// Reviews a product of one of the caller's received orders (once per product).
#[utoipa::path(post, path = "/api/v1/orders/{id}/reviews", tag = "orders", request_body = ReviewRequest,
    params(("id" = String, Path)),
    responses((status = 201, body = ReviewView), (status = 404, body = ErrorBody, description = "`order_not_found`"),
        (status = 409, body = ErrorBody, description = "`review_not_allowed`, `already_reviewed`"),
        (status = 422, body = ErrorBody, description = "`invalid_field`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn post(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    body: CheckLater<ReviewRequest>,
) -> Result<(StatusCode, Json<ReviewView>), ApiError> {
    let order_id = path_id(&id, ErrorCode::OrderNotFound)?;
    state.orders().order(caller.user_id, order_id).await?;
    let body = body.parse()?;
    let media = body.media_ids.unwrap_or_default();
    if media.len() > carmine_orders::reviews::REVIEW_IMAGES_MAX {
        return Err(Error::invalid_field("media_ids", "at most 9 images").into());
    }
    let input = ReviewInput {
        line_id: body.line_id.parse().map_err(|_| Error::invalid_field("line_id", "a line of this order"))?,
        rating: body.rating,
        body: body.body.unwrap_or_default(),
        media_ids: media
            .iter()
            .map(|m| m.parse().map_err(|_| Error::invalid_field("media_ids", "your own images, each once")))
            .collect::<Result<_, _>>()?,
    };
    let review = post_review(&state, &caller, order_id, &input, body.publish_as_note.unwrap_or(false)).await?;
    Ok((StatusCode::CREATED, Json(review_view(&review))))
}

/// The caller's reviews of an order's products.
#[utoipa::path(get, path = "/api/v1/orders/{id}/reviews", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = Items<ReviewView>), (status = 404, body = ErrorBody, description = "`order_not_found`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn order_reviews(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Json<Items<ReviewView>>, ApiError> {
    let order_id = path_id(&id, ErrorCode::OrderNotFound)?;
    let reviews = state.orders().order_reviews(caller.user_id, order_id).await?;
    Ok(Json(Items { items: reviews.iter().map(review_view).collect() }))
}

#[derive(Serialize, ToSchema)]
pub struct ProductReviewsView {
    /// How many reviewed it, and their average (two decimals; `null` when none).
    pub count: i64,
    pub average: Option<f64>,
    pub items: Vec<ReviewView>,
    pub next_cursor: Option<String>,
}

/// A product's reviews, newest first, with its rating (anyone).
#[utoipa::path(get, path = "/api/v1/products/{id}/reviews", tag = "orders", params(("id" = String, Path), PageQuery),
    responses((status = 200, body = ProductReviewsView), (status = 404, body = ErrorBody, description = "`product_not_found`")))]
pub async fn product_reviews(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<ProductReviewsView>, ApiError> {
    let product_id = path_id(&id, ErrorCode::ProductNotFound)?;
    state.commerce().product(None, product_id).await?;
    let (limit, after) = query.position(&state)?;
    let (reviews, (count, sum)) = state.orders().product_reviews(product_id, after, limit).await?;
    let page: Page<ReviewView> = crate::api::page(&state, reviews, limit, |r| r.id, review_view);
    Ok(Json(ProductReviewsView {
        count,
        average: (count > 0).then(|| (sum as f64 / count as f64 * 100.0).round() / 100.0),
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}
