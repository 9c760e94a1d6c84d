//! Text analysis for mixed Chinese and English: one analyzer for indexing and one for
//! queries, sharing a jieba segmenter and its dictionary.
//!
//! All first fold variants character by character (full-width ASCII to half-width,
//! traditional to simplified Chinese) and drop invisible characters (zero-width
//! spaces and joiners, word joiners, byte-order marks, soft hyphens), so 护\u{200B}肤 is
//! 护肤 and byte offsets still map back to the text as written (snippets highlight
//! the original). Then jieba segments:
//! - **index mode** cuts in search mode: a long word also yields its dictionary
//!   sub-words (中华人民共和国 → 中华, 人民, 共和国, …) and a Latin token mixing
//!   letters and digits its parts (iphone15 → iphone, 15). Sub-words share the
//!   position of their word, so a phrase written with whole words still lines up;
//! - **query mode** cuts whole words only, each at its own position;
//! - **chars mode** does not segment: every Chinese, Japanese or Korean character is a
//!   token, and so is every run of other letters and digits, each at its own position.
//!   A query word of three or more characters also matches the phrase of its
//!   characters there, so a word is found where jieba cut the text around it
//!   differently (一口气 in 一口气喝完 cut as 一口 / 气喝).
//!
//! Tokens without a letter or digit (spaces, punctuation, emoji) are dropped; the rest
//! are lowercased and English words stemmed (running → run).
//!
//! The dictionary is jieba's, plus the brand and product names in `dictionary.txt`,
//! plus the operator's file (same format: `word [frequency] [tag]` per line). Its
//! fingerprint is stored with the index: changing it re-indexes on the next start.

use std::sync::Arc;

use jieba_rs::Jieba;
use sha2::{Digest, Sha256};
use tantivy::tokenizer::{Language, Stemmer, TextAnalyzer, Token, TokenStream, Tokenizer};

/// Brand and product names shipped with Carmine, in jieba's dictionary format.
const BUILT_IN_WORDS: &str = include_str!("dictionary.txt");

/// The name under which each analyzer is registered with the index.
pub const INDEX_ANALYZER: &str = "carmine_index";
pub const QUERY_ANALYZER: &str = "carmine_query";
pub const CHARS_ANALYZER: &str = "carmine_chars";

/// The segmenter with Carmine's dictionary. Cheap to clone.
#[derive(Clone)]
pub struct Analyzer {
    jieba: Arc<Jieba>,
    fingerprint: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Index,
    Query,
    /// Characters (CJK) and letter/digit runs, unsegmented (see the module header).
    Chars,
}

impl Analyzer {
    /// jieba's dictionary plus the built-in words plus `operator_words` (the contents
    /// of the operator's dictionary file; lines that do not parse are skipped).
    pub fn new(operator_words: &str) -> Analyzer {
        let mut jieba = Jieba::new();
        for line in BUILT_IN_WORDS.lines().chain(operator_words.lines()) {
            let mut parts = line.split_whitespace();
            let Some(word) = parts.next().filter(|w| !w.starts_with('#')) else { continue };
            let frequency = parts.next().and_then(|f| f.parse::<usize>().ok());
            jieba.add_word(&fold(word).0.to_lowercase(), frequency, parts.next());
        }
        let mut hash = Sha256::new();
        hash.update(BUILT_IN_WORDS.as_bytes());
        hash.update(operator_words.as_bytes());
        let fingerprint = hex::encode(&hash.finalize()[..8]);
        Analyzer { jieba: Arc::new(jieba), fingerprint }
    }

    /// Identifies the dictionary: an index built with another must be rebuilt.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The tantivy analyzer for `mode`.
    pub fn text_analyzer(&self, mode: Mode) -> TextAnalyzer {
        match mode {
            Mode::Chars => TextAnalyzer::from(Segmenter { jieba: self.jieba.clone(), mode }),
            Mode::Index | Mode::Query => TextAnalyzer::builder(Segmenter { jieba: self.jieba.clone(), mode })
                .filter(Stemmer::new(Language::English))
                .build(),
        }
    }

