//! Sign-up, log-in, sessions, CSRF, passwords, tokens, profile, export, erasure.

use axum::http::Method;
use carmine_store::testing::TestDb;
use serde_json::json;

use crate::helpers::{Client, TestApp};

carmine_store::both_backends!(
    signup_logs_in_and_me_returns_the_member,
    reserved_and_deceptive_names_are_refused,
    login_rotates_the_session_and_logout_ends_it,
    wrong_passwords_are_refused_then_throttled,
    one_address_guessing_many_accounts_is_throttled,
    forged_and_expired_sessions_are_refused,
    state_changes_need_the_csrf_token_and_a_same_origin,
    changing_the_password_logs_out_other_sessions,
    a_member_sees_and_ends_their_sessions,
    api_tokens_work_as_bearer_until_revoked,
    profile_demographics_are_kept_only_with_consent,
    export_holds_what_we_know,
    deleting_the_account_erases_it,
);

async fn signup_logs_in_and_me_returns_the_member(t: TestDb) {
    let app = TestApp::new(t).await;
    let response = app
        .post(
            &Client::default(),
            "/api/v1/auth/signup",
            json!({ "username": "XiaoHong", "password": "correct horse", "display_name": "小红 Hong" }),
        )
        .await;
    response.assert_status(201);
    let body = response.json();
    assert_eq!(body["user"]["username"], "xiaohong");

    assert_eq!(body["user"]["display_name"], "小红 Hong");
    assert!(body["user"]["id"].is_string(), "ids are strings");
    let client = TestApp::client_from_login(&response);
    assert!(client.cookie.is_some() && client.csrf.is_some());
    let cookie = response.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");

    let me = app.get(&client, "/api/v1/me").await;
    me.assert_status(200);
    assert_eq!(me.json()["user"]["username"], "xiaohong");
    assert!(me.headers.contains_key("x-request-id"));

    let again = app
        .post(&Client::default(), "/api/v1/auth/signup", json!({ "username": "xiaohong", "password": "another pass" }))
        .await;
    again.assert_error(409, "username_taken");
    app.get(&Client::default(), "/api/v1/me").await.assert_error(401, "unauthenticated");
}

