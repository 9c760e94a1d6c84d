//! Carmine's shared vocabulary: ids, time, money, error codes, pagination cursors,
//! limits, validated names and the catalogue of domain events.
//!
//! Everything here is plain data and pure functions. This crate must never perform
//! IO (no database, no network, no files) and never depend on another Carmine crate,
//! so every other crate can use it without pulling anything in.

pub mod clock;
pub mod csv;
pub mod cursor;
pub mod error;
pub mod event;
pub mod id;
pub mod limits;
pub mod money;
pub mod ratelimit;
pub mod secret;
pub mod text;

pub use clock::{Clock, Timestamp};
pub use error::{Error, ErrorCode, FieldRule, Result};
pub use id::{Id, IdGenerator};
