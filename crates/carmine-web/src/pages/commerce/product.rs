//! The product page (`/products/{id}`): the carousel, price and compare-at price, the
//! variant picker (a table every browser shows; app.js adds option chips that pick
//! a row), stock, the store's card, returns and shipping in words, cross-border
//! facts, and the notes about the product. Also the product cards of store pages.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use carmine_commerce::products::{Product, listed};
use carmine_core::ErrorCode;
use carmine_store::products::ProductRecord;

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiQuery, RequestContext, path_id};
use crate::pages::money::yuan;
use crate::pages::notes::{ImageRow, carousel_ratio};
use crate::pages::{Avatar, Layout, render};

/// A product as cards show it (store pages, search).
pub(crate) struct ProductCardRow {
    pub id: String,
    pub title: String,
    /// (url, width, height, placeholder colour).
    pub cover: Option<(String, i64, i64, String)>,
    /// `¥99.00` or `¥99.00 起` for a range.
    pub price: String,
    /// Cards outside the store's own page name it.
    pub store: Option<(String, String)>,
    pub sold_out: bool,
    pub status: String,
}

impl ProductCardRow {
    /// A card; `with_store` names the store (anywhere but its own page).
    pub(crate) fn new(layout: &Layout, record: &ProductRecord, with_store: bool) -> ProductCardRow {
        ProductCardRow {
            id: record.id.to_string(),
            title: record.title.clone(),
            cover: record.cover.as_ref().map(|(id, key, width, height, color)| {
                (format!("/media/{id}/{key}/grid.jpg"), *width, *height, color.clone())
            }),
            price: listed_price(layout, record.price_min_minor, record.price_max_minor, record.stock_total <= 0),
            store: with_store.then(|| (record.store_handle.clone(), record.store_name.clone())),
            sold_out: record.stock_total <= 0,
            status: if listed(record) { "active".to_owned() } else { record.status.clone() },
        }
    }
}

/// `¥99.00`, or `¥99.00 起` / `from ¥99.00` when variants in stock differ in price;
/// a sold-out product shows its whole range (`¥99.00 – ¥199.00`), promising no
/// "from" price nobody can buy at.
pub(crate) fn listed_price(layout: &Layout, min: i64, max: i64, sold_out: bool) -> String {
    match (min == max, sold_out) {
        (true, _) => yuan(min),
        (false, true) => format!("{} – {}", yuan(min), yuan(max)),
        (false, false) => layout.t1("product-price-from", "price", yuan(min)),
    }
}

struct VariantRow {
    id: String,
    /// Option values joined for the eye (`白 / M`).
    label: String,
    /// Option values joined by `|` (app.js matches the chips against it).
    key: String,
    price: String,
    compare_at: Option<String>,
    available: i64,
}

#[derive(Template)]
#[template(path = "product.html")]
struct ProductPage {
    layout: Layout,
    /// Limited-quantity sales on now, in words ("¥50.00 · 1 per member · 2 left · until …").
    sales: Vec<String>,
    id: String,
    title: String,
    description: String,
    brand: String,
    images: Vec<ImageRow>,
    ratio: String,
    price: String,
    compare_at: Option<String>,
    available: bool,
    /// `archived`, or `suspended` (the store), when not on sale.
    unavailable_reason: Option<&'static str>,
    sold_out: bool,
    options: Vec<(String, Vec<String>)>,
    variants: Vec<VariantRow>,
    /// (id, name), root first: each links to the product search in that category.
    category_path: Vec<(String, String)>,
    attributes: Vec<(String, String)>,
    returns: String,
    shipping: String,
    cross_border: Option<(String, String, String)>,
    store_handle: String,
    store_name: String,
    store_type: String,
    store_logo: Avatar,
    store_score: String,
    /// The viewer works for the store (an "Edit" link).
    editable: bool,
    /// The notes about the product, ranked by quality × freshness.
    notes: Vec<crate::pages::notes::CardRow>,
    more_notes: Option<String>,
    /// Buyers' reviews: "4.6 · 12 reviews", and the latest few.
    rating: String,
    reviews: Vec<crate::pages::orders::reviews::ReviewRow>,
}

#[derive(serde::Deserialize, Default)]
pub(super) struct ProductQuery {
    done: Option<String>,
    /// Where the notes about it continue.
    notes: Option<String>,
}

/// Notes about a product a page shows at once.
const NOTES_PAGE_SIZE: u32 = 20;

