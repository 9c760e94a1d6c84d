//! Feed pages: the interest picker (`/welcome`, shown after sign-up, reachable from
//! settings) and the operator's feed page (`/admin/feed`: fairness, the pool settings,
//! and any member's ranked feed with its score breakdown).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use carmine_core::{Error, ErrorCode};
use serde::Deserialize;

use super::{Layout, PageForm, done, render, shown_on_form};
use crate::api::feed::visible_ranked;
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiQuery, Member};

/// Notes shown in the admin's view of a member's feed.
const AUDIT_NOTES: usize = 30;

struct TopicChoice {
    name: String,
    picked: bool,
}

#[derive(Template)]
#[template(path = "welcome.html")]
struct WelcomePage {
    layout: Layout,
    topics: Vec<TopicChoice>,
    /// Where to go after picking (the page the new member signed up from).
    next: String,
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct NextQuery {
    next: Option<String>,
}

pub(crate) async fn welcome(
    State(state): State<AppState>,
    Member(caller): Member,
    crate::extract::ApiQuery(q): crate::extract::ApiQuery<NextQuery>,
) -> Result<Response, ApiError> {
    let next = super::local_path(q.next, String::new);
    let picked = state.feed().picked(caller.user_id).await?;
    let mut topics: Vec<TopicChoice> = state
        .feed()
        .picker_topics()
        .into_iter()
        .map(|name| TopicChoice { picked: picked.contains(&name), name })
        .collect();
    for name in picked {
        if !topics.iter().any(|t| t.name == name) {
            topics.push(TopicChoice { name, picked: true });
        }
    }
    Ok(render(&WelcomePage { layout: Layout::with(Some(&caller), None, None), topics, next }, None))
}

/// The picker's form: a `topic` field per ticked box, plus `more` (topics typed in,
/// separated by spaces or commas).
pub(crate) async fn save_interests(
    State(state): State<AppState>,
    Member(caller): Member,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let mut topics: Vec<String> = Vec::new();
    let mut next = String::new();
    for (name, value) in &fields {
        match name.as_str() {
            "next" => next = super::local_path(Some(value.clone()), String::new),
            "topic" => topics.push(value.clone()),
            "more" => topics.extend(
                value
                    .split(|c: char| c == ',' || c == '，' || c.is_whitespace())
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned),
            ),
            _ => {}
        }
    }
    match state.feed().pick(caller.user_id, &topics).await {
        Ok(_) => {
            crate::api::feed::settle_feed(&state).await?;
            Ok(done(if next.is_empty() { "/" } else { &next }, "interests_saved"))
        }
        Err(error) => {
            let error = shown_on_form(error)?;
            let topics = topics.into_iter().map(|name| TopicChoice { name, picked: true }).collect();
            let layout = Layout::with(Some(&caller), None, Some(&error));
            Ok(render(&WelcomePage { layout, topics, next }, Some(&error)))
        }
    }
}

struct AuditRow {
    id: String,
    title: String,
    author: String,
    score: String,
    parts: String,
    sources: String,
    reason: String,
    small_creator: bool,
}

#[derive(Template)]
#[template(path = "admin_feed.html")]
struct AdminFeedPage {
    layout: Layout,
    fairness: crate::api::feed::FairnessView,
    pools: Vec<(u32, f64)>,
    member: String,
    rows: Vec<AuditRow>,
}

#[derive(Deserialize, Default)]
pub(crate) struct AdminFeedQuery {
    member: Option<String>,
}

pub(crate) async fn admin_feed(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(q): ApiQuery<AdminFeedQuery>,
) -> Result<Response, ApiError> {
    state.accounts().require_admin(&caller)?;
    let member = q.member.unwrap_or_default().trim().trim_start_matches('@').to_owned();
    let mut rows = Vec::new();
    let mut error = None;
    if !member.is_empty() {
        match state.accounts().user_id_by_username(&member).await? {
            None => error = Some(Error::new(ErrorCode::UserNotFound)),
            Some(id) => {
                let viewer = state.accounts().admin_view_as(&caller, id).await?;
                let ranked = state.feed().preview(id, AUDIT_NOTES);
                for (r, note) in visible_ranked(&state, Some(&viewer), ranked).await? {
                    let p = r.parts;
                    rows.push(AuditRow {
                        id: note.id.to_string(),
                        title: if note.title.is_empty() { note.body.chars().take(30).collect() } else { note.title },
                        author: note.author_handle,
                        score: format!("{:.4}", r.score),
                        parts: format!(
                            "interest {:.2} · quality {:.2} · fresh {:.2} · neighbours {:.2} · pool {:.1}",
                            p.interest, p.quality, p.freshness, p.neighbours, p.pool
                        ),
                        sources: r.sources.names().join(", "),
                        reason: super::notices::feed_reason(&r.reason),
                        small_creator: r.small_creator,
                    });
                }
            }
        }
    }
    let fairness = crate::api::feed::fairness_view(&state.feed().fairness());
    let pools = state.feed().settings().pools.iter().map(|p| (p.audience, p.bar)).collect();
    let page =
        AdminFeedPage { layout: Layout::with(Some(&caller), None, error.as_ref()), fairness, pools, member, rows };
    Ok(render(&page, error.as_ref()))
}
