//! The discovery feed through the API: new notes from new creators reach their test
//! audience and graduate, engagement changes the next page as soon as the feed's
//! consumers have applied it (tests wait on `sync`, never on a clock), nothing leaks
//! to a reader who may not see it, cursors belong to their reader, related notes,
//! the interest picker, and the operator's audit and fairness views.

use carmine_feed::{FeedSettings, Pool};
use carmine_store::testing::TestDb;
use carmine_web::WebConfig;
use serde_json::{Value, json};

use crate::helpers::{Client, ORIGIN, TestApp};

carmine_store::both_backends!(
    a_new_creators_note_gets_its_test_audience_and_graduates,
    engagement_changes_the_next_page,
    the_feed_never_shows_what_the_reader_may_not_see,
    cursors_belong_to_their_reader,
    related_notes_follow_co_engagement,
    interest_picks_are_validated,
    operators_audit_any_feed_and_see_fairness,
    another_node_replaying_the_same_logs_serves_the_same_feed,
    a_note_many_liked_is_not_called_new_to_its_readers,
);

/// "You are among its first readers" is true only of a note few engaged with: one
/// still in its test pool (no impressions counted) but liked by many says otherwise.
async fn a_note_many_liked_is_not_called_new_to_its_readers(t: TestDb) {
    let app = small_pools(t).await;
    let creator = app.signup("creator").await;
    let note = post(&app, &creator, "赏枫路线 #hiking", json!({})).await;
    for n in 0..20 {
        let fan = app.signup(&format!("fan{n}")).await;
        app.post(&fan, &format!("/api/v1/notes/{note}/like"), json!({})).await.assert_status(200);
    }
    let reader = app.signup("reader").await;
    pick(&app, &reader, &["hiking"]).await;
    let page = feed(&app, &reader, "").await;
    let item = page["items"].as_array().unwrap().iter().find(|i| i["id"] == note.as_str()).cloned();
    let reason = item.unwrap_or_else(|| panic!("the note is offered: {page}"))["reason"].as_str().unwrap().to_owned();
    assert!(!reason.contains("first readers"), "{reason}");
}

async fn small_pools(t: TestDb) -> TestApp {
    TestApp::with_services(t, WebConfig::new(ORIGIN), |config| {
        config.feed = FeedSettings {
            pools: vec![Pool { audience: 3, bar: 0.05 }, Pool { audience: 50, bar: 0.1 }],
            ..FeedSettings::default()
        }
    })
    .await
}

async fn post(app: &TestApp, author: &Client, title: &str, extra: Value) -> String {
    app.publish(author, title, extra).await
}

async fn pick(app: &TestApp, member: &Client, topics: &[&str]) {
    app.put(member, "/api/v1/me/interests", json!({ "topics": topics })).await.assert_status(200);
}

async fn feed(app: &TestApp, reader: &Client, query: &str) -> Value {
    app.sync().await;
    let page = app.get(reader, &format!("/api/v1/feed{query}")).await;
    page.assert_status(200);
    page.json()
}

fn ids(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().to_owned()).collect()
}

async fn events(app: &TestApp, reader: &Client, events: Value) {
    let sent = app.post(reader, "/api/v1/events", json!({ "events": events })).await;
    sent.assert_status(200);
    assert_eq!(sent.json()["rejected"], 0, "{}", sent.text());
}

/// Determinism where it matters: a community imported while this node's consumers
/// follow the logs, then another node (a restart, or a second server) replays the
/// same logs with its two consumers racing each other — both hold the same index and
/// serve every member the same ranking.
async fn another_node_replaying_the_same_logs_serves_the_same_feed(t: TestDb) {
    let app = TestApp::new(t).await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("community");
    let scale = carmine_dataset::Scale { members: 120, notes: 500, engagements: 3_000, behaviour: 3_000, days: 10 };
    let hash = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$7Nn3VjJkR0hbv1n4S3T9zQ";
    carmine_dataset::generate(&data, scale, 5, hash, app.clock.now(), false).unwrap();
    let report = carmine_dataset::import(&app.db, &app.services.media, &data, &Default::default()).await.unwrap();
    assert_eq!(report.rejected(), 0, "{:?}", report.errors);
    app.sync().await;
    let (other, _running, _media) = app.another_node().await;

    let nodes = [&app.services.feed, &other.feed];
    for feed in nodes {
        feed.index().settle();
    }
    let (here, there) = (app.services.feed.index().model().describe(), other.feed.index().model().describe());
    assert!(here.len() > 600, "the community is in the index: {} lines", here.len());
    assert_eq!(here.len(), there.len());
    for (a, b) in here.iter().zip(&there) {
        assert_eq!(a, b, "the two nodes' indexes differ");
    }
    let members = app.services.feed.index().model().member_ids();
    let mut full_pages = 0;
    for member in members {
        let page = app.services.feed.preview(member, 20);
        full_pages += usize::from(page.len() == 20);
        assert_eq!(page, other.feed.preview(member, 20), "member {member} is ranked differently on the other node");
    }
    assert!(full_pages > 100, "members get full pages: {full_pages}");
}

