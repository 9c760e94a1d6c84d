//! `carmine bench --commerce`: the shop on an imported community (or the demo).
//!
//! - product page JSON and HTML, over many products in turn, and the store page of
//!   the most-tagged product's store, each against `/healthz` on the same server;
//! - "notes about this product" (the first page, JSON) for the most-tagged products;
//! - product search: queries drawn from the dataset's product titles, through
//!   Carmine's engine in this process (filters, sort, ids) against raw tantivy on the
//!   same index and analyzed terms (the ceiling), and through HTTP.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

use carmine_core::Clock;
use carmine_core::id::IdGenerator;
use carmine_search::analyzer::Mode;
use carmine_search::products::ProductQuery;
use carmine_search::{Analyzer, SearchIndex};
use carmine_store::dataset::{self, Kind};
use carmine_store::{Db, DbOptions};

use crate::bench::{BenchArgs, Connection, compare, saturate};
use crate::bench_search::{encode, measure, summarize};

/// Products whose pages are read in turn.
const PAGES: usize = 200;
/// Queries measured, in turn.
const QUERIES: usize = 200;

/// What the bench reads: local product ids (most tagged first), the store of the
/// first, and query texts.
struct Shop {
    products: Vec<String>,
    store_handle: String,
    queries: Vec<String>,
    /// Notes tagging the first product, in the dataset.
    top_tagged: usize,
}

fn lines(path: &Path) -> Result<Vec<serde_json::Value>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    std::io::BufReader::new(file)
        .lines()
        .map(|line| serde_json::from_str(&line.map_err(|e| e.to_string())?).map_err(|e| e.to_string()))
        .collect()
}

/// The dataset's most tagged active products (mapped to their local ids through the
/// import's id map), their store's handle, and queries from the product titles.
async fn from_dataset(args: &BenchArgs, dir: &Path) -> Result<Shop, String> {
    let products = lines(&dir.join("products.jsonl"))?;
    let mut tagged: HashMap<String, usize> = HashMap::new();
    for record in lines(&dir.join("product_tags.jsonl"))? {
        for tag in record["tags"].as_array().into_iter().flatten() {
            *tagged.entry(tag["product"].as_str().unwrap_or_default().to_owned()).or_default() += 1;
        }
    }
    let mut active: Vec<&serde_json::Value> = products.iter().filter(|p| p["status"] == "active").collect();
    active.sort_by_key(|p| std::cmp::Reverse(tagged.get(p["id"].as_str().unwrap_or_default()).copied().unwrap_or(0)));
    let options = match &args.database_url {
        Some(url) => DbOptions::new(url.clone()),
        None => DbOptions::sqlite_in(&args.data_dir),
    };
    let db = Db::connect(&options, Arc::new(IdGenerator::new(9)), Clock::System).await?;
    let mut conn = db.reader().await.map_err(|e| e.to_string())?;
    let mut ids = Vec::new();
    for product in active.iter().take(PAGES) {
        let external = product["id"].as_str().unwrap_or_default();
        let local = dataset::local_id(&mut conn, Kind::Product, external).await.map_err(|e| e.to_string())?;
        ids.push(local.ok_or_else(|| format!("product {external} was not imported"))?.to_string());
    }
    let first = active.first().ok_or("the dataset has no active products")?;
    let store = first["store"].as_str().unwrap_or_default();
    let stores = lines(&dir.join("stores.jsonl"))?;
    let organization = stores.iter().find(|s| s["id"] == store).map(|s| s["organization"].clone()).unwrap_or_default();
    let orgs = lines(&dir.join("organizations.jsonl"))?;
    let handle = orgs.iter().find(|o| o["id"] == organization).and_then(|o| o["handle"].as_str()).unwrap_or_default();
    // Queries: a title's words without its serial number, then a single word, in turn.
    let mut queries = Vec::new();
    for product in products.iter().step_by((products.len() / QUERIES).max(1)).take(QUERIES) {
        let title = product["title"].as_str().unwrap_or_default();
        let words: Vec<&str> = title.split_whitespace().filter(|w| !w.chars().all(|c| c.is_ascii_digit())).collect();
        let query =
            if queries.len() % 2 == 0 { words.join(" ") } else { words.first().copied().unwrap_or("").to_owned() };
        if !query.is_empty() {
            queries.push(query);
        }
    }
    drop(conn); // closing waits for every connection to come back
    db.close().await;
    Ok(Shop {
        top_tagged: tagged.get(first["id"].as_str().unwrap_or_default()).copied().unwrap_or(0),
        products: ids,
        store_handle: handle.to_owned(),
        queries,
    })
}

/// The demo's products (through the listing) and queries from their titles.
async fn from_demo(addr: &str) -> Result<Shop, String> {
    let mut connection = Connection::open(addr).await;
    let reply = connection.request("GET", "/api/v1/products?limit=50", "", "").await;
    let listing: serde_json::Value = serde_json::from_slice(&reply.body).map_err(|e| e.to_string())?;
    let items = listing["items"].as_array().cloned().unwrap_or_default();
    let first = items.first().ok_or("the demo lists no products")?;
    let products: Vec<String> = items.iter().filter_map(|p| p["id"].as_str().map(str::to_owned)).collect();
    let queries = items
        .iter()
        .filter_map(|p| p["title"].as_str())
        .map(|t| t.split_whitespace().next().unwrap_or(t).to_owned())
        .collect();
    Ok(Shop {
        store_handle: first["store"]["handle"].as_str().unwrap_or_default().to_owned(),
        products,
        queries,
        top_tagged: 0,
    })
}

