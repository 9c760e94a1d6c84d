//! Personal API tokens.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use carmine_core::ErrorCode;
use serde::Deserialize;
use utoipa::ToSchema;

use super::views::{Items, NewTokenView, TokenView};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, Member, path_id};
use crate::openapi::ErrorBody;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTokenRequest {
    /// What the token is for, 1 to 64 characters.
    #[schema(min_length = 1, max_length = 64)]
    pub name: String,
}

/// Creates a token; its secret is in this response and nowhere else, ever.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = CreateTokenRequest, responses(
    (status = 201, body = NewTokenView), (status = 422, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn create_token(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiJson(body): ApiJson<CreateTokenRequest>,
) -> Result<(StatusCode, Json<NewTokenView>), ApiError> {
    let created = state.accounts().create_token(&caller, &body.name).await?;
    Ok((
        StatusCode::CREATED,
        Json(NewTokenView { token: TokenView::from(&created.record), token_secret: created.secret }),
    ))
}

/// The caller's live tokens (without secrets).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", responses((status = 200, body = Items<TokenView>)),
    security(("session" = []), ("bearer" = [])))]
pub async fn list_tokens(
    State(state): State<AppState>,
    Member(caller): Member,
) -> Result<Json<Items<TokenView>>, ApiError> {
    let tokens = state.accounts().list_tokens(&caller).await?;
    Ok(Json(Items { items: tokens.iter().map(TokenView::from).collect() }))
}

/// Revokes one of the caller's tokens; it stops working at once.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens", params(("id" = String, Path)), responses(
    (status = 204), (status = 404, body = ErrorBody, description = "`token_not_found`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn revoke_token(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id, ErrorCode::TokenNotFound)?;
    state.accounts().revoke_token(&caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
