//! The store's catalogue in the organization console: the product list with
//! filters (`/o/{handle}/manage/products`), the product editor (`…/new`, `…/{id}`: a
//! multipart form, so images upload without JavaScript; options become a variant
//! matrix on "Update variants"; prices are typed in yuan) and the stock editor
//! (variants × warehouses). Staff, admins and owners edit; analysts read.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::response::{Redirect, Response};
use carmine_accounts::Caller;
use carmine_accounts::orgs::{OrgAccess, OrgAction};
use carmine_commerce::products::{CrossBorderInput, Product, ProductChange, ProductInput, ProductOption, VariantInput};
use carmine_commerce::{Category, Store};
use carmine_core::limits::{PRODUCT_IMAGES_MAX, PRODUCT_OPTIONS_MAX, VARIANTS_MAX};
use carmine_core::money::Money;
use carmine_core::{Error, ErrorCode, FieldRule, Id};
use carmine_ledger::statements::decimal;
use serde::Deserialize;

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiQuery, Member};
use crate::pages::money::parse_yuan;
use crate::pages::multipart::Part;
use crate::pages::orgs::Console;
use crate::pages::{Layout, PageForm, done, render, shown_on_form};

const TAB: &str = "manage/products";

/// The body limit of the editor: 18 images, a certificate and the fields.
pub(super) const EDITOR_BODY_BYTES_MAX: usize = 128 << 20;

/// The organization's store, for a member whose role allows `action`.
async fn access(
    state: &AppState,
    caller: &Caller,
    handle: &str,
    action: OrgAction,
) -> Result<(OrgAccess, Store), Error> {
    let access = state.accounts().authorize_org(caller, handle, action).await?;
    let store =
        state.commerce().store_of_org(access.org.id).await?.ok_or_else(|| Error::new(ErrorCode::StoreNotFound))?;
    Ok((access, store))
}

/// A category as the editor's select shows it (indented by depth).
pub(super) fn category_choices(tree: &[Category], locale: &str, current: Option<Id>) -> Vec<(String, String, bool)> {
    tree.iter()
        .filter(|c| !c.archived || Some(c.record.id) == current)
        .map(|c| {
            let indent = "— ".repeat(c.depth - 1);
            (c.record.id.to_string(), format!("{indent}{}", c.name(locale)), Some(c.record.id) == current)
        })
        .collect()
}

// ---- the list ----------------------------------------------------------------------

struct ListRow {
    card: super::product::ProductCardRow,
    stock: i64,
}

#[derive(Template)]
#[template(path = "products_manage.html")]
struct ListPage {
    layout: Layout,
    console: Console,
    handle: String,
    can_edit: bool,
    status: String,
    categories: Vec<(String, String, bool)>,
    /// A status or category narrows the list (an empty one says nothing matched).
    filtered: bool,
    rows: Vec<ListRow>,
    next_page: Option<String>,
    /// What an import just did: (created, updated, failures as (first line, last line,
    /// product, why — in the reader's language)).
    report: Option<ImportShown>,
    /// The page answers an import's post (its address becomes the list's).
    answers_import: bool,
}

struct ImportShown {
    created: usize,
    updated: usize,
    failed: Vec<(usize, usize, String, String)>,
}

impl ImportShown {
    fn of(report: carmine_commerce::catalogue_csv::ImportReport) -> ImportShown {
        ImportShown {
            created: report.created,
            updated: report.updated,
            failed: report
                .failed
                .into_iter()
                .map(|f| {
                    let error = Error { code: f.code, message: f.message, details: f.details, source: None };
                    (f.lines.0, f.lines.1, f.product, crate::i18n::page_error_message(&error))
                })
                .collect(),
        }
    }
}

#[derive(Deserialize, Default)]
pub(super) struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    category: String,
    after: Option<String>,
    done: Option<String>,
}

const LIST_PAGE_SIZE: u32 = 50;

pub(super) async fn list(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(handle): Path<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    list_page(&state, &caller, &handle, &q, None).await
}

/// The import's address read (a reload after an import, a bookmark): the list.
pub(super) async fn import_read(Path(handle): Path<String>) -> Redirect {
    Redirect::to(&format!("/o/{handle}/{TAB}"))
}

