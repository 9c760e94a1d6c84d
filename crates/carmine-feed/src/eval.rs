//! The offline evaluator behind `carmine eval feed DIR`: reads a dataset in the import
//! format, splits it by time (everything up to the split trains the index; each
//! member's later likes, saves and comments on notes that existed at the split are
//! held out), ranks every test member's first page with the production ranker
//! ([`crate::rank::rank`] over a [`FeedModel`] fed the same [`Signal`]s the logs give),
//! and reports Recall@K, NDCG@K, catalogue coverage, the small-creator share and
//! novelty next to two baselines computed in the same run: popularity (most engaged
//! before the split) and item-kNN (cosine co-engagement with the member's history).

use std::collections::{HashMap, HashSet};
use std::io::BufRead;
use std::path::Path;

use carmine_core::Id;

use crate::ids::{IdMap, IdSet};
use carmine_core::text::{normalize_topic, parse_topics};
use carmine_dataset::format::{self, BehaviourEvent, Comment, Engagement, Follow, Note};
use serde::de::DeserializeOwned;

use crate::model::{Action, FeedModel, Reach, Sight, Signal};
use crate::rank::{FeedRequest, TOPIC_BEST, TOPIC_BEST_SCAN, may_recommend, rank};
use crate::settings::FeedSettings;

const DAY_MICROS: i64 = 86_400_000_000;
/// Item-kNN looks at the member's latest engagements, their latest co-engagers, and
/// those members' latest engagements (bounded so the baseline scales).
const KNN_SEEDS: usize = 30;
const KNN_NEIGHBOURS: usize = 100;

#[derive(Clone, Debug)]
pub struct EvalOptions {
    /// The cut-offs K (the page is ranked to the largest).
    pub ks: Vec<usize>,
    /// Days at the end of the dataset held out.
    pub holdout_days: i64,
    /// At most this many test members (every n-th, deterministically).
    pub max_members: usize,
    pub settings: FeedSettings,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions { ks: vec![10, 50], holdout_days: 3, max_members: 5_000, settings: FeedSettings::default() }
    }
}

/// One method's figures; `recall` and `ndcg` per K in the order of `EvalOptions::ks`.
#[derive(Clone, Debug, PartialEq)]
pub struct MethodReport {
    pub name: &'static str,
    pub recall: Vec<f64>,
    pub ndcg: Vec<f64>,
    /// Distinct notes recommended (at the largest K) over notes that could be.
    pub coverage: f64,
    /// Share of recommended slots whose creator had fewer followers than the line.
    pub small_creator_share: f64,
    /// Mean self-information of recommended notes, -log2(engagers / members).
    pub novelty: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EvalReport {
    pub ks: Vec<usize>,
    pub split_at: i64,
    pub train_engagements: usize,
    pub held_out: usize,
    pub test_members: usize,
    pub catalogue: usize,
    pub methods: Vec<MethodReport>,
    pub seconds: f64,
}

impl EvalReport {
    pub fn method(&self, name: &str) -> Option<&MethodReport> {
        self.methods.iter().find(|m| m.name == name)
    }

