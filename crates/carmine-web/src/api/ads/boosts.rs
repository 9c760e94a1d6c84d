//! Boosts (`/api/v1/boosts`, ADR 0032): a member boosts one of their own notes from
//! their coins, follows it through review and delivery, stops it, and reads its
//! results. Creating one moves coins: it takes an `Idempotency-Key`. Another
//! member's boost answers 404 `boost_not_found`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use carmine_accounts::Caller;
use carmine_ads::Objective;
use carmine_ads::boosts::{Boost, BoostInput};
use carmine_core::{Error, ErrorCode, Id, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::money::idempotency_key;
use crate::api::views::Page;
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, Member, path_id};
use crate::openapi::ErrorBody;

#[derive(Serialize, ToSchema)]
pub struct BoostView {
    /// The boost's id (its campaign's).
    pub id: String,
    pub note_id: String,
    /// Its ad (what the review queue lists).
    pub ad_id: String,
    /// `engagement` (likes and saves), `reads` or `follows`.
    pub goal: String,
    /// `in_review`, `serving`, `rejected`, `stopped` or `finished`.
    pub state: String,
    /// The operator's reason, when rejected.
    pub review_reason: Option<String>,
    pub hours: i64,
    /// When it runs (from its approval).
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ends_at: Option<Timestamp>,
    /// Its budget, what it spent so far, and what went back once it was over (whole
    /// coins, rounded down).
    pub coins: i64,
    pub spent_coins: i64,
    pub refunded_coins: Option<i64>,
    pub viewable_impressions: i64,
    pub clicks: i64,
    /// What members who came through it did.
    pub likes: i64,
    pub saves: i64,
    pub comments: i64,
    pub shares: i64,
    pub follows: i64,
    pub reads: i64,
    /// What its goal counts: likes + saves, reads, or new followers.
    pub goal_results: i64,
}

pub(crate) fn boost_view(boost: &Boost) -> BoostView {
    let coins = |minor: i64| minor / boost.coin_minor.max(1);
    BoostView {
        id: boost.campaign.id.to_string(),
        note_id: boost.ad.note_id.to_string(),
        ad_id: boost.ad.id.to_string(),
        goal: boost.campaign.objective.clone(),
        state: boost.state.as_str().to_owned(),
        review_reason: boost.ad.review_reason.clone(),
        hours: boost.campaign.boost_hours.unwrap_or(0),
        starts_at: boost.campaign.starts_at,
        ends_at: boost.campaign.ends_at,
        coins: coins(boost.budget_minor),
        spent_coins: coins(boost.spent_minor),
        refunded_coins: boost.refunded_minor.map(coins),
        viewable_impressions: boost.viewable,
        clicks: boost.clicks,
        likes: boost.count("like"),
        saves: boost.count("save"),
        comments: boost.count("comment"),
        shares: boost.count("share"),
        follows: boost.count("follow"),
        reads: boost.count("read"),
        goal_results: boost.goal_results(),
    }
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BoostRequest {
    /// One of your own public notes.
    #[schema(max_length = 20)]
    pub note_id: String,
    /// Whole coins, 100 to 100,000 (presets: 100, 300, 500, 1,000).
    #[schema(minimum = 100, maximum = 100000)]
    pub coins: i64,
    /// `engagement` (likes and saves), `reads` or `follows`.
    #[schema(pattern = "^(engagement|reads|follows)$")]
    pub goal: String,
    /// How long it runs once approved: 6 to 168 hours.
    #[schema(minimum = 6, maximum = 168)]
    pub hours: i64,
}

/// Starts a boost: the coins move to it now; it serves once an operator approves
/// it, for its hours; what it did not spend goes back when it ends.
pub(crate) async fn start(
    state: &AppState,
    caller: &Caller,
    body: &BoostRequest,
    key: &carmine_ledger::IdempotencyKey,
) -> Result<Boost, Error> {
    let note_id = body.note_id.parse::<Id>().map_err(|_| Error::invalid_field("note_id", "not a note id"))?;
    let goal = Objective::parse("goal", &body.goal)?;
    let input = BoostInput { note_id, coins: body.coins, goal, hours: body.hours };
    state.ads().create_boost(caller, &input, key).await
}

/// Boosts one of your notes from your coins (reviewed before it starts).
#[utoipa::path(post, path = "/api/v1/boosts", tag = "ads", request_body = BoostRequest,
    params(("Idempotency-Key" = String, Header, description = "1–64 visible ASCII characters")),
    responses((status = 201, body = BoostView), (status = 404, body = ErrorBody, description = "`note_not_found`"),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody, description = "`insufficient_funds`, `invalid_field`, `note_not_advertisable`"),
        (status = 428, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn create_boost(
    State(state): State<AppState>,
    Member(caller): Member,
    headers: HeaderMap,
    ApiJson(body): ApiJson<BoostRequest>,
) -> Result<(StatusCode, Json<BoostView>), ApiError> {
    let key = idempotency_key(&headers, &caller, "boost", &body)?;
    let boost = start(&state, &caller, &body, &key).await?;
    Ok((StatusCode::CREATED, Json(boost_view(&boost))))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BoostsQuery {
    /// Items per page: default 20, clamped to 1..=100.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Your boosts, newest first.
#[utoipa::path(get, path = "/api/v1/boosts", tag = "ads", params(BoostsQuery),
    responses((status = 200, body = Page<BoostView>)), security(("session" = []), ("bearer" = [])))]
pub async fn list_boosts(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(q): ApiQuery<BoostsQuery>,
) -> Result<Json<Page<BoostView>>, ApiError> {
    let (limit, before) = crate::api::PageQuery { limit: q.limit, cursor: q.cursor }.position(&state)?;
    let list = state.ads().boosts(&caller, before, limit + 1).await?;
    Ok(Json(crate::api::page(&state, list, limit, |b| b.campaign.id, boost_view)))
}

/// One of your boosts and its results.
#[utoipa::path(get, path = "/api/v1/boosts/{id}", tag = "ads", params(("id" = String, Path)),
    responses((status = 200, body = BoostView), (status = 404, body = ErrorBody, description = "`boost_not_found`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn get_boost(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Json<BoostView>, ApiError> {
    let id = path_id(&id, ErrorCode::BoostNotFound)?;
    Ok(Json(boost_view(&state.ads().boost(&caller, id).await?)))
}

/// Stops a boost in review or serving; what it did not spend goes back to your coins
/// at once. A boost already over is returned as it is.
#[utoipa::path(post, path = "/api/v1/boosts/{id}/stop", tag = "ads", params(("id" = String, Path)),
    responses((status = 200, body = BoostView), (status = 404, body = ErrorBody, description = "`boost_not_found`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn stop_boost(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Json<BoostView>, ApiError> {
    let id = path_id(&id, ErrorCode::BoostNotFound)?;
    Ok(Json(boost_view(&state.ads().stop_boost(&caller, id).await?)))
}
