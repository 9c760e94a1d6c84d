//! Trending searches and the suggestions offered as a member types.
//!
//! What members type is theirs: a query is shown to others only when it cannot be one
//! person's. `search.trends`, a durable consumer of the domain log, counts first-page
//! searches by **signed-in members** that **found something** (not only by relaxing
//! the words) and that **may be suggested** ([`may_be_suggested`]: no phone numbers,
//! e-mail addresses, `@` handles, runs of seven or more digits, or query syntax) —
//! per normalized query and hour, each member once per query and hour, into
//! `search_query_hourly`, and remembers which members searched each query
//! (`search_query_members`). Signed-out searches count for nothing, so a script
//! without accounts cannot move either list. A query is trending or suggested only
//! once at least `min_members` distinct members (default
//! [`MIN_MEMBERS_DEFAULT`], `--suggest-min-members`) searched it in the window, and
//! both lists are filtered again when read. Topics are catalogue entries (the notes'
//! own `#topics`), not searches, and are not held to that threshold.
//!
//! **Trending** is rising, not merely frequent: for each query with enough members
//! in the last [`RECENT_HOURS`], the searchers
//! expected in that window from the week before (pro rata) are subtracted and the
//! excess divided by √(expected + 1) — a steady favourite scores low, a query that
//! jumped from nothing scores high. Terms the operator hid never show.
//!
//! **Suggestions** complete a prefix from the most searched queries of the last
//! [`SUGGEST_DAYS`] days and the most used topics, matched on the text itself and, for
//! Chinese, on its pinyin (`hufu`) and pinyin initials (`hf`). Both lists are
//! recomputed when new searches were counted and the last computation is older than
//! the configured refresh.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use carmine_core::event::DomainEvent;
use carmine_core::{Error, Id, Timestamp};
use carmine_events::consumer::BoxFuture;
use carmine_events::{Batch, Consumer};
use carmine_store::log::Log;
use carmine_store::{Db, Tx, audit, search};
use pinyin::ToPinyin;

use crate::index::SearchIndex;

pub const CONSUMER: &str = "search.trends";
pub const RECENT_HOURS: i64 = 6;
pub const BASELINE_HOURS: i64 = 7 * 24;
/// Distinct members who must have searched a query before anyone is shown it.
pub const MIN_MEMBERS_DEFAULT: u32 = 5;
/// Digits in a row (spaces, dashes, dots, brackets and plus signs between them
/// allowed) that look like a phone, ID or account number.
const DIGIT_RUN_MAX: usize = 6;
pub const SUGGEST_DAYS: i64 = 14;
/// Queries and topics a suggester holds.
const SUGGEST_QUERIES: i64 = 20_000;
const SUGGEST_TOPICS: usize = 20_000;
/// Hours a searcher is remembered for counting once.
const SEARCHERS_KEPT_HOURS: i64 = 48;
const HOUR: i64 = 3_600_000_000;

/// The hour `at` falls in (its first microsecond).
fn hour_of(at: Timestamp) -> i64 {
    at.micros().div_euclid(HOUR) * HOUR
}

/// Whether a normalized query may ever be shown to other members: letters, digits,
/// spaces and the few marks product names use (`-'.&+#·`), no `@` (e-mail addresses,
/// handles), and no run of more than six digits (phone, ID or card numbers — also
/// when written in groups such as `138 0013 8000`).
pub fn may_be_suggested(query: &str) -> bool {
    let allowed = |c: char| c.is_alphanumeric() || c == ' ' || "-'.&+#·".contains(c);
    if query.is_empty() || !query.chars().all(allowed) {
        return false;
    }
    let mut digits = 0;
    let mut chars = query.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c.is_numeric() {
            digits += 1;
            if digits > DIGIT_RUN_MAX {
                return false;
            }
        } else if !(" -.+()".contains(c) && digits > 0 && chars.peek().is_some_and(|n| n.is_numeric())) {
            digits = 0;
        }
    }
    true
}

