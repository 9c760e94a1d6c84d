//! The operator's pages: members (search, suspend, reinstate, reset password),
//! the organization verification queue and the audit log. Non-admins get 403.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use carmine_accounts::Caller;
use carmine_accounts::admin::Operator;
use carmine_core::cursor::clamp_limit;
use carmine_core::{Error, ErrorCode, Id, Timestamp};
use serde::Deserialize;

use super::{Done, Layout, PageForm, done, render, shown_on_form};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiQuery, Member, path_id};

const ADMIN_PAGE_SIZE: i64 = 50;

struct UserRow {
    id: String,
    username: String,
    display_name: String,
    is_admin: bool,
    suspended: bool,
    created_at: Timestamp,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    layout: Layout,
    prefix: String,
    users: Vec<UserRow>,
    next_page: Option<String>,
    temporary_password: Option<String>,
    reset_username: String,
}

#[derive(Deserialize, Default)]
pub(crate) struct UsersQuery {
    #[serde(default)]
    prefix: String,
    after: Option<String>,
    done: Option<String>,
}

async fn users_page(
    state: &AppState,
    caller: &Caller,
    query: &UsersQuery,
    error: Option<&Error>,
    reset: Option<(String, String)>,
) -> Result<Response, ApiError> {
    let limit = clamp_limit(Some(ADMIN_PAGE_SIZE));
    let after = query.after.as_deref().and_then(|a| a.parse::<Id>().ok());
    let mut users = state.accounts().admin_list_users(Operator::Admin(caller), &query.prefix, after, limit + 1).await?;
    let next_page = (users.len() > limit as usize).then(|| {
        users.truncate(limit as usize);
        format!("/admin?prefix={}&after={}", query.prefix, users.last().map(|u| u.id.to_string()).unwrap_or_default())
    });
    let (reset_username, temporary_password) = match reset {
        Some((username, password)) => (username, Some(password)),
        None => (String::new(), None),
    };
    let page = UsersPage {
        layout: Layout::with(Some(caller), query.done.as_deref(), error),
        prefix: query.prefix.clone(),
        users: users
            .iter()
            .map(|u| UserRow {
                id: u.id.to_string(),
                username: u.username.clone().unwrap_or_default(),
                display_name: u.display_name.clone(),
                is_admin: u.is_admin,
                suspended: u.suspended_at.is_some(),
                created_at: u.created_at,
            })
            .collect(),
        next_page,
        temporary_password,
        reset_username,
    };
    Ok(render(&page, error))
}

pub(crate) async fn users(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(query): ApiQuery<UsersQuery>,
) -> Result<Response, ApiError> {
    users_page(&state, &caller, &query, None, None).await
}

#[derive(Deserialize)]
pub(crate) struct ReasonForm {
    #[serde(default)]
    reason: String,
}

pub(crate) async fn user_action(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((id, action)): Path<(String, String)>,
    PageForm(form): PageForm<ReasonForm>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::UserNotFound)?;
    let accounts = state.accounts();
    let operator = Operator::Admin(&caller);
    let result = match action.as_str() {
        "suspend" => accounts.admin_suspend(operator, id, &form.reason).await.map(|()| "user_suspended"),
        "unsuspend" => accounts.admin_unsuspend(operator, id).await.map(|()| "user_unsuspended"),
        "reset-password" => {
            let outcome = async {
                let user = accounts.admin_get_user(operator, id).await?;
                let password = accounts.admin_reset_password(operator, id).await?;
                Ok::<_, Error>((user.username.unwrap_or_default(), password))
            };
            return match outcome.await {
                // The password is shown on this response only, never in a URL.
                Ok(reset) => users_page(&state, &caller, &UsersQuery::default(), None, Some(reset)).await,
                Err(error) => {
                    users_page(&state, &caller, &UsersQuery::default(), Some(&shown_on_form(error)?), None).await
                }
            };
        }
        _ => return Err(ApiError(Error::new(ErrorCode::RouteNotFound))),
    };
    match result {
        Ok(notice) => Ok(done("/admin", notice)),
        Err(error) => users_page(&state, &caller, &UsersQuery::default(), Some(&shown_on_form(error)?), None).await,
    }
}

struct RequestRow {
    id: String,
    org_handle: String,
    org_name: String,
    evidence: String,
    created_at: Timestamp,
}

#[derive(Template)]
#[template(path = "admin_verifications.html")]
struct VerificationsPage {
    layout: Layout,
    requests: Vec<RequestRow>,
}

