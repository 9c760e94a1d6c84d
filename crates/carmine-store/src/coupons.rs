//! Coupons' rows (carmine-orders owns the rules): coupons a store or the platform
//! issues, the ones members claimed, and spending or returning them by conditional
//! update so a coupon is spent once.

use carmine_core::{Id, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Conn, StoreResult, Tx};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CouponRecord {
    pub id: Id,
    pub store_id: Option<Id>,
    pub name: String,
    pub kind: String,
    pub amount_minor: Option<i64>,
    pub percent_bps: Option<i64>,
    pub cap_minor: Option<i64>,
    pub min_spend_minor: i64,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub per_member_limit: i64,
    pub quantity: Option<i64>,
    pub claimed: i64,
    pub ended_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

pub struct CouponRow<'a> {
    pub store_id: Option<Id>,
    pub name: &'a str,
    pub kind: &'a str,
    pub amount_minor: Option<i64>,
    pub percent_bps: Option<i64>,
    pub cap_minor: Option<i64>,
    pub min_spend_minor: i64,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub per_member_limit: i64,
    pub quantity: Option<i64>,
}

macro_rules! select_coupons {
    ($($rest:literal)*) => {
        concat!(
            "SELECT c.id, c.store_id, c.name, c.kind, c.amount_minor, c.percent_bps, c.cap_minor, c.min_spend_minor,
                    c.starts_at, c.ends_at, c.per_member_limit, c.quantity, c.claimed, c.ended_at, c.created_at
             FROM coupons c ",
            $($rest),*
        )
    };
}

fn coupon(r: &AnyRow) -> Result<CouponRecord, sqlx::Error> {
    Ok(CouponRecord {
        id: Id::from_i64(r.try_get("id")?),
        store_id: r.try_get::<Option<i64>, _>("store_id")?.map(Id::from_i64),
        name: r.try_get("name")?,
        kind: r.try_get("kind")?,
        amount_minor: r.try_get("amount_minor")?,
        percent_bps: r.try_get("percent_bps")?,
        cap_minor: r.try_get("cap_minor")?,
        min_spend_minor: r.try_get("min_spend_minor")?,
        starts_at: Timestamp(r.try_get("starts_at")?),
        ends_at: Timestamp(r.try_get("ends_at")?),
        per_member_limit: r.try_get("per_member_limit")?,
        quantity: r.try_get("quantity")?,
        claimed: r.try_get("claimed")?,
        ended_at: r.try_get::<Option<i64>, _>("ended_at")?.map(Timestamp),
        created_at: Timestamp(r.try_get("created_at")?),
    })
}

pub async fn insert(tx: &mut Tx, row: &CouponRow<'_>, created_by: Id) -> StoreResult<Id> {
    let id = tx.new_id();
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO coupons (id, store_id, name, kind, amount_minor, percent_bps, cap_minor, min_spend_minor, starts_at,
                              ends_at, per_member_limit, quantity, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(id.as_i64())
    .bind(row.store_id.map(Id::as_i64))
    .bind(row.name)
    .bind(row.kind)
    .bind(row.amount_minor)
    .bind(row.percent_bps)
    .bind(row.cap_minor)
    .bind(row.min_spend_minor)
    .bind(row.starts_at.micros())
    .bind(row.ends_at.micros())
    .bind(row.per_member_limit)
    .bind(row.quantity)
    .bind(created_by.as_i64())
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(id)
}

/// Stops a coupon being claimed (those claimed stay spendable until they expire).
pub async fn end(tx: &mut Tx, id: Id) -> StoreResult<bool> {
    let now = tx.now().micros();
    Ok(sqlx::query("UPDATE coupons SET ended_at = $1 WHERE id = $2 AND ended_at IS NULL")
        .bind(now)
        .bind(id.as_i64())
        .execute(tx.conn())
        .await?
        .rows_affected()
        == 1)
}

pub async fn get(conn: &mut Conn, id: Id) -> StoreResult<Option<CouponRecord>> {
    let row = sqlx::query(select_coupons!("WHERE c.id = $1")).bind(id.as_i64()).fetch_optional(conn).await?;
    row.as_ref().map(coupon).transpose().map_err(Into::into)
}

/// A store's coupons (`None`: the platform's), newest first; `live_at`: only those
/// that may be claimed then.
pub async fn list(
    conn: &mut Conn,
    store_id: Option<Id>,
    live_at: Option<Timestamp>,
    limit: u32,
) -> StoreResult<Vec<CouponRecord>> {
    let rows = sqlx::query(select_coupons!(
        "WHERE COALESCE(c.store_id, 0) = $1
           AND ($2 = 0 OR (c.ended_at IS NULL AND c.starts_at <= $2 AND c.ends_at > $2
                           AND (c.quantity IS NULL OR c.claimed < c.quantity)))
         ORDER BY c.id DESC LIMIT $3"
    ))
    .bind(store_id.map_or(0, Id::as_i64))
    .bind(live_at.map_or(0, |t| t.micros()))
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    rows.iter().map(coupon).collect::<Result<_, sqlx::Error>>().map_err(Into::into)
}

/// Counts one more claim, only while the coupon may be claimed at `now`.
pub async fn count_claim(tx: &mut Tx, id: Id) -> StoreResult<bool> {
    let now = tx.now().micros();
    Ok(sqlx::query(
        "UPDATE coupons SET claimed = claimed + 1
         WHERE id = $1 AND ended_at IS NULL AND starts_at <= $2 AND ends_at > $2
           AND (quantity IS NULL OR claimed < quantity)",
    )
    .bind(id.as_i64())
    .bind(now)
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

pub async fn member_claims(tx: &mut Tx, coupon_id: Id, user_id: Id) -> StoreResult<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM member_coupons WHERE coupon_id = $1 AND user_id = $2")
        .bind(coupon_id.as_i64())
        .bind(user_id.as_i64())
        .fetch_one(tx.conn())
        .await?;
    Ok(row.try_get("n")?)
}

pub async fn insert_claim(tx: &mut Tx, coupon_id: Id, user_id: Id) -> StoreResult<Id> {
    let id = tx.new_id();
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO member_coupons (id, coupon_id, user_id, status, claimed_at) VALUES ($1, $2, $3, 'available', $4)",
    )
    .bind(id.as_i64())
    .bind(coupon_id.as_i64())
    .bind(user_id.as_i64())
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(id)
}

/// A claimed coupon with its coupon.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberCouponRecord {
    pub id: Id,
    pub user_id: Id,
    pub status: String,
    pub group_id: Option<Id>,
    pub claimed_at: Timestamp,
    pub coupon: CouponRecord,
}

