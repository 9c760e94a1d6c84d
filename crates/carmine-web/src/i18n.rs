//! The interface's languages (ADR 0022). One Fluent message catalogue per language —
//! `locales/en.ftl` and `locales/zh-CN.ftl`, compiled into the binary and parsed once —
//! holds every user-facing string of the pages; templates look messages up through
//! [`crate::pages::Layout::t`].
//!
//! A request's language is chosen once, in the pipeline: the member's setting, else
//! the `carmine_lang` cookie (the switch, signed out), else `Accept-Language` (its
//! best-ranked language we speak: any `zh-*` is Simplified Chinese), else the
//! instance default. The pipeline runs the handler inside [`Locale::scope`], so pages
//! and error pages render in it without the language being threaded through every
//! call; responses vary on `Accept-Language` and `Cookie`.

use std::sync::{Arc, LazyLock};

use axum::http::{HeaderMap, header};
use carmine_core::Timestamp;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// The cookie that carries a signed-out visitor's choice.
pub const LANGUAGE_COOKIE: &str = "carmine_lang";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Locale {
    #[default]
    En,
    ZhCn,
}

/// What a request's pages are rendered in: its language, its "now" (from the
/// database's clock, so relative times follow a test's manual clock) and the page a
/// visitor comes back to after logging in.
#[derive(Clone, Debug)]
pub struct Frame {
    pub locale: Locale,
    pub now: Timestamp,
    /// A same-origin path (and query): the page itself for a GET, the page a form
    /// was sent from (its `Referer`) for anything else — never the POST's own URL.
    pub here: Option<Arc<str>>,
}

tokio::task_local! {
    static REQUEST: Frame;
}

impl Frame {
    /// Runs a request's handler in this frame.
    pub async fn scope<F: Future>(self, work: F) -> F::Output {
        REQUEST.scope(self, work).await
    }

    /// [`Frame::scope`] for synchronous work.
    pub fn sync_scope<R>(self, work: impl FnOnce() -> R) -> R {
        REQUEST.sync_scope(self, work)
    }
}

/// The time the request is handled at (the system clock outside a request).
pub fn now() -> Timestamp {
    REQUEST.try_with(|f| f.now).unwrap_or_else(|_| carmine_core::Clock::System.now())
}

