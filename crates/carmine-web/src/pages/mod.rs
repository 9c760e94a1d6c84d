//! Server-rendered pages (askama templates in `templates/`). Pages work without
//! JavaScript; forms post `application/x-www-form-urlencoded` with the session's
//! `_csrf` token and, on success, redirect (303) to a page with a `?done=` notice.
//! A form error re-renders the page with the message, keeping the user's place.
//!
//! Page text is English and lives in `templates/` and in [`notices`]; error text
//! comes from the error-code table in `carmine-core`.

mod account;
mod admin;
pub(crate) mod ads;
mod boards;
pub(crate) mod commerce;
pub(crate) mod engagement;
mod feed;
mod language;
pub(crate) mod money;
pub(crate) mod multipart;
pub(crate) mod notes;
pub(crate) mod notices;
pub(crate) mod orders;
pub(crate) mod orgs;
mod safety;
pub(crate) mod search;
mod topics;

use askama::Template;
use axum::Router;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use carmine_accounts::Caller;
use carmine_core::{Error, ErrorCode, Timestamp};
use serde::de::DeserializeOwned;

use crate::app::AppState;
use crate::assets::ASSET_VERSION;
use crate::error::{ApiError, Rendered};
use crate::i18n::{Arg, Locale};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .merge(notes::router())
        .merge(engagement::router())
        .merge(boards::router())
        .merge(safety::router())
        .merge(money::router())
        .merge(commerce::router())
        .merge(orders::router())
        .merge(ads::router())
        .merge(topics::router())
        .route("/signup", get(account::signup_page).post(account::signup_submit))
        .route("/login", get(account::login_page).post(account::login_submit))
        .route("/logout", post(account::logout))
        .route("/language", post(language::choose))
        .route("/settings", get(account::settings))
        .route("/settings/profile", post(account::save_profile))
        .route(
            "/settings/avatar",
            post(account::upload_avatar).layer(axum::extract::DefaultBodyLimit::max(account::AVATAR_BODY_BYTES_MAX)),
        )
        .route("/settings/avatar/remove", post(account::remove_avatar))
        .route("/settings/password", post(account::change_password))
        .route("/settings/tokens", post(account::create_token))
        .route("/settings/tokens/{id}/revoke", post(account::revoke_token))
        .route("/settings/sessions/{id}/end", post(account::end_session))
        .route("/settings/delete", post(account::delete_account))
        .route("/orgs", get(orgs::list).post(orgs::create))
        .route("/invitations/{id}/{answer}", post(orgs::answer_invitation))
        .route("/o/{handle}", get(orgs::show))
        .route("/o/{handle}/manage", get(orgs::manage))
        .route("/o/{handle}/manage/team", get(orgs::manage_team))
        .route("/o/{handle}/manage/verification", get(orgs::manage_verification))
        .route("/o/{handle}/profile", post(orgs::save_profile))
        .route("/o/{handle}/invite", post(orgs::invite))
        .route("/o/{handle}/invitations/{id}/revoke", post(orgs::revoke_invitation))
        .route("/o/{handle}/members/{user_id}/role", post(orgs::set_role))
        .route("/o/{handle}/members/{user_id}/remove", post(orgs::remove_member))
        .route("/o/{handle}/verification", post(orgs::request_verification))
        .route("/admin", get(admin::users))
        .route("/admin/users/{id}/{action}", post(admin::user_action))
        .route("/admin/verifications", get(admin::verifications))
        .route("/admin/verifications/{id}/{decision}", post(admin::decide))
        .route("/admin/audit", get(admin::audit))
        .route("/admin/jobs", get(admin::jobs))
        .route("/admin/jobs/{id}/retry", post(admin::retry_job))
        .route("/admin/feed", get(feed::admin_feed))
        .route("/welcome", get(feed::welcome).post(feed::save_interests))
        .route("/search", get(search::search))
        .route("/search/history/forget", post(search::forget_history))
        .route("/admin/search", get(search::admin_search))
        .route("/admin/search/hide", post(search::admin_hide))
        .route("/admin/search/show", post(search::admin_show))
}

/// What every page's frame needs.
pub(crate) struct Layout {
    pub username: Option<String>,
    pub avatar_url: Option<String>,
    /// The member's display name (the generated avatar's letter).
    pub display_name: String,
    pub is_admin: bool,
    pub csrf: String,
    pub notice: Option<String>,
    pub error: Option<String>,
    pub asset_version: u64,
    /// The request's language (negotiated in the pipeline).
    pub locale: Locale,
    /// Where logging in from this page returns to.
    pub here: Option<std::sync::Arc<str>>,
}

