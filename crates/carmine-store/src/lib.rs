//! The only SQL in Carmine.
//!
//! A [`Db`] handle runs the same static SQL on SQLite (the embedded default) or
//! PostgreSQL (the scale path); a [`Tx`] is one write transaction that services of
//! several contexts share, so a request changes them atomically, together with the
//! outbox event it appends. One module of queries per context; migrations per backend.
//!
//! Must never: know about HTTP or JSON shapes, hold business rules beyond what a
//! constraint or a conditional `UPDATE` expresses, or expose a trait that would
//! invite a fake of our own database.

mod db;
mod db_error;
pub mod migrate;

pub mod actors;
pub mod ads;
pub mod after_sales;
pub mod audit;
pub mod backup;
pub mod behaviour;
pub mod boards;
mod bulk;
pub mod categories;
pub mod ceiling;
pub mod comment_likes;
pub mod comments;
pub mod coupons;
pub mod dataset;
pub mod follows;
pub mod fulfilment;
pub mod idempotency;
pub mod interests;
pub mod jobs;
pub mod ledger;
pub mod likes;
pub mod log;
pub mod media;
pub mod notes;
pub mod notifications;
pub mod orders;
pub mod orgs;
pub mod outbox;
pub mod payments;
pub mod product_tags;
pub mod products;
pub mod reviews;
pub mod safety;
pub mod sales;
pub mod sandbox;
pub mod search;
pub mod secrets;
pub mod sessions;
pub mod stats;
pub mod stores;
pub mod tokens;
pub mod users;

#[cfg(feature = "testing")]
pub mod testing;

pub use db::{Backend, Conn, Db, DbOptions, Tx};
pub use db_error::{StoreError, UniqueViolation};

/// Result of a store call: database failures are internal errors, except the
/// unique violations callers ask about by name.
pub type StoreResult<T> = Result<T, StoreError>;
