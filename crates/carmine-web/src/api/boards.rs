//! Boards and saves.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use carmine_core::{ErrorCode, Id, Timestamp};
use carmine_store::boards::BoardRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::notes::{NoteCardView, NotesQuery, note_page, note_position};
use super::views::{Items, Page};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{AdToken, ApiJson, ApiQuery, CheckLater, Member, RequestContext, path_id};
use crate::openapi::ErrorBody;

#[derive(Serialize, ToSchema)]
pub struct BoardView {
    #[schema(value_type = String)]
    pub id: Id,
    pub owner_handle: String,
    pub name: String,
    /// `public` or `private`.
    pub visibility: String,
    pub note_count: i64,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

impl From<&BoardRecord> for BoardView {
    fn from(b: &BoardRecord) -> Self {
        BoardView {
            id: b.id,
            owner_handle: b.owner_handle.clone(),
            name: b.name.clone(),
            visibility: b.visibility.clone(),
            note_count: b.note_count,
            created_at: b.created_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBoardRequest {
    #[schema(min_length = 1, max_length = 30)]
    pub name: String,
    /// `public` (default) or `private`.

    #[schema(value_type = Option<super::views::BoardVisibilityName>)]
    pub visibility: Option<String>,
}

/// Creates a board.
#[utoipa::path(post, path = "/api/v1/boards", tag = "boards", request_body = CreateBoardRequest, responses(
    (status = 201, body = BoardView), (status = 422, body = ErrorBody)), security(("session" = []), ("bearer" = [])))]
pub async fn create_board(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiJson(body): ApiJson<CreateBoardRequest>,
) -> Result<(StatusCode, Json<BoardView>), ApiError> {
    let board = state.notes().create_board(&caller, &body.name, body.visibility.as_deref().unwrap_or("public")).await?;
    Ok((StatusCode::CREATED, Json(BoardView::from(&board))))
}

/// A board: public ones for anyone, private ones for their owner.
#[utoipa::path(get, path = "/api/v1/boards/{id}", tag = "boards", params(("id" = String, Path)), responses(
    (status = 200, body = BoardView), (status = 404, body = ErrorBody, description = "`board_not_found`")))]
pub async fn get_board(
    State(state): State<AppState>,
    context: RequestContext,
    Path(id): Path<String>,
) -> Result<Json<BoardView>, ApiError> {
    let id = path_id(&id, ErrorCode::BoardNotFound)?;
    Ok(Json(BoardView::from(&state.notes().board(context.caller.as_ref(), id).await?)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateBoardRequest {
    #[schema(min_length = 1, max_length = 30)]
    pub name: Option<String>,

    #[schema(value_type = Option<super::views::BoardVisibilityName>)]
    pub visibility: Option<String>,
}

/// Renames a board or changes who sees it (its owner only).
#[utoipa::path(patch, path = "/api/v1/boards/{id}", tag = "boards", params(("id" = String, Path)), request_body = UpdateBoardRequest, responses(
    (status = 200, body = BoardView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("session" = []), ("bearer" = [])))]
pub async fn update_board(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    body: CheckLater<UpdateBoardRequest>,
) -> Result<Json<BoardView>, ApiError> {
    let id = path_id(&id, ErrorCode::BoardNotFound)?;
    state.notes().own_board(&caller, id).await?;
    let body = body.parse()?;
    let board = state.notes().update_board(&caller, id, body.name.as_deref(), body.visibility.as_deref()).await?;
    Ok(Json(BoardView::from(&board)))
}

/// Deletes a board; its notes stay saved in the default "Saved".
#[utoipa::path(delete, path = "/api/v1/boards/{id}", tag = "boards", params(("id" = String, Path)), responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("session" = []), ("bearer" = [])))]
pub async fn delete_board(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id, ErrorCode::BoardNotFound)?;
    state.notes().delete_board(&caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The notes saved on a board that the caller may see, newest save first.
#[utoipa::path(get, path = "/api/v1/boards/{id}/notes", tag = "boards", params(("id" = String, Path), NotesQuery), responses(
    (status = 200, body = Page<NoteCardView>), (status = 404, body = ErrorBody)))]
