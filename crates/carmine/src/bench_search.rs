//! `carmine bench --dataset DIR --search`: search on an imported community.
//!
//! - the index rebuilt from the database by `carmine search rebuild` (notes/s, time);
//! - segmentation: Carmine's index-mode analyzer against a raw `jieba_rs::Jieba::cut`
//!   on the same note texts (MB/s);
//! - queries (words drawn from the dataset's titles and topics, in turn): through the
//!   HTTP endpoint (req/s at saturation and p50/p99 at a fixed rate, against
//!   `/healthz`), through Carmine's query engine in this process (analysis, filters,
//!   blend, snippets), against raw tantivy on the same index and analyzed terms (the
//!   ceiling), and SQLite FTS5 over the same notes pre-segmented by the same analyzer
//!   (the peer) — the last three single-threaded on this process's core.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use carmine_core::Timestamp;
use carmine_search::analyzer::Mode;
use carmine_search::{Analyzer, NoteQuery, Scope, SearchIndex, TokenStream};
use carmine_store::ceiling::Fts5Peer;

use crate::bench::{BenchArgs, compare, median, saturate};

/// Queries measured, in turn.
const QUERIES: usize = 200;
/// Notes whose text the segmentation is measured on.
const SEGMENTED_NOTES: usize = 200_000;

/// Runs `carmine search rebuild` on the bench's data directory and prints its row.
pub fn rebuild(args: &BenchArgs) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut command = Command::new(&exe);
    command.args(["search", "--data-dir"]).arg(&args.data_dir);
    if let Some(url) = &args.database_url {
        command.args(["--database-url", url]);
    }
    let output = command.arg("rebuild").env("CARMINE_LOG", "warn").stderr(Stdio::inherit()).output();
    let output = output.map_err(|e| e.to_string())?;
    let said = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        return Err(format!("the rebuild failed: {said}"));
    }
    println!("\n### Search index rebuild\n\n{said}");
    Ok(())
}

struct Corpus {
    /// (title, body) of every note, in dataset order.
    notes: Vec<(String, String)>,
    /// Query texts.
    queries: Vec<String>,
}

/// Reads the dataset's notes and draws the queries: the most frequent title words and
/// topics, words further down the list, and pairs of a topic and a title word of the
/// same note.
fn corpus(dataset: &Path, analyzer: &Analyzer) -> Result<Corpus, String> {
    let file = std::fs::File::open(dataset.join("notes.jsonl")).map_err(|e| e.to_string())?;
    let mut notes = Vec::new();
    let mut words: HashMap<String, u64> = HashMap::new();
    let mut pairs = Vec::new();
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| e.to_string())?;
        let note: carmine_dataset::format::Note = serde_json::from_str(&line).map_err(|e| e.to_string())?;
        if n % 50 == 0 {
            let title_words = analyzer.terms(&note.title, Mode::Query);
            for word in title_words.iter().chain(note.topics.iter()) {
                *words.entry(word.clone()).or_default() += 1;
            }
            if let (Some(topic), Some(word)) = (note.topics.first(), title_words.last()) {
                pairs.push(format!("{topic} {word}"));
            }
        }
        notes.push((note.title, note.body));
    }
    let mut ranked: Vec<(String, u64)> = words.into_iter().filter(|(w, _)| w.chars().count() > 1).collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut queries: Vec<String> = ranked.iter().take(QUERIES / 4).map(|(w, _)| w.clone()).collect();
    queries.extend(ranked.iter().skip(QUERIES / 4).step_by(3).take(QUERIES / 4).map(|(w, _)| w.clone()));
    pairs.sort();
    pairs.dedup();
    let step = (pairs.len() / (QUERIES / 2)).max(1);
    queries.extend(pairs.into_iter().step_by(step).take(QUERIES / 2));
    Ok(Corpus { notes, queries })
}