async fn verifications_page(
    state: &AppState,
    caller: &Caller,
    done: Option<&str>,
    error: Option<&Error>,
) -> Result<Response, ApiError> {
    let requests = state.accounts().admin_verification_queue(Operator::Admin(caller), None, 100).await?;
    let page = VerificationsPage {
        layout: Layout::with(Some(caller), done, error),
        requests: requests
            .iter()
            .map(|v| RequestRow {
                id: v.id.to_string(),
                org_handle: v.org_handle.clone(),
                org_name: v.org_name.clone(),
                evidence: v.evidence.clone(),
                created_at: v.created_at,
            })
            .collect(),
    };
    Ok(render(&page, error))
}

pub(crate) async fn verifications(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(q): ApiQuery<Done>,
) -> Result<Response, ApiError> {
    verifications_page(&state, &caller, q.done.as_deref(), None).await
}

pub(crate) async fn decide(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((id, decision)): Path<(String, String)>,
    PageForm(form): PageForm<ReasonForm>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::VerificationNotFound)?;
    let approve = match decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(ApiError(Error::new(ErrorCode::RouteNotFound))),
    };
    match state.accounts().admin_decide_verification(Operator::Admin(&caller), id, approve, &form.reason).await {
        Ok(_) => {
            Ok(done("/admin/verifications", if approve { "verification_approved" } else { "verification_rejected" }))
        }
        Err(error) => verifications_page(&state, &caller, None, Some(&shown_on_form(error)?)).await,
    }
}

struct AuditRow {
    created_at: Timestamp,
    /// `None`: the operator's console (`carmine admin …`).
    admin: Option<String>,
    action: String,
    target_kind: String,
    target_id: String,
    details: String,
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    layout: Layout,
    entries: Vec<AuditRow>,
    next_page: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct AuditQuery {
    before: Option<String>,
}

pub(crate) async fn audit(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Response, ApiError> {
    let limit = clamp_limit(Some(ADMIN_PAGE_SIZE));
    let before = query.before.as_deref().and_then(|b| b.parse::<Id>().ok());
    let mut entries = state.accounts().admin_audit_log(Operator::Admin(&caller), before, limit + 1).await?;
    let next_page = (entries.len() > limit as usize).then(|| {
        entries.truncate(limit as usize);
        format!("/admin/audit?before={}", entries.last().map(|e| e.id.to_string()).unwrap_or_default())
    });
    let page = AuditPage {
        layout: Layout::new(Some(&caller)),
        entries: entries
            .iter()
            .map(|e| AuditRow {
                created_at: e.created_at,
                admin: e.admin_username.as_deref().map(|u| format!("@{u}")),
                action: e.action.clone(),
                target_kind: e.target_kind.clone(),
                target_id: e.target_id.to_string(),
                details: e.details.to_string(),
            })
            .collect(),
        next_page,
    };
    Ok(render(&page, None))
}

struct JobRow {
    id: String,
    kind: String,
    key: String,
    state: String,
    run_at: Timestamp,
    attempts: i64,
    max_attempts: i64,
    last_error: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_jobs.html")]
struct JobsPage {
    layout: Layout,
    consumers: Vec<crate::api::system::ConsumerView>,
    /// Job states to filter by (`""`: all); `jobs-state-<state>` in the catalogues.
    states: &'static [&'static str],
    state: String,
    counts: std::collections::HashMap<String, i64>,
    jobs: Vec<JobRow>,
}

#[derive(Deserialize)]
pub(crate) struct JobsQuery {
    #[serde(default)]
    state: String,
    done: Option<String>,
}

/// The data plane at a glance: consumers with their lag, and the jobs by state.
pub(crate) async fn jobs(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(query): ApiQuery<JobsQuery>,
) -> Result<Response, ApiError> {
    state.accounts().require_admin(&caller)?;
    let filter = Some(query.state.as_str()).filter(|s| !s.is_empty());
    let jobs = state.jobs().list(filter, clamp_limit(Some(ADMIN_PAGE_SIZE))).await?;
    let page = JobsPage {
        layout: Layout::with(Some(&caller), query.done.as_deref(), None),
        consumers: state.dataplane().status().await?.iter().map(crate::api::system::consumer_view).collect(),
        states: &["", "pending", "running", "failed", "done"],
        state: query.state.clone(),
        counts: state.jobs().counts().await?.into_iter().collect(),
        jobs: jobs
            .iter()
            .map(|j| JobRow {
                id: j.id.to_string(),
                kind: j.kind.clone(),
                key: j.key.clone(),
                state: j.state.clone(),
                run_at: j.run_at,
                attempts: j.attempts,
                max_attempts: j.max_attempts,
                last_error: j.last_error.clone(),
            })
            .collect(),
    };
    Ok(render(&page, None))
}

pub(crate) async fn retry_job(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    PageForm(_): PageForm<Done>,
) -> Result<Response, ApiError> {
    state.accounts().require_admin(&caller)?;
    state.jobs().retry(path_id(&id, ErrorCode::JobNotFound)?).await?;
    Ok(done("/admin/jobs?state=pending", "job_retried"))
}