macro_rules! select_member_coupons {
    ($($rest:literal)*) => {
        concat!(
            "SELECT mc.id AS mc_id, mc.user_id AS mc_user_id, mc.status AS mc_status, mc.group_id AS mc_group_id,
                    mc.claimed_at AS mc_claimed_at, c.id, c.store_id, c.name, c.kind, c.amount_minor, c.percent_bps,
                    c.cap_minor, c.min_spend_minor, c.starts_at, c.ends_at, c.per_member_limit, c.quantity, c.claimed,
                    c.ended_at, c.created_at
             FROM member_coupons mc JOIN coupons c ON c.id = mc.coupon_id ",
            $($rest),*
        )
    };
}

fn member_coupon(r: &AnyRow) -> Result<MemberCouponRecord, sqlx::Error> {
    Ok(MemberCouponRecord {
        id: Id::from_i64(r.try_get("mc_id")?),
        user_id: Id::from_i64(r.try_get("mc_user_id")?),
        status: r.try_get("mc_status")?,
        group_id: r.try_get::<Option<i64>, _>("mc_group_id")?.map(Id::from_i64),
        claimed_at: Timestamp(r.try_get("mc_claimed_at")?),
        coupon: coupon(r)?,
    })
}

/// A member's coupons: `available` ones, newest first.
pub async fn member_coupons(
    conn: &mut Conn,
    user_id: Id,
    status: &str,
    limit: u32,
) -> StoreResult<Vec<MemberCouponRecord>> {
    let rows =
        sqlx::query(select_member_coupons!("WHERE mc.user_id = $1 AND mc.status = $2 ORDER BY mc.id DESC LIMIT $3"))
            .bind(user_id.as_i64())
            .bind(status)
            .bind(i64::from(limit))
            .fetch_all(conn)
            .await?;
    rows.iter().map(member_coupon).collect::<Result<_, sqlx::Error>>().map_err(Into::into)
}

/// Spends a member's available coupon on a checkout; false if it was not available.
pub async fn spend(tx: &mut Tx, member_coupon_id: Id, user_id: Id, group_id: Id) -> StoreResult<bool> {
    let now = tx.now().micros();
    Ok(sqlx::query(
        "UPDATE member_coupons SET status = 'used', group_id = $1, used_at = $2
         WHERE id = $3 AND user_id = $4 AND status = 'available'",
    )
    .bind(group_id.as_i64())
    .bind(now)
    .bind(member_coupon_id.as_i64())
    .bind(user_id.as_i64())
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// Gives back a coupon a checkout spent (its orders were cancelled). It remembers the
/// checkout until it is spent again, so a late payment that revives the checkout can
/// take it back.
pub async fn give_back(tx: &mut Tx, member_coupon_id: Id, group_id: Id) -> StoreResult<bool> {
    Ok(sqlx::query(
        "UPDATE member_coupons SET status = 'available', used_at = NULL
         WHERE id = $1 AND group_id = $2 AND status = 'used'",
    )
    .bind(member_coupon_id.as_i64())
    .bind(group_id.as_i64())
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// Spends again a coupon given back by `group_id` (a revived checkout); false if it
/// was spent elsewhere meanwhile.
pub async fn spend_again(tx: &mut Tx, member_coupon_id: Id, group_id: Id) -> StoreResult<bool> {
    let now = tx.now().micros();
    Ok(sqlx::query(
        "UPDATE member_coupons SET status = 'used', used_at = $1 WHERE id = $2 AND group_id = $3 AND status = 'available'",
    )
    .bind(now)
    .bind(member_coupon_id.as_i64())
    .bind(group_id.as_i64())
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// The coupons a checkout spent (or was given back), with their coupons.
pub async fn spent_on(conn: &mut Conn, group_id: Id) -> StoreResult<Vec<MemberCouponRecord>> {
    let rows = sqlx::query(select_member_coupons!("WHERE mc.group_id = $1 ORDER BY mc.id LIMIT 20"))
        .bind(group_id.as_i64())
        .fetch_all(conn)
        .await?;
    rows.iter().map(member_coupon).collect::<Result<_, sqlx::Error>>().map_err(Into::into)
}