/// Per-call latencies of `work` over `items` in turn for `seconds`: calls/s, p50, p99 (ms).
pub(crate) fn measure<T>(items: &[T], seconds: u64, mut work: impl FnMut(&T)) -> (f64, f64, f64) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut samples = Vec::new();
    let mut n = 0;
    while Instant::now() < deadline {
        let at = Instant::now();
        work(&items[n % items.len()]);
        samples.push(at.elapsed().as_secs_f64() * 1_000.0);
        n += 1;
    }
    let rate = n as f64 / started.elapsed().as_secs_f64();
    let (p50, p99) = crate::bench::p50_p99(&mut samples);
    (rate, p50, p99)
}

/// The medians of rounds of (queries/s, p50, p99).
pub(crate) fn summarize(rows: &[(f64, f64, f64)]) -> (f64, f64, f64) {
    let mut a: Vec<f64> = rows.iter().map(|r| r.0).collect();
    let mut b: Vec<f64> = rows.iter().map(|r| r.1).collect();
    let mut c: Vec<f64> = rows.iter().map(|r| r.2).collect();
    (median(&mut a), median(&mut b), median(&mut c))
}

/// Everything but the rebuild; the server at `addr` serves the same data directory.
pub async fn run(args: &BenchArgs, addr: &str, dataset: &Path) -> Result<(), String> {
    let dictionary = carmine_search::SearchConfig::dictionary_path(&args.data_dir.join("search"));
    let analyzer = Analyzer::new(&std::fs::read_to_string(dictionary).unwrap_or_default());
    let corpus = tokio::task::block_in_place(|| corpus(dataset, &analyzer))?;

    // Segmentation.
    let sample: Vec<String> =
        corpus.notes.iter().take(SEGMENTED_NOTES).map(|(title, body)| format!("{title} {body}")).collect();
    let megabytes = sample.iter().map(String::len).sum::<usize>() as f64 / 1e6;
    let (mut ours, mut raw) = (Vec::new(), Vec::new());
    // One analyzer reused, as the index writer does.
    let mut indexing = analyzer.text_analyzer(Mode::Index);
    for _ in 0..args.rounds {
        let at = Instant::now();
        let mut terms = 0usize;
        for text in &sample {
            let mut stream = indexing.token_stream(text);
            while stream.advance() {
                terms += 1;
            }
        }
        ours.push(megabytes / at.elapsed().as_secs_f64());
        let at = Instant::now();
        let words: usize = sample.iter().map(|t| analyzer.raw_cut(t)).sum();
        raw.push(megabytes / at.elapsed().as_secs_f64());
        assert!(terms > 0 && words > 0);
    }
    let (ours, raw) = (median(&mut ours), median(&mut raw));
    println!(
        "\n### Segmentation ({} notes, {megabytes:.1} MB of title and body, {} rounds)\n",
        sample.len(),
        args.rounds
    );
    println!("| analyzer | MB/s | raw jieba-rs `cut` MB/s (ceiling) | ratio |");
    println!("|---|---|---|---|");
    println!(
        "| index mode (fold, cut for search, sub-word positions, lowercase, stem) | {ours:.1} | {raw:.1} | {:.3} |",
        ours / raw
    );

    // The FTS5 peer over the same notes, pre-segmented.
    let fts_path = args.data_dir.join("bench-fts5.db");
    let mut fts = Fts5Peer::create(&fts_path).await.map_err(|e| e.to_string())?;
    let at = Instant::now();
    for (chunk_at, chunk) in corpus.notes.chunks(5_000).enumerate() {
        let rows: Vec<(i64, String, String)> = chunk
            .iter()
            .enumerate()
            .map(|(i, (title, body))| {
                let rowid = (chunk_at * 5_000 + i) as i64 + 1;
                (rowid, analyzer.terms(title, Mode::Index).join(" "), analyzer.terms(body, Mode::Index).join(" "))
            })
            .collect();
        fts.insert(&rows).await.map_err(|e| e.to_string())?;
    }
    fts.optimize().await.map_err(|e| e.to_string())?;
    let fts_build = at.elapsed().as_secs_f64();

    // The same index, opened for reading in this process.
    let index_dir = carmine_search::SearchConfig::index_path(&args.data_dir.join("search"));
    let index = SearchIndex::open_for_reading(&index_dir, analyzer.clone()).map_err(|e| e.to_string())?;
    let terms: Vec<Vec<String>> = corpus.queries.iter().map(|q| analyzer.terms(q, Mode::Query)).collect();
    let found: usize = terms.iter().map(|t| index.raw_top(t, 20).map_or(0, |d| d.len())).sum();
    println!(
        "\n### Search queries ({} queries in turn, drawn from the dataset: {} hits in all at 20 per query; {} rounds of {} s)\n",
        corpus.queries.len(),
        found,
        args.rounds,
        args.seconds
    );
    println!("| path | queries/s | p50 ms | p99 ms | ratio to raw tantivy (queries/s) |");
    println!("|---|---|---|---|---|");
    let now = Timestamp(carmine_core::Clock::System.now().micros());
    let (mut raw_rows, mut engine_rows, mut fts_rows) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..args.rounds {
        raw_rows.push(tokio::task::block_in_place(|| {
            measure(&terms, args.seconds, |t| {
                index.raw_top(t, 20).expect("raw tantivy");
            })
        }));
        engine_rows.push(tokio::task::block_in_place(|| {
            measure(&corpus.queries, args.seconds, |q| {
                let query = NoteQuery { text: q.clone(), limit: 20, ..NoteQuery::default() };
                index.notes(&query, &Scope::default(), now).expect("engine");
            })
        }));
        let (mut done, mut samples) = (0usize, Vec::new());
        let deadline = Instant::now() + Duration::from_secs(args.seconds);
        let started = Instant::now();
        while Instant::now() < deadline {
            let at = Instant::now();
            fts.top(&terms[done % terms.len()], 20).await.map_err(|e| e.to_string())?;
            samples.push(at.elapsed().as_secs_f64() * 1_000.0);
            done += 1;
        }
        samples.sort_by(f64::total_cmp);
        let q = |p: f64| samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)];
        fts_rows.push((done as f64 / started.elapsed().as_secs_f64(), q(0.5), q(0.99)));
    }
    let (raw_qps, raw_p50, raw_p99) = summarize(&raw_rows);
    let (engine_qps, engine_p50, engine_p99) = summarize(&engine_rows);
    let (fts_qps, fts_p50, fts_p99) = summarize(&fts_rows);
    println!("| raw tantivy `Searcher`, top 20 by BM25 (ceiling) | {raw_qps:.0} | {raw_p50:.3} | {raw_p99:.3} | 1 |");
    println!(
        "| Carmine's engine in process (analysis, visibility filter, blend, count, snippets) | {engine_qps:.0} | {engine_p50:.3} | {engine_p99:.3} | {:.3} |",
        engine_qps / raw_qps
    );
    println!(
        "| SQLite FTS5 on the same pre-segmented notes, top 20 by bm25 (peer; built in {fts_build:.0} s) | {fts_qps:.0} | {fts_p50:.3} | {fts_p99:.3} | {:.3} |",
        fts_qps / raw_qps
    );
    fts.remove().await.map_err(|e| e.to_string())?;

    let paths: Vec<String> =
        corpus.queries.iter().map(|q| format!("/api/v1/search?limit=20&q={}", encode(q))).collect();
    // Latency is measured well below capacity: at 40 % of a first saturation run.
    let capacity = saturate(addr, &paths, &[], args.connections, args.seconds).await;
    let rate = ((capacity * 0.4) as u64).clamp(5, args.rate);
    println!(
        "\nThrough HTTP (the server pinned to one core, against `/healthz` on the same server; latency at {rate} req/s):\n"
    );
    println!("| route | req/s | ceiling req/s | ratio (median) | p50 ms | p99 ms | ceiling p50 | ceiling p99 |");
    println!("|---|---|---|---|---|---|---|---|");
    let (http_rps, _, http_p99) = compare(addr, args, "GET /api/v1/search (a visitor)", &paths, &[], rate).await;
    println!(
        "\nHTTP overhead over raw tantivy: {:.3} of its queries/s; p99 {http_p99:.2} ms against {raw_p99:.3} ms (FTS5 {fts_p99:.3} ms).",
        http_rps / raw_qps
    );
    Ok(())
}

pub(crate) fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}
