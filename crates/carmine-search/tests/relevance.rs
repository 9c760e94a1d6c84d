//! What a searcher can rely on beyond "the word is in the note": long words found
//! whatever the segmentation, proximity, invisible characters, honest counts.

mod support;

use carmine_search::{NoteQuery, Scope};
use support::{NOW, every_page, index_of};

fn notes(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(t, b)| ((*t).to_owned(), (*b).to_owned())).collect()
}

fn ranked(notes: &[(String, String)], text: &str) -> Vec<usize> {
    let index = index_of(notes);
    every_page(&index, notes, text, 100).iter().map(|id| (id.as_i64() - 1_000) as usize).collect()
}

#[test]
fn a_long_word_is_found_where_segmentation_cut_the_text_around_it_differently() {
    // From a real review: jieba cuts 因为什么 as 因为 / 什么, so the word 为什么 is not
    // among its terms — it is still in the text.
    let found = notes(&[
        ("小说", "都在顽强地告诉读者因为什么由于什么"),
        ("问题", "为什么会这样呢"),
        ("无关", "因为天气不好，什么也没做"),
    ]);
    let hits = ranked(&found, "为什么");
    assert!(hits.contains(&0) && hits.contains(&1), "{hits:?}");
    assert!(!hits.contains(&2), "为 and 什么 apart are not the word: {hits:?}");
}

#[test]
fn a_single_character_finds_the_words_that_hold_it_after_the_word_itself() {
    // Found by a reviewer on the demo: 肌 found nothing while 敏感肌 found hundreds.
    let pairs = notes(&[
        ("敏感肌护肤", "换季的时候敏感肌一定要做好保湿"),
        ("肌", "肌"),
        ("面膜", "补水面膜，敷完脸很润"),
        ("混油皮", "夏天控油，肌肤清爽"),
    ]);
    let hits = ranked(&pairs, "肌");
    assert!(hits.contains(&0) && hits.contains(&1) && hits.contains(&3), "{hits:?}");
    assert!(!hits.contains(&2), "{hits:?}");
    assert_eq!(hits.first(), Some(&1), "the character as a word of its own ranks first: {hits:?}");
}

#[test]
fn a_long_question_finds_its_subject_not_its_function_words() {
    // Found by a reviewer on the demo: nothing had every word, and the relaxed search
    // ranked every "Kyoto in autumn" first on "in", the only word highlighted.
    let mut pairs = vec![("Winter skincare", "my dry skin needs a rich cream when it is cold")];
    pairs.extend(std::iter::repeat_n(("Kyoto in autumn", "walking in the temples in the rain"), 6));
    let pairs = notes(&pairs);
    let hits = ranked(&pairs, "how to choose a good moisturizer for dry sensitive skin in winter");
    assert_eq!(hits, [0], "only the note about the subject: {hits:?}");
    let index = index_of(&pairs);
    let found = index
        .notes(
            &NoteQuery { text: "dry skin in winter please".into(), limit: 20, ..NoteQuery::default() },
            &Scope::default(),
            NOW,
        )
        .unwrap();
    assert!(found.relaxed && !found.terms.contains(&"in".to_owned()), "{:?}", found.terms);
    // Function words alone are still searched.
    assert_eq!(ranked(&pairs, "in the").len(), 6);
}

#[test]
fn words_typed_together_rank_a_phrase_above_scattered_words() {
    let pairs = notes(&[
        ("今天的分享", "口红的包装一般，质地还可以，不过颜色真的很正，适合秋冬"),
        ("今天的分享", "这支口红颜色真的很正，包装一般，质地还可以，适合秋冬"),
    ]);
    assert_eq!(ranked(&pairs, "口红颜色").first(), Some(&1));
    let english = notes(&[
        ("notes", "the lipstick I bought last week is a deep and lovely red"),
        ("notes", "a deep and lovely red lipstick I bought last week is here"),
    ]);
    assert_eq!(ranked(&english, "red lipstick").first(), Some(&1));
}

#[test]
fn invisible_characters_neither_hide_nor_break_a_word() {
    let pairs = notes(&[("护\u{200B}肤心得", "分享我的护\u{FEFF}肤步骤"), ("护肤", "每天护肤")]);
    let mut hits = ranked(&pairs, "护肤");
    hits.sort();
    assert_eq!(hits, [0, 1]);
    let mut typed = ranked(&pairs, "护\u{200D}肤");
    typed.sort();
    assert_eq!(typed, [0, 1]);
}

#[test]
fn counts_past_the_result_window_say_so() {
    let pairs: Vec<(String, String)> = (0..1_001).map(|i| (format!("面霜 {i}"), "好用的面霜".to_owned())).collect();
    let index = index_of(&pairs);
    let query = NoteQuery { text: "面霜".to_owned(), limit: 20, ..NoteQuery::default() };
    let results = index.notes(&query, &Scope::default(), NOW).expect("a search");
    assert_eq!((results.total, results.capped), (1_000, true));
    let exact = index_of(&pairs[..1_000]);
    let results = exact.notes(&query, &Scope::default(), NOW).expect("a search");
    assert_eq!((results.total, results.capped), (1_000, false));
}
