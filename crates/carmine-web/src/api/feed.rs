//! The feed's API: the discovery feed (`/api/v1/feed`, ranked; `?tab=following`
//! newest first), related notes, a note's traffic-pool journey, the interest picker,
//! and the operator's views — any member's ranked feed with score breakdowns and the
//! fairness report. Every note the ranker proposes is checked against the database
//! for this viewer before it is shown.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, State};
use carmine_accounts::Caller;
use carmine_core::cursor::clamp_limit;
use carmine_core::{Error, ErrorCode, Id, Timestamp};
use carmine_feed::{FeedCursor, Ranked};
use carmine_store::notes::NoteRecord;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::notes::{NoteCardView, note_page, note_position};
use super::views::{Items, Page};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{Admin, ApiJson, ApiQuery, Member, RequestContext, path_id};
use crate::openapi::ErrorBody;
use crate::pages::notices::feed_reason;

/// Related notes under a note.
const RELATED_MAX: usize = 12;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// `following` for the notes of those you follow, newest first; default: your
    /// ranked discovery feed.
    pub tab: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// A card in a feed, with why it is there.
#[derive(Serialize, ToSchema)]
pub struct FeedCardView {
    #[serde(flatten)]
    pub card: NoteCardView,
    /// "Why am I seeing this" (discovery only).
    pub reason: Option<String>,
}

/// How long a change the member expects to see on their next page (their picks) may
/// wait for the feed's index to apply it.
const READ_YOUR_WRITES: std::time::Duration = std::time::Duration::from_secs(2);

/// Waits briefly until the feed's index has applied the domain log so far.
pub(crate) async fn settle_feed(state: &AppState) -> Result<(), Error> {
    state.dataplane().settle(carmine_feed::live::DOMAIN_CONSUMER, READ_YOUR_WRITES).await?;
    Ok(())
}

/// The published notes among `ranked` this viewer may see, in rank order.
pub(crate) async fn visible_ranked(
    state: &AppState,
    viewer: Option<&Caller>,
    ranked: Vec<Ranked>,
) -> Result<Vec<(Ranked, NoteRecord)>, Error> {
    let ids: Vec<Id> = ranked.iter().map(|r| r.note).collect();
    let mut records: HashMap<Id, NoteRecord> =
        state.notes().visible_records(viewer, &ids).await?.into_iter().map(|n| (n.id, n)).collect();
    Ok(ranked.into_iter().filter_map(|r| records.remove(&r.note).map(|n| (r, n))).collect())
}

/// A page of feed cards with their notes, and the cursor of the next.
type FeedPageRows = (Vec<(Ranked, NoteRecord)>, Option<String>);

/// A page of the viewer's discovery feed and the cursor of the next.
pub(crate) async fn discovery_page(
    state: &AppState,
    viewer: Option<&Caller>,
    limit: u32,
    cursor: Option<&str>,
) -> Result<FeedPageRows, Error> {
    let cursor: Option<FeedCursor> = match cursor.filter(|c| !c.is_empty()) {
        Some(raw) => Some(state.cursors().decode(raw)?),
        None => None,
    };
    let newest = async || -> Result<FeedPageRows, Error> {
        let newest = state.notes().latest(viewer, None, limit).await?;
        Ok((newest.notes.into_iter().map(|n| (Ranked::warming_up(n.id), n)).collect(), None))
    };
    if !state.dataplane().has_caught_up(carmine_feed::live::DOMAIN_CONSUMER) {
        // The index is still replaying the logs after a start: the newest notes meanwhile.
        return newest().await;
    }
    let first = cursor.is_none();
    let page = state.feed().page(viewer.map(|v| v.user_id), cursor, limit as usize)?;
    let next = page.next.map(|c| state.cursors().encode(&c));
    let items = visible_ranked(state, viewer, page.items).await?;
    if first && items.is_empty() {
        // Never an empty site while notes exist (an index still catching up, or a
        // reader who has seen everything it proposes): the newest notes.
        return newest().await;
    }
    Ok((items, next))
}

/// The caller's feed: ranked for them (signed-out visitors get the best of what is
/// fresh); `?tab=following` is the notes of followed members and organizations,
/// newest first. A discovery cursor belongs to the reader it was given to.
#[utoipa::path(get, path = "/api/v1/feed", tag = "feed", params(FeedQuery), responses(
    (status = 200, body = Page<FeedCardView>),
    (status = 400, body = ErrorBody, description = "`invalid_cursor`: forged, or another reader's"),
    (status = 401, body = ErrorBody, description = "`unauthenticated` (the following tab)")))]
