//! Request extractors with Carmine's error shapes: JSON bodies that refuse unknown
//! fields (an allowlist: no mass assignment), queries, forms, and the caller.

use std::net::IpAddr;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use bytes::Bytes;
use carmine_accounts::Caller;
use carmine_core::{Error, ErrorCode, Id};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::error::ApiError;

/// What the middleware learned about a request before it reached the handler.
#[derive(Clone, Debug)]
pub struct RequestContext {
    pub client_ip: IpAddr,
    pub caller: Option<Caller>,
    /// Why a presented credential was not accepted (expired session, revoked token).
    pub auth_problem: Option<ErrorCode>,
}

impl<S: Send + Sync> FromRequestParts<S> for RequestContext {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<RequestContext>()
            .cloned()
            .ok_or_else(|| ApiError(Error::internal("request context middleware is not installed")))
    }
}

/// An authenticated, active member; otherwise 401 (`unauthenticated`,
/// `session_expired` or `invalid_token`).
pub struct Member(pub Caller);

impl<S: Send + Sync> FromRequestParts<S> for Member {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let context = RequestContext::from_request_parts(parts, state).await?;
        match context.caller {
            Some(caller) => Ok(Member(caller)),
            None => Err(ApiError(Error::new(context.auth_problem.unwrap_or(ErrorCode::Unauthenticated)))),
        }
    }
}

/// An administrator; otherwise 401 like [`Member`], or 403 `admin_only` — before the
/// request's body is looked at, so an operator route tells a stranger nothing about
/// what it accepts.
pub struct Admin(pub Caller);

impl<S: Send + Sync> FromRequestParts<S> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Member(caller) = Member::from_request_parts(parts, state).await?;
        if caller.is_admin { Ok(Admin(caller)) } else { Err(ApiError(Error::new(ErrorCode::AdminOnly))) }
    }
}

/// A JSON body: `application/json`, within the body limit (413), valid JSON (400
/// `malformed_json`), and exactly the fields the route accepts (422 naming the field).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let body = CheckLater::<T>::from_request(request, state).await?;
        body.parse().map(ApiJson).map_err(ApiError)
    }
}

/// A JSON body read now (within the limits: 413, 408) and checked only when the
/// handler calls [`CheckLater::parse`] — after its access check, so a member who may
/// not act on an organization learns 404 or 403, never what the body lacks.
pub struct CheckLater<T> {
    is_json: bool,
    bytes: Bytes,
    _type: std::marker::PhantomData<T>,
}

impl<T: DeserializeOwned> CheckLater<T> {
    /// The body as [`ApiJson`] would have taken it (415, 400, 422).
    pub fn parse(&self) -> Result<T, Error> {
        if !self.is_json {
            return Err(Error::new(ErrorCode::UnsupportedMediaType));
        }
        parse_json(&self.bytes)
    }
}

impl<T, S: Send + Sync> FromRequest<S> for CheckLater<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json =
            request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| {
                v.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError(Error::new(ErrorCode::PayloadTooLarge))
            } else if crate::server::is_body_timeout(&rejection) {
                ApiError(Error::new(ErrorCode::RequestTimeout))
            } else {
                ApiError(Error::new(ErrorCode::MalformedRequest))
            }
        })?;
        Ok(CheckLater { is_json, bytes, _type: std::marker::PhantomData })
    }
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    // Syntax first (400), then the shape, strictly: an object where one is wanted.
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|_| Error::new(ErrorCode::MalformedJson))?;
    serde_path_to_error::deserialize(crate::strict_json::Strict(&value)).map_err(|error| {
        let path = error.path().to_string();
        classify_json_error(&path, &error.into_inner())
    })
}

fn classify_json_error(path: &str, error: &serde_json::Error) -> Error {
    use serde_json::error::Category;
    match error.classify() {
        Category::Syntax | Category::Eof | Category::Io => Error::new(ErrorCode::MalformedJson),
        Category::Data => {
            let message = error.to_string();
            let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
            let named = |prefix: &str| {
                message.strip_prefix(prefix).and_then(|rest| rest.split('`').nth(1)).map(|field| {
                    let at_root = path == "." || path.is_empty();
                    if at_root {
                        field.to_owned()
                    } else if path.ends_with(field) {
                        path.to_owned()
                    } else {
                        format!("{path}.{field}")
                    }
                })
            };
            if let Some(field) = named("unknown field") {
                Error::new(ErrorCode::UnknownField)
                    .with_message(format!("unknown field {field}"))
                    .with_details(json!({ "field": field }))
            } else if let Some(field) = named("missing field") {
                Error::new(ErrorCode::MissingField)
                    .with_message(format!("missing field {field}"))
                    .with_details(json!({ "field": field }))
            } else {
                let field = if path == "." { String::new() } else { path.to_owned() };
                Error::new(ErrorCode::InvalidField)
                    .with_message(format!("{field}: {message}"))
                    .with_details(json!({ "field": field, "reason": message }))
            }
        }
    }
}

/// A query string; a value of the wrong type is a 422 naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        axum::extract::Query::<T>::try_from_uri(&parts.uri).map(|q| ApiQuery(q.0)).map_err(|rejection| {
            let reason = rejection.body_text();
            ApiError(
                Error::new(ErrorCode::InvalidField)
                    .with_message(format!("invalid query: {reason}"))
                    .with_details(json!({ "field": "query", "reason": reason, "query_len": query.len() })),
            )
        })
    }
}

/// An id in a path: anything that is not one names no object, so it is a 404 with
/// the caller's choice of code.
pub fn path_id(raw: &str, not_found: ErrorCode) -> Result<Id, ApiError> {
    raw.parse().map_err(|_| ApiError(Error::new(not_found)))
}

/// For `Option<Option<T>>` fields with `#[serde(default)]`: absent → `None`,
/// `null` → `Some(None)`, a value → `Some(Some(value))`.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// The ad token a request carries (the `Carmine-Ad-Token` header, or the cookie a
/// tap on a sponsored card set): a like, save, comment, share, follow or read it
/// brings to the ad's note is paid engagement (ADR 0031).
pub struct AdToken(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for AdToken {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(AdToken(crate::cookies::ad_token(&parts.headers)))
    }
}

impl AdToken {
    /// The ad, and its note, the token brought `viewer` (`m{member}` or
    /// `v{visitor}`) to, if any.
    pub async fn brought(&self, state: &crate::app::AppState, viewer: &str) -> Option<(Id, Id)> {
        state.ads().brought(self.0.as_deref()?, viewer).await
    }

    /// The ad whose card brought `caller` to `note`, if what they do with it now is
    /// paid engagement.
    pub async fn via(&self, state: &crate::app::AppState, caller: &Caller, note: Id) -> Option<Id> {
        let (ad, brought_to) = self.brought(state, &format!("m{}", caller.user_id)).await?;
        (brought_to == note).then_some(ad)
    }
}
