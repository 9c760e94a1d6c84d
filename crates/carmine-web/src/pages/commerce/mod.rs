//! Commerce's pages: the public store page (`/o/{handle}/store`), the store's
//! console tab (`/o/{handle}/manage/store`: opening, settings, images, shipping
//! templates, warehouses), the catalogue tab (`/o/{handle}/manage/products`: list,
//! editor, stock), the product page, and the operator's category tree, store list
//! and certificate review. One router, merged into the pages in one line.

mod admin;
mod catalogue;
mod console;
pub(crate) mod product;
mod search;
mod store;
pub(crate) mod tags;

use axum::Router;
use axum::routing::{get, post};

use crate::app::AppState;

/// The notices commerce's forms end with (`?done=`; `notice-<key>` in the catalogues).
pub(crate) const NOTICES: &[&str] = &[
    "store_opened",
    "store_saved",
    "template_saved",
    "template_deleted",
    "warehouse_saved",
    "warehouse_removed",
    "warehouse_moved",
    "category_saved",
    "store_suspended",
    "store_reinstated",
    "product_saved",
    "stock_saved",
    "certificate_decided",
    "tags_saved",
];

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/o/{handle}/store", get(store::show))
        .route("/products/{id}", get(product::show))
        .route("/search/products", get(search::show))
        .route("/notes/{id}/products", get(tags::show).post(tags::save))
        .route("/notes/{id}/products/{product_id}", get(tags::open))
        .route("/o/{handle}/manage/store", get(console::show))
        .route("/o/{handle}/store/open", post(console::open))
        .route("/o/{handle}/store/settings", post(console::save_settings))
        .route(
            "/o/{handle}/store/images",
            post(console::upload_images).layer(axum::extract::DefaultBodyLimit::max(console::IMAGES_BODY_BYTES_MAX)),
        )
        .route("/o/{handle}/store/templates", post(console::add_template))
        .route("/o/{handle}/store/templates/{id}", post(console::save_template))
        .route("/o/{handle}/store/templates/{id}/delete", post(console::delete_template))
        .route("/o/{handle}/store/warehouses", post(console::add_warehouse))
        .route("/o/{handle}/store/warehouses/{id}", post(console::rename_warehouse))
        .route("/o/{handle}/store/warehouses/{id}/move", post(console::move_warehouse))
        .route("/o/{handle}/store/warehouses/{id}/delete", post(console::remove_warehouse))
        .route("/o/{handle}/manage/products", get(catalogue::list))
        .route("/o/{handle}/manage/products/export.csv", get(catalogue::export_csv))
        .route(
            "/o/{handle}/manage/products/import",
            get(catalogue::import_read).post(catalogue::import_csv).layer(axum::extract::DefaultBodyLimit::max(
                carmine_core::limits::CATALOGUE_CSV_BYTES_MAX + (64 << 10),
            )),
        )
        .route(
            "/o/{handle}/manage/products/new",
            get(catalogue::new_product)
                .post(catalogue::create)
                .layer(axum::extract::DefaultBodyLimit::max(catalogue::EDITOR_BODY_BYTES_MAX)),
        )
        .route(
            "/o/{handle}/manage/products/{id}",
            get(catalogue::edit_product)
                .post(catalogue::save)
                .layer(axum::extract::DefaultBodyLimit::max(catalogue::EDITOR_BODY_BYTES_MAX)),
        )
        .route("/o/{handle}/manage/products/{id}/stock", post(catalogue::save_stock))
        .route("/admin/categories", get(admin::categories).post(admin::add_category))
        .route("/admin/categories/{id}", post(admin::save_category))
        .route("/admin/stores", get(admin::stores))
        .route("/admin/certificates", get(admin::certificates))
        .route("/admin/certificates/{id}/{decision}", post(admin::decide_certificate))
        .route("/admin/stores/{id}/{action}", post(admin::store_action))
}