/// Where a visitor returns after logging in from this request (see [`Frame::here`]).
pub fn here() -> Option<Arc<str>> {
    REQUEST.try_with(|f| f.here.clone()).ok().flatten()
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::En, Locale::ZhCn];

    /// The BCP 47 tag (`lang` attributes, the setting, the cookie).
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::ZhCn => "zh-CN",
        }
    }

    /// The language's name in itself (the switch).
    pub fn own_name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::ZhCn => "中文",
        }
    }

    /// A stored or submitted tag; anything else is `None`.
    pub fn parse(tag: &str) -> Option<Locale> {
        Locale::ALL.into_iter().find(|l| l.tag().eq_ignore_ascii_case(tag.trim()))
    }

    /// The best-ranked language of an `Accept-Language` header that we speak.
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        let mut best: Option<(u16, Locale)> = None;
        for range in header.split(',').take(32) {
            let mut parts = range.split(';');
            let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let quality = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .map_or(1000, |q| (q.clamp(0.0, 1.0) * 1000.0) as u16);
            let locale = match tag.split('-').next() {
                Some("zh") => Locale::ZhCn,
                Some("en") => Locale::En,
                _ => continue,
            };
            if quality > 0 && best.is_none_or(|(q, _)| quality > q) {
                best = Some((quality, locale));
            }
        }
        best.map(|(_, locale)| locale)
    }

    /// The request's language: the member's setting, the cookie, the browser, the default.
    pub fn negotiate(member_setting: Option<&str>, headers: &HeaderMap, default: Locale) -> Locale {
        member_setting
            .and_then(Locale::parse)
            .or_else(|| crate::cookies::read(headers, LANGUAGE_COOKIE).as_deref().and_then(Locale::parse))
            .or_else(|| {
                headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(Locale::from_accept_language)
            })
            .unwrap_or(default)
    }

    /// Runs synchronous work in this language (tests, and work outside a request).
    pub fn sync_scope<R>(self, work: impl FnOnce() -> R) -> R {
        Frame { locale: self, now: now(), here: here() }.sync_scope(work)
    }

    /// The language of the request being handled (the default outside one).
    pub fn current() -> Locale {
        REQUEST.try_with(|f| f.locale).unwrap_or_default()
    }

    /// When something happened, as a reader of this language says it: relative within
    /// a week ("5 min ago", "3 天前"), else the date (this year's without the year); a
    /// time still to come (a job's next run), its day and time of day.
    pub fn when(self, at: Timestamp, now: Timestamp) -> String {
        let seconds = (now.0 - at.0) / 1_000_000;
        let ago = |key: &str, n: i64| self.text_with(key, &[("n", n.into())]);
        match seconds {
            ..-60 => self.moment(at, now),
            -60..60 => self.text("time-just-now"),
            60..3_600 => ago("time-minutes-ago", seconds / 60),
            3_600..86_400 => ago("time-hours-ago", seconds / 3_600),
            86_400..604_800 => ago("time-days-ago", seconds / 86_400),
            _ => self.date(at, now),
        }
    }

    /// A day ("11月17日", "Nov 17, 2025" in another year), for times past or to come.
    pub fn date(self, at: Timestamp, now: Timestamp) -> String {
        // The day in the instance's time zone.
        let (date, today) = (at.local_date(), now.local_date());
        let (year, month, day) = (i64::from(date.year()), i64::from(date.month()), i64::from(date.day()));
        let this_year = i64::from(today.year());
        let key = if year == this_year { "time-date-this-year" } else { "time-date" };
        self.text_with(key, &[("year", year.into()), ("month", month.into()), ("day", day.into())])
    }

    /// A day and its time of day ("12月4日 16:00", "Dec 4, 16:00"), for times a
    /// reader plans by (a sale's window).
    pub fn moment(self, at: Timestamp, now: Timestamp) -> String {
        let time = at.local_datetime();
        format!("{} {:02}:{:02}", self.date(at, now), time.hour(), time.minute())
    }

    /// A message of this language's catalogue.
    pub fn text(self, key: &str) -> String {
        CATALOGUE.format(self, key, None)
    }

    /// A message of this language's catalogue, if it defines one.
    pub fn text_if_defined(self, key: &str) -> Option<String> {
        CATALOGUE.get(self, key)
    }

    /// A message with arguments (`{ $count }`; numbers choose plural forms).
    pub fn text_with(self, key: &str, args: &[(&str, Arg)]) -> String {
        let mut fluent_args = FluentArgs::with_capacity(args.len());
        for (name, value) in args {
            let value = match value {
                Arg::Number(n) => FluentValue::from(*n),
                Arg::Text(t) => FluentValue::from(t.clone()),
            };
            fluent_args.set(*name, value);
        }
        CATALOGUE.format(self, key, Some(&fluent_args))
    }
}

