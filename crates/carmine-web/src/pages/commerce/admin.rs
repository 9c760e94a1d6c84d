//! The operator's commerce pages: the category tree with commission rates (add,
//! rename, re-rate, archive), the store list (suspend with a reason, reinstate) and
//! the review of cross-border products' authenticity certificates.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use carmine_accounts::Caller;
use carmine_accounts::admin::Operator;
use carmine_commerce::categories::{CategoryChange, CategoryInput};
use carmine_core::cursor::clamp_limit;
use carmine_core::{Error, ErrorCode, Id, Timestamp};
use serde::Deserialize;

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiQuery, Member, path_id};
use crate::pages::{Done, Layout, PageForm, done, render, shown_on_form};

struct CategoryRow {
    id: String,
    slug: String,
    name_en: String,
    name_zh: String,
    /// The name in the page's language.
    name: String,
    depth: usize,
    /// `5%`, `4.5%`.
    rate: String,
    /// The rate as the form takes it (`4.5`).
    rate_input: String,
    commission_bps: i64,
    position: i64,
    archived: bool,
    /// Archived itself (not only under an archived parent): may be restored.
    own_archive: bool,
    can_have_children: bool,
}

#[derive(Template)]
#[template(path = "admin_categories.html")]
struct CategoriesPage {
    layout: Layout,
    categories: Vec<CategoryRow>,
}

/// Basis points as a percentage: `500` → `5%`, `450` → `4.5%`, `25` → `0.25%`.
pub(crate) fn percent(bps: i64) -> String {
    let whole = bps / 100;
    let fraction = bps % 100;
    match fraction {
        0 => format!("{whole}%"),
        f if f % 10 == 0 => format!("{whole}.{}%", f / 10),
        f => format!("{whole}.{f:02}%"),
    }
}

async fn categories_page(
    state: &AppState,
    caller: &Caller,
    done: Option<&str>,
    error: Option<&Error>,
) -> Result<Response, ApiError> {
    Operator::Admin(caller).check()?;
    let tree = state.commerce().categories().await?;
    let layout = Layout::with(Some(caller), done, error);
    let categories = tree
        .iter()
        .map(|c| CategoryRow {
            id: c.record.id.to_string(),
            slug: c.record.slug.clone(),
            name_en: c.record.name_en.clone(),
            name_zh: c.record.name_zh.clone(),
            name: c.name(layout.locale.tag()).to_owned(),
            depth: c.depth,
            rate: percent(c.record.commission_bps),
            rate_input: percent(c.record.commission_bps).trim_end_matches('%').to_owned(),
            commission_bps: c.record.commission_bps,
            position: c.record.position,
            archived: c.archived,
            own_archive: c.record.archived_at.is_some(),
            can_have_children: c.depth < carmine_core::limits::CATEGORY_DEPTH_MAX && !c.archived,
        })
        .collect();
    Ok(render(&CategoriesPage { layout, categories }, error))
}

pub(super) async fn categories(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(q): ApiQuery<Done>,
) -> Result<Response, ApiError> {
    categories_page(&state, &caller, q.done.as_deref(), None).await
}

/// A rate typed as a percentage (`5`, `4.5`, `0.25`) in basis points.
pub(super) fn parse_percent(raw: &str) -> Result<i64, Error> {
    let bad = || Error::invalid_field("commission_bps", "a percentage such as 5 or 4.5");
    let raw = raw.trim().trim_end_matches('%').trim();
    let (whole, fraction) = raw.split_once('.').unwrap_or((raw, ""));
    if whole.is_empty()
        || whole.len() > 3
        || fraction.len() > 2
        || !whole.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let fraction: i64 = if fraction.is_empty() { 0 } else { format!("{fraction:0<2}").parse().map_err(|_| bad())? };
    Ok(whole * 100 + fraction)
}

#[derive(Deserialize)]
pub(super) struct NewCategoryForm {
    #[serde(default)]
    parent_id: String,
    slug: String,
    name_en: String,
    name_zh: String,
    #[serde(default)]
    rate: String,
}

