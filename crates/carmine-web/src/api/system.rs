//! Liveness, readiness and metrics.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use carmine_core::{Error, ErrorCode};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::error::ApiError;
use crate::openapi::ErrorBody;

#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "system", responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

#[derive(Serialize, ToSchema)]
pub struct Readiness {
    pub status: &'static str,
    pub database: &'static str,
}

/// Ready for traffic: the database answers.
#[utoipa::path(get, path = "/readyz", tag = "system", responses(
    (status = 200, body = Readiness), (status = 503, body = ErrorBody, description = "`unavailable`")))]
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Readiness>, ApiError> {
    if state.accounts().db().ping().await {
        Ok(Json(Readiness { status: "ready", database: "ok" }))
    } else {
        Err(Error::new(ErrorCode::Unavailable).with_message("the database does not answer").into())
    }
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(get, path = "/metrics", tag = "system", responses((status = 200, content_type = "text/plain", body = String)))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let backend = match state.accounts().db().backend() {
        carmine_store::Backend::Sqlite => 0.0,
        carmine_store::Backend::Postgres => 1.0,
    };
    let text = state.metrics().render(&[
        ("carmine_up", "1 while the process serves", 1.0),
        ("carmine_database_is_postgres", "0 on SQLite, 1 on PostgreSQL", backend),
    ]);
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}
