//! Static assets compiled into the binary (no build step beyond cargo), served with
//! long cache lifetimes; pages link them with `?v=<hash of their content>`, so any
//! change to them busts caches.

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::app::AppState;

const APP_CSS: &str = include_str!("../static/app.css");
const APP_JS: &str = include_str!("../static/app.js");
pub const ASSET_VERSION: u64 = fnv1a(APP_CSS.as_bytes(), fnv1a(APP_JS.as_bytes(), 0xcbf2_9ce4_8422_2325));

/// FNV-1a, at compile time: a fingerprint, not a defence.
const fn fnv1a(bytes: &[u8], mut hash: u64) -> u64 {
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    hash
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/static/app.css", get(|| async { asset("text/css; charset=utf-8", APP_CSS) }))
        .route("/static/app.js", get(|| async { asset("text/javascript; charset=utf-8", APP_JS) }))
}

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=31536000, immutable")], body)
}

/// The design system's rules (docs/design-system.md), checked on every template:
/// pages draw only with the stylesheet's classes and never style an element inline
/// (a `style` attribute may only hand a value to the stylesheet: `--placeholder`,
/// `--avatar-bg`, `--ratio`), and every page is framed by `base.html`.
#[cfg(test)]
mod design_system {
    use std::collections::BTreeSet;

    use super::{APP_CSS, APP_JS};

    fn templates() -> Vec<(String, String)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| {
                let path = entry.unwrap().path();
                (path.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&path).unwrap())
            })
            .collect();
        out.sort();
        assert!(out.len() > 20, "found only {} templates", out.len());
        out
    }

    /// The text with every `{% … %}` and `{{ … }}` replaced by a space.
    fn without_tags(text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find(['{']) {
            let tail = &rest[start..];
            let close = if tail.starts_with("{%") {
                Some("%}")
            } else if tail.starts_with("{{") {
                Some("}}")
            } else {
                None
            };
            match close.and_then(|c| tail.find(c).map(|end| end + c.len())) {
                Some(end) => {
                    out.push_str(&rest[..start]);
                    out.push(' ');
                    rest = &tail[end..];
                }
                None => {
                    out.push_str(&rest[..=start]);
                    rest = &rest[start + 1..];
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// Values of `name="…"` attributes.
    fn attributes<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
        let needle = format!(" {name}=\"");
        html.match_indices(&needle)
            .filter_map(|(at, _)| {
                let value = &html[at + needle.len()..];
                value.find('"').map(|end| &value[..end])
            })
            .collect()
    }

    /// The class names in selectors of a stylesheet (or in a script's selector strings).
    fn classes_in(text: &str) -> BTreeSet<String> {
        let mut css = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("/*") {
            css.push_str(&rest[..start]);
            rest = rest[start..].find("*/").map_or("", |end| &rest[start + end + 2..]);
        }
        css.push_str(rest);
        let mut classes = BTreeSet::new();
        for (at, _) in css.match_indices('.') {
            let name: String =
                css[at + 1..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
            if name.starts_with(|c: char| c.is_ascii_alphabetic()) {
                classes.insert(name);
            }
        }
        classes
    }

    fn css_classes() -> BTreeSet<String> {
        classes_in(APP_CSS)
    }

    /// Classes app.js finds elements by (`form.like`, `.like-count`): hooks, not looks.
    fn script_hooks() -> BTreeSet<String> {
        APP_JS.split('"').skip(1).step_by(2).flat_map(classes_in).collect()
    }

    #[test]
    fn pages_use_only_the_stylesheets_classes() {
        let mut defined = css_classes();
        defined.extend(script_hooks());
        let mut unknown = BTreeSet::new();
        for (name, text) in templates() {
            for value in attributes(&without_tags(&text), "class") {
                for class in value.split_whitespace() {
                    if !defined.contains(class) {
                        unknown.insert(format!("{name}: .{class}"));
                    }
                }
            }
        }
        for line in APP_JS.lines() {
            for marker in ["classList.add(\"", "classList.toggle(\"", "className = \""] {
                if let Some(at) = line.find(marker) {
                    let class: String = line[at + marker.len()..].chars().take_while(|c| *c != '"').collect();
                    if !defined.contains(&class) {
                        unknown.insert(format!("app.js: .{class}"));
                    }
                }
            }
        }
        assert!(unknown.is_empty(), "classes the stylesheet does not define: {unknown:?}");
    }

    #[test]
    fn pages_style_nothing_inline() {
        let mut inline = Vec::new();
        for (name, text) in templates() {
            for value in attributes(&text, "style") {
                let declarations = value.split(';').map(str::trim).filter(|d| !d.is_empty());
                if declarations.clone().any(|d| !d.starts_with("--")) {
                    inline.push(format!("{name}: style=\"{value}\""));
                }
            }
        }
        assert!(inline.is_empty(), "inline styles (use a class, or pass a --value): {inline:?}");
    }

    #[test]
    fn every_page_is_framed_by_the_base_template() {
        let templates = templates();
        let mut unframed = Vec::new();
        for (name, text) in &templates {
            let framed = name == "base.html" || text.starts_with("{% extends \"base.html\" %}");
            let included = templates.iter().any(|(_, other)| other.contains(&format!("{{% include \"{name}\" %}}")));
            if !framed && !included {
                unframed.push(name.clone());
            }
        }
        assert!(unframed.is_empty(), "templates neither extending base.html nor included by a page: {unframed:?}");
    }

    #[test]
    fn the_checks_see_what_they_check() {
        // A guard that the parsing above finds something to check.
        assert!(css_classes().contains("waterfall") && css_classes().contains("button"));
        assert!(!css_classes().contains("5rem"));
        assert_eq!(without_tags(r#"a{% if x == "y" %}b{{ c }}d"#), "a b d");
        assert_eq!(attributes(r#"<p class="x y"><a class="z">"#, "class"), ["x y", "z"]);
    }
}
