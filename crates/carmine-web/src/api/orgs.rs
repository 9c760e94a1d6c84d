//! Organizations: create, profile, members and roles, invitations, verification.
//! `{org}` in paths is the organization's handle.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use carmine_accounts::orgs::{NewOrgInput, OrgAction, OrgRole};
use carmine_core::ErrorCode;
use serde::Deserialize;
use utoipa::ToSchema;

use super::views::{InvitationView, Items, MemberView, OrgKindName, OrgView, RoleName, VerificationView};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, CheckLater, Member, RequestContext, path_id};
use crate::openapi::ErrorBody;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrgRequest {
    /// `[a-z0-9_]{3,24}`, shared with usernames.
    #[schema(min_length = 3, max_length = 24, pattern = "^[A-Za-z0-9_]+$")]
    pub handle: String,
    #[schema(min_length = 1, max_length = 80)]
    pub name: String,
    #[schema(value_type = OrgKindName)]
    pub kind: String,

    #[schema(max_length = 1000)]
    pub description: Option<String>,
}

/// Creates an organization; the caller becomes its owner.
#[utoipa::path(post, path = "/api/v1/orgs", tag = "orgs", request_body = CreateOrgRequest, responses(
    (status = 201, body = OrgView), (status = 409, body = ErrorBody, description = "`handle_taken`"), (status = 422, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn create_org(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiJson(body): ApiJson<CreateOrgRequest>,
) -> Result<(StatusCode, Json<OrgView>), ApiError> {
    let input = NewOrgInput {
        handle: &body.handle,
        name: &body.name,
        kind: &body.kind,
        description: body.description.as_deref(),
    };
    let org = state.accounts().create_org(&caller, &input).await?;
    Ok((StatusCode::CREATED, Json(OrgView::new(&org, Some("owner")))))
}

/// The organizations the caller belongs to, with their role.
#[utoipa::path(get, path = "/api/v1/orgs", tag = "orgs", responses((status = 200, body = Items<OrgView>)),
    security(("session" = []), ("bearer" = [])))]
pub async fn list_my_orgs(
    State(state): State<AppState>,
    Member(caller): Member,
) -> Result<Json<Items<OrgView>>, ApiError> {
    let orgs = state.accounts().my_orgs(&caller).await?;
    Ok(Json(Items { items: orgs.iter().map(|(org, role)| OrgView::new(org, Some(role.as_str()))).collect() }))
}

/// An organization's public profile (anyone); `my_role` is set for its members.
#[utoipa::path(get, path = "/api/v1/orgs/{org}", tag = "orgs", params(("org" = String, Path, description = "handle")), responses(
    (status = 200, body = OrgView), (status = 404, body = ErrorBody, description = "`org_not_found`")))]
pub async fn get_org(
    State(state): State<AppState>,
    context: RequestContext,
    Path(org): Path<String>,
) -> Result<Json<OrgView>, ApiError> {
    let record = state.accounts().org_public(&org).await?;
    let role = match &context.caller {
        Some(caller) => state
            .accounts()
            .authorize_org(caller, &org, carmine_accounts::orgs::OrgAction::ViewMembers)
            .await
            .ok()
            .map(|access| access.role.as_str()),
        None => None,
    };
    Ok(Json(OrgView::new(&record, role)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrgRequest {
    #[schema(min_length = 1, max_length = 80)]
    pub name: Option<String>,

    #[schema(max_length = 1000)]
    pub description: Option<String>,
}

/// Edits the profile (owner, admin).
#[utoipa::path(patch, path = "/api/v1/orgs/{org}", tag = "orgs", params(("org" = String, Path)), request_body = UpdateOrgRequest, responses(
    (status = 200, body = OrgView), (status = 403, body = ErrorBody, description = "`role_too_low`"),
    (status = 404, body = ErrorBody, description = "`org_not_found` (also for non-members)")),
    security(("session" = []), ("bearer" = [])))]
pub async fn update_org(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(org): Path<String>,
    body: CheckLater<UpdateOrgRequest>,
) -> Result<Json<OrgView>, ApiError> {
    state.accounts().authorize_org(&caller, &org, OrgAction::EditProfile).await?;
    let body = body.parse()?;
    let updated = state.accounts().update_org(&caller, &org, body.name.as_deref(), body.description.as_deref()).await?;
    let role = state.accounts().authorize_org(&caller, &org, OrgAction::ViewMembers).await?.role;
    Ok(Json(OrgView::new(&updated, Some(role.as_str()))))
}

