//! Commerce's API: the category tree (public, and the operator's), stores with their
//! shipping templates and warehouses, and the operator's store list and suspension.
//! One router, merged into `/api/v1` in one line.

mod categories;
mod stores;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(categories::categories))
        .routes(routes!(categories::admin_categories, categories::create_category))
        .routes(routes!(categories::update_category))
        .routes(routes!(stores::list_stores, stores::open_store))
        .routes(routes!(stores::get_store, stores::update_store))
        .routes(routes!(stores::add_template))
        .routes(routes!(stores::update_template, stores::delete_template))
        .routes(routes!(stores::add_warehouse))
        .routes(routes!(stores::rename_warehouse))
        .routes(routes!(stores::admin_stores))
        .routes(routes!(stores::suspend_store))
        .routes(routes!(stores::reinstate_store))
}
