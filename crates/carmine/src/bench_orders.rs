//! `carmine bench --orders`: checkout and settlement, in process (no HTTP).
//!
//! A fresh database (SQLite in the data directory, or `--database-url`) gets, through
//! `carmine import`, 2,000 buyers and one store selling a hot product (10 million
//! units), 1,000 other products and a product the ceiling spends. Each buyer gets an
//! address through the orders service. Each round interleaves, for `--seconds` each:
//! - the ceiling: the bare conditional stock `UPDATE` checkout rests on
//!   (`reserved + 1` within `on_hand`, one per committed transaction) from
//!   `--connections` concurrent tasks on one stock row;
//! - checkouts of the hot product from as many tasks, each its own buyer: put one
//!   unit in the cart, then `Orders::checkout` under an idempotency key with the
//!   sandbox provider's instant success — reserve, order group, order and line, the
//!   payment through the ledger into the commerce escrow, outbox events;
//! - the same spread over the 1,000 products.
//!
//! Then the latency of one checkout (1,000 products) at a fixed offered load, and
//! settlement: 1,000 of the paid orders are shipped and received (settling at once:
//! the bench sets the settlement delay to 0), then settled by `orders.settle`'s own
//! loop, 200 per transaction. Ratios are medians over the rounds.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use carmine_accounts::{AccountsConfig, Caller, Credential};
use carmine_core::Id;
use carmine_ledger::IdempotencyKey;
use carmine_media::{Media, MediaConfig, MediaStorage};
use carmine_notes::NotesConfig;
use carmine_orders::{AddressInput, CheckoutInput, Orders, ShipInput};
use carmine_store::Db;
use carmine_store::dataset::{self, Kind};
use carmine_web::{Services, ServicesConfig};
use serde_json::json;

use crate::bench::{BenchArgs, median};

const BUYERS: usize = 2_000;
const PRODUCTS: usize = 1_000;
/// Checkouts offered per second for the latency measurement.
const OFFERED: u64 = 50;
const SETTLED: usize = 1_000;
const PRICE: i64 = 1_990;

/// One buyer's checkout of one unit of `sku`, as the API makes it.
async fn checkout(orders: &Orders, (buyer, address_id): (Id, Id), sku: Id, n: u64) -> Id {
    orders.put_in_cart(buyer, sku, 1, false).await.expect("a unit in the cart");
    let input = CheckoutInput {
        address_id,
        sku_ids: vec![sku],
        method: "sandbox_success".to_owned(),
        expected_total_minor: PRICE,
        coupon_ids: None,
    };
    let key = IdempotencyKey::new(buyer, &format!("bench-{n}"), "checkout", b"{}").expect("a valid key");
    let placed = orders.checkout(buyer, &[], &input, &key, "/orders").await.expect("a checkout");
    assert_eq!(placed.payment.status, "succeeded");
    placed.group_id
}

struct Shop {
    orders: Orders,
    buyers: Vec<(Id, Id)>,
    hot: Id,
    skus: Vec<Id>,
    next: Arc<AtomicU64>,
    /// The first paid order groups, for settlement: (buyer, group).
    placed: Arc<Mutex<Vec<(Id, Id)>>>,
}

impl Shop {
    fn sku(&self, hot: bool, n: u64) -> Id {
        if hot { self.hot } else { self.skus[(n.wrapping_mul(2_654_435_761) % self.skus.len() as u64) as usize] }
    }

    fn keep(&self, buyer: Id, group: Id) {
        let mut placed = self.placed.lock().expect("not poisoned");
        if placed.len() < SETTLED {
            placed.push((buyer, group));
        }
    }

    /// Checkouts per second from `tasks` tasks, each its own buyer, for `seconds`.
    async fn saturate(self: &Arc<Self>, tasks: usize, seconds: u64, hot: bool) -> f64 {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let started = Instant::now();
        let mut handles = Vec::new();
        for task in 0..tasks {
            let shop = self.clone();
            handles.push(tokio::spawn(async move {
                let buyer = shop.buyers[task % shop.buyers.len()];
                let mut done = 0u64;
                while Instant::now() < deadline {
                    let n = shop.next.fetch_add(1, Ordering::Relaxed);
                    let group = checkout(&shop.orders, buyer, shop.sku(hot, n), n).await;
                    shop.keep(buyer.0, group);
                    done += 1;
                }
                done
            }));
        }
        let mut total = 0;
        for handle in handles {
            total += handle.await.expect("a checkout task");
        }
        total as f64 / started.elapsed().as_secs_f64()
    }

