#![allow(dead_code)] // each test binary uses its own part of this module
//! Shared by the search tests: an in-memory index of public notes, and the checks
//! every answer must pass.

use carmine_core::{Id, Timestamp};
use carmine_events::CesWeights;
use carmine_search::analyzer::Mode;
use carmine_search::index::Changes;
use carmine_search::{Analyzer, Highlighted, NoteQuery, NoteResults, Scope, SearchIndex};
use carmine_store::search::NoteDocument;
use carmine_store::stats::Counters;

pub const NOW: Timestamp = Timestamp(1_767_225_600_000_000);

/// An in-memory index holding `notes` (title, body) as public notes.
pub fn index_of(notes: &[(String, String)]) -> SearchIndex {
    let index = SearchIndex::open(None, Analyzer::new(""), CesWeights::default()).expect("an in-memory index");
    let documents = notes
        .iter()
        .enumerate()
        .map(|(i, (title, body))| NoteDocument {
            id: Id::from_i64(1_000 + i as i64),
            author_id: Id::from_i64(7),
            author_handle: "writer".to_owned(),
            author_name: "Writer".to_owned(),
            title: title.clone(),
            body: body.clone(),
            visibility: "public".to_owned(),
            moderation: "none".to_owned(),
            published_at: Timestamp(NOW.micros() - i as i64 * 60_000_000),
            counters: Counters::default(),
            images: 1,
            topics: Vec::new(),
        })
        .collect();
    index.write(Changes { notes: documents, ..Changes::default() }, 1).expect("the notes are indexed");
    index
}

/// Every page of `text` (`limit` per page) up to the result window: each answer must
/// be valid and well formed. Returns the ids found, in order.
pub fn every_page(index: &SearchIndex, notes: &[(String, String)], text: &str, limit: usize) -> Vec<Id> {
    let mut found = Vec::new();
    let mut offset = 0;
    loop {
        let query = NoteQuery { text: text.to_owned(), offset, limit, ..NoteQuery::default() };
        let results = index
            .notes(&query, &Scope::default(), NOW)
            .unwrap_or_else(|e| panic!("searching {text:?} at offset {offset}: {e:?}"));
        check(notes, text, &results);
        found.extend(results.hits.iter().map(|h| h.id));
        offset += limit;
        if results.hits.len() < limit || offset >= results.total {
            return found;
        }
    }
}

/// A hit's title is its note's whole title; its snippet is a piece of its body; a
/// marked run is never empty.
pub fn check(notes: &[(String, String)], text: &str, results: &NoteResults) {
    assert!(results.hits.len() <= results.total, "{text:?}: more hits than the total");
    for hit in &results.hits {
        let (title, body) = &notes[(hit.id.as_i64() - 1_000) as usize];
        assert_eq!(&hit.title.text(), title, "{text:?}: the title is shown whole");
        let snippet = hit.snippet.text();
        assert!(body.contains(&snippet), "{text:?}: snippet {snippet:?} is not a piece of the body");
        for runs in [&hit.title, &hit.snippet] {
            well_formed(text, runs);
        }
    }
}

fn well_formed(text: &str, runs: &Highlighted) {
    for (run, _) in &runs.parts {
        assert!(!run.is_empty(), "{text:?}: an empty run in {runs:?}");
    }
    for pair in runs.parts.windows(2) {
        assert!(!(pair[0].1 && pair[1].1 && pair[0].0.is_empty()), "{text:?}: {runs:?}");
    }
}

/// The words `text` is indexed under, sub-words included, as a member would type them
/// (the original text of each token).
pub fn typed_words(analyzer: &Analyzer, text: &str) -> Vec<String> {
    let mut analyzer = analyzer.text_analyzer(Mode::Index);
    let mut stream = analyzer.token_stream(text);
    let mut words = Vec::new();
    while let Some(token) = carmine_search::TokenStream::next(&mut stream) {
        if let Some(word) = text.get(token.offset_from..token.offset_to) {
            words.push(word.to_owned());
        }
    }
    words
}
