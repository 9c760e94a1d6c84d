//! The application: its shared state, its router and its listener.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use carmine_accounts::Accounts;
use carmine_accounts::AccountsConfig;
use carmine_ads::{Ads, AdsConfig, AdsParts};
use carmine_commerce::{Commerce, CommerceConfig};
use carmine_core::cursor::CursorCodec;
use carmine_core::limits::JSON_BODY_BYTES_MAX;
use carmine_core::ratelimit::KeyedLimiter;
use carmine_events::{CesWeights, DataPlane, DataPlaneConfig, Ingest, Statistics};
use carmine_feed::{Feed, FeedSettings};
use carmine_jobs::{JobHandler, Jobs};
use carmine_ledger::payments::Payments;
use carmine_ledger::sandbox::Sandbox;
use carmine_ledger::{Ledger, LedgerConfig};
use carmine_media::Media;
use carmine_media::{MediaConfig, MediaStorage};
use carmine_notes::Notes;
use carmine_notes::NotesConfig;
use carmine_orders::{OrderPayments, Orders, OrdersConfig};
use carmine_search::{Search, SearchConfig};
use carmine_store::Db;
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
    pub ingest: Ingest,
    pub statistics: Statistics,
    pub dataplane: DataPlane,
    pub feed: Feed,
    pub search: Search,
    pub jobs: Jobs,
    pub ledger: Ledger,
    pub payments: Payments,
    pub sandbox: Sandbox,
    pub commerce: Commerce,
    pub orders: Orders,
    pub ads: Ads,
    hourly_stats_days: i64,
}

/// How the context services are set up (the binary fills it from flags; tests
/// from test defaults).
#[derive(Clone, Debug)]
pub struct ServicesConfig {
    pub accounts: AccountsConfig,
    pub media: MediaConfig,
    pub notes: NotesConfig,
    pub dataplane: DataPlaneConfig,
    pub ces: CesWeights,
    /// Traffic pools, ranking and fairness settings (its CES weights are `ces`).
    pub feed: FeedSettings,
    /// Where the search index lives (None: in memory); its CES weights are `ces`.
    pub search: SearchConfig,
    /// Currency, coin price, gift split, key retention, payout holds.
    pub ledger: LedgerConfig,
    /// Days note statistics stay per hour before they are rolled up into days.
    pub hourly_stats_days: i64,
    /// The sandbox payment provider offers its test methods (declines, late webhooks).
    pub payments_test_mode: bool,
    /// How long an order waits for payment (its currency is the ledger's).
    pub orders: OrdersConfig,
    /// Audience thresholds and sizes.
    pub ads: AdsConfig,
}

impl ServicesConfig {
    pub fn new(accounts: AccountsConfig, notes: NotesConfig) -> ServicesConfig {
        ServicesConfig {
            accounts,
            media: MediaConfig::default(),
            notes,
            dataplane: DataPlaneConfig::default(),
            ces: CesWeights::default(),
            feed: FeedSettings::default(),
            search: SearchConfig::default(),
            ledger: LedgerConfig::default(),
            hourly_stats_days: 14,
            payments_test_mode: false,
            orders: OrdersConfig::default(),
            ads: AdsConfig::default(),
        }
    }
}

impl Services {
    /// Builds every context over one database: the one place the platform is composed.
    pub async fn open(db: Db, media_storage: MediaStorage, config: ServicesConfig) -> carmine_core::Result<Services> {
        let accounts = Accounts::new(db.clone(), config.accounts);
        let media = Media::new(db.clone(), config.media, media_storage);
        let notes = Notes::new(db.clone(), accounts.clone(), config.notes);
        let feed = Feed::new(db.clone(), FeedSettings { ces: config.ces, ..config.feed });
        let search = Search::open(db.clone(), &SearchConfig { ces: config.ces, ..config.search })?;
        let mut consumers = carmine_events::statistics::consumers();
        consumers.push(carmine_events::Subscriber::Durable(Arc::new(carmine_events::notices::GiftNotices)));
        consumers.extend(feed.subscribers());
        consumers.extend(search.subscribers());
        consumers.extend(carmine_ads::engagements::consumers());
        let dataplane = DataPlane::new(db.clone(), consumers, config.dataplane).await?;
        let commerce =
            CommerceConfig { currency: config.ledger.currency, ces: config.ces, ..CommerceConfig::default() };
        let ledger = Ledger::new(db.clone(), config.ledger);
        let ads = Ads::open(AdsParts {
            db: db.clone(),
            accounts: accounts.clone(),
            feed: feed.clone(),
            analyzer: search.analyzer().clone(),
            config: config.ads,
            ledger: ledger.clone(),
        })
        .await?;
        let webhook_secret = carmine_store::secrets::get_or_create(&db, "sandbox_webhook_secret", || {
            carmine_core::secret::random_token(32)
        })
        .await?;
        let sandbox = Sandbox::new(db.clone(), webhook_secret.into_bytes(), config.payments_test_mode);
        let payments = Payments::new(ledger.clone(), Arc::new(sandbox.clone())).with_outcomes(Arc::new(OrderPayments));
        let orders_config = OrdersConfig { currency: commerce.currency, ..config.orders };
        let commerce = Commerce::new(db.clone(), accounts.clone(), notes.clone(), commerce);
        let orders = Orders::new(db.clone(), commerce.clone(), payments.clone(), orders_config);
        Ok(Services {
            ads,
            orders,
            commerce,
            ledger,
            payments,
            sandbox,
            feed,
            search,
            ingest: Ingest::new(db.clone(), notes.clone()),
            statistics: Statistics::new(db.clone(), notes.clone(), config.ces),
            jobs: Jobs::new(db.clone()),
            dataplane,
            hourly_stats_days: config.hourly_stats_days,
            accounts,
            media,
            notes,
        })
    }

