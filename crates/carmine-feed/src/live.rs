//! The feed in a running server: the index behind a lock, kept current by two
//! in-memory consumers of the logs (`feed.domain`, `feed.behaviour`: each process
//! replays the logs from the start, then follows them within a poll), the pages a
//! member was already served (so the next page never repeats one), and page cursors
//! bound to the member who asked.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard};
use std::time::{Duration, Instant};

use carmine_core::event::DomainEvent;
use carmine_core::limits::PICKED_TOPICS_MAX;
use carmine_core::text::normalize_topic;
use carmine_core::{Error, ErrorCode, FieldRule, Id};
use carmine_events::{Batch, MemoryConsumer, Subscriber, consumer::BoxFuture};
use carmine_store::log::Log;
use carmine_store::{Conn, Db, interests, notes};
use serde::{Deserialize, Serialize};

use crate::fairness::Fairness;
use crate::ids::IdSet;
use crate::model::{Action, FeedModel, PoolStatus, PoolStep, Reach, Sight, Signal, TopicId};
use crate::rank::{FeedRequest, Ranked, rank};
use crate::settings::FeedSettings;

pub const DOMAIN_CONSUMER: &str = "feed.domain";
pub const BEHAVIOUR_CONSUMER: &str = "feed.behaviour";
/// How often the ranker's caches (best-of-topic lists, rising notes) are recomputed
/// while the logs flow.
const CACHES_EVERY: Duration = Duration::from_secs(1);

/// Topics offered by the interest picker.
const PICKER_TOPICS: usize = 24;
/// Notes remembered as served per reader, and readers remembered.
const SERVED_KEPT: usize = 2_000;
const READERS_KEPT: usize = 20_000;

/// Where the next page starts: whose feed it is and which browsing session.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct FeedCursor {
    /// The member (0: a signed-out visitor).
    pub m: i64,
    /// The session: pages of one session never repeat a note.
    pub s: u64,
    pub p: u32,
}

/// Per (reader, browsing session): the notes served so far.
type Sessions = HashMap<(i64, u64), Arc<Mutex<Served>>>;

#[derive(Default)]
struct Served {
    session: u64,
    order: VecDeque<Id>,
    ids: IdSet,
}

/// The index and what was served. Cheap to clone.
#[derive(Clone)]
pub struct FeedIndex {
    inner: Arc<Inner>,
}

struct Inner {
    model: RwLock<FeedModel>,
    caches_at: Mutex<Option<Instant>>,
    /// Signals applied, and how many had been when the caches were computed.
    applied: AtomicU64,
    caches_of: AtomicU64,
    served: Mutex<Sessions>,
}

/// One page of the discovery feed.
pub struct FeedPage {
    pub items: Vec<Ranked>,
    pub next: Option<FeedCursor>,
}