/// Counts searches per query and hour.
pub(crate) struct Counter {
    pub(crate) generation: Arc<AtomicU64>,
}

impl Consumer for Counter {
    fn name(&self) -> &'static str {
        CONSUMER
    }

    fn log(&self) -> Log {
        Log::Domain
    }

    fn apply<'a>(&'a self, tx: &'a mut Tx, batch: &'a Batch) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let Batch::Domain(entries) = batch else { return Ok(()) };
            let mut counted = false;
            let mut latest = None;
            for (_, record) in entries {
                let DomainEvent::Searched {
                    user_id: Some(member),
                    query,
                    results,
                    relaxed: false,
                    page: 0,
                    searched_at,
                    ..
                } = &record.event
                else {
                    continue;
                };
                if *results == 0 || !may_be_suggested(query) {
                    continue;
                }
                search::count_search(tx, query, hour_of(*searched_at), *member).await?;
                counted = true;
                latest = latest.max(Some(*searched_at));
            }
            if let Some(latest) = latest {
                let hour = hour_of(latest);
                search::prune_searchers(tx, hour - SEARCHERS_KEPT_HOURS * HOUR, hour - SUGGEST_DAYS * 24 * HOUR)
                    .await?;
            }
            if counted {
                self.generation.fetch_add(1, Ordering::SeqCst);
            }
            Ok(())
        })
    }
}

/// A query rising in the last hours.
#[derive(Clone, Debug, PartialEq)]
pub struct Trend {
    pub query: String,
    /// Searchers in the recent window.
    pub searchers: i64,
    /// Searchers the week before would predict for the window.
    pub expected: f64,
    pub score: f64,
}

/// What a suggestion completes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuggestionKind {
    Query,
    Topic,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    pub text: String,
    pub kind: SuggestionKind,
    /// Searchers (queries) or notes (topics).
    pub weight: u64,
}

/// A sorted list of keys (the text, pinyin, initials) pointing at suggestions.
#[derive(Default)]
struct Suggester {
    keys: Vec<(String, u32)>,
    labels: Vec<Suggestion>,
}

/// Keys scanned per lookup.
const SUGGEST_SCAN_MAX: usize = 5_000;

impl Suggester {
    fn build(labels: Vec<Suggestion>) -> Suggester {
        let mut keys = Vec::with_capacity(labels.len() * 2);
        for (i, label) in labels.iter().enumerate() {
            for key in keys_of(&label.text) {
                keys.push((key, i as u32));
            }
        }
        keys.sort();
        keys.dedup();
        Suggester { keys, labels }
    }

    fn lookup(&self, prefix: &str, limit: usize) -> Vec<Suggestion> {
        let prefix = crate::analyzer::normalize_query(prefix);
        let compact: String = prefix.split_whitespace().collect();
        let mut found: Vec<u32> = Vec::new();
        for wanted in [prefix.as_str(), compact.as_str()] {
            if wanted.is_empty() {
                continue;
            }
            let start = self.keys.partition_point(|(k, _)| k.as_str() < wanted);
            for (key, label) in self.keys[start..].iter().take(SUGGEST_SCAN_MAX) {
                if !key.starts_with(wanted) {
                    break;
                }
                found.push(*label);
            }
        }
        found.sort_unstable();
        found.dedup();
        let mut suggestions: Vec<&Suggestion> = found.iter().map(|&i| &self.labels[i as usize]).collect();
        suggestions.sort_by(|a, b| {
            b.weight.cmp(&a.weight).then_with(|| (a.kind as u8).cmp(&(b.kind as u8))).then_with(|| a.text.cmp(&b.text))
        });
        let mut seen = HashSet::new();
        suggestions.into_iter().filter(|s| seen.insert(s.text.clone())).take(limit).cloned().collect()
    }
}

