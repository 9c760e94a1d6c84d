//! Turning what a member typed into a bounded tantivy query, and running it.
//!
//! The text is never parsed as a query language: it is cut to
//! [`SEARCH_QUERY_CHARS_MAX`] characters, control characters become spaces, text in
//! double quotes (straight or curly) is a phrase, and everything else is analyzed
//! into words. `AND`, brackets, `*`, `:` are just words or punctuation. At most
//! [`TERMS_MAX`] terms are used, and typo tolerance (edit distance 1, 2 from nine
//! letters) applies to at most [`FUZZY_TERMS_MAX`] Latin words of five letters or
//! more — so no query costs more than a fixed number of term lookups.
//!
//! Every word must match (in the title ×3, a topic ×2, the author ×1.5 or the body);
//! a query with several words that finds nothing is retried with any word matching
//! (`relaxed`). Each sort ranks the best `SEARCH_RESULTS_MAX` matches (by BM25, with
//! tantivy's pruning, for relevance) and pages are slices of that window, so counts
//! stop at that number. Relevance is BM25 × quality × freshness: quality is CES per
//! impression smoothed towards a prior (so three lucky impressions cannot win),
//! freshness halves every 30 days but never takes more than half the score.

use std::collections::HashMap;
use std::ops::Bound;

use carmine_core::limits::{SEARCH_QUERY_CHARS_MAX, SEARCH_RESULTS_MAX};
use carmine_core::{Error, Id, Timestamp};
use tantivy::collector::TopDocs;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery,
    TermSetQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::tokenizer::TokenStream;
use tantivy::{DocAddress, Searcher, SegmentReader, TantivyDocument, Term};

use crate::analyzer::{Mode, is_function_word, searched_by_chars};
use crate::index::{SearchIndex, fail};
use crate::snippet;

/// Terms used from one query.
pub const TERMS_MAX: usize = 12;
/// Words given typo tolerance.
pub const FUZZY_TERMS_MAX: usize = 4;
/// How far apart (in words) the words of a query may be to earn the proximity bonus.
const PROXIMITY_SLOP: u32 = 4;
/// Characters of body shown around the matches.
const SNIPPET_CHARS: usize = 120;
/// The prior: a note starts as if it had this many impressions at this CES rate.
const PRIOR_IMPRESSIONS: f32 = 50.0;
const PRIOR_RATE: f32 = 0.03;
const FRESHNESS_HALF_LIFE_DAYS: f32 = 30.0;
const MICROS_PER_DAY: f32 = 86_400_000_000.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Relevance,
    Newest,
    /// Most likes + saves + comments + shares.
    Engaged,
}

impl Sort {
    pub fn parse(raw: &str) -> Option<Sort> {
        match raw {
            "relevance" => Some(Sort::Relevance),
            "newest" => Some(Sort::Newest),
            "engaged" => Some(Sort::Engaged),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Relevance => "relevance",
            Sort::Newest => "newest",
            Sort::Engaged => "engaged",
        }
    }
}

/// Notes with one image, or several.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Media {
    Image,
    Album,
}

impl Media {
    pub fn parse(raw: &str) -> Option<Media> {
        match raw {
            "image" => Some(Media::Image),
            "album" => Some(Media::Album),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Media::Image => "image",
            Media::Album => "album",
        }
    }
}

/// A note search, as validated by the caller.
#[derive(Clone, Debug, Default)]
pub struct NoteQuery {
    pub text: String,
    pub sort: Sort,
    /// A normalized topic the notes must carry.
    pub topic: Option<String>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    pub media: Option<Media>,
    pub offset: usize,
    pub limit: usize,
}

/// Whose notes a searcher may find beyond public ones.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    pub member: Option<Id>,
    /// Actors they follow: their followers-only and moderated notes.
    pub followed: Vec<Id>,
    /// Organizations they belong to: all their notes.
    pub orgs: Vec<Id>,
}

/// Text with the matched runs marked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Highlighted {
    /// Runs of text in order; `true` marks a match.
    pub parts: Vec<(String, bool)>,
    /// The text goes on before the first run, after the last (show "…").
    pub cut_before: bool,
    pub cut_after: bool,
}

