//! Bulk reads for `carmine export` and the id map for `carmine import`.
//!
//! Every export read is keyset-paginated (ids, or natural keys for link rows) so an
//! export of millions of rows streams in pages of constant cost.

use carmine_core::{Id, Timestamp};
use sqlx::Row;

use crate::notes::NoteRecord;
use crate::{Conn, StoreResult, Tx};

/// The kinds of records an import keeps external ids for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Members and organizations share one namespace, like their handles.
    Actor,
    Note,
    Comment,
    Store,
    Product,
    Order,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Actor => "actor",
            Kind::Note => "note",
            Kind::Comment => "comment",
            Kind::Store => "store",
            Kind::Product => "product",
            Kind::Order => "order",
        }
    }
}

/// The local id an earlier import gave `external_id`, if any.
pub async fn local_id(conn: &mut Conn, kind: Kind, external_id: &str) -> StoreResult<Option<Id>> {
    let row = sqlx::query("SELECT local_id FROM import_ids WHERE kind = $1 AND external_id = $2")
        .bind(kind.as_str())
        .bind(external_id)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|r| r.try_get::<i64, _>(0).map(Id::from_i64)).transpose()?)
}

/// The dataset id a local record was imported under, if it was imported.
pub async fn external_id(conn: &mut Conn, kind: Kind, local: Id) -> StoreResult<Option<String>> {
    let row = sqlx::query("SELECT external_id FROM import_ids WHERE kind = $1 AND local_id = $2")
        .bind(kind.as_str())
        .bind(local.as_i64())
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|r| r.try_get(0)).transpose()?)
}

pub async fn remember(tx: &mut Tx, kind: Kind, external_id: &str, local: Id) -> StoreResult<()> {
    sqlx::query("INSERT INTO import_ids (kind, external_id, local_id) VALUES ($1, $2, $3)")
        .bind(kind.as_str())
        .bind(external_id)
        .bind(local.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// A link between two rows with its time (follows, likes, saves).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub from: Id,
    pub to: Id,
    pub created_at: Timestamp,
}

macro_rules! links_after {
    ($name:ident, $sql:literal) => {
        /// The next page of links after `(from, to)` in key order.
        pub async fn $name(conn: &mut Conn, after: (Id, Id), limit: u32) -> StoreResult<Vec<Link>> {
            let rows = sqlx::query($sql)
                .bind(after.0.as_i64())
                .bind(after.1.as_i64())
                .bind(i64::from(limit))
                .fetch_all(conn)
                .await?;
            rows.iter()
                .map(|r| {
                    Ok(Link {
                        from: Id::from_i64(r.try_get(0)?),
                        to: Id::from_i64(r.try_get(1)?),
                        created_at: Timestamp(r.try_get(2)?),
                    })
                })
                .collect()
        }
    };
}

links_after!(
    follows_after,
    "SELECT follower_id, followee_id, created_at FROM follows
     WHERE follower_id > $1 OR (follower_id = $1 AND followee_id > $2)
     ORDER BY follower_id, followee_id LIMIT $3"
);
links_after!(
    likes_after,
    "SELECT user_id, note_id, created_at FROM likes
     WHERE user_id > $1 OR (user_id = $1 AND note_id > $2)
     ORDER BY user_id, note_id LIMIT $3"
);
links_after!(
    saves_after,
    "SELECT user_id, note_id, created_at FROM saves
     WHERE user_id > $1 OR (user_id = $1 AND note_id > $2)
     ORDER BY user_id, note_id LIMIT $3"
);

/// Live notes (drafts included) after `after`, in id order.
pub async fn notes_after(conn: &mut Conn, after: Id, limit: u32) -> StoreResult<Vec<NoteRecord>> {
    crate::notes::after(conn, after, limit).await
}

/// A live comment as exported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommentRow {
    pub id: Id,
    pub note_id: Id,
    pub author_id: Id,
    pub parent_id: Option<Id>,
    pub body: String,
    pub created_at: Timestamp,
}

