//! The tenancy walk: a member of another organization tries every route that names
//! an object, against objects of a tenant they do not belong to. Every attempt is
//! refused (404 when they may not know it exists, 403 when they may), and nothing changes.
//! A body the route would refuse gets the same answer: access is checked before the
//! body is (a stranger learns nothing of what a route accepts). Operator routes are
//! walked too.

use axum::http::Method;
use carmine_store::testing::TestDb;
use serde_json::{Value, json};

use crate::helpers::{Client, TestApp};
use crate::openapi::operations;

carmine_store::both_backends!(another_tenant_can_touch_nothing);

/// A body each write route would accept from someone allowed to call it, so a
/// refusal can only come from the access check.
fn valid_body(method: &Method, path: &str) -> Option<Value> {
    if *method == Method::GET {
        return None;
    }
    Some(match path {
        p if p.ends_with("/invitations") => json!({ "username": "mallory", "role": "owner" }),
        p if p.ends_with("/verification") => json!({ "evidence": "forged licence" }),
        p if p.ends_with("/suspend") => json!({ "reason": "takeover" }),
        p if p.ends_with("/approve") || p.ends_with("/reject") => json!({ "reason": "takeover" }),
        p if p.ends_with("/resolve") => json!({ "action": "dismiss" }),
        p if p.contains("/members/") && *method == Method::PATCH => json!({ "role": "owner" }),
        "/api/v1/notes/{id}" => json!({ "title": "pwned" }),
        "/api/v1/notes/{id}/comments" => json!({ "body": "sneaky" }),
        "/api/v1/boards/{id}" => json!({ "name": "pwned" }),
        "/api/v1/media/{id}" => json!({ "alt_text": "pwned" }),
        "/api/v1/orgs/{org}" => json!({ "name": "pwned" }),
        "/api/v1/orgs/{org}/top-ups" => {
            json!({ "purpose": "ad_balance", "amount": { "amount_minor": 10_000, "currency": "CNY" }, "method": "sandbox_success" })
        }
        p if p.ends_with("/payouts") => json!({ "amount": { "amount_minor": 100, "currency": "CNY" } }),
        p if p.ends_with("/payout-account") => {
            json!({ "holder_name": "Mallory", "account_number": "6222020200112233" })
        }
        "/api/v1/stores/{id}" => json!({ "name": "pwned" }),
        "/api/v1/stores/{id}/coupons" => json!({
            "name": "pwned", "amount": { "amount_minor": 100, "currency": "CNY" },
            "starts_at": "2026-01-01T00:00:00Z", "ends_at": "2027-01-01T00:00:00Z"
        }),
        "/api/v1/stores/{id}/products" => json!({
            "category_id": "1", "title": "pwned", "variants": [{ "price": { "amount_minor": 1, "currency": "CNY" } }]
        }),
        "/api/v1/products/{id}" => json!({ "title": "pwned" }),
        "/api/v1/notes/{id}/product-tags" => json!({ "tags": [] }),
        "/api/v1/products/{id}/stock" => json!({ "items": [] }),
        p if p.ends_with("/certificate") => json!({ "verified": true }),
        p if p.contains("/shipping-templates") => {
            json!({ "name": "pwned", "default_fee": { "amount_minor": 0, "currency": "CNY" } })
        }
        p if p.contains("/warehouses") => json!({ "name": "pwned" }),
        "/api/v1/admin/categories" => json!({ "slug": "pwned", "name_en": "P", "name_zh": "P", "commission_bps": 0 }),
        "/api/v1/admin/categories/{id}" => json!({ "commission_bps": 0 }),
        p if p.starts_with("/api/v1/addresses/") => {
            json!({ "recipient": "Mallory", "phone": "13800138000", "region": "CN-SH", "detail": "pwned" })
        }
        p if p.ends_with("/pay") => json!({ "method": "sandbox_success" }),
        p if p.ends_with("/ship") || p.ends_with("/return") => json!({ "carrier": "sf", "tracking_no": "SF1" }),
        p if p.ends_with("/after-sales") => {
            json!({ "line_id": "1", "kind": "refund_only", "quantity": 1, "reason": "mine now" })
        }
        p if p.ends_with("/decide") => json!({ "for_party": "buyer", "note": "mine" }),
        p if p.ends_with("/refunds") => {
            json!({ "amount": { "amount_minor": 100, "currency": "CNY" }, "reason": "mine now" })
        }
        "/api/v1/ads/campaigns/{id}" => json!({ "name": "pwned", "status": "paused" }),
        "/api/v1/ads/campaigns/{id}/groups" => json!({
            "name": "pwned", "pricing": "cpc", "bid": { "amount_minor": 100, "currency": "CNY" }, "placements": ["feed"]
        }),
        "/api/v1/ads/groups/{id}" => json!({ "name": "pwned", "status": "paused" }),
        "/api/v1/ads/groups/{id}/ads" => json!({ "note_id": "1" }),
        "/api/v1/ads/ads/{id}" => json!({ "status": "archived" }),
        "/api/v1/admin/ads/review/{id}" => json!({ "decision": "approve" }),
        "/api/v1/notes/{id}/ad-authorisations" => json!({ "org": "mallory_co" }),
        _ => json!({}),
    })
}

