//! Ranking a member's discovery feed from the index, in three steps:
//!
//! 1. **Candidates**, merged from several sources: notes of followed creators; notes
//!    in the member's interests (their topics and topics related by co-engagement, from
//!    each topic's best notes of any age, so evergreen notes are found too);
//!    item-to-item neighbours of notes they engaged with ("people who saved this also
//!    saved"); notes testing in a traffic pool (inside the interest scan, boosted for
//!    members who care); rising notes; and for a member without history, what members
//!    with the picked interests liked, and the newest notes.
//! 2. **Score** = predicted engagement for this member: (1 + interest match × note
//!    quality (smoothed CES per impression) × pool factor / 0.02) to a power that falls
//!    from 1 for a new note to 0.05 for an old one × (0.05 + freshness) × (1 + 100 × neighbour
//!    affinity), the affinity being the recency-weighted mean cosine co-engagement
//!    with the member's latest positives. New notes win on interest and quality,
//!    the catalogue on co-engagement (on real ratings, MovieLens 100k, this beats
//!    item-kNN; on the generated communities it beats the earlier blend).
//!    Follower count is not an input.
//! 3. **Page**: caps per author and per topic, no two neighbours on the same topic,
//!    then the small-creator floor. Notes the member engaged with, saw, or was
//!    already served are filtered out.

use std::collections::{HashMap, HashSet};

use carmine_core::Id;

use crate::ids::{IdMap, IdSet};

use crate::model::{FeedModel, MemberState, NoteState, PoolStatus, Reach, Tallies, Tally, TopicId};

/// Notes scanned per interest topic, newest first, and the oldest considered (when
/// no best-of-topic lists were computed: [`FeedModel::best_by_topic`]).
pub const TOPIC_SCAN: usize = 1_500;
/// The best-of-topic lists: from the newest `TOPIC_BEST_SCAN` notes keep `TOPIC_BEST`.
pub const TOPIC_BEST_SCAN: usize = 3_000;
pub const TOPIC_BEST: usize = 300;
/// Topics of the member's profile the candidates are drawn from.
const PROFILE_TOPICS: usize = 8;
/// Candidates kept after the cheap score, before the fine one.
const SHORTLIST: usize = 1_000;
/// Followed creators looked at, and notes of each.
const FOLLOWED_AUTHORS: usize = 500;
const FOLLOWED_NOTES: usize = 6;
/// Newest notes looked at for a member the index knows nothing about.
const NEWEST_SCAN: usize = 400;
/// A member with fewer positives than this also gets what similar members liked.
const COLD_POSITIVES: usize = 5;
/// Item-to-item neighbours: the member's latest positives (each weighing half as
/// much every `NEIGHBOUR_SEED_HALF_LIFE` positives back), their latest engagers, and
/// those members' latest positives (bounded: a request stays in milliseconds).
const NEIGHBOUR_SEEDS: usize = 30;
const NEIGHBOUR_SEED_HALF_LIFE: f64 = 5.0;
const NEIGHBOUR_ENGAGERS: usize = 100;
const NEIGHBOUR_POSITIVES: usize = 100;
const NEIGHBOUR_CANDIDATES: usize = 1_000;
/// A member without history gets the latest positives of this many members who
/// lately engaged with each of their topics.
const SIMILAR_MEMBERS: usize = 32;
const SIMILAR_POSITIVES: usize = 10;
/// How much co-engagement (the recency-weighted mean cosine with the member's
/// positives, 0–1) multiplies a score: 1 + 100 × affinity.
const NEIGHBOUR_WEIGHT: f64 = 100.0;
/// The power interest × quality × pool keeps for a note long past its freshness:
/// evergreen notes are ranked by co-engagement, new ones by interest and quality.
const CATALOGUE_EXPONENT: f64 = 0.05;
/// Interest × quality × pool is counted in units of a note nobody in particular is
/// interested in (0.02 × 1 × 1).
const MERIT_UNIT: f64 = 0.02;
/// Affinity from which a card says "people who engaged with yours also engaged".
const NEIGHBOURS_REASON_MIN: f64 = 0.05;
/// "You are among its first readers" only while few have engaged with it.
const FIRST_READERS_ENGAGEMENTS_MAX: i64 = 20;
/// How far ahead the page builder looks for a card that keeps the caps.
const LOOKAHEAD: usize = 30;

/// Where a candidate came from (a set of bits).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sources(u8);

