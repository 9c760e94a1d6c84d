//! Boosts for members (ADR 0032): `/boost` offers the member's public notes, coin
//! presets or a typed amount, a goal and a duration, and lists their boosts;
//! `/boost/{id}` shows one boost's state, spend and results, with Stop while it is
//! in review or serving. The form moves coins, so it carries an idempotency key made
//! when the page was drawn (`pages::money::form_key`).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use carmine_accounts::Caller;
use carmine_ads::boosts::{Boost, BoostState, GOALS, PRESET_COINS, PRESET_HOURS, coins_out_of_range};
use carmine_core::secret::random_token;
use carmine_core::{Error, ErrorCode, Id};
use carmine_ledger::{AccountKind, AccountRef, Owner};
use serde::Deserialize;

use super::DoneQuery;
use crate::api::ads::boosts::{BoostRequest, start};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiQuery, Member, path_id};
use crate::pages::money::{field, form_key};
use crate::pages::{Layout, PageForm, done, render, shown_on_form};

/// One boost as the list and the results page show it.
struct BoostRow {
    id: String,
    note_id: String,
    title: String,
    cover: Option<String>,
    goal: String,
    state: &'static str,
    reason: String,
    duration: String,
    window: String,
    coins: i64,
    spent: i64,
    /// Percent of the budget spent, for the bar.
    spent_percent: i64,
    refunded: Option<i64>,
    goal_results: i64,
    /// (label key, count) of what it brought.
    results: Vec<(&'static str, i64)>,
    viewable: i64,
    clicks: i64,
    can_stop: bool,
}

/// A boost's duration as people say it: whole days as days, otherwise hours.
pub(super) fn duration(layout: &Layout, hours: i64) -> String {
    if hours % 24 == 0 {
        layout.t1("boost-days", "count", hours / 24)
    } else {
        layout.t1("boost-hours-n", "count", hours)
    }
}

async fn row(state: &AppState, caller: &Caller, layout: &Layout, boost: &Boost) -> Result<BoostRow, Error> {
    let note = state.notes().visible_records(Some(caller), &[boost.ad.note_id]).await?.into_iter().next();
    let coins = |minor: i64| minor / boost.coin_minor.max(1);
    // Its window starts when it is approved; until then it has only a length.
    let window = match (boost.state, boost.campaign.ends_at) {
        (BoostState::InReview, _) => layout.t("boost-starts-on-approval"),
        (_, Some(end)) => format!("{} – {}", layout.moment(&boost.campaign.starts_at), layout.moment(&end)),
        (_, None) => layout.moment(&boost.campaign.starts_at),
    };
    Ok(BoostRow {
        id: boost.campaign.id.to_string(),
        note_id: boost.ad.note_id.to_string(),
        title: note.as_ref().map(|n| n.title.clone()).unwrap_or_default(),
        cover: note
            .as_ref()
            .and_then(|n| n.cover.as_ref())
            .map(|c| format!("/media/{}/{}/grid.jpg", c.media_id, c.url_key)),
        goal: boost.campaign.objective.clone(),
        state: boost.state.as_str(),
        reason: boost.ad.review_reason.clone().unwrap_or_default(),
        duration: duration(layout, boost.campaign.boost_hours.unwrap_or(0)),
        window,
        coins: coins(boost.budget_minor),
        spent: coins(boost.spent_minor),
        spent_percent: (boost.spent_minor * 100).checked_div(boost.budget_minor).unwrap_or(0).clamp(0, 100),
        refunded: boost.refunded_minor.map(coins),
        goal_results: boost.goal_results(),
        results: vec![
            ("boost-likes", boost.count("like")),
            ("boost-saves", boost.count("save")),
            ("boost-comments", boost.count("comment")),
            ("boost-follows", boost.count("follow")),
            ("boost-reads", boost.count("read")),
            ("boost-shares", boost.count("share")),
        ],
        viewable: boost.viewable,
        clicks: boost.clicks,
        can_stop: matches!(boost.state, BoostState::InReview | BoostState::Serving),
    })
}

/// What the member typed, kept when the form is refused.
struct Draft {
    note: String,
    coins: String,
    coins_other: String,
    goal: String,
    hours: String,
}

#[derive(Template)]
#[template(path = "boost.html")]
struct BoostsPage {
    layout: Layout,
    key: String,
    coins_available: i64,
    /// (id, title, published date) of the member's public notes.
    notes: Vec<(String, String, String)>,
    /// The page was asked for a note that is not one of them (someone else's, or not public).
    note_not_offered: bool,
    presets: &'static [i64],
    hours: &'static [i64],
    goals: &'static [&'static str],
    draft: Draft,
    boosts: Vec<BoostRow>,
}

