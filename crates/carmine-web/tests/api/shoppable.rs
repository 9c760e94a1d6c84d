//! Shoppable notes: product tags with pins, who may tag what, affiliate labels,
//! attribution by last touch (members and signed-out visitors' cookie), unavailable
//! tags, and the notes about a product with their cursor.

use carmine_commerce::tags::Visitor;
use carmine_core::Id;
use carmine_store::testing::TestDb;
use serde_json::{Value, json};

use crate::catalogue::{store, tee};
use crate::helpers::{Client, TestApp};

carmine_store::both_backends!(
    a_creator_tags_and_pins_products_and_readers_open_them,
    bad_tags_are_refused_and_change_nothing,
    notes_about_a_product_rank_quality_and_page_with_a_cursor,
);

fn id(value: &Value) -> Id {
    value.as_str().unwrap().parse().unwrap()
}

async fn note_image(app: &TestApp, viewer: &Client, note: &str) -> Value {
    let note = app.get(viewer, &format!("/api/v1/notes/{note}")).await.json();
    note["images"][0]["id"].clone()
}

async fn a_creator_tags_and_pins_products_and_readers_open_them(t: TestDb) {
    let app = TestApp::new(t).await;
    let (owner, store_id) = store(&app, "glow_lab", "brand_official").await;
    let product = tee(&app, &owner, &store_id, "active", "TEE").await;
    let product_id = product["id"].as_str().unwrap().to_owned();
    let creator = app.signup("lanlan").await;
    let note = app.publish(&creator, "通勤穿搭", json!({})).await;
    let image = note_image(&app, &creator, &note).await;
    let path = format!("/api/v1/notes/{note}/product-tags");

    let tagged = app
        .put(
            &creator,
            &path,
            json!({ "tags": [{ "product_id": product_id, "pin": { "media_id": image, "x": 400, "y": 625 } }] }),
        )
        .await;
    tagged.assert_status(200);
    let tag = &tagged.json()["items"][0];
    assert_eq!(tag["pin"], json!({ "media_id": image, "x": 400, "y": 625 }));
    assert_eq!((tag["affiliate"].as_bool(), tag["pays_commission"].as_bool()), (Some(true), Some(true)), "800 bps");
    assert_eq!(tag["open_url"], format!("/notes/{note}/products/{product_id}"));

    // Readers see the cards, the pin and the label, signed in or out.
    let visitor = Client::default();
    assert_eq!(app.get(&visitor, &path).await.json()["items"][0]["product"]["id"], product_id.as_str());
    let page = app.get(&visitor, &format!("/notes/{note}")).await.text();
    assert!(page.contains(&format!("class=\"pin\" href=\"/notes/{note}/products/{product_id}\"")), "{page}");
    assert!(page.contains("style=\"--x: 40.0%; --y: 62.5%\"") && page.contains("id=\"affiliate-label\""), "{page}");

    // A signed-out tap: the product page, and a first-party cookie that attributes.
    let tapped = app.get(&visitor, &format!("/notes/{note}/products/{product_id}")).await;
    assert_eq!(tapped.status, 303);
    assert_eq!(tapped.headers["location"], format!("/products/{product_id}"));
    let cookie = tapped.headers["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.starts_with("carmine_ref=") && cookie.contains("HttpOnly") && cookie.contains("Max-Age=604800"),
        "{cookie}"
    );
    let token = cookie.trim_start_matches("carmine_ref=").split(';').next().unwrap().to_owned();
    let commerce = &app.services.commerce;
    let creator_id: Id = app.user_id(&creator).await.parse().unwrap();
    let found = commerce.attribution(&[Visitor::Cookie(token.clone())], id(&json!(product_id))).await.unwrap().unwrap();
    assert_eq!((found.note_id, found.creator_id, found.affiliate), (id(&json!(note)), creator_id, true));

    // Last touch wins: the store's own note (no affiliate) tapped later by a member.
    let org_note = app.publish(&owner, "新品上市", json!({ "author": "glow_lab" })).await;
    let store_tags = app
        .put(
            &owner,
            &format!("/api/v1/notes/{org_note}/product-tags"),
            json!({ "tags": [{ "product_id": product_id }] }),
        )
        .await;
    assert_eq!(store_tags.json()["items"][0]["affiliate"], false, "the store's own note");
    let buyer = app.signup("meimei").await;
    let buyer_id: Id = app.user_id(&buyer).await.parse().unwrap();
    app.post(&buyer, &format!("/api/v1/notes/{note}/product-tags/{product_id}/taps"), json!({}))
        .await
        .assert_status(204);
    app.clock.advance_seconds(3_600);
    app.post(&buyer, &format!("/api/v1/notes/{org_note}/product-tags/{product_id}/taps"), json!({}))
        .await
        .assert_status(204);
    let visitors = [Visitor::Member(buyer_id), Visitor::Cookie(token)];
    let last = commerce.attribution(&visitors, id(&json!(product_id))).await.unwrap().unwrap();
    assert_eq!((last.note_id, last.affiliate), (id(&json!(org_note)), false));
    // A tap on a product the note does not tag, or on a note one may not see, is 404.
    app.post(&buyer, &format!("/api/v1/notes/{note}/product-tags/42/taps"), json!({}))
        .await
        .assert_error(404, "product_not_found");
    assert_eq!(app.get(&visitor, &format!("/notes/{note}/products/42")).await.status, 404);

    // Archived later: the tag stays, shows as unavailable, and links to the product page.
    app.patch(&owner, &format!("/api/v1/products/{product_id}"), json!({ "status": "archived" }))
        .await
        .assert_status(200);
    let tags = app.get(&visitor, &path).await.json();
    assert_eq!(tags["items"][0]["product"]["available"], false);
    let page = app.get(&visitor, &format!("/notes/{note}")).await.text();
    assert!(
        page.contains("product-tag unavailable") && page.contains(&format!("href=\"/products/{product_id}\"")),
        "{page}"
    );
    // Re-saving the note's tags keeps it (it is not newly tagged).
    app.put(&creator, &path, json!({ "tags": [{ "product_id": product_id }] })).await.assert_status(200);

    // The tagging page: find, add with a pin typed in percent, remove.
    let second = tee(&app, &owner, &store_id, "active", "POLO").await;
    let second_id = second["id"].as_str().unwrap().to_owned();
    let tagging = app.get(&creator, &format!("/notes/{note}/products?q=cotton")).await.text();
    assert!(tagging.contains(&format!("name=\"product_id\" value=\"{second_id}\"")), "{tagging}");
    let image_id = image.as_str().unwrap();
    let added = crate::pages::form(
        &app,
        &creator,
        &format!("/notes/{note}/products"),
        &[("action", "add"), ("product_id", &second_id), ("media_id", image_id), ("x", "12.5"), ("y", "80")],
    )
    .await;
    assert_eq!(added.status, 303, "{}", added.text());
    let now = app.get(&creator, &path).await.json();
    assert_eq!(now["items"][1]["pin"], json!({ "media_id": image, "x": 125, "y": 800 }));
    let outside = crate::pages::form(
        &app,
        &creator,
        &format!("/notes/{note}/products"),
        &[("action", "pin"), ("product_id", &second_id), ("media_id", image_id), ("x", "101"), ("y", "5")],
    )
    .await;
    assert_eq!(outside.status, 422, "a pin outside the image");
    let removed = crate::pages::form(
        &app,
        &creator,
        &format!("/notes/{note}/products"),
        &[("action", "remove"), ("product_id", &product_id)],
    )
    .await;
    assert_eq!(removed.status, 303);
    assert_eq!(app.get(&creator, &path).await.json()["items"].as_array().unwrap().len(), 1);
    let reader = app.signup("reader").await;
    assert_eq!(app.get(&reader, &format!("/notes/{note}/products")).await.status, 403);
    // A product taken back to draft is not shown on the note, not even its name.
    app.patch(&owner, &format!("/api/v1/products/{second_id}"), json!({ "status": "draft" })).await.assert_status(200);
    assert!(app.get(&reader, &path).await.json()["items"].as_array().unwrap().is_empty());
    let page = app.get(&reader, &format!("/notes/{note}")).await.text();
    assert!(!page.contains(&second_id) && !page.contains("id=\"note-products\""), "{page}");

    // Past the 7-day window nothing attributes.
    app.clock.advance_seconds(7 * 86_400 + 1);
    assert!(commerce.attribution(&visitors, id(&json!(product_id))).await.unwrap().is_none());
}