pub(super) async fn add_category(
    State(state): State<AppState>,
    Member(caller): Member,
    PageForm(form): PageForm<NewCategoryForm>,
) -> Result<Response, ApiError> {
    let result = async {
        let parent_id = match form.parent_id.trim() {
            "" => None,
            raw => Some(raw.parse::<Id>().map_err(|_| Error::invalid_field("parent_id", "no such live category"))?),
        };
        let commission_bps = match form.rate.trim() {
            "" => None,
            raw => Some(parse_percent(raw)?),
        };
        let input = CategoryInput {
            parent_id,
            slug: form.slug.clone(),
            name_en: form.name_en.clone(),
            name_zh: form.name_zh.clone(),
            commission_bps,
            position: None,
        };
        state.commerce().create_category(Operator::Admin(&caller), &input).await
    }
    .await;
    match result {
        Ok(_) => Ok(done("/admin/categories", "category_saved")),
        Err(error) => categories_page(&state, &caller, None, Some(&shown_on_form(error)?)).await,
    }
}

#[derive(Deserialize)]
pub(super) struct CategoryForm {
    name_en: String,
    name_zh: String,
    rate: String,
    position: String,
    /// `archive`, `restore` or absent.
    #[serde(default)]
    archive: String,
}

pub(super) async fn save_category(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    PageForm(form): PageForm<CategoryForm>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::CategoryNotFound)?;
    let result = async {
        let position =
            form.position.trim().parse::<i64>().map_err(|_| Error::invalid_field("position", "a whole number"))?;
        let change = CategoryChange {
            name_en: Some(form.name_en.clone()),
            name_zh: Some(form.name_zh.clone()),
            commission_bps: Some(parse_percent(&form.rate)?),
            position: Some(position),
            archived: match form.archive.as_str() {
                "archive" => Some(true),
                "restore" => Some(false),
                _ => None,
            },
        };
        state.commerce().update_category(Operator::Admin(&caller), id, &change).await
    }
    .await;
    match result {
        Ok(_) => Ok(done("/admin/categories", "category_saved")),
        Err(error) => categories_page(&state, &caller, None, Some(&shown_on_form(error)?)).await,
    }
}

struct StoreRow {
    id: String,
    handle: String,
    name: String,
    store_type: String,
    status: String,
    suspended_reason: String,
    created_at: Timestamp,
}

#[derive(Template)]
#[template(path = "admin_stores.html")]
struct StoresPage {
    layout: Layout,
    /// `""` (all), `open` or `suspended`.
    status: String,
    stores: Vec<StoreRow>,
    next_page: Option<String>,
}

#[derive(Deserialize, Default)]
pub(super) struct StoresQuery {
    #[serde(default)]
    status: String,
    after: Option<String>,
    done: Option<String>,
}

async fn stores_page(
    state: &AppState,
    caller: &Caller,
    query: &StoresQuery,
    error: Option<&Error>,
) -> Result<Response, ApiError> {
    let limit = clamp_limit(Some(50));
    let after = query.after.as_deref().and_then(|a| a.parse::<Id>().ok());
    let status = match query.status.as_str() {
        s @ ("open" | "suspended") => s,
        _ => "",
    };
    let mut rows = state.commerce().admin_stores(Operator::Admin(caller), Some(status), after, limit + 1).await?;
    let next_page = (rows.len() > limit as usize).then(|| {
        rows.truncate(limit as usize);
        format!("/admin/stores?status={status}&after={}", rows.last().map(|s| s.id.to_string()).unwrap_or_default())
    });
    let page = StoresPage {
        layout: Layout::with(Some(caller), query.done.as_deref(), error),
        status: status.to_owned(),
        stores: rows
            .iter()
            .map(|s| StoreRow {
                id: s.id.to_string(),
                handle: s.handle.clone(),
                name: s.name.clone(),
                store_type: s.store_type.clone(),
                status: s.status.clone(),
                suspended_reason: s.suspended_reason.clone().unwrap_or_default(),
                created_at: s.created_at,
            })
            .collect(),
        next_page,
    };
    Ok(render(&page, error))
}

