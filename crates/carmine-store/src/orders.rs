//! Orders' rows (carmine-orders owns the rules, ADR 0025): members' address books and
//! carts, order groups, orders, their lines and the stock each line holds, and the
//! conditional stock updates that reserve and release units. A status moves only by
//! a conditional update from the status it leaves, so of two racing moves (a payment
//! and an expiry) exactly one takes effect.

use carmine_core::{Id, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Conn, StoreResult, Tx};

// ---- Address book ----------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddressRecord {
    pub id: Id,
    pub user_id: Id,
    pub recipient: String,
    pub phone: String,
    pub region: String,
    pub detail: String,
    pub is_default: bool,
    pub created_at: Timestamp,
}

pub struct AddressRow<'a> {
    pub recipient: &'a str,
    pub phone: &'a str,
    pub region: &'a str,
    pub detail: &'a str,
}

fn address(r: &AnyRow) -> Result<AddressRecord, sqlx::Error> {
    Ok(AddressRecord {
        id: Id::from_i64(r.try_get("id")?),
        user_id: Id::from_i64(r.try_get("user_id")?),
        recipient: r.try_get("recipient")?,
        phone: r.try_get("phone")?,
        region: r.try_get("region")?,
        detail: r.try_get("detail")?,
        is_default: r.try_get::<i64, _>("is_default")? == 1,
        created_at: Timestamp(r.try_get("created_at")?),
    })
}

