//! The application: its shared state, its router and its listener.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use carmine_accounts::Accounts;
use carmine_core::cursor::CursorCodec;
use carmine_core::limits::JSON_BODY_BYTES_MAX;
use carmine_core::ratelimit::KeyedLimiter;
use carmine_media::Media;
use carmine_notes::Notes;
use tokio::net::TcpListener;

use crate::config::WebConfig;
use crate::metrics::Metrics;

/// What every handler can reach. Cheap to clone; no global state anywhere.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

/// The context services a request can reach.
#[derive(Clone)]
pub struct Services {
    pub accounts: Accounts,
    pub media: Media,
    pub notes: Notes,
}

struct Inner {
    accounts: Accounts,
    media: Media,
    notes: Notes,
    config: WebConfig,
    cursors: CursorCodec,
    metrics: Metrics,
    request_limiter: KeyedLimiter,
    signup_limiter: KeyedLimiter,
}

impl AppState {
    pub fn new(services: Services, config: WebConfig, cursor_key: &[u8]) -> Self {
        let Services { accounts, media, notes } = services;
        AppState {
            inner: Arc::new(Inner {
                request_limiter: KeyedLimiter::new(config.request_quota, 200_000),
                signup_limiter: KeyedLimiter::new(config.signup_quota, 100_000),
                accounts,
                media,
                notes,
                config,
                cursors: CursorCodec::new(cursor_key),
                metrics: Metrics::default(),
            }),
        }
    }

    pub fn accounts(&self) -> &Accounts {
        &self.inner.accounts
    }

    pub fn notes(&self) -> &Notes {
        &self.inner.notes
    }

    pub fn media(&self) -> &Media {
        &self.inner.media
    }

    pub fn web_config(&self) -> &WebConfig {
        &self.inner.config
    }

    pub(crate) fn cursors(&self) -> &CursorCodec {
        &self.inner.cursors
    }

    pub(crate) fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    pub(crate) fn request_limiter(&self) -> &KeyedLimiter {
        &self.inner.request_limiter
    }

    pub(crate) fn signup_limiter(&self) -> &KeyedLimiter {
        &self.inner.signup_limiter
    }
}

/// The whole site: API (with its OpenAPI document), pages and static assets, inside
/// the request pipeline.
pub fn build_router(state: AppState) -> Router {
    let (api, openapi) = crate::api::router(&state).split_for_parts();
    let openapi = Arc::new(crate::openapi::finish(openapi));
    Router::new()
        .merge(api)
        .merge(crate::pages::router())
        .merge(crate::assets::router())
        .merge(crate::api::media::files_router())
        .route(
            crate::openapi::PATH,
            axum::routing::get(move || {
                let openapi = openapi.clone();
                async move { axum::Json(openapi.as_ref().clone()) }
            }),
        )
        .route_layer(axum::middleware::from_fn(crate::middleware::record_route))
        .layer(DefaultBodyLimit::max(JSON_BODY_BYTES_MAX))
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::middleware::pipeline))
        .with_state(state)
}

/// A bound listener. Binding comes first so callers (tests, `carmine serve`) can ask
/// for port 0 and learn the real address before building the state that needs it.
pub struct Application {
    listener: TcpListener,
}

impl Application {
    pub async fn bind(addr: SocketAddr) -> std::io::Result<Application> {
        Ok(Application { listener: TcpListener::bind(addr).await? })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("bound listener has an address")
    }

    /// Serves `state` until `shutdown` resolves, then finishes in-flight requests.
    pub async fn serve(
        self,
        state: AppState,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let router = build_router(state);
        axum::serve(self.listener, router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown)
            .await
    }
}