/// Live comments after `after`, in id order (a reply always after its parent).
pub async fn comments_after(conn: &mut Conn, after: Id, limit: u32) -> StoreResult<Vec<CommentRow>> {
    let rows = sqlx::query(
        "SELECT id, note_id, author_id, parent_id, body, created_at FROM comments
         WHERE id > $1 AND deleted_at IS NULL ORDER BY id LIMIT $2",
    )
    .bind(after.as_i64())
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(CommentRow {
                id: Id::from_i64(r.try_get("id")?),
                note_id: Id::from_i64(r.try_get("note_id")?),
                author_id: Id::from_i64(r.try_get("author_id")?),
                parent_id: r.try_get::<Option<i64>, _>("parent_id")?.map(Id::from_i64),
                body: r.try_get("body")?,
                created_at: Timestamp(r.try_get("created_at")?),
            })
        })
        .collect()
}

/// How many rows each table holds: what an export → import round trip must preserve.
pub async fn counts(conn: &mut Conn) -> StoreResult<Vec<(&'static str, i64)>> {
    let mut counts = Vec::new();
    for (name, sql) in [
        ("members", "SELECT COUNT(*) FROM users WHERE deleted_at IS NULL"),
        ("organizations", "SELECT COUNT(*) FROM orgs WHERE deleted_at IS NULL"),
        ("org_members", "SELECT COUNT(*) FROM org_members"),
        ("follows", "SELECT COUNT(*) FROM follows"),
        ("notes", "SELECT COUNT(*) FROM notes WHERE deleted_at IS NULL"),
        ("note_topics", "SELECT COUNT(*) FROM note_topics"),
        ("note_images", "SELECT COUNT(*) FROM note_media"),
        ("comments", "SELECT COUNT(*) FROM comments WHERE deleted_at IS NULL"),
        ("likes", "SELECT COUNT(*) FROM likes"),
        ("saves", "SELECT COUNT(*) FROM saves"),
        ("behaviour_events", "SELECT COUNT(*) FROM behaviour_events"),
        ("stores", "SELECT COUNT(*) FROM stores"),
        ("suspended_stores", "SELECT COUNT(*) FROM stores WHERE status = 'suspended'"),
        ("shipping_templates", "SELECT COUNT(*) FROM shipping_templates"),
        ("shipping_fees", "SELECT COUNT(*) FROM shipping_fees"),
        ("warehouses", "SELECT COUNT(*) FROM warehouses"),
        ("products", "SELECT COUNT(*) FROM products"),
        ("active_products", "SELECT COUNT(*) FROM products WHERE status = 'active'"),
        ("product_images", "SELECT COUNT(*) FROM product_media"),
        ("variants", "SELECT COUNT(*) FROM skus WHERE archived_at IS NULL"),
        ("stock_units", "SELECT CAST(COALESCE(SUM(on_hand), 0) AS BIGINT) FROM stock"),
        ("verified_certificates", "SELECT COUNT(*) FROM products WHERE certificate_status = 'verified'"),
        ("product_tags", "SELECT COUNT(*) FROM note_product_tags"),
        ("product_pins", "SELECT COUNT(*) FROM note_product_tags WHERE media_id IS NOT NULL"),
        ("settled_orders", "SELECT COUNT(*) FROM orders WHERE status = 'settled'"),
        ("cancelled_orders", "SELECT COUNT(*) FROM orders WHERE status = 'cancelled'"),
        ("order_lines", "SELECT COUNT(*) FROM order_lines"),
        ("affiliate_lines", "SELECT COUNT(*) FROM order_lines WHERE affiliate_bps > 0"),
        ("reviews", "SELECT COUNT(*) FROM reviews"),
        ("units_sold", "SELECT CAST(COALESCE(SUM(sales_count), 0) AS BIGINT) FROM products"),
    ] {
        counts.push((name, sqlx::query(sql).fetch_one(&mut *conn).await?.try_get::<i64, _>(0)?));
    }
    Ok(counts)
}
