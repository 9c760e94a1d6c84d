//! Advertising's pages: the console's Ads tab (`/o/{handle}/manage/ads`: the ad
//! balance, campaigns, and a form for a new one), a campaign (its settings, status
//! and ad groups), an ad group (its bid, placements and ads with their review and
//! delivery state, and a note picker for a new ad), the operator's review queue
//! (`/admin/ads`, `review.rs`) and a creator's authorisations on a note
//! (`/notes/{id}/ad-authorisations`, `authorisations.rs`). Every form works without
//! JavaScript. One router, merged into the pages in one line.

mod authorisations;
mod boosts;
mod reports;
mod review;
pub(crate) mod serving;

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use carmine_accounts::Caller;
use carmine_accounts::orgs::{OrgAccess, OrgAction};
use carmine_ads::delivery::AdState;
use carmine_ads::structure::placements_of;
use carmine_ads::targeting::{AGE_BANDS, Demographics, SEEDS};
use carmine_ads::{
    CampaignInput, GroupInput, MatchType, Objective, Placement, Pricing, Status, Targeting, TargetingInput,
};
use carmine_core::{Error, ErrorCode, Id, Timestamp};
use carmine_ledger::accounts::{AccountKind, AccountRef, Owner};
use carmine_store::ads::{CampaignRecord, GroupRecord};
use carmine_store::orgs::OrgRecord;
use serde::Deserialize;

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiQuery, Member, path_id};
use crate::pages::money::{field, parse_yuan, yuan};
use crate::pages::orgs::Console;
use crate::pages::{Layout, PageForm, done, render, shown_on_form};

const TAB: &str = "manage/ads";

/// The notices advertising's forms end with (`?done=`; `notice-<key>` in the catalogues).
pub(crate) const NOTICES: &[&str] = &[
    "campaign_created",
    "campaign_saved",
    "ad_group_created",
    "ad_group_saved",
    "ad_created",
    "ad_status_saved",
    "ad_approved",
    "ad_rejected",
    "ad_authorised",
    "ad_authorisation_revoked",
    "boost_created",
    "boost_stopped",
    "campaign_duplicated",
    "ad_group_duplicated",
    "ads_left_out",
    "ad_resubmitted",
];

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/o/{handle}/manage/ads", get(campaigns).post(create_campaign))
        .route("/o/{handle}/manage/ads/campaigns/{id}", get(campaign).post(save_campaign))
        .route("/o/{handle}/manage/ads/campaigns/{id}/report", get(reports::show))
        .route("/o/{handle}/manage/ads/campaigns/{id}/status", post(campaign_status).get(to_campaign))
        .route("/o/{handle}/manage/ads/campaigns/{id}/groups", post(create_group).get(to_campaign))
        .route("/o/{handle}/manage/ads/campaigns/{id}/duplicate", post(duplicate_campaign).get(to_campaign))
        .route("/o/{handle}/manage/ads/groups/{id}", get(group).post(save_group))
        .route("/o/{handle}/manage/ads/groups/{id}/status", post(group_status).get(to_group))
        .route("/o/{handle}/manage/ads/groups/{id}/ads", post(create_ad).get(to_group))
        .route("/o/{handle}/manage/ads/groups/{id}/duplicate", post(duplicate_group).get(to_group))
        .route("/o/{handle}/manage/ads/ads/{id}/status", post(ad_status))
        .route("/o/{handle}/manage/ads/ads/{id}/resubmit", post(resubmit_ad))
        .route("/ads/click/{token}", get(click))
        .route("/admin/ads", get(review::queue))
        .route("/admin/ads/{id}", post(review::decide).get(review::to_queue))
        .route("/notes/{id}/ad-authorisations", get(authorisations::show).post(authorisations::grant))
        .route("/notes/{id}/ad-authorisations/{org}/revoke", post(authorisations::revoke))
        .route("/boost", get(boosts::show).post(boosts::create))
        .route("/boost/{id}", get(boosts::results))
        .route("/boost/{id}/stop", post(boosts::stop))
}

#[derive(Deserialize, Default)]
pub(super) struct DoneQuery {
    done: Option<String>,
}

// A refused form is shown at its POST address; reloading it asks again with GET.
async fn to_campaign(Path((handle, id)): Path<(String, String)>) -> Redirect {
    Redirect::to(&format!("/o/{handle}/manage/ads/campaigns/{id}"))
}

async fn to_group(Path((handle, id)): Path<(String, String)>) -> Redirect {
    Redirect::to(&format!("/o/{handle}/manage/ads/groups/{id}"))
}

/// A datetime-local field's value for a time, in the instance's zone.
fn local_input(at: Timestamp) -> String {
    at.local_datetime().strftime("%Y-%m-%dT%H:%M").to_string()
}