pub async fn feed(
    State(state): State<AppState>,
    context: RequestContext,
    ApiQuery(query): ApiQuery<FeedQuery>,
) -> Result<Json<Page<FeedCardView>>, ApiError> {
    match query.tab.as_deref() {
        Some("following") => {
            let caller = context
                .caller
                .as_ref()
                .ok_or_else(|| Error::new(context.auth_problem.unwrap_or(ErrorCode::Unauthenticated)))?;
            let (limit, before) = note_position(&state, query.limit, query.cursor.as_deref())?;
            let page = note_page(&state, &state.notes().following(caller, before, limit).await?);
            Ok(Json(Page {
                items: page.items.into_iter().map(|card| FeedCardView { card, reason: None }).collect(),
                next_cursor: page.next_cursor,
            }))
        }
        None | Some("") | Some("discover") => {
            let limit = clamp_limit(query.limit);
            let (items, next_cursor) =
                discovery_page(&state, context.caller.as_ref(), limit, query.cursor.as_deref()).await?;
            Ok(Json(Page {
                items: items
                    .iter()
                    .map(|(r, n)| FeedCardView { card: NoteCardView::new(n), reason: Some(feed_reason(&r.reason)) })
                    .collect(),
                next_cursor,
            }))
        }
        Some(_) => Err(Error::invalid_field("tab", "must be following or discover").into()),
    }
}

/// Notes related to this one ("people who engaged with this also engaged with…",
/// then good notes on its topics), as the caller may see them.
#[utoipa::path(get, path = "/api/v1/notes/{id}/related", tag = "feed", params(("id" = String, Path)), responses(
    (status = 200, body = Items<NoteCardView>), (status = 404, body = ErrorBody, description = "`note_not_found`")))]
pub async fn related(
    State(state): State<AppState>,
    context: RequestContext,
    Path(id): Path<String>,
) -> Result<Json<Items<NoteCardView>>, ApiError> {
    let id = path_id(&id, ErrorCode::NoteNotFound)?;
    let viewer = context.caller.as_ref();
    state.notes().get(viewer, id).await?;
    let ids = state.feed().related(id, viewer.map(|v| v.user_id), RELATED_MAX);
    let notes = state.notes().visible_records(viewer, &ids).await?;
    Ok(Json(Items { items: notes.iter().map(NoteCardView::new).collect() }))
}

#[derive(Serialize, ToSchema)]
pub struct PoolStepView {
    pub level: usize,
    /// `testing`, `stalled` or `open`.
    pub status: String,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    /// The note's impressions when the step was taken.
    pub impressions: i64,
}

/// A note's way through the traffic pools.
#[derive(Serialize, ToSchema)]
pub struct JourneyView {
    /// 0 is the first (test) pool.
    pub level: usize,
    /// `testing` (being shown to the pool's audience), `stalled` (did not reach the
    /// bar) or `open` (passed every pool).
    pub status: String,
    pub audience: Option<u32>,
    /// Smoothed CES per impression needed to graduate.
    pub bar: Option<f64>,
    pub impressions_in_pool: i64,
    /// The note's smoothed CES per impression over all its impressions: each pool's
    /// bar is held against it.
    pub rate: f64,
    pub steps: Vec<PoolStepView>,
}

/// The note's traffic-pool journey, for whoever may read its statistics.
#[utoipa::path(get, path = "/api/v1/notes/{id}/journey", tag = "feed", params(("id" = String, Path)), responses(
    (status = 200, body = JourneyView), (status = 403, body = ErrorBody, description = "`forbidden`: not your note"),
    (status = 404, body = ErrorBody, description = "`note_not_found`, or not yet in the index")),
    security(("session" = []), ("bearer" = [])))]
pub async fn journey(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Json<JourneyView>, ApiError> {
    let id = path_id(&id, ErrorCode::NoteNotFound)?;
    state.notes().analytics_access(&caller, id).await?;
    let journey = state.feed().journey(id).ok_or_else(|| Error::new(ErrorCode::NoteNotFound))?;
    Ok(Json(journey_view(&journey)))
}

pub(crate) fn journey_view(journey: &carmine_feed::Journey) -> JourneyView {
    JourneyView {
        level: journey.level,
        status: journey.status.as_str().to_owned(),
        audience: journey.audience,
        bar: journey.bar,
        impressions_in_pool: journey.impressions_in_pool,
        rate: journey.rate,
        steps: journey
            .steps
            .iter()
            .map(|s| PoolStepView {
                level: s.level,
                status: s.status.as_str().to_owned(),
                at: Timestamp(s.at),
                impressions: s.impressions,
            })
            .collect(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct InterestsView {
    /// The caller's picks.
    pub picked: Vec<String>,
    /// Topics to offer in the picker: those most written about.
    pub suggestions: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InterestsRequest {
    /// Up to 10 topics; they replace earlier picks.

    #[schema(max_items = 10)]
    pub topics: Vec<String>,
}

/// The caller's picks in the interest picker, and topics to offer.
#[utoipa::path(get, path = "/api/v1/me/interests", tag = "feed", responses(
    (status = 200, body = InterestsView), (status = 401, body = ErrorBody)), security(("session" = []), ("bearer" = [])))]
pub async fn interests(State(state): State<AppState>, Member(caller): Member) -> Result<Json<InterestsView>, ApiError> {
    Ok(Json(InterestsView {
        picked: state.feed().picked(caller.user_id).await?,
        suggestions: state.feed().picker_topics(),
    }))
}

/// Sets the caller's interests (the feed's cold start); they take effect within a
/// poll of the data plane.
#[utoipa::path(put, path = "/api/v1/me/interests", tag = "feed", request_body = InterestsRequest, responses(
    (status = 200, body = InterestsView), (status = 422, body = ErrorBody, description = "`invalid_field`: more than 10, or not a topic")),
    security(("session" = []), ("bearer" = [])))]
