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
                name_error_codes(operation, path);
            }
        }
    }
    doc
}

/// Adds `codes` to the description of the `status` response (created if missing),
/// each once.
fn mention(operation: &mut Operation, status: &str, codes: &[&str]) {
    let entry = operation.responses.responses.entry(status.to_owned()).or_insert_with(|| {
        RefOr::T(
            ResponseBuilder::new()
                .content("application/json", utoipa::openapi::Content::new(Some(Ref::from_schema_name("ErrorBody"))))
                .build(),
        )
    });
    let RefOr::T(response) = entry else { return };
    for code in codes {
        let quoted = format!("`{code}`");
        if !response.description.contains(&quoted) {
            if !response.description.is_empty() {
                response.description.push_str(", ");
            }
            response.description.push_str(&quoted);
        }
    }
}

/// The code answered when the object a path names does not exist (or the caller
/// may not know it does), from the path's last named segment.
fn not_found_code(path: &str) -> &'static str {
    let segments: Vec<&str> = path.split('/').collect();
    let named = segments.windows(2).rev().find(|w| w[1].starts_with('{')).map(|w| w[0]).unwrap_or("");
    match named {
        "notes" => "note_not_found",
        "comments" => "comment_not_found",
        "boards" => "board_not_found",
        "orgs" => "org_not_found",
        "members" | "users" => "user_not_found",
        "actors" => "actor_not_found",
        "tokens" => "token_not_found",
        "sessions" => "session_not_found",
        "invitations" => "invitation_not_found",
        "verifications" => "verification_not_found",
        "media" => "media_not_found",
        "reports" => "report_not_found",
        "jobs" => "job_not_found",
        "transactions" => "transaction_not_found",
        "payments" => "payment_not_found",
        "payouts" => "payout_not_found",
        _ => "route_not_found",
    }
}

/// Every response says what it is and every error response names the codes it can
/// carry (clients branch on codes, never on messages): idempotent money routes list
/// the key's codes, routes taking an amount the amount's, and an error response a
/// handler left without words gets the codes its status and path imply.
fn name_error_codes(operation: &mut Operation, path: &str) {
    let keyed = operation
        .parameters
        .iter()
        .flatten()
        .any(|p| matches!(p, RefOr::T(p) if p.name == "Idempotency-Key" && p.parameter_in == utoipa::openapi::path::ParameterIn::Header));
    if keyed {
        mention(operation, "409", &["idempotency_key_in_use"]);
        mention(operation, "422", &["invalid_idempotency_key", "idempotency_key_reused"]);
        mention(operation, "428", &["idempotency_key_required"]);
    }
    let takes_amount = ["/top-ups", "/payouts", "/refunds", "/gifts"].iter().any(|p| path.ends_with(p));
    if takes_amount && operation.request_body.is_some() {
        mention(operation, "422", &["invalid_amount", "unsupported_currency"]);
    }
    let forbidden = if path.starts_with("/api/v1/admin") {
        "admin_only"
    } else if path.contains("{org}") {
        "role_too_low"
    } else {
        "forbidden"
    };
    let not_found = not_found_code(path);
    for (status, response) in operation.responses.responses.iter_mut() {
        let RefOr::T(response) = response else { continue };
        if !response.description.is_empty() {
            continue;
        }
        response.description = match status.as_str() {
            "200" => "Success".to_owned(),
            "201" => "Created".to_owned(),
            "202" => "Accepted".to_owned(),
            "204" => "Done; no body".to_owned(),
            "400" => "`malformed_request`".to_owned(),
            "401" => "`unauthenticated`, `session_expired`, `invalid_token`".to_owned(),
            "403" => format!("`{forbidden}`"),
            "404" => format!("`{not_found}`: it does not exist, or the caller may not know it does"),
            "413" => "`payload_too_large`".to_owned(),
            "422" => "`invalid_field`, `unknown_field`, `missing_field`".to_owned(),
            "428" => "`idempotency_key_required`".to_owned(),
            other => format!("see the error table for status {other}"),
        };
    }
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
        let not_found = format!("`{}`: it does not exist, or the caller may not know it does", not_found_code(path));
        add("404", &not_found);
    }
}
