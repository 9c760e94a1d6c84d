//! Image uploads over HTTP and the files they produce.

use carmine_media::{MediaConfig, fixtures};
use carmine_store::testing::TestDb;
use serde_json::json;

use crate::helpers::{Client, ORIGIN, TestApp};

carmine_store::both_backends!(
    an_upload_is_re_encoded_and_served_immutable,
    hostile_and_malformed_uploads_are_refused_and_leave_nothing,
    the_daily_upload_quota_holds,
    a_deleted_notes_images_stop_being_served_and_their_files_go,
    an_image_is_described_for_readers_who_cannot_see_it,
);

async fn an_image_is_described_for_readers_who_cannot_see_it(t: TestDb) {
    let app = TestApp::new(t).await;
    let alice = app.signup("alice").await;
    let image = app.upload(&alice, &[("file", "a.png", &fixtures::png(64, 48))]).await.json();
    assert_eq!(image["alt_text"], "", "not described yet");
    let path = format!("/api/v1/media/{}", image["id"].as_str().unwrap());
    let described = app.patch(&alice, &path, json!({ "alt_text": "  一碗热干面 on a red table " })).await;
    described.assert_status(200);
    assert_eq!(described.json()["alt_text"], "一碗热干面 on a red table", "trimmed");

    let note = app.post(&alice, "/api/v1/notes", json!({ "title": "早餐", "media_ids": [image["id"]] })).await.json();
    let page = app.get(&Client::default(), &format!("/notes/{}", note["id"].as_str().unwrap())).await.text();
    assert!(page.contains("alt=\"一碗热干面 on a red table\""), "the note page describes it: {page}");

    // Too long, a line break, an unknown field: refused, and the description stays.
    app.patch(&alice, &path, json!({ "alt_text": "字".repeat(201) })).await.assert_error(422, "invalid_field");
    app.patch(&alice, &path, json!({ "alt_text": "a\nb" })).await.assert_error(422, "invalid_field");
    app.patch(&alice, &path, json!({ "alt_text": "x", "width": 1 })).await.assert_error(422, "unknown_field");
    let unknown = format!("/api/v1/media/{}", carmine_core::Id::from_i64(424_242));
    app.patch(&alice, &unknown, json!({ "alt_text": "x" })).await.assert_error(404, "media_not_found");
    let page = app.get(&Client::default(), &format!("/notes/{}", note["id"].as_str().unwrap())).await.text();
    assert!(page.contains("alt=\"一碗热干面 on a red table\""));

    // Removing the description numbers the image again.
    app.patch(&alice, &path, json!({ "alt_text": "" })).await.assert_status(200);
    let page = app.get(&Client::default(), &format!("/notes/{}", note["id"].as_str().unwrap())).await.text();
    assert!(!page.contains("alt=\"一碗热干面"), "the old description is gone");
}

async fn an_upload_is_re_encoded_and_served_immutable(t: TestDb) {
    let app = TestApp::new(t).await;
    let alice = app.signup("alice").await;
    let marker = b"GPS 39.9042N 116.4074E";
    let uploaded = app
        .upload(&alice, &[("file", "IMG_0001.HEIC", &fixtures::rotated_jpeg_with_metadata(2000, 1000, marker))])
        .await;
    uploaded.assert_status(201);
    let media = uploaded.json();
    assert_eq!((media["width"].as_i64(), media["height"].as_i64()), (Some(720), Some(1440)), "upright, fitted to 1440");
    assert_eq!((media["grid_width"].as_i64(), media["grid_height"].as_i64()), (Some(540), Some(1080)));
    assert!(media["id"].is_string());

    let detail = app.get(&Client::default(), media["detail_url"].as_str().unwrap()).await;
    detail.assert_status(200);
    assert_eq!(detail.headers.get("content-type").unwrap(), "image/jpeg");
    assert_eq!(detail.headers.get("x-content-type-options").unwrap(), "nosniff");
    // At most a week in caches, so a deleted image's copies age out.
    assert_eq!(detail.headers.get("cache-control").unwrap(), "public, max-age=604800");
    let decoded = image::load_from_memory_with_format(&detail.body, image::ImageFormat::Jpeg).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (720, 1440));
    assert!(!detail.body.windows(3).any(|w| w == b"GPS"), "metadata is gone");
    app.get(&Client::default(), media["grid_url"].as_str().unwrap()).await.assert_status(200);

    // The URL's key is what makes it unguessable.
    let guessed = format!("/media/{}/AAAAAAAAAAAAAAAA/detail.jpg", media["id"].as_str().unwrap());
    assert_eq!(app.get(&Client::default(), &guessed).await.status, 404);
    let bad_variant = media["detail_url"].as_str().unwrap().replace("detail.jpg", "original.png");
    assert_eq!(app.get(&Client::default(), &bad_variant).await.status, 404);

    // A Bearer token uploads too; PNG and WebP are accepted and become JPEG.
    let token = app.post(&alice, "/api/v1/tokens", json!({ "name": "camera" })).await.json()["token_secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let bearer = Client { bearer: Some(token), ..Client::default() };
    for bytes in [fixtures::png(300, 200), fixtures::webp(300, 200)] {
        let uploaded = app.upload(&bearer, &[("file", "x.jpg", &bytes)]).await;
        uploaded.assert_status(201);
        let grid = app.get(&Client::default(), uploaded.json()["grid_url"].as_str().unwrap()).await;
        assert!(grid.body.starts_with(&[0xFF, 0xD8, 0xFF]), "served as JPEG");
    }
}

