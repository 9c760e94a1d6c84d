//! `carmine bench`: the benchmark harness behind BENCHMARKS.md.
//!
//! Starts `carmine demo` as a child process (pinned to core 0 with `taskset` when it
//! exists; run the bench itself under `taskset -c 1`), then measures over keep-alive
//! HTTP/1.1 connections, interleaving each route with the ceiling — the bare
//! `/healthz` route on the same server and load generator — for several rounds:
//! throughput at saturation, and p50/p99 latency at a fixed offered load. Then it
//! measures like and comment writes under concurrent load. Prints a Markdown table.
//!
//! `--dataset DIR` serves a generated community instead of the demo: it is imported
//! into the (empty) data directory first, its rate printed against the raw batched
//! SQLite insert ceiling, and the bench waits until the consumers have caught up.
//! `--dataplane` adds behaviour-event ingest against the same ceiling (interleaved)
//! and the consumer lag under that sustained ingest.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use carmine_core::{Clock, IdGenerator};
use carmine_store::{Db, DbOptions};
use clap::Args;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Args)]
pub struct BenchArgs {
    /// Where the demo data lives (seeded on first use).
    #[arg(long, default_value = "./carmine-bench-data")]
    pub data_dir: PathBuf,
    /// `postgres://…` to measure on PostgreSQL instead of SQLite.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Seconds per measurement.
    #[arg(long, default_value_t = 3)]
    pub seconds: u64,
    /// Interleaved rounds (the median ratio is reported).
    #[arg(long, default_value_t = 5)]
    pub rounds: usize,
    /// Concurrent connections at saturation.
    #[arg(long, default_value_t = 16)]
    pub connections: usize,
    /// Requests per second for the latency measurement.
    #[arg(long, default_value_t = 200)]
    pub rate: u64,
    /// A dataset from `carmine generate` to import (once) and serve instead of the demo.
    #[arg(long)]
    pub dataset: Option<PathBuf>,
    /// Also measure behaviour-event ingest and consumer lag (SQLite).
    #[arg(long)]
    pub dataplane: bool,
    /// Also measure the discovery feed: members' ranked pages and a visitor's against
    /// the ceiling, and the time from an engagement to its effect on the note's pool
    /// and on the member's next page.
    #[arg(long)]
    pub feed: bool,
    /// Also measure search (with --dataset): the index rebuild, segmentation against raw
    /// jieba, queries through HTTP and in process against raw tantivy and SQLite FTS5.
    #[arg(long)]
    pub search: bool,
    /// Also measure the shop: product and store pages, the notes about a product, and
    /// product search in process against raw tantivy and through HTTP.
    #[arg(long)]
    pub commerce: bool,
    /// Measure durable ledger transfers in process instead (no server): against the
    /// SQLite `synchronous=FULL` insert ceilings, one row and 100 rows per commit.
    #[arg(long)]
    pub ledger: bool,
    /// Measure checkout and settlement in process instead (no server): checkouts of a
    /// hot product and spread over 1,000 against the bare conditional stock UPDATE,
    /// checkout latency at a fixed load, settled orders per second.
    #[arg(long)]
    pub orders: bool,
    /// Measure advertising in process instead (no server): the auction over 10,000
    /// ad groups against sorting by a precomputed score, the feed and search pages with
    /// and without ads, billable clicks through the ledger.
    #[arg(long)]
    pub ads: bool,
    /// Start the server with `--no-background` (no consumers or jobs) and measure reads
    /// without waiting for the consumers — e.g. while an imported history is not yet applied.
    #[arg(long)]
    pub no_background: bool,
}

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(args: &BenchArgs) -> Result<Server, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let pinned = std::path::Path::new("/usr/bin/taskset").exists();
    let mut command = if pinned { Command::new("/usr/bin/taskset") } else { Command::new(&exe) };
    if pinned {
        command.args(["-c", "0"]).arg(&exe);
    }
    // The bench measures the server, not its abuse limits.
    command.args([
        if args.dataset.is_some() { "serve" } else { "demo" },
        "--event-batch-burst",
        "1000000000",
        "--listen",
        "127.0.0.1:0",
        "--rate-limit-burst",
        "1000000000",
        "--rate-limit-per-second",
        "1000000",
    ]);
    command.args(["--comment-burst", "1000000000"]);
    if args.no_background {
        command.arg("--no-background");
    }
    command.arg("--data-dir").arg(&args.data_dir);
    if let Some(url) = &args.database_url {
        command.args(["--database-url", url]);
    }
    let mut child = command.env("CARMINE_LOG", "warn").stdout(Stdio::piped()).spawn().map_err(|e| e.to_string())?;
    let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
    loop {
        match lines.next() {
            Some(Ok(line)) => {
                if let Some(url) = line.strip_prefix("Carmine is listening on http://") {
                    let addr = url.trim().to_owned();
                    std::thread::spawn(move || lines.for_each(drop));
                    return Ok(Server { child, addr });
                }
                println!("{line}");
            }
            _ => return Err("the server exited before listening".to_owned()),
        }
    }
}

