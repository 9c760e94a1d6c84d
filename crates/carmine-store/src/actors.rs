//! Actors: members and organizations in one handle namespace.

use carmine_core::Id;
use sqlx::Row;

use crate::{Conn, StoreResult};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActorRecord {
    pub id: Id,
    /// `member` or `org`.
    pub kind: String,
    pub handle: String,
    /// The member's display name or the organization's name.
    pub name: String,
}

/// A live actor by handle (lowercase).
pub async fn get_by_handle(conn: &mut Conn, handle: &str) -> StoreResult<Option<ActorRecord>> {
    let row = sqlx::query(
        "SELECT a.id, a.kind, a.handle, COALESCE(u.display_name, o.name, '') AS name
         FROM actors a LEFT JOIN users u ON u.id = a.id LEFT JOIN orgs o ON o.id = a.id
         WHERE a.handle = $1 AND a.deleted_at IS NULL AND o.deleted_at IS NULL",
    )
    .bind(handle)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(actor_of).transpose().map_err(Into::into)
}

/// An actor by id (deleted ones too: their handle is kept in the row).
pub async fn get(conn: &mut Conn, id: Id) -> StoreResult<Option<ActorRecord>> {
    let row = sqlx::query(
        "SELECT a.id, a.kind, a.handle, COALESCE(u.display_name, o.name, '') AS name
         FROM actors a LEFT JOIN users u ON u.id = a.id LEFT JOIN orgs o ON o.id = a.id
         WHERE a.id = $1",
    )
    .bind(id.as_i64())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(actor_of).transpose().map_err(Into::into)
}

fn actor_of(row: &sqlx::any::AnyRow) -> Result<ActorRecord, sqlx::Error> {
    Ok(ActorRecord {
        id: Id::from_i64(row.try_get("id")?),
        kind: row.try_get("kind")?,
        handle: row.try_get("handle")?,
        name: row.try_get("name")?,
    })
}