async fn list_page(
    state: &AppState,
    caller: &Caller,
    handle: &str,
    q: &ListQuery,
    import: Option<Result<carmine_commerce::catalogue_csv::ImportReport, &Error>>,
) -> Result<Response, ApiError> {
    let answers_import = import.is_some();
    let (report, error) = match import {
        Some(Ok(report)) => (Some(report), None),
        Some(Err(error)) => (None, Some(error)),
        None => (None, None),
    };
    let (OrgAccess { org, role }, store) = access(state, caller, handle, OrgAction::ViewStore).await?;
    let layout = Layout::with(Some(caller), q.done.as_deref(), error);
    let status = match q.status.as_str() {
        s @ ("draft" | "active" | "archived") => s,
        _ => "",
    };
    let category = q.category.parse::<Id>().ok();
    let after = q.after.as_deref().and_then(|a| a.parse::<Id>().ok());
    let mut rows = state
        .commerce()
        .store_products(Some(caller), store.record.id, Some(status), category, after, LIST_PAGE_SIZE + 1)
        .await?;
    let next_page = (rows.len() > LIST_PAGE_SIZE as usize).then(|| {
        rows.truncate(LIST_PAGE_SIZE as usize);
        let last = rows.last().map(|p| p.id.to_string()).unwrap_or_default();
        format!("/o/{}/{TAB}?status={status}&category={}&after={last}", org.handle, q.category)
    });
    let tree: Vec<Category> = state.commerce().categories().await?.into_iter().filter(|c| c.depth == 1).collect();
    let page = ListPage {
        console: Console::new(&org, role, TAB),
        handle: org.handle.clone(),
        can_edit: role.allows(OrgAction::EditCatalogue),
        status: status.to_owned(),
        categories: category_choices(&tree, layout.locale.tag(), category),
        filtered: !status.is_empty() || category.is_some(),
        rows: rows
            .iter()
            .map(|p| ListRow { card: super::product::ProductCardRow::new(&layout, p, false), stock: p.stock_total })
            .collect(),
        next_page,
        report: report.map(ImportShown::of),
        answers_import,
        layout,
    };
    Ok(render(&page, error))
}

/// The catalogue as CSV (any member).
pub(super) async fn export_csv(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(handle): Path<String>,
) -> Result<Response, ApiError> {
    let (_, store) = access(&state, &caller, &handle, OrgAction::ViewStore).await?;
    let body = state.commerce().export_catalogue(&caller, store.record.id).await?;
    Ok(crate::api::commerce::catalogue_csv::csv_response(&format!("{handle}-catalogue.csv"), body))
}

/// A catalogue CSV uploaded through the console; the list shows what it did.
pub(super) async fn import_csv(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(handle): Path<String>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, ApiError> {
    let (_, store) = access(&state, &caller, &handle, OrgAction::EditCatalogue).await?;
    let result = async {
        let file = crate::pages::multipart::read(multipart, &["file"])
            .await?
            .into_iter()
            .find_map(|(_, part)| match part {
                Part::File(bytes) => Some(bytes),
                Part::Text(_) => None,
            })
            .filter(|f| !f.is_empty())
            .ok_or_else(|| Error::new(ErrorCode::MissingField).with_details(serde_json::json!({ "field": "file" })))?;
        state.commerce().import_catalogue(&caller, store.record.id, &file).await
    }
    .await;
    match result {
        Ok(report) => list_page(&state, &caller, &handle, &ListQuery::default(), Some(Ok(report))).await,
        Err(error) => {
            let error = shown_on_form(error)?;
            list_page(&state, &caller, &handle, &ListQuery::default(), Some(Err(&error))).await
        }
    }
}

// ---- the editor --------------------------------------------------------------------

/// One row of the variant matrix.
struct RowDraft {
    /// The option values, as JSON (the form's hidden key).
    key: String,
    label: String,
    id: String,
    on: bool,
    code: String,
    price: String,
    compare: String,
    weight: String,
}

/// What the editor shows: a product's fields as text, or what was typed.
#[derive(Default)]
struct Draft {
    title: String,
    category_id: String,
    brand: String,
    description: String,
    /// `name: value` per line.
    attributes: String,
    status: String,
    returnable: bool,
    shipping_template_id: String,
    /// Percent, as typed.
    affiliate: String,
    /// Three slots: (name, values separated by commas).
    options: Vec<(String, String)>,
    rows: Vec<RowDraft>,
    /// (media id, grid URL) of the images kept, in order.
    images: Vec<(String, String)>,
    cross_border: bool,
    origin: String,
    trade_mode: String,
    warehouse_code: String,
    hs_code: String,
    declared: String,
    certificate: Option<(String, String)>,
    certificate_status: String,
}

fn percent_text(bps: i64) -> String {
    super::admin::percent(bps).trim_end_matches('%').to_owned()
}

fn option_values(text: &str) -> Vec<String> {
    text.split([',', '，', '、']).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned).collect()
}

