//! The feed's replay is deterministic: the index is built by two consumers, one per
//! log (domain, behaviour), that run independently, so the same log prefixes must
//! give the same index however their entries interleave — behaviour far ahead of
//! the domain log (every sight waits for its note), far behind, or mixed in random
//! chunks — and the same ranking for every member at the same `now` (ADR 0020).

use carmine_dataset::{Scale, generate};
use carmine_feed::eval::dataset_signals;
use carmine_feed::rank::rank;
use carmine_feed::{Action, FeedModel, FeedRequest, FeedSettings, IdSet, Ranked, Reach, Signal};

const HASH: &str = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$7Nn3VjJkR0hbv1n4S3T9zQ";
const START: i64 = 1_790_000_000_000_000;
const HOUR: i64 = 3_600_000_000;

/// A generated community's two logs, with what the generator does not write added to
/// the domain log: unlikes, edits that change a note's topics, deletions and picks.
fn logs() -> (Vec<Signal>, Vec<Signal>) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let scale = Scale { members: 300, notes: 1_500, engagements: 9_000, behaviour: 9_000, days: 14 };
    generate(&data, scale, 11, HASH, carmine_core::Timestamp(START), false).unwrap();
    let (behaviour, mut domain): (Vec<Signal>, Vec<Signal>) =
        dataset_signals(&data).unwrap().into_iter().partition(|s| matches!(s, Signal::Saw { .. }));
    let mut later: Vec<(usize, Signal)> = Vec::new();
    let (mut engaged, mut published) = (0, 0);
    for (i, signal) in domain.iter().enumerate() {
        match signal {
            Signal::Engaged { member, note, action: Action::Like, at, .. } => {
                engaged += 1;
                if engaged % 40 == 0 {
                    later.push((i + 1, Signal::Withdrawn { member: *member, note: *note, action: Action::Like }));
                }
                if engaged % 90 == 0 {
                    let topics = vec!["手工".to_owned(), "diy".to_owned()];
                    later.push((i + 1, Signal::Picked { member: *member, topics, at: *at }));
                }
            }
            Signal::Published { note, author, topics, at, reach } => {
                published += 1;
                if published % 30 == 0 {
                    let mut edited = topics.clone();
                    edited.push("编辑过".to_owned());
                    let edit =
                        Signal::Published { note: *note, author: *author, topics: edited, at: *at, reach: *reach };
                    later.push(((i + 400).min(domain.len()), edit));
                }
                if published % 45 == 0 {
                    later.push(((i + 700).min(domain.len()), Signal::Reach { note: *note, reach: Reach::Nobody }));
                }
            }
            _ => {}
        }
    }
    for (at, signal) in later.into_iter().rev() {
        domain.insert(at, signal);
    }
    (domain, behaviour)
}

/// A deterministic generator for chunk sizes (xorshift).
struct Chunks(u64);

impl Chunks {
    fn next(&mut self, max: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        1 + (self.0 % max as u64) as usize
    }
}

/// Applies both logs, taking alternately up to `max_chunk` entries of each (0: all
/// of `first`, then all of the other); `behaviour_first` says which log starts.
fn replay(domain: &[Signal], behaviour: &[Signal], seed: u64, max_chunk: usize, behaviour_first: bool) -> FeedModel {
    let mut model = FeedModel::new(FeedSettings::default());
    let mut chunks = Chunks(seed);
    let (mut d, mut b) = (domain.iter(), behaviour.iter());
    let mut turn_behaviour = behaviour_first;
    loop {
        let log = if turn_behaviour { &mut b } else { &mut d };
        let take = if max_chunk == 0 { usize::MAX } else { chunks.next(max_chunk) };
        let mut applied = 0;
        for signal in log.by_ref().take(take) {
            model.apply(signal.clone());
            applied += 1;
        }
        if applied == 0 && d.len() == 0 && b.len() == 0 {
            break;
        }
        turn_behaviour = !turn_behaviour;
        // The caches are settled now and then while the logs flow, as a node does.
        if chunks.next(10) == 1 {
            let settled = model.settled();
            model.install(settled);
        }
    }
    // And once at the end, as a page does before it ranks.
    let settled = model.settled();
    model.install(settled);
    model
}

/// Every member's first page (and a visitor's) at `now`, from a settled index.
fn rankings(model: &FeedModel, now: i64) -> Vec<(Option<carmine_core::Id>, Vec<Ranked>)> {
    let exclude = IdSet::default();
    let readers = std::iter::once(None).chain(model.member_ids().into_iter().map(Some));
    readers.map(|member| (member, rank(model, &FeedRequest { member, now, limit: 20, exclude: &exclude }))).collect()
}

fn assert_same(expected: &FeedModel, actual: &FeedModel, how: &str) {
    let (expected, actual) = (expected.describe(), actual.describe());
    assert_eq!(expected.len(), actual.len(), "{how}: a different number of notes, members or topics");
    for (e, a) in expected.iter().zip(&actual) {
        assert_eq!(e, a, "{how}: the index differs");
    }
}

#[test]
fn the_same_logs_give_the_same_index_and_rankings_in_any_interleaving() {
    let (domain, behaviour) = logs();
    assert!(domain.len() > 10_000 && behaviour.len() > 8_000, "a community big enough to interleave");
    let now = START + 15 * 24 * HOUR;

    let in_order = replay(&domain, &behaviour, 1, 0, false);
    let expected = rankings(&in_order, now);
    assert!(expected.iter().filter(|(_, page)| page.len() == 20).count() > 250, "members get full pages");

    let orders = [
        (1, 0, true, "behaviour log entirely ahead"),
        (7, 50, false, "chunks of ≤50"),
        (8, 500, true, "chunks of ≤500"),
        (9, 3, false, "chunks of ≤3"),
    ];
    for (seed, max_chunk, behaviour_first, how) in orders {
        let model = replay(&domain, &behaviour, seed, max_chunk, behaviour_first);
        assert_same(&in_order, &model, how);
        let actual = rankings(&model, now);
        for ((member, e), (_, a)) in expected.iter().zip(&actual) {
            assert_eq!(e, a, "{how}: member {member:?} is ranked differently");
        }
    }
}

/// The restart half of determinism at the model's level: a second replay of the same
/// logs in the same order gives the same index (nothing depends on the wall clock,
/// hash seeds or addresses).
#[test]
fn replaying_twice_gives_the_same_index() {
    let (domain, behaviour) = logs();
    let first = replay(&domain, &behaviour, 3, 200, false);
    let second = replay(&domain, &behaviour, 3, 200, false);
    assert_same(&first, &second, "a second replay");
}
