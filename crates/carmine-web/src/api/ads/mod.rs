//! Advertising's API (ADR 0028): an organization's campaigns, their ad groups and
//! ads (`/api/v1/ads/…`), creators' authorisations on their notes
//! (`authorisations.rs`), the operator's review queue (`review.rs`) and members'
//! boosts (`boosts.rs`, `/api/v1/boosts`) and reports (`reports.rs`). One router,
//! merged into `/api/v1` in one line. An object of another advertiser answers 404.

pub(crate) mod auction;
pub(crate) mod authorisations;
pub(crate) mod boosts;
pub(crate) mod events;
pub(crate) mod manager;
pub(crate) mod reports;
pub(crate) mod review;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use carmine_accounts::orgs::OrgAction;
use carmine_ads::delivery::AdState;
use carmine_ads::targeting::{Demographics, Targeting};
use carmine_ads::{CampaignInput, GroupInput, MatchType, Objective, Placement, Pricing, Status, TargetingInput};
use carmine_core::{ErrorCode, Id, Timestamp};
use carmine_store::ads::{CampaignRecord, GroupRecord};
use carmine_store::notes::NoteRecord;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::money::MoneyView;
use crate::api::views::{Items, Page};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiQuery, CheckLater, Member, path_id};
use crate::openapi::ErrorBody;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_campaigns, create_campaign))
        .routes(routes!(get_campaign, update_campaign))
        .routes(routes!(list_groups, create_group))
        .routes(routes!(get_group, update_group))
        .routes(routes!(list_ads, create_ad))
        .routes(routes!(get_ad, update_ad))
        .routes(routes!(authorisations::list_ad_authorisations, authorisations::grant_ad_authorisation))
        .routes(routes!(authorisations::revoke_ad_authorisation))
        .routes(routes!(authorisations::authorised_notes))
        .routes(routes!(auction::simulate_auction))
        .routes(routes!(events::record_ad_event))
        .routes(routes!(review::ad_review_queue))
        .routes(routes!(review::decide_ad_review))
        .routes(routes!(boosts::list_boosts, boosts::create_boost))
        .routes(routes!(boosts::get_boost))
        .routes(routes!(boosts::stop_boost))
        .routes(routes!(reports::ad_report))
        .routes(routes!(reports::ad_report_csv))
        .routes(routes!(manager::ad_group_forecast))
        .routes(routes!(manager::duplicate_campaign))
        .routes(routes!(manager::duplicate_group))
        .routes(routes!(manager::resubmit_ad))
}

fn money(state: &AppState, minor: i64) -> MoneyView {
    MoneyView::new(minor, state.ledger().config().currency)
}

/// An amount in the instance's currency, in minor units.
fn minor(state: &AppState, amount: &MoneyView) -> Result<i64, ApiError> {
    state.ledger().config().check_currency(amount.currency)?;
    Ok(amount.amount_minor)
}

fn parse<T>(parsed: carmine_core::Result<T>) -> Result<T, ApiError> {
    parsed.map_err(ApiError)
}

// ---- Campaigns ---------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct CampaignView {
    pub id: String,
    /// The advertising organization's handle.
    pub advertiser: String,
    pub name: String,
    /// `engagement`, `reads`, `follows`, `product_sales` or `search`.
    pub objective: String,
    pub daily_budget: MoneyView,
    pub total_budget: Option<MoneyView>,
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ends_at: Option<Timestamp>,
    /// `active`, `paused` or `archived`.
    pub status: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

fn campaign_view(state: &AppState, handle: &str, c: &CampaignRecord) -> CampaignView {
    CampaignView {
        id: c.id.to_string(),
        advertiser: handle.to_owned(),
        name: c.name.clone(),
        objective: c.objective.clone(),
        daily_budget: money(state, c.daily_budget_minor),
        total_budget: c.total_budget_minor.map(|m| money(state, m)),
        starts_at: c.starts_at,
        ends_at: c.ends_at,
        status: c.status.clone(),
        created_at: c.created_at,
    }
}

