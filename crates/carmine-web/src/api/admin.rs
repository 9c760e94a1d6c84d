//! The operator's API: members, suspensions, password resets, organization
//! verification and the audit log. Every route answers 403 `admin_only` to others.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use carmine_accounts::admin::Operator;
use std::collections::BTreeMap;

use carmine_core::cursor::clamp_limit;
use carmine_core::{ErrorCode, Timestamp};
use carmine_store::jobs::JobRecord;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::system::{ConsumerView, consumer_view};
use super::views::{OrgView, Page, UserView, VerificationView};
use super::{PageQuery, page};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{Admin, ApiJson, ApiQuery, path_id};
use crate::openapi::ErrorBody;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// Only usernames starting with this.
    pub prefix: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Members, by id, optionally by username prefix.
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", params(UserListQuery), responses(
    (status = 200, body = Page<UserView>), (status = 403, body = ErrorBody, description = "`admin_only`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn list_users(
    State(state): State<AppState>,
    Admin(caller): Admin,
    ApiQuery(query): ApiQuery<UserListQuery>,
) -> Result<Json<Page<UserView>>, ApiError> {
    let (limit, after) = PageQuery { limit: query.limit, cursor: query.cursor }.position(&state)?;
    let users = state
        .accounts()
        .admin_list_users(Operator::Admin(&caller), query.prefix.as_deref().unwrap_or(""), after, limit + 1)
        .await?;
    Ok(Json(page(&state, users, limit, |u| u.id, |u| UserView::from(u))))
}

