//! The feed index: what the ranker knows, held in memory and changed only by
//! [`Signal`]s — notes and their reach, counters and traffic pool; members' interest
//! profiles, engaged and seen notes, follows; topics and how they relate; who engaged
//! with what (for "people who saved this also saved"); follower counts and rising
//! notes. Production feeds it from the logs (`live.rs`), the offline evaluator from a
//! dataset (`eval.rs`): both rank through the same code.
//!
//! Times are event times (µs), never the wall clock. The two logs are replayed by two
//! consumers, so the state must not depend on how their entries interleave (ADR
//! 0020): the same (domain, behaviour) prefixes give the same index in any order.
//! So every piece of state is either written by one log alone, in that log's order,
//! or derived at read from pieces that are:
//! - a behaviour event may arrive before the publication of its note: it waits
//!   (`pending`, bounded) and is applied when the note arrives, in log order — or is
//!   dropped when the note is known to be gone (deleted, private);
//! - a member's interests are the domain log's accumulator plus what they saw, kept
//!   per note and summed at read in note-id order over the note's current topics;
//! - a note's traffic pool is a function of its cumulative impressions and CES
//!   ([`FeedModel::pool_of`]), and its journey of the times its impressions crossed
//!   each pool's audience;
//! - the caches the ranker reads — each topic's best notes and the rising notes —
//!   are computed from the index at its clock ([`FeedModel::settled`]), never as a
//!   side effect of when a batch arrived.
//!
//! One bound breaks exactness: past [`SEEN_KEPT`] notes seen by one member, the
//! least recently seen are forgotten, and a forgotten note seen again starts over.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use carmine_core::Id;

use crate::ids::{IdMap, IdSet};

use crate::settings::FeedSettings;

pub type TopicId = u32;
/// How often a member did each tally per topic.
pub(crate) type Tallies = HashMap<(TopicId, Tally), u32>;

const HOUR_MICROS: f64 = 3_600_000_000.0;
/// Members engaged with a note that are remembered for item-to-item neighbours, and a
/// member's latest positives (the seeds of "people who saved this also saved"). 64 and
/// 30 lost a third of the neighbours' NDCG on real ratings (MovieLens 100k); memory
/// grows with engagements, not notes × 100.
const ENGAGERS_KEPT: usize = 100;
const POSITIVES_KEPT: usize = 100;
/// Notes a member saw that stay filtered out of their feed (the least recently seen
/// may return).
pub const SEEN_KEPT: usize = 5_000;
/// A read this long counts towards "you often read about …".
const LONG_READ_MS: i64 = 10_000;
/// Members lately engaged with a topic, the seeds of the cold-start path.
const FANS_KEPT: usize = 64;
/// Rising notes kept, and the half-life of their heat.
const RISING_KEPT: usize = 200;
/// Behaviour events held for notes whose publication has not been applied yet (past
/// this, later ones are dropped: a log far behind the other).
const PENDING_MAX: usize = 1_000_000;
const HEAT_HALF_LIFE_HOURS: f64 = 6.0;

/// Who a note may be shown to by the feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    Everyone,
    /// Followers-only notes, and notes limited by moderation.
    Followers,
    /// Private, draft or deleted.
    Nobody,
}

/// An engagement that counts towards CES.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Like,
    Save,
    Comment,
    Share,
}

impl Action {
    /// How much it moves the member's interest in the note's topics, and what it
    /// tallies for "why am I seeing this".
    fn interest(self) -> (f64, Tally) {
        match self {
            Action::Like => (1.0, Tally::Liked),
            Action::Save => (2.0, Tally::Saved),
            Action::Comment => (2.0, Tally::Commented),
            Action::Share => (2.0, Tally::Liked),
        }
    }
}

/// A behaviour event: what the member saw or did short of engaging.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Sight {
    Impression,
    Click,
    Read { dwell_ms: i64 },
}

impl Sight {
    /// A behaviour event's kind (`impression`, `read`, `click`, `share`) as the feed
    /// sees it: a share-sheet use counts like a click.
    pub fn of(kind: &str, dwell_ms: Option<i64>) -> Sight {
        match kind {
            "impression" => Sight::Impression,
            "read" => Sight::Read { dwell_ms: dwell_ms.unwrap_or(0) },
            _ => Sight::Click,
        }
    }
}

/// What a member did often with a topic, for "why am I seeing this".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tally {
    Liked,
    Saved,
    Commented,
    Read,
}

/// Everything that changes the index.
#[derive(Clone, Debug, PartialEq)]
pub enum Signal {
    /// A note went out (or was edited: topics and reach are replaced).
    Published {
        note: Id,
        author: Id,
        topics: Vec<String>,
        at: i64,
        reach: Reach,
    },
    /// Visibility, moderation or deletion changed who may see it.
    Reach {
        note: Id,
        reach: Reach,
    },
    /// A like, save, comment or share; `paid` when a sponsored card brought it (the
    /// member's interests learn from it, the note's organic counts do not).
    Engaged {
        member: Id,
        note: Id,
        action: Action,
        at: i64,
        paid: bool,
    },
    /// An unlike or unsave.
    Withdrawn {
        member: Id,
        note: Id,
        action: Action,
    },
    Followed {
        follower: Id,
        followee: Id,
        from_note: Option<Id>,
        at: i64,
        paid: bool,
    },
    Unfollowed {
        follower: Id,
        followee: Id,
    },
    /// A behaviour event; `member` is None for a signed-out visitor; `paid` for a
    /// note reached through a sponsored card.
    Saw {
        member: Option<Id>,
        note: Id,
        sight: Sight,
        at: i64,
        paid: bool,
    },
    /// Topics chosen in the interest picker.
    Picked {
        member: Id,
        topics: Vec<String>,
        at: i64,
    },
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoteCounts {
    pub impressions: i64,
    pub clicks: i64,
    pub reads: i64,
    pub dwell_ms: i64,
    pub likes: i64,
    pub saves: i64,
    pub comments: i64,
    pub shares: i64,
    pub follows: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolStatus {
    /// Being shown to the level's audience.
    Testing,
    /// Had its audience and did not reach the bar.
    Stalled,
    /// Passed every pool.
    Open,
}

impl PoolStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PoolStatus::Testing => "testing",
            PoolStatus::Stalled => "stalled",
            PoolStatus::Open => "open",
        }
    }
}

