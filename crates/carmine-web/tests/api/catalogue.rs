//! The catalogue: products with options and variants, prices in the instance's
//! currency, stock per warehouse, price history, visibility, the role matrix, and
//! the certificate review of cross-border products.

use carmine_store::testing::TestDb;
use serde_json::{Value, json};

use crate::commerce::{post_form_data, verified_org};
use crate::helpers::{Client, TestApp};

carmine_store::both_backends!(
    a_product_with_two_options_is_listed_with_its_variants_and_stock,
    bad_products_are_refused_and_change_nothing,
    editing_variants_keeps_ids_archives_the_missing_and_records_prices,
    who_may_see_and_edit_a_product,
    cross_border_products_carry_origin_and_a_reviewed_certificate,
    the_console_edits_a_product_and_buyers_read_its_page,
    products_are_found_by_search_with_filters_and_sorts,
    the_catalogue_goes_out_and_back_in_as_csv,
);

fn cny(amount_minor: i64) -> Value {
    json!({ "amount_minor": amount_minor, "currency": "CNY" })
}

/// A verified brand with an open store; returns (owner, store id).
pub(crate) async fn store(app: &TestApp, handle: &str, store_type: &str) -> (Client, String) {
    let owner = app.signup(&format!("{handle}_owner")).await;
    verified_org(app, &owner, handle, "brand").await;
    let store = app.post(&owner, "/api/v1/stores", json!({ "org": handle, "store_type": store_type })).await;
    store.assert_status(201);
    (owner, store.json()["id"].as_str().unwrap().to_owned())
}

pub(crate) async fn category_id(app: &TestApp, slug: &str) -> String {
    let tree = app.get(&Client::default(), "/api/v1/categories").await.json();
    tree["items"].as_array().unwrap().iter().find(|c| c["slug"] == slug).unwrap()["id"].as_str().unwrap().to_owned()
}

pub(crate) async fn image(app: &TestApp, client: &Client) -> Value {
    app.upload(client, &[("file", "p.png", &carmine_media::fixtures::png(80, 80))]).await.json()["id"].clone()
}

/// A T-shirt in two colours and two sizes, four variants.
/// Variant codes start with `code`.
pub(crate) async fn tee(app: &TestApp, owner: &Client, store_id: &str, status: &str, code: &str) -> Value {
    let category = category_id(app, "womenswear").await;
    let cover = image(app, owner).await;
    let variants: Vec<Value> = [("白", "S", 9_900), ("白", "M", 9_900), ("黑", "S", 10_900), ("黑", "M", 10_900)]
        .iter()
        .enumerate()
        .map(|(n, (colour, size, price))| {
            json!({ "options": [colour, size], "code": format!("{code}-{n}"), "price": cny(*price), "compare_at": cny(12_900), "weight_grams": 180 })
        })
        .collect();
    let created = app
        .post(
            owner,
            &format!("/api/v1/stores/{store_id}/products"),
            json!({
                "category_id": category,
                "title": "纯棉短袖 Cotton tee",
                "description": "重磅纯棉，不易变形。\nHeavyweight cotton.",
                "brand": "Glow",
                "attributes": [{ "name": "材质", "value": "100% 棉" }],
                "options": [{ "name": "颜色", "values": ["白", "黑"] }, { "name": "尺码", "values": ["S", "M"] }],
                "variants": variants,
                "media_ids": [cover],
                "status": status,
                "affiliate_bps": 800,
            }),
        )
        .await;
    created.assert_status(201);
    created.json()
}

async fn a_product_with_two_options_is_listed_with_its_variants_and_stock(t: TestDb) {
    let app = TestApp::new(t).await;
    let (owner, store_id) = store(&app, "glow_lab", "brand_official").await;
    let product = tee(&app, &owner, &store_id, "active", "TEE").await;
    let id = product["id"].as_str().unwrap().to_owned();
    assert_eq!(product["url"], format!("/products/{id}"));
    assert_eq!(product["variants"].as_array().unwrap().len(), 4);
    assert_eq!(product["variants"][2]["options"], json!(["黑", "S"]));
    assert_eq!((product["price_min"].clone(), product["price_max"].clone()), (cny(9_900), cny(10_900)));
    assert_eq!(product["category_path"][0]["slug"], "apparel");
    assert_eq!(product["category"]["slug"], "womenswear");
    assert_eq!(product["available"], true);
    assert_eq!(product["variants"][0]["available"], 0);

    // Stock per (variant, warehouse): a second warehouse adds to what buyers can order.
    let store =
        app.post(&owner, &format!("/api/v1/stores/{store_id}/warehouses"), json!({ "name": "广州仓" })).await.json();
    let (first, second) = (store["warehouses"][0]["id"].clone(), store["warehouses"][1]["id"].clone());
    let white_s = product["variants"][0]["id"].clone();
    let black_m = product["variants"][3]["id"].clone();
    let before = app.get(&Client::default(), &format!("/api/v1/products/{id}")).await.json();
    assert_eq!(before["variants"][0]["available"], 0);
    let stocked = app
        .put(
            &owner,
            &format!("/api/v1/products/{id}/stock"),
            json!({ "items": [
                { "sku_id": white_s, "warehouse_id": first, "on_hand": 5 },
                { "sku_id": white_s, "warehouse_id": second, "on_hand": 3 },
                { "sku_id": black_m, "warehouse_id": first, "on_hand": 2 },
            ] }),
        )
        .await;
    stocked.assert_status(200);
    let stocked = stocked.json();
    assert_eq!(stocked["variants"][0]["available"], 8);
    assert_eq!(stocked["variants"][0]["stock"][1], json!({ "warehouse_id": second, "on_hand": 3, "reserved": 0 }));
    assert_eq!(stocked["variants"][3]["available"], 2);

    // Buyers see it in the store and the listing, with filters; they do not see the stock rows.
    let public = app.get(&Client::default(), &format!("/api/v1/products/{id}")).await.json();
    assert!(public["variants"][0]["stock"].is_null() && public["variants"][0]["available"] == 8);
    let in_store = app.get(&Client::default(), &format!("/api/v1/stores/{store_id}/products")).await.json();
    assert_eq!(in_store["items"][0]["id"], id.as_str());
    assert_eq!(in_store["items"][0]["in_stock"], true);
    let apparel = category_id(&app, "apparel").await;
    let beauty = category_id(&app, "beauty").await;
    for (query, found) in [
        (format!("category={apparel}"), true),
        (format!("category={beauty}"), false),
        ("store_type=brand_official&in_stock=true".to_owned(), true),
        ("store_type=cross_border".to_owned(), false),
        ("cross_border=true".to_owned(), false),
        ("min_price=9900&max_price=9900".to_owned(), true),
        ("min_price=10000".to_owned(), false),
    ] {
        let listed = app.get(&Client::default(), &format!("/api/v1/products?{query}")).await.json();
        assert_eq!(listed["items"].as_array().unwrap().len(), usize::from(found), "{query}: {listed}");
    }
    app.get(&Client::default(), "/api/v1/products?store_type=flagship").await.assert_error(422, "invalid_field");
    app.get(&Client::default(), "/api/v1/products?category=abc").await.assert_error(422, "invalid_field");

    // Stock refusals: negative, a stranger's warehouse, a variant of another product.
    let events = app.event_count().await;
    let stock_path = format!("/api/v1/products/{id}/stock");
    let put = |items: Value| app.put(&owner, &stock_path, json!({ "items": items }));
    put(json!([{ "sku_id": white_s, "warehouse_id": first, "on_hand": -1 }])).await.assert_error(422, "invalid_field");
    put(json!([{ "sku_id": white_s, "warehouse_id": "42", "on_hand": 1 }]))
        .await
        .assert_error(404, "warehouse_not_found");
    put(json!([{ "sku_id": "42", "warehouse_id": first, "on_hand": 1 }])).await.assert_error(422, "invalid_field");
    put(json!([
        { "sku_id": black_m, "warehouse_id": first, "on_hand": 9 },
        { "sku_id": white_s, "warehouse_id": first, "on_hand": -5 },
    ]))
    .await
    .assert_error(422, "invalid_field");
    assert_eq!(app.event_count().await, events, "refusals change nothing");
    let after = app.get(&owner, &format!("/api/v1/products/{id}")).await.json();
    assert_eq!(after["variants"][3]["available"], 2, "a refused batch writes no row");
}

