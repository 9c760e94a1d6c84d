//! The public store page: banner, logo, name, type, score, followers (following the
//! store is following its organization), description, returns and shipping in plain
//! words, and the store's products (they join with the catalogue).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use carmine_accounts::Caller;
use carmine_accounts::orgs::OrgAction;
use carmine_commerce::Store;
use carmine_core::{Error, ErrorCode};

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiQuery, RequestContext};
use crate::pages::money::yuan;
use crate::pages::{Avatar, Layout, render};

#[derive(Template)]
#[template(path = "store.html")]
struct StorePage {
    layout: Layout,
    handle: String,
    name: String,
    description: String,
    store_type: String,
    logo: Avatar,
    banner_url: Option<String>,
    /// `4.5`.
    score: String,
    suspended: bool,
    return_days: i64,
    return_policy: String,
    /// The default template in words ("free shipping", "¥8, free over ¥99").
    shipping: String,
    followers: i64,
    followed: bool,
    can_follow: bool,
    /// The viewer belongs to the organization (a "Manage store" button).
    member: bool,
    /// (category id, name, chosen) of the categories the store sells in.
    categories: Vec<(String, String, bool)>,
    category: String,
    products: Vec<super::product::ProductCardRow>,
    next_page: Option<String>,
    /// The store's coupons one may claim now.
    coupons: Vec<crate::pages::orders::coupons::CouponRow>,
}

#[derive(serde::Deserialize, Default)]
pub(super) struct StoreQuery {
    done: Option<String>,
    category: Option<String>,
    after: Option<String>,
}

/// Products a store page shows at once.
const STORE_PAGE_SIZE: u32 = 30;

/// The default shipping template in a buyer's words.
pub(super) fn shipping_summary(layout: &Layout, store: &Store) -> String {
    let template = store.templates.iter().find(|t| Some(t.id) == store.record.default_template_id);
    let Some(template) = template else { return layout.t("store-shipping-free") };
    match (template.default_fee_minor, template.free_over_minor) {
        (0, _) => layout.t("store-shipping-free"),
        (fee, None) => layout.t1("store-shipping-fee", "fee", yuan(fee)),
        (fee, Some(over)) => layout.t2("store-shipping-fee-free-over", "fee", yuan(fee), "over", yuan(over)),
    }
}

pub(super) fn score(score_centi: i64) -> String {
    format!("{}.{}", score_centi / 100, (score_centi % 100) / 10)
}

async fn store_page(
    state: &AppState,
    caller: Option<&Caller>,
    handle: &str,
    query: &StoreQuery,
) -> Result<Response, ApiError> {
    let org = state.accounts().org_public(handle).await.map_err(|_| Error::new(ErrorCode::StoreNotFound))?;
    let store = state.commerce().store_of_org(org.id).await?.ok_or_else(|| Error::new(ErrorCode::StoreNotFound))?;
    let record = &store.record;
    let followers = state.notes().follow_counts(org.id).await?.followers;
    let followed = state.notes().is_following(caller, org.id).await?;
    let member = match caller {
        Some(caller) => state.commerce().authorize_store(caller, record.id, OrgAction::ViewStore).await.is_ok(),
        None => false,
    };
    let layout = Layout::with(caller, query.done.as_deref(), None);
    let category = query.category.as_deref().and_then(|c| c.parse::<carmine_core::Id>().ok());
    let after = query.after.as_deref().and_then(|a| a.parse::<carmine_core::Id>().ok());
    let mut rows =
        state.commerce().store_products(None, record.id, Some("active"), category, after, STORE_PAGE_SIZE + 1).await?;
    let category_param = category.map(|c| format!("category={c}&")).unwrap_or_default();
    let next_page = (rows.len() > STORE_PAGE_SIZE as usize).then(|| {
        rows.truncate(STORE_PAGE_SIZE as usize);
        let last = rows.last().map(|p| p.id.to_string()).unwrap_or_default();
        format!("/o/{}/store?{category_param}after={last}", record.handle)
    });
    let categories = state
        .commerce()
        .store_categories(record.id)
        .await?
        .iter()
        .map(|c| (c.record.id.to_string(), c.name(layout.locale.tag()).to_owned(), Some(c.record.id) == category))
        .collect();
    let coupons = state.orders().coupons(Some(record.id), true).await?;
    let page = StorePage {
        coupons: coupons.iter().map(|c| crate::pages::orders::coupons::coupon_row(&layout, c)).collect(),
        products: rows.iter().map(|p| super::product::ProductCardRow::new(&layout, p, false)).collect(),
        categories,
        category: category.map(|c| c.to_string()).unwrap_or_default(),
        next_page,
        shipping: shipping_summary(&layout, &store),
        layout,
        handle: record.handle.clone(),
        name: record.name.clone(),
        description: record.description.clone(),
        store_type: record.store_type.clone(),
        logo: match &record.logo {
            Some((id, key)) => Avatar::of(&record.handle, &record.name, Some(&format!("/media/{id}/{key}/grid.jpg"))),
            None => Avatar::generated(&record.handle, &record.name),
        },
        banner_url: record.banner.as_ref().map(|(id, key)| format!("/media/{id}/{key}/detail.jpg")),
        score: score(record.score_centi),
        suspended: record.status == "suspended",
        return_days: record.return_days,
        return_policy: record.return_policy.clone(),
        followers,
        followed,
        can_follow: caller.is_some() && !member,
        member,
    };
    Ok(render(&page, None))
}

pub(super) async fn show(
    State(state): State<AppState>,
    context: RequestContext,
    Path(handle): Path<String>,
    ApiQuery(q): ApiQuery<StoreQuery>,
) -> Result<Response, ApiError> {
    store_page(&state, context.caller.as_ref(), &handle, &q).await
}