/// The keys a suggestion is found by: its text, and for Chinese its pinyin without
/// tones and the pinyin initials (other characters kept as they are).
fn keys_of(text: &str) -> Vec<String> {
    let mut keys = vec![text.to_owned()];
    if text.chars().any(|c| c.to_pinyin().is_some()) {
        let (mut full, mut initials) = (String::new(), String::new());
        for c in text.chars().filter(|c| !c.is_whitespace()) {
            match c.to_pinyin() {
                Some(p) => {
                    full.push_str(p.plain());
                    initials.push_str(p.first_letter());
                }
                None => {
                    full.push(c);
                    initials.push(c);
                }
            }
        }
        keys.push(full);
        keys.push(initials);
    }
    keys
}

/// Trending and suggestions, recomputed when stale. Cheap to clone.
#[derive(Clone)]
pub struct Trends {
    inner: Arc<TrendsInner>,
}

struct TrendsInner {
    db: Db,
    index: Arc<SearchIndex>,
    refresh: Duration,
    min_members: i64,
    /// Bumped when searches are counted.
    generation: Arc<AtomicU64>,
    /// Bumped when a term is hidden or shown: lists computed before are stale at once.
    hidden_version: AtomicU64,
    trending: tokio::sync::Mutex<Cached<Vec<Trend>>>,
    suggester: tokio::sync::Mutex<Cached<Arc<Suggester>>>,
    /// The hidden terms and the version they were read at.
    hidden: Mutex<Option<(u64, HashSet<String>)>>,
}

/// A computed list and what it was computed from (`at`: the database clock's time, so
/// tests move it).
struct Cached<T> {
    value: Option<T>,
    generation: u64,
    hidden_version: u64,
    at: Option<Timestamp>,
}

impl<T> Default for Cached<T> {
    fn default() -> Self {
        Cached { value: None, generation: 0, hidden_version: 0, at: None }
    }
}

impl<T: Clone> Cached<T> {
    /// The value, unless terms were hidden or shown since, or searches were counted
    /// since and it is older than `refresh`.
    fn fresh(&self, (generation, hidden_version): (u64, u64), refresh: Duration, now: Timestamp) -> Option<T> {
        let refresh_micros = i64::try_from(refresh.as_micros()).unwrap_or(i64::MAX);
        let recent = self.at.is_some_and(|at| now.micros().saturating_sub(at.micros()) < refresh_micros);
        let current = self.hidden_version == hidden_version && (self.generation == generation || recent);
        self.value.clone().filter(|_| current)
    }

    fn set(&mut self, value: T, (generation, hidden_version): (u64, u64), now: Timestamp) {
        *self = Cached { value: Some(value), generation, hidden_version, at: Some(now) };
    }
}

impl Trends {
    pub(crate) fn new(db: Db, index: Arc<SearchIndex>, refresh: Duration, min_members: u32) -> Trends {
        Trends {
            inner: Arc::new(TrendsInner {
                db,
                index,
                refresh,
                min_members: i64::from(min_members.max(1)),
                generation: Arc::new(AtomicU64::new(1)),
                hidden_version: AtomicU64::new(1),
                trending: Default::default(),
                suggester: Default::default(),
                hidden: Mutex::new(None),
            }),
        }
    }

    pub(crate) fn counter(&self) -> Counter {
        Counter { generation: self.inner.generation.clone() }
    }

    /// What a cached list depends on, read before computing it.
    fn versions(&self) -> (u64, u64) {
        (self.inner.generation.load(Ordering::SeqCst), self.inner.hidden_version.load(Ordering::SeqCst))
    }

    /// The hidden terms as of `version` (or later).
    async fn hidden(&self, version: u64) -> Result<HashSet<String>, Error> {
        if let Some((at, hidden)) = self.inner.hidden.lock().expect("the hidden lock is never poisoned").as_ref()
            && *at == version
        {
            return Ok(hidden.clone());
        }
        let hidden: HashSet<String> =
            search::hidden(&mut *self.inner.db.reader().await?, 10_000).await?.into_iter().collect();
        *self.inner.hidden.lock().expect("the hidden lock is never poisoned") = Some((version, hidden.clone()));
        Ok(hidden)
    }