async fn a_new_creators_note_gets_its_test_audience_and_graduates(t: TestDb) {
    let app = small_pools(t).await;
    let newbie = app.signup("newbie").await;
    let note = post(&app, &newbie, "第一次露营 #camping", json!({})).await;
    let readers = [app.signup("reader1").await, app.signup("reader2").await, app.signup("reader3").await];
    for reader in &readers {
        pick(&app, reader, &["camping"]).await;
    }
    for (i, reader) in readers.iter().enumerate() {
        let page = feed(&app, reader, "").await;
        assert_eq!(ids(&page)[0], note, "a note by a creator with no followers reaches its test audience");
        assert!(page["items"][0]["reason"].as_str().unwrap().contains("first readers"), "{page}");
        if i < 2 {
            app.post(reader, &format!("/api/v1/notes/{note}/like"), json!({})).await.assert_status(200);
        }
    }
    let journey = app.get(&newbie, &format!("/api/v1/notes/{note}/journey")).await.json();
    assert_eq!((journey["level"].as_u64(), journey["status"].as_str()), (Some(0), Some("testing")));
    for (i, reader) in readers.iter().enumerate() {
        let id = format!("imp{i}");
        events(
            &app,
            reader,
            json!([{ "client_event_id": id, "kind": "impression", "note_id": note, "surface": "home" }]),
        )
        .await;
    }
    app.sync().await;
    let journey = app.get(&newbie, &format!("/api/v1/notes/{note}/journey")).await;
    journey.assert_status(200);
    let journey = journey.json();
    assert_eq!(journey["level"], 1, "2 likes in 3 impressions beat the first bar: {journey}");
    assert_eq!(journey["status"], "testing");
    assert_eq!(journey["audience"], 50);
    assert_eq!(journey["steps"].as_array().unwrap().len(), 2);
    assert_eq!(journey["steps"][1]["impressions"], 3);
    app.get(&readers[0], &format!("/api/v1/notes/{note}/journey")).await.assert_error(403, "forbidden");

    let later = app.signup("reader4").await;
    pick(&app, &later, &["camping"]).await;
    assert_eq!(ids(&feed(&app, &later, "").await)[0], note, "the next pool's audience gets it too");
}

async fn engagement_changes_the_next_page(t: TestDb) {
    let app = TestApp::new(t).await;
    let (hiker, baker) = (app.signup("hiker").await, app.signup("baker").await);
    let first_hike = post(&app, &hiker, "徒步 day one #hiking", json!({})).await;
    let second_hike = post(&app, &hiker, "Ridge walk #hiking", json!({})).await;
    app.clock.advance_seconds(60);
    let bread = post(&app, &baker, "Sourdough #baking", json!({})).await;
    let reader = app.signup("reader").await;
    let first = feed(&app, &reader, "").await;
    assert_eq!(ids(&first).len(), 3, "a new member without picks still gets a feed");

    app.post(&reader, &format!("/api/v1/notes/{first_hike}/like"), json!({})).await.assert_status(200);
    let next = feed(&app, &reader, "").await;
    assert!(!ids(&next).contains(&first_hike), "what the member engaged with is filtered out");
    assert_eq!(ids(&next), [second_hike.clone(), bread.clone()], "the like lifted #hiking above a fresher note");
    assert_eq!(next["items"][0]["reason"], "Because you liked a note about #hiking");

    let item = json!([{ "client_event_id": "seen", "kind": "impression", "note_id": second_hike, "surface": "home" }]);
    events(&app, &reader, item).await;
    assert!(!ids(&feed(&app, &reader, "").await).contains(&second_hike), "what the member saw is filtered out");

    // Seen everything the index proposes: the first page is the newest notes, never
    // an empty site.
    let item = json!([{ "client_event_id": "seen-2", "kind": "impression", "note_id": bread, "surface": "home" }]);
    events(&app, &reader, item).await;
    let rest = feed(&app, &reader, "").await;
    assert_eq!(ids(&rest).len(), 3, "{rest}");
}