impl Sources {
    pub const FOLLOWING: Sources = Sources(1);
    pub const INTERESTS: Sources = Sources(2);
    pub const NEIGHBOURS: Sources = Sources(4);
    pub const RISING: Sources = Sources(8);
    pub const SIMILAR_MEMBERS: Sources = Sources(16);
    pub const NEWEST: Sources = Sources(32);
    const NAMES: [(Sources, &'static str); 6] = [
        (Sources::FOLLOWING, "following"),
        (Sources::INTERESTS, "interests"),
        (Sources::NEIGHBOURS, "neighbours"),
        (Sources::RISING, "rising"),
        (Sources::SIMILAR_MEMBERS, "similar_members"),
        (Sources::NEWEST, "newest"),
    ];

    pub fn contains(self, other: Sources) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn names(self) -> Vec<&'static str> {
        Self::NAMES.iter().filter(|(s, _)| self.contains(*s)).map(|(_, n)| *n).collect()
    }
}

/// The factors of a score (their product, as documented above, is the score).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ScoreParts {
    pub interest: f64,
    pub quality: f64,
    pub freshness: f64,
    pub neighbours: f64,
    pub pool: f64,
}

/// Why a card is shown, for the line under it.
#[derive(Clone, Debug, PartialEq)]
pub enum Reason {
    Following,
    /// The member did `tally` with `count` notes about `topic`.
    Tally {
        topic: String,
        tally: Tally,
        count: u32,
    },
    Picked {
        topic: String,
    },
    Neighbours,
    /// A new note in its first traffic pool.
    NewNote {
        topic: Option<String>,
    },
    Rising {
        topic: Option<String>,
    },
    /// Popular with readers now (in the note's first topic, where it has one).
    Popular {
        topic: Option<String>,
    },
    /// Shown newest first while the index warms up after a start.
    Newest,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Ranked {
    pub note: Id,
    pub score: f64,
    pub parts: ScoreParts,
    pub sources: Sources,
    pub reason: Reason,
    /// The author had fewer followers than the small-creator line.
    pub small_creator: bool,
}

impl Ranked {
    /// A note shown while the index is still being built (newest first, unranked).
    pub fn warming_up(note: Id) -> Ranked {
        Ranked {
            note,
            score: 0.0,
            parts: ScoreParts::default(),
            sources: Sources::NEWEST,
            reason: Reason::Newest,
            small_creator: false,
        }
    }
}

pub struct FeedRequest<'a> {
    /// None for a signed-out visitor.
    pub member: Option<Id>,
    pub now: i64,
    pub limit: usize,
    /// Notes already served on earlier pages.
    pub exclude: &'a IdSet,
}

#[derive(Default, Clone, Copy)]
struct Candidate {
    sources: Sources,
    neighbours: f64,
}

/// A member's interest in topics, including topics related to theirs (normalised so
/// the strongest is 1).
struct Profile {
    weights: HashMap<TopicId, f64>,
}

impl Profile {
    fn of(model: &FeedModel, member: Option<Id>, now: i64) -> Profile {
        let mut weights: HashMap<TopicId, f64> = HashMap::new();
        let interests = member.map(|m| model.interests(m, now)).unwrap_or_default();
        let Some(&(_, strongest)) = interests.first() else { return Profile { weights } };
        for &(topic, weight) in interests.iter().take(PROFILE_TOPICS * 2) {
            *weights.entry(topic).or_default() += weight / strongest;
        }
        for &(topic, weight) in interests.iter().take(PROFILE_TOPICS) {
            for (related, share) in model.related(topic) {
                *weights.entry(related).or_default() += 0.5 * weight / strongest * share;
            }
        }
        Profile { weights }
    }

    fn match_of(&self, note: &NoteState) -> f64 {
        note.topics.iter().map(|t| self.weights.get(t).copied().unwrap_or(0.0)).fold(0.0, f64::max).min(1.0)
    }

    fn top(&self, n: usize) -> Vec<(TopicId, f64)> {
        let mut top: Vec<(TopicId, f64)> = self.weights.iter().map(|(&t, &w)| (t, w)).collect();
        top.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        top.truncate(n);
        top
    }
}

/// May this note be shown to this viewer at all (its reach, and never their own)?
fn may_show(note: &NoteState, viewer: Option<(Id, &MemberState)>) -> bool {
    match (note.reach, viewer) {
        (Reach::Nobody, _) => false,
        (_, Some((id, _))) if note.author == id => false,
        (Reach::Everyone, _) => true,
        (Reach::Followers, Some((_, state))) => state.follows.contains(&note.author),
        (Reach::Followers, None) => false,
    }
}

