//! A creator's authorisations on one of their notes (`/notes/{id}/ad-authorisations`,
//! linked from the note's menu): the organizations allowed to advertise it, a form to
//! allow one more by handle, and revoking — its ads stop at once.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use carmine_accounts::Caller;
use carmine_core::{Error, ErrorCode, Id};
use serde::Deserialize;

use super::DoneQuery;
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiQuery, Member, path_id};
use crate::pages::{Layout, PageForm, done, render, shown_on_form};

struct GrantRow {
    org: String,
    org_name: String,
    since: String,
}

#[derive(Template)]
#[template(path = "ad_authorisations.html")]
struct AuthorisationsPage {
    layout: Layout,
    note_id: String,
    title: String,
    grants: Vec<GrantRow>,
    typed: String,
}

async fn page(
    state: &AppState,
    caller: &Caller,
    note_id: Id,
    done: Option<&str>,
    error: Option<&Error>,
    typed: &str,
) -> Result<Response, ApiError> {
    let (note, grants) = state.ads().authorisations(caller, note_id).await?;
    let layout = Layout::with(Some(caller), done, error);
    let page = AuthorisationsPage {
        note_id: note.id.to_string(),
        title: note.title.clone(),
        grants: grants
            .iter()
            .map(|g| GrantRow {
                org: g.org_handle.clone(),
                org_name: g.org_name.clone(),
                since: layout.date(&g.granted_at),
            })
            .collect(),
        typed: typed.to_owned(),
        layout,
    };
    Ok(render(&page, error))
}

pub(super) async fn show(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<DoneQuery>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::NoteNotFound)?;
    page(&state, &caller, id, q.done.as_deref(), None, "").await
}

#[derive(Deserialize)]
pub(super) struct GrantForm {
    org: String,
}

pub(super) async fn grant(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    PageForm(form): PageForm<GrantForm>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::NoteNotFound)?;
    state.ads().authorisations(&caller, id).await?;
    let handle = form.org.trim().trim_start_matches('@');
    match state.ads().authorise(&caller, id, handle).await {
        Ok(_) => Ok(done(&format!("/notes/{id}/ad-authorisations"), "ad_authorised")),
        Err(error) => page(&state, &caller, id, None, Some(&shown_on_form(error)?), &form.org).await,
    }
}

pub(super) async fn revoke(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((id, org)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::NoteNotFound)?;
    state.ads().revoke(&caller, id, &org).await?;
    Ok(done(&format!("/notes/{id}/ad-authorisations"), "ad_authorisation_revoked"))
}