impl Highlighted {
    pub fn plain(text: &str) -> Highlighted {
        let parts = if text.is_empty() { Vec::new() } else { vec![(text.to_owned(), false)] };
        Highlighted { parts, cut_before: false, cut_after: false }
    }

    /// The start of `text`, unmarked: at most `chars_max` characters, ending between
    /// words when a Latin word would be cut (CJK text has no spaces to end at).
    pub fn start_of(text: &str, chars_max: usize) -> Highlighted {
        let mut kept: String = text.chars().take(chars_max).collect();
        let cut_after = text.len() > kept.len();
        let mid_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() && !crate::analyzer::is_cjk(c));
        if cut_after
            && mid_word(kept.chars().last())
            && mid_word(text[kept.len()..].chars().next())
            && let Some(space) = kept.rfind(char::is_whitespace).filter(|&at| at > 0 && kept.len() - at <= 30)
        {
            kept.truncate(space);
        }
        let mut start = Highlighted::plain(kept.trim_end());
        start.cut_after = cut_after;
        start
    }

    pub fn text(&self) -> String {
        self.parts.iter().map(|(t, _)| t.as_str()).collect()
    }
}

#[derive(Clone, Debug)]
pub struct NoteHit {
    pub id: Id,
    pub title: Highlighted,
    pub snippet: Highlighted,
}

#[derive(Clone, Debug, Default)]
pub struct NoteResults {
    /// Matching notes this searcher may find (before the database's last check),
    /// counted up to `SEARCH_RESULTS_MAX`.
    pub total: usize,
    pub hits: Vec<NoteHit>,
    /// More notes matched than the window counts: `total` is a lower bound (shown as
    /// "1,000+").
    pub capped: bool,
    /// Nothing matched every word: these match some.
    pub relaxed: bool,
    /// The words searched for, after analysis (what the snippets highlight).
    pub terms: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActorHit {
    pub id: Id,
    /// `member` or `org`.
    pub kind: String,
    pub handle: String,
    pub name: String,
    pub followers: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicHit {
    pub topic: String,
    /// Notes carrying it that the searcher may find (what a search of the topic finds).
    pub notes: u64,
}

/// What a member typed, analyzed.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Parsed {
    /// Single terms, each required.
    pub(crate) words: Vec<String>,
    /// Phrases of two or more terms with their relative positions.
    pub(crate) phrases: Vec<Vec<(usize, String)>>,
    /// The unquoted terms in the order typed (a phrase match of them ranks higher).
    sequence: Vec<String>,
}

impl Parsed {
    pub(crate) fn is_empty(&self) -> bool {
        self.words.is_empty() && self.phrases.is_empty()
    }

    /// The same query without English function words (`in`, `the`, `how`…), unless
    /// that would leave nothing to search.
    pub(crate) fn without_function_words(&self) -> Parsed {
        let content: Vec<String> = self.words.iter().filter(|w| !is_function_word(w)).cloned().collect();
        let words = if content.is_empty() && self.phrases.is_empty() { self.words.clone() } else { content };
        Parsed { words, phrases: self.phrases.clone(), sequence: self.sequence.clone() }
    }