impl FeedIndex {
    pub fn new(settings: FeedSettings) -> FeedIndex {
        FeedIndex {
            inner: Arc::new(Inner {
                model: RwLock::new(FeedModel::new(settings)),
                caches_at: Mutex::new(None),
                applied: AtomicU64::new(0),
                caches_of: AtomicU64::new(0),
                served: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The consumers that keep the index current, for the data plane.
    pub fn subscribers(&self) -> Vec<Subscriber> {
        vec![
            Subscriber::Memory(Arc::new(DomainFollower(self.clone()))),
            Subscriber::Memory(Arc::new(BehaviourFollower(self.clone()))),
        ]
    }

    pub fn model(&self) -> RwLockReadGuard<'_, FeedModel> {
        self.inner.model.read().expect("the feed index lock is never poisoned")
    }

    fn apply(&self, signals: Vec<Signal>) {
        if signals.is_empty() {
            return;
        }
        {
            let mut model = self.inner.model.write().expect("the feed index lock is never poisoned");
            self.inner.applied.fetch_add(signals.len() as u64, Ordering::SeqCst);
            for signal in signals {
                model.apply(signal);
            }
        }
        self.refresh_caches(false);
    }

    /// Recomputes the ranker's caches (best-of-topic lists, rising notes) — at most
    /// once a second unless `now` — when signals came in since, under the read lock
    /// (pages keep being served), then installs them in a brief write. They are
    /// computed from the index as it is, at its clock, so the same index gives the
    /// same caches on every node (and a replay does not recompute them per batch).
    fn refresh_caches(&self, now: bool) {
        {
            let mut last = self.inner.caches_at.lock().expect("the caches_at lock is never poisoned");
            if self.inner.caches_of.load(Ordering::SeqCst) == self.inner.applied.load(Ordering::SeqCst)
                || (!now && last.is_some_and(|at| at.elapsed() < CACHES_EVERY))
            {
                return;
            }
            *last = Some(Instant::now());
        }
        let (settled, of) = {
            let model = self.model();
            (model.settled(), self.inner.applied.load(Ordering::SeqCst))
        };
        self.inner.model.write().expect("the feed index lock is never poisoned").install(settled);
        self.inner.caches_of.store(of, Ordering::SeqCst);
    }

    /// Brings the ranker's caches up to the index now (pages bring them up at most
    /// once a second): after it, the ranking is a function of the index and
    /// `now` alone — what the replay tests compare, and what `carmine eval feed`
    /// ranks from.
    pub fn settle(&self) {
        self.refresh_caches(true);
    }

    /// The next page of `member`'s discovery feed (None: a visitor). A page without
    /// a cursor starts a new browsing session; a cursor must be this reader's.
    pub fn page(
        &self,
        member: Option<Id>,
        cursor: Option<FeedCursor>,
        now: i64,
        limit: usize,
        new_session: u64,
    ) -> Result<FeedPage, Error> {
        let reader = member.map_or(0, Id::as_i64);
        let (session, page) = match cursor {
            Some(c) if c.m != reader => return Err(Error::new(ErrorCode::InvalidCursor)),
            Some(c) => (c.s, c.p),
            None => (new_session, 0),
        };
        // The map is locked only to find the session; ranking holds the session alone.
        let entry = {
            let mut served = self.inner.served.lock().expect("the served lock is never poisoned");
            if served.len() >= READERS_KEPT && !served.contains_key(&(reader, session)) {
                served.clear();
            }
            served
                .entry((reader, session))
                .or_insert_with(|| Arc::new(Mutex::new(Served { session, ..Served::default() })))
                .clone()
        };
        self.refresh_caches(false);
        let mut mine = entry.lock().expect("a session lock is never poisoned");
        let mine = &mut *mine;
        let items = rank(&self.model(), &FeedRequest { member, now, limit, exclude: &mine.ids });
        for item in &items {
            if mine.order.len() == SERVED_KEPT
                && let Some(old) = mine.order.pop_front()
            {
                mine.ids.remove(&old);
            }
            mine.order.push_back(item.note);
            mine.ids.insert(item.note);
        }
        let next = (items.len() == limit).then_some(FeedCursor { m: reader, s: mine.session, p: page + 1 });
        Ok(FeedPage { items, next })
    }

    /// The ranked feed with nothing marked served (the admin's audit view).
    pub fn preview(&self, member: Id, now: i64, limit: usize) -> Vec<Ranked> {
        self.refresh_caches(false);
        rank(&self.model(), &FeedRequest { member: Some(member), now, limit, exclude: &IdSet::default() })
    }
}

/// Who the feed may show a note to, from its row.
fn reach_of(note: &notes::NoteRecord) -> Reach {
    match (note.status.as_str(), note.visibility.as_str(), note.moderation.as_str()) {
        ("published", "public", "none") => Reach::Everyone,
        ("published", "public" | "followers", _) => Reach::Followers,
        _ => Reach::Nobody,
    }
}

/// The index's view of a note as it is now.
async fn note_signal(conn: &mut Conn, note_id: Id) -> Result<Signal, Error> {
    let Some(note) = notes::get(conn, note_id).await? else {
        return Ok(Signal::Reach { note: note_id, reach: Reach::Nobody });
    };
    match note.published_at {
        Some(at) if note.status == "published" => Ok(Signal::Published {
            note: note_id,
            author: note.author_id,
            topics: notes::topics(conn, note_id).await?,
            at: at.micros(),
            reach: reach_of(&note),
        }),
        _ => Ok(Signal::Reach { note: note_id, reach: Reach::Nobody }),
    }
}

struct DomainFollower(FeedIndex);

impl MemoryConsumer for DomainFollower {
    fn name(&self) -> &'static str {
        DOMAIN_CONSUMER
    }

    fn log(&self) -> Log {
        Log::Domain
    }

    fn apply<'a>(&'a self, conn: &'a mut Conn, batch: &'a Batch) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let Batch::Domain(entries) = batch else { return Ok(()) };
            let mut signals = Vec::with_capacity(entries.len());
            for (_, record) in entries {
                let at = record.created_at.micros();
                let engaged = |member, note, action, via_ad: &Option<Id>| Signal::Engaged {
                    member,
                    note,
                    action,
                    at,
                    paid: via_ad.is_some(),
                };
                let signal = match &record.event {
                    DomainEvent::NotePublished { note_id, .. } | DomainEvent::NoteUpdated { note_id, .. } => {
                        note_signal(conn, *note_id).await?
                    }
                    DomainEvent::ReportResolved { target_kind, target_id, .. } if target_kind == "note" => {
                        note_signal(conn, *target_id).await?
                    }
                    DomainEvent::NoteDeleted { note_id, .. } => Signal::Reach { note: *note_id, reach: Reach::Nobody },
                    DomainEvent::NoteLiked { note_id, user_id, via_ad } => {
                        engaged(*user_id, *note_id, Action::Like, via_ad)
                    }
                    DomainEvent::NoteSaved { note_id, user_id, via_ad, .. } => {
                        engaged(*user_id, *note_id, Action::Save, via_ad)
                    }
                    DomainEvent::CommentAdded { note_id, author_id, via_ad, .. } => {
                        engaged(*author_id, *note_id, Action::Comment, via_ad)
                    }
                    DomainEvent::NoteShared { note_id, user_id, via_ad } => {
                        engaged(*user_id, *note_id, Action::Share, via_ad)
                    }
                    DomainEvent::NoteUnliked { note_id, user_id } => {
                        Signal::Withdrawn { member: *user_id, note: *note_id, action: Action::Like }
                    }
                    DomainEvent::NoteUnsaved { note_id, user_id } => {
                        Signal::Withdrawn { member: *user_id, note: *note_id, action: Action::Save }
                    }
                    DomainEvent::ActorFollowed { follower_id, followee_id, from_note, via_ad } => Signal::Followed {
                        follower: *follower_id,
                        followee: *followee_id,
                        from_note: *from_note,
                        at,
                        paid: via_ad.is_some(),
                    },
                    DomainEvent::ActorUnfollowed { follower_id, followee_id } => {
                        Signal::Unfollowed { follower: *follower_id, followee: *followee_id }
                    }
                    DomainEvent::InterestsPicked { user_id, topics } => {
                        Signal::Picked { member: *user_id, topics: topics.clone(), at }
                    }
                    _ => continue,
                };
                signals.push(signal);
            }
            self.0.apply(signals);
            Ok(())
        })
    }
}