async fn bad_products_are_refused_and_change_nothing(t: TestDb) {
    let app = TestApp::new(t).await;
    let (owner, store_id) = store(&app, "glow_lab", "brand_official").await;
    let category = category_id(&app, "skincare").await;
    let cover = image(&app, &owner).await;
    let good = json!({
        "category_id": category,
        "title": "修护精华",
        "options": [{ "name": "规格", "values": ["30ml", "50ml"] }],
        "variants": [{ "options": ["30ml"], "price": cny(19_900) }, { "options": ["50ml"], "price": cny(29_900), "compare_at": cny(35_000) }],
        "media_ids": [cover],
        "status": "active",
    });
    let path = format!("/api/v1/stores/{store_id}/products");
    let stranger = app.signup("stranger").await;
    let theirs = image(&app, &stranger).await;
    let admin = app.admin("operator").await;
    let many: Vec<Value> = (0..201).map(|n| json!({ "options": [format!("v{n}")], "price": cny(100) })).collect();
    let values: Vec<String> = (0..201).map(|n| format!("v{n}")).collect();
    let events = app.event_count().await;
    for (change, status, code) in [
        (json!({ "variants": [{ "options": ["30ml"], "price": cny(0) }] }), 422, "invalid_amount"),
        (json!({ "variants": [{ "options": ["30ml"], "price": cny(-100) }] }), 422, "invalid_amount"),
        (json!({ "variants": [{ "options": ["30ml"], "price": cny(100_000_001) }] }), 422, "invalid_amount"),
        (
            json!({ "variants": [{ "options": ["30ml"], "price": { "amount_minor": 100, "currency": "USD" } }] }),
            422,
            "unsupported_currency",
        ),
        (
            json!({ "variants": [{ "options": ["30ml"], "price": cny(1_000), "compare_at": cny(999) }] }),
            422,
            "invalid_field",
        ),
        (
            json!({ "variants": [{ "options": ["30ml"], "price": cny(100) }, { "options": ["30ml"], "price": cny(200) }] }),
            422,
            "invalid_field",
        ),
        (json!({ "variants": [{ "options": ["100ml"], "price": cny(100) }] }), 422, "invalid_field"),
        (json!({ "variants": [{ "options": [], "price": cny(100) }] }), 422, "invalid_field"),
        (json!({ "variants": [] }), 422, "invalid_field"),
        (json!({ "options": [{ "name": "规格", "values": values }], "variants": many }), 422, "invalid_field"),
        (
            json!({ "options": [{ "name": "a", "values": ["1"] }, { "name": "b", "values": ["1"] }, { "name": "c", "values": ["1"] }, { "name": "d", "values": ["1"] }], "variants": [{ "options": ["1", "1", "1", "1"], "price": cny(1) }] }),
            422,
            "invalid_field",
        ),
        (json!({ "options": [{ "name": "规格", "values": ["30ml", "30ml"] }] }), 422, "invalid_field"),
        (json!({ "category_id": "99999" }), 404, "category_not_found"),
        (json!({ "title": "" }), 422, "invalid_field"),
        (json!({ "title": "长".repeat(61) }), 422, "invalid_field"),
        (json!({ "media_ids": [] }), 422, "invalid_field"),
        (json!({ "status": "live" }), 422, "invalid_field"),
        (json!({ "affiliate_bps": 5_001 }), 422, "invalid_field"),
        (json!({ "shipping_template_id": "42" }), 404, "shipping_template_not_found"),
        (
            json!({ "variants": [{ "options": ["30ml"], "price": cny(100), "code": "空格 code" }] }),
            422,
            "invalid_field",
        ),
        (json!({ "variants": [{ "options": ["30ml"], "price": cny(100), "weight_grams": -1 }] }), 422, "invalid_field"),
        (json!({ "cross_border": { "origin_country": "JP" } }), 422, "missing_field"),
        (json!({ "cross_border": { "origin_country": "CN", "trade_mode": "direct_mail" } }), 422, "invalid_field"),
        (json!({ "cross_border": { "origin_country": "JP", "trade_mode": "smuggled" } }), 422, "invalid_field"),
        (json!({ "price_min": cny(1) }), 422, "unknown_field"),
    ] {
        let mut body = good.clone();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let refused = app.post(&owner, &path, body).await;
        refused.assert_error(status, code);
    }
    // Someone else's image.
    let mut body = good.clone();
    body["media_ids"] = json!([theirs]);
    app.post(&owner, &path, body).await.assert_error(422, "invalid_field");
    assert_eq!(app.event_count().await, events, "refusals change nothing");
    // An archived category takes no new products.
    let serums = app
        .post(
            &admin,
            "/api/v1/admin/categories",
            json!({ "parent_id": category, "slug": "serums", "name_en": "Serums", "name_zh": "精华" }),
        )
        .await
        .json();
    app.patch(
        &admin,
        &format!("/api/v1/admin/categories/{}", serums["id"].as_str().unwrap()),
        json!({ "archived": true }),
    )
    .await
    .assert_status(200);
    let mut body = good.clone();
    body["category_id"] = serums["id"].clone();
    let events = app.event_count().await;
    app.post(&owner, &path, body).await.assert_error(404, "category_not_found");
    assert_eq!(app.event_count().await, events);
    assert!(app.get(&owner, &path).await.json()["items"].as_array().unwrap().is_empty());

    // A code belongs to one product of the store.
    let mut first = good.clone();
    first["variants"][0]["code"] = json!("SERUM-30");
    app.post(&owner, &path, first.clone()).await.assert_status(201);
    first["title"] = json!("另一个");
    app.post(&owner, &path, first).await.assert_error(422, "invalid_field");
}

