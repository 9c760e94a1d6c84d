//! The data plane through the API: behaviour events (validation, deduplication,
//! limits), per-note statistics and CES, scheduled publishing, readiness and the
//! operator's view of jobs and consumers.

use carmine_media::fixtures;
use carmine_store::testing::{TEST_START, TestDb};
use carmine_web::WebConfig;
use serde_json::{Value, json};

use crate::helpers::{Client, ORIGIN, TestApp};

carmine_store::both_backends!(
    behaviour_events_are_checked_one_by_one_and_counted_once,
    oversized_batches_and_unknown_fields_write_nothing,
    events_are_rate_limited_per_ip,
    engagement_and_ces_come_from_the_domain_log,
    statistics_are_for_the_author_only,
    a_scheduled_note_publishes_itself_when_due,
    schedules_can_move_be_removed_and_are_checked,
    readiness_lists_consumers_and_admins_see_jobs,
);

async fn note(app: &TestApp, author: &Client, visibility: &str) -> String {
    let media = app.upload(author, &[("file", "p.png", &fixtures::png(80, 100))]).await.json()["id"].clone();
    let note = app
        .post(author, "/api/v1/notes", json!({ "title": "数据 data", "media_ids": [media], "visibility": visibility }))
        .await;
    note.assert_status(201);
    note.json()["id"].as_str().unwrap().to_owned()
}

fn event(id: &str, kind: &str, note: &str) -> Value {
    json!({ "client_event_id": id, "kind": kind, "note_id": note, "surface": "home", "position": 3 })
}

fn statuses(result: &Value) -> Vec<String> {
    result["results"].as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap().to_owned()).collect()
}