impl Layout {
    /// A message of the page's language (`locales/*.ftl`).
    pub fn t(&self, key: &str) -> String {
        self.locale.text(key)
    }

    /// A message with one argument (`{ $name }`); numbers choose plural forms.
    pub fn t1(&self, key: &str, name: &str, value: impl Into<Arg>) -> String {
        self.locale.text_with(key, &[(name, value.into())])
    }

    /// The message for a value of a closed set (`tv("visibility", "private")` reads
    /// `visibility-private`): statuses, roles, reasons stored as words.
    pub fn tv(&self, prefix: &str, value: &str) -> String {
        self.locale.text(&format!("{prefix}-{value}"))
    }

    /// The name of an identifier from a set that may grow (`prefix-value`, a `.` in the
    /// value read as `-`), or the identifier itself where the catalogue has none yet.
    pub fn name(&self, prefix: &str, value: &str) -> String {
        self.locale
            .text_if_defined(&format!("{prefix}-{}", value.replace('.', "-")))
            .unwrap_or_else(|| value.to_owned())
    }

    /// A message with two arguments.
    pub fn t2(&self, key: &str, name: &str, value: impl Into<Arg>, name2: &str, value2: impl Into<Arg>) -> String {
        self.locale.text_with(key, &[(name, value.into()), (name2, value2.into())])
    }

    /// When something happened, relative to the request ("5 min ago", "11月17日").
    pub fn when(&self, at: &Timestamp) -> String {
        self.locale.when(*at, crate::i18n::now())
    }

    /// A day, past or to come ("12月1日").
    pub fn date(&self, at: &Timestamp) -> String {
        self.locale.date(*at, crate::i18n::now())
    }

    /// A day and time of day, past or to come ("12月1日 20:00").
    pub fn moment(&self, at: &Timestamp) -> String {
        self.locale.moment(*at, crate::i18n::now())
    }

    /// The log-in link that comes back here afterwards.
    pub fn login_href(&self) -> String {
        match &self.here {
            Some(here) if here.as_ref() != "/" => format!("/login?next={}", encode(here)),
            _ => "/login".to_owned(),
        }
    }

    /// The log-in link that comes back to an anchor of this page (`#comments`).
    pub fn login_href_with_anchor(&self, anchor: &str) -> String {
        match &self.here {
            Some(here) => format!("/login?next={}", encode(&format!("{here}#{anchor}"))),
            None => "/login".to_owned(),
        }
    }

    /// The sign-up link that comes back here afterwards.
    pub fn signup_href(&self) -> String {
        match &self.here {
            Some(here) if here.as_ref() != "/" => format!("/signup?next={}", encode(here)),
            _ => "/signup".to_owned(),
        }
    }

    /// The page's `lang` attribute.
    pub fn lang(&self) -> &'static str {
        self.locale.tag()
    }

    /// The language the switch offers.
    pub fn other_locale(&self) -> &'static str {
        let other = Locale::ALL.into_iter().find(|l| *l != self.locale).unwrap_or_default();
        other.tag()
    }

    /// The signed-in member's avatar (the account menu).
    pub fn avatar(&self) -> Avatar {
        let username = self.username.as_deref().unwrap_or_default();
        Avatar::of(username, &self.display_name, self.avatar_url.as_deref())
    }

    pub fn new(caller: Option<&Caller>) -> Layout {
        Layout {
            username: caller.map(|c| c.username.clone()),
            avatar_url: caller.and_then(|c| c.avatar_url.clone()),
            display_name: caller.map(|c| c.display_name.clone()).unwrap_or_default(),
            is_admin: caller.is_some_and(|c| c.is_admin),
            csrf: caller.and_then(|c| c.csrf_token()).map(crate::middleware::mask_csrf).unwrap_or_default(),
            notice: None,
            error: None,
            asset_version: ASSET_VERSION,
            locale: Locale::current(),
            here: crate::i18n::here(),
        }
    }

    /// The frame of a page after a form: a `?done=` notice or an error message.
    pub fn with(caller: Option<&Caller>, done: Option<&str>, error: Option<&Error>) -> Layout {
        let mut layout = Layout::new(caller);
        let refused = done.is_some_and(notices::refused);
        let notice = done.and_then(notices::text);
        layout.error = error.map(crate::i18n::page_error_message).or(notice.clone().filter(|_| refused));
        layout.notice = notice.filter(|_| !refused);
        layout
    }
}

