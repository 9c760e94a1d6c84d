//! Settings of the HTTP layer.

use std::net::IpAddr;

use carmine_core::ratelimit::Quota;

#[derive(Clone, Debug)]
pub struct WebConfig {
    /// The URL people reach Carmine at, without a trailing slash
    /// (`http://127.0.0.1:8080`, `https://carmine.example`). Decides absolute links,
    /// the allowed `Origin` and whether cookies are `Secure` and `__Host-` prefixed.
    pub public_url: String,
    /// Peers whose `X-Forwarded-For` is believed (reverse proxies). Others' is ignored.
    pub trusted_proxies: Vec<IpAddr>,
    /// Requests per client (member, or IP when anonymous) across the site.
    pub request_quota: Quota,
    /// Sign-ups per IP.
    pub signup_quota: Quota,
    /// Behaviour-event batches (`POST /api/v1/events`) per member and per client IP.
    pub events_quota: Quota,
    /// The interface language for visitors whose browser asks for none we speak.
    pub default_locale: crate::i18n::Locale,
}

impl WebConfig {
    pub fn new(public_url: impl Into<String>) -> Self {
        WebConfig {
            public_url: public_url.into().trim_end_matches('/').to_owned(),
            trusted_proxies: Vec::new(),
            request_quota: Quota::new(600, 100),
            signup_quota: Quota::new(10, 60_000),
            events_quota: Quota::new(60, 1_000),
            default_locale: crate::i18n::Locale::En,
        }
    }

    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// `scheme://host[:port]` of the public URL, compared against `Origin`.
    pub fn origin(&self) -> &str {
        let after_scheme = self.public_url.find("://").map_or(0, |i| i + 3);
        match self.public_url[after_scheme..].find('/') {
            Some(slash) => &self.public_url[..after_scheme + slash],
            None => &self.public_url,
        }
    }

    pub fn session_cookie_name(&self) -> &'static str {
        if self.is_https() { "__Host-carmine_session" } else { "carmine_session" }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_and_cookie_follow_the_public_url() {
        let plain = WebConfig::new("http://127.0.0.1:8080/");
        assert_eq!(
            (plain.origin(), plain.is_https(), plain.session_cookie_name()),
            ("http://127.0.0.1:8080", false, "carmine_session")
        );
        let proxied = WebConfig::new("https://shop.example/carmine");
        assert_eq!(
            (proxied.origin(), proxied.session_cookie_name()),
            ("https://shop.example", "__Host-carmine_session")
        );
    }
}
