//! Board pages: saving from the note page, a board's waterfall, one's default
//! "Saved", creating and deleting boards.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use carmine_accounts::Caller;
use carmine_core::{ErrorCode, Id};
use carmine_store::boards::BoardRecord;
use serde::Deserialize;

use super::notes::{CardRow, ListQuery, cards};
use super::{Layout, PageForm, done, render};
use crate::api::notes::note_position;
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{AdToken, ApiQuery, Member, RequestContext, path_id};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/notes/{id}/save", post(save))
        .route("/notes/{id}/unsave", post(unsave))
        .route("/boards", post(create))
        .route("/boards/{id}", get(show))
        .route("/boards/{id}/delete", post(delete))
        .route("/saved", get(saved))
}

/// A board as a chip on a profile, or a choice in the save form.
pub(crate) struct BoardChip {
    pub id: String,
    pub name: String,
    pub count: i64,
    pub private: bool,
}

impl From<&BoardRecord> for BoardChip {
    fn from(b: &BoardRecord) -> Self {
        BoardChip {
            id: b.id.to_string(),
            name: b.name.clone(),
            count: b.note_count,
            private: b.visibility == "private",
        }
    }
}

/// The caller's boards, to choose from when saving.
pub(crate) async fn own_boards(state: &AppState, caller: Option<&Caller>) -> Result<Vec<BoardChip>, ApiError> {
    let Some(caller) = caller else { return Ok(Vec::new()) };
    let me = state.notes().actor(&caller.username).await?;
    Ok(state.notes().boards_of(Some(caller), &me).await?.iter().map(BoardChip::from).collect())
}

#[derive(Deserialize)]
pub(crate) struct SaveForm {
    #[serde(default)]
    board_id: String,
}

async fn save(
    State(state): State<AppState>,
    Member(caller): Member,
    ad: AdToken,
    Path(id): Path<String>,
    PageForm(form): PageForm<SaveForm>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::NoteNotFound)?;
    let board = match form.board_id.as_str() {
        "" => None,
        raw => Some(path_id(raw, ErrorCode::BoardNotFound)?),
    };
    state.notes().save(&caller, id, board, ad.via(&state, &caller, id).await).await?;
    Ok(done(&format!("/notes/{id}"), "note_saved"))
}

async fn unsave(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::NoteNotFound)?;
    state.notes().unsave(&caller, id).await?;
    Ok(done(&format!("/notes/{id}"), "note_unsaved"))
}

#[derive(Deserialize)]
pub(crate) struct BoardForm {
    name: String,
    visibility: String,
}

async fn create(
    State(state): State<AppState>,
    Member(caller): Member,
    PageForm(form): PageForm<BoardForm>,
) -> Result<Response, ApiError> {
    let board = state.notes().create_board(&caller, &form.name, &form.visibility).await?;
    Ok(done(&format!("/boards/{}", board.id), "board_created"))
}

#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage {
    layout: Layout,
    name: String,
    owner: String,
    private: bool,
    /// The member's own default "Saved" (no owner line: only they see it).
    is_saved: bool,
    editable_id: Option<String>,
    cards: Vec<CardRow>,
    next_page: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    context: RequestContext,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::BoardNotFound)?;
    let caller = context.caller.as_ref();
    let board = state.notes().board(caller, id).await?;
    let (limit, before) = note_position(&state, Some(30), q.cursor.as_deref())?;
    let page = state.notes().board_notes(caller, board.owner_id, Some(id), before, limit).await?;
    let (cards, next_page) = cards(&state, &page, &format!("/boards/{id}"));
    let own = caller.is_some_and(|c| c.user_id == board.owner_id);
    let page = BoardPage {
        layout: Layout::with(caller, q.done.as_deref(), None),
        name: board.name,
        owner: board.owner_handle,
        private: board.visibility == "private",
        is_saved: false,
        editable_id: own.then(|| id.to_string()),
        cards,
        next_page,
    };
    Ok(render(&page, None))
}

async fn saved(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let (limit, before) = note_position(&state, Some(30), q.cursor.as_deref())?;
    let page = state.notes().board_notes(Some(&caller), caller.user_id, None, before, limit).await?;
    let (cards, next_page) = cards(&state, &page, "/saved");
    let page = BoardPage {
        layout: Layout::with(Some(&caller), q.done.as_deref(), None),
        name: crate::i18n::Locale::current().text("saved-title"),
        owner: caller.username.clone(),
        private: true,
        is_saved: true,
        editable_id: None,
        cards,
        next_page,
    };
    Ok(render(&page, None))
}

async fn delete(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id: Id = path_id(&id, ErrorCode::BoardNotFound)?;
    state.notes().delete_board(&caller, id).await?;
    Ok(Redirect::to(&format!("/u/{}?done=board_deleted", caller.username)).into_response())
}
