//! Commerce: the operator's category tree, stores (opening, settings, shipping,
//! warehouses, the role matrix) and their suspension, through the API and the pages.

use carmine_store::testing::TestDb;
use serde_json::{Value, json};

use crate::helpers::ORIGIN;
use crate::helpers::{Client, TestApp};
use crate::pages::form;

carmine_store::both_backends!(
    the_operator_keeps_the_category_tree,
    a_verified_merchant_opens_one_store_and_roles_decide_who_edits_it,
    shipping_templates_take_regions_fees_and_thresholds,
    the_operator_suspends_and_reinstates_a_store,
    store_pages_open_edit_and_show_a_store,
);

/// A multipart form to a page: text fields and named files, the CSRF token in the address.
pub(crate) async fn post_form_data(
    app: &TestApp,
    client: &Client,
    path: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &[u8])],
) -> crate::helpers::TestResponse {
    let boundary = "page-form-boundary-51c2";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    for (name, bytes) in files {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"i.png\"\r\nContent-Type: image/png\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let request = axum::http::Request::builder()
        .method(axum::http::Method::POST)
        .uri(format!("{path}?_csrf={}", client.csrf.clone().unwrap()))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .header("origin", ORIGIN)
        .header("cookie", client.cookie.clone().unwrap())
        .body(axum::body::Body::from(body))
        .unwrap();
    app.raw(request, [127, 0, 0, 1]).await
}

/// The store console's images form.
async fn upload_images(app: &TestApp, client: &Client, files: &[(&str, &[u8])]) -> crate::helpers::TestResponse {
    post_form_data(app, client, "/o/glow_lab/store/images", &[], files).await
}

fn cny(amount_minor: i64) -> Value {
    json!({ "amount_minor": amount_minor, "currency": "CNY" })
}

/// An organization of `kind` owned by `owner`, verified by an operator.
pub(crate) async fn verified_org(app: &TestApp, owner: &Client, handle: &str, kind: &str) {
    app.post(owner, "/api/v1/orgs", json!({ "handle": handle, "name": format!("{handle} 官方"), "kind": kind }))
        .await
        .assert_status(201);
    let request =
        app.post(owner, &format!("/api/v1/orgs/{handle}/verification"), json!({ "evidence": "营业执照" })).await;
    request.assert_status(201);
    let operator = app.admin(&format!("op_{handle}")).await;
    let id = request.json()["id"].as_str().unwrap().to_owned();
    app.post(&operator, &format!("/api/v1/admin/verifications/{id}/approve"), json!({})).await.assert_status(200);
}

/// A member of `org` with `role`, through an invitation.
pub(crate) async fn join(app: &TestApp, owner: &Client, org: &str, username: &str, role: &str) -> Client {
    let member = app.signup(username).await;
    app.post(owner, &format!("/api/v1/orgs/{org}/invitations"), json!({ "username": username, "role": role }))
        .await
        .assert_status(201);
    let invitation =
        app.get(&member, "/api/v1/me/invitations").await.json()["items"][0]["id"].as_str().unwrap().to_owned();
    app.post(&member, &format!("/api/v1/invitations/{invitation}/accept"), json!({})).await.assert_status(200);
    member
}

fn category<'a>(tree: &'a Value, slug: &str) -> &'a Value {
    tree["items"].as_array().unwrap().iter().find(|c| c["slug"] == slug).unwrap_or_else(|| panic!("{slug} in {tree}"))
}

