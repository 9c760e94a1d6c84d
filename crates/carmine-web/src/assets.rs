//! Static assets compiled into the binary (no build step beyond cargo), served with
//! long cache lifetimes; pages link them with `?v=<hash of their content>`, so any
//! change to them busts caches. Also what makes Carmine installable on a phone: the
//! web app manifest and its icons (drawn here, once, as PNG), and the favicon.

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

const ICON_SVG: &str = include_str!("../static/icon.svg");

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/static/app.css", get(|| async { asset("text/css; charset=utf-8", APP_CSS) }))
        .route("/static/app.js", get(|| async { asset("text/javascript; charset=utf-8", APP_JS) }))
        .route("/static/icon.svg", get(|| async { asset("image/svg+xml", ICON_SVG) }))
        .route("/favicon.ico", get(|| async { png(icon_png(48)) }))
        .route("/static/icon-192.png", get(|| async { png(icon_png(192)) }))
        .route("/static/icon-512.png", get(|| async { png(icon_png(512)) }))
        .route("/manifest.webmanifest", get(manifest))
}

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=31536000, immutable")], body)
}

fn png(body: Vec<u8>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, "public, max-age=86400")], body)
}

/// The web app manifest: what a phone needs to install Carmine to its home screen.
async fn manifest() -> impl IntoResponse {
    let locale = crate::i18n::Locale::current();
    let body = serde_json::json!({
        "name": "Carmine",
        "short_name": "Carmine",
        "description": locale.text("home-hero-lead"),
        "lang": locale.tag(),
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f6f6f7",
        "theme_color": "#e0243a",
        "icons": [
            { "src": "/static/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any" },
            { "src": "/static/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any maskable" },
            { "src": "/static/icon.svg", "sizes": "any", "type": "image/svg+xml" }
        ]
    });
    (
        [(header::CONTENT_TYPE, "application/manifest+json"), (header::CACHE_CONTROL, "public, max-age=3600")],
        body.to_string(),
    )
}

/// The app icon at `size` pixels: a carmine square with a white open ring — the
/// same drawing as `static/icon.svg` (a "C" around a dot), rasterised here so there
/// is no binary file to keep in step. Maskable: the mark stays in the middle 60 %.
fn icon_png(size: u32) -> Vec<u8> {
    let s = size as f32;
    let image = image::RgbaImage::from_fn(size, size, |x, y| {
        let (dx, dy) = (x as f32 + 0.5 - s / 2.0, y as f32 + 0.5 - s / 2.0);
        let r = (dx * dx + dy * dy).sqrt();
        let angle = dy.atan2(dx).to_degrees(); // 0° points right: the ring's opening
        let ring = (s * 0.17..=s * 0.27).contains(&r) && angle.abs() > 40.0;
        let dot = r <= s * 0.07;
        if ring || dot { image::Rgba([255, 255, 255, 255]) } else { image::Rgba([0xe0, 0x24, 0x3a, 255]) }
    });
    let mut bytes = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png)
        .expect("encoding a PNG in memory cannot fail");
    bytes
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
                    let classes: String = line[at + marker.len()..].chars().take_while(|c| *c != '"').collect();
                    for class in classes.split_whitespace().filter(|c| !defined.contains(*c)) {
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

    /// A wide table scrolls inside its own box on a phone; the page never does.
    #[test]
    fn every_table_sits_in_a_scrolling_box() {
        let mut bare = Vec::new();
        for (name, text) in templates() {
            let tables = text.matches("<table").count();
            let boxed = text.matches("<div class=\"table-scroll\"><table").count();
            if tables != boxed {
                bare.push(format!("{name}: {} of {tables} tables", tables - boxed));
            }
        }
        assert!(bare.is_empty(), "tables outside a .table-scroll box: {bare:?}");
    }

    /// A paragraph holds phrasing only: a browser closes a `<p>` at a `<form>` or a
    /// `<div>`, which breaks the row it was meant to be.
    #[test]
    fn paragraphs_hold_no_blocks() {
        let mut broken = Vec::new();
        for (name, text) in templates() {
            for (at, _) in text.match_indices("<p") {
                if !text[at + 2..].starts_with([' ', '>']) {
                    continue;
                }
                let inside = text[at..].find("</p>").map_or("", |end| &text[at..at + end]);
                for block in
                    ["<form", "<div", "<section", "<ul", "<ol", "<table", "<details", "<fieldset", "<h2", "<h3"]
                {
                    if inside.contains(block) {
                        broken.push(format!("{name}: {block} inside <p>"));
                    }
                }
            }
        }
        assert!(broken.is_empty(), "blocks inside paragraphs: {broken:?}");
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