fn page_of(
    layout: Layout,
    product: &Product,
    store: Option<&carmine_commerce::Store>,
    notes: Vec<crate::pages::notes::CardRow>,
    more_notes: Option<String>,
) -> ProductPage {
    let record = &product.record;
    let locale = layout.locale.tag();
    let first = product.variants.first();
    let compare_at =
        first.and_then(|v| v.record.compare_at_minor).filter(|c| first.is_some_and(|v| *c > v.record.price_minor));
    let sold_out = product.variants.iter().all(|v| v.available <= 0);
    let unavailable_reason = match (record.status.as_str(), record.store_status.as_str()) {
        ("active", "open") => None,
        (_, "suspended") => Some("suspended"),
        _ => Some("archived"),
    };
    let returns = match (record.returnable, store.map_or(0, |s| s.record.return_days)) {
        (true, days) if days > 0 => layout.t1("store-returns-days", "days", days),
        _ => layout.t("product-no-returns"),
    };
    let shipping = store.map(|s| super::store::shipping_summary(&layout, s)).unwrap_or_default();
    let logo = match store.and_then(|s| s.record.logo.as_ref()) {
        Some((id, key)) => {
            Avatar::of(&record.store_handle, &record.store_name, Some(&format!("/media/{id}/{key}/grid.jpg")))
        }
        None => Avatar::generated(&record.store_handle, &record.store_name),
    };
    ProductPage {
        sales: Vec::new(),
        id: record.id.to_string(),
        title: record.title.clone(),
        description: record.description.clone(),
        brand: record.brand.clone(),
        images: product.media.iter().map(ImageRow::detail).collect(),
        ratio: carousel_ratio(&product.media),
        price: listed_price(&layout, record.price_min_minor, record.price_max_minor, sold_out),
        compare_at: compare_at.map(yuan),
        available: product.available(),
        unavailable_reason,
        sold_out,
        options: product.options.iter().map(|o| (o.name.clone(), o.values.clone())).collect(),
        variants: product
            .variants
            .iter()
            .map(|v| VariantRow {
                id: v.record.id.to_string(),
                label: v.options.join(" / "),
                key: v.options.join("|"),
                price: yuan(v.record.price_minor),
                compare_at: v.record.compare_at_minor.filter(|c| *c > v.record.price_minor).map(yuan),
                available: v.available.max(0),
            })
            .collect(),
        category_path: product
            .category_path
            .iter()
            .map(|c| (c.record.id.to_string(), c.name(locale).to_owned()))
            .collect(),
        attributes: product.attributes.clone(),
        returns,
        shipping,
        cross_border: record.cross_border.then(|| {
            (
                record.origin_country.clone().unwrap_or_default(),
                record.trade_mode.clone().unwrap_or_default(),
                record.certificate_status.clone(),
            )
        }),
        store_handle: record.store_handle.clone(),
        store_name: record.store_name.clone(),
        store_type: record.store_type.clone(),
        store_logo: logo,
        store_score: store.map(|s| super::store::score(s.record.score_centi)).unwrap_or_default(),
        editable: product.insider,
        notes,
        more_notes,
        rating: String::new(),
        reviews: Vec::new(),
        layout,
    }
}

pub(super) async fn show(
    State(state): State<AppState>,
    context: RequestContext,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ProductQuery>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::ProductNotFound)?;
    let caller = context.caller.as_ref();
    let product = state.commerce().product(caller, id).await?;
    let store = state.commerce().store(product.record.store_id).await.ok();
    let (notes, next) =
        crate::api::commerce::tags::notes_about_page(&state, caller, id, NOTES_PAGE_SIZE, q.notes.as_deref()).await?;
    let cards = notes.iter().map(crate::pages::notes::CardRow::from).collect();
    let more = next.map(|cursor| format!("/products/{id}?notes={cursor}#notes"));
    let layout = Layout::with(caller, q.done.as_deref(), None);
    let now = state.ledger().now();
    let live: Vec<_> = state.orders().product_sales(id).await?.into_iter().filter(|s| s.live(now)).collect();
    let sales: Vec<String> = live
        .iter()
        .map(|s| {
            let variant = product.variants.iter().find(|v| v.record.id == s.sku_id);
            let label = variant.map(|v| v.options.join(" / ")).unwrap_or_default();
            layout.t2("product-sale", "price", crate::pages::money::yuan(s.price_minor), "variant", label)
                + " · "
                + &layout.t2("product-sale-limits", "limit", s.per_member_limit, "left", s.quantity - s.sold)
                + " · "
                + &layout.t1("coupon-until", "when", layout.date(&s.ends_at))
        })
        .collect();
    let (reviews, (count, sum)) = state.orders().product_reviews(id, None, 5).await?;
    let mut page = page_of(layout, &product, store.as_ref(), cards, more);
    page.sales = sales;
    // A sale on now is the price buyers pay (within its limits): it shows as the
    // variant's price, the regular one struck through.
    if !live.is_empty() {
        let sale_of = |sku: carmine_core::Id| live.iter().find(|s| s.sku_id == sku).map(|s| s.price_minor);
        for row in &mut page.variants {
            if let Some(price) = row.id.parse().ok().and_then(sale_of) {
                row.compare_at = Some(std::mem::replace(&mut row.price, yuan(price)));
            }
        }
        let effective: Vec<i64> =
            product.variants.iter().map(|v| sale_of(v.record.id).unwrap_or(v.record.price_minor)).collect();
        let (min, max) = (effective.iter().copied().min(), effective.iter().copied().max());
        if let (Some(min), Some(max)) = (min, max) {
            page.price = listed_price(&page.layout, min, max, page.sold_out);
        }
        if let [only] = product.variants.as_slice() {
            page.compare_at = Some(yuan(only.record.price_minor));
        }
    }
    if count > 0 {
        page.rating =
            page.layout.t2("product-rating", "average", format!("{:.1}", sum as f64 / count as f64), "count", count);
    }
    page.reviews = reviews.iter().take(5).map(|r| crate::pages::orders::reviews::review_row(&page.layout, r)).collect();
    Ok(render(&page, None))
}
