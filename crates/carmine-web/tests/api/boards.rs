//! Boards and saves.

use carmine_media::fixtures;
use carmine_store::testing::TestDb;
use serde_json::json;

use crate::helpers::{Client, TestApp};

carmine_store::both_backends!(saving_into_boards, boards_belong_to_their_owner);

async fn note(app: &TestApp, author: &Client, title: &str) -> String {
    let media = app.upload(author, &[("file", "p.png", &fixtures::png(60, 80))]).await.json()["id"].clone();
    app.post(author, "/api/v1/notes", json!({ "title": title, "media_ids": [media] })).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn saving_into_boards(t: TestDb) {
    let app = TestApp::new(t).await;
    let author = app.signup("author").await;
    let reader = app.signup("reader").await;
    let id = note(&app, &author, "收藏这篇").await;
    let board = app.post(&reader, "/api/v1/boards", json!({ "name": "旅行 travel", "visibility": "public" })).await;
    board.assert_status(201);
    let board_id = board.json()["id"].as_str().unwrap().to_owned();

    let saved = app.post(&reader, &format!("/api/v1/notes/{id}/save"), json!({ "board_id": board_id })).await;
    assert_eq!(saved.json(), json!({ "saved": true, "saves": 1 }));
    let again = app.post(&reader, &format!("/api/v1/notes/{id}/save"), json!({})).await;
    assert_eq!(again.json()["saves"], 1, "saving again moves it, counts once");
    assert_eq!(app.get(&reader, &format!("/api/v1/notes/{id}")).await.json()["saved"], true);
    assert_eq!(app.get(&reader, "/api/v1/me/saved").await.json()["items"].as_array().unwrap().len(), 1);
    assert!(
        app.get(&reader, &format!("/api/v1/boards/{board_id}/notes")).await.json()["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    app.post(&reader, &format!("/api/v1/notes/{id}/save"), json!({ "board_id": board_id })).await.assert_status(200);
    let on_board = app.get(&Client::default(), &format!("/api/v1/boards/{board_id}/notes")).await.json();
    assert_eq!(on_board["items"][0]["title"], "收藏这篇");
    let notifications = app.get(&author, "/api/v1/notifications").await.json();
    assert_eq!(notifications["items"].as_array().unwrap().iter().filter(|n| n["kind"] == "save").count(), 1);

    // Deleting the board keeps the note saved, in the default.
    app.delete(&reader, &format!("/api/v1/boards/{board_id}"), None).await.assert_status(204);
    app.get(&reader, &format!("/api/v1/boards/{board_id}")).await.assert_error(404, "board_not_found");
    assert_eq!(app.get(&reader, "/api/v1/me/saved").await.json()["items"].as_array().unwrap().len(), 1);
    let unsaved = app.delete(&reader, &format!("/api/v1/notes/{id}/save"), None).await;
    assert_eq!(unsaved.json(), json!({ "saved": false, "saves": 0 }));
    assert!(app.get(&reader, "/api/v1/me/saved").await.json()["items"].as_array().unwrap().is_empty());
}

async fn boards_belong_to_their_owner(t: TestDb) {
    let app = TestApp::new(t).await;
    let owner = app.signup("owner").await;
    let other = app.signup("other").await;
    let id = note(&app, &owner, "公开").await;
    let private = app.post(&owner, "/api/v1/boards", json!({ "name": "秘密", "visibility": "private" })).await.json();
    let public = app.post(&owner, "/api/v1/boards", json!({ "name": "分享", "visibility": "public" })).await.json();
    let (private_id, public_id) = (private["id"].as_str().unwrap(), public["id"].as_str().unwrap());
    let events = app.event_count().await;
    app.get(&other, &format!("/api/v1/boards/{private_id}")).await.assert_error(404, "board_not_found");
    app.get(&other, &format!("/api/v1/boards/{private_id}/notes")).await.assert_error(404, "board_not_found");
    app.patch(&other, &format!("/api/v1/boards/{public_id}"), json!({ "name": "mine" }))
        .await
        .assert_error(403, "forbidden");
    app.delete(&other, &format!("/api/v1/boards/{private_id}"), None).await.assert_error(404, "board_not_found");
    app.post(&other, &format!("/api/v1/notes/{id}/save"), json!({ "board_id": public_id }))
        .await
        .assert_error(404, "board_not_found");
    app.post(&other, "/api/v1/boards", json!({ "name": "", "visibility": "public" }))
        .await
        .assert_error(422, "invalid_field");
    app.post(&other, "/api/v1/boards", json!({ "name": "x", "visibility": "friends" }))
        .await
        .assert_error(422, "invalid_field");
    assert_eq!(app.event_count().await, events);
    let listed = app.get(&other, "/api/v1/actors/owner/boards").await.json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "only the public board");
    let own = app.get(&owner, "/api/v1/actors/owner/boards").await.json();
    assert_eq!(own["items"].as_array().unwrap().len(), 2);
    let renamed = app.patch(&owner, &format!("/api/v1/boards/{private_id}"), json!({ "visibility": "public" })).await;
    assert_eq!(renamed.json()["visibility"], "public");
}
