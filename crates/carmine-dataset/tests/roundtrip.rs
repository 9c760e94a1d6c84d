//! Import and export on both backends: exact counts, bad records reported by file and
//! line without stopping the rest, re-runs that add nothing, statistics rebuilt from
//! the imported history, and export → import across backends.

use std::path::Path;

use carmine_dataset::format::{self, FILES};
use carmine_dataset::{ImportOptions, export, import};
use carmine_events::{DataPlane, DataPlaneConfig};
use carmine_media::{Media, MediaConfig, MediaStorage};
use carmine_store::testing::{TEST_START, TestDb};
use carmine_store::{Backend, Db, dataset, stats, users};
use serde_json::json;

carmine_store::both_backends!(
    a_dataset_imports_exactly_and_a_rerun_adds_nothing,
    strict_imports_stop_at_the_first_bad_record,
    statistics_rebuild_from_imported_history,
    export_then_import_into_the_other_backend_round_trips,
);

fn media(db: &Db, dir: &Path) -> Media {
    Media::new(db.clone(), MediaConfig::default(), MediaStorage::new(dir))
}

fn at(hours: i64) -> String {
    TEST_START.plus_seconds(hours * 3600 - 30 * 24 * 3600).to_rfc3339()
}

fn address(region: &str) -> serde_json::Value {
    json!({ "recipient": "王美美", "phone": "138 0013 8000", "region": region, "detail": "长宁区愚园路 1 号 2 室" })
}

