//! The topics a member picked in the interest picker.

use carmine_core::Id;
use sqlx::Row;

use crate::{Conn, StoreResult, Tx};

/// Replaces the member's picks with `topics`.
pub async fn replace(tx: &mut Tx, user_id: Id, topics: &[String]) -> StoreResult<()> {
    sqlx::query("DELETE FROM member_interests WHERE user_id = $1").bind(user_id.as_i64()).execute(tx.conn()).await?;
    let now = tx.now().micros();
    for topic in topics {
        sqlx::query("INSERT INTO member_interests (user_id, topic, picked_at) VALUES ($1, $2, $3)")
            .bind(user_id.as_i64())
            .bind(topic)
            .bind(now)
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

/// The member's picks, alphabetically.
pub async fn list(conn: &mut Conn, user_id: Id) -> StoreResult<Vec<String>> {
    let rows = sqlx::query("SELECT topic FROM member_interests WHERE user_id = $1 ORDER BY topic")
        .bind(user_id.as_i64())
        .fetch_all(conn)
        .await?;
    Ok(rows.iter().map(|r| r.try_get("topic")).collect::<Result<_, _>>()?)
}
