//! The operator's review queue: ads waiting for a decision, oldest first, with what
//! the automatic checks say of them now; approve, or reject with a reason.

use axum::Json;
use axum::extract::{Path, State};
use carmine_accounts::admin::Operator;
use carmine_ads::review::PendingAd;
use carmine_core::{ErrorCode, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{AdNoteView, ad_note_view};
use crate::api::views::Items;
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{Admin, ApiJson, path_id};
use crate::openapi::ErrorBody;

#[derive(Serialize, ToSchema)]
pub struct PendingAdView {
    pub id: String,
    pub campaign_id: String,
    pub campaign_name: String,
    pub objective: String,
    /// The advertiser's handle.
    pub advertiser: String,
    pub note: Option<AdNoteView>,
    /// The automatic checks' objection now, if any (an error code).
    pub problem: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

fn pending_view(p: &PendingAd) -> PendingAdView {
    PendingAdView {
        id: p.ad.id.to_string(),
        campaign_id: p.campaign.id.to_string(),
        campaign_name: p.campaign.name.clone(),
        objective: p.campaign.objective.clone(),
        advertiser: p.advertiser_handle.clone(),
        note: p.note.as_ref().map(ad_note_view),
        problem: p.problem.map(|c| c.as_str().to_owned()),
        created_at: p.ad.created_at,
    }
}

/// Ads waiting for review, oldest first (operator).
#[utoipa::path(get, path = "/api/v1/admin/ads/review", tag = "admin",
    responses((status = 200, body = Items<PendingAdView>), (status = 403, body = ErrorBody, description = "`admin_only`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn ad_review_queue(
    State(state): State<AppState>,
    Admin(admin): Admin,
) -> Result<Json<Items<PendingAdView>>, ApiError> {
    let pending = state.ads().pending_review(Operator::Admin(&admin)).await?;
    Ok(Json(Items { items: pending.iter().map(pending_view).collect() }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewDecision {
    #[schema(pattern = "^(approve|reject)$")]
    pub decision: String,
    /// Required to reject: what the advertiser should fix (at most 1,000 characters).
    #[schema(max_length = 1000)]
    pub reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ReviewedAdView {
    pub id: String,
    pub review_status: String,
    pub review_reason: Option<String>,
}

/// Approves an ad (its note must still pass the automatic checks) or rejects it with
/// a reason (operator).
#[utoipa::path(post, path = "/api/v1/admin/ads/review/{id}", tag = "admin", params(("id" = String, Path)),
    request_body = ReviewDecision,
    responses((status = 200, body = ReviewedAdView), (status = 403, body = ErrorBody, description = "`admin_only`"),
        (status = 404, body = ErrorBody, description = "`ad_not_found`"),
        (status = 409, body = ErrorBody, description = "`ad_review_closed`, `note_not_advertisable`, `creative_not_authorised`, `ad_store_required`"),
        (status = 422, body = ErrorBody, description = "`invalid_field`: no reason to reject")),
    security(("session" = []), ("bearer" = [])))]
pub async fn decide_ad_review(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReviewDecision>,
) -> Result<Json<ReviewedAdView>, ApiError> {
    let id = path_id(&id, ErrorCode::AdNotFound)?;
    let approve = match body.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(ApiError(carmine_core::Error::invalid_field("decision", "approve or reject"))),
    };
    let ad = state.ads().decide(Operator::Admin(&admin), id, approve, body.reason.as_deref().unwrap_or("")).await?;
    Ok(Json(ReviewedAdView { id: ad.id.to_string(), review_status: ad.review_status, review_reason: ad.review_reason }))
}
