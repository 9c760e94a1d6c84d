//! The product catalogue: products (SPU) with their images, variants (SKU), stock per
//! (variant, warehouse), price history, and the certificate review of cross-border
//! products. The commerce context owns the rules; options and attributes are JSON
//! text it writes and reads. A product is listed to buyers when it is `active` and
//! its store is `open`.

use carmine_core::{Id, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Conn, StoreResult, Tx};

/// A product's cover for cards: (media id, url key, grid width, grid height, placeholder colour).
pub type Cover = (Id, String, i64, i64, String);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductRecord {
    pub id: Id,
    pub store_id: Id,
    pub category_id: Id,
    pub title: String,
    pub description: String,
    pub brand: String,
    /// JSON: `[[name, value], …]`.
    pub attributes: String,
    /// JSON: `[{"name": …, "values": […]}, …]`.
    pub options: String,
    pub status: String,
    pub returnable: bool,
    pub shipping_template_id: Option<Id>,
    pub affiliate_bps: i64,
    pub cross_border: bool,
    pub origin_country: Option<String>,
    pub trade_mode: Option<String>,
    pub customs_warehouse_code: Option<String>,
    pub hs_code: Option<String>,
    pub declared_value_minor: Option<i64>,
    pub certificate_media_id: Option<Id>,
    pub certificate_status: String,
    pub currency: String,
    pub price_min_minor: i64,
    pub price_max_minor: i64,
    pub stock_total: i64,
    pub sales_count: i64,
    pub created_by: Id,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// The store's status, handle (its organization's), name and type.
    pub store_status: String,
    pub store_handle: String,
    pub store_name: String,
    pub store_type: String,
    pub cover: Option<Cover>,
}

macro_rules! select_products {
    ($($rest:literal)*) => {
        concat!(
            "SELECT p.id, p.store_id, p.category_id, p.title, p.description, p.brand, p.attributes, p.options, p.status,
                    p.returnable, p.shipping_template_id, p.affiliate_bps, p.cross_border, p.origin_country, p.trade_mode,
                    p.customs_warehouse_code, p.hs_code, p.declared_value_minor, p.certificate_media_id,
                    p.certificate_status, p.currency, p.price_min_minor, p.price_max_minor, p.stock_total, p.sales_count,
                    p.created_by, p.created_at, p.updated_at,
                    s.status AS store_status, a.handle AS store_handle, s.name AS store_name, s.store_type,
                    cm.id AS cover_id, cm.url_key AS cover_key, cm.grid_width AS cover_width,
                    cm.grid_height AS cover_height, cm.placeholder_color AS cover_color
             FROM products p JOIN stores s ON s.id = p.store_id JOIN actors a ON a.id = s.org_id
                  LEFT JOIN product_media pm ON pm.product_id = p.id AND pm.position = 0
                  LEFT JOIN media cm ON cm.id = pm.media_id AND cm.deleted_at IS NULL ",
            $($rest),*
        )
    };
}

fn id_opt(row: &AnyRow, column: &str) -> Result<Option<Id>, sqlx::Error> {
    Ok(row.try_get::<Option<i64>, _>(column)?.map(Id::from_i64))
}

fn product_from_row(row: &AnyRow) -> Result<ProductRecord, sqlx::Error> {
    let cover = match id_opt(row, "cover_id")? {
        Some(id) => Some((
            id,
            row.try_get("cover_key")?,
            row.try_get("cover_width")?,
            row.try_get("cover_height")?,
            row.try_get("cover_color")?,
        )),
        None => None,
    };
    Ok(ProductRecord {
        id: Id::from_i64(row.try_get("id")?),
        store_id: Id::from_i64(row.try_get("store_id")?),
        category_id: Id::from_i64(row.try_get("category_id")?),
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        brand: row.try_get("brand")?,
        attributes: row.try_get("attributes")?,
        options: row.try_get("options")?,
        status: row.try_get("status")?,
        returnable: row.try_get::<i64, _>("returnable")? == 1,
        shipping_template_id: id_opt(row, "shipping_template_id")?,
        affiliate_bps: row.try_get("affiliate_bps")?,
        cross_border: row.try_get::<i64, _>("cross_border")? == 1,
        origin_country: row.try_get("origin_country")?,
        trade_mode: row.try_get("trade_mode")?,
        customs_warehouse_code: row.try_get("customs_warehouse_code")?,
        hs_code: row.try_get("hs_code")?,
        declared_value_minor: row.try_get("declared_value_minor")?,
        certificate_media_id: id_opt(row, "certificate_media_id")?,
        certificate_status: row.try_get("certificate_status")?,
        currency: row.try_get("currency")?,
        price_min_minor: row.try_get("price_min_minor")?,
        price_max_minor: row.try_get("price_max_minor")?,
        stock_total: row.try_get("stock_total")?,
        sales_count: row.try_get("sales_count")?,
        created_by: Id::from_i64(row.try_get("created_by")?),
        created_at: Timestamp(row.try_get("created_at")?),
        updated_at: Timestamp(row.try_get("updated_at")?),
        store_status: row.try_get("store_status")?,
        store_handle: row.try_get::<Option<String>, _>("store_handle")?.unwrap_or_default(),
        store_name: row.try_get("store_name")?,
        store_type: row.try_get("store_type")?,
        cover,
    })
}

