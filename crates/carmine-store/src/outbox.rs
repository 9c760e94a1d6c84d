//! The outbox: every state-changing transaction appends its typed event here, in
//! the same transaction, so an event exists if and only if its change committed.
//! Consumers read it in log order with [`read`] (positions come from `log::sequence`).

use carmine_core::event::DomainEvent;
use carmine_core::{Id, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Conn, StoreResult, Tx};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxRecord {
    pub id: Id,
    pub event_type: String,
    pub event: DomainEvent,
    pub created_at: Timestamp,
}

/// An event's payload, refused if it would not read back: one undecodable row would
/// stop every consumer of the log at it, so the write that made it fails instead.
fn payload(event: &DomainEvent) -> StoreResult<String> {
    let payload = serde_json::to_string(event).expect("domain events serialize");
    match serde_json::from_str::<DomainEvent>(&payload) {
        Ok(_) => Ok(payload),
        Err(e) => {
            tracing::error!(event_type = event.event_type(), error = %e, "a domain event would not read back");
            Err(sqlx::Error::Encode(Box::new(e)).into())
        }
    }
}

pub async fn append(tx: &mut Tx, event: &DomainEvent) -> StoreResult<()> {
    let payload = payload(event)?;
    let id = tx.new_id();
    let now = tx.now();
    sqlx::query("INSERT INTO outbox (id, event_type, payload, created_at) VALUES ($1, $2, $3, $4)")
        .bind(id.as_i64())
        .bind(event.event_type())
        .bind(payload)
        .bind(now.micros())
        .execute(tx.conn())
        .await?;
    tx.mark_log_written();
    Ok(())
}

/// Appends several events in one statement (the ledger's group commit).
pub async fn append_many(tx: &mut Tx, events: &[DomainEvent]) -> StoreResult<()> {
    let now = tx.now().micros();
    for chunk in events.chunks(crate::bulk::ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO outbox (id, event_type, payload, created_at) VALUES {}",
            crate::bulk::tuples(chunk.len(), 4, 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for event in chunk {
            let payload = payload(event)?;
            query = query.bind(tx.new_id().as_i64()).bind(event.event_type()).bind(payload).bind(now);
        }
        query.execute(tx.conn()).await?;
    }
    if !events.is_empty() {
        tx.mark_log_written();
    }
    Ok(())
}

/// Events at log positions above `after`, in log order, at most `limit`; each with its position.
pub async fn read(conn: &mut Conn, after: i64, limit: u32) -> StoreResult<Vec<(i64, OutboxRecord)>> {
    let rows =
        sqlx::query("SELECT seq, id, event_type, payload, created_at FROM outbox WHERE seq > $1 ORDER BY seq LIMIT $2")
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(conn)
            .await?;
    rows.iter().map(|row| Ok((row.try_get("seq")?, record(row)?))).collect()
}

/// Events as written (including those not yet given a log position), by id after
/// `after`, at most `limit`: for audits and tests; consumers use [`read`].
pub async fn list_after(conn: &mut Conn, after: Option<Id>, limit: u32) -> StoreResult<Vec<OutboxRecord>> {
    let rows = sqlx::query("SELECT id, event_type, payload, created_at FROM outbox WHERE id > $1 ORDER BY id LIMIT $2")
        .bind(after.map_or(0, Id::as_i64))
        .bind(i64::from(limit))
        .fetch_all(conn)
        .await?;
    rows.iter().map(|row| Ok(record(row)?)).collect()
}

fn record(row: &AnyRow) -> Result<OutboxRecord, sqlx::Error> {
    let payload: String = row.try_get("payload")?;
    let event = serde_json::from_str(&payload).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    Ok(OutboxRecord {
        id: Id::from_i64(row.try_get("id")?),
        event_type: row.try_get("event_type")?,
        event,
        created_at: Timestamp(row.try_get("created_at")?),
    })
}