/// A campaign's schedule field: what the browser sent, unchanged from what the page
/// showed (`<name>_was`) keeps the stored time whatever the browser's zone.
fn schedule(fields: &[(String, String)], name: &str, stored: Option<Timestamp>) -> Result<Option<Timestamp>, Error> {
    let typed = field(fields, name).trim();
    if typed.is_empty() {
        return Ok(None);
    }
    if stored.is_some() && typed == field(fields, &format!("{name}_was")) {
        return Ok(stored);
    }
    // Shown in the instance's zone, read in it: budgets and pacing run on its days.
    Timestamp::parse_instance_local(typed).map(Some).ok_or_else(|| Error::invalid_field(name, "a date and time"))
}

fn optional_yuan(fields: &[(String, String)], name: &str) -> Result<Option<i64>, Error> {
    let raw = field(fields, name).trim();
    if raw.is_empty() { Ok(None) } else { parse_yuan(name, raw).map(Some) }
}

fn required_yuan(fields: &[(String, String)], name: &str) -> Result<i64, Error> {
    optional_yuan(fields, name)?.ok_or_else(|| Error::invalid_field(name, "an amount such as 500"))
}

/// The console frame and the organization, for a member who may see its ads.
async fn console(state: &AppState, caller: &Caller, handle: &str) -> Result<(OrgRecord, Console, bool), Error> {
    let OrgAccess { org, role } = state.accounts().authorize_org(caller, handle, OrgAction::ViewAds).await?;
    let console = Console::new(&org, role, TAB);
    Ok((org, console, role.allows(OrgAction::ManageAds)))
}

/// A campaign as the console lists it.
struct CampaignRow {
    id: String,
    name: String,
    objective: String,
    status: String,
    daily_budget: String,
    total_budget: String,
    /// "12月1日 – 12月31日", or "from 12月1日".
    schedule: String,
}

fn campaign_row(layout: &Layout, c: &CampaignRecord) -> CampaignRow {
    CampaignRow {
        id: c.id.to_string(),
        name: c.name.clone(),
        objective: c.objective.clone(),
        status: c.status.clone(),
        daily_budget: yuan(c.daily_budget_minor),
        total_budget: c.total_budget_minor.map(yuan).unwrap_or_default(),
        schedule: match c.ends_at {
            Some(end) => format!("{} – {}", layout.date(&c.starts_at), layout.date(&end)),
            None => layout.t1("ads-from", "when", layout.date(&c.starts_at)),
        },
    }
}

/// What a campaign form holds (typed, or the campaign's).
#[derive(Default)]
struct CampaignDraft {
    name: String,
    objective: String,
    daily_budget: String,
    total_budget: String,
    starts_at: String,
    ends_at: String,
    /// The instance's time zone, which the schedule is in.
    zone: String,
}

impl CampaignDraft {
    fn of(c: &CampaignRecord) -> CampaignDraft {
        CampaignDraft {
            name: c.name.clone(),
            objective: c.objective.clone(),
            daily_budget: carmine_core::money::decimal(c.daily_budget_minor),
            total_budget: c.total_budget_minor.map(carmine_core::money::decimal).unwrap_or_default(),
            starts_at: local_input(c.starts_at),
            ends_at: c.ends_at.map(local_input).unwrap_or_default(),
            zone: crate::api::ads::reports::time_zone(),
        }
    }

    fn typed(fields: &[(String, String)]) -> CampaignDraft {
        CampaignDraft {
            name: field(fields, "name").to_owned(),
            objective: field(fields, "objective").to_owned(),
            daily_budget: field(fields, "daily_budget").to_owned(),
            total_budget: field(fields, "total_budget").to_owned(),
            starts_at: field(fields, "starts_at").to_owned(),
            ends_at: field(fields, "ends_at").to_owned(),
            zone: crate::api::ads::reports::time_zone(),
        }
    }
}

fn campaign_input(fields: &[(String, String)], current: Option<&CampaignRecord>) -> Result<CampaignInput, Error> {
    let objective = match current {
        Some(c) => Objective::parse("objective", &c.objective)?,
        None => Objective::parse("objective", field(fields, "objective"))?,
    };
    Ok(CampaignInput {
        name: field(fields, "name").to_owned(),
        objective,
        daily_budget_minor: required_yuan(fields, "daily_budget")?,
        total_budget_minor: optional_yuan(fields, "total_budget")?,
        starts_at: schedule(fields, "starts_at", current.map(|c| c.starts_at))?,
        ends_at: schedule(fields, "ends_at", current.and_then(|c| c.ends_at))?,
    })
}

#[derive(Template)]
#[template(path = "ads_manage.html")]
struct CampaignsPage {
    layout: Layout,
    console: Console,
    handle: String,
    can_manage: bool,
    can_fund: bool,
    balance: String,
    /// Reserved for running campaigns' spend (empty when nothing is).
    held: String,
    campaigns: Vec<CampaignRow>,
    objectives: Vec<&'static str>,
    draft: CampaignDraft,
}