/// A product's own fields as the commerce context validated them.
pub struct ProductRow<'a> {
    pub category_id: Id,
    pub title: &'a str,
    pub description: &'a str,
    pub brand: &'a str,
    pub attributes: &'a str,
    pub options: &'a str,
    pub status: &'a str,
    pub returnable: bool,
    pub shipping_template_id: Option<Id>,
    pub affiliate_bps: i64,
    pub cross_border: bool,
    pub origin_country: Option<&'a str>,
    pub trade_mode: Option<&'a str>,
    pub customs_warehouse_code: Option<&'a str>,
    pub hs_code: Option<&'a str>,
    pub declared_value_minor: Option<i64>,
    pub certificate_media_id: Option<Id>,
    pub certificate_status: &'a str,
    pub currency: &'a str,
}

pub async fn insert(tx: &mut Tx, store_id: Id, created_by: Id, row: &ProductRow<'_>) -> StoreResult<Id> {
    let id = tx.new_id();
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO products (id, store_id, category_id, title, description, brand, attributes, options, status,
                               returnable, shipping_template_id, affiliate_bps, cross_border, origin_country,
                               trade_mode, customs_warehouse_code, hs_code, declared_value_minor,
                               certificate_media_id, certificate_status, currency, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
                 $23, $23)",
    )
    .bind(id.as_i64())
    .bind(store_id.as_i64())
    .bind(row.category_id.as_i64())
    .bind(row.title)
    .bind(row.description)
    .bind(row.brand)
    .bind(row.attributes)
    .bind(row.options)
    .bind(row.status)
    .bind(i64::from(row.returnable))
    .bind(row.shipping_template_id.map(Id::as_i64))
    .bind(row.affiliate_bps)
    .bind(i64::from(row.cross_border))
    .bind(row.origin_country)
    .bind(row.trade_mode)
    .bind(row.customs_warehouse_code)
    .bind(row.hs_code)
    .bind(row.declared_value_minor)
    .bind(row.certificate_media_id.map(Id::as_i64))
    .bind(row.certificate_status)
    .bind(row.currency)
    .bind(created_by.as_i64())
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(id)
}

