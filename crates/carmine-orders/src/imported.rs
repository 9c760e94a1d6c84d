//! Orders from a dataset (`carmine import`): finished purchase history — settled
//! orders (paid, shipped, received and settled before the import) and cancelled
//! ones (never paid) — with the reviews their buyers wrote.
//!
//! Each is checked by checkout's and the review form's rules before anything of it is
//! written: the buyer's address, live variants of the store's products, quantities,
//! prices and discounts, a tagging note for an affiliate line, times in order. A line
//! freezes what checkout would: the title, the option label, the category's
//! commission rate, the return promise and the product's affiliate rate.
//!
//! The money of imported history moved before the import: an imported order has no
//! payment (its group's `payment_id` is empty) and no settlement in the ledger, so the
//! books reconcile without it; it takes no stock (the dataset's stock is what is on
//! hand now), and after-sales refuse it (`after_sale_not_allowed`, `imported`).

use carmine_core::event::DomainEvent;
use carmine_core::limits::{CART_LINES_MAX, CART_QUANTITY_MAX, ORDER_TOTAL_MINOR_MAX};
use carmine_core::money::Currency;
use carmine_core::{Error, ErrorCode, Id, Result, Timestamp};
use carmine_store::orders::{self as rows, AddressRecord, GroupRow, ImportedHistory, LineRow, OrderRow};
use carmine_store::reviews::NewReview;
use carmine_store::{Tx, categories, notes, product_tags, products, stores};

use crate::addresses::{AddressInput, valid};
use crate::checkout::option_label;
use crate::fulfilment::valid_tracking_no;
use crate::reviews::{REVIEW_CHARS_MAX, refresh_score};

/// An order as a dataset holds it, with local ids.
#[derive(Clone, Debug)]
pub struct OrderImport {
    pub buyer: Id,
    pub store_id: Id,
    /// `settled` or `cancelled`.
    pub status: String,
    pub address: AddressInput,
    pub lines: Vec<LineImport>,
    pub shipping_minor: i64,
    /// (carrier code, tracking number) of a settled order.
    pub shipment: Option<(String, String)>,
    pub placed_at: Timestamp,
    pub paid_at: Option<Timestamp>,
    pub shipped_at: Option<Timestamp>,
    pub received_at: Option<Timestamp>,
    pub settled_at: Option<Timestamp>,
}

#[derive(Clone, Debug)]
pub struct LineImport {
    pub product_id: Id,
    /// The variant's code in its store.
    pub sku_code: String,
    pub quantity: i64,
    pub unit_price_minor: i64,
    pub discount_minor: i64,
    /// The note whose tag brought the buyer (its writer earned the affiliate rate).
    pub note_id: Option<Id>,
    pub review: Option<ReviewImport>,
}

#[derive(Clone, Debug)]
pub struct ReviewImport {
    pub rating: i64,
    pub body: String,
    pub created_at: Timestamp,
}

/// The times a settled or cancelled order must carry, in order. (Whether they are
/// in the past is the caller's to check: an import backdates its transaction.)
fn check_history(order: &OrderImport) -> Result<()> {
    let stamps = [
        ("paid_at", order.paid_at),
        ("shipped_at", order.shipped_at),
        ("received_at", order.received_at),
        ("settled_at", order.settled_at),
    ];
    match order.status.as_str() {
        "settled" => {
            let mut before = ("placed_at", order.placed_at);
            for (field, at) in stamps {
                let at = at.ok_or_else(|| Error::invalid_field(field, "required for a settled order"))?;
                if at < before.1 {
                    return Err(Error::invalid_field(field, format!("must not be before {}", before.0)));
                }
                before = (field, at);
            }
            let (carrier, tracking) = order
                .shipment
                .as_ref()
                .ok_or_else(|| Error::invalid_field("carrier", "required for a settled order"))?;
            let code_ok = (1..=20).contains(&carrier.len())
                && carrier.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !code_ok {
                return Err(Error::invalid_field("carrier", "a carrier code: 1 to 20 of a–z 0–9 _"));
            }
            valid_tracking_no(tracking)
        }
        "cancelled" => {
            if let Some((field, _)) = stamps.iter().find(|(_, at)| at.is_some()) {
                return Err(Error::invalid_field(field, "a cancelled order was never paid"));
            }
            if order.shipment.is_some() {
                return Err(Error::invalid_field("carrier", "a cancelled order was never shipped"));
            }
            if order.lines.iter().any(|l| l.review.is_some()) {
                return Err(Error::invalid_field("review", "only a settled order's lines are reviewed"));
            }
            Ok(())
        }
        _ => Err(Error::invalid_field("status", "settled or cancelled (orders in flight are not history)")),
    }
}

