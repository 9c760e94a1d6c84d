//! The store's tab of the organization console (`/o/{handle}/manage/store`): open the
//! store (admins and owners of a verified brand or merchant), its settings, logo and
//! banner, shipping templates with a fee per region, and warehouses. Every member
//! sees it; the role matrix decides who may change what. Outsiders get 404.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use carmine_accounts::Caller;
use carmine_accounts::orgs::{OrgAccess, OrgAction};
use carmine_commerce::regions;
use carmine_commerce::stores::STORE_TYPES;
use carmine_commerce::{Store, StoreInput, TemplateInput};
use carmine_core::money::Money;
use carmine_core::{Error, ErrorCode, Id};
use carmine_ledger::statements::decimal;
use serde::Deserialize;

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiQuery, Member, path_id};
use crate::pages::money::parse_yuan;
use crate::pages::orgs::Console;
use crate::pages::{Done, Layout, PageForm, done, render, shown_on_form};

const TAB: &str = "manage/store";

/// The body limit of the images form: two images and the multipart framing.
pub(super) const IMAGES_BODY_BYTES_MAX: usize = (40 << 20) + (64 << 10);

/// One region's line of a template form.
struct RegionRow {
    code: &'static str,
    /// The region's own fee (empty: the template's default).
    fee: String,
    /// Not delivered there.
    off: bool,
}

struct TemplateRow {
    id: String,
    name: String,
    default_fee: String,
    free_over: String,
    is_default: bool,
    /// In words, for the list ("¥8 · free over ¥99 · not to 2 regions").
    regions: Vec<RegionRow>,
    custom: usize,
    excluded: usize,
}

struct WarehouseRow {
    id: String,
    name: String,
    priority: i64,
}

/// What the open or settings form showed (kept when it is refused).
#[derive(Default)]
struct Draft {
    name: String,
    store_type: String,
    description: String,
    return_days: String,
    return_policy: String,
}

#[derive(Template)]
#[template(path = "store_manage.html")]
struct StoreConsolePage {
    layout: Layout,
    console: Console,
    handle: String,
    /// The store, once opened: (id, status, suspension reason, logo and banner URLs).
    store: Option<StoreSummary>,
    /// Why the store cannot be opened yet (`store-blocked-<reason>`), if so.
    blocked: Option<&'static str>,
    can_manage: bool,
    store_types: Vec<&'static str>,
    draft: Draft,
    templates: Vec<TemplateRow>,
    warehouses: Vec<WarehouseRow>,
    new_regions: Vec<RegionRow>,
}

struct StoreSummary {
    score: String,
    suspended_reason: Option<String>,
    logo_url: Option<String>,
    banner_url: Option<String>,
    shipping: String,
}

fn template_rows(store: &Store) -> Vec<TemplateRow> {
    store
        .templates
        .iter()
        .map(|t| {
            let regions: Vec<RegionRow> = regions::listed()
                .map(|code| {
                    let own = t.fees.iter().find(|(r, _)| r == code);
                    RegionRow {
                        code,
                        fee: own.and_then(|(_, fee)| *fee).map(decimal).unwrap_or_default(),
                        off: own.is_some_and(|(_, fee)| fee.is_none()),
                    }
                })
                .collect();
            TemplateRow {
                id: t.id.to_string(),
                name: t.name.clone(),
                default_fee: decimal(t.default_fee_minor),
                free_over: t.free_over_minor.map(decimal).unwrap_or_default(),
                is_default: store.record.default_template_id == Some(t.id),
                custom: t.fees.iter().filter(|(_, fee)| fee.is_some()).count(),
                excluded: t.fees.iter().filter(|(_, fee)| fee.is_none()).count(),
                regions,
            }
        })
        .collect()
}