async fn campaigns_page(
    state: &AppState,
    caller: &Caller,
    handle: &str,
    done: Option<&str>,
    error: Option<&Error>,
    draft: Option<CampaignDraft>,
) -> Result<Response, ApiError> {
    let (org, console, can_manage) = console(state, caller, handle).await?;
    let (_, list) = state.ads().campaigns(caller, handle, false, None, 100).await?;
    let currency = state.ledger().config().currency;
    let balance = state.ledger().balance(AccountRef::new(Owner::Org(org.id), AccountKind::AdBalance, currency)).await?;
    let layout = Layout::with(Some(caller), done, error);
    let role = state.accounts().authorize_org(caller, handle, OrgAction::ViewAds).await?.role;
    let page = CampaignsPage {
        console,
        handle: org.handle.clone(),
        can_manage,
        can_fund: role.allows(OrgAction::ManageMoney),
        balance: yuan(balance.available),
        held: if balance.pending_out > 0 { yuan(balance.pending_out) } else { String::new() },
        campaigns: list.iter().map(|c| campaign_row(&layout, c)).collect(),
        objectives: Objective::ALL.iter().map(|o| o.as_str()).collect(),
        draft: draft.unwrap_or(CampaignDraft {
            objective: "engagement".into(),
            zone: crate::api::ads::reports::time_zone(),
            ..CampaignDraft::default()
        }),
        layout,
    };
    Ok(render(&page, error))
}

async fn campaigns(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(handle): Path<String>,
    ApiQuery(q): ApiQuery<DoneQuery>,
) -> Result<Response, ApiError> {
    campaigns_page(&state, &caller, &handle, q.done.as_deref(), None, None).await
}

async fn create_campaign(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(handle): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let created = async {
        state.ads().advertiser(&caller, &handle, OrgAction::ManageAds).await?;
        state.ads().create_campaign(&caller, &handle, &campaign_input(&fields, None)?).await
    };
    match created.await {
        Ok(c) => Ok(done(&format!("/o/{handle}/{TAB}/campaigns/{}", c.id), "campaign_created")),
        Err(error) => {
            let error = shown_on_form(error)?;
            campaigns_page(&state, &caller, &handle, None, Some(&error), Some(CampaignDraft::typed(&fields))).await
        }
    }
}

/// The campaign `id` of the organization `handle`, or 404.
async fn own_campaign(
    state: &AppState,
    caller: &Caller,
    handle: &str,
    id: Id,
    action: OrgAction,
) -> Result<CampaignRecord, Error> {
    let org = state.ads().advertiser(caller, handle, OrgAction::ViewAds).await?;
    let campaign = state.ads().campaign(caller, id, action).await?;
    if campaign.advertiser_id != org.id {
        return Err(Error::new(ErrorCode::AdCampaignNotFound));
    }
    Ok(campaign)
}

/// An ad group as a campaign lists it.
struct GroupRow {
    id: String,
    name: String,
    pricing: String,
    bid: String,
    placements: Vec<&'static str>,
    status: String,
    /// Interests, keywords and the lookalike audience in words ("#护肤 · [防晒霜]").
    targeting: String,
}

fn group_row(layout: &Layout, g: &GroupRecord) -> GroupRow {
    let t = Targeting::from_stored(&g.targeting);
    let mut parts: Vec<String> = t.interests.iter().map(|i| format!("#{i}")).collect();
    parts.extend(t.keywords.iter().map(|k| keyword_line(&k.text, k.match_type)));
    parts.extend(t.negative_keywords.iter().map(|k| format!("−{}", k.text)));
    if let Some(d) = &t.demographics {
        parts.extend(d.age_bands.iter().cloned());
        parts.extend(d.genders.iter().map(|g| layout.tv("gender", g)));
        parts.extend(d.cities.iter().cloned());
    }
    if let Some(l) = &t.lookalike {
        parts.push(layout.t2(
            "ads-lookalike-summary",
            "seed",
            layout.tv("ads-seed", &l.seed),
            "count",
            l.audience_size as i64,
        ));
    }
    GroupRow {
        id: g.id.to_string(),
        name: g.name.clone(),
        pricing: g.pricing.clone(),
        bid: yuan(g.bid_minor),
        placements: placements_of(&g.placements).iter().map(|p| p.as_str()).collect(),
        status: g.status.clone(),
        targeting: if parts.is_empty() { layout.t("ads-targeting-anyone") } else { parts.join(" · ") },
    }
}

/// What a group form holds.
struct GroupDraft {
    name: String,
    pricing: String,
    bid: String,
    frequency_cap: String,
    placements: Vec<String>,
    /// Topics, separated by spaces or commas.
    interests: String,
    /// One per line: `[word]` exact, `"words"` phrase, else broad.
    keywords: String,
    negative_keywords: String,
    age_bands: Vec<String>,
    genders: Vec<String>,
    cities: String,
    lookalike: String,
}

