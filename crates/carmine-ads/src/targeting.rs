//! Who an ad group may be shown to, checked when it is saved and matched when an ad
//! is served.
//!
//! - **Interests**: topics (`#护肤`); a viewer matches when one of their strongest
//!   feed interests, or a topic of the page they are on, is among them.
//! - **Keywords** (the search placement only, which needs at least one), segmented by
//!   the search analyzer when saved and matched against the segmented query:
//!   *exact* — the same words in the same order and nothing else; *phrase* — the
//!   words contiguous and in order within the query; *broad* — every word anywhere in
//!   the query, a word also matching as a dictionary sub-word of a longer query word
//!   (防晒 in 防晒霜). A *negative* keyword blocks a query holding all its words (broad).
//! - **Demographics** (age band, gender, city) only of members who consented to share
//!   them; a viewer without consent never matches. The consenting audience must reach
//!   `AdsConfig::audience_min` members (default 1,000) or the targeting is refused
//!   (`audience_too_small`): no advertiser can aim at a handful of people, and no
//!   count is ever shown per member.
//! - **Lookalike**: the members most like a seed of the advertiser's followers,
//!   engagers or customers (at least 100) by cosine similarity of their interest
//!   vectors, the seed excluded; refused under `audience_min`. Built when saved
//!   (`ad_audiences`).

use std::collections::{BTreeMap, HashSet};

use carmine_core::limits::{AD_KEYWORD_CHARS_MAX, AD_KEYWORDS_MAX, AD_TARGET_VALUES_MAX, CITY_CHARS_MAX};
use carmine_core::text::{bounded_text, normalize_topic};
use carmine_core::{Error, ErrorCode, Id, Result};
use carmine_search::Analyzer;
use carmine_search::analyzer::Mode;
use serde::{Deserialize, Serialize};

use crate::structure::Placement;

/// The age bands a member's birth year falls into (members under 18 are in none).
pub const AGE_BANDS: [&str; 5] = ["18-24", "25-34", "35-44", "45-54", "55+"];
/// Where a lookalike seed comes from.
pub const SEEDS: [&str; 3] = ["followers", "engagers", "customers"];
/// The fewest members a lookalike seed may have.
pub const SEED_MIN: usize = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchType {
    Exact,
    Phrase,
    Broad,
}

impl MatchType {
    pub const ALL: [MatchType; 3] = [MatchType::Exact, MatchType::Phrase, MatchType::Broad];

    pub fn as_str(self) -> &'static str {
        match self {
            MatchType::Exact => "exact",
            MatchType::Phrase => "phrase",
            MatchType::Broad => "broad",
        }
    }

    pub fn parse(raw: &str) -> Result<MatchType> {
        MatchType::ALL
            .into_iter()
            .find(|m| m.as_str() == raw)
            .ok_or_else(|| Error::invalid_field("keywords", "match: exact, phrase or broad"))
    }
}

/// A keyword as typed and as segmented: all its words, and the words of each part
/// the advertiser separated by spaces.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Keyword {
    pub text: String,
    #[serde(rename = "match")]
    pub match_type: MatchType,
    pub words: Vec<String>,
    #[serde(default)]
    pub parts: Vec<Vec<String>>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Demographics {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub age_bands: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub genders: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cities: Vec<String>,
}

impl Demographics {
    fn is_empty(&self) -> bool {
        self.age_bands.is_empty() && self.genders.is_empty() && self.cities.is_empty()
    }

    /// Whether a consenting member's (birth year, gender, city) is in it in `year`.
    pub fn admits(&self, year: i16, member: (Option<i64>, Option<&str>, Option<&str>)) -> bool {
        let (birth_year, gender, city) = member;
        let band = birth_year.and_then(|b| age_band(i64::from(year) - b));
        (self.age_bands.is_empty() || band.is_some_and(|b| self.age_bands.iter().any(|a| a == b)))
            && (self.genders.is_empty() || gender.is_some_and(|g| self.genders.iter().any(|x| x == g)))
            && (self.cities.is_empty() || city.is_some_and(|c| self.cities.iter().any(|x| x == c)))
    }
}

