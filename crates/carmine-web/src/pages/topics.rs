//! Topic pages (`/t/{topic}`): a topic's hot and newest notes (a search of the topic,
//! so the same visibility as search), how many notes carry it, the topics related to
//! it by co-engagement, and following it — a followed topic is one of the member's
//! interest picks, so it shapes the discovery feed. Every `#topic` on the site links
//! here ([`super::topic_href`]).

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use carmine_core::text::normalize_topic;
use carmine_core::{Error, ErrorCode};
use serde::Deserialize;

use super::notes::CardRow;
use super::{Layout, done, render, topic_href};
use crate::api::search::{SearchParams, run_search};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiQuery, Member, RequestContext};

const PAGE_NOTES: i64 = 30;
const RELATED_TOPICS: usize = 8;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/t/{topic}", get(topic_page))
        .route("/t/{topic}/follow", post(follow))
        .route("/t/{topic}/unfollow", post(unfollow))
}

#[derive(Deserialize, Default)]
pub(crate) struct TopicQuery {
    sort: Option<String>,
    cursor: Option<String>,
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "topic.html")]
struct TopicPage {
    layout: Layout,
    topic: String,
    href: String,
    /// How many notes carry it (as the feed's index counts them).
    notes: usize,
    /// `hot` or `new`.
    sort: &'static str,
    followed: bool,
    related: Vec<(String, String)>,
    cards: Vec<CardRow>,
    next_page: Option<String>,
}

fn topic_of(raw: &str) -> Result<String, ApiError> {
    normalize_topic(raw).ok_or_else(|| ApiError(Error::new(ErrorCode::RouteNotFound)))
}

async fn topic_page(
    State(state): State<AppState>,
    context: RequestContext,
    Path(raw): Path<String>,
    ApiQuery(q): ApiQuery<TopicQuery>,
) -> Result<Response, ApiError> {
    let topic = topic_of(&raw)?;
    let caller = context.caller.as_ref();
    let sort = if q.sort.as_deref() == Some("new") { "new" } else { "hot" };
    let params = SearchParams {
        q: None,
        sort: Some(if sort == "new" { "newest" } else { "engaged" }.to_owned()),
        topic: Some(topic.clone()),
        since: None,
        until: None,
        media: None,
        limit: Some(PAGE_NOTES),
        cursor: q.cursor.clone(),
    };
    let outcome = run_search(&state, caller, &params.validate(&state)?).await?;
    let href = topic_href(&topic);
    let summary = state.feed().topic(&topic, RELATED_TOPICS);
    let followed = match caller {
        Some(caller) => state.feed().picked(caller.user_id).await?.contains(&topic),
        None => false,
    };
    let separator = if sort == "new" { "?sort=new&" } else { "?" };
    let page = TopicPage {
        layout: Layout::with(caller, q.done.as_deref(), None),
        notes: summary.as_ref().map_or(0, |s| s.notes),
        related: summary.map(|s| s.related).unwrap_or_default().into_iter().map(|t| (topic_href(&t), t)).collect(),
        next_page: outcome.next_cursor.map(|cursor| format!("{href}{separator}cursor={cursor}")),
        cards: outcome.notes.iter().map(|(_, note)| CardRow::from(note)).collect(),
        sort,
        followed,
        href,
        topic,
    };
    Ok(render(&page, None))
}

async fn follow(state: State<AppState>, member: Member, topic: Path<String>) -> Result<Response, ApiError> {
    set_followed(state, member, topic, true).await
}

async fn unfollow(state: State<AppState>, member: Member, topic: Path<String>) -> Result<Response, ApiError> {
    set_followed(state, member, topic, false).await
}

async fn set_followed(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(raw): Path<String>,
    follow: bool,
) -> Result<Response, ApiError> {
    let topic = topic_of(&raw)?;
    state.feed().follow_topic(caller.user_id, &topic, follow).await?;
    crate::api::feed::settle_feed(&state).await?;
    Ok(done(&topic_href(&topic), if follow { "topic_followed" } else { "topic_unfollowed" }))
}
