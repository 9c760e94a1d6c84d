//! Opening the platform (database, migrations, services) and serving it.

use std::sync::Arc;

use carmine_accounts::AccountsConfig;
use carmine_accounts::config::Argon2Params;
use carmine_core::{Clock, IdGenerator};
use carmine_jobs::{JobsConfig, Scheduler};
use carmine_media::MediaStorage;
use carmine_notes::NotesConfig;
use carmine_store::{Db, DbOptions};
use carmine_web::{AppState, Application, Services, ServicesConfig, WebConfig};

use crate::cli::{DataArgs, LogFormat, ServeArgs};

pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CARMINE_LOG").unwrap_or_else(|_| "info".into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// An opened, migrated database and the services over it.
pub struct Platform {
    pub db: Db,
    pub services: Services,
    /// Names this process in job leases.
    pub runner_name: String,
}

/// An exclusive lock on `data-dir/carmine.lock`, held by a serving process for its
/// whole life (the operating system releases it even after kill -9): `restore`
/// refuses to touch a data directory someone holds.
pub struct DataDirLock {
    _file: std::fs::File,
}

impl DataDirLock {
    pub fn acquire(data_dir: &std::path::Path) -> Result<DataDirLock, String> {
        let path = data_dir.join("carmine.lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        match file.try_lock() {
            Ok(()) => Ok(DataDirLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => {
                Err(format!("a running Carmine holds the data directory {}", data_dir.display()))
            }
            Err(std::fs::TryLockError::Error(e)) => Err(format!("cannot lock {}: {e}", path.display())),
        }
    }
}

impl Platform {
    /// The platform for a maintenance command (backup, restore, export, import):
    /// production password parameters and default limits.
    pub async fn open_for_maintenance(data: &DataArgs) -> Result<Platform, String> {
        Platform::open(data, services_config(Argon2Params::OWASP)).await
    }

