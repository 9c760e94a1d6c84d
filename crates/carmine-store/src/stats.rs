//! Per-note statistics: totals, per hour, and per day once hours are rolled up.
//! Written only by the statistics consumer (and its roll-up job), in the
//! transaction that moves its checkpoint.

use std::collections::BTreeMap;

use carmine_core::{Id, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Conn, StoreResult, Tx};

pub const HOUR_MICROS: i64 = 3_600_000_000;
pub const DAY_MICROS: i64 = 24 * HOUR_MICROS;

/// Counters for one note over some period (or changes to them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub impressions: i64,
    pub reads: i64,
    /// Total dwell time of the reads, in milliseconds.
    pub read_ms: i64,
    pub clicks: i64,
    /// Shares reported by clients (a share sheet opened, a link copied).
    pub share_clicks: i64,
    pub likes: i64,
    pub saves: i64,
    pub comments: i64,
    /// Shares counted by the share action (the CES input).
    pub shares: i64,
    /// Follows gained from the note.
    pub follows: i64,
}

impl Counters {
    pub fn add(&mut self, other: &Counters) {
        self.impressions += other.impressions;
        self.reads += other.reads;
        self.read_ms += other.read_ms;
        self.clicks += other.clicks;
        self.share_clicks += other.share_clicks;
        self.likes += other.likes;
        self.saves += other.saves;
        self.comments += other.comments;
        self.shares += other.shares;
        self.follows += other.follows;
    }

    pub fn is_zero(&self) -> bool {
        *self == Counters::default()
    }
}

/// Counters for one period starting at `bucket`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bucket {
    pub start: Timestamp,
    pub counters: Counters,
}

/// The first microsecond of the hour holding `at`.
pub fn hour_of(at: Timestamp) -> i64 {
    at.micros().div_euclid(HOUR_MICROS) * HOUR_MICROS
}

/// `SET` clause adding the inserted counters to the existing row of `$table`.
macro_rules! add_excluded {
    ($table:literal) => {
        concat!(
            "impressions = ",
            $table,
            ".impressions + excluded.impressions, ",
            "reads = ",
            $table,
            ".reads + excluded.reads, ",
            "read_ms = ",
            $table,
            ".read_ms + excluded.read_ms, ",
            "clicks = ",
            $table,
            ".clicks + excluded.clicks, ",
            "share_clicks = ",
            $table,
            ".share_clicks + excluded.share_clicks, ",
            "likes = ",
            $table,
            ".likes + excluded.likes, ",
            "saves = ",
            $table,
            ".saves + excluded.saves, ",
            "comments = ",
            $table,
            ".comments + excluded.comments, ",
            "shares = ",
            $table,
            ".shares + excluded.shares, ",
            "follows = ",
            $table,
            ".follows + excluded.follows"
        )
    };
}

/// Adds each `(note, hour, delta)` to the note's hour and to its totals. Rows are
/// written in one global order — every hour by (note, hour), then every total by
/// note — so two writers on PostgreSQL never wait on each other in a cycle.
pub async fn add(tx: &mut Tx, deltas: &[(Id, i64, Counters)]) -> StoreResult<()> {
    let mut hours: BTreeMap<(Id, i64), Counters> = BTreeMap::new();
    let mut totals: BTreeMap<Id, Counters> = BTreeMap::new();
    for (note_id, hour, delta) in deltas {
        hours.entry((*note_id, *hour)).or_default().add(delta);
        totals.entry(*note_id).or_default().add(delta);
    }
    for ((note_id, hour), delta) in hours.iter().filter(|(_, d)| !d.is_zero()) {
        let query = sqlx::query(concat!(
            "INSERT INTO note_stats_hourly (note_id, bucket, impressions, reads, read_ms, clicks, share_clicks,
                                            likes, saves, comments, shares, follows)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             ON CONFLICT (note_id, bucket) DO UPDATE SET ",
            add_excluded!("note_stats_hourly")
        ))
        .bind(note_id.as_i64())
        .bind(*hour);
        bind_counters(query, delta).execute(tx.conn()).await?;
    }
    for (note_id, delta) in totals.iter().filter(|(_, d)| !d.is_zero()) {
        let query = sqlx::query(concat!(
            "INSERT INTO note_stats (note_id, impressions, reads, read_ms, clicks, share_clicks,
                                     likes, saves, comments, shares, follows)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (note_id) DO UPDATE SET ",
            add_excluded!("note_stats")
        ))
        .bind(note_id.as_i64());
        bind_counters(query, delta).execute(tx.conn()).await?;
    }
    Ok(())
}

