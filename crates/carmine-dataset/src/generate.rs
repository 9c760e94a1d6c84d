//! `carmine generate DIR`: a synthetic community in the dataset format, following the
//! frozen model in `docs/generator-model.md` (read it before changing anything here:
//! a change is a new model version, not an edit). Deterministic: one SplitMix64
//! stream per seed, no clock, no hash-map iteration order in the output.

use std::collections::{BTreeMap, HashSet};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use carmine_core::Timestamp;
use serde::Serialize;

use crate::format::{self, Manifest};
use crate::progress::Progress;
use crate::{commerce, purchases};

pub const MODEL: &str = "model v3";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scale {
    pub members: usize,
    pub notes: usize,
    /// Likes + saves + comments.
    pub engagements: usize,
    /// Impressions + reads.
    pub behaviour: usize,
    pub days: i64,
}

impl Scale {
    pub const SMALL: Scale = Scale { members: 2_000, notes: 10_000, engagements: 60_000, behaviour: 30_000, days: 28 };
    pub const STANDARD: Scale =
        Scale { members: 100_000, notes: 1_000_000, engagements: 10_000_000, behaviour: 2_000_000, days: 28 };
}

#[derive(Clone, Debug, Default)]
pub struct GenerateReport {
    pub counts: BTreeMap<String, u64>,
    pub seconds: f64,
}

/// SplitMix64: tiny, fast, and the same on every platform.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((self.unit() * n as f64) as usize).min(n.saturating_sub(1))
    }

    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub(crate) fn pareto(&mut self, alpha: f64) -> f64 {
        (1.0 - self.unit()).powf(-1.0 / alpha)
    }

    pub(crate) fn exponential(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.unit()).ln()
    }

    pub(crate) fn normal(&mut self) -> f64 {
        let (u, v) = (1.0 - self.unit(), self.unit());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    pub(crate) fn poisson(&mut self, lambda: f64) -> usize {
        let limit = (-lambda).exp();
        let (mut k, mut p) = (0, 1.0);
        loop {
            p *= self.unit();
            if p <= limit {
                return k;
            }
            k += 1;
        }
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Draws indices in proportion to their weights (cumulative sums + binary search).
pub(crate) struct Weighted {
    cumulative: Vec<f64>,
}

impl Weighted {
    pub(crate) fn new(weights: impl Iterator<Item = f64>) -> Weighted {
        let mut total = 0.0;
        let cumulative = weights
            .map(|w| {
                total += w;
                total
            })
            .collect();
        Weighted { cumulative }
    }

    pub(crate) fn draw(&self, rng: &mut Rng) -> usize {
        let total = *self.cumulative.last().unwrap_or(&0.0);
        let target = rng.unit() * total;
        self.cumulative.partition_point(|c| *c <= target).min(self.cumulative.len() - 1)
    }
}

pub(crate) struct Cluster {
    pub(crate) zh: &'static str,
    pub(crate) en: &'static str,
    pub(crate) nouns_zh: &'static [&'static str],
    pub(crate) nouns_en: &'static [&'static str],
    topics_zh: &'static [&'static str],
    topics_en: &'static [&'static str],
}

