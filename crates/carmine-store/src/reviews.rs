//! Reviews and the store score's inputs (carmine-orders owns the rules, ADR 0026):
//! one review per buyer and product, with its images, kept on the product's rating
//! counters in the same transaction; and the aggregates the store score is computed
//! from (ratings, after-sales, shipping speed) over a window.

use carmine_core::{Id, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Conn, StoreResult, Tx};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewRecord {
    pub id: Id,
    pub order_id: Id,
    pub line_id: Id,
    pub product_id: Id,
    pub store_id: Id,
    pub author_id: Id,
    pub rating: i64,
    pub body: String,
    pub option_label: String,
    pub note_id: Option<Id>,
    pub created_at: Timestamp,
    /// The author's handle and name, and the review's images: (media id, url key).
    pub author_handle: String,
    pub author_name: String,
    pub images: Vec<(Id, String)>,
}

pub struct NewReview<'a> {
    pub id: Id,
    pub order_id: Id,
    pub line_id: Id,
    pub product_id: Id,
    pub store_id: Id,
    pub author_id: Id,
    pub rating: i64,
    pub body: &'a str,
    pub option_label: &'a str,
    pub media_ids: &'a [Id],
}

/// Records a review and counts its rating on the product; false if the author had
/// reviewed the product already.
pub async fn insert(tx: &mut Tx, new: &NewReview<'_>) -> StoreResult<bool> {
    let now = tx.now().micros();
    let inserted = sqlx::query(
        "INSERT INTO reviews (id, order_id, line_id, product_id, store_id, author_id, rating, body, option_label,
                              created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (author_id, product_id) DO NOTHING",
    )
    .bind(new.id.as_i64())
    .bind(new.order_id.as_i64())
    .bind(new.line_id.as_i64())
    .bind(new.product_id.as_i64())
    .bind(new.store_id.as_i64())
    .bind(new.author_id.as_i64())
    .bind(new.rating)
    .bind(new.body)
    .bind(new.option_label)
    .bind(now)
    .execute(tx.conn())
    .await?;
    if inserted.rows_affected() == 0 {
        return Ok(false);
    }
    for (position, media_id) in new.media_ids.iter().enumerate() {
        sqlx::query("INSERT INTO review_media (review_id, position, media_id) VALUES ($1, $2, $3)")
            .bind(new.id.as_i64())
            .bind(position as i64)
            .bind(media_id.as_i64())
            .execute(tx.conn())
            .await?;
    }
    sqlx::query("UPDATE products SET rating_count = rating_count + 1, rating_sum = rating_sum + $1 WHERE id = $2")
        .bind(new.rating)
        .bind(new.product_id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(true)
}

/// Whether the member has reviewed the product already.
pub async fn has_reviewed(conn: &mut Conn, author_id: Id, product_id: Id) -> StoreResult<bool> {
    let row = sqlx::query("SELECT 1 AS one FROM reviews WHERE author_id = $1 AND product_id = $2")
        .bind(author_id.as_i64())
        .bind(product_id.as_i64())
        .fetch_optional(conn)
        .await?;
    Ok(row.is_some())
}

pub async fn set_note(tx: &mut Tx, review_id: Id, note_id: Id) -> StoreResult<()> {
    sqlx::query("UPDATE reviews SET note_id = $1 WHERE id = $2")
        .bind(note_id.as_i64())
        .bind(review_id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(())
}

macro_rules! select_reviews {
    ($($rest:literal)*) => {
        concat!(
            "SELECT r.id, r.order_id, r.line_id, r.product_id, r.store_id, r.author_id, r.rating, r.body,
                    r.option_label, r.note_id, r.created_at, COALESCE(a.handle, '') AS author_handle,
                    u.display_name AS author_name
             FROM reviews r JOIN actors a ON a.id = r.author_id JOIN users u ON u.id = r.author_id ",
            $($rest),*
        )
    };
}

fn review(r: &AnyRow) -> Result<ReviewRecord, sqlx::Error> {
    Ok(ReviewRecord {
        id: Id::from_i64(r.try_get("id")?),
        order_id: Id::from_i64(r.try_get("order_id")?),
        line_id: Id::from_i64(r.try_get("line_id")?),
        product_id: Id::from_i64(r.try_get("product_id")?),
        store_id: Id::from_i64(r.try_get("store_id")?),
        author_id: Id::from_i64(r.try_get("author_id")?),
        rating: r.try_get("rating")?,
        body: r.try_get("body")?,
        option_label: r.try_get("option_label")?,
        note_id: r.try_get::<Option<i64>, _>("note_id")?.map(Id::from_i64),
        created_at: Timestamp(r.try_get("created_at")?),
        author_handle: r.try_get("author_handle")?,
        author_name: r.try_get("author_name")?,
        images: Vec::new(),
    })
}

async fn with_images(conn: &mut Conn, rows: &[AnyRow]) -> StoreResult<Vec<ReviewRecord>> {
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut record = review(row)?;
        let images = sqlx::query(
            "SELECT m.id, m.url_key FROM review_media rm JOIN media m ON m.id = rm.media_id AND m.deleted_at IS NULL
             WHERE rm.review_id = $1 ORDER BY rm.position LIMIT 9",
        )
        .bind(record.id.as_i64())
        .fetch_all(&mut *conn)
        .await?;
        for image in &images {
            record.images.push((Id::from_i64(image.try_get("id")?), image.try_get("url_key")?));
        }
        out.push(record);
    }
    Ok(out)
}

/// A product's reviews, newest first, before an id.
pub async fn of_product(
    conn: &mut Conn,
    product_id: Id,
    before: Option<Id>,
    limit: u32,
) -> StoreResult<Vec<ReviewRecord>> {
    let rows = sqlx::query(select_reviews!("WHERE r.product_id = $1 AND r.id < $2 ORDER BY r.id DESC LIMIT $3"))
        .bind(product_id.as_i64())
        .bind(before.map_or(i64::MAX, Id::as_i64))
        .bind(i64::from(limit))
        .fetch_all(&mut *conn)
        .await?;
    with_images(conn, &rows).await
}

/// The reviews of an order (which lines are reviewed).
pub async fn of_order(conn: &mut Conn, order_id: Id) -> StoreResult<Vec<ReviewRecord>> {
    let rows = sqlx::query(select_reviews!("WHERE r.order_id = $1 ORDER BY r.id LIMIT 200"))
        .bind(order_id.as_i64())
        .fetch_all(&mut *conn)
        .await?;
    with_images(conn, &rows).await
}

pub async fn get(conn: &mut Conn, id: Id) -> StoreResult<Option<ReviewRecord>> {
    let rows = sqlx::query(select_reviews!("WHERE r.id = $1")).bind(id.as_i64()).fetch_all(&mut *conn).await?;
    Ok(with_images(conn, &rows).await?.pop())
}

/// A product's rating: (count, sum).
pub async fn product_rating(conn: &mut Conn, product_id: Id) -> StoreResult<(i64, i64)> {
    let row = sqlx::query("SELECT rating_count, rating_sum FROM products WHERE id = $1")
        .bind(product_id.as_i64())
        .fetch_optional(conn)
        .await?;
    match row {
        Some(r) => Ok((r.try_get("rating_count")?, r.try_get("rating_sum")?)),
        None => Ok((0, 0)),
    }
}

/// What a store's score is computed from, since `since`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScoreInputs {
    /// Reviews and the sum of their ratings; orders with a review.
    pub ratings: i64,
    pub rating_sum: i64,
    pub rated_orders: i64,
    /// Orders received, and those with a refunded after-sale.
    pub received_orders: i64,
    pub refunded_orders: i64,
    /// Orders shipped, and those shipped within 48 hours of payment.
    pub shipped_orders: i64,
    pub shipped_in_time: i64,
}

