//! The search page (`/search`): results as the feed's cards with highlighted snippets,
//! sort tabs and filters, members and organizations and topics beside them; without a
//! query, trending searches and the member's own history (each entry deletable).
//! Cards carry the search id, so impressions and clicks name the search they came from.
//! The operator's `/admin/search` shows trending searches with their scores and hides
//! or shows terms.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

use super::notes::CardRow;
use super::{Layout, PageForm, done, encode, render};
use crate::api::search::{SearchParams, TRENDING_SHOWN, run_search};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiQuery, Member, RequestContext};

/// Notes per results page.
const PAGE_NOTES: i64 = 30;

#[derive(Deserialize, Default)]
pub(crate) struct SearchPageQuery {
    q: Option<String>,
    sort: Option<String>,
    topic: Option<String>,
    media: Option<String>,
    /// `day`, `week` or `month`: turned into `since` on the first page.
    within: Option<String>,
    since: Option<String>,
    cursor: Option<String>,
    done: Option<String>,
}

/// A link among the sort tabs or filter chips.
struct Choice {
    /// A message id.
    label: &'static str,
    href: String,
    active: bool,
}

struct ActorRow {
    name: String,
    handle: String,
    path: String,
    followers: u64,
}

struct TopicRow {
    topic: String,
    notes: u64,
    href: String,
}

/// A past or trending search, and where it leads.
struct QueryLink {
    text: String,
    href: String,
}

impl QueryLink {
    fn new(text: String) -> QueryLink {
        QueryLink { href: search_href(&[("q", &text)]), text }
    }
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    /// The topic the results are narrowed to ("" for none), named in the heading.
    topic: String,
    searched: bool,
    total: usize,
    /// The count as shown: grouped digits, "+" past the window ("1,000+").
    total_label: String,
    relaxed: bool,
    search_id: String,
    cards: Vec<CardRow>,
    actors: Vec<ActorRow>,
    topics: Vec<TopicRow>,
    /// Products on sale that match (first page), and the product tab's address.
    products: Vec<super::commerce::product::ProductCardRow>,
    products_href: String,
    notes_href: String,
    sorts: Vec<Choice>,
    media: Vec<Choice>,
    times: Vec<Choice>,
    next_page: Option<String>,
    trending: Vec<QueryLink>,
    history: Vec<QueryLink>,
}

/// A snippet's runs with "…" where the body goes on.
fn with_ellipses(snippet: &carmine_search::Highlighted) -> Vec<(String, bool)> {
    let ellipsis = || ("…".to_owned(), false);
    let mut runs = Vec::with_capacity(snippet.parts.len() + 2);
    runs.extend(snippet.cut_before.then(ellipsis));
    runs.extend(snippet.parts.iter().cloned());
    runs.extend(snippet.cut_after.then(ellipsis));
    runs
}

/// `/search?…` from key/value pairs, leaving out empty values.
pub(crate) fn search_href(pairs: &[(&str, &str)]) -> String {
    let query: Vec<String> =
        pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={}", encode(v))).collect();
    format!("/search?{}", query.join("&"))
}

