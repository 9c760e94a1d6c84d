//! Schema migrations, one folder per backend, embedded in the binary.
//!
//! Applied in order at start-up and by `carmine migrate`, all pending ones in a
//! single transaction (both backends have transactional DDL), so a crash leaves the
//! schema either before or after. Concurrent starters serialise: SQLite through
//! `BEGIN IMMEDIATE`, PostgreSQL through a table lock. A migration already applied
//! under another name means the binary and the database disagree: refuse to start.

use sqlx::{AssertSqlSafe, Row};

use crate::{Backend, Db};

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

macro_rules! migration {
    ($version:expr, $name:literal) => {
        Migration {
            version: $version,
            name: $name,
            sqlite: include_str!(concat!("../migrations/sqlite/", $name, ".sql")),
            postgres: include_str!(concat!("../migrations/postgres/", $name, ".sql")),
        }
    };
}

const MIGRATIONS: &[Migration] = &[
    migration!(1, "0001_foundation"),
    migration!(2, "0002_media"),
    migration!(3, "0003_notes"),
    migration!(4, "0004_engagement"),
    migration!(5, "0005_boards"),
    migration!(6, "0006_safety"),
    migration!(7, "0007_dataplane"),
    migration!(8, "0008_interests"),
    migration!(9, "0009_search"),
    migration!(10, "0010_money"),
    migration!(11, "0011_search_members"),
    migration!(12, "0012_media_files_removed"),
    migration!(13, "0013_member_locale"),
    migration!(14, "0014_comment_likes_and_gift_notices"),
    migration!(15, "0015_media_alt_text"),
    migration!(16, "0016_notifications_in_time_order"),
    migration!(17, "0017_stores"),
    migration!(18, "0018_catalogue"),
    migration!(19, "0019_product_tags"),
    migration!(20, "0020_import_commerce"),
    migration!(21, "0021_orders"),
    migration!(22, "0022_coupons"),
    migration!(23, "0023_sale_prices"),
    migration!(24, "0024_fulfilment"),
    migration!(25, "0025_line_settlement"),
    migration!(26, "0026_import_orders"),
    migration!(27, "0027_ads"),
    migration!(28, "0028_paid_engagement_boosts"),
    migration!(29, "0029_ad_reports"),
];

/// The names of the migrations this binary carries, in order.
pub fn known() -> Vec<&'static str> {
    MIGRATIONS.iter().map(|m| m.name).collect()
}

/// What [`run`] did.
#[derive(Debug, PartialEq, Eq)]
pub struct MigrationReport {
    pub applied: Vec<String>,
    pub already_applied: usize,
}

#[derive(Debug)]
pub enum MigrateError {
    Store(crate::StoreError),
    /// The database holds a migration this binary does not know, or under another name.
    Mismatch(String),
}

impl From<crate::StoreError> for MigrateError {
    fn from(e: crate::StoreError) -> Self {
        MigrateError::Store(e)
    }
}

impl From<sqlx::Error> for MigrateError {
    fn from(e: sqlx::Error) -> Self {
        MigrateError::Store(e.into())
    }
}

impl std::fmt::Display for MigrateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MigrateError::Store(e) => write!(f, "migration failed: {e}"),
            MigrateError::Mismatch(m) => write!(f, "migration mismatch: {m}"),
        }
    }
}

impl std::error::Error for MigrateError {}

pub async fn run(db: &Db) -> Result<MigrationReport, MigrateError> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .execute(tx.conn())
    .await?;
    if db.backend() == Backend::Postgres {
        sqlx::query("LOCK TABLE schema_migrations IN EXCLUSIVE MODE").execute(tx.conn()).await?;
    }
    let rows = sqlx::query("SELECT version, name FROM schema_migrations ORDER BY version").fetch_all(tx.conn()).await?;
    let mut already_applied = 0;
    for row in &rows {
        let version: i64 = row.try_get("version")?;
        let name: String = row.try_get("name")?;
        match MIGRATIONS.iter().find(|m| m.version == version) {
            Some(known) if known.name == name => already_applied += 1,
            Some(known) => {
                return Err(MigrateError::Mismatch(format!(
                    "version {version} is {name:?} in the database but {:?} in this binary",
                    known.name
                )));
            }
            None => {
                return Err(MigrateError::Mismatch(format!(
                    "the database has migration {version} ({name:?}) that this binary does not know; is it older than the data?"
                )));
            }
        }
    }
    let mut applied = Vec::new();
    for migration in MIGRATIONS.iter().filter(|m| !rows.iter().any(|r| r.get::<i64, _>("version") == m.version)) {
        let sql = match db.backend() {
            Backend::Sqlite => migration.sqlite,
            Backend::Postgres => migration.postgres,
        };
        sqlx::raw_sql(AssertSqlSafe(sql)).execute(tx.conn()).await?;
        sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
            .bind(migration.version)
            .bind(migration.name)
            .bind(tx.now().micros())
            .execute(tx.conn())
            .await?;
        applied.push(migration.name.to_owned());
    }
    tx.commit().await?;
    Ok(MigrationReport { applied, already_applied })
}

#[cfg(test)]
mod tests {
    /// A migration file that is not listed would silently never run.
    #[test]
    fn every_migration_file_is_listed_for_both_backends() {
        let known: Vec<String> = super::known().iter().map(|name| format!("{name}.sql")).collect();
        for backend in ["sqlite", "postgres"] {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(backend);
            let mut files: Vec<String> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            files.sort();
            assert_eq!(files, known, "{backend}: the migration files and the list differ");
        }
        for (index, migration) in super::MIGRATIONS.iter().enumerate() {
            assert_eq!(migration.version, index as i64 + 1);
            assert!(migration.name.starts_with(&format!("{:04}_", migration.version)));
        }
    }
}
