//! Coupons on the pages: the console's Coupons tab (`/o/{handle}/manage/coupons`:
//! the store's coupons, and a form to issue one for staff who manage the store), the
//! operator's commerce page (`/admin/commerce`: the order and fee settings in force,
//! the platform's coupons and a form to issue one), and claiming a coupon from a
//! store page (`/coupons/{id}/claim`, back to where it was).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use carmine_accounts::Caller;
use carmine_accounts::orgs::{OrgAccess, OrgAction};
use carmine_core::{Error, ErrorCode, Id, Timestamp};
use carmine_orders::CouponInput;
use carmine_store::coupons::CouponRecord;
use serde::Deserialize;

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiQuery, Member, path_id};
use crate::pages::money::{field, parse_yuan, yuan};
use crate::pages::orgs::Console;
use crate::pages::{Layout, PageForm, done, render, shown_on_form};

const TAB: &str = "manage/coupons";

/// A coupon in a buyer's words: "¥20 off from ¥100", "10% off (up to ¥15)".
pub(crate) fn coupon_summary(layout: &Layout, c: &CouponRecord) -> String {
    let off = match (c.amount_minor, c.percent_bps) {
        (Some(amount), _) => layout.t1("coupon-amount-off", "amount", yuan(amount)),
        (None, Some(bps)) => {
            let percent = format!("{}", bps as f64 / 100.0);
            match c.cap_minor {
                Some(cap) => layout.t2("coupon-percent-off-capped", "percent", percent, "cap", yuan(cap)),
                None => layout.t1("coupon-percent-off", "percent", percent),
            }
        }
        (None, None) => String::new(),
    };
    if c.min_spend_minor > 0 { layout.t2("coupon-with-min", "off", off, "min", yuan(c.min_spend_minor)) } else { off }
}

/// A coupon as a page lists it.
pub(crate) struct CouponRow {
    pub id: String,
    pub name: String,
    pub summary: String,
    /// "until 12月1日".
    pub until: String,
    pub claimed: String,
}

pub(crate) fn coupon_row(layout: &Layout, c: &CouponRecord) -> CouponRow {
    CouponRow {
        id: c.id.to_string(),
        name: c.name.clone(),
        summary: coupon_summary(layout, c),
        until: layout.t1("coupon-until", "when", layout.date(&c.ends_at)),
        claimed: match c.quantity {
            Some(quantity) => format!("{} / {quantity}", c.claimed),
            None => c.claimed.to_string(),
        },
    }
}

#[derive(Default)]
pub(super) struct Draft {
    name: String,
    kind: String,
    amount: String,
    percent: String,
    cap: String,
    min_spend: String,
    starts_at: String,
    ends_at: String,
    per_member_limit: String,
    quantity: String,
}

impl Draft {
    /// A new form: a fixed amount, one per member.
    fn blank() -> Draft {
        Draft { kind: "fixed".into(), per_member_limit: "1".into(), ..Draft::default() }
    }

    /// What was typed into a refused form.
    fn typed(fields: &[(String, String)]) -> Draft {
        Draft {
            name: field(fields, "name").to_owned(),
            kind: field(fields, "kind").to_owned(),
            amount: field(fields, "amount").to_owned(),
            percent: field(fields, "percent").to_owned(),
            cap: field(fields, "cap").to_owned(),
            min_spend: field(fields, "min_spend").to_owned(),
            starts_at: field(fields, "starts_at").to_owned(),
            ends_at: field(fields, "ends_at").to_owned(),
            per_member_limit: field(fields, "per_member_limit").to_owned(),
            quantity: field(fields, "quantity").to_owned(),
        }
    }
}

#[derive(Template)]
#[template(path = "coupons_manage.html")]
struct CouponsPage {
    layout: Layout,
    console: Console,
    handle: String,
    has_store: bool,
    can_manage: bool,
    coupons: Vec<CouponRow>,
    draft: Draft,
}

#[derive(Deserialize, Default)]
pub(super) struct DoneQuery {
    done: Option<String>,
}

async fn coupons_page(
    state: &AppState,
    caller: &Caller,
    handle: &str,
    done: Option<&str>,
    error: Option<&Error>,
    draft: Option<Draft>,
) -> Result<Response, ApiError> {
    let OrgAccess { org, role } = state.accounts().authorize_org(caller, handle, OrgAction::ViewStore).await?;
    let store = state.commerce().store_of_org(org.id).await?;
    let layout = Layout::with(Some(caller), done, error);
    let coupons = match &store {
        Some(store) => state.orders().coupons(Some(store.record.id), false).await?,
        None => Vec::new(),
    };
    let page = CouponsPage {
        console: Console::new(&org, role, TAB),
        handle: org.handle.clone(),
        has_store: store.is_some(),
        can_manage: role.allows(OrgAction::ManageStore),
        coupons: coupons.iter().map(|c| coupon_row(&layout, c)).collect(),
        draft: draft.unwrap_or_else(Draft::blank),
        layout,
    };
    Ok(render(&page, error))
}

pub(super) async fn show(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(handle): Path<String>,
    ApiQuery(q): ApiQuery<DoneQuery>,
) -> Result<Response, ApiError> {
    coupons_page(&state, &caller, &handle, q.done.as_deref(), None, None).await
}