/// The band of an age (none under 18).
pub fn age_band(age: i64) -> Option<&'static str> {
    match age {
        18..=24 => Some("18-24"),
        25..=34 => Some("25-34"),
        35..=44 => Some("35-44"),
        45..=54 => Some("45-54"),
        55.. => Some("55+"),
        _ => None,
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Lookalike {
    pub seed: String,
    pub seed_size: usize,
    pub audience_size: usize,
}

/// A group's targeting as stored (JSON in `ad_groups.targeting`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Targeting {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interests: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<Keyword>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub negative_keywords: Vec<Keyword>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demographics: Option<Demographics>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookalike: Option<Lookalike>,
}

impl Targeting {
    /// The stored JSON read back (unreadable: no targeting, logged).
    pub fn from_stored(text: &str) -> Targeting {
        serde_json::from_str(text).unwrap_or_else(|e| {
            tracing::error!(error = %e, "unreadable ad group targeting");
            Targeting::default()
        })
    }

    pub fn to_stored(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_owned())
    }
}

/// Targeting as an advertiser writes it.
#[derive(Clone, Debug, Default)]
pub struct TargetingInput {
    pub interests: Vec<String>,
    pub keywords: Vec<(String, MatchType)>,
    pub negative_keywords: Vec<String>,
    pub demographics: Option<Demographics>,
    /// `followers`, `engagers` or `customers`.
    pub lookalike: Option<String>,
}

impl TargetingInput {
    /// The input that keeps `targeting` as it is (the lookalike rebuilt from its seed).
    pub fn of(targeting: &Targeting) -> TargetingInput {
        TargetingInput {
            interests: targeting.interests.clone(),
            keywords: targeting.keywords.iter().map(|k| (k.text.clone(), k.match_type)).collect(),
            negative_keywords: targeting.negative_keywords.iter().map(|k| k.text.clone()).collect(),
            demographics: targeting.demographics.clone(),
            lookalike: targeting.lookalike.as_ref().map(|l| l.seed.clone()),
        }
    }
}

fn too_many(field: &str, max: usize) -> Error {
    Error::broke_rule(field, carmine_core::FieldRule::TooMany(max))
}

/// The words keywords and queries are compared by: the search analyzer's query words
/// (folded, lowercased, stemmed), a word mixing letters and digits split into its
/// parts as the index splits it (iphone16 → iphon, 16), so "iPhone 16" and
/// "iphone16" are the same words.
pub fn words(analyzer: &Analyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in analyzer.terms(text, Mode::Query) {
        let mixed = word.chars().any(|c| c.is_ascii_alphabetic()) && word.chars().any(|c| c.is_ascii_digit());
        if mixed {
            let parts: Vec<String> = analyzer.terms(&word, Mode::Index).into_iter().filter(|p| *p != word).collect();
            if !parts.is_empty() {
                out.extend(parts);
                continue;
            }
        }
        out.push(word);
    }
    out
}

/// A keyword segmented as queries are.
fn keyword(analyzer: &Analyzer, text: &str, match_type: MatchType, field: &str) -> Result<Keyword> {
    let text = bounded_text(field, text, 1, AD_KEYWORD_CHARS_MAX, false)?;
    let words = words(analyzer, &text);
    if words.is_empty() {
        return Err(Error::invalid_field(field, "words to match (letters or digits)"));
    }
    let parts = text.split_whitespace().map(|part| self::words(analyzer, part)).filter(|w| !w.is_empty()).collect();
    Ok(Keyword { text, match_type, words, parts })
}