pub async fn update(tx: &mut Tx, id: Id, row: &ProductRow<'_>) -> StoreResult<()> {
    let now = tx.now().micros();
    sqlx::query(
        "UPDATE products SET category_id = $1, title = $2, description = $3, brand = $4, attributes = $5, options = $6,
                             status = $7, returnable = $8, shipping_template_id = $9, affiliate_bps = $10,
                             cross_border = $11, origin_country = $12, trade_mode = $13, customs_warehouse_code = $14,
                             hs_code = $15, declared_value_minor = $16, certificate_media_id = $17,
                             certificate_status = $18, currency = $19, updated_at = $20
         WHERE id = $21",
    )
    .bind(row.category_id.as_i64())
    .bind(row.title)
    .bind(row.description)
    .bind(row.brand)
    .bind(row.attributes)
    .bind(row.options)
    .bind(row.status)
    .bind(i64::from(row.returnable))
    .bind(row.shipping_template_id.map(Id::as_i64))
    .bind(row.affiliate_bps)
    .bind(i64::from(row.cross_border))
    .bind(row.origin_country)
    .bind(row.trade_mode)
    .bind(row.customs_warehouse_code)
    .bind(row.hs_code)
    .bind(row.declared_value_minor)
    .bind(row.certificate_media_id.map(Id::as_i64))
    .bind(row.certificate_status)
    .bind(row.currency)
    .bind(now)
    .bind(id.as_i64())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Takes the product's row lock for the rest of the transaction.
pub async fn lock(tx: &mut Tx, id: Id) -> StoreResult<bool> {
    let result = sqlx::query("UPDATE products SET updated_at = updated_at WHERE id = $1")
        .bind(id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Replaces the product's images (in order; the first is the cover).
pub async fn set_media(tx: &mut Tx, id: Id, media_ids: &[Id]) -> StoreResult<()> {
    sqlx::query("DELETE FROM product_media WHERE product_id = $1").bind(id.as_i64()).execute(tx.conn()).await?;
    for (position, media_id) in media_ids.iter().enumerate() {
        sqlx::query("INSERT INTO product_media (product_id, position, media_id) VALUES ($1, $2, $3)")
            .bind(id.as_i64())
            .bind(position as i64)
            .bind(media_id.as_i64())
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

/// Rewrites the listing columns from the live variants and their stock.
pub async fn refresh_listing(tx: &mut Tx, id: Id) -> StoreResult<()> {
    // The listed price range is over the variants one can buy now (in stock), or over
    // every live variant when none is: "from ¥99" never names a sold-out variant.
    sqlx::query(
        "UPDATE products SET
            price_min_minor = COALESCE(
                (SELECT MIN(k.price_minor) FROM skus k WHERE k.product_id = $1 AND k.archived_at IS NULL
                    AND EXISTS (SELECT 1 FROM stock st WHERE st.sku_id = k.id AND st.on_hand > st.reserved)),
                (SELECT MIN(price_minor) FROM skus WHERE product_id = $1 AND archived_at IS NULL), 0),
            price_max_minor = COALESCE(
                (SELECT MAX(k.price_minor) FROM skus k WHERE k.product_id = $1 AND k.archived_at IS NULL
                    AND EXISTS (SELECT 1 FROM stock st WHERE st.sku_id = k.id AND st.on_hand > st.reserved)),
                (SELECT MAX(price_minor) FROM skus WHERE product_id = $1 AND archived_at IS NULL), 0),
            stock_total = COALESCE((SELECT CAST(SUM(st.on_hand - st.reserved) AS BIGINT) FROM stock st
                                    JOIN skus k ON k.id = st.sku_id WHERE k.product_id = $1 AND k.archived_at IS NULL), 0)
         WHERE id = $1",
    )
    .bind(id.as_i64())
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn get(conn: &mut Conn, id: Id) -> StoreResult<Option<ProductRecord>> {
    let row = sqlx::query(select_products!("WHERE p.id = $1")).bind(id.as_i64()).fetch_optional(conn).await?;
    Ok(row.as_ref().map(product_from_row).transpose()?)
}

/// Several products by id (notes' product tags), in no particular order.
pub async fn get_many(conn: &mut Conn, ids: &[Id]) -> StoreResult<Vec<ProductRecord>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(product) = get(conn, *id).await? {
            out.push(product);
        }
    }
    Ok(out)
}

/// A store's products, newest first, before `before`: `status` '' for any, and
/// `category` (with its sub-categories) when given.
pub async fn list_for_store(
    conn: &mut Conn,
    store_id: Id,
    status: &str,
    category: Option<Id>,
    before: Option<Id>,
    limit: u32,
) -> StoreResult<Vec<ProductRecord>> {
    let rows = sqlx::query(select_products!(
        "WHERE p.store_id = $1 AND ($2 = '' OR p.status = $2) AND p.id < $3
           AND ($4 = 0 OR p.category_id = $4
                OR p.category_id IN (SELECT id FROM categories WHERE parent_id = $4)
                OR p.category_id IN (SELECT c.id FROM categories c JOIN categories m ON m.id = c.parent_id
                                     WHERE m.parent_id = $4))
         ORDER BY p.id DESC LIMIT $5"
    ))
    .bind(store_id.as_i64())
    .bind(status)
    .bind(before.map_or(i64::MAX, Id::as_i64))
    .bind(category.map_or(0, Id::as_i64))
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    Ok(rows.iter().map(product_from_row).collect::<Result<_, _>>()?)
}

/// Every product after `after` in id order (for `carmine export`).
pub async fn list_after(conn: &mut Conn, after: Id, limit: u32) -> StoreResult<Vec<ProductRecord>> {
    let rows = sqlx::query(select_products!("WHERE p.id > $1 ORDER BY p.id LIMIT $2"))
        .bind(after.as_i64())
        .bind(i64::from(limit))
        .fetch_all(conn)
        .await?;
    Ok(rows.iter().map(product_from_row).collect::<Result<_, _>>()?)
}

/// What buyers may filter the listing by.
#[derive(Clone, Debug, Default)]
pub struct ListingFilter<'a> {
    /// With its sub-categories.
    pub category: Option<Id>,
    /// '' for any.
    pub store_type: &'a str,
    pub cross_border: Option<bool>,
    pub in_stock: bool,
    /// Inclusive bounds on the lowest variant price.
    pub min_price_minor: Option<i64>,
    pub max_price_minor: Option<i64>,
}

/// Products buyers may see (active, in an open store), newest first, before `before`.
pub async fn list_public(
    conn: &mut Conn,
    filter: &ListingFilter<'_>,
    before: Option<Id>,
    limit: u32,
) -> StoreResult<Vec<ProductRecord>> {
    let rows = sqlx::query(select_products!(
        "WHERE p.status = 'active' AND s.status = 'open' AND p.id < $1
           AND ($2 = 0 OR p.category_id = $2
                OR p.category_id IN (SELECT id FROM categories WHERE parent_id = $2)
                OR p.category_id IN (SELECT c.id FROM categories c JOIN categories m ON m.id = c.parent_id
                                     WHERE m.parent_id = $2))
           AND ($3 = '' OR s.store_type = $3)
           AND ($4 < 0 OR p.cross_border = $4)
           AND ($5 = 0 OR p.stock_total > 0)
           AND p.price_min_minor >= $6 AND p.price_min_minor <= $7
         ORDER BY p.id DESC LIMIT $8"
    ))
    .bind(before.map_or(i64::MAX, Id::as_i64))
    .bind(filter.category.map_or(0, Id::as_i64))
    .bind(filter.store_type)
    .bind(filter.cross_border.map_or(-1, i64::from))
    .bind(i64::from(filter.in_stock))
    .bind(filter.min_price_minor.unwrap_or(0))
    .bind(filter.max_price_minor.unwrap_or(i64::MAX))
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    Ok(rows.iter().map(product_from_row).collect::<Result<_, _>>()?)
}

pub async fn count_for_store(conn: &mut Conn, store_id: Id) -> StoreResult<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM products WHERE store_id = $1")
        .bind(store_id.as_i64())
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("n")?)
}

/// Cross-border products whose certificate waits for the operator, oldest first.
pub async fn certificates_pending(conn: &mut Conn, limit: u32) -> StoreResult<Vec<ProductRecord>> {
    let rows =
        sqlx::query(select_products!("WHERE p.certificate_status = 'pending' ORDER BY p.updated_at, p.id LIMIT $1"))
            .bind(i64::from(limit))
            .fetch_all(conn)
            .await?;
    Ok(rows.iter().map(product_from_row).collect::<Result<_, _>>()?)
}

/// The operator's decision on a pending certificate; false if it was not pending.
pub async fn decide_certificate(tx: &mut Tx, id: Id, status: &str) -> StoreResult<bool> {
    let now = tx.now().micros();
    let result = sqlx::query(
        "UPDATE products SET certificate_status = $1, updated_at = $2 WHERE id = $3 AND certificate_status = 'pending'",
    )
    .bind(status)
    .bind(now)
    .bind(id.as_i64())
    .execute(tx.conn())
    .await?;
    Ok(result.rows_affected() == 1)
}

// ---- variants --------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkuRecord {
    pub id: Id,
    pub product_id: Id,
    pub code: String,
    /// Option values joined by U+001F.
    pub option_key: String,
    pub price_minor: i64,
    pub compare_at_minor: Option<i64>,
    pub currency: String,
    pub weight_grams: i64,
    pub position: i64,
    pub archived: bool,
}

