//! The product tab of search (`/search/products`): products on sale matching the
//! words, filtered by category, price range, store type, cross-border and stock, in
//! the chosen order, as cards that page with "more". A plain GET form, so it works
//! without JavaScript.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

use super::product::ProductCardRow;
use crate::api::commerce::products::{ProductSearchParams, run_product_search};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiQuery, RequestContext};
use crate::pages::money::parse_yuan;
use crate::pages::{Layout, encode, render};

#[derive(Deserialize, Default)]
pub(super) struct ProductSearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    store_type: String,
    #[serde(default)]
    cross_border: String,
    #[serde(default)]
    in_stock: String,
    /// Yuan, as typed.
    #[serde(default)]
    min: String,
    #[serde(default)]
    max: String,
    #[serde(default)]
    sort: String,
    cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "search_products.html")]
struct ProductSearchPage {
    layout: Layout,
    q: String,
    notes_href: String,
    self_href: String,
    categories: Vec<(String, String, bool)>,
    store_type: String,
    cross_border: bool,
    in_stock: bool,
    min: String,
    max: String,
    sort: String,
    total_label: String,
    total: usize,
    relaxed: bool,
    cards: Vec<ProductCardRow>,
    next_page: Option<String>,
}

pub(super) async fn show(
    State(state): State<AppState>,
    context: RequestContext,
    ApiQuery(p): ApiQuery<ProductSearchQuery>,
) -> Result<Response, ApiError> {
    let caller = context.caller.as_ref();
    let layout = Layout::new(caller);
    let q = carmine_search::query::clean_query(&p.q);
    let price = |raw: &str, field| -> Result<Option<i64>, carmine_core::Error> {
        match raw.trim() {
            "" => Ok(None),
            raw => parse_yuan(field, raw).map(Some),
        }
    };
    let params = ProductSearchParams {
        q: Some(q.clone()),
        category: Some(p.category.clone()),
        store_type: Some(p.store_type.clone()),
        cross_border: (!p.cross_border.is_empty()).then_some(true),
        in_stock: Some(!p.in_stock.is_empty()),
        min_price: price(&p.min, "min_price")?,
        max_price: price(&p.max, "max_price")?,
        sort: Some(p.sort.clone()),
        limit: Some(30),
        cursor: p.cursor.clone(),
    };
    let (view, records) = run_product_search(&state, &params).await?;
    let tree = state.commerce().categories().await?;
    let chosen = p.category.parse::<carmine_core::Id>().ok();
    let here = |cursor: &str| {
        let pairs = [
            ("q", q.as_str()),
            ("category", p.category.as_str()),
            ("store_type", p.store_type.as_str()),
            ("cross_border", p.cross_border.as_str()),
            ("in_stock", p.in_stock.as_str()),
            ("min", p.min.as_str()),
            ("max", p.max.as_str()),
            ("sort", p.sort.as_str()),
            ("cursor", cursor),
        ];
        let query: Vec<String> =
            pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={}", encode(v))).collect();
        format!("/search/products?{}", query.join("&"))
    };
    let page = ProductSearchPage {
        notes_href: crate::pages::search::search_href(&[("q", &q)]),
        self_href: format!("/search/products?q={}", encode(&q)),
        categories: super::catalogue::category_choices(&tree, layout.locale.tag(), chosen),
        store_type: p.store_type.clone(),
        cross_border: !p.cross_border.is_empty(),
        in_stock: !p.in_stock.is_empty(),
        min: p.min.clone(),
        max: p.max.clone(),
        sort: p.sort.clone(),
        total_label: format!(
            "{}{}",
            crate::pages::search::grouped(view.total),
            if view.total_capped { "+" } else { "" }
        ),
        total: view.total,
        relaxed: view.relaxed,
        cards: records.iter().map(|r| ProductCardRow::new(&layout, r, true)).collect(),
        next_page: view.next_cursor.as_deref().map(here),
        q,
        layout,
    };
    Ok(render(&page, None))
}