/// Checks everything but the audiences (interests, keywords, demographics' values),
/// for the group's placements.
pub fn checked(analyzer: &Analyzer, input: &TargetingInput, placements: &[Placement]) -> Result<Targeting> {
    if input.interests.len() > AD_TARGET_VALUES_MAX {
        return Err(too_many("interests", AD_TARGET_VALUES_MAX));
    }
    let mut interests = Vec::new();
    for raw in &input.interests {
        let topic = normalize_topic(raw).ok_or_else(|| Error::invalid_field("interests", "topics such as 护肤"))?;
        if !interests.contains(&topic) {
            interests.push(topic);
        }
    }
    if input.keywords.len() > AD_KEYWORDS_MAX {
        return Err(too_many("keywords", AD_KEYWORDS_MAX));
    }
    if input.negative_keywords.len() > AD_KEYWORDS_MAX {
        return Err(too_many("negative_keywords", AD_KEYWORDS_MAX));
    }
    let mut keywords: Vec<Keyword> = Vec::new();
    for (text, match_type) in &input.keywords {
        let k = keyword(analyzer, text, *match_type, "keywords")?;
        if !keywords.iter().any(|o| o.words == k.words && o.match_type == k.match_type) {
            keywords.push(k);
        }
    }
    let mut negative_keywords: Vec<Keyword> = Vec::new();
    for text in &input.negative_keywords {
        let k = keyword(analyzer, text, MatchType::Broad, "negative_keywords")?;
        if !negative_keywords.iter().any(|o| o.words == k.words) {
            negative_keywords.push(k);
        }
    }
    let search = placements.contains(&Placement::Search);
    if search && keywords.is_empty() {
        return Err(Error::invalid_field("keywords", "at least one keyword for the search placement")
            .with_hint("ad-keywords-needed"));
    }
    let has_keywords = !keywords.is_empty() || !negative_keywords.is_empty();
    if !search && has_keywords {
        return Err(Error::invalid_field("keywords", "keywords apply to the search placement only")
            .with_hint("ad-keywords-search-only"));
    }
    let demographics = match &input.demographics {
        Some(d) if !d.is_empty() => Some(checked_demographics(d)?),
        _ => None,
    };
    if let Some(seed) = &input.lookalike
        && !SEEDS.contains(&seed.as_str())
    {
        return Err(Error::invalid_field("lookalike", "followers, engagers or customers"));
    }
    Ok(Targeting { interests, keywords, negative_keywords, demographics, lookalike: None })
}

fn checked_demographics(d: &Demographics) -> Result<Demographics> {
    let mut out = Demographics::default();
    for band in &d.age_bands {
        if !AGE_BANDS.contains(&band.as_str()) {
            return Err(Error::invalid_field("age_bands", format!("of {}", AGE_BANDS.join(", "))));
        }
        if !out.age_bands.contains(band) {
            out.age_bands.push(band.clone());
        }
    }
    for gender in &d.genders {
        if !carmine_accounts::members::GENDERS.contains(&gender.as_str()) {
            return Err(Error::invalid_field("genders", carmine_accounts::members::GENDERS.join(", ")));
        }
        if !out.genders.contains(gender) {
            out.genders.push(gender.clone());
        }
    }
    if d.cities.len() > AD_TARGET_VALUES_MAX {
        return Err(too_many("cities", AD_TARGET_VALUES_MAX));
    }
    for city in &d.cities {
        let city = bounded_text("cities", city, 1, CITY_CHARS_MAX, false)?;
        if !out.cities.contains(&city) {
            out.cities.push(city);
        }
    }
    Ok(out)
}

/// The refusal of an audience smaller than `minimum` (no count is given away).
pub fn too_small(minimum: usize) -> Error {
    Error::new(ErrorCode::AudienceTooSmall).with_details(serde_json::json!({ "minimum": minimum }))
}

