//! Likes, comments and notifications: exact counters, threads, who is told what.

use carmine_media::fixtures;
use carmine_store::testing::TestDb;
use serde_json::{Value, json};

use crate::helpers::{Client, TestApp};

carmine_store::both_backends!(
    likes_count_once_and_notify_the_author,
    concurrent_likes_are_counted_exactly,
    comments_thread_and_notify,
    engaging_with_what_you_cannot_see_is_refused,
    comments_are_rate_limited,
    comment_likes_count_once_notify_and_respect_visibility,
);

async fn comment_likes_count_once_notify_and_respect_visibility(t: TestDb) {
    let app = TestApp::new(t).await;
    let author = app.signup("author").await;
    let commenter = app.signup("commenter").await;
    let fan = app.signup("fan").await;
    let id = note(&app, &author, "public").await;
    let comment = app.post(&commenter, &format!("/api/v1/notes/{id}/comments"), json!({ "body": "好看！" })).await;
    let comment = comment.json()["id"].as_str().unwrap().to_owned();
    for _ in 0..2 {
        let liked = app.post(&fan, &format!("/api/v1/comments/{comment}/like"), json!({})).await;
        assert_eq!(liked.json(), json!({ "liked": true, "likes": 1 }), "liking twice counts once");
    }
    let listed = app.get(&fan, &format!("/api/v1/notes/{id}/comments")).await.json();
    assert_eq!(listed["items"][0]["comment"]["like_count"], 1, "{listed}");
    let notifications = app.get(&commenter, "/api/v1/notifications").await.json();
    assert_eq!(kinds(&notifications), ["comment_like"], "{notifications}");
    assert_eq!(notifications["items"][0]["actor_handle"], "fan");
    let page = app.get(&commenter, "/notifications").await.text();
    assert!(page.contains("liked your comment on"), "{page}");
    // On the note's page the fan's heart is filled and the count shown.
    let note_page = app.get(&fan, &format!("/notes/{id}")).await.text();
    assert!(note_page.contains(&format!("data-comment=\"{comment}\" data-liked=\"true\"")), "{note_page}");
    assert_eq!(
        app.delete(&fan, &format!("/api/v1/comments/{comment}/like"), None).await.json(),
        json!({ "liked": false, "likes": 0 })
    );

    // A comment on a note the caller may not see is not there for them.
    let private = note(&app, &author, "followers").await;
    let hidden = app.post(&author, &format!("/api/v1/notes/{private}/comments"), json!({ "body": "just us" })).await;
    let hidden = hidden.json()["id"].as_str().unwrap().to_owned();
    let refused = app.post(&fan, &format!("/api/v1/comments/{hidden}/like"), json!({})).await;
    refused.assert_error(404, "comment_not_found");
    app.post(&fan, "/api/v1/comments/12345/like", json!({})).await.assert_error(404, "comment_not_found");
    app.post(&fan, "/api/v1/comments/not-an-id/like", json!({})).await.assert_error(404, "comment_not_found");
    // Someone who blocked you cannot get your likes.
    app.post(&commenter, "/api/v1/actors/fan/block", json!({})).await.assert_status(204);
    app.post(&fan, &format!("/api/v1/comments/{comment}/like"), json!({})).await.assert_error(403, "blocked");
    // A deleted comment cannot be liked.
    app.delete(&commenter, &format!("/api/v1/comments/{comment}"), None).await.assert_status(204);
    app.post(&fan, &format!("/api/v1/comments/{comment}/like"), json!({})).await.assert_error(404, "comment_not_found");
}

async fn note(app: &TestApp, author: &Client, visibility: &str) -> String {
    let media = app.upload(author, &[("file", "p.png", &fixtures::png(80, 100))]).await.json()["id"].clone();
    let note = app
        .post(author, "/api/v1/notes", json!({ "title": "今日份", "media_ids": [media], "visibility": visibility }))
        .await;
    note.assert_status(201);
    note.json()["id"].as_str().unwrap().to_owned()
}

fn kinds(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap().to_owned()).collect()
}