async fn the_feed_never_shows_what_the_reader_may_not_see(t: TestDb) {
    let app = TestApp::new(t).await;
    let author = app.signup("author").await;
    let (follower, stranger) = (app.signup("follower").await, app.signup("stranger").await);
    app.post(&follower, "/api/v1/actors/author/follow", json!({})).await.assert_status(200);
    let public = post(&app, &author, "public #tea", json!({})).await;
    let followers_only = post(&app, &author, "friends #tea", json!({ "visibility": "followers" })).await;
    let private = post(&app, &author, "mine #tea", json!({ "visibility": "private" })).await;
    let draft = post(&app, &author, "draft #tea", json!({ "publish": false })).await;
    let deleted = post(&app, &author, "gone #tea", json!({})).await;
    app.delete(&author, &format!("/api/v1/notes/{deleted}"), None).await.assert_status(204);
    let limited = post(&app, &author, "limited #tea", json!({})).await;
    let admin = app.admin("root").await;
    let report = json!({ "target_kind": "note", "target_id": limited, "reason": "spam" });
    let report_id = app.post(&stranger, "/api/v1/reports", report).await.json()["id"].as_str().unwrap().to_owned();
    app.post(
        &admin,
        &format!("/api/v1/admin/reports/{report_id}/resolve"),
        json!({ "action": "limit", "reason": "spam" }),
    )
    .await
    .assert_status(204);
    for reader in [&follower, &stranger] {
        pick(&app, reader, &["tea"]).await;
    }

    let mut seen = ids(&feed(&app, &stranger, "?limit=50").await);
    seen.sort();
    assert_eq!(seen, [public.as_str()], "strangers get public notes only");
    let mut seen = ids(&feed(&app, &follower, "?limit=50").await);
    seen.sort();
    let mut expected = vec![public.clone(), followers_only.clone(), limited.clone()];
    expected.sort();
    assert_eq!(seen, expected, "followers also get followers-only notes and notes limited by moderation");
    assert_eq!(ids(&feed(&app, &Client::default(), "?limit=50").await), [public.as_str()], "visitors: public only");
    for hidden in [&private, &draft, &deleted] {
        app.get(&stranger, &format!("/api/v1/notes/{hidden}/related")).await.assert_error(404, "note_not_found");
    }

    app.post(&stranger, "/api/v1/actors/author/block", json!({})).await.assert_status(204);
    assert!(ids(&feed(&app, &stranger, "").await).is_empty(), "nothing by a blocked member");
}

async fn cursors_belong_to_their_reader(t: TestDb) {
    let app = TestApp::new(t).await;
    let author = app.signup("author").await;
    let mut posted = Vec::new();
    for n in 0..3 {
        posted.push(post(&app, &author, &format!("笔记 {n} #notes"), json!({})).await);
    }
    let (alice, bob) = (app.signup("alice").await, app.signup("bob").await);
    let first = feed(&app, &alice, "?limit=2").await;
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    app.get(&bob, &format!("/api/v1/feed?cursor={cursor}")).await.assert_error(400, "invalid_cursor");
    app.get(&Client::default(), &format!("/api/v1/feed?cursor={cursor}")).await.assert_error(400, "invalid_cursor");
    app.get(&alice, "/api/v1/feed?cursor=forged.cursor").await.assert_error(400, "invalid_cursor");
    let second = feed(&app, &alice, &format!("?limit=2&cursor={cursor}")).await;
    let mut all = [ids(&first), ids(&second)].concat();
    assert_eq!(second["next_cursor"], Value::Null, "the last page says so");
    all.sort();
    posted.sort();
    assert_eq!(all, posted, "every note once across the pages");
}