/// An error's message in the request's language. A field that broke one of the
/// common rules ([`carmine_core::FieldRule`]) is explained from the catalogue in any
/// language, naming the field as the form labels it (`input-<field>`). Otherwise a
/// message written for this very error is kept in English, and every other language
/// gets the code's message (naming the field, where the catalogue has its label).
/// Codes never change with the language.
pub fn error_message(error: &carmine_core::Error) -> String {
    let locale = Locale::current();
    let detail = |key: &str| error.details.as_ref().and_then(|d| d.get(key));
    if let Some(hint) = detail("hint").and_then(|h| h.as_str()) {
        let args: Vec<(&str, Arg)> = detail("hint_args")
            .and_then(|a| a.as_object())
            .map(|a| a.iter().filter_map(|(k, v)| Some((k.as_str(), Arg::from(v.as_str()?)))).collect())
            .unwrap_or_default();
        let key = format!("hint-{hint}");
        if CATALOGUE.get(locale, &key).is_some() {
            return locale.text_with(&key, &args);
        }
    }
    let label = detail("field").and_then(|f| f.as_str()).and_then(|f| CATALOGUE.get(locale, &format!("input-{f}")));
    let rule = detail("rule").and_then(|r| r.as_str()).filter(|r| carmine_core::FieldRule::NAMES.contains(r));
    if let (Some(label), Some(rule)) = (&label, rule) {
        let limit = detail("limit").and_then(|l| l.as_i64()).unwrap_or(0);
        return locale.text_with(&format!("rule-{rule}"), &[("field", label.into()), ("limit", limit.into())]);
    }
    // An internal error's message may describe its cause: never shown.
    let specific = error.message != error.code.default_message() && error.code != carmine_core::ErrorCode::Internal;
    if specific && locale == Locale::En {
        return error.message.clone();
    }
    let message = locale.text(&format!("error-{}", error.code.as_str()));
    match label {
        Some(label) if specific => {
            locale.text_with("error-in-field", &[("message", message.into()), ("field", label.into())])
        }
        _ => message,
    }
}

/// An error as a page shows it: [`error_message`], and in English its field named by
/// its label ("tracking_no: 1 to 40 …" reads "Tracking number: 1 to 40 …") and its
/// first letter a capital. (API messages stay as they are.)
pub fn page_error_message(error: &carmine_core::Error) -> String {
    let message = error_message(error);
    if Locale::current() != Locale::En {
        return message;
    }
    let field = error.details.as_ref().and_then(|d| d.get("field")).and_then(|f| f.as_str()).unwrap_or_default();
    let label = CATALOGUE.get(Locale::En, &format!("input-{field}"));
    match (label, message.strip_prefix(field).and_then(|m| m.strip_prefix(": "))) {
        (Some(label), Some(rest)) if !field.is_empty() => format!("{label}: {rest}"),
        _ => sentence(&message),
    }
}

/// A message as a sentence on a page: its first letter a capital.
fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A message argument.
pub enum Arg {
    Number(i64),
    Text(String),
}

/// Numbers of any width (and references to them, as templates pass them) are numbers.
macro_rules! number_args {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(n: $t) -> Self {
                Arg::Number(i64::try_from(n).unwrap_or(i64::MAX))
            }
        }
        impl From<&$t> for Arg {
            fn from(n: &$t) -> Self {
                Arg::from(*n)
            }
        }
        impl From<&&$t> for Arg {
            fn from(n: &&$t) -> Self {
                Arg::from(**n)
            }
        }
    )*};
}

number_args!(i64, i32, u32, u64, usize);

impl From<&str> for Arg {
    fn from(t: &str) -> Self {
        Arg::Text(t.to_owned())
    }
}

impl From<&&str> for Arg {
    fn from(t: &&str) -> Self {
        Arg::Text((*t).to_owned())
    }
}

impl From<&&&str> for Arg {
    fn from(t: &&&str) -> Self {
        Arg::Text((**t).to_owned())
    }
}

impl From<&String> for Arg {
    fn from(t: &String) -> Self {
        Arg::Text(t.clone())
    }
}

impl From<String> for Arg {
    fn from(t: String) -> Self {
        Arg::Text(t)
    }
}

pub(crate) const SOURCES: [(Locale, &str); 2] =
    [(Locale::En, include_str!("../locales/en.ftl")), (Locale::ZhCn, include_str!("../locales/zh-CN.ftl"))];

/// The parsed catalogues: compiled-in constant data, parsed on first use.
static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(Catalogue::load);

struct Catalogue {
    bundles: Vec<(Locale, FluentBundle<FluentResource>)>,
}

