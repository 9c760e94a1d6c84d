//! Commerce's API: the category tree (public, and the operator's), stores with their
//! shipping templates and warehouses, the operator's store list and suspension, and
//! the catalogue (products, variants, stock, price history, certificate review).
//! One router, merged into `/api/v1` in one line.

pub(crate) mod catalogue_csv;
mod categories;
pub(crate) mod product_json;
pub(crate) mod products;
pub(crate) mod stores;
pub(crate) mod tags;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(catalogue_csv::router())
        .routes(routes!(categories::categories))
        .routes(routes!(categories::admin_categories, categories::create_category))
        .routes(routes!(categories::update_category))
        .routes(routes!(stores::list_stores, stores::open_store))
        .routes(routes!(stores::get_store, stores::update_store))
        .routes(routes!(stores::add_template))
        .routes(routes!(stores::update_template, stores::delete_template))
        .routes(routes!(stores::add_warehouse))
        .routes(routes!(stores::change_warehouse, stores::remove_warehouse))
        .routes(routes!(stores::admin_stores))
        .routes(routes!(stores::suspend_store))
        .routes(routes!(stores::reinstate_store))
        .routes(routes!(products::store_products, products::create_product))
        .routes(routes!(products::listed_products))
        .routes(routes!(products::search_products))
        .routes(routes!(products::get_product, products::update_product))
        .routes(routes!(products::set_stock))
        .routes(routes!(products::price_history))
        .routes(routes!(products::pending_certificates))
        .routes(routes!(products::decide_certificate))
        .routes(routes!(tags::note_tags, tags::set_note_tags))
        .routes(routes!(tags::tap))
        .routes(routes!(tags::product_notes))
}