/// Every combination of the options' values, in order (one empty combination without options).
fn combinations(options: &[ProductOption]) -> Vec<Vec<String>> {
    options.iter().fold(vec![Vec::new()], |acc, option| {
        acc.iter()
            .flat_map(|prefix| {
                option.values.iter().map(move |v| {
                    let mut next = prefix.clone();
                    next.push(v.clone());
                    next
                })
            })
            .collect()
    })
}

impl Draft {
    fn of(product: &Product) -> Draft {
        let r = &product.record;
        let mut draft = Draft {
            title: r.title.clone(),
            category_id: r.category_id.to_string(),
            brand: r.brand.clone(),
            description: r.description.clone(),
            attributes: product.attributes.iter().map(|(n, v)| format!("{n}: {v}")).collect::<Vec<_>>().join("\n"),
            status: r.status.clone(),
            returnable: r.returnable,
            shipping_template_id: r.shipping_template_id.map(|t| t.to_string()).unwrap_or_default(),
            affiliate: percent_text(r.affiliate_bps),
            options: product.options.iter().map(|o| (o.name.clone(), o.values.join(", "))).collect(),
            rows: Vec::new(),
            images: product
                .media
                .iter()
                .map(|m| (m.id.to_string(), format!("/media/{}/{}/grid.jpg", m.id, m.url_key)))
                .collect(),
            cross_border: r.cross_border,
            origin: r.origin_country.clone().unwrap_or_default(),
            trade_mode: r.trade_mode.clone().unwrap_or_default(),
            warehouse_code: r.customs_warehouse_code.clone().unwrap_or_default(),
            hs_code: r.hs_code.clone().unwrap_or_default(),
            declared: r.declared_value_minor.map(decimal).unwrap_or_default(),
            certificate: product
                .certificate
                .as_ref()
                .map(|m| (m.id.to_string(), format!("/media/{}/{}/grid.jpg", m.id, m.url_key))),
            certificate_status: r.certificate_status.clone(),
        };
        let existing: Vec<RowDraft> = product
            .variants
            .iter()
            .map(|v| RowDraft {
                key: serde_json::to_string(&v.options).unwrap_or_default(),
                label: v.options.join(" / "),
                id: v.record.id.to_string(),
                on: true,
                code: v.record.code.clone(),
                price: decimal(v.record.price_minor),
                compare: v.record.compare_at_minor.map(decimal).unwrap_or_default(),
                weight: v.record.weight_grams.to_string(),
            })
            .collect();
        draft.rows = existing;
        draft.fill_matrix();
        draft
    }

    fn options(&self) -> Vec<ProductOption> {
        self.options
            .iter()
            .filter(|(name, _)| !name.trim().is_empty())
            .map(|(name, values)| ProductOption { name: name.trim().to_owned(), values: option_values(values) })
            .collect()
    }