/// Members and their roles (members only).
#[utoipa::path(get, path = "/api/v1/orgs/{org}/members", tag = "orgs", params(("org" = String, Path)), responses(
    (status = 200, body = Items<MemberView>), (status = 404, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn list_members(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(org): Path<String>,
) -> Result<Json<Items<MemberView>>, ApiError> {
    let (_, members) = state.accounts().org_members(&caller, &org).await?;
    Ok(Json(Items { items: members.iter().map(MemberView::from).collect() }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetRoleRequest {
    #[schema(value_type = RoleName)]
    pub role: String,
}

/// Changes a member's role (see the role matrix).
#[utoipa::path(patch, path = "/api/v1/orgs/{org}/members/{user_id}", tag = "orgs",
    params(("org" = String, Path), ("user_id" = String, Path)), request_body = SetRoleRequest, responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "`last_owner`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn set_member_role(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((org, user_id)): Path<(String, String)>,
    body: CheckLater<SetRoleRequest>,
) -> Result<StatusCode, ApiError> {
    let user_id = path_id(&user_id, ErrorCode::MemberNotFound)?;
    // Who may manage anyone at all, before the body says whom and to what.
    state.accounts().authorize_org(&caller, &org, OrgAction::ManageMember(OrgRole::Staff)).await?;
    let body = body.parse()?;
    state.accounts().set_member_role(&caller, &org, user_id, &body.role).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a member, or leaves when it is the caller.
#[utoipa::path(delete, path = "/api/v1/orgs/{org}/members/{user_id}", tag = "orgs",
    params(("org" = String, Path), ("user_id" = String, Path)), responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "`last_owner`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn remove_member(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((org, user_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let user_id = path_id(&user_id, ErrorCode::MemberNotFound)?;
    state.accounts().remove_member(&caller, &org, user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    #[schema(min_length = 3, max_length = 24, pattern = "^[A-Za-z0-9_]+$")]
    pub username: String,
    #[schema(value_type = RoleName)]
    pub role: String,
}

/// Invites a member by username (valid for 14 days).
#[utoipa::path(post, path = "/api/v1/orgs/{org}/invitations", tag = "orgs", params(("org" = String, Path)), request_body = InviteRequest, responses(
    (status = 201, body = InvitationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    (status = 409, body = ErrorBody, description = "`already_member`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn invite(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(org): Path<String>,
    body: CheckLater<InviteRequest>,
) -> Result<(StatusCode, Json<InvitationView>), ApiError> {
    state.accounts().authorize_org(&caller, &org, OrgAction::ManageMember(OrgRole::Staff)).await?;
    let body = body.parse()?;
    let invitation = state.accounts().invite(&caller, &org, &body.username, &body.role).await?;
    Ok((StatusCode::CREATED, Json(InvitationView::from(&invitation))))
}

/// Pending invitations of the organization (members only).
#[utoipa::path(get, path = "/api/v1/orgs/{org}/invitations", tag = "orgs", params(("org" = String, Path)), responses(
    (status = 200, body = Items<InvitationView>), (status = 404, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn list_invitations(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(org): Path<String>,
) -> Result<Json<Items<InvitationView>>, ApiError> {
    let invitations = state.accounts().org_invitations(&caller, &org).await?;
    Ok(Json(Items { items: invitations.iter().map(InvitationView::from).collect() }))
}

/// Withdraws a pending invitation.
#[utoipa::path(delete, path = "/api/v1/orgs/{org}/invitations/{id}", tag = "orgs", params(("org" = String, Path), ("id" = String, Path)), responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "`invitation_not_pending`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn revoke_invitation(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((org, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id, ErrorCode::InvitationNotFound)?;
    state.accounts().revoke_invitation(&caller, &org, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerificationRequestBody {
    /// What proves the organization is who it says (licence number, website, contact).
    #[schema(min_length = 1, max_length = 4000)]
    pub evidence: String,
}

/// Asks the platform to verify the organization (owner, admin).
#[utoipa::path(post, path = "/api/v1/orgs/{org}/verification", tag = "orgs", params(("org" = String, Path)), request_body = VerificationRequestBody, responses(
    (status = 201, body = VerificationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    (status = 409, body = ErrorBody, description = "`verification_pending`, `already_verified`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn request_verification(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(org): Path<String>,
    body: CheckLater<VerificationRequestBody>,
) -> Result<(StatusCode, Json<VerificationView>), ApiError> {
    state.accounts().authorize_org(&caller, &org, OrgAction::RequestVerification).await?;
    let body = body.parse()?;
    let request = state.accounts().request_verification(&caller, &org, &body.evidence).await?;
    Ok((StatusCode::CREATED, Json(VerificationView::from(&request))))
}

/// The organization's verification requests, newest first (members only).
#[utoipa::path(get, path = "/api/v1/orgs/{org}/verification", tag = "orgs", params(("org" = String, Path)), responses(
    (status = 200, body = Items<VerificationView>), (status = 404, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn list_verifications(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(org): Path<String>,
) -> Result<Json<Items<VerificationView>>, ApiError> {
    let requests = state.accounts().org_verifications(&caller, &org).await?;
    Ok(Json(Items { items: requests.iter().map(VerificationView::from).collect() }))
}