async fn related_notes_follow_co_engagement(t: TestDb) {
    let app = TestApp::new(t).await;
    let author = app.signup("author").await;
    let (lamp, desk, cat) = (
        post(&app, &author, "Lamp #lighting", json!({})).await,
        post(&app, &author, "Desk #furniture", json!({})).await,
        post(&app, &author, "Cat #cats", json!({})).await,
    );
    let private = post(&app, &author, "Secret #lighting", json!({ "visibility": "private" })).await;
    for name in ["fan1", "fan2"] {
        let fan = app.signup(name).await;
        for note in [&lamp, &desk] {
            app.post(&fan, &format!("/api/v1/notes/{note}/like"), json!({})).await.assert_status(200);
        }
    }
    app.sync().await;
    let related = app.get(&Client::default(), &format!("/api/v1/notes/{lamp}/related")).await;
    related.assert_status(200);
    let related: Vec<String> =
        related.json()["items"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(related.first(), Some(&desk), "people who liked the lamp also liked the desk");
    assert!(!related.contains(&lamp) && !related.contains(&private) && !related.contains(&cat), "{related:?}");
}

async fn interest_picks_are_validated(t: TestDb) {
    let app = TestApp::new(t).await;
    let member = app.signup("member").await;
    app.put(&Client::default(), "/api/v1/me/interests", json!({ "topics": ["tea"] }))
        .await
        .assert_error(401, "unauthenticated");
    let before = app.event_count().await;
    let eleven: Vec<String> = (0..11).map(|n| format!("t{n}")).collect();
    app.put(&member, "/api/v1/me/interests", json!({ "topics": eleven })).await.assert_error(422, "invalid_field");
    app.put(&member, "/api/v1/me/interests", json!({ "topics": ["not a topic!"] }))
        .await
        .assert_error(422, "invalid_field");
    app.put(&member, "/api/v1/me/interests", json!({ "topics": ["tea"], "weight": 9 }))
        .await
        .assert_error(422, "unknown_field");
    assert_eq!(app.event_count().await, before, "refused picks write nothing");
    let saved = app.put(&member, "/api/v1/me/interests", json!({ "topics": ["Skincare", "护肤", "#skincare"] })).await;
    saved.assert_status(200);
    assert_eq!(saved.json()["picked"], json!(["skincare", "护肤"]));
    let mut stored: Vec<String> =
        serde_json::from_value(app.get(&member, "/api/v1/me/interests").await.json()["picked"].clone()).unwrap();
    stored.sort();
    assert_eq!(stored, ["skincare", "护肤"]);
}

async fn operators_audit_any_feed_and_see_fairness(t: TestDb) {
    let app = TestApp::new(t).await;
    let admin = app.admin("root").await;
    let creator = app.signup("creator").await;
    let note = post(&app, &creator, "Matcha latte #tea", json!({})).await;
    let member = app.signup("member").await;
    pick(&app, &member, &["tea"]).await;
    let member_id = app.user_id(&member).await;
    app.sync().await;

    let audit = app.get(&admin, &format!("/api/v1/admin/users/{member_id}/feed")).await;
    audit.assert_status(200);
    let item = &audit.json()["items"][0];
    assert_eq!(item["note"]["id"], note);
    assert!(item["score"]["total"].as_f64().unwrap() > 0.0);
    assert_eq!(item["score"]["interest"], 1.0, "the member picked the note's only topic");
    assert!(item["sources"].as_array().unwrap().contains(&json!("interests")), "{item}");
    assert_eq!(item["reason"], "New in #tea: you are among its first readers");
    assert_eq!(item["score"]["pool"], 1.5, "testing in its first pool, for a member who cares");
    assert_eq!(item["small_creator"], true);
    app.get(&member, &format!("/api/v1/admin/users/{member_id}/feed")).await.assert_error(403, "admin_only");
    app.get(&admin, "/api/v1/admin/users/12345/feed").await.assert_error(404, "user_not_found");
    assert_eq!(ids(&feed(&app, &member, "").await), [note.as_str()], "the audit marked nothing as served");

    let seen = json!([
        { "client_event_id": "a", "kind": "impression", "note_id": note, "surface": "home" },
        { "client_event_id": "b", "kind": "read", "note_id": note, "surface": "note", "dwell_ms": 20_000 },
    ]);
    events(&app, &member, seen).await;
    events(
        &app,
        &Client::default(),
        json!([{ "client_event_id": "c", "kind": "impression", "note_id": note, "surface": "home" }]),
    )
    .await;
    app.sync().await;
    let fairness = app.get(&admin, "/api/v1/admin/feed/fairness").await;
    fairness.assert_status(200);
    let fairness = fairness.json();
    assert_eq!(fairness["impressions"], 2);
    assert_eq!(fairness["small_creator_share"], 1.0);
    assert_eq!(fairness["notes_seen"], 1);
    app.get(&member, "/api/v1/admin/feed/fairness").await.assert_error(403, "admin_only");
}