pub async fn board_notes(
    State(state): State<AppState>,
    context: RequestContext,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<NotesQuery>,
) -> Result<Json<Page<NoteCardView>>, ApiError> {
    let id = path_id(&id, ErrorCode::BoardNotFound)?;
    let (limit, before) = note_position(&state, query.limit, query.cursor.as_deref())?;
    let board = state.notes().board(context.caller.as_ref(), id).await?;
    let page = state.notes().board_notes(context.caller.as_ref(), board.owner_id, Some(id), before, limit).await?;
    Ok(Json(note_page(&state, &page)))
}

/// A member's boards (private ones only for the member).
#[utoipa::path(get, path = "/api/v1/actors/{handle}/boards", tag = "boards", params(("handle" = String, Path)), responses(
    (status = 200, body = Items<BoardView>), (status = 404, body = ErrorBody)))]
pub async fn actor_boards(
    State(state): State<AppState>,
    context: RequestContext,
    Path(handle): Path<String>,
) -> Result<Json<Items<BoardView>>, ApiError> {
    let actor = state.notes().actor(&handle).await?;
    let boards = state.notes().boards_of(context.caller.as_ref(), &actor).await?;
    Ok(Json(Items { items: boards.iter().map(BoardView::from).collect() }))
}

/// The notes the caller saved without choosing a board.
#[utoipa::path(get, path = "/api/v1/me/saved", tag = "boards", params(NotesQuery), responses((status = 200, body = Page<NoteCardView>)),
    security(("session" = []), ("bearer" = [])))]
pub async fn my_saved(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(query): ApiQuery<NotesQuery>,
) -> Result<Json<Page<NoteCardView>>, ApiError> {
    let (limit, before) = note_position(&state, query.limit, query.cursor.as_deref())?;
    let page = state.notes().board_notes(Some(&caller), caller.user_id, None, before, limit).await?;
    Ok(Json(note_page(&state, &page)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveRequest {
    /// One of your boards; absent: your default "Saved".
    #[schema(value_type = Option<String>)]
    #[schema(pattern = "^[0-9]{1,19}$")]
    pub board_id: Option<Id>,
}

#[derive(Serialize, ToSchema)]
pub struct SaveView {
    pub saved: bool,
    pub saves: i64,
}

/// Saves a note (again: moves it to the given board). The author is notified once.
#[utoipa::path(post, path = "/api/v1/notes/{id}/save", tag = "boards", params(("id" = String, Path)), request_body = SaveRequest, responses(
    (status = 200, body = SaveView), (status = 404, body = ErrorBody, description = "`note_not_found`, `board_not_found`"),
    (status = 409, body = ErrorBody, description = "`note_not_published`")), security(("session" = []), ("bearer" = [])))]
pub async fn save(
    State(state): State<AppState>,
    Member(caller): Member,
    ad: AdToken,
    Path(id): Path<String>,
    body: CheckLater<SaveRequest>,
) -> Result<Json<SaveView>, ApiError> {
    let id = path_id(&id, ErrorCode::NoteNotFound)?;
    state.notes().get(Some(&caller), id).await?;
    let body = body.parse()?;
    let saves = state.notes().save(&caller, id, body.board_id, ad.via(&state, &caller, id).await).await?;
    Ok(Json(SaveView { saved: true, saves }))
}

/// Removes a save (not saved: no change).
#[utoipa::path(delete, path = "/api/v1/notes/{id}/save", tag = "boards", params(("id" = String, Path)), responses(
    (status = 200, body = SaveView), (status = 404, body = ErrorBody)), security(("session" = []), ("bearer" = [])))]
pub async fn unsave(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Json<SaveView>, ApiError> {
    let id = path_id(&id, ErrorCode::NoteNotFound)?;
    let saves = state.notes().unsave(&caller, id).await?;
    Ok(Json(SaveView { saved: false, saves }))
}
