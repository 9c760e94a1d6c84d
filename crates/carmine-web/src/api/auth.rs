//! Sign-up, log-in and log-out over JSON. Each sets or clears the session cookie.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use carmine_accounts::session::{Authenticated, ClientInfo, SignupInput};
use carmine_core::{Error, ErrorCode};
use serde::Deserialize;
use utoipa::ToSchema;

use super::views::{MeView, UserView};
use crate::app::AppState;
use crate::cookies;
use crate::error::ApiError;
use crate::extract::{ApiJson, Member, RequestContext};
use crate::openapi::ErrorBody;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignupRequest {
    /// `[a-z0-9_]{3,24}`, case-insensitive.
    #[schema(min_length = 3, max_length = 24, pattern = "^[A-Za-z0-9_]+$")]
    pub username: String,
    /// 8 to 128 characters.
    #[schema(min_length = 8, max_length = 128)]
    pub password: String,
    #[schema(max_length = 40)]
    pub display_name: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(min_length = 1, max_length = 24)]
    pub username: String,
    #[schema(min_length = 1, max_length = 128)]
    pub password: String,
}

pub(crate) fn client_info(context: &RequestContext, headers: &axum::http::HeaderMap) -> ClientInfo {
    ClientInfo {
        ip: context.client_ip.to_string(),
        user_agent: headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned(),
    }
}

/// The response of sign-up and log-in: the caller's profile, and the session cookie.
pub(crate) async fn session_response(
    state: &AppState,
    status: StatusCode,
    authenticated: Authenticated,
) -> Result<Response, ApiError> {
    let cookie = cookies::set_session(
        state.web_config(),
        &authenticated.session_token,
        state.accounts().config().session_absolute_seconds,
    );
    let profile = state.accounts().profile(&authenticated.caller).await?;
    let body = MeView {
        user: UserView::from(&profile),
        csrf_token: authenticated.caller.csrf_token().map(crate::middleware::mask_csrf),
    };
    Ok((status, [(header::SET_COOKIE, cookie)], Json(body)).into_response())
}

pub(crate) fn check_signup_quota(state: &AppState, context: &RequestContext) -> Result<(), ApiError> {
    state.signup_limiter().hit(&context.client_ip.to_string(), state.accounts().db().now()).map_err(|seconds| {
        ApiError(Error::new(ErrorCode::RateLimited).with_details(serde_json::json!({ "retry_after_seconds": seconds })))
    })
}

/// Creates a member and logs them in.
#[utoipa::path(post, path = "/api/v1/auth/signup", tag = "auth", request_body = SignupRequest, responses(
    (status = 201, body = MeView, description = "Created; the session cookie is set"),
    (status = 409, body = ErrorBody, description = "`username_taken`"),
    (status = 422, body = ErrorBody, description = "`invalid_field`, `weak_password`, `unknown_field`, `missing_field`"),
    (status = 429, body = ErrorBody, description = "`rate_limited`")))]
pub async fn signup(
    State(state): State<AppState>,
    context: RequestContext,
    headers: axum::http::HeaderMap,
    ApiJson(body): ApiJson<SignupRequest>,
) -> Result<Response, ApiError> {
    check_signup_quota(&state, &context)?;
    let input =
        SignupInput { username: &body.username, password: &body.password, display_name: body.display_name.as_deref() };
    let authenticated = state.accounts().signup(&input, &client_info(&context, &headers)).await?;
    session_response(&state, StatusCode::CREATED, authenticated).await
}

/// Logs in with username and password; a new session replaces any the browser had.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest, responses(
    (status = 200, body = MeView, description = "Logged in; the session cookie is set"),
    (status = 401, body = ErrorBody, description = "`invalid_credentials`"),
    (status = 403, body = ErrorBody, description = "`account_suspended`"),
    (status = 429, body = ErrorBody, description = "`login_throttled`, with `Retry-After`")))]
pub async fn login(
    State(state): State<AppState>,
    context: RequestContext,
    headers: axum::http::HeaderMap,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let previous = cookies::read(&headers, state.web_config().session_cookie_name());
    let authenticated = state
        .accounts()
        .login(&body.username, &body.password, &client_info(&context, &headers), previous.as_deref())
        .await?;
    session_response(&state, StatusCode::OK, authenticated).await
}

/// Ends the current session and clears the cookie.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses(
    (status = 204, description = "Logged out"), (status = 401, body = ErrorBody)),
    security(("session" = [])))]
pub async fn logout(State(state): State<AppState>, Member(caller): Member) -> Result<Response, ApiError> {
    state.accounts().logout(&caller).await?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookies::clear_session(state.web_config()))]).into_response())
}