impl Catalogue {
    fn load() -> Catalogue {
        let bundles = SOURCES
            .iter()
            .map(|(locale, source)| {
                let resource = FluentResource::try_new((*source).to_owned())
                    .unwrap_or_else(|(_, errors)| panic!("{} catalogue: {errors:?}", locale.tag()));
                let id = locale.tag().parse().expect("a valid language tag");
                let mut bundle = FluentBundle::new_concurrent(vec![id]);
                // Unicode isolation marks around arguments would show up in HTML and tests.
                bundle.set_use_isolating(false);
                bundle.add_resource(resource).unwrap_or_else(|e| panic!("{} catalogue: {e:?}", locale.tag()));
                (*locale, bundle)
            })
            .collect();
        Catalogue { bundles }
    }

    /// A message without arguments, if this language's catalogue defines it.
    fn get(&self, locale: Locale, key: &str) -> Option<String> {
        let (_, bundle) = self.bundles.iter().find(|(l, _)| *l == locale)?;
        let pattern = bundle.get_message(key)?.value()?;
        Some(bundle.format_pattern(pattern, None, &mut Vec::new()).into_owned())
    }

    fn format(&self, locale: Locale, key: &str, args: Option<&FluentArgs>) -> String {
        for candidate in [locale, Locale::En] {
            let Some((_, bundle)) = self.bundles.iter().find(|(l, _)| *l == candidate) else { continue };
            if let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                let text = bundle.format_pattern(pattern, args, &mut errors);
                if !errors.is_empty() {
                    tracing::warn!(key, locale = candidate.tag(), ?errors, "message formatted with errors");
                }
                return text.into_owned();
            }
        }
        tracing::warn!(key, "message missing from every catalogue");
        key.to_owned()
    }
}

