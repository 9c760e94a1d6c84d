//! Search's API: `GET /api/v1/search` — notes (ranked by relevance blended with
//! quality and freshness, or newest, or most engaged; filtered by topic, time and
//! media) with highlighted snippets, and on the first page the members,
//! organizations and topics that match. Every note the index proposes is re-checked
//! against the database for this viewer before it is shown.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use carmine_accounts::Caller;
use carmine_core::cursor::clamp_limit;
use carmine_core::limits::{SEARCH_RESULTS_MAX, SEARCH_SIDE_RESULTS_MAX, SUGGESTIONS_MAX};
use carmine_core::text::normalize_topic;
use carmine_core::{Error, Id, Timestamp};
use carmine_search::analyzer::normalize_query;
use carmine_search::{ActorHit, Highlighted, Media, NoteHit, NoteQuery, Sort, SuggestionKind, TopicHit};
use carmine_store::notes::NoteRecord;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use super::notes::NoteCardView;
use super::views::Items;
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{Admin, ApiJson, ApiQuery, Member, RequestContext};
use crate::openapi::ErrorBody;

/// Trending searches shown.
pub(crate) const TRENDING_SHOWN: usize = 10;

#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// What to look for: words (Chinese or English), `"a phrase"`. At most 100
    /// characters are used; nothing is an error.
    pub q: Option<String>,
    /// `relevance` (default), `newest` or `engaged`.
    pub sort: Option<String>,
    /// Only notes with this topic.
    pub topic: Option<String>,
    /// Only notes published at or after this time (RFC 3339).
    pub since: Option<String>,
    /// Only notes published before this time (RFC 3339).
    pub until: Option<String>,
    /// `image` (one image) or `album` (several).
    pub media: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Where the next page of one search starts; `h` ties it to the search.
#[derive(Serialize, Deserialize)]
pub(crate) struct SearchCursor {
    pub(crate) o: u32,
    pub(crate) h: String,
}

/// A short fingerprint of a search's parameters: a cursor only continues its own search.
pub(crate) fn fingerprint(parts: &[&str]) -> String {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hex::encode(&hash.finalize()[..8])
}

/// Where a search continues: the offset its cursor carries, checked against the
/// search's fingerprint (0 without a cursor).
pub(crate) fn cursor_offset(state: &AppState, cursor: Option<&str>, fingerprint: &str) -> Result<usize, Error> {
    match cursor.filter(|c| !c.is_empty()) {
        None => Ok(0),
        Some(raw) => {
            let cursor: SearchCursor = state.cursors().decode(raw)?;
            if cursor.h != fingerprint {
                return Err(Error::new(carmine_core::ErrorCode::InvalidCursor)
                    .with_message("the cursor belongs to another search"));
            }
            Ok(cursor.o as usize)
        }
    }
}

/// A validated search.
pub(crate) struct Validated {
    pub query: NoteQuery,
    /// Identifies the search (text and filters) for its cursors.
    fingerprint: String,
    pub first_page: bool,
}

impl SearchParams {
    pub(crate) fn validate(&self, state: &AppState) -> Result<Validated, Error> {
        let text = self.q.clone().unwrap_or_default();
        let sort = match self.sort.as_deref().filter(|s| !s.is_empty()) {
            None => Sort::Relevance,
            Some(raw) => {
                Sort::parse(raw).ok_or_else(|| Error::invalid_field("sort", "must be relevance, newest or engaged"))?
            }
        };
        let media = match self.media.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => {
                Some(Media::parse(raw).ok_or_else(|| Error::invalid_field("media", "must be image or album"))?)
            }
        };
        let topic = match self.topic.as_deref().filter(|s| !s.trim().is_empty()) {
            None => None,
            Some(raw) => Some(normalize_topic(raw).ok_or_else(|| Error::invalid_field("topic", "is not a topic"))?),
        };
        let time = |field: &str, raw: &Option<String>| -> Result<Option<Timestamp>, Error> {
            match raw.as_deref().filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(raw) => Timestamp::parse_rfc3339(raw)
                    .map(Some)
                    .ok_or_else(|| Error::invalid_field(field, "must be an RFC 3339 time")),
            }
        };
        let (since, until) = (time("since", &self.since)?, time("until", &self.until)?);
        let fingerprint = fingerprint(&[
            text.as_str(),
            sort.as_str(),
            topic.as_deref().unwrap_or(""),
            self.since.as_deref().unwrap_or(""),
            self.until.as_deref().unwrap_or(""),
            media.map_or("", Media::as_str),
        ]);
        let offset = cursor_offset(state, self.cursor.as_deref(), &fingerprint)?;
        let limit = clamp_limit(self.limit) as usize;
        let query = NoteQuery { text, sort, topic, since, until, media, offset, limit };
        Ok(Validated { query, fingerprint, first_page: offset == 0 })
    }
}

