//! Events on served ads: the page reports a viewable impression (`POST
//! /api/v1/ads/events`), and a click goes through `/ads/click/{token}` (its page
//! handler is in `pages/ads`). Both are recorded by `carmine_ads::events`, billed or
//! refused with a reason; signed-out visitors are known by their `carmine_vid` cookie.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use carmine_ads::events::{EventInput, EventKind, Recorded};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::money;
use crate::api::money::MoneyView;
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{CheckLater, RequestContext};
use crate::openapi::ErrorBody;

/// Who an event comes from: `m{member id}`, or `v{visitor key}` (`v` alone without one).
pub(crate) fn viewer_key(context: &RequestContext, headers: &HeaderMap) -> String {
    match &context.caller {
        Some(caller) => format!("m{}", caller.user_id),
        None => format!("v{}", crate::cookies::visitor(headers).unwrap_or_default()),
    }
}

/// Records an event from a request: its viewer, member and user agent.
pub(crate) async fn record(
    state: &AppState,
    context: &RequestContext,
    headers: &HeaderMap,
    token: &str,
    kind: EventKind,
) -> carmine_core::Result<Recorded> {
    let viewer = viewer_key(context, headers);
    let user_agent = headers.get(axum::http::header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let input =
        EventInput { token, kind, member: context.caller.as_ref().map(|c| c.user_id), viewer: &viewer, user_agent };
    state.ads().record_event(&input).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdEventRequest {
    /// The token the sponsored card was served with.
    #[schema(max_length = 300)]
    pub token: String,
    /// `viewable`: at least half the card was on screen for a second. (Clicks go
    /// through `/ads/click/{token}`.)
    #[schema(pattern = "^(viewable|click)$")]
    pub kind: String,
}

#[derive(Serialize, ToSchema)]
pub struct AdEventView {
    pub billed: bool,
    pub cost: MoneyView,
    /// Why it was not billed: `viewer_mismatch`, `bot`, `suspended`, `own_staff`,
    /// `rate_limited`, `double_click`, `daily_budget`, `total_budget`, `balance`.
    pub reason: Option<String>,
}

/// Reports an event on a served ad (the page reports viewable impressions).
#[utoipa::path(post, path = "/api/v1/ads/events", tag = "ads", request_body = AdEventRequest,
    responses((status = 200, body = AdEventView),
        (status = 409, body = ErrorBody, description = "`ad_event_replayed`: this token was used for this already"),
        (status = 422, body = ErrorBody, description = "`ad_token_invalid`, `ad_token_expired`, `invalid_field`")))]
pub async fn record_ad_event(
    State(state): State<AppState>,
    context: RequestContext,
    headers: HeaderMap,
    body: CheckLater<AdEventRequest>,
) -> Result<Json<AdEventView>, ApiError> {
    let body = body.parse()?;
    let kind = EventKind::parse(&body.kind)?;
    let recorded = record(&state, &context, &headers, &body.token, kind).await?;
    Ok(Json(AdEventView {
        billed: recorded.cost_millis > 0,
        cost: money(&state, recorded.cost_millis / 1_000),
        reason: recorded.reason.map(str::to_owned),
    }))
}
