//! `carmine bench --ads`: advertising in process (no server).
//!
//! 1. The auction: `auction::run` over 10,000 active ad groups' candidates for a feed
//!    page's three slots, against the ceiling of sorting the same candidates by a
//!    precomputed score (clone and sort, what any ranking must at least do).
//! 2. The cost of ads on a page: a fresh database seeded with the demo community (its
//!    brands' feed campaigns serve), members' discovery-feed pages and searches built
//!    in process, each timed alone and then with `Ads::fill` for the same page.
//! 3. Billable events: clicks on a served ad's tokens (distinct viewers, a phone's
//!    user agent) from `--connections` tasks, each billed from the campaign's held
//!    chunk through the ledger, against the SQLite `synchronous=FULL` one-row insert
//!    ceiling on the same disk; the books must reconcile after.
//!
//! Ratios are medians over `--rounds`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use carmine_ads::auction::{self, Candidate, Slot};
use carmine_ads::events::{EventInput, EventKind};
use carmine_ads::tokens::TokenData;
use carmine_ads::{Ads, AdsConfig, FillRequest, Placement, Pricing};
use carmine_core::money::Currency;
use carmine_core::{Id, Timestamp};
use carmine_ledger::{AccountKind, AccountRef, Header, Owner, Transfer};
use carmine_media::MediaStorage;
use carmine_search::{NoteQuery, Sort};
use carmine_web::Services;

use crate::bench::{BenchArgs, median, p50_p99};

/// Active ad groups in the auction benchmark.
const GROUPS: usize = 10_000;

/// A small deterministic generator (the same candidates every run).
struct Lcg(u64);