async fn another_tenant_can_touch_nothing(t: TestDb) {
    let app = TestApp::new(t).await;
    let alice = app.signup("alice").await;
    let alice_id = app.user_id(&alice).await;
    let token = app.post(&alice, "/api/v1/tokens", json!({ "name": "ci" })).await.json();
    let alice_bearer = Client { bearer: token["token_secret"].as_str().map(str::to_owned), ..Client::default() };
    app.post(&alice, "/api/v1/orgs", json!({ "handle": "alice_co", "name": "Alice Co", "kind": "brand" }))
        .await
        .assert_status(201);
    app.signup("bob").await;
    let invitation = app
        .post(&alice, "/api/v1/orgs/alice_co/invitations", json!({ "username": "bob", "role": "staff" }))
        .await
        .json();
    let verification =
        app.post(&alice, "/api/v1/orgs/alice_co/verification", json!({ "evidence": "licence" })).await.json();

    let alice_session =
        app.get(&alice, "/api/v1/me/sessions").await.json()["items"][0]["id"].as_str().unwrap().to_owned();
    let image = app.upload(&alice, &[("file", "a.png", &carmine_media::fixtures::png(64, 64))]).await.json();
    let private_note = app
        .post(&alice, "/api/v1/notes", json!({ "title": "私密", "media_ids": [image["id"]], "visibility": "private" }))
        .await
        .json();
    // A comment on Alice's private note: Mallory may not even like it.
    let hidden_comment = app
        .post(
            &alice,
            &format!("/api/v1/notes/{}/comments", private_note["id"].as_str().unwrap()),
            json!({ "body": "私" }),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // A comment on a public note of Alice's that Mallory may see but not delete.
    let public_image = app.upload(&alice, &[("file", "b.png", &carmine_media::fixtures::png(64, 64))]).await.json();
    let public_note =
        app.post(&alice, "/api/v1/notes", json!({ "title": "公开", "media_ids": [public_image["id"]] })).await.json();
    let private_comment = app
        .post(
            &alice,
            &format!("/api/v1/notes/{}/comments", public_note["id"].as_str().unwrap()),
            json!({ "body": "mine" }),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let alice_board =
        app.post(&alice, "/api/v1/boards", json!({ "name": "私藏", "visibility": "private" })).await.json()["id"]
            .as_str()
            .unwrap()
            .to_owned();
    // Money: Alice bought coins, Carol sent her a gift, Alice asked to withdraw it.
    let payment = app
        .post_keyed(
            &alice,
            "/api/v1/me/wallet/top-ups",
            "a1",
            json!({ "amount": { "amount_minor": 1_000, "currency": "CNY" }, "method": "sandbox_success" }),
        )
        .await
        .json();
    let carol = app.signup("carol").await;
    app.post_keyed(
        &carol,
        "/api/v1/me/wallet/top-ups",
        "c1",
        json!({ "amount": { "amount_minor": 1_000, "currency": "CNY" }, "method": "sandbox_success" }),
    )
    .await
    .assert_status(201);
    app.post_keyed(&carol, "/api/v1/gifts", "c2", json!({ "to": "alice", "coins": 60 })).await.assert_status(201);
    app.put(
        &alice,
        "/api/v1/me/payout-account",
        json!({ "holder_name": "Alice", "account_number": "6222020200112233" }),
    )
    .await
    .assert_status(200);
    let payout = app
        .post_keyed(&alice, "/api/v1/me/payouts", "a2", json!({ "amount": { "amount_minor": 100, "currency": "CNY" } }))
        .await
        .json();
    // Commerce: Alice's verified merchant organization has a store, a second shipping
    // template and warehouse.
    crate::commerce::verified_org(&app, &alice, "alice_shop", "merchant").await;
    let store = app
        .post(&alice, "/api/v1/stores", json!({ "org": "alice_shop", "store_type": "authorised_reseller" }))
        .await
        .json();
    let store_id = store["id"].as_str().unwrap().to_owned();
    let template_id = store["shipping_templates"][0]["id"].as_str().unwrap().to_owned();
    let warehouse_id = store["warehouses"][0]["id"].as_str().unwrap().to_owned();
    let category = crate::catalogue::category_id(&app, "tea_coffee").await;
    let product = app
        .post(
            &alice,
            &format!("/api/v1/stores/{store_id}/products"),
            json!({ "category_id": category, "title": "新品 draft", "variants": [{ "price": { "amount_minor": 100, "currency": "CNY" } }] }),
        )
        .await
        .json();
    let product_id = product["id"].as_str().unwrap().to_owned();
    let variant_id = product["variants"][0]["id"].as_str().unwrap().to_owned();
    let alice_address = app
        .post(
            &alice,
            "/api/v1/addresses",
            json!({ "recipient": "Alice", "phone": "13800138000", "region": "CN-SH", "detail": "静安区 1 号" }),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Advertising: Alice's organization runs a campaign with an ad group and an ad.
    let ad_note = app.publish(&alice, "新品广告", json!({ "author": "alice_co" })).await;
    let campaign = app
        .post(
            &alice,
            "/api/v1/ads/campaigns",
            json!({ "org": "alice_co", "name": "Launch", "objective": "engagement", "daily_budget": crate::ads::cny(10_000) }),
        )
        .await
        .json();
    let campaign_id = campaign["id"].as_str().unwrap().to_owned();
    let ad_group = crate::ads::group(&app, &alice, &campaign_id, json!(["feed"]), 100).await;
    let ad =
        app.post(&alice, &format!("/api/v1/ads/groups/{ad_group}/ads"), json!({ "note_id": ad_note })).await.json();
    let ad_id = ad["id"].as_str().unwrap().to_owned();
    // A boost of Alice's own note, paid from her coins.
    app.post_keyed(
        &alice,
        "/api/v1/me/wallet/top-ups",
        "alice-coins",
        json!({ "amount": { "amount_minor": 2_000, "currency": "CNY" }, "method": "sandbox_success" }),
    )
    .await
    .assert_status(201);
    let boosted = app.publish(&alice, "周末徒步 Weekend hike", json!({})).await;
    let boost = app
        .post_keyed(
            &alice,
            "/api/v1/boosts",
            "alice-boost",
            json!({ "note_id": boosted, "coins": 100, "goal": "reads", "hours": 24 }),
        )
        .await
        .json();
    let boost_id = boost["id"].as_str().unwrap().to_owned();
    let mallory = app.signup("mallory").await;
    app.post(&mallory, "/api/v1/orgs", json!({ "handle": "mallory_co", "name": "Mallory Co", "kind": "agency" }))
        .await
        .assert_status(201);

    let doc = app.get(&Client::default(), "/api/v1/openapi.json").await.json();
    let events_before = app.event_count().await;
    let mut walked = 0;
    let mut body_first = Vec::new();
    for (method, template) in operations(&doc) {
        let public_read = method == Method::GET
            && [
                "/api/v1/orgs/{org}",
                "/api/v1/actors/{handle}",
                "/api/v1/actors/{handle}/notes",
                "/api/v1/actors/{handle}/boards",
                "/api/v1/actors/{handle}/followers",
                "/api/v1/actors/{handle}/following",
                "/api/v1/stores/{id}",
                "/api/v1/stores/{id}/products",
                "/api/v1/stores/{id}/coupons",
            ]
            .contains(&template.as_str());
        let relation = ["/follow", "/block", "/mute"].iter().any(|r| template.ends_with(r));
        let own_or_public = [
            "/api/v1/me/wallet/{account}/entries",
            "/api/v1/payments/webhooks/{provider}",
            "/api/v1/cart/{variant_id}",
        ]
        .contains(&template.as_str());
        let operator = template.starts_with("/api/v1/admin");
        if (!template.contains('{') && !operator) || public_read || relation || own_or_public {
            continue; // not another tenant's object: public profiles, following, blocking or muting someone,
            // one's own wallet, a provider's webhook
        }
        let id = if template.starts_with("/api/v1/products/") || template.starts_with("/api/v1/admin/products/") {
            product_id.as_str()
        } else if template.starts_with("/api/v1/stores/") || template.starts_with("/api/v1/admin/stores/") {
            store_id.as_str()
        } else if template.starts_with("/api/v1/boards/") {
            alice_board.as_str()
        } else if template.starts_with("/api/v1/comments/") && template.ends_with("/like") {
            hidden_comment.as_str()
        } else if template.starts_with("/api/v1/comments/") {
            private_comment.as_str()
        } else if template.starts_with("/api/v1/notes/") {
            private_note["id"].as_str().unwrap()
        } else if template.starts_with("/api/v1/media/") {
            image["id"].as_str().unwrap()
        } else if template.starts_with("/api/v1/me/sessions/") {
            alice_session.as_str()
        } else if template.starts_with("/api/v1/tokens/") {
            token["id"].as_str().unwrap()
        } else if template.contains("/invitations/") {
            invitation["id"].as_str().unwrap()
        } else if template.contains("/verifications/") {
            verification["id"].as_str().unwrap()
        } else if template.contains("/payments/{id}") {
            payment["id"].as_str().unwrap()
        } else if template.starts_with("/api/v1/transactions/") {
            payment["transaction_id"].as_str().unwrap()
        } else if template.contains("/payouts/{id}") {
            payout["id"].as_str().unwrap()
        } else if template.starts_with("/api/v1/addresses/") {
            alice_address.as_str()
        } else if template.starts_with("/api/v1/ads/campaigns/") {
            campaign_id.as_str()
        } else if template.starts_with("/api/v1/ads/groups/") {
            ad_group.as_str()
        } else if template.starts_with("/api/v1/ads/ads/") || template.starts_with("/api/v1/admin/ads/") {
            ad_id.as_str()
        } else if template.starts_with("/api/v1/boosts/") {
            boost_id.as_str()
        } else {
            &alice_id
        };
        let path = template
            .replace("{org}", "alice_co")
            .replace("{handle}", "alice")
            .replace("{user_id}", &alice_id)
            .replace("{account}", "ad_balance")
            .replace("{template_id}", &template_id)
            .replace("{warehouse_id}", &warehouse_id)
            .replace("{variant_id}", &variant_id)
            .replace("{product_id}", &product_id)
            .replace("{order_id}", &alice_id)
            .replace("{after_sale_id}", &alice_id)
            .replace("{id}", id);
        let response = app.send(&mallory, method.clone(), &path, valid_body(&method, &template)).await;
        assert!(
            matches!(response.status.as_u16(), 403 | 404),
            "{method} {template} as another tenant gave {}: {}",
            response.status,
            response.text()
        );
        if method != Method::GET {
            for bad in [json!({ "unexpected": true }), json!([]), json!({ "reason": 42, "role": [] })] {
                let response = app.send(&mallory, method.clone(), &path, Some(bad.clone())).await;
                if !matches!(response.status.as_u16(), 403 | 404) {
                    body_first.push(format!("{method} {template} with {bad}: {} {}", response.status, response.text()));
                }
            }
        }
        walked += 1;
    }
    assert!(walked >= 40, "walked {walked} routes");
    assert!(body_first.is_empty(), "the body was judged before access:\n{}", body_first.join("\n"));
    assert_eq!(app.event_count().await, events_before, "nothing changed");
    app.get(&alice_bearer, "/api/v1/me").await.assert_status(200);
    app.get(&alice, "/api/v1/me").await.assert_status(200);
    let members = app.get(&alice, "/api/v1/orgs/alice_co/members").await.json();
    assert_eq!(members["items"].as_array().unwrap().len(), 1);
    assert_eq!(app.get(&alice, "/api/v1/orgs/alice_co").await.json()["name"], "Alice Co");
    assert_eq!(app.get(&alice, &format!("/api/v1/boosts/{boost_id}")).await.json()["state"], "in_review");
    assert_eq!(app.get(&alice, "/api/v1/orgs/alice_co/invitations").await.json()["items"][0]["status"], "pending");
    let note = app.get(&alice, &format!("/api/v1/notes/{}", private_note["id"].as_str().unwrap())).await.json();
    assert_eq!(note["title"], "私密");
    let payout = app.get(&alice, "/api/v1/me/payouts").await.json();
    assert_eq!(payout["items"][0]["status"], "requested");
    let store = app.get(&alice, &format!("/api/v1/stores/{store_id}")).await.json();
    assert_eq!((store["name"].as_str(), store["status"].as_str()), (Some("alice_shop 官方"), Some("open")));
    assert_eq!(store["warehouses"].as_array().unwrap().len(), 1);
    let addresses = app.get(&alice, "/api/v1/addresses").await.json();
    assert_eq!(addresses["items"][0]["detail"], "静安区 1 号");
    let product = app.get(&alice, &format!("/api/v1/products/{product_id}")).await.json();
    assert_eq!((product["title"].as_str(), product["status"].as_str()), (Some("新品 draft"), Some("draft")));
    let campaign = app.get(&alice, &format!("/api/v1/ads/campaigns/{campaign_id}")).await.json();
    assert_eq!((campaign["name"].as_str(), campaign["status"].as_str()), (Some("Launch"), Some("active")));
    let ad = app.get(&alice, &format!("/api/v1/ads/ads/{ad_id}")).await.json();
    assert_eq!((ad["status"].as_str(), ad["review_status"].as_str()), (Some("active"), Some("pending")));
}