pub async fn run(args: &BenchArgs, addr: &str) -> Result<(), String> {
    let shop = match &args.dataset {
        Some(dir) => from_dataset(args, dir).await?,
        None => from_demo(addr).await?,
    };
    let backend = if args.database_url.is_some() { "PostgreSQL" } else { "SQLite" };
    println!(
        "\n### The shop on {backend} ({} rounds of {} s, {} connections; latency at {} req/s)\n",
        args.rounds, args.seconds, args.connections, args.rate
    );
    println!("| route | req/s | ceiling req/s | ratio (median) | p50 ms | p99 ms | ceiling p50 | ceiling p99 |");
    println!("|---|---|---|---|---|---|---|---|");
    let json: Vec<String> = shop.products.iter().map(|id| format!("/api/v1/products/{id}")).collect();
    let html: Vec<String> = shop.products.iter().map(|id| format!("/products/{id}")).collect();
    let n = shop.products.len();
    compare(addr, args, &format!("product JSON ({n} products in turn)"), &json, &[], args.rate).await;
    compare(addr, args, &format!("product HTML ({n} products in turn)"), &html, &[], args.rate).await;
    let store = [format!("/o/{}/store", shop.store_handle)];
    compare(addr, args, "store page HTML (the most tagged product's store)", &store, &[], args.rate).await;
    let about: Vec<String> =
        shop.products.iter().take(20).map(|id| format!("/api/v1/products/{id}/notes?limit=20")).collect();
    let name = format!("notes about a product, first 20 (the 20 most tagged; the first in {} notes)", shop.top_tagged);
    compare(addr, args, &name, &about, &[], args.rate).await;

    // Product search in process against raw tantivy on the same index.
    let search_dir = args.data_dir.join("search");
    let dictionary = carmine_search::SearchConfig::dictionary_path(&search_dir);
    let analyzer = Analyzer::new(&std::fs::read_to_string(dictionary).unwrap_or_default());
    let index_dir = carmine_search::SearchConfig::index_path(&search_dir);
    let index = SearchIndex::open_for_reading(&index_dir, analyzer.clone()).map_err(|e| e.to_string())?;
    let terms: Vec<Vec<String>> = shop.queries.iter().map(|q| analyzer.terms(q, Mode::Query)).collect();
    let found: usize = terms.iter().map(|t| index.raw_product_top(t, 20).map_or(0, |d| d.len())).sum();
    let (mut raw_rows, mut engine_rows) = (Vec::new(), Vec::new());
    for _ in 0..args.rounds {
        raw_rows.push(tokio::task::block_in_place(|| {
            measure(&terms, args.seconds, |t| {
                index.raw_product_top(t, 20).expect("raw tantivy");
            })
        }));
        engine_rows.push(tokio::task::block_in_place(|| {
            measure(&shop.queries, args.seconds, |q| {
                let query = ProductQuery { text: q.clone(), limit: 20, ..ProductQuery::default() };
                index.products(&query).expect("engine");
            })
        }));
    }
    let (raw_qps, raw_p50, raw_p99) = summarize(&raw_rows);
    let (engine_qps, engine_p50, engine_p99) = summarize(&engine_rows);
    println!(
        "\n### Product search ({} queries from product titles in turn, {found} hits at 20 per query; {} rounds of {} s)\n",
        shop.queries.len(),
        args.rounds,
        args.seconds
    );
    println!("| path | queries/s | p50 ms | p99 ms | ratio to raw tantivy (queries/s) |");
    println!("|---|---|---|---|---|");
    println!(
        "| raw tantivy `Searcher` on product documents, top 20 by BM25 (ceiling) | {raw_qps:.0} | {raw_p50:.3} | {raw_p99:.3} | 1 |"
    );
    println!(
        "| Carmine's product search in process (analysis, chars fallback, relaxation, count) | {engine_qps:.0} | {engine_p50:.3} | {engine_p99:.3} | {:.3} |",
        engine_qps / raw_qps
    );
    let paths: Vec<String> =
        shop.queries.iter().map(|q| format!("/api/v1/search/products?limit=20&q={}", encode(q))).collect();
    let capacity = saturate(addr, &paths, &[], args.connections, args.seconds).await;
    let rate = ((capacity * 0.4) as u64).clamp(5, args.rate);
    println!("\nThrough HTTP (latency at {rate} req/s, 40 % of a first saturation run):\n");
    println!("| route | req/s | ceiling req/s | ratio (median) | p50 ms | p99 ms | ceiling p50 | ceiling p99 |");
    println!("|---|---|---|---|---|---|---|---|");
    let (http_rps, _, http_p99) =
        compare(addr, args, "GET /api/v1/search/products (a visitor)", &paths, &[], rate).await;
    println!(
        "\nHTTP product search against raw tantivy: {:.3} of its queries/s; p99 {http_p99:.2} ms against {raw_p99:.3} ms.",
        http_rps / raw_qps
    );
    Ok(())
}