async fn the_operator_keeps_the_category_tree(t: TestDb) {
    let app = TestApp::new(t).await;
    let anyone = Client::default();
    let tree = app.get(&anyone, "/api/v1/categories").await.json();
    // The published rates (domain.md): 5% apparel, personal care, pets; 4% beauty; 2% fresh food.
    for (slug, bps) in [("apparel", 500), ("personal_care", 500), ("pets", 500), ("beauty", 400), ("fresh_food", 200)] {
        assert_eq!(category(&tree, slug)["commission_bps"], bps, "{slug}");
        assert_eq!(category(&tree, slug)["depth"], 1);
    }
    let skincare = category(&tree, "skincare");
    assert_eq!((skincare["depth"].as_i64(), skincare["commission_bps"].as_i64()), (Some(2), Some(400)));
    assert_eq!(skincare["parent_id"], category(&tree, "beauty")["id"]);
    let beauty_at = tree["items"].as_array().unwrap().iter().position(|c| c["slug"] == "beauty").unwrap();
    let skincare_at = tree["items"].as_array().unwrap().iter().position(|c| c["slug"] == "skincare").unwrap();
    assert!(beauty_at < skincare_at, "parents come before their children");

    let member = app.signup("meimei").await;
    let admin = app.admin("operator").await;
    let new = json!({ "parent_id": skincare["id"], "slug": "sunscreen", "name_en": "Sunscreen", "name_zh": "防晒" });
    app.post(&member, "/api/v1/admin/categories", new.clone()).await.assert_error(403, "admin_only");
    app.patch(
        &member,
        &format!("/api/v1/admin/categories/{}", skincare["id"].as_str().unwrap()),
        json!({ "commission_bps": 0 }),
    )
    .await
    .assert_error(403, "admin_only");
    let events = app.event_count().await;
    for (bad, field) in [
        (json!({ "slug": "x", "name_en": "X", "name_zh": "叉" }), "commission_bps"),
        (json!({ "slug": "Sun Screen", "name_en": "X", "name_zh": "叉", "commission_bps": 1 }), "slug"),
        (json!({ "slug": "skincare", "name_en": "X", "name_zh": "叉", "commission_bps": 1 }), "slug"),
        (json!({ "slug": "x", "name_en": "X", "name_zh": "叉", "commission_bps": 10_001 }), "commission_bps"),
        (json!({ "slug": "x", "name_en": "", "name_zh": "叉", "commission_bps": 1 }), "name_en"),
        (json!({ "slug": "x", "name_en": "X", "name_zh": "叉".repeat(31), "commission_bps": 1 }), "name_zh"),
        (json!({ "parent_id": "42", "slug": "x", "name_en": "X", "name_zh": "叉" }), "parent_id"),
    ] {
        let refused = app.post(&admin, "/api/v1/admin/categories", bad.clone()).await;
        refused.assert_error(422, "invalid_field");
        assert_eq!(refused.json()["error"]["details"]["field"], field, "{bad}");
    }
    app.post(
        &admin,
        "/api/v1/admin/categories",
        json!({ "slug": "x", "name_en": "X", "name_zh": "叉", "is_admin": true }),
    )
    .await
    .assert_error(422, "unknown_field");
    assert_eq!(app.event_count().await, events, "refusals change nothing");

    // A third level inherits its parent's rate; a fourth is refused.
    let sunscreen = app.post(&admin, "/api/v1/admin/categories", new).await;
    sunscreen.assert_status(201);
    let sunscreen = sunscreen.json();
    assert_eq!((sunscreen["depth"].as_i64(), sunscreen["commission_bps"].as_i64()), (Some(3), Some(400)));
    let deeper = json!({ "parent_id": sunscreen["id"], "slug": "spf50", "name_en": "SPF 50", "name_zh": "SPF50", "commission_bps": 400 });
    app.post(&admin, "/api/v1/admin/categories", deeper).await.assert_error(422, "invalid_field");

    // The operator changes beauty's rate: the change is in the tree and the audit log.
    let beauty = category(&tree, "beauty")["id"].as_str().unwrap().to_owned();
    let changed =
        app.patch(&admin, &format!("/api/v1/admin/categories/{beauty}"), json!({ "commission_bps": 450 })).await;
    changed.assert_status(200);
    assert_eq!(changed.json()["commission_bps"], 450);
    assert_eq!(category(&app.get(&anyone, "/api/v1/categories").await.json(), "beauty")["commission_bps"], 450);
    assert_eq!(category(&app.get(&anyone, "/api/v1/categories").await.json(), "skincare")["commission_bps"], 400);
    let audit = app.get(&admin, "/api/v1/admin/audit-log").await.json();
    let entry = &audit["items"][0];
    assert_eq!(entry["action"], "commerce.update_category");
    assert_eq!(entry["details"]["commission_bps"], json!({ "from": 400, "to": 450 }));
    app.patch(&admin, "/api/v1/admin/categories/99999999", json!({ "commission_bps": 1 }))
        .await
        .assert_error(404, "category_not_found");
    app.patch(&admin, "/api/v1/admin/categories/nope", json!({})).await.assert_error(404, "category_not_found");

    // Archiving: not while a live sub-category remains; archived categories leave the public tree.
    let skincare_id = skincare["id"].as_str().unwrap();
    app.patch(&admin, &format!("/api/v1/admin/categories/{skincare_id}"), json!({ "archived": true }))
        .await
        .assert_error(409, "category_in_use");
    let sunscreen_id = sunscreen["id"].as_str().unwrap();
    app.patch(&admin, &format!("/api/v1/admin/categories/{sunscreen_id}"), json!({ "archived": true }))
        .await
        .assert_status(200);
    let archived =
        app.patch(&admin, &format!("/api/v1/admin/categories/{skincare_id}"), json!({ "archived": true })).await;
    assert_eq!(archived.json()["archived"], true);
    let public = app.get(&anyone, "/api/v1/categories").await.json();
    assert!(!public["items"].as_array().unwrap().iter().any(|c| c["slug"] == "skincare" || c["slug"] == "sunscreen"));
    let all = app.get(&admin, "/api/v1/admin/categories").await.json();
    assert_eq!(category(&all, "sunscreen")["archived"], true);
    app.patch(&admin, &format!("/api/v1/admin/categories/{sunscreen_id}"), json!({ "archived": false }))
        .await
        .assert_error(422, "invalid_field");
    app.patch(&admin, &format!("/api/v1/admin/categories/{skincare_id}"), json!({ "archived": false }))
        .await
        .assert_status(200);
}

