//! The OpenAPI document describes every route, and every route it describes exists.

use axum::http::Method;
use carmine_store::testing::TestDb;
use serde_json::{Value, json};

use crate::helpers::{Client, TestApp};

carmine_store::both_backends!(every_documented_route_is_served, contract_paths_are_documented);

/// Every (method, path template) the document lists.
pub fn operations(doc: &Value) -> Vec<(Method, String)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, _) in item.as_object().unwrap() {
            let method = method.to_uppercase().parse::<Method>().expect("an HTTP method");
            out.push((method, path.clone()));
        }
    }
    out
}

async fn every_documented_route_is_served(t: TestDb) {
    let app = TestApp::new(t).await;
    let member = app.signup("member").await;
    let doc = app.get(&Client::default(), "/api/v1/openapi.json").await.json();
    let operations = operations(&doc);
    assert!(operations.len() >= 35, "{} operations", operations.len());
    for (method, template) in operations {
        let path = template
            .replace("{org}", "someorg")
            .replace("{handle}", "someone")
            .replace("{id}", "1")
            .replace("{user_id}", "1")
            .replace("{account}", "coins")
            .replace("{provider}", "sandbox");
        assert!(!path.contains('{'), "unfilled parameter in {template}");
        let body = (method != Method::GET).then(|| json!({}));
        let response = app.send(&member, method.clone(), &path, body).await;
        assert!(
            response.status != 404 || response.code() != "route_not_found",
            "{method} {template} is documented but not routed"
        );
        assert_ne!(response.status, 405, "{method} {template} is documented but not routed for this method");
    }
}

async fn contract_paths_are_documented(t: TestDb) {
    let app = TestApp::new(t).await;
    let doc = app.get(&Client::default(), "/api/v1/openapi.json").await.json();
    let operations = operations(&doc);
    for (method, path) in [
        (Method::GET, "/healthz"),
        (Method::GET, "/readyz"),
        (Method::GET, "/metrics"),
        (Method::POST, "/api/v1/auth/signup"),
        (Method::POST, "/api/v1/auth/login"),
        (Method::POST, "/api/v1/auth/logout"),
        (Method::POST, "/api/v1/tokens"),
        (Method::GET, "/api/v1/me"),
        (Method::GET, "/api/v1/openapi.json"),
        (Method::POST, "/api/v1/media"),
        (Method::POST, "/api/v1/notes"),
        (Method::GET, "/api/v1/notes/{id}"),
        (Method::PATCH, "/api/v1/notes/{id}"),
        (Method::DELETE, "/api/v1/notes/{id}"),
        (Method::GET, "/api/v1/feed"),
        (Method::POST, "/api/v1/events"),
        (Method::GET, "/api/v1/admin/users/{id}/feed"),
    ] {
        assert!(operations.contains(&(method.clone(), path.to_owned())), "{method} {path} missing from the document");
    }
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(refs.len() > 50, "{} references", refs.len());
    for reference in refs {
        let name =
            reference.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("unexpected $ref {reference}"));
        assert!(doc["components"]["schemas"][name].is_object(), "$ref {reference} points nowhere");
    }
    assert!(doc["info"]["description"].as_str().unwrap().contains("`csrf_failed`"), "the error table is documented");
    let metrics = app.get(&Client::default(), "/metrics").await;
    assert!(metrics.text().contains("carmine_http_requests_total"), "{}", metrics.text());
    // Refused requests are counted under the route they matched, not lost as "unmatched".
    app.get(&Client::default(), "/api/v1/me").await.assert_error(401, "unauthenticated");
    let metrics = app.get(&Client::default(), "/metrics").await.text();
    assert!(metrics.contains("route=\"/api/v1/me\",method=\"GET\",status=\"401\""), "{metrics}");
    assert_eq!(app.get(&Client::default(), "/readyz").await.json()["database"], "ok");
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                match (key.as_str(), child) {
                    ("$ref", Value::String(target)) => out.push(target.clone()),
                    _ => collect_refs(child, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_refs(item, out)),
        _ => {}
    }
}