/// A keyword as a line of the form shows it.
fn keyword_line(text: &str, match_type: MatchType) -> String {
    match match_type {
        MatchType::Exact => format!("[{text}]"),
        MatchType::Phrase => format!("\"{text}\""),
        MatchType::Broad => text.to_owned(),
    }
}

/// A line of the keywords box: `[word]` (or `【word】`) exact, `"words"` (or
/// `“words”`) phrase, anything else broad.
fn parse_keyword_line(line: &str) -> (String, MatchType) {
    let line = line.trim();
    for (open, close, match_type) in [
        ('[', ']', MatchType::Exact),
        ('【', '】', MatchType::Exact),
        ('"', '"', MatchType::Phrase),
        ('“', '”', MatchType::Phrase),
    ] {
        if let Some(inner) = line.strip_prefix(open).and_then(|rest| rest.strip_suffix(close)) {
            return (inner.trim().to_owned(), match_type);
        }
    }
    (line.to_owned(), MatchType::Broad)
}

/// Words separated by commas (either width), 、 or whitespace.
fn split_list(raw: &str) -> Vec<String> {
    raw.split(|c: char| c == ',' || c == '，' || c == '、' || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

impl GroupDraft {
    fn blank(objective: &str) -> GroupDraft {
        let placements = if objective == "search" { vec!["search".into()] } else { vec!["feed".into()] };
        GroupDraft {
            name: String::new(),
            pricing: "cpc".into(),
            bid: String::new(),
            frequency_cap: "3".into(),
            placements,
            interests: String::new(),
            keywords: String::new(),
            negative_keywords: String::new(),
            age_bands: Vec::new(),
            genders: Vec::new(),
            cities: String::new(),
            lookalike: String::new(),
        }
    }

    fn of(g: &GroupRecord) -> GroupDraft {
        let t = Targeting::from_stored(&g.targeting);
        let demographics = t.demographics.clone().unwrap_or_default();
        GroupDraft {
            name: g.name.clone(),
            pricing: g.pricing.clone(),
            bid: carmine_core::money::decimal(g.bid_minor),
            frequency_cap: g.frequency_cap.to_string(),
            placements: placements_of(&g.placements).iter().map(|p| p.as_str().to_owned()).collect(),
            interests: t.interests.join(" "),
            keywords: t.keywords.iter().map(|k| keyword_line(&k.text, k.match_type)).collect::<Vec<_>>().join("\n"),
            negative_keywords: t.negative_keywords.iter().map(|k| k.text.clone()).collect::<Vec<_>>().join("\n"),
            age_bands: demographics.age_bands,
            genders: demographics.genders,
            cities: demographics.cities.join(" "),
            lookalike: t.lookalike.map(|l| l.seed).unwrap_or_default(),
        }
    }

    fn typed(fields: &[(String, String)]) -> GroupDraft {
        GroupDraft {
            name: field(fields, "name").to_owned(),
            pricing: field(fields, "pricing").to_owned(),
            bid: field(fields, "bid").to_owned(),
            frequency_cap: field(fields, "frequency_cap").to_owned(),
            placements: all_of(fields, "placements"),
            interests: field(fields, "interests").to_owned(),
            keywords: field(fields, "keywords").to_owned(),
            negative_keywords: field(fields, "negative_keywords").to_owned(),
            age_bands: all_of(fields, "age_bands"),
            genders: all_of(fields, "genders"),
            cities: field(fields, "cities").to_owned(),
            lookalike: field(fields, "lookalike").to_owned(),
        }
    }

    fn has(&self, placement: &str) -> bool {
        self.placements.iter().any(|p| p == placement)
    }

    fn has_band(&self, band: &str) -> bool {
        self.age_bands.iter().any(|b| b == band)
    }

    fn has_gender(&self, gender: &str) -> bool {
        self.genders.iter().any(|g| g == gender)
    }
}

/// Every value of a repeated field (checkboxes).
fn all_of(fields: &[(String, String)], name: &str) -> Vec<String> {
    fields.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
}

fn targeting_of(fields: &[(String, String)]) -> TargetingInput {
    let lines = |name: &str| -> Vec<String> {
        field(fields, name).lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
    };
    let demographics = Demographics {
        age_bands: all_of(fields, "age_bands"),
        genders: all_of(fields, "genders"),
        cities: split_list(field(fields, "cities")),
    };
    let lookalike = field(fields, "lookalike").trim();
    TargetingInput {
        interests: split_list(field(fields, "interests")),
        keywords: lines("keywords").iter().map(|l| parse_keyword_line(l)).collect(),
        negative_keywords: lines("negative_keywords")
            .iter()
            .map(|l| l.trim_start_matches('-').trim().to_owned())
            .collect(),
        demographics: Some(demographics),
        lookalike: (!lookalike.is_empty()).then(|| lookalike.to_owned()),
    }
}

fn group_input(fields: &[(String, String)]) -> Result<GroupInput, Error> {
    let placements = fields
        .iter()
        .filter(|(k, _)| k == "placements")
        .map(|(_, v)| Placement::parse("placements", v))
        .collect::<Result<Vec<_>, _>>()?;
    let cap = field(fields, "frequency_cap").trim();
    Ok(GroupInput {
        name: field(fields, "name").to_owned(),
        pricing: Pricing::parse("pricing", field(fields, "pricing"))?,
        bid_minor: required_yuan(fields, "bid")?,
        frequency_cap: if cap.is_empty() {
            3
        } else {
            cap.parse().map_err(|_| Error::invalid_field("frequency_cap", "a whole number from 1 to 20"))?
        },
        placements,
        targeting: targeting_of(fields),
    })
}

#[derive(Template)]
#[template(path = "ads_campaign.html")]
struct CampaignPage {
    layout: Layout,
    console: Console,
    handle: String,
    can_manage: bool,
    campaign: CampaignRow,
    draft: CampaignDraft,
    /// The schedule as the page showed it (kept if untouched).
    starts_was: String,
    ends_was: String,
    groups: Vec<GroupRow>,
    group_draft: GroupDraft,
    placements: Vec<&'static str>,
    choices: TargetingChoices,
}

/// The closed sets the targeting fields offer.
struct TargetingChoices {
    age_bands: &'static [&'static str],
    genders: &'static [&'static str],
    seeds: &'static [&'static str],
    /// The smallest audience the instance allows.
    audience_min: usize,
}

