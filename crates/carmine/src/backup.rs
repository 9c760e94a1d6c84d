//! `carmine backup DEST` and `carmine restore SRC`.
//!
//! Backup (while serving): the database first — a `VACUUM INTO` snapshot on SQLite,
//! `pg_dump --format=custom` on PostgreSQL, both consistent at one instant — then the
//! media folder (image files are written before the rows that name them and never
//! change, so every image the snapshot refers to is copied), and `backup.json`
//! (format, backend, schema, time) last: a directory without it is unfinished.
//!
//! Restore: refuses while a Carmine process holds the data directory's lock; moves
//! what it replaces into `replaced-<time>/` (the old database *with* its `-wal`/`-shm`
//! files, so no stale WAL can be replayed into the restored one), copies the backup
//! in, applies newer migrations, and forgets derived state (statistics, checkpoints)
//! so the consumers rebuild it from the logs on the next start.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::cli::DataArgs;
use crate::startup::{DataDirLock, Platform};

const FORMAT: &str = "carmine-backup";
const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct BackupManifest {
    format: String,
    version: u32,
    /// `sqlite` or `postgres`.
    backend: String,
    created_at: carmine_core::Timestamp,
    /// The schema migrations the database had.
    migrations: Vec<String>,
    carmine_version: String,
}

pub async fn backup(data: &DataArgs, dest: &Path) -> Result<(), String> {
    if dest.exists() && std::fs::read_dir(dest).map_err(|e| e.to_string())?.next().is_some() {
        return Err(format!("{} is not empty: back up into a new directory", dest.display()));
    }
    std::fs::create_dir_all(dest).map_err(|e| format!("cannot create {}: {e}", dest.display()))?;
    let platform = Platform::open_for_maintenance(data).await?;
    let backend = platform.db.backend();
    match backend {
        carmine_store::Backend::Sqlite => {
            carmine_store::backup::sqlite_snapshot(&platform.db, &dest.join("carmine.db"))
                .await
                .map_err(|e| format!("cannot snapshot the database: {e}"))?;
        }
        carmine_store::Backend::Postgres => {
            let url = data.database_url.as_deref().unwrap_or_default();
            let file = dest.join("postgres.dump").display().to_string();
            pg_tool("pg_dump", &["--format=custom", "--no-owner", "--file", &file], url)?;
        }
    }
    let media = data.data_dir.join("media");
    let copied = if media.exists() { copy_tree(&media, &dest.join("media"))? } else { 0 };
    let manifest = BackupManifest {
        format: FORMAT.to_owned(),
        version: VERSION,
        backend: backend.name().to_owned(),
        created_at: platform.db.now(),
        migrations: carmine_store::migrate::known().iter().map(|m| m.to_string()).collect(),
        carmine_version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    std::fs::write(dest.join("backup.json"), serde_json::to_string_pretty(&manifest).expect("serializes"))
        .map_err(|e| e.to_string())?;
    platform.db.close().await;
    println!("backed up the {} database and {copied} media files to {}", backend.name(), dest.display());
    Ok(())
}

pub async fn restore(data: &DataArgs, src: &Path) -> Result<(), String> {
    let raw = std::fs::read_to_string(src.join("backup.json"))
        .map_err(|e| format!("{} is not a finished backup (no backup.json): {e}", src.display()))?;
    let manifest: BackupManifest = serde_json::from_str(&raw).map_err(|e| format!("backup.json: {e}"))?;
    if manifest.format != FORMAT || manifest.version != VERSION {
        return Err(format!(
            "backup.json: {} version {} is not a backup this Carmine reads",
            manifest.format, manifest.version
        ));
    }
    let target_backend =
        if data.database_url.as_deref().is_some_and(|u| u.starts_with("postgres")) { "postgres" } else { "sqlite" };
    if manifest.backend != target_backend {
        return Err(format!(
            "the backup holds a {} database but the target is {target_backend}: move between backends with export and import",
            manifest.backend
        ));
    }
    std::fs::create_dir_all(&data.data_dir).map_err(|e| e.to_string())?;
    let _lock =
        DataDirLock::acquire(&data.data_dir).map_err(|e| format!("refusing to restore: {e} (stop it first)"))?;
    let stamp = carmine_core::Clock::System.now().to_rfc3339().replace(':', "");
    let aside = data.data_dir.join(format!("replaced-{stamp}"));
    let mut moved = Vec::new();
    let mut move_aside = |name: &str| -> Result<(), String> {
        let path = data.data_dir.join(name);
        if path.exists() {
            std::fs::create_dir_all(&aside).map_err(|e| e.to_string())?;
            std::fs::rename(&path, aside.join(name))
                .map_err(|e| format!("cannot move {} aside: {e}", path.display()))?;
            moved.push(name.to_owned());
        }
        Ok(())
    };
    move_aside("media")?;
    // The search index reflects the replaced logs: it is rebuilt from the restored ones.
    let search_index = carmine_search::SearchConfig::index_path(&data.data_dir.join("search"));
    if search_index.exists() {
        std::fs::remove_dir_all(&search_index).map_err(|e| format!("cannot clear the search index: {e}"))?;
    }
    if target_backend == "sqlite" {
        // The WAL and shared-memory files belong to the database they sit beside.
        for name in ["carmine.db", "carmine.db-wal", "carmine.db-shm"] {
            move_aside(name)?;
        }
        std::fs::copy(src.join("carmine.db"), data.data_dir.join("carmine.db"))
            .map_err(|e| format!("cannot copy the database: {e}"))?;
    } else {
        let url = data.database_url.as_deref().unwrap_or_default();
        let file = src.join("postgres.dump").display().to_string();
        pg_tool("pg_restore", &["--clean", "--if-exists", "--no-owner", "--single-transaction", &file], url)?;
    }
    if src.join("media").exists() {
        copy_tree(&src.join("media"), &data.data_dir.join("media"))?;
    }
    let platform = Platform::open_for_maintenance(data).await?;
    carmine_events::forget_derived_state(&platform.db).await.map_err(|e| e.to_string())?;
    platform.db.close().await;
    if !moved.is_empty() {
        println!("moved the replaced {} to {}", moved.join(", "), aside.display());
    }
    println!(
        "restored the backup of {} ({}); statistics rebuild from the logs when Carmine starts",
        manifest.created_at.to_rfc3339(),
        manifest.backend
    );
    Ok(())
}

/// Runs a PostgreSQL client tool (`pg_dump`, `pg_restore`) against `url`.
fn pg_tool(tool: &str, args: &[&str], url: &str) -> Result<(), String> {
    let status = std::process::Command::new(tool)
        .args(args)
        .arg("--dbname")
        .arg(url)
        .status()
        .map_err(|e| format!("cannot run {tool} (install the PostgreSQL client): {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("{tool} failed ({status})")) }
}

/// Copies a directory tree; returns the number of files copied.
fn copy_tree(from: &Path, to: &Path) -> Result<u64, String> {
    std::fs::create_dir_all(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    let mut copied = 0;
    let entries = std::fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| e.to_string())?;
        let target: PathBuf = to.join(entry.file_name());
        if entry.file_type().map_err(|e| e.to_string())?.is_dir() {
            copied += copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target).map_err(|e| format!("cannot copy {}: {e}", entry.path().display()))?;
            copied += 1;
        }
    }
    Ok(copied)
}
