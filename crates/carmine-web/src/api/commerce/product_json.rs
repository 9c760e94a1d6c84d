//! The product JSON buyers read, kept serialized for as long as the commerce
//! service keeps the product it was made from (`carmine_commerce::product_cache`):
//! a popular product's view is built and serialized once, then each read copies
//! bytes. Only the public view is kept — insiders (stock rows) and the operator
//! (the certificate) get theirs made for them — and an entry is reused only while
//! the commerce cache hands out the very same `Arc<Product>`, so a write that
//! clears that cache retires the JSON with it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use carmine_commerce::product_cache::PRODUCTS_MAX;
use carmine_commerce::products::Product;
use carmine_core::Id;

#[derive(Default)]
pub struct ProductJsonMemo {
    kept: Mutex<HashMap<Id, (Arc<Product>, Bytes)>>,
}

impl ProductJsonMemo {
    /// The public JSON of `product`: kept bytes if they were made from this very
    /// product, otherwise `make`'s, kept for the next read.
    pub fn public<E>(&self, product: &Arc<Product>, make: impl FnOnce() -> Result<Bytes, E>) -> Result<Bytes, E> {
        let id = product.record.id;
        if let Some((from, body)) = self.lock().get(&id)
            && Arc::ptr_eq(from, product)
        {
            return Ok(body.clone());
        }
        let body = make()?;
        let mut kept = self.lock();
        if kept.len() >= PRODUCTS_MAX {
            kept.clear();
        }
        kept.insert(id, (Arc::clone(product), body.clone()));
        Ok(body)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Id, (Arc<Product>, Bytes)>> {
        self.kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