type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

fn bind_counters<'q>(query: Query<'q>, c: &Counters) -> Query<'q> {
    query
        .bind(c.impressions)
        .bind(c.reads)
        .bind(c.read_ms)
        .bind(c.clicks)
        .bind(c.share_clicks)
        .bind(c.likes)
        .bind(c.saves)
        .bind(c.comments)
        .bind(c.shares)
        .bind(c.follows)
}

fn counters(row: &AnyRow) -> Result<Counters, sqlx::Error> {
    Ok(Counters {
        impressions: row.try_get("impressions")?,
        reads: row.try_get("reads")?,
        read_ms: row.try_get("read_ms")?,
        clicks: row.try_get("clicks")?,
        share_clicks: row.try_get("share_clicks")?,
        likes: row.try_get("likes")?,
        saves: row.try_get("saves")?,
        comments: row.try_get("comments")?,
        shares: row.try_get("shares")?,
        follows: row.try_get("follows")?,
    })
}

/// A note's totals (all zero before anything was counted).
pub async fn totals(conn: &mut Conn, note_id: Id) -> StoreResult<Counters> {
    let row = sqlx::query(
        "SELECT impressions, reads, read_ms, clicks, share_clicks, likes, saves, comments, shares, follows
         FROM note_stats WHERE note_id = $1",
    )
    .bind(note_id.as_i64())
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| counters(&r)).transpose()?.unwrap_or_default())
}

/// A note's hours starting in `[from, to)`, oldest first, at most `limit`.
pub async fn hourly(conn: &mut Conn, note_id: Id, from: i64, to: i64, limit: u32) -> StoreResult<Vec<Bucket>> {
    let sql =
        "SELECT bucket, impressions, reads, read_ms, clicks, share_clicks, likes, saves, comments, shares, follows
               FROM note_stats_hourly WHERE note_id = $1 AND bucket >= $2 AND bucket < $3 ORDER BY bucket LIMIT $4";
    buckets_between(conn, sql, note_id, from, to, limit).await
}

/// A note's rolled-up days starting in `[from, to)`, oldest first, at most `limit`.
pub async fn daily(conn: &mut Conn, note_id: Id, from: i64, to: i64, limit: u32) -> StoreResult<Vec<Bucket>> {
    let sql =
        "SELECT bucket, impressions, reads, read_ms, clicks, share_clicks, likes, saves, comments, shares, follows
               FROM note_stats_daily WHERE note_id = $1 AND bucket >= $2 AND bucket < $3 ORDER BY bucket LIMIT $4";
    buckets_between(conn, sql, note_id, from, to, limit).await
}

async fn buckets_between(
    conn: &mut Conn,
    sql: &'static str,
    note_id: Id,
    from: i64,
    to: i64,
    limit: u32,
) -> StoreResult<Vec<Bucket>> {
    let rows =
        sqlx::query(sql).bind(note_id.as_i64()).bind(from).bind(to).bind(i64::from(limit)).fetch_all(conn).await?;
    buckets(&rows)
}

fn buckets(rows: &[AnyRow]) -> StoreResult<Vec<Bucket>> {
    Ok(rows
        .iter()
        .map(|row| Ok(Bucket { start: Timestamp(row.try_get("bucket")?), counters: counters(row)? }))
        .collect::<Result<_, sqlx::Error>>()?)
}

/// Folds every hour that starts before `before` (a day boundary) into its day and
/// deletes those hours; returns how many hours were folded. Totals are unchanged.
pub async fn roll_up_hours(tx: &mut Tx, before: i64) -> StoreResult<u64> {
    sqlx::query(concat!(
        "INSERT INTO note_stats_daily (note_id, bucket, impressions, reads, read_ms, clicks, share_clicks,
                                       likes, saves, comments, shares, follows)
         SELECT note_id, bucket - (bucket % 86400000000) AS day,
                SUM(impressions), SUM(reads), SUM(read_ms), SUM(clicks), SUM(share_clicks),
                SUM(likes), SUM(saves), SUM(comments), SUM(shares), SUM(follows)
         FROM note_stats_hourly WHERE bucket < $1
         GROUP BY note_id, bucket - (bucket % 86400000000)
         ON CONFLICT (note_id, bucket) DO UPDATE SET ",
        add_excluded!("note_stats_daily")
    ))
    .bind(before)
    .execute(tx.conn())
    .await?;
    Ok(sqlx::query("DELETE FROM note_stats_hourly WHERE bucket < $1")
        .bind(before)
        .execute(tx.conn())
        .await?
        .rows_affected())
}
