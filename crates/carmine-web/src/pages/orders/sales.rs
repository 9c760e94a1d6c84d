//! Sale prices in the console (`/o/{handle}/manage/products/{id}/sales`): a
//! product's limited-quantity sale prices running or to come, per variant, with what
//! sold of each; catalogue editors set one (variant, price, units, per-member limit,
//! window in the browser's time) and end one early. The product editor links here.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use carmine_accounts::Caller;
use carmine_accounts::orgs::{OrgAccess, OrgAction};
use carmine_core::{Error, ErrorCode, Id, Timestamp};
use carmine_orders::SaleInput;
use serde::Deserialize;

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiQuery, Member, path_id};
use crate::pages::money::{field, parse_yuan, yuan};
use crate::pages::orgs::Console;
use crate::pages::{Layout, PageForm, done, render, shown_on_form};

const TAB: &str = "manage/products";

/// One sale as the table shows it.
struct SaleRow {
    id: String,
    variant: String,
    price: String,
    regular: String,
    sold: i64,
    quantity: i64,
    per_member_limit: i64,
    starts: String,
    ends: String,
    /// `live`, `upcoming` or `sold_out` (ended sales are not listed).
    state: &'static str,
}

/// What was typed into the form (kept when it is refused).
#[derive(Default)]
struct Draft {
    sku_id: String,
    price: String,
    quantity: String,
    per_member_limit: String,
    starts_at: String,
    ends_at: String,
}

#[derive(Template)]
#[template(path = "sales_manage.html")]
struct SalesPage {
    layout: Layout,
    console: Console,
    handle: String,
    product_id: String,
    title: String,
    can_edit: bool,
    /// (variant id, label with its regular price).
    variants: Vec<(String, String)>,
    sales: Vec<SaleRow>,
    draft: Draft,
}

#[derive(Deserialize, Default)]
pub(super) struct DoneQuery {
    done: Option<String>,
}

/// The product of the organization's store, or `product_not_found`.
async fn own_product(
    state: &AppState,
    caller: &Caller,
    handle: &str,
    id: Id,
) -> Result<(OrgAccess, std::sync::Arc<carmine_commerce::products::Product>), Error> {
    let access = state.accounts().authorize_org(caller, handle, OrgAction::ViewStore).await?;
    let store = state.commerce().store_of_org(access.org.id).await?.ok_or(ErrorCode::ProductNotFound)?;
    let product = state.commerce().product(Some(caller), id).await?;
    if product.record.store_id != store.record.id {
        return Err(Error::new(ErrorCode::ProductNotFound));
    }
    Ok((access, product))
}

fn variant_label(layout: &Layout, options: &[String], code: &str) -> String {
    if options.is_empty() {
        if code.is_empty() { layout.t("product-single-variant") } else { code.to_owned() }
    } else {
        options.join(" / ")
    }
}

async fn sales_page(
    state: &AppState,
    caller: &Caller,
    (handle, product_id): (&str, Id),
    done: Option<&str>,
    error: Option<&Error>,
    draft: Option<Draft>,
) -> Result<Response, ApiError> {
    let (OrgAccess { org, role }, product) = own_product(state, caller, handle, product_id).await?;
    let layout = Layout::with(Some(caller), done, error);
    let now = state.ledger().now();
    let label = |sku: Id| {
        product
            .variants
            .iter()
            .find(|v| v.record.id == sku)
            .map(|v| (variant_label(&layout, &v.options, &v.record.code), yuan(v.record.price_minor)))
    };
    let sales = state
        .orders()
        .product_sales(product_id)
        .await?
        .iter()
        .map(|s| {
            let (variant, regular) = label(s.sku_id).unwrap_or_default();
            SaleRow {
                id: s.id.to_string(),
                variant,
                price: yuan(s.price_minor),
                regular,
                sold: s.sold,
                quantity: s.quantity,
                per_member_limit: s.per_member_limit,
                starts: layout.moment(&s.starts_at),
                ends: layout.moment(&s.ends_at),
                state: if s.sold >= s.quantity {
                    "sold_out"
                } else if s.starts_at > now {
                    "upcoming"
                } else {
                    "live"
                },
            }
        })
        .collect();
    let variants = product
        .variants
        .iter()
        .map(|v| {
            let name = variant_label(&layout, &v.options, &v.record.code);
            (v.record.id.to_string(), format!("{name} · {}", yuan(v.record.price_minor)))
        })
        .collect();
    let page = SalesPage {
        console: Console::new(&org, role, TAB),
        handle: org.handle.clone(),
        product_id: product_id.to_string(),
        title: product.record.title.clone(),
        can_edit: role.allows(OrgAction::EditCatalogue),
        variants,
        sales,
        draft: draft.unwrap_or(Draft { per_member_limit: "1".to_owned(), ..Draft::default() }),
        layout,
    };
    Ok(render(&page, error))
}