/// One step of a note's journey through the pools.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PoolStep {
    pub level: usize,
    pub status: PoolStatus,
    /// When the step was taken: the publication, or the impression that completed
    /// the previous pool's audience.
    pub at: i64,
    /// The note's impressions at that moment.
    pub impressions: i64,
}

/// Where a note stands in the traffic pools: a function of its cumulative
/// impressions and CES ([`FeedModel::pool_of`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PoolState {
    pub level: usize,
    pub status: PoolStatus,
    /// Impressions counted in the current pool.
    pub impressions: i64,
}

#[derive(Clone, Debug)]
pub struct NoteState {
    pub author: Id,
    pub topics: Vec<TopicId>,
    pub published_at: i64,
    pub reach: Reach,
    pub counts: NoteCounts,
    pub pool: PoolState,
    /// When the impressions reached each pool's cumulative audience (the journey).
    crossings: Vec<i64>,
    /// The latest members who liked, saved or commented (oldest first).
    pub engagers: VecDeque<Id>,
    heat: f64,
    heat_at: i64,
}

/// A weight that halves every half-life.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Decayed {
    weight: f64,
    at: i64,
}

impl Decayed {
    fn at(self, now: i64, half_life_micros: f64) -> f64 {
        let age = (now - self.at).max(0) as f64;
        self.weight * 0.5f64.powf(age / half_life_micros)
    }

    fn add(&mut self, delta: f64, at: i64, half_life_micros: f64) {
        if at >= self.at {
            self.weight = self.at(at, half_life_micros) + delta;
            self.at = at;
        } else {
            self.weight += delta * 0.5f64.powf((self.at - at) as f64 / half_life_micros);
        }
    }
}

/// What a member saw of one note (the behaviour log).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Seen {
    /// Interest moved by the sightings: a little less for a pass-over, more for a
    /// click or a read by its dwell.
    weight: Decayed,
    last_at: i64,
    long_reads: u32,
}

#[derive(Clone, Debug, Default)]
pub struct MemberState {
    /// Interest from the domain log: engagements, follows from a note, picks.
    interests: HashMap<TopicId, Decayed>,
    /// Liked/saved/commented counts per topic (the domain log; reads are in `seen`).
    tallies: Tallies,
    pub(crate) engaged: IdSet,
    /// Notes seen, in note-id order, and the same keyed by (last seen, note) to forget
    /// the least recently seen past [`SEEN_KEPT`].
    seen: BTreeMap<Id, Seen>,
    seen_order: BTreeSet<(i64, Id)>,
    pub(crate) positives: VecDeque<Id>,
    pub(crate) follows: IdSet,
    pub(crate) picked: Vec<TopicId>,
}

impl MemberState {
    /// Has the member seen the note (it stays out of their feed)?
    pub(crate) fn has_seen(&self, note: Id) -> bool {
        self.seen.contains_key(&note)
    }

    /// How often the member did each tally per topic: liked, saved and commented from
    /// the domain log, long reads from the notes they saw (over the notes' current
    /// topics). One pass over the seen notes: compute it once per page.
    pub(crate) fn tallies(&self, model: &FeedModel) -> Tallies {
        let mut tallies = self.tallies.clone();
        for (note, seen) in self.seen.iter().filter(|(_, seen)| seen.long_reads > 0) {
            for &topic in model.notes.get(note).map_or(&[][..], |n| &n.topics) {
                *tallies.entry((topic, Tally::Read)).or_default() += seen.long_reads;
            }
        }
        tallies
    }
}

/// The ranker's caches as of one moment of the index ([`FeedModel::settled`]).
pub struct Settled {
    best: Vec<TopicBest>,
    rising: Vec<Id>,
    /// Notes no longer warm enough to be scanned for rising.
    cold: Vec<Id>,
    at: i64,
}

/// A topic's best recent notes, and how many of its notes existed then.
#[derive(Clone, Debug, Default)]
pub struct TopicBest {
    notes: Vec<Id>,
    upto: usize,
}

#[derive(Clone, Debug, Default)]
struct TopicState {
    name: String,
    /// Notes with this topic in the order they were published.
    notes: Vec<Id>,
    /// How often this topic was engaged with by members who like another topic (in
    /// topic order, so sums over it are the same on every node).
    related: BTreeMap<TopicId, f64>,
    fans: VecDeque<Id>,
}

/// A behaviour event waiting for its note: (member, sight, when, paid).
type PendingSight = (Option<Id>, Sight, i64, bool);

/// The index. Cheap to read concurrently behind a lock; `apply` is the only writer.
pub struct FeedModel {
    pub(crate) settings: FeedSettings,
    pub(crate) notes: IdMap<NoteState>,
    pub(crate) members: IdMap<MemberState>,
    topics: Vec<TopicState>,
    /// Per topic, its best recent notes by quality × freshness when last computed
    /// ([`FeedModel::best_by_topic`]): the interest scan reads these plus what was
    /// published since, instead of every recent note.
    best: Vec<TopicBest>,
    topic_ids: HashMap<String, TopicId>,
    pub(crate) followers: IdMap<u32>,
    pub(crate) by_author: IdMap<Vec<Id>>,
    /// Every note, in publish order (the cold-start and pool scan).
    pub(crate) recent: Vec<Id>,
    /// Notes engaged with lately, and the hottest of them.
    warm: IdSet,
    /// Behaviour events for notes not applied yet, in log order (see the header).
    pending: IdMap<Vec<PendingSight>>,
    pending_total: usize,
    /// Notes the domain log said nobody may see before the index knew them: their
    /// behaviour events are dropped.
    gone: IdSet,
    pub(crate) rising: Vec<Id>,
    /// Likes and saves a sponsored card brought, so taking one back leaves the
    /// organic counts alone too.
    paid: HashSet<(Id, Id, Action)>,
    /// The latest event time of either log.
    pub(crate) clock: i64,
}

