//! The OpenAPI document, generated from the handlers' `#[utoipa::path]` annotations
//! (see `api::router`), plus what no handler describes: the error shape, the
//! security schemes and the document's own route.

use carmine_core::ErrorCode;
use serde::Serialize;
use utoipa::openapi::path::{HttpMethod, Operation, OperationBuilder, PathItem};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{OpenApi, Ref, RefOr, ResponseBuilder};
use utoipa::{OpenApi as _, ToSchema};

pub const PATH: &str = "/api/v1/openapi.json";

/// Every error response: `{"error": {...}}`.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable code; see the description of this document for the table.
    pub code: String,
    pub message: String,
    /// Structured facts about the error, e.g. `{"field": "username"}` or `{"retry_after_seconds": 30}`.
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
    /// Quote this when reporting a problem.
    pub request_id: String,
}

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Carmine API",
        description = "Carmine's JSON API. Ids are decimal strings, times RFC 3339 UTC, money `{amount_minor, currency}`. Lists take `limit` (clamped) and an opaque `cursor` and return `{items, next_cursor}`."
    ),
    components(schemas(ErrorBody, ErrorDetail))
)]
struct ApiDoc;

/// Completes the document the router collected.
pub fn finish(collected: OpenApi) -> OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(collected);
    let mut description = doc.info.description.clone().unwrap_or_default();
    description.push_str("\n\n| code | status | meaning |\n|---|---|---|\n");
    for code in ErrorCode::ALL {
        description.push_str(&format!(
            "| `{}` | {} | {} |\n",
            code.as_str(),
            code.http_status(),
            code.default_message()
        ));
    }
    doc.info.description = Some(description);
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    components
        .add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("carmine_session"))));
    let operation = OperationBuilder::new()
        .operation_id(Some("openapi_document"))
        .summary(Some("This document"))
        .tag("system")
        .response("200", ResponseBuilder::new().description("The OpenAPI document").build())
        .build();
    doc.paths.paths.insert(PATH.to_owned(), PathItem::new(HttpMethod::Get, operation));
    for (path, item) in doc.paths.paths.iter_mut() {
        let open = !path.starts_with("/api/");
        for (is_write, operation) in [
            (false, item.get.as_mut()),
            (true, item.post.as_mut()),
            (true, item.patch.as_mut()),
            (true, item.put.as_mut()),
            (true, item.delete.as_mut()),
        ] {
            if let Some(operation) = operation {
                add_pipeline_errors(operation, path, is_write, open);
            }
        }
    }
    doc
}

/// Documents the errors the request pipeline and the extractors can answer on any
/// route, on top of what each handler documents: so the document lists every status
/// a client can really receive.
fn add_pipeline_errors(operation: &mut Operation, path: &str, is_write: bool, open: bool) {
    let mut add = |status: &str, codes: &str| {
        operation.responses.responses.entry(status.to_owned()).or_insert_with(|| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(codes)
                    .content(
                        "application/json",
                        utoipa::openapi::Content::new(Some(Ref::from_schema_name("ErrorBody"))),
                    )
                    .build(),
            )
        });
    };
    add("500", "`internal` (with a request id to quote)");
    if open {
        return;
    }
    add("429", "`rate_limited`, with `Retry-After`");
    if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
        add("401", "`unauthenticated`, `session_expired`, `invalid_token`");
        add("403", "`account_suspended`, `csrf_failed`");
    }
    if is_write {
        add("403", "`csrf_failed`: a cross-site request, or a session request without its CSRF token");
        add("413", "`payload_too_large`");
    }
    if operation.request_body.is_some() {
        add("400", "`malformed_json`");
        add("415", "`unsupported_media_type`");
        add("422", "`invalid_field`, `unknown_field`, `missing_field`");
    }
    if operation.parameters.as_ref().is_some_and(|p| !p.is_empty()) {
        add("400", "`invalid_cursor`, `malformed_request`");
        add("422", "`invalid_field` (a query parameter)");
    }
    if path.contains('{') {
        add("404", "the object does not exist, or the caller may not know it does");
    }
}