pub async fn pick_interests(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiJson(body): ApiJson<InterestsRequest>,
) -> Result<Json<InterestsView>, ApiError> {
    let picked = state.feed().pick(caller.user_id, &body.topics).await?;
    settle_feed(&state).await?;
    Ok(Json(InterestsView { picked, suggestions: state.feed().picker_topics() }))
}

#[derive(Serialize, ToSchema)]
pub struct ScoreView {
    pub total: f64,
    /// How well the note's topics match the member's interests (0–1).
    pub interest: f64,
    /// Smoothed CES per impression relative to the prior (1 = average).
    pub quality: f64,
    /// 1 when just published, falling by e every `freshness_hours`.
    pub freshness: f64,
    /// Co-engagement with the member's recent positives (0–1).
    pub neighbours: f64,
    /// Traffic-pool factor: above 1 while testing with an audience that cares.
    pub pool: f64,
}

#[derive(Serialize, ToSchema)]
pub struct AuditItemView {
    pub note: NoteCardView,
    pub score: ScoreView,
    /// Candidate sources that proposed it.
    pub sources: Vec<String>,
    pub reason: String,
    pub small_creator: bool,
}

/// Any member's ranked discovery feed with the score breakdown per note, as they
/// would see it now (nothing is marked served). Administrators only.
#[utoipa::path(get, path = "/api/v1/admin/users/{id}/feed", tag = "admin", params(("id" = String, Path), ("limit" = Option<i64>, Query)),
    responses((status = 200, body = Items<AuditItemView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody, description = "`user_not_found`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn admin_user_feed(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<super::PageQuery>,
) -> Result<Json<Items<AuditItemView>>, ApiError> {
    let id = path_id(&id, ErrorCode::UserNotFound)?;
    let member = state.accounts().admin_view_as(&caller, id).await?;
    let ranked = state.feed().preview(member.user_id, clamp_limit(query.limit) as usize);
    let items = visible_ranked(&state, Some(&member), ranked).await?;
    Ok(Json(Items {
        items: items
            .into_iter()
            .map(|(r, note)| AuditItemView {
                note: NoteCardView::new(&note),
                score: ScoreView {
                    total: r.score,
                    interest: r.parts.interest,
                    quality: r.parts.quality,
                    freshness: r.parts.freshness,
                    neighbours: r.parts.neighbours,
                    pool: r.parts.pool,
                },
                sources: r.sources.names().into_iter().map(str::to_owned).collect(),
                reason: feed_reason(&r.reason),
                small_creator: r.small_creator,
            })
            .collect(),
    }))
}

/// Is reach earned by quality? From the impressions recorded.
#[derive(Serialize, ToSchema)]
pub struct FairnessView {
    pub impressions: i64,
    pub small_creator_impressions: i64,
    /// Share of impressions that went to creators under `small_creator_followers`.
    pub small_creator_share: f64,
    pub notes_seen: usize,
    /// Spearman correlation of a note's impressions with its quality (CES per impression).
    pub reach_vs_quality: f64,
    /// Spearman correlation of a note's impressions with its creator's follower count.
    pub reach_vs_followers: f64,
    pub small_creator_followers: u32,
    /// The least share of each page kept for small creators.
    pub small_creator_floor: f64,
}

/// The feed's fairness report. Administrators only.
#[utoipa::path(get, path = "/api/v1/admin/feed/fairness", tag = "admin", responses(
    (status = 200, body = FairnessView), (status = 403, body = ErrorBody)), security(("session" = []), ("bearer" = [])))]
pub async fn fairness(State(state): State<AppState>, Admin(caller): Admin) -> Result<Json<FairnessView>, ApiError> {
    state.accounts().require_admin(&caller)?;
    Ok(Json(fairness_view(&state.feed().fairness())))
}

pub(crate) fn fairness_view(f: &carmine_feed::Fairness) -> FairnessView {
    FairnessView {
        impressions: f.impressions,
        small_creator_impressions: f.small_creator_impressions,
        small_creator_share: f.small_creator_share,
        notes_seen: f.notes_seen,
        reach_vs_quality: f.reach_vs_quality,
        reach_vs_followers: f.reach_vs_followers,
        small_creator_followers: f.small_creator_followers,
        small_creator_floor: f.small_creator_floor,
    }
}
