//! Shoppable notes' API: a note's product tags (read by whoever may see the note,
//! set by whoever may edit it), a member's tap on a tag (the attribution checkout
//! reads), and the notes about a product, ranked by quality × freshness.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use carmine_commerce::tags::{Tag, TagInput, Visitor};
use carmine_core::{ErrorCode, Id, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::products::ProductCardView;
use crate::api::PageQuery;
use crate::api::notes::NoteCardView;
use crate::api::views::{Items, Page};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiQuery, CheckLater, Member, RequestContext, path_id};
use crate::openapi::ErrorBody;

#[derive(Serialize, ToSchema)]
pub struct PinView {
    pub media_id: String,
    /// Thousandths of the image's width and height.
    pub x: i64,
    pub y: i64,
}

#[derive(Serialize, ToSchema)]
pub struct TagView {
    pub product: ProductCardView,
    pub pin: Option<PinView>,
    /// Tagged by someone outside the product's store.
    pub affiliate: bool,
    /// The creator may earn a commission on sales through it: the note shows
    /// "contains affiliate links".
    pub pays_commission: bool,
    /// Opening the product through this link records the attribution.
    pub open_url: String,
}

fn tag_view(state: &AppState, note_id: Id, tag: &Tag) -> TagView {
    TagView {
        product: ProductCardView::new(state, &tag.product),
        pin: tag.record.pin.map(|(media_id, x, y)| PinView { media_id: media_id.to_string(), x, y }),
        affiliate: tag.record.affiliate,
        pays_commission: tag.pays_commission,
        open_url: format!("/notes/{note_id}/products/{}", tag.product.id),
    }
}

/// A note's product tags, in order (whoever may see the note).
#[utoipa::path(get, path = "/api/v1/notes/{id}/product-tags", tag = "commerce", params(("id" = String, Path)),
    responses((status = 200, body = Items<TagView>), (status = 404, body = ErrorBody, description = "`note_not_found`")))]
pub async fn note_tags(
    State(state): State<AppState>,
    context: RequestContext,
    Path(id): Path<String>,
) -> Result<Json<Items<TagView>>, ApiError> {
    let id = path_id(&id, ErrorCode::NoteNotFound)?;
    let tags = state.commerce().tags(context.caller.as_ref(), id).await?;
    Ok(Json(Items { items: tags.iter().map(|t| tag_view(&state, id, t)).collect() }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PinRequest {
    /// One of the note's images.
    #[schema(value_type = String, pattern = "^[0-9]{1,19}$")]
    pub media_id: Id,
    /// 0 to 1000: thousandths of the image's width.
    #[schema(minimum = 0, maximum = 1000)]
    pub x: i64,
    /// 0 to 1000: thousandths of the image's height.
    #[schema(minimum = 0, maximum = 1000)]
    pub y: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagRequest {
    /// A product on sale (a tag already on the note may stay after its product stops selling).
    #[schema(value_type = String, pattern = "^[0-9]{1,19}$")]
    pub product_id: Id,
    pub pin: Option<PinRequest>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagsRequest {
    /// At most 10, each product once; replaces the note's tags.
    #[schema(max_items = 10)]
    pub tags: Vec<TagRequest>,
}

/// Replaces a note's product tags (whoever may edit the note).
#[utoipa::path(put, path = "/api/v1/notes/{id}/product-tags", tag = "commerce", params(("id" = String, Path)),
    request_body = TagsRequest, responses(
    (status = 200, body = Items<TagView>), (status = 403, body = ErrorBody, description = "`forbidden`: not yours to edit"),
    (status = 404, body = ErrorBody, description = "`note_not_found`, `product_not_found`"),
    (status = 422, body = ErrorBody, description = "`invalid_field`, `product_not_taggable`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn set_note_tags(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    body: CheckLater<TagsRequest>,
) -> Result<Json<Items<TagView>>, ApiError> {
    let id = path_id(&id, ErrorCode::NoteNotFound)?;
    state.notes().writable(&caller, id).await?;
    let tags: Vec<TagInput> = body
        .parse()?
        .tags
        .into_iter()
        .map(|t| TagInput { product_id: t.product_id, pin: t.pin.map(|p| (p.media_id, p.x, p.y)) })
        .collect();
    let tags = state.commerce().set_tags(&caller, id, &tags).await?;
    Ok(Json(Items { items: tags.iter().map(|t| tag_view(&state, id, t)).collect() }))
}

/// Records the caller's tap on a note's tag of a product: a purchase of it within
/// the attribution window is credited to the note (last touch).
#[utoipa::path(post, path = "/api/v1/notes/{id}/product-tags/{product_id}/taps", tag = "commerce",
    params(("id" = String, Path), ("product_id" = String, Path)), responses(
    (status = 204), (status = 404, body = ErrorBody, description = "`note_not_found`, `product_not_found`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn tap(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((id, product_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id, ErrorCode::NoteNotFound)?;
    let product_id = path_id(&product_id, ErrorCode::ProductNotFound)?;
    state.commerce().tap(Some(&caller), &Visitor::Member(caller.user_id), id, product_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Where the notes about a product continue: ranked as of `at`, from `offset`.
#[derive(Serialize, Deserialize)]
pub(crate) struct RankCursor {
    pub at: i64,
    pub offset: usize,
}

/// A page of the notes about a product, for pages and the API alike.
pub(crate) async fn notes_about_page(
    state: &AppState,
    viewer: Option<&carmine_accounts::Caller>,
    product_id: Id,
    limit: u32,
    cursor: Option<&str>,
) -> Result<(Vec<carmine_store::notes::NoteRecord>, Option<String>), ApiError> {
    let position = match cursor.filter(|c| !c.is_empty()) {
        Some(c) => {
            let c: RankCursor = state.cursors().decode(c)?;
            Some((Timestamp(c.at), c.offset))
        }
        None => None,
    };
    // The product must be one the viewer may see.
    state.commerce().product(viewer, product_id).await?;
    let page = state.commerce().notes_about(viewer, product_id, position, limit as usize).await?;
    let next = page.next.map(|(at, offset)| state.cursors().encode(&RankCursor { at: at.micros(), offset }));
    Ok((page.notes, next))
}

/// The notes about a product: every visible note tagging it, ranked by quality ×
/// freshness (not personalised, not by follower count).
#[utoipa::path(get, path = "/api/v1/products/{id}/notes", tag = "commerce", params(("id" = String, Path), PageQuery),
    responses((status = 200, body = Page<NoteCardView>), (status = 400, body = ErrorBody, description = "`invalid_cursor`"),
    (status = 404, body = ErrorBody, description = "`product_not_found`")))]
pub async fn product_notes(
    State(state): State<AppState>,
    context: RequestContext,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Page<NoteCardView>>, ApiError> {
    let id = path_id(&id, ErrorCode::ProductNotFound)?;
    let limit = carmine_core::cursor::clamp_limit(query.limit);
    let (notes, next_cursor) =
        notes_about_page(&state, context.caller.as_ref(), id, limit, query.cursor.as_deref()).await?;
    Ok(Json(Page { items: notes.iter().map(NoteCardView::new).collect(), next_cursor }))
}