/// One member.
#[utoipa::path(get, path = "/api/v1/admin/users/{id}", tag = "admin", params(("id" = String, Path)), responses(
    (status = 200, body = UserView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn get_user(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
) -> Result<Json<UserView>, ApiError> {
    let id = path_id(&id, ErrorCode::UserNotFound)?;
    let user = state.accounts().admin_get_user(Operator::Admin(&caller), id).await?;
    Ok(Json(UserView::from(&user)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuspendRequest {
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
}

/// Suspends a member: logged out everywhere, cannot log in or use tokens.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/suspend", tag = "admin", params(("id" = String, Path)), request_body = SuspendRequest, responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn suspend_user(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SuspendRequest>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id, ErrorCode::UserNotFound)?;
    state.accounts().admin_suspend(Operator::Admin(&caller), id, &body.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lifts a suspension.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/unsuspend", tag = "admin", params(("id" = String, Path)), responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn unsuspend_user(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id, ErrorCode::UserNotFound)?;
    state.accounts().admin_unsuspend(Operator::Admin(&caller), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct PasswordReset {
    /// Hand this to the member; they should change it after logging in.
    pub temporary_password: String,
}

/// Resets a member's password to a random one, ending their sessions and tokens.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/reset-password", tag = "admin", params(("id" = String, Path)), responses(
    (status = 200, body = PasswordReset), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn reset_password(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
) -> Result<Json<PasswordReset>, ApiError> {
    let id = path_id(&id, ErrorCode::UserNotFound)?;
    let temporary_password = state.accounts().admin_reset_password(Operator::Admin(&caller), id).await?;
    Ok(Json(PasswordReset { temporary_password }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrgListQuery {
    /// `unverified`, `pending`, `verified` or `rejected`.
    pub status: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Organizations, newest first.
#[utoipa::path(get, path = "/api/v1/admin/orgs", tag = "admin", params(OrgListQuery), responses(
    (status = 200, body = Page<OrgView>), (status = 403, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn list_orgs(
    State(state): State<AppState>,
    Admin(caller): Admin,
    ApiQuery(query): ApiQuery<OrgListQuery>,
) -> Result<Json<Page<OrgView>>, ApiError> {
    let (limit, before) = PageQuery { limit: query.limit, cursor: query.cursor }.position(&state)?;
    let status = query.status.as_deref().filter(|s| !s.is_empty());
    let orgs = state.accounts().admin_list_orgs(Operator::Admin(&caller), status, before, limit + 1).await?;
    Ok(Json(page(&state, orgs, limit, |o| o.id, |o| OrgView::new(o, None))))
}

/// Pending verification requests, oldest first.
#[utoipa::path(get, path = "/api/v1/admin/verifications", tag = "admin", params(PageQuery), responses(
    (status = 200, body = Page<VerificationView>), (status = 403, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn verification_queue(
    State(state): State<AppState>,
    Admin(caller): Admin,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Page<VerificationView>>, ApiError> {
    let (limit, after) = query.position(&state)?;
    let requests = state.accounts().admin_verification_queue(Operator::Admin(&caller), after, limit + 1).await?;
    Ok(Json(page(&state, requests, limit, |v| v.id, |v| VerificationView::from(v))))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    /// Required to reject; optional to approve.

    #[schema(max_length = 1000)]
    pub reason: Option<String>,
}

/// Approves a pending request: the organization becomes verified.
#[utoipa::path(post, path = "/api/v1/admin/verifications/{id}/approve", tag = "admin", params(("id" = String, Path)), request_body = DecisionRequest, responses(
    (status = 200, body = VerificationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    (status = 409, body = ErrorBody, description = "`verification_not_pending`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn approve_verification(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DecisionRequest>,
) -> Result<Json<VerificationView>, ApiError> {
    decide(&state, &caller, &id, true, body.reason.as_deref()).await
}

/// Rejects a pending request, with a reason the organization sees.
#[utoipa::path(post, path = "/api/v1/admin/verifications/{id}/reject", tag = "admin", params(("id" = String, Path)), request_body = DecisionRequest, responses(
    (status = 200, body = VerificationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "`verification_not_pending`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn reject_verification(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DecisionRequest>,
) -> Result<Json<VerificationView>, ApiError> {
    decide(&state, &caller, &id, false, body.reason.as_deref()).await
}

async fn decide(
    state: &AppState,
    caller: &carmine_accounts::Caller,
    id: &str,
    approve: bool,
    reason: Option<&str>,
) -> Result<Json<VerificationView>, ApiError> {
    let id = path_id(id, ErrorCode::VerificationNotFound)?;
    let decided =
        state.accounts().admin_decide_verification(Operator::Admin(caller), id, approve, reason.unwrap_or("")).await?;
    Ok(Json(VerificationView::from(&decided)))
}

#[derive(Serialize, ToSchema)]
pub struct AuditEntryView {
    #[schema(value_type = String)]
    pub id: carmine_core::Id,
    /// The admin's username; null for the operator console.
    pub admin: Option<String>,
    pub action: String,
    pub target_kind: String,
    #[schema(value_type = String)]
    pub target_id: carmine_core::Id,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: carmine_core::Timestamp,
}

/// Every admin action, newest first.
#[utoipa::path(get, path = "/api/v1/admin/audit-log", tag = "admin", params(PageQuery), responses(
    (status = 200, body = Page<AuditEntryView>), (status = 403, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn audit_log(
    State(state): State<AppState>,
    Admin(caller): Admin,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Page<AuditEntryView>>, ApiError> {
    let (limit, before) = query.position(&state)?;
    let entries = state.accounts().admin_audit_log(Operator::Admin(&caller), before, limit + 1).await?;
    Ok(Json(page(
        &state,
        entries,
        limit,
        |e| e.id,
        |e| AuditEntryView {
            id: e.id,
            admin: e.admin_username.clone(),
            action: e.action.clone(),
            target_kind: e.target_kind.clone(),
            target_id: e.target_id,
            details: e.details.clone(),
            created_at: e.created_at,
        },
    )))
}

#[derive(Serialize, ToSchema)]
pub struct JobView {
    pub id: String,
    pub kind: String,
    pub key: String,
    /// `pending`, `running`, `done`, `failed` or `cancelled`.
    pub state: String,
    #[schema(value_type = String, format = DateTime)]
    pub run_at: Timestamp,
    pub attempts: i64,
    pub max_attempts: i64,
    /// The runner holding the job while it runs.
    pub lease_owner: Option<String>,
    pub last_error: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

impl From<&JobRecord> for JobView {
    fn from(job: &JobRecord) -> Self {
        JobView {
            id: job.id.to_string(),
            kind: job.kind.clone(),
            key: job.key.clone(),
            state: job.state.clone(),
            run_at: job.run_at,
            attempts: job.attempts,
            max_attempts: job.max_attempts,
            lease_owner: job.lease_owner.clone(),
            last_error: job.last_error.clone(),
            updated_at: job.updated_at,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct JobListQuery {
    /// Only jobs in this state.
    pub state: Option<String>,
    /// At most this many (default 20, at most 100).
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct JobsOverview {
    /// How many jobs are in each state.
    #[schema(value_type = Object)]
    pub counts: BTreeMap<String, i64>,
    /// Latest run time first.
    pub jobs: Vec<JobView>,
}

/// Timed jobs (scheduled publications, roll-ups, sweeps), with counts by state.
#[utoipa::path(get, path = "/api/v1/admin/jobs", tag = "admin", params(JobListQuery), responses(
    (status = 200, body = JobsOverview), (status = 403, body = ErrorBody, description = "`admin_only`"),
    (status = 422, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn list_jobs(
    State(state): State<AppState>,
    Admin(caller): Admin,
    ApiQuery(query): ApiQuery<JobListQuery>,
) -> Result<Json<JobsOverview>, ApiError> {
    state.accounts().require_admin(&caller)?;
    let jobs = state.jobs().list(query.state.as_deref(), clamp_limit(query.limit)).await?;
    let counts = state.jobs().counts().await?.into_iter().collect();
    Ok(Json(JobsOverview { counts, jobs: jobs.iter().map(JobView::from).collect() }))
}

/// Puts a job that failed for good back in line, due now.
#[utoipa::path(post, path = "/api/v1/admin/jobs/{id}/retry", tag = "admin", params(("id" = String, Path)), responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody, description = "`job_not_found`: no failed job with that id")),
    security(("session" = []), ("bearer" = [])))]
pub async fn retry_job(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.accounts().require_admin(&caller)?;
    let id = path_id(&id, ErrorCode::JobNotFound)?;
    state.jobs().retry(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The log consumers: position, lag, failures, and whether they are stuck.
#[utoipa::path(get, path = "/api/v1/admin/consumers", tag = "admin", responses(
    (status = 200, body = Vec<ConsumerView>), (status = 403, body = ErrorBody, description = "`admin_only`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn consumers(
    State(state): State<AppState>,
    Admin(caller): Admin,
) -> Result<Json<Vec<ConsumerView>>, ApiError> {
    state.accounts().require_admin(&caller)?;
    Ok(Json(state.dataplane().status().await?.iter().map(consumer_view).collect()))
}
