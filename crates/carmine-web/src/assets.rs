//! Static assets compiled into the binary (no build step beyond cargo), served with
//! long cache lifetimes; pages link them with `?v=<version>` so upgrades bust caches.

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::app::AppState;

pub const ASSET_VERSION: &str = env!("CARGO_PKG_VERSION");
const APP_CSS: &str = include_str!("../static/app.css");

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/static/app.css", get(app_css))
}

async fn app_css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        APP_CSS,
    )
}
