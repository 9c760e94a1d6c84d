//! Organizations: roles per the matrix, invitations, verification.

use carmine_store::testing::TestDb;
use serde_json::json;

use crate::helpers::{Client, TestApp};

carmine_store::both_backends!(
    an_org_grows_by_invitation_and_roles_limit_what_members_do,
    owners_cannot_all_leave,
    two_owners_demoting_each_other_at_once_leave_one_owner,
    verification_goes_through_an_admin_once,
);

async fn join(app: &TestApp, owner: &Client, org: &str, username: &str, role: &str) -> Client {
    let member = app.signup(username).await;
    app.post(owner, &format!("/api/v1/orgs/{org}/invitations"), json!({ "username": username, "role": role }))
        .await
        .assert_status(201);
    let invitation =
        app.get(&member, "/api/v1/me/invitations").await.json()["items"][0]["id"].as_str().unwrap().to_owned();
    app.post(&member, &format!("/api/v1/invitations/{invitation}/accept"), json!({})).await.assert_status(200);
    member
}

async fn an_org_grows_by_invitation_and_roles_limit_what_members_do(t: TestDb) {
    let app = TestApp::new(t).await;
    let owner = app.signup("owner").await;
    let created = app
        .post(
            &owner,
            "/api/v1/orgs",
            json!({ "handle": "Glow_Lab", "name": "光实验室 Glow Lab", "kind": "brand", "description": "护肤" }),
        )
        .await;
    created.assert_status(201);
    assert_eq!(created.json()["handle"], "glow_lab");
    assert_eq!(created.json()["my_role"], "owner");
    app.post(&owner, "/api/v1/orgs", json!({ "handle": "owner", "name": "x", "kind": "brand" }))
        .await
        .assert_error(409, "handle_taken");

    let admin = join(&app, &owner, "glow_lab", "manager", "admin").await;
    let staff = join(&app, &owner, "glow_lab", "writer", "staff").await;
    let analyst = join(&app, &admin, "glow_lab", "counter", "analyst").await;

    let members = app.get(&analyst, "/api/v1/orgs/glow_lab/members").await.json();
    let roles: Vec<_> =
        members["items"].as_array().unwrap().iter().map(|m| m["role"].as_str().unwrap().to_owned()).collect();
    assert_eq!(roles, ["owner", "admin", "staff", "analyst"]);

    // Staff and analysts may not edit the profile or invite; admins may not create owners or admins.
    app.signup("newbie").await;
    let events = app.event_count().await;
    app.patch(&staff, "/api/v1/orgs/glow_lab", json!({ "name": "mine now" })).await.assert_error(403, "role_too_low");
    app.post(&analyst, "/api/v1/orgs/glow_lab/invitations", json!({ "username": "owner", "role": "staff" }))
        .await
        .assert_error(403, "role_too_low");
    app.post(&admin, "/api/v1/orgs/glow_lab/invitations", json!({ "username": "newbie", "role": "owner" }))
        .await
        .assert_error(403, "role_too_low");
    let owner_id = app.user_id(&owner).await;
    app.patch(&admin, &format!("/api/v1/orgs/glow_lab/members/{owner_id}"), json!({ "role": "staff" }))
        .await
        .assert_error(403, "role_too_low");
    app.delete(&admin, &format!("/api/v1/orgs/glow_lab/members/{owner_id}"), None)
        .await
        .assert_error(403, "role_too_low");
    assert_eq!(app.event_count().await, events, "refusals change nothing");

    // An admin manages staff: promote the analyst, then remove the staff member.
    let analyst_id = app.user_id(&analyst).await;
    app.patch(&admin, &format!("/api/v1/orgs/glow_lab/members/{analyst_id}"), json!({ "role": "staff" }))
        .await
        .assert_status(204);
    let staff_id = app.user_id(&staff).await;
    app.delete(&admin, &format!("/api/v1/orgs/glow_lab/members/{staff_id}"), None).await.assert_status(204);
    app.get(&staff, "/api/v1/orgs/glow_lab/members").await.assert_error(404, "org_not_found");
    app.patch(&admin, "/api/v1/orgs/glow_lab", json!({ "description": "更新" })).await.assert_status(200);

    // Invitations: duplicates refused, withdrawn ones cannot be accepted.
    app.post(&admin, "/api/v1/orgs/glow_lab/invitations", json!({ "username": "newbie", "role": "staff" }))
        .await
        .assert_status(201);
    app.post(&admin, "/api/v1/orgs/glow_lab/invitations", json!({ "username": "newbie", "role": "staff" }))
        .await
        .assert_error(409, "already_member");
    app.post(&admin, "/api/v1/orgs/glow_lab/invitations", json!({ "username": "manager", "role": "staff" }))
        .await
        .assert_error(409, "already_member");
    app.post(&admin, "/api/v1/orgs/glow_lab/invitations", json!({ "username": "ghost_user", "role": "staff" }))
        .await
        .assert_error(404, "user_not_found");
    let pending = app.get(&admin, "/api/v1/orgs/glow_lab/invitations").await.json();
    let invitation = pending["items"][0]["id"].as_str().unwrap().to_owned();
    app.delete(&admin, &format!("/api/v1/orgs/glow_lab/invitations/{invitation}"), None).await.assert_status(204);
    let newbie = TestApp::client_from_login(&app.login("newbie", "correct horse battery").await);
    app.post(&newbie, &format!("/api/v1/invitations/{invitation}/accept"), json!({}))
        .await
        .assert_error(409, "invitation_not_pending");

    // Invitations expire after 14 days.
    app.post(&admin, "/api/v1/orgs/glow_lab/invitations", json!({ "username": "newbie", "role": "analyst" }))
        .await
        .assert_status(201);
    let invitation =
        app.get(&newbie, "/api/v1/me/invitations").await.json()["items"][0]["id"].as_str().unwrap().to_owned();
    app.clock.advance_seconds(15 * 24 * 3600);
    let newbie = TestApp::client_from_login(&app.login("newbie", "correct horse battery").await);
    app.post(&newbie, &format!("/api/v1/invitations/{invitation}/accept"), json!({}))
        .await
        .assert_error(409, "invitation_not_pending");

    let analyst = TestApp::client_from_login(&app.login("counter", "correct horse battery").await);
    let mine = app.get(&analyst, "/api/v1/orgs").await.json();
    assert_eq!(mine["items"][0]["my_role"], "staff");
    let public = app.get(&Client::default(), "/api/v1/orgs/glow_lab").await.json();
    assert_eq!(public["name"], "光实验室 Glow Lab");
    assert!(public["my_role"].is_null());
}

