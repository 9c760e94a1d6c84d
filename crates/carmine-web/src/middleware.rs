//! The request pipeline every request passes through, in order: request id →
//! client IP (trusted proxies only) → credential (Bearer token or session cookie) →
//! CSRF for state changes → rate limit → handler → error rendering → security
//! headers → metrics and one log line.
//!
//! CSRF rule: a state-changing request (not GET/HEAD/OPTIONS) is refused with
//! `csrf_failed` when the browser says it is cross-site (`Sec-Fetch-Site`) or its
//! `Origin` is not ours; and when it is authenticated by the session cookie it must
//! also carry the session's CSRF token in `X-CSRF-Token`, a `_csrf` form field, or —
//! for multipart file forms only — a `_csrf` query parameter.
//! Bearer-token requests carry no ambient authority and skip both checks.
//! Pages and the API hand the token out masked (`mask_csrf`: a fresh random pad and
//! the token XOR the pad, in hex), different in every response, so a compressed page
//! never repeats it (BREACH); either form is accepted.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use carmine_accounts::Credential;
use carmine_core::limits::FORM_BODY_BYTES_MAX;
use carmine_core::secret::{constant_time_eq, random_bytes};
use carmine_core::{Error, ErrorCode};

use crate::app::AppState;
use crate::cookies;
use crate::error::{self, ApiError};
use crate::extract::RequestContext;
use crate::i18n::Locale;

/// The route template a request matched, carried out to the metrics.
#[derive(Clone)]
pub(crate) struct MatchedRoute(pub String);

/// Runs inside the router (after matching) to record the route template.
pub(crate) async fn record_route(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map(|m| m.as_str().to_owned());
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(MatchedRoute(route));
    }
    response
}

pub(crate) async fn pipeline(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id: String = random_bytes(8).iter().map(|b| format!("{b:02x}")).collect();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let is_api = path.starts_with("/api/") || is_operational(&path);
    let headers = request.headers().clone();
    let default_locale = state.web_config().default_locale;
    let here = (!is_api).then(|| return_path(&state, &method, request.uri(), &headers)).flatten();
    let frame = |locale| crate::i18n::Frame { locale, now: state.accounts().db().now(), here: here.clone() };

    let (response, clear_cookie, caller, frame) = match admit(&state, request).await {
        Ok((request, context)) => {
            let clear = context.auth_problem.is_some() && context.caller.is_none();
            let caller = context.caller.clone();
            let setting = caller.as_ref().and_then(|c| c.locale.as_deref());
            let frame = frame(Locale::negotiate(setting, &headers, default_locale));
            let mut request = request;
            request.extensions_mut().insert(context);
            (frame.clone().scope(next.run(request)).await, clear, caller, frame)
        }
        Err(error) => {
            (ApiError(error).into_response(), false, None, frame(Locale::negotiate(None, &headers, default_locale)))
        }
    };
    let route = response.extensions().get::<MatchedRoute>().map_or("unmatched", |r| r.0.as_str()).to_owned();

    let mut response = match error::pending(&response) {
        Some(error) => {
            error::log(&error, &request_id);
            let mut rendered = frame.sync_scope(|| {
                if is_api {
                    error::json_response(&error, &request_id)
                } else {
                    crate::pages::error_page(&error, &request_id, caller.as_ref())
                }
            });
            for (name, value) in response.headers() {
                if name == header::SET_COOKIE || name == header::LOCATION {
                    rendered.headers_mut().append(name, value.clone());
                }
            }
            rendered
        }
        None => response,
    };
    if clear_cookie {
        response.headers_mut().append(header::SET_COOKIE, cookies::clear_session(state.web_config()));
    }
    security_headers(response.headers_mut(), state.web_config().is_https());
    if !path.starts_with("/static/") && !path.starts_with("/media/") {
        // The language comes from these headers (and the member's setting, in the cookie's session).
        response.headers_mut().insert(header::VARY, HeaderValue::from_static("Accept-Language, Cookie"));
    }
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }

    let seconds = started.elapsed().as_secs_f64();
    let status = response.status().as_u16();
    state.metrics().observe_request(method.as_str(), &route, status, seconds);
    tracing::info!(request_id, method = %method, path, route, status, latency_ms = seconds * 1000.0, "request");
    response
}