    /// The terms `text` is indexed under, in order (sub-words included).
    pub fn terms(&self, text: &str, mode: Mode) -> Vec<String> {
        let mut analyzer = self.text_analyzer(mode);
        let mut stream = analyzer.token_stream(text);
        let mut terms = Vec::new();
        while let Some(token) = stream.next() {
            terms.push(token.text.clone());
        }
        terms
    }

    /// jieba's own cut of `text` (what the analyzer starts from; for benchmarks).
    pub fn raw_cut(&self, text: &str) -> usize {
        self.jieba.cut(text, true).len()
    }
}

/// A query as it is counted and suggested: folded (full-width, traditional),
/// lowercased, whitespace collapsed, control characters dropped, at most
/// `SEARCH_QUERY_CHARS_MAX` characters.
pub fn normalize_query(text: &str) -> String {
    let cut: String = text.chars().take(carmine_core::limits::SEARCH_QUERY_CHARS_MAX).collect();
    let folded = fold(&cut).0.to_lowercase();
    folded.split(|c: char| c.is_whitespace() || c.is_control()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

/// Folds full-width ASCII to half-width and traditional to simplified Chinese, one
/// character for one, and drops invisible characters. Returns the folded text and,
/// when byte offsets changed, the original byte offset of every folded byte offset at
/// a character boundary.
fn fold(text: &str) -> (String, Option<Vec<usize>>) {
    let remaps = text.chars().any(|c| is_wide(c) || is_invisible(c));
    let mut folded = String::with_capacity(text.len());
    let mut offsets = remaps.then(|| Vec::with_capacity(text.len() + 1));
    for (at, c) in text.char_indices() {
        if is_invisible(c) {
            continue;
        }
        let narrow = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        };
        if let Some(offsets) = offsets.as_mut() {
            offsets.resize(folded.len() + narrow.len_utf8(), at);
        }
        folded.push(narrow);
    }
    if let Some(offsets) = offsets.as_mut() {
        offsets.push(text.len());
    }
    // Character for character, three bytes for three: offsets stay valid.
    fast2s::replace(&mut folded);
    (folded, offsets)
}

fn is_wide(c: char) -> bool {
    ('\u{FF01}'..='\u{FF5E}').contains(&c) || c == '\u{3000}'
}

/// Characters that show nothing and only split words when searched.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}')
}

/// A character written alone in Chinese, Japanese or Korean text (one token in chars
/// mode).
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // kana
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xAC00..=0xD7AF    // Hangul syllables
        | 0xF900..=0xFAFF    // compatibility ideographs
        | 0x20000..=0x3134F) // extensions B–G
}

/// English function words, as the analyzer leaves them (lowercased; the stemmer
/// keeps these short words as they are): too common to find anything by themselves.
const FUNCTION_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "do", "for", "from", "how", "i", "in", "is", "it", "my", "of",
    "on", "or", "so", "that", "the", "this", "to", "we", "what", "with", "you", "your",
];

/// Is `word` (an analyzed query term) an English function word?
pub(crate) fn is_function_word(word: &str) -> bool {
    FUNCTION_WORDS.contains(&word)
}

/// Whether a query word is also searched through its characters (the chars-mode
/// fields): a word of three or more characters with CJK, which jieba may cut
/// differently in the text, and a lone CJK character, which jieba rarely leaves alone
/// in text (肌 inside 敏感肌).
pub(crate) fn searched_by_chars(word: &str) -> bool {
    let count = word.chars().count();
    (count >= 3 || count == 1) && word.chars().any(is_cjk)
}

/// jieba segmentation as a tantivy tokenizer (see the module header).
#[derive(Clone)]
struct Segmenter {
    jieba: Arc<Jieba>,
    mode: Mode,
}

impl Tokenizer for Segmenter {
    type TokenStream<'a> = Tokens;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Tokens {
        Tokens { tokens: segment(&self.jieba, self.mode, text), next: 0 }
    }
}

