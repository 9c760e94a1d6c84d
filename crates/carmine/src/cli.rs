//! Command-line flags and what each command does.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use carmine_accounts::admin::Operator;
use carmine_accounts::config::Argon2Params;
use carmine_events::CesWeights;
use carmine_feed::FeedSettings;
use carmine_notes::NotesConfig;
use carmine_web::ServicesConfig;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::startup::{self, Platform};

#[derive(Parser)]
#[command(name = "carmine", version, about = "Carmine: a self-hostable social-commerce platform")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Log lines as human-readable text or JSON.
    #[arg(long, value_enum, default_value = "text", global = true, env = "CARMINE_LOG_FORMAT")]
    pub log_format: LogFormat,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum DemoScale {
    Demo,
    Small,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum GenerateScale {
    Small,
    Standard,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Where the data lives; shared by every command. Global, so a command with actions
/// takes them after the action too (`carmine search rebuild --data-dir D`).
#[derive(Args, Clone)]
pub struct DataArgs {
    /// Holds the SQLite file (unless --database-url says otherwise), media and the search index.
    #[arg(long, global = true, default_value = "./carmine-data", env = "CARMINE_DATA_DIR")]
    pub data_dir: PathBuf,
    /// `sqlite://PATH` or `postgres://…`; default: carmine.db in the data directory.
    #[arg(long, global = true, env = "CARMINE_DATABASE_URL")]
    pub database_url: Option<String>,
    /// This process's id-generator node (0–1023); give every node of one deployment its own.
    #[arg(long, global = true, env = "CARMINE_NODE_ID")]
    pub node_id: Option<u16>,
}

#[derive(Args, Clone)]
pub struct PasswordArgs {
    /// Argon2id memory cost in KiB (OWASP: 19456).
    #[arg(long, default_value_t = Argon2Params::OWASP.memory_kib, env = "CARMINE_ARGON2_MEMORY_KIB")]
    pub argon2_memory_kib: u32,
    /// Argon2id passes (OWASP: 2).
    #[arg(long, default_value_t = Argon2Params::OWASP.iterations, env = "CARMINE_ARGON2_ITERATIONS")]
    pub argon2_iterations: u32,
    /// Argon2id lanes (OWASP: 1).
    #[arg(long, default_value_t = Argon2Params::OWASP.parallelism, env = "CARMINE_ARGON2_PARALLELISM")]
    pub argon2_parallelism: u32,
}

impl PasswordArgs {
    pub fn params(&self) -> Argon2Params {
        Argon2Params {
            memory_kib: self.argon2_memory_kib,
            iterations: self.argon2_iterations,
            parallelism: self.argon2_parallelism,
        }
    }
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the site and the API (applies pending migrations first).
    Serve(ServeArgs),
    /// Seed an empty data directory with a demo community, then serve it. On a data
    /// directory that already holds members, serve what is there.
    Demo {
        #[command(flatten)]
        serve: ServeArgs,
        /// `demo` (hundreds of members, thousands of notes) or `small` (for tests).
        #[arg(long, default_value = "demo", env = "CARMINE_DEMO_SCALE")]
        scale: DemoScale,
    },
    /// Measure the note, profile and write paths against a hello-route ceiling (see BENCHMARKS.md).
    Bench(crate::bench::BenchArgs),
    /// Apply pending database migrations and exit.
    Migrate {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Write every member, organization, note, comment, like, save, follow and
    /// behaviour event as a dataset (docs/dataset-format.md) into a new directory.
    Export {
        #[command(flatten)]
        data: DataArgs,
        /// The directory to create (must be empty or absent).
        dir: PathBuf,
    },
    /// Load a dataset. Bad records are reported as file:line and skipped; running it
    /// again adds only what is missing (safe after a crash).
    Import {
        #[command(flatten)]
        data: DataArgs,
        /// The dataset directory (with manifest.json).
        dir: PathBuf,
        /// Stop at the first bad record.
        #[arg(long)]
        strict: bool,
        /// Records per transaction.
        #[arg(long, default_value_t = 500)]
        batch: usize,
    },
    /// Take a consistent backup while Carmine serves: the database (SQLite snapshot or
    /// pg_dump), the media folder and a manifest, into a new directory.
    Backup {
        #[command(flatten)]
        data: DataArgs,
        /// The directory to create (must be empty or absent).
        dest: PathBuf,
    },
    /// Restore a backup into a data directory no running Carmine holds; what it
    /// replaces is moved aside, and statistics rebuild on the next start.
    Restore {
        #[command(flatten)]
        data: DataArgs,
        /// A directory written by `carmine backup`.
        src: PathBuf,
    },
    /// Write a synthetic community as a dataset (model: docs/generator-model.md), for
    /// `carmine import` and the benchmarks. Every member's password is the demo one.
    Generate {
        /// The directory to create (must be empty or absent).
        dir: PathBuf,
        /// `small` (CI: 2 000 members, 10 000 notes) or `standard` (100 000 members,
        /// 1 000 000 notes, 10 000 000 engagements).
        #[arg(long, default_value = "small")]
        scale: GenerateScale,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// When the generated history ends (RFC 3339); default: today 00:00 UTC.
        #[arg(long)]
        end: Option<String>,
        /// Override the scale's number of members.
        #[arg(long)]
        members: Option<usize>,
        /// Override the scale's number of notes.
        #[arg(long)]
        notes: Option<usize>,
        /// Override the scale's likes + saves + comments.
        #[arg(long)]
        engagements: Option<usize>,
        /// Override the scale's impressions + reads.
        #[arg(long)]
        events: Option<usize>,
    },
    /// Evaluate offline on a dataset (docs/decisions/0013).
    Eval {
        #[command(subcommand)]
        what: EvalTarget,
    },
    /// The search index (data-dir/search/index).
    Search {
        #[command(flatten)]
        data: DataArgs,
        #[command(subcommand)]
        action: SearchAction,
    },
    /// The money ledger.
    Ledger {
        #[command(flatten)]
        data: DataArgs,
        #[command(subcommand)]
        action: LedgerAction,
    },
    /// Operator actions from the console (recorded in the audit log).
    Admin {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        passwords: PasswordArgs,
        #[command(subcommand)]
        action: AdminAction,
    },
}

#[derive(Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub passwords: PasswordArgs,
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8080", env = "CARMINE_LISTEN")]
    pub listen: SocketAddr,
    /// The URL people use to reach Carmine (default: http://<listen address>). Must be https
    /// unless listening on loopback.
    #[arg(long, env = "CARMINE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Requests a client (member, or address) may burst before being throttled.
    #[arg(long, default_value_t = 600, env = "CARMINE_RATE_LIMIT_BURST")]
    pub rate_limit_burst: u32,
    /// Sustained requests per second per client after the burst.
    #[arg(long, default_value_t = 10, env = "CARMINE_RATE_LIMIT_PER_SECOND")]
    pub rate_limit_per_second: u32,
    /// Behaviour-event batches a member or an address may send at once (then one a second).
    #[arg(long, default_value_t = 60, env = "CARMINE_EVENT_BATCH_BURST")]
    pub event_batch_burst: u32,
    /// Comments a member may post at once (then one every 15 s).
    #[arg(long, default_value_t = 20, env = "CARMINE_COMMENT_BURST")]
    pub comment_burst: u32,
    /// Serve HTTP only: run neither the durable log consumers nor the job runner on this
    /// node (another node of the deployment does); it still keeps its own feed index.
    #[arg(long, env = "CARMINE_NO_BACKGROUND")]
    pub no_background: bool,
    /// The interface language for visitors whose browser asks for none Carmine speaks
    /// (`en` or `zh-CN`); members and visitors can switch.
    #[arg(long, default_value = "en", env = "CARMINE_DEFAULT_LOCALE", value_parser = parse_locale)]
    pub default_locale: carmine_web::i18n::Locale,
    /// A reverse proxy whose X-Forwarded-For is trusted (repeatable).
    #[arg(long = "trusted-proxy", env = "CARMINE_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<IpAddr>,
    /// Seconds a client has to send a request's headers (and an idle kept-alive
    /// connection to start its next request).
    #[arg(long, default_value_t = 10, env = "CARMINE_HTTP_HEADER_TIMEOUT_SECS")]
    pub http_header_timeout_secs: u64,
    /// Seconds a connection may sit with nothing read or written before it is closed.
    #[arg(long, default_value_t = 60, env = "CARMINE_HTTP_IDLE_TIMEOUT_SECS")]
    pub http_idle_timeout_secs: u64,
    /// Seconds a request body (an upload too) has to arrive whole (408 otherwise).
    #[arg(long, default_value_t = 60, env = "CARMINE_HTTP_BODY_TIMEOUT_SECS")]
    pub http_body_timeout_secs: u64,
    /// Connections served at once; more wait to be accepted.
    #[arg(long, default_value_t = 1_024, env = "CARMINE_HTTP_CONNECTIONS_MAX")]
    pub http_connections_max: usize,
    /// Distinct signed-in members who must have searched a query (and found something)
    /// before it is suggested or trending.
    #[arg(long, default_value_t = carmine_search::trends::MIN_MEMBERS_DEFAULT, env = "CARMINE_SUGGEST_MIN_MEMBERS")]
    pub suggest_min_members: u32,
    #[command(flatten)]
    pub feed: FeedArgs,
    #[command(flatten)]
    pub money: MoneyArgs,
    #[command(flatten)]
    pub orders: OrdersArgs,
    #[command(flatten)]
    pub ads: AdsArgs,
    /// The instance's time zone: the days pages and statements show (an IANA name
    /// such as Asia/Shanghai or Europe/Berlin, UTC, or an offset such as +08:00).
    #[arg(long, default_value = carmine_core::clock::DEFAULT_TIME_ZONE, env = "CARMINE_TIME_ZONE")]
    pub time_zone: String,
}

/// Orders' operator settings (ADR 0025, 0026); the rest keep their defaults.
#[derive(Args, Clone)]
pub struct OrdersArgs {
    /// Minutes an order waits for payment before its units are released (1–1440).
    #[arg(long, default_value_t = 15, env = "CARMINE_ORDER_PAY_MINUTES")]
    pub order_pay_minutes: i64,
    /// Days a completed order waits before it settles, and for a store on the fast
    /// tier (0–60; fast ≤ normal).
    #[arg(long, default_value_t = 7, env = "CARMINE_SETTLE_DAYS")]
    pub settle_days: i64,
    #[arg(long, default_value_t = 4, env = "CARMINE_SETTLE_DAYS_FAST")]
    pub settle_days_fast: i64,
    /// The payment channel's fee, in basis points of what the buyer paid (0–1000).
    #[arg(long, default_value_t = 60, env = "CARMINE_CHANNEL_FEE_BPS")]
    pub channel_fee_bps: i64,
    /// Each store's first settled sales free of commission, in yuan (0–100,000,000).
    #[arg(long, default_value_t = 10_000, env = "CARMINE_COMMISSION_FREE_YUAN")]
    pub commission_free_yuan: i64,
    /// Let buyers pay orders from their coins (off by default).
    #[arg(long, env = "CARMINE_WALLET_PAYMENTS")]
    pub wallet_payments: bool,
}

impl OrdersArgs {
    pub fn config(&self) -> Result<carmine_orders::OrdersConfig, String> {
        if !(1..=1_440).contains(&self.order_pay_minutes) {
            return Err("--order-pay-minutes must be 1–1440".to_owned());
        }
        if !(0..=60).contains(&self.settle_days) || !(0..=self.settle_days).contains(&self.settle_days_fast) {
            return Err("--settle-days must be 0–60 and --settle-days-fast 0 to --settle-days".to_owned());
        }
        if !(0..=1_000).contains(&self.channel_fee_bps) {
            return Err("--channel-fee-bps must be 0–1000".to_owned());
        }
        if !(0..=100_000_000).contains(&self.commission_free_yuan) {
            return Err("--commission-free-yuan must be 0–100000000".to_owned());
        }
        Ok(carmine_orders::OrdersConfig {
            pay_minutes: self.order_pay_minutes,
            settle_days: self.settle_days,
            settle_days_fast: self.settle_days_fast,
            channel_fee_bps: self.channel_fee_bps,
            commission_free_minor: self.commission_free_yuan * 100,
            wallet_payments: self.wallet_payments,
            ..carmine_orders::OrdersConfig::default()
        })
    }
}

/// Advertising's operator settings (ADR 0029, 0030): ad load, reserves, the
/// relevance floor, audience and budget limits. `/admin/ads` shows them.
#[derive(Args, Clone)]
pub struct AdsArgs {
    /// Feed ad load: the first sponsored card's position, then every how many cards.
    #[arg(long, default_value = "6,10", env = "CARMINE_AD_LOAD_FEED")]
    pub ad_load_feed: String,
    /// Search ad load (a search with fewer results gets its ad after them).
    #[arg(long, default_value = "3,10", env = "CARMINE_AD_LOAD_SEARCH")]
    pub ad_load_search: String,
    /// Related-notes ad load.
    #[arg(long, default_value = "4,10", env = "CARMINE_AD_LOAD_RELATED")]
    pub ad_load_related: String,
    /// Reserve prices in yuan per 1,000 impressions (eCPM): feed,search,related.
    #[arg(long, default_value = "5,8,4", env = "CARMINE_AD_RESERVES")]
    pub ad_reserves: String,
    /// The relevance floor α (0–1): an ad shows only if its predicted engagement is at
    /// least α × that of the organic note it would displace.
    #[arg(long, default_value_t = 0.5, env = "CARMINE_AD_RELEVANCE_FLOOR")]
    pub ad_relevance_floor: f64,
    /// The fewest consenting members a demographic or lookalike audience may hold.
    #[arg(long, default_value_t = 1_000, env = "CARMINE_AD_AUDIENCE_MIN")]
    pub ad_audience_min: usize,
    /// The least daily budget, in yuan.
    #[arg(long, default_value_t = 10, env = "CARMINE_AD_DAILY_BUDGET_MIN")]
    pub ad_daily_budget_min: i64,
    /// The highest bid per click, and per 1,000 impressions, in yuan.
    #[arg(long, default_value_t = 1_000, env = "CARMINE_AD_CPC_BID_MAX")]
    pub ad_cpc_bid_max: i64,
    #[arg(long, default_value_t = 10_000, env = "CARMINE_AD_CPM_BID_MAX")]
    pub ad_cpm_bid_max: i64,
    /// What a member's boost bids per 1,000 viewable impressions, in yuan.
    #[arg(long, default_value = "20", env = "CARMINE_AD_BOOST_CPM")]
    pub ad_boost_cpm: String,
    /// Report cells (age band, gender, search term) of fewer members are left out.
    #[arg(long, default_value_t = 50, env = "CARMINE_AD_REPORT_CELL_MIN")]
    pub ad_report_cell_min: usize,
}

impl AdsArgs {
    fn load(flag: &str, raw: &str, after_short_lists: bool) -> Result<carmine_ads::AdLoad, String> {
        let numbers: Vec<usize> =
            raw.split(',').map(|n| n.trim().parse().ok()).collect::<Option<_>>().unwrap_or_default();
        match numbers[..] {
            [first, every] if (1..=100).contains(&first) && (2..=100).contains(&every) => {
                Ok(carmine_ads::AdLoad { first, every, after_short_lists })
            }
            _ => Err(format!("--{flag}: first,every — a position 1–100 and a gap 2–100, like 6,10")),
        }
    }

    pub fn config(&self) -> Result<carmine_ads::AdsConfig, String> {
        let reserves: Vec<i64> = self
            .ad_reserves
            .split(',')
            .map(|r| carmine_core::money::parse_decimal(r.trim()).filter(|m| (0..=1_000_000).contains(m)))
            .collect::<Option<_>>()
            .ok_or("--ad-reserves: three amounts in yuan 0–10000, like 5,8,4")?;
        let [reserve_feed, reserve_search, reserve_related] = reserves[..] else {
            return Err("--ad-reserves: three amounts: feed,search,related".to_owned());
        };
        if !(0.0..=1.0).contains(&self.ad_relevance_floor) {
            return Err("--ad-relevance-floor must be between 0 and 1".to_owned());
        }
        if !(1..=10_000_000).contains(&self.ad_audience_min) {
            return Err("--ad-audience-min must be 1–10000000".to_owned());
        }
        let most = carmine_core::limits::AD_BID_MINOR_MAX / 100;
        if !(1..=most).contains(&self.ad_cpc_bid_max) || !(1..=most).contains(&self.ad_cpm_bid_max) {
            return Err(format!("--ad-cpc-bid-max and --ad-cpm-bid-max must be 1–{most} yuan"));
        }
        if !(1..=100_000).contains(&self.ad_report_cell_min) {
            return Err("--ad-report-cell-min must be 1–100000".to_owned());
        }
        if !(1..=100_000).contains(&self.ad_daily_budget_min) {
            return Err("--ad-daily-budget-min must be 1–100000 yuan".to_owned());
        }
        let boost_cpm_minor = carmine_core::money::parse_decimal(&self.ad_boost_cpm)
            .filter(|m| (1..=carmine_core::limits::AD_BID_MINOR_MAX).contains(m))
            .ok_or("--ad-boost-cpm: an amount in yuan, like 20")?;
        Ok(carmine_ads::AdsConfig {
            boost_cpm_minor,
            report_cell_min: self.ad_report_cell_min,
            feed_load: Self::load("ad-load-feed", &self.ad_load_feed, false)?,
            search_load: Self::load("ad-load-search", &self.ad_load_search, true)?,
            related_load: Self::load("ad-load-related", &self.ad_load_related, false)?,
            reserve_feed,
            reserve_search,
            reserve_related,
            relevance_floor: self.ad_relevance_floor,
            audience_min: self.ad_audience_min,
            limits: carmine_ads::AdLimits {
                daily_budget_min_minor: self.ad_daily_budget_min * 100,
                cpc_bid_max_minor: self.ad_cpc_bid_max * 100,
                cpm_bid_max_minor: self.ad_cpm_bid_max * 100,
            },
            ..carmine_ads::AdsConfig::default()
        })
    }
}

/// Money's operator settings (ADR 0015).
#[derive(Args, Clone)]
pub struct MoneyArgs {
    /// The creator's share of a gift, in percent; the platform keeps the rest (and any
    /// rounding) as live-gift revenue.
    #[arg(long, default_value_t = 50, env = "CARMINE_GIFT_CREATOR_SHARE")]
    pub gift_creator_share: u32,
    /// Hours an `Idempotency-Key` is remembered (1–720).
    #[arg(long, default_value_t = 24, env = "CARMINE_IDEMPOTENCY_RETENTION_HOURS")]
    pub idempotency_retention_hours: i64,
    /// Minutes between payout batches (1–1440).
    #[arg(long, default_value_t = 60, env = "CARMINE_PAYOUT_BATCH_MINUTES")]
    pub payout_batch_minutes: u64,
    /// Offer the sandbox payment provider's test methods (a declined card, late and
    /// duplicate webhooks) to payers; `carmine demo` turns it on.
    #[arg(long, env = "CARMINE_PAYMENTS_TEST_MODE")]
    pub payments_test_mode: bool,
}

impl MoneyArgs {
    pub fn ledger(&self) -> Result<carmine_ledger::LedgerConfig, String> {
        if self.gift_creator_share > 100 {
            return Err("--gift-creator-share is a percentage, 0–100".to_owned());
        }
        if !(1..=720).contains(&self.idempotency_retention_hours) {
            return Err("--idempotency-retention-hours must be 1–720".to_owned());
        }
        if !(1..=1_440).contains(&self.payout_batch_minutes) {
            return Err("--payout-batch-minutes must be 1–1440".to_owned());
        }
        Ok(carmine_ledger::LedgerConfig {
            gift_creator_share_bps: self.gift_creator_share * 100,
            idempotency_retention_seconds: self.idempotency_retention_hours * 3_600,
            ..carmine_ledger::LedgerConfig::default()
        })
    }
}

/// The discovery feed's operator settings (docs: ADR 0013, domain.md).
#[derive(Args, Clone)]
pub struct FeedArgs {
    /// CES weights: likes,saves,comments,shares,follows gained.
    #[arg(long, default_value = "1,1,4,4,8", env = "CARMINE_CES_WEIGHTS")]
    pub ces_weights: String,
    /// Traffic pools as audience:bar pairs (bar = smoothed CES per impression to graduate).
    #[arg(long, default_value = "300:0.04,2000:0.06,10000:0.08,50000:0.10", env = "CARMINE_FEED_POOLS")]
    pub feed_pools: String,
    /// The least share of each feed page kept for creators under 1,000 followers (0–1; 0 turns it off).
    #[arg(long, default_value_t = 0.5, env = "CARMINE_FEED_SMALL_CREATOR_FLOOR")]
    pub feed_small_creator_floor: f64,
    /// Freshness falls by e every this many hours.
    #[arg(long, default_value_t = 18.0, env = "CARMINE_FEED_FRESHNESS_HOURS")]
    pub feed_freshness_hours: f64,
    /// At most this many notes of one creator per page.
    #[arg(long, default_value_t = 2, env = "CARMINE_FEED_AUTHOR_CAP")]
    pub feed_author_cap: usize,
}

impl FeedArgs {
    pub fn ces(&self) -> Result<CesWeights, String> {
        let weights: Vec<i64> = self
            .ces_weights
            .split(',')
            .map(|w| w.trim().parse::<i64>().ok().filter(|w| (0..=1_000).contains(w)))
            .collect::<Option<_>>()
            .ok_or("--ces-weights: five whole numbers 0–1000, like 1,1,4,4,8")?;
        let [likes, saves, comments, shares, follows] = weights[..] else {
            return Err("--ces-weights: five numbers: likes,saves,comments,shares,follows".to_owned());
        };
        Ok(CesWeights { likes, saves, comments, shares, follows })
    }

    pub fn settings(&self) -> Result<FeedSettings, String> {
        if !(0.0..=1.0).contains(&self.feed_small_creator_floor) {
            return Err("--feed-small-creator-floor must be between 0 and 1".to_owned());
        }
        let freshness_ok = self.feed_freshness_hours.is_finite() && self.feed_freshness_hours > 0.0;
        if !freshness_ok || self.feed_author_cap == 0 {
            return Err("--feed-freshness-hours and --feed-author-cap must be positive".to_owned());
        }
        Ok(FeedSettings {
            pools: FeedSettings::parse_pools(&self.feed_pools).map_err(|e| format!("--feed-pools: {e}"))?,
            ces: self.ces()?,
            small_creator_floor: self.feed_small_creator_floor,
            freshness_hours: self.feed_freshness_hours,
            author_cap: self.feed_author_cap,
            ..FeedSettings::default()
        })
    }
}

impl ServeArgs {
    /// The HTTP server's limits, checked.
    pub fn http_limits(&self) -> Result<carmine_web::server::HttpLimits, String> {
        let seconds = |name: &str, value: u64| {
            if (1..=3_600).contains(&value) {
                Ok(std::time::Duration::from_secs(value))
            } else {
                Err(format!("--{name} must be 1–3600 seconds"))
            }
        };
        if !(1..=1_000_000).contains(&self.http_connections_max) {
            return Err("--http-connections-max must be 1–1000000".to_owned());
        }
        Ok(carmine_web::server::HttpLimits {
            header_read: seconds("http-header-timeout-secs", self.http_header_timeout_secs)?,
            idle: seconds("http-idle-timeout-secs", self.http_idle_timeout_secs)?,
            body_read: seconds("http-body-timeout-secs", self.http_body_timeout_secs)?,
            connections_max: self.http_connections_max,
        })
    }

    pub fn services_config(&self) -> Result<ServicesConfig, String> {
        carmine_core::clock::set_instance_zone(&self.time_zone).map_err(|e| format!("--time-zone: {e}"))?;
        let mut config = startup::services_config(self.passwords.params());
        config.notes = NotesConfig {
            comments_per_member: carmine_core::ratelimit::Quota::new(self.comment_burst.max(1), 15_000),
            ..NotesConfig::default()
        };
        config.feed = self.feed.settings()?;
        config.ces = config.feed.ces;
        config.ledger = self.money.ledger()?;
        config.payments_test_mode = self.money.payments_test_mode;
        config.orders = self.orders.config()?;
        config.ads = self.ads.config()?;
        if self.suggest_min_members == 0 {
            return Err("--suggest-min-members must be at least 1".to_owned());
        }
        config.search.suggest_min_members = self.suggest_min_members;
        Ok(config)
    }
}

#[derive(Subcommand)]
pub enum EvalTarget {
    /// The discovery feed: a time-ordered split of the dataset; the production ranker
    /// against popularity and item-kNN baselines (Recall@K, NDCG@K, coverage,
    /// small-creator share, novelty).
    Feed {
        /// A dataset directory (docs/dataset-format.md), e.g. from `carmine generate`; with
        /// --ratings, a directory holding a ratings file (MovieLens `u.data` or `*.inter`).
        dir: PathBuf,
        /// DIR holds public ratings (`user item rating timestamp`; 4+ is a like), with
        /// the items' genres as topics (`u.item` or `*.item`, optional).
        #[arg(long)]
        ratings: bool,
        /// Cut-offs, comma-separated.
        #[arg(long, default_value = "10,50", value_delimiter = ',')]
        k: Vec<usize>,
        /// Days at the end of the dataset held out (the global split).
        #[arg(long, default_value_t = 3)]
        holdout_days: i64,
        /// `per-member:FRACTION` holds out each member's last FRACTION of positives
        /// instead (e.g. `per-member:0.2`); `global:DAYS` is --holdout-days.
        #[arg(long)]
        split: Option<String>,
        /// At most this many test members (spread over all of them).
        #[arg(long, default_value_t = 5_000)]
        max_members: usize,
        #[command(flatten)]
        feed: FeedArgs,
    },
}

#[derive(Subcommand)]
pub enum SearchAction {
    /// Rebuild the index from the database (with the server stopped; after changing
    /// data-dir/search/dictionary.txt a start rebuilds it by replaying the log instead).
    Rebuild,
}

#[derive(Subcommand)]
pub enum LedgerAction {
    /// Recompute every balance from its postings and open holds and check that the
    /// books balance (each currency's balances sum to zero); exits 1 if they do not.
    /// Safe while the server runs.
    Reconcile,
}

#[derive(Subcommand)]
pub enum AdminAction {
    /// Create a member; prints the password when none is given.
    CreateUser {
        username: String,
        /// Make the member an administrator.
        #[arg(long)]
        admin: bool,
        /// The password (otherwise one is generated and printed). Prefer CARMINE_NEW_PASSWORD.
        #[arg(long, env = "CARMINE_NEW_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Set a random password for a member and end their sessions; prints it.
    ResetPassword { username: String },
    /// Suspend a member.
    Suspend {
        username: String,
        #[arg(long)]
        reason: String,
    },
    /// Lift a suspension.
    Unsuspend { username: String },
    /// Make an existing member an administrator.
    GrantAdmin { username: String },
    /// Take administrator rights away.
    RevokeAdmin { username: String },
}

pub async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve(args) => {
            startup::check_listen(&args)?;
            let platform = Platform::open(&args.data, args.services_config()?).await?;
            startup::serve(platform, args).await
        }
        Command::Bench(args) => crate::bench::run(args).await,
        Command::Demo { serve, scale } => {
            startup::check_listen(&serve)?;
            // The demo shows every payment outcome, each labelled a test.
            let config = ServicesConfig { payments_test_mode: true, ..serve.services_config()? };
            let platform = Platform::open(&serve.data, config).await?;
            let scale = match scale {
                DemoScale::Demo => carmine_demo::Scale::DEMO,
                DemoScale::Small => carmine_demo::Scale::SMALL,
            };
            startup::seed_demo(&platform, serve.passwords.params(), scale).await?;
            startup::serve(platform, serve).await
        }
        Command::Migrate { data } => {
            let platform = Platform::open(&data, startup::services_config(Argon2Params::OWASP)).await?;
            println!("database is at the latest schema ({})", platform.db.backend().name());
            Ok(())
        }
        Command::Backup { data, dest } => crate::backup::backup(&data, &dest).await,
        Command::Restore { data, src } => crate::backup::restore(&data, &src).await,
        Command::Export { data, dir } => {
            let platform = Platform::open_for_maintenance(&data).await?;
            let report = carmine_dataset::export(&platform.db, &platform.services.media, &dir, true).await?;
            let total: u64 = report.counts.values().sum();
            println!(
                "exported {total} records and {} images to {} in {:.1} s",
                report.images,
                dir.display(),
                report.seconds
            );
            platform.db.close().await;
            Ok(())
        }
        Command::Import { data, dir, strict, batch } => {
            let platform = Platform::open_for_maintenance(&data).await?;
            let options = carmine_dataset::ImportOptions {
                strict,
                batch: batch.clamp(1, 10_000),
                progress: true,
                currency: platform.services.commerce.currency(),
            };
            let result = carmine_dataset::import(&platform.db, &platform.services.media, &dir, &options).await;
            platform.db.close().await;
            let report = result?;
            for file in &report.files {
                println!(
                    "{:<20} {:>9} imported {:>9} already there {:>7} rejected",
                    file.file, file.imported, file.already, file.rejected
                );
            }
            for error in &report.errors {
                eprintln!("{error}");
            }
            println!("import finished in {:.1} s", report.seconds);
            if report.rejected() > 0 {
                return Err(format!(
                    "{} records were rejected (listed above); the rest is imported",
                    report.rejected()
                ));
            }
            Ok(())
        }
        Command::Generate { dir, scale, seed, end, members, notes, engagements, events } => {
            let end = match end {
                Some(raw) => carmine_core::Timestamp::parse_rfc3339(&raw)
                    .ok_or(format!("--end {raw:?} is not an RFC 3339 time such as 2026-11-25T00:00:00Z"))?,
                None => {
                    let now = carmine_core::Clock::System.now().micros();
                    carmine_core::Timestamp(now - now.rem_euclid(86_400_000_000))
                }
            };
            let base = match scale {
                GenerateScale::Small => carmine_dataset::Scale::SMALL,
                GenerateScale::Standard => carmine_dataset::Scale::STANDARD,
            };
            let scale = carmine_dataset::Scale {
                members: members.unwrap_or(base.members).max(1),
                notes: notes.unwrap_or(base.notes),
                engagements: engagements.unwrap_or(base.engagements),
                behaviour: events.unwrap_or(base.behaviour),
                days: base.days,
            };
            // One hash for every member, computed once with the production parameters.
            let hash = carmine_accounts::password::PasswordHasher::new(Argon2Params::OWASP)
                .hash(carmine_demo::DEMO_PASSWORD)
                .await
                .map_err(|e| e.to_string())?;
            let report =
                tokio::task::spawn_blocking(move || carmine_dataset::generate(&dir, scale, seed, &hash, end, true))
                    .await
                    .map_err(|e| e.to_string())??;
            let total: u64 = report.counts.values().sum();
            println!(
                "generated {total} records in {:.1} s (every member's password: {})",
                report.seconds,
                carmine_demo::DEMO_PASSWORD
            );
            Ok(())
        }
        Command::Eval { what: EvalTarget::Feed { dir, ratings, k, holdout_days, split, max_members, feed } } => {
            if k.is_empty() || k.iter().any(|&k| k == 0 || k > 1_000) {
                return Err("--k: cut-offs between 1 and 1000".to_owned());
            }
            let split = match split {
                Some(raw) => carmine_feed::eval::Split::parse(&raw)?,
                None => carmine_feed::eval::Split::Global { holdout_days: holdout_days.clamp(1, 365) },
            };
            let source =
                if ratings { carmine_feed::eval::Source::Ratings } else { carmine_feed::eval::Source::Dataset };
            let options = carmine_feed::eval::EvalOptions {
                ks: k,
                split,
                source,
                max_members: max_members.max(1),
                settings: feed.settings()?,
            };
            let report = tokio::task::spawn_blocking(move || carmine_feed::eval::evaluate(&dir, &options))
                .await
                .map_err(|e| e.to_string())??;
            print!("{}", report.table());
            Ok(())
        }
        Command::Search { data, action: SearchAction::Rebuild } => {
            let _lock = startup::DataDirLock::acquire(&data.data_dir)
                .map_err(|e| format!("refusing to rebuild the search index: {e} (stop it first)"))?;
            let platform = Platform::open_for_maintenance(&data).await?;
            let rebuilt = platform.services.search.rebuild().await.map_err(|e| e.to_string())?;
            println!(
                "rebuilt the search index: {} notes, {} members and organizations and {} products on sale in {:.1} s ({:.0} notes/s), at log position {}",
                rebuilt.notes,
                rebuilt.actors,
                rebuilt.products,
                rebuilt.elapsed.as_secs_f64(),
                rebuilt.notes as f64 / rebuilt.elapsed.as_secs_f64().max(1e-9),
                rebuilt.position
            );
            platform.db.close().await;
            Ok(())
        }
        Command::Ledger { data, action: LedgerAction::Reconcile } => {
            let platform = Platform::open_for_maintenance(&data).await?;
            let report = carmine_ledger::reconcile::reconcile(&platform.db).await.map_err(|e| e.to_string())?;
            platform.db.close().await;
            println!("ledger: {} accounts, {} transactions", report.accounts, report.transactions);
            for (currency, total) in &report.trial_balance {
                println!("trial balance {currency}: {total} (must be 0)");
            }
            for problem in report.mismatched.iter().chain(&report.below_floor) {
                println!("problem: {problem}");
            }
            for id in report.unbalanced_transactions.iter().chain(&report.lopsided_transactions) {
                println!("problem: transaction {id} does not balance");
            }
            if report.is_clean() {
                println!("the books balance: every balance matches its postings");
                Ok(())
            } else {
                Err("the books do not balance".to_owned())
            }
        }
        Command::Admin { data, passwords, action } => {
            let platform = Platform::open(&data, startup::services_config(passwords.params())).await?;
            let accounts = &platform.services.accounts;
            let find = |username: String| async move {
                accounts
                    .user_id_by_username(&username)
                    .await
                    .map_err(|e| e.to_string())?
                    .ok_or(format!("no member named {username:?}"))
            };
            let result = match action {
                AdminAction::CreateUser { username, admin, password } => {
                    let generated = password.is_none();
                    let (user, password) = accounts
                        .console_create_user(&username, password.as_deref(), admin)
                        .await
                        .map_err(|e| e.to_string())?;
                    let role = if admin { "administrator" } else { "member" };
                    println!("created {role} @{} (id {})", user.username.unwrap_or_default(), user.id);
                    if generated {
                        println!("password: {password}");
                    }
                    Ok(())
                }
                AdminAction::ResetPassword { username } => {
                    let id = find(username).await?;
                    let password =
                        accounts.admin_reset_password(Operator::Console, id).await.map_err(|e| e.to_string())?;
                    println!("new password: {password}");
                    Ok(())
                }
                AdminAction::Suspend { username, reason } => {
                    let id = find(username).await?;
                    accounts.admin_suspend(Operator::Console, id, &reason).await.map_err(|e| e.to_string())
                }
                AdminAction::Unsuspend { username } => {
                    let id = find(username).await?;
                    accounts.admin_unsuspend(Operator::Console, id).await.map_err(|e| e.to_string())
                }
                AdminAction::GrantAdmin { username } => {
                    let id = find(username).await?;
                    accounts.console_set_admin(id, true).await.map_err(|e| e.to_string())
                }
                AdminAction::RevokeAdmin { username } => {
                    let id = find(username).await?;
                    accounts.console_set_admin(id, false).await.map_err(|e| e.to_string())
                }
            };
            platform.db.close().await;
            result
        }
    }
}

fn parse_locale(tag: &str) -> Result<carmine_web::i18n::Locale, String> {
    carmine_web::i18n::Locale::parse(tag).ok_or_else(|| format!("{tag}: choose en or zh-CN"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maintenance_commands_take_the_data_dir_after_their_action_as_the_docs_write_it() {
        for args in [
            ["carmine", "search", "rebuild", "--data-dir", "/srv/carmine"],
            ["carmine", "ledger", "reconcile", "--data-dir", "/srv/carmine"],
            ["carmine", "search", "--data-dir", "/srv/carmine", "rebuild"],
        ] {
            let cli = Cli::try_parse_from(args).unwrap_or_else(|e| panic!("{args:?}: {e}"));
            let data = match cli.command {
                Command::Search { data, .. } | Command::Ledger { data, .. } => data,
                _ => panic!("{args:?} parsed as another command"),
            };
            assert_eq!(data.data_dir, PathBuf::from("/srv/carmine"), "{args:?}");
        }
    }

    #[test]
    fn money_flags_become_the_ledger_config_or_are_refused() {
        let args = MoneyArgs {
            gift_creator_share: 70,
            idempotency_retention_hours: 48,
            payout_batch_minutes: 5,
            payments_test_mode: false,
        };
        let config = args.ledger().unwrap();
        assert_eq!((config.gift_creator_share_bps, config.idempotency_retention_seconds), (7_000, 172_800));
        for bad in [
            MoneyArgs { gift_creator_share: 101, ..args.clone() },
            MoneyArgs { idempotency_retention_hours: 0, ..args.clone() },
            MoneyArgs { payout_batch_minutes: 0, ..args.clone() },
        ] {
            assert!(bad.ledger().is_err());
        }
    }

    #[test]
    fn ad_flags_become_the_ads_config_or_are_refused() {
        let args = AdsArgs {
            ad_load_feed: "6,10".into(),
            ad_load_search: "3,10".into(),
            ad_load_related: "4,10".into(),
            ad_reserves: "5,8,4".into(),
            ad_relevance_floor: 0.5,
            ad_audience_min: 1_000,
            ad_daily_budget_min: 10,
            ad_cpc_bid_max: 1_000,
            ad_cpm_bid_max: 10_000,
            ad_boost_cpm: "20".into(),
            ad_report_cell_min: 50,
        };
        let defaults = carmine_ads::AdsConfig::default();
        let config = args.config().unwrap();
        assert_eq!(
            (config.feed_load, config.search_load, config.related_load),
            (defaults.feed_load, defaults.search_load, defaults.related_load)
        );
        assert_eq!((config.reserve_feed, config.reserve_search, config.reserve_related), (500, 800, 400));
        assert_eq!((config.limits, config.audience_min), (defaults.limits, defaults.audience_min), "the defaults");
        assert_eq!((config.boost_cpm_minor, config.report_cell_min), (defaults.boost_cpm_minor, 50));
        let tuned = AdsArgs { ad_load_feed: " 4 , 8 ".into(), ad_reserves: "1.50,0,2".into(), ..args.clone() };
        let tuned = tuned.config().unwrap();
        assert_eq!((tuned.feed_load.first, tuned.feed_load.every, tuned.reserve_feed), (4, 8, 150));
        for bad in [
            AdsArgs { ad_load_feed: "0,10".into(), ..args.clone() },
            AdsArgs { ad_load_search: "3".into(), ..args.clone() },
            AdsArgs { ad_load_related: "4,1".into(), ..args.clone() },
            AdsArgs { ad_reserves: "5,8".into(), ..args.clone() },
            AdsArgs { ad_reserves: "5,-1,4".into(), ..args.clone() },
            AdsArgs { ad_relevance_floor: 1.5, ..args.clone() },
            AdsArgs { ad_relevance_floor: f64::NAN, ..args.clone() },
            AdsArgs { ad_audience_min: 0, ..args.clone() },
            AdsArgs { ad_cpc_bid_max: 0, ..args.clone() },
            AdsArgs { ad_cpm_bid_max: 1_000_000, ..args.clone() },
            AdsArgs { ad_daily_budget_min: 0, ..args.clone() },
            AdsArgs { ad_boost_cpm: "0".into(), ..args.clone() },
            AdsArgs { ad_report_cell_min: 0, ..args.clone() },
        ] {
            assert!(bad.config().is_err());
        }
    }

    #[test]
    fn order_flags_become_the_orders_config_or_are_refused() {
        let args = OrdersArgs {
            order_pay_minutes: 30,
            settle_days: 0,
            settle_days_fast: 0,
            channel_fee_bps: 38,
            commission_free_yuan: 0,
            wallet_payments: true,
        };
        let config = args.config().unwrap();
        assert_eq!((config.pay_minutes, config.settle_days, config.channel_fee_bps), (30, 0, 38));
        assert_eq!((config.commission_free_minor, config.wallet_payments), (0, true));
        for bad in [
            OrdersArgs { order_pay_minutes: 0, ..args.clone() },
            OrdersArgs { settle_days: 61, ..args.clone() },
            OrdersArgs { settle_days: 3, settle_days_fast: 4, ..args.clone() },
            OrdersArgs { channel_fee_bps: 1_001, ..args.clone() },
            OrdersArgs { commission_free_yuan: -1, ..args.clone() },
        ] {
            assert!(bad.config().is_err());
        }
    }
}