/// The page a visitor returns to after logging in from this request: a GET's own
/// path and query; for a form, the same-origin page it was sent from (a POST is never
/// replayed). Only paths on this site (`pages::local_path`'s rule).
fn return_path(state: &AppState, method: &Method, uri: &axum::http::Uri, headers: &HeaderMap) -> Option<Arc<str>> {
    let path = if method == Method::GET || method == Method::HEAD {
        uri.path_and_query().map(|p| p.as_str().to_owned())
    } else {
        let referer = headers.get(header::REFERER).and_then(|v| v.to_str().ok())?;
        referer.strip_prefix(state.web_config().origin()).filter(|rest| rest.starts_with('/')).map(str::to_owned)
    }?;
    let local = path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') && path.len() <= 1024;
    let account_page =
        ["/login", "/signup", "/logout"].iter().any(|p| path == *p || path.starts_with(&format!("{p}?")));
    (local && !account_page).then(|| Arc::from(path))
}

/// Everything that happens before the handler; an error ends the request here.
async fn admit(state: &AppState, request: Request) -> Result<(Request, RequestContext), Error> {
    let client_ip = client_ip(state, &request);
    let path = request.uri().path();
    // Static files and images (whose URLs carry an unguessable key) need no credentials.
    let open = path.starts_with("/static/") || path.starts_with("/media/") || is_operational(path);
    let mut context = RequestContext { client_ip, caller: None, auth_problem: None };
    if open {
        return Ok((request, context));
    }

    let accounts = state.accounts();
    if let Some(bearer) = bearer_token(request.headers()) {
        context.caller = Some(accounts.authenticate_bearer(&bearer).await?);
    } else if let Some(token) = cookies::read(request.headers(), state.web_config().session_cookie_name()) {
        match accounts.authenticate_session(&token).await {
            Ok(caller) => context.caller = Some(caller),
            Err(e)
                if matches!(
                    e.code,
                    ErrorCode::Unauthenticated | ErrorCode::SessionExpired | ErrorCode::AccountSuspended
                ) =>
            {
                context.auth_problem = Some(e.code);
            }
            Err(e) => return Err(e),
        }
    }

    let request = if is_state_change(request.method()) { check_csrf(state, request, &context).await? } else { request };

    let key = match &context.caller {
        Some(caller) => format!("user:{}", caller.user_id),
        None => format!("ip:{client_ip}"),
    };
    if let Err(seconds) = state.request_limiter().hit(&key, state.accounts().db().now()) {
        return Err(
            Error::new(ErrorCode::RateLimited).with_details(serde_json::json!({ "retry_after_seconds": seconds }))
        );
    }
    Ok((request, context))
}

/// Probes for operators and load balancers: no credentials, no rate limit, JSON errors.
fn is_operational(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics")
}

