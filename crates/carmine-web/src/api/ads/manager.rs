//! The ads manager's helpers beyond create, read and edit: an ad group's bid forecast
//! (`carmine_ads::forecast`, the simulator's auction against the ads that may serve
//! now), copies of a campaign or an ad group (`carmine_ads::duplicate`: paused, ads
//! reviewed again), and sending a rejected ad back to review.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use carmine_accounts::orgs::OrgAction;
use carmine_core::ErrorCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{AdView, CampaignView, GroupView, ad_view, advertiser_handle, campaign_view, group_view, money};
use crate::api::money::MoneyView;
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{CheckLater, Member, path_id};
use crate::openapi::ErrorBody;

#[derive(Serialize, ToSchema)]
pub struct ForecastLineView {
    /// Per click (CPC) or per thousand impressions (CPM).
    pub bid: MoneyView,
    /// The group's own bid.
    pub current: bool,
    /// The ad slot won, 1 for the first on the page; absent: not shown.
    pub slot: Option<usize>,
    /// What the winner would pay, in the bid's unit.
    pub price: Option<MoneyView>,
}

#[derive(Serialize, ToSchema)]
pub struct PlacementForecastView {
    /// `feed`, `search` or `related`.
    pub placement: String,
    /// Ads of other groups that may serve there now.
    pub competitors: usize,
    /// Ad slots on the forecast's page.
    pub slots: usize,
    /// The group's predicted top-slot click-through rate there.
    pub predicted_ctr: f64,
    pub lines: Vec<ForecastLineView>,
    /// The least bid within the instance's limit that takes the first slot.
    pub top_bid: Option<MoneyView>,
    /// The group's notes engage too little for the relevance floor: no bid shows them.
    pub below_floor: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ForecastView {
    /// Organic notes on the page the forecast fills.
    pub page_notes: usize,
    pub placements: Vec<PlacementForecastView>,
}

/// What an ad group's bid (and bids around it) would win on a page of each of its
/// placements, against every ad that may serve there now.
#[utoipa::path(get, path = "/api/v1/ads/groups/{id}/forecast", tag = "ads", params(("id" = String, Path)),
    responses((status = 200, body = ForecastView), (status = 404, body = ErrorBody, description = "`ad_group_not_found`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn ad_group_forecast(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Json<ForecastView>, ApiError> {
    let id = path_id(&id, ErrorCode::AdGroupNotFound)?;
    let forecasts = state.ads().forecast(&caller, id).await?;
    let placements = forecasts
        .iter()
        .map(|f| PlacementForecastView {
            placement: f.placement.as_str().to_owned(),
            competitors: f.competitors,
            slots: f.slots,
            predicted_ctr: f.ctr,
            lines: f
                .lines
                .iter()
                .map(|l| ForecastLineView {
                    bid: money(&state, l.bid_minor),
                    current: l.current,
                    slot: l.slot.map(|s| s + 1),
                    price: l.price_minor.map(|p| money(&state, p)),
                })
                .collect(),
            top_bid: f.top_bid_minor.map(|b| money(&state, b)),
            below_floor: f.below_floor,
        })
        .collect();
    Ok(Json(ForecastView { page_notes: carmine_ads::forecast::FORECAST_PAGE_NOTES, placements }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DuplicateRequest {
    /// The copy's name.
    #[schema(min_length = 1, max_length = 60)]
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct CampaignCopyView {
    /// The copy: paused, its ads waiting for review.
    pub campaign: CampaignView,
    /// Ads of the original left out because their notes can no longer be advertised.
    pub ads_left_out: usize,
}

/// Copies a campaign with its ad groups and ads; the copy is paused.
#[utoipa::path(post, path = "/api/v1/ads/campaigns/{id}/duplicate", tag = "ads", params(("id" = String, Path)),
    request_body = DuplicateRequest,
    responses((status = 201, body = CampaignCopyView), (status = 403, body = ErrorBody, description = "`role_too_low`"),
        (status = 404, body = ErrorBody, description = "`ad_campaign_not_found`"),
        (status = 409, body = ErrorBody, description = "`ads_limit_reached`"),
        (status = 422, body = ErrorBody, description = "`invalid_field`, `audience_too_small`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn duplicate_campaign(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    body: CheckLater<DuplicateRequest>,
) -> Result<(StatusCode, Json<CampaignCopyView>), ApiError> {
    let id = path_id(&id, ErrorCode::AdCampaignNotFound)?;
    state.ads().campaign(&caller, id, OrgAction::ManageAds).await?;
    let copied = state.ads().duplicate_campaign(&caller, id, &body.parse()?.name).await?;
    let handle = advertiser_handle(&state, copied.copy.advertiser_id).await?;
    let campaign = campaign_view(&state, &handle, &copied.copy);
    Ok((StatusCode::CREATED, Json(CampaignCopyView { campaign, ads_left_out: copied.ads_left_out })))
}

#[derive(Serialize, ToSchema)]
pub struct GroupCopyView {
    /// The copy: paused, its ads waiting for review.
    pub group: GroupView,
    pub ads_left_out: usize,
}

/// Copies an ad group with its ads into its campaign; the copy is paused.
#[utoipa::path(post, path = "/api/v1/ads/groups/{id}/duplicate", tag = "ads", params(("id" = String, Path)),
    request_body = DuplicateRequest,
    responses((status = 201, body = GroupCopyView), (status = 403, body = ErrorBody, description = "`role_too_low`"),
        (status = 404, body = ErrorBody, description = "`ad_group_not_found`"),
        (status = 409, body = ErrorBody, description = "`ad_archived`, `ads_limit_reached`"),
        (status = 422, body = ErrorBody, description = "`invalid_field`, `audience_too_small`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn duplicate_group(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    body: CheckLater<DuplicateRequest>,
) -> Result<(StatusCode, Json<GroupCopyView>), ApiError> {
    let id = path_id(&id, ErrorCode::AdGroupNotFound)?;
    state.ads().group(&caller, id, OrgAction::ManageAds).await?;
    let copied = state.ads().duplicate_group(&caller, id, &body.parse()?.name).await?;
    Ok((
        StatusCode::CREATED,
        Json(GroupCopyView { group: group_view(&state, &copied.copy), ads_left_out: copied.ads_left_out }),
    ))
}

/// Sends a rejected ad back to review, once its note passes the automatic checks.
#[utoipa::path(post, path = "/api/v1/ads/ads/{id}/resubmit", tag = "ads", params(("id" = String, Path)),
    responses((status = 200, body = AdView), (status = 403, body = ErrorBody, description = "`role_too_low`, `creative_not_authorised`"),
        (status = 404, body = ErrorBody, description = "`ad_not_found`, `note_not_found`"),
        (status = 409, body = ErrorBody, description = "`ad_not_rejected`, `ad_archived`, `note_not_advertisable`, `ad_store_required`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn resubmit_ad(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Json<AdView>, ApiError> {
    let id = path_id(&id, ErrorCode::AdNotFound)?;
    state.ads().resubmit_ad(&caller, id).await?;
    let (campaign, group, ad) = state.ads().ad(&caller, id, OrgAction::ViewAds).await?;
    Ok(Json(ad_view(&state.ads().state(&campaign, &group, ad).await?)))
}
