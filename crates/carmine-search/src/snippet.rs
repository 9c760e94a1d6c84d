//! Snippets: the part of a text that best shows why it matched, with the matches
//! marked.
//!
//! tantivy's `SnippetGenerator` assumes a tokenizer whose offsets only grow; Carmine's
//! index analyzer emits a word's sub-words and letter/digit parts beside the word,
//! with overlapping offsets, and fragments built on that started mid-word and sliced
//! out of range (a search answered 500). So snippets are made here, from the match
//! ranges alone:
//! 1. analyze the text and keep the byte ranges of tokens that are query terms, and of
//!    runs of characters (chars mode) that spell a query word jieba cut differently
//!    here (a range that is not on character boundaries is dropped, never sliced);
//! 2. sort and merge overlapping ranges;
//! 3. pick the window of at most `chars_max` characters covering the most matches
//!    (the earliest on ties), with a little text before the first, its ends moved off
//!    the middle of a Latin word or number where the matches allow (and say where
//!    the text goes on, for a "…");
//! 4. cut the text into runs at character boundaries, marking the matches (a match
//!    longer than the window is cut at the window's end).
//!
//! The runs always concatenate to a substring of the text: every output is valid
//! UTF-8 sliced at boundaries, whatever the analyzer emits.

use std::collections::HashSet;
use std::ops::Range;

use tantivy::tokenizer::{TextAnalyzer, TokenStream};

use crate::analyzer::{Analyzer, Mode, searched_by_chars};
use crate::query::Highlighted;

/// Characters of context kept before the first match, at most.
const LEAD_CHARS_MAX: usize = 20;

/// What to mark: the query's terms, and the character sequences of its long words.
pub(crate) struct Marker {
    words: TextAnalyzer,
    chars: TextAnalyzer,
    terms: HashSet<String>,
    /// Chars-mode tokens of each query word that is also searched as a phrase of them.
    spelled: Vec<Vec<String>>,
}

impl Marker {
    pub(crate) fn new(analyzer: &Analyzer, terms: &[String]) -> Marker {
        let spelled = terms.iter().filter(|t| searched_by_chars(t)).map(|t| analyzer.terms(t, Mode::Chars)).collect();
        Marker {
            words: analyzer.text_analyzer(Mode::Index),
            chars: analyzer.text_analyzer(Mode::Chars),
            terms: terms.iter().cloned().collect(),
            spelled,
        }
    }

    /// Byte ranges of `text` to mark, on character boundaries, in no order.
    fn ranges(&mut self, text: &str) -> Vec<Range<usize>> {
        let sliceable = |r: &Range<usize>| {
            r.start < r.end && r.end <= text.len() && text.is_char_boundary(r.start) && text.is_char_boundary(r.end)
        };
        let mut ranges = Vec::new();
        let mut stream = self.words.token_stream(text);
        while let Some(token) = stream.next() {
            if self.terms.contains(&token.text) {
                ranges.push(token.offset_from..token.offset_to);
            }
        }
        if !self.spelled.is_empty() {
            let mut chars = Vec::new();
            let mut stream = self.chars.token_stream(text);
            while let Some(token) = stream.next() {
                chars.push((token.text.clone(), token.offset_from..token.offset_to));
            }
            for word in &self.spelled {
                for run in chars.windows(word.len().max(1)) {
                    if run.iter().map(|(t, _)| t).eq(word.iter()) {
                        ranges.push(run[0].1.start..run[run.len() - 1].1.end);
                    }
                }
            }
        }
        ranges.retain(sliceable);
        ranges
    }
}

