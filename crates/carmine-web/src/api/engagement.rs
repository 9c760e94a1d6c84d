//! Likes, comments and notifications.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use carmine_core::{ErrorCode, Id, Timestamp};
use carmine_store::comments::CommentRecord;
use carmine_store::notifications::NotificationRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::views::Page;
use super::{IdCursor, PageQuery};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{AdToken, ApiJson, ApiQuery, CheckLater, Member, RequestContext, path_id};
use crate::openapi::ErrorBody;

#[derive(Serialize, ToSchema)]
pub struct LikeView {
    pub liked: bool,
    pub likes: i64,
}

/// Likes a note (again: no change). The author is notified once.
#[utoipa::path(post, path = "/api/v1/notes/{id}/like", tag = "engagement", params(("id" = String, Path)), responses(
    (status = 200, body = LikeView), (status = 404, body = ErrorBody, description = "`note_not_found`"),
    (status = 409, body = ErrorBody, description = "`note_not_published`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn like(
    State(state): State<AppState>,
    Member(caller): Member,
    ad: AdToken,
    Path(id): Path<String>,
) -> Result<Json<LikeView>, ApiError> {
    let id = path_id(&id, ErrorCode::NoteNotFound)?;
    let likes = state.notes().like(&caller, id, ad.via(&state, &caller, id).await).await?;
    Ok(Json(LikeView { liked: true, likes }))
}