/// Writes a small dataset (with `extra` bad lines appended to some files).
fn write_dataset(dir: &Path, with_bad_records: bool) {
    std::fs::create_dir_all(dir.join("images")).unwrap();
    std::fs::write(dir.join("images/tea.png"), carmine_media::fixtures::png(120, 160)).unwrap();
    let manifest = json!({ "format": "carmine-dataset", "version": 1, "created_at": at(0), "source": "test" });
    std::fs::write(dir.join("manifest.json"), manifest.to_string()).unwrap();
    let mut files: Vec<(&str, Vec<serde_json::Value>)> = vec![
        (
            "members.jsonl",
            vec![
                json!({ "id": "u1", "username": "lanlan", "display_name": "蓝蓝", "password_hash": "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo", "demographics": { "birth_year": 1998, "gender": "female", "city": "上海" }, "created_at": at(1) }),
                json!({ "id": "u2", "username": "meimei", "created_at": at(2) }),
                json!({ "id": "u3", "username": "visitor_3", "bio": "hi", "created_at": at(3) }),
            ],
        ),
        (
            "organizations.jsonl",
            vec![
                json!({ "id": "o1", "handle": "lan_tea", "name": "蓝茶 Lan Tea", "kind": "brand", "owner": "u1", "members": [{ "member": "u2", "role": "staff" }], "created_at": at(4) }),
                json!({ "id": "o2", "handle": "mei_shop", "name": "Mei Shop", "kind": "merchant", "owner": "u3", "created_at": at(4) }),
            ],
        ),
        (
            "stores.jsonl",
            vec![
                json!({ "id": "s1", "organization": "o1", "name": "蓝茶旗舰店", "store_type": "brand_official", "logo": "images/tea.png", "return_policy": "七天无理由", "shipping_templates": [{ "name": "包邮", "default_fee": 0 }, { "name": "偏远地区", "default_fee": 800, "free_over": 9900, "fees": { "CN-XZ": null, "CN-XJ": 2000 } }], "warehouses": ["上海仓", "Hangzhou"], "created_at": at(4) }),
                json!({ "id": "s2", "organization": "o2", "name": "Mei Shop 海外购", "store_type": "cross_border", "return_days": 0, "shipping_templates": [{ "name": "Standard", "default_fee": 1000 }], "warehouses": ["Bonded"], "suspended": "counterfeit reports", "created_at": at(4) }),
            ],
        ),
        (
            "products.jsonl",
            vec![
                json!({ "id": "p1", "store": "s1", "category": "602", "title": "明前龙井 Longjing", "brand": "蓝茶", "attributes": [["产地", "杭州"]], "options": [{ "name": "规格", "values": ["50g", "100g"] }, { "name": "包装", "values": ["罐装", "袋装"] }], "variants": [{ "options": ["50g", "罐装"], "code": "LJ-50", "price": 8800, "compare_at": 9900, "weight_grams": 80, "stock": [10, 5] }, { "options": ["100g", "袋装"], "code": "LJ-100", "price": 15800, "stock": [3] }], "images": ["images/tea.png"], "shipping_template": 1, "affiliate_bps": 500, "currency": "CNY", "created_at": at(5) }),
                json!({ "id": "p2", "store": "s1", "category": "602", "title": "Draft tea", "variants": [{ "price": 100 }], "status": "draft", "created_at": at(5) }),
                json!({ "id": "p3", "store": "s2", "category": "203", "title": "Eau de Parfum", "variants": [{ "price": 59900 }], "images": ["images/tea.png"], "returnable": false, "cross_border": { "origin_country": "FR", "trade_mode": "bonded_warehouse", "hs_code": "330300", "declared_value": 40000, "certificate": "images/tea.png", "certificate_status": "verified" }, "created_at": at(5) }),
                json!({ "id": "p4", "store": "s1", "category": "602", "title": "Old tea", "variants": [{ "price": 500 }], "images": ["images/tea.png"], "status": "archived", "created_at": at(5) }),
            ],
        ),
        (
            "follows.jsonl",
            vec![
                json!({ "follower": "u2", "followee": "u1", "created_at": at(5) }),
                json!({ "follower": "u3", "followee": "o1", "created_at": at(5) }),
            ],
        ),
        (
            "notes.jsonl",
            vec![
                json!({ "id": "n1", "author": "u1", "title": "早安", "body": "第一杯茶 #早安 @meimei", "images": ["images/tea.png"], "created_at": at(6), "published_at": at(6) }),
                json!({ "id": "n2", "author": "o1", "posted_by": "u2", "title": "New tea", "topics": ["tea"], "created_at": at(7), "published_at": at(7) }),
                json!({ "id": "n3", "author": "u2", "title": "draft", "created_at": at(8) }),
            ],
        ),
        (
            "product_tags.jsonl",
            vec![
                json!({ "note": "n1", "tags": [{ "product": "p1", "pin": { "image": 0, "x": 300, "y": 600 } }, { "product": "p4" }], "created_at": at(6) }),
                json!({ "note": "n2", "tags": [{ "product": "p1" }], "created_at": at(7) }),
            ],
        ),
        (
            "orders.jsonl",
            vec![
                json!({ "id": "o-1", "buyer": "u2", "store": "s1", "status": "settled", "address": address("CN-SH"), "lines": [{ "product": "p1", "variant": "LJ-50", "quantity": 2, "unit_price": 8800, "discount": 500, "note": "n1", "review": { "rating": 5, "body": "好喝,回购 fresh and bright", "created_at": at(20) } }], "carrier": "sf", "tracking_no": "SF1001", "placed_at": at(12), "paid_at": at(12), "shipped_at": at(14), "received_at": at(18), "settled_at": at(19) }),
                json!({ "id": "o-2", "buyer": "u3", "store": "s1", "status": "cancelled", "address": address("CN-XJ"), "lines": [{ "product": "p1", "variant": "LJ-100", "quantity": 1, "unit_price": 15800 }], "shipping": 2000, "placed_at": at(13) }),
            ],
        ),
        (
            "comments.jsonl",
            vec![
                json!({ "id": "c1", "note": "n1", "author": "u2", "body": "好看!", "created_at": at(9) }),
                json!({ "id": "c2", "note": "n1", "author": "u1", "parent": "c1", "body": "谢谢", "created_at": at(10) }),
            ],
        ),
        (
            "likes.jsonl",
            vec![
                json!({ "member": "u2", "note": "n1", "created_at": at(9) }),
                json!({ "member": "u3", "note": "n1", "created_at": at(11) }),
                json!({ "member": "u3", "note": "n2", "created_at": at(11) }),
            ],
        ),
        ("saves.jsonl", vec![json!({ "member": "u3", "note": "n1", "created_at": at(12) })]),
        (
            "events.jsonl",
            vec![
                json!({ "id": "e1", "viewer": "u3", "kind": "impression", "note": "n1", "surface": "home", "position": 0, "occurred_at": at(9) }),
                json!({ "id": "e2", "viewer": "u3", "kind": "read", "note": "n1", "surface": "note", "dwell_ms": 8000, "occurred_at": at(9) }),
                json!({ "id": "e1", "kind": "impression", "note": "n2", "surface": "home", "occurred_at": at(10) }),
            ],
        ),
    ];
    for (file, records) in &mut files {
        let mut text: String = records.iter().map(|r| format!("{r}\n")).collect();
        if with_bad_records {
            match *file {
                "members.jsonl" => {
                    text.push_str("{\"id\": \"u4\", \"username\": \n"); // line 4: malformed JSON
                    text.push_str(&format!("{}\n", json!({ "id": "u5", "username": "lanlan", "created_at": at(1) })));
                    text.push_str(&format!(
                        "{}\n",
                        json!({ "id": "u6", "username": "x", "created_at": at(1), "is_admin": true })
                    ));
                }
                "likes.jsonl" => {
                    text.push_str(&format!("{}\n", json!({ "member": "ghost", "note": "n1", "created_at": at(1) })));
                    text.push_str(&format!(
                        "{}\n",
                        json!({ "member": "u2", "note": "n2", "created_at": "2999-01-01T00:00:00Z" })
                    ));
                }
                "events.jsonl" => {
                    text.push_str(&format!(
                        "{}\n",
                        json!({ "id": "e9", "kind": "teleport", "note": "n1", "surface": "home", "occurred_at": at(9) })
                    ));
                }
                "stores.jsonl" => {
                    let store = |id: &str, org: &str| json!({ "id": id, "organization": org, "name": "x", "store_type": "authorised_reseller", "shipping_templates": [{ "name": "t", "default_fee": 0 }], "warehouses": ["w"], "created_at": at(4) });
                    text.push_str(&format!("{}\n", store("s3", "u3"))); // line 3: a member
                    text.push_str(&format!("{}\n", store("s4", "o1"))); // line 4: a second store
                    text.push_str(&format!("{}\n", store("s5", "o9"))); // line 5: unknown
                }
                "products.jsonl" => {
                    let product = |id: &str, extra: serde_json::Value| {
                        let mut p = json!({ "id": id, "store": "s1", "category": "602", "title": "Bad", "variants": [{ "price": 100 }], "images": ["images/tea.png"], "created_at": at(5) });
                        for (k, v) in extra.as_object().unwrap() {
                            p[k] = v.clone();
                        }
                        p
                    };
                    for extra in [
                        json!({ "variants": [{ "price": 0 }] }),                       // 5
                        json!({ "variants": [{ "price": 500, "compare_at": 400 }] }),  // 6
                        json!({ "category": "999999" }),                               // 7
                        json!({ "store": "s2" }),                                      // 8: cross-border store
                        json!({ "variants": [{ "price": 100, "stock": [1, 2, 3] }] }), // 9
                        json!({ "options": [{ "name": "色", "values": ["红"] }], "variants": [{ "options": ["红"], "price": 1 }, { "options": ["红"], "price": 2 }] }), // 10
                        json!({ "variants": [{ "price": 100, "code": "LJ-50" }] }), // 11: p1's code
                        json!({ "currency": "USD" }),                               // 12
                        json!({ "variants": [{ "price": 100, "stock": [-1] }] }),   // 13
                    ] {
                        text.push_str(&format!("{}\n", product(&format!("bad{}", text.lines().count() + 1), extra)));
                    }
                }
                "product_tags.jsonl" => {
                    let tags = |tags: serde_json::Value| json!({ "note": "n3", "tags": tags, "created_at": at(8) });
                    text.push_str(&format!("{}\n", tags(json!([{ "product": "p2" }])))); // 3: a draft
                    text.push_str(&format!(
                        "{}\n",
                        tags(json!([{ "product": "p1", "pin": { "image": 0, "x": 1, "y": 1 } }]))
                    )); // 4
                    text.push_str(&format!("{}\n", tags(json!(vec![json!({ "product": "p1" }); 11])))); // 5
                    text.push_str(&format!(
                        "{}\n",
                        tags(json!([{ "product": "p3", "pin": null }, { "product": "nope" }]))
                    )); // 6
                }
                "orders.jsonl" => {
                    let good = records[0].clone();
                    let bad = |id: &str, change: &dyn Fn(&mut serde_json::Value)| {
                        let mut order = good.clone();
                        order["id"] = json!(id);
                        change(&mut order);
                        format!("{order}\n")
                    };
                    for line in [
                        bad("b3", &|o| o["status"] = json!("shipped")), // 3: in flight
                        bad("b4", &|o| {
                            o.as_object_mut().unwrap().remove("carrier");
                            o.as_object_mut().unwrap().remove("tracking_no");
                        }), // 4
                        bad("b5", &|o| o["lines"][0]["variant"] = json!("NOPE")), // 5
                        bad("b6", &|o| o["buyer"] = json!("u1")),       // 6: the note's writer buys
                        bad("b7", &|o| o["lines"][0]["review"]["rating"] = json!(5)), // 7: reviewed p1 already
                        bad("b8", &|o| o["paid_at"] = json!(at(11))),   // 8
                        bad("b9", &|o| o["address"]["phone"] = json!("12345")), // 9
                        bad("b10", &|o| o["buyer"] = json!("o1")),      // 10: an organization
                        bad("b11", &|o| o["lines"][0]["discount"] = json!(20_000)), // 11: more than it cost
                    ] {
                        text.push_str(&line);
                    }
                }
                "notes.jsonl" => {
                    text.push_str(&format!("{}\n", json!({ "id": "n9", "author": "u1", "title": "x", "images": ["../../etc/passwd"], "created_at": at(6) })));
                }
                _ => {}
            }
        }
        std::fs::write(dir.join(file), text).unwrap();
    }
}

