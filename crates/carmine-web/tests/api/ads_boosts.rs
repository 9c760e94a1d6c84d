//! Boosts: a member boosts their own note from their coins; the coins move to the
//! boost at once (idempotently), it waits for review, starts when approved, spends
//! over its hours, and gives back what it did not spend when it ends, is rejected or
//! is stopped — and the books balance throughout. Bad requests change nothing.

use axum::http::Method;
use carmine_ads::events::{EventInput, EventKind};
use carmine_ads::{FillRequest, Placement};
use carmine_core::Id;
use carmine_store::testing::TestDb;
use serde_json::{Value, json};

use crate::helpers::{Client, TestApp};
use crate::orders::assert_books_balance;

carmine_store::both_backends!(
    a_member_boosts_a_note_from_coins_and_gets_back_what_it_did_not_spend,
    boosting_works_as_pages_in_both_languages,
);

const PHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148";

async fn coins(app: &TestApp, who: &Client) -> i64 {
    app.get(who, "/api/v1/me/wallet").await.json()["coin_count"].as_i64().unwrap()
}

async fn boost(app: &TestApp, who: &Client, key: &str, body: Value) -> crate::helpers::TestResponse {
    app.post_keyed(who, "/api/v1/boosts", key, body).await
}

async fn decide(app: &TestApp, operator: &Client, ad: &Value, decision: &str) {
    let path = format!("/api/v1/admin/ads/review/{}", ad.as_str().unwrap());
    let body = json!({ "decision": decision, "reason": "not for this platform" });
    app.post(operator, &path, body).await.assert_status(200);
}

