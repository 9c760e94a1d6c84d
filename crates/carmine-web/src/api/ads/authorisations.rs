//! Creators' authorisations: a note's member author lets an organization advertise
//! the note, and revokes it (its ads stop serving at once); an organization lists
//! the notes it may advertise.

use axum::Json;
use axum::extract::{Path, State};
use carmine_core::{ErrorCode, Timestamp};
use carmine_store::ads::AuthorisationRecord;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{AdNoteView, ad_note_view};
use crate::api::views::Items;
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiQuery, CheckLater, Member, path_id};
use crate::openapi::ErrorBody;

#[derive(Serialize, ToSchema)]
pub struct AuthorisationView {
    /// The organization's handle and name.
    pub org: String,
    pub org_name: String,
    #[schema(value_type = String, format = DateTime)]
    pub granted_at: Timestamp,
}

fn views(list: &[AuthorisationRecord]) -> Items<AuthorisationView> {
    Items {
        items: list
            .iter()
            .map(|a| AuthorisationView {
                org: a.org_handle.clone(),
                org_name: a.org_name.clone(),
                granted_at: a.granted_at,
            })
            .collect(),
    }
}

/// The organizations the note's author has authorised to advertise it (its author only).
#[utoipa::path(get, path = "/api/v1/notes/{id}/ad-authorisations", tag = "ads", params(("id" = String, Path)),
    responses((status = 200, body = Items<AuthorisationView>), (status = 403, body = ErrorBody, description = "`forbidden`: not your note"),
        (status = 404, body = ErrorBody, description = "`note_not_found`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn list_ad_authorisations(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Json<Items<AuthorisationView>>, ApiError> {
    let id = path_id(&id, ErrorCode::NoteNotFound)?;
    let (_, list) = state.ads().authorisations(&caller, id).await?;
    Ok(Json(views(&list)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorisationRequest {
    /// The organization's handle.
    #[schema(max_length = 30)]
    pub org: String,
}

/// Authorises an organization to advertise the caller's published note.
#[utoipa::path(post, path = "/api/v1/notes/{id}/ad-authorisations", tag = "ads", params(("id" = String, Path)),
    request_body = AuthorisationRequest,
    responses((status = 200, body = Items<AuthorisationView>), (status = 403, body = ErrorBody, description = "`forbidden`: not your note"),
        (status = 404, body = ErrorBody, description = "`note_not_found`, `org_not_found`"),
        (status = 409, body = ErrorBody, description = "`note_not_published`, `ads_limit_reached`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn grant_ad_authorisation(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    body: CheckLater<AuthorisationRequest>,
) -> Result<Json<Items<AuthorisationView>>, ApiError> {
    let id = path_id(&id, ErrorCode::NoteNotFound)?;
    state.ads().authorisations(&caller, id).await?;
    let body = body.parse()?;
    Ok(Json(views(&state.ads().authorise(&caller, id, &body.org).await?)))
}

/// Revokes an organization's authorisation: its ads of the note stop at once.
#[utoipa::path(delete, path = "/api/v1/notes/{id}/ad-authorisations/{org}", tag = "ads",
    params(("id" = String, Path), ("org" = String, Path)),
    responses((status = 200, body = Items<AuthorisationView>), (status = 403, body = ErrorBody, description = "`forbidden`: not your note"),
        (status = 404, body = ErrorBody, description = "`note_not_found`, `org_not_found`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn revoke_ad_authorisation(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((id, org)): Path<(String, String)>,
) -> Result<Json<Items<AuthorisationView>>, ApiError> {
    let id = path_id(&id, ErrorCode::NoteNotFound)?;
    Ok(Json(views(&state.ads().revoke(&caller, id, &org).await?)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuthorisedQuery {
    /// The organization's handle.
    pub org: String,
}

/// Notes creators have authorised the organization to advertise (any member of it).
#[utoipa::path(get, path = "/api/v1/ads/authorised-notes", tag = "ads", params(AuthorisedQuery),
    responses((status = 200, body = Items<AdNoteView>), (status = 404, body = ErrorBody, description = "`org_not_found`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn authorised_notes(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(q): ApiQuery<AuthorisedQuery>,
) -> Result<Json<Items<AdNoteView>>, ApiError> {
    let notes = state.ads().authorised_notes(&caller, &q.org, 100).await?;
    Ok(Json(Items { items: notes.iter().map(ad_note_view).collect() }))
}