    fn terms(&self) -> Vec<String> {
        let mut terms = self.words.clone();
        terms.extend(self.phrases.iter().flatten().map(|(_, t)| t.clone()));
        terms
    }
}

/// The query text as searched and shown back: at most [`SEARCH_QUERY_CHARS_MAX`]
/// characters, control characters (a NUL, a line break) as spaces.
pub fn clean_query(raw: &str) -> String {
    raw.chars().take(SEARCH_QUERY_CHARS_MAX).map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// Cuts, cleans and analyzes the query text (see the module header).
pub(crate) fn parse(index: &SearchIndex, raw: &str) -> Parsed {
    let cleaned = clean_query(raw);
    let mut analyzer = index.analyzer.text_analyzer(Mode::Query);
    let mut parsed = Parsed::default();
    let mut budget = TERMS_MAX;
    for (i, piece) in cleaned.split(['"', '“', '”']).enumerate() {
        let quoted = i % 2 == 1;
        let mut stream = analyzer.token_stream(piece);
        let mut phrase = Vec::new();
        while let Some(token) = stream.next() {
            if budget == 0 {
                break;
            }
            budget -= 1;
            if quoted {
                phrase.push((token.position, token.text.clone()));
            } else {
                parsed.sequence.push(token.text.clone());
                if !parsed.words.contains(&token.text) {
                    parsed.words.push(token.text.clone());
                }
            }
        }
        match phrase.len() {
            0 => {}
            1 => parsed.words.extend(phrase.into_iter().map(|(_, t)| t)),
            _ => parsed.phrases.push(phrase),
        }
    }
    parsed
}

/// A Latin word worth typo tolerance, and how many edits it tolerates.
fn fuzzy_distance(term: &str) -> Option<u8> {
    let letters = term.chars().count();
    (term.chars().all(|c| c.is_ascii_lowercase()) && letters >= 5).then_some(if letters >= 9 { 2 } else { 1 })
}

pub(crate) fn term_query(field: Field, text: &str, boost: f32) -> Box<dyn Query> {
    let query = TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::WithFreqsAndPositions);
    Box::new(BoostQuery::new(Box::new(query), boost))
}

/// `terms` at consecutive positions of `field`, up to `slop` apart.
pub(crate) fn phrase_query(field: Field, terms: &[String], slop: u32, boost: f32) -> Box<dyn Query> {
    let mut phrase = PhraseQuery::new(terms.iter().map(|t| Term::from_field_text(field, t)).collect());
    phrase.set_slop(slop);
    Box::new(BoostQuery::new(Box::new(phrase), boost))
}

/// A query that only filters: it adds nothing to the score.
pub(crate) fn filter(query: Box<dyn Query>) -> (Occur, Box<dyn Query>) {
    (Occur::Must, Box::new(ConstScoreQuery::new(query, 0.0)))
}

pub(crate) fn keyword(field: Field, value: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(field, value), IndexRecordOption::Basic))
}

impl SearchIndex {
    /// The text part of a note query: every word (or, `relaxed`, any word) in some field.
    /// A word of three or more CJK characters also matches the phrase of its characters
    /// (text segmented differently around it), a lone CJK character any word holding
    /// it (at half weight); the words typed together as a phrase,
    /// or near each other, score higher.
    fn note_text_query(&self, parsed: &Parsed, relaxed: bool) -> Box<dyn Query> {
        let f = self.fields;
        let fields = [(f.title, 3.0), (f.topic_text, 2.0), (f.author, 1.5), (f.body, 1.0)];
        let mut fuzzy_left = FUZZY_TERMS_MAX;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let occur = if relaxed { Occur::Should } else { Occur::Must };
        for word in &parsed.words {
            let mut any: Vec<(Occur, Box<dyn Query>)> =
                fields.iter().map(|&(field, boost)| (Occur::Should, term_query(field, word, boost))).collect();
            if let Some(distance) = fuzzy_distance(word).filter(|_| fuzzy_left > 0) {
                fuzzy_left -= 1;
                for field in [f.title, f.body] {
                    let fuzzy = FuzzyTermQuery::new(Term::from_field_text(field, word), distance, true);
                    any.push((Occur::Should, Box::new(BoostQuery::new(Box::new(fuzzy), 0.3))));
                }
            }
            if searched_by_chars(word) {
                let spelled = self.analyzer.terms(word, Mode::Chars);
                for (field, boost) in [(f.title_chars, 1.5), (f.body_chars, 0.5)] {
                    match spelled.as_slice() {
                        [] => {}
                        [one] => any.push((Occur::Should, term_query(field, one, boost / 2.0))),
                        _ => any.push((Occur::Should, phrase_query(field, &spelled, 0, boost))),
                    }
                }
            }
            clauses.push((occur, Box::new(BooleanQuery::new(any))));
        }
        for phrase in &parsed.phrases {
            let any = [f.title, f.body]
                .into_iter()
                .map(|field| {
                    let terms = phrase.iter().map(|(at, t)| (*at, Term::from_field_text(field, t))).collect();
                    (Occur::Should, Box::new(PhraseQuery::new_with_offset(terms)) as Box<dyn Query>)
                })
                .collect();
            clauses.push((occur, Box::new(BooleanQuery::new(any))));
        }
        if parsed.sequence.len() >= 2 {
            // Proximity: the words as typed, side by side, then within a few words.
            for (field, boost) in [(f.title, 3.0), (f.body, 1.5)] {
                clauses.push((Occur::Should, phrase_query(field, &parsed.sequence, 0, boost)));
                clauses.push((Occur::Should, phrase_query(field, &parsed.sequence, PROXIMITY_SLOP, boost / 2.0)));
            }
        }
        Box::new(BooleanQuery::new(clauses))
    }