/// One keep-alive HTTP/1.1 connection.
pub(crate) struct Connection {
    stream: TcpStream,
    host: String,
    buffer: Vec<u8>,
}

pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
}

impl Connection {
    pub(crate) async fn open(addr: &str) -> Connection {
        let stream = TcpStream::connect(addr).await.expect("connect to the server");
        stream.set_nodelay(true).ok();
        Connection { stream, host: addr.to_owned(), buffer: Vec::with_capacity(64 * 1024) }
    }

    pub(crate) async fn request(&mut self, method: &str, path: &str, headers: &str, body: &str) -> Reply {
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n{headers}\r\n{body}",
            self.host,
            body.len()
        );
        self.stream.write_all(request.as_bytes()).await.expect("write");
        self.buffer.clear();
        let mut chunk = [0u8; 16 * 1024];
        let header_end = loop {
            let n = read_within(&mut self.stream, &mut chunk, path).await;
            assert!(n > 0, "the server closed the connection");
            self.buffer.extend_from_slice(&chunk[..n]);
            if let Some(end) = self.buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
        };
        let head = String::from_utf8_lossy(&self.buffer[..header_end]).to_ascii_lowercase();
        let status = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        while self.buffer.len() < header_end + length {
            let n = read_within(&mut self.stream, &mut chunk, path).await;
            assert!(n > 0, "the server closed the connection");
            self.buffer.extend_from_slice(&chunk[..n]);
        }
        Reply { status, body: self.buffer[header_end..header_end + length].to_vec() }
    }
}

/// Reads what the server sent; a reply that stalls for 30 s fails the bench, naming
/// the route (a measurement must never hang).
async fn read_within(stream: &mut TcpStream, chunk: &mut [u8], path: &str) -> usize {
    match tokio::time::timeout(Duration::from_secs(30), stream.read(chunk)).await {
        Ok(read) => read.expect("read"),
        Err(_) => panic!("{path}: no answer within 30 s"),
    }
}

