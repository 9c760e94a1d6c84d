//! Static assets compiled into the binary (no build step beyond cargo), served with
//! long cache lifetimes; pages link them with `?v=<hash of their content>`, so any
//! change to them busts caches.

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::app::AppState;

const APP_CSS: &str = include_str!("../static/app.css");
const APP_JS: &str = include_str!("../static/app.js");
pub const ASSET_VERSION: u64 = fnv1a(APP_CSS.as_bytes(), fnv1a(APP_JS.as_bytes(), 0xcbf2_9ce4_8422_2325));

/// FNV-1a, at compile time: a fingerprint, not a defence.
const fn fnv1a(bytes: &[u8], mut hash: u64) -> u64 {
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    hash
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/static/app.css", get(|| async { asset("text/css; charset=utf-8", APP_CSS) }))
        .route("/static/app.js", get(|| async { asset("text/javascript; charset=utf-8", APP_JS) }))
}

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=31536000, immutable")], body)
}
