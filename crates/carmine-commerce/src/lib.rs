//! The commerce context (ADR 0024): the operator's product category tree with
//! commission rates (`categories`), stores — one per verified brand or merchant
//! organization — with their settings, shipping templates and warehouses
//! (`stores`, `shipping`), the product catalogue (`products`), and shoppable notes
//! with attribution and the notes about a product (`tags`). Checkout (Commerce II)
//! plugs into what this crate keeps.
//!
//! Access: a store is edited through its organization's role matrix
//! (`carmine_accounts::orgs`: every member sees the console, staff edit the
//! catalogue, admins and owners the store itself); a caller outside the organization
//! gets `store_not_found`, as if it did not exist. The operator suspends and
//! reinstates stores and keeps the category tree, each action in the audit log.
//!
//! Must never: know HTTP, or move money (that is `carmine-ledger`'s, called by checkout).

pub mod catalogue_csv;
pub mod categories;
pub mod imported;
pub mod product_cache;
pub mod products;
pub mod rankings;
pub mod regions;
pub mod shipping;
pub mod stores;
pub mod tags;

pub use categories::{Category, CategoryInput};
pub use shipping::TemplateInput;
pub use stores::{Store, StoreAccess, StoreInput};

use carmine_accounts::Accounts;
use carmine_core::money::{Currency, Money};
use carmine_core::{Error, ErrorCode, Result};
use carmine_events::CesWeights;
use carmine_notes::Notes;
use carmine_store::{Db, Tx};

/// How commerce is set up.
#[derive(Clone, Debug)]
pub struct CommerceConfig {
    /// The instance's currency (the ledger's): every price, fee and threshold is in it.
    pub currency: Currency,
    /// Days a tap on a note's product tag attributes a purchase to the note.
    pub attribution_days: i64,
    /// How engagement counts when ranking the notes about a product (the feed's).
    pub ces: CesWeights,
}

impl Default for CommerceConfig {
    fn default() -> Self {
        CommerceConfig { currency: Currency::CNY, attribution_days: 7, ces: CesWeights::default() }
    }
}

/// The commerce service: one per process, cheap to clone.
#[derive(Clone)]
pub struct Commerce {
    db: Db,
    accounts: Accounts,
    notes: Notes,
    config: CommerceConfig,
    /// The notes about each product, ranked (kept a minute).
    rankings: rankings::Rankings,
    /// Products as buyers see them (kept a second; cleared by every write).
    product_cache: product_cache::ProductCache,
}

impl Commerce {
    pub fn new(db: Db, accounts: Accounts, notes: Notes, config: CommerceConfig) -> Self {
        Commerce { db, accounts, notes, config, rankings: Default::default(), product_cache: Default::default() }
    }

    /// Commits a commerce write and forgets the products kept for buyers, so the
    /// next read in this process sees it. Every commerce write commits here.
    pub async fn commit(&self, tx: Tx) -> Result<()> {
        tx.commit().await?;
        self.product_cache.clear();
        Ok(())
    }

    pub fn currency(&self) -> Currency {
        self.config.currency
    }

    /// Days a tap on a note's product tag attributes a purchase to the note.
    pub fn attribution_days(&self) -> i64 {
        self.config.attribution_days
    }
}

/// An amount a client sent for `field`: in the instance's `currency`, within
/// `0..=max` (`positive` also refuses zero).
pub(crate) fn amount(currency: Currency, field: &str, money: Money, positive: bool, max: i64) -> Result<i64> {
    if money.currency != currency {
        return Err(Error::new(ErrorCode::UnsupportedCurrency).with_details(serde_json::json!({
            "field": field,
            "currency": currency.as_str(),
        })));
    }
    let amount = money.amount_minor;
    if amount < i64::from(positive) || amount > max {
        return Err(Error::new(ErrorCode::InvalidAmount)
            .with_message(format!("{field}: must be {} to {max} minor units", i64::from(positive)))
            .with_details(serde_json::json!({ "field": field, "max": max })));
    }
    Ok(amount)
}
