//! A member's cart: variants across stores with a quantity each (1 to
//! [`CART_QUANTITY_MAX`], at most [`CART_LINES_MAX`] lines). Reading it says what
//! changed since a line was put there: the price, the stock left, or that the item
//! is no longer for sale. Nothing is reserved until checkout.

use carmine_core::event::DomainEvent;
use carmine_core::limits::{CART_LINES_MAX, CART_QUANTITY_MAX};
use carmine_core::{Error, ErrorCode, FieldRule, Id, Result};
use carmine_store::orders::{self as rows, CartLineRecord};
use serde_json::json;

use crate::Orders;

/// What keeps a cart line from being bought as it stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineProblem {
    /// Archived variant, product no longer active, or store suspended.
    NotForSale,
    /// Fewer units are free than the line asks for.
    OutOfStock { available: i64 },
}

impl LineProblem {
    pub fn code(self) -> &'static str {
        match self {
            LineProblem::NotForSale => "not_for_sale",
            LineProblem::OutOfStock { .. } => "out_of_stock",
        }
    }
}

/// A cart line as the buyer sees it now.
#[derive(Clone, Debug)]
pub struct CartLine {
    pub record: CartLineRecord,
    pub problem: Option<LineProblem>,
    /// The price when the line was put in the cart, if it has changed since.
    pub price_was: Option<i64>,
    /// The limited-quantity sale that prices it now, if any (module `sales`).
    pub sale: Option<crate::sales::LineSale>,
    /// A sale on now that this line is too large for: (its price, the units of it the
    /// member may still buy at that price).
    pub sale_missed: Option<(i64, i64)>,
}

impl CartLine {
    pub fn new(record: CartLineRecord) -> CartLine {
        let for_sale = !record.sku_archived && record.product_status == "active" && record.store_status == "open";
        let problem = if !for_sale {
            Some(LineProblem::NotForSale)
        } else if record.available < record.quantity {
            Some(LineProblem::OutOfStock { available: record.available.max(0) })
        } else {
            None
        };
        let price_was = (record.price_seen_minor != record.price_minor).then_some(record.price_seen_minor);
        CartLine { record, problem, price_was, sale: None, sale_missed: None }
    }

    /// What one unit costs now: the sale price when a sale prices the line.
    pub fn unit_price_minor(&self) -> i64 {
        self.sale.map_or(self.record.price_minor, |s| s.price_minor)
    }

    pub fn line_total_minor(&self) -> i64 {
        self.unit_price_minor() * self.record.quantity
    }
}

pub(crate) fn check_quantity(quantity: i64) -> Result<()> {
    if !(1..=CART_QUANTITY_MAX).contains(&quantity) {
        return Err(Error::invalid_field("quantity", format!("1 to {CART_QUANTITY_MAX}"))
            .with_message(format!("Choose a quantity from 1 to {CART_QUANTITY_MAX}."))
            .with_details(json!({ "field": "quantity", "min": 1, "max": CART_QUANTITY_MAX })));
    }
    Ok(())
}

impl Orders {
    /// The member's cart, by store.
    pub async fn cart(&self, user: Id) -> Result<Vec<CartLine>> {
        let mut conn = self.db.reader().await?;
        let records = rows::cart(&mut conn, user).await?;
        let mut lines: Vec<CartLine> = records.into_iter().map(CartLine::new).collect();
        crate::sales::price_lines(&mut conn, user, &mut lines, self.db.now()).await?;
        Ok(lines)
    }

    /// Puts `quantity` of a variant in the cart — added to what the line holds when
    /// `add`, else replacing it. Refused when the variant is not for sale, or when
    /// fewer units are free than the line would ask for.
    pub async fn put_in_cart(&self, user: Id, sku_id: Id, quantity: i64, add: bool) -> Result<Vec<CartLine>> {
        check_quantity(quantity)?;
        let mut tx = self.db.begin().await?;
        let offer = rows::sku_offer(tx.conn(), sku_id).await?.ok_or_else(|| Error::new(ErrorCode::ProductNotFound))?;
        if !offer.for_sale {
            return Err(Error::new(ErrorCode::NotForSale).with_details(json!({ "sku_id": sku_id.to_string() })));
        }
        let (held, lines) = rows::cart_line_quantity(&mut tx, user, sku_id).await?;
        if held == 0 && lines >= CART_LINES_MAX as i64 {
            return Err(Error::new(ErrorCode::CartFull).with_details(json!({ "max": CART_LINES_MAX })));
        }
        let wanted = if add { held + quantity } else { quantity };
        if wanted > CART_QUANTITY_MAX {
            return Err(Error::broke_rule("quantity", FieldRule::TooMany(CART_QUANTITY_MAX as usize))
                .with_details(json!({ "field": "quantity", "max": CART_QUANTITY_MAX, "in_cart": held })));
        }
        if wanted > offer.available {
            let message = match offer.available.max(0) {
                0 => "This is sold out.".to_owned(),
                left => format!("Only {left} left; you asked for {wanted}."),
            };
            return Err(Error::new(ErrorCode::OutOfStock).with_message(message).with_details(json!({
                "sku_id": sku_id.to_string(),
                "available": offer.available.max(0),
            })));
        }
        rows::put_cart_line(&mut tx, user, sku_id, wanted, offer.price_minor).await?;
        tx.emit(DomainEvent::CartChanged { user_id: user, sku_id, quantity: wanted }).await?;
        tx.commit().await?;
        self.cart(user).await
    }

    /// Takes a variant out of the cart.
    pub async fn remove_from_cart(&self, user: Id, sku_id: Id) -> Result<Vec<CartLine>> {
        let mut tx = self.db.begin().await?;
        if !rows::remove_cart_line(&mut tx, user, sku_id).await? {
            return Err(Error::new(ErrorCode::CartLineNotFound));
        }
        tx.emit(DomainEvent::CartChanged { user_id: user, sku_id, quantity: 0 }).await?;
        tx.commit().await?;
        self.cart(user).await
    }

    /// Units of all lines in the cart (the badge on the cart link).
    pub async fn cart_units(&self, user: Id) -> Result<i64> {
        Ok(self.cart(user).await?.iter().map(|l| l.record.quantity).sum())
    }
}
