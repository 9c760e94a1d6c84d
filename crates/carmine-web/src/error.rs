//! How errors leave the server. Handlers return [`ApiError`] (a context's
//! [`carmine_core::Error`]); the response middleware then renders it once, with the
//! request id: JSON `{"error": {code, message, details, request_id}}` under `/api`,
//! an HTML page elsewhere. Internal errors are logged with their cause chain and
//! reach the client as `internal` with nothing else. Responses axum produces on its
//! own (404 for no route, 405, 413) are given the same shape.

use std::sync::Arc;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use carmine_core::{Error, ErrorCode};
use serde_json::json;

/// A handler's error. Renders through the middleware (see module docs).
#[derive(Debug)]
pub struct ApiError(pub Error);

impl<E: Into<Error>> From<E> for ApiError {
    fn from(error: E) -> Self {
        ApiError(error.into())
    }
}

/// The error travelling from a handler to the middleware inside the response.
#[derive(Clone)]
pub(crate) struct PendingError(pub Arc<Error>);

/// Marks a response whose error status and body a handler rendered itself
/// (a page re-shown with a form error): the middleware leaves it alone.
#[derive(Clone, Copy)]
pub(crate) struct Rendered;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = status.into_response();
        response.extensions_mut().insert(PendingError(Arc::new(self.0)));
        response
    }
}

/// The error to render for a response, if it is one we have not rendered yet.
pub(crate) fn pending(response: &Response) -> Option<Arc<Error>> {
    if response.extensions().get::<Rendered>().is_some() {
        return None;
    }
    if let Some(PendingError(error)) = response.extensions().get::<PendingError>() {
        return Some(error.clone());
    }
    let code = match response.status() {
        StatusCode::NOT_FOUND => ErrorCode::RouteNotFound,
        StatusCode::METHOD_NOT_ALLOWED => ErrorCode::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::UnsupportedMediaType,
        status if status.is_client_error() => ErrorCode::MalformedRequest,
        status if status.is_server_error() => ErrorCode::Internal,
        _ => return None,
    };
    Some(Arc::new(Error::new(code)))
}

pub(crate) fn log(error: &Error, request_id: &str) {
    if error.code == ErrorCode::Internal {
        let mut chain = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            chain.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        tracing::error!(request_id, error = %chain, "internal error");
    } else {
        tracing::debug!(request_id, code = error.code.as_str(), "request refused");
    }
}

/// The JSON body of an API error.
pub(crate) fn json_response(error: &Error, request_id: &str) -> Response {
    let status = StatusCode::from_u16(error.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let message = crate::i18n::error_message(error);
    let mut body = json!({ "code": error.code.as_str(), "message": message, "request_id": request_id });
    if let Some(details) = &error.details
        && error.code != ErrorCode::Internal
    {
        body["details"] = details.clone();
    }
    let mut response = (status, axum::Json(json!({ "error": body }))).into_response();
    add_retry_after(&mut response, error);
    response
}

pub(crate) fn add_retry_after(response: &mut Response, error: &Error) {
    if let Some(seconds) = error.details.as_ref().and_then(|d| d["retry_after_seconds"].as_u64()) {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
}
