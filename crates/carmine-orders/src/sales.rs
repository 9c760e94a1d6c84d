//! Limited-quantity sale prices — the primitive live flash deals use. A store's staff
//! who edit the catalogue set a variant's sale: a price below its regular price, for
//! a window, up to `quantity` units and `per_member_limit` units per member; a
//! variant has at most one sale in any window.
//!
//! A cart line is priced at the sale price when the sale is on and the whole line
//! fits in what is left of it, for everyone and for this member; otherwise at the
//! regular price. Checkout takes the units by conditional update (`sales::take`); if
//! the sale ran out meanwhile the total changes and checkout answers
//! `price_changed`. A cancelled or expired order gives its units back.

use carmine_accounts::Caller;
use carmine_accounts::orgs::OrgAction;
use carmine_core::event::DomainEvent;
use carmine_core::limits::PRICE_MINOR_MAX;
use carmine_core::{Error, ErrorCode, Id, Result, Timestamp};
use carmine_store::sales::{self as rows, SaleRecord, SaleRow};
use carmine_store::{Conn, products};

use crate::Orders;
use crate::cart::CartLine;

/// The longest a sale may run, and the most units it may offer.
pub const SALE_DAYS_MAX: i64 = 31;
pub const SALE_QUANTITY_MAX: i64 = 1_000_000;

/// A sale as its store writes it.
#[derive(Clone, Debug)]
pub struct SaleInput {
    pub sku_id: Id,
    pub price_minor: i64,
    pub quantity: i64,
    pub per_member_limit: i64,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
}

/// A sale a cart line is priced by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineSale {
    pub sale_id: Id,
    pub price_minor: i64,
}

/// Prices lines by the sales on at `now`: a line gets its variant's sale price when
/// its units fit in what is left of the sale, and of the member's limit.
pub(crate) async fn price_lines(conn: &mut Conn, user: Id, lines: &mut [CartLine], now: Timestamp) -> Result<()> {
    for line in lines.iter_mut() {
        line.sale = None;
        line.sale_missed = None;
        let sales = rows::for_sku(&mut *conn, line.record.sku_id, now).await?;
        let Some(sale) = sales.into_iter().find(|s| s.live(now)) else { continue };
        if sale.price_minor >= line.record.price_minor {
            continue;
        }
        let held = rows::member_units(&mut *conn, sale.id, user).await?;
        let may_take = (sale.quantity - sale.sold).min(sale.per_member_limit - held).max(0);
        if line.record.quantity <= may_take {
            line.sale = Some(LineSale { sale_id: sale.id, price_minor: sale.price_minor });
        } else {
            line.sale_missed = Some((sale.price_minor, may_take));
        }
    }
    Ok(())
}

impl Orders {
    /// Sets a sale price on one of a product's variants.
    pub async fn create_sale(&self, caller: &Caller, product_id: Id, input: &SaleInput) -> Result<SaleRecord> {
        let store_id = self.commerce.authorize_product(caller, product_id, OrgAction::EditCatalogue).await?;
        let range = |field: &str, value: i64, min: i64, max: i64| -> Result<i64> {
            if (min..=max).contains(&value) {
                Ok(value)
            } else {
                Err(Error::invalid_field(field, format!("{min} to {max}")))
            }
        };
        let mut tx = self.db.begin().await?;
        products::lock(&mut tx, product_id).await?;
        let sku = products::skus(tx.conn(), product_id)
            .await?
            .into_iter()
            .find(|s| s.id == input.sku_id && !s.archived)
            .ok_or_else(|| Error::invalid_field("sku_id", "a live variant of this product"))?;
        let price = range("price", input.price_minor, 1, PRICE_MINOR_MAX)?;
        if price >= sku.price_minor {
            return Err(Error::invalid_field("price", "below the variant's price").with_hint("sale-below-price"));
        }
        let days = (input.ends_at.micros() - input.starts_at.micros()) / 86_400_000_000;
        if input.ends_at <= input.starts_at || days > SALE_DAYS_MAX {
            return Err(Error::invalid_field("ends_at", format!("after starts_at, within {SALE_DAYS_MAX} days")));
        }
        let overlaps = rows::for_sku(tx.conn(), sku.id, input.starts_at)
            .await?
            .iter()
            .any(|s| s.starts_at < input.ends_at && input.starts_at < s.ends_at);
        if overlaps {
            return Err(Error::new(ErrorCode::SaleOverlaps));
        }
        let row = SaleRow {
            sku_id: sku.id,
            store_id,
            price_minor: price,
            quantity: range("quantity", input.quantity, 1, SALE_QUANTITY_MAX)?,
            per_member_limit: range("per_member_limit", input.per_member_limit, 1, 100)?,
            starts_at: input.starts_at,
            ends_at: input.ends_at,
        };
        let id = rows::insert(&mut tx, &row, caller.user_id).await?;
        tx.emit(DomainEvent::SaleChanged { sale_id: id, sku_id: sku.id }).await?;
        self.commerce.commit(tx).await?;
        self.sale(id).await
    }

    pub async fn sale(&self, id: Id) -> Result<SaleRecord> {
        Ok(rows::get(&mut *self.db.reader().await?, id).await?.ok_or(ErrorCode::SaleNotFound)?)
    }

    /// A product's sales running or to come, per variant.
    pub async fn product_sales(&self, product_id: Id) -> Result<Vec<SaleRecord>> {
        let mut conn = self.db.reader().await?;
        let now = self.db.now();
        let mut all = Vec::new();
        for sku in products::skus(&mut conn, product_id).await?.iter().filter(|s| !s.archived) {
            all.extend(rows::for_sku(&mut conn, sku.id, now).await?);
        }
        Ok(all)
    }

    /// Ends a sale early (units already taken stay sold at its price).
    pub async fn end_sale(&self, caller: &Caller, sale_id: Id) -> Result<SaleRecord> {
        let sale = self.sale(sale_id).await?;
        let product_id = {
            let mut conn = self.db.reader().await?;
            products::sku_product(&mut conn, sale.sku_id).await?.ok_or(ErrorCode::SaleNotFound)?
        };
        self.commerce
            .authorize_product(caller, product_id, OrgAction::EditCatalogue)
            .await
            .map_err(|_| Error::new(ErrorCode::SaleNotFound))?;
        let mut tx = self.db.begin().await?;
        rows::end(&mut tx, sale_id).await?;
        tx.emit(DomainEvent::SaleChanged { sale_id, sku_id: sale.sku_id }).await?;
        self.commerce.commit(tx).await?;
        self.sale(sale_id).await
    }
}
