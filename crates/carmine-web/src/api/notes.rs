//! Notes, actors' profiles and
//! their notes, and follows.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use carmine_core::cursor::clamp_limit;
use carmine_core::{Error, ErrorCode, Id, Timestamp};
use carmine_notes::{NoteChange, NoteDetail, NoteInput, NotePage, Visibility};
use carmine_store::actors::ActorRecord;
use carmine_store::notes::NoteRecord;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::media::MediaView;
use super::views::Page;
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{AdToken, ApiJson, ApiQuery, CheckLater, Member, RequestContext, path_id};
use crate::openapi::ErrorBody;

#[derive(Serialize, ToSchema)]
pub struct AuthorView {
    #[schema(value_type = String)]
    pub id: Id,
    pub handle: String,
    /// `member` or `org`.
    pub kind: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct CountsView {
    pub likes: i64,
    pub saves: i64,
    pub comments: i64,
    pub shares: i64,
}

/// A note as its page shows it.
#[derive(Serialize, ToSchema)]
pub struct NoteView {
    #[schema(value_type = String)]
    pub id: Id,
    pub author: AuthorView,
    pub title: String,
    pub body: String,
    pub location: Option<String>,
    /// `public`, `followers` or `private`.
    pub visibility: String,
    /// `draft` or `published`.
    pub status: String,
    /// Limited by moderation: reaches followers only.
    pub limited: bool,
    pub images: Vec<MediaView>,
    pub topics: Vec<String>,
    /// Usernames mentioned in the text.
    pub mentions: Vec<String>,
    pub counts: CountsView,
    /// The caller writes for the author: may edit and delete.
    pub editable: bool,
    /// The caller likes this note.
    pub liked: bool,
    /// The caller saved this note.
    pub saved: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub published_at: Option<Timestamp>,
    /// A draft scheduled to publish itself at this time.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub publish_at: Option<Timestamp>,
}

impl NoteView {
    pub fn new(detail: &NoteDetail) -> Self {
        let note = &detail.note;
        NoteView {
            id: note.id,
            author: author(note),
            title: note.title.clone(),
            body: note.body.clone(),
            location: note.location.clone(),
            visibility: note.visibility.clone(),
            status: note.status.clone(),
            limited: note.moderation != "none",
            images: detail.media.iter().map(MediaView::new).collect(),
            topics: detail.topics.clone(),
            mentions: detail.mentions.clone(),
            counts: CountsView {
                likes: note.like_count,
                saves: note.save_count,
                comments: note.comment_count,
                shares: note.share_count,
            },
            editable: detail.editable,
            liked: false,
            saved: false,
            created_at: note.created_at,
            published_at: note.published_at,
            publish_at: note.publish_at,
        }
    }
}

fn author(note: &NoteRecord) -> AuthorView {
    AuthorView {
        id: note.author_id,
        handle: note.author_handle.clone(),
        kind: note.author_kind.clone(),
        name: note.author_name.clone(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct CoverView {
    pub url: String,
    pub width: i64,
    pub height: i64,
    pub placeholder_color: String,
}

/// A note in a list: what a waterfall card shows.
#[derive(Serialize, ToSchema)]
pub struct NoteCardView {
    #[schema(value_type = String)]
    pub id: Id,
    pub author: AuthorView,
    pub title: String,
    pub cover: Option<CoverView>,
    pub status: String,
    pub likes: i64,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub published_at: Option<Timestamp>,
}

impl NoteCardView {
    pub fn new(note: &NoteRecord) -> Self {
        NoteCardView {
            id: note.id,
            author: author(note),
            title: note.title.clone(),
            cover: note.cover.as_ref().map(|c| CoverView {
                url: format!("/media/{}/{}/grid.jpg", c.media_id, c.url_key),
                width: c.grid_width,
                height: c.grid_height,
                placeholder_color: c.placeholder_color.clone(),
            }),
            status: note.status.clone(),
            likes: note.like_count,
            published_at: note.published_at,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct NoteCursor {
    at: i64,
    id: i64,
}

/// `?limit=&cursor=` for note lists, decoded into a store position.
pub(crate) fn note_position(
    state: &AppState,
    limit: Option<i64>,
    cursor: Option<&str>,
) -> Result<(u32, Option<(i64, i64)>), ApiError> {
    let position = match cursor.filter(|c| !c.is_empty()) {
        Some(cursor) => {
            let c: NoteCursor = state.cursors().decode(cursor)?;
            Some((c.at, c.id))
        }
        None => None,
    };
    Ok((clamp_limit(limit), position))
}

pub(crate) fn note_page(state: &AppState, page: &NotePage) -> Page<NoteCardView> {
    Page {
        items: page.notes.iter().map(NoteCardView::new).collect(),
        next_cursor: page.next.map(|(at, id)| state.cursors().encode(&NoteCursor { at, id })),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateNoteRequest {
    /// Post for this organization (you need a role that may act for it); default: yourself.

    #[schema(min_length = 3, max_length = 24)]
    pub author: Option<String>,
    #[schema(max_length = 20)]
    pub title: Option<String>,
    #[schema(max_length = 1000)]
    pub body: Option<String>,
    #[schema(max_length = 64)]
    pub location: Option<String>,
    /// `public` (default), `followers` or `private`.

    #[schema(value_type = Option<super::views::NoteVisibilityName>)]
    pub visibility: Option<String>,
    /// Besides the `#topics` written in the text.

    #[schema(max_items = 20)]
    pub topics: Option<Vec<String>>,
    /// Uploaded images in order (the first is the cover): 1 to 18 to publish.
    #[schema(value_type = Vec<String>, max_items = 18)]
    pub media_ids: Vec<Id>,
    /// `false` saves a draft. Default `true`.
    pub publish: Option<bool>,
    /// With `publish: false`: the draft publishes itself at this time (RFC 3339, within 90 days).
    #[schema(value_type = Option<String>, format = DateTime)]
    #[schema(format = DateTime)]
    pub publish_at: Option<Timestamp>,
}

/// Writes a note (published, or a draft).
#[utoipa::path(post, path = "/api/v1/notes", tag = "notes", request_body = CreateNoteRequest, responses(
    (status = 201, body = NoteView), (status = 403, body = ErrorBody, description = "`role_too_low` (posting for an organization)"),
    (status = 404, body = ErrorBody, description = "`org_not_found`"), (status = 422, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn create_note(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiJson(body): ApiJson<CreateNoteRequest>,
) -> Result<(StatusCode, Json<NoteView>), ApiError> {
    let input = NoteInput {
        author: body.author,
        title: body.title.unwrap_or_default(),
        body: body.body.unwrap_or_default(),
        location: body.location.filter(|l| !l.trim().is_empty()),
        visibility: Visibility::parse(body.visibility.as_deref().unwrap_or("public"))?,
        topics: body.topics.unwrap_or_default(),
        media_ids: body.media_ids,
        publish: body.publish.unwrap_or(body.publish_at.is_none()),
        publish_at: body.publish_at,
    };
    let detail = state.notes().create(&caller, &input).await?;
    Ok((StatusCode::CREATED, Json(NoteView::new(&detail))))
}

/// A note, if the caller may see it.
#[utoipa::path(get, path = "/api/v1/notes/{id}", tag = "notes", params(("id" = String, Path)), responses(
    (status = 200, body = NoteView), (status = 404, body = ErrorBody, description = "`note_not_found`")))]
pub async fn get_note(
    State(state): State<AppState>,
    context: RequestContext,
    Path(id): Path<String>,
) -> Result<Json<NoteView>, ApiError> {
    let id = path_id(&id, ErrorCode::NoteNotFound)?;
    let detail = state.notes().get(context.caller.as_ref(), id).await?;
    let liked = state.notes().likes(context.caller.as_ref(), id).await?;
    let saved = state.notes().saved_in(context.caller.as_ref(), id).await?.is_some();
    Ok(Json(NoteView { liked, saved, ..NoteView::new(&detail) }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateNoteRequest {
    #[schema(max_length = 20)]
    pub title: Option<String>,
    #[schema(max_length = 1000)]
    pub body: Option<String>,
    /// `""` removes the location.

    #[schema(max_length = 64)]
    pub location: Option<String>,

    #[schema(value_type = Option<super::views::NoteVisibilityName>)]
    pub visibility: Option<String>,

    #[schema(max_items = 20)]
    pub topics: Option<Vec<String>>,
    #[schema(value_type = Option<Vec<String>>)]
    #[schema(min_items = 1, max_items = 18)]
    pub media_ids: Option<Vec<Id>>,
    /// `true` publishes a draft.
    pub publish: Option<bool>,
    /// A time schedules a draft to publish itself (or moves its schedule); `null` unschedules it.
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schema(value_type = Option<String>, format = DateTime)]
    #[schema(format = DateTime)]
    pub publish_at: Option<Option<Timestamp>>,
}

/// Edits a note (its author, or staff of the authoring organization).
#[utoipa::path(patch, path = "/api/v1/notes/{id}", tag = "notes", params(("id" = String, Path)), request_body = UpdateNoteRequest, responses(
    (status = 200, body = NoteView), (status = 403, body = ErrorBody, description = "`forbidden`: not yours"),
    (status = 404, body = ErrorBody, description = "`note_not_found`"), (status = 422, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn update_note(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    body: CheckLater<UpdateNoteRequest>,
) -> Result<Json<NoteView>, ApiError> {
    let id = path_id(&id, ErrorCode::NoteNotFound)?;
    state.notes().writable(&caller, id).await?;
    let body = body.parse()?;
    let change = NoteChange {
        title: body.title,
        body: body.body,
        location: body.location,
        visibility: body.visibility.as_deref().map(Visibility::parse).transpose()?,
        topics: body.topics,
        media_ids: body.media_ids,
        publish: body.publish,
        publish_at: body.publish_at,
    };
    let detail = state.notes().update(&caller, id, &change).await?;
    Ok(Json(NoteView::new(&detail)))
}

/// Deletes a note; a tombstone keeps its id from ever coming back.
#[utoipa::path(delete, path = "/api/v1/notes/{id}", tag = "notes", params(("id" = String, Path)), responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn delete_note(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id, ErrorCode::NoteNotFound)?;
    state.notes().delete(&caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct ActorView {
    #[schema(value_type = String)]
    pub id: Id,
    pub handle: String,
    /// `member` or `org`.
    pub kind: String,
    pub name: String,
    pub followers: i64,
    pub following: i64,
    /// The caller follows this actor.
    pub followed: bool,
}

async fn actor_view(
    state: &AppState,
    caller: Option<&carmine_accounts::Caller>,
    actor: ActorRecord,
) -> Result<ActorView, ApiError> {
    let counts = state.notes().follow_counts(actor.id).await?;
    let followed = state.notes().is_following(caller, actor.id).await?;
    Ok(ActorView {
        id: actor.id,
        handle: actor.handle,
        kind: actor.kind,
        name: actor.name,
        followers: counts.followers,
        following: counts.following,
        followed,
    })
}

/// A member's or organization's public profile.
#[utoipa::path(get, path = "/api/v1/actors/{handle}", tag = "notes", params(("handle" = String, Path)), responses(
    (status = 200, body = ActorView), (status = 404, body = ErrorBody, description = "`actor_not_found`")))]
pub async fn get_actor(
    State(state): State<AppState>,
    context: RequestContext,
    Path(handle): Path<String>,
) -> Result<Json<ActorView>, ApiError> {
    let actor = state.notes().actor(&handle).await?;
    Ok(Json(actor_view(&state, context.caller.as_ref(), actor).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotesQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// An actor's notes, newest first, as the caller may see them (drafts for insiders).
#[utoipa::path(get, path = "/api/v1/actors/{handle}/notes", tag = "notes", params(("handle" = String, Path), NotesQuery), responses(
    (status = 200, body = Page<NoteCardView>), (status = 404, body = ErrorBody)))]
pub async fn actor_notes(
    State(state): State<AppState>,
    context: RequestContext,
    Path(handle): Path<String>,
    ApiQuery(query): ApiQuery<NotesQuery>,
) -> Result<Json<Page<NoteCardView>>, ApiError> {
    let (limit, before) = note_position(&state, query.limit, query.cursor.as_deref())?;
    let actor = state.notes().actor(&handle).await?;
    let page = state.notes().by_author(context.caller.as_ref(), &actor, before, limit).await?;
    Ok(Json(note_page(&state, &page)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FollowQuery {
    /// The actor's note that led to this follow (counts towards its statistics).
    pub from_note: Option<String>,
}

/// Follows a member or organization (again: no change).
#[utoipa::path(post, path = "/api/v1/actors/{handle}/follow", tag = "notes", params(("handle" = String, Path), FollowQuery), responses(
    (status = 200, body = ActorView), (status = 404, body = ErrorBody),
    (status = 422, body = ErrorBody, description = "`cannot_follow_self`; `invalid_field` when `from_note` is not the actor's note")),
    security(("session" = []), ("bearer" = [])))]
pub async fn follow(
    State(state): State<AppState>,
    Member(caller): Member,
    ad: AdToken,
    Path(handle): Path<String>,
    ApiQuery(query): ApiQuery<FollowQuery>,
) -> Result<Json<ActorView>, ApiError> {
    let from_note = match query.from_note.as_deref() {
        Some(raw) => Some(raw.parse::<Id>().map_err(|_| Error::invalid_field("from_note", "must be a note id"))?),
        None => None,
    };
    let via_ad = match from_note {
        Some(note) => ad.via(&state, &caller, note).await,
        None => None,
    };
    let actor = state.notes().follow(&caller, &handle, from_note, via_ad).await?;
    Ok(Json(actor_view(&state, Some(&caller), actor).await?))
}

/// Stops following (not following: no change).
#[utoipa::path(delete, path = "/api/v1/actors/{handle}/follow", tag = "notes", params(("handle" = String, Path)), responses(
    (status = 200, body = ActorView), (status = 404, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn unfollow(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(handle): Path<String>,
) -> Result<Json<ActorView>, ApiError> {
    let actor = state.notes().unfollow(&caller, &handle).await?;
    Ok(Json(actor_view(&state, Some(&caller), actor).await?))
}

#[derive(Serialize, ToSchema)]
pub struct ShareView {
    pub shares: i64,
    /// The note's address to pass on.
    pub share_url: String,
}

/// Counts a share and returns the link to pass on.
#[utoipa::path(post, path = "/api/v1/notes/{id}/share", tag = "notes", params(("id" = String, Path)), responses(
    (status = 200, body = ShareView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "`note_not_published`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn share(
    State(state): State<AppState>,
    Member(caller): Member,
    ad: AdToken,
    Path(id): Path<String>,
) -> Result<Json<ShareView>, ApiError> {
    let id = path_id(&id, ErrorCode::NoteNotFound)?;
    let shares = state.notes().share(&caller, id, ad.via(&state, &caller, id).await).await?;
    Ok(Json(ShareView { shares, share_url: format!("{}/notes/{id}", state.web_config().public_url) }))
}

#[derive(Serialize, ToSchema)]
pub struct FollowView {
    pub handle: String,
    /// `member` or `org`.
    pub kind: String,
    pub name: String,
    #[schema(value_type = String, format = DateTime)]
    pub since: Timestamp,
}

#[derive(Serialize, Deserialize)]
struct SinceCursor {
    since: i64,
}

fn follow_page(state: &AppState, rows: &[carmine_store::follows::FollowEntry], next: Option<i64>) -> Page<FollowView> {
    Page {
        items: rows
            .iter()
            .map(|e| FollowView {
                handle: e.handle.clone(),
                kind: e.kind.clone(),
                name: e.name.clone(),
                since: Timestamp(e.since),
            })
            .collect(),
        next_cursor: next.map(|since| state.cursors().encode(&SinceCursor { since })),
    }
}

fn since(state: &AppState, cursor: Option<&str>) -> Result<Option<i64>, ApiError> {
    Ok(match cursor.filter(|c| !c.is_empty()) {
        Some(c) => Some(state.cursors().decode::<SinceCursor>(c)?.since),
        None => None,
    })
}

/// Who follows a member or organization, newest first.
#[utoipa::path(get, path = "/api/v1/actors/{handle}/followers", tag = "notes", params(("handle" = String, Path), NotesQuery), responses(
    (status = 200, body = Page<FollowView>), (status = 404, body = ErrorBody)))]
pub async fn followers(
    State(state): State<AppState>,
    Path(handle): Path<String>,
    ApiQuery(query): ApiQuery<NotesQuery>,
) -> Result<Json<Page<FollowView>>, ApiError> {
    let actor = state.notes().actor(&handle).await?;
    let (rows, next) =
        state.notes().followers(actor.id, since(&state, query.cursor.as_deref())?, clamp_limit(query.limit)).await?;
    Ok(Json(follow_page(&state, &rows, next)))
}

/// Whom a member follows, newest first.
#[utoipa::path(get, path = "/api/v1/actors/{handle}/following", tag = "notes", params(("handle" = String, Path), NotesQuery), responses(
    (status = 200, body = Page<FollowView>), (status = 404, body = ErrorBody)))]
pub async fn following_list(
    State(state): State<AppState>,
    Path(handle): Path<String>,
    ApiQuery(query): ApiQuery<NotesQuery>,
) -> Result<Json<Page<FollowView>>, ApiError> {
    let actor = state.notes().actor(&handle).await?;
    let (rows, next) = state
        .notes()
        .following_list(actor.id, since(&state, query.cursor.as_deref())?, clamp_limit(query.limit))
        .await?;
    Ok(Json(follow_page(&state, &rows, next)))
}