pub(crate) const CLUSTERS: [Cluster; 12] = [
    Cluster {
        zh: "美妆",
        en: "beauty",
        nouns_zh: &["口红", "粉底", "眼影", "护肤"],
        nouns_en: &["lipstick", "skincare", "serum", "blush"],
        topics_zh: &["美妆", "护肤", "口红试色"],
        topics_en: &["beauty", "skincare", "makeup"],
    },
    Cluster {
        zh: "穿搭",
        en: "fashion",
        nouns_zh: &["穿搭", "风衣", "卫衣", "通勤装"],
        nouns_en: &["outfit", "trench coat", "sneakers", "denim"],
        topics_zh: &["穿搭", "ootd", "通勤穿搭"],
        topics_en: &["ootd", "fashion", "streetstyle"],
    },
    Cluster {
        zh: "美食",
        en: "food",
        nouns_zh: &["火锅", "早餐", "甜品", "咖啡"],
        nouns_en: &["hotpot", "brunch", "dessert", "coffee"],
        topics_zh: &["美食", "探店", "家常菜"],
        topics_en: &["food", "recipe", "cafe"],
    },
    Cluster {
        zh: "旅行",
        en: "travel",
        nouns_zh: &["大理", "成都", "海边", "古镇"],
        nouns_en: &["Kyoto", "road trip", "beach", "old town"],
        topics_zh: &["旅行", "周末去哪儿", "攻略"],
        topics_en: &["travel", "weekend", "itinerary"],
    },
    Cluster {
        zh: "家居",
        en: "home",
        nouns_zh: &["客厅", "收纳", "绿植", "香薰"],
        nouns_en: &["living room", "storage", "plants", "candles"],
        topics_zh: &["家居", "收纳", "租房改造"],
        topics_en: &["home", "interior", "declutter"],
    },
    Cluster {
        zh: "健身",
        en: "fitness",
        nouns_zh: &["跑步", "瑜伽", "减脂餐", "普拉提"],
        nouns_en: &["running", "yoga", "meal prep", "pilates"],
        topics_zh: &["健身", "减脂", "瑜伽"],
        topics_en: &["fitness", "workout", "yoga"],
    },
    Cluster {
        zh: "数码",
        en: "tech",
        nouns_zh: &["耳机", "相机", "键盘", "平板"],
        nouns_en: &["headphones", "camera", "keyboard", "tablet"],
        topics_zh: &["数码", "开箱", "桌面"],
        topics_en: &["tech", "unboxing", "desksetup"],
    },
    Cluster {
        zh: "萌宠",
        en: "pets",
        nouns_zh: &["猫咪", "柯基", "布偶猫", "仓鼠"],
        nouns_en: &["cat", "corgi", "puppy", "hamster"],
        topics_zh: &["萌宠", "猫", "狗狗"],
        topics_en: &["pets", "cats", "dogs"],
    },
    Cluster {
        zh: "母婴",
        en: "parenting",
        nouns_zh: &["辅食", "绘本", "婴儿车", "早教"],
        nouns_en: &["baby food", "picture books", "stroller", "playtime"],
        topics_zh: &["母婴", "育儿", "辅食"],
        topics_en: &["parenting", "baby", "family"],
    },
    Cluster {
        zh: "读书",
        en: "books",
        nouns_zh: &["小说", "书单", "散文", "读书笔记"],
        nouns_en: &["novel", "reading list", "essays", "book notes"],
        topics_zh: &["读书", "书单", "好书推荐"],
        topics_en: &["books", "reading", "booklist"],
    },
    Cluster {
        zh: "摄影",
        en: "photography",
        nouns_zh: &["胶片", "人像", "街拍", "夜景"],
        nouns_en: &["film", "portrait", "street", "night shots"],
        topics_zh: &["摄影", "胶片", "调色"],
        topics_en: &["photography", "film", "streetphotography"],
    },
    Cluster {
        zh: "户外",
        en: "outdoors",
        nouns_zh: &["露营", "徒步", "骑行", "滑雪"],
        nouns_en: &["camping", "hiking", "cycling", "skiing"],
        topics_zh: &["户外", "露营", "徒步"],
        topics_en: &["outdoors", "camping", "hiking"],
    },
];

const SYLLABLES: &[&str] = &[
    "lan", "mei", "xiao", "hong", "yu", "chen", "li", "wang", "lin", "ming", "hua", "jing", "an", "tao", "sun", "qing",
];
const SURNAMES: &[&str] = &["林", "陈", "王", "张", "李", "刘", "赵", "周", "吴", "徐"];
const GIVEN: &[&str] = &["小红", "蓝蓝", "美美", "一一", "安安", "晴晴", "小鱼", "明明", "阿桃", "嘉嘉"];
const EN_NAMES: &[&str] = &["Amy", "Leo", "Mia", "Ken", "Zoe", "Ivy", "Max", "Eva", "Sam", "Lily"];
const CITIES: &[&str] =
    &["上海", "北京", "广州", "深圳", "杭州", "成都", "南京", "武汉", "西安", "重庆", "长沙", "Singapore"];
