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

use std::sync::LazyLock;

use axum::http::{HeaderMap, header};
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

tokio::task_local! {
    static REQUEST_LOCALE: Locale;
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

    /// Runs `work` with this as the request's language.
    pub async fn scope<F: Future>(self, work: F) -> F::Output {
        REQUEST_LOCALE.scope(self, work).await
    }

    /// [`Locale::scope`] for synchronous work.
    pub fn sync_scope<R>(self, work: impl FnOnce() -> R) -> R {
        REQUEST_LOCALE.sync_scope(self, work)
    }

    /// The language of the request being handled (the default outside one).
    pub fn current() -> Locale {
        REQUEST_LOCALE.try_with(|l| *l).unwrap_or_default()
    }

    /// A message of this language's catalogue.
    pub fn text(self, key: &str) -> String {
        CATALOGUE.format(self, key, None)
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

/// A message argument.
pub enum Arg {
    Number(i64),
    Text(String),
}

impl From<i64> for Arg {
    fn from(n: i64) -> Self {
        Arg::Number(n)
    }
}

impl From<usize> for Arg {
    fn from(n: usize) -> Self {
        Arg::Number(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

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

impl From<&String> for Arg {
    fn from(t: &String) -> Self {
        Arg::Text(t.clone())
    }
}

impl From<&i64> for Arg {
    fn from(n: &i64) -> Self {
        Arg::Number(*n)
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
        assert!(missing.is_empty(), "messages missing from the catalogues: {missing:?}");
    }

    #[test]
    fn plurals_follow_each_languages_rules() {
        assert_eq!(Locale::En.text_with("count-followers", &[("count", 1_i64.into())]), "1 follower");
        assert_eq!(Locale::En.text_with("count-followers", &[("count", 12_i64.into())]), "12 followers");
        assert_eq!(Locale::ZhCn.text_with("count-followers", &[("count", 1_i64.into())]), "1 粉丝");
        assert_eq!(Locale::ZhCn.text_with("count-followers", &[("count", 12_i64.into())]), "12 粉丝");
    }
}