impl FeedModel {
    pub fn new(settings: FeedSettings) -> FeedModel {
        FeedModel {
            settings,
            notes: Default::default(),
            members: Default::default(),
            topics: Vec::new(),
            best: Vec::new(),
            topic_ids: HashMap::new(),
            followers: Default::default(),
            by_author: Default::default(),
            recent: Vec::new(),
            warm: IdSet::default(),
            pending: Default::default(),
            pending_total: 0,
            gone: IdSet::default(),
            rising: Vec::new(),
            paid: HashSet::new(),
            clock: 0,
        }
    }

    pub fn settings(&self) -> &FeedSettings {
        &self.settings
    }

    pub fn note(&self, id: Id) -> Option<&NoteState> {
        self.notes.get(&id)
    }

    /// Every member the index knows, in id order.
    pub fn member_ids(&self) -> Vec<Id> {
        let mut ids: Vec<Id> = self.members.keys().copied().collect();
        ids.sort_unstable();
        ids
    }

    pub fn note_count(&self) -> usize {
        self.notes.len()
    }

    pub fn followers_of(&self, actor: Id) -> u32 {
        self.followers.get(&actor).copied().unwrap_or(0)
    }

    pub fn topic_name(&self, topic: TopicId) -> &str {
        &self.topics[topic as usize].name
    }

    pub fn topic_id(&self, name: &str) -> Option<TopicId> {
        self.topic_ids.get(name).copied()
    }

    /// The notes the interest scan considers for a topic: its best recent notes when
    /// they were last computed, then every note published with the topic since (or
    /// the newest `scan` notes if nothing was computed yet).
    pub(crate) fn topic_candidates(&self, topic: TopicId, scan: usize) -> impl Iterator<Item = &Id> {
        let notes = &self.topics[topic as usize].notes;
        let (best, since): (&[Id], usize) = match self.best.get(topic as usize) {
            Some(b) => (&b.notes, b.upto.min(notes.len())),
            None => (&[], notes.len().saturating_sub(scan)),
        };
        best.iter().chain(notes[since..].iter().rev())
    }

    /// Each topic's best `keep` notes among its newest `scan`, by quality ×
    /// (0.05 + freshness) at `now`. Read-only, so it can run beside readers; install
    /// the result with [`FeedModel::install`] (through [`FeedModel::settled`]).
    pub fn best_by_topic(&self, now: i64, scan: usize, keep: usize) -> Vec<TopicBest> {
        self.topics
            .iter()
            .map(|topic| {
                let mut scored: Vec<(Id, f64)> = topic
                    .notes
                    .iter()
                    .rev()
                    .take(scan)
                    .filter_map(|id| self.notes.get(id).map(|n| (*id, self.cheap_score(n, now))))
                    .collect();
                if scored.len() > keep {
                    scored.select_nth_unstable_by(keep, |a, b| b.1.total_cmp(&a.1));
                    scored.truncate(keep);
                }
                TopicBest { notes: scored.into_iter().map(|(id, _)| id).collect(), upto: topic.notes.len() }
            })
            .collect()
    }

    /// The caches the ranker reads, computed from the index at its clock (the latest
    /// event time) so they are a function of the index alone: each topic's best notes
    /// and the rising notes. Read-only (it runs beside readers); install the result
    /// with [`FeedModel::install`].
    pub fn settled(&self) -> Settled {
        let now = self.clock;
        let heats = self.warm.iter().filter_map(|id| self.notes.get(id).map(|n| (*id, self.heat(n, now))));
        let (mut warm, cold): (Vec<_>, Vec<_>) = heats.partition(|(_, heat)| *heat >= 0.5);
        warm.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        warm.truncate(RISING_KEPT);
        Settled {
            best: self.best_by_topic(now, crate::rank::TOPIC_BEST_SCAN, crate::rank::TOPIC_BEST),
            rising: warm.into_iter().map(|(id, _)| id).collect(),
            cold: cold.into_iter().map(|(id, _)| id).collect(),
            at: now,
        }
    }

    /// Installs caches from [`FeedModel::settled`]; notes that cooled are no longer
    /// scanned for rising (unless engaged with since).
    pub fn install(&mut self, settled: Settled) {
        self.best = settled.best;
        self.rising = settled.rising;
        for id in settled.cold {
            if self.notes.get(&id).is_none_or(|n| self.heat(n, settled.at.max(n.heat_at)) < 0.5) {
                self.warm.remove(&id);
            }
        }
    }

    /// Quality × (0.05 + freshness): the member-independent part of a note's score.
    pub(crate) fn cheap_score(&self, note: &NoteState, now: i64) -> f64 {
        self.quality(note) * (0.05 + self.freshness(note, now))
    }

    /// 1 when just published, falling by e every `freshness_hours`.
    pub fn freshness(&self, note: &NoteState, now: i64) -> f64 {
        let age_hours = ((now - note.published_at).max(0) as f64) / HOUR_MICROS;
        (-age_hours / self.settings.freshness_hours).exp()
    }

    pub(crate) fn topic_notes(&self, topic: TopicId) -> &[Id] {
        &self.topics[topic as usize].notes
    }

    /// Members lately engaged with the topic, latest first.
    pub(crate) fn topic_fans(&self, topic: TopicId) -> impl Iterator<Item = &Id> {
        self.topics[topic as usize].fans.iter().rev()
    }

    /// How many notes carry the topic.
    pub fn topic_note_count(&self, topic: TopicId) -> usize {
        self.topics[topic as usize].notes.len()
    }