const TITLES_ZH: &[&str] = &["{n}分享", "今日{n}", "{n}合集✨", "{n}真的绝了", "私藏{n}", "{n}避雷指南"];
const TITLES_EN: &[&str] = &["My {n} picks", "{n} diary", "Best {n} ever", "{n}, honestly", "Weekend {n}"];
const COMMENTS_ZH: &[&str] = &["好看!", "求链接 🙏", "收藏了", "太喜欢了", "同款get", "学到了"];
const COMMENTS_EN: &[&str] = &["Love this!", "Where is it from?", "Saved ✨", "So good", "Need this", "Great tips"];

struct Member {
    interests: Vec<(usize, f64)>,
    english: bool,
}

impl Member {
    fn matches(&self, cluster: usize) -> f64 {
        self.interests.iter().find(|(c, _)| *c == cluster).map_or(0.1, |(_, w)| *w)
    }
}

pub(crate) struct Note {
    pub(crate) cluster: usize,
    /// The member who wrote it.
    pub(crate) author: usize,
    quality: f64,
    pub(crate) at: i64,
    /// Not a draft.
    pub(crate) published: bool,
}

/// One JSON-lines file being written, counting its records.
pub(crate) struct Out {
    file: &'static str,
    out: BufWriter<std::fs::File>,
    pub(crate) written: u64,
    progress: Progress,
}

impl Out {
    pub(crate) fn create(dir: &Path, file: &'static str, total: usize, progress: bool) -> Result<Out, String> {
        let out = std::fs::File::create(dir.join(file)).map_err(|e| format!("cannot create {file}: {e}"))?;
        Ok(Out {
            file,
            out: BufWriter::new(out),
            written: 0,
            progress: Progress::new(file, Some(total as u64), progress),
        })
    }

    pub(crate) fn write(&mut self, record: &impl Serialize) -> Result<(), String> {
        serde_json::to_writer(&mut self.out, record).map_err(|e| e.to_string())?;
        self.out.write_all(b"\n").map_err(|e| e.to_string())?;
        self.written += 1;
        if self.written.is_multiple_of(50_000) {
            self.progress.update(self.written);
        }
        Ok(())
    }

    pub(crate) fn finish(mut self, counts: &mut BTreeMap<String, u64>) -> Result<(), String> {
        self.out.flush().map_err(|e| e.to_string())?;
        self.progress.finish(self.written);
        counts.insert(self.file.to_owned(), self.written);
        Ok(())
    }
}

