//! Behaviour events clients report (impressions, reads, clicks, shares), stored once
//! per (viewer, client event id) and read in log order by the statistics consumer.

use carmine_core::{Id, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Conn, StoreResult, Tx};

/// One event as validated by the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewBehaviourEvent<'a> {
    /// The member's id, or 0 for a signed-out visitor.
    pub viewer_key: i64,
    pub client_event_id: &'a str,
    /// `impression`, `read`, `click` or `share`.
    pub kind: &'a str,
    pub note_id: Id,
    pub surface: &'a str,
    pub position: Option<i64>,
    pub dwell_ms: Option<i64>,
    pub occurred_at: Timestamp,
    /// The search whose results it happened on (surface `search`).
    pub search_id: Option<Id>,
    /// The ad whose sponsored card brought the viewer to the note (its token came
    /// along): paid engagement.
    pub ad_id: Option<Id>,
}

/// A stored event with its log position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BehaviourRecord {
    pub id: Id,
    /// Its log position; 0 until the sequencer numbers it.
    pub seq: i64,
    pub viewer_key: i64,
    pub client_event_id: String,
    pub kind: String,
    pub note_id: Id,
    pub surface: String,
    pub position: Option<i64>,
    pub dwell_ms: Option<i64>,
    pub occurred_at: Timestamp,
    pub search_id: Option<Id>,
    pub ad_id: Option<Id>,
}

/// Stores the event unless this viewer already sent this client event id; true if new.
pub async fn insert(tx: &mut Tx, event: &NewBehaviourEvent<'_>) -> StoreResult<bool> {
    let id = tx.new_id();
    let now = tx.now().micros();
    let inserted = sqlx::query(
        "INSERT INTO behaviour_events
             (id, viewer_key, client_event_id, kind, note_id, surface, position, dwell_ms, occurred_at, received_at,
              search_id, ad_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (viewer_key, client_event_id) DO NOTHING",
    )
    .bind(id.as_i64())
    .bind(event.viewer_key)
    .bind(event.client_event_id)
    .bind(event.kind)
    .bind(event.note_id.as_i64())
    .bind(event.surface)
    .bind(event.position)
    .bind(event.dwell_ms)
    .bind(event.occurred_at.micros())
    .bind(now)
    .bind(event.search_id.map(Id::as_i64))
    .bind(event.ad_id.map(Id::as_i64))
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1;
    if inserted {
        tx.mark_log_written();
    }
    Ok(inserted)
}

/// Events at log positions above `after`, in log order, at most `limit`.
pub async fn read(conn: &mut Conn, after: i64, limit: u32) -> StoreResult<Vec<BehaviourRecord>> {
    let rows = sqlx::query(
        "SELECT id, seq, viewer_key, client_event_id, kind, note_id, surface, position, dwell_ms, occurred_at, search_id,
                ad_id
         FROM behaviour_events WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(after)
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// Every event with an id above `after`, numbered or not, in id order (exports).
pub async fn after(conn: &mut Conn, after: Id, limit: u32) -> StoreResult<Vec<BehaviourRecord>> {
    let rows = sqlx::query(
        "SELECT id, seq, viewer_key, client_event_id, kind, note_id, surface, position, dwell_ms, occurred_at, search_id,
                ad_id
         FROM behaviour_events WHERE id > $1 ORDER BY id LIMIT $2",
    )
    .bind(after.as_i64())
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

fn from_row(row: &AnyRow) -> Result<BehaviourRecord, sqlx::Error> {
    Ok(BehaviourRecord {
        id: Id::from_i64(row.try_get("id")?),
        seq: row.try_get::<Option<i64>, _>("seq")?.unwrap_or(0),
        viewer_key: row.try_get("viewer_key")?,
        client_event_id: row.try_get("client_event_id")?,
        kind: row.try_get("kind")?,
        note_id: Id::from_i64(row.try_get("note_id")?),
        surface: row.try_get("surface")?,
        position: row.try_get("position")?,
        dwell_ms: row.try_get("dwell_ms")?,
        occurred_at: Timestamp(row.try_get("occurred_at")?),
        search_id: row.try_get::<Option<i64>, _>("search_id")?.map(Id::from_i64),
        ad_id: row.try_get::<Option<i64>, _>("ad_id")?.map(Id::from_i64),
    })
}

pub async fn count(conn: &mut Conn) -> StoreResult<i64> {
    Ok(sqlx::query("SELECT COUNT(*) FROM behaviour_events").fetch_one(conn).await?.try_get(0)?)
}