async fn a_member_boosts_a_note_from_coins_and_gets_back_what_it_did_not_spend(t: TestDb) {
    let app = TestApp::new(t).await;
    let operator = app.admin("op_boosts").await;
    let maker = app.signup("boost_maker").await;
    app.post_keyed(
        &maker,
        "/api/v1/me/wallet/top-ups",
        "coins-1",
        json!({ "amount": { "amount_minor": 5_000, "currency": "CNY" }, "method": "sandbox_success" }),
    )
    .await
    .assert_status(201);
    assert_eq!(coins(&app, &maker).await, 500);
    let note = app.publish(&maker, "秋天的第一杯 Autumn tea", json!({ "body": "试试这个 #tea" })).await;
    let other = app.signup("boost_other").await;
    let others_note = app.publish(&other, "不是我的 Not mine", json!({})).await;

    // Bad requests are refused with their reason and move nothing.
    let good = json!({ "note_id": note, "coins": 300, "goal": "engagement", "hours": 6 });
    let with = |key: &str, value: Value| {
        let mut body = good.clone();
        body[key] = value;
        body
    };
    let events_before = app.event_count().await;
    for (n, (body, status, code)) in [
        (with("coins", json!(99)), 422, "invalid_field"),
        (with("coins", json!(100_001)), 422, "invalid_field"),
        (with("hours", json!(5)), 422, "invalid_field"),
        (with("hours", json!(169)), 422, "invalid_field"),
        (with("goal", json!("product_sales")), 422, "invalid_field"),
        (with("note_id", json!(others_note)), 404, "note_not_found"),
        (with("note_id", json!("nope")), 422, "invalid_field"),
        (with("coins", json!(600)), 422, "insufficient_funds"),
    ]
    .into_iter()
    .enumerate()
    {
        let response = boost(&app, &maker, &format!("bad-{n}"), body.clone()).await;
        assert_eq!(response.code(), code, "{body}");
        response.assert_error(status, code);
    }
    app.post(&maker, "/api/v1/boosts", good.clone()).await.assert_error(428, "idempotency_key_required");
    assert_eq!(app.event_count().await, events_before, "nothing happened");
    assert_eq!(coins(&app, &maker).await, 500);
    assert_eq!(app.get(&maker, "/api/v1/boosts").await.json()["items"], json!([]));

    // A boost: the coins move now, once however often it is sent.
    let created = boost(&app, &maker, "boost-1", good.clone()).await;
    created.assert_status(201);
    let first = created.json();
    assert_eq!((first["state"].as_str(), first["coins"].as_i64()), (Some("in_review"), Some(300)));
    let again = boost(&app, &maker, "boost-1", good.clone()).await.json();
    assert_eq!(again["id"], first["id"]);
    assert_eq!(coins(&app, &maker).await, 200);
    let path = format!("/api/v1/boosts/{}", first["id"].as_str().unwrap());
    // Nobody else sees it or stops it.
    app.get(&other, &path).await.assert_error(404, "boost_not_found");
    app.post(&other, &format!("{path}/stop"), json!({})).await.assert_error(404, "boost_not_found");

    // The review queue says it is a boost, of how many coins and for how long.
    let queue = app.get(&operator, "/admin/ads").await.text();
    assert!(queue.contains("300 coins · 6 hours · Likes and saves"), "{queue}");

    // Approved, it starts now and runs its six hours, labelled as a member's boost.
    app.clock.advance_seconds(1_800);
    decide(&app, &operator, &first["ad_id"], "approve").await;
    let running = app.get(&maker, &path).await.json();
    assert_eq!(running["state"], "serving");
    let starts = running["starts_at"].as_str().unwrap();
    assert!(starts.starts_with("2026-01-01T00:30"), "{starts}");
    let ad: Id = first["ad_id"].as_str().unwrap().parse().unwrap();
    let page: Vec<Id> = (1..=30).map(|n| Id::from_i64(800_000 + n)).collect();
    let mut viewable = 0;
    for visitor in 0..40 {
        let key = format!("vboost{visitor:04}");
        let request = FillRequest {
            placement: Placement::Feed,
            member: None,
            viewer_key: &key,
            page_notes: &page,
            context_topics: vec!["tea".to_owned()],
            query: None,
        };
        for sponsored in app.services.ads.fill(&request).await.unwrap() {
            assert!(sponsored.boost && sponsored.ad_id == ad, "only the boost runs, as a boost");
            let input = EventInput {
                token: &sponsored.token,
                kind: EventKind::Viewable,
                member: None,
                viewer: &key,
                user_agent: PHONE,
            };
            if app.services.ads.record_event(&input).await.unwrap().reason.is_none() {
                viewable += 1;
            }
        }
    }
    assert!(viewable > 0, "the boost was shown and seen");
    // A member who came through it likes the note: a result of the boost.
    let reader = app.signup("boost_reader").await;
    let reader_id = app.user_id(&reader).await;
    let request = FillRequest {
        placement: Placement::Feed,
        member: None,
        viewer_key: &format!("m{reader_id}"),
        page_notes: &page,
        context_topics: vec!["tea".to_owned()],
        query: None,
    };
    let token = app.services.ads.fill(&request).await.unwrap().remove(0).token;
    let like = format!("/api/v1/notes/{note}/like");
    app.send_with(&reader, Method::POST, &like, Some(json!({})), &[("carmine-ad-token", &token)])
        .await
        .assert_status(200);
    app.sync().await;
    let results = app.get(&maker, &path).await.json();
    assert_eq!(results["viewable_impressions"].as_i64(), Some(viewable));
    assert_eq!((results["likes"].as_i64(), results["goal_results"].as_i64()), (Some(1), Some(1)));

    // Over: what it spent stays spent, the rest goes back to the coins, once.
    app.clock.advance_seconds(7 * 3_600);
    app.scheduler.ensure_recurring().await.unwrap();
    app.run_jobs().await;
    let over = app.get(&maker, &path).await.json();
    assert_eq!(over["state"], "finished", "{over}");
    let (spent, refunded) = (over["spent_coins"].as_i64().unwrap(), over["refunded_coins"].as_i64().unwrap());
    assert!(spent < 300 && refunded > 0 && refunded + spent <= 300 && refunded + spent >= 299, "{over}");
    let after = coins(&app, &maker).await;
    assert!((200 + refunded..=200 + refunded + 1).contains(&after), "{after} coins after {refunded} back");
    app.run_jobs().await;
    assert_eq!(coins(&app, &maker).await, after, "settled once");

    // Rejected: everything back at once. Stopped while in review: the same.
    let rejected = boost(&app, &maker, "boost-2", with("coins", json!(100))).await.json();
    decide(&app, &operator, &rejected["ad_id"], "reject").await;
    let rejected = app.get(&maker, &format!("/api/v1/boosts/{}", rejected["id"].as_str().unwrap())).await.json();
    assert_eq!((rejected["state"].as_str(), rejected["refunded_coins"].as_i64()), (Some("rejected"), Some(100)));
    assert_eq!(rejected["review_reason"], "not for this platform");
    let stopped = boost(&app, &maker, "boost-3", with("goal", json!("reads"))).await.json();
    let stopped =
        app.post(&maker, &format!("/api/v1/boosts/{}/stop", stopped["id"].as_str().unwrap()), json!({})).await;
    let stopped = stopped.json();
    assert_eq!((stopped["state"].as_str(), stopped["refunded_coins"].as_i64()), (Some("stopped"), Some(300)));
    assert_eq!(coins(&app, &maker).await, after);
    // A stopped boost's ad has left the review queue.
    let queue = app.get(&operator, "/api/v1/admin/ads/review").await.json();
    assert!(!queue.to_string().contains(stopped["ad_id"].as_str().unwrap()), "{queue}");
    assert_eq!(app.get(&maker, "/api/v1/boosts").await.json()["items"].as_array().unwrap().len(), 3);
    assert_books_balance(&app).await;
}