    /// Topics by the number of notes that carry them, most first.
    pub fn popular_topics(&self, limit: usize) -> Vec<(String, usize)> {
        let mut topics: Vec<(String, usize)> = self.topics.iter().map(|t| (t.name.clone(), t.notes.len())).collect();
        topics.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        topics.truncate(limit);
        topics
    }

    fn intern(&mut self, name: &str) -> TopicId {
        if let Some(&id) = self.topic_ids.get(name) {
            return id;
        }
        let id = self.topics.len() as TopicId;
        self.topics.push(TopicState { name: name.to_owned(), ..TopicState::default() });
        self.topic_ids.insert(name.to_owned(), id);
        id
    }

    fn half_life(&self) -> f64 {
        self.settings.interest_half_life_days * 24.0 * HOUR_MICROS
    }

    /// The note's community engagement score from its counters.
    pub fn ces(&self, counts: &NoteCounts) -> i64 {
        let w = &self.settings.ces;
        counts.likes * w.likes
            + counts.saves * w.saves
            + counts.comments * w.comments
            + counts.shares * w.shares
            + counts.follows * w.follows
    }

    /// CES per impression, smoothed towards the prior.
    pub fn smoothed_rate(&self, ces: i64, impressions: i64) -> f64 {
        let s = &self.settings;
        (ces as f64 + s.prior_impressions * s.prior_rate) / (impressions as f64 + s.prior_impressions)
    }

    /// The note's quality: its smoothed CES per impression relative to the prior (1.0
    /// is an average note).
    pub fn quality(&self, note: &NoteState) -> f64 {
        let ces = self.ces(&note.counts);
        self.smoothed_rate(ces, note.counts.impressions) / self.settings.prior_rate
    }

    /// The member's interest in each topic now, strongest first: what they did on the
    /// domain log plus what they saw, each seen note's weight shared over its current
    /// topics, summed in note-id order (so the sum is the same in any replay order).
    pub fn interests(&self, member: Id, now: i64) -> Vec<(TopicId, f64)> {
        let Some(state) = self.members.get(&member) else { return Vec::new() };
        let half_life = self.half_life();
        let mut by_topic: BTreeMap<TopicId, f64> =
            state.interests.iter().map(|(&t, d)| (t, d.at(now, half_life))).collect();
        for (note, seen) in &state.seen {
            let Some(topics) = self.notes.get(note).map(|n| &n.topics).filter(|t| !t.is_empty()) else { continue };
            let share = seen.weight.at(now, half_life) / topics.len() as f64;
            for topic in topics {
                *by_topic.entry(*topic).or_default() += share;
            }
        }
        Self::strongest_first(by_topic)
    }

    /// The member's interests from the domain log alone (what relates topics: it is
    /// applied in domain order, whatever the behaviour log has reached).
    fn domain_interests(&self, member: Id, now: i64) -> Vec<(TopicId, f64)> {
        let Some(state) = self.members.get(&member) else { return Vec::new() };
        let half_life = self.half_life();
        Self::strongest_first(state.interests.iter().map(|(&t, d)| (t, d.at(now, half_life))).collect())
    }

    fn strongest_first(by_topic: BTreeMap<TopicId, f64>) -> Vec<(TopicId, f64)> {
        let mut interests: Vec<(TopicId, f64)> = by_topic.into_iter().filter(|(_, w)| *w > 0.0).collect();
        interests.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        interests
    }

    /// Where a note stands in the traffic pools, from its cumulative impressions and
    /// CES alone: it is in the first pool whose audience its impressions have not yet
    /// completed, unless its smoothed CES per impression misses the bar of a pool it
    /// has completed (stalled there); past every pool it is open. Engagement that
    /// comes late still counts, and a note whose rate falls below a bar later goes
    /// back to that pool's limit.
    pub fn pool_of(&self, counts: &NoteCounts) -> PoolState {
        let rate = self.smoothed_rate(self.ces(counts), counts.impressions);
        let mut start = 0i64;
        for (level, pool) in self.settings.pools.iter().enumerate() {
            let end = start + i64::from(pool.audience);
            if counts.impressions < end {
                return PoolState { level, status: PoolStatus::Testing, impressions: counts.impressions - start };
            }
            if rate < pool.bar {
                return PoolState { level, status: PoolStatus::Stalled, impressions: counts.impressions - start };
            }
            start = end;
        }
        PoolState { level: self.settings.pools.len().saturating_sub(1), status: PoolStatus::Open, impressions: 0 }
    }

    /// The note's way through the pools: entering the first at publication, then at
    /// each completed audience the next pool (or open), or stalled where it is now.
    pub fn journey(&self, note: &NoteState) -> Vec<PoolStep> {
        let mut steps = vec![PoolStep { level: 0, status: PoolStatus::Testing, at: note.published_at, impressions: 0 }];
        let mut impressions = 0i64;
        for (level, (&at, pool)) in note.crossings.iter().zip(&self.settings.pools).enumerate() {
            impressions += i64::from(pool.audience);
            let (level, status) = if note.pool.status == PoolStatus::Stalled && note.pool.level == level {
                (level, PoolStatus::Stalled)
            } else if level + 1 == self.settings.pools.len() {
                (level, PoolStatus::Open)
            } else {
                (level + 1, PoolStatus::Testing)
            };
            steps.push(PoolStep { level, status, at, impressions });
            if status == PoolStatus::Stalled {
                break;
            }
        }
        steps
    }

    /// Re-derives the note's pool after its counts changed.
    fn repool(&mut self, note: Id) {
        if let Some(counts) = self.notes.get(&note).map(|n| n.counts) {
            let pool = self.pool_of(&counts);
            self.notes.get_mut(&note).expect("checked").pool = pool;
        }
    }