async fn editing_variants_keeps_ids_archives_the_missing_and_records_prices(t: TestDb) {
    let app = TestApp::new(t).await;
    let (owner, store_id) = store(&app, "glow_lab", "brand_official").await;
    let product = tee(&app, &owner, &store_id, "draft", "TEE").await;
    let id = product["id"].as_str().unwrap();
    let white_s = product["variants"][0]["id"].as_str().unwrap().to_owned();
    let black_m = product["variants"][3]["id"].as_str().unwrap().to_owned();

    // Drop two variants, reprice one, add a size: ids of the kept ones stay.
    let edited = app
        .patch(
            &owner,
            &format!("/api/v1/products/{id}"),
            json!({
                "options": [{ "name": "颜色", "values": ["白", "黑"] }, { "name": "尺码", "values": ["S", "M", "L"] }],
                "variants": [
                    { "options": ["白", "S"], "price": cny(8_900), "compare_at": cny(12_900) },
                    { "id": black_m, "options": ["黑", "M"], "price": cny(10_900) },
                    { "options": ["黑", "L"], "price": cny(11_900) },
                ],
            }),
        )
        .await;
    edited.assert_status(200);
    let edited = edited.json();
    let ids: Vec<&str> = edited["variants"].as_array().unwrap().iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(ids[0], white_s, "matched by its option values");
    assert_eq!(ids[1], black_m, "matched by id");
    assert_eq!(edited["variants"][0]["code"], "TEE-0", "an absent code keeps the old one");
    assert!(edited["variants"][2]["code"].as_str().unwrap().starts_with(id), "a new one gets a made-up code");
    assert_eq!(edited["price_min"], cny(8_900));

    // Swapping two variants' option values is fine.
    let swapped = app
        .patch(
            &owner,
            &format!("/api/v1/products/{id}"),
            json!({ "variants": [
                { "id": white_s, "options": ["黑", "M"], "price": cny(8_900) },
                { "id": black_m, "options": ["白", "S"], "price": cny(10_900) },
            ] }),
        )
        .await;
    swapped.assert_status(200);
    assert_eq!(swapped.json()["variants"][0]["options"], json!(["黑", "M"]));
    assert_eq!(swapped.json()["variants"][0]["id"], white_s.as_str());

    // An archived variant comes back when its option values do.
    let back = app
        .patch(
            &owner,
            &format!("/api/v1/products/{id}"),
            json!({ "variants": [
                { "id": white_s, "options": ["黑", "M"], "price": cny(8_900) },
                { "id": black_m, "options": ["白", "S"], "price": cny(10_900) },
                { "options": ["黑", "L"], "price": cny(11_900) },
            ] }),
        )
        .await
        .json();
    assert_eq!(back["variants"][2]["id"], edited["variants"][2]["id"]);

    // A variant named by id keeps its id when another, listed before it, takes its old values.
    let moved = app
        .patch(
            &owner,
            &format!("/api/v1/products/{id}"),
            json!({ "variants": [
                { "options": ["黑", "M"], "price": cny(5_000) },
                { "id": white_s, "options": ["白", "M"], "price": cny(8_900) },
            ] }),
        )
        .await;
    moved.assert_status(200);
    let moved = moved.json();
    assert_eq!(moved["variants"][1]["id"], white_s.as_str());
    assert_ne!(moved["variants"][0]["id"], white_s.as_str());
    assert_eq!(moved["variants"][0]["options"], json!(["黑", "M"]));

    // Price history: the first price, the cut, then the compare-at price dropped in the swap.
    let history = app.get(&owner, &format!("/api/v1/products/{id}/variants/{white_s}/prices")).await.json();
    let prices: Vec<(i64, Option<i64>)> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["price"]["amount_minor"].as_i64().unwrap(), p["compare_at"]["amount_minor"].as_i64()))
        .collect();
    assert_eq!(prices, [(9_900, Some(12_900)), (8_900, Some(12_900)), (8_900, None)]);
    assert_eq!(history["lowest_30_days"], cny(8_900));
    app.get(&owner, &format!("/api/v1/products/{id}/variants/42/prices")).await.assert_error(404, "product_not_found");

    // A variant id of another product is refused.
    let other = tee(&app, &owner, &store_id, "draft", "POLO").await;
    let foreign = other["variants"][0]["id"].clone();
    app.patch(
        &owner,
        &format!("/api/v1/products/{id}"),
        json!({ "variants": [{ "id": foreign, "options": ["白", "S"], "price": cny(1) }] }),
    )
    .await
    .assert_error(422, "invalid_field");
}