/// Writes one imported order with its lines and reviews; returns its id.
pub async fn import_order(tx: &mut Tx, currency: Currency, order: &OrderImport) -> Result<Id> {
    check_history(order)?;
    let address = valid(&order.address)?;
    if order.lines.is_empty() || order.lines.len() > CART_LINES_MAX {
        return Err(Error::invalid_field("lines", format!("1 to {CART_LINES_MAX} lines")));
    }
    if order.shipping_minor < 0 || order.shipping_minor > ORDER_TOTAL_MINOR_MAX {
        return Err(Error::invalid_field("shipping", "0 or more, within an order's limit"));
    }
    let store = stores::get(tx.conn(), order.store_id).await?.ok_or(ErrorCode::StoreNotFound)?;
    let mut frozen = Vec::with_capacity(order.lines.len());
    for line in &order.lines {
        frozen.push(freeze(tx, order, &store, line).await?);
    }
    let goods: i64 = order.lines.iter().map(|l| l.unit_price_minor * l.quantity).sum();
    let discount: i64 = order.lines.iter().map(|l| l.discount_minor).sum();
    let total = goods - discount + order.shipping_minor;
    if total <= 0 || total > ORDER_TOTAL_MINOR_MAX {
        return Err(Error::invalid_field("lines", "the order's total must be above 0 and within the limit"));
    }

    tx.backdate(order.placed_at);
    let group_id = tx.new_id();
    let record = AddressRecord {
        id: group_id,
        user_id: order.buyer,
        recipient: address.recipient,
        phone: address.phone,
        region: address.region.to_owned(),
        detail: address.detail,
        is_default: false,
        created_at: order.placed_at,
    };
    let group = GroupRow {
        id: group_id,
        buyer_id: order.buyer,
        address: &record,
        currency: currency.as_str(),
        goods_minor: goods,
        shipping_minor: order.shipping_minor,
        discount_minor: discount,
        total_minor: total,
    };
    rows::insert_group(tx, &group).await?;
    let order_id = tx.new_id();
    let row = OrderRow {
        id: order_id,
        group_id,
        store_id: order.store_id,
        buyer_id: order.buyer,
        goods_minor: goods,
        shipping_minor: order.shipping_minor,
        discount_minor: discount,
        platform_discount_minor: 0,
        total_minor: total,
        pay_by: order.placed_at,
    };
    rows::insert_order(tx, &row, currency.as_str()).await?;
    let mut line_ids = Vec::with_capacity(order.lines.len());
    for (line, frozen) in order.lines.iter().zip(&frozen) {
        let line_id = tx.new_id();
        rows::insert_line(
            tx,
            &LineRow {
                id: line_id,
                order_id,
                product_id: line.product_id,
                sku_id: frozen.sku_id,
                title: &frozen.title,
                option_label: &frozen.option_label,
                sku_code: &line.sku_code,
                media_id: frozen.media_id,
                quantity: line.quantity,
                unit_price_minor: line.unit_price_minor,
                discount_minor: line.discount_minor,
                paid_minor: line.unit_price_minor * line.quantity - line.discount_minor,
                commission_bps: frozen.commission_bps,
                affiliate: frozen.affiliate,
                affiliate_bps: frozen.affiliate_bps,
                returnable: frozen.returnable,
                sale_id: None,
            },
        )
        .await?;
        line_ids.push(line_id);
    }
    let cancelled_at = (order.status == "cancelled").then_some(order.placed_at);
    let history = ImportedHistory {
        status: &order.status,
        paid_at: order.paid_at,
        shipment: order.shipment.as_ref().map(|(c, t)| (c.as_str(), t.as_str())),
        shipped_at: order.shipped_at,
        received_at: order.received_at,
        settled_at: order.settled_at,
        cancelled_at,
    };
    rows::finish_imported(tx, order_id, &history).await?;
    if order.status == "settled" {
        for line in &order.lines {
            rows::add_sales(tx, line.product_id, line.quantity).await?;
        }
    }
    tx.backdate(order.settled_at.unwrap_or(order.placed_at));
    tx.emit(DomainEvent::OrderChanged { order_id, store_id: order.store_id, status: order.status.clone() }).await?;

    let mut reviewed = false;
    for ((line, frozen), line_id) in order.lines.iter().zip(&frozen).zip(&line_ids) {
        let Some(review) = &line.review else { continue };
        review_line(tx, order, (line, frozen, *line_id), order_id, review).await?;
        reviewed = true;
    }
    if reviewed {
        refresh_score(tx, order.store_id).await?;
    }
    Ok(order_id)
}