struct BehaviourFollower(FeedIndex);

impl MemoryConsumer for BehaviourFollower {
    fn name(&self) -> &'static str {
        BEHAVIOUR_CONSUMER
    }

    fn log(&self) -> Log {
        Log::Behaviour
    }

    fn apply<'a>(&'a self, _conn: &'a mut Conn, batch: &'a Batch) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let Batch::Behaviour(entries) = batch else { return Ok(()) };
            let signals = entries
                .iter()
                .map(|e| Signal::Saw {
                    member: (e.viewer_key != 0).then(|| Id::from_i64(e.viewer_key)),
                    note: e.note_id,
                    sight: Sight::of(&e.kind, e.dwell_ms),
                    at: e.occurred_at.micros(),
                    paid: e.ad_id.is_some(),
                })
                .collect();
            self.0.apply(signals);
            Ok(())
        })
    }
}

/// A note's way through the traffic pools, for its creator.
#[derive(Clone, Debug, PartialEq)]
pub struct Journey {
    pub level: usize,
    pub status: PoolStatus,
    /// The current pool's audience (None once open to everyone).
    pub audience: Option<u32>,
    pub bar: Option<f64>,
    pub impressions_in_pool: i64,
    /// The note's smoothed CES per impression, which each pool's bar is held against.
    pub rate: f64,
    pub steps: Vec<PoolStep>,
}

/// The feed service: the index plus what needs the database or the clock.
#[derive(Clone)]
pub struct Feed {
    index: FeedIndex,
    db: Db,
    sessions: Arc<AtomicU64>,
}