pub(crate) async fn search(
    State(state): State<AppState>,
    context: RequestContext,
    headers: axum::http::HeaderMap,
    ApiQuery(p): ApiQuery<SearchPageQuery>,
) -> Result<Response, ApiError> {
    let caller = context.caller.as_ref();
    // Shown back in the title and the box: never a control character.
    let q = carmine_search::query::clean_query(p.q.as_deref().unwrap_or_default());
    let (sort, topic, media) =
        (p.sort.clone().unwrap_or_default(), p.topic.clone().unwrap_or_default(), p.media.clone().unwrap_or_default());
    let within = p.within.clone().unwrap_or_default();
    let days = match within.as_str() {
        "day" => Some(1),
        "week" => Some(7),
        "month" => Some(30),
        _ => None,
    };
    let since = match (&p.since, days) {
        (Some(since), _) if !since.is_empty() => since.clone(),
        (_, Some(days)) => state.search().now().plus_seconds(-days * 86_400).to_rfc3339(),
        _ => String::new(),
    };
    let here = |sort: &str, media: &str, within: &str| {
        search_href(&[("q", &q), ("topic", &topic), ("sort", sort), ("media", media), ("within", within)])
    };
    let choice = |label, href, active| Choice { label, href, active };
    let sorts = [("search-sort-relevance", ""), ("search-sort-newest", "newest"), ("search-sort-engaged", "engaged")]
        .into_iter()
        .map(|(label, value)| choice(label, here(value, &media, &within), sort == value))
        .collect();
    let media_choices = [("search-media-all", ""), ("search-media-image", "image"), ("search-media-album", "album")]
        .into_iter()
        .map(|(label, value)| choice(label, here(&sort, value, &within), media == value))
        .collect();
    let times = [
        ("search-time-any", ""),
        ("search-time-day", "day"),
        ("search-time-week", "week"),
        ("search-time-month", "month"),
    ]
    .into_iter()
    .map(|(label, value)| choice(label, here(&sort, &media, value), within == value))
    .collect();
    let mut page = SearchPage {
        layout: Layout::with(caller, p.done.as_deref(), None),
        q: q.clone(),
        topic: topic.clone(),
        searched: !q.trim().is_empty() || !topic.is_empty(),
        total: 0,
        total_label: String::new(),
        relaxed: false,
        search_id: String::new(),
        cards: Vec::new(),
        actors: Vec::new(),
        topics: Vec::new(),
        products: Vec::new(),
        products_href: format!("/search/products?q={}", encode(&q)),
        notes_href: search_href(&[("q", &q)]),
        sorts,
        media: media_choices,
        times,
        next_page: None,
        trending: Vec::new(),
        history: Vec::new(),
    };
    if page.searched {
        let params = SearchParams {
            q: Some(q.clone()),
            sort: Some(sort.clone()),
            topic: Some(topic.clone()),
            since: Some(since.clone()),
            until: None,
            media: Some(media.clone()),
            limit: Some(PAGE_NOTES),
            cursor: p.cursor.clone(),
        };
        let validated = params.validate(&state)?;
        let outcome = run_search(&state, caller, &validated).await?;
        page.total = outcome.total;
        page.total_label = format!("{}{}", grouped(outcome.total), if outcome.capped { "+" } else { "" });
        page.relaxed = outcome.relaxed;
        page.search_id = outcome.search_id.to_string();
        page.cards = outcome
            .notes
            .iter()
            .map(|(hit, note)| CardRow {
                snippet: with_ellipses(&hit.snippet),
                title_runs: hit.title.parts.clone(),
                search_id: Some(page.search_id.clone()),
                ..CardRow::from(note)
            })
            .collect();
        if !q.trim().is_empty() {
            let viewer = super::ads::serving::PageViewer { caller, visitor: crate::cookies::visitor(&headers) };
            let placement = carmine_ads::Placement::Search;
            super::ads::serving::sponsor(&state, &viewer, placement, &mut page.cards, Vec::new(), Some(&q)).await;
        }
        page.actors = outcome
            .actors
            .into_iter()
            .map(|a| ActorRow {
                path: if a.kind == "org" { format!("/o/{}", a.handle) } else { format!("/u/{}", a.handle) },
                name: if a.name.is_empty() { a.handle.clone() } else { a.name },
                handle: a.handle,
                followers: a.followers,
            })
            .collect();
        page.products = outcome
            .products
            .iter()
            .map(|p| super::commerce::product::ProductCardRow::new(&page.layout, p, true))
            .collect();
        page.topics = outcome
            .topics
            .into_iter()
            .map(|t| TopicRow { href: super::topic_href(&t.topic), topic: t.topic, notes: t.notes })
            .collect();
        page.next_page = outcome.next_cursor.map(|cursor| {
            search_href(&[
                ("q", &q),
                ("topic", &topic),
                ("sort", &sort),
                ("media", &media),
                ("since", &since),
                ("cursor", &cursor),
            ])
        });
    }
    // Shown before searching, and where a search found nothing (somewhere to go next).
    if !page.searched || page.total == 0 {
        let trending = state.search().trends().trending(TRENDING_SHOWN).await?;
        page.trending = trending.into_iter().map(|t| QueryLink::new(t.query)).collect();
    }
    if !page.searched
        && let Some(caller) = caller
    {
        page.history = state
            .search()
            .journal()
            .history(caller.user_id)
            .await?
            .into_iter()
            .map(|(q, _)| QueryLink::new(q))
            .collect();
    }
    Ok(render(&page, None))
}