/// Requests per second with `connections` clients for `seconds`; client `i` sends
/// `headers[i % len]` (a member's cookie), or none, and goes through `paths` in turn.
pub(crate) async fn saturate(
    addr: &str,
    paths: &[String],
    headers: &[String],
    connections: usize,
    seconds: u64,
) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for i in 0..connections {
        let (addr, paths) = (addr.to_owned(), paths.to_vec());
        let header = if headers.is_empty() { String::new() } else { headers[i % headers.len()].clone() };
        tasks.push(tokio::spawn(async move {
            let mut connection = Connection::open(&addr).await;
            let mut done = 0u64;
            while Instant::now() < deadline {
                let path = &paths[(i + done as usize) % paths.len()];
                let reply = connection.request("GET", path, &header, "").await;
                assert_eq!(reply.status, 200, "{path}");
                done += 1;
            }
            done
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.expect("load task");
    }
    total as f64 / seconds as f64
}

/// p50 and p99 latency in milliseconds at a fixed offered load (open loop: requests
/// are sent on schedule, and latency counts from the scheduled time).
async fn latency_at(addr: &str, paths: &[String], headers: &[String], rate: u64, seconds: u64) -> (f64, f64) {
    let total = (rate * seconds) as usize;
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let start = Instant::now();
    let workers = 32usize;
    let mut tasks = Vec::new();
    for worker in 0..workers {
        let (addr, paths) = (addr.to_owned(), paths.to_vec());
        let header = if headers.is_empty() { String::new() } else { headers[worker % headers.len()].clone() };
        tasks.push(tokio::spawn(async move {
            let mut connection = Connection::open(&addr).await;
            let mut samples = Vec::new();
            let mut n = worker;
            while n < total {
                let scheduled = start + interval * n as u32;
                tokio::time::sleep_until(scheduled.into()).await;
                let reply = connection.request("GET", &paths[n % paths.len()], &header, "").await;
                assert_eq!(reply.status, 200);
                samples.push(scheduled.elapsed().as_secs_f64() * 1_000.0);
                n += workers;
            }
            samples
        }));
    }
    let mut samples = Vec::new();
    for task in tasks {
        samples.extend(task.await.expect("latency task"));
    }
    p50_p99(&mut samples)
}

pub(crate) fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The 50th and 99th percentiles of some samples (sorted in place).
pub(crate) fn p50_p99(samples: &mut [f64]) -> (f64, f64) {
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    (at(0.50), at(0.99))
}

/// A fresh database for an in-process benchmark: `--database-url` as it is, else a
/// new SQLite file `name` in the data directory, migrated. Returns it and the
/// backend's name.
pub(crate) async fn fresh_db(args: &BenchArgs, name: &str, node: u16) -> Result<(Db, &'static str), String> {
    std::fs::create_dir_all(&args.data_dir).map_err(|e| e.to_string())?;
    let (options, backend) = match &args.database_url {
        Some(url) => (DbOptions::new(url.clone()), "PostgreSQL"),
        None => {
            let path = args.data_dir.join(name);
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            (DbOptions::new(format!("sqlite://{}", path.display())), "SQLite")
        }
    };
    let db = Db::connect(&options, Arc::new(IdGenerator::new(node)), Clock::System).await?;
    carmine_store::migrate::run(&db).await.map_err(|e| format!("{e:?}"))?;
    Ok((db, backend))
}

/// Prints whether the books reconcile after a benchmark.
pub(crate) async fn print_books(db: &Db) -> Result<(), String> {
    let report = carmine_ledger::reconcile::reconcile(db).await.map_err(|e| e.to_string())?;
    println!(
        "Afterwards: {} transactions, books {}.",
        report.transactions,
        if report.is_clean() {
            "balanced (trial balance zero, every balance matches its postings)"
        } else {
            "NOT balanced"
        }
    );
    Ok(())
}

/// A logged-in member: their session cookie and CSRF token.
struct Session {
    cookie: String,
    csrf: String,
}

async fn log_in(addr: &str, username: &str) -> Session {
    let mut connection = Connection::open(addr).await;
    let body = format!(r#"{{"username":"{username}","password":"{}"}}"#, carmine_demo::DEMO_PASSWORD);
    let request = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    connection.stream.write_all(request.as_bytes()).await.expect("write");
    let mut raw = vec![0u8; 64 * 1024];
    let n = connection.stream.read(&mut raw).await.expect("read");
    let text = String::from_utf8_lossy(&raw[..n]).to_string();
    let cookie = text
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: ").or_else(|| l.strip_prefix("Set-Cookie: ")))
        .and_then(|c| c.split(';').next())
        .unwrap_or_else(|| panic!("no session for {username}: {text}"))
        .to_owned();
    let csrf =
        text.split("\"csrf_token\":\"").nth(1).and_then(|s| s.split('"').next()).expect("a CSRF token").to_owned();
    Session { cookie, csrf }
}

/// Writes per second: each member likes then unlikes (two writes), or comments.
async fn writes(addr: &str, sessions: &[Session], notes: &[String], seconds: u64, comment: bool) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for (i, session) in sessions.iter().enumerate() {
        let (addr, cookie, csrf, notes) =
            (addr.to_owned(), session.cookie.clone(), session.csrf.clone(), notes.to_vec());
        tasks.push(tokio::spawn(async move {
            let mut connection = Connection::open(&addr).await;
            let headers = format!("Cookie: {cookie}\r\nX-CSRF-Token: {csrf}\r\nContent-Type: application/json\r\n");
            let mut done = 0u64;
            let mut n = i;
            while Instant::now() < deadline {
                let note = &notes[n % notes.len()];
                n += 7;
                if comment {
                    let reply = connection
                        .request("POST", &format!("/api/v1/notes/{note}/comments"), &headers, r#"{"body":"bench 好"}"#)
                        .await;
                    assert_eq!(reply.status, 201, "{}", String::from_utf8_lossy(&reply.body));
                    done += 1;
                } else {
                    let like = connection.request("POST", &format!("/api/v1/notes/{note}/like"), &headers, "").await;
                    assert_eq!(like.status, 200, "{}", String::from_utf8_lossy(&like.body));
                    let unlike =
                        connection.request("DELETE", &format!("/api/v1/notes/{note}/like"), &headers, "").await;
                    assert_eq!(unlike.status, 200);
                    done += 2;
                }
            }
            done
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.expect("write task");
    }
    total as f64 / seconds as f64
}

/// Prints one table row: `paths` (in turn, sent with `headers`) against `/healthz`,
/// interleaved for `args.rounds` rounds: throughput at saturation, and latency at
/// `rate` requests per second. Returns the medians: req/s, p50 and p99 ms.
pub(crate) async fn compare(
    addr: &str,
    args: &BenchArgs,
    name: &str,
    paths: &[String],
    headers: &[String],
    rate: u64,
) -> (f64, f64, f64) {
    let healthz = ["/healthz".to_owned()];
    let (mut ratios, mut route_rps, mut ceiling_rps) = (Vec::new(), Vec::new(), Vec::new());
    let (mut p50, mut p99, mut c50, mut c99) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..args.rounds {
        let ceiling = saturate(addr, &healthz, &[], args.connections, args.seconds).await;
        let measured = saturate(addr, paths, headers, args.connections, args.seconds).await;
        ratios.push(measured / ceiling);
        route_rps.push(measured);
        ceiling_rps.push(ceiling);
        let (a, b) = latency_at(addr, &healthz, &[], rate, args.seconds).await;
        let (c, d) = latency_at(addr, paths, headers, rate, args.seconds).await;
        c50.push(a);
        c99.push(b);
        p50.push(c);
        p99.push(d);
    }
    let (rps, p50, p99) = (median(&mut route_rps), median(&mut p50), median(&mut p99));
    println!(
        "| {name} | {rps:.0} | {:.0} | {:.3} | {p50:.2} | {p99:.2} | {:.2} | {:.2} |",
        median(&mut ceiling_rps),
        median(&mut ratios),
        median(&mut c50),
        median(&mut c99)
    );
    (rps, p50, p99)
}

/// Members to read the feed as: 16 spread over the dataset's members (all share the
/// demo password), or the demo's members.
fn bench_members(args: &BenchArgs) -> Result<Vec<String>, String> {
    let Some(dataset) = &args.dataset else {
        return Ok(["meimei", "tingting", "yuki", "lily", "amy", "jason", "chen", "wei"].map(str::to_owned).to_vec());
    };
    let members = std::fs::read_to_string(dataset.join("members.jsonl")).map_err(|e| e.to_string())?;
    let lines: Vec<&str> = members.lines().collect();
    let step = (lines.len() / 16).max(1);
    lines
        .iter()
        .step_by(step)
        .take(16)
        .map(|line| {
            let member: serde_json::Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
            member["username"].as_str().map(str::to_owned).ok_or_else(|| "a member without a username".to_owned())
        })
        .collect()
}

/// Milliseconds from a like being acknowledged until it shows (a) in the note's
/// traffic-pool state, read by its author, and (b) on the member's next page (the
/// liked note is gone from it). Polls as fast as the server answers; 20 trials.
async fn effect_latency(addr: &str, members: &[(String, Session)]) -> Result<(), String> {
    let mut connection = Connection::open(addr).await;
    let (mut to_pool, mut to_page) = (Vec::new(), Vec::new());
    let mut authors: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for trial in 0..20 {
        let (_, member) = &members[trial % members.len()];
        let cookie = format!("Cookie: {}\r\n", member.cookie);
        let page = connection.request("GET", "/api/v1/feed?limit=20", &cookie, "").await;
        let page: serde_json::Value = serde_json::from_slice(&page.body).map_err(|e| e.to_string())?;
        let Some(card) =
            page["items"].as_array().and_then(|items| items.iter().find(|n| n["author"]["kind"] == "member"))
        else {
            continue;
        };
        let (note, handle) = (
            card["id"].as_str().unwrap_or_default().to_owned(),
            card["author"]["handle"].as_str().unwrap_or_default().to_owned(),
        );
        if !authors.contains_key(&handle) {
            authors.insert(handle.clone(), format!("Cookie: {}\r\n", log_in(addr, &handle).await.cookie));
        }
        let author = &authors[&handle];
        let journey_path = format!("/api/v1/notes/{note}/journey");
        let before = connection.request("GET", &journey_path, author, "").await.body;
        let write = format!("{cookie}X-CSRF-Token: {}\r\nContent-Type: application/json\r\n", member.csrf);
        let liked = connection.request("POST", &format!("/api/v1/notes/{note}/like"), &write, "").await;
        if liked.status != 200 {
            return Err(format!("like failed: {}", String::from_utf8_lossy(&liked.body)));
        }
        let acknowledged = Instant::now();
        let (mut pool_ms, mut page_ms) = (None, None);
        while (pool_ms.is_none() || page_ms.is_none()) && acknowledged.elapsed() < Duration::from_secs(30) {
            if pool_ms.is_none() && connection.request("GET", &journey_path, author, "").await.body != before {
                pool_ms = Some(acknowledged.elapsed().as_secs_f64() * 1_000.0);
            }
            if page_ms.is_none() {
                let page = connection.request("GET", "/api/v1/feed?limit=20", &cookie, "").await;
                if !String::from_utf8_lossy(&page.body).contains(&format!("\"id\":\"{note}\"")) {
                    page_ms = Some(acknowledged.elapsed().as_secs_f64() * 1_000.0);
                }
            }
        }
        to_pool.push(pool_ms.ok_or("the like never reached the pool")?);
        to_page.push(page_ms.ok_or("the like never reached the page")?);
    }
    if to_pool.is_empty() {
        return Err("no member-authored notes in the feeds".to_owned());
    }
    let p99 = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[((v.len() as f64 * 0.99) as usize).min(v.len() - 1)]
    };
    println!("\n| engagement → effect ({} likes) | median ms | p99 ms |", to_pool.len());
    println!("|---|---|---|");
    println!(
        "| on the note's traffic pool (its author's journey) | {:.1} | {:.1} |",
        median(&mut to_pool.clone()),
        p99(&mut to_pool)
    );
    println!(
        "| on the member's next page (the liked note leaves it) | {:.1} | {:.1} |",
        median(&mut to_page.clone()),
        p99(&mut to_page)
    );
    Ok(())
}

/// Imports `dataset` into the bench's data directory unless an earlier run did.
fn import_dataset(args: &BenchArgs, dataset: &std::path::Path) -> Result<(), String> {
    let marker = args.data_dir.join("bench-imported");
    if marker.exists() {
        println!("(the dataset was imported by an earlier run)");
        return Ok(());
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let started = Instant::now();
    let mut command = Command::new(&exe);
    command.args(["import", "--batch", "2000", "--data-dir"]).arg(&args.data_dir).arg(dataset);
    if let Some(url) = &args.database_url {
        command.args(["--database-url", url]);
    }
    let output = command.env("CARMINE_LOG", "warn").stderr(Stdio::inherit()).output().map_err(|e| e.to_string())?;
    let seconds = started.elapsed().as_secs_f64();
    print!("{}", String::from_utf8_lossy(&output.stdout));
    if !output.status.success() {
        return Err("the import failed".to_owned());
    }
    let records: u64 = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1).and_then(|n| n.parse::<u64>().ok()))
        .sum();
    let ceiling = tokio::runtime::Handle::current().block_on(ceiling(args, 100, 10.0))?;
    println!("\n### Import\n");
    println!("| records | seconds | records/s | ceiling rows/s (batched 100/txn) | ratio |");
    println!("|---|---|---|---|---|");
    let rate = records as f64 / seconds;
    println!("| {records} | {seconds:.0} | {rate:.0} | {ceiling:.0} | {:.3} |", rate / ceiling);
    std::fs::write(marker, "").map_err(|e| e.to_string())
}

async fn ceiling(args: &BenchArgs, per_transaction: usize, seconds: f64) -> Result<f64, String> {
    let path = args.data_dir.join("bench-ceiling.db");
    carmine_store::ceiling::sqlite_batched_inserts(&path, per_transaction, seconds).await.map_err(|e| e.to_string())
}

/// The consumers' total lag, from `/readyz`.
async fn lag(addr: &str) -> i64 {
    let mut connection = Connection::open(addr).await;
    let reply = connection.request("GET", "/readyz", "", "").await;
    let ready: serde_json::Value = serde_json::from_slice(&reply.body).unwrap_or_default();
    // Ready: the consumers are in the body; catching up (503): in the error's details.
    let consumers = ready["consumers"].as_array().or_else(|| ready["error"]["details"]["consumers"].as_array());
    consumers.map_or(i64::MAX, |c| c.iter().map(|c| c["lag"].as_i64().unwrap_or(0)).sum())
}

/// Waits (polling `/readyz`) until the consumers have applied everything; seconds taken.
async fn caught_up(addr: &str) -> f64 {
    let started = Instant::now();
    while lag(addr).await > 0 && started.elapsed() < Duration::from_secs(3_600) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    started.elapsed().as_secs_f64()
}

/// Events accepted per second with `connections` clients sending batches of 100
/// impressions of `notes`; samples the consumers' lag meanwhile (the largest seen).
async fn ingest(addr: &str, notes: &[String], connections: usize, seconds: u64, round: usize) -> (f64, i64) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for worker in 0..connections {
        let (addr, notes) = (addr.to_owned(), notes.to_vec());
        tasks.push(tokio::spawn(async move {
            let mut connection = Connection::open(&addr).await;
            let mut accepted = 0u64;
            let mut batch = 0usize;
            while Instant::now() < deadline {
                let events: Vec<String> = (0..100)
                    .map(|n| {
                        let note = &notes[(batch * 100 + n) % notes.len()];
                        format!(
                            r#"{{"client_event_id":"r{round}-w{worker}-b{batch}-{n}","kind":"impression","note_id":"{note}","surface":"home","position":{n}}}"#
                        )
                    })
                    .collect();
                let body = format!(r#"{{"events":[{}]}}"#, events.join(","));
                let reply = connection.request("POST", "/api/v1/events", "Content-Type: application/json\r\n", &body).await;
                assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
                accepted += 100;
                batch += 1;
            }
            accepted
        }));
    }
    let mut max_lag = 0;
    while Instant::now() < deadline {
        max_lag = max_lag.max(lag(addr).await);
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.expect("ingest task");
    }
    (total as f64 / seconds as f64, max_lag)
}

pub async fn run(args: BenchArgs) -> Result<(), String> {
    if args.ledger {
        return crate::bench_ledger::run(&args).await;
    }
    if args.orders {
        return crate::bench_orders::run(&args).await;
    }
    if args.ads {
        return crate::bench_ads::run(&args).await;
    }
    if let Some(dataset) = &args.dataset {
        std::fs::create_dir_all(&args.data_dir).map_err(|e| e.to_string())?;
        let dataset = dataset.clone();
        tokio::task::block_in_place(|| import_dataset(&args, &dataset))?;
        if args.search || args.commerce {
            tokio::task::block_in_place(|| crate::bench_search::rebuild(&args))?;
        }
    } else if args.search {
        return Err("--search needs --dataset".to_owned());
    }
    let server = start_server(&args)?;
    let addr = server.addr.clone();
    let behind = lag(&addr).await;
    let waited = if args.no_background { 0.0 } else { caught_up(&addr).await };
    if behind > 0 && !args.no_background {
        println!(
            "\nthe consumers applied {behind} log entries in {waited:.0} s ({:.0}/s) before measuring",
            behind as f64 / waited
        );
    }
    let mut probe = Connection::open(&addr).await;
    let feed = probe.request("GET", "/api/v1/feed?limit=50", "", "").await;
    let feed: serde_json::Value = serde_json::from_slice(&feed.body).map_err(|e| e.to_string())?;
    let items = feed["items"].as_array().cloned().unwrap_or_default();
    let notes: Vec<String> = items.iter().filter_map(|n| n["id"].as_str().map(str::to_owned)).take(20).collect();
    let note = notes.first().ok_or("no notes to measure")?.clone();
    let author = items[0]["author"]["handle"].as_str().unwrap_or("lanlan").to_owned();
    let routes = [
        ("note JSON", format!("/api/v1/notes/{note}")),
        ("note HTML", format!("/notes/{note}")),
        (
            if args.dataset.is_some() { "profile HTML (the note's author)" } else { "profile HTML" },
            format!("/u/{author}"),
        ),
    ];
    let backend = if args.database_url.is_some() { "PostgreSQL" } else { "SQLite" };
    println!(
        "\n### Reads on {backend} ({} rounds of {} s, {} connections; latency at {} req/s)\n",
        args.rounds, args.seconds, args.connections, args.rate
    );
    println!("| route | req/s | ceiling req/s | ratio (median) | p50 ms | p99 ms | ceiling p50 | ceiling p99 |");
    println!("|---|---|---|---|---|---|---|---|");
    for (name, path) in &routes {
        compare(&addr, &args, name, std::slice::from_ref(path), &[], args.rate).await;
    }

    if args.feed && !args.no_background {
        let mut members = Vec::new();
        for username in bench_members(&args)? {
            members.push((username.clone(), log_in(&addr, &username).await));
        }
        let cookies: Vec<String> = members.iter().map(|(_, s)| format!("Cookie: {}\r\n", s.cookie)).collect();
        println!(
            "\n### Discovery feed on {backend} ({} rounds of {} s, {} connections; latency at {} req/s)\n",
            args.rounds, args.seconds, args.connections, args.rate
        );
        println!("| route | req/s | ceiling req/s | ratio (median) | p50 ms | p99 ms | ceiling p50 | ceiling p99 |");
        println!("|---|---|---|---|---|---|---|---|");
        let name = format!("a member's ranked page of 20 ({} members in turn)", cookies.len());
        let feed = ["/api/v1/feed?limit=20".to_owned()];
        compare(&addr, &args, &name, &feed, &cookies, args.rate).await;
        compare(&addr, &args, "a signed-out visitor's page of 20", &feed, &[], args.rate).await;
        effect_latency(&addr, &members).await?;
    }

    if let (true, Some(dataset)) = (args.search, &args.dataset) {
        crate::bench_search::run(&args, &addr, dataset).await?;
    }
    if args.commerce {
        crate::bench_commerce::run(&args, &addr).await?;
    }

    if args.dataplane && !args.no_background {
        println!(
            "\n### Behaviour-event ingest on {backend} ({} rounds of {} s, {} connections, batches of 100)\n",
            args.rounds, args.seconds, args.connections
        );
        println!(
            "| accepted events/s | ceiling rows/s (raw batched insert, 100/txn, same disk) | ratio (median) | largest consumer lag seen | seconds to catch up after |"
        );
        println!("|---|---|---|---|---|");
        let (mut rates, mut ceilings, mut ratios, mut lags, mut drains) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for round in 0..args.rounds {
            let ceiling = ceiling(&args, 100, args.seconds as f64).await?;
            let (rate, max_lag) = ingest(&addr, &notes, args.connections, args.seconds, round).await;
            let drain = caught_up(&addr).await;
            rates.push(rate);
            ceilings.push(ceiling);
            ratios.push(rate / ceiling);
            lags.push(max_lag as f64);
            drains.push(drain);
        }
        println!(
            "| {:.0} | {:.0} | {:.3} | {:.0} | {:.1} |",
            median(&mut rates),
            median(&mut ceilings),
            median(&mut ratios),
            median(&mut lags),
            median(&mut drains)
        );
    }

    if args.dataset.is_some() {
        drop(server);
        return Ok(()); // the writes below log in as demo members
    }
    let mut sessions = Vec::new();
    for username in [
        "lanlan", "meimei", "tingting", "yuki", "lily", "amy", "jason", "chen", "wei", "mia", "leo", "anna", "kai",
        "zoe", "jun", "nina",
    ] {
        sessions.push(log_in(&addr, username).await);
    }
    println!("\n### Writes on {backend} ({} members at once, {} s)\n", sessions.len(), args.seconds);
    println!("| write | accepted writes/s |");
    println!("|---|---|");
    let likes = writes(&addr, &sessions, &notes, args.seconds, false).await;
    println!("| like + unlike (each a transaction with counter and outbox event) | {likes:.0} |");
    let comments = writes(&addr, &sessions, &notes, args.seconds, true).await;
    println!("| comment (counter, notification, outbox event) | {comments:.0} |");
    drop(server);
    Ok(())
}
