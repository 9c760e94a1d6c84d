//! The synthetic community: deterministic by seed, importable without a single
//! rejection on both backends, heavy-tailed followers, and engagement that does not
//! follow follower counts.

use std::collections::HashMap;
use std::path::Path;

use carmine_core::Timestamp;
use carmine_dataset::{ImportOptions, Scale, generate, import};
use carmine_media::{Media, MediaConfig, MediaStorage};
use carmine_store::testing::{TEST_START, TestDb};

carmine_store::both_backends!(a_generated_community_imports_without_rejections);

const TINY: Scale = Scale { members: 400, notes: 2_000, engagements: 12_000, behaviour: 3_000, days: 28 };
const HASH: &str = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo";

fn lines(dir: &Path, file: &str) -> Vec<serde_json::Value> {
    std::fs::read_to_string(dir.join(file)).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn the_same_seed_gives_the_same_files() {
    let (a, b, c) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    generate(&a.path().join("d"), TINY, 7, HASH, TEST_START, false).unwrap();
    generate(&b.path().join("d"), TINY, 7, HASH, TEST_START, false).unwrap();
    generate(&c.path().join("d"), TINY, 8, HASH, TEST_START, false).unwrap();
    for file in [
        "members.jsonl",
        "notes.jsonl",
        "likes.jsonl",
        "events.jsonl",
        "stores.jsonl",
        "products.jsonl",
        "product_tags.jsonl",
        "manifest.json",
    ] {
        let read = |dir: &tempfile::TempDir| std::fs::read(dir.path().join("d").join(file)).unwrap();
        assert_eq!(read(&a), read(&b), "{file} differs between two runs with one seed");
        if file != "manifest.json" {
            assert_ne!(read(&a), read(&c), "{file} ignores the seed");
        }
    }
}

#[test]
fn followers_are_heavy_tailed_but_likes_follow_quality_not_followers() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("d");
    let scale = Scale { members: 5_000, notes: 4_000, engagements: 40_000, behaviour: 100, days: 14 };
    let report = generate(&out, scale, 11, HASH, TEST_START, false).unwrap();
    assert_eq!(report.counts["members.jsonl"], 5_000);
    assert_eq!(report.counts["notes.jsonl"], 4_000);
    let engagements = report.counts["likes.jsonl"] + report.counts["saves.jsonl"] + report.counts["comments.jsonl"];
    assert_eq!(engagements, 40_000);

    let mut followers: HashMap<String, usize> = HashMap::new();
    for follow in lines(&out, "follows.jsonl") {
        *followers.entry(follow["followee"].as_str().unwrap().to_owned()).or_default() += 1;
    }
    let mut counts: Vec<usize> = followers.values().copied().collect();
    counts.sort_unstable();
    let (median, max) = (counts[counts.len() / 2], *counts.last().unwrap());
    assert!(max >= 8 * median.max(1), "heavy tail: median {median}, max {max}");

    // Likes per note, for notes by the most-followed quarter of authors and the rest.
    let mut likes: HashMap<String, usize> = HashMap::new();
    for like in lines(&out, "likes.jsonl") {
        *likes.entry(like["note"].as_str().unwrap().to_owned()).or_default() += 1;
    }
    let threshold = counts[counts.len() * 3 / 4];
    let (mut big, mut small) = ((0usize, 0usize), (0usize, 0usize));
    for note in lines(&out, "notes.jsonl") {
        let author_followers = followers.get(note["author"].as_str().unwrap()).copied().unwrap_or(0);
        let n = likes.get(note["id"].as_str().unwrap()).copied().unwrap_or(0);
        let bucket = if author_followers > threshold { &mut big } else { &mut small };
        bucket.0 += n;
        bucket.1 += 1;
    }
    let per_note = |(likes, notes): (usize, usize)| likes as f64 / notes.max(1) as f64;
    let ratio = per_note(big) / per_note(small);
    assert!((0.6..1.6).contains(&ratio), "likes per note barely depend on followers: ratio {ratio:.2}");
    let titles_in_chinese = lines(&out, "notes.jsonl")
        .iter()
        .filter(|n| n["title"].as_str().unwrap().chars().any(|c| c > '\u{2e80}'))
        .count();
    assert!((2_200..3_400).contains(&titles_in_chinese), "mixed Chinese and English: {titles_in_chinese} of 4000");
    let end =
        Timestamp::parse_rfc3339(lines(&out, "likes.jsonl").last().unwrap()["created_at"].as_str().unwrap()).unwrap();
    assert!(end < TEST_START, "history ends before the generation's end");
}