async fn a_verified_merchant_opens_one_store_and_roles_decide_who_edits_it(t: TestDb) {
    let app = TestApp::new(t).await;
    let owner = app.signup("xiaohong").await;
    app.post(&owner, "/api/v1/orgs", json!({ "handle": "glow_lab", "name": "光实验室 Glow Lab", "kind": "brand" }))
        .await
        .assert_status(201);
    let open = json!({ "org": "glow_lab", "store_type": "brand_official" });
    app.post(&owner, "/api/v1/stores", open.clone()).await.assert_error(409, "store_needs_verified_org");
    app.post(&owner, "/api/v1/orgs", json!({ "handle": "ad_house", "name": "Ad House", "kind": "agency" }))
        .await
        .assert_status(201);
    app.post(&owner, "/api/v1/stores", json!({ "org": "ad_house", "store_type": "authorised_reseller" }))
        .await
        .assert_error(409, "store_needs_verified_org");
    let request =
        app.post(&owner, "/api/v1/orgs/glow_lab/verification", json!({ "evidence": "营业执照" })).await.json();
    let operator = app.admin("operator").await;
    app.post(&operator, &format!("/api/v1/admin/verifications/{}/approve", request["id"].as_str().unwrap()), json!({}))
        .await
        .assert_status(200);
    let staff = join(&app, &owner, "glow_lab", "writer", "staff").await;
    let analyst = join(&app, &owner, "glow_lab", "counter", "analyst").await;
    let stranger = app.signup("mallory").await;

    app.post(&staff, "/api/v1/stores", open.clone()).await.assert_error(403, "role_too_low");
    app.post(&stranger, "/api/v1/stores", open.clone()).await.assert_error(404, "org_not_found");
    app.post(&owner, "/api/v1/stores", json!({ "org": "glow_lab" })).await.assert_error(422, "missing_field");
    app.post(&owner, "/api/v1/stores", json!({ "org": "glow_lab", "store_type": "flagship" }))
        .await
        .assert_error(422, "invalid_field");
    app.post(&owner, "/api/v1/stores", json!({ "org": "glow_lab", "store_type": "brand_official", "return_days": 31 }))
        .await
        .assert_error(422, "invalid_field");
    let opened = app.post(&owner, "/api/v1/stores", open.clone()).await;
    opened.assert_status(201);
    let store = opened.json();
    let id = store["id"].as_str().unwrap().to_owned();
    assert_eq!(store["name"], "光实验室 Glow Lab", "named after its organization");
    assert_eq!(store["url"], "/o/glow_lab/store");
    assert_eq!((store["return_days"].as_i64(), store["score"].as_f64()), (Some(7), Some(4.5)));
    assert_eq!(store["shipping_templates"].as_array().unwrap().len(), 1);
    assert_eq!(store["shipping_templates"][0]["is_default"], true);
    assert_eq!(store["shipping_templates"][0]["default_fee"], cny(0));
    assert_eq!(store["warehouses"].as_array().unwrap().len(), 1);
    app.post(&owner, "/api/v1/stores", open).await.assert_error(409, "store_exists");

    // A merchant may not call itself a brand's official store.
    let seller = app.signup("seller").await;
    verified_org(&app, &seller, "tea_shop", "merchant").await;
    app.post(&seller, "/api/v1/stores", json!({ "org": "tea_shop", "store_type": "brand_official" }))
        .await
        .assert_error(422, "invalid_field");
    app.post(&seller, "/api/v1/stores", json!({ "org": "tea_shop", "store_type": "authorised_reseller" }))
        .await
        .assert_status(201);

    // Who sees what: anyone the store and its shipping; members also its warehouses.
    let public = app.get(&Client::default(), &format!("/api/v1/stores/{id}")).await.json();
    assert!(public["warehouses"].is_null() && public["shipping_templates"].as_array().unwrap().len() == 1);
    assert_eq!(app.get(&analyst, &format!("/api/v1/stores/{id}")).await.json()["warehouses"][0]["priority"], 1);
    let listed = app.get(&Client::default(), "/api/v1/stores").await.json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);

    // Who edits: admins and owners the store; staff and analysts may not; strangers do not know it.
    let path = format!("/api/v1/stores/{id}");
    let events = app.event_count().await;
    app.patch(&staff, &path, json!({ "name": "mine" })).await.assert_error(403, "role_too_low");
    app.patch(&analyst, &path, json!({ "name": "mine" })).await.assert_error(403, "role_too_low");
    app.patch(&stranger, &path, json!({ "name": "mine" })).await.assert_error(404, "store_not_found");
    app.patch(&stranger, &path, json!({ "bogus": 1 })).await.assert_error(404, "store_not_found");
    app.patch(&owner, &path, json!({ "name": "" })).await.assert_error(422, "invalid_field");
    app.patch(&owner, &path, json!({ "score": 5 })).await.assert_error(422, "unknown_field");
    app.patch(&owner, &path, json!({ "status": "open" })).await.assert_error(422, "unknown_field");
    let theirs = app.upload(&stranger, &[("file", "l.png", &carmine_media::fixtures::png(64, 64))]).await.json();
    app.patch(&owner, &path, json!({ "logo_media_id": theirs["id"] })).await.assert_error(422, "invalid_field");
    app.patch(&owner, "/api/v1/stores/123", json!({ "name": "x" })).await.assert_error(404, "store_not_found");
    assert_eq!(app.event_count().await, events + 1, "refusals change nothing (the stranger's upload is one event)");

    let logo = app.upload(&owner, &[("file", "l.png", &carmine_media::fixtures::png(64, 64))]).await.json();
    let edited = app
        .patch(
            &owner,
            &path,
            json!({ "name": "Glow Lab 官方旗舰店", "description": "敏感肌护肤\nSkincare for sensitive skin", "logo_media_id": logo["id"], "return_days": 0, "return_policy": "开封后不退" }),
        )
        .await;
    edited.assert_status(200);
    let edited = edited.json();
    assert_eq!(edited["name"], "Glow Lab 官方旗舰店");
    assert_eq!(edited["return_days"], 0);
    assert!(edited["logo_url"].as_str().unwrap().starts_with(&format!("/media/{}/", logo["id"].as_str().unwrap())));
    let removed = app.patch(&owner, &path, json!({ "logo_media_id": null })).await.json();
    assert!(removed["logo_url"].is_null() && removed["name"] == "Glow Lab 官方旗舰店", "null removes, absent keeps");

    // Warehouses: added after the others, renamed; a stranger's ids are not found.
    let added = app.post(&owner, &format!("{path}/warehouses"), json!({ "name": "上海保税仓" })).await;
    added.assert_status(201);
    let warehouses = added.json()["warehouses"].clone();
    assert_eq!(warehouses[1]["priority"], 2);
    let second = warehouses[1]["id"].as_str().unwrap();
    app.patch(&owner, &format!("{path}/warehouses/{second}"), json!({ "name": "Shanghai bonded" }))
        .await
        .assert_status(200);
    app.patch(&owner, &format!("{path}/warehouses/42"), json!({ "name": "x" }))
        .await
        .assert_error(404, "warehouse_not_found");
    app.post(&staff, &format!("{path}/warehouses"), json!({ "name": "x" })).await.assert_error(403, "role_too_low");
    app.post(&owner, &format!("{path}/warehouses"), json!({ "name": " " })).await.assert_error(422, "invalid_field");

    // Checkout's order: a third warehouse moved first; the others keep theirs.
    let third = app.post(&owner, &format!("{path}/warehouses"), json!({ "name": "成都仓" })).await.json()["warehouses"]
        [2]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let first = warehouses[0]["id"].as_str().unwrap().to_owned();
    let moved = app.patch(&owner, &format!("{path}/warehouses/{third}"), json!({ "position": 1 })).await;
    moved.assert_status(200);
    let order = |store: &Value| -> Vec<(String, i64)> {
        store["warehouses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| (w["id"].as_str().unwrap().to_owned(), w["priority"].as_i64().unwrap()))
            .collect()
    };
    assert_eq!(order(&moved.json()), [(third.clone(), 1), (first.clone(), 2), (second.to_owned(), 3)]);
    for bad in [json!({ "position": 0 }), json!({ "position": 4 }), json!({ "position": "1" }), json!({ "rank": 1 })] {
        let refused = app.patch(&owner, &format!("{path}/warehouses/{third}"), bad.clone()).await;
        assert_eq!(refused.status.as_u16(), 422, "{bad}");
    }
    app.patch(&staff, &format!("{path}/warehouses/{third}"), json!({ "position": 3 }))
        .await
        .assert_error(403, "role_too_low");

    // Removing: only an empty one, never the last; the others close up.
    let category = crate::catalogue::category_id(&app, "skincare").await;
    let product = app
        .post(
            &owner,
            &format!("{path}/products"),
            json!({ "category_id": category, "title": "精华", "variants": [{ "price": cny(9_900) }] }),
        )
        .await
        .json();
    let variant = product["variants"][0]["id"].clone();
    let stock = |warehouse: &str, on_hand: i64| json!({ "items": [{ "sku_id": variant, "warehouse_id": warehouse, "on_hand": on_hand }] });
    let stock_path = format!("/api/v1/products/{}/stock", product["id"].as_str().unwrap());
    app.put(&owner, &stock_path, stock(&third, 4)).await.assert_status(200);
    app.delete(&owner, &format!("{path}/warehouses/{third}"), None).await.assert_error(409, "warehouse_not_empty");
    app.delete(&staff, &format!("{path}/warehouses/{first}"), None).await.assert_error(403, "role_too_low");
    app.put(&owner, &stock_path, stock(&third, 0)).await.assert_status(200);
    let removed = app.delete(&owner, &format!("{path}/warehouses/{third}"), None).await;
    removed.assert_status(200);
    assert_eq!(order(&removed.json()), [(first.clone(), 1), (second.to_owned(), 2)]);
    app.delete(&owner, &format!("{path}/warehouses/{third}"), None).await.assert_error(404, "warehouse_not_found");
    app.delete(&owner, &format!("{path}/warehouses/{second}"), None).await.assert_status(200);
    app.delete(&owner, &format!("{path}/warehouses/{first}"), None).await.assert_error(409, "last_warehouse");
}