async fn console_page(
    state: &AppState,
    caller: &Caller,
    handle: &str,
    done: Option<&str>,
    error: Option<&Error>,
    draft: Option<Draft>,
) -> Result<Response, ApiError> {
    let OrgAccess { org, role } = state.accounts().authorize_org(caller, handle, OrgAction::ViewStore).await?;
    let store = state.commerce().store_of_org(org.id).await?;
    let can_manage = role.allows(OrgAction::ManageStore);
    let layout = Layout::with(Some(caller), done, error);
    let blocked = match () {
        _ if store.is_some() => None,
        _ if !["brand", "merchant"].contains(&org.kind.as_str()) => Some("kind"),
        _ if org.verification_status != "verified" => Some("unverified"),
        _ if !can_manage => Some("role"),
        _ => None,
    };
    let draft = draft.unwrap_or_else(|| match &store {
        Some(store) => Draft {
            name: store.record.name.clone(),
            store_type: store.record.store_type.clone(),
            description: store.record.description.clone(),
            return_days: store.record.return_days.to_string(),
            return_policy: store.record.return_policy.clone(),
        },
        None => Draft {
            name: org.name.chars().take(carmine_core::limits::STORE_NAME_CHARS_MAX).collect(),
            store_type: if org.kind == "brand" { "brand_official" } else { "authorised_reseller" }.to_owned(),
            return_days: carmine_commerce::stores::DEFAULT_RETURN_DAYS.to_string(),
            ..Draft::default()
        },
    });
    let page = StoreConsolePage {
        console: Console::new(&org, role, TAB),
        handle: org.handle.clone(),
        store: store.as_ref().map(|s| StoreSummary {
            score: super::store::score(s.record.score_centi),
            suspended_reason: (s.record.status == "suspended")
                .then(|| s.record.suspended_reason.clone().unwrap_or_default()),
            logo_url: s.record.logo.as_ref().map(|(id, key)| format!("/media/{id}/{key}/grid.jpg")),
            banner_url: s.record.banner.as_ref().map(|(id, key)| format!("/media/{id}/{key}/grid.jpg")),
            shipping: super::store::shipping_summary(&layout, s),
        }),
        blocked,
        can_manage,
        store_types: STORE_TYPES.iter().copied().filter(|t| *t != "brand_official" || org.kind == "brand").collect(),
        draft,
        templates: store.as_ref().map(template_rows).unwrap_or_default(),
        warehouses: store
            .as_ref()
            .map(|s| {
                s.warehouses
                    .iter()
                    .map(|w| WarehouseRow { id: w.id.to_string(), name: w.name.clone(), priority: w.priority })
                    .collect()
            })
            .unwrap_or_default(),
        new_regions: regions::listed().map(|code| RegionRow { code, fee: String::new(), off: false }).collect(),
        layout,
    };
    Ok(render(&page, error))
}

pub(super) async fn show(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(handle): Path<String>,
    ApiQuery(q): ApiQuery<Done>,
) -> Result<Response, ApiError> {
    console_page(&state, &caller, &handle, q.done.as_deref(), None, None).await
}

/// Back to the tab with `notice`, or the tab again with the error (and what was typed).
async fn outcome<T>(
    state: &AppState,
    caller: &Caller,
    handle: &str,
    result: carmine_core::Result<T>,
    notice: &str,
    draft: Option<Draft>,
) -> Result<Response, ApiError> {
    match result {
        Ok(_) => Ok(done(&format!("/o/{handle}/{TAB}"), notice)),
        Err(error) => {
            let error = shown_on_form(error)?;
            console_page(state, caller, handle, None, Some(&error), draft).await
        }
    }
}

/// The store of the organization, for a member whose role allows `action`.
async fn store_id(state: &AppState, caller: &Caller, handle: &str, action: OrgAction) -> carmine_core::Result<Id> {
    let access = state.accounts().authorize_org(caller, handle, action).await?;
    let store = state.commerce().store_of_org(access.org.id).await?;
    store.map(|s| s.record.id).ok_or_else(|| Error::new(ErrorCode::StoreNotFound))
}