impl Lcg {
    fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn candidates() -> Vec<Candidate> {
    let mut rng = Lcg(2026);
    (0..GROUPS as i64)
        .map(|n| {
            let cpm = rng.unit() < 0.2;
            Candidate {
                ad_id: Id::from_i64(1_000_000 + n),
                group_id: Id::from_i64(2_000_000 + n),
                note_id: Id::from_i64(3_000_000 + n),
                pricing: if cpm { Pricing::Cpm } else { Pricing::Cpc },
                bid_minor: if cpm { 500 + (rng.unit() * 5_000.0) as i64 } else { 10 + (rng.unit() * 400.0) as i64 },
                ctr: 0.005 + rng.unit() * 0.08,
                engagement: 0.5 + rng.unit() * 4.0,
                group_created_at: Timestamp(1_000_000 * n),
            }
        })
        .collect()
}

/// Calls of `work` per second over `seconds`.
fn per_second(seconds: u64, mut work: impl FnMut()) -> f64 {
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mut done = 0u64;
    while Instant::now() < deadline {
        work();
        done += 1;
    }
    done as f64 / started.elapsed().as_secs_f64()
}

fn auction_bench(args: &BenchArgs) {
    let candidates = candidates();
    let slots: Vec<Slot> = (0..3).map(|index| Slot { index, organic_engagement: 1.0 + index as f64 }).collect();
    let rules = AdsConfig::default().rules(Placement::Feed);
    let scores: Vec<f64> = candidates
        .iter()
        .map(|c| match c.pricing {
            Pricing::Cpc => c.bid_minor as f64 * c.ctr * 1_000.0,
            Pricing::Cpm => c.bid_minor as f64,
        })
        .collect();
    let (mut auctions, mut sorts, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..args.rounds {
        let sorted = per_second(args.seconds, || {
            let copy = candidates.clone();
            let mut order: Vec<(f64, usize)> = scores.iter().copied().zip(0..).collect();
            order.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
            std::hint::black_box((copy, order));
        });
        let run = per_second(args.seconds, || {
            std::hint::black_box(auction::run(candidates.clone(), &slots, &rules));
        });
        auctions.push(run);
        sorts.push(sorted);
        ratios.push(run / sorted);
    }
    println!(
        "\n### The auction ({GROUPS} active ad groups, 3 feed slots; {} rounds of {} s)\n",
        args.rounds, args.seconds
    );
    println!("| what | per second (median) | ratio to the ceiling (median) |");
    println!("|---|---|---|");
    println!("| ceiling: clone the candidates and sort them by a precomputed score | {:.0} | |", median(&mut sorts));
    println!(
        "| `auction::run`: reserve, relevance floor, rank by eCPM, GSP prices | {:.0} | {:.2} |",
        median(&mut auctions),
        median(&mut ratios)
    );
}

/// Milliseconds of `work` over `samples` runs.
async fn timed<F, Fut>(samples: usize, mut work: F) -> Vec<f64>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut times = Vec::with_capacity(samples);
    for n in 0..samples {
        let started = Instant::now();
        work(n).await;
        times.push(started.elapsed().as_secs_f64() * 1_000.0);
    }
    times
}

async fn pages_bench(services: &Services, members: &[Id], samples: usize) -> Result<(), String> {
    let feed = &services.feed;
    let ads = &services.ads;
    let page_of = |member: Id| -> Vec<Id> {
        feed.page(Some(member), None, 30).map(|p| p.items.iter().map(|i| i.note).collect()).unwrap_or_default()
    };
    let mut without = timed(samples, |n| {
        let member = members[n % members.len()];
        async move {
            std::hint::black_box(page_of(member));
        }
    })
    .await;
    let mut with = timed(samples, |n| {
        let member = members[n % members.len()];
        async move {
            let notes = page_of(member);
            let key = format!("m{member}");
            let request = FillRequest {
                placement: Placement::Feed,
                member: Some(member),
                viewer_key: &key,
                page_notes: &notes,
                context_topics: Vec::new(),
                query: None,
            };
            std::hint::black_box(ads.fill(&request).await.expect("sponsored cards"));
        }
    })
    .await;
    let queries = ["防晒", "咖啡", "hiking", "护肤 推荐", "tea", "穿搭"];
    let search = |n: usize| NoteQuery {
        text: queries[n % queries.len()].to_owned(),
        sort: Sort::Relevance,
        topic: None,
        since: None,
        until: None,
        media: None,
        offset: 0,
        limit: 20,
    };
    let mut search_without = timed(samples, |n| {
        let member = members[n % members.len()];
        async move {
            std::hint::black_box(services.search.notes(Some(member), search(n)).await.expect("a search"));
        }
    })
    .await;
    let mut search_with = timed(samples, |n| {
        let member = members[n % members.len()];
        async move {
            let (_, results) = services.search.notes(Some(member), search(n)).await.expect("a search");
            let notes: Vec<Id> = results.hits.iter().map(|h| h.id).collect();
            let key = format!("m{member}");
            let request = FillRequest {
                placement: Placement::Search,
                member: Some(member),
                viewer_key: &key,
                page_notes: &notes,
                context_topics: Vec::new(),
                query: Some(queries[n % queries.len()]),
            };
            std::hint::black_box(ads.fill(&request).await.expect("sponsored cards"));
        }
    })
    .await;
    println!("\n### The cost of ads on a page ({samples} pages each, {} members in turn, in process)\n", members.len());
    println!("| page | p50 ms | p99 ms | with ads p50 ms | with ads p99 ms | ads add at p50 | ads add at p99 |");
    println!("|---|---|---|---|---|---|---|");
    for (name, alone, both) in [
        ("discovery feed, 30 notes (ranked page)", &mut without, &mut with),
        ("search, 20 notes", &mut search_without, &mut search_with),
    ] {
        let (a50, a99) = p50_p99(alone);
        let (b50, b99) = p50_p99(both);
        println!("| {name} | {a50:.2} | {a99:.2} | {b50:.2} | {b99:.2} | {:.2} ms | {:.2} ms |", b50 - a50, b99 - a99);
    }
    Ok(())
}

async fn billing_bench(args: &BenchArgs, services: &Services) -> Result<(), String> {
    let ads: &Ads = &services.ads;
    let db = ads.db().clone();
    // A serving ad of the demo, its campaign given room: budgets far above what the
    // bench spends and a deep ad balance.
    let row = {
        let mut conn = db.reader().await.map_err(|e| e.to_string())?;
        carmine_store::ads::serving(&mut conn, db.now()).await.map_err(|e| e.to_string())?.into_iter().next()
    }
    .ok_or("the demo serves no ad")?;
    {
        let mut tx = db.begin().await.map_err(|e| e.to_string())?;
        let campaign = carmine_store::ads::get_campaign(tx.conn(), row.campaign_id)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("no campaign")?;
        let roomy = carmine_store::ads::CampaignRow {
            name: &campaign.name,
            objective: &campaign.objective,
            daily_budget_minor: 100_000_000,
            total_budget_minor: None,
            starts_at: campaign.starts_at,
            ends_at: None,
        };
        carmine_store::ads::update_campaign(&mut tx, row.campaign_id, &roomy).await.map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())?;
    }
    let fund = Transfer {
        header: Header::new("transfer", "bench", Id::from_i64(1), "fund ads"),
        legs: vec![
            (AccountRef::platform(AccountKind::ProviderClearing, Currency::CNY), -1_000_000_000),
            (AccountRef::new(Owner::Org(row.advertiser_id), AccountKind::AdBalance, Currency::CNY), 1_000_000_000),
        ],
    };
    services.ledger.transfer(fund, None).await.map_err(|e| e.to_string())?;
    let next = Arc::new(AtomicU64::new(0));
    let clicks = |seconds: u64| {
        let (ads, next) = (ads.clone(), next.clone());
        async move {
            let deadline = Instant::now() + Duration::from_secs(seconds);
            let started = Instant::now();
            let mut tasks = Vec::new();
            for _ in 0..args.connections {
                let (ads, next) = (ads.clone(), next.clone());
                tasks.push(tokio::spawn(async move {
                    let mut billed = 0u64;
                    while Instant::now() < deadline {
                        let viewer = format!("vbench{}", next.fetch_add(1, Ordering::Relaxed));
                        let token = ads.sign_token(&TokenData {
                            ad_id: row.ad_id,
                            placement: Placement::Feed,
                            slot: 0,
                            pricing: Pricing::Cpc,
                            price_minor: 37,
                            expires_at: ads.db().now().plus_seconds(1_800),
                            viewer: viewer.clone(),
                        });
                        let input = EventInput {
                            token: &token,
                            kind: EventKind::Click,
                            member: None,
                            viewer: &viewer,
                            user_agent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148",
                        };
                        let recorded = ads.record_event(&input).await.expect("a click");
                        billed += u64::from(recorded.cost_millis > 0);
                    }
                    billed
                }));
            }
            let mut billed = 0;
            for task in tasks {
                billed += task.await.expect("a click task");
            }
            billed as f64 / started.elapsed().as_secs_f64()
        }
    };
    let ceiling_path = args.data_dir.join("bench-ceiling.db");
    let (mut rates, mut ceilings, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..args.rounds {
        let ceiling = carmine_store::ceiling::sqlite_batched_inserts(&ceiling_path, 1, args.seconds as f64)
            .await
            .map_err(|e| e.to_string())?;
        let rate = clicks(args.seconds).await;
        rates.push(rate);
        ceilings.push(ceiling);
        ratios.push(rate / ceiling);
    }
    ads.close_spend().await.map_err(|e| e.to_string())?;
    println!(
        "\n### Billable clicks through the ledger ({} rounds of {} s, {} concurrent tasks)\n",
        args.rounds, args.seconds, args.connections
    );
    println!("| billed clicks/s (median) | ceiling: raw insert, 1 row per FULL commit | ratio (median) |");
    println!("|---|---|---|");
    println!("| {:.0} | {:.0} | {:.2} |", median(&mut rates), median(&mut ceilings), median(&mut ratios));
    crate::bench::print_books(&db).await?;
    Ok(())
}

pub async fn run(args: &BenchArgs) -> Result<(), String> {
    auction_bench(args);
    let (db, backend) = crate::bench::fresh_db(args, "bench-ads.db", 8).await?;
    let media = args.data_dir.join("bench-ads-media");
    let _ = std::fs::remove_dir_all(&media);
    let storage = MediaStorage::new(&media);
    let hash =
        carmine_accounts::password::PasswordHasher::new(carmine_accounts::config::Argon2Params::TEST_ONLY_MINIMAL)
            .hash(carmine_demo::DEMO_PASSWORD)
            .await
            .map_err(|e| e.to_string())?;
    carmine_demo::seed(&db, &storage, &hash, carmine_demo::Scale::DEMO, 2026).await.map_err(|e| e.to_string())?;
    let config = crate::startup::services_config(carmine_accounts::config::Argon2Params::TEST_ONLY_MINIMAL);
    let services = Services::open(db.clone(), storage, config).await.map_err(|e| e.to_string())?;
    let _running = services.dataplane.start();
    services.dataplane.sync().await.map_err(|e| e.to_string())?;
    let members: Vec<Id> = {
        let mut conn = db.reader().await.map_err(|e| e.to_string())?;
        carmine_store::users::list(&mut conn, "", None, 200)
            .await
            .map_err(|e| e.to_string())?
            .iter()
            .map(|u| u.id)
            .collect()
    };
    println!("\n(pages and billing on {backend}, the demo community)");
    pages_bench(&services, &members, 500).await?;
    billing_bench(args, &services).await?;
    db.close().await;
    Ok(())
}
