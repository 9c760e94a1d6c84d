//! Search never fails on any text: notes made of arbitrary Unicode — Chinese
//! (simplified and traditional), Latin, digits and their mixes, full-width forms,
//! combining and zero-width characters, emoji, other scripts — are indexed, and every
//! word and sub-word of them, and pieces of their text, are searched on every page.
//! Each answer must be valid with well-formed highlights.

mod support;

use carmine_search::Analyzer;
use proptest::prelude::*;
use support::{every_page, index_of, typed_words};

const CHINESE: &str = "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学\
对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知\
民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因\
重被走电四第门相次东海口使教西再平真听世气信北少关并内加化由却代山五太水万市眼体别处总才场师书比住员九笑性通目华\
护肤口红防晒面霜精华粉底眼影质量孩子一口气女孩子喜茶奶茶拍照手机";
const TRADITIONAL: &str = "護膚這個們說質層麗點過還國學產書";
const LATIN: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const WORDS: &[&str] = &[
    "iphone15",
    "iPhone 15 Pro",
    "一口气",
    "女孩子",
    "中华人民共和国",
    "running",
    "SPF50+",
    "小米14pro",
    "质量^10",
    "AND",
    "\"quoted\"",
    "#护肤#",
    "@someone",
    "2024年",
    "3.5mm",
    "ＡＢＣ１２３",
    "café",
    "naïve",
];
const SPECIAL: &[char] = &[
    ' ', ' ', '\n', '\t', ',', '.', '!', '?', '，', '。', '！', '？', '、', '#', '@', '"', '\'', '(', ')', '*', ':',
    '^', '~', '-', '\u{0301}', '\u{0308}', '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}', '\u{00AD}',
    '\u{202E}', '\u{3000}', '🙂', '👍', '🏻', '❤', '\u{FE0F}', '🇨', '🇳', 'م', 'ر', 'ح', 'ก', 'ข', '한', '국', 'ひ',
    'カ', 'Ω', 'ß', 'İ', 'ﬁ', '\u{0}', '\u{1F}',
];

fn piece() -> impl Strategy<Value = String> {
    let pick = |set: &'static str| {
        let chars: Vec<char> = set.chars().collect();
        prop::sample::select(chars).prop_map(String::from)
    };
    prop_oneof![
        6 => pick(CHINESE),
        1 => pick(TRADITIONAL),
        3 => pick(LATIN),
        2 => prop::sample::select(WORDS).prop_map(str::to_owned),
        2 => prop::sample::select(SPECIAL).prop_map(String::from),
        1 => any::<char>().prop_map(String::from),
    ]
}

fn text(pieces: std::ops::Range<usize>) -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), pieces).prop_map(|p| p.concat())
}

fn notes() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((text(0..12), text(0..160)), 1..5)
}

proptest! {
    // Failures print their minimal case; known ones are pinned in the test below.
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_word_and_piece_of_any_text_searches_cleanly(notes in notes(), cuts in prop::collection::vec((0usize..400, 1usize..12), 4)) {
        let index = index_of(&notes);
        let analyzer = Analyzer::new("");
        for (title, body) in &notes {
            let whole = format!("{title} {body}");
            let mut queries = typed_words(&analyzer, &whole);
            // Pieces of the text as written, cut anywhere.
            let chars: Vec<char> = whole.chars().collect();
            for &(start, len) in &cuts {
                let start = start % chars.len().max(1);
                queries.push(chars[start.min(chars.len())..(start + len).min(chars.len())].iter().collect());
            }
            queries.sort();
            queries.dedup();
            for query in &queries {
                for limit in [1, 7, 100] {
                    every_page(&index, &notes, query, limit);
                }
            }
        }
    }
}

#[test]
fn words_that_used_to_fail_search_cleanly() {
    // Found on real reviews: sub-words and letter/digit parts emitted before their
    // word with later offsets broke snippets.
    let lead = "这是一段很长的开头，说的都是别的事情。".repeat(8);
    let notes = vec![
        ("一口气看完".to_owned(), format!("{lead}女孩子一口气读完了，女孩子都喜欢")),
        ("手机".to_owned(), format!("{lead}我的iphone15很好用，iphone15拍照清楚")),
        ("中华人民共和国".to_owned(), format!("{lead}中华人民共和国成立，共和国万岁")),
    ];
    let index = index_of(&notes);
    for query in ["一口气", "女孩子", "iphone15", "15", "iphone", "共和国", "中华人民共和国"] {
        for limit in [1, 100] {
            assert!(!every_page(&index, &notes, query, limit).is_empty(), "{query} finds its note");
        }
    }
}
