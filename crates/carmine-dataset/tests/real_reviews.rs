//! Real shopping reviews (the `chinese-reviews` dataset, docs/real-data.md) as the
//! reviews of imported orders, on both backends: each is kept exactly as trimmed or
//! refused by the review form's rule, counts in its product's rating, and comes back
//! unchanged from `carmine export`.

use std::collections::BTreeMap;
use std::path::Path;

use carmine_dataset::{ImportOptions, export, import};
use carmine_media::{Media, MediaConfig, MediaStorage};
use carmine_store::testing::{TEST_START, TestDb, real_dataset};
use carmine_store::{dataset, reviews};
use serde_json::json;

carmine_store::both_backends!(real_reviews_are_kept_exactly_rated_and_exported_unchanged);

const BUYERS: usize = 400;
const PRODUCTS: usize = 20;

/// 200 positive and 200 negative reviews spread over the files, with their ratings.
fn sample() -> Option<Vec<(String, i64)>> {
    let dir = real_dataset("CARMINE_DATASET_CHINESE_REVIEWS", "chinese-reviews")?;
    let mut chosen = Vec::new();
    for (file, rating) in [("pos.txt", 5), ("neg.txt", 2)] {
        let text = std::fs::read_to_string(dir.join(file)).expect("the reviews are UTF-8 text");
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let step = lines.len() / (BUYERS / 2);
        chosen.extend(lines.iter().step_by(step).take(BUYERS / 2).map(|l| (l.to_string(), rating)));
    }
    assert_eq!(chosen.len(), BUYERS);
    Some(chosen)
}

/// The review form's rule: at most 1,000 characters once trimmed, no control
/// characters but line breaks and tabs.
fn fits(body: &str) -> bool {
    let body = body.trim();
    body.chars().count() <= 1_000 && !body.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
}

fn write(dir: &Path, reviews: &[(String, i64)]) {
    std::fs::create_dir_all(dir).unwrap();
    let at = |hours: i64| TEST_START.plus_seconds(hours * 3_600 - 30 * 86_400).to_rfc3339();
    let lines = |records: Vec<serde_json::Value>| records.iter().map(|r| format!("{r}\n")).collect::<String>();
    let mut members: Vec<serde_json::Value> = (0..BUYERS)
        .map(|n| json!({ "id": format!("r{n}"), "username": format!("reviewer{n}"), "created_at": at(0) }))
        .collect();
    members.push(json!({ "id": "owner", "username": "review_shop_owner", "created_at": at(0) }));
    std::fs::write(dir.join("members.jsonl"), lines(members)).unwrap();
    std::fs::write(
        dir.join("organizations.jsonl"),
        lines(vec![json!({ "id": "org", "handle": "review_shop", "name": "好评小店", "kind": "merchant", "owner": "owner", "created_at": at(0) })]),
    )
    .unwrap();
    std::fs::write(
        dir.join("stores.jsonl"),
        lines(vec![json!({ "id": "store", "organization": "org", "name": "好评小店", "store_type": "authorised_reseller", "shipping_templates": [{ "name": "包邮", "default_fee": 0 }], "warehouses": ["主仓"], "created_at": at(0) })]),
    )
    .unwrap();
    let products = (0..PRODUCTS)
        .map(|n| json!({ "id": format!("p{n}"), "store": "store", "category": "602", "title": format!("好物 {n}"), "variants": [{ "code": format!("P{n}"), "price": 5_000, "stock": [100] }], "created_at": at(1) }))
        .collect();
    std::fs::write(dir.join("products.jsonl"), lines(products)).unwrap();
    let orders = reviews
        .iter()
        .enumerate()
        .map(|(n, (body, rating))| {
            let product = n % PRODUCTS;
            json!({
                "id": format!("o{n}"), "buyer": format!("r{n}"), "store": "store", "status": "settled",
                "address": { "recipient": "买家", "phone": "13900139000", "region": "CN-BJ", "detail": "海淀区 1 号" },
                "lines": [{ "product": format!("p{product}"), "variant": format!("P{product}"), "quantity": 1, "unit_price": 5_000,
                            "review": { "rating": rating, "body": body, "created_at": at(100) } }],
                "carrier": "sf", "tracking_no": format!("SF{n}"),
                "placed_at": at(10), "paid_at": at(10), "shipped_at": at(20), "received_at": at(70), "settled_at": at(90),
            })
        })
        .collect();
    std::fs::write(dir.join("orders.jsonl"), lines(orders)).unwrap();
    let manifest = json!({ "format": "carmine-dataset", "version": 1, "created_at": at(0), "source": "real reviews" });
    std::fs::write(dir.join("manifest.json"), manifest.to_string()).unwrap();
}

async fn real_reviews_are_kept_exactly_rated_and_exported_unchanged(t: TestDb) {
    let Some(reviews_sample) = sample() else { return };
    let data = tempfile::tempdir().unwrap();
    let media_dir = tempfile::tempdir().unwrap();
    write(data.path(), &reviews_sample);
    let media = Media::new(t.db.clone(), MediaConfig::default(), MediaStorage::new(media_dir.path()));
    let report = import(&t.db, &media, data.path(), &ImportOptions::default()).await.unwrap();
    let misfits = reviews_sample.iter().filter(|(body, _)| !fits(body)).count();
    assert_eq!(report.rejected() as usize, misfits, "only reviews the form would refuse: {:?}", report.errors);
    assert!(report.errors.iter().all(|e| e.contains("body")), "{:?}", report.errors);

    // Every kept review's text is the review as written (trimmed), and counts in its
    // product's rating.
    let mut expected: BTreeMap<usize, Vec<(String, i64)>> = BTreeMap::new();
    for (n, (body, rating)) in reviews_sample.iter().enumerate().filter(|(_, (body, _))| fits(body)) {
        expected.entry(n % PRODUCTS).or_default().push((body.trim().to_owned(), *rating));
    }
    let mut conn = t.db.reader().await.unwrap();
    for (product, wanted) in &expected {
        let id = dataset::local_id(&mut conn, dataset::Kind::Product, &format!("p{product}")).await.unwrap().unwrap();
        let mut kept: Vec<(String, i64)> = reviews::of_product(&mut conn, id, None, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.body, r.rating))
            .collect();
        let mut wanted = wanted.clone();
        kept.sort();
        wanted.sort();
        assert_eq!(kept, wanted, "product p{product}");
        let (count, sum) = reviews::product_rating(&mut conn, id).await.unwrap();
        assert_eq!((count, sum), (wanted.len() as i64, wanted.iter().map(|w| w.1).sum::<i64>()));
    }
    drop(conn);

    // Exported, the reviews read exactly as imported.
    let out = tempfile::tempdir().unwrap();
    let exported = out.path().join("export");
    export(&t.db, &media, &exported, false).await.unwrap();
    let text = std::fs::read_to_string(exported.join("orders.jsonl")).unwrap();
    let mut bodies: Vec<String> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter_map(|o| o["lines"][0]["review"]["body"].as_str().map(str::to_owned))
        .collect();
    let mut wanted: Vec<String> =
        reviews_sample.iter().filter(|(body, _)| fits(body)).map(|(body, _)| body.trim().to_owned()).collect();
    bodies.sort();
    wanted.sort();
    assert_eq!(bodies, wanted);
}
