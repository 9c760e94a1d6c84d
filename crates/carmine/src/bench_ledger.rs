//! `carmine bench --ledger`: durable money transfers, in process.
//!
//! A fresh database (SQLite in the data directory, or `--database-url`) with 1,000
//! funded members. Each round interleaves, for `--seconds` each:
//! - the ceilings: a raw SQLite `synchronous=FULL` insert loop on the same disk,
//!   one row per transaction and 100 rows per transaction;
//! - transfers through `Ledger::transfer` (group commit, each under an idempotency
//!   key, as the API sends them) from `--connections` concurrent tasks between
//!   random members: debit, credit, two postings, a transaction row, a key and an
//!   outbox event each;
//! - the same with every transfer also crediting one platform revenue account (a
//!   fee): the hot account every gift and commission touches.
//!
//! Then the latency of one transfer at a fixed offered load (`--rate` per second).
//! Ratios are medians over the rounds.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use carmine_core::Id;
use carmine_core::money::Currency;
use carmine_ledger::{AccountKind, AccountRef, Header, IdempotencyKey, Ledger, LedgerConfig, Owner, Stream, Transfer};

use crate::bench::{BenchArgs, median};

const MEMBERS: i64 = 1_000;
const START: i64 = 100_000_000;

fn member(i: i64) -> AccountRef {
    AccountRef::new(Owner::User(Id::from_i64(10_000 + i)), AccountKind::Coins, Currency::CNY)
}

fn transfer(n: u64, hot: bool) -> Transfer {
    let from = (n.wrapping_mul(2_654_435_761) % MEMBERS as u64) as i64;
    let to = (from + 1 + (n % (MEMBERS as u64 - 1)) as i64) % MEMBERS;
    let amount = 100 + (n % 900) as i64;
    let mut legs = vec![(member(from), -amount)];
    if hot {
        legs.push((AccountRef::platform(AccountKind::Revenue(Stream::LiveGifts), Currency::CNY), amount / 10));
        legs.push((member(to), amount - amount / 10));
    } else {
        legs.push((member(to), amount));
    }
    Transfer { header: Header::new("transfer", "bench", Id::from_i64(n as i64 + 1), ""), legs }
}

async fn one(ledger: &Ledger, n: u64, hot: bool) {
    let key = IdempotencyKey::new(Id::from_i64(1), &format!("b{n}"), "bench", b"").expect("a valid key");
    ledger.transfer(transfer(n, hot), Some(&key)).await.expect("a funded transfer");
}

/// Transfers per second from `tasks` concurrent tasks for `seconds`.
async fn saturate(ledger: &Ledger, next: &Arc<AtomicU64>, tasks: usize, seconds: u64, hot: bool) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let (ledger, next) = (ledger.clone(), next.clone());
        handles.push(tokio::spawn(async move {
            let mut done = 0u64;
            while Instant::now() < deadline {
                one(&ledger, next.fetch_add(1, Ordering::Relaxed), hot).await;
                done += 1;
            }
            done
        }));
    }
    let mut total = 0;
    for handle in handles {
        total += handle.await.expect("a transfer task");
    }
    total as f64 / started.elapsed().as_secs_f64()
}

/// p50 and p99 milliseconds of one transfer when `rate` arrive per second.
async fn latency(ledger: &Ledger, next: &Arc<AtomicU64>, rate: u64, seconds: u64) -> (f64, f64) {
    let interval = Duration::from_secs_f64(1.0 / rate.max(1) as f64);
    let mut ticker = tokio::time::interval(interval);
    let mut handles = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while Instant::now() < deadline {
        ticker.tick().await;
        let (ledger, n) = (ledger.clone(), next.fetch_add(1, Ordering::Relaxed));
        handles.push(tokio::spawn(async move {
            let started = Instant::now();
            one(&ledger, n, true).await;
            started.elapsed().as_secs_f64() * 1_000.0
        }));
    }
    let mut times = Vec::new();
    for handle in handles {
        times.push(handle.await.expect("a timed transfer"));
    }
    crate::bench::p50_p99(&mut times)
}

pub async fn run(args: &BenchArgs) -> Result<(), String> {
    let (db, backend) = crate::bench::fresh_db(args, "bench-ledger.db", 7).await?;
    let ledger = Ledger::new(db.clone(), LedgerConfig::default());
    let clearing = AccountRef::platform(AccountKind::ProviderClearing, Currency::CNY);
    for i in 0..MEMBERS {
        let fund = Transfer {
            header: Header::new("transfer", "bench", Id::from_i64(1), "fund"),
            legs: vec![(clearing, -START), (member(i), START)],
        };
        ledger.transfer(fund, None).await.map_err(|e| e.to_string())?;
    }
    let next = Arc::new(AtomicU64::new(0));
    let ceiling_path = args.data_dir.join("bench-ceiling.db");
    let ceiling = |per: usize| {
        let path = ceiling_path.clone();
        async move {
            carmine_store::ceiling::sqlite_batched_inserts(&path, per, args.seconds as f64)
                .await
                .map_err(|e| e.to_string())
        }
    };
    let (mut plain, mut hot, mut one_row, mut hundred) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut plain_1, mut plain_100, mut hot_1, mut hot_100) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..args.rounds {
        let c1 = ceiling(1).await?;
        let p = saturate(&ledger, &next, args.connections, args.seconds, false).await;
        let c100 = ceiling(100).await?;
        let h = saturate(&ledger, &next, args.connections, args.seconds, true).await;
        plain_1.push(p / c1);
        plain_100.push(p / c100);
        hot_1.push(h / c1);
        hot_100.push(h / c100);
        plain.push(p);
        hot.push(h);
        one_row.push(c1);
        hundred.push(c100);
    }
    let (p50, p99) = latency(&ledger, &next, args.rate, args.seconds).await;
    println!(
        "\n### Durable transfers on {backend} ({} rounds of {} s, {} concurrent tasks, {MEMBERS} members)\n",
        args.rounds, args.seconds, args.connections
    );
    println!("| what | per second (median) | ÷ 1 row/txn ceiling | ÷ 100 rows/txn ceiling |");
    println!("|---|---|---|---|");
    println!("| ceiling: raw insert, 1 row per FULL commit | {:.0} | | |", median(&mut one_row));
    println!("| ceiling: raw insert, 100 rows per FULL commit | {:.0} | | |", median(&mut hundred));
    println!(
        "| transfers (group commit, idempotency key each) | {:.0} | {:.2} | {:.3} |",
        median(&mut plain),
        median(&mut plain_1),
        median(&mut plain_100)
    );
    println!(
        "| transfers each also crediting one hot revenue account | {:.0} | {:.2} | {:.3} |",
        median(&mut hot),
        median(&mut hot_1),
        median(&mut hot_100)
    );
    println!("\nOne hot-account transfer at {} transfers/s offered: p50 {p50:.2} ms, p99 {p99:.2} ms.", args.rate);
    crate::bench::print_books(&db).await?;
    db.close().await;
    Ok(())
}