async fn login_rotates_the_session_and_logout_ends_it(t: TestDb) {
    let app = TestApp::new(t).await;
    let first = app.signup("alice").await;
    // Logging in from a browser that has a session replaces it.
    let mut request = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/api/v1/auth/login")
        .header("content-type", "application/json")
        .header("cookie", first.cookie.clone().unwrap());
    request = request.header("x-csrf-token", first.csrf.clone().unwrap());
    let response = app
        .raw(
            request.body(axum::body::Body::from(r#"{"username":"alice","password":"correct horse battery"}"#)).unwrap(),
            [127, 0, 0, 1],
        )
        .await;
    response.assert_status(200);
    let second = TestApp::client_from_login(&response);
    assert_ne!(second.cookie, first.cookie, "a fresh token");
    app.get(&first, "/api/v1/me").await.assert_error(401, "unauthenticated");
    app.get(&second, "/api/v1/me").await.assert_status(200);

    // Logging out with a Bearer token revokes that token (and only it).
    let token = |name: &str| json!({ "name": name });
    let one =
        app.post(&second, "/api/v1/tokens", token("cli")).await.json()["token_secret"].as_str().unwrap().to_owned();
    let other =
        app.post(&second, "/api/v1/tokens", token("ci")).await.json()["token_secret"].as_str().unwrap().to_owned();
    let (one, other) =
        (Client { bearer: Some(one), ..Client::default() }, Client { bearer: Some(other), ..Client::default() });
    app.send(&one, Method::POST, "/api/v1/auth/logout", None).await.assert_status(204);
    app.get(&one, "/api/v1/me").await.assert_error(401, "invalid_token");
    app.get(&other, "/api/v1/me").await.assert_status(200);

    app.send(&second, Method::POST, "/api/v1/auth/logout", None).await.assert_status(204);
    app.get(&second, "/api/v1/me").await.assert_error(401, "unauthenticated");
}

async fn wrong_passwords_are_refused_then_throttled(t: TestDb) {
    let app = TestApp::new(t).await;
    app.signup("alice").await;
    app.login("nobody", "whatever pass").await.assert_error(401, "invalid_credentials");
    for _ in 0..4 {
        app.login("alice", "wrong password").await.assert_error(401, "invalid_credentials");
    }
    // The fifth failure uses up the account's allowance; now even the right password waits.
    app.login("alice", "wrong password").await.assert_error(401, "invalid_credentials");
    let throttled = app.login("alice", "correct horse battery").await;
    throttled.assert_error(429, "login_throttled");
    let retry_after: u64 = throttled.headers.get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    app.clock.advance_seconds(retry_after as i64);
    app.login("alice", "correct horse battery").await.assert_status(200);
}

async fn one_address_guessing_many_accounts_is_throttled(t: TestDb) {
    let app = TestApp::new(t).await;
    app.signup("alice").await;
    let attacker = Client { ip: Some([192, 0, 2, 66]), ..Client::default() };
    for n in 0..20 {
        let body = json!({ "username": format!("victim{n}"), "password": "guess guess" });
        app.post(&attacker, "/api/v1/auth/login", body).await.assert_error(401, "invalid_credentials");
    }
    let body = json!({ "username": "alice", "password": "correct horse battery" });
    app.post(&attacker, "/api/v1/auth/login", body.clone()).await.assert_error(429, "login_throttled");
    // Alice herself, from her own address, is not affected.
    app.post(&Client::default(), "/api/v1/auth/login", body).await.assert_status(200);
}

async fn forged_and_expired_sessions_are_refused(t: TestDb) {
    let app = TestApp::new(t).await;
    let client = app.signup("alice").await;
    let forged = Client { cookie: Some("carmine_session=forgedforgedforgedforged".into()), ..Client::default() };
    app.get(&forged, "/api/v1/me").await.assert_error(401, "unauthenticated");

    // Idle timeout: a week without use.
    app.clock.advance_seconds(7 * 24 * 3600 + 1);
    let expired = app.get(&client, "/api/v1/me").await;
    expired.assert_error(401, "session_expired");
    assert!(
        expired.headers.get_all("set-cookie").iter().any(|c| c.to_str().unwrap().contains("Max-Age=0")),
        "cookie cleared"
    );

    // Absolute timeout: used every day, still ends after 30 days.
    let response = app.login("alice", "correct horse battery").await;
    let client = TestApp::client_from_login(&response);
    for _ in 0..30 {
        app.clock.advance_seconds(24 * 3600);
        let me = app.get(&client, "/api/v1/me").await;
        if me.status == 401 {
            me.assert_error(401, "session_expired");
            return;
        }
    }
    panic!("the session outlived its absolute timeout");
}

async fn state_changes_need_the_csrf_token_and_a_same_origin(t: TestDb) {
    let app = TestApp::new(t).await;
    let client = app.signup("alice").await;
    let events = app.event_count().await;
    let no_token = Client { csrf: None, ..client.clone() };
    app.patch(&no_token, "/api/v1/me", json!({ "bio": "pwned" })).await.assert_error(403, "csrf_failed");
    let wrong_token = Client { csrf: Some("x".repeat(43)), ..client.clone() };
    app.patch(&wrong_token, "/api/v1/me", json!({ "bio": "pwned" })).await.assert_error(403, "csrf_failed");
    let cross_site = axum::http::Request::builder()
        .method(Method::PATCH)
        .uri("/api/v1/me")
        .header("content-type", "application/json")
        .header("cookie", client.cookie.clone().unwrap())
        .header("x-csrf-token", client.csrf.clone().unwrap())
        .header("origin", "https://evil.example")
        .body(axum::body::Body::from(r#"{"bio":"pwned"}"#))
        .unwrap();
    app.raw(cross_site, [127, 0, 0, 1]).await.assert_error(403, "csrf_failed");
    // A cross-site form trying to log someone in is refused too.
    let login_csrf = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/api/v1/auth/login")
        .header("content-type", "application/json")
        .header("sec-fetch-site", "cross-site")
        .body(axum::body::Body::from(r#"{"username":"alice","password":"correct horse battery"}"#))
        .unwrap();
    app.raw(login_csrf, [127, 0, 0, 1]).await.assert_error(403, "csrf_failed");
    assert_eq!(app.event_count().await, events, "refused requests change nothing");
    assert_eq!(app.get(&client, "/api/v1/me").await.json()["user"]["bio"], "");

    app.patch(&client, "/api/v1/me", json!({ "bio": "护肤 and travel" })).await.assert_status(200);
    assert_eq!(app.get(&client, "/api/v1/me").await.json()["user"]["bio"], "护肤 and travel");
}

async fn changing_the_password_logs_out_other_sessions(t: TestDb) {
    let app = TestApp::new(t).await;
    let laptop = app.signup("alice").await;
    let phone = TestApp::client_from_login(&app.login("alice", "correct horse battery").await);
    app.post(
        &laptop,
        "/api/v1/me/password",
        json!({ "current_password": "nope nope", "new_password": "new password 1" }),
    )
    .await
    .assert_error(422, "wrong_password");
    app.post(
        &laptop,
        "/api/v1/me/password",
        json!({ "current_password": "correct horse battery", "new_password": "short" }),
    )
    .await
    .assert_error(422, "weak_password");
    let changed = app
        .post(
            &laptop,
            "/api/v1/me/password",
            json!({ "current_password": "correct horse battery", "new_password": "new password 1" }),
        )
        .await;
    changed.assert_status(200);
    assert_eq!(changed.json()["sessions_ended"], 1);
    app.get(&phone, "/api/v1/me").await.assert_error(401, "unauthenticated");
    app.get(&laptop, "/api/v1/me").await.assert_status(200);
    app.login("alice", "correct horse battery").await.assert_error(401, "invalid_credentials");
    app.login("alice", "new password 1").await.assert_status(200);
}

async fn a_member_sees_and_ends_their_sessions(t: TestDb) {
    let app = TestApp::new(t).await;
    let laptop = app.signup("alice").await;
    let phone = TestApp::client_from_login(&app.login("alice", "correct horse battery").await);
    let sessions = app.get(&laptop, "/api/v1/me/sessions").await.json();
    let items = sessions["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let current: Vec<_> = items.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    let other = items.iter().find(|s| s["current"] == false).unwrap()["id"].as_str().unwrap().to_owned();

    let mallory = app.signup("mallory").await;
    app.delete(&mallory, &format!("/api/v1/me/sessions/{other}"), None).await.assert_error(404, "session_not_found");
    app.get(&phone, "/api/v1/me").await.assert_status(200);

    app.delete(&laptop, &format!("/api/v1/me/sessions/{other}"), None).await.assert_status(204);
    app.get(&phone, "/api/v1/me").await.assert_error(401, "unauthenticated");
    app.get(&laptop, "/api/v1/me").await.assert_status(200);
    app.delete(&laptop, &format!("/api/v1/me/sessions/{other}"), None).await.assert_error(404, "session_not_found");
}

async fn api_tokens_work_as_bearer_until_revoked(t: TestDb) {
    let app = TestApp::new(t).await;
    let alice = app.signup("alice").await;
    let created = app.post(&alice, "/api/v1/tokens", json!({ "name": "my script 脚本" })).await;
    created.assert_status(201);
    let secret = created.json()["token_secret"].as_str().unwrap().to_owned();
    let token_id = created.json()["id"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("crm_"));

    let listed = app.get(&alice, "/api/v1/tokens").await.json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert!(!listed.to_string().contains(&secret), "the secret is never shown again");

    let bearer = Client { bearer: Some(secret.clone()), ..Client::default() };
    assert_eq!(app.get(&bearer, "/api/v1/me").await.json()["user"]["username"], "alice");
    assert!(app.get(&bearer, "/api/v1/me").await.json()["csrf_token"].is_null());
    // No CSRF token needed: a Bearer token is not ambient authority.
    app.patch(&bearer, "/api/v1/me", json!({ "display_name": "Alice" })).await.assert_status(200);

    let mallory = app.signup("mallory").await;
    app.delete(&mallory, &format!("/api/v1/tokens/{token_id}"), None).await.assert_error(404, "token_not_found");
    app.get(&bearer, "/api/v1/me").await.assert_status(200);

    app.delete(&alice, &format!("/api/v1/tokens/{token_id}"), None).await.assert_status(204);
    app.get(&bearer, "/api/v1/me").await.assert_error(401, "invalid_token");
    let junk = Client { bearer: Some("crm_notatoken".into()), ..Client::default() };
    app.get(&junk, "/api/v1/me").await.assert_error(401, "invalid_token");
}

async fn profile_demographics_are_kept_only_with_consent(t: TestDb) {
    let app = TestApp::new(t).await;
    let alice = app.signup("alice").await;
    let updated = app
        .patch(
            &alice,
            "/api/v1/me",
            json!({ "demographics": { "consent": true, "birth_year": 1996, "gender": "female", "city": "成都" } }),
        )
        .await;
    updated.assert_status(200);
    assert_eq!(updated.json()["demographics"]["city"], "成都");

    let events = app.event_count().await;
    let bad = app
        .patch(
            &alice,
            "/api/v1/me",
            json!({ "display_name": "new name", "demographics": { "consent": true, "birth_year": 1850 } }),
        )
        .await;
    bad.assert_error(422, "invalid_field");
    assert_eq!(bad.json()["error"]["details"]["field"], "birth_year");
    app.patch(&alice, "/api/v1/me", json!({ "demographics": { "consent": true, "gender": "robot" } }))
        .await
        .assert_error(422, "invalid_field");
    app.patch(&alice, "/api/v1/me", json!({ "avatar_url": "javascript:alert(1)" }))
        .await
        .assert_error(422, "invalid_field");
    assert_eq!(app.event_count().await, events);
    let me = app.get(&alice, "/api/v1/me").await.json();
    assert_eq!(me["user"]["display_name"], "alice", "a refused change changes nothing");

    let withdrawn =
        app.patch(&alice, "/api/v1/me", json!({ "demographics": { "consent": false, "city": "成都" } })).await;
    assert!(withdrawn.json()["demographics"].is_null());
}

async fn export_holds_what_we_know(t: TestDb) {
    let app = TestApp::new(t).await;
    let alice = app.signup("alice").await;
    app.patch(&alice, "/api/v1/me", json!({ "bio": "我的简介" })).await.assert_status(200);
    app.post(&alice, "/api/v1/tokens", json!({ "name": "ci" })).await.assert_status(201);
    app.post(&alice, "/api/v1/orgs", json!({ "handle": "alice_co", "name": "Alice Co", "kind": "brand" }))
        .await
        .assert_status(201);
    let export = app.get(&alice, "/api/v1/me/export").await;
    export.assert_status(200);
    assert!(export.headers.get("content-disposition").unwrap().to_str().unwrap().contains("attachment"));
    let doc = export.json();
    assert_eq!(doc["format"], "carmine-member-export");
    assert_eq!(doc["profile"]["bio"], "我的简介");
    assert_eq!(doc["api_tokens"][0]["name"], "ci");
    assert_eq!(doc["organizations"][0]["role"], "owner");
    assert_eq!(doc["sessions"].as_array().unwrap().len(), 1);
}

async fn deleting_the_account_erases_it(t: TestDb) {
    let app = TestApp::new(t).await;
    let alice = app.signup("alice").await;
    let created = app.post(&alice, "/api/v1/tokens", json!({ "name": "ci" })).await;
    let bearer = Client { bearer: created.json()["token_secret"].as_str().map(str::to_owned), ..Client::default() };
    app.post(&alice, "/api/v1/orgs", json!({ "handle": "alice_co", "name": "Alice Co", "kind": "brand" }))
        .await
        .assert_status(201);

    app.delete(&alice, "/api/v1/me", Some(json!({ "password": "wrong one!" })))
        .await
        .assert_error(422, "wrong_password");
    app.delete(&alice, "/api/v1/me", Some(json!({ "password": "correct horse battery" })))
        .await
        .assert_error(422, "sole_owner_must_hand_over");

    // What she wrote: a note with an image, a comment on bob's note, a board.
    let uploaded = app.upload(&alice, &[("file", "photo.jpg", &carmine_media::fixtures::jpeg(120, 160))]).await;
    let media = uploaded.json();
    let note = app
        .post(
            &alice,
            "/api/v1/notes",
            json!({ "title": "秘密花园 secret garden", "body": "#园艺 我的花园", "media_ids": [media["id"]] }),
        )
        .await
        .json();
    let note_id = note["id"].as_str().unwrap().to_owned();
    let image_url = media["detail_url"].as_str().unwrap().to_owned();

    let bob = app.signup("bob").await;
    app.post(&alice, "/api/v1/orgs/alice_co/invitations", json!({ "username": "bob", "role": "owner" }))
        .await
        .assert_status(201);
    let invitation =
        app.get(&bob, "/api/v1/me/invitations").await.json()["items"][0]["id"].as_str().unwrap().to_owned();
    app.post(&bob, &format!("/api/v1/invitations/{invitation}/accept"), json!({})).await.assert_status(200);
    let bobs_image = app.upload(&bob, &[("file", "b.jpg", &carmine_media::fixtures::jpeg(100, 100))]).await.json();
    let bobs = app.post(&bob, "/api/v1/notes", json!({ "title": "bob's note", "media_ids": [bobs_image["id"]] })).await;
    let bobs = bobs.json()["id"].as_str().unwrap().to_owned();
    app.post(&alice, &format!("/api/v1/notes/{bobs}/comments"), json!({ "body": "我住在花园路 12 号" }))
        .await
        .assert_status(201);
    app.post(&alice, "/api/v1/boards", json!({ "name": "我的收藏", "visibility": "public" })).await.assert_status(201);
    app.sync().await;
    let found = app.get(&bob, "/api/v1/search?q=secret+garden").await.json();
    assert_eq!(found["total"], 1, "{found}");
    app.get(&Client::default(), &image_url).await.assert_status(200);

    app.delete(&alice, "/api/v1/me", Some(json!({ "password": "correct horse battery" }))).await.assert_status(204);
    // Her note, its image (at once, then its files), her search entries and board are gone.
    app.get(&bob, &format!("/api/v1/notes/{note_id}")).await.assert_error(404, "note_not_found");
    app.get(&Client::default(), &image_url).await.assert_status(404);
    let media_id: carmine_core::Id = media["id"].as_str().unwrap().parse().unwrap();
    assert!(!app.services.media.storage().exists(media_id), "the image's files are removed");
    app.sync().await;
    let found = app.get(&bob, "/api/v1/search?q=secret+garden").await.json();
    assert_eq!(found["total"], 0, "{found}");
    let people = app.get(&bob, "/api/v1/search?q=alice").await.json();
    assert!(people["actors"].as_array().unwrap().iter().all(|a| a["handle"] != "alice"), "{people}");
    let threads = app.get(&bob, &format!("/api/v1/notes/{bobs}/comments")).await.json();
    assert_eq!(threads["items"][0]["comment"]["deleted"], true, "{threads}");
    assert_eq!(threads["items"][0]["comment"]["body"], "", "her comment's words are gone");
    assert_eq!(app.get(&bob, &format!("/api/v1/notes/{bobs}")).await.json()["counts"]["comments"], 0);
    // Bob's own note and its image are untouched.
    app.get(&Client::default(), bobs_image["detail_url"].as_str().unwrap()).await.assert_status(200);
    app.get(&alice, "/api/v1/me").await.assert_error(401, "unauthenticated");
    app.get(&bearer, "/api/v1/me").await.assert_error(401, "invalid_token");
    app.login("alice", "correct horse battery").await.assert_error(401, "invalid_credentials");
    let members = app.get(&bob, "/api/v1/orgs/alice_co/members").await.json();
    assert_eq!(members["items"].as_array().unwrap().len(), 1, "alice left the organization");
    // The username is free again; the old id stays a tombstone.
    app.signup("alice").await;
}

async fn reserved_and_deceptive_names_are_refused(t: TestDb) {
    let app = TestApp::new(t).await;
    let client = app.signup("xiaohong").await;
    // Names that could pass for the platform are not for self sign-up; names that
    // reverse or hide their text are refused.
    let signup = |username: &str, display_name: &str| json!({ "username": username, "password": "correct horse", "display_name": display_name });
    for name in ["admin", "Official", "support", "official_shop", "carmine_support"] {
        let refused = app.post(&Client::default(), "/api/v1/auth/signup", signup(name, "")).await;
        refused.assert_error(422, "username_reserved");
    }
    for shown in ["\u{202E}gnp.exe", "\u{200B}\u{200D}\u{FEFF}", "\u{3164}", "ok\u{2066}x"] {
        let refused = app.post(&Client::default(), "/api/v1/auth/signup", signup("sneaky", shown)).await;
        refused.assert_error(422, "invalid_field");
        app.patch(&client, "/api/v1/me", json!({ "display_name": shown })).await.assert_error(422, "invalid_field");
    }
    // The console may still create them.
    app.admin("support").await;
}