impl TargetingChoices {
    fn of(state: &AppState) -> TargetingChoices {
        TargetingChoices {
            age_bands: &AGE_BANDS,
            genders: carmine_accounts::members::GENDERS,
            seeds: &SEEDS,
            audience_min: state.ads().config().audience_min,
        }
    }
}

/// Which of a campaign's two forms a refused submission came from.
enum Refused {
    Campaign(CampaignDraft),
    Group(GroupDraft),
}

async fn campaign_page(
    state: &AppState,
    caller: &Caller,
    (handle, id): (&str, Id),
    done: Option<&str>,
    error: Option<&Error>,
    refused: Option<Refused>,
) -> Result<Response, ApiError> {
    let (org, console, can_manage) = console(state, caller, handle).await?;
    let campaign = own_campaign(state, caller, handle, id, OrgAction::ViewAds).await?;
    let (_, groups) = state.ads().groups(caller, id).await?;
    let layout = Layout::with(Some(caller), done, error);
    let saved = CampaignDraft::of(&campaign);
    let (draft, group_draft) = match refused {
        Some(Refused::Campaign(d)) => (d, GroupDraft::blank(&campaign.objective)),
        Some(Refused::Group(g)) => (CampaignDraft::of(&campaign), g),
        None => (CampaignDraft::of(&campaign), GroupDraft::blank(&campaign.objective)),
    };
    let placements = if campaign.objective == "search" {
        vec!["search"]
    } else {
        Placement::ALL.iter().map(|p| p.as_str()).collect()
    };
    let page = CampaignPage {
        console,
        handle: org.handle.clone(),
        can_manage: can_manage && campaign.status != "archived",
        campaign: campaign_row(&layout, &campaign),
        draft,
        starts_was: saved.starts_at,
        ends_was: saved.ends_at,
        groups: groups.iter().map(|g| group_row(&layout, g)).collect(),
        group_draft,
        placements,
        choices: TargetingChoices::of(state),
        layout,
    };
    Ok(render(&page, error))
}

async fn campaign(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((handle, id)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<DoneQuery>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::AdCampaignNotFound)?;
    campaign_page(&state, &caller, (&handle, id), q.done.as_deref(), None, None).await
}

async fn save_campaign(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((handle, id)): Path<(String, String)>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::AdCampaignNotFound)?;
    let saved = async {
        let current = own_campaign(&state, &caller, &handle, id, OrgAction::ManageAds).await?;
        state.ads().update_campaign(&caller, id, &campaign_input(&fields, Some(&current))?, None).await
    };
    match saved.await {
        Ok(_) => Ok(done(&format!("/o/{handle}/{TAB}/campaigns/{id}"), "campaign_saved")),
        Err(error) => {
            let error = shown_on_form(error)?;
            let refused = Refused::Campaign(CampaignDraft::typed(&fields));
            campaign_page(&state, &caller, (&handle, id), None, Some(&error), Some(refused)).await
        }
    }
}

#[derive(Deserialize)]
struct StatusForm {
    status: String,
}

async fn campaign_status(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((handle, id)): Path<(String, String)>,
    PageForm(form): PageForm<StatusForm>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::AdCampaignNotFound)?;
    let current = own_campaign(&state, &caller, &handle, id, OrgAction::ManageAds).await?;
    let status = Status::parse("status", &form.status)?;
    state.ads().update_campaign(&caller, id, &CampaignInput::of(&current), Some(status)).await?;
    let back = if status == Status::Archived {
        format!("/o/{handle}/{TAB}")
    } else {
        format!("/o/{handle}/{TAB}/campaigns/{id}")
    };
    Ok(done(&back, "campaign_saved"))
}