fn input_of(fields: &[(String, String)], offset_minutes: i64) -> Result<CouponInput, Error> {
    let optional_yuan = |name: &str| -> Result<Option<i64>, Error> {
        let raw = field(fields, name).trim();
        if raw.is_empty() { Ok(None) } else { parse_yuan(name, raw).map(Some) }
    };
    let whole = |name: &str, default: i64| -> Result<i64, Error> {
        let raw = field(fields, name).trim();
        if raw.is_empty() {
            return Ok(default);
        }
        raw.parse().map_err(|_| Error::invalid_field(name, "a whole number"))
    };
    let time = |name: &str| {
        Timestamp::parse_local(field(fields, name), offset_minutes)
            .ok_or_else(|| Error::invalid_field(name, "a date and time"))
    };
    let percent = field(fields, "percent").trim();
    let (amount_minor, percent_bps) = if field(fields, "kind") == "percent" {
        let value: f64 = percent.parse().map_err(|_| Error::invalid_field("percent_bps", "a percentage such as 10"))?;
        (None, Some((value * 100.0).round() as i64))
    } else {
        (Some(optional_yuan("amount")?.ok_or_else(|| Error::invalid_field("amount", "an amount such as 20"))?), None)
    };
    let quantity = field(fields, "quantity").trim();
    Ok(CouponInput {
        name: field(fields, "name").to_owned(),
        amount_minor,
        percent_bps,
        cap_minor: if percent_bps.is_some() { optional_yuan("cap")? } else { None },
        min_spend_minor: optional_yuan("min_spend")?.unwrap_or(0),
        starts_at: time("starts_at")?,
        ends_at: time("ends_at")?,
        per_member_limit: whole("per_member_limit", 1)?,
        quantity: if quantity.is_empty() { None } else { Some(whole("quantity", 0)?) },
    })
}

pub(super) async fn create(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(handle): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let created = async {
        let access = state.accounts().authorize_org(&caller, &handle, OrgAction::ManageStore).await?;
        let store = state.commerce().store_of_org(access.org.id).await?.ok_or(ErrorCode::StoreNotFound)?;
        // The browser says its offset (app.js); without script, China's (UTC+8).
        let offset = field(&fields, "utc_offset").trim().parse().unwrap_or(8 * 60);
        let input = input_of(&fields, offset)?;
        state.orders().create_store_coupon(&caller, store.record.id, &input).await
    };
    match created.await {
        Ok(_) => Ok(done(&format!("/o/{handle}/{TAB}"), "coupon_issued")),
        Err(error) => {
            let error = shown_on_form(error)?;
            coupons_page(&state, &caller, &handle, None, Some(&error), Some(Draft::typed(&fields))).await
        }
    }
}

/// A claim from a page: back to it (a same-site path) with what happened.
pub(super) async fn claim(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let back = field(&fields, "back");
    let back = if crate::pages::is_local_path(back) { back.to_owned() } else { "/cart".to_owned() };
    let id: Id = path_id(&id, ErrorCode::CouponNotFound)?;
    let notice = match state.orders().claim_coupon(caller.user_id, id).await {
        Ok(_) => "coupon_claimed",
        Err(e) if e.code == ErrorCode::CouponLimitReached => "coupon_limit_reached",
        Err(e) if e.code == ErrorCode::CouponUnavailable => "coupon_unavailable",
        Err(e) => return Err(ApiError(e)),
    };
    Ok(done(&back, notice))
}

/// A refused claim's address asked for with GET: the cart.
pub(super) async fn to_cart() -> Response {
    Redirect::to("/cart").into_response()
}

#[derive(Template)]
#[template(path = "admin_commerce.html")]
struct CommercePage {
    layout: Layout,
    /// (message id, value) of each setting in force.
    settings: Vec<(&'static str, String)>,
    coupons: Vec<CouponRow>,
    draft: Draft,
}

async fn commerce_page(
    state: &AppState,
    caller: &Caller,
    done: Option<&str>,
    error: Option<&Error>,
    draft: Option<Draft>,
) -> Result<Response, ApiError> {
    state.accounts().require_admin(caller)?;
    let layout = Layout::with(Some(caller), done, error);
    let config = state.orders().config();
    let days = |n: i64| layout.t1("admin-commerce-days", "days", n);
    let settings = vec![
        ("admin-commerce-channel-fee", format!("{:.2} %", config.channel_fee_bps as f64 / 100.0)),
        ("admin-commerce-free", yuan(config.commission_free_minor)),
        ("admin-commerce-pay", layout.t1("admin-commerce-minutes", "minutes", config.pay_minutes)),
        ("admin-commerce-receive", format!("{} · {}", days(config.receive_days), days(config.receive_days_failed))),
        (
            "admin-commerce-receive-cross-border",
            format!("{} · {}", days(config.receive_days_cross_border), days(config.receive_days_cross_border_failed)),
        ),
        ("admin-commerce-settle", format!("{} · {}", days(config.settle_days_fast), days(config.settle_days))),
        ("admin-commerce-after-sales", days(config.after_sale_days)),
    ];
    let coupons = state.orders().coupons(None, false).await?;
    let page = CommercePage {
        settings,
        coupons: coupons.iter().map(|c| coupon_row(&layout, c)).collect(),
        draft: draft.unwrap_or_else(Draft::blank),
        layout,
    };
    Ok(render(&page, error))
}

pub(super) async fn admin_show(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(q): ApiQuery<DoneQuery>,
) -> Result<Response, ApiError> {
    commerce_page(&state, &caller, q.done.as_deref(), None, None).await
}

pub(super) async fn admin_create(
    State(state): State<AppState>,
    Member(caller): Member,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    state.accounts().require_admin(&caller)?;
    let created = async {
        let offset = field(&fields, "utc_offset").trim().parse().unwrap_or(8 * 60);
        let input = input_of(&fields, offset)?;
        state.orders().create_platform_coupon(caller.user_id, &input).await
    };
    match created.await {
        Ok(_) => Ok(done("/admin/commerce", "coupon_issued")),
        Err(error) => {
            let error = shown_on_form(error)?;
            commerce_page(&state, &caller, None, Some(&error), Some(Draft::typed(&fields))).await
        }
    }
}
