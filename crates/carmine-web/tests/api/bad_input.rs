//! Bad input gets a clear error with a stable code and changes nothing.

use axum::body::Body;
use axum::http::{Method, Request};
use carmine_store::testing::TestDb;
use serde_json::json;

use crate::helpers::{Client, ORIGIN, TestApp};

carmine_store::both_backends!(
    bodies_that_cannot_be_read_are_refused,
    unknown_and_forbidden_fields_are_refused_by_name,
    routes_and_methods_that_do_not_exist,
    rate_limits_answer_429_with_retry_after,
    forwarded_addresses_count_only_from_trusted_proxies,
    pagination_clamps_limits_and_refuses_forged_cursors,
    every_response_carries_security_headers,
);

fn raw_post(path: &str, content_type: &str, body: impl Into<Body>) -> Request<Body> {
    Request::builder().method(Method::POST).uri(path).header("content-type", content_type).body(body.into()).unwrap()
}

async fn bodies_that_cannot_be_read_are_refused(t: TestDb) {
    let app = TestApp::new(t).await;
    let events = app.event_count().await;
    let huge = format!(r#"{{"username":"alice","password":"{}"}}"#, "x".repeat(100_000));
    app.raw(raw_post("/api/v1/auth/signup", "application/json", huge), [127, 0, 0, 1])
        .await
        .assert_error(413, "payload_too_large");
    app.raw(raw_post("/api/v1/auth/signup", "application/json", "{\"username\": "), [127, 0, 0, 1])
        .await
        .assert_error(400, "malformed_json");
    app.raw(raw_post("/api/v1/auth/signup", "application/json", "{} {}"), [127, 0, 0, 1])
        .await
        .assert_error(400, "malformed_json");
    app.raw(raw_post("/api/v1/auth/signup", "text/plain", "username=alice"), [127, 0, 0, 1])
        .await
        .assert_error(415, "unsupported_media_type");
    let wrong_type = app
        .post(&Client::default(), "/api/v1/auth/signup", json!({ "username": 42, "password": "correct horse" }))
        .await;
    wrong_type.assert_error(422, "invalid_field");
    assert_eq!(wrong_type.json()["error"]["details"]["field"], "username");
    let missing = app.post(&Client::default(), "/api/v1/auth/signup", json!({ "username": "alice" })).await;
    missing.assert_error(422, "missing_field");
    assert_eq!(missing.json()["error"]["details"]["field"], "password");
    let bad_name = app
        .post(&Client::default(), "/api/v1/auth/signup", json!({ "username": "a b", "password": "correct horse" }))
        .await;
    bad_name.assert_error(422, "invalid_field");
    assert_eq!(bad_name.json()["error"]["details"]["field"], "username");
    app.post(&Client::default(), "/api/v1/auth/signup", json!({ "username": "alice", "password": "short" }))
        .await
        .assert_error(422, "weak_password");
    assert_eq!(app.event_count().await, events, "nothing was written");
}

async fn unknown_and_forbidden_fields_are_refused_by_name(t: TestDb) {
    let app = TestApp::new(t).await;
    let events = app.event_count().await;
    let sneaky = app
        .post(
            &Client::default(),
            "/api/v1/auth/signup",
            json!({ "username": "alice", "password": "correct horse", "is_admin": true }),
        )
        .await;
    sneaky.assert_error(422, "unknown_field");
    assert_eq!(sneaky.json()["error"]["details"]["field"], "is_admin");
    assert_eq!(app.event_count().await, events);

    let alice = app.signup("alice").await;
    app.post(&alice, "/api/v1/orgs", json!({ "handle": "acme", "name": "Acme", "kind": "brand" }))
        .await
        .assert_status(201);
    for body in [json!({ "role": "owner" }), json!({ "org_id": "1" }), json!({ "verification_status": "verified" })] {
        let refused = app.patch(&alice, "/api/v1/orgs/acme", body.clone()).await;
        refused.assert_error(422, "unknown_field");
    }
    let nested =
        app.patch(&alice, "/api/v1/me", json!({ "demographics": { "consent": true, "is_admin": true } })).await;
    nested.assert_error(422, "unknown_field");
    assert_eq!(nested.json()["error"]["details"]["field"], "demographics.is_admin");
    let org = app.get(&alice, "/api/v1/orgs/acme").await.json();
    assert_eq!(org["verification_status"], "unverified");
    app.post(&alice, "/api/v1/orgs", json!({ "handle": "acme2", "name": "Acme", "kind": "bank" }))
        .await
        .assert_error(422, "invalid_field");

    // An array where an object is wanted is refused, at the top and inside: it once
    // made a private board public as if the fields had been named.
    let board = app.post(&alice, "/api/v1/boards", json!({ "name": "私藏", "visibility": "private" })).await.json();
    let path = format!("/api/v1/boards/{}", board["id"].as_str().unwrap());
    app.patch(&alice, &path, json!(["renamed", "public"])).await.assert_error(422, "invalid_field");
    let shaped = app.patch(&alice, "/api/v1/me", json!({ "demographics": [true, 1990] })).await;
    shaped.assert_error(422, "invalid_field");
    let kept = app.get(&alice, &path).await.json();
    assert_eq!((kept["name"].as_str(), kept["visibility"].as_str()), (Some("私藏"), Some("private")), "{kept}");
}

async fn routes_and_methods_that_do_not_exist(t: TestDb) {
    let app = TestApp::new(t).await;
    let missing = app.get(&Client::default(), "/api/v1/nothing-here").await;
    missing.assert_error(404, "route_not_found");
    assert!(missing.json()["error"]["request_id"].is_string());
    app.send(&Client::default(), Method::PUT, "/api/v1/me", None).await.assert_error(405, "method_not_allowed");
    let alice = app.signup("alice").await;
    app.delete(&alice, "/api/v1/tokens/not-a-number", None).await.assert_error(404, "token_not_found");
    app.get(&alice, "/api/v1/orgs/nobody_here/members").await.assert_error(404, "org_not_found");
    let page = app.get(&Client::default(), "/no/such/page").await;
    assert_eq!(page.status, 404);
    assert!(page.text().contains("<html"), "pages get an HTML error");
}

async fn rate_limits_answer_429_with_retry_after(t: TestDb) {
    let app = TestApp::new(t).await;
    let client = Client { ip: Some([10, 0, 0, 7]), ..Client::default() };
    for n in 0..10 {
        app.post(
            &client,
            "/api/v1/auth/signup",
            json!({ "username": format!("user{n}"), "password": "correct horse" }),
        )
        .await
        .assert_status(201);
    }
    let limited =
        app.post(&client, "/api/v1/auth/signup", json!({ "username": "user10", "password": "correct horse" })).await;
    limited.assert_error(429, "rate_limited");
    assert!(limited.headers.get("retry-after").is_some());
    let elsewhere = Client { ip: Some([10, 0, 0, 8]), ..Client::default() };
    app.post(&elsewhere, "/api/v1/auth/signup", json!({ "username": "user10", "password": "correct horse" }))
        .await
        .assert_status(201);
}

async fn pagination_clamps_limits_and_refuses_forged_cursors(t: TestDb) {
    let app = TestApp::new(t).await;
    let admin = app.admin("root").await;
    for n in 0..5 {
        app.signup(&format!("member{n}")).await;
    }
    let first = app.get(&admin, "/api/v1/admin/users?prefix=member&limit=2").await.json();
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let second = app.get(&admin, &format!("/api/v1/admin/users?prefix=member&limit=2&cursor={cursor}")).await.json();
    let third = app
        .get(
            &admin,
            &format!("/api/v1/admin/users?prefix=member&limit=2&cursor={}", second["next_cursor"].as_str().unwrap()),
        )
        .await
        .json();
    assert_eq!(third["items"].as_array().unwrap().len(), 1);
    assert!(third["next_cursor"].is_null());
    let names: Vec<_> = [&first, &second, &third]
        .iter()
        .flat_map(|p| p["items"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(names, ["member0", "member1", "member2", "member3", "member4"]);

    let all = app.get(&admin, "/api/v1/admin/users?limit=100000").await;
    all.assert_status(200);
    assert_eq!(all.json()["items"].as_array().unwrap().len(), 6);
    app.get(&admin, "/api/v1/admin/users?limit=-5").await.assert_status(200);
    let mut forged = cursor.clone();
    forged.replace_range(0..1, if cursor.starts_with('A') { "B" } else { "A" });
    app.get(&admin, &format!("/api/v1/admin/users?cursor={forged}")).await.assert_error(400, "invalid_cursor");
    app.get(&admin, "/api/v1/admin/users?limit=lots").await.assert_error(422, "invalid_field");
}

async fn every_response_carries_security_headers(t: TestDb) {
    let app = TestApp::new(t).await;
    for path in ["/api/v1/me", "/login", "/healthz", "/nowhere"] {
        let response = app.get(&Client::default(), path).await;
        for header in
            ["x-request-id", "content-security-policy", "x-content-type-options", "referrer-policy", "x-frame-options"]
        {
            assert!(response.headers.contains_key(header), "{path} lacks {header}");
        }
        let csp = response.headers.get("content-security-policy").unwrap().to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"));
    }
}

async fn forwarded_addresses_count_only_from_trusted_proxies(t: TestDb) {
    let web = carmine_web::WebConfig {
        trusted_proxies: vec!["10.0.0.1".parse().unwrap()],
        ..carmine_web::WebConfig::new(ORIGIN)
    };
    let app = TestApp::with_web_config(t, web).await;
    let signup = |ip: [u8; 4], forwarded: &str, n: usize| {
        let body = format!(r#"{{"username":"u{n}_{}","password":"correct horse"}}"#, ip[3]);
        Request::builder()
            .method(Method::POST)
            .uri("/api/v1/auth/signup")
            .header("content-type", "application/json")
            .header("x-forwarded-for", forwarded)
            .body(Body::from(body))
            .unwrap()
    };
    // Behind the trusted proxy, each client is limited by its own forwarded address.
    for n in 0..10 {
        app.raw(signup([10, 0, 0, 1], "198.51.100.7, 203.0.113.5", n), [10, 0, 0, 1]).await.assert_status(201);
    }
    app.raw(signup([10, 0, 0, 1], "203.0.113.5", 10), [10, 0, 0, 1]).await.assert_error(429, "rate_limited");
    app.raw(signup([10, 0, 0, 1], "203.0.113.6", 11), [10, 0, 0, 1]).await.assert_status(201);
    // From anyone else, X-Forwarded-For is ignored: a client cannot dodge its limit.
    for n in 0..10 {
        app.raw(signup([10, 0, 0, 9], &format!("203.0.113.{n}"), n), [10, 0, 0, 9]).await.assert_status(201);
    }
    app.raw(signup([10, 0, 0, 9], "203.0.113.99", 99), [10, 0, 0, 9]).await.assert_error(429, "rate_limited");
}
