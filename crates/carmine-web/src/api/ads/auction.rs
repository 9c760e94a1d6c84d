//! The auction simulator: the production auction (`carmine_ads::auction`) run on
//! candidates and slots the caller gives, with the placement's reserve and relevance
//! floor — what the ads manager's bid forecast and the tests use. Operators and
//! members of an organization may call it; it reads and writes nothing else.

use axum::Json;
use axum::extract::State;
use carmine_ads::auction::{self, Simulated, Slot};
use carmine_ads::{Placement, Pricing};
use carmine_core::limits::{AD_SIMULATED_CANDIDATES_MAX, AD_SIMULATED_SLOTS_MAX};
use carmine_core::{Error, ErrorCode, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{minor, money};
use crate::api::money::MoneyView;
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{CheckLater, Member};
use crate::openapi::ErrorBody;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SimulatedCandidate {
    /// A label of the caller's (echoed back).
    #[schema(min_length = 1, max_length = 40)]
    pub id: String,
    #[schema(pattern = "^(cpc|cpm)$")]
    pub pricing: String,
    pub bid: MoneyView,
    /// The predicted click-through rate at the top slot, above 0 and at most 1.
    #[schema(minimum = 0, maximum = 1)]
    pub predicted_ctr: f64,
    /// The predicted engagement of its note (default 1: an average note).
    #[schema(minimum = 0, maximum = 100)]
    pub engagement: Option<f64>,
    /// When its ad group was created (the older wins a tie; default now).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub created_at: Option<Timestamp>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SimulateRequest {
    /// `feed`, `search` or `related`: whose reserve and floor apply.
    #[schema(pattern = "^(feed|search|related)$")]
    pub placement: String,
    /// At most 200.
    #[schema(max_items = 200)]
    pub candidates: Vec<SimulatedCandidate>,
    /// The predicted engagement of the organic note each ad slot would displace, in
    /// page order (at most 10 slots; 0: nothing displaced).
    #[schema(max_items = 10)]
    pub slots: Vec<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct SimulatedWinner {
    pub slot: usize,
    pub id: String,
    /// Per click (CPC) or per thousand impressions (CPM).
    pub price: MoneyView,
    /// Its eCPM, in minor units per thousand impressions.
    pub score: f64,
}

#[derive(Serialize, ToSchema)]
pub struct RankedCandidate {
    pub id: String,
    pub score: f64,
}

#[derive(Serialize, ToSchema)]
pub struct SimulationView {
    /// The placement's reserve eCPM, per thousand impressions.
    pub reserve: MoneyView,
    pub relevance_floor: f64,
    pub winners: Vec<SimulatedWinner>,
    /// The candidates above the reserve, in rank order.
    pub ranked: Vec<RankedCandidate>,
}

/// Runs the production auction on the given candidates and slots.
#[utoipa::path(post, path = "/api/v1/ads/auction/simulate", tag = "ads", request_body = SimulateRequest,
    responses((status = 200, body = SimulationView),
        (status = 403, body = ErrorBody, description = "`forbidden`: neither an operator nor a member of an organization"),
        (status = 413, body = ErrorBody, description = "`batch_too_large`"),
        (status = 422, body = ErrorBody, description = "`invalid_field`, `unsupported_currency`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn simulate_auction(
    State(state): State<AppState>,
    Member(caller): Member,
    body: CheckLater<SimulateRequest>,
) -> Result<Json<SimulationView>, ApiError> {
    if !caller.is_admin && state.accounts().my_orgs(&caller).await?.is_empty() {
        return Err(Error::new(ErrorCode::Forbidden).into());
    }
    let body = body.parse()?;
    if body.candidates.len() > AD_SIMULATED_CANDIDATES_MAX || body.slots.len() > AD_SIMULATED_SLOTS_MAX {
        return Err(Error::new(ErrorCode::BatchTooLarge).into());
    }
    let placement = Placement::parse("placement", &body.placement)?;
    let now = state.ads().db().now();
    let mut candidates = Vec::with_capacity(body.candidates.len());
    for c in &body.candidates {
        let label = carmine_core::text::bounded_text("candidates", &c.id, 1, 40, false)?;
        let valid_rate = |x: f64, max: f64| x.is_finite() && x > 0.0 && x <= max;
        if !valid_rate(c.predicted_ctr, 1.0) {
            return Err(Error::invalid_field("predicted_ctr", "above 0 and at most 1").into());
        }
        let engagement = c.engagement.unwrap_or(1.0);
        if !(engagement.is_finite() && (0.0..=100.0).contains(&engagement)) {
            return Err(Error::invalid_field("engagement", "0 to 100").into());
        }
        let bid_minor = minor(&state, &c.bid)?;
        if !(1..=carmine_core::limits::AD_BID_MINOR_MAX).contains(&bid_minor) {
            return Err(Error::invalid_field("bid", format!("1 to {}", carmine_core::limits::AD_BID_MINOR_MAX)).into());
        }
        candidates.push(Simulated {
            label,
            pricing: Pricing::parse("pricing", &c.pricing)?,
            bid_minor,
            ctr: c.predicted_ctr,
            engagement,
            group_created_at: c.created_at.unwrap_or(now),
        });
    }
    let mut slots = Vec::with_capacity(body.slots.len());
    for (index, organic) in body.slots.iter().enumerate() {
        if !(organic.is_finite() && (0.0..=100.0).contains(organic)) {
            return Err(Error::invalid_field("slots", "engagements from 0 to 100").into());
        }
        slots.push(Slot { index, organic_engagement: *organic });
    }
    let rules = state.ads().config().rules(placement);
    let simulation = auction::simulate(&candidates, &slots, &rules);
    Ok(Json(SimulationView {
        reserve: money(&state, rules.reserve_ecpm as i64),
        relevance_floor: rules.relevance_floor,
        winners: simulation
            .winners
            .iter()
            .map(|(label, w)| SimulatedWinner {
                slot: w.slot,
                id: label.clone(),
                price: money(&state, w.price_minor),
                score: w.candidate.score(),
            })
            .collect(),
        ranked: simulation.ranked.into_iter().map(|(id, score)| RankedCandidate { id, score }).collect(),
    }))
}