async fn create_group(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((handle, id)): Path<(String, String)>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::AdCampaignNotFound)?;
    let created = async {
        own_campaign(&state, &caller, &handle, id, OrgAction::ManageAds).await?;
        state.ads().create_group(&caller, id, &group_input(&fields)?).await
    };
    match created.await {
        Ok(g) => Ok(done(&format!("/o/{handle}/{TAB}/groups/{}", g.id), "ad_group_created")),
        Err(error) => {
            let error = shown_on_form(error)?;
            let refused = Refused::Group(GroupDraft::typed(&fields));
            campaign_page(&state, &caller, (&handle, id), None, Some(&error), Some(refused)).await
        }
    }
}

/// The ad group `id` of the organization `handle`, with its campaign, or 404.
async fn own_group(
    state: &AppState,
    caller: &Caller,
    handle: &str,
    id: Id,
    action: OrgAction,
) -> Result<(CampaignRecord, GroupRecord), Error> {
    let org = state.ads().advertiser(caller, handle, OrgAction::ViewAds).await?;
    let (campaign, group) = state.ads().group(caller, id, action).await?;
    if group.advertiser_id != org.id {
        return Err(Error::new(ErrorCode::AdGroupNotFound));
    }
    Ok((campaign, group))
}

/// An ad as its group lists it.
struct AdRow {
    id: String,
    note_id: String,
    title: String,
    author: String,
    cover: Option<String>,
    status: String,
    review_status: String,
    review_reason: String,
    delivery: &'static str,
    /// The organization's own note (it may mend it before submitting it again).
    own_note: bool,
}

fn ad_row(s: &AdState) -> AdRow {
    AdRow {
        id: s.ad.id.to_string(),
        note_id: s.ad.note_id.to_string(),
        title: s.note.as_ref().map(|n| n.title.clone()).unwrap_or_default(),
        author: s.note.as_ref().map(|n| n.author_handle.clone()).unwrap_or_default(),
        cover: s
            .note
            .as_ref()
            .and_then(|n| n.cover.as_ref())
            .map(|c| format!("/media/{}/{}/grid.jpg", c.media_id, c.url_key)),
        status: s.ad.status.clone(),
        review_status: s.ad.review_status.clone(),
        review_reason: s.ad.review_reason.clone().unwrap_or_default(),
        delivery: s.delivery.as_str(),
        own_note: s.note.as_ref().is_some_and(|n| n.author_kind == "org"),
    }
}

#[derive(Template)]
#[template(path = "ads_group.html")]
struct GroupPage {
    layout: Layout,
    console: Console,
    handle: String,
    can_manage: bool,
    campaign_id: String,
    campaign_name: String,
    group: GroupRow,
    frequency_cap: i64,
    draft: GroupDraft,
    placements: Vec<&'static str>,
    ads: Vec<AdRow>,
    /// The organization's notes the group may add: (note id, title, date published).
    own_notes: Vec<(String, String, String)>,
    /// Creators' notes authorised for it: (note id, title, "@creator").
    creator_notes: Vec<(String, String, String)>,
    choices: TargetingChoices,
    forecasts: Vec<ForecastView>,
    forecast_page_notes: usize,
}

/// The bid forecast on one placement, in words and amounts.
struct ForecastView {
    placement: &'static str,
    competitors: usize,
    slots: usize,
    /// "2.0%".
    ctr: String,
    lines: Vec<ForecastLineView>,
    /// The least bid that takes the first slot (empty: none within the limit).
    top_bid: String,
    below_floor: bool,
}

struct ForecastLineView {
    bid: String,
    current: bool,
    /// 1-based; 0: not shown.
    slot: usize,
    price: String,
}

fn forecast_view(f: &carmine_ads::forecast::PlacementForecast) -> ForecastView {
    ForecastView {
        placement: f.placement.as_str(),
        competitors: f.competitors,
        slots: f.slots,
        ctr: format!("{:.1}%", f.ctr * 100.0),
        lines: f
            .lines
            .iter()
            .map(|l| ForecastLineView {
                bid: yuan(l.bid_minor),
                current: l.current,
                slot: l.slot.map_or(0, |s| s + 1),
                price: l.price_minor.map(yuan).unwrap_or_default(),
            })
            .collect(),
        top_bid: f.top_bid_minor.map(yuan).unwrap_or_default(),
        below_floor: f.below_floor,
    }
}