pub async fn insert_address(tx: &mut Tx, user_id: Id, row: &AddressRow<'_>) -> StoreResult<Id> {
    let id = tx.new_id();
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO addresses (id, user_id, recipient, phone, region, detail, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(id.as_i64())
    .bind(user_id.as_i64())
    .bind(row.recipient)
    .bind(row.phone)
    .bind(row.region)
    .bind(row.detail)
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(id)
}

/// Rewrites a member's address; false when it is not theirs (or was removed).
pub async fn update_address(tx: &mut Tx, user_id: Id, id: Id, row: &AddressRow<'_>) -> StoreResult<bool> {
    let now = tx.now().micros();
    Ok(sqlx::query(
        "UPDATE addresses SET recipient = $1, phone = $2, region = $3, detail = $4, updated_at = $5
         WHERE id = $6 AND user_id = $7 AND deleted_at IS NULL",
    )
    .bind(row.recipient)
    .bind(row.phone)
    .bind(row.region)
    .bind(row.detail)
    .bind(now)
    .bind(id.as_i64())
    .bind(user_id.as_i64())
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// Makes one of a member's addresses their default (and no other).
pub async fn set_default_address(tx: &mut Tx, user_id: Id, id: Id) -> StoreResult<()> {
    sqlx::query(
        "UPDATE addresses SET is_default = CASE WHEN id = $1 THEN 1 ELSE 0 END
         WHERE user_id = $2 AND deleted_at IS NULL",
    )
    .bind(id.as_i64())
    .bind(user_id.as_i64())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Removes an address from the book (orders keep their copy); false if not theirs.
pub async fn remove_address(tx: &mut Tx, user_id: Id, id: Id) -> StoreResult<bool> {
    let now = tx.now().micros();
    Ok(sqlx::query(
        "UPDATE addresses SET deleted_at = $1, is_default = 0 WHERE id = $2 AND user_id = $3 AND deleted_at IS NULL",
    )
    .bind(now)
    .bind(id.as_i64())
    .bind(user_id.as_i64())
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// A member's addresses, the default first, then newest first.
pub async fn addresses(conn: &mut Conn, user_id: Id) -> StoreResult<Vec<AddressRecord>> {
    let rows = sqlx::query(
        "SELECT id, user_id, recipient, phone, region, detail, is_default, created_at FROM addresses
         WHERE user_id = $1 AND deleted_at IS NULL ORDER BY is_default DESC, id DESC LIMIT 100",
    )
    .bind(user_id.as_i64())
    .fetch_all(conn)
    .await?;
    rows.iter().map(address).collect::<Result<_, sqlx::Error>>().map_err(Into::into)
}

/// One of a member's live addresses.
pub async fn get_address(conn: &mut Conn, user_id: Id, id: Id) -> StoreResult<Option<AddressRecord>> {
    let row = sqlx::query(
        "SELECT id, user_id, recipient, phone, region, detail, is_default, created_at FROM addresses
         WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL",
    )
    .bind(id.as_i64())
    .bind(user_id.as_i64())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(address).transpose().map_err(Into::into)
}

// ---- Cart ------------------------------------------------------------------------

/// A cart line with what the buyer needs to see of its variant now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CartLineRecord {
    pub sku_id: Id,
    pub quantity: i64,
    pub price_seen_minor: i64,
    pub added_at: Timestamp,
    pub product_id: Id,
    pub title: String,
    pub product_status: String,
    /// The product's options (JSON) and this variant's values joined by U+001F.
    pub options: String,
    pub option_key: String,
    pub sku_code: String,
    pub price_minor: i64,
    pub sku_archived: bool,
    /// Units on hand and not reserved, over the store's warehouses.
    pub available: i64,
    pub store_id: Id,
    pub store_name: String,
    pub store_handle: String,
    pub store_status: String,
    /// The product's first picture: (media id, url key).
    pub cover: Option<(Id, String)>,
}

macro_rules! select_cart {
    ($($rest:literal)*) => {
        concat!(
            "SELECT c.sku_id, c.quantity, c.price_seen_minor, c.added_at, p.id AS product_id, p.title,
                    p.status AS product_status, p.options, k.option_key, k.code, k.price_minor, k.archived_at,
                    COALESCE((SELECT CAST(SUM(st.on_hand - st.reserved) AS BIGINT) FROM stock st
                              WHERE st.sku_id = k.id), 0) AS available,
                    s.id AS store_id, s.name AS store_name, a.handle AS store_handle, s.status AS store_status,
                    cm.id AS cover_id, cm.url_key AS cover_key
             FROM cart_lines c JOIN skus k ON k.id = c.sku_id JOIN products p ON p.id = k.product_id
                  JOIN stores s ON s.id = p.store_id JOIN actors a ON a.id = s.org_id
                  LEFT JOIN product_media pm ON pm.product_id = p.id AND pm.position = 0
                  LEFT JOIN media cm ON cm.id = pm.media_id AND cm.deleted_at IS NULL ",
            $($rest),*
        )
    };
}

fn cart_line(r: &AnyRow) -> Result<CartLineRecord, sqlx::Error> {
    let cover_id: Option<i64> = r.try_get("cover_id")?;
    let cover_key: Option<String> = r.try_get("cover_key")?;
    Ok(CartLineRecord {
        sku_id: Id::from_i64(r.try_get("sku_id")?),
        quantity: r.try_get("quantity")?,
        price_seen_minor: r.try_get("price_seen_minor")?,
        added_at: Timestamp(r.try_get("added_at")?),
        product_id: Id::from_i64(r.try_get("product_id")?),
        title: r.try_get("title")?,
        product_status: r.try_get("product_status")?,
        options: r.try_get("options")?,
        option_key: r.try_get("option_key")?,
        sku_code: r.try_get("code")?,
        price_minor: r.try_get("price_minor")?,
        sku_archived: r.try_get::<Option<i64>, _>("archived_at")?.is_some(),
        available: r.try_get("available")?,
        store_id: Id::from_i64(r.try_get("store_id")?),
        store_name: r.try_get("store_name")?,
        store_handle: r.try_get("store_handle")?,
        store_status: r.try_get("store_status")?,
        cover: cover_id.zip(cover_key).map(|(id, key)| (Id::from_i64(id), key)),
    })
}

/// A member's cart, by store then in the order lines were added.
pub async fn cart(conn: &mut Conn, user_id: Id) -> StoreResult<Vec<CartLineRecord>> {
    let rows = sqlx::query(select_cart!("WHERE c.user_id = $1 ORDER BY s.id, c.added_at, c.sku_id LIMIT 200"))
        .bind(user_id.as_i64())
        .fetch_all(conn)
        .await?;
    rows.iter().map(cart_line).collect::<Result<_, sqlx::Error>>().map_err(Into::into)
}

/// A member's cart read inside a write transaction (checkout prices it there).
pub async fn cart_in(tx: &mut Tx, user_id: Id) -> StoreResult<Vec<CartLineRecord>> {
    cart(tx.conn(), user_id).await
}

/// Puts a variant in the cart at `quantity` (replacing what the line held).
pub async fn put_cart_line(tx: &mut Tx, user_id: Id, sku_id: Id, quantity: i64, price_minor: i64) -> StoreResult<()> {
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO cart_lines (user_id, sku_id, quantity, price_seen_minor, added_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id, sku_id) DO UPDATE SET quantity = $3, price_seen_minor = $4",
    )
    .bind(user_id.as_i64())
    .bind(sku_id.as_i64())
    .bind(quantity)
    .bind(price_minor)
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Takes a variant out of the cart; false if it was not there.
pub async fn remove_cart_line(tx: &mut Tx, user_id: Id, sku_id: Id) -> StoreResult<bool> {
    Ok(sqlx::query("DELETE FROM cart_lines WHERE user_id = $1 AND sku_id = $2")
        .bind(user_id.as_i64())
        .bind(sku_id.as_i64())
        .execute(tx.conn())
        .await?
        .rows_affected()
        == 1)
}

/// The quantity of a variant already in the cart (0 if none) and the cart's size.
pub async fn cart_line_quantity(tx: &mut Tx, user_id: Id, sku_id: Id) -> StoreResult<(i64, i64)> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(CASE WHEN sku_id = $2 THEN quantity ELSE 0 END), 0) AS BIGINT) AS quantity,
                COUNT(*) AS lines
         FROM cart_lines WHERE user_id = $1",
    )
    .bind(user_id.as_i64())
    .bind(sku_id.as_i64())
    .fetch_one(tx.conn())
    .await?;
    Ok((row.try_get::<i64, _>("quantity")?, row.try_get::<i64, _>("lines")?))
}

// ---- Orders ----------------------------------------------------------------------

pub struct GroupRow<'a> {
    pub id: Id,
    pub buyer_id: Id,
    pub address: &'a AddressRecord,
    pub currency: &'a str,
    pub goods_minor: i64,
    pub shipping_minor: i64,
    pub discount_minor: i64,
    pub total_minor: i64,
}