    /// Rows for every combination of the options: those typed keep what was typed;
    /// new ones start unticked. Refuses more than 200 combinations.
    fn fill_matrix(&mut self) {
        let options = self.options();
        let combos = combinations(&options);
        if combos.len() > VARIANTS_MAX {
            return;
        }
        let mut old: HashMap<String, RowDraft> = self.rows.drain(..).map(|r| (r.key.clone(), r)).collect();
        self.rows = combos
            .into_iter()
            .map(|values| {
                let key = serde_json::to_string(&values).unwrap_or_default();
                old.remove(&key).unwrap_or(RowDraft {
                    label: values.join(" / "),
                    key,
                    id: String::new(),
                    // Sold unless unticked: a price is all a row needs.
                    on: true,
                    code: String::new(),
                    price: String::new(),
                    compare: String::new(),
                    weight: "0".to_owned(),
                })
            })
            .collect();
        while self.options.len() < PRODUCT_OPTIONS_MAX {
            self.options.push((String::new(), String::new()));
        }
    }

    fn input(
        &self,
        currency: carmine_core::money::Currency,
        media_ids: Vec<Id>,
        certificate: Option<Id>,
    ) -> Result<ProductInput, Error> {
        let money = |minor| Money::new(minor, currency);
        let category_id = self.category_id.parse::<Id>().map_err(|_| {
            Error::new(ErrorCode::MissingField).with_details(serde_json::json!({ "field": "category_id" }))
        })?;
        let mut attributes = Vec::new();
        for line in self.attributes.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let (name, value) = line
                .split_once([':', '：'])
                .ok_or_else(|| Error::invalid_field("attributes", format!("{line:?}: write name: value")))?;
            attributes.push((name.trim().to_owned(), value.trim().to_owned()));
        }
        let mut variants = Vec::new();
        for row in self.rows.iter().filter(|r| r.on) {
            let options: Vec<String> =
                serde_json::from_str(&row.key).map_err(|_| Error::invalid_field("variants", "update the variants"))?;
            let price = match row.price.trim() {
                "" => return Err(Error::invalid_field("price", format!("{}: set a price", row.label))),
                raw => parse_yuan("price", raw)?,
            };
            let compare_at = match row.compare.trim() {
                "" => None,
                raw => Some(money(parse_yuan("compare_at", raw)?)),
            };
            variants.push(VariantInput {
                id: row.id.parse().ok(),
                options,
                code: row.code.clone(),
                price: money(price),
                compare_at,
                weight_grams: row
                    .weight
                    .trim()
                    .parse()
                    .map_err(|_| Error::invalid_field("weight_grams", "a whole number of grams"))?,
            });
        }
        let affiliate_bps = match self.affiliate.trim() {
            "" => 0,
            raw => super::admin::parse_percent(raw)
                .map_err(|_| Error::invalid_field("affiliate_bps", "a percentage such as 5 or 2.5"))?,
        };
        let cross_border = self
            .cross_border
            .then(|| -> Result<CrossBorderInput, Error> {
                Ok(CrossBorderInput {
                    origin_country: self.origin.clone(),
                    trade_mode: self.trade_mode.clone(),
                    warehouse_code: Some(self.warehouse_code.clone()),
                    hs_code: Some(self.hs_code.clone()),
                    declared_value: match self.declared.trim() {
                        "" => None,
                        raw => Some(money(parse_yuan("declared_value", raw)?)),
                    },
                    certificate_media_id: certificate,
                })
            })
            .transpose()?;
        Ok(ProductInput {
            category_id,
            title: self.title.clone(),
            description: self.description.clone(),
            brand: self.brand.clone(),
            attributes,
            options: self.options(),
            variants,
            media_ids,
            status: self.status.clone(),
            returnable: self.returnable,
            shipping_template_id: self.shipping_template_id.parse().ok(),
            affiliate_bps,
            cross_border,
        })
    }
}

/// A stock editor cell: (warehouse id, on hand, reserved).
type StockCell = (String, i64, i64);

#[derive(Template)]
#[template(path = "product_edit.html")]
struct EditorPage {
    layout: Layout,
    console: Console,
    handle: String,
    /// `None`: a new product.
    product_id: Option<String>,
    can_edit: bool,
    draft: Draft,
    categories: Vec<(String, String, bool)>,
    templates: Vec<(String, String, bool)>,
    /// Stock editor: (variant id, label, cells).
    stock: Vec<(String, String, Vec<StockCell>)>,
    warehouses: Vec<String>,
    too_many: bool,
}

