//! Safety pages: reporting from a note or a profile, blocking and muting from a
//! profile, and the administrators' report queue.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use carmine_core::{ErrorCode, Id, Timestamp};
use carmine_notes::safety::Decision;
use serde::Deserialize;

use super::{Done, Layout, PageForm, done, render, shown_on_form};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiQuery, Member, path_id};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/reports", post(report))
        .route("/block/{handle}", post(block))
        .route("/unblock/{handle}", post(unblock))
        .route("/mute/{handle}", post(mute))
        .route("/unmute/{handle}", post(unmute))
        .route("/admin/reports", get(queue))
        .route("/admin/reports/{id}/resolve", post(resolve))
}

#[derive(Deserialize)]
pub(crate) struct ReportForm {
    target_kind: String,
    target_id: String,
    reason: String,
    #[serde(default)]
    details: String,
    return_to: Option<String>,
}

async fn report(
    State(state): State<AppState>,
    Member(caller): Member,
    PageForm(form): PageForm<ReportForm>,
) -> Result<Response, ApiError> {
    let not_found = match form.target_kind.as_str() {
        "comment" => ErrorCode::CommentNotFound,
        "member" => ErrorCode::UserNotFound,
        _ => ErrorCode::NoteNotFound,
    };
    let target: Id = path_id(&form.target_id, not_found)?;
    state.notes().report(&caller, &form.target_kind, target, &form.reason, &form.details).await?;
    let back = super::local_path(form.return_to, || "/".to_owned());
    Ok(done(&back, "report_sent"))
}

async fn relation(
    state: &AppState,
    caller: &carmine_accounts::Caller,
    handle: &str,
    action: &str,
) -> Result<Response, ApiError> {
    let notes = state.notes();
    let notice = match action {
        "block" => notes.block(caller, handle).await.map(|()| "blocked")?,
        "unblock" => notes.unblock(caller, handle).await.map(|()| "unblocked")?,
        "mute" => notes.mute(caller, handle).await.map(|()| "muted")?,
        _ => notes.unmute(caller, handle).await.map(|()| "unmuted")?,
    };
    Ok(Redirect::to(&format!("/u/{}?done={notice}", handle.to_ascii_lowercase())).into_response())
}

async fn block(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(handle): Path<String>,
) -> Result<Response, ApiError> {
    relation(&state, &caller, &handle, "block").await
}

async fn unblock(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(handle): Path<String>,
) -> Result<Response, ApiError> {
    relation(&state, &caller, &handle, "unblock").await
}

async fn mute(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(handle): Path<String>,
) -> Result<Response, ApiError> {
    relation(&state, &caller, &handle, "mute").await
}

async fn unmute(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(handle): Path<String>,
) -> Result<Response, ApiError> {
    relation(&state, &caller, &handle, "unmute").await
}

struct ReportRow {
    id: String,
    reason: String,
    kind: String,
    /// A preview of what was reported; `None`: it is gone.
    target: Option<String>,
    link: String,
    reporter: String,
    details: String,
    created_at: Timestamp,
    actions: &'static [&'static str],
}

#[derive(Template)]
#[template(path = "admin_reports.html")]
struct QueuePage {
    layout: Layout,
    reports: Vec<ReportRow>,
}

async fn queue_page(
    state: &AppState,
    caller: &carmine_accounts::Caller,
    done: Option<&str>,
    error: Option<&carmine_core::Error>,
) -> Result<Response, ApiError> {
    let reports = state.notes().open_reports(caller, None, 100).await?;
    let rows = reports
        .iter()
        .map(|r| ReportRow {
            id: r.id.to_string(),
            reason: r.reason.clone(),
            kind: r.target_kind.clone(),
            target: (!r.preview.is_empty()).then(|| r.preview.chars().take(60).collect()),
            link: match (r.target_kind.as_str(), r.note_id) {
                ("comment", Some(note)) => format!("/notes/{note}#c{}", r.target_id),
                ("note", _) => format!("/notes/{}", r.target_id),
                _ => format!("/u/{}", r.preview),
            },
            reporter: r.reporter_handle.clone(),
            details: r.details.clone(),
            created_at: r.created_at,
            actions: match r.target_kind.as_str() {
                "note" => &["limit", "remove", "suspend", "dismiss"],
                "comment" => &["remove", "suspend", "dismiss"],
                _ => &["suspend", "dismiss"],
            },
        })
        .collect();
    Ok(render(&QueuePage { layout: Layout::with(Some(caller), done, error), reports: rows }, error))
}

async fn queue(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(q): ApiQuery<Done>,
) -> Result<Response, ApiError> {
    queue_page(&state, &caller, q.done.as_deref(), None).await
}

#[derive(Deserialize)]
pub(crate) struct ResolveForm {
    action: String,
    #[serde(default)]
    reason: String,
}

async fn resolve(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    PageForm(form): PageForm<ResolveForm>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::ReportNotFound)?;
    let outcome = async {
        let decision = Decision::parse(&form.action)?;
        state.notes().resolve_report(&caller, id, decision, &form.reason).await
    };
    match outcome.await {
        Ok(()) => Ok(done("/admin/reports", "report_resolved")),
        Err(error) => queue_page(&state, &caller, None, Some(&shown_on_form(error)?)).await,
    }
}
