//! Reviews and the store score (ADR 0026): buyers of received orders review each
//! product once, with a verified-purchase badge, optionally published as a note that
//! then shows among the notes about the product; the store score moves with them and,
//! once established, moves the store to the fast settlement tier.

use carmine_store::testing::TestDb;
use serde_json::{Value, json};

use crate::catalogue::{image, store};
use crate::helpers::{Client, ORIGIN, TestApp};
use crate::orders::{address, checkout, stocked};

carmine_store::both_backends!(buyers_review_once_and_the_score_moves_the_settlement_tier, a_review_through_the_pages,);

const DAY: i64 = 86_400;

/// Buys `sku`, has it shipped and confirms receipt; returns the order.
async fn received(app: &TestApp, owner: &Client, store_id: &str, buyer: &Client, home: &str, sku: &str) -> Value {
    app.post(buyer, "/api/v1/cart", json!({ "sku_id": sku, "quantity": 1 })).await.assert_status(200);
    let quote = app.post(buyer, "/api/v1/checkout/quote", json!({ "address_id": home })).await.json();
    let total = quote["total"]["amount_minor"].as_i64().unwrap();
    let key = format!("k{sku}-{}", app.event_count().await);
    let placed = checkout(app, buyer, &key, home, total, "sandbox_success").await.json();
    let order = placed["orders"][0]["id"].as_str().unwrap().to_owned();
    app.post(
        owner,
        &format!("/api/v1/stores/{store_id}/orders/{order}/ship"),
        json!({ "carrier": "sf", "tracking_no": "SF1" }),
    )
    .await
    .assert_status(200);
    app.post(buyer, &format!("/api/v1/orders/{order}/receive"), json!({})).await.json()
}

async fn buyers_review_once_and_the_score_moves_the_settlement_tier(t: TestDb) {
    // A store is established on two reviewed orders here (20 by default).
    let app =
        TestApp::with_services(t, carmine_web::WebConfig::new(ORIGIN), |c| c.orders.rated_orders_for_score = 2).await;
    let (owner, store_id) = store(&app, "tea_house", "brand_official").await;
    let (tea, sku) = stocked(&app, &owner, &store_id, "龙井 Longjing", 5_000, 10).await;
    let (_, cup_sku) = stocked(&app, &owner, &store_id, "Cup 杯", 2_000, 10).await;
    let buyer = app.signup("meimei").await;
    let home = address(&app, &buyer, "CN-SH").await;
    app.post(&buyer, "/api/v1/cart", json!({ "sku_id": sku, "quantity": 1 })).await.assert_status(200);
    let quote = app.post(&buyer, "/api/v1/checkout/quote", json!({ "address_id": &home })).await.json();
    let placed =
        checkout(&app, &buyer, "k0", &home, quote["total"]["amount_minor"].as_i64().unwrap(), "sandbox_success")
            .await
            .json();
    let order = placed["orders"][0].clone();
    let order_id = order["id"].as_str().unwrap().to_owned();
    let line = order["lines"][0]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/orders/{order_id}/reviews");
    let review = |rating: i64, extra: Value| {
        let mut body = json!({ "line_id": line, "rating": rating, "body": "香气清新，回甘明显。Fresh and sweet." });
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };

    // Not before receipt.
    app.post(&buyer, &path, review(5, json!({}))).await.assert_error(409, "review_not_allowed");
    app.post(
        &owner,
        &format!("/api/v1/stores/{store_id}/orders/{order_id}/ship"),
        json!({ "carrier": "sf", "tracking_no": "SF1" }),
    )
    .await
    .assert_status(200);
    app.post(&buyer, &format!("/api/v1/orders/{order_id}/receive"), json!({})).await.assert_status(200);

    // Bad input changes nothing.
    let stranger = app.signup("stranger").await;
    let strangers_image = image(&app, &stranger).await;
    let events = app.event_count().await;
    for (bad, code) in [
        (review(0, json!({})), "invalid_field"),
        (review(6, json!({})), "invalid_field"),
        (review(5, json!({ "body": "好".repeat(1_001) })), "invalid_field"),
        (review(5, json!({ "media_ids": [strangers_image] })), "invalid_field"),
        (review(5, json!({ "publish_as_note": true })), "invalid_field"),
        (review(5, json!({ "line_id": "42" })), "invalid_field"),
        (review(5, json!({ "stars": 5 })), "unknown_field"),
    ] {
        let response = app.post(&buyer, &path, bad.clone()).await;
        assert_eq!((response.status.as_u16(), response.code()), (422, code.to_owned()), "{bad}: {}", response.text());
    }
    app.post(&stranger, &path, review(1, json!({}))).await.assert_error(404, "order_not_found");
    assert_eq!(app.event_count().await, events, "nothing changed");

    // A review with a photo, published as a note: it shows under the product's notes.
    let photo = image(&app, &buyer).await;
    let posted = app.post(&buyer, &path, review(5, json!({ "media_ids": [photo], "publish_as_note": true }))).await;
    posted.assert_status(201);
    let posted = posted.json();
    assert_eq!((posted["verified_purchase"].as_bool(), posted["rating"].as_i64()), (Some(true), Some(5)));
    let note = posted["note_id"].as_str().expect("published as a note").to_owned();
    app.sync().await;
    let about = app.get(&Client::default(), &format!("/api/v1/products/{tea}/notes")).await.json();
    assert!(about["items"].as_array().unwrap().iter().any(|n| n["id"] == note.as_str()), "{about}");
    app.post(&buyer, &path, review(3, json!({}))).await.assert_error(409, "already_reviewed");
    let listed = app.get(&Client::default(), &format!("/api/v1/products/{tea}/reviews")).await.json();
    assert_eq!((listed["count"].as_i64(), listed["average"].as_f64()), (Some(1), Some(5.0)));
    assert_eq!(listed["items"][0]["image_urls"].as_array().unwrap().len(), 1);

    // One reviewed order is not yet an established score: the next order settles in 7 days.
    let store_now = app.get(&Client::default(), &format!("/api/v1/stores/{store_id}")).await.json();
    assert_eq!(store_now["score"], 5.0, "{store_now}");
    let second = received(&app, &owner, &store_id, &buyer, &home, &cup_sku).await;
    let settle = |o: &Value| carmine_core::Timestamp::parse_rfc3339(o["settle_after"].as_str().unwrap()).unwrap();
    assert_eq!(settle(&second), app.clock.now().plus_seconds(7 * DAY));
    let second_line = second["lines"][0]["id"].as_str().unwrap();
    app.post(
        &buyer,
        &format!("/api/v1/orders/{}/reviews", second["id"].as_str().unwrap()),
        json!({ "line_id": second_line, "rating": 5 }),
    )
    .await
    .assert_status(201);
    // Two reviewed orders, all five stars, shipped at once: 4 days.
    let third = received(&app, &owner, &store_id, &buyer, &home, &sku).await;
    assert_eq!(settle(&third), app.clock.now().plus_seconds(4 * DAY));
}