/// May the feed show it: reachable, not served before, not engaged with or seen.
fn fresh_for(note: &NoteState, id: Id, viewer: Option<(Id, &MemberState)>, exclude: &IdSet) -> bool {
    may_show(note, viewer)
        && !exclude.contains(&id)
        && viewer.is_none_or(|(_, state)| !state.engaged.contains(&id) && !state.has_seen(id))
}

/// Could the feed recommend `note` to `member` now (the evaluator's baselines obey
/// the same filter as the ranker)?
pub fn may_recommend(model: &FeedModel, member: Id, note: Id) -> bool {
    let viewer = model.member(member).map(|s| (member, s));
    let empty = MemberState::default();
    model.note(note).is_some_and(|n| fresh_for(n, note, Some(viewer.unwrap_or((member, &empty))), &IdSet::default()))
}

/// Neighbour affinity of notes co-engaged with the member's positives: the
/// recency-weighted mean cosine with them (0–1), the strongest `NEIGHBOUR_CANDIDATES`.
fn neighbours(model: &FeedModel, member: Id, state: &MemberState) -> Vec<(Id, f64)> {
    let mut scores: IdMap<f64> = Default::default();
    let mut together: IdMap<u32> = Default::default();
    let mut total_weight = 0.0;
    for (age, seed) in state.positives.iter().rev().take(NEIGHBOUR_SEEDS).enumerate() {
        let Some(note) = model.note(*seed) else { continue };
        let recency = 0.5f64.powf(age as f64 / NEIGHBOUR_SEED_HALF_LIFE);
        total_weight += recency;
        together.clear();
        for engager in note.engagers.iter().rev().take(NEIGHBOUR_ENGAGERS) {
            if *engager == member {
                continue;
            }
            let Some(other) = model.member(*engager) else { continue };
            for q in other.positives.iter().rev().take(NEIGHBOUR_POSITIVES) {
                if q != seed {
                    *together.entry(*q).or_default() += 1;
                }
            }
        }
        // Cosine: members who engaged with both over √(engagers of one × of the other).
        let seed_engagers = model.engagers_of(note).max(1) as f64;
        for (q, &both) in &together {
            let q_engagers = model.note(*q).map_or(1, |n| model.engagers_of(n).max(1)) as f64;
            *scores.entry(*q).or_default() += recency * f64::from(both) / (seed_engagers * q_engagers).sqrt();
        }
    }
    // Only the strongest neighbours become candidates (each candidate is scored).
    let mut strongest: Vec<(Id, f64)> = scores.into_iter().collect();
    if strongest.len() > NEIGHBOUR_CANDIDATES {
        strongest.select_nth_unstable_by(NEIGHBOUR_CANDIDATES, |a, b| b.1.total_cmp(&a.1));
        strongest.truncate(NEIGHBOUR_CANDIDATES);
    }
    if total_weight > 0.0 {
        for (_, score) in &mut strongest {
            *score /= total_weight;
        }
    }
    strongest
}

fn gather(model: &FeedModel, request: &FeedRequest, profile: &Profile) -> IdMap<Candidate> {
    let mut candidates: IdMap<Candidate> = Default::default();
    let mut add = |id: Id, source: Sources| candidates.entry(id).or_default().sources.0 |= source.0;
    let now = request.now;
    let member = request.member.and_then(|m| model.member(m).map(|s| (m, s)));
    if let Some((_, state)) = member {
        for author in state.follows.iter().take(FOLLOWED_AUTHORS) {
            if let Some(notes) = model.by_author.get(author) {
                notes.iter().rev().take(FOLLOWED_NOTES).for_each(|&id| add(id, Sources::FOLLOWING));
            }
        }
    }
    // Interests: a cheap score over the newest notes of each strong topic.
    let mut scanned: Vec<(Id, f64)> = Vec::new();
    for (topic, weight) in profile.top(PROFILE_TOPICS) {
        for &id in model.topic_candidates(topic, TOPIC_SCAN) {
            let Some(note) = model.note(id) else { continue };
            if note.published_at <= now && fresh_for(note, id, member, request.exclude) {
                scanned.push((id, weight * model.cheap_score(note, now)));
            }
        }
    }
    if scanned.len() > SHORTLIST {
        scanned.select_nth_unstable_by(SHORTLIST, |a, b| b.1.total_cmp(&a.1));
        scanned.truncate(SHORTLIST);
    }
    scanned.into_iter().for_each(|(id, _)| add(id, Sources::INTERESTS));
    model.rising.iter().for_each(|&id| add(id, Sources::RISING));
    let positives = member.map_or(0, |(_, s)| s.positives.len());
    if positives < COLD_POSITIVES {
        for (topic, _) in profile.top(3) {
            for fan in model.topic_fans(topic).take(SIMILAR_MEMBERS) {
                if let Some(state) = model.member(*fan) {
                    state
                        .positives
                        .iter()
                        .rev()
                        .take(SIMILAR_POSITIVES)
                        .for_each(|&id| add(id, Sources::SIMILAR_MEMBERS));
                }
            }
        }
        model.recent.iter().rev().take(NEWEST_SCAN).for_each(|&id| add(id, Sources::NEWEST));
    }
    if let Some((member_id, state)) = member {
        for (id, affinity) in neighbours(model, member_id, state) {
            let candidate = candidates.entry(id).or_default();
            candidate.sources.0 |= Sources::NEIGHBOURS.0;
            candidate.neighbours = affinity;
        }
    }
    candidates
}