/// Forgets one search of the member's history (`q`), or all of it.
pub(crate) async fn forget_history(
    State(state): State<AppState>,
    Member(caller): Member,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let query = fields.iter().find(|(k, _)| k == "q").map(|(_, v)| carmine_search::analyzer::normalize_query(v));
    state.search().journal().forget(caller.user_id, query.filter(|q| !q.is_empty())).await?;
    Ok(done("/search", "history_forgotten"))
}

struct TrendRow {
    query: String,
    searchers: i64,
    expected: String,
    score: String,
}

#[derive(Template)]
#[template(path = "admin_search.html")]
struct AdminSearchPage {
    layout: Layout,
    trending: Vec<TrendRow>,
    /// Queries members are offered as they type: (query, searchers).
    suggested: Vec<(String, u64)>,
    hidden: Vec<String>,
}

/// The operator's search page: what is trending with its scores, and hidden terms.
pub(crate) async fn admin_search(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(d): ApiQuery<super::Done>,
) -> Result<Response, ApiError> {
    state.accounts().require_admin(&caller)?;
    let trends = state.search().trends();
    let trending = trends
        .trending(ADMIN_TRENDING)
        .await?
        .into_iter()
        .map(|t| TrendRow {
            query: t.query,
            searchers: t.searchers,
            expected: format!("{:.1}", t.expected),
            score: format!("{:.1}", t.score),
        })
        .collect();
    let suggested = trends
        .suggested_queries(crate::api::search::ADMIN_SUGGESTED_MAX)
        .await?
        .into_iter()
        .map(|s| (s.text, s.weight))
        .collect();
    let hidden = trends.hidden_terms().await?;
    let layout = Layout::with(Some(&caller), d.done.as_deref(), None);
    Ok(render(&AdminSearchPage { layout, trending, suggested, hidden }, None))
}

/// Trending rows the operator sees.
const ADMIN_TRENDING: usize = 50;

/// Hides (`/admin/search/hide`) or shows again (`/admin/search/show`) the form's `query`.
pub(crate) async fn admin_hide(
    State(state): State<AppState>,
    Member(caller): Member,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    admin_term(state, caller, fields, true).await
}

pub(crate) async fn admin_show(
    State(state): State<AppState>,
    Member(caller): Member,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    admin_term(state, caller, fields, false).await
}

async fn admin_term(
    state: AppState,
    caller: carmine_accounts::Caller,
    fields: Vec<(String, String)>,
    hide: bool,
) -> Result<Response, ApiError> {
    state.accounts().require_admin(&caller)?;
    let raw = fields.iter().find(|(k, _)| k == "query").map_or("", |(_, v)| v.as_str());
    let query = crate::api::search::hidden_term(raw)?;
    if hide {
        state.search().trends().hide(caller.user_id, &query).await?;
        Ok(done("/admin/search", "term_hidden"))
    } else {
        state.search().trends().show(caller.user_id, &query).await?;
        Ok(done("/admin/search", "term_shown"))
    }
}

/// Digits grouped by thousands with commas (1000 → "1,000").
pub(crate) fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_group_their_digits() {
        assert_eq!(super::grouped(0), "0");
        assert_eq!(super::grouped(999), "999");
        assert_eq!(super::grouped(1_000), "1,000");
        assert_eq!(super::grouped(1_234_567), "1,234,567");
    }
}