async fn who_may_see_and_edit_a_product(t: TestDb) {
    let app = TestApp::new(t).await;
    let (owner, store_id) = store(&app, "glow_lab", "brand_official").await;
    let draft = tee(&app, &owner, &store_id, "draft", "TEE").await;
    let id = draft["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/products/{id}");
    let writer = app.signup("writer").await;
    let counter = app.signup("counter").await;
    for (member, role) in [(&writer, "staff"), (&counter, "analyst")] {
        let name = if role == "staff" { "writer" } else { "counter" };
        app.post(&owner, "/api/v1/orgs/glow_lab/invitations", json!({ "username": name, "role": role }))
            .await
            .assert_status(201);
        let invitation =
            app.get(member, "/api/v1/me/invitations").await.json()["items"][0]["id"].as_str().unwrap().to_owned();
        app.post(member, &format!("/api/v1/invitations/{invitation}/accept"), json!({})).await.assert_status(200);
    }
    let (other_owner, _) = store(&app, "rival", "brand_official").await;
    let visitor = Client::default();

    // A draft: its store's members see it; nobody else knows it exists (not even
    // right after the operator read it: what buyers see is kept for a second).
    app.get(&app.admin("early_operator").await, &path).await.assert_status(200);
    app.get(&visitor, &path).await.assert_error(404, "product_not_found");
    app.get(&other_owner, &path).await.assert_error(404, "product_not_found");
    app.get(&counter, &path).await.assert_status(200);
    assert!(
        app.get(&visitor, &format!("/api/v1/stores/{store_id}/products?status=draft")).await.json()["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        app.get(&counter, &format!("/api/v1/stores/{store_id}/products?status=draft")).await.json()["items"][0]["id"],
        id.as_str()
    );

    // Staff edit; analysts may not; another organization's owner gets 404, whatever the body.
    app.patch(&writer, &path, json!({ "status": "active" })).await.assert_status(200);
    assert_eq!(app.get(&visitor, &path).await.json()["available"], true);
    app.patch(&counter, &path, json!({ "title": "mine" })).await.assert_error(403, "role_too_low");
    app.patch(&other_owner, &path, json!({ "title": "mine" })).await.assert_error(404, "product_not_found");
    app.patch(&other_owner, &path, json!({ "bogus": [] })).await.assert_error(404, "product_not_found");
    app.put(&other_owner, &format!("{path}/stock"), json!({ "items": [] }))
        .await
        .assert_error(404, "product_not_found");
    app.post(&other_owner, &format!("/api/v1/stores/{store_id}/products"), json!({}))
        .await
        .assert_error(404, "store_not_found");
    app.post(&counter, &format!("/api/v1/stores/{store_id}/products"), json!({}))
        .await
        .assert_error(403, "role_too_low");

    // Archived: still readable (a note's tag shows it as unavailable), not listed;
    // buyers see the change at once, although they had just read the product.
    app.patch(&writer, &path, json!({ "status": "archived" })).await.assert_status(200);
    let archived = app.get(&visitor, &path).await.json();
    assert_eq!((archived["status"].as_str(), archived["available"].as_bool()), (Some("archived"), Some(false)));
    assert!(app.get(&visitor, "/api/v1/products").await.json()["items"].as_array().unwrap().is_empty());

    // A suspended store's products leave the listings and are not available.
    app.patch(&writer, &path, json!({ "status": "active" })).await.assert_status(200);
    assert_eq!(app.get(&visitor, &path).await.json()["available"], true);
    assert_eq!(app.get(&visitor, "/api/v1/products").await.json()["items"].as_array().unwrap().len(), 1);
    let admin = app.admin("operator").await;
    app.post(&admin, &format!("/api/v1/admin/stores/{store_id}/suspend"), json!({ "reason": "投诉" }))
        .await
        .assert_status(200);
    assert!(app.get(&visitor, "/api/v1/products").await.json()["items"].as_array().unwrap().is_empty());
    assert!(
        app.get(&visitor, &format!("/api/v1/stores/{store_id}/products")).await.json()["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(app.get(&visitor, &path).await.json()["available"], false);
}

async fn cross_border_products_carry_origin_and_a_reviewed_certificate(t: TestDb) {
    let app = TestApp::new(t).await;
    let (owner, store_id) = store(&app, "tokyo_direct", "cross_border").await;
    let category = category_id(&app, "makeup").await;
    let cover = image(&app, &owner).await;
    let certificate = image(&app, &owner).await;
    let body = json!({
        "category_id": category,
        "title": "日本直邮 粉底液",
        "variants": [{ "price": cny(25_800) }],
        "media_ids": [cover],
        "status": "active",
        "returnable": false,
    });
    let path = format!("/api/v1/stores/{store_id}/products");
    let refused = app.post(&owner, &path, body.clone()).await;
    refused.assert_error(422, "invalid_field");
    assert_eq!(refused.json()["error"]["details"]["field"], "cross_border");
    let mut with_origin = body.clone();
    with_origin["cross_border"] = json!({
        "origin_country": "jp", "trade_mode": "bonded_warehouse", "warehouse_code": "NB-BONDED-01",
        "hs_code": "3304990099", "declared_value": cny(20_000), "certificate_media_id": certificate,
    });
    let mut bad_hs = with_origin.clone();
    bad_hs["cross_border"]["hs_code"] = json!("33A4");
    app.post(&owner, &path, bad_hs).await.assert_error(422, "invalid_field");
    let created = app.post(&owner, &path, with_origin).await;
    created.assert_status(201);
    let product = created.json();
    let cb = &product["cross_border"];
    assert_eq!((cb["origin_country"].as_str(), cb["certificate_status"].as_str()), (Some("JP"), Some("pending")));
    assert!(cb["certificate_url"].as_str().unwrap().starts_with("/media/"));
    assert_eq!(product["returnable"], false);
    let id = product["id"].as_str().unwrap();
    let public = app.get(&Client::default(), &format!("/api/v1/products/{id}")).await.json();
    assert!(
        public["cross_border"]["certificate_url"].is_null(),
        "the certificate itself is for the store and the operator"
    );

    let admin = app.admin("operator").await;
    let queue = app.get(&admin, "/api/v1/admin/certificates").await.json();
    assert_eq!(queue["items"][0]["id"], id);
    assert!(queue["items"][0]["cross_border"]["certificate_url"].is_string());
    let page = app.get(&admin, "/admin/certificates").await.text();
    assert!(page.contains("日本直邮 粉底液") && page.contains(&format!("/admin/certificates/{id}/verify")), "{page}");
    app.get(&owner, "/admin/certificates").await.assert_status(403);
    app.post(&owner, &format!("/api/v1/admin/products/{id}/certificate"), json!({ "verified": true }))
        .await
        .assert_error(403, "admin_only");
    let decided =
        app.post(&admin, &format!("/api/v1/admin/products/{id}/certificate"), json!({ "verified": true })).await;
    decided.assert_status(200);
    assert_eq!(decided.json()["cross_border"]["certificate_status"], "verified");
    app.post(&admin, &format!("/api/v1/admin/products/{id}/certificate"), json!({ "verified": false }))
        .await
        .assert_error(422, "invalid_field");
    assert!(app.get(&admin, "/api/v1/admin/certificates").await.json()["items"].as_array().unwrap().is_empty());
    // Editing other fields keeps the verified certificate; a new certificate waits again.
    let kept =
        app.patch(&owner, &format!("/api/v1/products/{id}"), json!({ "title": "日本直邮 粉底液 30ml" })).await.json();
    assert_eq!(kept["cross_border"]["certificate_status"], "verified");
    let renewed = image(&app, &owner).await;
    let mut cross_border =
        json!({ "origin_country": "JP", "trade_mode": "bonded_warehouse", "certificate_media_id": renewed });
    let pending = app
        .patch(&owner, &format!("/api/v1/products/{id}"), json!({ "cross_border": cross_border.clone() }))
        .await
        .json();
    assert_eq!(pending["cross_border"]["certificate_status"], "pending");
    cross_border["certificate_media_id"] = json!(null);
    let none =
        app.patch(&owner, &format!("/api/v1/products/{id}"), json!({ "cross_border": cross_border })).await.json();
    assert_eq!(none["cross_border"]["certificate_status"], "none");
    app.patch(&owner, &format!("/api/v1/products/{id}"), json!({ "cross_border": null }))
        .await
        .assert_error(422, "invalid_field");
}

async fn the_console_edits_a_product_and_buyers_read_its_page(t: TestDb) {
    let app = TestApp::new(t).await;
    let (owner, store_id) = store(&app, "glow_lab", "brand_official").await;
    let womenswear = category_id(&app, "womenswear").await;
    let photo = carmine_media::fixtures::png(120, 160);

    // Options first: "Update variants" makes the matrix without saving anything.
    let events = app.event_count().await;
    let base = [
        ("title", "亚麻衬衫 Linen shirt"),
        ("category_id", womenswear.as_str()),
        ("status", "active"),
        ("returnable", "1"),
        ("affiliate", "5"),
        ("option_name_0", "颜色"),
        ("option_values_0", "米白，雾蓝"),
        ("option_name_1", "尺码"),
        ("option_values_1", "S, M"),
    ];
    let mut matrix = base.to_vec();
    matrix.push(("action", "matrix"));
    let shown = post_form_data(&app, &owner, "/o/glow_lab/manage/products/new", &matrix, &[]).await;
    assert_eq!(shown.status, 200, "{}", shown.text());
    let html = shown.text();
    assert!(html.contains("米白 / S") && html.contains("雾蓝 / M") && html.contains("name=\"v3_price\""), "{html}");
    assert_eq!(app.event_count().await, events, "the matrix is not a save");

    // Save two of the four combinations, with an image; a missing price is refused and keeps the form.
    let keys: Vec<String> = [("米白", "S"), ("米白", "M"), ("雾蓝", "S"), ("雾蓝", "M")]
        .iter()
        .map(|(c, s)| serde_json::to_string(&[c, s]).unwrap())
        .collect();
    let mut save = base.to_vec();
    save.extend([
        ("action", "save"),
        ("v0_key", keys[0].as_str()),
        ("v0_on", "1"),
        ("v0_price", "199"),
        ("v0_weight", "200"),
    ]);
    save.extend([("v1_key", keys[1].as_str()), ("v1_on", "1"), ("v1_price", ""), ("v1_weight", "200")]);
    let refused = post_form_data(&app, &owner, "/o/glow_lab/manage/products/new", &save, &[("images", &photo)]).await;
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert!(refused.text().contains("value=\"亚麻衬衫 Linen shirt\""));
    save.retain(|(k, _)| *k != "v1_price");
    save.extend([("v1_price", "219.5"), ("v1_compare", "299")]);
    let saved = post_form_data(&app, &owner, "/o/glow_lab/manage/products/new", &save, &[("images", &photo)]).await;
    assert_eq!(saved.status, 303, "{}", saved.text());
    let listed = app.get(&owner, &format!("/api/v1/stores/{store_id}/products")).await.json();
    let id = listed["items"][0]["id"].as_str().unwrap().to_owned();
    let product = app.get(&owner, &format!("/api/v1/products/{id}")).await.json();
    assert_eq!(product["variants"].as_array().unwrap().len(), 2);
    assert_eq!(product["variants"][1]["price"], cny(21_950));
    assert_eq!(product["variants"][1]["compare_at"], cny(29_900));
    assert_eq!(product["affiliate_bps"], 500);
    assert_eq!(product["images"].as_array().unwrap().len(), 1);

    // The stock editor: units per variant and warehouse.
    let editor = app.get(&owner, &format!("/o/glow_lab/manage/products/{id}")).await.text();
    let warehouse = app.get(&owner, &format!("/api/v1/stores/{store_id}")).await.json()["warehouses"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let variant = product["variants"][0]["id"].as_str().unwrap();
    let field = format!("s_{variant}_{warehouse}");
    assert!(editor.contains(&format!("name=\"{field}\"")), "{editor}");
    let second = format!("s_{}_{warehouse}", product["variants"][1]["id"].as_str().unwrap());
    let stocked = crate::pages::form(
        &app,
        &owner,
        &format!("/o/glow_lab/manage/products/{id}/stock"),
        &[(field.as_str(), "12"), (second.as_str(), "3")],
    )
    .await;
    assert_eq!(stocked.status, 303, "{}", stocked.text());
    let bad =
        crate::pages::form(&app, &owner, &format!("/o/glow_lab/manage/products/{id}/stock"), &[(field.as_str(), "-3")])
            .await;
    assert_eq!(bad.status, 422);

    // Buyers: the product page in both languages, the store's grid.
    let zh = app
        .send_with(
            &Client::default(),
            axum::http::Method::GET,
            &format!("/products/{id}"),
            None,
            &[("accept-language", "zh-CN")],
        )
        .await
        .text();
    assert!(
        zh.contains("亚麻衬衫 Linen shirt")
            && zh.contains("¥199.00 起")
            && zh.contains("库存 12 件")
            && zh.contains("7 天无理由退货"),
        "{zh}"
    );
    assert!(zh.contains("data-key=\"米白|S\"") && zh.contains("<s class=\"muted\">¥299.00</s>"), "{zh}");
    let en = app
        .send_with(
            &Client::default(),
            axum::http::Method::GET,
            &format!("/products/{id}"),
            None,
            &[("accept-language", "en")],
        )
        .await
        .text();
    assert!(en.contains("from ¥199.00") && en.contains("12 in stock") && en.contains("Free shipping"), "{en}");
    assert!(!en.contains("id=\"product-edit\""), "a buyer gets no edit link");
    // The cheaper variant sells out: the price is what one can buy now.
    crate::pages::form(&app, &owner, &format!("/o/glow_lab/manage/products/{id}/stock"), &[(field.as_str(), "0")])
        .await
        .assert_status(303);
    let en = app
        .send_with(
            &Client::default(),
            axum::http::Method::GET,
            &format!("/products/{id}"),
            None,
            &[("accept-language", "en")],
        )
        .await
        .text();
    assert!(en.contains("data-range=\"¥219.50\"") && !en.contains("from ¥199.00"), "{en}");
    let grid = app.get(&Client::default(), "/o/glow_lab/store").await.text();
    assert!(grid.contains(&format!("data-product=\"{id}\"")), "{grid}");
    app.get(&Client::default(), "/products/123").await.assert_status(404);

    // Archived: the page says so and offers no variants.
    let product_path = format!("/api/v1/products/{id}");
    app.patch(&owner, &product_path, json!({ "status": "archived" })).await.assert_status(200);
    let archived = app.get(&Client::default(), &format!("/products/{id}")).await.text();
    assert!(archived.contains("id=\"product-unavailable\"") && !archived.contains("id=\"variants\""), "{archived}");
    assert!(!archived.contains("product-promises"), "no returns or shipping promised for what is not sold");

    // An analyst reads the console but gets no form; a stranger gets 404.
    let counter = app.signup("counter").await;
    app.post(&owner, "/api/v1/orgs/glow_lab/invitations", json!({ "username": "counter", "role": "analyst" }))
        .await
        .assert_status(201);
    let invitation =
        app.get(&counter, "/api/v1/me/invitations").await.json()["items"][0]["id"].as_str().unwrap().to_owned();
    app.post(&counter, &format!("/api/v1/invitations/{invitation}/accept"), json!({})).await.assert_status(200);
    let read_only = app.get(&counter, &format!("/o/glow_lab/manage/products/{id}")).await.text();
    assert!(!read_only.contains("id=\"product-form\"") && read_only.contains("亚麻衬衫"), "{read_only}");
    let tried = post_form_data(&app, &counter, &format!("/o/glow_lab/manage/products/{id}"), &save, &[]).await;
    assert_eq!(tried.status, 403);
    let stranger = app.signup("stranger").await;
    app.get(&stranger, &format!("/o/glow_lab/manage/products/{id}")).await.assert_status(404);
    app.get(&stranger, "/o/glow_lab/manage/products").await.assert_status(404);
}

/// A product of `store_id` in `category` with one variant at `price` and its brand.
async fn simple_product(
    app: &TestApp,
    owner: &Client,
    store_id: &str,
    title: &str,
    category: &str,
    price: i64,
    extra: Value,
) -> String {
    let cover = image(app, owner).await;
    let mut body = json!({
        "category_id": category_id(app, category).await,
        "title": title,
        "variants": [{ "price": cny(price) }],
        "media_ids": [cover],
        "status": "active",
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let created = app.post(owner, &format!("/api/v1/stores/{store_id}/products"), body).await;
    created.assert_status(201);
    created.json()["id"].as_str().unwrap().to_owned()
}

async fn products_are_found_by_search_with_filters_and_sorts(t: TestDb) {
    let app = TestApp::new(t).await;
    let (owner, store_id) = store(&app, "glow_lab", "brand_official").await;
    let tee = tee(&app, &owner, &store_id, "active", "TEE").await["id"].as_str().unwrap().to_owned();
    let serum = simple_product(
        &app,
        &owner,
        &store_id,
        "修护精华 Repair serum",
        "skincare",
        19_900,
        json!({ "brand": "Glow" }),
    )
    .await;
    simple_product(&app, &owner, &store_id, "秘密新品", "skincare", 100, json!({ "status": "draft" })).await;
    let (importer, import_store) = store(&app, "tokyo_direct", "cross_border").await;
    let sunscreen = simple_product(
        &app,
        &importer,
        &import_store,
        "日本防晒霜 sunscreen",
        "makeup",
        25_800,
        json!({ "cross_border": { "origin_country": "JP", "trade_mode": "direct_mail" } }),
    )
    .await;
    // Stock for the tee only.
    let product = app.get(&owner, &format!("/api/v1/products/{tee}")).await.json();
    let warehouse = app.get(&owner, &format!("/api/v1/stores/{store_id}")).await.json()["warehouses"][0]["id"].clone();
    app.put(
        &owner,
        &format!("/api/v1/products/{tee}/stock"),
        json!({ "items": [{ "sku_id": product["variants"][0]["id"], "warehouse_id": warehouse, "on_hand": 3 }] }),
    )
    .await
    .assert_status(200);
    app.sync().await;

    let visitor = Client::default();
    let ids = |page: &Value| -> Vec<String> {
        page["items"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_owned()).collect()
    };
    let beauty = category_id(&app, "beauty").await;
    for (query, expected) in [
        ("q=精华".to_owned(), vec![serum.clone()]),
        ("q=cotton".to_owned(), vec![tee.clone()]),
        ("q=repair".to_owned(), vec![serum.clone()]),
        ("q=防晒霜".to_owned(), vec![sunscreen.clone()]),
        ("q=秘密".to_owned(), vec![]),
        (format!("category={beauty}&sort=price_high"), vec![sunscreen.clone(), serum.clone()]),
        (format!("category={beauty}&sort=price_low"), vec![serum.clone(), sunscreen.clone()]),
        ("cross_border=true&sort=newest".to_owned(), vec![sunscreen.clone()]),
        ("in_stock=true&sort=newest".to_owned(), vec![tee.clone()]),
        ("min_price=19900&max_price=20000&sort=newest".to_owned(), vec![serum.clone()]),
        ("store_type=cross_border&sort=newest".to_owned(), vec![sunscreen.clone()]),
    ] {
        let found = app.get(&visitor, &format!("/api/v1/search/products?{}", encode_query(&query))).await;
        found.assert_status(200);
        assert_eq!(ids(&found.json()), expected, "{query}");
    }
    app.get(&visitor, "/api/v1/search/products?sort=cheapest").await.assert_error(422, "invalid_field");
    app.get(&visitor, "/api/v1/search/products?store_type=flagship").await.assert_error(422, "invalid_field");
    app.get(&visitor, "/api/v1/search/products?min_price=-1").await.assert_error(422, "invalid_field");

    // No words: every product on sale, newest first (the tab browses).
    let browsed = app.get(&visitor, "/api/v1/search/products").await.json();
    assert_eq!(ids(&browsed), vec![sunscreen.clone(), serum.clone(), tee.clone()]);

    // Pages slice one ranking; a cursor only continues its own search.
    let first = app.get(&visitor, "/api/v1/search/products?sort=price_low&limit=2").await.json();
    assert_eq!(first["total"], 3);
    let next = first["next_cursor"].as_str().unwrap().to_owned();
    let second =
        app.get(&visitor, &format!("/api/v1/search/products?sort=price_low&limit=2&cursor={next}")).await.json();
    assert_eq!(ids(&second), vec![sunscreen.clone()]);
    app.get(&visitor, &format!("/api/v1/search/products?sort=newest&limit=2&cursor={next}"))
        .await
        .assert_error(400, "invalid_cursor");

    // The unified search shows products beside notes; suggestions include brands.
    let unified = app.get(&visitor, &format!("/api/v1/search?q={}", crate::helpers::encode("精华"))).await.json();
    assert_eq!(unified["products"][0]["id"], serum.as_str());
    let suggested = app.get(&visitor, "/api/v1/search/suggestions?q=glo").await.json();
    assert!(
        suggested["items"].as_array().unwrap().iter().any(|s| s["text"] == "Glow" && s["kind"] == "product"),
        "{suggested}"
    );

    // The pages: the product tab with its filters, and the products beside notes.
    let tab = app.get(&visitor, &format!("/search/products?q={}", crate::helpers::encode("精华"))).await.text();
    assert!(tab.contains(&format!("data-product=\"{serum}\"")) && tab.contains("id=\"product-search\""), "{tab}");
    assert!(tab.contains("1 product<") || tab.contains("1 product "), "the count names products: {tab}");
    let filtered = app.get(&visitor, "/search/products?cross_border=1&sort=newest").await.text();
    assert!(
        filtered.contains(&format!("data-product=\"{sunscreen}\""))
            && !filtered.contains(&format!("data-product=\"{serum}\""))
    );
    let notes_page = app.get(&visitor, &format!("/search?q={}", crate::helpers::encode("精华"))).await.text();
    assert!(notes_page.contains("id=\"search-products\"") && notes_page.contains(&format!("data-product=\"{serum}\"")));

    // Archived products and a suspended store's leave search.
    app.patch(&owner, &format!("/api/v1/products/{serum}"), json!({ "status": "archived" })).await.assert_status(200);
    let admin = app.admin("operator").await;
    app.post(&admin, &format!("/api/v1/admin/stores/{import_store}/suspend"), json!({ "reason": "x" }))
        .await
        .assert_status(200);
    app.sync().await;
    assert!(ids(&app.get(&visitor, "/api/v1/search/products?q=精华").await.json()).is_empty());
    assert!(ids(&app.get(&visitor, "/api/v1/search/products?q=防晒霜").await.json()).is_empty());
    app.post(&admin, &format!("/api/v1/admin/stores/{import_store}/reinstate"), json!({})).await.assert_status(200);
    app.sync().await;
    assert_eq!(ids(&app.get(&visitor, "/api/v1/search/products?q=防晒霜").await.json()), vec![sunscreen.clone()]);
}

/// Percent-encodes the values of a `k=v&k=v` query.
fn encode_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => format!("{k}={}", crate::helpers::encode(v)),
            None => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Sends a raw CSV body to the import route.
async fn import_csv(app: &TestApp, client: &Client, store_id: &str, body: &[u8]) -> crate::helpers::TestResponse {
    let mut request = axum::http::Request::builder()
        .method(axum::http::Method::POST)
        .uri(format!("/api/v1/stores/{store_id}/products/import"))
        .header("content-type", "text/csv")
        .header("origin", crate::helpers::ORIGIN)
        .header("cookie", client.cookie.clone().unwrap());
    if let Some(csrf) = &client.csrf {
        request = request.header("x-csrf-token", csrf);
    }
    app.raw(request.body(axum::body::Body::from(body.to_vec())).unwrap(), [127, 0, 0, 1]).await
}

async fn the_catalogue_goes_out_and_back_in_as_csv(t: TestDb) {
    let app = TestApp::new(t).await;
    let (owner, store_id) = store(&app, "glow_lab", "brand_official").await;
    let tee = tee(&app, &owner, &store_id, "active", "TEE").await;
    let tee_id = tee["id"].as_str().unwrap().to_owned();
    let warehouse = app.get(&owner, &format!("/api/v1/stores/{store_id}")).await.json()["warehouses"][0]["id"].clone();
    app.put(
        &owner,
        &format!("/api/v1/products/{tee_id}/stock"),
        json!({ "items": [{ "sku_id": tee["variants"][1]["id"], "warehouse_id": warehouse, "on_hand": 7 }] }),
    )
    .await
    .assert_status(200);

    // Export: a BOM, a header with the warehouse's stock column, one row per variant.
    let exported = app.get(&owner, &format!("/api/v1/stores/{store_id}/products.csv")).await;
    assert_eq!(exported.status, 200);
    assert!(exported.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = exported.text();
    assert!(text.starts_with('\u{feff}'));
    let records = carmine_core::csv::read(text.trim_start_matches('\u{feff}')).unwrap();
    assert_eq!(records[0].fields[..3], ["product", "title", "category"]);
    assert_eq!(records[0].fields.last().unwrap(), "stock:Main warehouse");
    assert_eq!(records.len(), 5, "{text}");
    let second = &records[2].fields;
    assert_eq!(second[..7], [tee_id.as_str(), "纯棉短袖 Cotton tee", "womenswear", "Glow", "active", "yes", "800"]);
    assert_eq!(second[7], "重磅纯棉，不易变形。\nHeavyweight cotton.", "a line break inside a quoted field");
    assert_eq!(second[14..], ["TEE-1", "99.00", "129.00", "180", "7"]);

    // The same file back changes nothing but counts as an update.
    let again = import_csv(&app, &owner, &store_id, text.as_bytes()).await;
    again.assert_status(200);
    assert_eq!(again.json(), json!({ "created": 0, "updated": 1, "failed": [] }));
    let after = app.get(&owner, &format!("/api/v1/products/{tee_id}")).await.json();
    assert_eq!(after["variants"].as_array().unwrap().len(), 4);
    assert_eq!(after["variants"][1]["available"], 7);
    assert_eq!(after["variants"][1]["id"], tee["variants"][1]["id"], "variants matched by their option values");

    // New products, a price change and bad units: good units apply, bad ones name their lines.
    let file = "\u{feff}product,title,category,price,option1,value1,sku,stock:Main warehouse,status\r\n\
new-serum,修护精华,skincare,199,规格,30ml,SER-30,5,draft\r\n\
new-serum,修护精华,skincare,299,规格,50ml,SER-50,,draft\r\n\
bad-price,坏价格,skincare,-1,,,,,draft\r\n\
bad-category,坏类目,no_such_slug,10,,,,,draft\r\n\
half-bad,一半坏,skincare,10,颜色,红,HB-1,1,draft\r\n\
half-bad,一半坏,skincare,10,颜色,红,HB-2,1,draft\r\n\
\"quoted, title\",\"有逗号, 的标题\",skincare,12.5,,,,-3,draft\r\n";
    let imported = import_csv(&app, &owner, &store_id, file.as_bytes()).await;
    imported.assert_status(200);
    let report = imported.json();
    assert_eq!((report["created"].as_u64(), report["updated"].as_u64()), (Some(1), Some(0)), "{report}");
    let failed: Vec<(u64, u64, String)> = report["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["first_line"].as_u64().unwrap(),
                f["last_line"].as_u64().unwrap(),
                f["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        failed,
        [
            (4, 4, "invalid_amount".to_owned()),
            (5, 5, "category_not_found".to_owned()),
            (6, 7, "invalid_field".to_owned()),
            (8, 8, "invalid_field".to_owned()),
        ]
    );
    let drafts = app.get(&owner, &format!("/api/v1/stores/{store_id}/products?status=draft")).await.json();
    assert_eq!(drafts["items"].as_array().unwrap().len(), 1, "nothing of a rejected unit was written: {drafts}");
    let serum =
        app.get(&owner, &format!("/api/v1/products/{}", drafts["items"][0]["id"].as_str().unwrap())).await.json();
    assert_eq!(serum["variants"][0]["available"], 5);
    assert_eq!(serum["variants"][1]["price"], cny(29_900));

    // Whole-file refusals: not UTF-8, a bad header, too many rows, too large; and who may.
    let events = app.event_count().await;
    let gbk = b"product,title,category,price\r\nx,\xC9\xCF\xBA\xA3,skincare,1\r\n";
    let refused = import_csv(&app, &owner, &store_id, gbk).await;
    refused.assert_error(422, "invalid_field");
    assert_eq!(refused.json()["error"]["details"]["line"], 1);
    import_csv(&app, &owner, &store_id, b"product,title,colour,price\r\n").await.assert_error(422, "invalid_field");
    import_csv(&app, &owner, &store_id, b"product,title\r\n").await.assert_error(422, "invalid_field");
    let mut many = String::from("product,title,category,price\r\n");
    for n in 0..10_001 {
        many.push_str(&format!("p{n},t,skincare,1\r\n"));
    }
    let too_many = import_csv(&app, &owner, &store_id, many.as_bytes()).await;
    too_many.assert_error(422, "invalid_field");
    assert_eq!(too_many.json()["error"]["details"]["rule"], "too_many");
    let huge = vec![b'a'; 5 * 1024 * 1024 + 2048];
    import_csv(&app, &owner, &store_id, &huge).await.assert_error(413, "payload_too_large");
    let (stranger, _) = store(&app, "rival", "brand_official").await;
    let mid_events = app.event_count().await;
    import_csv(&app, &stranger, &store_id, file.as_bytes()).await.assert_error(404, "store_not_found");
    app.get(&stranger, &format!("/api/v1/stores/{store_id}/products.csv")).await.assert_error(404, "store_not_found");
    assert_eq!(app.event_count().await, mid_events);
    assert!(app.event_count().await >= events);

    // The console: export link and an import through the page, its report shown.
    let list = app.get(&owner, "/o/glow_lab/manage/products").await.text();
    assert!(list.contains("/o/glow_lab/manage/products/export.csv") && list.contains("id=\"import-form\""));
    let page_file =
        "product,title,category,price,status\r\nfrom-page,页面导入,snacks,8.8,draft\r\nbad,坏,snacks,abc,draft\r\n";
    let shown = crate::commerce::post_form_data(
        &app,
        &owner,
        "/o/glow_lab/manage/products/import",
        &[],
        &[("file", page_file.as_bytes())],
    )
    .await;
    assert_eq!(shown.status, 200, "{}", shown.text());
    let html = shown.text();
    assert!(html.contains("id=\"import-report\"") && html.contains("bad —"), "{html}");
}