    /// Topics related to `topic` by co-engagement, with their share of its links.
    pub(crate) fn related(&self, topic: TopicId) -> impl Iterator<Item = (TopicId, f64)> + '_ {
        let related = &self.topics[topic as usize].related;
        let total: f64 = related.values().sum();
        related.iter().map(move |(&t, &w)| (t, if total > 0.0 { w / total } else { 0.0 }))
    }

    pub(crate) fn member(&self, member: Id) -> Option<&MemberState> {
        self.members.get(&member)
    }

    /// Likes, saves and comments on the note (how widely engaged it is, for cosine
    /// co-engagement).
    pub(crate) fn engagers_of(&self, note: &NoteState) -> i64 {
        note.counts.likes + note.counts.saves + note.counts.comments
    }

    /// The note's heat (decayed CES) at `now`.
    pub(crate) fn heat(&self, note: &NoteState, now: i64) -> f64 {
        let age = (now - note.heat_at).max(0) as f64 / HOUR_MICROS;
        note.heat * 0.5f64.powf(age / HEAT_HALF_LIFE_HOURS)
    }

    pub fn apply(&mut self, signal: Signal) {
        match signal {
            Signal::Published { note, author, topics, at, reach } => self.published(note, author, &topics, at, reach),
            Signal::Reach { note, reach } => match self.notes.get_mut(&note) {
                Some(state) => state.reach = reach,
                None if reach == Reach::Nobody => {
                    self.pending_total -= self.pending.remove(&note).map_or(0, |p| p.len());
                    self.gone.insert(note);
                }
                None => {}
            },
            Signal::Engaged { member, note, action, at, paid: false } => self.engaged(member, note, action, at),
            Signal::Engaged { member, note, action, at, paid: true } => {
                self.paid.insert((member, note, action));
                self.engaged_paid(member, note, action, at);
            }
            Signal::Withdrawn { member, note, action } => {
                if self.paid.remove(&(member, note, action)) {
                    return;
                }
                if let Some(state) = self.notes.get_mut(&note) {
                    match action {
                        Action::Like => state.counts.likes -= 1,
                        Action::Save => state.counts.saves -= 1,
                        Action::Comment => state.counts.comments -= 1,
                        Action::Share => state.counts.shares -= 1,
                    }
                    self.repool(note);
                }
            }
            Signal::Followed { follower, followee, from_note, at, paid } => {
                if self.members.entry(follower).or_default().follows.insert(followee) {
                    *self.followers.entry(followee).or_default() += 1;
                }
                if let Some(note) = from_note
                    && paid
                {
                    self.learn(follower, note, 2.0, None, at);
                } else if let Some(note) = from_note
                    && self.notes.contains_key(&note)
                {
                    self.notes.get_mut(&note).expect("checked").counts.follows += 1;
                    self.add_ces(note, self.settings.ces.follows, at);
                    self.learn(follower, note, 2.0, None, at);
                }
            }
            Signal::Unfollowed { follower, followee } => {
                if self.members.entry(follower).or_default().follows.remove(&followee)
                    && let Some(count) = self.followers.get_mut(&followee)
                {
                    *count = count.saturating_sub(1);
                }
            }
            Signal::Saw { member, note, sight, at, paid } => self.saw(member, note, sight, at, paid),
            Signal::Picked { member, topics, at } => {
                let topics: Vec<TopicId> = topics.iter().map(|t| self.intern(t)).collect();
                let half_life = self.half_life();
                let state = self.members.entry(member).or_default();
                for &topic in &topics {
                    state.interests.entry(topic).or_default().add(3.0, at, half_life);
                }
                state.picked = topics;
            }
        }
    }

    fn published(&mut self, note: Id, author: Id, topics: &[String], at: i64, reach: Reach) {
        self.clock = self.clock.max(at);
        let mut ids: Vec<TopicId> = topics.iter().map(|t| self.intern(t)).collect();
        ids.dedup();
        if let Some(state) = self.notes.get_mut(&note) {
            // An edit: new topics are indexed, the reach replaced; the pool goes on.
            let added: Vec<TopicId> = ids.iter().copied().filter(|t| !state.topics.contains(t)).collect();
            state.topics = ids;
            state.reach = reach;
            for topic in added {
                self.topics[topic as usize].notes.push(note);
            }
            return;
        }
        for (i, &a) in ids.iter().enumerate() {
            self.topics[a as usize].notes.push(note);
            for &b in &ids[i + 1..] {
                *self.topics[a as usize].related.entry(b).or_default() += 1.0;
                *self.topics[b as usize].related.entry(a).or_default() += 1.0;
            }
        }
        let pool = self.pool_of(&NoteCounts::default());
        self.notes.insert(
            note,
            NoteState {
                author,
                topics: ids,
                published_at: at,
                reach,
                counts: NoteCounts::default(),
                pool,
                crossings: Vec::new(),
                engagers: VecDeque::new(),
                heat: 0.0,
                heat_at: at,
            },
        );
        self.by_author.entry(author).or_default().push(note);
        self.recent.push(note);
        self.gone.remove(&note);
        for (member, sight, at, paid) in self.pending.remove(&note).unwrap_or_default() {
            self.pending_total -= 1;
            self.saw(member, note, sight, at, paid);
        }
    }

    /// Behaviour events waiting for their note's publication.
    pub fn pending_events(&self) -> usize {
        self.pending_total
    }

    /// An engagement a sponsored card brought: the member has engaged (the note stays
    /// out of their feed) and their interests learn, but the note's counts, heat,
    /// engagers and the topic graph — what spreads a note to others — do not move.
    fn engaged_paid(&mut self, member: Id, note: Id, action: Action, at: i64) {
        if !self.notes.contains_key(&note) {
            return;
        }
        let (interest, tally) = action.interest();
        self.clock = self.clock.max(at);
        self.members.entry(member).or_default().engaged.insert(note);
        self.learn(member, note, interest, Some(tally), at);
    }

    fn engaged(&mut self, member: Id, note: Id, action: Action, at: i64) {
        let Some(state) = self.notes.get_mut(&note) else { return };
        let w = self.settings.ces;
        let weight = match action {
            Action::Like => w.likes,
            Action::Save => w.saves,
            Action::Comment => w.comments,
            Action::Share => w.shares,
        };
        let (interest, tally) = action.interest();
        match action {
            Action::Like => state.counts.likes += 1,
            Action::Save => state.counts.saves += 1,
            Action::Comment => state.counts.comments += 1,
            Action::Share => state.counts.shares += 1,
        }
        if action != Action::Share && !state.engagers.contains(&member) {
            if state.engagers.len() == ENGAGERS_KEPT {
                state.engagers.pop_front();
            }
            state.engagers.push_back(member);
        }
        self.add_ces(note, weight, at);
        let first = self.members.entry(member).or_default().engaged.insert(note);
        self.learn(member, note, interest, Some(tally), at);
        if first && action != Action::Share {
            self.relate_topics(member, note, at);
            let topics = self.notes[&note].topics.clone();
            for topic in topics {
                let fans = &mut self.topics[topic as usize].fans;
                if !fans.contains(&member) {
                    if fans.len() == FANS_KEPT {
                        fans.pop_front();
                    }
                    fans.push_back(member);
                }
            }
            let positives = &mut self.members.get_mut(&member).expect("inserted above").positives;
            if positives.len() == POSITIVES_KEPT {
                positives.pop_front();
            }
            positives.push_back(note);
        }
    }

    /// Co-engagement between topics: the note's topics are related to the topics the
    /// member already cares most about.
    fn relate_topics(&mut self, member: Id, note: Id, at: i64) {
        let interests = self.domain_interests(member, at);
        let topics = self.notes[&note].topics.clone();
        for &(strong, _) in interests.iter().take(3) {
            for &topic in &topics {
                if topic != strong {
                    *self.topics[strong as usize].related.entry(topic).or_default() += 1.0;
                    *self.topics[topic as usize].related.entry(strong).or_default() += 1.0;
                }
            }
        }
    }

    fn add_ces(&mut self, note: Id, weight: i64, at: i64) {
        self.clock = self.clock.max(at);
        let Some(state) = self.notes.get_mut(&note) else { return };
        let decay = |hours: f64| 0.5f64.powf(hours / HEAT_HALF_LIFE_HOURS);
        if at >= state.heat_at {
            state.heat = state.heat * decay((at - state.heat_at) as f64 / HOUR_MICROS) + weight as f64;
            state.heat_at = at;
        } else {
            state.heat += weight as f64 * decay((state.heat_at - at) as f64 / HOUR_MICROS);
        }
        self.repool(note);
        self.warm.insert(note);
    }

    /// Moves the member's domain-log interest in the note's topics by `delta`.
    fn learn(&mut self, member: Id, note: Id, delta: f64, tally: Option<Tally>, at: i64) {
        let Some(topics) = self.notes.get(&note).map(|n| n.topics.clone()) else { return };
        if topics.is_empty() {
            return;
        }
        let half_life = self.half_life();
        let state = self.members.entry(member).or_default();
        let share = delta / topics.len() as f64;
        for topic in topics {
            state.interests.entry(topic).or_default().add(share, at, half_life);
            if let Some(tally) = tally {
                *state.tallies.entry((topic, tally)).or_default() += 1;
            }
        }
    }

    /// A sighting; a `paid` one (the note reached through a sponsored card) moves
    /// the member's interests only, never the note's counts or pool.
    fn saw(&mut self, member: Option<Id>, note: Id, sight: Sight, at: i64, paid: bool) {
        self.clock = self.clock.max(at);
        let Some(state) = self.notes.get_mut(&note) else {
            if !self.gone.contains(&note) && self.pending_total < PENDING_MAX {
                self.pending.entry(note).or_default().push((member, sight, at, paid));
                self.pending_total += 1;
            }
            return;
        };
        match sight {
            _ if paid => {}
            Sight::Impression => {
                state.counts.impressions += 1;
                // The behaviour log's order is kept per note (pending events included),
                // so the impression that completes an audience is the same in any replay.
                let mut audience = 0i64;
                for pool in &self.settings.pools {
                    audience += i64::from(pool.audience);
                    if audience == state.counts.impressions {
                        state.crossings.push(at);
                    }
                }
                self.repool(note);
            }
            Sight::Click => state.counts.clicks += 1,
            Sight::Read { dwell_ms } => {
                state.counts.reads += 1;
                state.counts.dwell_ms += dwell_ms.max(0);
            }
        }
        let Some(member) = member else { return };
        let delta = match sight {
            // Seen and passed over: a little less of this.
            Sight::Impression => -0.05,
            Sight::Click => 0.3,
            Sight::Read { dwell_ms } => 0.3 + (dwell_ms.max(0) as f64 / 30_000.0).min(1.0),
        };
        let half_life = self.half_life();
        let state = self.members.entry(member).or_default();
        let seen = state.seen.entry(note).or_default();
        let before = seen.last_at;
        seen.weight.add(delta, at, half_life);
        seen.last_at = seen.last_at.max(at);
        if matches!(sight, Sight::Read { dwell_ms } if dwell_ms >= LONG_READ_MS) {
            seen.long_reads += 1;
        }
        let after = seen.last_at;
        state.seen_order.remove(&(before, note));
        state.seen_order.insert((after, note));
        if state.seen_order.len() > SEEN_KEPT
            && let Some((_, forgotten)) = state.seen_order.pop_first()
        {
            state.seen.remove(&forgotten);
        }
    }

    /// Everything the index holds, one line per note, member and topic in id order,
    /// floats by their bits: two indexes are the same exactly when these are equal
    /// (the replay tests compare them).
    pub fn describe(&self) -> Vec<String> {
        let mut lines = Vec::new();
        let sorted = |set: &IdSet| {
            let mut ids: Vec<i64> = set.iter().map(|id| id.as_i64()).collect();
            ids.sort_unstable();
            ids
        };
        let mut notes: Vec<(&Id, &NoteState)> = self.notes.iter().collect();
        notes.sort_by_key(|(id, _)| **id);
        for (id, n) in notes {
            lines.push(format!(
                "note {id} by {} topics {:?} at {} {:?} {:?} {:?} crossings {:?} engagers {:?} heat {:x}@{}",
                n.author,
                n.topics,
                n.published_at,
                n.reach,
                n.counts,
                n.pool,
                n.crossings,
                n.engagers,
                n.heat.to_bits(),
                n.heat_at
            ));
        }
        let mut members: Vec<(&Id, &MemberState)> = self.members.iter().collect();
        members.sort_by_key(|(id, _)| **id);
        for (id, m) in members {
            let mut interests: Vec<(TopicId, u64, i64)> =
                m.interests.iter().map(|(t, d)| (*t, d.weight.to_bits(), d.at)).collect();
            interests.sort_unstable();
            let mut tallies: Vec<_> = m.tallies.iter().map(|((t, k), c)| (*t, format!("{k:?}"), *c)).collect();
            tallies.sort();
            let seen: Vec<_> = m
                .seen
                .iter()
                .map(|(n, s)| (n.as_i64(), s.weight.weight.to_bits(), s.weight.at, s.last_at, s.long_reads))
                .collect();
            lines.push(format!(
                "member {id} interests {interests:?} tallies {tallies:?} engaged {:?} seen {seen:?} positives {:?} follows {:?} picked {:?}",
                sorted(&m.engaged),
                m.positives,
                sorted(&m.follows),
                m.picked
            ));
        }
        for (i, t) in self.topics.iter().enumerate() {
            let related: Vec<_> = t.related.iter().map(|(r, w)| (*r, w.to_bits())).collect();
            lines.push(format!("topic {i} {} notes {:?} related {related:?} fans {:?}", t.name, t.notes, t.fans));
        }
        let mut followers: Vec<_> = self.followers.iter().map(|(a, c)| (a.as_i64(), *c)).collect();
        followers.sort_unstable();
        let mut by_author: Vec<_> = self.by_author.iter().map(|(a, n)| (a.as_i64(), n.clone())).collect();
        by_author.sort_unstable();
        let mut pending: Vec<_> = self.pending.iter().map(|(n, e)| (n.as_i64(), format!("{e:?}"))).collect();
        pending.sort_unstable();
        lines.push(format!("followers {followers:?}"));
        lines.push(format!("by_author {by_author:?}"));
        lines.push(format!("recent {:?}", self.recent));
        lines.push(format!(
            // `warm` is left out: it is only the set scanned for rising notes, pruned
            // whenever the caches are settled, and a pruned note could not rise again
            // without an engagement that puts it back.
            "rising {:?} clock {}",
            self.rising, self.clock,
        ));
        lines.push(format!("pending {pending:?} gone {:?}", sorted(&self.gone)));
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Pool;

    fn id(n: i64) -> Id {
        Id::from_i64(n)
    }

    fn model() -> FeedModel {
        FeedModel::new(FeedSettings {
            pools: vec![Pool { audience: 10, bar: 0.1 }, Pool { audience: 100, bar: 0.2 }],
            prior_impressions: 10.0,
            prior_rate: 0.02,
            ..FeedSettings::default()
        })
    }

    fn publish(m: &mut FeedModel, note: i64, topics: &[&str]) {
        m.apply(Signal::Published {
            note: id(note),
            author: id(1),
            topics: topics.iter().map(|t| t.to_string()).collect(),
            at: 0,
            reach: Reach::Everyone,
        });
    }

    fn impressions(m: &mut FeedModel, note: i64, n: i64) {
        for i in 0..n {
            m.apply(Signal::Saw {
                member: Some(id(1000 + i)),
                note: id(note),
                sight: Sight::Impression,
                at: 1,
                paid: false,
            });
        }
    }

    #[test]
    fn a_note_graduates_when_it_beats_the_bar_and_stalls_otherwise() {
        let mut m = model();
        publish(&mut m, 10, &["a"]);
        publish(&mut m, 11, &["a"]);
        for member in 0..3 {
            m.apply(Signal::Engaged {
                member: id(100 + member),
                note: id(10),
                action: Action::Comment,
                at: 1,
                paid: false,
            });
        }
        impressions(&mut m, 10, 10);
        impressions(&mut m, 11, 10);
        let good = m.note(id(10)).unwrap();
        assert_eq!((good.pool.level, good.pool.status), (1, PoolStatus::Testing), "12 CES in 10 impressions");
        let steps = m.journey(good);
        assert_eq!(steps.len(), 2);
        assert_eq!((steps[1].level, steps[1].status, steps[1].impressions), (1, PoolStatus::Testing, 10));
        let dull = m.note(id(11)).unwrap();
        assert_eq!((dull.pool.level, dull.pool.status), (0, PoolStatus::Stalled));
        assert_eq!(m.journey(dull).last().map(|s| s.status), Some(PoolStatus::Stalled));
    }

    #[test]
    fn late_engagement_gives_a_stalled_note_the_same_outcome() {
        let (mut late, mut early) = (model(), model());
        let engage = |m: &mut FeedModel| {
            for member in 0..3 {
                m.apply(Signal::Engaged {
                    member: id(100 + member),
                    note: id(10),
                    action: Action::Comment,
                    at: 2,
                    paid: false,
                });
            }
        };
        publish(&mut late, 10, &["a"]);
        impressions(&mut late, 10, 10);
        assert_eq!(late.note(id(10)).unwrap().pool.status, PoolStatus::Stalled);
        engage(&mut late);
        publish(&mut early, 10, &["a"]);
        engage(&mut early);
        impressions(&mut early, 10, 10);
        for m in [&late, &early] {
            let note = m.note(id(10)).unwrap();
            assert_eq!((note.pool.level, note.pool.status), (1, PoolStatus::Testing));
            assert_eq!(m.journey(note), early.journey(early.note(id(10)).unwrap()));
        }
    }

    #[test]
    fn three_impressions_cannot_win() {
        let mut m = model();
        publish(&mut m, 10, &["a"]);
        m.apply(Signal::Engaged { member: id(100), note: id(10), action: Action::Like, at: 1, paid: false });
        impressions(&mut m, 10, 3);
        assert_eq!(m.note(id(10)).unwrap().pool.status, PoolStatus::Testing, "not judged before its audience");
        assert!(m.quality(m.note(id(10)).unwrap()) < 5.0, "one like in 3 impressions is smoothed");
    }

    #[test]
    fn engagement_moves_interests_and_reads_count_by_dwell() {
        let mut m = model();
        publish(&mut m, 10, &["skincare"]);
        publish(&mut m, 11, &["hiking"]);
        m.apply(Signal::Engaged { member: id(5), note: id(10), action: Action::Save, at: 1, paid: false });
        m.apply(Signal::Saw {
            member: Some(id(5)),
            note: id(11),
            sight: Sight::Read { dwell_ms: 500 },
            at: 1,
            paid: false,
        });
        let interests = m.interests(id(5), 1);
        assert_eq!(m.topic_name(interests[0].0), "skincare");
        assert!(interests[1].1 < interests[0].1);
        assert_eq!(m.member(id(5)).unwrap().tallies(&m)[&(interests[0].0, Tally::Saved)], 1);
    }

    #[test]
    fn paid_engagement_teaches_the_member_but_never_moves_the_note() {
        // Two notes alike; the same member engages with one through a sponsored card
        // and with the other organically. Only the organic one gains counts, heat and
        // pool progress; both teach the member, and both leave their feed.
        let mut m = model();
        publish(&mut m, 10, &["skincare"]);
        publish(&mut m, 11, &["skincare"]);
        impressions(&mut m, 10, 20);
        impressions(&mut m, 11, 20);
        let before = (m.note(id(10)).unwrap().counts, m.quality(m.note(id(10)).unwrap()));
        for (note, paid) in [(10, true), (11, false)] {
            let note = id(note);
            m.apply(Signal::Saw { member: Some(id(5)), note, sight: Sight::Read { dwell_ms: 30_000 }, at: 2, paid });
            for action in [Action::Like, Action::Save, Action::Comment, Action::Share] {
                m.apply(Signal::Engaged { member: id(5), note, action, at: 2, paid });
            }
            m.apply(Signal::Followed { follower: id(5), followee: id(1), from_note: Some(note), at: 2, paid });
        }
        let (paid, organic) = (m.note(id(10)).unwrap(), m.note(id(11)).unwrap());
        assert_eq!((paid.counts, m.quality(paid)), before, "the paid note's organic signals are unmoved");
        assert_eq!((organic.counts.likes, organic.counts.reads, organic.counts.follows), (1, 1, 1));
        assert!(m.quality(organic) > before.1);
        assert!(m.heat(organic, 2) > m.heat(paid, 2));
        let member = m.member(id(5)).unwrap();
        assert!(member.engaged.contains(&id(10)) && member.engaged.contains(&id(11)));
        assert_eq!(m.topic_name(m.interests(id(5), 2)[0].0), "skincare");
        let skincare = m.interests(id(5), 2)[0].0;
        assert_eq!(member.tallies(&m)[&(skincare, Tally::Liked)], 4, "likes and shares of both notes");
        // Taking a paid like back leaves the organic counts alone too.
        m.apply(Signal::Withdrawn { member: id(5), note: id(10), action: Action::Like });
        assert_eq!(m.note(id(10)).unwrap().counts.likes, 0);
        m.apply(Signal::Withdrawn { member: id(5), note: id(11), action: Action::Like });
        assert_eq!(m.note(id(11)).unwrap().counts.likes, 0);
    }

    #[test]
    fn behaviour_before_its_note_is_applied_when_the_note_arrives() {
        // The behaviour log ran ahead of the domain log: nothing is lost, and the
        // outcome is the same as in log order.
        let sights = |m: &mut FeedModel| {
            m.apply(Signal::Saw { member: Some(id(5)), note: id(10), sight: Sight::Impression, at: 2, paid: false });
            m.apply(Signal::Saw {
                member: Some(id(5)),
                note: id(10),
                sight: Sight::Read { dwell_ms: 20_000 },
                at: 3,
                paid: false,
            });
            m.apply(Signal::Saw { member: Some(id(6)), note: id(11), sight: Sight::Impression, at: 3, paid: false });
        };
        let notes = |m: &mut FeedModel| {
            publish(m, 10, &["a"]);
            m.apply(Signal::Reach { note: id(11), reach: Reach::Nobody });
        };
        let (mut ahead, mut in_order) = (model(), model());
        sights(&mut ahead);
        assert_eq!(ahead.pending_events(), 3);
        notes(&mut ahead);
        notes(&mut in_order);
        sights(&mut in_order);
        for m in [&ahead, &in_order] {
            let counts = m.note(id(10)).unwrap().counts;
            assert_eq!((counts.impressions, counts.reads), (1, 1));
            assert!(m.member(id(5)).unwrap().has_seen(id(10)), "a seen note is never served again");
            assert_eq!(m.pending_events(), 0, "a gone note's events are dropped");
        }
        assert_eq!(ahead.interests(id(5), 3), in_order.interests(id(5), 3));
    }

    #[test]
    fn follows_are_counted_once() {
        let mut m = model();
        for _ in 0..2 {
            m.apply(Signal::Followed { follower: id(2), followee: id(1), from_note: None, at: 0, paid: false });
        }
        assert_eq!(m.followers_of(id(1)), 1);
        m.apply(Signal::Unfollowed { follower: id(2), followee: id(1) });
        assert_eq!(m.followers_of(id(1)), 0);
    }
}
