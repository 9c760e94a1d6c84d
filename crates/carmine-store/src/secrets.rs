//! Instance secrets kept in the database so every node of one deployment shares
//! them (the key that signs pagination cursors). Created once, never rotated silently.

use sqlx::Row;

use crate::{Db, StoreResult};

/// The secret named `name`, created from `generate` on first use. Safe under
/// concurrent start-ups: the first insert wins and everyone reads it back.
pub async fn get_or_create(db: &Db, name: &str, generate: impl FnOnce() -> String) -> StoreResult<String> {
    let mut tx = db.begin().await?;
    sqlx::query("INSERT INTO instance_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
        .bind(name)
        .bind(generate())
        .execute(tx.conn())
        .await?;
    let value: String = sqlx::query("SELECT value FROM instance_secrets WHERE name = $1")
        .bind(name)
        .fetch_one(tx.conn())
        .await?
        .try_get("value")?;
    tx.commit().await?;
    Ok(value)
}