fn segment(jieba: &Jieba, mode: Mode, text: &str) -> Vec<Token> {
    let (folded, offsets) = fold(text);
    let original = |at: usize| offsets.as_ref().map_or(at, |o| o[at]);
    let cut = match mode {
        Mode::Index => jieba.cut_for_search(&folded, true),
        Mode::Query => jieba.cut(&folded, true),
        Mode::Chars => return characters(&folded, original),
    };
    // In search mode a word's sub-words come just before it, inside its range: walk
    // backwards so each word is met before its sub-words.
    let mut whole = vec![true; cut.len()];
    let mut enclosing: Option<(usize, usize)> = None;
    for (i, token) in cut.iter().enumerate().rev() {
        match enclosing {
            Some((start, end)) if token.start >= start && token.end <= end => whole[i] = false,
            _ => enclosing = Some((token.start, token.end)),
        }
    }
    let mut tokens = Vec::with_capacity(cut.len());
    let mut position = 0usize;
    let mut pending: Vec<Token> = Vec::new();
    for (token, whole) in cut.iter().zip(whole) {
        if !token.word.chars().any(char::is_alphanumeric) {
            continue;
        }
        let make = |word: &str, from: usize, to: usize, position: usize| Token {
            offset_from: original(from),
            offset_to: original(to),
            position,
            text: word.to_lowercase(),
            position_length: 1,
        };
        if !whole {
            // Its position is its word's, known once the word arrives.
            pending.push(make(token.word, token.byte_start, token.byte_end, 0));
            continue;
        }
        for mut sub in pending.drain(..) {
            sub.position = position;
            tokens.push(sub);
        }
        if mode == Mode::Index {
            for (from, to) in latin_parts(token.word) {
                let at = token.byte_start;
                tokens.push(make(&token.word[from..to], at + from, at + to, position));
            }
        }
        tokens.push(make(token.word, token.byte_start, token.byte_end, position));
        position += 1;
    }
    tokens
}

/// Chars mode: each CJK character, and each run of other letters and digits, a token at
/// its own position.
fn characters(folded: &str, original: impl Fn(usize) -> usize) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut run: Option<usize> = None;
    let push = |from: usize, to: usize, tokens: &mut Vec<Token>| {
        tokens.push(Token {
            offset_from: original(from),
            offset_to: original(to),
            position: tokens.len(),
            text: folded[from..to].to_lowercase(),
            position_length: 1,
        });
    };
    for (at, c) in folded.char_indices() {
        let in_run = c.is_alphanumeric() && !is_cjk(c);
        match (run, in_run) {
            (None, true) => run = Some(at),
            (Some(start), false) => {
                push(start, at, &mut tokens);
                run = None;
            }
            _ => {}
        }
        if is_cjk(c) {
            push(at, at + c.len_utf8(), &mut tokens);
        }
    }
    if let Some(start) = run {
        push(start, folded.len(), &mut tokens);
    }
    tokens
}

/// The letter and digit runs of a Latin token that mixes both (iphone15 → iphone, 15).
fn latin_parts(word: &str) -> Vec<(usize, usize)> {
    let mixed = word.chars().any(|c| c.is_ascii_alphabetic()) && word.chars().any(|c| c.is_ascii_digit());
    if !mixed || !word.is_ascii() {
        return Vec::new();
    }
    let mut parts = Vec::new();
    let mut start = 0;
    let bytes = word.as_bytes();
    for i in 1..=bytes.len() {
        if i == bytes.len() || bytes[i].is_ascii_digit() != bytes[i - 1].is_ascii_digit() {
            parts.push((start, i));
            start = i;
        }
    }
    parts
}

struct Tokens {
    tokens: Vec<Token>,
    next: usize,
}

impl TokenStream for Tokens {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn positioned(analyzer: &Analyzer, text: &str, mode: Mode) -> Vec<(String, usize)> {
        let mut a = analyzer.text_analyzer(mode);
        let mut stream = a.token_stream(text);
        let mut out = Vec::new();
        while let Some(t) = stream.next() {
            out.push((t.text.clone(), t.position));
        }
        out
    }