fn score(model: &FeedModel, note: &NoteState, candidate: Candidate, profile: &Profile, now: i64) -> ScoreParts {
    let interest = if candidate.sources.contains(Sources::FOLLOWING) {
        profile.match_of(note).max(0.5)
    } else {
        profile.match_of(note)
    };
    let pool_size = model.settings.pools.get(note.pool.level).map_or(0, |p| i64::from(p.audience));
    let pool = match note.pool.status {
        PoolStatus::Testing if interest >= 0.3 && note.pool.impressions < pool_size => 1.5,
        PoolStatus::Stalled => 0.5,
        _ => 1.0,
    };
    ScoreParts {
        interest,
        quality: model.quality(note),
        freshness: model.freshness(note, now),
        neighbours: candidate.neighbours,
        pool,
    }
}

impl ScoreParts {
    pub fn total(&self) -> f64 {
        // A new note is judged by interest and quality; an old one (the catalogue) by
        // who engaged with it besides this member's own taste.
        // The compressed term is at least 1, so a smaller power never lifts an older
        // note above a newer one.
        let exponent = self.freshness + (1.0 - self.freshness) * CATALOGUE_EXPONENT;
        let merit = (0.02 + self.interest) * self.quality * self.pool;
        (1.0 + merit / MERIT_UNIT).powf(exponent) * (0.05 + self.freshness) * (1.0 + NEIGHBOUR_WEIGHT * self.neighbours)
    }
}

/// The member's next page of the discovery feed, best first.
pub fn rank(model: &FeedModel, request: &FeedRequest) -> Vec<Ranked> {
    let now = request.now;
    let profile = Profile::of(model, request.member, now);
    let member = request.member.and_then(|m| model.member(m).map(|s| (m, s)));
    let mut ranked: Vec<Ranked> = gather(model, request, &profile)
        .into_iter()
        .filter_map(|(id, candidate)| {
            let note = model.note(id)?;
            if note.published_at > now || !fresh_for(note, id, member, request.exclude) {
                return None;
            }
            let parts = score(model, note, candidate, &profile, now);
            Some(Ranked {
                note: id,
                score: parts.total(),
                parts,
                sources: candidate.sources,
                reason: Reason::Popular { topic: None },
                small_creator: model.followers_of(note.author) < model.settings.small_creator_followers,
            })
        })
        .collect();
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then(b.note.cmp(&a.note)));
    let mut page = diversify(model, ranked, request.limit);
    let tallies = member.map(|(_, state)| (state, state.tallies(model)));
    for item in &mut page {
        item.reason = reason(model, tallies.as_ref(), item);
    }
    page
}