/// One multipart part: field name, file name, bytes.
type Part = (&'static str, &'static str, Vec<u8>);

async fn hostile_and_malformed_uploads_are_refused_and_leave_nothing(t: TestDb) {
    let app = TestApp::new(t).await;
    let alice = app.signup("alice").await;
    let events = app.event_count().await;
    let png = fixtures::png(200, 200);
    let cases: Vec<(Vec<Part>, u16, &str)> = vec![
        (vec![("file", "logo.png", fixtures::svg())], 415, "unsupported_image"),
        (vec![("file", "cat.png", b"GIF89a\x01\x00\x01\x00".to_vec())], 415, "unsupported_image"),
        (vec![("file", "bomb.png", fixtures::png_bomb(65_535, 65_535))], 413, "image_too_large"),
        (vec![("file", "cut.png", png[..png.len() / 2].to_vec())], 422, "image_undecodable"),
        (vec![("file", "empty.jpg", Vec::new())], 415, "unsupported_image"),
        (vec![("photo", "a.png", png.clone())], 422, "unknown_field"),
        (vec![("file", "a.png", png.clone()), ("file", "b.png", png.clone())], 422, "invalid_field"),
        (vec![], 422, "missing_field"),
    ];
    for (parts, status, code) in cases {
        let parts: Vec<(&str, &str, &[u8])> = parts.iter().map(|(n, f, b)| (*n, *f, b.as_slice())).collect();
        app.upload(&alice, &parts).await.assert_error(status, code);
    }
    app.post(&alice, "/api/v1/media", json!({ "file": "aGVsbG8=" })).await.assert_error(415, "unsupported_media_type");
    app.upload(&Client::default(), &[("file", "a.png", &png)]).await.assert_error(401, "unauthenticated");
    let no_csrf = Client { csrf: None, ..alice.clone() };
    app.upload(&no_csrf, &[("file", "a.png", &png)]).await.assert_error(403, "csrf_failed");
    let too_big = vec![0xFFu8; 21 << 20];
    app.upload(&alice, &[("file", "huge.jpg", &too_big)]).await.assert_error(413, "payload_too_large");
    assert_eq!(app.event_count().await, events, "nothing recorded");
    assert_eq!(app.media_files(), 0, "nothing stored");
}

async fn the_daily_upload_quota_holds(t: TestDb) {
    let config = MediaConfig { daily_uploads_max: 3, ..MediaConfig::default() };
    let app = TestApp::build(t, carmine_web::WebConfig::new(ORIGIN), config).await;
    let alice = app.signup("alice").await;
    let png = fixtures::png(64, 64);
    for _ in 0..3 {
        app.upload(&alice, &[("file", "a.png", &png)]).await.assert_status(201);
    }
    app.upload(&alice, &[("file", "a.png", &png)]).await.assert_error(429, "upload_quota_exceeded");
    let bob = app.signup("bob").await;
    app.upload(&bob, &[("file", "a.png", &png)]).await.assert_status(201);
    app.clock.advance_seconds(24 * 3600 + 1);
    let alice = TestApp::client_from_login(&app.login("alice", "correct horse battery").await);
    app.upload(&alice, &[("file", "a.png", &png)]).await.assert_status(201);
}

async fn a_deleted_notes_images_stop_being_served_and_their_files_go(t: TestDb) {
    let app = TestApp::new(t).await;
    let alice = app.signup("alice").await;
    let media = app.upload(&alice, &[("file", "a.jpg", &fixtures::jpeg(120, 160))]).await.json();
    let note = app.post(&alice, "/api/v1/notes", json!({ "title": "花", "media_ids": [media["id"]] })).await.json();
    let url = media["grid_url"].as_str().unwrap();
    app.get(&Client::default(), url).await.assert_status(200);

    app.delete(&alice, &format!("/api/v1/notes/{}", note["id"].as_str().unwrap()), None).await.assert_status(204);
    app.get(&Client::default(), url).await.assert_status(404);
    let id: carmine_core::Id = media["id"].as_str().unwrap().parse().unwrap();
    assert!(app.services.media.storage().exists(id), "the files go with the purge job");
    app.scheduler.ensure_recurring().await.unwrap();
    app.run_jobs().await;
    assert!(!app.services.media.storage().exists(id), "removed by media.purge");
}