pub struct SkuRow<'a> {
    pub code: &'a str,
    pub option_key: &'a str,
    pub price_minor: i64,
    pub compare_at_minor: Option<i64>,
    pub currency: &'a str,
    pub weight_grams: i64,
    pub position: i64,
}

/// A product's variants, live and archived, in position order.
pub async fn skus(conn: &mut Conn, product_id: Id) -> StoreResult<Vec<SkuRecord>> {
    let rows = sqlx::query(
        "SELECT id, product_id, code, option_key, price_minor, compare_at_minor, currency, weight_grams, position,
                archived_at
         FROM skus WHERE product_id = $1 ORDER BY archived_at IS NOT NULL, position, id LIMIT 1000",
    )
    .bind(product_id.as_i64())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(SkuRecord {
                id: Id::from_i64(row.try_get("id")?),
                product_id: Id::from_i64(row.try_get("product_id")?),
                code: row.try_get("code")?,
                option_key: row.try_get("option_key")?,
                price_minor: row.try_get("price_minor")?,
                compare_at_minor: row.try_get("compare_at_minor")?,
                currency: row.try_get("currency")?,
                weight_grams: row.try_get("weight_grams")?,
                position: row.try_get("position")?,
                archived: row.try_get::<Option<i64>, _>("archived_at")?.is_some(),
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

pub async fn insert_sku(tx: &mut Tx, product_id: Id, store_id: Id, row: &SkuRow<'_>) -> StoreResult<Id> {
    let id = tx.new_id();
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO skus (id, product_id, store_id, code, option_key, price_minor, compare_at_minor, currency,
                           weight_grams, position, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
    )
    .bind(id.as_i64())
    .bind(product_id.as_i64())
    .bind(store_id.as_i64())
    .bind(row.code)
    .bind(row.option_key)
    .bind(row.price_minor)
    .bind(row.compare_at_minor)
    .bind(row.currency)
    .bind(row.weight_grams)
    .bind(row.position)
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(id)
}

/// Rewrites a variant (and brings it back if it was archived).
pub async fn update_sku(tx: &mut Tx, id: Id, row: &SkuRow<'_>) -> StoreResult<()> {
    let now = tx.now().micros();
    sqlx::query(
        "UPDATE skus SET code = $1, option_key = $2, price_minor = $3, compare_at_minor = $4, currency = $5,
                         weight_grams = $6, position = $7, archived_at = NULL, updated_at = $8
         WHERE id = $9",
    )
    .bind(row.code)
    .bind(row.option_key)
    .bind(row.price_minor)
    .bind(row.compare_at_minor)
    .bind(row.currency)
    .bind(row.weight_grams)
    .bind(row.position)
    .bind(now)
    .bind(id.as_i64())
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn archive_sku(tx: &mut Tx, id: Id) -> StoreResult<()> {
    let now = tx.now().micros();
    sqlx::query("UPDATE skus SET archived_at = $1, updated_at = $1 WHERE id = $2 AND archived_at IS NULL")
        .bind(now)
        .bind(id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// The live variant of a store with this code, if any (codes are unique in a store).
pub async fn sku_by_code(conn: &mut Conn, store_id: Id, code: &str) -> StoreResult<Option<(Id, Id)>> {
    let row = sqlx::query("SELECT id, product_id FROM skus WHERE store_id = $1 AND code = $2 AND archived_at IS NULL")
        .bind(store_id.as_i64())
        .bind(code)
        .fetch_optional(conn)
        .await?;
    row.map(|r| Ok((Id::from_i64(r.try_get("id")?), Id::from_i64(r.try_get("product_id")?))))
        .transpose()
        .map_err(|e: sqlx::Error| e.into())
}

pub async fn record_price(tx: &mut Tx, sku_id: Id, price_minor: i64, compare_at_minor: Option<i64>) -> StoreResult<()> {
    let id = tx.new_id();
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO price_history (id, sku_id, price_minor, compare_at_minor, effective_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id.as_i64())
    .bind(sku_id.as_i64())
    .bind(price_minor)
    .bind(compare_at_minor)
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The prices a variant has had, oldest first: (price, compare-at, from when).
pub async fn price_history(conn: &mut Conn, sku_id: Id) -> StoreResult<Vec<(i64, Option<i64>, Timestamp)>> {
    let rows = sqlx::query(
        "SELECT price_minor, compare_at_minor, effective_at FROM price_history WHERE sku_id = $1
         ORDER BY effective_at, id LIMIT 1000",
    )
    .bind(sku_id.as_i64())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("price_minor")?, r.try_get("compare_at_minor")?, Timestamp(r.try_get("effective_at")?))))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// The lowest price a variant was sold at since `since` (the price in force then included).
pub async fn lowest_price_since(conn: &mut Conn, sku_id: Id, since: Timestamp) -> StoreResult<Option<i64>> {
    let row = sqlx::query(
        "SELECT MIN(price_minor) AS low FROM price_history WHERE sku_id = $1 AND (effective_at >= $2 OR id = (
             SELECT id FROM price_history WHERE sku_id = $1 AND effective_at < $2 ORDER BY effective_at DESC, id DESC LIMIT 1))",
    )
    .bind(sku_id.as_i64())
    .bind(since.micros())
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("low")?)
}

// ---- stock -------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StockRecord {
    pub sku_id: Id,
    pub warehouse_id: Id,
    pub on_hand: i64,
    pub reserved: i64,
}

/// The stock rows of a product's variants.
pub async fn stock(conn: &mut Conn, product_id: Id) -> StoreResult<Vec<StockRecord>> {
    let rows = sqlx::query(
        "SELECT st.sku_id, st.warehouse_id, st.on_hand, st.reserved FROM stock st JOIN skus k ON k.id = st.sku_id
         WHERE k.product_id = $1 ORDER BY st.sku_id, st.warehouse_id LIMIT 10000",
    )
    .bind(product_id.as_i64())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(StockRecord {
                sku_id: Id::from_i64(r.try_get("sku_id")?),
                warehouse_id: Id::from_i64(r.try_get("warehouse_id")?),
                on_hand: r.try_get("on_hand")?,
                reserved: r.try_get("reserved")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// Sets what is on hand of a variant in a warehouse; false (nothing written) when
/// that is below what checkout has reserved there.
pub async fn set_stock(tx: &mut Tx, sku_id: Id, warehouse_id: Id, on_hand: i64) -> StoreResult<bool> {
    let now = tx.now().micros();
    let updated = sqlx::query(
        "UPDATE stock SET on_hand = $1, updated_at = $2 WHERE sku_id = $3 AND warehouse_id = $4 AND reserved <= $1",
    )
    .bind(on_hand)
    .bind(now)
    .bind(sku_id.as_i64())
    .bind(warehouse_id.as_i64())
    .execute(tx.conn())
    .await?;
    if updated.rows_affected() == 1 {
        return Ok(true);
    }
    let exists = sqlx::query("SELECT 1 AS one FROM stock WHERE sku_id = $1 AND warehouse_id = $2")
        .bind(sku_id.as_i64())
        .bind(warehouse_id.as_i64())
        .fetch_optional(tx.conn())
        .await?;
    if exists.is_some() {
        return Ok(false);
    }
    sqlx::query("INSERT INTO stock (sku_id, warehouse_id, on_hand, reserved, updated_at) VALUES ($1, $2, $3, 0, $4)")
        .bind(sku_id.as_i64())
        .bind(warehouse_id.as_i64())
        .bind(on_hand)
        .bind(now)
        .execute(tx.conn())
        .await?;
    Ok(true)
}

/// The categories a store lists products in (for the store page's filter chips).
pub async fn store_categories(conn: &mut Conn, store_id: Id) -> StoreResult<Vec<Id>> {
    // `status || ''` keeps SQLite on the store's products (`products_store`): on the
    // bare column it scanned every active product in category order to skip a sort.
    let rows = sqlx::query(
        "SELECT DISTINCT category_id FROM products WHERE store_id = $1 AND status || '' = 'active'
         ORDER BY category_id LIMIT 200",
    )
    .bind(store_id.as_i64())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok(Id::from_i64(r.try_get("category_id")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// The product a variant belongs to.
pub async fn sku_product(conn: &mut Conn, sku_id: Id) -> StoreResult<Option<Id>> {
    let row =
        sqlx::query("SELECT product_id FROM skus WHERE id = $1").bind(sku_id.as_i64()).fetch_optional(conn).await?;
    row.map(|r| Ok(Id::from_i64(r.try_get("product_id")?))).transpose().map_err(|e: sqlx::Error| e.into())
}