    pub async fn open(data: &DataArgs, mut config: ServicesConfig) -> Result<Platform, String> {
        config.search.dir = Some(data.data_dir.join("search"));
        std::fs::create_dir_all(&data.data_dir)
            .map_err(|e| format!("cannot create the data directory {}: {e}", data.data_dir.display()))?;
        let options = match &data.database_url {
            Some(url) => DbOptions::new(url.clone()),
            None => DbOptions::sqlite_in(&data.data_dir),
        };
        let ids = match data.node_id {
            Some(node) if node <= carmine_core::id::NODE_ID_MAX => IdGenerator::new(node),
            Some(node) => {
                return Err(format!("--node-id must be at most {}, got {node}", carmine_core::id::NODE_ID_MAX));
            }
            None => IdGenerator::with_random_node(),
        };
        let db = Db::connect(&options, Arc::new(ids), Clock::System).await?;
        let report = carmine_store::migrate::run(&db).await.map_err(|e| e.to_string())?;
        for name in &report.applied {
            tracing::info!(migration = name, "applied migration");
        }
        let services = Services::open(db.clone(), MediaStorage::new(data.data_dir.join("media")), config)
            .await
            .map_err(|e| format!("cannot start the services: {e}"))?;
        let runner_name = format!("pid-{}-{}", std::process::id(), carmine_core::secret::random_token(4));
        Ok(Platform { db, services, runner_name })
    }
}

/// Services with default limits and these password parameters.
pub fn services_config(argon2: Argon2Params) -> ServicesConfig {
    ServicesConfig::new(AccountsConfig { argon2, ..AccountsConfig::default() }, NotesConfig::default())
}

/// Seeds the demo community when nobody has signed up yet, and says how to log in.
pub async fn seed_demo(platform: &Platform, argon2: Argon2Params, scale: carmine_demo::Scale) -> Result<(), String> {
    if carmine_demo::is_empty(&platform.db).await.map_err(|e| e.to_string())? {
        println!("seeding a demo community…");
        let hash = carmine_accounts::password::PasswordHasher::new(argon2)
            .hash(carmine_demo::DEMO_PASSWORD)
            .await
            .map_err(|e| e.to_string())?;
        let report = carmine_demo::seed(&platform.db, platform.services.media.storage(), &hash, scale, 2026)
            .await
            .map_err(|e| e.to_string())?;
        println!(
            "seeded {} members, {} organizations, {} notes with {} images, {} follows, {} likes, {} comments, {} top-ups, {} gifts, {} reading events, {} searches, {} stores with {} products tagged in {} notes, {} past orders with {} reviews, {} ads serving in {:.1} s",
            report.members,
            report.organizations,
            report.notes,
            report.images,
            report.follows,
            report.likes,
            report.comments,
            report.top_ups,
            report.gifts,
            report.reads,
            report.searches,
            report.stores,
            report.products,
            report.tagged_notes,
            report.orders,
            report.reviews,
            report.ads,
            report.seconds
        );
    } else {
        println!("the data directory already holds a community: serving it as it is");
    }
    println!("demo log-ins (password: {}):", carmine_demo::DEMO_PASSWORD);
    for (username, what) in carmine_demo::logins() {
        println!("  {username:<10} {what}");
    }
    Ok(())
}

/// Plain http only on loopback: checked before anything is opened or seeded.
pub fn check_listen(args: &ServeArgs) -> Result<(), String> {
    let https = args.public_url.as_deref().is_some_and(|url| url.starts_with("https://"));
    if !https && !args.listen.ip().is_loopback() {
        return Err(format!(
            "refusing to serve plain http on {}: set --public-url https://… (behind a TLS proxy) or listen on 127.0.0.1",
            args.listen
        ));
    }
    Ok(())
}

pub async fn serve(platform: Platform, args: ServeArgs) -> Result<(), String> {
    let _lock = DataDirLock::acquire(&args.data.data_dir)?;
    let cursor_key =
        carmine_store::secrets::get_or_create(&platform.db, "cursor_key", || carmine_core::secret::random_token(32))
            .await
            .map_err(|e| e.to_string())?;
    let app = Application::bind(args.listen).await.map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let address = app.local_addr();
    let public_url = args.public_url.clone().unwrap_or_else(|| format!("http://{address}"));
    let request_quota = carmine_core::ratelimit::Quota::new(
        args.rate_limit_burst.max(1),
        (1_000 / i64::from(args.rate_limit_per_second.max(1))).max(1),
    );
    let events_quota = carmine_core::ratelimit::Quota::new(args.event_batch_burst.max(1), 1_000);
    let config = WebConfig {
        trusted_proxies: args.trusted_proxies.clone(),
        default_locale: args.default_locale,
        request_quota,
        events_quota,
        ..WebConfig::new(public_url)
    };
    println!("Carmine is listening on http://{address}");
    if args.public_url.is_some() {
        println!("public URL: {}", config.public_url);
    }
    let services = platform.services.clone();
    let background = !args.no_background;
    let dataplane = if background { services.dataplane.start() } else { services.dataplane.start_memory_only() };
    let journal = services.search.journal().clone();
    let journal_writer = journal.start();
    let batch_every = std::time::Duration::from_secs(args.money.payout_batch_minutes * 60);
    let money_worker = background.then(|| services.payments.start_worker(batch_every));
    let scheduler = Scheduler::new(
        platform.db.clone(),
        services.job_handlers(),
        platform.runner_name.clone(),
        JobsConfig::default(),
    );
    let (stop_jobs, jobs_stopped) = tokio::sync::oneshot::channel::<()>();
    let jobs = tokio::spawn(async move {
        if background {
            scheduler
                .run(async move {
                    let _ = jobs_stopped.await;
                })
                .await;
        }
    });
    if !background {
        println!("serving HTTP only: the log consumers and the job runner run on another node");
    }
    let state = AppState::new(services, config, cursor_key.as_bytes());
    let served = app.serve(state, args.http_limits()?, shutdown_signal()).await.map_err(|e| e.to_string());
    let _ = stop_jobs.send(());
    let _ = jobs.await;
    journal_writer.abort();
    if let Some(worker) = money_worker {
        worker.abort();
    }
    if let Err(e) = journal.flush().await {
        tracing::warn!(error = %e, "search events not written at shutdown");
    }
    drop(dataplane);
    platform.db.close().await;
    served
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