async fn shipping_templates_take_regions_fees_and_thresholds(t: TestDb) {
    let app = TestApp::new(t).await;
    let owner = app.signup("xiaohong").await;
    verified_org(&app, &owner, "glow_lab", "brand").await;
    let store =
        app.post(&owner, "/api/v1/stores", json!({ "org": "glow_lab", "store_type": "cross_border" })).await.json();
    let path = format!("/api/v1/stores/{}/shipping-templates", store["id"].as_str().unwrap());
    let good = json!({
        "name": "偏远地区加价",
        "default_fee": cny(800),
        "free_over": cny(9_900),
        "fees": [{ "region": "cn-xj", "fee": null }, { "region": "CN-XZ", "fee": null }, { "region": "world", "fee": cny(12_000) }],
        "make_default": true,
    });
    let events = app.event_count().await;
    for (bad, status, code) in [
        (json!({ "default_fee": { "amount_minor": 800, "currency": "USD" } }), 422, "unsupported_currency"),
        (json!({ "default_fee": cny(-1) }), 422, "invalid_amount"),
        (json!({ "default_fee": cny(10_000_001) }), 422, "invalid_amount"),
        (json!({ "free_over": cny(0) }), 422, "invalid_amount"),
        (json!({ "fees": [{ "region": "CN-XX", "fee": cny(1) }] }), 422, "invalid_field"),
        (
            json!({ "fees": [{ "region": "CN-BJ", "fee": cny(1) }, { "region": "cn-bj", "fee": null }] }),
            422,
            "invalid_field",
        ),
        (
            json!({ "fees": [{ "region": "CN-BJ", "fee": { "amount_minor": 1, "currency": "EUR" } }] }),
            422,
            "unsupported_currency",
        ),
        (json!({ "name": "" }), 422, "invalid_field"),
        (json!({ "fees": [{ "region": "CN-BJ", "fee": cny(1), "extra": 1 }] }), 422, "unknown_field"),
    ] {
        let mut body = good.clone();
        for (k, v) in bad.as_object().unwrap() {
            body[k] = v.clone();
        }
        app.post(&owner, &path, body).await.assert_error(status, code);
    }
    assert_eq!(app.event_count().await, events, "refusals change nothing");

    let created = app.post(&owner, &path, good).await;
    created.assert_status(201);
    let templates = created.json()["shipping_templates"].clone();
    let (first, second) = (&templates[0], &templates[1]);
    assert_eq!((first["is_default"].as_bool(), second["is_default"].as_bool()), (Some(false), Some(true)));
    assert_eq!(second["fees"].as_array().unwrap().len(), 3);
    assert_eq!(second["fees"][0], json!({ "region": "CN-XJ", "fee": null }));
    assert_eq!(second["fees"][2], json!({ "region": "world", "fee": cny(12_000) }));
    assert_eq!(second["free_over"], cny(9_900));

    // The default cannot be deleted; another can. A rewrite replaces the regions.
    let second_id = second["id"].as_str().unwrap();
    app.delete(&owner, &format!("{path}/{second_id}"), None).await.assert_error(422, "invalid_field");
    let rewritten = app
        .put(&owner, &format!("{path}/{second_id}"), json!({ "name": "全国包邮", "default_fee": cny(0), "fees": [] }))
        .await;
    rewritten.assert_status(200);
    let rewritten = rewritten.json()["shipping_templates"][1].clone();
    assert!(rewritten["fees"].as_array().unwrap().is_empty() && rewritten["is_default"] == true);
    let first_id = first["id"].as_str().unwrap();
    let after = app.delete(&owner, &format!("{path}/{first_id}"), None).await;
    after.assert_status(200);
    assert_eq!(after.json()["shipping_templates"].as_array().unwrap().len(), 1);
    app.delete(&owner, &format!("{path}/{first_id}"), None).await.assert_error(404, "shipping_template_not_found");

    // At most 20 templates a store.
    for n in 1..20 {
        let body = json!({ "name": format!("模板{n}"), "default_fee": cny(n) });
        app.post(&owner, &path, body).await.assert_status(201);
    }
    let refused = app.post(&owner, &path, json!({ "name": "one more", "default_fee": cny(1) })).await;
    refused.assert_error(422, "invalid_field");
    assert_eq!(refused.json()["error"]["details"]["rule"], "too_many");
}

