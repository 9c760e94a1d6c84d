//! Carmine's HTTP face: the `/api/v1` JSON API (described by the OpenAPI document
//! generated from these handlers), the server-rendered pages, and the middleware
//! around both (request ids, client IP, authentication, CSRF, rate limits, security
//! headers, metrics, error rendering).
//!
//! The only crate that knows HTTP, JSON shapes and HTML. It must never contain SQL
//! or business rules: handlers extract, call a context service, and render.

pub mod api;
mod app;
mod assets;
pub mod config;
mod cookies;
mod error;
mod extract;
pub mod i18n;
mod metrics;
mod middleware;
pub mod openapi;
mod pages;
pub mod server;
mod strict_json;

pub use app::{AppState, Application, Services, ServicesConfig, build_router};
pub use config::WebConfig;
pub use error::ApiError;