async fn advertiser_handle(state: &AppState, id: Id) -> Result<String, ApiError> {
    let mut conn = state.ads().db().reader().await.map_err(carmine_core::Error::from)?;
    Ok(carmine_store::actors::get(&mut conn, id)
        .await
        .map_err(carmine_core::Error::from)?
        .map(|a| a.handle)
        .unwrap_or_default())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CampaignsQuery {
    /// The advertising organization's handle.
    pub org: String,
    /// Include archived campaigns.
    pub archived: Option<bool>,
    /// Items per page: default 20, clamped to 1..=100.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// An organization's campaigns, newest first (any member of it).
#[utoipa::path(get, path = "/api/v1/ads/campaigns", tag = "ads", params(CampaignsQuery),
    responses((status = 200, body = Page<CampaignView>), (status = 404, body = ErrorBody, description = "`org_not_found`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn list_campaigns(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(q): ApiQuery<CampaignsQuery>,
) -> Result<Json<Page<CampaignView>>, ApiError> {
    let (limit, before) = crate::api::PageQuery { limit: q.limit, cursor: q.cursor }.position(&state)?;
    let (org, list) = state.ads().campaigns(&caller, &q.org, q.archived.unwrap_or(false), before, limit + 1).await?;
    Ok(Json(crate::api::page(&state, list, limit, |c| c.id, |c| campaign_view(&state, &org.handle, c))))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignRequest {
    /// The advertising organization's handle.
    #[schema(max_length = 30)]
    pub org: String,
    #[schema(min_length = 1, max_length = 60)]
    pub name: String,
    #[schema(pattern = "^(engagement|reads|follows|product_sales|search)$")]
    pub objective: String,
    /// 1 minor unit to ¥1,000,000.
    pub daily_budget: MoneyView,
    /// At least the daily budget, at most ¥100,000,000; absent: none.
    pub total_budget: Option<MoneyView>,
    /// Absent or past: now; at most 366 days ahead.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub starts_at: Option<Timestamp>,
    /// After the start, within 366 days of it; absent: runs until paused.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ends_at: Option<Timestamp>,
}

/// Creates a campaign (owners, admins and staff of the organization).
#[utoipa::path(post, path = "/api/v1/ads/campaigns", tag = "ads", request_body = CampaignRequest,
    responses((status = 201, body = CampaignView), (status = 403, body = ErrorBody, description = "`role_too_low`"),
        (status = 404, body = ErrorBody, description = "`org_not_found`"),
        (status = 409, body = ErrorBody, description = "`ads_limit_reached`"),
        (status = 422, body = ErrorBody, description = "`invalid_field`, `unsupported_currency`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn create_campaign(
    State(state): State<AppState>,
    Member(caller): Member,
    body: CheckLater<CampaignRequest>,
) -> Result<(StatusCode, Json<CampaignView>), ApiError> {
    let body = body.parse()?;
    let input = CampaignInput {
        name: body.name,
        objective: parse(Objective::parse("objective", &body.objective))?,
        daily_budget_minor: minor(&state, &body.daily_budget)?,
        total_budget_minor: body.total_budget.as_ref().map(|m| minor(&state, m)).transpose()?,
        starts_at: body.starts_at,
        ends_at: body.ends_at,
    };
    let campaign = state.ads().create_campaign(&caller, &body.org, &input).await?;
    let handle = body.org.to_ascii_lowercase();
    Ok((StatusCode::CREATED, Json(campaign_view(&state, &handle, &campaign))))
}

/// A campaign.
#[utoipa::path(get, path = "/api/v1/ads/campaigns/{id}", tag = "ads", params(("id" = String, Path)),
    responses((status = 200, body = CampaignView), (status = 404, body = ErrorBody, description = "`ad_campaign_not_found`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn get_campaign(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Json<CampaignView>, ApiError> {
    let id = path_id(&id, ErrorCode::AdCampaignNotFound)?;
    let campaign = state.ads().campaign(&caller, id, OrgAction::ViewAds).await?;
    let handle = advertiser_handle(&state, campaign.advertiser_id).await?;
    Ok(Json(campaign_view(&state, &handle, &campaign)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignChange {
    #[schema(min_length = 1, max_length = 60)]
    pub name: Option<String>,
    pub daily_budget: Option<MoneyView>,
    /// `null` removes the total budget.
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schema(value_type = Option<MoneyView>)]
    pub total_budget: Option<Option<MoneyView>>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub starts_at: Option<Timestamp>,
    /// `null`: runs until paused.
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ends_at: Option<Option<Timestamp>>,
    /// `active`, `paused` or `archived` (final).
    #[schema(pattern = "^(active|paused|archived)$")]
    pub status: Option<String>,
}

/// Changes a campaign's settings or status (not its objective).
#[utoipa::path(patch, path = "/api/v1/ads/campaigns/{id}", tag = "ads", params(("id" = String, Path)),
    request_body = CampaignChange,
    responses((status = 200, body = CampaignView), (status = 403, body = ErrorBody, description = "`role_too_low`"),
        (status = 404, body = ErrorBody, description = "`ad_campaign_not_found`"),
        (status = 409, body = ErrorBody, description = "`ad_archived`"),
        (status = 422, body = ErrorBody, description = "`invalid_field`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn update_campaign(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    body: CheckLater<CampaignChange>,
) -> Result<Json<CampaignView>, ApiError> {
    let id = path_id(&id, ErrorCode::AdCampaignNotFound)?;
    let current = state.ads().campaign(&caller, id, OrgAction::ManageAds).await?;
    let change = body.parse()?;
    let mut input = CampaignInput::of(&current);
    if let Some(name) = change.name {
        input.name = name;
    }
    if let Some(daily) = &change.daily_budget {
        input.daily_budget_minor = minor(&state, daily)?;
    }
    if let Some(total) = &change.total_budget {
        input.total_budget_minor = total.as_ref().map(|m| minor(&state, m)).transpose()?;
    }
    if let Some(start) = change.starts_at {
        input.starts_at = Some(start);
    }
    if let Some(end) = change.ends_at {
        input.ends_at = end;
    }
    let status = change.status.as_deref().map(|s| Status::parse("status", s)).transpose()?;
    let campaign = state.ads().update_campaign(&caller, id, &input, status).await?;
    let handle = advertiser_handle(&state, campaign.advertiser_id).await?;
    Ok(Json(campaign_view(&state, &handle, &campaign)))
}

// ---- Ad groups ---------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct GroupView {
    pub id: String,
    pub campaign_id: String,
    pub name: String,
    /// `cpc` (bid per click) or `cpm` (bid per thousand viewable impressions).
    pub pricing: String,
    pub bid: MoneyView,
    /// Impressions of the campaign one member may see a day.
    pub frequency_cap: i64,
    /// Of `feed`, `search`, `related`.
    pub placements: Vec<String>,
    pub targeting: TargetingView,
    pub status: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

#[derive(Serialize, ToSchema)]
pub struct KeywordView {
    pub text: String,
    /// `exact`, `phrase` or `broad`.
    #[serde(rename = "match")]
    pub match_type: String,
}

#[derive(Serialize, ToSchema)]
pub struct LookalikeView {
    /// `followers`, `engagers` or `customers`.
    pub seed: String,
    pub seed_size: usize,
    /// Members in the audience when the group was last saved.
    pub audience_size: usize,
}

#[derive(Serialize, ToSchema)]
pub struct TargetingView {
    /// Topics.
    pub interests: Vec<String>,
    pub keywords: Vec<KeywordView>,
    pub negative_keywords: Vec<String>,
    pub demographics: Option<DemographicsRequest>,
    pub lookalike: Option<LookalikeView>,
}

fn targeting_view(t: &Targeting) -> TargetingView {
    TargetingView {
        interests: t.interests.clone(),
        keywords: t
            .keywords
            .iter()
            .map(|k| KeywordView { text: k.text.clone(), match_type: k.match_type.as_str().to_owned() })
            .collect(),
        negative_keywords: t.negative_keywords.iter().map(|k| k.text.clone()).collect(),
        demographics: t.demographics.as_ref().map(|d| DemographicsRequest {
            age_bands: d.age_bands.clone(),
            genders: d.genders.clone(),
            cities: d.cities.clone(),
        }),
        lookalike: t.lookalike.as_ref().map(|l| LookalikeView {
            seed: l.seed.clone(),
            seed_size: l.seed_size,
            audience_size: l.audience_size,
        }),
    }
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeywordRequest {
    #[schema(min_length = 1, max_length = 40)]
    pub text: String,
    /// `exact`, `phrase` or `broad` (default).
    #[serde(rename = "match")]
    #[schema(pattern = "^(exact|phrase|broad)$")]
    pub match_type: Option<String>,
}

/// Members who consented to share their demographics, by any of these (each list
/// empty: anyone). The consenting audience must reach 1,000 members.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DemographicsRequest {
    /// Of `18-24`, `25-34`, `35-44`, `45-54`, `55+`.
    #[serde(default)]
    #[schema(max_items = 5)]
    pub age_bands: Vec<String>,
    /// Of `female`, `male`, `nonbinary`, `other`.
    #[serde(default)]
    #[schema(max_items = 4)]
    pub genders: Vec<String>,
    /// Cities as members write them.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub cities: Vec<String>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct TargetingRequest {
    /// Topics such as `护肤` (at most 20): members interested in them, or reading about them.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub interests: Vec<String>,
    /// Search keywords (at most 50; the search placement needs at least one).
    #[serde(default)]
    #[schema(max_items = 50)]
    pub keywords: Vec<KeywordRequest>,
    /// Queries holding all the words of one of these never show the ads (at most 50).
    #[serde(default)]
    #[schema(max_items = 50)]
    pub negative_keywords: Vec<String>,
    pub demographics: Option<DemographicsRequest>,
    /// `followers`, `engagers` or `customers`: members most like them (a seed of at
    /// least 100; the audience must reach 1,000).
    #[schema(pattern = "^(followers|engagers|customers)$")]
    pub lookalike: Option<String>,
}

fn targeting_input(t: TargetingRequest) -> Result<TargetingInput, ApiError> {
    let keywords = t
        .keywords
        .into_iter()
        .map(|k| Ok((k.text, MatchType::parse(k.match_type.as_deref().unwrap_or("broad"))?)))
        .collect::<carmine_core::Result<Vec<_>>>()?;
    Ok(TargetingInput {
        interests: t.interests,
        keywords,
        negative_keywords: t.negative_keywords,
        demographics: t.demographics.map(|d| Demographics {
            age_bands: d.age_bands,
            genders: d.genders,
            cities: d.cities,
        }),
        lookalike: t.lookalike,
    })
}

fn group_view(state: &AppState, g: &GroupRecord) -> GroupView {
    GroupView {
        id: g.id.to_string(),
        campaign_id: g.campaign_id.to_string(),
        name: g.name.clone(),
        pricing: g.pricing.clone(),
        bid: money(state, g.bid_minor),
        frequency_cap: g.frequency_cap,
        placements: carmine_ads::structure::placements_of(&g.placements)
            .iter()
            .map(|p| p.as_str().to_owned())
            .collect(),
        targeting: targeting_view(&Targeting::from_stored(&g.targeting)),
        status: g.status.clone(),
        created_at: g.created_at,
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupRequest {
    #[schema(min_length = 1, max_length = 60)]
    pub name: String,
    #[schema(pattern = "^(cpc|cpm)$")]
    pub pricing: String,
    /// 1 minor unit to ¥1,000 (per click, or per thousand viewable impressions).
    pub bid: MoneyView,
    /// 1 to 20; default 3.
    #[schema(minimum = 1, maximum = 20)]
    pub frequency_cap: Option<i64>,
    /// One or more of `feed`, `search`, `related` (a search campaign: `search` only).
    #[schema(max_items = 3)]
    pub placements: Vec<String>,
    /// Absent: anyone (the search placement still needs keywords).
    pub targeting: Option<TargetingRequest>,
}

fn group_input(state: &AppState, body: GroupRequest) -> Result<GroupInput, ApiError> {
    let placements =
        body.placements.iter().map(|p| Placement::parse("placements", p)).collect::<carmine_core::Result<Vec<_>>>()?;
    Ok(GroupInput {
        name: body.name,
        pricing: parse(Pricing::parse("pricing", &body.pricing))?,
        bid_minor: minor(state, &body.bid)?,
        frequency_cap: body.frequency_cap.unwrap_or(3),
        placements,
        targeting: targeting_input(body.targeting.unwrap_or_default())?,
    })
}

/// A campaign's ad groups.
#[utoipa::path(get, path = "/api/v1/ads/campaigns/{id}/groups", tag = "ads", params(("id" = String, Path)),
    responses((status = 200, body = Items<GroupView>), (status = 404, body = ErrorBody, description = "`ad_campaign_not_found`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn list_groups(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Json<Items<GroupView>>, ApiError> {
    let id = path_id(&id, ErrorCode::AdCampaignNotFound)?;
    let (_, groups) = state.ads().groups(&caller, id).await?;
    Ok(Json(Items { items: groups.iter().map(|g| group_view(&state, g)).collect() }))
}

/// Adds an ad group to a campaign.
#[utoipa::path(post, path = "/api/v1/ads/campaigns/{id}/groups", tag = "ads", params(("id" = String, Path)),
    request_body = GroupRequest,
    responses((status = 201, body = GroupView), (status = 403, body = ErrorBody, description = "`role_too_low`"),
        (status = 404, body = ErrorBody, description = "`ad_campaign_not_found`"),
        (status = 409, body = ErrorBody, description = "`ad_archived`, `ads_limit_reached`"),
        (status = 422, body = ErrorBody, description = "`invalid_field`, `audience_too_small`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn create_group(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    body: CheckLater<GroupRequest>,
) -> Result<(StatusCode, Json<GroupView>), ApiError> {
    let id = path_id(&id, ErrorCode::AdCampaignNotFound)?;
    state.ads().campaign(&caller, id, OrgAction::ManageAds).await?;
    let input = group_input(&state, body.parse()?)?;
    let group = state.ads().create_group(&caller, id, &input).await?;
    Ok((StatusCode::CREATED, Json(group_view(&state, &group))))
}

/// An ad group.
#[utoipa::path(get, path = "/api/v1/ads/groups/{id}", tag = "ads", params(("id" = String, Path)),
    responses((status = 200, body = GroupView), (status = 404, body = ErrorBody, description = "`ad_group_not_found`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn get_group(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Json<GroupView>, ApiError> {
    let id = path_id(&id, ErrorCode::AdGroupNotFound)?;
    let (_, group) = state.ads().group(&caller, id, OrgAction::ViewAds).await?;
    Ok(Json(group_view(&state, &group)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupChange {
    #[schema(min_length = 1, max_length = 60)]
    pub name: Option<String>,
    #[schema(pattern = "^(cpc|cpm)$")]
    pub pricing: Option<String>,
    pub bid: Option<MoneyView>,
    #[schema(minimum = 1, maximum = 20)]
    pub frequency_cap: Option<i64>,
    #[schema(max_items = 3)]
    pub placements: Option<Vec<String>>,
    /// Replaces the whole targeting (a lookalike audience is built again).
    pub targeting: Option<TargetingRequest>,
    #[schema(pattern = "^(active|paused|archived)$")]
    pub status: Option<String>,
}

/// Changes an ad group's bid, cap, placements or status.
#[utoipa::path(patch, path = "/api/v1/ads/groups/{id}", tag = "ads", params(("id" = String, Path)),
    request_body = GroupChange,
    responses((status = 200, body = GroupView), (status = 403, body = ErrorBody, description = "`role_too_low`"),
        (status = 404, body = ErrorBody, description = "`ad_group_not_found`"),
        (status = 409, body = ErrorBody, description = "`ad_archived`"),
        (status = 422, body = ErrorBody, description = "`invalid_field`, `audience_too_small`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn update_group(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    body: CheckLater<GroupChange>,
) -> Result<Json<GroupView>, ApiError> {
    let id = path_id(&id, ErrorCode::AdGroupNotFound)?;
    let (_, current) = state.ads().group(&caller, id, OrgAction::ManageAds).await?;
    let change = body.parse()?;
    let mut input = GroupInput::of(&current);
    if let Some(name) = change.name {
        input.name = name;
    }
    if let Some(pricing) = &change.pricing {
        input.pricing = Pricing::parse("pricing", pricing)?;
    }
    if let Some(bid) = &change.bid {
        input.bid_minor = minor(&state, bid)?;
    }
    if let Some(cap) = change.frequency_cap {
        input.frequency_cap = cap;
    }
    if let Some(placements) = &change.placements {
        input.placements =
            placements.iter().map(|p| Placement::parse("placements", p)).collect::<carmine_core::Result<_>>()?;
    }
    if let Some(targeting) = change.targeting {
        input.targeting = targeting_input(targeting)?;
    }
    let status = change.status.as_deref().map(|s| Status::parse("status", s)).transpose()?;
    let group = state.ads().update_group(&caller, id, &input, status).await?;
    Ok(Json(group_view(&state, &group)))
}

// ---- Ads ---------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct AdNoteView {
    pub id: String,
    pub title: String,
    /// The note's author's handle (the advertiser, or the creator who authorised it).
    pub author: String,
}

pub(crate) fn ad_note_view(note: &NoteRecord) -> AdNoteView {
    AdNoteView { id: note.id.to_string(), title: note.title.clone(), author: note.author_handle.clone() }
}

#[derive(Serialize, ToSchema)]
pub struct AdView {
    pub id: String,
    pub group_id: String,
    pub campaign_id: String,
    pub note_id: String,
    /// `None` when the note was deleted.
    pub note: Option<AdNoteView>,
    /// `pending`, `approved` or `rejected`.
    pub review_status: String,
    /// Why the operator rejected it.
    pub review_reason: Option<String>,
    /// The ad's own switch: `active`, `paused` or `archived`.
    pub status: String,
    /// Whether it can serve now, or the first reason it cannot: `eligible`, `in_review`,
    /// `rejected`, `paused`, `archived`, `scheduled`, `ended`, `note_unavailable`,
    /// `not_authorised`, `store_required`.
    pub delivery: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

pub(crate) fn ad_view(s: &AdState) -> AdView {
    AdView {
        id: s.ad.id.to_string(),
        group_id: s.ad.group_id.to_string(),
        campaign_id: s.ad.campaign_id.to_string(),
        note_id: s.ad.note_id.to_string(),
        note: s.note.as_ref().map(ad_note_view),
        review_status: s.ad.review_status.clone(),
        review_reason: s.ad.review_reason.clone(),
        status: s.ad.status.clone(),
        delivery: s.delivery.as_str().to_owned(),
        created_at: s.ad.created_at,
    }
}

/// An ad group's ads with their review and delivery state.
#[utoipa::path(get, path = "/api/v1/ads/groups/{id}/ads", tag = "ads", params(("id" = String, Path)),
    responses((status = 200, body = Items<AdView>), (status = 404, body = ErrorBody, description = "`ad_group_not_found`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn list_ads(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Json<Items<AdView>>, ApiError> {
    let id = path_id(&id, ErrorCode::AdGroupNotFound)?;
    let (campaign, group, ads) = state.ads().ads(&caller, id).await?;
    let states = state.ads().states(&campaign, &group, ads).await?;
    Ok(Json(Items { items: states.iter().map(ad_view).collect() }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdRequest {
    /// A published, public note of the organization, or one a creator authorised it
    /// to advertise.
    #[schema(value_type = String, pattern = "^[0-9]{1,19}$")]
    pub note_id: Id,
}

/// Adds an ad of a note to an ad group; it waits for review before it serves.
#[utoipa::path(post, path = "/api/v1/ads/groups/{id}/ads", tag = "ads", params(("id" = String, Path)),
    request_body = AdRequest,
    responses((status = 201, body = AdView),
        (status = 403, body = ErrorBody, description = "`role_too_low`, `creative_not_authorised`"),
        (status = 404, body = ErrorBody, description = "`ad_group_not_found`, `note_not_found`"),
        (status = 409, body = ErrorBody, description = "`note_not_advertisable`, `ad_store_required`, `ad_archived`, `ads_limit_reached`"),
        (status = 422, body = ErrorBody, description = "`invalid_field`: the note is in the group already")),
    security(("session" = []), ("bearer" = [])))]
pub async fn create_ad(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    body: CheckLater<AdRequest>,
) -> Result<(StatusCode, Json<AdView>), ApiError> {
    let id = path_id(&id, ErrorCode::AdGroupNotFound)?;
    let (campaign, group) = state.ads().group(&caller, id, OrgAction::ManageAds).await?;
    let body = body.parse()?;
    let ad = state.ads().create_ad(&caller, id, body.note_id).await?;
    let state_of = state.ads().state(&campaign, &group, ad).await?;
    Ok((StatusCode::CREATED, Json(ad_view(&state_of))))
}

/// An ad with its review and delivery state.
#[utoipa::path(get, path = "/api/v1/ads/ads/{id}", tag = "ads", params(("id" = String, Path)),
    responses((status = 200, body = AdView), (status = 404, body = ErrorBody, description = "`ad_not_found`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn get_ad(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Json<AdView>, ApiError> {
    let id = path_id(&id, ErrorCode::AdNotFound)?;
    let (campaign, group, ad) = state.ads().ad(&caller, id, OrgAction::ViewAds).await?;
    Ok(Json(ad_view(&state.ads().state(&campaign, &group, ad).await?)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdChange {
    /// `active`, `paused` or `archived` (final).
    #[schema(pattern = "^(active|paused|archived)$")]
    pub status: String,
}

/// Pauses, resumes or archives an ad.
#[utoipa::path(patch, path = "/api/v1/ads/ads/{id}", tag = "ads", params(("id" = String, Path)),
    request_body = AdChange,
    responses((status = 200, body = AdView), (status = 403, body = ErrorBody, description = "`role_too_low`"),
        (status = 404, body = ErrorBody, description = "`ad_not_found`"),
        (status = 409, body = ErrorBody, description = "`ad_archived`"),
        (status = 422, body = ErrorBody, description = "`invalid_field`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn update_ad(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    body: CheckLater<AdChange>,
) -> Result<Json<AdView>, ApiError> {
    let id = path_id(&id, ErrorCode::AdNotFound)?;
    state.ads().ad(&caller, id, OrgAction::ManageAds).await?;
    let status = Status::parse("status", &body.parse()?.status)?;
    state.ads().set_ad_status(&caller, id, status).await?;
    let (campaign, group, ad) = state.ads().ad(&caller, id, OrgAction::ViewAds).await?;
    Ok(Json(ad_view(&state.ads().state(&campaign, &group, ad).await?)))
}