async fn boosting_works_as_pages_in_both_languages(t: TestDb) {
    let app = TestApp::new(t).await;
    let maker = app.signup("page_booster").await;
    app.post_keyed(
        &maker,
        "/api/v1/me/wallet/top-ups",
        "coins-1",
        json!({ "amount": { "amount_minor": 3_000, "currency": "CNY" }, "method": "sandbox_success" }),
    )
    .await
    .assert_status(201);
    let note = app.publish(&maker, "山里的早晨 Morning hike", json!({ "body": "#hiking" })).await;
    let private = app.publish(&maker, "Private diary", json!({ "visibility": "private" })).await;

    // The note's page offers the boost; the form picks that note and lists only
    // public notes.
    assert!(app.get(&maker, &format!("/notes/{note}")).await.text().contains(&format!("/boost?note={note}")));
    let page = app.get(&maker, &format!("/boost?note={note}")).await;
    page.assert_status(200);
    let html = page.text();
    assert!(html.contains(&format!("value=\"{note}\" selected")) && !html.contains(&private), "{html}");
    assert!(html.contains("You have 300 coins") && html.contains("You have not boosted a note yet."), "{html}");
    assert!(!html.contains("boost-note-not-offered"), "{html}");
    // Asked for a note the member may not boost (private, or someone else's): said so.
    let other = app.get(&maker, &format!("/boost?note={private}")).await.text();
    assert!(other.contains("You can boost only your own public notes."), "{other}");
    let key_of = |html: &str| {
        let at = html.find("name=\"idempotency_key\" value=\"").unwrap() + 30;
        html[at..at + html[at..].find('"').unwrap()].to_owned()
    };

    // Refused: the page comes back with the reason and what was typed; nothing moves.
    let fields = |key: &str, coins_other: &'static str| {
        vec![
            ("idempotency_key", key.to_owned()),
            ("note_id", note.clone()),
            ("coins", "300".to_owned()),
            ("coins_other", coins_other.to_owned()),
            ("goal", "follows".to_owned()),
            ("hours", "24".to_owned()),
        ]
    };
    let send = |fields: Vec<(&'static str, String)>| {
        let maker = maker.clone();
        let app = &app;
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            crate::pages::form(app, &maker, "/boost", &pairs).await
        }
    };
    let refused = send(fields(&key_of(&html), "50")).await;
    assert_eq!(refused.status, 422);
    let text = refused.text();
    assert!(text.contains("role=\"alert\"") && text.contains("value=\"50\""), "{text}");
    assert_eq!(app.get(&maker, "/api/v1/me/wallet").await.json()["coin_count"], 300);

    // Sent (with the refused page's new key): on to its results page, in review;
    // sending again changes nothing.
    let key = key_of(&text);
    let created = send(fields(&key, "")).await;
    created.assert_status(303);
    let location = created.headers["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/boost/") && location.contains("done=boost_created"), "{location}");
    send(fields(&key, "")).await.assert_status(303);
    assert_eq!(app.get(&maker, "/api/v1/me/wallet").await.json()["coin_count"], 0);
    let path = location.split('?').next().unwrap().to_owned();
    let results = app.get(&maker, &path).await.text();
    assert!(results.contains("In review") && results.contains("0 of 300 coins spent"), "{results}");
    assert!(results.contains("New followers it brought:"), "{results}");
    let chinese = app.send_with(&maker, Method::GET, &path, None, &[("accept-language", "zh-CN")]).await.text();
    assert!(chinese.contains("审核中") && chinese.contains("已花费 0 / 300 金币"), "{chinese}");
    // The wallet names the boost.
    assert!(app.get(&maker, "/wallet").await.text().contains("Boost"));
    // Nobody else sees it.
    let other = app.signup("page_other").await;
    app.get(&other, &path).await.assert_status(404);

    // Stopped from its page: the coins come back.
    let stopped = crate::pages::form(&app, &maker, &format!("{path}/stop"), &[]).await;
    stopped.assert_status(303);
    let after = app.get(&maker, &path).await.text();
    assert!(after.contains("Stopped") && after.contains("300 coins back to your wallet"), "{after}");
    assert!(!after.contains("id=\"boost-stop\""), "no Stop once stopped");
    assert_eq!(app.get(&maker, "/api/v1/me/wallet").await.json()["coin_count"], 300);
    assert_books_balance(&app).await;
}