async fn the_operator_suspends_and_reinstates_a_store(t: TestDb) {
    let app = TestApp::new(t).await;
    let owner = app.signup("xiaohong").await;
    verified_org(&app, &owner, "glow_lab", "brand").await;
    let store =
        app.post(&owner, "/api/v1/stores", json!({ "org": "glow_lab", "store_type": "brand_official" })).await.json();
    let id = store["id"].as_str().unwrap();
    let admin = app.admin("operator").await;
    app.post(&owner, &format!("/api/v1/admin/stores/{id}/suspend"), json!({ "reason": "x" }))
        .await
        .assert_error(403, "admin_only");
    app.post(&admin, &format!("/api/v1/admin/stores/{id}/suspend"), json!({ "reason": "" }))
        .await
        .assert_error(422, "invalid_field");
    app.post(&admin, "/api/v1/admin/stores/7/suspend", json!({ "reason": "x" }))
        .await
        .assert_error(404, "store_not_found");
    let suspended = app
        .post(
            &admin,
            &format!("/api/v1/admin/stores/{id}/suspend"),
            json!({ "reason": "假货投诉 counterfeit reports" }),
        )
        .await;
    suspended.assert_status(200);
    assert_eq!(suspended.json()["status"], "suspended");
    let events = app.event_count().await;
    app.post(&admin, &format!("/api/v1/admin/stores/{id}/suspend"), json!({ "reason": "again" }))
        .await
        .assert_status(200);
    assert_eq!(app.event_count().await, events, "suspending a suspended store changes nothing");

    let public = app.get(&Client::default(), &format!("/api/v1/stores/{id}")).await.json();
    assert_eq!(public["status"], "suspended");
    assert!(public["suspended_reason"].is_null(), "the reason is for the store's members");
    let own = app.get(&owner, &format!("/api/v1/stores/{id}")).await.json();
    assert_eq!(own["suspended_reason"], "假货投诉 counterfeit reports");
    assert!(app.get(&Client::default(), "/api/v1/stores").await.json()["items"].as_array().unwrap().is_empty());
    let listed = app.get(&admin, "/api/v1/admin/stores?status=suspended").await.json();
    assert_eq!(listed["items"][0]["id"], id);
    app.get(&admin, "/api/v1/admin/stores?status=closed").await.assert_error(422, "invalid_field");
    assert_eq!(app.get(&admin, "/api/v1/admin/audit-log").await.json()["items"][0]["action"], "commerce.suspend_store");
    // Its members may still fix its settings while it is suspended.
    app.patch(&owner, &format!("/api/v1/stores/{id}"), json!({ "return_days": 7 })).await.assert_status(200);

    let reinstated = app.post(&admin, &format!("/api/v1/admin/stores/{id}/reinstate"), json!({})).await.json();
    assert_eq!((reinstated["status"].as_str(), reinstated["suspended_reason"].as_str()), (Some("open"), None));
    assert_eq!(app.get(&Client::default(), "/api/v1/stores").await.json()["items"][0]["id"], id);
}