#[derive(Deserialize)]
pub(super) struct SettingsForm {
    name: String,
    store_type: String,
    #[serde(default)]
    description: String,
    return_days: String,
    #[serde(default)]
    return_policy: String,
}

impl SettingsForm {
    fn input(&self) -> carmine_core::Result<StoreInput> {
        let return_days = self
            .return_days
            .trim()
            .parse::<i64>()
            .map_err(|_| Error::invalid_field("return_days", "a whole number of days"))?;
        Ok(StoreInput {
            name: Some(self.name.clone()),
            description: Some(self.description.clone()),
            store_type: Some(self.store_type.clone()),
            return_days: Some(return_days),
            return_policy: Some(self.return_policy.clone()),
            ..StoreInput::default()
        })
    }

    fn draft(self) -> Draft {
        Draft {
            name: self.name,
            store_type: self.store_type,
            description: self.description,
            return_days: self.return_days,
            return_policy: self.return_policy,
        }
    }
}

pub(super) async fn open(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(handle): Path<String>,
    PageForm(form): PageForm<SettingsForm>,
) -> Result<Response, ApiError> {
    let result = match form.input() {
        Ok(input) => {
            state.commerce().open_store(&caller, &handle, &input, &crate::api::commerce::stores::starter()).await
        }
        Err(error) => Err(error),
    };
    outcome(&state, &caller, &handle, result, "store_opened", Some(form.draft())).await
}

pub(super) async fn save_settings(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(handle): Path<String>,
    PageForm(form): PageForm<SettingsForm>,
) -> Result<Response, ApiError> {
    let result = async {
        let id = store_id(&state, &caller, &handle, OrgAction::ManageStore).await?;
        state.commerce().update_store(&caller, id, &form.input()?).await
    }
    .await;
    outcome(&state, &caller, &handle, result, "store_saved", Some(form.draft())).await
}

/// A new logo and/or banner (each through the media pipeline), or their removal.
pub(super) async fn upload_images(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(handle): Path<String>,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, ApiError> {
    let result = async {
        let id = store_id(&state, &caller, &handle, OrgAction::ManageStore).await?;
        let mut input = StoreInput::default();
        for (name, part) in crate::pages::multipart::read(multipart, &["logo", "banner"]).await? {
            let slot = match name.as_str() {
                "logo" | "remove_logo" => &mut input.logo_media_id,
                "banner" | "remove_banner" => &mut input.banner_media_id,
                _ => continue,
            };
            match part {
                crate::pages::multipart::Part::Text(_) => *slot = Some(None),
                crate::pages::multipart::Part::File(bytes) if !bytes.is_empty() => {
                    let media = state.media().upload(caller.user_id, bytes).await?;
                    *slot = Some(Some(media.id));
                }
                crate::pages::multipart::Part::File(_) => {}
            }
        }
        state.commerce().update_store(&caller, id, &input).await
    }
    .await;
    outcome(&state, &caller, &handle, result, "store_saved", None).await
}

/// A template form: name, default fee, free-over threshold, "make default", and per
/// region `fee_<code>` (empty: the default) and `off_<code>` (not delivered).
fn template_input(
    fields: &[(String, String)],
    currency: carmine_core::money::Currency,
) -> carmine_core::Result<TemplateInput> {
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.trim());
    let money = |amount| Money::new(amount, currency);
    let default_fee = match field("default_fee") {
        "" => 0,
        raw => parse_yuan("default_fee", raw)?,
    };
    let free_over = match field("free_over") {
        "" => None,
        raw => Some(money(parse_yuan("free_over", raw)?)),
    };
    let mut fees = Vec::new();
    for code in regions::all() {
        if !field(&format!("off_{code}")).is_empty() {
            fees.push((code.to_owned(), None));
        } else {
            match field(&format!("fee_{code}")) {
                "" => {}
                raw => fees.push((code.to_owned(), Some(money(parse_yuan("fees", raw)?)))),
            }
        }
    }
    Ok(TemplateInput {
        name: field("name").to_owned(),
        default_fee: money(default_fee),
        free_over,
        fees,
        make_default: !field("make_default").is_empty(),
    })
}