    /// The rising queries now, at most `limit`, hidden terms left out.
    pub async fn trending(&self, limit: usize) -> Result<Vec<Trend>, Error> {
        let versions = self.versions();
        let mut cached = self.inner.trending.lock().await;
        if let Some(trends) = cached.fresh(versions, self.inner.refresh, self.inner.db.now()) {
            return Ok(trends.into_iter().take(limit).collect());
        }
        let hidden = self.hidden(versions.1).await?;
        let now = hour_of(self.inner.db.now());
        let recent_from = now - (RECENT_HOURS - 1) * HOUR;
        let from = recent_from - BASELINE_HOURS * HOUR;
        let rows = search::query_windows(
            &mut *self.inner.db.reader().await?,
            from,
            recent_from,
            self.inner.min_members,
            2_000,
        )
        .await?;
        let mut trends: Vec<Trend> = rows
            .into_iter()
            .filter(|(query, ..)| !hidden.contains(query) && may_be_suggested(query))
            .map(|(query, recent, earlier)| {
                let expected = earlier as f64 * RECENT_HOURS as f64 / BASELINE_HOURS as f64;
                let score = (recent as f64 - expected) / (expected + 1.0).sqrt();
                Trend { query, searchers: recent, expected, score }
            })
            .filter(|t| t.score > 1.0)
            .collect();
        trends.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.query.cmp(&b.query)));
        trends.truncate(100);
        cached.set(trends.clone(), versions, self.inner.db.now());
        Ok(trends.into_iter().take(limit).collect())
    }

    /// Completions of `prefix`: popular queries and topics, hidden terms left out.
    pub async fn suggest(&self, prefix: &str, limit: usize) -> Result<Vec<Suggestion>, Error> {
        Ok(self.suggester().await?.lookup(prefix, limit))
    }

    /// What members' searches currently put into suggestions (for the operator), the
    /// most searched first, at most `limit`; topics are not listed.
    pub async fn suggested_queries(&self, limit: usize) -> Result<Vec<Suggestion>, Error> {
        let suggester = self.suggester().await?;
        let mut queries: Vec<Suggestion> =
            suggester.labels.iter().filter(|s| s.kind == SuggestionKind::Query).cloned().collect();
        queries.sort_by(|a, b| b.weight.cmp(&a.weight).then_with(|| a.text.cmp(&b.text)));
        queries.truncate(limit);
        Ok(queries)
    }

    /// The suggester, rebuilt when stale.
    async fn suggester(&self) -> Result<Arc<Suggester>, Error> {
        let versions = self.versions();
        let mut cached = self.inner.suggester.lock().await;
        if let Some(suggester) = cached.fresh(versions, self.inner.refresh, self.inner.db.now()) {
            return Ok(suggester);
        }
        let suggester = Arc::new(self.build_suggester(versions.1).await?);
        cached.set(suggester.clone(), versions, self.inner.db.now());
        Ok(suggester)
    }

    async fn build_suggester(&self, hidden_version: u64) -> Result<Suggester, Error> {
        let hidden = self.hidden(hidden_version).await?;
        let from = hour_of(self.inner.db.now()) - SUGGEST_DAYS * 24 * HOUR;
        let queries =
            search::popular_queries(&mut *self.inner.db.reader().await?, from, self.inner.min_members, SUGGEST_QUERIES)
                .await?;
        let index = self.inner.index.clone();
        let topics = tokio::task::spawn_blocking(move || index.popular_topics(SUGGEST_TOPICS))
            .await
            .map_err(|e| Error::internal(format!("suggestions: {e}")))??;
        let mut labels: Vec<Suggestion> = queries
            .into_iter()
            .filter(|(q, _)| !hidden.contains(q) && may_be_suggested(q))
            .map(|(text, n)| Suggestion { text, kind: SuggestionKind::Query, weight: n.max(0) as u64 })
            .collect();
        labels.extend(topics.into_iter().filter(|t| !hidden.contains(&t.topic)).map(|t| Suggestion {
            text: t.topic,
            kind: SuggestionKind::Topic,
            weight: t.notes,
        }));
        Ok(Suggester::build(labels))
    }

    /// Hides `query` (normalized) from trending and suggestions.
    pub async fn hide(&self, admin_id: Id, query: &str) -> Result<bool, Error> {
        let mut tx = self.inner.db.begin().await?;
        let hidden = search::hide(&mut tx, query, admin_id).await?;
        if hidden {
            let details = serde_json::json!({ "query": query });
            audit::record(&mut tx, Some(admin_id), "search.hide_term", "search_term", Id::from_i64(0), &details)
                .await?;
            tx.emit(DomainEvent::SearchTermHidden { query: query.to_owned(), admin_id }).await?;
        }
        tx.commit().await?;
        self.changed();
        Ok(hidden)
    }

    /// Shows `query` again.
    pub async fn show(&self, admin_id: Id, query: &str) -> Result<bool, Error> {
        let mut tx = self.inner.db.begin().await?;
        let shown = search::unhide(&mut tx, query).await?;
        if shown {
            let details = serde_json::json!({ "query": query });
            audit::record(&mut tx, Some(admin_id), "search.show_term", "search_term", Id::from_i64(0), &details)
                .await?;
            tx.emit(DomainEvent::SearchTermShown { query: query.to_owned(), admin_id }).await?;
        }
        tx.commit().await?;
        self.changed();
        Ok(shown)
    }

    pub async fn hidden_terms(&self) -> Result<Vec<String>, Error> {
        Ok(search::hidden(&mut *self.inner.db.reader().await?, 10_000).await?)
    }

    /// Hiding or showing takes effect at once: every list computed before is stale.
    fn changed(&self) {
        self.inner.hidden_version.fetch_add(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(text: &str, kind: SuggestionKind, weight: u64) -> Suggestion {
        Suggestion { text: text.to_owned(), kind, weight }
    }

    #[test]
    fn personal_looking_and_syntax_queries_are_never_suggested() {
        for fine in ["护肤", "iphone 15 pro", "spf50+", "3.5mm 耳机", "2024年 新款", "l'oréal", "h&m", "c#", "123456"]
        {
            assert!(may_be_suggested(fine), "{fine}");
        }
        for personal in [
            "13800138000",
            "张伟 138 0013 8000",
            "+86 138-0013-8000",
            "a.b@example.com",
            "@lanlan",
            "110101199003074578",
            "卡号 6222 0212 3456 7890",
            "质量^10",
            "title:foo*",
            "(护肤)",
            "",
        ] {
            assert!(!may_be_suggested(personal), "{personal}");
        }
    }

    #[test]
    fn suggestions_complete_text_pinyin_and_initials_by_weight() {
        let suggester = Suggester::build(vec![
            label("护肤", SuggestionKind::Topic, 30),
            label("护肤品推荐", SuggestionKind::Query, 50),
            label("hiking boots", SuggestionKind::Query, 5),
            label("火锅", SuggestionKind::Query, 80),
        ]);
        let texts = |prefix: &str| suggester.lookup(prefix, 10).into_iter().map(|s| s.text).collect::<Vec<_>>();
        assert_eq!(texts("护"), ["护肤品推荐", "护肤"]);
        assert_eq!(texts("hu"), ["火锅", "护肤品推荐", "护肤"], "pinyin: huoguo, hufu…");
        assert_eq!(texts("hf"), ["护肤品推荐", "护肤"], "initials");
        assert_eq!(texts("Hiking B"), ["hiking boots"]);
        assert_eq!(texts("護"), ["护肤品推荐", "护肤"], "traditional folds");
        assert!(texts("zz").is_empty());
        assert_eq!(suggester.lookup("h", 1).len(), 1);
    }
}