/// An actor's avatar as pages draw it (`avatar.html`): the picture they uploaded, or
/// the first letter of the name on a colour derived from the handle (stable for the
/// handle, different between neighbours).
pub(crate) struct Avatar {
    pub initial: String,
    pub color: String,
    /// An uploaded picture (a path on this site, or an https URL set through the API).
    pub url: Option<String>,
}

impl Avatar {
    pub fn generated(handle: &str, name: &str) -> Avatar {
        let initial = name.trim().chars().next().or_else(|| handle.chars().next()).unwrap_or('?');
        let hash = handle.bytes().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
        Avatar { initial: initial.to_uppercase().collect(), color: format!("hsl({} 50% 40%)", hash % 360), url: None }
    }

    pub fn of(handle: &str, name: &str, url: Option<&str>) -> Avatar {
        Avatar { url: url.filter(|u| !u.is_empty()).map(str::to_owned), ..Avatar::generated(handle, name) }
    }
}

/// What another app shows when a page's link is shared (Open Graph).
pub(crate) struct LinkPreview {
    /// `article` (a note) or `profile`.
    pub kind: &'static str,
    pub title: String,
    pub description: String,
    /// An absolute URL.
    pub image: Option<String>,
    pub url: String,
}

/// `?done=…` on pages that show a notice after a redirect.
#[derive(serde::Deserialize, Default)]
pub(crate) struct Done {
    pub done: Option<String>,
}

/// A rendered template as a response; `error` decides the status of a re-shown form.
pub(crate) fn render(template: &impl Template, error: Option<&Error>) -> Response {
    match template.render() {
        Ok(html) => {
            let status = error.map_or(StatusCode::OK, |e| {
                StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST)
            });
            let mut response = (status, Html(html)).into_response();
            response.extensions_mut().insert(Rendered);
            response
        }
        Err(e) => ApiError(Error::internal(e)).into_response(),
    }
}

/// A `return_to` form field if it is a path on this site (never another host: no open
/// redirects), else `fallback`.
pub(crate) fn local_path(return_to: Option<String>, fallback: impl FnOnce() -> String) -> String {
    return_to.filter(|p| is_local_path(p)).unwrap_or_else(fallback)
}

/// A path no browser reads as another host: one leading `/`, no backslash, and only
/// printable ASCII (browsers drop tabs and line breaks, so `/\t/evil.example` would
/// read as `//evil.example`; a line break would also split the `Location` header).
/// Paths this site hands out are percent-encoded, so they pass.
pub(crate) fn is_local_path(path: &str) -> bool {
    path.len() <= 2048
        && path.starts_with('/')
        && !path.starts_with("//")
        && path.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
        // What a `Location` header may carry: "/`" is visible ASCII but no URI.
        && path.parse::<axum::http::Uri>().is_ok()
}

/// After a successful form: back to `to` with a notice.
pub(crate) fn done(to: &str, notice: &str) -> Response {
    Redirect::to(&with_notice(to, notice)).into_response()
}

/// `to` with `done=notice` in its query (before any `#fragment`, which a browser
/// never sends).
fn with_notice(to: &str, notice: &str) -> String {
    let (path, fragment) = match to.split_once('#') {
        Some((path, fragment)) => (path, format!("#{fragment}")),
        None => (to, String::new()),
    };
    let separator = if path.contains('?') { '&' } else { '?' };
    format!("{path}{separator}done={notice}{fragment}")
}

/// Errors a form re-shows to the person (their input was refused); anything else
/// (internal errors, expired sessions) goes to the error page.
pub(crate) fn shown_on_form(error: Error) -> Result<Error, ApiError> {
    match error.code.http_status() {
        401 | 500..=599 => Err(ApiError(error)),
        _ => Ok(error),
    }
}

/// A form body. Pages accept only the fields their struct names; others are ignored.
pub(crate) struct PageForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for PageForm<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Form::<T>::from_request(request, state)
            .await
            .map(|form| PageForm(form.0))
            .map_err(|rejection| ApiError(Error::new(ErrorCode::MalformedRequest).with_message(rejection.body_text())))
    }
}