async fn counts(db: &Db) -> Vec<(&'static str, i64)> {
    dataset::counts(&mut db.reader().await.unwrap()).await.unwrap()
}

fn expected_counts() -> Vec<(&'static str, i64)> {
    vec![
        ("members", 3),
        ("organizations", 2),
        ("org_members", 3),
        ("follows", 2),
        ("notes", 3),
        ("note_topics", 2),
        ("note_images", 1),
        ("comments", 2),
        ("likes", 3),
        ("saves", 1),
        ("behaviour_events", 3),
        ("stores", 2),
        ("suspended_stores", 1),
        ("shipping_templates", 3),
        ("shipping_fees", 2),
        ("warehouses", 3),
        ("products", 4),
        ("active_products", 2),
        ("product_images", 3),
        ("variants", 5),
        ("stock_units", 18),
        ("verified_certificates", 1),
        ("product_tags", 3),
        ("product_pins", 1),
        ("settled_orders", 1),
        ("cancelled_orders", 1),
        ("order_lines", 2),
        ("affiliate_lines", 1),
        ("reviews", 1),
        ("units_sold", 2),
    ]
}

async fn a_dataset_imports_exactly_and_a_rerun_adds_nothing(t: TestDb) {
    let data = tempfile::tempdir().unwrap();
    let media_dir = tempfile::tempdir().unwrap();
    write_dataset(data.path(), true);
    let media = media(&t.db, media_dir.path());
    let report = import(&t.db, &media, data.path(), &ImportOptions::default()).await.unwrap();
    assert_eq!(report.rejected(), 7 + 3 + 9 + 4 + 9, "{:?}", report.errors);
    assert_eq!(counts(&t.db).await, expected_counts());
    let errors = report.errors.join("\n");
    for expected in [
        "members.jsonl:4: malformed record",
        "members.jsonl:5: username \"lanlan\" is taken",
        "members.jsonl:6: malformed record: unknown field `is_admin`",
        "notes.jsonl:4: images: \"../../etc/passwd\" must be a path inside the dataset",
        "likes.jsonl:4: member \"ghost\" is not in the dataset",
        "likes.jsonl:5: created_at: 2999-01-01T00:00:00Z is in the future",
        "events.jsonl:4: unknown_event_kind",
        "stores.jsonl:3: organization: \"u3\" is a member",
        "stores.jsonl:4: store_exists",
        "stores.jsonl:5: organization \"o9\" is not in the dataset",
        "products.jsonl:5: price: must be 1 to",
        "products.jsonl:6: compare_at",
        "products.jsonl:7: category_id: no such category",
        "products.jsonl:8: cross_border",
        "products.jsonl:9: stock: the store has 2 warehouses",
        "products.jsonl:10: variants: two variants are 红",
        "products.jsonl:11: variants: the code \"LJ-50\" belongs to another product",
        "products.jsonl:12: currency: prices are in this instance's CNY, not USD",
        "products.jsonl:13: stock: on hand is 0 to",
        "product_tags.jsonl:3: tags: no such product",
        "product_tags.jsonl:4: tags: the note has no image 0",
        "product_tags.jsonl:5: tags",
        "product_tags.jsonl:6: product \"nope\" is not in the dataset",
        "orders.jsonl:3: status: settled or cancelled",
        "orders.jsonl:4: carrier: required for a settled order",
        "orders.jsonl:5: variant: the code of one of the product's variants",
        "orders.jsonl:6: note: another member's note",
        "orders.jsonl:7: already_reviewed",
        "orders.jsonl:8: paid_at: must not be before placed_at",
        "orders.jsonl:9: phone",
        "orders.jsonl:10: \"o1\" is an organization",
        "orders.jsonl:11: discount: 0 to what the line cost",
    ] {
        assert!(errors.contains(expected), "{expected:?} missing from:\n{errors}");
    }
    let mut conn = t.db.reader().await.unwrap();
    let n1 = dataset::local_id(&mut conn, dataset::Kind::Note, "n1").await.unwrap().unwrap();
    let note = carmine_store::notes::get(&mut conn, n1).await.unwrap().unwrap();
    assert_eq!((note.like_count, note.save_count, note.comment_count), (2, 1, 2), "counters exact");
    assert_eq!(note.published_at.unwrap().to_rfc3339(), at(6), "history keeps its times");
    assert!(note.cover.is_some(), "the image was re-encoded and attached");
    let p1 = dataset::local_id(&mut conn, dataset::Kind::Product, "p1").await.unwrap().unwrap();
    let product = carmine_store::products::get(&mut conn, p1).await.unwrap().unwrap();
    assert_eq!((product.price_min_minor, product.price_max_minor, product.stock_total), (8800, 15800, 18));
    let s1 = dataset::local_id(&mut conn, dataset::Kind::Store, "s1").await.unwrap().unwrap();
    let templates = carmine_store::stores::templates(&mut conn, s1).await.unwrap();
    assert_eq!(product.shipping_template_id, Some(templates[1].id), "the product ships by the store's second template");
    let tags = carmine_store::product_tags::for_note(&mut conn, n1).await.unwrap();
    assert_eq!(tags.len(), 2);
    assert!(tags[0].pin.is_some_and(|(_, x, y)| (x, y) == (300, 600)) && tags[0].affiliate, "a creator's pinned tag");
    let p3 = dataset::local_id(&mut conn, dataset::Kind::Product, "p3").await.unwrap().unwrap();
    let perfume = carmine_store::products::get(&mut conn, p3).await.unwrap().unwrap();
    assert_eq!((perfume.store_status.as_str(), perfume.certificate_status.as_str()), ("suspended", "verified"));
    // The settled order froze what checkout would, has no payment, and its review counts.
    let o1 = dataset::local_id(&mut conn, dataset::Kind::Order, "o-1").await.unwrap().unwrap();
    let order = carmine_store::orders::get_order(&mut conn, o1).await.unwrap().unwrap();
    assert_eq!((order.status.as_str(), order.total_minor), ("settled", 2 * 8800 - 500));
    assert_eq!(order.fulfilment.tracking_no.as_deref(), Some("SF1001"));
    let group = carmine_store::orders::get_group(&mut conn, order.group_id).await.unwrap().unwrap();
    assert_eq!((group.payment_id, group.phone.as_str()), (None, "13800138000"), "history: no payment; phone canonical");
    let line = &carmine_store::orders::lines(&mut conn, &[o1]).await.unwrap()[0];
    let u1 = dataset::local_id(&mut conn, dataset::Kind::Actor, "u1").await.unwrap().unwrap();
    assert_eq!((line.affiliate, line.affiliate_bps, line.paid_minor), (Some((u1, n1)), 500, 17_100));
    assert!(line.commission_bps > 0 && line.option_label.contains("50g"), "{line:?}");
    let product = carmine_store::products::get(&mut conn, p1).await.unwrap().unwrap();
    assert_eq!(product.sales_count, 2);
    assert_eq!(carmine_store::reviews::product_rating(&mut conn, p1).await.unwrap(), (1, 5));
    let meimei = users::get_by_username(&mut conn, "meimei").await.unwrap().unwrap();
    assert_eq!(meimei.password_hash, None, "imported without a password: cannot log in until reset");
    let lanlan = users::get_by_username(&mut conn, "lanlan").await.unwrap().unwrap();
    assert_eq!(lanlan.demographics.unwrap().city.as_deref(), Some("上海"));
    drop(conn);

    let events_before =
        carmine_store::outbox::list_after(&mut t.db.reader().await.unwrap(), None, 10_000).await.unwrap().len();
    let again = import(&t.db, &media, data.path(), &ImportOptions::default()).await.unwrap();
    assert_eq!(counts(&t.db).await, expected_counts(), "a re-run adds nothing");
    assert_eq!(again.files.iter().map(|f| f.imported).sum::<u64>(), 0);
    assert_eq!(again.files.iter().map(|f| f.already).sum::<u64>(), 3 + 2 + 2 + 4 + 2 + 3 + 2 + 2 + 2 + 3 + 1 + 3);
    let events_after =
        carmine_store::outbox::list_after(&mut t.db.reader().await.unwrap(), None, 10_000).await.unwrap().len();
    assert_eq!(events_before, events_after, "and emits nothing");
}