/// Builds the page: at most `author_cap` per author and `topic_cap` per topic, no two
/// adjacent cards on the same first topic when another fits, then the small-creator
/// floor.
fn diversify(model: &FeedModel, ranked: Vec<Ranked>, limit: usize) -> Vec<Ranked> {
    let settings = &model.settings;
    let mut rest: Vec<Option<Ranked>> = ranked.into_iter().map(Some).collect();
    let mut page: Vec<Ranked> = Vec::new();
    let mut per_author: IdMap<usize> = Default::default();
    let mut per_topic: HashMap<TopicId, usize> = HashMap::new();
    let first_topic = |id: Id| model.note(id).and_then(|n| n.topics.first().copied());
    let mut start = 0;
    while page.len() < limit {
        while start < rest.len() && rest[start].is_none() {
            start += 1;
        }
        if start == rest.len() {
            break;
        }
        let previous = page.last().and_then(|p| first_topic(p.note));
        let fits = |item: &Ranked, strict: bool| {
            let note = model.note(item.note).expect("ranked notes exist");
            let topic = note.topics.first().copied();
            per_author.get(&note.author).copied().unwrap_or(0) < settings.author_cap
                && topic.is_none_or(|t| per_topic.get(&t).copied().unwrap_or(0) < settings.topic_cap)
                && (!strict || topic.is_none() || topic != previous)
        };
        let window = (start..rest.len()).filter(|&i| rest[i].is_some()).take(LOOKAHEAD).collect::<Vec<_>>();
        let pick = window
            .iter()
            .copied()
            .find(|&i| fits(rest[i].as_ref().expect("some"), true))
            .or_else(|| window.iter().copied().find(|&i| fits(rest[i].as_ref().expect("some"), false)))
            .unwrap_or(start);
        let item = rest[pick].take().expect("picked an unused card");
        let note = model.note(item.note).expect("ranked notes exist");
        *per_author.entry(note.author).or_default() += 1;
        if let Some(topic) = note.topics.first() {
            *per_topic.entry(*topic).or_default() += 1;
        }
        page.push(item);
    }
    // The floor: swap the page's lowest big-creator cards for the best small-creator
    // cards left, while the page is below it.
    let wanted = (settings.small_creator_floor * page.len() as f64).ceil() as usize;
    let mut small = page.iter().filter(|r| r.small_creator).count();
    let mut spare = rest.into_iter().flatten().filter(|r| r.small_creator);
    for slot in (0..page.len()).rev() {
        if small >= wanted {
            break;
        }
        if page[slot].small_creator {
            continue;
        }
        let Some(replacement) = spare.next() else { break };
        page[slot] = replacement;
        small += 1;
    }
    page
}

fn reason(model: &FeedModel, member: Option<&(&MemberState, Tallies)>, item: &Ranked) -> Reason {
    let note = model.note(item.note).expect("ranked notes exist");
    let topic_name = |t: TopicId| model.topic_name(t).to_owned();
    let first = note.topics.first().map(|&t| topic_name(t));
    if item.sources.contains(Sources::FOLLOWING) {
        return Reason::Following;
    }
    if item.parts.neighbours >= NEIGHBOURS_REASON_MIN {
        return Reason::Neighbours;
    }
    let tally = member.and_then(|(_, tallies)| {
        note.topics
            .iter()
            .flat_map(|&t| {
                [Tally::Saved, Tally::Commented, Tally::Liked, Tally::Read]
                    .into_iter()
                    .filter_map(move |k| tallies.get(&(t, k)).map(|&count| (t, k, count)))
            })
            .max_by_key(|&(_, _, count)| count)
    });
    if let Some((topic, tally, count)) = tally {
        return Reason::Tally { topic: topic_name(topic), tally, count };
    }
    let engaged = note.counts.likes + note.counts.saves + note.counts.comments;
    if item.parts.pool > 1.0 && engaged < FIRST_READERS_ENGAGEMENTS_MAX {
        return Reason::NewNote { topic: first };
    }
    if let Some(&topic) = member.and_then(|(m, _)| note.topics.iter().find(|t| m.picked.contains(t))) {
        return Reason::Picked { topic: topic_name(topic) };
    }
    if item.sources.contains(Sources::RISING) {
        return Reason::Rising { topic: first };
    }
    Reason::Popular { topic: first }
}

/// Notes related to `note` for a reader: its item-to-item neighbours (members who
/// engaged with it also engaged with…), then good recent notes on its topics.
pub fn related(model: &FeedModel, note: Id, viewer: Option<Id>, now: i64, limit: usize) -> Vec<Id> {
    let Some(state) = model.note(note) else { return Vec::new() };
    let member = viewer.and_then(|m| model.member(m).map(|s| (m, s)));
    let mut exclude = HashSet::from([note]);
    let mut scores: IdMap<f64> = Default::default();
    for engager in &state.engagers {
        if let Some(other) = model.member(*engager) {
            for q in &other.positives {
                *scores.entry(*q).or_default() += 1.0;
            }
        }
    }
    for &topic in &state.topics {
        for &id in model.topic_notes(topic).iter().rev().take(200) {
            if let Some(n) = model.note(id) {
                *scores.entry(id).or_default() += 0.1 * model.quality(n) * (0.05 + model.freshness(n, now));
            }
        }
    }
    let mut ranked: Vec<(Id, f64)> = scores
        .into_iter()
        .filter(|(id, _)| model.note(*id).is_some_and(|n| n.published_at <= now && may_show(n, member)))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
    let mut out = Vec::new();
    for (id, _) in ranked {
        if out.len() == limit {
            break;
        }
        if exclude.insert(id) {
            out.push(id);
        }
    }
    out
}