#[test]
fn shops_sell_to_their_cluster_and_tags_cover_a_fifth_of_the_notes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("d");
    let report = generate(&out, TINY, 5, HASH, TEST_START, false).unwrap();
    assert_eq!(report.counts["stores.jsonl"], 400 / 50);
    assert_eq!(report.counts["products.jsonl"], 2_000 / 5);
    let published = lines(&out, "notes.jsonl").iter().filter(|n| n.get("published_at").is_some()).count();
    let tagged = lines(&out, "product_tags.jsonl");
    let share = tagged.len() as f64 / published as f64;
    assert!((0.16..0.24).contains(&share), "tags on about a fifth of published notes: {share:.3}");
    let mut notes_per_product: HashMap<String, usize> = HashMap::new();
    for record in &tagged {
        let tags = record["tags"].as_array().unwrap();
        assert!((1..=3).contains(&tags.len()));
        for tag in tags {
            *notes_per_product.entry(tag["product"].as_str().unwrap().to_owned()).or_default() += 1;
        }
    }
    let mut per: Vec<usize> = notes_per_product.values().copied().collect();
    per.sort_unstable();
    let (median, max) = (per[per.len() / 2], *per.last().unwrap());
    assert!(max >= 5 * median, "a few products are in many notes: median {median}, max {max}");
    let products = lines(&out, "products.jsonl");
    let variants: usize = products.iter().map(|p| p["variants"].as_array().unwrap().len()).sum();
    assert!(variants > products.len(), "many products have options: {variants} variants");
    let titles_in_chinese =
        products.iter().filter(|p| p["title"].as_str().unwrap().chars().any(|c| c > '\u{2e80}')).count();
    assert!((200..360).contains(&titles_in_chinese), "Chinese and English products: {titles_in_chinese} of 400");
}

#[test]
fn members_buy_mostly_through_notes_and_review_a_third_of_what_they_buy() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("d");
    let report = generate(&out, TINY, 9, HASH, TEST_START, false).unwrap();
    assert_eq!(report.counts["orders.jsonl"], 400 / 2);
    let orders = lines(&out, "orders.jsonl");
    let lines_of = |o: &serde_json::Value| o["lines"].as_array().unwrap().clone();
    let all_lines: Vec<serde_json::Value> = orders.iter().flat_map(lines_of).collect();
    let through_notes = orders.iter().filter(|o| o["lines"][0].get("note").is_some()).count();
    assert!((130..190).contains(&through_notes), "most orders come through a note: {through_notes} of 200");
    let cancelled = orders.iter().filter(|o| o["status"] == "cancelled").count();
    assert!((4..32).contains(&cancelled), "a few orders were never paid: {cancelled}");
    let reviews: Vec<&serde_json::Value> = all_lines.iter().filter_map(|l| l.get("review")).collect();
    let share = reviews.len() as f64 / all_lines.len() as f64;
    assert!((0.2..0.45).contains(&share), "about a third of lines reviewed: {share:.2}");
    let fives = reviews.iter().filter(|r| r["rating"] == 5).count();
    assert!(fives * 2 > reviews.len(), "ratings lean to five stars: {fives} of {}", reviews.len());
    let time = |o: &serde_json::Value, field: &str| Timestamp::parse_rfc3339(o[field].as_str().unwrap()).unwrap();
    for order in orders.iter().filter(|o| o["status"] == "settled") {
        let times: Vec<Timestamp> = ["placed_at", "paid_at", "shipped_at", "received_at", "settled_at"]
            .iter()
            .map(|f| time(order, f))
            .collect();
        assert!(times.is_sorted(), "in order: {order}");
        assert!(times[4] < TEST_START, "finished before the generation's end: {order}");
    }
}

async fn a_generated_community_imports_without_rejections(t: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("d");
    let report = generate(&out, TINY, 3, HASH, TEST_START, false).unwrap();
    let media_dir = tempfile::tempdir().unwrap();
    let media = Media::new(t.db.clone(), MediaConfig::default(), MediaStorage::new(media_dir.path()));
    let imported = import(&t.db, &media, &out, &ImportOptions::default()).await.unwrap();
    assert_eq!(imported.rejected(), 0, "{:?}", &imported.errors[..imported.errors.len().min(5)]);
    for file in &imported.files {
        assert_eq!(file.imported, report.counts[file.file], "{}", file.file);
    }
}