pub(super) async fn show(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((handle, id)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<DoneQuery>,
) -> Result<Response, ApiError> {
    let product_id = path_id(&id, ErrorCode::ProductNotFound)?;
    sales_page(&state, &caller, (&handle, product_id), q.done.as_deref(), None, None).await
}

fn input_of(fields: &[(String, String)]) -> Result<SaleInput, Error> {
    // The browser says its offset (app.js); without script, China's (UTC+8).
    let offset = field(fields, "utc_offset").trim().parse().unwrap_or(8 * 60);
    let whole = |name: &str| -> Result<i64, Error> {
        field(fields, name).trim().parse().map_err(|_| Error::invalid_field(name, "a whole number"))
    };
    let time = |name: &str| {
        Timestamp::parse_local(field(fields, name), offset).ok_or_else(|| Error::invalid_field(name, "a date and time"))
    };
    Ok(SaleInput {
        sku_id: field(fields, "sku_id").parse().map_err(|_| Error::invalid_field("sku_id", "one of the variants"))?,
        price_minor: parse_yuan("price", field(fields, "price").trim())?,
        quantity: whole("quantity")?,
        per_member_limit: whole("per_member_limit")?,
        starts_at: time("starts_at")?,
        ends_at: time("ends_at")?,
    })
}

pub(super) async fn create(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((handle, id)): Path<(String, String)>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let product_id = path_id(&id, ErrorCode::ProductNotFound)?;
    let created = async {
        own_product(&state, &caller, &handle, product_id).await?;
        let input = input_of(&fields)?;
        state.orders().create_sale(&caller, product_id, &input).await
    };
    match created.await {
        Ok(_) => Ok(done(&format!("/o/{handle}/{TAB}/{product_id}/sales"), "sale_created")),
        Err(error) => {
            let error = shown_on_form(error)?;
            let draft = Draft {
                sku_id: field(&fields, "sku_id").to_owned(),
                price: field(&fields, "price").to_owned(),
                quantity: field(&fields, "quantity").to_owned(),
                per_member_limit: field(&fields, "per_member_limit").to_owned(),
                starts_at: field(&fields, "starts_at").to_owned(),
                ends_at: field(&fields, "ends_at").to_owned(),
            };
            sales_page(&state, &caller, (&handle, product_id), None, Some(&error), Some(draft)).await
        }
    }
}

pub(super) async fn end(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((handle, id, sale)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let product_id = path_id(&id, ErrorCode::ProductNotFound)?;
    let sale_id = path_id(&sale, ErrorCode::SaleNotFound)?;
    own_product(&state, &caller, &handle, product_id).await?;
    let sale = state.orders().sale(sale_id).await?;
    let of_product = state.orders().product_sales(product_id).await?.iter().any(|s| s.id == sale.id);
    if !of_product {
        return Err(Error::new(ErrorCode::SaleNotFound).into());
    }
    state.orders().end_sale(&caller, sale_id).await?;
    Ok(done(&format!("/o/{handle}/{TAB}/{product_id}/sales"), "sale_ended"))
}
