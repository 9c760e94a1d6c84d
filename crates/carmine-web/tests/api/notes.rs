//! Notes: writing, visibility, drafts, editing, deleting, posting for an
//! organization, following, and the newest-first feed.

use carmine_media::fixtures;
use carmine_store::testing::TestDb;
use serde_json::{Value, json};

use crate::helpers::{Client, TestApp};

carmine_store::both_backends!(
    a_note_with_images_topics_and_mentions,
    bad_notes_are_refused_and_write_nothing,
    visibility_decides_who_sees_a_note,
    drafts_stay_with_their_author_until_published,
    only_the_author_edits_or_deletes,
    staff_post_for_their_organization,
    follows_and_the_following_feed,
    the_discovery_feed_pages_without_repeats,
);

async fn image(app: &TestApp, client: &Client) -> Value {
    let uploaded = app.upload(client, &[("file", "photo.jpg", &fixtures::jpeg(120, 160))]).await;
    uploaded.assert_status(201);
    uploaded.json()["id"].clone()
}

async fn a_note_with_images_topics_and_mentions(t: TestDb) {
    let app = TestApp::new(t).await;
    let alice = app.signup("alice").await;
    app.signup("meimei").await;
    let (first, second) = (image(&app, &alice).await, image(&app, &alice).await);
    let created = app
        .post(
            &alice,
            "/api/v1/notes",
            json!({
                "title": "秋天的护肤清单",
                "body": "#护肤好物#推荐 给大家 with @MeiMei and @nobody_here #Skincare",
                "location": "上海",
                "topics": ["秋冬"],
                "media_ids": [second, first],
            }),
        )
        .await;
    created.assert_status(201);
    let note = created.json();
    assert_eq!(note["author"]["handle"], "alice");
    assert_eq!(note["status"], "published");
    assert_eq!(note["images"].as_array().unwrap().len(), 2);
    assert_eq!(note["images"][0]["id"], second, "order kept; the first is the cover");
    assert_eq!(note["topics"], json!(["skincare", "护肤好物", "秋冬"]));
    assert_eq!(note["mentions"], json!(["meimei"]), "unknown names stay plain text");
    assert_eq!(note["editable"], true);

    let id = note["id"].as_str().unwrap();
    let public = app.get(&Client::default(), &format!("/api/v1/notes/{id}")).await;
    public.assert_status(200);
    assert_eq!(public.json()["editable"], false);
    app.sync().await;
    let feed = app.get(&Client::default(), "/api/v1/feed").await.json();
    assert_eq!(feed["items"][0]["id"], id);
    assert_eq!(
        (feed["items"][0]["cover"]["width"].as_i64(), feed["items"][0]["cover"]["height"].as_i64()),
        (Some(120), Some(160))
    );
    assert!(feed["items"][0]["cover"]["url"].as_str().unwrap().ends_with("/grid.jpg"));
    let profile = app.get(&Client::default(), "/api/v1/actors/alice/notes").await.json();
    assert_eq!(profile["items"].as_array().unwrap().len(), 1);
}

async fn bad_notes_are_refused_and_write_nothing(t: TestDb) {
    let app = TestApp::new(t).await;
    let alice = app.signup("alice").await;
    let bob = app.signup("bob").await;
    let mine = image(&app, &alice).await;
    let theirs = image(&app, &bob).await;
    let mut nineteen = Vec::new();
    for _ in 0..19 {
        nineteen.push(image(&app, &alice).await);
    }
    let events = app.event_count().await;
    for (body, field) in [
        (json!({ "title": "no images", "media_ids": [] }), "media_ids"),
        (json!({ "title": "too many", "media_ids": nineteen }), "media_ids"),
        (json!({ "title": "not mine", "media_ids": [theirs] }), "media_ids"),
        (json!({ "title": "twice", "media_ids": [mine, mine] }), "media_ids"),
        (json!({ "title": "x".repeat(21), "media_ids": [mine] }), "title"),
        (json!({ "title": "ok", "body": "长".repeat(1001), "media_ids": [mine] }), "body"),
        (json!({ "title": "ok", "visibility": "everyone", "media_ids": [mine] }), "visibility"),
        (json!({ "title": "ok", "topics": ["two words"], "media_ids": [mine] }), "topics"),
        (json!({ "media_ids": [mine] }), "title"),
    ] {
        let refused = app.post(&alice, "/api/v1/notes", body).await;
        refused.assert_error(422, "invalid_field");
        assert_eq!(refused.json()["error"]["details"]["field"], field);
    }
    app.post(&alice, "/api/v1/notes", json!({ "title": "x", "media_ids": [mine], "like_count": 9000 }))
        .await
        .assert_error(422, "unknown_field");
    app.post(&alice, "/api/v1/notes", json!({ "title": "x", "media_ids": ["not-an-id"] }))
        .await
        .assert_error(422, "invalid_field");
    app.post(&Client::default(), "/api/v1/notes", json!({ "title": "x", "media_ids": [mine] }))
        .await
        .assert_error(401, "unauthenticated");
    assert_eq!(app.event_count().await, events);
    app.sync().await;
    assert!(app.get(&Client::default(), "/api/v1/feed").await.json()["items"].as_array().unwrap().is_empty());
}