async fn strict_imports_stop_at_the_first_bad_record(t: TestDb) {
    let data = tempfile::tempdir().unwrap();
    let media_dir = tempfile::tempdir().unwrap();
    write_dataset(data.path(), true);
    let options = ImportOptions { strict: true, ..ImportOptions::default() };
    let error = import(&t.db, &media(&t.db, media_dir.path()), data.path(), &options).await.unwrap_err();
    assert!(error.starts_with("members.jsonl:4: malformed record"), "{error}");
    let wrong_version = tempfile::tempdir().unwrap();
    std::fs::write(
        wrong_version.path().join("manifest.json"),
        json!({ "format": "carmine-dataset", "version": 99, "created_at": at(0) }).to_string(),
    )
    .unwrap();
    let error = import(&t.db, &media(&t.db, media_dir.path()), wrong_version.path(), &options).await.unwrap_err();
    assert!(error.contains("version 99 is not supported"), "{error}");
}

async fn statistics_rebuild_from_imported_history(t: TestDb) {
    let data = tempfile::tempdir().unwrap();
    let media_dir = tempfile::tempdir().unwrap();
    write_dataset(data.path(), false);
    import(&t.db, &media(&t.db, media_dir.path()), data.path(), &ImportOptions::default()).await.unwrap();
    let plane = DataPlane::new(t.db.clone(), carmine_events::statistics::consumers(), DataPlaneConfig::default())
        .await
        .unwrap();
    let _running = plane.start();
    plane.sync().await.unwrap();
    let mut conn = t.db.reader().await.unwrap();
    let n1 = dataset::local_id(&mut conn, dataset::Kind::Note, "n1").await.unwrap().unwrap();
    let totals = stats::totals(&mut conn, n1).await.unwrap();
    assert_eq!(
        (totals.likes, totals.saves, totals.comments, totals.impressions, totals.reads, totals.read_ms),
        (2, 1, 2, 1, 1, 8000)
    );
    let hour_of_first_like = carmine_core::Timestamp::parse_rfc3339(&at(9)).unwrap();
    let hours = stats::hourly(&mut conn, n1, 0, i64::MAX, 100).await.unwrap();
    let first = hours.iter().find(|b| b.start == hour_of_first_like).expect("bucketed at the like's own hour");
    assert_eq!((first.counters.likes, first.counters.comments, first.counters.impressions), (1, 1, 1));
}