async fn editor(
    state: &AppState,
    caller: &Caller,
    handle: &str,
    product: Option<&Product>,
    draft: Option<Draft>,
    done: Option<&str>,
    error: Option<&Error>,
) -> Result<Response, ApiError> {
    let (OrgAccess { org, role }, store) = access(state, caller, handle, OrgAction::ViewStore).await?;
    let layout = Layout::with(Some(caller), done, error);
    let mut draft = match (draft, product) {
        (Some(draft), _) => draft,
        (None, Some(product)) => Draft::of(product),
        (None, None) => {
            let mut fresh =
                Draft { status: "draft".to_owned(), returnable: true, affiliate: "0".to_owned(), ..Draft::default() };
            fresh.fill_matrix();
            fresh
        }
    };
    let too_many = combinations(&draft.options()).len() > VARIANTS_MAX;
    while draft.options.len() < PRODUCT_OPTIONS_MAX {
        draft.options.push((String::new(), String::new()));
    }
    let tree = state.commerce().categories().await?;
    let current_category = draft.category_id.parse::<Id>().ok();
    let chosen_template = draft.shipping_template_id.clone();
    let page = EditorPage {
        console: Console::new(&org, role, TAB),
        handle: org.handle.clone(),
        product_id: product.map(|p| p.record.id.to_string()),
        can_edit: role.allows(OrgAction::EditCatalogue),
        categories: category_choices(&tree, layout.locale.tag(), current_category),
        templates: store
            .templates
            .iter()
            .map(|t| (t.id.to_string(), t.name.clone(), t.id.to_string() == chosen_template))
            .collect(),
        stock: product
            .map(|p| {
                p.variants
                    .iter()
                    .map(|v| {
                        let label = if v.options.is_empty() { v.record.code.clone() } else { v.options.join(" / ") };
                        (
                            v.record.id.to_string(),
                            label,
                            v.stock.iter().map(|(w, on, reserved)| (w.to_string(), *on, *reserved)).collect(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        warehouses: store.warehouses.iter().map(|w| w.name.clone()).collect(),
        too_many,
        draft,
        layout,
    };
    Ok(render(&page, error))
}

pub(super) async fn new_product(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(handle): Path<String>,
) -> Result<Response, ApiError> {
    editor(&state, &caller, &handle, None, None, None, None).await
}

async fn own_product(
    state: &AppState,
    caller: &Caller,
    handle: &str,
    id: &str,
) -> Result<std::sync::Arc<Product>, Error> {
    let (_, store) = access(state, caller, handle, OrgAction::ViewStore).await?;
    let id = id.parse::<Id>().map_err(|_| Error::new(ErrorCode::ProductNotFound))?;
    let product = state.commerce().product(Some(caller), id).await?;
    if product.record.store_id != store.record.id {
        return Err(Error::new(ErrorCode::ProductNotFound));
    }
    Ok(product)
}

#[derive(Deserialize, Default)]
pub(super) struct EditQuery {
    done: Option<String>,
}

pub(super) async fn edit_product(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((handle, id)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<EditQuery>,
) -> Result<Response, ApiError> {
    let product = own_product(&state, &caller, &handle, &id).await?;
    editor(&state, &caller, &handle, Some(&product), None, q.done.as_deref(), None).await
}

/// The editor's multipart body: its text fields, new images and a certificate.
struct EditorForm {
    draft: Draft,
    /// "matrix": only rebuild the variant rows; anything else saves.
    action: String,
    keep: Vec<Id>,
    images: Vec<Vec<u8>>,
    certificate: Option<Vec<u8>>,
    keep_certificate: Option<Id>,
}

async fn read_form(
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<EditorForm, Error> {
    let mut form = EditorForm {
        draft: Draft::default(),
        action: String::new(),
        keep: Vec::new(),
        images: Vec::new(),
        certificate: None,
        keep_certificate: None,
    };
    let mut rows: Vec<RowDraft> = Vec::new();
    let mut options = vec![(String::new(), String::new()); PRODUCT_OPTIONS_MAX];
    for (name, part) in crate::pages::multipart::read(multipart, &["images", "certificate"]).await? {
        let value = match part {
            Part::File(bytes) if bytes.is_empty() => continue,
            Part::File(bytes) if name == "images" => {
                form.images.push(bytes);
                continue;
            }
            Part::File(bytes) => {
                form.certificate = Some(bytes);
                continue;
            }
            Part::Text(value) => value,
        };
        let d = &mut form.draft;
        match name.as_str() {
            "title" => d.title = value,
            "category_id" => d.category_id = value,
            "brand" => d.brand = value,
            "description" => d.description = value,
            "attributes" => d.attributes = value,
            "status" => d.status = value,
            "returnable" => d.returnable = true,
            "shipping_template_id" => d.shipping_template_id = value,
            "affiliate" => d.affiliate = value,
            "cross_border" => d.cross_border = true,
            "origin" => d.origin = value,
            "trade_mode" => d.trade_mode = value,
            "warehouse_code" => d.warehouse_code = value,
            "hs_code" => d.hs_code = value,
            "declared" => d.declared = value,
            "keep_certificate" => form.keep_certificate = value.parse().ok(),
            "keep" => form.keep.extend(value.parse::<Id>().ok()),
            "action" => form.action = value,
            other => {
                if let Some(rest) = other.strip_prefix("option_name_") {
                    if let Some(slot) = rest.parse::<usize>().ok().and_then(|i| options.get_mut(i)) {
                        slot.0 = value;
                    }
                } else if let Some(rest) = other.strip_prefix("option_values_") {
                    if let Some(slot) = rest.parse::<usize>().ok().and_then(|i| options.get_mut(i)) {
                        slot.1 = value;
                    }
                } else if let Some((index, part)) = other.strip_prefix('v').and_then(|r| r.split_once('_')) {
                    let Ok(index) = index.parse::<usize>() else { continue };
                    if index >= VARIANTS_MAX {
                        return Err(Error::broke_rule("variants", FieldRule::TooMany(VARIANTS_MAX)));
                    }
                    while rows.len() <= index {
                        rows.push(RowDraft {
                            key: String::new(),
                            label: String::new(),
                            id: String::new(),
                            on: false,
                            code: String::new(),
                            price: String::new(),
                            compare: String::new(),
                            weight: "0".to_owned(),
                        });
                    }
                    let row = &mut rows[index];
                    match part {
                        "key" => {
                            row.label =
                                serde_json::from_str::<Vec<String>>(&value).map(|v| v.join(" / ")).unwrap_or_default();
                            row.key = value;
                        }
                        "id" => row.id = value,
                        "on" => row.on = true,
                        "code" => row.code = value,
                        "price" => row.price = value,
                        "compare" => row.compare = value,
                        "weight" => row.weight = value,
                        _ => {}
                    }
                }
            }
        }
    }
    if form.images.len() + form.keep.len() > PRODUCT_IMAGES_MAX {
        return Err(Error::broke_rule("media_ids", FieldRule::TooMany(PRODUCT_IMAGES_MAX)));
    }
    form.draft.options = options;
    form.draft.rows = rows;
    Ok(form)
}

/// Saves the editor's form (or rebuilds its variant rows), then back to the product.
async fn submit(
    state: &AppState,
    caller: &Caller,
    handle: &str,
    current: Option<&Product>,
    form: EditorForm,
) -> Result<Response, ApiError> {
    let EditorForm { mut draft, action, keep, images, certificate, keep_certificate } = form;
    // Images shown again (after "update variants" or a refusal) are the kept ones —
    // the product's, or the caller's earlier uploads — and those just uploaded.
    let grid = |m: &carmine_store::media::MediaRecord| format!("/media/{}/{}/grid.jpg", m.id, m.url_key);
    let mut known: HashMap<Id, String> =
        current.map(|p| p.media.iter().map(|m| (m.id, grid(m))).collect()).unwrap_or_default();
    for id in &keep {
        if !known.contains_key(id)
            && let Ok(media) = state.media().get(*id).await
            && media.owner_id == caller.user_id
        {
            known.insert(*id, grid(&media));
        }
    }
    draft.images = keep.iter().map(|id| (id.to_string(), known.get(id).cloned().unwrap_or_default())).collect();
    let mut media_ids = keep.clone();
    let uploaded = async {
        for bytes in images {
            let media = state.media().upload(caller.user_id, bytes).await?;
            draft.images.push((media.id.to_string(), grid(&media)));
            media_ids.push(media.id);
        }
        Ok::<(), Error>(())
    }
    .await;
    if action == "matrix" {
        draft.fill_matrix();
        let error = uploaded.err().map(shown_on_form).transpose()?;
        return editor(state, caller, handle, current, Some(draft), None, error.as_ref()).await;
    }
    let result = async {
        uploaded?;
        let (_, store) = access(state, caller, handle, OrgAction::EditCatalogue).await?;
        let certificate_id = match certificate {
            Some(bytes) => Some(state.media().upload(caller.user_id, bytes).await?.id),
            None => keep_certificate,
        };
        let input = draft.input(state.commerce().currency(), media_ids, certificate_id)?;
        match current {
            Some(product) => {
                let change = ProductChange {
                    category_id: Some(input.category_id),
                    title: Some(input.title),
                    description: Some(input.description),
                    brand: Some(input.brand),
                    attributes: Some(input.attributes),
                    options: Some(input.options),
                    variants: Some(input.variants),
                    media_ids: Some(input.media_ids),
                    status: Some(input.status),
                    returnable: Some(input.returnable),
                    shipping_template_id: Some(input.shipping_template_id),
                    affiliate_bps: Some(input.affiliate_bps),
                    cross_border: Some(input.cross_border),
                };
                state.commerce().update_product(caller, product.record.id, &change).await
            }
            None => state.commerce().create_product(caller, store.record.id, &input).await,
        }
    }
    .await;
    match result {
        Ok(product) => Ok(done(&format!("/o/{handle}/{TAB}/{}", product.record.id), "product_saved")),
        Err(error) => {
            let error = shown_on_form(error)?;
            editor(state, caller, handle, current, Some(draft), None, Some(&error)).await
        }
    }
}

pub(super) async fn create(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(handle): Path<String>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, ApiError> {
    access(&state, &caller, &handle, OrgAction::EditCatalogue).await?;
    let form = read_form(multipart).await?;
    submit(&state, &caller, &handle, None, form).await
}

pub(super) async fn save(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((handle, id)): Path<(String, String)>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, ApiError> {
    access(&state, &caller, &handle, OrgAction::EditCatalogue).await?;
    let product = own_product(&state, &caller, &handle, &id).await?;
    let form = read_form(multipart).await?;
    submit(&state, &caller, &handle, Some(&product), form).await
}

/// The stock editor: `s_{variant}_{warehouse}` = units on hand.
pub(super) async fn save_stock(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((handle, id)): Path<(String, String)>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let product = own_product(&state, &caller, &handle, &id).await?;
    let result = async {
        let mut rows = Vec::new();
        for (name, value) in &fields {
            let Some((sku, warehouse)) = name.strip_prefix("s_").and_then(|r| r.split_once('_')) else { continue };
            let (Ok(sku), Ok(warehouse)) = (sku.parse::<Id>(), warehouse.parse::<Id>()) else { continue };
            let units =
                value.trim().parse::<i64>().map_err(|_| Error::invalid_field("stock", "a whole number of units"))?;
            rows.push((sku, warehouse, units));
        }
        state.commerce().set_stock(&caller, product.record.id, &rows).await
    }
    .await;
    match result {
        Ok(_) => Ok(done(&format!("/o/{handle}/{TAB}/{id}"), "stock_saved")),
        Err(error) => {
            let error = shown_on_form(error)?;
            editor(&state, &caller, &handle, Some(&product), None, None, Some(&error)).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_make_every_combination_in_order() {
        let options = vec![
            ProductOption { name: "颜色".into(), values: vec!["白".into(), "黑".into()] },
            ProductOption { name: "尺码".into(), values: vec!["S".into(), "M".into(), "L".into()] },
        ];
        let all = combinations(&options);
        assert_eq!(all.len(), 6);
        assert_eq!(all[0], ["白", "S"]);
        assert_eq!(all[5], ["黑", "L"]);
        assert_eq!(combinations(&[]), vec![Vec::<String>::new()]);
        assert_eq!(option_values(" 白, 黑，红、 ,"), ["白", "黑", "红"]);
    }
}