/// Writes a community of `scale` into `dir` (created; must be empty), with times in
/// the `scale.days` before `end`, every member sharing `password_hash`; progress bars
/// on stderr when `progress`.
pub fn generate(
    dir: &Path,
    scale: Scale,
    seed: u64,
    password_hash: &str,
    end: Timestamp,
    progress: bool,
) -> Result<GenerateReport, String> {
    if dir.exists() && std::fs::read_dir(dir).map_err(|e| e.to_string())?.next().is_some() {
        return Err(format!("{} is not empty: generate into a new directory", dir.display()));
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let started = Instant::now();
    let mut rng = Rng(seed ^ 0x6361_726D_696E_6531);
    let mut counts = BTreeMap::new();
    let micros = |seconds: f64| (seconds * 1e6) as i64;
    let start = end.micros() - scale.days * 86_400_000_000;
    let at = |t: i64| Timestamp(t.clamp(start, end.micros() - 1));
    // Evening peak: 20:00–23:00 Beijing (12:00–15:00 UTC) weighs 3×.
    let hours = Weighted::new((0..24).map(|h| if (12..16).contains(&h) { 3.0 } else { 1.0 }));
    let moment = |rng: &mut Rng| {
        let day = rng.below(scale.days as usize) as i64;
        let hour = hours.draw(rng) as i64;
        start + day * 86_400_000_000 + hour * 3_600_000_000 + (rng.unit() * 3.6e9) as i64
    };

    // Members.
    let mut members = Vec::with_capacity(scale.members);
    let mut out = Out::create(dir, "members.jsonl", scale.members, progress)?;
    for n in 0..scale.members {
        let count = 1 + rng.below(3);
        let mut interests: Vec<(usize, f64)> = Vec::new();
        for weight in [1.0, 0.5, 0.25].into_iter().take(count) {
            let cluster = rng.below(CLUSTERS.len());
            if !interests.iter().any(|(c, _)| *c == cluster) {
                interests.push((cluster, weight));
            }
        }
        let english = rng.chance(0.3);
        let username = format!("{}{}{n}", rng.pick(SYLLABLES), rng.pick(SYLLABLES));
        let display_name = if english {
            format!("{} {}", rng.pick(EN_NAMES), rng.pick(SYLLABLES))
        } else {
            format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))
        };
        let demographics = rng.chance(0.6).then(|| {
            let peak = 1998.0;
            let (lo, hi) = (1970.0, 2007.0);
            let u = rng.unit();
            let f = (peak - lo) / (hi - lo);
            let year = if u < f {
                lo + (u * (hi - lo) * (peak - lo)).sqrt()
            } else {
                hi - ((1.0 - u) * (hi - lo) * (hi - peak)).sqrt()
            };
            let g = rng.unit();
            let gender = if g < 0.62 {
                "female"
            } else if g < 0.96 {
                "male"
            } else if g < 0.98 {
                "nonbinary"
            } else {
                "other"
            };
            format::Demographics {
                birth_year: Some(year as i64),
                gender: Some(gender.to_owned()),
                city: Some(rng.pick(CITIES).to_string()),
            }
        });
        out.write(&format::Member {
            id: format!("u{n}"),
            username,
            display_name,
            bio: String::new(),
            password_hash: Some(password_hash.to_owned()),
            demographics,
            created_at: at(start - micros(rng.unit() * 86_400.0 * 365.0)),
        })?;
        members.push(Member { interests, english });
    }
    out.finish(&mut counts)?;
    // `created_at` before the window: members existed before they started posting.
    let activity = Weighted::new((0..scale.members).map(|_| rng.pareto(1.5)));
    let creators: Vec<usize> = (0..scale.members).filter(|_| rng.chance(0.08)).collect();
    let popularity: Vec<f64> = creators.iter().map(|_| rng.pareto(1.1)).collect();

    // Organizations: one per 500 members, owned by a creator.
    let mut out = Out::create(dir, "organizations.jsonl", scale.members / 500, progress)?;
    for n in 0..scale.members / 500 {
        let owner = creators.get(n % creators.len().max(1)).copied().unwrap_or(0);
        let cluster = &CLUSTERS[members[owner].interests[0].0];
        out.write(&format::Organization {
            id: format!("o{n}"),
            handle: format!("{}_brand{n}", cluster.en),
            name: format!("{} {}", cluster.zh, cluster.en),
            kind: ["brand", "merchant", "agency"][n % 3].to_owned(),
            description: format!("{}官方账号 · official {} account", cluster.zh, cluster.en),
            owner: format!("u{owner}"),
            members: Vec::new(),
            created_at: at(start - 86_400_000_000),
        })?;
    }
    let shops = commerce::shops(&scale, &creators, at(start - 86_400_000_000));
    for shop in &shops {
        out.write(&shop.organization)?;
    }
    out.finish(&mut counts)?;

    // Follows: ~Poisson(12) creators each, by popularity × interest match.
    let by_popularity = Weighted::new(popularity.iter().copied());
    let mut out = Out::create(dir, "follows.jsonl", scale.members * 12, progress)?;
    if !creators.is_empty() {
        for (n, member) in members.iter().enumerate() {
            let wanted = rng.poisson(12.0).min(creators.len() - 1);
            let mut followed: Vec<usize> = Vec::with_capacity(wanted);
            let mut attempts = 0;
            while followed.len() < wanted && attempts < wanted * 20 {
                attempts += 1;
                let creator = creators[by_popularity.draw(&mut rng)];
                let cluster = members[creator].interests[0].0;
                if creator == n || followed.contains(&creator) || !rng.chance(member.matches(cluster)) {
                    continue;
                }
                followed.push(creator);
                out.write(&format::Follow {
                    follower: format!("u{n}"),
                    followee: format!("u{creator}"),
                    created_at: at(moment(&mut rng)),
                })?;
            }
        }
    }
    out.finish(&mut counts)?;

    // Notes.
    let by_output = Weighted::new(popularity.iter().map(|p| p.sqrt()));
    let mut notes = Vec::with_capacity(scale.notes);
    let mut pools: Vec<Vec<u32>> = vec![Vec::new(); CLUSTERS.len()];
    let mut out = Out::create(dir, "notes.jsonl", scale.notes, progress)?;
    for n in 0..scale.notes {
        let author = if !creators.is_empty() && rng.chance(0.85) {
            creators[by_output.draw(&mut rng)]
        } else {
            rng.below(scale.members)
        };
        let member = &members[author];
        let cluster_index = member.interests[rng.below(member.interests.len())].0;
        let cluster = &CLUSTERS[cluster_index];
        let quality = rng.unit().powf(1.8);
        let time = moment(&mut rng);
        let (title, topics, body) = if member.english {
            let noun = rng.pick(cluster.nouns_en);
            let title: String = rng.pick(TITLES_EN).replace("{n}", noun).chars().take(20).collect();
            let topics: Vec<String> = (0..1 + rng.below(3)).map(|_| rng.pick(cluster.topics_en).to_string()).collect();
            let body = format!("Sharing my {noun} this week — details in the pictures. #{}", topics[0]);
            (title, topics, body)
        } else {
            let noun = rng.pick(cluster.nouns_zh);
            let title: String = rng.pick(TITLES_ZH).replace("{n}", noun).chars().take(20).collect();
            let topics: Vec<String> = (0..1 + rng.below(3)).map(|_| rng.pick(cluster.topics_zh).to_string()).collect();
            let body = format!("这周的{noun}分享,细节都在图里～ #{}", topics[0]);
            (title, topics, body)
        };
        let mut unique_topics = Vec::new();
        for topic in topics {
            if !unique_topics.contains(&topic) {
                unique_topics.push(topic);
            }
        }
        let draft = rng.chance(0.02);
        let visibility = if rng.chance(0.05) { "followers" } else { "public" };
        out.write(&format::Note {
            id: format!("n{n}"),
            author: format!("u{author}"),
            posted_by: None,
            title,
            body,
            location: None,
            visibility: visibility.to_owned(),
            topics: unique_topics,
            images: Vec::new(),
            created_at: at(time),
            published_at: (!draft).then(|| at(time)),
        })?;
        if !draft {
            pools[cluster_index].push(n as u32);
        }
        notes.push(Note { cluster: cluster_index, author, quality, at: time, published: !draft });
    }
    out.finish(&mut counts)?;

    // Engagement: drawn by the member's interests, accepted with quality × match.
    let draw_note = |rng: &mut Rng, member: &Member| -> Option<usize> {
        let cluster = if rng.chance(0.1) {
            rng.below(CLUSTERS.len())
        } else {
            let total: f64 = member.interests.iter().map(|(_, w)| w).sum();
            let mut target = rng.unit() * total;
            let mut chosen = member.interests[0].0;
            for (c, w) in &member.interests {
                if target < *w {
                    chosen = *c;
                    break;
                }
                target -= w;
            }
            chosen
        };
        let pool = &pools[cluster];
        (!pool.is_empty()).then(|| pool[rng.below(pool.len())] as usize)
    };
    let mut likes = Out::create(dir, "likes.jsonl", scale.engagements * 7 / 10, progress)?;
    let mut saves = Out::create(dir, "saves.jsonl", scale.engagements / 5, progress)?;
    let mut comments = Out::create(dir, "comments.jsonl", scale.engagements / 10, progress)?;
    let mut liked: HashSet<u64> = HashSet::new();
    let mut saved: HashSet<u64> = HashSet::new();
    let mut made = 0;
    let mut attempts = 0usize;
    while made < scale.engagements && attempts < scale.engagements * 200 {
        attempts += 1;
        let who = activity.draw(&mut rng);
        let member = &members[who];
        let Some(note_index) = draw_note(&mut rng, member) else { continue };
        let note = &notes[note_index];
        if !rng.chance(note.quality * member.matches(note.cluster)) {
            continue;
        }
        let when = at(note.at + micros(rng.exponential(18.0 * 3600.0)));
        let key = who as u64 * scale.notes as u64 + note_index as u64;
        let kind = rng.unit();
        let (member_id, note_id) = (format!("u{who}"), format!("n{note_index}"));
        if kind < 0.7 {
            if !liked.insert(key) {
                continue;
            }
            likes.write(&format::Engagement { member: member_id, note: note_id, created_at: when })?;
        } else if kind < 0.9 {
            if !saved.insert(key) {
                continue;
            }
            saves.write(&format::Engagement { member: member_id, note: note_id, created_at: when })?;
        } else {
            let body = if member.english { rng.pick(COMMENTS_EN) } else { rng.pick(COMMENTS_ZH) };
            comments.write(&format::Comment {
                id: format!("c{}", comments.written),
                note: note_id,
                author: member_id,
                parent: None,
                body: body.to_string(),
                created_at: when,
            })?;
        }
        made += 1;
    }
    drop((liked, saved));
    comments.finish(&mut counts)?;
    likes.finish(&mut counts)?;
    saves.finish(&mut counts)?;

    // Behaviour: impressions and reads, accepted with match only.
    let surfaces = Weighted::new([70.0, 15.0, 10.0, 5.0].into_iter());
    let surface_names = ["home", "following", "search", "profile"];
    let mut out = Out::create(dir, "events.jsonl", scale.behaviour, progress)?;
    let mut attempts = 0usize;
    while (out.written as usize) < scale.behaviour && attempts < scale.behaviour * 100 {
        attempts += 1;
        let who = activity.draw(&mut rng);
        let member = &members[who];
        let Some(note_index) = draw_note(&mut rng, member) else { continue };
        let note = &notes[note_index];
        if !rng.chance(member.matches(note.cluster)) {
            continue;
        }
        let when = at(note.at + micros(rng.exponential(12.0 * 3600.0)));
        let viewer = (!rng.chance(0.1)).then(|| format!("u{who}"));
        let id = format!("b{}", out.written);
        let record = if rng.chance(0.75) {
            format::BehaviourEvent {
                id,
                viewer,
                kind: "impression".to_owned(),
                note: format!("n{note_index}"),
                surface: surface_names[surfaces.draw(&mut rng)].to_owned(),
                position: Some(rng.exponential(8.0) as i64),
                dwell_ms: None,
                occurred_at: when,
            }
        } else {
            let median = 4.0 + 40.0 * note.quality;
            let dwell = (median * (0.8 * rng.normal()).exp() * 1000.0).min(3_600_000.0);
            format::BehaviourEvent {
                id,
                viewer,
                kind: "read".to_owned(),
                note: format!("n{note_index}"),
                surface: "note".to_owned(),
                position: None,
                dwell_ms: Some(dwell as i64),
                occurred_at: when,
            }
        };
        out.write(&record)?;
    }
    out.finish(&mut counts)?;

    let catalogue = commerce::write(dir, seed, &scale, &shops, &notes, Timestamp(start), &mut counts, progress)?;
    let window = (Timestamp(start), end);
    purchases::write(dir, seed, &scale, &shops, &notes, &catalogue, window, &mut counts, progress)?;

    let scale_name = match scale {
        Scale::SMALL => "small".to_owned(),
        Scale::STANDARD => "standard".to_owned(),
        s => format!("{} members, {} notes, {} engagements", s.members, s.notes, s.engagements),
    };
    let manifest = Manifest {
        format: format::FORMAT.to_owned(),
        version: format::VERSION,
        created_at: end,
        counts: counts.clone(),
        source: format!("carmine generate ({MODEL}, seed {seed}, scale {scale_name})"),
    };
    std::fs::write(dir.join("manifest.json"), serde_json::to_string_pretty(&manifest).expect("manifests serialize"))
        .map_err(|e| format!("cannot write the manifest: {e}"))?;
    Ok(GenerateReport { counts, seconds: started.elapsed().as_secs_f64() })
}