/// The members most like `seed`: cosine similarity of each member's interests to the
/// seed's mean interest vector, the seed and members without interests excluded,
/// the most similar first (ties by id), at most `size`, similarity above zero.
pub fn lookalike(seed: &[(Id, Vec<(String, f64)>)], everyone: &[(Id, Vec<(String, f64)>)], size: usize) -> Vec<Id> {
    let mut mean: BTreeMap<&str, f64> = BTreeMap::new();
    for (_, vector) in seed {
        let norm = norm(vector);
        if norm == 0.0 {
            continue;
        }
        for (topic, weight) in vector {
            *mean.entry(topic.as_str()).or_default() += weight / norm;
        }
    }
    let mean_norm = mean.values().map(|w| w * w).sum::<f64>().sqrt();
    if mean_norm == 0.0 {
        return Vec::new();
    }
    let seed_ids: HashSet<Id> = seed.iter().map(|(id, _)| *id).collect();
    let mut scored: Vec<(f64, Id)> = everyone
        .iter()
        .filter(|(id, _)| !seed_ids.contains(id))
        .filter_map(|(id, vector)| {
            let norm = norm(vector);
            if norm == 0.0 {
                return None;
            }
            let dot: f64 = vector.iter().map(|(t, w)| w * mean.get(t.as_str()).copied().unwrap_or(0.0)).sum();
            let similarity = dot / (norm * mean_norm);
            (similarity > 0.0).then_some((similarity, *id))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().take(size).map(|(_, id)| id).collect()
}

fn norm(vector: &[(String, f64)]) -> f64 {
    vector.iter().map(|(_, w)| w * w).sum::<f64>().sqrt()
}

/// A search query as keywords are matched against it: its words in order (query
/// mode) and every word or dictionary sub-word it holds (index mode).
#[derive(Clone, Debug, Default)]
pub struct Query {
    pub words: Vec<String>,
    pub all_words: HashSet<String>,
}

impl Query {
    pub fn new(analyzer: &Analyzer, text: &str) -> Query {
        let words = words(analyzer, text);
        let mut all_words: HashSet<String> = analyzer.terms(text, Mode::Index).into_iter().collect();
        all_words.extend(words.iter().cloned());
        Query { words, all_words }
    }
}

impl Keyword {
    /// Whether the query matches this keyword by its match type. Exact and phrase
    /// compare the words written together, starting and ending between the query's
    /// words: so "iPhone 16" (two words) lines up with "iphone16" (one), while 防晒
    /// never phrase-matches inside 防晒霜.
    ///
    /// Broad matches each space-separated part of the keyword on its own: as a phrase,
    /// or with every word of it anywhere in the query (sub-words included) — so a part
    /// cut differently alone than in the query (之城 alone, 暮光之城 in context)
    /// still finds it.
    pub fn matches(&self, query: &Query) -> bool {
        match self.match_type {
            MatchType::Exact => !self.words.is_empty() && query.words.concat() == self.words.concat(),
            MatchType::Phrase => phrase_in(&self.words, query),
            MatchType::Broad => {
                let whole = [self.words.clone()];
                let parts = if self.parts.is_empty() { &whole[..] } else { &self.parts[..] };
                parts.iter().all(|part| phrase_in(part, query) || part.iter().all(|w| query.all_words.contains(w)))
            }
        }
    }
}

/// Whether `words` written together start and end between the query's words.
fn phrase_in(words: &[String], query: &Query) -> bool {
    let joined = words.concat();
    if joined.is_empty() {
        return false;
    }
    let mut boundaries = vec![0];
    let mut text = String::new();
    for word in &query.words {
        text.push_str(word);
        boundaries.push(text.len());
    }
    boundaries
        .iter()
        .any(|&start| text[start..].starts_with(&joined) && boundaries.binary_search(&(start + joined.len())).is_ok())
}

/// Who is looking, and where, as serving knows them.
#[derive(Clone, Debug, Default)]
pub struct Viewer {
    pub member: Option<Id>,
    /// The viewer's strongest interests (topic names).
    pub interests: Vec<String>,
    /// Topics of the page (the note a related-notes list is under).
    pub context_topics: Vec<String>,
    /// Consented demographics: (birth year, gender, city); `None` without consent.
    pub demographics: Option<(Option<i64>, Option<String>, Option<String>)>,
    /// The search, on the search placement.
    pub query: Option<Query>,
    /// The current year (for age bands).
    pub year: i16,
}

impl Targeting {
    /// Whether an ad of this group may be shown to `viewer` on `placement`;
    /// `in_audience` says whether the viewer is in its lookalike audience.
    /// The keyword that matched a search (the first one, as written), for reports.
    pub fn matched_keyword(&self, query: &Query) -> Option<&str> {
        self.keywords.iter().find(|k| k.matches(query)).map(|k| k.text.as_str())
    }

    pub fn admits(&self, placement: Placement, viewer: &Viewer, in_audience: bool) -> bool {
        if placement == Placement::Search {
            let Some(query) = &viewer.query else { return false };
            if self.negative_keywords.iter().any(|k| k.matches(query)) {
                return false;
            }
            if !self.keywords.iter().any(|k| k.matches(query)) {
                return false;
            }
        }
        if !self.interests.is_empty() {
            let shared = |topics: &[String]| topics.iter().any(|t| self.interests.contains(t));
            if !shared(&viewer.interests) && !shared(&viewer.context_topics) {
                return false;
            }
        }
        if let Some(demographics) = &self.demographics {
            let Some((birth_year, gender, city)) = &viewer.demographics else { return false };
            if !demographics.admits(viewer.year, (*birth_year, gender.as_deref(), city.as_deref())) {
                return false;
            }
        }
        self.lookalike.is_none() || in_audience
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyzer() -> Analyzer {
        Analyzer::new("")
    }

    fn kw(a: &Analyzer, text: &str, m: MatchType) -> Keyword {
        keyword(a, text, m, "keywords").unwrap()
    }

    #[test]
    fn match_types_on_chinese_and_english_queries() {
        let a = analyzer();
        let q = |text: &str| Query::new(&a, text);
        let exact = kw(&a, "防晒霜", MatchType::Exact);
        assert!(exact.matches(&q("防晒霜")));
        assert!(exact.matches(&q("  防曬霜 ")), "folded from traditional, trimmed");
        assert!(!exact.matches(&q("防晒霜推荐")));
        let phrase = kw(&a, "油皮 防晒霜", MatchType::Phrase);
        assert!(phrase.matches(&q("油皮防晒霜推荐")));
        assert!(!phrase.matches(&q("防晒霜 油皮")), "phrase keeps the order");
        let broad = kw(&a, "防晒 推荐", MatchType::Broad);
        assert!(broad.matches(&q("油皮防晒霜推荐")), "防晒 is a sub-word of 防晒霜");
        assert!(broad.matches(&q("推荐 防晒")), "any order");
        assert!(!broad.matches(&q("防晒霜")), "every word must be there");

        let english = kw(&a, "sunscreen for kids", MatchType::Phrase);
        assert!(english.matches(&q("Best SUNSCREEN for kid")), "lowercased and stemmed");
        assert!(!english.matches(&q("kids sunscreen")));
        let english_broad = kw(&a, "kids sunscreen", MatchType::Broad);
        assert!(english_broad.matches(&q("sunscreen that kids like")));
        let mixed = kw(&a, "iPhone 16 手机壳", MatchType::Phrase);
        assert!(mixed.matches(&q("iphone16手机壳 透明")), "words written together line up");
        assert!(mixed.matches(&q("透明 iPhone 16 手机壳")));
        assert!(!kw(&a, "防晒", MatchType::Phrase).matches(&q("防晒霜")), "not inside a longer word");
    }

    #[test]
    fn targeting_admits_only_who_it_names() {
        let a = analyzer();
        let targeting = checked(
            &a,
            &TargetingInput {
                interests: vec!["#护肤".into(), "护肤".into(), "skincare".into()],
                keywords: vec![("防晒霜".into(), MatchType::Phrase)],
                negative_keywords: vec!["儿童".into()],
                demographics: Some(Demographics {
                    age_bands: vec!["25-34".into()],
                    genders: vec!["female".into()],
                    cities: vec!["上海".into()],
                }),
                lookalike: None,
            },
            &[Placement::Search, Placement::Feed],
        )
        .unwrap();
        assert_eq!(targeting.interests, ["护肤", "skincare"], "normalised, once each");
        let fits = Viewer {
            member: Some(Id::from_i64(1)),
            interests: vec!["旅行".into(), "护肤".into()],
            demographics: Some((Some(1996), Some("female".into()), Some("上海".into()))),
            query: Some(Query::new(&a, "油皮防晒霜")),
            year: 2026,
            ..Viewer::default()
        };
        assert!(targeting.admits(Placement::Search, &fits, false));
        assert!(targeting.admits(Placement::Feed, &Viewer { query: None, ..fits.clone() }, false));
        let outside = [
            Viewer { query: Some(Query::new(&a, "儿童防晒霜")), ..fits.clone() },
            Viewer { query: Some(Query::new(&a, "口红")), ..fits.clone() },
            Viewer { query: None, ..fits.clone() },
            Viewer { interests: vec!["旅行".into()], ..fits.clone() },
            Viewer { demographics: None, ..fits.clone() },
            Viewer { demographics: Some((Some(2010), Some("female".into()), Some("上海".into()))), ..fits.clone() },
            Viewer { demographics: Some((Some(1996), Some("male".into()), Some("上海".into()))), ..fits.clone() },
            Viewer { demographics: Some((Some(1996), Some("female".into()), None)), ..fits.clone() },
        ];
        for viewer in outside {
            assert!(!targeting.admits(Placement::Search, &viewer, false), "{viewer:?}");
        }
        let related = Viewer { interests: vec![], context_topics: vec!["护肤".into()], ..fits.clone() };
        assert!(targeting.admits(Placement::Related, &related, false), "the page's topic counts");
        let lookalike = Targeting {
            lookalike: Some(Lookalike { seed: "followers".into(), seed_size: 100, audience_size: 1000 }),
            ..targeting
        };
        assert!(!lookalike.admits(Placement::Feed, &fits, false));
        assert!(lookalike.admits(Placement::Feed, &fits, true));
    }

    #[test]
    fn bad_targeting_names_its_field() {
        let a = analyzer();
        let search = [Placement::Search];
        let cases: Vec<(TargetingInput, &[Placement], &str)> = vec![
            (TargetingInput::default(), &search, "keywords"),
            (
                TargetingInput { keywords: vec![("！！！".into(), MatchType::Exact)], ..Default::default() },
                &search,
                "keywords",
            ),
            (
                TargetingInput { keywords: vec![("词".repeat(41), MatchType::Exact)], ..Default::default() },
                &search,
                "keywords",
            ),
            (
                TargetingInput { keywords: vec![("防晒".into(), MatchType::Exact)], ..Default::default() },
                &[Placement::Feed],
                "keywords",
            ),
            (TargetingInput { interests: vec!["#".into()], ..Default::default() }, &[Placement::Feed], "interests"),
            (TargetingInput { interests: vec!["x".into(); 21], ..Default::default() }, &[Placement::Feed], "interests"),
            (
                TargetingInput {
                    demographics: Some(Demographics { age_bands: vec!["12-17".into()], ..Default::default() }),
                    ..Default::default()
                },
                &[Placement::Feed],
                "age_bands",
            ),
            (
                TargetingInput {
                    demographics: Some(Demographics { genders: vec!["robot".into()], ..Default::default() }),
                    ..Default::default()
                },
                &[Placement::Feed],
                "genders",
            ),
            (
                TargetingInput { lookalike: Some("everyone".into()), ..Default::default() },
                &[Placement::Feed],
                "lookalike",
            ),
        ];
        for (input, placements, field) in cases {
            let error = checked(&a, &input, placements).unwrap_err();
            assert_eq!(error.details.as_ref().unwrap()["field"], field, "{input:?}");
        }
    }

    #[test]
    fn lookalikes_are_the_most_similar_members_never_the_seed() {
        let v = |pairs: &[(&str, f64)]| pairs.iter().map(|(t, w)| ((*t).to_owned(), *w)).collect::<Vec<_>>();
        let seed = vec![(Id::from_i64(1), v(&[("护肤", 1.0)])), (Id::from_i64(2), v(&[("护肤", 2.0), ("美妆", 1.0)]))];
        let everyone = vec![
            seed[0].clone(),
            seed[1].clone(),
            (Id::from_i64(3), v(&[("护肤", 1.0), ("美妆", 0.5)])),
            (Id::from_i64(4), v(&[("旅行", 3.0)])),
            (Id::from_i64(5), v(&[("美妆", 1.0)])),
            (Id::from_i64(6), vec![]),
        ];
        assert_eq!(
            lookalike(&seed, &everyone, 10),
            [Id::from_i64(3), Id::from_i64(5)],
            "unrelated and empty members left out"
        );
        assert_eq!(lookalike(&seed, &everyone, 1), [Id::from_i64(3)]);
        assert!(lookalike(&[], &everyone, 10).is_empty());
    }

    #[test]
    fn age_bands_start_at_eighteen() {
        assert_eq!(age_band(17), None);
        assert_eq!(age_band(18), Some("18-24"));
        assert_eq!(age_band(34), Some("25-34"));
        assert_eq!(age_band(80), Some("55+"));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
        /// Any text as a keyword and as a query: refused with a field, or kept as typed
        /// (trimmed) and matching itself exactly; matching never panics.
        #[test]
        fn arbitrary_unicode_keywords_are_refused_or_match_themselves(text in "\\PC{0,50}", query in "\\PC{0,60}") {
            let a = analyzer();
            let q = Query::new(&a, &query);
            match keyword(&a, &text, MatchType::Exact, "keywords") {
                Ok(k) => {
                    proptest::prop_assert_eq!(&k.text, text.trim());
                    proptest::prop_assert!(k.matches(&Query::new(&a, &text)));
                    for m in MatchType::ALL {
                        let _ = Keyword { match_type: m, ..k.clone() }.matches(&q);
                    }
                }
                Err(e) => {
                    let details = e.details.unwrap();
                    proptest::prop_assert_eq!(details["field"].as_str(), Some("keywords"));
                }
            }
        }
    }
}