/// Percent-encodes a query-string or path-segment value.
pub(crate) fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Where a `#topic` links: the topic's page.
pub(crate) fn topic_href(topic: &str) -> String {
    format!("/t/{}", encode(topic))
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    layout: Layout,
    status: u16,
    heading: &'static str,
    message: String,
    request_id: &'a str,
}

/// An error page's heading (a message id), in words a member understands, by status.
pub(crate) fn error_heading(status: u16) -> &'static str {
    match status {
        400 | 422 => "error-heading-bad-request",
        403 => "error-heading-forbidden",
        404 | 410 => "error-heading-not-found",
        405 => "error-heading-method",
        409 => "error-heading-conflict",
        413 => "error-heading-too-large",
        429 => "error-heading-slow-down",
        503 => "error-heading-busy",
        500..=599 => "error-heading-server",
        _ => "error-heading-other",
    }
}

/// The HTML page for an error that reached the middleware. Logged-out visitors
/// asking for a member page go to the log-in page instead.
pub(crate) fn error_page(error: &Error, request_id: &str, caller: Option<&Caller>) -> Response {
    if matches!(error.code, ErrorCode::Unauthenticated | ErrorCode::SessionExpired) {
        // Back to the page the visitor was on (or wanted) once logged in.
        return Redirect::to(&Layout::new(None).login_href()).into_response();
    }
    let message = crate::i18n::page_error_message(error);
    let status = error.code.http_status();
    let page = ErrorPage { layout: Layout::new(caller), status, heading: error_heading(status), message, request_id };
    let mut response = render(&page, Some(error));
    crate::error::add_retry_after(&mut response, error);
    response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn a_notice_goes_in_the_query_before_the_fragment() {
        assert_eq!(with_notice("/o/x/manage/orders#after-sales", "a"), "/o/x/manage/orders?done=a#after-sales");
        assert_eq!(with_notice("/cart?x=1", "b"), "/cart?x=1&done=b");
        assert_eq!(with_notice("/orders", "c"), "/orders?done=c");
    }

    #[test]
    fn return_paths_stay_on_this_site() {
        for path in ["/", "/n/123?tab=comments", "/t/%E5%92%96%E5%95%A1", "/search?q=a%20b"] {
            assert!(is_local_path(path), "{path}");
        }
        for path in [
            "",
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/x",
            "/a b",
            "/咖啡",
        ] {
            assert!(!is_local_path(path), "{path:?}");
        }
    }

    proptest! {
        /// Whatever a visitor puts in `next` or `return_to`, the redirect stays on this
        /// site and makes a valid `Location` header (a bad one would fail the request).
        #[test]
        fn any_return_path_redirects_on_this_site(raw in prop_oneof![any::<String>(), "/[/\\\\\t\n@:. a-z%]{0,12}"]) {
            let path = local_path(Some(raw), || "/".to_owned());
            prop_assert!(axum::http::HeaderValue::try_from(path.as_str()).is_ok());
            let uri: axum::http::Uri = path.parse().expect("a path parses as a URI");
            prop_assert!(uri.host().is_none() && uri.scheme().is_none(), "{path}");
            let cleaned: String = path.chars().filter(|c| !c.is_whitespace()).collect();
            prop_assert!(!cleaned.starts_with("//") && !cleaned.starts_with("/\\"), "{path}");
        }

        /// A `?done=` value never reaches the page unless it is one of the notices.
        #[test]
        fn only_known_notices_are_shown(raw in any::<String>()) {
            let shown = notices::text(&raw);
            prop_assert_eq!(shown.is_some(), notices::known(&raw));
        }

        /// Any `Accept-Language` or language cookie picks a language without failing.
        #[test]
        fn any_language_header_negotiates(header in any::<String>(), cookie in "[ -~]{0,40}") {
            let mut headers = axum::http::HeaderMap::new();
            if let Ok(value) = axum::http::HeaderValue::try_from(header.as_str()) {
                headers.insert(axum::http::header::ACCEPT_LANGUAGE, value);
            }
            if let Ok(value) = axum::http::HeaderValue::try_from(format!("carmine_lang={cookie}")) {
                headers.insert(axum::http::header::COOKIE, value);
            }
            let chosen = Locale::negotiate(None, &headers, Locale::En);
            prop_assert!(Locale::ALL.contains(&chosen));
            let _ = Locale::from_accept_language(&header);
        }
    }
}
