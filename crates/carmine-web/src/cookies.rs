//! Reading and writing the session cookie (`HttpOnly`, `SameSite=Lax`, `Path=/`;
//! `Secure` and `__Host-` prefixed when the public URL is https).

use axum::http::{HeaderMap, HeaderValue, header};

use crate::config::WebConfig;

pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
        .filter(|value| !value.is_empty() && value.len() <= 256)
}

pub fn set_session(config: &WebConfig, token: &str, max_age_seconds: i64) -> HeaderValue {
    let secure = if config.is_https() { "; Secure" } else { "" };
    let value = format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}{secure}",
        config.session_cookie_name()
    );
    HeaderValue::from_str(&value).expect("session tokens are header-safe")
}

pub fn clear_session(config: &WebConfig) -> HeaderValue {
    let secure = if config.is_https() { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}",
        config.session_cookie_name()
    ))
    .expect("static cookie")
}

/// The first-party cookie that attributes a signed-out visitor's taps on notes'
/// product tags (read by checkout within the attribution window).
pub const REFERRAL_COOKIE: &str = "carmine_ref";

/// The visitor's referral token, if the cookie holds a well-formed one.
pub fn referral(headers: &HeaderMap) -> Option<String> {
    read(headers, REFERRAL_COOKIE)
        .filter(|v| v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

pub fn set_referral(config: &WebConfig, token: &str, max_age_seconds: i64) -> HeaderValue {
    let secure = if config.is_https() { "; Secure" } else { "" };
    let value = format!("{REFERRAL_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}{secure}");
    HeaderValue::from_str(&value).expect("referral tokens are header-safe")
}

/// A signed-out visitor's random key: whom ads were served to (frequency caps, tokens).
pub const VISITOR_COOKIE: &str = "carmine_vid";

/// The visitor's key, if the cookie holds a well-formed one.
pub fn visitor(headers: &HeaderMap) -> Option<String> {
    read(headers, VISITOR_COOKIE).filter(|v| {
        (16..=48).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

pub fn set_visitor(config: &WebConfig, key: &str) -> HeaderValue {
    let secure = if config.is_https() { "; Secure" } else { "" };
    let value = format!("{VISITOR_COOKIE}={key}; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000{secure}");
    HeaderValue::from_str(&value).expect("visitor keys are header-safe")
}

/// The ad token of the sponsored card a member or visitor last tapped (set by
/// `/ads/click/{token}`): what they then do with that note is paid engagement.
pub const AD_COOKIE: &str = "carmine_ad";

/// The header an API client names the ad token with instead of the cookie.
pub const AD_HEADER: &str = "carmine-ad-token";

/// The ad token the request carries (header first, then the cookie), if well-formed.
pub fn ad_token(headers: &HeaderMap) -> Option<String> {
    let header = headers.get(AD_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned);
    header
        .or_else(|| read(headers, AD_COOKIE))
        .filter(|v| (1..=256).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)))
}

/// Remembers a tapped ad's token for as long as its engagement counts as paid.
pub fn set_ad(config: &WebConfig, token: &str, max_age_seconds: i64) -> Option<HeaderValue> {
    let secure = if config.is_https() { "; Secure" } else { "" };
    let value = format!("{AD_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}{secure}");
    HeaderValue::from_str(&value).ok()
}