async fn bad_tags_are_refused_and_change_nothing(t: TestDb) {
    let app = TestApp::new(t).await;
    let (owner, store_id) = store(&app, "glow_lab", "brand_official").await;
    let active = tee(&app, &owner, &store_id, "active", "A").await["id"].clone();
    let draft = tee(&app, &owner, &store_id, "draft", "D").await["id"].clone();
    let archived = tee(&app, &owner, &store_id, "active", "R").await["id"].clone();
    app.patch(&owner, &format!("/api/v1/products/{}", archived.as_str().unwrap()), json!({ "status": "archived" }))
        .await
        .assert_status(200);
    let (rival_owner, rival_store) = store(&app, "rival", "brand_official").await;
    let suspended = tee(&app, &rival_owner, &rival_store, "active", "S").await["id"].clone();
    let admin = app.admin("operator").await;
    app.post(&admin, &format!("/api/v1/admin/stores/{rival_store}/suspend"), json!({ "reason": "x" }))
        .await
        .assert_status(200);

    let creator = app.signup("lanlan").await;
    let note = app.publish(&creator, "好物分享", json!({})).await;
    let other = app.publish(&creator, "另一篇", json!({})).await;
    let image = note_image(&app, &creator, &note).await;
    let foreign_image = note_image(&app, &creator, &other).await;
    let path = format!("/api/v1/notes/{note}/product-tags");
    let mut many = Vec::new();
    for n in 0..11 {
        many.push(json!({ "product_id": tee(&app, &owner, &store_id, "active", &format!("M{n}")).await["id"] }));
    }
    let reader = app.signup("reader").await;
    let private = app.publish(&creator, "私密", json!({ "visibility": "private" })).await;
    let events = app.event_count().await;
    for (tags, status, code) in [
        (json!(many), 422, "invalid_field"),
        (json!([{ "product_id": active }, { "product_id": active }]), 422, "invalid_field"),
        (json!([{ "product_id": draft }]), 404, "product_not_found"),
        (json!([{ "product_id": "42" }]), 404, "product_not_found"),
        (json!([{ "product_id": archived }]), 422, "product_not_taggable"),
        (json!([{ "product_id": suspended }]), 422, "product_not_taggable"),
        (json!([{ "product_id": active, "pin": { "media_id": image, "x": 1001, "y": 5 } }]), 422, "invalid_field"),
        (json!([{ "product_id": active, "pin": { "media_id": image, "x": 5, "y": -1 } }]), 422, "invalid_field"),
        (json!([{ "product_id": active, "pin": { "media_id": foreign_image, "x": 5, "y": 5 } }]), 422, "invalid_field"),
        (json!([{ "product_id": active, "note": "x" }]), 422, "unknown_field"),
    ] {
        let refused = app.put(&creator, &path, json!({ "tags": tags })).await;
        refused.assert_error(status, code);
    }
    app.put(&reader, &path, json!({ "tags": [{ "product_id": active }] })).await.assert_error(403, "forbidden");
    app.put(&reader, &format!("/api/v1/notes/{private}/product-tags"), json!({ "tags": [] }))
        .await
        .assert_error(404, "note_not_found");
    app.put(&reader, &format!("/api/v1/notes/{private}/product-tags"), json!({ "bogus": 1 }))
        .await
        .assert_error(404, "note_not_found");
    app.get(&reader, &format!("/api/v1/notes/{private}/product-tags")).await.assert_error(404, "note_not_found");
    assert_eq!(app.event_count().await, events, "refusals change nothing");
    assert!(app.get(&creator, &path).await.json()["items"].as_array().unwrap().is_empty());
    // Ten is fine.
    app.put(&creator, &path, json!({ "tags": many[..10] })).await.assert_status(200);
}

