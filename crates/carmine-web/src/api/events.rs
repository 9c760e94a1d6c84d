//! Behaviour events (`POST /api/v1/events`) and the statistics built from them
//! (`GET /api/v1/notes/{id}/stats`).

use axum::Json;
use axum::extract::{Path, State};
use carmine_core::limits::BEHAVIOUR_BATCH_MAX;
use carmine_core::{Error, ErrorCode, Timestamp};
use carmine_events::statistics::NoteStatistics;
use carmine_events::{ClientEvent, EventOutcome};
use carmine_store::stats::{Bucket, Counters};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{AdToken, ApiJson, Member, RequestContext, path_id};
use crate::openapi::ErrorBody;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventInput {
    /// Unique per viewer (e.g. a random UUID); sending it again is harmless.
    #[schema(max_length = 64)]
    pub client_event_id: String,
    /// `impression`, `read`, `click` or `share`.
    pub kind: String,
    pub note_id: String,
    /// `home`, `following`, `note`, `profile`, `board`, `search`, `notifications` or `other`.
    pub surface: String,
    /// The card's place in the list, from 0.
    pub position: Option<i64>,
    /// Reads only (and required there): milliseconds on the note, at most one hour.
    pub dwell_ms: Option<i64>,
    /// When it happened (default: now); at most 5 minutes ahead and 24 hours back.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub occurred_at: Option<Timestamp>,
    /// On the search surface: the `search_id` of the results the card was on.
    pub search_id: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventBatch {
    #[schema(max_items = 100)]
    pub events: Vec<EventInput>,
}

/// Why one event was rejected (the same codes as whole-request errors).
#[derive(Serialize, ToSchema)]
pub struct EventError {
    pub code: &'static str,
    pub message: String,
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
}

/// What became of one event.
#[derive(Serialize, ToSchema)]
pub struct EventResult {
    pub client_event_id: String,
    /// `accepted`, `duplicate` or `rejected`.
    pub status: &'static str,
    pub error: Option<EventError>,
}

#[derive(Serialize, ToSchema)]
pub struct EventBatchResult {
    pub accepted: usize,
    pub duplicates: usize,
    pub rejected: usize,
    /// One per event, in the order sent.
    pub results: Vec<EventResult>,
}

/// Reports what the viewer saw and did: impressions, reads with dwell time, clicks,
/// shares. Up to 100 per batch; each event is accepted, a duplicate, or rejected with
/// its own error (a rejected event changes nothing and does not stop the others).
/// Signed-out visitors may send events too. Rate-limited per member and per IP.
#[utoipa::path(post, path = "/api/v1/events", tag = "events", request_body = EventBatch, responses(
    (status = 200, body = EventBatchResult), (status = 413, body = ErrorBody, description = "`batch_too_large`"),
    (status = 422, body = ErrorBody), (status = 429, body = ErrorBody, description = "`rate_limited`")),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn ingest(
    State(state): State<AppState>,
    context: RequestContext,
    headers: axum::http::HeaderMap,
    ad: AdToken,
    ApiJson(batch): ApiJson<EventBatch>,
) -> Result<Json<EventBatchResult>, ApiError> {
    if batch.events.len() > BEHAVIOUR_BATCH_MAX {
        return Err(Error::new(ErrorCode::BatchTooLarge)
            .with_details(serde_json::json!({ "max": BEHAVIOUR_BATCH_MAX, "got": batch.events.len() }))
            .into());
    }
    let now = state.accounts().db().now();
    let mut keys = vec![format!("ip:{}", context.client_ip)];
    if let Some(caller) = &context.caller {
        keys.push(format!("user:{}", caller.user_id));
    }
    for key in &keys {
        if let Err(seconds) = state.events_limiter().hit(key, now) {
            return Err(Error::new(ErrorCode::RateLimited)
                .with_details(serde_json::json!({ "retry_after_seconds": seconds }))
                .into());
        }
    }
    // Reading, opening or sharing the note a sponsored card brought the viewer to is
    // paid engagement; an impression of it in another list is not.
    let brought = ad.brought(&state, &crate::api::ads::events::viewer_key(&context, &headers)).await;
    let events: Vec<ClientEvent> = batch
        .events
        .into_iter()
        .map(|e| ClientEvent {
            ad_id: brought
                .filter(|(_, note)| e.kind != "impression" && note.to_string() == e.note_id)
                .map(|(ad, _)| ad),
            client_event_id: e.client_event_id,
            kind: e.kind,
            note_id: e.note_id,
            surface: e.surface,
            position: e.position,
            dwell_ms: e.dwell_ms,
            occurred_at: e.occurred_at,
            search_id: e.search_id,
        })
        .collect();
    let outcomes = state.ingest().ingest(context.caller.as_ref(), &events).await?;
    let mut result = EventBatchResult { accepted: 0, duplicates: 0, rejected: 0, results: Vec::new() };
    for (event, outcome) in events.into_iter().zip(outcomes) {
        let (status, error) = match outcome {
            EventOutcome::Accepted => {
                result.accepted += 1;
                ("accepted", None)
            }
            EventOutcome::Duplicate => {
                result.duplicates += 1;
                ("duplicate", None)
            }
            EventOutcome::Rejected(e) => {
                result.rejected += 1;
                ("rejected", Some(EventError { code: e.code.as_str(), message: e.message, details: e.details }))
            }
        };
        result.results.push(EventResult { client_event_id: event.client_event_id, status, error });
    }
    Ok(Json(result))
}