async fn export_then_import_into_the_other_backend_round_trips(t: TestDb) {
    let other = match t.db.backend() {
        Backend::Sqlite => Backend::Postgres,
        Backend::Postgres => Backend::Sqlite,
    };
    let Some(target) = TestDb::for_backend(other).await else { return };
    let data = tempfile::tempdir().unwrap();
    let media_dir = tempfile::tempdir().unwrap();
    write_dataset(data.path(), false);
    let source_media = media(&t.db, media_dir.path());
    import(&t.db, &source_media, data.path(), &ImportOptions::default()).await.unwrap();

    let exported = tempfile::tempdir().unwrap();
    let out = exported.path().join("dump");
    let report = export(&t.db, &source_media, &out, false).await.unwrap();
    assert_eq!(report.counts["notes.jsonl"], 3);
    assert_eq!(report.images, 6, "a note's image, a store's logo, three products' images and a certificate");
    for file in FILES {
        assert!(out.join(file).exists(), "{file}");
    }
    let manifest = carmine_dataset::import::read_manifest(&out).unwrap();
    assert_eq!((manifest.format.as_str(), manifest.version), (format::FORMAT, format::VERSION));
    assert!(export(&t.db, &source_media, &out, false).await.unwrap_err().contains("not empty"));

    let target_media_dir = tempfile::tempdir().unwrap();
    let target_media = media(&target.db, target_media_dir.path());
    let imported = import(&target.db, &target_media, &out, &ImportOptions::default()).await.unwrap();
    assert_eq!(imported.rejected(), 0, "{:?}", imported.errors);
    assert_eq!(counts(&target.db).await, counts(&t.db).await, "identical counts on the other backend");
    let mut conn = target.db.reader().await.unwrap();
    assert!(dataset::local_id(&mut conn, dataset::Kind::Note, "n1").await.unwrap().is_some(), "dataset ids kept");
    let lanlan = users::get_by_username(&mut conn, "lanlan").await.unwrap().unwrap();
    assert!(lanlan.password_hash.unwrap().starts_with("$argon2id$"), "members can still log in");
    drop(conn);

    // Every store, product and tag comes back as it was (image files are renamed).
    let second = exported.path().join("second");
    export(&target.db, &target_media, &second, false).await.unwrap();
    for file in ["stores.jsonl", "products.jsonl", "product_tags.jsonl"] {
        let first = records(&out.join(file));
        assert!(!first.is_empty(), "{file}");
        assert_eq!(first, records(&second.join(file)), "{file} round-trips");
    }
}

/// A file's records with image paths replaced by one placeholder.
fn records(path: &Path) -> Vec<serde_json::Value> {
    fn unname(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::String(s) if s.starts_with("images/") => *s = "image".to_owned(),
            serde_json::Value::Array(items) => items.iter_mut().for_each(unname),
            serde_json::Value::Object(fields) => fields.values_mut().for_each(unname),
            _ => {}
        }
    }
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| {
            let mut value: serde_json::Value = serde_json::from_str(line).unwrap();
            unname(&mut value);
            value
        })
        .collect()
}