fn codes(result: &Value) -> Vec<String> {
    result["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["error"]["code"].as_str().unwrap_or("-").to_owned())
        .collect()
}

async fn totals(app: &TestApp, author: &Client, note: &str) -> Value {
    app.sync().await;
    let stats = app.get(author, &format!("/api/v1/notes/{note}/stats")).await;
    stats.assert_status(200);
    stats.json()["totals"].clone()
}

async fn behaviour_event_count(app: &TestApp) -> i64 {
    carmine_store::behaviour::count(&mut app.db.reader().await.unwrap()).await.unwrap()
}

async fn behaviour_events_are_checked_one_by_one_and_counted_once(t: TestDb) {
    let app = TestApp::new(t).await;
    let author = app.signup("author").await;
    let viewer = app.signup("viewer").await;
    let public = note(&app, &author, "public").await;
    let private = note(&app, &author, "private").await;
    let future = (TEST_START.plus_seconds(3600)).to_rfc3339();
    let batch = json!({ "events": [
        event("e1", "impression", &public),
        { "client_event_id": "e2", "kind": "read", "note_id": public, "surface": "note", "dwell_ms": 12_000 },
        event("e3", "click", &public),
        event("e4", "share", &public),
        event("e1", "impression", &public),
        event("e5", "teleport", &public),
        { "client_event_id": "e6", "kind": "read", "note_id": public, "surface": "note" },
        { "client_event_id": "e7", "kind": "impression", "note_id": public, "surface": "home", "occurred_at": future },
        event("e8", "impression", &private),
        event("e9", "impression", "123456789"),
        event("bad id!", "impression", &public),
        { "client_event_id": "e10", "kind": "impression", "note_id": public, "surface": "billboard" },
    ]});
    let sent = app.post(&viewer, "/api/v1/events", batch.clone()).await;
    sent.assert_status(200);
    let result = sent.json();
    assert_eq!(
        statuses(&result),
        [
            "accepted",
            "accepted",
            "accepted",
            "accepted",
            "duplicate",
            "rejected",
            "rejected",
            "rejected",
            "rejected",
            "rejected",
            "rejected",
            "rejected"
        ]
    );
    assert_eq!(
        codes(&result)[5..],
        [
            "unknown_event_kind",
            "invalid_field",
            "event_time_out_of_range",
            "note_not_found",
            "note_not_found",
            "invalid_field",
            "invalid_field"
        ]
    );
    assert_eq!(result["results"][6]["error"]["details"]["field"], "dwell_ms");
    assert_eq!(
        (result["accepted"].as_i64(), result["duplicates"].as_i64(), result["rejected"].as_i64()),
        (Some(4), Some(1), Some(7))
    );

    let counted = totals(&app, &author, &public).await;
    assert_eq!(
        (counted["impressions"].as_i64(), counted["reads"].as_i64(), counted["avg_read_ms"].as_i64()),
        (Some(1), Some(1), Some(12_000))
    );
    assert_eq!((counted["clicks"].as_i64(), counted["share_clicks"].as_i64()), (Some(1), Some(1)));

    let again = app.post(&viewer, "/api/v1/events", batch).await.json();
    assert_eq!(again["accepted"], 0, "resending a batch adds nothing");
    assert_eq!(again["duplicates"], 5);
    assert_eq!(totals(&app, &author, &public).await, counted);
    assert_eq!(behaviour_event_count(&app).await, 4);

    // A signed-out visitor's events count too (and their ids are their own).
    let visitor = Client { ip: Some([192, 0, 2, 7]), ..Client::default() };
    let anonymous =
        app.post(&visitor, "/api/v1/events", json!({ "events": [event("e1", "impression", &public)] })).await;
    assert_eq!(statuses(&anonymous.json()), ["accepted"]);
    assert_eq!(totals(&app, &author, &public).await["impressions"], 2);
    let hourly = app.get(&author, &format!("/api/v1/notes/{public}/stats")).await.json()["hourly"].clone();
    assert_eq!(hourly.as_array().unwrap().len(), 1);
    assert_eq!(hourly[0]["start"], TEST_START.to_rfc3339());
    assert_eq!(hourly[0]["impressions"], 2);
}

async fn oversized_batches_and_unknown_fields_write_nothing(t: TestDb) {
    let app = TestApp::new(t).await;
    let author = app.signup("author").await;
    let public = note(&app, &author, "public").await;
    let events: Vec<Value> = (0..101).map(|n| event(&format!("e{n}"), "impression", &public)).collect();
    app.post(&author, "/api/v1/events", json!({ "events": events })).await.assert_error(413, "batch_too_large");
    let sneaky = json!({ "events": [{ "client_event_id": "x", "kind": "impression", "note_id": public, "surface": "home", "viewer_key": 1 }] });
    let refused = app.post(&author, "/api/v1/events", sneaky).await;
    refused.assert_error(422, "unknown_field");
    let bad_time = json!({ "events": [{ "client_event_id": "x", "kind": "impression", "note_id": public, "surface": "home", "occurred_at": "soon" }] });
    app.post(&author, "/api/v1/events", bad_time).await.assert_status(422);
    assert_eq!(behaviour_event_count(&app).await, 0);
}

async fn events_are_rate_limited_per_ip(t: TestDb) {
    let web = WebConfig { events_quota: carmine_core::ratelimit::Quota::new(2, 60_000), ..WebConfig::new(ORIGIN) };
    let app = TestApp::with_web_config(t, web).await;
    let author = app.signup("author").await;
    let public = note(&app, &author, "public").await;
    let visitor = Client { ip: Some([192, 0, 2, 9]), ..Client::default() };
    for n in 0..2 {
        let batch = json!({ "events": [event(&format!("v{n}"), "impression", &public)] });
        app.post(&visitor, "/api/v1/events", batch).await.assert_status(200);
    }
    let limited = app.post(&visitor, "/api/v1/events", json!({ "events": [event("v3", "impression", &public)] })).await;
    limited.assert_error(429, "rate_limited");
    let elsewhere = Client { ip: Some([192, 0, 2, 10]), ..Client::default() };
    app.post(&elsewhere, "/api/v1/events", json!({ "events": [event("v3", "impression", &public)] }))
        .await
        .assert_status(200);
    assert_eq!(behaviour_event_count(&app).await, 3);
}

async fn engagement_and_ces_come_from_the_domain_log(t: TestDb) {
    let app = TestApp::new(t).await;
    let author = app.signup("author").await;
    let fan = app.signup("fan").await;
    let id = note(&app, &author, "public").await;
    app.post(&fan, &format!("/api/v1/notes/{id}/like"), json!({})).await.assert_status(200);
    app.post(&fan, &format!("/api/v1/notes/{id}/save"), json!({})).await.assert_status(200);
    app.post(&fan, &format!("/api/v1/notes/{id}/save"), json!({})).await.assert_status(200);
    app.post(&fan, &format!("/api/v1/notes/{id}/comments"), json!({ "body": "好看!" })).await.assert_status(201);
    app.post(&fan, &format!("/api/v1/notes/{id}/share"), json!({})).await.assert_status(200);
    app.post(&fan, &format!("/api/v1/actors/author/follow?from_note={id}"), json!({})).await.assert_status(200);
    let counted = totals(&app, &author, &id).await;
    let engagement = ["likes", "saves", "comments", "shares", "follows"].map(|k| counted[k].as_i64().unwrap());
    assert_eq!(engagement, [1, 1, 1, 1, 1], "saving again moves the save, it does not count twice");
    assert_eq!(counted["ces"], 1 + 1 + 4 + 4 + 8);

    app.delete(&fan, &format!("/api/v1/notes/{id}/like"), None).await.assert_status(200);
    app.delete(&fan, "/api/v1/actors/author/follow", None).await.assert_status(200);
    let after = totals(&app, &author, &id).await;
    assert_eq!(
        (after["likes"].as_i64(), after["follows"].as_i64(), after["ces"].as_i64()),
        (Some(0), Some(1), Some(17))
    );

    // A follow may only be credited to the followed actor's own note.
    let other = app.signup("other").await;
    let elsewhere = note(&app, &other, "public").await;
    let wrong = app.post(&fan, &format!("/api/v1/actors/author/follow?from_note={elsewhere}"), json!({})).await;
    wrong.assert_error(422, "invalid_field");
}

async fn statistics_are_for_the_author_only(t: TestDb) {
    let app = TestApp::new(t).await;
    let author = app.signup("author").await;
    let stranger = app.signup("stranger").await;
    let public = note(&app, &author, "public").await;
    let private = note(&app, &author, "private").await;
    app.get(&stranger, &format!("/api/v1/notes/{public}/stats")).await.assert_error(403, "forbidden");
    app.get(&stranger, &format!("/api/v1/notes/{private}/stats")).await.assert_error(404, "note_not_found");
    app.get(&Client::default(), &format!("/api/v1/notes/{public}/stats")).await.assert_error(401, "unauthenticated");
    let empty = totals(&app, &author, &private).await;
    assert_eq!((empty["impressions"].as_i64(), empty["ces"].as_i64()), (Some(0), Some(0)));
}

async fn scheduled(app: &TestApp, author: &Client, at: &str) -> Value {
    let media = app.upload(author, &[("file", "p.png", &fixtures::png(80, 100))]).await.json()["id"].clone();
    let created = app
        .post(
            author,
            "/api/v1/notes",
            json!({ "title": "明天见 see you", "body": "hi @fan", "media_ids": [media], "publish_at": at }),
        )
        .await;
    created.assert_status(201);
    created.json()
}

async fn a_scheduled_note_publishes_itself_when_due(t: TestDb) {
    let app = TestApp::new(t).await;
    let author = app.signup("author").await;
    let fan = app.signup("fan").await;
    let at = TEST_START.plus_seconds(3600).to_rfc3339();
    let note = scheduled(&app, &author, &at).await;
    let id = note["id"].as_str().unwrap();
    assert_eq!((note["status"].as_str(), note["publish_at"].as_str()), (Some("draft"), Some(at.as_str())));
    app.get(&fan, &format!("/api/v1/notes/{id}")).await.assert_error(404, "note_not_found");
    assert_eq!(app.run_jobs().await.succeeded, 0, "not yet due");

    app.clock.advance_seconds(3600);
    assert_eq!(app.run_jobs().await.succeeded, 1);
    let published = app.get(&fan, &format!("/api/v1/notes/{id}")).await;
    published.assert_status(200);
    let published = published.json();
    assert_eq!((published["status"].as_str(), published["publish_at"].as_str()), (Some("published"), None));
    assert_eq!(published["published_at"], TEST_START.plus_seconds(3600).to_rfc3339());
    app.sync().await;
    let feed = app.get(&fan, "/api/v1/feed").await.json();
    assert_eq!(feed["items"][0]["id"], id);
    let mentions = app.get(&fan, "/api/v1/notifications").await.json();
    assert_eq!(mentions["items"][0]["kind"], "mention", "the mention is delivered when the note goes out");
    assert_eq!(app.run_jobs().await.succeeded, 0, "published once");
}

async fn schedules_can_move_be_removed_and_are_checked(t: TestDb) {
    let app = TestApp::new(t).await;
    let author = app.signup("author").await;
    let colleague = app.signup("colleague").await;
    let in_an_hour = TEST_START.plus_seconds(3600).to_rfc3339();
    let id = scheduled(&app, &author, &in_an_hour).await["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/notes/{id}");

    let tomorrow = TEST_START.plus_seconds(86_400).to_rfc3339();
    let moved = app.patch(&author, &path, json!({ "publish_at": tomorrow })).await;
    moved.assert_status(200);
    assert_eq!(moved.json()["publish_at"], tomorrow);
    app.clock.advance_seconds(3600);
    assert_eq!(app.run_jobs().await.succeeded, 0, "moved to tomorrow");

    let unscheduled = app.patch(&author, &path, json!({ "publish_at": null })).await;
    assert_eq!(
        (unscheduled.json()["status"].as_str(), unscheduled.json()["publish_at"].as_str()),
        (Some("draft"), None)
    );
    app.clock.advance_seconds(86_400);
    assert_eq!(app.run_jobs().await.succeeded, 0, "unscheduled");
    assert_eq!(app.get(&author, &path).await.json()["status"], "draft");

    let media = app.upload(&author, &[("file", "p.png", &fixtures::png(80, 100))]).await.json()["id"].clone();
    let before = app.event_count().await;
    let past = TEST_START.to_rfc3339();
    app.patch(&author, &path, json!({ "publish_at": past })).await.assert_error(422, "invalid_field");
    let far = app.clock.now().plus_seconds(91 * 86_400).to_rfc3339();
    app.patch(&author, &path, json!({ "publish_at": far })).await.assert_error(422, "invalid_field");
    app.patch(&author, &path, json!({ "publish_at": "next tuesday" })).await.assert_status(422);
    app.patch(&colleague, &path, json!({ "publish_at": null })).await.assert_error(404, "note_not_found");
    let soon = app.clock.now().plus_seconds(60).to_rfc3339();
    let both = json!({ "title": "x", "media_ids": [media], "publish": true, "publish_at": soon });
    app.post(&author, "/api/v1/notes", both).await.assert_error(422, "invalid_field");
    let no_images = json!({ "title": "x", "media_ids": [], "publish_at": soon });
    app.post(&author, "/api/v1/notes", no_images).await.assert_error(422, "invalid_field");
    assert_eq!(app.event_count().await, before, "refused schedules change nothing");

    // Publishing by hand before the time, or deleting, cancels the schedule.
    app.patch(&author, &path, json!({ "publish_at": soon })).await.assert_status(200);
    app.patch(&author, &path, json!({ "publish": true })).await.assert_status(200);
    app.clock.advance_seconds(60);
    assert_eq!(app.run_jobs().await.succeeded, 0);
    let later = scheduled(&app, &author, &app.clock.now().plus_seconds(60).to_rfc3339()).await;
    app.delete(&author, &format!("/api/v1/notes/{}", later["id"].as_str().unwrap()), None).await.assert_status(204);
    app.clock.advance_seconds(60);
    assert_eq!(app.run_jobs().await.succeeded, 0);
}

async fn readiness_lists_consumers_and_admins_see_jobs(t: TestDb) {
    let app = TestApp::new(t).await;
    let admin = app.admin("root").await;
    let member = app.signup("member").await;
    scheduled(&app, &member, &TEST_START.plus_seconds(600).to_rfc3339()).await;
    app.sync().await;
    let ready = app.get(&Client::default(), "/readyz").await;
    ready.assert_status(200);
    let consumers = ready.json()["consumers"].clone();
    let names: Vec<&str> = consumers.as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "note_stats.engagement",
            "note_stats.behaviour",
            "notes.gift_notices",
            "feed.domain",
            "feed.behaviour",
            "search.index",
            "search.trends",
            "ads.engagements.domain",
            "ads.engagements.behaviour"
        ]
    );
    assert_eq!(consumers[0]["lag"], 0);

    let metrics = app.get(&Client::default(), "/metrics").await.text();
    assert!(metrics.contains("carmine_consumer_lag{consumer=\"note_stats.engagement\",log=\"domain\"} 0"), "{metrics}");
    assert!(metrics.contains("carmine_jobs{state=\"pending\"} 1"), "{metrics}");

    app.get(&member, "/api/v1/admin/jobs").await.assert_error(403, "admin_only");
    let jobs = app.get(&admin, "/api/v1/admin/jobs?state=pending").await;
    jobs.assert_status(200);
    let jobs = jobs.json();
    assert_eq!(jobs["jobs"][0]["kind"], "notes.publish");
    assert_eq!(jobs["counts"]["pending"], 1);
    app.get(&admin, "/api/v1/admin/jobs?state=asleep").await.assert_error(422, "invalid_field");
    let job_id = jobs["jobs"][0]["id"].as_str().unwrap();
    app.post(&admin, &format!("/api/v1/admin/jobs/{job_id}/retry"), json!({})).await.assert_error(404, "job_not_found");
    let listed = app.get(&admin, "/api/v1/admin/consumers").await.json();
    assert_eq!(listed.as_array().unwrap().len(), 9);
}
