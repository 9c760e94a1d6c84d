//! Reports and the moderation queue; blocks and mutes.

use carmine_media::fixtures;
use carmine_store::testing::TestDb;
use serde_json::json;

use crate::helpers::{Client, TestApp};

carmine_store::both_backends!(
    reports_are_decided_once_for_their_target,
    moderation_removes_and_suspends,
    blocks_and_mutes
);

async fn note(app: &TestApp, author: &Client, title: &str) -> String {
    let media = app.upload(author, &[("file", "p.png", &fixtures::png(60, 80))]).await.json()["id"].clone();
    let created = app.post(author, "/api/v1/notes", json!({ "title": title, "media_ids": [media] })).await;
    created.assert_status(201);
    created.json()["id"].as_str().unwrap().to_owned()
}

async fn reports_are_decided_once_for_their_target(t: TestDb) {
    let app = TestApp::new(t).await;
    let author = app.signup("author").await;
    let follower = app.signup("follower").await;
    let (first, second) = (app.signup("first").await, app.signup("second").await);
    app.post(&follower, "/api/v1/actors/author/follow", json!({})).await.assert_status(200);
    let id = note(&app, &author, "可疑").await;
    let report = json!({ "target_kind": "note", "target_id": id, "reason": "spam", "details": "链接广告" });
    let filed = app.post(&first, "/api/v1/reports", report.clone()).await;
    filed.assert_status(201);
    assert_eq!(
        app.post(&first, "/api/v1/reports", report.clone()).await.json()["id"],
        filed.json()["id"],
        "the same open report"
    );
    app.post(&second, "/api/v1/reports", json!({ "target_kind": "note", "target_id": id, "reason": "misinformation" }))
        .await
        .assert_status(201);

    for (body, field) in [
        (json!({ "target_kind": "note", "target_id": id, "reason": "boring" }), "reason"),
        (json!({ "target_kind": "board", "target_id": id, "reason": "spam" }), "target_kind"),
    ] {
        let refused = app.post(&first, "/api/v1/reports", body).await;
        refused.assert_error(422, "invalid_field");
        assert_eq!(refused.json()["error"]["details"]["field"], field);
    }
    app.get(&first, "/api/v1/admin/reports").await.assert_error(403, "admin_only");
    let report_id = filed.json()["id"].as_str().unwrap().to_owned();
    app.post(&first, &format!("/api/v1/admin/reports/{report_id}/resolve"), json!({ "action": "dismiss" }))
        .await
        .assert_error(403, "admin_only");

    let admin = app.admin("root").await;
    let queue = app.get(&admin, "/api/v1/admin/reports").await.json();
    assert_eq!(queue["items"].as_array().unwrap().len(), 2);
    app.post(&admin, &format!("/api/v1/admin/reports/{report_id}/resolve"), json!({ "action": "limit" }))
        .await
        .assert_error(422, "invalid_field");
    app.post(
        &admin,
        &format!("/api/v1/admin/reports/{report_id}/resolve"),
        json!({ "action": "limit", "reason": "广告引流" }),
    )
    .await
    .assert_status(204);
    assert!(
        app.get(&admin, "/api/v1/admin/reports").await.json()["items"].as_array().unwrap().is_empty(),
        "both reports closed"
    );
    app.post(&admin, &format!("/api/v1/admin/reports/{report_id}/resolve"), json!({ "action": "dismiss" }))
        .await
        .assert_error(409, "report_closed");

    // Limited: followers still see it, nobody else does, and it leaves discovery.
    app.get(&second, &format!("/api/v1/notes/{id}")).await.assert_error(404, "note_not_found");
    assert_eq!(app.get(&follower, &format!("/api/v1/notes/{id}")).await.json()["limited"], true);
    app.sync().await;
    assert!(app.get(&Client::default(), "/api/v1/feed").await.json()["items"].as_array().unwrap().is_empty());
    let audit = app.get(&admin, "/api/v1/admin/audit-log").await.json();
    assert_eq!(audit["items"][0]["action"], "resolve_report");
    assert_eq!(audit["items"][0]["details"]["decision"], "limited");
}