async fn a_review_through_the_pages(t: TestDb) {
    use crate::pages::post_multipart;
    let app = TestApp::new(t).await;
    let (owner, store_id) = store(&app, "tea_house", "brand_official").await;
    let (tea, sku) = stocked(&app, &owner, &store_id, "白茶 White tea", 5_000, 10).await;
    let buyer = app.signup("meimei").await;
    let home = address(&app, &buyer, "CN-SH").await;
    let order = received(&app, &owner, &store_id, &buyer, &home, &sku).await;
    let order_id = order["id"].as_str().unwrap();
    let line = order["lines"][0]["id"].as_str().unwrap();
    let page = app.get(&buyer, &format!("/orders/{order_id}")).await.text();
    assert!(page.contains(&format!("href=\"/orders/{order_id}/review?line={line}\"")), "{page}");
    let form = app.get(&buyer, &format!("/orders/{order_id}/review?line={line}")).await;
    assert_eq!(form.status, 200, "{}", form.text());
    // Without a photo it cannot also be a note: the text typed is kept.
    let path = format!("/orders/{order_id}/reviews");
    let fields = [("line_id", line), ("rating", "4"), ("body", "回甘很好 lovely finish"), ("publish_as_note", "on")];
    let refused = post_multipart(&app, &buyer, &path, &fields, &[], true).await;
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert!(refused.text().contains("回甘很好 lovely finish"), "{}", refused.text());
    let photo = carmine_media::fixtures::png(120, 90);
    // Refused with a photo (no such stars): the photo is not uploaded.
    let buyer_id: carmine_core::Id = app.user_id(&buyer).await.parse().unwrap();
    let uploads = async || {
        let mut conn = app.db.reader().await.unwrap();
        carmine_store::media::usage_since(&mut conn, buyer_id, carmine_core::Timestamp(0)).await.unwrap().0
    };
    let before = uploads().await;
    let nine = [("line_id", line), ("rating", "9"), ("body", "回甘很好 lovely finish")];
    let refused = post_multipart(&app, &buyer, &path, &nine, std::slice::from_ref(&photo), true).await;
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert_eq!(uploads().await, before, "a refused review leaves no image behind");
    let posted = post_multipart(&app, &buyer, &path, &fields, &[photo], true).await;
    assert_eq!(posted.status, 303, "{}", posted.text());
    let page = app.get(&buyer, &format!("/orders/{order_id}")).await.text();
    assert!(!page.contains(&format!("id=\"review-{line}\"")), "{page}");
    // The product page shows it to anyone, in both languages.
    let product = app.get(&Client::default(), &format!("/products/{tea}")).await.text();
    assert!(product.contains("回甘很好 lovely finish") && product.contains("Verified purchase"), "{product}");
    assert!(product.contains("★★★★☆") && product.contains("id=\"product-rating\""), "{product}");
    let zh = Client { cookie: Some("carmine_lang=zh-CN".into()), ..Client::default() };
    assert!(app.get(&zh, &format!("/products/{tea}")).await.text().contains("已购买"));
    // Deleting the note it was published as leaves the review and its photo.
    let review = &app.get(&buyer, &format!("/api/v1/orders/{order_id}/reviews")).await.json()["items"][0];
    let note = review["note_id"].as_str().expect("published as a note").to_owned();
    let photo_url = review["image_urls"][0].as_str().unwrap().to_owned();
    app.delete(&buyer, &format!("/api/v1/notes/{note}"), None).await.assert_status(204);
    let product = app.get(&Client::default(), &format!("/products/{tea}")).await.text();
    assert!(product.contains("回甘很好 lovely finish") && product.contains(&photo_url), "{product}");
    assert_eq!(app.get(&Client::default(), &photo_url).await.status, 200, "the photo is still served");
}