/// One search's results as the pages and the API show them.
pub(crate) struct SearchOutcome {
    /// Names this search in click and impression events.
    pub search_id: Id,
    pub total: usize,
    /// More matched than `total` counts.
    pub capped: bool,
    pub relaxed: bool,
    pub notes: Vec<(NoteHit, NoteRecord)>,
    pub next_cursor: Option<String>,
    pub actors: Vec<ActorHit>,
    pub topics: Vec<TopicHit>,
    /// Products on sale that match (first page only).
    pub products: Vec<carmine_store::products::ProductRecord>,
}

/// Runs a validated search for `viewer`: notes (re-checked against the database),
/// and on the first page matching actors and topics.
pub(crate) async fn run_search(
    state: &AppState,
    viewer: Option<&Caller>,
    search: &Validated,
) -> Result<SearchOutcome, Error> {
    let query = &search.query;
    let (search_id, results) = state.search().notes(viewer.map(|v| v.user_id), query.clone()).await?;
    let end = query.offset + results.hits.len();
    let next_cursor = (results.hits.len() == query.limit && end < results.total.min(SEARCH_RESULTS_MAX))
        .then(|| state.cursors().encode(&SearchCursor { o: end as u32, h: search.fingerprint.clone() }));
    let ids: Vec<Id> = results.hits.iter().map(|h| h.id).collect();
    let mut records: std::collections::HashMap<Id, NoteRecord> =
        state.notes().visible_records(viewer, &ids).await?.into_iter().map(|n| (n.id, n)).collect();
    let notes = results.hits.into_iter().filter_map(|h| records.remove(&h.id).map(|n| (h, n))).collect();
    let (actors, topics, products) = if search.first_page && !query.text.trim().is_empty() {
        let found = state
            .search()
            .products(carmine_search::products::ProductQuery {
                text: query.text.clone(),
                limit: PRODUCTS_BESIDE_NOTES,
                ..Default::default()
            })
            .await?;
        (
            state.search().actors(query.text.clone(), SEARCH_SIDE_RESULTS_MAX).await?,
            state.search().topics(viewer.map(|v| v.user_id), &query.text, SEARCH_SIDE_RESULTS_MAX).await?,
            state.commerce().listed_by_ids(&found.ids).await?,
        )
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    Ok(SearchOutcome {
        search_id,
        total: results.total,
        capped: results.capped,
        relaxed: results.relaxed,
        notes,
        next_cursor,
        actors,
        topics,
        products,
    })
}

/// Products shown in the unified results (the product tab has the rest).
pub(crate) const PRODUCTS_BESIDE_NOTES: usize = 4;

/// A run of text; `matched` runs are what the search found.
#[derive(Serialize, ToSchema)]
pub struct TextRunView {
    pub text: String,
    pub matched: bool,
}

fn runs(text: &Highlighted) -> Vec<TextRunView> {
    text.parts.iter().map(|(text, matched)| TextRunView { text: text.clone(), matched: *matched }).collect()
}

/// A note found, as a feed card plus its highlighted title and snippet.
#[derive(Serialize, ToSchema)]
pub struct SearchNoteView {
    #[serde(flatten)]
    pub card: NoteCardView,
    pub title_runs: Vec<TextRunView>,
    pub snippet: Vec<TextRunView>,
    /// The body goes on before / after the snippet (show an ellipsis).
    pub snippet_cut_before: bool,
    pub snippet_cut_after: bool,
}

#[derive(Serialize, ToSchema)]
pub struct SearchActorView {
    #[schema(value_type = String)]
    pub id: Id,
    /// `member` or `org`.
    pub kind: String,
    pub handle: String,
    pub name: String,
    pub followers: u64,
}

#[derive(Serialize, ToSchema)]
pub struct SearchTopicView {
    pub topic: String,
    pub notes: u64,
}

/// A page of search results.
#[derive(Serialize, ToSchema)]
pub struct SearchView {
    /// Send it as `search_id` with impression and click events on these results.
    #[schema(value_type = String)]
    pub search_id: Id,
    pub items: Vec<SearchNoteView>,
    pub next_cursor: Option<String>,
    /// Matching notes, counted up to 1,000 (as far as paging goes).
    pub total: usize,
    /// More than `total` notes matched (shown as "1,000+").
    pub total_capped: bool,
    /// Nothing matched every word: these notes match some.
    pub relaxed: bool,
    /// Members and organizations that match (first page only).
    pub actors: Vec<SearchActorView>,
    /// Topics that start with the query (first page only).
    pub topics: Vec<SearchTopicView>,
    /// Products on sale that match (first page only; `/api/v1/search/products` has them all).
    pub products: Vec<super::commerce::products::ProductCardView>,
}

/// Searches notes, members and organizations, and topics.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", params(SearchParams), responses(
    (status = 200, body = SearchView),
    (status = 400, body = ErrorBody, description = "`invalid_cursor`: forged, or from another search"),
    (status = 422, body = ErrorBody, description = "`invalid_field`: sort, media, topic, since or until"),
    (status = 503, body = ErrorBody, description = "`search_timeout`")))]