async fn boosts_page(
    state: &AppState,
    caller: &Caller,
    done: Option<&str>,
    error: Option<&Error>,
    draft: Draft,
) -> Result<Response, ApiError> {
    let layout = Layout::with(Some(caller), done, error);
    let currency = state.ledger().config().currency;
    let coins =
        state.ledger().balance(AccountRef::new(Owner::User(caller.user_id), AccountKind::Coins, currency)).await?;
    let me = carmine_store::actors::ActorRecord {
        id: caller.user_id,
        kind: "member".into(),
        handle: caller.username.clone(),
        name: caller.username.clone(),
    };
    let mine = state.notes().by_author(Some(caller), &me, None, 50).await?;
    let notes = mine
        .notes
        .iter()
        .filter(|n| n.status == "published" && n.visibility == "public" && n.moderation == "none")
        .map(|n| {
            let title = if n.title.is_empty() { n.id.to_string() } else { n.title.clone() };
            (n.id.to_string(), title, n.published_at.map(|at| layout.date(&at)).unwrap_or_default())
        })
        .collect::<Vec<(String, String, String)>>();
    let note_not_offered = !draft.note.is_empty() && !notes.iter().any(|(id, _, _)| *id == draft.note);
    let mut boosts = Vec::new();
    for boost in state.ads().boosts(caller, None, 50).await? {
        boosts.push(row(state, caller, &layout, &boost).await?);
    }
    let page = BoostsPage {
        key: random_token(16),
        coins_available: coins.available / state.ledger().config().coin_minor.max(1),
        notes,
        note_not_offered,
        presets: &PRESET_COINS,
        hours: &PRESET_HOURS,
        goals: &GOALS,
        draft,
        boosts,
        layout,
    };
    Ok(render(&page, error))
}

#[derive(Deserialize)]
pub(super) struct BoostQuery {
    note: Option<String>,
    done: Option<String>,
}

pub(super) async fn show(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(q): ApiQuery<BoostQuery>,
) -> Result<Response, ApiError> {
    let draft = Draft {
        note: q.note.unwrap_or_default(),
        coins: PRESET_COINS[1].to_string(),
        coins_other: String::new(),
        goal: GOALS[0].to_owned(),
        hours: PRESET_HOURS[2].to_string(),
    };
    boosts_page(&state, &caller, q.done.as_deref(), None, draft).await
}

pub(super) async fn create(
    State(state): State<AppState>,
    Member(caller): Member,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let draft = Draft {
        note: field(&fields, "note_id").to_owned(),
        coins: field(&fields, "coins").to_owned(),
        coins_other: field(&fields, "coins_other").trim().to_owned(),
        goal: field(&fields, "goal").to_owned(),
        hours: field(&fields, "hours").to_owned(),
    };
    let started = async {
        // A preset chip (`coins`) or, typed in, another amount (`coins_other`).
        let chosen = if draft.coins_other.is_empty() { draft.coins.trim() } else { draft.coins_other.as_str() };
        let coins: i64 = chosen.replace([',', ' '], "").parse().map_err(|_| coins_out_of_range())?;
        let hours: i64 = draft.hours.parse().map_err(|_| Error::invalid_field("hours", "6 to 168"))?;
        let key = form_key(&caller, &fields, "boost")?;
        let body = BoostRequest { note_id: draft.note.clone(), coins, goal: draft.goal.clone(), hours };
        start(&state, &caller, &body, &key).await
    };
    match started.await {
        Ok(boost) => Ok(done(&format!("/boost/{}", boost.campaign.id), "boost_created")),
        Err(error) => boosts_page(&state, &caller, None, Some(&shown_on_form(error)?), draft).await,
    }
}

#[derive(Template)]
#[template(path = "boost_results.html")]
struct ResultsPage {
    layout: Layout,
    b: BoostRow,
}

pub(super) async fn results(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<DoneQuery>,
) -> Result<Response, ApiError> {
    let id: Id = path_id(&id, ErrorCode::BoostNotFound)?;
    let boost = state.ads().boost(&caller, id).await?;
    let layout = Layout::with(Some(&caller), q.done.as_deref(), None);
    let b = row(&state, &caller, &layout, &boost).await?;
    Ok(render(&ResultsPage { layout, b }, None))
}

pub(super) async fn stop(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id: Id = path_id(&id, ErrorCode::BoostNotFound)?;
    state.ads().stop_boost(&caller, id).await?;
    Ok(done(&format!("/boost/{id}"), "boost_stopped"))
}