pub(super) async fn stores(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(q): ApiQuery<StoresQuery>,
) -> Result<Response, ApiError> {
    stores_page(&state, &caller, &q, None).await
}

#[derive(Deserialize)]
pub(super) struct ReasonForm {
    #[serde(default)]
    reason: String,
    /// The list's filter the form was on, to return to.
    #[serde(default)]
    status: String,
}

pub(super) async fn store_action(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((id, action)): Path<(String, String)>,
    PageForm(form): PageForm<ReasonForm>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::StoreNotFound)?;
    let (reason, notice) = match action.as_str() {
        "suspend" => (Some(form.reason.as_str()), "store_suspended"),
        "reinstate" => (None, "store_reinstated"),
        _ => return Err(ApiError(Error::new(ErrorCode::RouteNotFound))),
    };
    let back = match form.status.as_str() {
        status @ ("open" | "suspended") => format!("/admin/stores?status={status}"),
        _ => "/admin/stores".to_owned(),
    };
    match state.commerce().set_store_suspended(Operator::Admin(&caller), id, reason).await {
        Ok(_) => Ok(done(&back, notice)),
        Err(error) => stores_page(&state, &caller, &StoresQuery::default(), Some(&shown_on_form(error)?)).await,
    }
}

struct CertificateRow {
    product_id: String,
    title: String,
    store_name: String,
    store_handle: String,
    origin: String,
    trade_mode: String,
    url: String,
}

#[derive(Template)]
#[template(path = "admin_certificates.html")]
struct CertificatesPage {
    layout: Layout,
    rows: Vec<CertificateRow>,
}

async fn certificates_page(
    state: &AppState,
    caller: &Caller,
    done: Option<&str>,
    error: Option<&Error>,
) -> Result<Response, ApiError> {
    let pending = state.commerce().pending_certificates(Operator::Admin(caller), 100).await?;
    let page = CertificatesPage {
        layout: Layout::with(Some(caller), done, error),
        rows: pending
            .iter()
            .map(|p| CertificateRow {
                product_id: p.record.id.to_string(),
                title: p.record.title.clone(),
                store_name: p.record.store_name.clone(),
                store_handle: p.record.store_handle.clone(),
                origin: p.record.origin_country.clone().unwrap_or_default(),
                trade_mode: p.record.trade_mode.clone().unwrap_or_default(),
                url: p
                    .certificate
                    .as_ref()
                    .map(|m| format!("/media/{}/{}/detail.jpg", m.id, m.url_key))
                    .unwrap_or_default(),
            })
            .collect(),
    };
    Ok(render(&page, error))
}

pub(super) async fn certificates(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(q): ApiQuery<Done>,
) -> Result<Response, ApiError> {
    certificates_page(&state, &caller, q.done.as_deref(), None).await
}

pub(super) async fn decide_certificate(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((id, decision)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::ProductNotFound)?;
    let verified = match decision.as_str() {
        "verify" => true,
        "reject" => false,
        _ => return Err(ApiError(Error::new(ErrorCode::RouteNotFound))),
    };
    match state.commerce().decide_certificate(Operator::Admin(&caller), id, verified).await {
        Ok(_) => Ok(done("/admin/certificates", "certificate_decided")),
        Err(error) => certificates_page(&state, &caller, None, Some(&shown_on_form(error)?)).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_and_print_as_percentages() {
        for (typed, bps) in [("5", 500), ("4.5", 450), ("0.25", 25), ("100%", 10_000), (" 2 ", 200)] {
            assert_eq!(parse_percent(typed).unwrap(), bps, "{typed}");
        }
        for (bps, shown) in [(500, "5%"), (450, "4.5%"), (25, "0.25%"), (0, "0%")] {
            assert_eq!(percent(bps), shown);
        }
        for bad in ["", "five", "1.234", "-1", "1e3"] {
            assert!(parse_percent(bad).is_err(), "{bad}");
        }
    }
}