/// Takes a like back (not liked: no change).
#[utoipa::path(delete, path = "/api/v1/notes/{id}/like", tag = "engagement", params(("id" = String, Path)), responses(
    (status = 200, body = LikeView), (status = 404, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn unlike(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Json<LikeView>, ApiError> {
    let id = path_id(&id, ErrorCode::NoteNotFound)?;
    let likes = state.notes().unlike(&caller, id).await?;
    Ok(Json(LikeView { liked: false, likes }))
}

#[derive(Serialize, ToSchema)]
pub struct CommentView {
    #[schema(value_type = String)]
    pub id: Id,
    #[schema(value_type = String)]
    pub note_id: Id,
    pub author_handle: String,
    pub author_name: String,
    #[schema(value_type = Option<String>)]
    pub parent_id: Option<Id>,
    /// Who the comment replies to.
    pub reply_to: Option<String>,
    /// Empty when deleted.
    pub body: String,
    pub deleted: bool,
    pub reply_count: i64,
    pub like_count: i64,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

impl From<&CommentRecord> for CommentView {
    fn from(c: &CommentRecord) -> Self {
        CommentView {
            id: c.id,
            note_id: c.note_id,
            author_handle: c.author_handle.clone(),
            author_name: c.author_name.clone(),
            parent_id: c.parent_id,
            reply_to: c.parent_author_handle.clone().filter(|_| c.parent_id != c.root_id),
            body: c.body.clone(),
            deleted: c.deleted,
            reply_count: c.reply_count,
            like_count: c.like_count,
            created_at: c.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ThreadView {
    pub comment: CommentView,
    /// The first replies, oldest first.
    pub replies: Vec<CommentView>,
}

/// Top-level comments, newest first, each with its first replies.
#[utoipa::path(get, path = "/api/v1/notes/{id}/comments", tag = "engagement", params(("id" = String, Path), PageQuery), responses(
    (status = 200, body = Page<ThreadView>), (status = 404, body = ErrorBody)))]
pub async fn comments(
    State(state): State<AppState>,
    context: RequestContext,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Page<ThreadView>>, ApiError> {
    let id = path_id(&id, ErrorCode::NoteNotFound)?;
    let (limit, before) = query.position(&state)?;
    let page = state.notes().comments(context.caller.as_ref(), id, before, limit).await?;
    Ok(Json(Page {
        items: page
            .threads
            .iter()
            .map(|t| ThreadView {
                comment: CommentView::from(&t.comment),
                replies: t.replies.iter().map(CommentView::from).collect(),
            })
            .collect(),
        next_cursor: page.next.map(|after| state.cursors().encode(&IdCursor { after })),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentRequest {
    #[schema(min_length = 1, max_length = 500)]
    pub body: String,
    /// Reply to this comment of the same note.
    #[schema(value_type = Option<String>)]
    #[schema(pattern = "^[0-9]{1,19}$")]
    pub parent_id: Option<Id>,
}

/// Comments on a note, or replies to one of its comments. `@mentions` notify.
#[utoipa::path(post, path = "/api/v1/notes/{id}/comments", tag = "engagement", params(("id" = String, Path)), request_body = CommentRequest, responses(
    (status = 201, body = CommentView), (status = 404, body = ErrorBody, description = "`note_not_found`, `comment_not_found`"),
    (status = 409, body = ErrorBody, description = "`note_not_published`"), (status = 429, body = ErrorBody, description = "`rate_limited`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn add_comment(
    State(state): State<AppState>,
    Member(caller): Member,
    ad: AdToken,
    Path(id): Path<String>,
    body: CheckLater<CommentRequest>,
) -> Result<(StatusCode, Json<CommentView>), ApiError> {
    let id = path_id(&id, ErrorCode::NoteNotFound)?;
    state.notes().get(Some(&caller), id).await?;
    let body = body.parse()?;
    let comment =
        state.notes().comment(&caller, id, body.parent_id, &body.body, ad.via(&state, &caller, id).await).await?;
    Ok((StatusCode::CREATED, Json(CommentView::from(&comment))))
}

/// Likes a comment (again: no change). Its author is notified once.
#[utoipa::path(post, path = "/api/v1/comments/{id}/like", tag = "engagement", params(("id" = String, Path)), responses(
    (status = 200, body = LikeView), (status = 403, body = ErrorBody, description = "`blocked`"),
    (status = 404, body = ErrorBody, description = "`comment_not_found`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn like_comment(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Json<LikeView>, ApiError> {
    let id = path_id(&id, ErrorCode::CommentNotFound)?;
    let likes = state.notes().like_comment(&caller, id).await?;
    Ok(Json(LikeView { liked: true, likes }))
}

/// Takes a comment like back (not liked: no change).
#[utoipa::path(delete, path = "/api/v1/comments/{id}/like", tag = "engagement", params(("id" = String, Path)), responses(
    (status = 200, body = LikeView), (status = 404, body = ErrorBody, description = "`comment_not_found`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn unlike_comment(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Json<LikeView>, ApiError> {
    let id = path_id(&id, ErrorCode::CommentNotFound)?;
    let likes = state.notes().unlike_comment(&caller, id).await?;
    Ok(Json(LikeView { liked: false, likes }))
}

/// Deletes a comment (its author, or whoever writes for the note).
#[utoipa::path(delete, path = "/api/v1/comments/{id}", tag = "engagement", params(("id" = String, Path)), responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody, description = "`comment_not_found`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn delete_comment(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id, ErrorCode::CommentNotFound)?;
    state.notes().delete_comment(&caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct NotificationView {
    #[schema(value_type = String)]
    pub id: Id,
    /// `like`, `save`, `comment`, `reply`, `mention`, `follow`, `comment_like` or `gift`.
    pub kind: String,
    pub actor_handle: String,
    pub actor_name: String,
    #[schema(value_type = Option<String>)]
    pub note_id: Option<Id>,
    pub note_title: Option<String>,
    #[schema(value_type = Option<String>)]
    pub comment_id: Option<Id>,
    pub comment_body: Option<String>,
    /// A gift's coins.
    pub coins: Option<i64>,
    pub read: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

impl From<&NotificationRecord> for NotificationView {
    fn from(n: &NotificationRecord) -> Self {
        NotificationView {
            id: n.id,
            kind: n.kind.clone(),
            actor_handle: n.actor_handle.clone(),
            actor_name: n.actor_name.clone(),
            note_id: n.note_id,
            note_title: n.note_title.clone(),
            comment_id: n.comment_id,
            comment_body: n.comment_body.clone().filter(|b| !b.is_empty()),
            coins: n.coins,
            read: n.read,
            created_at: n.created_at,
        }
    }
}

/// The caller's notifications, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "engagement", params(PageQuery), responses((status = 200, body = Page<NotificationView>)),
    security(("session" = []), ("bearer" = [])))]
pub async fn notifications(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Page<NotificationView>>, ApiError> {
    let (limit, before) = query.position(&state)?;
    let page = state.notes().notifications(&caller, before, limit).await?;
    Ok(Json(Page {
        items: page.items.iter().map(NotificationView::from).collect(),
        next_cursor: page.next.map(|after| state.cursors().encode(&IdCursor { after })),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct UnreadView {
    pub unread: i64,
}

/// How many notifications are unread.
#[utoipa::path(get, path = "/api/v1/notifications/unread", tag = "engagement", responses((status = 200, body = UnreadView)),
    security(("session" = []), ("bearer" = [])))]
pub async fn unread(State(state): State<AppState>, Member(caller): Member) -> Result<Json<UnreadView>, ApiError> {
    Ok(Json(UnreadView { unread: state.notes().unread_notifications(&caller).await? }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkReadRequest {
    /// Mark read up to and including this notification; absent: all.
    #[schema(value_type = Option<String>)]
    #[schema(pattern = "^[0-9]{1,19}$")]
    pub up_to: Option<Id>,
}

#[derive(Serialize, ToSchema)]
pub struct MarkedView {
    pub marked: u64,
}

/// Marks notifications read.
#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "engagement", request_body = MarkReadRequest, responses((status = 200, body = MarkedView)),
    security(("session" = []), ("bearer" = [])))]
pub async fn mark_read(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiJson(body): ApiJson<MarkReadRequest>,
) -> Result<Json<MarkedView>, ApiError> {
    let marked = state.notes().mark_notifications_read(&caller, body.up_to).await?;
    Ok(Json(MarkedView { marked }))
}
