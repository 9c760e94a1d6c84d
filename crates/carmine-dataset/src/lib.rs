//! Carmine's dataset format and what reads and writes it: `carmine export DIR`,
//! `carmine import DIR` (the supported way to move between SQLite and PostgreSQL,
//! and to load outside data), and `carmine generate DIR` (a synthetic community).
//!
//! Must never: write a record the API would refuse (beyond the differences
//! `docs/dataset-format.md` lists: history without images), or write part of a record.

mod commerce;
pub mod export;
pub mod format;
pub mod generate;
pub mod import;
mod progress;
mod purchases;

pub use export::{ExportReport, export};
pub use generate::{GenerateReport, Scale, generate};
pub use import::{ImportOptions, ImportReport, import};