pub(super) async fn add_template(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(handle): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let result = async {
        let id = store_id(&state, &caller, &handle, OrgAction::ManageStore).await?;
        let input = template_input(&fields, state.commerce().currency())?;
        state.commerce().add_template(&caller, id, &input).await
    }
    .await;
    outcome(&state, &caller, &handle, result, "template_saved", None).await
}

pub(super) async fn save_template(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((handle, template_id)): Path<(String, String)>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let result = async {
        let id = store_id(&state, &caller, &handle, OrgAction::ManageStore).await?;
        let template_id = path_id(&template_id, ErrorCode::ShippingTemplateNotFound).map_err(|e| e.0)?;
        let input = template_input(&fields, state.commerce().currency())?;
        state.commerce().update_template(&caller, id, template_id, &input).await
    }
    .await;
    outcome(&state, &caller, &handle, result, "template_saved", None).await
}

pub(super) async fn delete_template(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((handle, template_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let result = async {
        let id = store_id(&state, &caller, &handle, OrgAction::ManageStore).await?;
        let template_id = path_id(&template_id, ErrorCode::ShippingTemplateNotFound).map_err(|e| e.0)?;
        state.commerce().delete_template(&caller, id, template_id).await
    }
    .await;
    outcome(&state, &caller, &handle, result, "template_deleted", None).await
}

#[derive(Deserialize)]
pub(super) struct WarehouseForm {
    name: String,
}

pub(super) async fn add_warehouse(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(handle): Path<String>,
    PageForm(form): PageForm<WarehouseForm>,
) -> Result<Response, ApiError> {
    let result = async {
        let id = store_id(&state, &caller, &handle, OrgAction::ManageStore).await?;
        state.commerce().add_warehouse(&caller, id, &form.name).await
    }
    .await;
    outcome(&state, &caller, &handle, result, "warehouse_saved", None).await
}

pub(super) async fn rename_warehouse(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((handle, warehouse_id)): Path<(String, String)>,
    PageForm(form): PageForm<WarehouseForm>,
) -> Result<Response, ApiError> {
    let result = async {
        let id = store_id(&state, &caller, &handle, OrgAction::ManageStore).await?;
        let warehouse_id = path_id(&warehouse_id, ErrorCode::WarehouseNotFound).map_err(|e| e.0)?;
        state.commerce().change_warehouse(&caller, id, warehouse_id, Some(&form.name), None).await
    }
    .await;
    outcome(&state, &caller, &handle, result, "warehouse_saved", None).await
}

#[derive(Deserialize)]
pub(super) struct MoveForm {
    position: i64,
}

/// Moves a warehouse in checkout's order ("up" posts its position less one).
pub(super) async fn move_warehouse(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((handle, warehouse_id)): Path<(String, String)>,
    PageForm(form): PageForm<MoveForm>,
) -> Result<Response, ApiError> {
    let result = async {
        let id = store_id(&state, &caller, &handle, OrgAction::ManageStore).await?;
        let warehouse_id = path_id(&warehouse_id, ErrorCode::WarehouseNotFound).map_err(|e| e.0)?;
        state.commerce().change_warehouse(&caller, id, warehouse_id, None, Some(form.position)).await
    }
    .await;
    outcome(&state, &caller, &handle, result, "warehouse_moved", None).await
}

pub(super) async fn remove_warehouse(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((handle, warehouse_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let result = async {
        let id = store_id(&state, &caller, &handle, OrgAction::ManageStore).await?;
        let warehouse_id = path_id(&warehouse_id, ErrorCode::WarehouseNotFound).map_err(|e| e.0)?;
        state.commerce().remove_warehouse(&caller, id, warehouse_id).await
    }
    .await;
    outcome(&state, &caller, &handle, result, "warehouse_removed", None).await
}
