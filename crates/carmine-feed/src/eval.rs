//! The offline evaluator behind `carmine eval feed`: reads a dataset — the import
//! format (`DIR`), or a public ratings file (`--ratings DIR`: MovieLens-style
//! `user item rating timestamp` rows, with the items' genres as topics) — splits it
//! by time, ranks every test member's first page with the production ranker
//! ([`crate::rank::rank`] over a [`FeedModel`] fed the same [`Signal`]s the logs give),
//! and reports Recall@K, NDCG@K, catalogue coverage, the small-creator share and
//! novelty next to two baselines computed in the same run: popularity (most engaged
//! before the split) and item-kNN (cosine co-engagement with the member's history,
//! falling back to popularity for a member without any, and filled up with it).
//!
//! Two splits ([`Split`]): **global** — everything up to `holdout_days` before the last
//! engagement trains, each member's later positives on notes that existed are held
//! out; **per member** — each member's last `fraction` of positives (by time, ties in
//! file order) is held out together with everything else they did from then on, and
//! all the rest trains (real data is mostly cold-start under a global split).

use std::collections::{HashMap, HashSet};
use std::io::BufRead;
use std::path::Path;

use carmine_core::Id;

use crate::ids::{IdMap, IdSet};
use carmine_core::text::{normalize_topic, parse_topics};
use carmine_dataset::format::{self, BehaviourEvent, Comment, Engagement, Follow, Note};
use serde::de::DeserializeOwned;

use crate::model::{Action, FeedModel, Reach, Sight, Signal};
use crate::rank::{FeedRequest, may_recommend, rank};
use crate::settings::FeedSettings;

const DAY_MICROS: i64 = 86_400_000_000;
/// Item-kNN looks at the member's latest engagements, their latest co-engagers, and
/// those members' latest engagements (bounded so the baseline scales).
const KNN_SEEDS: usize = 30;
const KNN_NEIGHBOURS: usize = 100;
/// A rating at least this high is a positive (a like); any rating is an impression.
const POSITIVE_RATING: f64 = 4.0;

/// How the dataset is cut into what trains the index and what is held out.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Split {
    /// The last `holdout_days` days of the dataset are held out for everyone.
    Global { holdout_days: i64 },
    /// Each member's last `fraction` of positives (and what they did from then on).
    PerMember { fraction: f64 },
}

impl Split {
    /// `global:DAYS` or `per-member:FRACTION` (e.g. `per-member:0.2`).
    pub fn parse(raw: &str) -> Result<Split, String> {
        let bad = || format!("--split: `global:DAYS` (1–365) or `per-member:FRACTION` (0–0.9), not {raw:?}");
        match raw.split_once(':') {
            Some(("global", days)) => {
                let holdout_days = days.parse::<i64>().ok().filter(|d| (1..=365).contains(d)).ok_or_else(bad)?;
                Ok(Split::Global { holdout_days })
            }
            Some(("per-member", fraction)) => {
                let fraction = fraction.parse::<f64>().ok().filter(|f| *f > 0.0 && *f <= 0.9).ok_or_else(bad)?;
                Ok(Split::PerMember { fraction })
            }
            _ => Err(bad()),
        }
    }
}

/// Where the dataset comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A dataset directory in the import format (docs/dataset-format.md).
    Dataset,
    /// A directory with a ratings file (`*.inter` with a header, or `u.data`) and
    /// optionally the items' genres (`*.item`, or `u.item`).
    Ratings,
}

#[derive(Clone, Debug)]
pub struct EvalOptions {
    /// The cut-offs K (the page is ranked to the largest).
    pub ks: Vec<usize>,
    pub split: Split,
    pub source: Source,
    /// At most this many test members (every n-th, deterministically).
    pub max_members: usize,
    pub settings: FeedSettings,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            ks: vec![10, 50],
            split: Split::Global { holdout_days: 3 },
            source: Source::Dataset,
            max_members: 5_000,
            settings: FeedSettings::default(),
        }
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
    /// When the test members' pages are ranked (the split, or the dataset's end).
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
            "ranked at {} · {} train engagements · {} held-out positives of {} test members · catalogue {} notes · {:.1} s\n",
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
    /// The order the dataset gave it (ties in time keep it).
    seq: usize,
}

/// A signal with the member whose history it is part of (None: the catalogue's).
struct Event {
    at: i64,
    seq: usize,
    member: Option<Id>,
    signal: Signal,
}

/// A dataset as signals and positives.
#[derive(Default)]
struct Loaded {
    events: Vec<Event>,
    positives: Vec<Positive>,
    published: IdMap<(i64, Reach)>,
    members: usize,
}

impl Loaded {
    fn push(&mut self, at: i64, member: Option<Id>, signal: Signal) {
        let seq = self.events.len();
        self.events.push(Event { at, seq, member, signal });
    }