    /// Erases a member's account after checking the password, in one transaction
    /// across the contexts (ADR 0019): the account (personal data, sessions, tokens,
    /// memberships; refused while they are an organization's only owner), what they
    /// wrote (notes, comments, boards, images — tombstones only) and their payout
    /// details; ledger rows stay. The images' files are removed after the commit.
    pub async fn erase_account(
        &self,
        caller: &carmine_accounts::Caller,
        password: &str,
    ) -> Result<(), carmine_core::Error> {
        self.accounts.confirm_password(caller, password).await?;
        let mut tx = self.accounts.db().begin().await?;
        self.accounts.erase_in(&mut tx, caller).await?;
        let erased = self.notes.erase_member_content(&mut tx, caller.user_id).await?;
        carmine_ledger::payouts::forget_member_account_in(&mut tx, caller.user_id).await?;
        tx.commit().await?;
        tracing::info!(member = %caller.user_id, ?erased, "erased an account");
        self.media.purge_deleted().await;
        Ok(())
    }

    /// Every context's timed work, for the job runner.
    pub fn job_handlers(&self) -> Vec<Arc<dyn JobHandler>> {
        let mut handlers: Vec<Arc<dyn JobHandler>> = vec![
            Arc::new(carmine_media::purge::Purge { storage: self.media.storage().clone() }),
            Arc::new(carmine_notes::scheduling::PublishScheduled),
            Arc::new(carmine_events::statistics::RollUp { hourly_days: self.hourly_stats_days }),
            Arc::new(carmine_accounts::expiry::SweepSessions {
                idle_seconds: self.accounts.config().session_idle_seconds,
            }),
            Arc::new(carmine_ledger::jobs::ExpireHolds),
            Arc::new(carmine_ledger::jobs::Prune),
            Arc::new(carmine_ledger::sandbox::Delivery {
                sandbox: self.sandbox.clone(),
                payments: self.payments.clone(),
            }),
        ];
        handlers.extend(self.orders.job_handlers());
        handlers.extend(self.ads.job_handlers());
        handlers
    }
}

struct Inner {
    services: Services,
    config: WebConfig,
    cursors: CursorCodec,
    metrics: Metrics,
    request_limiter: KeyedLimiter,
    signup_limiter: KeyedLimiter,
    events_limiter: KeyedLimiter,
    /// Public product JSON, kept while commerce keeps its product.
    product_json: crate::api::commerce::product_json::ProductJsonMemo,
}

impl AppState {
    pub fn new(services: Services, config: WebConfig, cursor_key: &[u8]) -> Self {
        AppState {
            inner: Arc::new(Inner {
                request_limiter: KeyedLimiter::new(config.request_quota, 200_000),
                signup_limiter: KeyedLimiter::new(config.signup_quota, 100_000),
                events_limiter: KeyedLimiter::new(config.events_quota, 200_000),
                services,
                config,
                cursors: CursorCodec::new(cursor_key),
                metrics: Metrics::default(),
                product_json: Default::default(),
            }),
        }
    }

    /// Public product JSON, kept while commerce keeps its product.
    pub(crate) fn product_json(&self) -> &crate::api::commerce::product_json::ProductJsonMemo {
        &self.inner.product_json
    }

    /// The composed contexts (for work that spans several, like an erasure).
    pub fn services(&self) -> &Services {
        &self.inner.services
    }

    pub fn accounts(&self) -> &Accounts {
        &self.inner.services.accounts
    }

    pub fn notes(&self) -> &Notes {
        &self.inner.services.notes
    }

    pub fn media(&self) -> &Media {
        &self.inner.services.media
    }

    pub fn ingest(&self) -> &Ingest {
        &self.inner.services.ingest
    }

    pub fn statistics(&self) -> &Statistics {
        &self.inner.services.statistics
    }

    pub fn dataplane(&self) -> &DataPlane {
        &self.inner.services.dataplane
    }

    pub fn feed(&self) -> &Feed {
        &self.inner.services.feed
    }

    pub fn search(&self) -> &Search {
        &self.inner.services.search
    }

    pub fn jobs(&self) -> &Jobs {
        &self.inner.services.jobs
    }

    pub fn commerce(&self) -> &Commerce {
        &self.inner.services.commerce
    }

    pub fn orders(&self) -> &Orders {
        &self.inner.services.orders
    }

    pub fn ads(&self) -> &Ads {
        &self.inner.services.ads
    }

    pub fn ledger(&self) -> &Ledger {
        &self.inner.services.ledger
    }

    pub fn payments(&self) -> &Payments {
        &self.inner.services.payments
    }

    pub fn sandbox(&self) -> &Sandbox {
        &self.inner.services.sandbox
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

    /// Behaviour-event batches, per member and per client IP.
    pub(crate) fn events_limiter(&self) -> &KeyedLimiter {
        &self.inner.events_limiter
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
        // Outermost: pages, JSON and static assets go out gzip- or brotli-compressed
        // when the client accepts it (images, already compressed, do not). Safe for
        // pages: the one secret they carry, the CSRF token, is masked afresh in every
        // response (`middleware::mask_csrf`), so compression cannot leak it (BREACH).
        .layer(tower_http::compression::CompressionLayer::new())
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

    /// Serves `state` under `limits` until `shutdown` resolves, then finishes
    /// in-flight requests (`server.rs`).
    pub async fn serve(
        self,
        state: AppState,
        limits: crate::server::HttpLimits,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        crate::server::serve(self.listener, build_router(state), limits, shutdown).await
    }
}