async fn likes_count_once_and_notify_the_author(t: TestDb) {
    let app = TestApp::new(t).await;
    let author = app.signup("author").await;
    let fan = app.signup("fan").await;
    let id = note(&app, &author, "public").await;
    for _ in 0..2 {
        let liked = app.post(&fan, &format!("/api/v1/notes/{id}/like"), json!({})).await;
        liked.assert_status(200);
        assert_eq!(liked.json(), json!({ "liked": true, "likes": 1 }), "liking twice counts once");
    }
    assert_eq!(app.get(&fan, &format!("/api/v1/notes/{id}")).await.json()["liked"], true);
    app.post(&author, &format!("/api/v1/notes/{id}/like"), json!({})).await.assert_status(200);
    let notifications = app.get(&author, "/api/v1/notifications").await.json();
    assert_eq!(kinds(&notifications), ["like"], "one notification; none for liking your own");
    assert_eq!(notifications["items"][0]["actor_handle"], "fan");
    assert_eq!(app.get(&author, "/api/v1/notifications/unread").await.json()["unread"], 1);
    app.post(&author, "/api/v1/notifications/read", json!({})).await.assert_status(200);
    assert_eq!(app.get(&author, "/api/v1/notifications/unread").await.json()["unread"], 0);
    assert_eq!(app.get(&author, "/api/v1/notifications").await.json()["items"][0]["read"], true);

    let unliked = app.delete(&fan, &format!("/api/v1/notes/{id}/like"), None).await;
    assert_eq!(unliked.json(), json!({ "liked": false, "likes": 1 }), "the author's own like remains");
    assert_eq!(app.delete(&fan, &format!("/api/v1/notes/{id}/like"), None).await.json()["likes"], 1);
}