async fn visibility_decides_who_sees_a_note(t: TestDb) {
    let app = TestApp::new(t).await;
    let alice = app.signup("alice").await;
    let follower = app.signup("follower").await;
    let stranger = app.signup("stranger").await;
    app.post(&follower, "/api/v1/actors/alice/follow", json!({})).await.assert_status(200);
    let media = image(&app, &alice).await;
    let mut ids = Vec::new();
    for visibility in ["public", "followers", "private"] {
        let note = app
            .post(
                &alice,
                "/api/v1/notes",
                json!({ "title": visibility, "media_ids": [media], "visibility": visibility }),
            )
            .await;
        ids.push(note.json()["id"].as_str().unwrap().to_owned());
    }
    let status = |client: Client, id: String| {
        let app = &app;
        async move { app.get(&client, &format!("/api/v1/notes/{id}")).await.status.as_u16() }
    };
    assert_eq!(status(stranger.clone(), ids[0].clone()).await, 200);
    assert_eq!(status(stranger.clone(), ids[1].clone()).await, 404);
    assert_eq!(status(stranger.clone(), ids[2].clone()).await, 404);
    assert_eq!(status(follower.clone(), ids[1].clone()).await, 200);
    assert_eq!(status(follower.clone(), ids[2].clone()).await, 404);
    assert_eq!(status(alice.clone(), ids[2].clone()).await, 200);
    assert_eq!(status(Client::default(), ids[1].clone()).await, 404);

    app.sync().await;
    let discover = app.get(&stranger, "/api/v1/feed").await.json();
    assert_eq!(discover["items"].as_array().unwrap().len(), 1, "discovery shows public notes only");
    let following = app.get(&follower, "/api/v1/feed?tab=following").await.json();
    assert_eq!(following["items"].as_array().unwrap().len(), 2, "followers see followers-only notes");
    let profile_as_stranger = app.get(&stranger, "/api/v1/actors/alice/notes").await.json();
    assert_eq!(profile_as_stranger["items"].as_array().unwrap().len(), 1);
    let profile_as_alice = app.get(&alice, "/api/v1/actors/alice/notes").await.json();
    assert_eq!(profile_as_alice["items"].as_array().unwrap().len(), 3);
}

async fn drafts_stay_with_their_author_until_published(t: TestDb) {
    let app = TestApp::new(t).await;
    let alice = app.signup("alice").await;
    let bob = app.signup("bob").await;
    let draft = app.post(&alice, "/api/v1/notes", json!({ "title": "草稿", "media_ids": [], "publish": false })).await;
    draft.assert_status(201);
    let id = draft.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(draft.json()["status"], "draft");
    app.get(&bob, &format!("/api/v1/notes/{id}")).await.assert_error(404, "note_not_found");
    app.sync().await;
    assert!(app.get(&bob, "/api/v1/feed").await.json()["items"].as_array().unwrap().is_empty());
    app.patch(&alice, &format!("/api/v1/notes/{id}"), json!({ "publish": true }))
        .await
        .assert_error(422, "invalid_field");
    let media = image(&app, &alice).await;
    let published =
        app.patch(&alice, &format!("/api/v1/notes/{id}"), json!({ "media_ids": [media], "publish": true })).await;
    published.assert_status(200);
    assert_eq!(published.json()["status"], "published");
    assert!(published.json()["published_at"].is_string());
    app.get(&bob, &format!("/api/v1/notes/{id}")).await.assert_status(200);
    app.patch(&alice, &format!("/api/v1/notes/{id}"), json!({ "publish": false }))
        .await
        .assert_error(422, "invalid_field");
}