#[derive(Serialize, ToSchema)]
pub struct CountersView {
    pub impressions: i64,
    pub reads: i64,
    /// Average read time in milliseconds (0 without reads).
    pub avg_read_ms: i64,
    pub clicks: i64,
    pub share_clicks: i64,
    pub likes: i64,
    pub saves: i64,
    pub comments: i64,
    pub shares: i64,
    /// Follows gained from this note.
    pub follows: i64,
    /// Community engagement score: likes + saves + 4×comments + 4×shares + 8×follows (configurable weights).
    pub ces: i64,
}

#[derive(Serialize, ToSchema)]
pub struct BucketView {
    #[schema(value_type = String, format = DateTime)]
    pub start: Timestamp,
    #[serde(flatten)]
    pub counters: CountersView,
}

#[derive(Serialize, ToSchema)]
pub struct NoteStatsView {
    pub note_id: String,
    pub totals: CountersView,
    /// The last 48 hours with activity, oldest first.
    pub hourly: Vec<BucketView>,
    /// Days older than the hourly window, oldest first (last 90 days).
    pub daily: Vec<BucketView>,
}

pub(crate) fn counters_view(state: &AppState, c: &Counters) -> CountersView {
    CountersView {
        impressions: c.impressions,
        reads: c.reads,
        avg_read_ms: if c.reads > 0 { c.read_ms / c.reads } else { 0 },
        clicks: c.clicks,
        share_clicks: c.share_clicks,
        likes: c.likes,
        saves: c.saves,
        comments: c.comments,
        shares: c.shares,
        follows: c.follows,
        ces: state.statistics().weights.score(c),
    }
}

fn buckets(state: &AppState, buckets: &[Bucket]) -> Vec<BucketView> {
    buckets.iter().map(|b| BucketView { start: b.start, counters: counters_view(state, &b.counters) }).collect()
}

pub(crate) fn stats_view(state: &AppState, stats: &NoteStatistics) -> NoteStatsView {
    NoteStatsView {
        note_id: stats.note_id.to_string(),
        totals: counters_view(state, &stats.totals),
        hourly: buckets(state, &stats.hourly),
        daily: buckets(state, &stats.daily),
    }
}

/// A note's statistics: for its author, staff who write for its organization, and
/// the organization's analysts. Exact once the data plane has caught up.
#[utoipa::path(get, path = "/api/v1/notes/{id}/stats", tag = "events", params(("id" = String, Path)), responses(
    (status = 200, body = NoteStatsView), (status = 403, body = ErrorBody, description = "`forbidden`: not your note"),
    (status = 404, body = ErrorBody, description = "`note_not_found`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn note_stats(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Json<NoteStatsView>, ApiError> {
    let id = path_id(&id, ErrorCode::NoteNotFound)?;
    let stats = state.statistics().for_note(&caller, id).await?;
    Ok(Json(stats_view(&state, &stats)))
}
