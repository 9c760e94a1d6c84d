//! Products as buyers see them, kept in memory for about a second: a popular
//! product's page is read far more often than it changes, and loading one costs
//! several database reads (the product with its store, images, variants with stock,
//! warehouses, the category path).
//!
//! - Only the public view is kept (what a visitor or a member outside the store's
//!   organization sees); insiders and the operator always read the database.
//! - Any commerce write committed in this process clears the whole cache at once
//!   (`clear`), so a merchant never sees their own change undone; writes by other
//!   processes show within `FRESH_MILLIS`.
//! - At most `PRODUCTS_MAX` products are kept; when full, the cache starts over.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use carmine_core::Id;

use crate::products::Product;

/// How long a kept product is served without reading the database again.
pub const FRESH_MILLIS: u64 = 1_000;
/// Products kept at once: a product is at most 200 variants and 18 images (tens of
/// kilobytes), so the cache, and the JSON the web layer keeps beside it, stay within
/// some hundreds of megabytes even for the largest products.
pub const PRODUCTS_MAX: usize = 2_000;

struct Kept {
    at: Instant,
    product: Arc<Product>,
}

#[derive(Default)]
struct Inner {
    /// Bumped by every `clear`, so a load that began before a write cannot put a
    /// stale product back.
    generation: u64,
    kept: HashMap<Id, Kept>,
}

#[derive(Clone, Default)]
pub struct ProductCache {
    inner: Arc<Mutex<Inner>>,
}

impl ProductCache {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The kept public view of `product_id`, if it was loaded less than
    /// `FRESH_MILLIS` ago.
    pub fn fresh(&self, product_id: Id) -> Option<Arc<Product>> {
        let inner = self.lock();
        let kept = inner.kept.get(&product_id)?;
        (kept.at.elapsed() < Duration::from_millis(FRESH_MILLIS)).then(|| Arc::clone(&kept.product))
    }

    /// The generation to pass to `keep` for a load starting now.
    pub fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// Keeps a public view loaded since `generation` was read (dropped if a write
    /// cleared the cache meanwhile, and never an insider's view or a draft).
    pub fn keep(&self, generation: u64, product: Arc<Product>) {
        let mut inner = self.lock();
        if inner.generation != generation || product.insider || product.record.status == "draft" {
            return;
        }
        if inner.kept.len() >= PRODUCTS_MAX {
            inner.kept.clear();
        }
        inner.kept.insert(product.record.id, Kept { at: Instant::now(), product });
    }

    /// Forgets every product (after any commerce write).
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.kept.clear();
    }
}
