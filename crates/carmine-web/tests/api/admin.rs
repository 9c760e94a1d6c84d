//! Operator actions: suspension, password reset, the audit log.

use carmine_store::testing::TestDb;
use serde_json::json;

use crate::helpers::{Client, TestApp};

carmine_store::both_backends!(
    suspension_logs_out_and_locks_out_until_lifted,
    a_password_reset_hands_over_a_working_password,
    members_are_not_admins,
);

async fn suspension_logs_out_and_locks_out_until_lifted(t: TestDb) {
    let app = TestApp::new(t).await;
    let admin = app.admin("root").await;
    let spammer = app.signup("spammer").await;
    let token = app.post(&spammer, "/api/v1/tokens", json!({ "name": "bot" })).await.json()["token_secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let bearer = Client { bearer: Some(token), ..Client::default() };
    let id = app.user_id(&spammer).await;

    app.post(&admin, &format!("/api/v1/admin/users/{id}/suspend"), json!({ "reason": "" }))
        .await
        .assert_error(422, "invalid_field");
    app.post(&admin, &format!("/api/v1/admin/users/{id}/suspend"), json!({ "reason": "spam 广告" }))
        .await
        .assert_status(204);
    app.get(&spammer, "/api/v1/me").await.assert_error(401, "unauthenticated");
    app.get(&bearer, "/api/v1/me").await.assert_error(403, "account_suspended");
    app.login("spammer", "correct horse battery").await.assert_error(403, "account_suspended");
    assert_eq!(app.get(&admin, &format!("/api/v1/admin/users/{id}")).await.json()["suspended"], true);

    let root_id = app.user_id(&admin).await;
    app.post(&admin, &format!("/api/v1/admin/users/{root_id}/suspend"), json!({ "reason": "oops" }))
        .await
        .assert_error(403, "forbidden");

    app.post(&admin, &format!("/api/v1/admin/users/{id}/unsuspend"), json!({})).await.assert_status(204);
    app.login("spammer", "correct horse battery").await.assert_status(200);
    app.get(&bearer, "/api/v1/me").await.assert_status(200);

    let audit = app.get(&admin, "/api/v1/admin/audit-log").await.json();
    let actions: Vec<_> =
        audit["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect();
    assert_eq!(actions, ["unsuspend_user", "suspend_user", "create_user"]);
    assert_eq!(audit["items"][1]["details"]["reason"], "spam 广告");
    assert!(audit["items"][2]["admin"].is_null(), "the console created root");
}

async fn a_password_reset_hands_over_a_working_password(t: TestDb) {
    let app = TestApp::new(t).await;
    let admin = app.admin("root").await;
    let forgetful = app.signup("forgetful").await;
    let id = app.user_id(&forgetful).await;
    let reset = app.post(&admin, &format!("/api/v1/admin/users/{id}/reset-password"), json!({})).await;
    reset.assert_status(200);
    let password = reset.json()["temporary_password"].as_str().unwrap().to_owned();
    app.get(&forgetful, "/api/v1/me").await.assert_error(401, "unauthenticated");
    app.login("forgetful", "correct horse battery").await.assert_error(401, "invalid_credentials");
    app.login("forgetful", &password).await.assert_status(200);
    app.post(&admin, "/api/v1/admin/users/123/reset-password", json!({})).await.assert_error(404, "user_not_found");
}

async fn members_are_not_admins(t: TestDb) {
    let app = TestApp::new(t).await;
    let member = app.signup("member").await;
    let id = app.user_id(&member).await;
    let events = app.event_count().await;
    app.get(&member, "/api/v1/admin/users").await.assert_error(403, "admin_only");
    app.get(&member, "/api/v1/admin/audit-log").await.assert_error(403, "admin_only");
    app.post(&member, &format!("/api/v1/admin/users/{id}/reset-password"), json!({}))
        .await
        .assert_error(403, "admin_only");
    app.get(&Client::default(), "/api/v1/admin/users").await.assert_error(401, "unauthenticated");
    assert_eq!(app.event_count().await, events);
}