pub async fn search(
    State(state): State<AppState>,
    context: RequestContext,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> Result<Json<SearchView>, ApiError> {
    let validated = params.validate(&state)?;
    let outcome = run_search(&state, context.caller.as_ref(), &validated).await?;
    Ok(Json(SearchView {
        search_id: outcome.search_id,
        items: outcome
            .notes
            .iter()
            .map(|(hit, note)| SearchNoteView {
                card: NoteCardView::new(note),
                title_runs: runs(&hit.title),
                snippet: runs(&hit.snippet),
                snippet_cut_before: hit.snippet.cut_before,
                snippet_cut_after: hit.snippet.cut_after,
            })
            .collect(),
        next_cursor: outcome.next_cursor,
        total: outcome.total,
        total_capped: outcome.capped,
        relaxed: outcome.relaxed,
        actors: outcome
            .actors
            .into_iter()
            .map(|a| SearchActorView { id: a.id, kind: a.kind, handle: a.handle, name: a.name, followers: a.followers })
            .collect(),
        topics: outcome.topics.into_iter().map(|t| SearchTopicView { topic: t.topic, notes: t.notes }).collect(),
        products: outcome.products.iter().map(|p| super::commerce::products::ProductCardView::new(&state, p)).collect(),
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PrefixParams {
    /// What the member typed so far.
    pub q: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SuggestionView {
    pub text: String,
    /// `query` (what others searched), `topic`, or `product` (a product's name or brand).
    pub kind: String,
}

/// Product names and brands among the suggestions, at most.
const PRODUCT_SUGGESTIONS_MAX: usize = 4;

/// Completions of what the member is typing: popular searches and topics, matched on
/// the text and, for Chinese, on pinyin (`hufu`) and initials (`hf`).
#[utoipa::path(get, path = "/api/v1/search/suggestions", tag = "search", params(PrefixParams), responses(
    (status = 200, body = Items<SuggestionView>)))]
pub async fn suggestions(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<PrefixParams>,
) -> Result<Json<Items<SuggestionView>>, ApiError> {
    let prefix = params.q.unwrap_or_default();
    if prefix.trim().is_empty() {
        return Ok(Json(Items { items: Vec::new() }));
    }
    let mut items: Vec<SuggestionView> = state
        .search()
        .trends()
        .suggest(&prefix, SUGGESTIONS_MAX)
        .await?
        .into_iter()
        .map(|s| SuggestionView {
            text: s.text,
            kind: match s.kind {
                SuggestionKind::Query => "query",
                SuggestionKind::Topic => "topic",
            }
            .to_owned(),
        })
        .collect();
    // Product names and brands fill what popular searches leave, a few at most.
    let room = SUGGESTIONS_MAX.saturating_sub(items.len()).min(PRODUCT_SUGGESTIONS_MAX);
    if room > 0 {
        for text in state.search().product_suggestions(prefix.clone(), room).await? {
            if !items.iter().any(|i| i.text == text) {
                items.push(SuggestionView { text, kind: "product".to_owned() });
            }
        }
    }
    Ok(Json(Items { items }))
}

#[derive(Serialize, ToSchema)]
pub struct TrendView {
    pub query: String,
    /// Members who searched it in the last 6 hours.
    pub searchers: i64,
}

/// Searches rising now (compared with the week before), hidden terms left out.
#[utoipa::path(get, path = "/api/v1/search/trending", tag = "search", responses(
    (status = 200, body = Items<TrendView>)))]
