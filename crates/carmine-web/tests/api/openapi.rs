//! The OpenAPI document describes every route, every route it describes exists, it
//! passes a standard validator (`openapi-spec-validator`, installed by `.ci/run`),
//! and it declares what clients rely on: a description for every response, the error
//! codes each route may answer, enums and limits in the schemas.

use axum::http::Method;
use carmine_store::testing::TestDb;
use serde_json::{Value, json};

use crate::helpers::{Client, TestApp};

carmine_store::both_backends!(
    every_documented_route_is_served,
    contract_paths_are_documented,
    the_document_passes_a_standard_validator,
);

/// The validator CI installs (`.ci/run`); under `CI=true` its absence fails.
const VALIDATOR: &str = "openapi_spec_validator";

async fn the_document_passes_a_standard_validator(t: TestDb) {
    let app = TestApp::new(t).await;
    let doc = app.get(&Client::default(), "/api/v1/openapi.json").await.json();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let run = std::process::Command::new("python3").args(["-m", VALIDATOR, "--errors", "all"]).arg(&file).output();
    let available = run.as_ref().is_ok_and(|o| !String::from_utf8_lossy(&o.stderr).contains("No module named"));
    if !available {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "python3 -m {VALIDATOR} is missing (.ci/run installs it)"
        );
        eprintln!("skipping the OpenAPI validator: python3 -m {VALIDATOR} is not installed");
    } else {
        let run = run.unwrap();
        assert!(
            run.status.success(),
            "the OpenAPI document is not valid:\n{}{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
    }
    // What a validator does not check but clients need.
    let mut problems = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for (status, response) in operation["responses"].as_object().unwrap() {
                let description = response["description"].as_str().unwrap_or_default();
                if description.is_empty() {
                    problems.push(format!("{method} {path} {status}: no description"));
                } else if status.starts_with('4') && !description.contains('`') {
                    problems.push(format!("{method} {path} {status}: no error code named in {description:?}"));
                }
            }
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let name = parameter["name"].as_str().unwrap_or_default();
                if parameter["in"] == "path" && !path.contains(&format!("{{{name}}}")) {
                    problems.push(format!("{method} {path}: path parameter {name} is not in the path"));
                }
            }
        }
    }
    // Every field a request body takes states its limit or its values.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let Some(reference) = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str()
            else {
                continue;
            };
            let name = reference.trim_start_matches("#/components/schemas/");
            for (field, schema) in doc["components"]["schemas"][name]["properties"].as_object().into_iter().flatten() {
                let text = schema.to_string();
                let bounded = ["maxLength", "maxItems", "maximum", "enum", "pattern", "format", "$ref", "boolean"]
                    .iter()
                    .any(|k| text.contains(k));
                if !bounded {
                    problems.push(format!("{method} {path}: {name}.{field} states no limit or values: {text}"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

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
            .replace("{template_id}", "1")
            .replace("{warehouse_id}", "1")
            .replace("{variant_id}", "1")
            .replace("{product_id}", "1")
            .replace("{order_id}", "1")
            .replace("{after_sale_id}", "1")
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