async fn group_page(
    state: &AppState,
    caller: &Caller,
    (handle, id): (&str, Id),
    done: Option<&str>,
    error: Option<&Error>,
    draft: Option<GroupDraft>,
) -> Result<Response, ApiError> {
    let (org, console, can_manage) = console(state, caller, handle).await?;
    let (campaign, group) = own_group(state, caller, handle, id, OrgAction::ViewAds).await?;
    let (_, _, ads) = state.ads().ads(caller, id).await?;
    let states = state.ads().states(&campaign, &group, ads).await?;
    let forecasts = state.ads().forecast(caller, id).await?;
    let in_group: Vec<Id> = states.iter().map(|s| s.ad.note_id).collect();
    let layout = Layout::with(Some(caller), done, error);
    let (mut own_notes, mut creator_notes) = (Vec::new(), Vec::new());
    if can_manage {
        let actor = carmine_store::actors::ActorRecord {
            id: org.id,
            kind: "org".into(),
            handle: org.handle.clone(),
            name: org.name.clone(),
        };
        let own = state.notes().by_author(None, &actor, None, 50).await?;
        let authorised = state.ads().authorised_notes(caller, handle, 50).await?;
        let advertisable = |n: &&carmine_store::notes::NoteRecord| {
            !in_group.contains(&n.id) && n.visibility == "public" && n.moderation == "none"
        };
        let title =
            |n: &carmine_store::notes::NoteRecord| if n.title.is_empty() { n.id.to_string() } else { n.title.clone() };
        for note in own.notes.iter().filter(advertisable) {
            let when = note.published_at.map(|at| layout.date(&at)).unwrap_or_default();
            own_notes.push((note.id.to_string(), title(note), when));
        }
        for note in authorised.iter().filter(advertisable) {
            creator_notes.push((note.id.to_string(), title(note), format!("@{}", note.author_handle)));
        }
    }
    let placements = if campaign.objective == "search" {
        vec!["search"]
    } else {
        Placement::ALL.iter().map(|p| p.as_str()).collect()
    };
    let page = GroupPage {
        console,
        handle: org.handle.clone(),
        can_manage: can_manage && group.status != "archived" && campaign.status != "archived",
        campaign_id: campaign.id.to_string(),
        campaign_name: campaign.name.clone(),
        group: group_row(&layout, &group),
        frequency_cap: group.frequency_cap,
        draft: draft.unwrap_or_else(|| GroupDraft::of(&group)),
        placements,
        ads: states.iter().map(ad_row).collect(),
        own_notes,
        creator_notes,
        choices: TargetingChoices::of(state),
        forecasts: forecasts.iter().map(forecast_view).collect(),
        forecast_page_notes: carmine_ads::forecast::FORECAST_PAGE_NOTES,
        layout,
    };
    Ok(render(&page, error))
}

async fn group(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((handle, id)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<DoneQuery>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::AdGroupNotFound)?;
    group_page(&state, &caller, (&handle, id), q.done.as_deref(), None, None).await
}

async fn save_group(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((handle, id)): Path<(String, String)>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::AdGroupNotFound)?;
    let saved = async {
        own_group(&state, &caller, &handle, id, OrgAction::ManageAds).await?;
        state.ads().update_group(&caller, id, &group_input(&fields)?, None).await
    };
    match saved.await {
        Ok(_) => Ok(done(&format!("/o/{handle}/{TAB}/groups/{id}"), "ad_group_saved")),
        Err(error) => {
            let error = shown_on_form(error)?;
            group_page(&state, &caller, (&handle, id), None, Some(&error), Some(GroupDraft::typed(&fields))).await
        }
    }
}

async fn group_status(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((handle, id)): Path<(String, String)>,
    PageForm(form): PageForm<StatusForm>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::AdGroupNotFound)?;
    let (campaign, current) = own_group(&state, &caller, &handle, id, OrgAction::ManageAds).await?;
    let status = Status::parse("status", &form.status)?;
    state.ads().update_group(&caller, id, &GroupInput::of(&current), Some(status)).await?;
    let back = if status == Status::Archived {
        format!("/o/{handle}/{TAB}/campaigns/{}", campaign.id)
    } else {
        format!("/o/{handle}/{TAB}/groups/{id}")
    };
    Ok(done(&back, "ad_group_saved"))
}

#[derive(Deserialize)]
struct AdForm {
    note_id: String,
}

async fn create_ad(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((handle, id)): Path<(String, String)>,
    PageForm(form): PageForm<AdForm>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::AdGroupNotFound)?;
    let created = async {
        own_group(&state, &caller, &handle, id, OrgAction::ManageAds).await?;
        let note_id =
            form.note_id.trim().parse().map_err(|_| Error::invalid_field("note_id", "one of the notes listed"))?;
        state.ads().create_ad(&caller, id, note_id).await
    };
    match created.await {
        Ok(ad) => Ok(done(&format!("/o/{handle}/{TAB}/groups/{id}#ad-{}", ad.id), "ad_created")),
        Err(error) => group_page(&state, &caller, (&handle, id), None, Some(&shown_on_form(error)?), None).await,
    }
}

