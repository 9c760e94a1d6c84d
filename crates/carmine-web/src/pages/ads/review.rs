//! The operator's ad review queue (`/admin/ads`): each waiting ad with its note's
//! cover and title, the campaign and advertiser, what the automatic checks say now;
//! approve, or reject with a reason the advertiser sees.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Redirect, Response};
use carmine_accounts::Caller;
use carmine_accounts::admin::Operator;
use carmine_core::{Error, ErrorCode};
use serde::Deserialize;

use super::DoneQuery;
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiQuery, Member, path_id};
use crate::pages::{Layout, PageForm, done, render, shown_on_form};

struct PendingRow {
    id: String,
    note_id: String,
    title: String,
    author: String,
    cover: Option<String>,
    campaign: String,
    objective: String,
    advertiser: String,
    /// The automatic checks' objection, an error code (empty: none).
    problem: String,
    /// A member's boost: (coins, how long); `None` for an advertiser's ad.
    boost: Option<(i64, String)>,
    /// Why it was rejected before it was submitted again (empty: first review).
    rejected_before: String,
}

#[derive(Template)]
#[template(path = "admin_ads.html")]
struct QueuePage {
    layout: Layout,
    rows: Vec<PendingRow>,
    settings: Settings,
}

/// The operator's advertising settings as the page shows them (`carmine serve`'s
/// `--ad-*` flags).
struct Settings {
    /// (placement, first position, gap, reserve in yuan per 1,000 impressions).
    placements: Vec<(&'static str, usize, usize, String)>,
    relevance_floor: f64,
    audience_min: usize,
    daily_budget_min: String,
    cpc_bid_max: String,
    cpm_bid_max: String,
    boost_cpm: String,
    report_cell_min: usize,
}

impl Settings {
    fn of(config: &carmine_ads::AdsConfig) -> Settings {
        let money = |minor: i64| crate::pages::money::yuan(minor);
        let placements = carmine_ads::Placement::ALL
            .iter()
            .map(|&p| {
                let load = config.load(p);
                (p.as_str(), load.first, load.every, money(config.rules(p).reserve_ecpm as i64))
            })
            .collect();
        Settings {
            placements,
            relevance_floor: config.relevance_floor,
            audience_min: config.audience_min,
            daily_budget_min: money(config.limits.daily_budget_min_minor),
            cpc_bid_max: money(config.limits.cpc_bid_max_minor),
            cpm_bid_max: money(config.limits.cpm_bid_max_minor),
            boost_cpm: money(config.boost_cpm_minor),
            report_cell_min: config.report_cell_min,
        }
    }
}

async fn queue_page(
    state: &AppState,
    caller: &Caller,
    done: Option<&str>,
    error: Option<&Error>,
) -> Result<Response, ApiError> {
    let pending = state.ads().pending_review(Operator::Admin(caller)).await?;
    let layout = Layout::with(Some(caller), done, error);
    let rows = pending
        .iter()
        .map(|p| PendingRow {
            id: p.ad.id.to_string(),
            note_id: p.ad.note_id.to_string(),
            title: p.note.as_ref().map(|n| n.title.clone()).unwrap_or_default(),
            author: p.note.as_ref().map(|n| n.author_handle.clone()).unwrap_or_default(),
            cover: p
                .note
                .as_ref()
                .and_then(|n| n.cover.as_ref())
                .map(|c| format!("/media/{}/{}/grid.jpg", c.media_id, c.url_key)),
            campaign: p.campaign.name.clone(),
            objective: p.campaign.objective.clone(),
            advertiser: p.advertiser_handle.clone(),
            problem: p.problem.map(|c| c.as_str().to_owned()).unwrap_or_default(),
            boost: p.campaign.boost_hours.map(|hours| {
                let coin_minor = state.ledger().config().coin_minor.max(1);
                (p.campaign.total_budget_minor.unwrap_or(0) / coin_minor, super::boosts::duration(&layout, hours))
            }),
            rejected_before: p.ad.review_reason.clone().unwrap_or_default(),
        })
        .collect();
    let settings = Settings::of(state.ads().config());
    let page = QueuePage { layout, rows, settings };
    Ok(render(&page, error))
}

pub(super) async fn queue(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(q): ApiQuery<DoneQuery>,
) -> Result<Response, ApiError> {
    queue_page(&state, &caller, q.done.as_deref(), None).await
}

pub(super) async fn to_queue() -> Redirect {
    Redirect::to("/admin/ads")
}

#[derive(Deserialize)]
pub(super) struct DecisionForm {
    decision: String,
    #[serde(default)]
    reason: String,
}

pub(super) async fn decide(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    PageForm(form): PageForm<DecisionForm>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::AdNotFound)?;
    let approve = form.decision == "approve";
    match state.ads().decide(Operator::Admin(&caller), id, approve, &form.reason).await {
        Ok(_) => Ok(done("/admin/ads", if approve { "ad_approved" } else { "ad_rejected" })),
        Err(error) => queue_page(&state, &caller, None, Some(&shown_on_form(error)?)).await,
    }
}