pub async fn trending(State(state): State<AppState>) -> Result<Json<Items<TrendView>>, ApiError> {
    let trends = state.search().trends().trending(TRENDING_SHOWN).await?;
    Ok(Json(Items {
        items: trends.into_iter().map(|t| TrendView { query: t.query, searchers: t.searchers }).collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct HistoryEntryView {
    pub query: String,
    #[schema(value_type = String, format = DateTime)]
    pub searched_at: Timestamp,
}

/// The caller's own searches, the latest first (at most 50).
#[utoipa::path(get, path = "/api/v1/me/search-history", tag = "search", responses(
    (status = 200, body = Items<HistoryEntryView>), (status = 401, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn history(
    State(state): State<AppState>,
    Member(caller): Member,
) -> Result<Json<Items<HistoryEntryView>>, ApiError> {
    let entries = state.search().journal().history(caller.user_id).await?;
    Ok(Json(Items {
        items: entries.into_iter().map(|(query, searched_at)| HistoryEntryView { query, searched_at }).collect(),
    }))
}

/// Forgets one search (`?q=`) or, without `q`, the whole history.
#[utoipa::path(delete, path = "/api/v1/me/search-history", tag = "search", params(PrefixParams), responses(
    (status = 204), (status = 401, body = ErrorBody)), security(("session" = []), ("bearer" = [])))]
pub async fn forget_history(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(params): ApiQuery<PrefixParams>,
) -> Result<StatusCode, ApiError> {
    let query = params.q.map(|q| normalize_query(&q)).filter(|q| !q.is_empty());
    state.search().journal().forget(caller.user_id, query).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HiddenTermRequest {
    /// The search term, as members type it (it is normalized).

    #[schema(min_length = 1, max_length = 100)]
    pub query: String,
}

/// The terms hidden from trending and suggestions. Administrators only.
#[utoipa::path(get, path = "/api/v1/admin/search/hidden-terms", tag = "admin", responses(
    (status = 200, body = Items<String>), (status = 403, body = ErrorBody)), security(("session" = []), ("bearer" = [])))]
pub async fn hidden_terms(
    State(state): State<AppState>,
    Admin(caller): Admin,
) -> Result<Json<Items<String>>, ApiError> {
    state.accounts().require_admin(&caller)?;
    Ok(Json(Items { items: state.search().trends().hidden_terms().await? }))
}

/// Hides a term from trending and suggestions (recorded in the audit log).
#[utoipa::path(post, path = "/api/v1/admin/search/hidden-terms", tag = "admin", request_body = HiddenTermRequest,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn hide_term(
    State(state): State<AppState>,
    Admin(caller): Admin,
    ApiJson(body): ApiJson<HiddenTermRequest>,
) -> Result<StatusCode, ApiError> {
    state.accounts().require_admin(&caller)?;
    let query = hidden_term(&body.query)?;
    state.search().trends().hide(caller.user_id, &query).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Shows a hidden term again (`?q=`).
#[utoipa::path(delete, path = "/api/v1/admin/search/hidden-terms", tag = "admin", params(PrefixParams),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn show_term(
    State(state): State<AppState>,
    Admin(caller): Admin,
    ApiQuery(params): ApiQuery<PrefixParams>,
) -> Result<StatusCode, ApiError> {
    state.accounts().require_admin(&caller)?;
    let query = hidden_term(params.q.as_deref().unwrap_or_default())?;
    state.search().trends().show(caller.user_id, &query).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct SuggestedQueryView {
    pub query: String,
    /// Member-searches in the last 14 days (each member once per hour).
    pub searchers: u64,
}

/// What members' searches put into suggestions now (searched by enough distinct
/// members, with results, nothing personal-looking), the most searched first, at
/// most 200; hidden terms are already left out. Administrators only.
#[utoipa::path(get, path = "/api/v1/admin/search/suggested", tag = "admin", responses(
    (status = 200, body = Items<SuggestedQueryView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn suggested_queries(
    State(state): State<AppState>,
    Admin(caller): Admin,
) -> Result<Json<Items<SuggestedQueryView>>, ApiError> {
    state.accounts().require_admin(&caller)?;
    let queries = state.search().trends().suggested_queries(ADMIN_SUGGESTED_MAX).await?;
    Ok(Json(Items {
        items: queries.into_iter().map(|s| SuggestedQueryView { query: s.text, searchers: s.weight }).collect(),
    }))
}

/// Suggested queries the operator sees at once.
pub(crate) const ADMIN_SUGGESTED_MAX: usize = 200;

/// A term as trending counts it; empty is refused.
pub(crate) fn hidden_term(raw: &str) -> Result<String, Error> {
    let query = normalize_query(raw);
    if query.is_empty() {
        return Err(Error::broke_rule("query", carmine_core::FieldRule::Empty));
    }
    Ok(query)
}