/// What a line freezes (see the module's header), checked.
struct Frozen {
    sku_id: Id,
    title: String,
    option_label: String,
    media_id: Option<Id>,
    commission_bps: i64,
    returnable: bool,
    affiliate: Option<(Id, Id)>,
    affiliate_bps: i64,
}

async fn freeze(tx: &mut Tx, order: &OrderImport, store: &stores::StoreRecord, line: &LineImport) -> Result<Frozen> {
    let product = products::get(tx.conn(), line.product_id)
        .await?
        .filter(|p| p.store_id == order.store_id && p.status != "draft")
        .ok_or_else(|| Error::invalid_field("product", "a product of the order's store, not a draft"))?;
    let sku = products::skus(tx.conn(), product.id)
        .await?
        .into_iter()
        .find(|s| s.code == line.sku_code && !s.archived)
        .ok_or_else(|| Error::invalid_field("variant", "the code of one of the product's variants"))?;
    if !(1..=CART_QUANTITY_MAX).contains(&line.quantity) {
        return Err(Error::invalid_field("quantity", format!("1 to {CART_QUANTITY_MAX}")));
    }
    if line.unit_price_minor <= 0 || line.unit_price_minor > ORDER_TOTAL_MINOR_MAX {
        return Err(Error::invalid_field("unit_price", "above 0, within an order's limit"));
    }
    if line.discount_minor < 0 || line.discount_minor > line.unit_price_minor * line.quantity {
        return Err(Error::invalid_field("discount", "0 to what the line cost"));
    }
    let (affiliate, affiliate_bps) = match line.note_id {
        None => (None, 0),
        Some(note_id) => {
            let note = notes::get(tx.conn(), note_id).await?.ok_or(ErrorCode::NoteNotFound)?;
            let tags = product_tags::for_note(tx.conn(), note_id).await?;
            if !tags.iter().any(|t| t.product_id == product.id) {
                return Err(Error::invalid_field("note", "a note that tags the line's product"));
            }
            if note.author_id == order.buyer {
                return Err(Error::invalid_field("note", "another member's note (no commission on one's own)"));
            }
            let pays = note.author_id != store.org_id;
            (Some((note.author_id, note_id)), if pays { product.affiliate_bps } else { 0 })
        }
    };
    let category = categories::get(tx.conn(), product.category_id).await?;
    let cover = carmine_store::media::for_product(tx.conn(), product.id).await?.first().map(|m| m.id);
    Ok(Frozen {
        sku_id: sku.id,
        title: product.title.clone(),
        option_label: option_label(&product.options, &sku.option_key),
        media_id: cover,
        commission_bps: category.map_or(0, |c| c.commission_bps),
        returnable: product.returnable && store.return_days > 0,
        affiliate,
        affiliate_bps,
    })
}

/// The buyer's review of a settled order's line, by the review form's rules.
async fn review_line(
    tx: &mut Tx,
    order: &OrderImport,
    (line, frozen, line_id): (&LineImport, &Frozen, Id),
    order_id: Id,
    review: &ReviewImport,
) -> Result<()> {
    if !(1..=5).contains(&review.rating) {
        return Err(Error::invalid_field("rating", "1 to 5 stars"));
    }
    let body = carmine_core::text::bounded_text("body", &review.body, 0, REVIEW_CHARS_MAX, true)?;
    if order.received_at.is_some_and(|received| review.created_at < received) {
        return Err(Error::invalid_field("review", "written after the order was received"));
    }
    tx.backdate(review.created_at);
    let new = NewReview {
        id: tx.new_id(),
        order_id,
        line_id,
        product_id: line.product_id,
        store_id: order.store_id,
        author_id: order.buyer,
        rating: review.rating,
        body: &body,
        option_label: &frozen.option_label,
        media_ids: &[],
    };
    if !carmine_store::reviews::insert(tx, &new).await? {
        return Err(Error::new(ErrorCode::AlreadyReviewed));
    }
    tx.emit(DomainEvent::ReviewPosted {
        review_id: new.id,
        product_id: line.product_id,
        store_id: order.store_id,
        rating: review.rating,
    })
    .await?;
    Ok(())
}
