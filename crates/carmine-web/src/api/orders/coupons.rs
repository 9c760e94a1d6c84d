//! Coupons' API: a store's staff issue the store's coupons, the operator the
//! platform's; anyone sees the coupons one may claim now; a member claims them and
//! lists what they hold (`/api/v1/coupons`). Checkout spends them.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use carmine_core::{ErrorCode, Id, Timestamp};
use carmine_orders::CouponInput;
use carmine_store::coupons::{CouponRecord, MemberCouponRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::money::MoneyView;
use crate::api::views::Items;
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{Admin, ApiJson, CheckLater, Member, path_id};
use crate::openapi::ErrorBody;

#[derive(Serialize, ToSchema)]
pub struct CouponView {
    pub id: String,
    /// The issuing store; `null`: the platform's.
    pub store_id: Option<String>,
    pub name: String,
    /// `fixed` (`amount` off) or `percent` (`percent_bps` off, at most `cap`).
    pub kind: String,
    pub amount: Option<MoneyView>,
    pub percent_bps: Option<i64>,
    pub cap: Option<MoneyView>,
    pub min_spend: MoneyView,
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: Timestamp,
    pub per_member_limit: i64,
    /// How many may be claimed in all (`null`: no limit), and how many were.
    pub quantity: Option<i64>,
    pub claimed: i64,
}

pub(crate) fn coupon_view(state: &AppState, c: &CouponRecord) -> CouponView {
    let money = |minor: i64| MoneyView::new(minor, state.ledger().config().currency);
    CouponView {
        id: c.id.to_string(),
        store_id: c.store_id.map(|s| s.to_string()),
        name: c.name.clone(),
        kind: c.kind.clone(),
        amount: c.amount_minor.map(money),
        percent_bps: c.percent_bps,
        cap: c.cap_minor.map(money),
        min_spend: money(c.min_spend_minor),
        starts_at: c.starts_at,
        ends_at: c.ends_at,
        per_member_limit: c.per_member_limit,
        quantity: c.quantity,
        claimed: c.claimed,
    }
}

#[derive(Serialize, ToSchema)]
pub struct MemberCouponView {
    /// What checkout's `coupon_ids` name.
    pub id: String,
    pub coupon: CouponView,
    #[schema(value_type = String, format = DateTime)]
    pub claimed_at: Timestamp,
    /// Spendable now (started, not expired).
    pub usable: bool,
}

fn member_coupon_view(state: &AppState, c: &MemberCouponRecord) -> MemberCouponView {
    MemberCouponView {
        id: c.id.to_string(),
        coupon: coupon_view(state, &c.coupon),
        claimed_at: c.claimed_at,
        usable: carmine_orders::coupons::spendable(c, state.ledger().now()),
    }
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CouponRequest {
    /// 1 to 30 characters.
    #[schema(min_length = 1, max_length = 30)]
    pub name: String,
    /// A fixed amount off (1 minor unit to ¥1,000,000) …
    pub amount: Option<MoneyView>,
    /// … or basis points off (1 to 10000), at most `cap`.
    #[schema(minimum = 1, maximum = 10000)]
    pub percent_bps: Option<i64>,
    pub cap: Option<MoneyView>,
    /// Goods of at least this much (0 to ¥1,000,000); default 0.
    pub min_spend: Option<MoneyView>,
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: Timestamp,
    /// After `starts_at`, at most 366 days later.
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: Timestamp,
    /// Claims per member: 1 (default) to 100.
    #[schema(minimum = 1, maximum = 100)]
    pub per_member_limit: Option<i64>,
    /// Claims in all: 1 to 10,000,000; absent: no limit.
    #[schema(minimum = 1, maximum = 10000000)]
    pub quantity: Option<i64>,
}

impl CouponRequest {
    fn input(&self, state: &AppState) -> Result<CouponInput, carmine_core::Error> {
        let config = state.ledger().config();
        for money in [&self.amount, &self.cap, &self.min_spend].into_iter().flatten() {
            config.check_currency(money.currency)?;
        }
        Ok(CouponInput {
            name: self.name.clone(),
            amount_minor: self.amount.as_ref().map(|m| m.amount_minor),
            percent_bps: self.percent_bps,
            cap_minor: self.cap.as_ref().map(|m| m.amount_minor),
            min_spend_minor: self.min_spend.as_ref().map_or(0, |m| m.amount_minor),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            per_member_limit: self.per_member_limit.unwrap_or(1),
            quantity: self.quantity,
        })
    }
}

/// Issues a coupon of the store (its staff who may manage it; the store funds it).
#[utoipa::path(post, path = "/api/v1/stores/{id}/coupons", tag = "orders", request_body = CouponRequest,
    params(("id" = String, Path)),
    responses((status = 201, body = CouponView), (status = 403, body = ErrorBody, description = "`forbidden`"),
        (status = 404, body = ErrorBody, description = "`store_not_found`"),
        (status = 422, body = ErrorBody, description = "`invalid_field`, `unsupported_currency`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn create_store_coupon(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    body: CheckLater<CouponRequest>,
) -> Result<(StatusCode, Json<CouponView>), ApiError> {
    let store_id = path_id(&id, ErrorCode::StoreNotFound)?;
    state.commerce().authorize_store(&caller, store_id, carmine_accounts::orgs::OrgAction::ManageStore).await?;
    let input = body.parse()?.input(&state)?;
    let coupon = state.orders().create_store_coupon(&caller, store_id, &input).await?;
    Ok((StatusCode::CREATED, Json(coupon_view(&state, &coupon))))
}

/// The store's coupons one may claim now.
#[utoipa::path(get, path = "/api/v1/stores/{id}/coupons", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = Items<CouponView>), (status = 404, body = ErrorBody, description = "`store_not_found`")))]
pub async fn store_coupons(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Items<CouponView>>, ApiError> {
    let store_id = path_id(&id, ErrorCode::StoreNotFound)?;
    state.commerce().store(store_id).await?;
    let coupons = state.orders().coupons(Some(store_id), true).await?;
    Ok(Json(Items { items: coupons.iter().map(|c| coupon_view(&state, c)).collect() }))
}

/// Issues a platform coupon (funded by the platform's coupon subsidy).
#[utoipa::path(post, path = "/api/v1/admin/coupons", tag = "orders", request_body = CouponRequest,
    responses((status = 201, body = CouponView), (status = 403, body = ErrorBody, description = "`admin_only`"),
        (status = 422, body = ErrorBody, description = "`invalid_field`, `unsupported_currency`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn create_platform_coupon(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(body): ApiJson<CouponRequest>,
) -> Result<(StatusCode, Json<CouponView>), ApiError> {
    let input = body.input(&state)?;
    let coupon = state.orders().create_platform_coupon(admin.user_id, &input).await?;
    Ok((StatusCode::CREATED, Json(coupon_view(&state, &coupon))))
}

/// Every platform coupon, newest first (the operator's list).
#[utoipa::path(get, path = "/api/v1/admin/coupons", tag = "orders",
    responses((status = 200, body = Items<CouponView>), (status = 403, body = ErrorBody, description = "`admin_only`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn platform_coupons(
    State(state): State<AppState>,
    Admin(_): Admin,
) -> Result<Json<Items<CouponView>>, ApiError> {
    let coupons = state.orders().coupons(None, false).await?;
    Ok(Json(Items { items: coupons.iter().map(|c| coupon_view(&state, c)).collect() }))
}

/// The coupons the caller holds and has not spent.
#[utoipa::path(get, path = "/api/v1/coupons", tag = "orders", responses((status = 200, body = Items<MemberCouponView>)),
    security(("session" = []), ("bearer" = [])))]
pub async fn my_coupons(
    State(state): State<AppState>,
    Member(caller): Member,
) -> Result<Json<Items<MemberCouponView>>, ApiError> {
    let coupons = state.orders().my_coupons(caller.user_id).await?;
    Ok(Json(Items { items: coupons.iter().map(|c| member_coupon_view(&state, c)).collect() }))
}

/// The platform's coupons one may claim now.
#[utoipa::path(get, path = "/api/v1/coupons/platform", tag = "orders", responses((status = 200, body = Items<CouponView>)))]
pub async fn live_platform_coupons(State(state): State<AppState>) -> Result<Json<Items<CouponView>>, ApiError> {
    let coupons = state.orders().coupons(None, true).await?;
    Ok(Json(Items { items: coupons.iter().map(|c| coupon_view(&state, c)).collect() }))
}

/// Claims a coupon (within its quantity and the per-member limit).
#[utoipa::path(post, path = "/api/v1/coupons/{id}/claim", tag = "orders", params(("id" = String, Path)),
    responses((status = 201, body = MemberCouponView), (status = 404, body = ErrorBody, description = "`coupon_not_found`"),
        (status = 409, body = ErrorBody, description = "`coupon_unavailable`, `coupon_limit_reached`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn claim(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<MemberCouponView>), ApiError> {
    let id: Id = path_id(&id, ErrorCode::CouponNotFound)?;
    let claimed = state.orders().claim_coupon(caller.user_id, id).await?;
    Ok((StatusCode::CREATED, Json(member_coupon_view(&state, &claimed))))
}