async fn only_the_author_edits_or_deletes(t: TestDb) {
    let app = TestApp::new(t).await;
    let alice = app.signup("alice").await;
    let bob = app.signup("bob").await;
    let media = image(&app, &alice).await;
    let note = app.post(&alice, "/api/v1/notes", json!({ "title": "原文", "media_ids": [media] })).await.json();
    let id = note["id"].as_str().unwrap().to_owned();
    let events = app.event_count().await;
    app.patch(&bob, &format!("/api/v1/notes/{id}"), json!({ "title": "pwned" })).await.assert_error(403, "forbidden");
    app.delete(&bob, &format!("/api/v1/notes/{id}"), None).await.assert_error(403, "forbidden");
    assert_eq!(app.event_count().await, events);

    let edited = app
        .patch(
            &alice,
            &format!("/api/v1/notes/{id}"),
            json!({ "title": "改过", "body": "#旅行 notes", "location": "" }),
        )
        .await;
    edited.assert_status(200);
    assert_eq!(edited.json()["title"], "改过");
    assert_eq!(edited.json()["topics"], json!(["旅行"]));
    assert!(edited.json()["location"].is_null());
    assert_eq!(edited.json()["images"][0]["id"], media, "images kept when not sent");

    app.delete(&alice, &format!("/api/v1/notes/{id}"), None).await.assert_status(204);
    app.get(&alice, &format!("/api/v1/notes/{id}")).await.assert_error(404, "note_not_found");
    app.patch(&alice, &format!("/api/v1/notes/{id}"), json!({ "title": "back?" }))
        .await
        .assert_error(404, "note_not_found");
    app.delete(&alice, &format!("/api/v1/notes/{id}"), None).await.assert_error(404, "note_not_found");
    app.sync().await;
    assert!(app.get(&Client::default(), "/api/v1/feed").await.json()["items"].as_array().unwrap().is_empty());
}

async fn staff_post_for_their_organization(t: TestDb) {
    let app = TestApp::new(t).await;
    let owner = app.signup("owner").await;
    app.post(&owner, "/api/v1/orgs", json!({ "handle": "glow", "name": "Glow 光", "kind": "brand" }))
        .await
        .assert_status(201);
    let mut members = Vec::new();
    for (name, role) in [("writer", "staff"), ("counter", "analyst")] {
        let member = app.signup(name).await;
        app.post(&owner, "/api/v1/orgs/glow/invitations", json!({ "username": name, "role": role }))
            .await
            .assert_status(201);
        let invitation =
            app.get(&member, "/api/v1/me/invitations").await.json()["items"][0]["id"].as_str().unwrap().to_owned();
        app.post(&member, &format!("/api/v1/invitations/{invitation}/accept"), json!({})).await.assert_status(200);
        members.push(member);
    }
    let (writer, analyst) = (&members[0], &members[1]);
    let outsider = app.signup("outsider").await;

    let media = image(&app, writer).await;
    let note =
        app.post(writer, "/api/v1/notes", json!({ "author": "glow", "title": "新品", "media_ids": [media] })).await;
    note.assert_status(201);
    assert_eq!(
        (note.json()["author"]["handle"].as_str(), note.json()["author"]["kind"].as_str()),
        (Some("glow"), Some("org"))
    );
    assert_eq!(note.json()["author"]["name"], "Glow 光");
    let id = note.json()["id"].as_str().unwrap().to_owned();

    let analyst_media = image(&app, analyst).await;
    app.post(analyst, "/api/v1/notes", json!({ "author": "glow", "title": "x", "media_ids": [analyst_media] }))
        .await
        .assert_error(403, "role_too_low");
    let outsider_media = image(&app, &outsider).await;
    app.post(&outsider, "/api/v1/notes", json!({ "author": "glow", "title": "x", "media_ids": [outsider_media] }))
        .await
        .assert_error(404, "org_not_found");

    // Another insider may edit the organization's note; an analyst may not.
    app.patch(&owner, &format!("/api/v1/notes/{id}"), json!({ "body": "owner's edit" })).await.assert_status(200);
    app.patch(analyst, &format!("/api/v1/notes/{id}"), json!({ "body": "x" })).await.assert_error(403, "forbidden");
    let org_notes = app.get(&Client::default(), "/api/v1/actors/glow/notes").await.json();
    assert_eq!(org_notes["items"].as_array().unwrap().len(), 1);
    let org_page = app.get(&Client::default(), "/o/glow").await.text();
    assert!(
        org_page.contains("新品") && org_page.contains("<strong>0</strong> followers"),
        "the brand's page shows its notes"
    );
}

