//! The caller's own account: profile, password, export, erasure, invitations.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use carmine_accounts::members::{DemographicsInput, ProfileChange};
use carmine_core::ErrorCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::views::{GenderName, InvitationView, Items, MeView, SessionView, UserView};
use crate::app::AppState;
use crate::cookies;
use crate::error::ApiError;
use crate::extract::{ApiJson, Member, path_id};
use crate::openapi::ErrorBody;

/// The caller.
#[utoipa::path(get, path = "/api/v1/me", tag = "me", responses(
    (status = 200, body = MeView), (status = 401, body = ErrorBody, description = "`unauthenticated`, `session_expired`, `invalid_token`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn get_me(State(state): State<AppState>, Member(caller): Member) -> Result<Json<MeView>, ApiError> {
    let profile = state.accounts().profile(&caller).await?;
    Ok(Json(MeView {
        user: UserView::from(&profile),
        csrf_token: caller.csrf_token().map(crate::middleware::mask_csrf),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DemographicsBody {
    /// Demographics are stored only with consent; `false` deletes them.
    pub consent: bool,
    pub birth_year: Option<i64>,
    #[schema(value_type = Option<GenderName>)]
    pub gender: Option<String>,
    pub city: Option<String>,
}

/// Fields to change; absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMeRequest {
    #[schema(max_length = 40)]
    pub display_name: Option<String>,

    #[schema(max_length = 500)]
    pub bio: Option<String>,
    /// An https URL or a path on this site; `""` removes the avatar.

    #[schema(max_length = 512)]
    pub avatar_url: Option<String>,
    pub demographics: Option<DemographicsBody>,
}

/// Edits the caller's profile.
#[utoipa::path(patch, path = "/api/v1/me", tag = "me", request_body = UpdateMeRequest, responses(
    (status = 200, body = UserView), (status = 422, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn update_me(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiJson(body): ApiJson<UpdateMeRequest>,
) -> Result<Json<UserView>, ApiError> {
    let change = ProfileChange {
        display_name: body.display_name,
        bio: body.bio,
        avatar_url: body.avatar_url,
        demographics: body.demographics.map(|d| DemographicsInput {
            consent: d.consent,
            birth_year: d.birth_year,
            gender: d.gender,
            city: d.city,
        }),
    };
    let updated = state.accounts().update_profile(&caller, &change).await?;
    Ok(Json(UserView::from(&updated)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    #[schema(min_length = 1, max_length = 128)]
    pub current_password: String,
    #[schema(min_length = 8, max_length = 128)]
    pub new_password: String,
}

#[derive(Serialize, ToSchema)]
pub struct PasswordChanged {
    /// How many other sessions were logged out.
    pub sessions_ended: u64,
}

/// Changes the password; every other session of the member is logged out.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "me", request_body = ChangePasswordRequest, responses(
    (status = 200, body = PasswordChanged), (status = 422, body = ErrorBody, description = "`wrong_password`, `weak_password`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn change_password(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiJson(body): ApiJson<ChangePasswordRequest>,
) -> Result<Json<PasswordChanged>, ApiError> {
    let sessions_ended = state.accounts().change_password(&caller, &body.current_password, &body.new_password).await?;
    Ok(Json(PasswordChanged { sessions_ended }))
}

/// Everything Carmine holds about the caller, as a JSON download.
#[utoipa::path(get, path = "/api/v1/me/export", tag = "me", responses(
    (status = 200, body = Object, description = "The export document (`format`, `version`, `profile`, …)")),
    security(("session" = []), ("bearer" = [])))]
pub async fn export(State(state): State<AppState>, Member(caller): Member) -> Result<Response, ApiError> {
    let document = state.accounts().export_data(&caller).await?;
    let disposition = format!("attachment; filename=\"carmine-{}.json\"", caller.username);
    Ok(([(header::CONTENT_DISPOSITION, disposition)], Json(document)).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteMeRequest {
    /// The current password, to confirm.

    #[schema(min_length = 1, max_length = 128)]
    pub password: String,
}

/// Erases the caller's account (personal data purged; the id stays as a tombstone).
#[utoipa::path(delete, path = "/api/v1/me", tag = "me", request_body = DeleteMeRequest, responses(
    (status = 204, description = "Erased and logged out"),
    (status = 422, body = ErrorBody, description = "`wrong_password`, `sole_owner_must_hand_over`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn delete_me(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiJson(body): ApiJson<DeleteMeRequest>,
) -> Result<Response, ApiError> {
    state.services().erase_account(&caller, &body.password).await?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookies::clear_session(state.web_config()))]).into_response())
}

/// Pending invitations addressed to the caller.
#[utoipa::path(get, path = "/api/v1/me/invitations", tag = "me", responses((status = 200, body = Items<InvitationView>)),
    security(("session" = []), ("bearer" = [])))]
pub async fn my_invitations(
    State(state): State<AppState>,
    Member(caller): Member,
) -> Result<Json<Items<InvitationView>>, ApiError> {
    let invitations = state.accounts().my_invitations(&caller).await?;
    Ok(Json(Items { items: invitations.iter().map(InvitationView::from).collect() }))
}

/// Accepts an invitation: the caller joins the organization with the offered role.
#[utoipa::path(post, path = "/api/v1/invitations/{id}/accept", tag = "me", params(("id" = String, Path)), responses(
    (status = 200, body = InvitationView), (status = 404, body = ErrorBody, description = "`invitation_not_found`"),
    (status = 409, body = ErrorBody, description = "`invitation_not_pending`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn accept_invitation(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Json<InvitationView>, ApiError> {
    let id = path_id(&id, ErrorCode::InvitationNotFound)?;
    let invitation = state.accounts().answer_invitation(&caller, id, true).await?;
    Ok(Json(InvitationView::from(&invitation)))
}

/// Declines an invitation.
#[utoipa::path(post, path = "/api/v1/invitations/{id}/decline", tag = "me", params(("id" = String, Path)), responses(
    (status = 200, body = InvitationView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "`invitation_not_pending`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn decline_invitation(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Json<InvitationView>, ApiError> {
    let id = path_id(&id, ErrorCode::InvitationNotFound)?;
    let invitation = state.accounts().answer_invitation(&caller, id, false).await?;
    Ok(Json(InvitationView::from(&invitation)))
}

/// Where the caller is logged in.
#[utoipa::path(get, path = "/api/v1/me/sessions", tag = "me", responses((status = 200, body = Items<SessionView>)),
    security(("session" = []), ("bearer" = [])))]
pub async fn list_sessions(
    State(state): State<AppState>,
    Member(caller): Member,
) -> Result<Json<Items<SessionView>>, ApiError> {
    let sessions = state.accounts().list_sessions(&caller).await?;
    Ok(Json(Items { items: sessions.iter().map(|s| SessionView::new(s, caller.session_id())).collect() }))
}

/// Logs out one of the caller's sessions (e.g. a lost phone).
#[utoipa::path(delete, path = "/api/v1/me/sessions/{id}", tag = "me", params(("id" = String, Path)), responses(
    (status = 204), (status = 404, body = ErrorBody, description = "`session_not_found`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn end_session(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id, ErrorCode::SessionNotFound)?;
    state.accounts().end_session(&caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