    #[test]
    fn chinese_words_and_their_sub_words_share_a_position() {
        let analyzer = Analyzer::new("");
        let terms = positioned(&analyzer, "这本书的翻译质量很好", Mode::Index);
        assert!(terms.contains(&("翻译".to_owned(), 3)), "{terms:?}");
        let long = positioned(&analyzer, "中华人民共和国成立", Mode::Index);
        let word = long.iter().find(|(t, _)| t == "中华人民共和国").expect("the whole word").1;
        let sub = long.iter().find(|(t, _)| t == "共和国").expect("a sub-word").1;
        assert_eq!(word, sub);
        assert_eq!(long.last().unwrap(), &("成立".to_owned(), word + 1));
        // Queries cut whole words only.
        assert_eq!(positioned(&analyzer, "中华人民共和国", Mode::Query), vec![("中华人民共和国".to_owned(), 0)]);
    }

    #[test]
    fn english_is_lowercased_and_stemmed_and_punctuation_dropped() {
        let analyzer = Analyzer::new("");
        assert_eq!(analyzer.terms("Running SHOES, 🏃 for trails!", Mode::Query), ["run", "shoe", "for", "trail"]);
        let mixed = analyzer.terms("iPhone15 拍照", Mode::Index);
        // Stemmed like any English word: iphone → iphon.
        assert_eq!(mixed, ["iphon", "15", "iphone15", "拍照"]);
    }

    #[test]
    fn full_width_and_traditional_fold_and_offsets_point_at_the_original() {
        let analyzer = Analyzer::new("");
        assert_eq!(analyzer.terms("ＡＢＣ　護膚", Mode::Query), analyzer.terms("abc 护肤", Mode::Query));
        let text = "ｉＰｈｏｎｅ很好";
        let mut a = analyzer.text_analyzer(Mode::Query);
        let mut stream = a.token_stream(text);
        let first = stream.next().unwrap().clone();
        assert_eq!(first.text, "iphon");
        assert_eq!(&text[first.offset_from..first.offset_to], "ｉＰｈｏｎｅ");
    }

    #[test]
    fn invisible_characters_are_dropped_and_offsets_still_point_at_the_original() {
        let analyzer = Analyzer::new("");
        assert_eq!(analyzer.terms("护\u{200B}肤\u{FEFF}品", Mode::Query), analyzer.terms("护肤品", Mode::Query));
        assert_eq!(normalize_query("口\u{200D}红"), "口红");
        let text = "a\u{200B}b 护\u{2060}肤";
        let mut a = analyzer.text_analyzer(Mode::Query);
        let mut stream = a.token_stream(text);
        while let Some(token) = stream.next() {
            assert!(text.get(token.offset_from..token.offset_to).is_some(), "{token:?}");
        }
    }

    #[test]
    fn chars_mode_splits_cjk_characters_and_keeps_latin_runs() {
        let analyzer = Analyzer::new("");
        assert_eq!(analyzer.terms("一口气喝完iPhone15！", Mode::Chars), ["一", "口", "气", "喝", "完", "iphone15"]);
        assert_eq!(analyzer.terms("護膚", Mode::Chars), ["护", "肤"]);
        assert!(searched_by_chars("一口气") && searched_by_chars("肌"));
        assert!(!searched_by_chars("口红") && !searched_by_chars("iphone") && !searched_by_chars("a"));
    }

    #[test]
    fn the_dictionary_keeps_brands_whole_and_the_operator_can_add_words() {
        let plain = Analyzer::new("");
        assert!(plain.terms("我在喜茶买了奶茶", Mode::Query).contains(&"喜茶".to_owned()));
        assert!(!plain.terms("卡梅林超好用", Mode::Query).contains(&"卡梅林".to_owned()));
        let extended = Analyzer::new("卡梅林 2000 nz\n");
        assert!(extended.terms("卡梅林超好用", Mode::Query).contains(&"卡梅林".to_owned()));
        assert_ne!(plain.fingerprint(), extended.fingerprint());
    }
}