    /// A plain table for the terminal and BENCHMARKS.md.
    pub fn table(&self) -> String {
        let mut out = format!(
            "split at {} · {} train engagements · {} held-out positives of {} test members · catalogue {} notes · {:.1} s\n",
            carmine_core::Timestamp(self.split_at).to_rfc3339(),
            self.train_engagements,
            self.held_out,
            self.test_members,
            self.catalogue,
            self.seconds
        );
        let mut header = format!("{:<12}", "method");
        for k in &self.ks {
            header.push_str(&format!(" {:>10} {:>9}", format!("Recall@{k}"), format!("NDCG@{k}")));
        }
        header.push_str(&format!(" {:>9} {:>12} {:>8}\n", "coverage", "small share", "novelty"));
        out.push_str(&header);
        for m in &self.methods {
            let mut row = format!("{:<12}", m.name);
            for (r, n) in m.recall.iter().zip(&m.ndcg) {
                row.push_str(&format!(" {r:>10.4} {n:>9.4}"));
            }
            row.push_str(&format!(" {:>9.4} {:>12.3} {:>8.2}\n", m.coverage, m.small_creator_share, m.novelty));
            out.push_str(&row);
        }
        out
    }
}

/// Dataset ids (strings) to index ids.
#[derive(Default)]
struct Ids(HashMap<String, Id>);

impl Ids {
    fn of(&mut self, raw: &str) -> Id {
        let next = Id::from_i64(self.0.len() as i64 + 1);
        *self.0.entry(raw.to_owned()).or_insert(next)
    }
}

fn read<T: DeserializeOwned>(dir: &Path, file: &str, mut each: impl FnMut(T)) -> Result<(), String> {
    let path = dir.join(file);
    let Ok(handle) = std::fs::File::open(&path) else { return Ok(()) };
    for (index, line) in std::io::BufReader::new(handle).lines().enumerate() {
        let line = line.map_err(|e| format!("{}: {e}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let record = serde_json::from_str(&line).map_err(|e| format!("{file}:{}: {e}", index + 1))?;
        each(record);
    }
    Ok(())
}

struct Positive {
    member: Id,
    note: Id,
    at: i64,
}

/// Evaluates the feed on the dataset in `dir`.
pub fn evaluate(dir: &Path, options: &EvalOptions) -> Result<EvalReport, String> {
    let started = std::time::Instant::now();
    carmine_dataset::import::read_manifest(dir)?;
    let mut ids = Ids::default();
    let mut signals: Vec<(i64, Signal)> = Vec::new();
    let mut positives: Vec<Positive> = Vec::new();
    let mut members = 0usize;
    read(dir, "members.jsonl", |m: format::Member| {
        ids.of(&m.id);
        members += 1;
    })?;
    read(dir, "follows.jsonl", |f: Follow| {
        let (follower, followee) = (ids.of(&f.follower), ids.of(&f.followee));
        signals.push((f.created_at.micros(), Signal::Followed { follower, followee, from_note: None, at: 0 }));
    })?;
    let mut published: IdMap<(i64, Reach)> = Default::default();
    read(dir, "notes.jsonl", |n: Note| {
        let Some(at) = n.published_at else { return };
        let mut topics: Vec<String> = n.topics.iter().filter_map(|t| normalize_topic(t)).collect();
        for topic in parse_topics(&n.body) {
            if !topics.contains(&topic) {
                topics.push(topic);
            }
        }
        let reach = match n.visibility.as_str() {
            "public" => Reach::Everyone,
            "followers" => Reach::Followers,
            _ => Reach::Nobody,
        };
        let (note, author) = (ids.of(&n.id), ids.of(&n.author));
        published.insert(note, (at.micros(), reach));
        signals.push((at.micros(), Signal::Published { note, author, topics, at: at.micros(), reach }));
    })?;
    let mut engagement = |member: &str, note: &str, action: Action, at: i64| {
        let (member, note) = (ids.of(member), ids.of(note));
        positives.push(Positive { member, note, at });
        signals.push((at, Signal::Engaged { member, note, action, at }));
    };
    read(dir, "comments.jsonl", |c: Comment| engagement(&c.author, &c.note, Action::Comment, c.created_at.micros()))?;
    read(dir, "likes.jsonl", |e: Engagement| engagement(&e.member, &e.note, Action::Like, e.created_at.micros()))?;
    read(dir, "saves.jsonl", |e: Engagement| engagement(&e.member, &e.note, Action::Save, e.created_at.micros()))?;
    read(dir, "events.jsonl", |e: BehaviourEvent| {
        let sight = Sight::of(&e.kind, e.dwell_ms);
        let at = e.occurred_at.micros();
        let member = e.viewer.as_deref().map(|v| ids.of(v));
        signals.push((at, Signal::Saw { member, note: ids.of(&e.note), sight, at }));
    })?;
    let end = positives.iter().map(|p| p.at).max().ok_or("the dataset has no likes, saves or comments")?;
    let split_at = end - options.holdout_days * DAY_MICROS;

    // Train: every signal up to the split, in time order.
    signals.retain(|(at, _)| *at <= split_at);
    signals.sort_by_key(|(at, _)| *at);
    let mut model = FeedModel::new(options.settings.clone());
    let train_engagements = signals.iter().filter(|(_, s)| matches!(s, Signal::Engaged { .. })).count();
    for (_, signal) in signals {
        model.apply(signal);
    }
    model.clock = split_at;
    model.refresh();
    let best = model.best_by_topic(split_at, TOPIC_BEST_SCAN, TOPIC_BEST);
    model.set_best(best);

    // Held out: later first engagements with notes that existed and were public.
    let mut held: IdMap<IdSet> = Default::default();
    for p in positives.iter().filter(|p| p.at > split_at) {
        let existed = published.get(&p.note).is_some_and(|(at, reach)| *at <= split_at && *reach == Reach::Everyone);
        if existed && may_recommend(&model, p.member, p.note) {
            held.entry(p.member).or_default().insert(p.note);
        }
    }
    let mut test: Vec<Id> = held.keys().copied().collect();
    test.sort();
    let step = test.len().div_ceil(options.max_members.max(1)).max(1);
    let test: Vec<Id> = test.into_iter().step_by(step).collect();
    let held_out = test.iter().map(|m| held[m].len()).sum();

    let k_max = options.ks.iter().copied().max().unwrap_or(10);
    let train = Train::of(&positives, split_at);
    let catalogue =
        published.values().filter(|(at, reach)| *at <= split_at && *reach == Reach::Everyone).count().max(1);
    let popular = train.popular(&model);
    let no_exclusions = IdSet::default();
    let mut methods = Vec::new();
    for name in ["feed", "popularity", "item-knn"] {
        let mut tally = Tally::new(options.ks.len());
        for &member in &test {
            let list: Vec<Id> = match name {
                "feed" => rank(
                    &model,
                    &FeedRequest { member: Some(member), now: split_at, limit: k_max, exclude: &no_exclusions },
                )
                .into_iter()
                .map(|r| r.note)
                .collect(),
                "popularity" => {
                    popular.iter().copied().filter(|&n| may_recommend(&model, member, n)).take(k_max).collect()
                }
                _ => train.knn(&model, member, k_max),
            };
            tally.add(&model, &train, members, &options.ks, &list, &held[&member]);
        }
        methods.push(tally.report(name, test.len(), catalogue));
    }
    Ok(EvalReport {
        ks: options.ks.clone(),
        split_at,
        train_engagements,
        held_out,
        test_members: test.len(),
        catalogue,
        methods,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The training engagements as plain lists, for the baselines.
struct Train {
    by_member: IdMap<Vec<Id>>,
    by_note: IdMap<Vec<Id>>,
}

impl Train {
    fn of(positives: &[Positive], split_at: i64) -> Train {
        let mut by_member: IdMap<Vec<Id>> = Default::default();
        let mut by_note: IdMap<Vec<Id>> = Default::default();
        let mut pairs = HashSet::new();
        for p in positives.iter().filter(|p| p.at <= split_at) {
            if pairs.insert((p.member, p.note)) {
                by_member.entry(p.member).or_default().push(p.note);
                by_note.entry(p.note).or_default().push(p.member);
            }
        }
        Train { by_member, by_note }
    }

    fn engagers(&self, note: Id) -> usize {
        self.by_note.get(&note).map_or(0, Vec::len)
    }

    /// Notes by distinct engagers before the split, most first.
    fn popular(&self, model: &FeedModel) -> Vec<Id> {
        let mut notes: Vec<(Id, usize)> = self
            .by_note
            .iter()
            .filter(|(id, _)| model.note(**id).is_some_and(|n| n.reach == Reach::Everyone))
            .map(|(id, m)| (*id, m.len()))
            .collect();
        notes.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
        notes.truncate(10_000);
        notes.into_iter().map(|(id, _)| id).collect()
    }

    /// Item-kNN: notes scored by cosine co-engagement with the member's history.
    fn knn(&self, model: &FeedModel, member: Id, limit: usize) -> Vec<Id> {
        let Some(history) = self.by_member.get(&member) else { return Vec::new() };
        let mut scores: IdMap<f64> = Default::default();
        for &seed in history.iter().rev().take(KNN_SEEDS) {
            let engagers = &self.by_note[&seed];
            for &other in engagers.iter().rev().take(KNN_NEIGHBOURS) {
                if other == member {
                    continue;
                }
                for &q in self.by_member[&other].iter().rev().take(KNN_NEIGHBOURS) {
                    *scores.entry(q).or_default() += 1.0 / (engagers.len() as f64 * self.engagers(q) as f64).sqrt();
                }
            }
        }
        let mut ranked: Vec<(Id, f64)> = scores.into_iter().filter(|(n, _)| may_recommend(model, member, *n)).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
        ranked.into_iter().take(limit).map(|(id, _)| id).collect()
    }
}

struct Tally {
    recall: Vec<f64>,
    ndcg: Vec<f64>,
    shown: IdSet,
    slots: usize,
    small: usize,
    novelty: f64,
}

impl Tally {
    fn new(ks: usize) -> Tally {
        Tally { recall: vec![0.0; ks], ndcg: vec![0.0; ks], shown: IdSet::default(), slots: 0, small: 0, novelty: 0.0 }
    }

    fn add(&mut self, model: &FeedModel, train: &Train, members: usize, ks: &[usize], list: &[Id], held: &IdSet) {
        for (i, &k) in ks.iter().enumerate() {
            let top = &list[..list.len().min(k)];
            let hits = top.iter().filter(|n| held.contains(n)).count();
            self.recall[i] += hits as f64 / held.len() as f64;
            let dcg: f64 = top
                .iter()
                .enumerate()
                .filter(|(_, n)| held.contains(n))
                .map(|(rank, _)| 1.0 / ((rank + 2) as f64).log2())
                .sum();
            let ideal: f64 = (0..held.len().min(k)).map(|rank| 1.0 / ((rank + 2) as f64).log2()).sum();
            self.ndcg[i] += dcg / ideal;
        }
        let line = model.settings().small_creator_followers;
        for &note in list {
            self.shown.insert(note);
            self.slots += 1;
            if model.note(note).is_some_and(|n| model.followers_of(n.author) < line) {
                self.small += 1;
            }
            let engagers = (train.engagers(note) + 1) as f64;
            self.novelty += -(engagers / members.max(1) as f64).log2();
        }
    }

    fn report(self, name: &'static str, members: usize, catalogue: usize) -> MethodReport {
        let per_member = |v: Vec<f64>| v.into_iter().map(|x| x / members.max(1) as f64).collect();
        let slots = self.slots.max(1) as f64;
        MethodReport {
            name,
            recall: per_member(self.recall),
            ndcg: per_member(self.ndcg),
            coverage: self.shown.len() as f64 / catalogue as f64,
            small_creator_share: self.small as f64 / slots,
            novelty: self.novelty / slots,
        }
    }
}
