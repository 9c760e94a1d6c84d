//! Liveness, readiness and metrics.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use carmine_core::{Error, ErrorCode};
use carmine_events::ConsumerStatus;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::error::ApiError;
use crate::metrics::Gauge;
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
    /// Every log consumer, with its lag (none is stuck when ready).
    pub consumers: Vec<ConsumerView>,
}

#[derive(Serialize, ToSchema)]
pub struct ConsumerView {
    pub name: &'static str,
    /// `domain` or `behaviour`.
    pub log: &'static str,
    pub position: i64,
    pub head: i64,
    pub lag: i64,
    /// Batches failed in a row.
    pub failures: u32,
    pub last_error: Option<String>,
    /// Behind and not advancing, or failing: `/readyz` answers 503.
    pub stuck: bool,
    /// Further behind than the ready bound (1,000 entries by default): `/readyz`
    /// answers 503 while it replays.
    pub catching_up: bool,
}

pub(crate) fn consumer_view(status: &ConsumerStatus) -> ConsumerView {
    ConsumerView {
        name: status.name,
        log: status.log.name(),
        position: status.position,
        head: status.head,
        lag: status.lag,
        failures: status.failures,
        last_error: status.last_error.clone(),
        stuck: status.stuck,
        catching_up: status.catching_up,
    }
}

/// Ready for traffic: the database answers and every log consumer is near the head of
/// its log and not stuck.
#[utoipa::path(get, path = "/readyz", tag = "system", responses(
    (status = 200, body = Readiness),
    (status = 503, body = ErrorBody, description = "`unavailable`: the database does not answer, consumers are stuck (`details.stuck_consumers`) or catching up with their logs (`details.catching_up`); `details.consumers` lists every consumer with its lag")))]
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Readiness>, ApiError> {
    if !state.accounts().db().ping().await {
        return Err(Error::new(ErrorCode::Unavailable).with_message("the database does not answer").into());
    }
    let Ok(status) = state.dataplane().status().await else {
        return Err(Error::new(ErrorCode::Unavailable).with_message("the consumers' state cannot be read").into());
    };
    let consumers: Vec<ConsumerView> = status.iter().map(consumer_view).collect();
    let stuck: Vec<&str> = consumers.iter().filter(|c| c.stuck).map(|c| c.name).collect();
    if !stuck.is_empty() {
        return Err(Error::new(ErrorCode::Unavailable)
            .with_message("log consumers are stuck")
            .with_details(serde_json::json!({ "stuck_consumers": stuck, "consumers": consumers }))
            .into());
    }
    let behind: Vec<serde_json::Value> = consumers
        .iter()
        .filter(|c| c.catching_up)
        .map(|c| serde_json::json!({ "name": c.name, "lag": c.lag }))
        .collect();
    if !behind.is_empty() {
        return Err(Error::new(ErrorCode::Unavailable)
            .with_message("log consumers are catching up with their logs")
            .with_details(serde_json::json!({ "catching_up": behind, "consumers": consumers }))
            .into());
    }
    Ok(Json(Readiness { status: "ready", database: "ok", consumers }))
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(get, path = "/metrics", tag = "system", responses((status = 200, content_type = "text/plain", body = String)))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let backend = match state.accounts().db().backend() {
        carmine_store::Backend::Sqlite => 0.0,
        carmine_store::Backend::Postgres => 1.0,
    };
    let mut gauges = vec![
        Gauge::new("carmine_up", "1 while the process serves", 1.0),
        Gauge::new("carmine_database_is_postgres", "0 on SQLite, 1 on PostgreSQL", backend),
    ];
    if let Ok(consumers) = state.dataplane().status().await {
        for (name, help) in [
            ("carmine_consumer_lag", "log entries a consumer has not applied yet"),
            ("carmine_consumer_position", "the last log position a consumer applied"),
            ("carmine_consumer_stuck", "1 when a consumer is stuck"),
        ] {
            for c in &consumers {
                let value = match name {
                    "carmine_consumer_lag" => c.lag as f64,
                    "carmine_consumer_position" => c.position as f64,
                    _ => f64::from(u8::from(c.stuck)),
                };
                gauges.push(Gauge::new(name, help, value).with("consumer", c.name).with("log", c.log.name()));
            }
        }
    }
    if let Ok(counts) = state.jobs().counts().await {
        for (job_state, count) in counts {
            gauges.push(Gauge::new("carmine_jobs", "jobs by state", count as f64).with("state", job_state));
        }
    }
    let text = state.metrics().render(&gauges);
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}