    /// p50 and p99 milliseconds of one checkout when `rate` arrive per second, each
    /// from the next buyer.
    async fn latency(self: &Arc<Self>, rate: u64, seconds: u64) -> (f64, f64) {
        let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let mut handles = Vec::new();
        let mut turn = 0;
        while Instant::now() < deadline {
            ticker.tick().await;
            let shop = self.clone();
            let buyer = shop.buyers[turn % shop.buyers.len()];
            turn += 1;
            handles.push(tokio::spawn(async move {
                let n = shop.next.fetch_add(1, Ordering::Relaxed);
                let started = Instant::now();
                checkout(&shop.orders, buyer, shop.sku(false, n), n).await;
                started.elapsed().as_secs_f64() * 1_000.0
            }));
        }
        let mut times = Vec::new();
        for handle in handles {
            times.push(handle.await.expect("a timed checkout"));
        }
        crate::bench::p50_p99(&mut times)
    }
}

/// The bench's community as a dataset: buyers, a shop owner, one store, the hot
/// product, the ceiling's product and 1,000 more, each with plenty on hand.
fn write_dataset(dir: &Path) -> Result<(), String> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let at = "2026-01-01T00:00:00Z";
    let lines = |records: Vec<serde_json::Value>| records.iter().map(|r| format!("{r}\n")).collect::<String>();
    let write = |file: &str, text: String| std::fs::write(dir.join(file), text).map_err(|e| e.to_string());
    let mut members: Vec<serde_json::Value> = (0..BUYERS)
        .map(|n| json!({ "id": format!("b{n}"), "username": format!("buyer{n}"), "created_at": at }))
        .collect();
    members.push(json!({ "id": "owner", "username": "bench_owner", "created_at": at }));
    write("members.jsonl", lines(members))?;
    write(
        "organizations.jsonl",
        lines(vec![
            json!({ "id": "org", "handle": "bench_shop", "name": "压测小店 Bench shop", "kind": "merchant", "owner": "owner", "created_at": at }),
        ]),
    )?;
    write(
        "stores.jsonl",
        lines(vec![json!({
            "id": "store", "organization": "org", "name": "压测小店", "store_type": "authorised_reseller",
            "shipping_templates": [{ "name": "包邮", "default_fee": 0 }], "warehouses": ["主仓"], "created_at": at,
        })]),
    )?;
    let product = |id: String, units: i64| {
        json!({
            "id": id, "store": "store", "category": "602", "title": format!("茶 Tea {id}"), "affiliate_bps": 500,
            "variants": [{ "code": id, "price": PRICE, "stock": [units] }], "created_at": at,
        })
    };
    let mut products = vec![product("hot".to_owned(), 10_000_000), product("ceiling".to_owned(), 10_000_000)];
    products.extend((0..PRODUCTS).map(|n| product(format!("p{n}"), 1_000_000)));
    write("products.jsonl", lines(products))?;
    let manifest =
        json!({ "format": "carmine-dataset", "version": 1, "created_at": at, "source": "carmine bench --orders" });
    write("manifest.json", manifest.to_string())
}

async fn sku_of(db: &Db, product: &str) -> Result<Id, String> {
    let mut conn = db.reader().await.map_err(|e| e.to_string())?;
    let id = dataset::local_id(&mut conn, Kind::Product, product).await.map_err(|e| e.to_string())?.ok_or("lost")?;
    let skus = carmine_store::products::skus(&mut conn, id).await.map_err(|e| e.to_string())?;
    Ok(skus.first().ok_or("no variant")?.id)
}