async fn owners_cannot_all_leave(t: TestDb) {
    let app = TestApp::new(t).await;
    let owner = app.signup("owner").await;
    app.post(&owner, "/api/v1/orgs", json!({ "handle": "acme", "name": "Acme", "kind": "merchant" }))
        .await
        .assert_status(201);
    let owner_id = app.user_id(&owner).await;
    app.delete(&owner, &format!("/api/v1/orgs/acme/members/{owner_id}"), None).await.assert_error(409, "last_owner");
    app.patch(&owner, &format!("/api/v1/orgs/acme/members/{owner_id}"), json!({ "role": "admin" }))
        .await
        .assert_error(409, "last_owner");
    let second = join(&app, &owner, "acme", "second", "owner").await;
    app.delete(&owner, &format!("/api/v1/orgs/acme/members/{owner_id}"), None).await.assert_status(204);
    let members = app.get(&second, "/api/v1/orgs/acme/members").await.json();
    assert_eq!(members["items"].as_array().unwrap().len(), 1);
}

async fn verification_goes_through_an_admin_once(t: TestDb) {
    let app = TestApp::new(t).await;
    let owner = app.signup("owner").await;
    app.post(&owner, "/api/v1/orgs", json!({ "handle": "acme", "name": "Acme", "kind": "brand" }))
        .await
        .assert_status(201);
    let staff = join(&app, &owner, "acme", "writer", "staff").await;
    app.post(&staff, "/api/v1/orgs/acme/verification", json!({ "evidence": "licence" }))
        .await
        .assert_error(403, "role_too_low");
    app.post(&owner, "/api/v1/orgs/acme/verification", json!({ "evidence": "" }))
        .await
        .assert_error(422, "invalid_field");
    let request =
        app.post(&owner, "/api/v1/orgs/acme/verification", json!({ "evidence": "营业执照 91310000MA1234567X" })).await;
    request.assert_status(201);
    let request_id = request.json()["id"].as_str().unwrap().to_owned();
    app.post(&owner, "/api/v1/orgs/acme/verification", json!({ "evidence": "again" }))
        .await
        .assert_error(409, "verification_pending");

    // Only an admin decides; a rejection needs a reason.
    app.post(&owner, &format!("/api/v1/admin/verifications/{request_id}/approve"), json!({}))
        .await
        .assert_error(403, "admin_only");
    let admin = app.admin("root").await;
    let queue = app.get(&admin, "/api/v1/admin/verifications").await.json();
    assert_eq!(queue["items"][0]["org_handle"], "acme");
    app.post(&admin, &format!("/api/v1/admin/verifications/{request_id}/reject"), json!({}))
        .await
        .assert_error(422, "invalid_field");
    app.post(
        &admin,
        &format!("/api/v1/admin/verifications/{request_id}/reject"),
        json!({ "reason": "blurry licence" }),
    )
    .await
    .assert_status(200);
    app.post(&admin, &format!("/api/v1/admin/verifications/{request_id}/approve"), json!({}))
        .await
        .assert_error(409, "verification_not_pending");
    let history = app.get(&staff, "/api/v1/orgs/acme/verification").await.json();
    assert_eq!(history["items"][0]["decision_reason"], "blurry licence");

    let again = app.post(&owner, "/api/v1/orgs/acme/verification", json!({ "evidence": "clear licence" })).await;
    let again_id = again.json()["id"].as_str().unwrap().to_owned();
    app.post(&admin, &format!("/api/v1/admin/verifications/{again_id}/approve"), json!({ "reason": "ok" }))
        .await
        .assert_status(200);
    assert_eq!(app.get(&Client::default(), "/api/v1/orgs/acme").await.json()["verification_status"], "verified");
    app.post(&owner, "/api/v1/orgs/acme/verification", json!({ "evidence": "more" }))
        .await
        .assert_error(409, "already_verified");

    let audit = app.get(&admin, "/api/v1/admin/audit-log").await.json();
    let actions: Vec<_> =
        audit["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect();
    assert_eq!(actions[..2], ["approve_verification", "reject_verification"]);
    assert_eq!(audit["items"][0]["admin"], "root");
}

async fn two_owners_demoting_each_other_at_once_leave_one_owner(t: TestDb) {
    let app = std::sync::Arc::new(TestApp::new(t).await);
    let first = app.signup("first").await;
    app.post(&first, "/api/v1/orgs", json!({ "handle": "acme", "name": "Acme", "kind": "brand" }))
        .await
        .assert_status(201);
    let second = join(&app, &first, "acme", "second", "owner").await;
    let first_id = app.user_id(&first).await;
    let second_id = app.user_id(&second).await;
    for _ in 0..5 {
        let a = {
            let (app, first, second_id) = (app.clone(), first.clone(), second_id.clone());
            tokio::spawn(async move {
                app.patch(&first, &format!("/api/v1/orgs/acme/members/{second_id}"), json!({ "role": "admin" }))
                    .await
                    .status
            })
        };
        let b = {
            let (app, second, first_id) = (app.clone(), second.clone(), first_id.clone());
            tokio::spawn(async move {
                app.patch(&second, &format!("/api/v1/orgs/acme/members/{first_id}"), json!({ "role": "admin" }))
                    .await
                    .status
            })
        };
        let (a, b) = (a.await.unwrap(), b.await.unwrap());
        assert!(!(a == 204 && b == 204), "both demotions went through");
        let members = app.get(&first, "/api/v1/orgs/acme/members").await.json();
        let owners = members["items"].as_array().unwrap().iter().filter(|m| m["role"] == "owner").count();
        assert_eq!(owners, 1);
        // Restore two owners for the next round, through whichever owner remains.
        let owner = if a == 204 { &first } else { &second };
        let demoted = if a == 204 { &second_id } else { &first_id };
        app.patch(owner, &format!("/api/v1/orgs/acme/members/{demoted}"), json!({ "role": "owner" }))
            .await
            .assert_status(204);
    }
}