async fn store_pages_open_edit_and_show_a_store(t: TestDb) {
    let app = TestApp::new(t).await;
    let owner = app.signup("xiaohong").await;
    app.post(&owner, "/api/v1/orgs", json!({ "handle": "glow_lab", "name": "光实验室", "kind": "brand" }))
        .await
        .assert_status(201);
    let console = app.get(&owner, "/o/glow_lab/manage/store").await.text();
    assert!(console.contains("id=\"store-blocked\""), "not verified yet: {console}");
    let request = app.post(&owner, "/api/v1/orgs/glow_lab/verification", json!({ "evidence": "执照" })).await.json();
    let admin = app.admin("operator").await;
    app.post(&admin, &format!("/api/v1/admin/verifications/{}/approve", request["id"].as_str().unwrap()), json!({}))
        .await
        .assert_status(200);
    let analyst = join(&app, &owner, "glow_lab", "counter", "analyst").await;
    let waiting = app.get(&analyst, "/o/glow_lab/manage/store").await.text();
    assert!(waiting.contains("id=\"store-blocked\"") && !waiting.contains("id=\"store-open\""), "{waiting}");

    // Opening through the form; a refused form keeps what was typed.
    let fields = [
        ("name", "光实验室官方店"),
        ("store_type", "brand_official"),
        ("description", "敏感肌"),
        ("return_days", "99"),
        ("return_policy", ""),
    ];
    let refused = form(&app, &owner, "/o/glow_lab/store/open", &fields).await;
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert!(refused.text().contains("value=\"光实验室官方店\"") && refused.text().contains("value=\"99\""));
    let fields = [
        ("name", "光实验室官方店"),
        ("store_type", "brand_official"),
        ("description", "敏感肌"),
        ("return_days", "7"),
        ("return_policy", ""),
    ];
    let opened = form(&app, &owner, "/o/glow_lab/store/open", &fields).await;
    assert_eq!(opened.status, 303, "{}", opened.text());
    let console = app.get(&owner, "/o/glow_lab/manage/store").await.text();
    assert!(console.contains("id=\"store-settings\"") && console.contains("Standard shipping"), "{console}");

    // The analyst reads the settings and cannot change them.
    let read_only = app.get(&analyst, "/o/glow_lab/manage/store").await.text();
    assert!(!read_only.contains("id=\"store-settings\"") && read_only.contains("光实验室官方店"));
    let tried = form(&app, &analyst, "/o/glow_lab/store/settings", &fields).await;
    assert_eq!(tried.status, 403, "{}", tried.text());

    // A template through the form: a region's own fee and a region not delivered to.
    let template = [
        ("name", "偏远加价"),
        ("default_fee", "8"),
        ("free_over", "99.5"),
        ("fee_CN-HI", "15"),
        ("off_CN-XZ", "1"),
        ("make_default", "1"),
    ];
    assert_eq!(form(&app, &owner, "/o/glow_lab/store/templates", &template).await.status, 303);
    let store = app.get(&owner, "/api/v1/stores").await.json()["items"][0].clone();
    let full = app.get(&owner, &format!("/api/v1/stores/{}", store["id"].as_str().unwrap())).await.json();
    let made = &full["shipping_templates"][1];
    assert_eq!(made["default_fee"], cny(800));
    assert_eq!(made["free_over"], cny(9_950));
    assert_eq!(made["fees"], json!([{ "region": "CN-HI", "fee": cny(1_500) }, { "region": "CN-XZ", "fee": null }]));
    let bad = [("name", "x"), ("default_fee", "8.999")];
    assert_eq!(form(&app, &owner, "/o/glow_lab/store/templates", &bad).await.status, 422);

    // Logo and banner through the media pipeline.
    let logo = carmine_media::fixtures::png(64, 64);
    let banner = carmine_media::fixtures::png(300, 100);
    let uploaded = upload_images(&app, &owner, &[("logo", &logo), ("banner", &banner)]).await;
    assert_eq!(uploaded.status, 303, "{}", uploaded.text());
    let shown = app.get(&Client::default(), &format!("/api/v1/stores/{}", store["id"].as_str().unwrap())).await.json();
    assert!(shown["logo_url"].is_string() && shown["banner_url"].is_string(), "{shown}");
    let not_an_image = upload_images(&app, &owner, &[("logo", b"GIF89a not really")]).await;
    assert_eq!(not_an_image.status, 415, "{}", not_an_image.text());
    let kept = app.get(&Client::default(), &format!("/api/v1/stores/{}", store["id"].as_str().unwrap())).await.json();
    assert_eq!(kept["logo_url"], shown["logo_url"], "a refused upload changes nothing");

    // The public page in both languages, signed out: its promises in words.
    let zh = app
        .send_with(
            &Client::default(),
            axum::http::Method::GET,
            "/o/glow_lab/store",
            None,
            &[("accept-language", "zh-CN")],
        )
        .await
        .text();
    assert!(
        zh.contains("光实验室官方店") && zh.contains("7 天无理由退货") && zh.contains("运费 ¥8.00，满 ¥99.50 包邮"),
        "{zh}"
    );
    let en = app
        .send_with(&Client::default(), axum::http::Method::GET, "/o/glow_lab/store", None, &[("accept-language", "en")])
        .await
        .text();
    assert!(en.contains("Brand official store") && en.contains("7-day no-reason returns"), "{en}");
    app.get(&Client::default(), "/o/nobody/store").await.assert_status(404);

    // The operator's pages: a rate changed through the form, a store suspended.
    let categories = app.get(&admin, "/admin/categories").await.text();
    assert!(categories.contains("id=\"category-beauty\"") && categories.contains(">4%<"));
    let beauty = app.get(&admin, "/api/v1/admin/categories").await.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["slug"] == "beauty")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let saved = form(
        &app,
        &admin,
        &format!("/admin/categories/{beauty}"),
        &[("name_en", "Beauty"), ("name_zh", "美妆"), ("rate", "3.5"), ("position", "2")],
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.text());
    assert!(app.get(&admin, "/admin/categories").await.text().contains(">3.5%<"));
    app.get(&owner, "/admin/categories").await.assert_status(403);
    let store_id = store["id"].as_str().unwrap();
    let suspended = form(&app, &admin, &format!("/admin/stores/{store_id}/suspend"), &[("reason", "投诉")]).await;
    assert_eq!(suspended.status, 303);
    assert!(app.get(&Client::default(), "/o/glow_lab/store").await.text().contains("id=\"store-suspended\""));
    assert!(app.get(&owner, "/o/glow_lab/manage/store").await.text().contains("投诉"));
}