pub async fn insert_group(tx: &mut Tx, row: &GroupRow<'_>) -> StoreResult<()> {
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO order_groups (id, buyer_id, recipient, phone, region, detail, currency, goods_minor,
                                   shipping_minor, discount_minor, total_minor, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(row.id.as_i64())
    .bind(row.buyer_id.as_i64())
    .bind(&row.address.recipient)
    .bind(&row.address.phone)
    .bind(&row.address.region)
    .bind(&row.address.detail)
    .bind(row.currency)
    .bind(row.goods_minor)
    .bind(row.shipping_minor)
    .bind(row.discount_minor)
    .bind(row.total_minor)
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Points the group at its payment: the first, or a retry after `replacing` was declined.
pub async fn set_group_payment(tx: &mut Tx, id: Id, payment_id: Id, replacing: Option<Id>) -> StoreResult<bool> {
    Ok(sqlx::query(
        "UPDATE order_groups SET payment_id = $1 WHERE id = $2
           AND ((payment_id IS NULL AND $3 = 0) OR payment_id = $3)",
    )
    .bind(payment_id.as_i64())
    .bind(id.as_i64())
    .bind(replacing.map_or(0, Id::as_i64))
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupRecord {
    pub id: Id,
    pub buyer_id: Id,
    pub recipient: String,
    pub phone: String,
    pub region: String,
    pub detail: String,
    pub currency: String,
    pub goods_minor: i64,
    pub shipping_minor: i64,
    pub discount_minor: i64,
    pub total_minor: i64,
    pub payment_id: Option<Id>,
    pub created_at: Timestamp,
}

impl GroupRecord {
    /// History imported from a dataset: paid before it came here, with no payment on
    /// this instance to refund (`carmine_orders::imported`).
    pub fn imported(&self) -> bool {
        self.payment_id.is_none()
    }
}

fn group(r: &AnyRow) -> Result<GroupRecord, sqlx::Error> {
    Ok(GroupRecord {
        id: Id::from_i64(r.try_get("id")?),
        buyer_id: Id::from_i64(r.try_get("buyer_id")?),
        recipient: r.try_get("recipient")?,
        phone: r.try_get("phone")?,
        region: r.try_get("region")?,
        detail: r.try_get("detail")?,
        currency: r.try_get("currency")?,
        goods_minor: r.try_get("goods_minor")?,
        shipping_minor: r.try_get("shipping_minor")?,
        discount_minor: r.try_get("discount_minor")?,
        total_minor: r.try_get("total_minor")?,
        payment_id: r.try_get::<Option<i64>, _>("payment_id")?.map(Id::from_i64),
        created_at: Timestamp(r.try_get("created_at")?),
    })
}

pub async fn get_group(conn: &mut Conn, id: Id) -> StoreResult<Option<GroupRecord>> {
    let row = sqlx::query(
        "SELECT id, buyer_id, recipient, phone, region, detail, currency, goods_minor, shipping_minor,
                discount_minor, total_minor, payment_id, created_at FROM order_groups WHERE id = $1",
    )
    .bind(id.as_i64())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(group).transpose().map_err(Into::into)
}

/// The group a payment pays for.
pub async fn group_by_payment(conn: &mut Conn, payment_id: Id) -> StoreResult<Option<GroupRecord>> {
    let row = sqlx::query(
        "SELECT id, buyer_id, recipient, phone, region, detail, currency, goods_minor, shipping_minor,
                discount_minor, total_minor, payment_id, created_at FROM order_groups WHERE payment_id = $1",
    )
    .bind(payment_id.as_i64())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(group).transpose().map_err(Into::into)
}

pub struct OrderRow {
    pub id: Id,
    pub group_id: Id,
    pub store_id: Id,
    pub buyer_id: Id,
    pub goods_minor: i64,
    pub shipping_minor: i64,
    pub discount_minor: i64,
    /// The part of `discount_minor` the platform's coupon paid.
    pub platform_discount_minor: i64,
    pub total_minor: i64,
    pub pay_by: Timestamp,
}

pub async fn insert_order(tx: &mut Tx, row: &OrderRow, currency: &str) -> StoreResult<()> {
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO orders (id, group_id, store_id, buyer_id, status, currency, goods_minor, shipping_minor,
                             discount_minor, total_minor, pay_by, created_at, updated_at, platform_discount_minor)
         VALUES ($1, $2, $3, $4, 'pending_payment', $5, $6, $7, $8, $9, $10, $11, $11, $12)",
    )
    .bind(row.id.as_i64())
    .bind(row.group_id.as_i64())
    .bind(row.store_id.as_i64())
    .bind(row.buyer_id.as_i64())
    .bind(currency)
    .bind(row.goods_minor)
    .bind(row.shipping_minor)
    .bind(row.discount_minor)
    .bind(row.total_minor)
    .bind(row.pay_by.micros())
    .bind(now)
    .bind(row.platform_discount_minor)
    .execute(tx.conn())
    .await?;
    Ok(())
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderRecord {
    pub id: Id,
    pub group_id: Id,
    pub store_id: Id,
    pub buyer_id: Id,
    pub status: String,
    pub currency: String,
    pub goods_minor: i64,
    pub shipping_minor: i64,
    pub discount_minor: i64,
    pub platform_discount_minor: i64,
    pub total_minor: i64,
    pub pay_by: Timestamp,
    pub paid_at: Option<Timestamp>,
    pub cancelled_at: Option<Timestamp>,
    pub cancel_reason: Option<String>,
    pub refunded_minor: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub store_name: String,
    pub store_handle: String,
    pub fulfilment: Fulfilment,
}

/// Where a paid order is between shipping and settlement.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fulfilment {
    pub carrier: Option<String>,
    pub tracking_no: Option<String>,
    pub shipped_at: Option<Timestamp>,
    pub receive_by: Option<Timestamp>,
    pub receipt_extended: bool,
    pub delivery_failed: bool,
    pub received_at: Option<Timestamp>,
    pub received_by: Option<String>,
    pub completed_at: Option<Timestamp>,
    pub settle_after: Option<Timestamp>,
    pub settled_at: Option<Timestamp>,
}

macro_rules! select_orders {
    ($($rest:literal)*) => {
        concat!(
            "SELECT o.id, o.group_id, o.store_id, o.buyer_id, o.status, o.currency, o.goods_minor, o.shipping_minor,
                    o.discount_minor, o.platform_discount_minor, o.total_minor, o.pay_by, o.paid_at, o.cancelled_at, o.cancel_reason,
                    o.refunded_minor, o.created_at, o.updated_at, s.name AS store_name, a.handle AS store_handle,
                    o.carrier, o.tracking_no, o.shipped_at, o.receive_by, o.receipt_extended, o.delivery_failed,
                    o.received_at, o.received_by, o.completed_at, o.settle_after, o.settled_at
             FROM orders o JOIN stores s ON s.id = o.store_id JOIN actors a ON a.id = s.org_id ",
            $($rest),*
        )
    };
}

fn order(r: &AnyRow) -> Result<OrderRecord, sqlx::Error> {
    Ok(OrderRecord {
        id: Id::from_i64(r.try_get("id")?),
        group_id: Id::from_i64(r.try_get("group_id")?),
        store_id: Id::from_i64(r.try_get("store_id")?),
        buyer_id: Id::from_i64(r.try_get("buyer_id")?),
        status: r.try_get("status")?,
        currency: r.try_get("currency")?,
        goods_minor: r.try_get("goods_minor")?,
        shipping_minor: r.try_get("shipping_minor")?,
        discount_minor: r.try_get("discount_minor")?,
        platform_discount_minor: r.try_get("platform_discount_minor")?,
        total_minor: r.try_get("total_minor")?,
        pay_by: Timestamp(r.try_get("pay_by")?),
        paid_at: r.try_get::<Option<i64>, _>("paid_at")?.map(Timestamp),
        cancelled_at: r.try_get::<Option<i64>, _>("cancelled_at")?.map(Timestamp),
        cancel_reason: r.try_get("cancel_reason")?,
        refunded_minor: r.try_get("refunded_minor")?,
        created_at: Timestamp(r.try_get("created_at")?),
        updated_at: Timestamp(r.try_get("updated_at")?),
        store_name: r.try_get("store_name")?,
        store_handle: r.try_get("store_handle")?,
        fulfilment: Fulfilment {
            carrier: r.try_get("carrier")?,
            tracking_no: r.try_get("tracking_no")?,
            shipped_at: r.try_get::<Option<i64>, _>("shipped_at")?.map(Timestamp),
            receive_by: r.try_get::<Option<i64>, _>("receive_by")?.map(Timestamp),
            receipt_extended: r.try_get::<i64, _>("receipt_extended")? == 1,
            delivery_failed: r.try_get::<i64, _>("delivery_failed")? == 1,
            received_at: r.try_get::<Option<i64>, _>("received_at")?.map(Timestamp),
            received_by: r.try_get("received_by")?,
            completed_at: r.try_get::<Option<i64>, _>("completed_at")?.map(Timestamp),
            settle_after: r.try_get::<Option<i64>, _>("settle_after")?.map(Timestamp),
            settled_at: r.try_get::<Option<i64>, _>("settled_at")?.map(Timestamp),
        },
    })
}

fn orders(rows: &[AnyRow]) -> StoreResult<Vec<OrderRecord>> {
    rows.iter().map(order).collect::<Result<_, sqlx::Error>>().map_err(Into::into)
}

pub async fn get_order(conn: &mut Conn, id: Id) -> StoreResult<Option<OrderRecord>> {
    let row = sqlx::query(select_orders!("WHERE o.id = $1")).bind(id.as_i64()).fetch_optional(conn).await?;
    row.as_ref().map(order).transpose().map_err(Into::into)
}

/// A group's orders, by store.
pub async fn group_orders(conn: &mut Conn, group_id: Id) -> StoreResult<Vec<OrderRecord>> {
    let rows = sqlx::query(select_orders!("WHERE o.group_id = $1 ORDER BY o.store_id LIMIT 100"))
        .bind(group_id.as_i64())
        .fetch_all(conn)
        .await?;
    orders(&rows)
}

/// A buyer's orders, newest first, in any of `statuses` (at most three; none: all)
/// (`before` an id; `limit + 1` asked by the caller).
pub async fn buyer_orders(
    conn: &mut Conn,
    buyer_id: Id,
    statuses: &[&str],
    before: Option<Id>,
    limit: u32,
) -> StoreResult<Vec<OrderRecord>> {
    let status = |i: usize| statuses.get(i).copied().unwrap_or("");
    let rows = sqlx::query(select_orders!(
        "WHERE o.buyer_id = $1 AND o.id < $2 AND ($4 = '' OR o.status IN ($4, $5, $6)) ORDER BY o.id DESC LIMIT $3"
    ))
    .bind(buyer_id.as_i64())
    .bind(before.map_or(i64::MAX, Id::as_i64))
    .bind(i64::from(limit))
    .bind(status(0))
    .bind(status(1))
    .bind(status(2))
    .fetch_all(conn)
    .await?;
    orders(&rows)
}

/// A store's orders, newest first, optionally in one status.
pub async fn store_orders(
    conn: &mut Conn,
    store_id: Id,
    status: Option<&str>,
    before: Option<Id>,
    limit: u32,
) -> StoreResult<Vec<OrderRecord>> {
    let rows = sqlx::query(select_orders!(
        "WHERE o.store_id = $1 AND ($2 = '' OR o.status = $2) AND o.id < $3 ORDER BY o.id DESC LIMIT $4"
    ))
    .bind(store_id.as_i64())
    .bind(status.unwrap_or(""))
    .bind(before.map_or(i64::MAX, Id::as_i64))
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    orders(&rows)
}

/// Unpaid orders whose time to pay has passed, oldest first.
pub async fn overdue_orders(conn: &mut Conn, now: Timestamp, limit: u32) -> StoreResult<Vec<Id>> {
    let rows = sqlx::query(
        "SELECT id FROM orders WHERE status = 'pending_payment' AND pay_by <= $1 ORDER BY pay_by, id LIMIT $2",
    )
    .bind(now.micros())
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok(Id::from_i64(r.try_get("id")?))).collect::<Result<_, sqlx::Error>>().map_err(Into::into)
}

/// Moves an unpaid order to paid; false when it was no longer waiting for payment.
pub async fn mark_paid(tx: &mut Tx, id: Id) -> StoreResult<bool> {
    let now = tx.now().micros();
    Ok(sqlx::query(
        "UPDATE orders SET status = 'awaiting_shipment', paid_at = $1, updated_at = $1
         WHERE id = $2 AND status = 'pending_payment'",
    )
    .bind(now)
    .bind(id.as_i64())
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// Brings an order cancelled for want of payment back as paid (a late payment whose
/// units could be reserved again); false unless it was cancelled as `expired`.
pub async fn revive_paid(tx: &mut Tx, id: Id) -> StoreResult<bool> {
    let now = tx.now().micros();
    Ok(sqlx::query(
        "UPDATE orders SET status = 'awaiting_shipment', paid_at = $1, cancelled_at = NULL, cancel_reason = NULL,
                           updated_at = $1
         WHERE id = $2 AND status = 'cancelled' AND cancel_reason = 'expired' AND paid_at IS NULL",
    )
    .bind(now)
    .bind(id.as_i64())
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// Cancels an order from one of the statuses in `from` (at most two); false if it
/// had already left them.
pub async fn cancel(tx: &mut Tx, id: Id, from: &[&str], reason: &str) -> StoreResult<bool> {
    let now = tx.now().micros();
    let from = |i: usize| from.get(i).copied().unwrap_or("");
    Ok(sqlx::query(
        "UPDATE orders SET status = 'cancelled', cancelled_at = $1, cancel_reason = $2, updated_at = $1
         WHERE id = $3 AND status IN ($4, $5)",
    )
    .bind(now)
    .bind(reason)
    .bind(id.as_i64())
    .bind(from(0))
    .bind(from(1))
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// Counts `amount` as refunded on an order, only within its total.
pub async fn add_order_refunded(tx: &mut Tx, id: Id, amount: i64) -> StoreResult<bool> {
    Ok(sqlx::query(
        "UPDATE orders SET refunded_minor = refunded_minor + $1 WHERE id = $2 AND refunded_minor + $1 <= total_minor",
    )
    .bind(amount)
    .bind(id.as_i64())
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

pub struct LineRow<'a> {
    pub id: Id,
    pub order_id: Id,
    pub product_id: Id,
    pub sku_id: Id,
    pub title: &'a str,
    pub option_label: &'a str,
    pub sku_code: &'a str,
    pub media_id: Option<Id>,
    pub quantity: i64,
    pub unit_price_minor: i64,
    pub discount_minor: i64,
    pub paid_minor: i64,
    pub commission_bps: i64,
    pub affiliate: Option<(Id, Id)>,
    pub affiliate_bps: i64,
    pub returnable: bool,
    /// The limited-quantity sale the line was priced by.
    pub sale_id: Option<Id>,
}

pub async fn insert_line(tx: &mut Tx, row: &LineRow<'_>) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO order_lines (id, order_id, product_id, sku_id, title, option_label, sku_code, media_id, quantity,
                                  unit_price_minor, discount_minor, paid_minor, commission_bps,
                                  affiliate_creator_id, affiliate_note_id, affiliate_bps, returnable, sale_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
    )
    .bind(row.id.as_i64())
    .bind(row.order_id.as_i64())
    .bind(row.product_id.as_i64())
    .bind(row.sku_id.as_i64())
    .bind(row.title)
    .bind(row.option_label)
    .bind(row.sku_code)
    .bind(row.media_id.map(Id::as_i64))
    .bind(row.quantity)
    .bind(row.unit_price_minor)
    .bind(row.discount_minor)
    .bind(row.paid_minor)
    .bind(row.commission_bps)
    .bind(row.affiliate.map(|(creator, _)| creator.as_i64()))
    .bind(row.affiliate.map(|(_, note)| note.as_i64()))
    .bind(row.affiliate_bps)
    .bind(i64::from(row.returnable))
    .bind(row.sale_id.map(Id::as_i64))
    .execute(tx.conn())
    .await?;
    Ok(())
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineRecord {
    pub id: Id,
    pub order_id: Id,
    pub product_id: Id,
    pub sku_id: Id,
    pub title: String,
    pub option_label: String,
    pub sku_code: String,
    /// The picture when sold: (media id, url key) while the image lives.
    pub cover: Option<(Id, String)>,
    pub quantity: i64,
    pub unit_price_minor: i64,
    pub discount_minor: i64,
    pub paid_minor: i64,
    pub commission_bps: i64,
    pub affiliate: Option<(Id, Id)>,
    pub affiliate_bps: i64,
    pub returnable: bool,
    pub sale_id: Option<Id>,
    pub refunded_minor: i64,
}

/// The lines of some orders, by order then id.
pub async fn lines(conn: &mut Conn, order_ids: &[Id]) -> StoreResult<Vec<LineRecord>> {
    let mut all = Vec::new();
    for order_id in order_ids {
        let rows = sqlx::query(
            "SELECT l.id, l.order_id, l.product_id, l.sku_id, l.title, l.option_label, l.sku_code, m.id AS cover_id,
                    m.url_key AS cover_key, l.quantity, l.unit_price_minor, l.discount_minor, l.paid_minor,
                    l.commission_bps, l.affiliate_creator_id, l.affiliate_note_id, l.affiliate_bps, l.returnable,
                    l.sale_id, l.refunded_minor
             FROM order_lines l LEFT JOIN media m ON m.id = l.media_id AND m.deleted_at IS NULL
             WHERE l.order_id = $1 ORDER BY l.id LIMIT 1000",
        )
        .bind(order_id.as_i64())
        .fetch_all(&mut *conn)
        .await?;
        for r in &rows {
            let cover_id: Option<i64> = r.try_get("cover_id")?;
            let cover_key: Option<String> = r.try_get("cover_key")?;
            let creator: Option<i64> = r.try_get("affiliate_creator_id")?;
            let note: Option<i64> = r.try_get("affiliate_note_id")?;
            all.push(LineRecord {
                id: Id::from_i64(r.try_get("id")?),
                order_id: Id::from_i64(r.try_get("order_id")?),
                product_id: Id::from_i64(r.try_get("product_id")?),
                sku_id: Id::from_i64(r.try_get("sku_id")?),
                title: r.try_get("title")?,
                option_label: r.try_get("option_label")?,
                sku_code: r.try_get("sku_code")?,
                cover: cover_id.zip(cover_key).map(|(id, key)| (Id::from_i64(id), key)),
                quantity: r.try_get("quantity")?,
                unit_price_minor: r.try_get("unit_price_minor")?,
                discount_minor: r.try_get("discount_minor")?,
                paid_minor: r.try_get("paid_minor")?,
                commission_bps: r.try_get("commission_bps")?,
                affiliate: creator.zip(note).map(|(c, n)| (Id::from_i64(c), Id::from_i64(n))),
                affiliate_bps: r.try_get("affiliate_bps")?,
                returnable: r.try_get::<i64, _>("returnable")? == 1,
                sale_id: r.try_get::<Option<i64>, _>("sale_id")?.map(Id::from_i64),
                refunded_minor: r.try_get("refunded_minor")?,
            });
        }
    }
    Ok(all)
}

// ---- Stock held by order lines ---------------------------------------------------

/// A variant's stock per warehouse, in the store's priority order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WarehouseStock {
    pub warehouse_id: Id,
    pub on_hand: i64,
    pub reserved: i64,
}

pub async fn sku_stock(tx: &mut Tx, sku_id: Id) -> StoreResult<Vec<WarehouseStock>> {
    let rows = sqlx::query(
        "SELECT st.warehouse_id, st.on_hand, st.reserved FROM stock st JOIN warehouses w ON w.id = st.warehouse_id
         WHERE st.sku_id = $1 ORDER BY w.priority, w.id LIMIT 100",
    )
    .bind(sku_id.as_i64())
    .fetch_all(tx.conn())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(WarehouseStock {
                warehouse_id: Id::from_i64(r.try_get("warehouse_id")?),
                on_hand: r.try_get("on_hand")?,
                reserved: r.try_get("reserved")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// Reserves `quantity` units of a variant in a warehouse, only if that many are on
/// hand and not yet reserved; false (nothing written) otherwise.
pub async fn reserve(tx: &mut Tx, sku_id: Id, warehouse_id: Id, quantity: i64) -> StoreResult<bool> {
    let now = tx.now().micros();
    Ok(sqlx::query(
        "UPDATE stock SET reserved = reserved + $1, updated_at = $2
         WHERE sku_id = $3 AND warehouse_id = $4 AND on_hand - reserved >= $1",
    )
    .bind(quantity)
    .bind(now)
    .bind(sku_id.as_i64())
    .bind(warehouse_id.as_i64())
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// Releases `quantity` reserved units; false (nothing written) if fewer are reserved.
pub async fn release(tx: &mut Tx, sku_id: Id, warehouse_id: Id, quantity: i64) -> StoreResult<bool> {
    let now = tx.now().micros();
    Ok(sqlx::query(
        "UPDATE stock SET reserved = reserved - $1, updated_at = $2
         WHERE sku_id = $3 AND warehouse_id = $4 AND reserved >= $1",
    )
    .bind(quantity)
    .bind(now)
    .bind(sku_id.as_i64())
    .bind(warehouse_id.as_i64())
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

pub async fn insert_line_stock(
    tx: &mut Tx,
    line_id: Id,
    sku_id: Id,
    warehouse_id: Id,
    quantity: i64,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO order_line_stock (line_id, sku_id, warehouse_id, quantity) VALUES ($1, $2, $3, $4)")
        .bind(line_id.as_i64())
        .bind(sku_id.as_i64())
        .bind(warehouse_id.as_i64())
        .bind(quantity)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Forgets where a line's units came from (before reserving them again).
pub async fn clear_line_stock(tx: &mut Tx, line_id: Id) -> StoreResult<()> {
    sqlx::query("DELETE FROM order_line_stock WHERE line_id = $1").bind(line_id.as_i64()).execute(tx.conn()).await?;
    Ok(())
}

/// What an order's lines hold: (line, variant, warehouse, units).
pub async fn order_stock(tx: &mut Tx, order_id: Id) -> StoreResult<Vec<(Id, Id, Id, i64)>> {
    let rows = sqlx::query(
        "SELECT ls.line_id, ls.sku_id, ls.warehouse_id, ls.quantity FROM order_line_stock ls
         JOIN order_lines l ON l.id = ls.line_id WHERE l.order_id = $1 ORDER BY ls.line_id, ls.warehouse_id",
    )
    .bind(order_id.as_i64())
    .fetch_all(tx.conn())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                Id::from_i64(r.try_get("line_id")?),
                Id::from_i64(r.try_get("sku_id")?),
                Id::from_i64(r.try_get("warehouse_id")?),
                r.try_get("quantity")?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// Whether any order line ever took units from a warehouse.
pub async fn warehouse_used(conn: &mut Conn, warehouse_id: Id) -> StoreResult<bool> {
    let row = sqlx::query("SELECT 1 AS one FROM order_line_stock WHERE warehouse_id = $1 LIMIT 1")
        .bind(warehouse_id.as_i64())
        .fetch_optional(conn)
        .await?;
    Ok(row.is_some())
}

/// Adds sold units to products' sales counters.
pub async fn add_sales(tx: &mut Tx, product_id: Id, units: i64) -> StoreResult<()> {
    sqlx::query("UPDATE products SET sales_count = sales_count + $1 WHERE id = $2")
        .bind(units)
        .bind(product_id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// A variant as the cart needs it: its product and store, its price now, whether it
/// may be sold (live variant of an active product in an open store), units free.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkuOffer {
    pub sku_id: Id,
    pub product_id: Id,
    pub store_id: Id,
    pub price_minor: i64,
    pub for_sale: bool,
    pub available: i64,
}

pub async fn sku_offer(conn: &mut Conn, sku_id: Id) -> StoreResult<Option<SkuOffer>> {
    let row = sqlx::query(
        "SELECT k.id, k.product_id, p.store_id, k.price_minor,
                CASE WHEN k.archived_at IS NULL AND p.status = 'active' AND s.status = 'open' THEN 1 ELSE 0 END AS for_sale,
                COALESCE((SELECT CAST(SUM(st.on_hand - st.reserved) AS BIGINT) FROM stock st WHERE st.sku_id = k.id), 0)
                    AS available
         FROM skus k JOIN products p ON p.id = k.product_id JOIN stores s ON s.id = p.store_id WHERE k.id = $1",
    )
    .bind(sku_id.as_i64())
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(SkuOffer {
            sku_id: Id::from_i64(r.try_get("id")?),
            product_id: Id::from_i64(r.try_get("product_id")?),
            store_id: Id::from_i64(r.try_get("store_id")?),
            price_minor: r.try_get("price_minor")?,
            for_sale: r.try_get::<i64, _>("for_sale")? == 1,
            available: r.try_get("available")?,
        })
    })
    .transpose()
    .map_err(|e: sqlx::Error| e.into())
}

/// The times of an imported order's history (`carmine import`): a settled order was
/// paid, shipped, received and settled; a cancelled one was never paid.
pub struct ImportedHistory<'a> {
    pub status: &'a str,
    pub paid_at: Option<Timestamp>,
    pub shipment: Option<(&'a str, &'a str)>,
    pub shipped_at: Option<Timestamp>,
    pub received_at: Option<Timestamp>,
    pub settled_at: Option<Timestamp>,
    pub cancelled_at: Option<Timestamp>,
}

/// Moves a just-written imported order to where its history ended.
pub async fn finish_imported(tx: &mut Tx, order_id: Id, history: &ImportedHistory<'_>) -> StoreResult<()> {
    let micros = |t: Option<Timestamp>| t.map(Timestamp::micros);
    let updated = history.settled_at.or(history.cancelled_at).map_or(tx.now().micros(), Timestamp::micros);
    sqlx::query(
        "UPDATE orders SET status = $1, paid_at = $2, carrier = $3, tracking_no = $4, shipped_at = $5,
                received_at = $6, received_by = CASE WHEN $6 IS NULL THEN NULL ELSE 'buyer' END,
                completed_at = $6, settled_at = $7, cancelled_at = $8,
                cancel_reason = CASE WHEN $8 IS NULL THEN NULL ELSE 'expired' END, updated_at = $9
         WHERE id = $10 AND status = 'pending_payment'",
    )
    .bind(history.status)
    .bind(micros(history.paid_at))
    .bind(history.shipment.map(|(carrier, _)| carrier))
    .bind(history.shipment.map(|(_, tracking)| tracking))
    .bind(micros(history.shipped_at))
    .bind(micros(history.received_at))
    .bind(micros(history.settled_at))
    .bind(micros(history.cancelled_at))
    .bind(updated)
    .bind(order_id.as_i64())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Finished orders (settled or cancelled), oldest first after `after`, for export.
pub async fn finished(conn: &mut Conn, after: Option<Id>, limit: u32) -> StoreResult<Vec<OrderRecord>> {
    let rows =
        sqlx::query(select_orders!("WHERE o.status IN ('settled', 'cancelled') AND o.id > $1 ORDER BY o.id LIMIT $2"))
            .bind(after.map_or(0, Id::as_i64))
            .bind(i64::from(limit))
            .fetch_all(conn)
            .await?;
    orders(&rows)
}