    /// Notes the searcher's scope may find: public ones, followers-only notes of those
    /// they follow, and their own and their organizations'.
    fn visible_to(&self, scope: &Scope) -> Box<dyn Query> {
        let f = self.fields;
        let authors = |ids: &[Id]| -> Box<dyn Query> {
            Box::new(TermSetQuery::new(ids.iter().map(|id| Term::from_field_i64(f.author_id, id.as_i64()))))
        };
        let mut visible: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Should, keyword(f.audience, "public"))];
        if !scope.followed.is_empty() {
            let followers_only = BooleanQuery::new(vec![
                (Occur::Must, keyword(f.audience, "followers")),
                (Occur::Must, authors(&scope.followed)),
            ]);
            visible.push((Occur::Should, Box::new(followers_only)));
        }
        let insiders: Vec<Id> = scope.member.iter().copied().chain(scope.orgs.iter().copied()).collect();
        if !insiders.is_empty() {
            visible.push((Occur::Should, authors(&insiders)));
        }
        Box::new(BooleanQuery::new(visible))
    }

    /// Filters: notes only, the searcher's scope, topic, time range, media.
    fn note_filters(&self, query: &NoteQuery, scope: &Scope) -> Vec<(Occur, Box<dyn Query>)> {
        let f = self.fields;
        let mut filters = vec![filter(keyword(f.kind, "note")), filter(self.visible_to(scope))];
        if let Some(topic) = &query.topic {
            filters.push(filter(keyword(f.topic, topic)));
        }
        if query.since.is_some() || query.until.is_some() {
            let bound = |t: Option<Timestamp>, inclusive: bool| match t {
                None => Bound::Unbounded,
                Some(t) if inclusive => Bound::Included(Term::from_field_i64(f.published_at, t.micros())),
                Some(t) => Bound::Excluded(Term::from_field_i64(f.published_at, t.micros())),
            };
            let range = RangeQuery::new(bound(query.since, true), bound(query.until, false));
            filters.push(filter(Box::new(range)));
        }
        if let Some(media) = query.media {
            filters.push(filter(keyword(f.media, media.as_str())));
        }
        filters
    }

    /// Notes matching `query` that `scope` may find, in the asked order, from
    /// `query.offset` (offset + limit is capped at [`SEARCH_RESULTS_MAX`]).
    pub fn notes(&self, query: &NoteQuery, scope: &Scope, now: Timestamp) -> Result<NoteResults, Error> {
        let parsed = parse(self, &query.text);
        if parsed.is_empty() && query.topic.is_none() {
            return Ok(NoteResults::default());
        }
        let limit = query.limit.min(SEARCH_RESULTS_MAX.saturating_sub(query.offset));
        let searcher = self.reader.searcher();
        let mut relaxed = false;
        let (mut total, mut found) = self.run_notes(&searcher, &parsed, query, scope, now, false, limit)?;
        let mut terms = parsed.terms();
        if total == 0 && parsed.words.len() + parsed.phrases.len() > 1 {
            // Any word may match now — but not a function word alone: "in" would
            // otherwise find every "Kyoto in autumn" for "dry skin in winter".
            relaxed = true;
            let content = parsed.without_function_words();
            (total, found) = self.run_notes(&searcher, &content, query, scope, now, true, limit)?;
            terms = content.terms();
        }
        let hits = self.note_hits(&searcher, &found, &terms)?;
        Ok(NoteResults {
            total: total.min(SEARCH_RESULTS_MAX),
            capped: total > SEARCH_RESULTS_MAX,
            hits,
            relaxed,
            terms,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn run_notes(
        &self,
        searcher: &Searcher,
        parsed: &Parsed,
        query: &NoteQuery,
        scope: &Scope,
        now: Timestamp,
        relaxed: bool,
        limit: usize,
    ) -> Result<(usize, Vec<DocAddress>), Error> {
        let mut clauses = self.note_filters(query, scope);
        if !parsed.is_empty() {
            clauses.push((Occur::Must, self.note_text_query(parsed, relaxed)));
        }
        let full = BooleanQuery::new(clauses);
        // Every sort ranks the same window — the best SEARCH_RESULTS_MAX matches — and
        // pages are slices of it: paging an unchanged index never overlaps or skips,
        // and relevance lets tantivy prune by BM25 before the blend reorders.
        // One past the window tells whether the count is capped.
        let window = TopDocs::with_limit(SEARCH_RESULTS_MAX + 1);
        // Ties break on the id (newest first).
        let ranked: Vec<DocAddress> = match query.sort {
            Sort::Relevance if !parsed.is_empty() => {
                let best = searcher.search(&full, &window.order_by_score()).map_err(fail)?;
                let now = now.micros();
                let segments: Vec<_> =
                    searcher.segment_readers().iter().map(|s| (blend(s, now), i64_column(s, "id"))).collect();
                let mut blended: Vec<((f32, i64), DocAddress)> = best
                    .into_iter()
                    .map(|(score, address)| {
                        let (blend, id) = &segments[address.segment_ord as usize];
                        ((blend(address.doc_id, score), id(address.doc_id)), address)
                    })
                    .collect();
                blended.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
                blended.into_iter().map(|(_, a)| a).collect()
            }
            Sort::Relevance | Sort::Newest => {
                let newest = window.order_by(|segment: &SegmentReader| {
                    let (published, id) = (i64_column(segment, "published_at"), i64_column(segment, "id"));
                    move |doc| (published(doc), id(doc))
                });
                searcher.search(&full, &newest).map_err(fail)?.into_iter().map(|(_, a)| a).collect()
            }
            Sort::Engaged => {
                let engaged = window.order_by(|segment: &SegmentReader| {
                    let engagement = u64_column(segment, "engagement");
                    let (published, id) = (i64_column(segment, "published_at"), i64_column(segment, "id"));
                    move |doc| (engagement(doc), published(doc), id(doc))
                });
                searcher.search(&full, &engaged).map_err(fail)?.into_iter().map(|(_, a)| a).collect()
            }
        };
        let total = ranked.len();
        let page = ranked.into_iter().skip(query.offset).take(limit).collect();
        Ok((total, page))
    }

    fn note_hits(&self, searcher: &Searcher, found: &[DocAddress], terms: &[String]) -> Result<Vec<NoteHit>, Error> {
        let f = self.fields;
        let mut marker = snippet::Marker::new(&self.analyzer, terms);
        let mut hits = Vec::with_capacity(found.len());
        for &address in found {
            let doc: TantivyDocument = searcher.doc(address).map_err(fail)?;
            let text = |field: Field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
            let Some(id) = doc.get_first(f.id).and_then(|v| v.as_i64()) else { continue };
            let (title, body) = (text(f.title), text(f.body));
            let body_marked = snippet::snippet(&mut marker, &body, SNIPPET_CHARS)
                .unwrap_or_else(|| Highlighted::start_of(&body, SNIPPET_CHARS));
            // The whole title, its matches marked.
            let title_chars = title.chars().count();
            let title_marked =
                snippet::snippet(&mut marker, &title, title_chars).unwrap_or_else(|| Highlighted::plain(&title));
            hits.push(NoteHit { id: Id::from_i64(id), title: title_marked, snippet: body_marked });
        }
        Ok(hits)
    }

    /// Members and organizations whose name, handle or description matches, the most
    /// followed first among equals.
    pub fn actors(&self, text: &str, limit: usize) -> Result<Vec<ActorHit>, Error> {
        let parsed = parse(self, text);
        if parsed.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let f = self.fields;
        let mut clauses = vec![filter(keyword(f.kind, "actor"))];
        for word in parsed.terms() {
            let mut any = vec![
                (Occur::Should, term_query(f.name_text, &word, 2.0)),
                (Occur::Should, term_query(f.about, &word, 0.5)),
            ];
            if word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                any.push((Occur::Should, term_query(f.handle, &word, 3.0)));
            }
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        let searcher = self.reader.searcher();
        let top = TopDocs::with_limit(limit).tweak_score(move |segment: &SegmentReader| {
            let (followers, id) = (u64_column(segment, "followers"), i64_column(segment, "id"));
            move |doc, score: f32| (score * (1.0 + followers(doc) as f32).ln_1p(), id(doc))
        });
        let found = searcher.search(&BooleanQuery::new(clauses), &top).map_err(fail)?;
        let mut hits = Vec::with_capacity(found.len());
        for (_, address) in found {
            let doc: TantivyDocument = searcher.doc(address).map_err(fail)?;
            let text = |field: Field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
            let Some(id) = doc.get_first(f.id).and_then(|v| v.as_i64()) else { continue };
            hits.push(ActorHit {
                id: Id::from_i64(id),
                kind: text(f.actor_kind),
                handle: text(f.handle),
                name: text(f.name),
                followers: doc.get_first(f.followers).and_then(|v| v.as_u64()).unwrap_or(0),
            });
        }
        Ok(hits)
    }

    /// Topics starting with `prefix` (normalized), the most used first, counted as
    /// `scope` would find them.
    pub fn topics(&self, prefix: &str, limit: usize, scope: &Scope) -> Result<Vec<TopicHit>, Error> {
        if prefix.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let mut upper = prefix.as_bytes().to_vec();
        upper.push(0xFF);
        let mut counts: HashMap<String, u64> = HashMap::new();
        let searcher = self.reader.searcher();
        for segment in searcher.segment_readers() {
            let inverted = segment.inverted_index(self.fields.topic).map_err(fail)?;
            let mut stream = inverted.terms().range().ge(prefix.as_bytes()).lt(&upper).into_stream().map_err(fail)?;
            let mut scanned = 0;
            while stream.advance() && scanned < TOPICS_SCANNED_MAX {
                scanned += 1;
                let topic = String::from_utf8_lossy(stream.key()).into_owned();
                *counts.entry(topic).or_default() += u64::from(stream.value().doc_freq);
            }
        }
        self.counted(&searcher, counts, limit, scope)
    }
}

impl SearchIndex {
    /// The benchmark's ceiling: tantivy alone on analyzed `terms` (all required, in
    /// the title or the body), the best `limit` by BM25 — no filters, blend, snippets.
    pub fn raw_top(&self, terms: &[String], limit: usize) -> Result<Vec<DocAddress>, Error> {
        let f = self.fields;
        let clauses: Vec<(Occur, Box<dyn Query>)> = terms
            .iter()
            .map(|t| {
                let any =
                    vec![(Occur::Should, term_query(f.title, t, 1.0)), (Occur::Should, term_query(f.body, t, 1.0))];
                (Occur::Must, Box::new(BooleanQuery::new(any)) as Box<dyn Query>)
            })
            .collect();
        let found = self
            .reader
            .searcher()
            .search(&BooleanQuery::new(clauses), &TopDocs::with_limit(limit.max(1)).order_by_score());
        Ok(found.map_err(fail)?.into_iter().map(|(_, a)| a).collect())
    }

    /// The most used topics (by notes carrying them), at most `limit`.
    pub fn popular_topics(&self, limit: usize) -> Result<Vec<TopicHit>, Error> {
        let mut counts: HashMap<String, u64> = HashMap::new();
        let searcher = self.reader.searcher();
        for segment in searcher.segment_readers() {
            let inverted = segment.inverted_index(self.fields.topic).map_err(fail)?;
            let mut stream = inverted.terms().stream().map_err(fail)?;
            while stream.advance() {
                let topic = String::from_utf8_lossy(stream.key()).into_owned();
                *counts.entry(topic).or_default() += u64::from(stream.value().doc_freq);
            }
        }
        self.counted(&searcher, counts, limit, &Scope::default())
    }
}

impl SearchIndex {
    /// The `limit` topics with the most notes `scope` may find among `candidates`. The
    /// term dictionary's counts include replaced and deleted versions of notes until
    /// segments merge (a topic showed 1,510 notes where its page found 549): they only
    /// choose candidates; each is then counted as a search of it would find it.
    fn counted(
        &self,
        searcher: &Searcher,
        candidates: HashMap<String, u64>,
        limit: usize,
        scope: &Scope,
    ) -> Result<Vec<TopicHit>, Error> {
        let mut candidates: Vec<(String, u64)> = candidates.into_iter().collect();
        candidates.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        candidates.truncate(limit.saturating_mul(3));
        let f = self.fields;
        let mut topics = Vec::with_capacity(candidates.len());
        for (topic, _) in candidates {
            let findable = BooleanQuery::new(vec![
                (Occur::Must, keyword(f.kind, "note")),
                (Occur::Must, self.visible_to(scope)),
                (Occur::Must, keyword(f.topic, &topic)),
            ]);
            let notes = searcher.search(&findable, &tantivy::collector::Count).map_err(fail)? as u64;
            if notes > 0 {
                topics.push(TopicHit { topic, notes });
            }
        }
        topics.sort_by(|a, b| b.notes.cmp(&a.notes).then_with(|| a.topic.cmp(&b.topic)));
        topics.truncate(limit);
        Ok(topics)
    }
}

/// Topic terms read per segment when completing a prefix.
const TOPICS_SCANNED_MAX: usize = 500;

/// A fast field of one segment as a function of the document (0 where missing).
pub(crate) fn i64_column(segment: &SegmentReader, field: &str) -> impl Fn(tantivy::DocId) -> i64 + use<> {
    let column = segment.fast_fields().i64(field).ok().map(|c| c.first_or_default_col(0));
    move |doc| column.as_ref().map_or(0, |c| c.get_val(doc))
}

pub(crate) fn u64_column(segment: &SegmentReader, field: &str) -> impl Fn(tantivy::DocId) -> u64 + use<> {
    let column = segment.fast_fields().u64(field).ok().map(|c| c.first_or_default_col(0));
    move |doc| column.as_ref().map_or(0, |c| c.get_val(doc))
}

/// The relevance blend for one segment: BM25 × quality × freshness.
fn blend(segment: &SegmentReader, now: i64) -> impl Fn(tantivy::DocId, f32) -> f32 + use<> {
    let (ces, impressions) = (u64_column(segment, "ces"), u64_column(segment, "impressions"));
    let published = i64_column(segment, "published_at");
    move |doc, score| {
        let age_days = (now - published(doc)).max(0) as f32 / MICROS_PER_DAY;
        let freshness = 0.5 + 0.5 * (0.5f32).powf(age_days / FRESHNESS_HALF_LIFE_DAYS);
        score * quality(ces(doc) as f32, impressions(doc) as f32) * freshness
    }
}

/// CES per impression smoothed towards the prior, relative to it, square-rooted and
/// bounded: 0.5 (poor) … 1 (typical) … 3 (excellent).
fn quality(ces: f32, impressions: f32) -> f32 {
    let rate = (ces + PRIOR_RATE * PRIOR_IMPRESSIONS) / (impressions + PRIOR_IMPRESSIONS);
    (rate / PRIOR_RATE).sqrt().clamp(0.5, 3.0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_start_of_a_body_ends_between_words() {
        use super::Highlighted;
        let start = Highlighted::start_of("Most of the products I tried this winter were too heavy", 17);
        assert_eq!((start.text(), start.cut_after), ("Most of the".to_owned(), true));
        let chinese = Highlighted::start_of("用了一个月皮肤真的稳定了很多", 6);
        assert_eq!((chinese.text(), chinese.cut_after), ("用了一个月皮".to_owned(), true));
        let whole = Highlighted::start_of("short", 20);
        assert_eq!((whole.text(), whole.cut_after), ("short".to_owned(), false));
    }

    use super::*;
    use crate::analyzer::Analyzer;
    use carmine_events::CesWeights;

    #[test]
    fn query_syntax_is_only_text_and_quotes_make_phrases() {
        let index = SearchIndex::open(None, Analyzer::new(""), CesWeights::default()).unwrap();
        let parsed = parse(&index, "(lipstick AND \"red matte\") OR 口红* \u{0}");
        assert_eq!(parsed.words, ["lipstick", "and", "or", "口红"]);
        assert_eq!(parsed.phrases, [vec![(0, "red".to_owned()), (1, "matt".to_owned())]]);
        assert!(parse(&index, "  🙂 ,,, ").is_empty());
        let huge = "护肤".repeat(10_000);
        assert!(parse(&index, &huge).terms().len() <= TERMS_MAX);
    }

    #[test]
    fn quality_is_bounded_and_prefers_engagement_per_impression() {
        assert_eq!(quality(0.0, 0.0), 1.0);
        assert!(quality(30.0, 100.0) > quality(3.0, 100.0));
        assert!(quality(3.0, 3.0) < 3.0, "three lucky impressions do not max it out");
        assert_eq!(quality(0.0, 1e9), 0.5);
    }
}