/// The message ids a catalogue defines.
#[cfg(test)]
pub(crate) fn message_ids(source: &str) -> std::collections::BTreeSet<String> {
    let resource = FluentResource::try_new(source.to_owned()).expect("a catalogue that parses");
    resource
        .entries()
        .filter_map(|entry| match entry {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_best_ranked_language_we_speak() {
        assert_eq!(Locale::from_accept_language("zh-TW,zh;q=0.9,en;q=0.8"), Some(Locale::ZhCn));
        assert_eq!(Locale::from_accept_language("zh-Hans-CN"), Some(Locale::ZhCn));
        assert_eq!(Locale::from_accept_language("en-GB,en;q=0.9,zh-CN;q=0.8"), Some(Locale::En));
        assert_eq!(Locale::from_accept_language("fr-FR,zh;q=0.5"), Some(Locale::ZhCn));
        assert_eq!(Locale::from_accept_language("en;q=0.2, zh-CN;q=0.7"), Some(Locale::ZhCn));
        assert_eq!(Locale::from_accept_language("fr, de;q=0.9"), None);
        assert_eq!(Locale::from_accept_language("zh;q=0"), None);
        assert_eq!(Locale::from_accept_language(""), None);
        assert_eq!(Locale::from_accept_language(";;,,q=,zh;q=abc"), Some(Locale::ZhCn));
    }

    #[test]
    fn the_member_setting_beats_the_cookie_which_beats_the_browser() {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_LANGUAGE, "zh-CN".parse().unwrap());
        assert_eq!(Locale::negotiate(None, &headers, Locale::En), Locale::ZhCn);
        headers.insert(header::COOKIE, "carmine_lang=en".parse().unwrap());
        assert_eq!(Locale::negotiate(None, &headers, Locale::ZhCn), Locale::En);
        assert_eq!(Locale::negotiate(Some("zh-CN"), &headers, Locale::En), Locale::ZhCn);
        assert_eq!(Locale::negotiate(Some("klingon"), &HeaderMap::new(), Locale::ZhCn), Locale::ZhCn);
    }

    #[test]
    fn both_catalogues_define_the_same_messages() {
        let [(_, en), (_, zh)] = SOURCES;
        let (en, zh) = (message_ids(en), message_ids(zh));
        let only_en: Vec<_> = en.difference(&zh).collect();
        let only_zh: Vec<_> = zh.difference(&en).collect();
        assert!(only_en.is_empty() && only_zh.is_empty(), "missing in zh-CN: {only_en:?}; missing in en: {only_zh:?}");
        assert!(en.len() > 20, "only {} messages", en.len());
    }

    const PAYMENT_STATUSES: [&str; 7] =
        ["created", "requires_action", "pending", "succeeded", "declined", "failed", "refunded"];

    /// Every message a template asks for (`layout.t("…")`, `layout.t1("…", …)`) and
    /// every error-page heading exists in the catalogues.
    #[test]
    fn every_message_the_pages_ask_for_exists() {
        let defined = message_ids(SOURCES[0].1);
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut missing = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            for marker in ["t(\"", "t1(\""] {
                for (at, _) in text.match_indices(marker) {
                    let key: String = text[at + marker.len()..].chars().take_while(|c| *c != '"').collect();
                    if !defined.contains(&key) {
                        missing.push(format!("{}: {key}", path.file_name().unwrap().to_string_lossy()));
                    }
                }
            }
        }
        for status in [400, 403, 404, 405, 409, 410, 413, 422, 429, 500, 503, 418] {
            let key = crate::pages::error_heading(status);
            if !defined.contains(key) {
                missing.push(format!("error page {status}: {key}"));
            }
        }
        // Values of closed sets that pages show through `layout.tv(prefix, value)`.
        let pools =
            [carmine_feed::PoolStatus::Testing, carmine_feed::PoolStatus::Stalled, carmine_feed::PoolStatus::Open];
        let closed_sets: Vec<(&str, Vec<&str>)> = vec![
            ("visibility", crate::pages::notes::VISIBILITIES.to_vec()),
            ("pool", pools.iter().map(|p| p.as_str()).collect()),
            ("report-reason", carmine_notes::safety::REPORT_REASONS.to_vec()),
            ("notification", crate::pages::engagement::NOTIFICATION_KINDS.to_vec()),
            ("gender", carmine_accounts::members::GENDERS.to_vec()),
            ("entry", crate::pages::money::ENTRY_KINDS.to_vec()),
            ("payment-status", PAYMENT_STATUSES.to_vec()),
            ("org-payment", PAYMENT_STATUSES.to_vec()),
            ("payout-status", vec!["requested", "submitted", "paid", "failed", "cancelled", "expired"]),
            ("balance", vec!["coins", "earnings", "ad_balance", "escrow", "merchant_receivable"]),
            ("payment-for", vec!["ad_balance", "escrow"]),
            ("pay-method", carmine_ledger::sandbox::METHODS.to_vec()),
            ("org-kind", carmine_accounts::orgs::ORG_KINDS.to_vec()),
            ("role", carmine_accounts::orgs::OrgRole::ALL.iter().map(|r| r.as_str()).collect()),
            ("verification", vec!["unverified", "pending", "verified", "rejected"]),
            ("verification-request", vec!["pending", "approved", "rejected"]),
            ("stream", carmine_ledger::Stream::ALL.iter().map(|s| s.as_str()).collect()),
            ("job-state", vec!["pending", "running", "failed", "done"]),
            ("report-kind", vec!["note", "comment", "member"]),
            ("report-action", vec!["limit", "remove", "suspend", "dismiss"]),
            ("audit-target", carmine_store::audit::TARGET_KINDS.to_vec()),
            ("ads-status", carmine_ads::Status::ALL.iter().map(|s| s.as_str()).collect()),
            ("ads-objective", carmine_ads::Objective::ALL.iter().map(|s| s.as_str()).collect()),
            ("ads-pricing", carmine_ads::Pricing::ALL.iter().map(|s| s.as_str()).collect()),
            ("ads-forecast-bid", carmine_ads::Pricing::ALL.iter().map(|s| s.as_str()).collect()),
            ("ads-forecast-pays", carmine_ads::Pricing::ALL.iter().map(|s| s.as_str()).collect()),
            ("ads-placement", carmine_ads::Placement::ALL.iter().map(|s| s.as_str()).collect()),
            ("ads-delivery", carmine_ads::Delivery::ALL.iter().map(|s| s.as_str()).collect()),
            ("boost-goal", carmine_ads::boosts::GOALS.to_vec()),
            ("boost-goal-count", carmine_ads::boosts::GOALS.to_vec()),
            ("boost-state", carmine_ads::boosts::BoostState::ALL.iter().map(|s| s.as_str()).collect()),
            ("boost-hours", vec!["6", "12", "24", "72", "168"]),
            ("ads-report-by", carmine_ads::reports::Breakdown::ALL.iter().map(|b| b.as_str()).collect()),
            ("ads-report-none", carmine_ads::reports::Breakdown::ALL.iter().map(|b| b.as_str()).collect()),
            (
                "ads-problem",
                vec!["note_not_found", "note_not_advertisable", "creative_not_authorised", "ad_store_required"],
            ),
        ];
        for (prefix, values) in closed_sets {
            for value in values {
                if !defined.contains(&format!("{prefix}-{value}")) {
                    missing.push(format!("{prefix}-{value}"));
                }
            }
        }
        // Audit actions, named as `Layout::name` looks them up.
        for action in carmine_store::audit::ACTIONS {
            let key = format!("audit-{}", action.replace('.', "-"));
            if !defined.contains(&key) {
                missing.push(key);
            }
        }
        assert!(missing.is_empty(), "messages missing from the catalogues: {missing:?}");
    }

    /// Every field an error can name has a label in the catalogues (`input-<field>`),
    /// and every common rule its explanation (`rule-<rule>`): found by reading the
    /// workspace's sources for the fields errors name.
    #[test]
    fn every_field_an_error_names_has_a_label() {
        let defined = message_ids(SOURCES[0].1);
        let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let mut fields = std::collections::BTreeSet::new();
        let mut stack = vec![crates.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() && !path.ends_with("tests") {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for marker in [
                        "invalid_field(\"",
                        "broke_rule(\"",
                        "bounded_text(\"",
                        "\"field\": \"",
                        "Handle::parse(\"",
                        "Role::parse(\"",
                    ] {
                        for (at, _) in text.match_indices(marker) {
                            let field: String = text[at + marker.len()..].chars().take_while(|c| *c != '"').collect();
                            if !field.is_empty() && field.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                                fields.insert(field);
                            }
                        }
                    }
                }
            }
        }
        assert!(fields.len() > 30 && fields.contains("title") && fields.contains("username"), "{fields:?}");
        let mut missing: Vec<String> =
            fields.iter().map(|f| format!("input-{f}")).filter(|key| !defined.contains(key)).collect();
        missing.extend(
            carmine_core::FieldRule::NAMES.iter().map(|r| format!("rule-{r}")).filter(|key| !defined.contains(key)),
        );
        assert!(missing.is_empty(), "labels missing from the catalogues: {missing:?}");
    }

    #[test]
    fn times_read_as_each_language_says_them() {
        let now = Timestamp::parse_rfc3339("2026-12-03T12:00:00Z").unwrap();
        let minutes_ago = now.plus_seconds(-5 * 60);
        assert_eq!(Locale::En.when(now.plus_seconds(-10), now), "just now");
        assert_eq!(Locale::En.when(minutes_ago, now), "5 min ago");
        assert_eq!(Locale::ZhCn.when(minutes_ago, now), "5 分钟前");
        assert_eq!(Locale::En.when(now.plus_seconds(-3_600), now), "1 hour ago");
        assert_eq!(Locale::En.when(now.plus_seconds(-2 * 86_400), now), "2 days ago");
        assert_eq!(Locale::ZhCn.when(now.plus_seconds(-2 * 86_400), now), "2 天前");
        let november = Timestamp::parse_rfc3339("2026-11-17T08:00:00Z").unwrap();
        assert_eq!(Locale::En.when(november, now), "Nov 17");
        assert_eq!(Locale::ZhCn.when(november, now), "11月17日");
        let last_year = Timestamp::parse_rfc3339("2025-03-09T08:00:00Z").unwrap();
        assert_eq!(Locale::En.when(last_year, now), "Mar 9, 2025");
        assert_eq!(Locale::ZhCn.when(last_year, now), "2025年3月9日");
        // A time to come is not "just now": 12:00Z + 50 min is 20:50 in Shanghai.
        assert_eq!(Locale::En.when(now.plus_seconds(50 * 60), now), "Dec 3 20:50");
        assert_eq!(Locale::En.when(now.plus_seconds(30), now), "just now", "a clock a little ahead");
    }

    #[test]
    fn every_error_code_speaks_both_languages() {
        for code in carmine_core::ErrorCode::ALL {
            let error = carmine_core::Error::new(*code);
            for locale in Locale::ALL {
                let message = locale.sync_scope(|| error_message(&error));
                assert!(!message.starts_with("error-"), "{} has no message in {}", code.as_str(), locale.tag());
            }
            assert_eq!(Locale::En.sync_scope(|| error_message(&error)), code.default_message());
        }
        let field = carmine_core::Error::invalid_field("title", "not a title");
        assert_eq!(Locale::En.sync_scope(|| error_message(&field)), "title: not a title");
        assert_eq!(Locale::En.sync_scope(|| page_error_message(&field)), "Title: not a title");
        let refund = carmine_core::Error::new(carmine_core::ErrorCode::RefundExceedsPayment);
        assert!(Locale::En.sync_scope(|| page_error_message(&refund)).starts_with("The refund"));
        assert_eq!(Locale::ZhCn.sync_scope(|| error_message(&field)), "有一项填写得不对（标题）");
        let nobody_labels = "x_field";
        let unlabelled = carmine_core::Error::invalid_field(nobody_labels, "no");
        assert_eq!(Locale::ZhCn.sync_scope(|| error_message(&unlabelled)), "有一项填写得不对");
        let long = carmine_core::text::bounded_text("title", &"字".repeat(21), 0, 20, false).unwrap_err();
        assert_eq!(Locale::En.sync_scope(|| error_message(&long)), "Title can be at most 20 characters");
        assert_eq!(Locale::ZhCn.sync_scope(|| error_message(&long)), "标题最多 20 个字");
        let empty = carmine_core::text::bounded_text("body", " ", 1, 20, true).unwrap_err();
        assert_eq!(Locale::ZhCn.sync_scope(|| error_message(&empty)), "内容不能为空");
        assert_eq!(empty.details.as_ref().unwrap()["field"], "body", "the field id stays for clients");
        let hinted = carmine_core::Error::invalid_field("phone", "1 then 10 digits").with_hint("phone-mainland");
        assert_eq!(Locale::ZhCn.sync_scope(|| error_message(&hinted)), "请输入以 1 开头的 11 位手机号。");
        assert_eq!(hinted.details.as_ref().unwrap()["field"], "phone", "the field stays");
        let internal = carmine_core::Error::internal("the disk /var/db is full");
        assert_eq!(Locale::En.sync_scope(|| error_message(&internal)), "something went wrong on our side");
    }

    #[test]
    fn plurals_follow_each_languages_rules() {
        assert_eq!(Locale::En.text_with("count-followers", &[("count", 1_i64.into())]), "1 follower");
        assert_eq!(Locale::En.text_with("count-followers", &[("count", 12_i64.into())]), "12 followers");
        assert_eq!(Locale::ZhCn.text_with("count-followers", &[("count", 1_i64.into())]), "1 粉丝");
        assert_eq!(Locale::ZhCn.text_with("count-followers", &[("count", 12_i64.into())]), "12 粉丝");
    }
}