pub async fn run(args: &BenchArgs) -> Result<(), String> {
    let (db, backend) = crate::bench::fresh_db(args, "bench-orders.db", 9).await?;
    let dataset_dir = args.data_dir.join("bench-orders-dataset");
    write_dataset(&dataset_dir)?;
    let storage = MediaStorage::new(args.data_dir.join("bench-orders-media"));
    let media = Media::new(db.clone(), MediaConfig::default(), storage.clone());
    let imported =
        carmine_dataset::import(&db, &media, &dataset_dir, &carmine_dataset::ImportOptions::default()).await?;
    if imported.rejected() > 0 {
        return Err(format!("the bench's dataset was refused: {:?}", imported.errors));
    }
    let mut config = ServicesConfig::new(AccountsConfig::default(), NotesConfig::default());
    config.payments_test_mode = true;
    config.orders.settle_days = 0;
    config.orders.settle_days_fast = 0;
    let orders_config = config.orders.clone();
    let services = Services::open(db.clone(), storage, config).await.map_err(|e| e.to_string())?;
    let orders = services.orders.clone();

    let mut buyers = Vec::with_capacity(BUYERS);
    for n in 0..BUYERS {
        let mut conn = db.reader().await.map_err(|e| e.to_string())?;
        let buyer = dataset::local_id(&mut conn, Kind::Actor, &format!("b{n}")).await.map_err(|e| e.to_string())?;
        drop(conn);
        let buyer = buyer.ok_or("a buyer was not imported")?;
        let address = AddressInput {
            recipient: "林小红".into(),
            phone: "13800138000".into(),
            region: "CN-ZJ".into(),
            detail: "西湖区文三路 90 号".into(),
            is_default: true,
        };
        buyers.push((buyer, orders.add_address(buyer, &address).await.map_err(|e| e.to_string())?.id));
    }
    let mut skus = Vec::with_capacity(PRODUCTS);
    for n in 0..PRODUCTS {
        skus.push(sku_of(&db, &format!("p{n}")).await?);
    }
    let ceiling_sku = sku_of(&db, "ceiling").await?;
    let warehouse = {
        let mut conn = db.reader().await.map_err(|e| e.to_string())?;
        let store =
            dataset::local_id(&mut conn, Kind::Store, "store").await.map_err(|e| e.to_string())?.ok_or("lost")?;
        carmine_store::stores::warehouses(&mut conn, store).await.map_err(|e| e.to_string())?[0].id
    };
    let shop = Arc::new(Shop {
        orders: orders.clone(),
        buyers,
        hot: sku_of(&db, "hot").await?,
        skus,
        next: Arc::new(AtomicU64::new(0)),
        placed: Arc::new(Mutex::new(Vec::new())),
    });

    let (mut ceilings, mut hot, mut spread, mut hot_ratio, mut spread_ratio) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..args.rounds {
        let ceiling = carmine_store::ceiling::conditional_stock_updates(
            &db,
            ceiling_sku,
            warehouse,
            args.connections,
            args.seconds as f64,
        )
        .await
        .map_err(|e| e.to_string())?;
        let h = shop.saturate(args.connections, args.seconds, true).await;
        let s = shop.saturate(args.connections, args.seconds, false).await;
        hot_ratio.push(h / ceiling);
        spread_ratio.push(s / ceiling);
        ceilings.push(ceiling);
        hot.push(h);
        spread.push(s);
    }
    let (p50, p99) = shop.latency(OFFERED, args.seconds.max(5)).await;

    // Settlement: ship and receive the first paid orders, then settle them as the job does.
    let org = {
        let mut conn = db.reader().await.map_err(|e| e.to_string())?;
        dataset::local_id(&mut conn, Kind::Actor, "owner").await.map_err(|e| e.to_string())?.ok_or("lost")?
    };
    let owner = Caller {
        user_id: org,
        username: "bench_owner".to_owned(),
        display_name: String::new(),
        is_admin: false,
        credential: Credential::ApiToken { token_id: Id::from_i64(0) },
        locale: None,
        avatar_url: None,
    };
    let placed = shop.placed.lock().expect("not poisoned").clone();
    let mut ready = 0;
    for (n, (buyer, group)) in placed.iter().enumerate() {
        let mut conn = db.reader().await.map_err(|e| e.to_string())?;
        let group_orders = carmine_store::orders::group_orders(&mut conn, *group).await.map_err(|e| e.to_string())?;
        drop(conn);
        for order in group_orders {
            let shipment = ShipInput { carrier: "sf".to_owned(), tracking_no: format!("SF{n}") };
            orders.ship(&owner, order.store_id, order.id, &shipment).await.map_err(|e| e.to_string())?;
            orders.confirm_receipt(*buyer, order.id).await.map_err(|e| e.to_string())?;
            ready += 1;
        }
    }
    let started = Instant::now();
    let mut settled = 0;
    loop {
        let mut tx = db.begin().await.map_err(|e| e.to_string())?;
        let done =
            carmine_orders::settlement::settle_due(&mut tx, &orders_config, 200).await.map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())?;
        settled += done;
        if done == 0 {
            break;
        }
    }
    let settle_rate = settled as f64 / started.elapsed().as_secs_f64();

    println!(
        "\n### Checkout on {backend} ({} rounds of {} s, {} concurrent buyers, in process)\n",
        args.rounds, args.seconds, args.connections
    );
    println!("| what | per second (median) | ÷ ceiling |");
    println!("|---|---|---|");
    println!("| ceiling: bare conditional stock UPDATE, one per commit, one row | {:.0} | |", median(&mut ceilings));
    println!(
        "| checkouts of one hot product (cart, reserve, order, sandbox payment into escrow) | {:.0} | {:.3} |",
        median(&mut hot),
        median(&mut hot_ratio)
    );
    println!(
        "| checkouts spread over {PRODUCTS} products | {:.0} | {:.3} |",
        median(&mut spread),
        median(&mut spread_ratio)
    );
    println!(
        "\nOne checkout ({PRODUCTS} products) at {OFFERED} checkouts/s offered: p50 {p50:.1} ms, p99 {p99:.1} ms."
    );
    println!(
        "Settlement (`orders.settle`, 200 per transaction): {settled} of {ready} orders at {settle_rate:.0} orders/s."
    );
    crate::bench::print_books(&db).await?;
    db.close().await;
    Ok(())
}