    fn engaged(&mut self, member: Id, note: Id, action: Action, at: i64) {
        let seq = self.events.len();
        self.positives.push(Positive { member, note, at, seq });
        self.push(at, Some(member), Signal::Engaged { member, note, action, at, paid: false });
    }
}

/// A dataset directory in the import format.
fn load_dataset(dir: &Path) -> Result<Loaded, String> {
    carmine_dataset::import::read_manifest(dir)?;
    let mut ids = Ids::default();
    let mut loaded = Loaded::default();
    read(dir, "members.jsonl", |m: format::Member| {
        ids.of(&m.id);
        loaded.members += 1;
    })?;
    read(dir, "follows.jsonl", |f: Follow| {
        let (follower, followee) = (ids.of(&f.follower), ids.of(&f.followee));
        let signal = Signal::Followed { follower, followee, from_note: None, at: 0, paid: false };
        loaded.push(f.created_at.micros(), Some(follower), signal);
    })?;
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
        loaded.published.insert(note, (at.micros(), reach));
        loaded.push(at.micros(), None, Signal::Published { note, author, topics, at: at.micros(), reach });
    })?;
    let mut rows: Vec<(Id, Id, Action, i64)> = Vec::new();
    read(dir, "comments.jsonl", |c: Comment| {
        rows.push((ids.of(&c.author), ids.of(&c.note), Action::Comment, c.created_at.micros()))
    })?;
    read(dir, "likes.jsonl", |e: Engagement| {
        rows.push((ids.of(&e.member), ids.of(&e.note), Action::Like, e.created_at.micros()))
    })?;
    read(dir, "saves.jsonl", |e: Engagement| {
        rows.push((ids.of(&e.member), ids.of(&e.note), Action::Save, e.created_at.micros()))
    })?;
    for (member, note, action, at) in rows {
        loaded.engaged(member, note, action, at);
    }
    read(dir, "events.jsonl", |e: BehaviourEvent| {
        let sight = Sight::of(&e.kind, e.dwell_ms);
        let at = e.occurred_at.micros();
        let member = e.viewer.as_deref().map(|v| ids.of(v));
        let note = ids.of(&e.note);
        loaded.push(at, member, Signal::Saw { member, note, sight, at, paid: false });
    })?;
    Ok(loaded)
}

/// The first file in `dir` with one of these names or extensions.
fn find(dir: &Path, names: &[&str], extension: &str) -> Option<std::path::PathBuf> {
    let named = names.iter().map(|n| dir.join(n)).find(|p| p.is_file());
    named.or_else(|| {
        let mut found: Vec<_> = std::fs::read_dir(dir)
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == extension))
            .collect();
        found.sort();
        found.into_iter().next()
    })
}

/// A ratings directory: every rating is an impression (the member saw the item), a
/// rating of 4 or more also a like. Each item is a note of its own author, published
/// just before its first rating, with its genres as topics.
fn load_ratings(dir: &Path) -> Result<Loaded, String> {
    let ratings = find(dir, &["u.data"], "inter")
        .ok_or_else(|| format!("no ratings file (*.inter, u.data) in {}", dir.display()))?;
    let mut genres: HashMap<String, Vec<String>> = HashMap::new();
    if let Some(items) = find(dir, &["u.item"], "item") {
        let text = std::fs::read_to_string(&items).map_err(|e| format!("{}: {e}", items.display()))?;
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split('\t').collect();
            if let (Some(item), Some(classes)) = (fields.first(), fields.last()) {
                let topics = classes
                    .split_whitespace()
                    .filter_map(|g| normalize_topic(&g.chars().filter(|c| c.is_alphanumeric()).collect::<String>()))
                    .collect();
                genres.insert((*item).to_owned(), topics);
            }
        }
    }
    let text = std::fs::read_to_string(&ratings).map_err(|e| format!("{}: {e}", ratings.display()))?;
    let mut rows: Vec<(String, String, f64, i64)> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split(['\t', ',', ' ']).filter(|f| !f.is_empty()).collect();
        let [user, item, rating, at, ..] = fields[..] else { continue };
        let (Ok(rating), Ok(at)) = (rating.parse::<f64>(), at.parse::<f64>()) else {
            if index == 0 {
                continue; // a header
            }
            return Err(format!("{}:{}: not `user item rating timestamp`", ratings.display(), index + 1));
        };
        rows.push((user.to_owned(), item.to_owned(), rating, (at * 1e6) as i64));
    }
    let mut ids = Ids::default();
    let mut loaded = Loaded::default();
    let mut first: HashMap<&str, i64> = HashMap::new();
    for (_, item, _, at) in &rows {
        let seen = first.entry(item.as_str()).or_insert(*at);
        *seen = (*seen).min(*at);
    }
    let mut items: Vec<(&str, i64)> = first.into_iter().collect();
    items.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(b.0)));
    for (item, at) in items {
        let note = ids.of(&format!("item:{item}"));
        let author = ids.of(&format!("author:{item}"));
        let topics = genres.get(item).cloned().unwrap_or_default();
        loaded.published.insert(note, (at - 1, Reach::Everyone));
        loaded.push(at - 1, None, Signal::Published { note, author, topics, at: at - 1, reach: Reach::Everyone });
    }
    let mut members = HashSet::new();
    for (user, item, rating, at) in &rows {
        let (member, note) = (ids.of(&format!("user:{user}")), ids.of(&format!("item:{item}")));
        members.insert(member);
        loaded.push(
            *at,
            Some(member),
            Signal::Saw { member: Some(member), note, sight: Sight::Impression, at: *at, paid: false },
        );
        if *rating >= POSITIVE_RATING {
            loaded.engaged(member, note, Action::Like, *at);
        }
    }
    loaded.members = members.len();
    Ok(loaded)
}