pub async fn score_inputs(conn: &mut Conn, store_id: Id, since: Timestamp) -> StoreResult<ScoreInputs> {
    let row = sqlx::query(
        "SELECT CAST(COUNT(*) AS BIGINT) AS ratings, CAST(COALESCE(SUM(rating), 0) AS BIGINT) AS rating_sum,
                CAST(COUNT(DISTINCT order_id) AS BIGINT) AS rated_orders
         FROM reviews WHERE store_id = $1 AND created_at >= $2",
    )
    .bind(store_id.as_i64())
    .bind(since.micros())
    .fetch_one(&mut *conn)
    .await?;
    let mut inputs = ScoreInputs {
        ratings: row.try_get("ratings")?,
        rating_sum: row.try_get("rating_sum")?,
        rated_orders: row.try_get("rated_orders")?,
        ..ScoreInputs::default()
    };
    let row = sqlx::query(
        "SELECT CAST(COUNT(*) AS BIGINT) AS received,
                CAST(COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM after_sales a WHERE a.order_id = o.id
                                                    AND a.status = 'refunded') THEN 1 ELSE 0 END), 0) AS BIGINT)
                    AS refunded
         FROM orders o WHERE o.store_id = $1 AND o.received_at >= $2",
    )
    .bind(store_id.as_i64())
    .bind(since.micros())
    .fetch_one(&mut *conn)
    .await?;
    inputs.received_orders = row.try_get("received")?;
    inputs.refunded_orders = row.try_get("refunded")?;
    let row = sqlx::query(
        "SELECT CAST(COUNT(*) AS BIGINT) AS shipped,
                CAST(COALESCE(SUM(CASE WHEN o.shipped_at - o.paid_at <= $3 THEN 1 ELSE 0 END), 0) AS BIGINT) AS in_time
         FROM orders o WHERE o.store_id = $1 AND o.shipped_at >= $2",
    )
    .bind(store_id.as_i64())
    .bind(since.micros())
    .bind(48 * 3_600 * 1_000_000_i64)
    .fetch_one(&mut *conn)
    .await?;
    inputs.shipped_orders = row.try_get("shipped")?;
    inputs.shipped_in_time = row.try_get("in_time")?;
    Ok(inputs)
}

/// Writes a store's score and how many reviewed orders it rests on.
pub async fn set_store_score(tx: &mut Tx, store_id: Id, score_centi: i64, rated_orders: i64) -> StoreResult<()> {
    sqlx::query("UPDATE stores SET score_centi = $1, rated_orders = $2 WHERE id = $3")
        .bind(score_centi)
        .bind(rated_orders)
        .bind(store_id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Stores whose orders moved since `since` (their score may have changed).
pub async fn stores_with_activity(conn: &mut Conn, since: Timestamp, limit: u32) -> StoreResult<Vec<Id>> {
    let rows = sqlx::query(
        "SELECT store_id FROM orders WHERE updated_at >= $1
         UNION SELECT store_id FROM after_sales WHERE updated_at >= $1
         ORDER BY store_id LIMIT $2",
    )
    .bind(since.micros())
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok(Id::from_i64(r.try_get("store_id")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}