impl Feed {
    pub fn new(db: Db, settings: FeedSettings) -> Feed {
        let seed = db.now().micros() as u64;
        Feed { index: FeedIndex::new(settings), db, sessions: Arc::new(AtomicU64::new(seed)) }
    }

    pub fn index(&self) -> &FeedIndex {
        &self.index
    }

    pub fn subscribers(&self) -> Vec<Subscriber> {
        self.index.subscribers()
    }

    /// The next page of the reader's discovery feed.
    pub fn page(&self, member: Option<Id>, cursor: Option<FeedCursor>, limit: usize) -> Result<FeedPage, Error> {
        let session = self.sessions.fetch_add(1, Ordering::Relaxed);
        self.index.page(member, cursor, self.db.now().micros(), limit, session)
    }

    pub fn settings(&self) -> FeedSettings {
        self.index.model().settings().clone()
    }

    pub fn preview(&self, member: Id, limit: usize) -> Vec<Ranked> {
        self.index.preview(member, self.db.now().micros(), limit)
    }

    /// Notes related to `note` that the viewer may be shown (the caller still checks
    /// each against the database).
    pub fn related(&self, note: Id, viewer: Option<Id>, limit: usize) -> Vec<Id> {
        crate::rank::related(&self.index.model(), note, viewer, self.db.now().micros(), limit)
    }

    /// Each member's interests now as topic names, strongest first, for `members`
    /// (`None`: every member the feed knows) — what lookalike audiences compare.
    pub fn interest_vectors(&self, members: Option<&[Id]>) -> Vec<(Id, Vec<(String, f64)>)> {
        let model = self.index.model();
        let now = self.db.now().micros();
        let named = |member: Id| -> (Id, Vec<(String, f64)>) {
            let interests = model.interests(member, now);
            (member, interests.into_iter().map(|(t, w)| (model.topic_name(t).to_owned(), w)).collect())
        };
        match members {
            Some(members) => members.iter().map(|&m| named(m)).collect(),
            None => {
                let mut all: Vec<Id> = model.members.keys().copied().collect();
                all.sort_unstable();
                all.into_iter().map(named).collect()
            }
        }
    }

    /// A note's quality now (1.0: an average note), `None` when the feed does not
    /// know it — what an ad is weighed against the organic note it would displace with.
    pub fn note_quality(&self, note: Id) -> Option<f64> {
        let model = self.index.model();
        model.notes.get(&note).map(|state| model.quality(state))
    }

    /// A member's strongest interests now, as topic names.
    pub fn top_interests(&self, member: Id, limit: usize) -> Vec<String> {
        let model = self.index.model();
        let interests = model.interests(member, self.db.now().micros());
        interests.into_iter().take(limit).map(|(t, _)| model.topic_name(t).to_owned()).collect()
    }

    pub fn fairness(&self) -> Fairness {
        crate::fairness::fairness(&self.index.model())
    }

    /// The topics offered in the interest picker: those most written about.
    pub fn picker_topics(&self) -> Vec<String> {
        self.index.model().popular_topics(PICKER_TOPICS).into_iter().map(|(t, _)| t).collect()
    }

    pub fn journey(&self, note: Id) -> Option<Journey> {
        let model = self.index.model();
        let state = model.note(note)?;
        let pool = model.settings().pools.get(state.pool.level).filter(|_| state.pool.status != PoolStatus::Open);
        Some(Journey {
            level: state.pool.level,
            status: state.pool.status,
            audience: pool.map(|p| p.audience),
            bar: pool.map(|p| p.bar),
            impressions_in_pool: state.pool.impressions,
            rate: model.smoothed_rate(model.ces(&state.counts), state.counts.impressions),
            steps: model.journey(state),
        })
    }