async fn notes_about_a_product_rank_quality_and_page_with_a_cursor(t: TestDb) {
    let app = TestApp::new(t).await;
    let (owner, store_id) = store(&app, "glow_lab", "brand_official").await;
    let product = tee(&app, &owner, &store_id, "active", "TEE").await;
    let product_id = product["id"].as_str().unwrap().to_owned();
    let mut notes = Vec::new();
    for (n, name) in ["a_writer", "b_writer", "c_writer", "d_writer", "e_writer"].iter().enumerate() {
        let author = app.signup(name).await;
        let note = app.publish(&author, &format!("穿搭 {n}"), json!({})).await;
        app.put(
            &author,
            &format!("/api/v1/notes/{note}/product-tags"),
            json!({ "tags": [{ "product_id": product_id }] }),
        )
        .await
        .assert_status(200);
        notes.push((author, note));
        app.clock.advance_seconds(60);
    }
    // A private note tagging it is not among them; the oldest note is loved.
    let hidden_author = app.signup("hidden").await;
    let private = app.publish(&hidden_author, "私密", json!({ "visibility": "private" })).await;
    app.put(
        &hidden_author,
        &format!("/api/v1/notes/{private}/product-tags"),
        json!({ "tags": [{ "product_id": product_id }] }),
    )
    .await
    .assert_status(200);
    for n in 0..6 {
        let fan = app.signup(&format!("fan_{n}")).await;
        app.post(&fan, &format!("/api/v1/notes/{}/like", notes[0].1), json!({})).await.assert_status(200);
    }
    app.sync().await;

    let reader = app.signup("reader").await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("/api/v1/products/{product_id}/notes?limit=2&cursor={c}"),
            None => format!("/api/v1/products/{product_id}/notes?limit=2"),
        };
        let page = app.get(&reader, &url).await.json();
        seen.extend(page["items"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5, "every public note once: {seen:?}");
    assert_eq!(seen[0], notes[0].1, "the loved note leads though it is the oldest");
    assert!(!seen.contains(&private));
    app.get(&reader, &format!("/api/v1/products/{product_id}/notes?cursor=forged"))
        .await
        .assert_error(400, "invalid_cursor");

    // Blocking an author hides their note from the blocker only.
    app.post(&reader, "/api/v1/actors/b_writer/block", json!({})).await.assert_status(204);
    let after = app.get(&reader, &format!("/api/v1/products/{product_id}/notes")).await.json();
    assert_eq!(after["items"].as_array().unwrap().len(), 4);
    assert_eq!(
        app.get(&Client::default(), &format!("/api/v1/products/{product_id}/notes")).await.json()["items"]
            .as_array()
            .unwrap()
            .len(),
        5
    );

    // The product page shows them under "Notes about this product".
    let page = app.get(&Client::default(), &format!("/products/{product_id}")).await.text();
    assert!(page.contains("id=\"notes\"") && page.contains(&format!("data-note=\"{}\"", notes[0].1)), "{page}");
}
