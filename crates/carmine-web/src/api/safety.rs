//! Reports, the moderation queue, blocks and mutes.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use carmine_core::{ErrorCode, Id, Timestamp};
use carmine_notes::safety::Decision;
use carmine_store::safety::ReportRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::views::Page;
use super::{IdCursor, PageQuery};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{Admin, ApiJson, ApiQuery, Member, path_id};
use crate::openapi::ErrorBody;

#[derive(Serialize, ToSchema)]
pub struct ReportView {
    #[schema(value_type = String)]
    pub id: Id,
    pub reporter: String,
    /// `note`, `comment` or `member`.
    pub target_kind: String,
    #[schema(value_type = String)]
    pub target_id: Id,
    pub reason: String,
    pub details: String,
    /// `open` or `resolved`.
    pub status: String,
    /// `removed`, `limited`, `suspended` or `dismissed`, once resolved.
    pub decision: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

impl From<&ReportRecord> for ReportView {
    fn from(r: &ReportRecord) -> Self {
        ReportView {
            id: r.id,
            reporter: r.reporter_handle.clone(),
            target_kind: r.target_kind.clone(),
            target_id: r.target_id,
            reason: r.reason.clone(),
            details: r.details.clone(),
            status: r.status.clone(),
            decision: r.decision.clone(),
            created_at: r.created_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    /// `note`, `comment` or `member`.

    #[schema(value_type = super::views::ReportTargetName)]
    pub target_kind: String,
    #[schema(value_type = String)]
    #[schema(pattern = "^[0-9]{1,19}$")]
    pub target_id: Id,
    /// `spam`, `harassment`, `inappropriate`, `misinformation` or `other`.

    #[schema(value_type = super::views::ReportReasonName)]
    pub reason: String,
    #[schema(max_length = 1000)]
    pub details: Option<String>,
}

/// Reports a note, comment or member you can see (again while open: the same report).
#[utoipa::path(post, path = "/api/v1/reports", tag = "safety", request_body = ReportRequest, responses(
    (status = 201, body = ReportView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn report(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiJson(body): ApiJson<ReportRequest>,
) -> Result<(StatusCode, Json<ReportView>), ApiError> {
    let report = state
        .notes()
        .report(&caller, &body.target_kind, body.target_id, &body.reason, body.details.as_deref().unwrap_or(""))
        .await?;
    Ok((StatusCode::CREATED, Json(ReportView::from(&report))))
}

/// Open reports, oldest first (administrators).
#[utoipa::path(get, path = "/api/v1/admin/reports", tag = "admin", params(PageQuery), responses(
    (status = 200, body = Page<ReportView>), (status = 403, body = ErrorBody, description = "`admin_only`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn open_reports(
    State(state): State<AppState>,
    Admin(caller): Admin,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Page<ReportView>>, ApiError> {
    let (limit, after) = query.position(&state)?;
    let mut reports = state.notes().open_reports(&caller, after, limit + 1).await?;
    let more = reports.len() > limit as usize;
    reports.truncate(limit as usize);
    let next_cursor =
        if more { reports.last().map(|r| state.cursors().encode(&IdCursor { after: r.id })) } else { None };
    Ok(Json(Page { items: reports.iter().map(ReportView::from).collect(), next_cursor }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveRequest {
    /// `remove` (note, comment), `limit` (note: followers only), `suspend` (the author or member), `dismiss`.

    #[schema(value_type = super::views::DecisionName)]
    pub action: String,
    /// Required unless dismissing; recorded in the audit log.

    #[schema(max_length = 1000)]
    pub reason: Option<String>,
}

/// Decides a report; every open report on the same target is closed with it.
#[utoipa::path(post, path = "/api/v1/admin/reports/{id}/resolve", tag = "admin", params(("id" = String, Path)), request_body = ResolveRequest, responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody, description = "`report_not_found`"),
    (status = 409, body = ErrorBody, description = "`report_closed`"), (status = 422, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn resolve(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ResolveRequest>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id, ErrorCode::ReportNotFound)?;
    let decision = Decision::parse(&body.action)?;
    state.notes().resolve_report(&caller, id, decision, body.reason.as_deref().unwrap_or("")).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Blocks a member: follows end; neither can follow, comment on, like, save or mention the other.
#[utoipa::path(post, path = "/api/v1/actors/{handle}/block", tag = "safety", params(("handle" = String, Path)), responses(
    (status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody, description = "`cannot_block_self`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn block(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(handle): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.notes().block(&caller, &handle).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lifts a block.
#[utoipa::path(delete, path = "/api/v1/actors/{handle}/block", tag = "safety", params(("handle" = String, Path)), responses(
    (status = 204), (status = 404, body = ErrorBody)), security(("session" = []), ("bearer" = [])))]
pub async fn unblock(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(handle): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.notes().unblock(&caller, &handle).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Mutes a member: their notes and comments are hidden from you, and they no longer notify you.
#[utoipa::path(post, path = "/api/v1/actors/{handle}/mute", tag = "safety", params(("handle" = String, Path)), responses(
    (status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)), security(("session" = []), ("bearer" = [])))]
pub async fn mute(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(handle): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.notes().mute(&caller, &handle).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lifts a mute.
#[utoipa::path(delete, path = "/api/v1/actors/{handle}/mute", tag = "safety", params(("handle" = String, Path)), responses(
    (status = 204), (status = 404, body = ErrorBody)), security(("session" = []), ("bearer" = [])))]
pub async fn unmute(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(handle): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.notes().unmute(&caller, &handle).await?;
    Ok(StatusCode::NO_CONTENT)
}