    /// A topic's page: how many notes carry it and the topics most related to it by
    /// co-engagement (strongest first). `None` for a topic no note carries yet.
    pub fn topic(&self, name: &str, related: usize) -> Option<TopicSummary> {
        let model = self.index.model();
        let id = model.topic_id(name)?;
        let mut near: Vec<(TopicId, f64)> = model.related(id).filter(|(t, _)| *t != id).collect();
        near.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| model.topic_name(a.0).cmp(model.topic_name(b.0))));
        Some(TopicSummary {
            name: model.topic_name(id).to_owned(),
            notes: model.topic_note_count(id),
            related: near.into_iter().take(related).map(|(t, _)| model.topic_name(t).to_owned()).collect(),
        })
    }

    /// Follows or unfollows a topic: a followed topic is one of the member's picks
    /// (the interest picker's), so it shapes the discovery feed at once. Read and
    /// replaced under the member's row lock, so two taps never lose one.
    pub async fn follow_topic(&self, member: Id, raw: &str, follow: bool) -> Result<Vec<String>, Error> {
        let topic = normalize_topic(raw).ok_or_else(|| Error::invalid_field("topic", "not a valid topic"))?;
        let mut tx = self.db.begin().await?;
        carmine_store::users::lock(&mut tx, member).await?;
        let mut picked = interests::list(tx.conn(), member).await?;
        let had = picked.contains(&topic);
        if follow && !had {
            if picked.len() >= PICKED_TOPICS_MAX {
                return Err(Error::broke_rule("topics", FieldRule::TooMany(PICKED_TOPICS_MAX)));
            }
            picked.push(topic);
        } else if !follow && had {
            picked.retain(|t| *t != topic);
        } else {
            return Ok(picked);
        }
        interests::replace(&mut tx, member, &picked).await?;
        tx.emit(DomainEvent::InterestsPicked { user_id: member, topics: picked.clone() }).await?;
        tx.commit().await?;
        Ok(picked)
    }

    pub async fn picked(&self, member: Id) -> Result<Vec<String>, Error> {
        Ok(interests::list(&mut *self.db.reader().await?, member).await?)
    }

    /// Records a member's picks in the interest picker (at most
    /// [`PICKED_TOPICS_MAX`], each a valid topic; they replace earlier picks) and
    /// tells the index through the log. Returns the picks as stored.
    pub async fn pick(&self, member: Id, topics: &[String]) -> Result<Vec<String>, Error> {
        if topics.len() > PICKED_TOPICS_MAX {
            return Err(Error::broke_rule("topics", FieldRule::TooMany(PICKED_TOPICS_MAX)));
        }
        let mut picked: Vec<String> = Vec::new();
        for raw in topics {
            let topic = normalize_topic(raw).ok_or_else(|| Error::invalid_field("topics", "not a valid topic"))?;
            if !picked.contains(&topic) {
                picked.push(topic);
            }
        }
        let mut tx = self.db.begin().await?;
        interests::replace(&mut tx, member, &picked).await?;
        tx.emit(DomainEvent::InterestsPicked { user_id: member, topics: picked.clone() }).await?;
        tx.commit().await?;
        Ok(picked)
    }
}

/// What a topic's page shows about the topic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicSummary {
    pub name: String,
    pub notes: usize,
    pub related: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `carmine eval feed` and the served feed rank from the same index through the same
    /// code: the index the consumers build batch by batch (caches settled as pages
    /// settle them) ranks every member exactly as the evaluator's index built from the
    /// same signals in one go.
    #[test]
    fn the_served_feed_ranks_as_the_evaluator_does() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("d");
        let scale = carmine_dataset::Scale { members: 150, notes: 600, engagements: 4_000, behaviour: 4_000, days: 10 };
        let hash = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$7Nn3VjJkR0hbv1n4S3T9zQ";
        carmine_dataset::generate(&data, scale, 3, hash, carmine_core::Timestamp(1_790_000_000_000_000), false)
            .unwrap();
        let signals = crate::eval::dataset_signals(&data).unwrap();

        let served = FeedIndex::new(FeedSettings::default());
        for batch in signals.chunks(97) {
            served.apply(batch.to_vec());
        }
        served.settle();
        let mut evaluated = FeedModel::new(FeedSettings::default());
        for signal in signals {
            evaluated.apply(signal);
        }
        let settled = evaluated.settled();
        evaluated.install(settled);

        let now = served.model().clock + 3_600_000_000;
        let members = evaluated.member_ids();
        assert!(members.len() > 100);
        for member in members {
            let page = served.preview(member, now, 20);
            let exclude = IdSet::default();
            assert_eq!(
                page,
                rank(&evaluated, &FeedRequest { member: Some(member), now, limit: 20, exclude: &exclude })
            );
        }
    }
}