async fn follows_and_the_following_feed(t: TestDb) {
    let app = TestApp::new(t).await;
    let alice = app.signup("alice").await;
    let bob = app.signup("bob").await;
    app.post(&alice, "/api/v1/actors/alice/follow", json!({})).await.assert_error(422, "cannot_follow_self");
    app.post(&alice, "/api/v1/actors/nobody_x/follow", json!({})).await.assert_error(404, "actor_not_found");
    for _ in 0..2 {
        let followed = app.post(&alice, "/api/v1/actors/bob/follow", json!({})).await;
        followed.assert_status(200);
        assert_eq!(
            (followed.json()["followers"].as_i64(), followed.json()["followed"].as_bool()),
            (Some(1), Some(true))
        );
    }
    let media = image(&app, &bob).await;
    app.post(&bob, "/api/v1/notes", json!({ "title": "给粉丝", "media_ids": [media], "visibility": "followers" }))
        .await
        .assert_status(201);
    assert_eq!(app.get(&alice, "/api/v1/feed?tab=following").await.json()["items"].as_array().unwrap().len(), 1);
    let profile = app.get(&alice, "/api/v1/actors/alice").await.json();
    assert_eq!(profile["following"], 1);
    let followers = app.get(&Client::default(), "/api/v1/actors/bob/followers").await.json();
    assert_eq!(followers["items"][0]["handle"], "alice");
    let following = app.get(&Client::default(), "/api/v1/actors/alice/following").await.json();
    assert_eq!(following["items"][0]["handle"], "bob");
    assert!(app.get(&Client::default(), "/u/bob/followers").await.text().contains("@alice"));
    let note_id =
        app.get(&alice, "/api/v1/feed?tab=following").await.json()["items"][0]["id"].as_str().unwrap().to_owned();
    for expected in [1, 2] {
        let shared = app.post(&alice, &format!("/api/v1/notes/{note_id}/share"), json!({})).await.json();
        assert_eq!(shared["shares"], expected, "every share counts");
        assert!(shared["share_url"].as_str().unwrap().ends_with(&format!("/notes/{note_id}")));
    }

    let unfollowed = app.delete(&alice, "/api/v1/actors/bob/follow", None).await;
    assert_eq!(unfollowed.json()["followers"], 0);
    assert!(app.get(&alice, "/api/v1/feed?tab=following").await.json()["items"].as_array().unwrap().is_empty());
    app.get(&Client::default(), "/api/v1/feed?tab=following").await.assert_error(401, "unauthenticated");
    app.get(&alice, "/api/v1/feed?tab=trending").await.assert_error(422, "invalid_field");
}

async fn the_discovery_feed_pages_without_repeats(t: TestDb) {
    let app = TestApp::new(t).await;
    let alice = app.signup("alice").await;
    let media = image(&app, &alice).await;
    for n in 0..5 {
        app.post(&alice, "/api/v1/notes", json!({ "title": format!("第{n}篇"), "media_ids": [media] }))
            .await
            .assert_status(201);
        app.clock.advance_seconds(1);
    }
    app.sync().await;
    let mut titles = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/feed?limit=2&cursor={c}"),
            None => "/api/v1/feed?limit=2".to_owned(),
        };
        let page = app.get(&Client::default(), &path).await.json();
        titles.extend(page["items"].as_array().unwrap().iter().map(|n| n["title"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    // Unseen notes of equal quality rank by freshness; pages never repeat a note.
    assert_eq!(titles, ["第4篇", "第3篇", "第2篇", "第1篇", "第0篇"]);
}