async fn concurrent_likes_are_counted_exactly(t: TestDb) {
    let app = std::sync::Arc::new(TestApp::new(t).await);
    let author = app.signup("author").await;
    let id = note(&app, &author, "public").await;
    let mut fans = Vec::new();
    for n in 0..16 {
        fans.push(app.signup(&format!("fan{n}")).await);
    }
    let mut tasks = Vec::new();
    for fan in fans {
        let (app, id) = (app.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            for _ in 0..3 {
                app.post(&fan, &format!("/api/v1/notes/{id}/like"), json!({})).await.assert_status(200);
                app.delete(&fan, &format!("/api/v1/notes/{id}/like"), None).await.assert_status(200);
            }
            app.post(&fan, &format!("/api/v1/notes/{id}/like"), json!({})).await.assert_status(200);
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let note = app.get(&author, &format!("/api/v1/notes/{id}")).await.json();
    assert_eq!(note["counts"]["likes"], 16);
    let stored = carmine_store::likes::count(&mut app.db.reader().await.unwrap(), id.parse().unwrap()).await.unwrap();
    assert_eq!(stored, 16, "the counter matches the rows");
}

async fn comments_thread_and_notify(t: TestDb) {
    let app = TestApp::new(t).await;
    let author = app.signup("author").await;
    let alice = app.signup("alice").await;
    let bob = app.signup("bob").await;
    let id = note(&app, &author, "public").await;
    let first =
        app.post(&alice, &format!("/api/v1/notes/{id}/comments"), json!({ "body": "好看！where is this?" })).await;
    first.assert_status(201);
    let first_id = first.json()["id"].as_str().unwrap().to_owned();
    let reply = app
        .post(&bob, &format!("/api/v1/notes/{id}/comments"), json!({ "body": "同问 @author", "parent_id": first_id }))
        .await;
    reply.assert_status(201);
    let reply_id = reply.json()["id"].as_str().unwrap().to_owned();
    let nested = app
        .post(&alice, &format!("/api/v1/notes/{id}/comments"), json!({ "body": "hi bob", "parent_id": reply_id }))
        .await;
    assert_eq!(nested.json()["reply_to"], "bob");

    let threads = app.get(&Client::default(), &format!("/api/v1/notes/{id}/comments")).await.json();
    assert_eq!(threads["items"].as_array().unwrap().len(), 1, "replies join the thread");
    assert_eq!(threads["items"][0]["comment"]["reply_count"], 2);
    assert_eq!(threads["items"][0]["replies"].as_array().unwrap().len(), 2);
    assert_eq!(app.get(&Client::default(), &format!("/api/v1/notes/{id}")).await.json()["counts"]["comments"], 3);

    assert_eq!(kinds(&app.get(&author, "/api/v1/notifications").await.json()), ["mention", "comment"]);
    assert_eq!(kinds(&app.get(&alice, "/api/v1/notifications").await.json()), ["reply"]);
    assert_eq!(kinds(&app.get(&bob, "/api/v1/notifications").await.json()), ["reply"]);

    // Deleting: not someone else's comment, unless you wrote the note.
    app.delete(&bob, &format!("/api/v1/comments/{first_id}"), None).await.assert_error(403, "forbidden");
    app.delete(&author, &format!("/api/v1/comments/{reply_id}"), None).await.assert_status(204);
    app.delete(&alice, &format!("/api/v1/comments/{first_id}"), None).await.assert_status(204);
    app.delete(&alice, &format!("/api/v1/comments/{first_id}"), None).await.assert_error(404, "comment_not_found");
    let threads = app.get(&Client::default(), &format!("/api/v1/notes/{id}/comments")).await.json();
    assert_eq!(threads["items"][0]["comment"]["deleted"], true);
    assert_eq!(threads["items"][0]["comment"]["body"], "");
    assert_eq!(app.get(&Client::default(), &format!("/api/v1/notes/{id}")).await.json()["counts"]["comments"], 1);
    app.post(&bob, &format!("/api/v1/notes/{id}/comments"), json!({ "body": "x", "parent_id": first_id }))
        .await
        .assert_error(404, "comment_not_found");
}

async fn engaging_with_what_you_cannot_see_is_refused(t: TestDb) {
    let app = TestApp::new(t).await;
    let author = app.signup("author").await;
    let stranger = app.signup("stranger").await;
    let private = note(&app, &author, "private").await;
    let public = note(&app, &author, "public").await;
    let other = note(&app, &stranger, "public").await;
    let first = app.post(&author, &format!("/api/v1/notes/{other}/comments"), json!({ "body": "hello" })).await.json();
    let draft =
        app.post(&author, "/api/v1/notes", json!({ "title": "draft", "media_ids": [], "publish": false })).await.json();
    let events = app.event_count().await;
    app.post(&stranger, &format!("/api/v1/notes/{private}/like"), json!({})).await.assert_error(404, "note_not_found");
    app.post(&stranger, &format!("/api/v1/notes/{private}/comments"), json!({ "body": "偷看" }))
        .await
        .assert_error(404, "note_not_found");
    app.get(&stranger, &format!("/api/v1/notes/{private}/comments")).await.assert_error(404, "note_not_found");
    let parent_elsewhere = json!({ "body": "cross-thread", "parent_id": first["id"] });
    app.post(&stranger, &format!("/api/v1/notes/{public}/comments"), parent_elsewhere)
        .await
        .assert_error(404, "comment_not_found");
    app.post(&stranger, &format!("/api/v1/notes/{public}/comments"), json!({ "body": "   " }))
        .await
        .assert_error(422, "invalid_field");
    app.post(&stranger, &format!("/api/v1/notes/{public}/comments"), json!({ "body": "x".repeat(501) }))
        .await
        .assert_error(422, "invalid_field");
    app.post(&author, &format!("/api/v1/notes/{}/like", draft["id"].as_str().unwrap()), json!({}))
        .await
        .assert_error(409, "note_not_published");
    assert_eq!(app.event_count().await, events);
}

async fn comments_are_rate_limited(t: TestDb) {
    let app = TestApp::new(t).await;
    let author = app.signup("author").await;
    let chatty = app.signup("chatty").await;
    let id = note(&app, &author, "public").await;
    for n in 0..20 {
        app.post(&chatty, &format!("/api/v1/notes/{id}/comments"), json!({ "body": format!("第{n}条") }))
            .await
            .assert_status(201);
    }
    let limited = app.post(&chatty, &format!("/api/v1/notes/{id}/comments"), json!({ "body": "one more" })).await;
    limited.assert_error(429, "rate_limited");
    assert!(limited.headers.get("retry-after").is_some());
    app.clock.advance_seconds(15);
    app.post(&chatty, &format!("/api/v1/notes/{id}/comments"), json!({ "body": "later" })).await.assert_status(201);
}