async fn moderation_removes_and_suspends(t: TestDb) {
    let app = TestApp::new(t).await;
    let author = app.signup("author").await;
    let troll = app.signup("troll").await;
    let reader = app.signup("reader").await;
    let admin = app.admin("root").await;
    let id = note(&app, &author, "正常笔记").await;
    let comment = app.post(&troll, &format!("/api/v1/notes/{id}/comments"), json!({ "body": "垃圾评论" })).await.json();
    let comment_id = comment["id"].as_str().unwrap();
    let report = app
        .post(
            &reader,
            "/api/v1/reports",
            json!({ "target_kind": "comment", "target_id": comment_id, "reason": "harassment" }),
        )
        .await
        .json();
    app.post(
        &admin,
        &format!("/api/v1/admin/reports/{}/resolve", report["id"].as_str().unwrap()),
        json!({ "action": "remove", "reason": "abuse" }),
    )
    .await
    .assert_status(204);
    let threads = app.get(&reader, &format!("/api/v1/notes/{id}/comments")).await.json();
    assert_eq!(threads["items"][0]["comment"]["deleted"], true);
    assert_eq!(app.get(&reader, &format!("/api/v1/notes/{id}")).await.json()["counts"]["comments"], 0);

    let troll_id = app.user_id(&troll).await;
    let member = app
        .post(&reader, "/api/v1/reports", json!({ "target_kind": "member", "target_id": troll_id, "reason": "spam" }))
        .await
        .json();
    app.post(
        &admin,
        &format!("/api/v1/admin/reports/{}/resolve", member["id"].as_str().unwrap()),
        json!({ "action": "remove", "reason": "x" }),
    )
    .await
    .assert_error(422, "invalid_field");
    app.post(
        &admin,
        &format!("/api/v1/admin/reports/{}/resolve", member["id"].as_str().unwrap()),
        json!({ "action": "suspend", "reason": "repeat abuse" }),
    )
    .await
    .assert_status(204);
    app.login("troll", "correct horse battery").await.assert_error(403, "account_suspended");

    let removed = app
        .post(&reader, "/api/v1/reports", json!({ "target_kind": "note", "target_id": id, "reason": "other" }))
        .await
        .json();
    app.post(
        &admin,
        &format!("/api/v1/admin/reports/{}/resolve", removed["id"].as_str().unwrap()),
        json!({ "action": "remove", "reason": "violates rules" }),
    )
    .await
    .assert_status(204);
    app.get(&author, &format!("/api/v1/notes/{id}")).await.assert_error(404, "note_not_found");
}

async fn blocks_and_mutes(t: TestDb) {
    let app = TestApp::new(t).await;
    let alice = app.signup("alice").await;
    let bob = app.signup("bob").await;
    let carol = app.signup("carol").await;
    app.post(&bob, "/api/v1/actors/alice/follow", json!({})).await.assert_status(200);
    let alice_note = note(&app, &alice, "alice").await;
    let bob_note = note(&app, &bob, "bob").await;

    app.post(&alice, "/api/v1/actors/alice/block", json!({})).await.assert_error(422, "cannot_block_self");
    app.post(&alice, "/api/v1/actors/bob/block", json!({})).await.assert_status(204);
    assert_eq!(app.get(&alice, "/api/v1/actors/alice").await.json()["followers"], 0, "the follow ended");
    let events = app.event_count().await;
    app.post(&bob, "/api/v1/actors/alice/follow", json!({})).await.assert_error(403, "blocked");
    app.post(&bob, &format!("/api/v1/notes/{alice_note}/like"), json!({})).await.assert_error(403, "blocked");
    app.post(&bob, &format!("/api/v1/notes/{alice_note}/comments"), json!({ "body": "hi" }))
        .await
        .assert_error(403, "blocked");
    app.post(&bob, &format!("/api/v1/notes/{alice_note}/save"), json!({})).await.assert_error(403, "blocked");
    let media = app.upload(&bob, &[("file", "p.png", &fixtures::png(40, 40))]).await.json()["id"].clone();
    let events = events + 1; // the upload
    let mention = app.post(&bob, "/api/v1/notes", json!({ "title": "hey @alice", "media_ids": [media] })).await;
    mention.assert_error(422, "mention_blocked");
    app.post(&bob, &format!("/api/v1/notes/{bob_note}/comments"), json!({ "body": "cc @alice" }))
        .await
        .assert_error(422, "mention_blocked");
    assert_eq!(app.event_count().await, events, "refusals write nothing");
    app.sync().await;
    let feed = app.get(&alice, "/api/v1/feed").await.json();
    assert!(
        feed["items"].as_array().unwrap().iter().all(|n| n["author"]["handle"] != "bob"),
        "alice no longer sees bob"
    );
    app.delete(&alice, "/api/v1/actors/bob/block", None).await.assert_status(204);
    app.post(&bob, &format!("/api/v1/notes/{alice_note}/like"), json!({})).await.assert_status(200);

    // Muting: carol's likes stop notifying alice, and her comments are hidden from alice only.
    app.post(&alice, "/api/v1/actors/carol/mute", json!({})).await.assert_status(204);
    app.post(&carol, &format!("/api/v1/notes/{alice_note}/like"), json!({})).await.assert_status(200);
    app.post(&carol, &format!("/api/v1/notes/{alice_note}/comments"), json!({ "body": "carol was here" }))
        .await
        .assert_status(201);
    let kinds: Vec<_> = app.get(&alice, "/api/v1/notifications").await.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["actor_handle"].as_str().unwrap().to_owned())
        .collect();
    assert!(!kinds.contains(&"carol".to_owned()), "{kinds:?}");
    assert!(
        app.get(&alice, &format!("/api/v1/notes/{alice_note}/comments")).await.json()["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        app.get(&bob, &format!("/api/v1/notes/{alice_note}/comments")).await.json()["items"].as_array().unwrap().len(),
        1
    );
    app.delete(&alice, "/api/v1/actors/carol/mute", None).await.assert_status(204);
}