/// The best window of `text` (at most `chars_max` characters) with what `marker` marks
/// marked, or `None` when nothing in it is.
pub(crate) fn snippet(marker: &mut Marker, text: &str, chars_max: usize) -> Option<Highlighted> {
    if chars_max == 0 {
        return None;
    }
    let matches = merge(marker.ranges(text));
    if matches.is_empty() {
        return None;
    }
    // Work in characters from here: the window is measured in them.
    let char_at = CharIndex::new(text);
    let spans: Vec<Range<usize>> = matches.iter().map(|r| char_at.of(r.start)..char_at.of(r.end)).collect();
    let window = best_window(&spans, char_at.len(), chars_max);
    let window = off_mid_word(text, &char_at, window, &spans);
    let mut parts = Vec::new();
    let mut at = window.start;
    for span in &spans {
        let span = span.start.max(window.start)..span.end.min(window.end);
        if span.start >= span.end || span.start < at {
            continue;
        }
        if span.start > at {
            parts.push((char_at.slice(text, at..span.start).to_owned(), false));
        }
        parts.push((char_at.slice(text, span.clone()).to_owned(), true));
        at = span.end;
    }
    if at < window.end {
        parts.push((char_at.slice(text, at..window.end).to_owned(), false));
    }
    Some(Highlighted { parts, cut_before: window.start > 0, cut_after: window.end < char_at.len() })
}

/// Moves the window's ends off the middle of a Latin word or number (CJK text has no
/// spaces to move to): the start forward, the end back, never past a match.
fn off_mid_word(text: &str, char_at: &CharIndex, window: Range<usize>, spans: &[Range<usize>]) -> Range<usize> {
    let is_word = |i: usize| {
        char_at.slice(text, i..i + 1).chars().next().is_some_and(|c| c.is_alphanumeric() && !crate::analyzer::is_cjk(c))
    };
    let first = spans.iter().map(|s| s.start).filter(|&s| s >= window.start).min().unwrap_or(window.end);
    let last = spans.iter().map(|s| s.end).filter(|&e| e <= window.end).max().unwrap_or(window.start);
    let mut start = window.start;
    if start > 0 && is_word(start - 1) && is_word(start) {
        while start < first && is_word(start) {
            start += 1;
        }
        while start < first && char_at.slice(text, start..start + 1).trim().is_empty() {
            start += 1;
        }
    }
    let mut end = window.end;
    if end < char_at.len() && is_word(end - 1) && is_word(end) {
        while end > last && is_word(end - 1) {
            end -= 1;
        }
        if end <= start {
            end = window.end;
        }
    }
    start..end
}

/// Sorted, with overlapping and adjacent ranges merged (早C晚A is one mark, not four).
fn merge(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match merged.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    merged
}

/// The character range of the window: the one starting at a match that covers the
/// most matches whole, then widened to `chars_max` with some text before.
fn best_window(spans: &[Range<usize>], chars_total: usize, chars_max: usize) -> Range<usize> {
    let (mut best, mut best_count) = (0, 0);
    let mut last = 0;
    for (first, span) in spans.iter().enumerate() {
        last = last.max(first);
        while last + 1 < spans.len() && spans[last + 1].end - span.start <= chars_max {
            last += 1;
        }
        let count = last - first + 1;
        if count > best_count {
            (best, best_count) = (first, count);
        }
    }
    let covered = spans[best].start..spans[best + best_count - 1].end.min(spans[best].start + chars_max);
    let slack = chars_max - (covered.end - covered.start);
    let lead = (slack / 3).min(LEAD_CHARS_MAX).min(covered.start);
    let start = covered.start - lead;
    // Use what is left of the budget after the matches, or before when the text ends.
    let end = (start + chars_max).min(chars_total);
    let start = end.saturating_sub(chars_max).min(start);
    start..end
}

/// Byte offset ↔ character index over one text.
struct CharIndex {
    /// The byte offset of every character, then the text's length.
    starts: Vec<usize>,
}

impl CharIndex {
    fn new(text: &str) -> CharIndex {
        let mut starts: Vec<usize> = text.char_indices().map(|(at, _)| at).collect();
        starts.push(text.len());
        CharIndex { starts }
    }

    fn len(&self) -> usize {
        self.starts.len() - 1
    }

