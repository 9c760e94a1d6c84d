//! The pages, driven as a browser without JavaScript would: forms with `_csrf`.

use axum::body::Body;
use axum::http::{Method, Request};
use carmine_store::testing::TestDb;

use crate::helpers::{Client, ORIGIN, TestApp, TestResponse};

carmine_store::both_backends!(
    sign_up_and_settings_through_forms,
    forms_without_the_csrf_field_are_refused,
    organization_and_admin_pages_follow_the_role_matrix,
);

async fn form(app: &TestApp, client: &Client, path: &str, fields: &[(&str, &str)]) -> TestResponse {
    let mut body: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
    if let Some(csrf) = &client.csrf {
        body.push(format!("_csrf={csrf}"));
    }
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", ORIGIN)
        .header("sec-fetch-site", "same-origin");
    if let Some(cookie) = &client.cookie {
        request = request.header("cookie", cookie);
    }
    app.raw(request.body(Body::from(body.join("&"))).unwrap(), [127, 0, 0, 1]).await
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The CSRF token a page embeds in its forms.
fn csrf_of(page: &TestResponse) -> String {
    let html = page.text();
    let start = html.find("name=\"_csrf\" value=\"").expect("a form with _csrf") + 20;
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

async fn sign_up_and_settings_through_forms(t: TestDb) {
    let app = TestApp::new(t).await;
    let anonymous = Client::default();
    assert!(app.get(&anonymous, "/signup").await.text().contains("Create your account"));
    let signed_up = form(
        &app,
        &anonymous,
        "/signup",
        &[("username", "meimei"), ("password", "correct horse"), ("display_name", "美美 Mei")],
    )
    .await;
    assert_eq!(signed_up.status, 303);
    let mut client = Client { cookie: signed_up.session_cookie(), ..Client::default() };
    let home = app.get(&client, "/").await;
    assert!(home.text().contains("Welcome, @meimei"), "{}", home.text());
    let settings = app.get(&client, "/settings").await;
    client.csrf = Some(csrf_of(&settings));
    assert!(settings.text().contains("美美 Mei"));
    assert!(settings.text().contains("id=\"sessions\"") && settings.text().contains("this browser"));

    let saved = form(
        &app,
        &client,
        "/settings/profile",
        &[
            ("display_name", "美美"),
            ("bio", "爱旅行 & food"),
            ("consent", "yes"),
            ("city", "杭州"),
            ("birth_year", "1998"),
        ],
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.text());
    let settings = app.get(&client, "/settings?done=profile_saved").await.text();
    assert!(settings.contains("Your profile is saved."), "{settings}");
    assert!(settings.contains("爱旅行 &#38; food") && settings.contains("杭州"), "{settings}");

    let refused = form(&app, &client, "/settings/profile", &[("display_name", ""), ("birth_year", "1998")]).await;
    assert_eq!(refused.status, 422);
    assert!(refused.text().contains("display_name: must not be empty"), "{}", refused.text());

    let token = form(&app, &client, "/settings/tokens", &[("name", "shop sync")]).await;
    assert_eq!(token.status, 200);
    assert!(token.text().contains("crm_"), "the new token is shown once");

    let wrong =
        form(&app, &client, "/settings/password", &[("current_password", "nope"), ("new_password", "another horse")])
            .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.text().contains("the current password is wrong"));

    let out = form(&app, &client, "/logout", &[]).await;
    assert_eq!(out.status, 303);
    app.get(&client, "/api/v1/me").await.assert_error(401, "unauthenticated");
    let bad_login = form(&app, &anonymous, "/login", &[("username", "meimei"), ("password", "wrong password")]).await;
    assert_eq!(bad_login.status, 401);
    assert!(bad_login.text().contains("wrong username or password"));
    let login = form(&app, &anonymous, "/login", &[("username", "MeiMei"), ("password", "correct horse")]).await;
    assert_eq!(login.status, 303);
    assert!(login.session_cookie().is_some());
    // Member pages send logged-out visitors to the log-in page.
    let settings = app.get(&anonymous, "/settings").await;
    assert_eq!(
        (settings.status.as_u16(), settings.headers.get("location").unwrap().to_str().unwrap()),
        (303, "/login")
    );
}

async fn forms_without_the_csrf_field_are_refused(t: TestDb) {
    let app = TestApp::new(t).await;
    let client = app.signup("meimei").await;
    let events = app.event_count().await;
    let without = Client { csrf: None, ..client.clone() };
    let refused = form(&app, &without, "/settings/profile", &[("display_name", "pwned")]).await;
    assert_eq!(refused.status, 403);
    assert!(refused.text().contains("CSRF"), "{}", refused.text());
    let forged = Client { csrf: Some("forged".into()), ..client.clone() };
    assert_eq!(form(&app, &forged, "/logout", &[]).await.status, 403);
    assert_eq!(app.event_count().await, events);
    app.get(&client, "/api/v1/me").await.assert_status(200);
}

async fn organization_and_admin_pages_follow_the_role_matrix(t: TestDb) {
    let app = TestApp::new(t).await;
    let owner = app.signup("owner").await;
    let created =
        form(&app, &owner, "/orgs", &[("handle", "tea_house"), ("name", "茶馆 Tea House"), ("kind", "merchant")]).await;
    assert_eq!(created.status, 303);
    assert!(created.headers.get("location").unwrap().to_str().unwrap().starts_with("/o/tea_house"));
    let page = app.get(&owner, "/o/tea_house").await.text();
    assert!(
        page.contains("茶馆 Tea House") && page.contains("id=\"invite-form\"") && page.contains("Request verification")
    );

    let staff = app.signup("writer").await;
    assert_eq!(
        form(&app, &owner, "/o/tea_house/invite", &[("username", "writer"), ("role", "staff")]).await.status,
        303
    );
    let orgs = app.get(&staff, "/orgs").await.text();
    assert!(orgs.contains("invites you as"));
    let invitation =
        app.get(&staff, "/api/v1/me/invitations").await.json()["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(form(&app, &staff, &format!("/invitations/{invitation}/accept"), &[]).await.status, 303);
    let staff_view = app.get(&staff, "/o/tea_house").await.text();
    assert!(staff_view.contains("Your role: <strong>staff</strong>"));
    assert!(!staff_view.contains("id=\"invite-form\""), "staff cannot invite");
    let refused = form(&app, &staff, "/o/tea_house/profile", &[("name", "mine")]).await;
    assert_eq!(refused.status, 403);

    let outsider = app.get(&Client::default(), "/o/tea_house").await.text();
    assert!(outsider.contains("茶馆 Tea House") && !outsider.contains("Members"), "the public sees the profile only");

    assert_eq!(app.get(&owner, "/admin").await.status, 403);
    let admin = app.admin("root").await;
    let admin_page = app.get(&admin, "/admin?prefix=wri").await.text();
    assert!(admin_page.contains("@writer") && !admin_page.contains("@owner"));
    let writer_id = app.user_id(&staff).await;
    assert_eq!(
        form(&app, &admin, &format!("/admin/users/{writer_id}/suspend"), &[("reason", "spam")]).await.status,
        303
    );
    let reset = form(&app, &admin, &format!("/admin/users/{writer_id}/reset-password"), &[]).await;
    assert!(reset.text().contains("id=\"temporary-password\""));
    assert!(app.get(&admin, "/admin/audit").await.text().contains("suspend_user"));
}