async fn ad_status(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((handle, id)): Path<(String, String)>,
    PageForm(form): PageForm<StatusForm>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::AdNotFound)?;
    let org = state.ads().advertiser(&caller, &handle, OrgAction::ViewAds).await?;
    let (_, group, ad) = state.ads().ad(&caller, id, OrgAction::ManageAds).await?;
    if ad.advertiser_id != org.id {
        return Err(Error::new(ErrorCode::AdNotFound).into());
    }
    state.ads().set_ad_status(&caller, id, Status::parse("status", &form.status)?).await?;
    Ok(done(&format!("/o/{handle}/{TAB}/groups/{}#ad-{id}", group.id), "ad_status_saved"))
}

/// A copy's name: the original's (shortened) and "(copy)" in the reader's language.
fn copy_name(caller: &Caller, original: &str) -> String {
    let layout = Layout::with(Some(caller), None, None);
    let short: String = original.chars().take(carmine_core::limits::AD_NAME_CHARS_MAX - 10).collect();
    layout.t1("ads-copy-name", "name", short)
}

/// The notice a copy ends with: whole, or with some ads left out.
fn copied_notice(ads_left_out: usize, whole: &'static str) -> &'static str {
    if ads_left_out > 0 { "ads_left_out" } else { whole }
}

async fn duplicate_campaign(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((handle, id)): Path<(String, String)>,
    PageForm(_): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::AdCampaignNotFound)?;
    let source = own_campaign(&state, &caller, &handle, id, OrgAction::ManageAds).await?;
    let copied = state.ads().duplicate_campaign(&caller, id, &copy_name(&caller, &source.name)).await;
    match copied {
        Ok(c) => Ok(done(
            &format!("/o/{handle}/{TAB}/campaigns/{}", c.copy.id),
            copied_notice(c.ads_left_out, "campaign_duplicated"),
        )),
        Err(error) => campaign_page(&state, &caller, (&handle, id), None, Some(&shown_on_form(error)?), None).await,
    }
}

async fn duplicate_group(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((handle, id)): Path<(String, String)>,
    PageForm(_): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::AdGroupNotFound)?;
    let (_, source) = own_group(&state, &caller, &handle, id, OrgAction::ManageAds).await?;
    match state.ads().duplicate_group(&caller, id, &copy_name(&caller, &source.name)).await {
        Ok(c) => Ok(done(
            &format!("/o/{handle}/{TAB}/groups/{}", c.copy.id),
            copied_notice(c.ads_left_out, "ad_group_duplicated"),
        )),
        Err(error) => group_page(&state, &caller, (&handle, id), None, Some(&shown_on_form(error)?), None).await,
    }
}

/// A rejected ad sent back to review (its note mended).
async fn resubmit_ad(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((handle, id)): Path<(String, String)>,
    PageForm(_): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::AdNotFound)?;
    let org = state.ads().advertiser(&caller, &handle, OrgAction::ViewAds).await?;
    let (_, group, ad) = state.ads().ad(&caller, id, OrgAction::ManageAds).await?;
    if ad.advertiser_id != org.id {
        return Err(Error::new(ErrorCode::AdNotFound).into());
    }
    match state.ads().resubmit_ad(&caller, id).await {
        Ok(_) => Ok(done(&format!("/o/{handle}/{TAB}/groups/{}#ad-{id}", group.id), "ad_resubmitted")),
        Err(error) => group_page(&state, &caller, (&handle, group.id), None, Some(&shown_on_form(error)?), None).await,
    }
}

/// A click on a sponsored card: recorded (billed or refused with its reason), then
/// on to the note — whatever became of the click, the member gets where they tapped.
/// The token stays in a cookie a while, so what they then do with the note is paid
/// engagement (`extract::AdToken`).
async fn click(
    State(state): State<AppState>,
    context: crate::extract::RequestContext,
    headers: axum::http::HeaderMap,
    Path(token): Path<String>,
) -> Response {
    let recorded =
        crate::api::ads::events::record(&state, &context, &headers, &token, carmine_ads::events::EventKind::Click)
            .await;
    // Only a click by someone the ad may count (not a bot, another viewer, a
    // suspended member, its own staff or a click farm) makes what follows paid.
    let (note, genuine) = match recorded {
        Ok(r) => (Some(r.note_id), !r.reason.is_some_and(carmine_ads::events::is_invalid_reason)),
        // A replayed or expired token still opens its note; a forged one, the feed.
        Err(error) => {
            tracing::debug!(code = error.code.as_str(), "an ad click was refused");
            (state.ads().note_of_token(&token).await, false)
        }
    };
    let Some(note) = note else { return Redirect::to("/").into_response() };
    let mut response = Redirect::to(&format!("/notes/{note}")).into_response();
    let remembered = carmine_ads::tokens::TOKEN_SECONDS + carmine_ads::events::PAID_WINDOW_SECONDS;
    if genuine && let Some(cookie) = crate::cookies::set_ad(state.web_config(), &token, remembered) {
        response.headers_mut().append(axum::http::header::SET_COOKIE, cookie);
    }
    response
}