/// Evaluates the feed on the dataset in `dir`.
/// A dataset directory in the import format as the index's signals, in time order
/// (what the evaluator trains on; the replay tests feed them in other orders).
pub fn dataset_signals(dir: &Path) -> Result<Vec<Signal>, String> {
    let mut events = load_dataset(dir)?.events;
    events.sort_by_key(|e| (e.at, e.seq));
    Ok(events.into_iter().map(|e| e.signal).collect())
}

pub fn evaluate(dir: &Path, options: &EvalOptions) -> Result<EvalReport, String> {
    let started = std::time::Instant::now();
    let Loaded { mut events, positives, published, members } = match options.source {
        Source::Dataset => load_dataset(dir)?,
        Source::Ratings => load_ratings(dir)?,
    };
    let end = positives.iter().map(|p| p.at).max().ok_or("the dataset has no likes, saves or comments")?;
    // What each member holds out: positives from a point of their history on.
    let (split_at, cutoffs): (i64, IdMap<(i64, usize)>) = match options.split {
        Split::Global { holdout_days } => (end - holdout_days * DAY_MICROS, Default::default()),
        Split::PerMember { fraction } => {
            let mut by_member: IdMap<Vec<(i64, usize)>> = Default::default();
            for p in &positives {
                by_member.entry(p.member).or_default().push((p.at, p.seq));
            }
            let mut cutoffs: IdMap<(i64, usize)> = Default::default();
            for (member, mut keys) in by_member {
                keys.sort();
                let held = (keys.len() as f64 * fraction).floor() as usize;
                if held > 0 && held < keys.len() {
                    cutoffs.insert(member, keys[keys.len() - held]);
                }
            }
            (end, cutoffs)
        }
    };
    let trains = |at: i64, seq: usize, member: Option<Id>| match options.split {
        Split::Global { .. } => at <= split_at,
        Split::PerMember { .. } => member.and_then(|m| cutoffs.get(&m)).is_none_or(|&cut| (at, seq) < cut),
    };

    // Train: every signal before the split, in time order.
    events.retain(|e| trains(e.at, e.seq, e.member));
    events.sort_by_key(|e| (e.at, e.seq));
    let mut model = FeedModel::new(options.settings.clone());
    let train_engagements = events.iter().filter(|e| matches!(e.signal, Signal::Engaged { .. })).count();
    for event in events {
        model.apply(event.signal);
    }
    // Ranked as the served feed ranks from the same index (`FeedIndex::settle`).
    model.clock = split_at;
    let settled = model.settled();
    model.install(settled);

    // Held out: later first engagements with notes that existed and were public.
    let mut held: IdMap<IdSet> = Default::default();
    for p in positives.iter().filter(|p| !trains(p.at, p.seq, Some(p.member))) {
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
    let train = Train::of(&positives, |p| trains(p.at, p.seq, Some(p.member)));
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
                _ => train.knn(&model, member, k_max, &popular),
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
    fn of(positives: &[Positive], trains: impl Fn(&Positive) -> bool) -> Train {
        let mut by_member: IdMap<Vec<Id>> = Default::default();
        let mut by_note: IdMap<Vec<Id>> = Default::default();
        let mut pairs = HashSet::new();
        let mut ordered: Vec<&Positive> = positives.iter().filter(|p| trains(p)).collect();
        ordered.sort_by_key(|p| (p.at, p.seq));
        for p in ordered {
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

    /// Item-kNN: notes scored by cosine co-engagement with the member's history, then
    /// (a member without history, or too few neighbours) the most popular.
    fn knn(&self, model: &FeedModel, member: Id, limit: usize, popular: &[Id]) -> Vec<Id> {
        let history = self.by_member.get(&member).map_or(&[][..], Vec::as_slice);
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
        let mut list: Vec<Id> = ranked.into_iter().take(limit).map(|(id, _)| id).collect();
        for &note in popular {
            if list.len() >= limit {
                break;
            }
            if !list.contains(&note) && may_recommend(model, member, note) {
                list.push(note);
            }
        }
        list
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