fn is_state_change(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

async fn check_csrf(state: &AppState, request: Request, context: &RequestContext) -> Result<Request, Error> {
    let session_csrf = match context.caller.as_ref().map(|c| &c.credential) {
        Some(Credential::ApiToken { .. }) => return Ok(request),
        Some(Credential::Audit { .. }) => return Err(Error::new(ErrorCode::Forbidden)),
        Some(Credential::Session { csrf_token, .. }) => Some(csrf_token.clone()),
        None => None,
    };
    let headers = request.headers();
    let refused = || Error::new(ErrorCode::CsrfFailed);
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return Err(refused());
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
        && !is_own_origin(state, headers, origin)
    {
        return Err(refused());
    }
    let Some(expected) = session_csrf else {
        return Ok(request);
    };
    if let Some(sent) = headers.get("x-csrf-token").and_then(|v| v.to_str().ok()) {
        return if csrf_matches(sent.as_bytes(), &expected) { Ok(request) } else { Err(refused()) };
    }
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if content_type.starts_with("multipart/form-data") {
        // File forms carry the token in their action URL: the body may be megabytes of images.
        let query = request.uri().query().unwrap_or("");
        let valid = query
            .split('&')
            .filter_map(|pair| pair.strip_prefix("_csrf="))
            .any(|sent| csrf_matches(sent.as_bytes(), &expected));
        return if valid { Ok(request) } else { Err(refused()) };
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Err(refused());
    }
    let (parts, body) = request.into_parts();
    let bytes =
        axum::body::to_bytes(body, FORM_BODY_BYTES_MAX).await.map_err(|_| Error::new(ErrorCode::PayloadTooLarge))?;
    let sent =
        bytes.split(|b| *b == b'&').filter_map(|pair| pair.strip_prefix(b"_csrf=")).next().ok_or_else(refused)?;
    if !csrf_matches(sent, &expected) {
        return Err(refused());
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// The session's CSRF token as one response hands it out: a random pad and the token
/// XOR the pad, hex-encoded — a different string every time, the same token inside.
pub(crate) fn mask_csrf(token: &str) -> String {
    let pad = random_bytes(token.len());
    let masked: Vec<u8> = token.bytes().zip(&pad).map(|(t, p)| t ^ p).collect();
    format!("{}{}", hex::encode(pad), hex::encode(masked))
}

/// Whether a sent token is the session's, as given or masked.
fn csrf_matches(sent: &[u8], expected: &str) -> bool {
    if constant_time_eq(sent, expected.as_bytes()) {
        return true;
    }
    let Ok(decoded) = hex::decode(sent) else { return false };
    if decoded.len() != 2 * expected.len() {
        return false;
    }
    let (pad, masked) = decoded.split_at(expected.len());
    let unmasked: Vec<u8> = pad.iter().zip(masked).map(|(p, m)| p ^ m).collect();
    constant_time_eq(&unmasked, expected.as_bytes())
}

/// The public URL's origin, or the origin the browser addressed (its `Host`) — a
/// page on another site cannot make a browser send our host with its own origin.
fn is_own_origin(state: &AppState, headers: &HeaderMap, origin: &str) -> bool {
    let config = state.web_config();
    if origin == config.origin() {
        return true;
    }
    let scheme = if config.is_https() { "https" } else { "http" };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    host.is_some_and(|host| origin.strip_prefix(scheme).and_then(|o| o.strip_prefix("://")) == Some(host))
}

fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned())
}

/// The peer address, or — only when the peer is a trusted proxy — the nearest
/// untrusted address in `X-Forwarded-For`.
fn client_ip(state: &AppState, request: &Request) -> IpAddr {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
    let trusted = &state.web_config().trusted_proxies;
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded = request
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    forwarded
        .rsplit(',')
        .filter_map(|hop| hop.trim().parse::<IpAddr>().ok())
        .find(|ip| !trusted.contains(ip))
        .unwrap_or(peer)
}

fn security_headers(headers: &mut HeaderMap, https: bool) {
    let set = |headers: &mut HeaderMap, name: &'static str, value: &'static str| {
        headers.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set(
        headers,
        "content-security-policy",
        "default-src 'self'; img-src 'self' data: blob: https:; style-src 'self'; style-src-attr 'unsafe-inline'; script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    );
    set(headers, "x-content-type-options", "nosniff");
    set(headers, "x-frame-options", "DENY");
    set(headers, "referrer-policy", "strict-origin-when-cross-origin");
    set(headers, "cross-origin-opener-policy", "same-origin");
    if https {
        set(headers, "strict-transport-security", "max-age=31536000");
    }
}

#[cfg(test)]
mod tests {
    use super::{csrf_matches, mask_csrf};

    #[test]
    fn masked_csrf_tokens_differ_every_time_and_still_match() {
        let token = "k3Jd9_x-Qa0";
        let (a, b) = (mask_csrf(token), mask_csrf(token));
        assert_ne!(a, b, "a fresh pad per response");
        assert!(!a.contains(token));
        assert!(csrf_matches(a.as_bytes(), token) && csrf_matches(b.as_bytes(), token));
        assert!(csrf_matches(token.as_bytes(), token), "the raw token still works");
        assert!(!csrf_matches(mask_csrf("another-one").as_bytes(), token));
        assert!(!csrf_matches(b"zz", token) && !csrf_matches(b"", token));
        let mut forged = a.clone().into_bytes();
        forged[a.len() - 1] = if forged[a.len() - 1] == b'0' { b'1' } else { b'0' };
        assert!(!csrf_matches(&forged, token));
    }
}