    /// The character index at a byte offset on a character boundary.
    fn of(&self, byte: usize) -> usize {
        self.starts.partition_point(|&s| s < byte)
    }

    fn slice<'t>(&self, text: &'t str, chars: Range<usize>) -> &'t str {
        &text[self.starts[chars.start]..self.starts[chars.end]]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(text: &str, terms: &[&str], chars_max: usize) -> Option<Vec<(String, bool)>> {
        let terms: Vec<String> = terms.iter().map(|t| (*t).to_owned()).collect();
        snippet(&mut Marker::new(&Analyzer::new(""), &terms), text, chars_max).map(|h| h.parts)
    }

    #[test]
    fn a_mixed_word_past_the_first_window_is_marked_whole() {
        // The word starts past byte 110, where tantivy's fragments used to start at
        // "15" (emitted before its word) and slice out of range.
        let text = format!("{}我的iphone15很好用", "这是一段很长的开头。".repeat(12));
        let parts = marked(&text, &["iphone15", "15"], 30).expect("a match");
        assert!(parts.contains(&("iphone15".to_owned(), true)), "{parts:?}");
        let joined: String = parts.iter().map(|(t, _)| t.as_str()).collect();
        assert!(text.contains(&joined) && joined.chars().count() <= 30);
    }

    #[test]
    fn sub_words_mark_inside_their_word_without_breaking_it() {
        let parts = marked("中华人民共和国成立了", &["共和国"], 50).expect("a match");
        let joined: String = parts.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(joined, "中华人民共和国成立了");
        assert!(parts.contains(&("共和国".to_owned(), true)), "{parts:?}");
    }

    #[test]
    fn the_window_holds_the_densest_run_of_matches() {
        let text = format!("口红{}口红 口红 口红", "无关".repeat(60));
        let parts = marked(&text, &["口红"], 20).expect("a match");
        assert_eq!(parts.iter().filter(|(_, m)| *m).count(), 3, "{parts:?}");
        assert_eq!(marked("nothing here", &["口红"], 20), None);
    }

    #[test]
    fn a_long_word_is_marked_where_segmentation_split_it() {
        let parts = marked("他一口气喝完了", &["一口气"], 50).expect("a match");
        assert!(parts.contains(&("一口气".to_owned(), true)), "{parts:?}");
    }

    #[test]
    fn a_window_in_latin_text_starts_and_ends_between_words_and_says_it_was_cut() {
        let text =
            "the quick brown fox jumps over the lazy dogs jumped overtly lipstick stays perfectly matte all daylong";
        let terms = vec!["lipstick".to_owned()];
        let snippet = snippet(&mut Marker::new(&Analyzer::new(""), &terms), text, 40).expect("a match");
        let joined = snippet.text();
        assert!(text.contains(&joined), "{joined:?}");
        let (start, end) = (text.find(&joined).unwrap(), text.find(&joined).unwrap() + joined.len());
        let boundary = |at: usize| {
            at == 0
                || at == text.len()
                || !text.as_bytes()[at - 1].is_ascii_alphanumeric()
                || !text.as_bytes()[at].is_ascii_alphanumeric()
        };
        assert!(boundary(start) && boundary(end), "cut mid-word: {joined:?}");
        assert!(!joined.starts_with(' '), "{joined:?}");
        assert!(snippet.cut_before && snippet.cut_after, "the text goes on both sides");
        let whole = snippet_of("lipstick all day", &["lipstick"]);
        assert!(!whole.cut_before && !whole.cut_after);
    }

    fn snippet_of(text: &str, terms: &[&str]) -> Highlighted {
        let terms: Vec<String> = terms.iter().map(|t| (*t).to_owned()).collect();
        snippet(&mut Marker::new(&Analyzer::new(""), &terms), text, 40).expect("a match")
    }

    #[test]
    fn overlapping_and_adjacent_ranges_merge() {
        assert_eq!(merge(vec![3..6, 0..4, 6..8, 0..2, 9..10]), vec![0..8, 9..10]);
    }
}
