//! The pages, driven as a browser without JavaScript would: forms with `_csrf`.

use axum::body::Body;
use axum::http::{Method, Request};
use carmine_store::testing::TestDb;

use crate::helpers::{Client, ORIGIN, TestApp, TestResponse, encode};

carmine_store::both_backends!(
    sign_up_and_settings_through_forms,
    forms_without_the_csrf_field_are_refused,
    organization_and_admin_pages_follow_the_role_matrix,
    composing_reading_editing_and_deleting_a_note_through_pages,
    liking_commenting_and_notifications_through_pages,
    saving_into_boards_through_pages,
    reporting_and_the_admin_queue_through_pages,
    scheduling_statistics_and_jobs_through_pages,
    the_feed_through_pages,
    search_through_pages,
    money_through_pages,
    the_interface_speaks_the_visitors_language,
    pages_json_and_assets_go_out_compressed_without_repeating_the_csrf_token,
    the_app_installs_and_its_links_preview,
    topic_pages_show_a_topics_notes_and_following_it_shapes_the_feed,
    profiles_show_notes_boards_and_what_the_member_liked,
    an_uploaded_avatar_shows_wherever_the_member_does,
    logging_in_returns_to_where_the_visitor_was,
    payers_see_test_methods_only_in_test_mode,
    images_carry_what_they_show,
);

async fn images_carry_what_they_show(t: TestDb) {
    let app = TestApp::new(t).await;
    let author = app.signup("meimei").await;
    let photos = vec![carmine_media::fixtures::jpeg(400, 300), carmine_media::fixtures::png(300, 300)];
    // One alt text too long: refused before anything is uploaded.
    let long = "长".repeat(201);
    let fields =
        [("title", "早餐"), ("visibility", "public"), ("action", "publish"), ("alt", long.as_str()), ("alt", "")];
    let events = app.event_count().await;
    let refused = compose(&app, &author, &fields, &photos, true).await;
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert_eq!(app.event_count().await, events, "no image was uploaded");
    let fields =
        [("title", "早餐"), ("visibility", "public"), ("action", "publish"), ("alt", "豆浆和油条"), ("alt", "")];
    let note = publish(&app, &author, &fields, &photos).await;
    let page = app.get(&Client::default(), &note).await.text();
    assert!(page.contains("alt=\"豆浆和油条\""), "the described image: {page}");
    assert!(page.contains("alt=\"Image 2 of 2\""), "the other is numbered");
    app.sync().await;
    let profile = app.get(&Client::default(), "/u/meimei").await.text();
    assert!(profile.contains("alt=\"豆浆和油条\" loading=\"lazy\""), "the card's cover too: {profile}");
    // Editing changes what a kept image shows.
    let edit = app.get(&author, &format!("{note}/edit")).await.text();
    let first = edit.split("name=\"keep\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let second = edit.split("name=\"keep\" value=\"").nth(2).unwrap().split('"').next().unwrap().to_owned();
    let alt_field = format!("alt_{first}");
    let fields = [
        ("title", "早餐"),
        ("visibility", "public"),
        ("keep", first.as_str()),
        ("keep", second.as_str()),
        (alt_field.as_str(), "甜豆浆，咸油条"),
    ];
    let edited = post_multipart(&app, &author, &format!("{note}/edit"), &fields, &[], true).await;
    assert_eq!(edited.status, 303, "{}", edited.text());
    assert!(app.get(&Client::default(), &note).await.text().contains("alt=\"甜豆浆，咸油条\""));
}

async fn payers_see_test_methods_only_in_test_mode(t: TestDb) {
    let web = carmine_web::WebConfig::new(ORIGIN);
    let app = TestApp::with_services(t, web, |config| config.payments_test_mode = false).await;
    let buyer = app.signup("buyer").await;
    let wallet = app.get(&buyer, "/wallet").await.text();
    assert!(wallet.contains("<option value=\"sandbox_checkout\">Online payment</option>"), "{wallet}");
    assert!(!wallet.contains("sandbox_decline") && !wallet.contains("id=\"test-mode\""), "{wallet}");
    // Nor can a client ask for one.
    let body = serde_json::json!({ "amount": { "amount_minor": 600, "currency": "CNY" }, "method": "sandbox_decline" });
    let refused = app.post_keyed(&buyer, "/api/v1/me/wallet/top-ups", "k-1", body).await;
    refused.assert_error(422, "invalid_field");
    assert!(app.get(&buyer, "/api/v1/me/payments").await.json()["items"].as_array().unwrap().is_empty());
}

async fn logging_in_returns_to_where_the_visitor_was(t: TestDb) {
    let app = TestApp::new(t).await;
    let author = app.signup("meimei").await;
    let photo = vec![carmine_media::fixtures::jpeg(400, 400)];
    let fields = [("title", "登录回来"), ("body", "hi"), ("visibility", "public"), ("action", "publish")];
    let note = publish(&app, &author, &fields, &photo).await;
    let back = format!("/login?next={}", note.replace('/', "%2F"));

    // The note page's "log in to like" and "log in to comment" come back to it.
    let visitor = Client::default();
    let page = app.get(&visitor, &note).await.text();
    assert!(page.contains("id=\"login-to-like\"") && page.contains(&format!("href=\"{back}\"")), "{page}");
    let to_comments = format!("href=\"{back}%23comments\" id=\"login-to-comment\"");
    assert!(page.contains(&to_comments), "log in to comment comes back to the comments: {page}");
    let profile = app.get(&visitor, "/u/meimei").await.text();
    assert!(profile.contains("href=\"/login?next=%2Fu%2Fmeimei\" id=\"login-to-follow\""), "{profile}");
    // A member page asked for while logged out: log in, then that page.
    let gated = app.get(&visitor, "/compose").await;
    assert_eq!(gated.headers.get("location").unwrap(), "/login?next=%2Fcompose");
    // A form sent while logged out returns to the page it was sent from, never replayed.
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("{note}/like"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", ORIGIN)
        .header("referer", format!("{ORIGIN}{note}"))
        .body(Body::empty())
        .unwrap();
    let refused = app.raw(request, [127, 0, 0, 1]).await;
    assert_eq!(refused.headers.get("location").unwrap().to_str().unwrap(), back);

    // The log-in form carries next, and goes there.
    let login = app.get(&visitor, &back).await.text();
    assert!(login.contains(&format!("name=\"next\" value=\"{note}\"")), "{login}");
    let logged_in = form(
        &app,
        &visitor,
        "/login",
        &[("username", "meimei"), ("password", "correct horse battery"), ("next", &note)],
    )
    .await;
    assert_eq!(logged_in.headers.get("location").unwrap().to_str().unwrap(), note);
    // Only to a page on this site.
    let to_comments = format!("{note}#comments");
    let fields = [("username", "meimei"), ("password", "correct horse battery"), ("next", to_comments.as_str())];
    assert_eq!(form(&app, &visitor, "/login", &fields).await.headers.get("location").unwrap(), to_comments.as_str());
    for elsewhere in ["https://evil.example/x", "//evil.example/x", "/\\evil.example", "/\t/evil.example"] {
        let fields = [("username", "meimei"), ("password", "correct horse battery"), ("next", elsewhere)];
        assert_eq!(form(&app, &visitor, "/login", &fields).await.headers.get("location").unwrap(), "/", "{elsewhere}");
    }

    // A new member signs up from there: interests first, then the note.
    let fields = [("username", "newbie"), ("password", "correct horse battery"), ("next", note.as_str())];
    let signed_up = form(&app, &Client { ip: Some([10, 9, 9, 9]), ..Client::default() }, "/signup", &fields).await;
    let welcome = signed_up.headers.get("location").unwrap().to_str().unwrap().to_owned();
    assert_eq!(welcome, format!("/welcome?next={}", note.replace('/', "%2F")));
    let newbie = Client { cookie: signed_up.session_cookie(), ..Client::default() };
    let page = app.get(&newbie, &welcome).await;
    let newbie = Client { csrf: Some(csrf_of(&page)), ..newbie };
    assert!(page.text().contains(&format!("name=\"next\" value=\"{note}\"")));
    let saved = form(&app, &newbie, "/welcome", &[("topic", "tea"), ("next", &note)]).await;
    assert_eq!(saved.headers.get("location").unwrap().to_str().unwrap(), format!("{note}?done=interests_saved"));
}

/// The settings page's avatar form, sent with `bytes` as the file.
async fn upload_avatar(app: &TestApp, client: &Client, bytes: &[u8]) -> TestResponse {
    let boundary = "avatar-boundary-77";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"me.png\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("/settings/avatar?_csrf={}", client.csrf.clone().unwrap()))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .header("origin", ORIGIN)
        .header("cookie", client.cookie.clone().unwrap())
        .body(Body::from(body))
        .unwrap();
    app.raw(request, [127, 0, 0, 1]).await
}

async fn an_uploaded_avatar_shows_wherever_the_member_does(t: TestDb) {
    let app = TestApp::new(t).await;
    let member = app.signup("meimei").await;
    let photo = vec![carmine_media::fixtures::jpeg(400, 400)];
    let fields = [("title", "头像测试"), ("body", "hello"), ("visibility", "public"), ("action", "publish")];
    assert_eq!(compose(&app, &member, &fields, &photo, true).await.status, 303);

    // Not an image: refused, nothing changes.
    let refused = upload_avatar(&app, &member, b"<svg onload=alert(1)>").await;
    assert_eq!(refused.status, 415, "{}", refused.text());
    assert!(app.get(&member, "/api/v1/me").await.json()["user"]["avatar_url"].is_null());

    let uploaded = upload_avatar(&app, &member, &carmine_media::fixtures::png(300, 300)).await;
    assert_eq!(uploaded.headers.get("location").unwrap(), "/settings?done=avatar_saved");
    let avatar = app.get(&member, "/api/v1/me").await.json()["user"]["avatar_url"].as_str().unwrap().to_owned();
    assert!(avatar.starts_with("/media/") && avatar.ends_with("/grid.jpg"), "{avatar}");
    assert_eq!(app.get(&Client::default(), &avatar).await.headers.get("content-type").unwrap(), "image/jpeg");
    app.sync().await;
    let shown = format!("<img class=\"avatar large\" src=\"{avatar}\"");
    assert!(app.get(&Client::default(), "/u/meimei").await.text().contains(&shown), "on her profile");
    let card = format!("<img class=\"avatar tiny\" src=\"{avatar}\"");
    assert!(app.get(&Client::default(), "/u/meimei").await.text().contains(&card), "on her cards");
    assert!(
        app.get(&member, "/").await.text().contains(&format!("<img class=\"avatar\" src=\"{avatar}\"")),
        "in her menu"
    );

    let removed = form(&app, &member, "/settings/avatar/remove", &[]).await;
    assert_eq!(removed.headers.get("location").unwrap(), "/settings?done=avatar_removed");
    assert!(!app.get(&Client::default(), "/u/meimei").await.text().contains(&shown));
}

async fn profiles_show_notes_boards_and_what_the_member_liked(t: TestDb) {
    let app = TestApp::new(t).await;
    let author = app.signup("meimei").await;
    let photo = vec![carmine_media::fixtures::jpeg(400, 400)];
    let fields = [("title", "桂花糕"), ("body", "秋天的味道"), ("visibility", "public"), ("action", "publish")];
    let note = publish(&app, &author, &fields, &photo).await;
    let note_id = note.trim_start_matches("/notes/").to_owned();
    let reader = app.signup("lanlan").await;
    app.post(&reader, &format!("/api/v1/notes/{note_id}/like"), serde_json::json!({})).await.assert_status(200);
    app.post(&reader, &format!("/api/v1/notes/{note_id}/save"), serde_json::json!({})).await;

    // The author's page counts the likes and saves her notes received.
    let profile = app.get(&Client::default(), "/u/meimei").await.text();
    assert!(profile.contains("<span id=\"received\"><strong>2</strong> likes &#38; saves</span>"), "{profile}");
    assert!(profile.contains("桂花糕") && !profile.contains("id=\"liked-tab\""), "no liked tab on others' pages");
    // The reader's own liked tab lists the note; nobody else can open it.
    let liked = app.get(&reader, "/u/lanlan?tab=liked").await.text();
    assert!(liked.contains("id=\"liked-tab\"") && liked.contains("桂花糕"), "{liked}");
    let peeking = app.get(&author, "/u/lanlan?tab=liked").await.text();
    assert!(!peeking.contains("桂花糕"), "another member sees the notes tab instead");
    // A note deleted since disappears from the list.
    let deleted = form(&app, &author, &format!("{note}/delete"), &[]).await;
    assert_eq!(deleted.status, 303);
    assert!(!app.get(&reader, "/u/lanlan?tab=liked").await.text().contains("桂花糕"));
    let boards = app.get(&reader, "/u/lanlan?tab=boards").await.text();
    assert!(boards.contains("id=\"board-form\""), "her boards tab offers a new board");
}

async fn topic_pages_show_a_topics_notes_and_following_it_shapes_the_feed(t: TestDb) {
    let app = TestApp::new(t).await;
    let author = app.signup("meimei").await;
    let photo = vec![carmine_media::fixtures::jpeg(400, 400)];
    for (title, body) in [("抹茶拿铁", "#下午茶 #抹茶 好喝"), ("司康", "#下午茶 配奶油"), ("跑步", "#运动 五公里")]
    {
        let fields = [("title", title), ("body", body), ("visibility", "public"), ("action", "publish")];
        assert_eq!(compose(&app, &author, &fields, &photo, true).await.status, 303);
    }
    app.sync().await;
    let visitor = Client::default();
    let page = app.get(&visitor, "/t/%E4%B8%8B%E5%8D%88%E8%8C%B6").await;
    page.assert_status(200);
    let page = page.text();
    assert!(page.contains("<h1>#下午茶</h1>") && page.contains("2 notes"), "{page}");
    assert!(page.contains("抹茶拿铁") && page.contains("司康") && !page.contains("跑步"), "{page}");
    let newest = app.get(&visitor, "/t/%E4%B8%8B%E5%8D%88%E8%8C%B6?sort=new").await.text();
    assert!(newest.find("司康").unwrap() < newest.find("抹茶拿铁").unwrap(), "the newest first");
    // Every #topic in a note links to its page.
    let note = app.get(&visitor, "/search?q=%E8%B7%91%E6%AD%A5").await.text();
    assert!(note.contains("跑步"));
    assert_eq!(app.get(&visitor, "/t/not%20a%20topic").await.status, 404);

    // Following a topic makes it one of the reader's interests; unfollowing removes it.
    let reader = app.signup("lanlan").await;
    let followed = form(&app, &reader, "/t/%E4%B8%8B%E5%8D%88%E8%8C%B6/follow", &[]).await;
    assert_eq!(followed.headers.get("location").unwrap(), "/t/%E4%B8%8B%E5%8D%88%E8%8C%B6?done=topic_followed");
    let interests = app.get(&reader, "/api/v1/me/interests").await.json();
    assert_eq!(interests["picked"], serde_json::json!(["下午茶"]), "{interests}");
    assert!(app.get(&reader, "/t/%E4%B8%8B%E5%8D%88%E8%8C%B6").await.text().contains("id=\"follow-topic\">Following<"));
    form(&app, &reader, "/t/%E4%B8%8B%E5%8D%88%E8%8C%B6/follow", &[]).await; // twice is once
    assert_eq!(app.get(&reader, "/api/v1/me/interests").await.json()["picked"], serde_json::json!(["下午茶"]));
    form(&app, &reader, "/t/%E4%B8%8B%E5%8D%88%E8%8C%B6/unfollow", &[]).await;
    assert_eq!(app.get(&reader, "/api/v1/me/interests").await.json()["picked"], serde_json::json!([]));
    // Signed out, following asks to log in first.
    assert_eq!(form(&app, &visitor, "/t/%E4%B8%8B%E5%8D%88%E8%8C%B6/follow", &[]).await.status, 303);
}

/// Width and height from a PNG's header.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    let number = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (number(16), number(20))
}

async fn the_app_installs_and_its_links_preview(t: TestDb) {
    let app = TestApp::new(t).await;
    let visitor = Client::default();
    // What a phone's browser needs to offer "Add to home screen".
    let home = app.get(&visitor, "/").await.text();
    assert!(home.contains("<link rel=\"manifest\" href=\"/manifest.webmanifest\">"));
    let manifest = app.get(&visitor, "/manifest.webmanifest").await;
    assert_eq!(manifest.headers.get("content-type").unwrap(), "application/manifest+json");
    let manifest: serde_json::Value = serde_json::from_slice(&manifest.body).unwrap();
    assert_eq!((manifest["start_url"].as_str(), manifest["display"].as_str()), (Some("/"), Some("standalone")));
    for icon in manifest["icons"].as_array().unwrap().iter().filter(|i| i["type"] == "image/png") {
        let size: u32 = icon["sizes"].as_str().unwrap().split('x').next().unwrap().parse().unwrap();
        let png = app.get(&visitor, icon["src"].as_str().unwrap()).await;
        assert_eq!(png_size(&png.body), (size, size));
    }
    let favicon = app.get(&visitor, "/favicon.ico").await;
    assert_eq!((favicon.status.as_u16(), png_size(&favicon.body)), (200, (48, 48)));

    // A public note's link shows its title, text and first image in other apps; a
    // followers-only note's link says nothing about it.
    let author = app.signup("meimei").await;
    let photo = vec![carmine_media::fixtures::jpeg(600, 800)];
    let fields =
        [("title", "西湖的早晨"), ("body", "晨跑 & coffee <b>"), ("visibility", "public"), ("action", "publish")];
    let public = publish(&app, &author, &fields, &photo).await;
    let page = app.get(&visitor, &public).await.text();
    assert!(page.contains("<meta property=\"og:title\" content=\"西湖的早晨\">"), "{page}");
    assert!(page.contains("<meta property=\"og:description\" content=\"晨跑 &#38; coffee &#60;b&#62;\">"), "{page}");
    assert!(page.contains(&format!("<meta property=\"og:url\" content=\"{ORIGIN}{public}\">")));
    assert!(page.contains(&format!("<meta property=\"og:image\" content=\"{ORIGIN}/media/")));
    let hidden = [("title", "只给粉丝"), ("body", "secret plans"), ("visibility", "followers"), ("action", "publish")];
    let hidden = publish(&app, &author, &hidden, &photo).await;
    let page = app.get(&author, &hidden).await.text();
    assert!(page.contains("只给粉丝") && !page.contains("og:title"), "no preview of a followers-only note");
}

async fn pages_json_and_assets_go_out_compressed_without_repeating_the_csrf_token(t: TestDb) {
    let app = TestApp::new(t).await;
    let member = app.signup("meimei").await;
    let encoding = |r: &TestResponse| r.headers.get("content-encoding").map(|v| v.to_str().unwrap().to_owned());
    for (path, accept, expected) in [
        ("/", "br, gzip", "br"),
        ("/static/app.css", "gzip", "gzip"),
        ("/api/v1/search?q=tea", "gzip, deflate, br", "br"),
        ("/settings", "gzip", "gzip"),
    ] {
        let response = app.send_with(&member, Method::GET, path, None, &[("accept-encoding", accept)]).await;
        assert_eq!(response.status, 200, "{path}");
        assert_eq!(encoding(&response).as_deref(), Some(expected), "{path}");
    }
    assert_eq!(encoding(&app.get(&member, "/static/app.css").await), None, "only when asked for");
    // The token a page hands out differs every time, and each one works.
    let (first, second) =
        (csrf_of(&app.get(&member, "/settings").await), csrf_of(&app.get(&member, "/settings").await));
    assert_ne!(first, second);
    for csrf in [first, second] {
        let client = Client { csrf: Some(csrf), ..member.clone() };
        let saved = form(&app, &client, "/settings/profile", &[("display_name", "美美"), ("bio", "")]).await;
        assert_eq!(saved.status, 303, "{}", saved.text());
    }
}

/// `POST /language` as the switch sends it, from the page at `referer`.
async fn switch_language(app: &TestApp, client: &Client, lang: &str, referer: &str) -> TestResponse {
    let mut body = format!("lang={lang}");
    if let Some(csrf) = &client.csrf {
        body.push_str(&format!("&_csrf={csrf}"));
    }
    let mut request = Request::builder()
        .method(Method::POST)
        .uri("/language")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", ORIGIN)
        .header("referer", referer);
    if let Some(cookie) = &client.cookie {
        request = request.header("cookie", cookie);
    }
    app.raw(request.body(Body::from(body)).unwrap(), [127, 0, 0, 1]).await
}

async fn the_interface_speaks_the_visitors_language(t: TestDb) {
    let app = TestApp::new(t).await;
    let visitor = Client::default();
    let english = app.get(&visitor, "/").await;
    assert!(english.text().contains("<html lang=\"en\">") && english.text().contains(">Home</span>"));
    let vary = english.headers.get("vary").unwrap().to_str().unwrap();
    assert!(vary.contains("Accept-Language") && vary.contains("Cookie"), "{vary}");

    // A browser asking for Chinese gets Chinese, in the frame and on error pages.
    let chinese = [("accept-language", "zh-TW,zh;q=0.9,en;q=0.5")];
    let home = app.send_with(&visitor, Method::GET, "/", None, &chinese).await.text();
    assert!(home.contains("<html lang=\"zh-CN\">") && home.contains(">首页</span>"), "{home}");
    assert!(!home.contains(">Home</span>"));
    let missing = app.send_with(&visitor, Method::GET, "/no-such-page", None, &chinese).await;
    assert_eq!(missing.status, 404);
    assert!(missing.text().contains("页面不存在") && missing.text().contains("回到首页"), "{}", missing.text());

    // API errors too: the code stays, the message is the reader's.
    let api = app.send_with(&visitor, Method::GET, "/api/v1/notes/12345", None, &chinese).await;
    assert_eq!(api.status, 404);
    assert_eq!(api.json()["error"]["code"], "note_not_found");
    assert_eq!(api.json()["error"]["message"], "没有这篇笔记");
    let english_api = app.get(&visitor, "/api/v1/notes/12345").await;
    assert_eq!(english_api.json()["error"]["message"], "no such note");

    // The switch, signed out: a cookie, and back to the page it was pressed on.
    let switched = switch_language(&app, &visitor, "zh-CN", &format!("{ORIGIN}/search?q=%E8%8C%B6")).await;
    assert_eq!(switched.status, 303);
    assert_eq!(switched.headers.get("location").unwrap(), "/search?q=%E8%8C%B6");
    let cookie = switched.headers.get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(cookie.starts_with("carmine_lang=zh-CN;"), "{cookie}");
    let with_cookie = Client { cookie: Some("carmine_lang=zh-CN".into()), ..Client::default() };
    assert!(app.get(&with_cookie, "/").await.text().contains("<html lang=\"zh-CN\">"));
    // A page on another site is never where the switch sends you.
    let elsewhere = switch_language(&app, &visitor, "en", "https://evil.example/phish").await;
    assert_eq!(elsewhere.headers.get("location").unwrap(), "/");
    // A language we do not speak changes nothing.
    let refused = switch_language(&app, &visitor, "klingon", &format!("{ORIGIN}/")).await;
    assert_eq!(refused.status, 422);
    assert!(refused.headers.get("set-cookie").is_none());

    // Signed in, the choice is the member's: it follows her to a new session and
    // beats what the browser asks for.
    let member = app.signup("meimei").await;
    let events = app.event_count().await;
    assert_eq!(switch_language(&app, &member, "zh-CN", &format!("{ORIGIN}/settings")).await.status, 303);
    assert_eq!(app.event_count().await, events + 1, "the setting is a profile change");
    let again = TestApp::client_from_login(&app.login("meimei", "correct horse battery").await);
    let english_browser = [("accept-language", "en-US")];
    let page = app.send_with(&again, Method::GET, "/", None, &english_browser).await.text();
    assert!(page.contains("<html lang=\"zh-CN\">") && page.contains("退出登录"), "{page}");
}

/// The value of the hidden `idempotency_key` of the form whose `id` is given.
fn form_key(html: &str, form_id: &str) -> String {
    let form = &html[html.find(&format!("id=\"{form_id}\"")).expect("the form")..];
    let start = form.find("name=\"idempotency_key\" value=\"").expect("an idempotency key") + 30;
    form[start..start + form[start..].find('"').unwrap()].to_owned()
}

async fn money_through_pages(t: TestDb) {
    let app = TestApp::new(t).await;
    let admin = app.admin("root").await;
    let buyer = app.signup("buyer").await;
    let creator = app.signup("creator").await;
    let wallet = app.get(&buyer, "/wallet").await;
    wallet.assert_status(200);
    let buyer = Client { csrf: Some(csrf_of(&wallet)), ..buyer };
    let key = form_key(&wallet.text(), "top-up-form");
    // A pack paid on the sandbox's hosted page, then back to our payment page.
    let fields = [("amount_minor", "3000"), ("method", "sandbox_checkout"), ("idempotency_key", key.as_str())];
    let started = form(&app, &buyer, "/wallet/top-up", &fields).await;
    let checkout = started.headers.get("location").unwrap().to_str().unwrap().to_owned();
    assert!(checkout.starts_with("/sandbox/checkout/sbx_ch_"), "{checkout}");
    // The same form sent twice goes to the same payment.
    let twice = form(&app, &buyer, "/wallet/top-up", &fields).await;
    assert_eq!(twice.headers.get("location").unwrap().to_str().unwrap(), checkout);
    let page = app.get(&buyer, &checkout).await.text();
    assert!(page.contains("¥30.00") && page.contains("id=\"sandbox-pay\""), "{page}");
    let paid = form(&app, &buyer, &checkout, &[("outcome", "pay")]).await;
    let back = paid.headers.get("location").unwrap().to_str().unwrap().to_owned();
    assert!(back.starts_with("/wallet/payments/"), "{back}");
    assert!(app.get(&buyer, &back).await.text().contains("data-status=\"succeeded\""));
    let wallet = app.get(&buyer, "/wallet").await.text();
    assert!(wallet.contains("id=\"coin-balance\">300<"), "{wallet}");

    // A gift from the creator's profile (its sheet says what the buyer has); the creator withdraws it.
    let profile = app.get(&buyer, "/u/creator").await.text();
    assert!(profile.contains("<p class=\"muted small\" id=\"gift-balance\">You have 300 coins · "), "{profile}");
    let gift_key = form_key(&profile, "gift-form");
    let sent = form(&app, &buyer, "/u/creator/gift", &[("coins", "200"), ("idempotency_key", &gift_key)]).await;
    assert_eq!(sent.headers.get("location").unwrap(), "/u/creator?done=gift_sent");
    let again = form(&app, &buyer, "/u/creator/gift", &[("coins", "200"), ("idempotency_key", &gift_key)]).await;
    assert_eq!(again.headers.get("location").unwrap(), "/u/creator?done=gift_sent", "the same form twice is one gift");
    let broke = form(&app, &buyer, "/u/creator/gift", &[("coins", "5000"), ("idempotency_key", "other")]).await;
    assert_eq!(broke.headers.get("location").unwrap(), "/u/creator?done=gift_insufficient_funds");
    let refused = app.get(&buyer, "/u/creator?done=gift_insufficient_funds").await.text();
    assert!(refused.contains("<p class=\"error\" role=\"alert\">"), "a refusal reads as one: {refused}");
    // The creator hears about it, once.
    app.sync().await;
    let notifications = app.get(&creator, "/api/v1/notifications").await.json();
    let gifts: Vec<_> = notifications["items"].as_array().unwrap().iter().filter(|n| n["kind"] == "gift").collect();
    assert_eq!(gifts.len(), 1, "{notifications}");
    assert_eq!((gifts[0]["actor_handle"].as_str(), gifts[0]["coins"].as_i64()), (Some("buyer"), Some(200)));
    let page = app.get(&creator, "/notifications").await.text();
    assert!(page.contains("sent you a gift of 200 coins"), "{page}");
    let creator_wallet = app.get(&creator, "/wallet").await;
    creator_wallet.assert_status(200);
    assert!(creator_wallet.text().contains("id=\"earnings-available\">¥10.00<"));
    let creator = Client { csrf: Some(csrf_of(&creator_wallet)), ..creator };
    let saved = form(
        &app,
        &creator,
        "/wallet/payout-account",
        &[("holder_name", "创作者 Li"), ("account_number", "6222020200112233")],
    )
    .await;
    assert_eq!(saved.headers.get("location").unwrap(), "/wallet?done=payout_account_saved");
    let wallet = app.get(&creator, "/wallet").await.text();
    assert!(wallet.contains("Gift received") && !wallet.contains("Gift received ·"), "no ledger memo: {wallet}");
    let key = form_key(&wallet, "withdraw-form");
    let bad = form(&app, &creator, "/wallet/payouts", &[("amount", "12.345"), ("idempotency_key", &key)]).await;
    assert_eq!(bad.status, 422);
    let asked = form(&app, &creator, "/wallet/payouts", &[("amount", "8.50"), ("idempotency_key", &key)]).await;
    assert_eq!(asked.headers.get("location").unwrap(), "/wallet?done=payout_requested");
    let admin_page = app.get(&admin, "/admin/payouts").await;
    assert!(admin_page.text().contains("name=\"_csrf\""), "{}", admin_page.text());
    let admin = Client { csrf: Some(csrf_of(&admin_page)), ..admin };
    form(&app, &admin, "/admin/payouts/batch", &[]).await;
    let wallet = app.get(&creator, "/wallet").await.text();
    assert!(wallet.contains("data-status=\"paid\"") && wallet.contains("id=\"earnings-available\">¥1.50<"), "{wallet}");

    // An organization's money, a section of its console, reached from its page by an owner.
    app.post(&buyer, "/api/v1/orgs", serde_json::json!({ "handle": "shopfront", "name": "Shop", "kind": "merchant" }))
        .await
        .assert_status(201);
    assert!(app.get(&buyer, "/o/shopfront").await.text().contains("href=\"/o/shopfront/manage\""));
    assert!(app.get(&buyer, "/o/shopfront/manage").await.text().contains("href=\"/o/shopfront/money\""));
    let org_page = app.get(&buyer, "/o/shopfront/money").await.text();
    let org_key = form_key(&org_page, "org-top-up-form");
    let topped = form(
        &app,
        &buyer,
        "/o/shopfront/money/top-up",
        &[("purpose", "ad_balance"), ("amount", "1000"), ("method", "sandbox_success"), ("idempotency_key", &org_key)],
    )
    .await;
    let back = topped.headers.get("location").unwrap().to_str().unwrap().to_owned();
    assert!(back.starts_with("/o/shopfront/money?payment="), "{back}");
    let page = app.get(&buyer, &back).await.text();
    assert!(page.contains("data-status=\"succeeded\"") && page.contains("¥1,000.00"), "{page}");
    assert!(page.contains("Paid: the balance is topped up."), "in plain words: {page}");
    assert!(page.contains("Added · Ad balance") && !page.contains("ad_balance<"), "{page}");
    let own = app.get(&buyer, "/wallet").await.text();
    assert!(!own.contains("¥1,000.00"), "the brand's top-up is not in the owner's own wallet: {own}");
    app.get(&creator, "/o/shopfront/money").await.assert_status(404);

    // The operator's statement: every stream, the chart, the CSV, balanced books.
    let revenue = app.get(&admin, "/admin/revenue").await;
    revenue.assert_status(200);
    let html = revenue.text();
    assert!(html.contains("<svg") && html.contains("id=\"revenue-chart\""), "{html}");
    for stream in [
        "Advertising",
        "Commerce commissions",
        "Gifts",
        "Marketplace facilitation fees",
        "SaaS subscriptions",
        "Data products",
        "Referral fees",
    ] {
        assert!(html.contains(stream), "{stream}");
    }
    assert!(html.contains("id=\"revenue-total\">¥10.00<") && html.contains("data-clean=\"true\""), "{html}");
    app.get(&admin, "/admin/revenue?period=week").await.assert_status(422);
    app.get(&buyer, "/admin/revenue").await.assert_status(403);
    let monthly = app.get(&admin, "/admin/revenue?from=2025-12-01&to=2026-01-31&period=month").await.text();
    assert!(monthly.contains(">2025-12<") && monthly.contains(">2026-01<"), "{monthly}");
}

pub(crate) async fn form(app: &TestApp, client: &Client, path: &str, fields: &[(&str, &str)]) -> TestResponse {
    form_with(app, client, path, fields, &[]).await
}

/// A form posted with extra headers (`accept-language`, …).
pub(crate) async fn form_with(
    app: &TestApp,
    client: &Client,
    path: &str,
    fields: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> TestResponse {
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
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    app.raw(request.body(Body::from(body.join("&"))).unwrap(), [127, 0, 0, 1]).await
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
    assert!(home.text().contains("<strong>@meimei</strong>"), "the account menu names the member: {}", home.text());
    assert!(home.text().contains("id=\"waterfall\""));
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
    assert!(refused.text().contains("Display name can&#39;t be empty"), "{}", refused.text());

    let token = form(&app, &client, "/settings/tokens", &[("name", "shop sync")]).await;
    assert_eq!(token.status, 200);
    assert!(token.text().contains("crm_"), "the new token is shown once");

    let wrong =
        form(&app, &client, "/settings/password", &[("current_password", "nope"), ("new_password", "another horse")])
            .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.text().contains("The current password is wrong"));

    let out = form(&app, &client, "/logout", &[]).await;
    assert_eq!(out.status, 303);
    app.get(&client, "/api/v1/me").await.assert_error(401, "unauthenticated");
    let bad_login = form(&app, &anonymous, "/login", &[("username", "meimei"), ("password", "wrong password")]).await;
    assert_eq!(bad_login.status, 401);
    assert!(bad_login.text().contains("Wrong username or password"));
    let login = form(&app, &anonymous, "/login", &[("username", "MeiMei"), ("password", "correct horse")]).await;
    assert_eq!(login.status, 303);
    assert!(login.session_cookie().is_some());
    // Member pages send logged-out visitors to the log-in page, and back after it.
    let settings = app.get(&anonymous, "/settings").await;
    assert_eq!(
        (settings.status.as_u16(), settings.headers.get("location").unwrap().to_str().unwrap()),
        (303, "/login?next=%2Fsettings")
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
    // A new organization opens on its console, apart from its public page.
    assert!(created.headers.get("location").unwrap().to_str().unwrap().starts_with("/o/tea_house/manage?"));
    let public = app.get(&owner, "/o/tea_house").await.text();
    assert!(public.contains("茶馆 Tea House") && public.contains("id=\"org-manage-link\""));
    assert!(!public.contains("id=\"invite-form\""), "management is not on the public page");
    let console = app.get(&owner, "/o/tea_house/manage").await.text();
    for section in ["/o/tea_house/manage/team", "/o/tea_house/manage/verification", "/o/tea_house/money"] {
        assert!(console.contains(&format!("href=\"{section}\"")), "{section} in {console}");
    }
    assert!(app.get(&owner, "/o/tea_house/manage/team").await.text().contains("id=\"invite-form\""));
    assert!(app.get(&owner, "/o/tea_house/manage/verification").await.text().contains("Request verification"));

    let staff = app.signup("writer").await;
    let invited = form(&app, &owner, "/o/tea_house/invite", &[("username", "writer"), ("role", "staff")]).await;
    assert_eq!(invited.headers.get("location").unwrap(), "/o/tea_house/manage/team?done=member_invited");
    let orgs = app.get(&staff, "/orgs").await.text();
    assert!(orgs.contains("invites you as"));
    let invitation =
        app.get(&staff, "/api/v1/me/invitations").await.json()["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(form(&app, &staff, &format!("/invitations/{invitation}/accept"), &[]).await.status, 303);
    let staff_view = app.get(&staff, "/o/tea_house/manage/team").await.text();
    assert!(staff_view.contains("Your role: Staff"), "{staff_view}");
    assert!(!staff_view.contains("id=\"invite-form\""), "staff cannot invite");
    assert!(!staff_view.contains("href=\"/o/tea_house/money\""), "nor see the money");
    let refused = form(&app, &staff, "/o/tea_house/profile", &[("name", "mine")]).await;
    assert_eq!(refused.status, 403);

    let outsider = app.get(&Client::default(), "/o/tea_house").await.text();
    assert!(
        outsider.contains("茶馆 Tea House") && !outsider.contains("org-manage-link"),
        "the public sees the profile"
    );
    // A member of no part of it finds no console there.
    let stranger = app.signup("stranger").await;
    for section in ["/o/tea_house/manage", "/o/tea_house/manage/team", "/o/tea_house/manage/verification"] {
        assert_eq!(app.get(&stranger, section).await.status, 404, "{section}");
    }

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
    assert!(app.get(&admin, "/admin/audit").await.text().contains("Suspended a member"));
}

/// Posts the compose form as a browser without JavaScript would: multipart, with the
/// CSRF token in the action URL.
async fn compose(
    app: &TestApp,
    client: &Client,
    fields: &[(&str, &str)],
    images: &[Vec<u8>],
    with_token: bool,
) -> TestResponse {
    post_multipart(app, client, "/compose", fields, images, with_token).await
}

/// A multipart form post (compose and edit), the CSRF token in the action URL.
pub(crate) async fn post_multipart(
    app: &TestApp,
    client: &Client,
    path: &str,
    fields: &[(&str, &str)],
    images: &[Vec<u8>],
    with_token: bool,
) -> TestResponse {
    let boundary = "compose-boundary-3f9a";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    for image in images {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"images\"; filename=\"p.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(image);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let uri = if with_token { format!("{path}?_csrf={}", client.csrf.clone().unwrap()) } else { path.to_owned() };
    let request = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .header("origin", ORIGIN)
        .header("cookie", client.cookie.clone().unwrap())
        .body(Body::from(body))
        .unwrap();
    app.raw(request, [127, 0, 0, 1]).await
}

async fn composing_reading_editing_and_deleting_a_note_through_pages(t: TestDb) {
    let app = TestApp::new(t).await;
    let mut author = app.signup("lanlan").await;
    author.csrf = Some(csrf_of(&app.get(&author, "/compose").await));
    app.signup("meimei").await;
    let photos = vec![carmine_media::fixtures::jpeg(400, 600), carmine_media::fixtures::png(500, 500)];
    let fields = [
        ("title", "周末去杭州"),
        ("body", "西湖边的咖啡 #旅行#推荐 with @meimei"),
        ("topics", "杭州, coffee"),
        ("visibility", "public"),
        ("action", "publish"),
    ];

    let events = app.event_count().await;
    assert_eq!(
        compose(&app, &author, &fields, &photos, false).await.status,
        403,
        "the token travels in the action URL"
    );
    let refused = compose(&app, &author, &fields, &[carmine_media::fixtures::svg()], true).await;
    assert_eq!(refused.status, 415);
    assert!(
        refused.text().contains("Send a JPEG, PNG or WebP image") && refused.text().contains("周末去杭州"),
        "the form comes back filled"
    );
    assert_eq!(app.event_count().await, events);

    let posted = compose(&app, &author, &fields, &photos, true).await;
    assert_eq!(posted.status, 303, "{}", posted.text());
    let location = posted.headers.get("location").unwrap().to_str().unwrap().to_owned();
    assert!(location.starts_with("/notes/"));
    let page = app.get(&Client::default(), &location).await.text();
    assert!(page.contains("<h1>周末去杭州</h1>"));
    assert_eq!(page.matches("/detail.jpg\" width=").count(), 2, "a carousel of both images");
    assert!(page.contains("<a class=\"topic\" href=\"/t/%E6%97%85%E8%A1%8C\">#旅行</a>"), "{page}");
    assert!(page.contains("<a href=\"/u/meimei\">@meimei</a>"));
    // Each topic once: those in the text link there, the others follow as chips.
    for topic in ["#旅行<", "#杭州<", "#coffee<"] {
        assert_eq!(page.matches(topic).count(), 1, "{topic} shown once: {page}");
    }
    assert!(!page.contains("/edit"), "strangers cannot edit");

    app.sync().await;
    let home = app.get(&Client::default(), "/").await.text();
    assert!(home.contains("周末去杭州") && home.contains("/grid.jpg"));
    // The 400×600 cover is cropped to 3:4 on its card (tall photos never take a column).
    assert!(home.contains("width=\"400\" height=\"533\""), "{home}");
    let profile = app.get(&Client::default(), "/u/lanlan").await.text();
    assert!(profile.contains("周末去杭州") && profile.contains("0</strong> followers"));

    let note_path = location.split('?').next().unwrap().to_owned();
    // Edit: drop the first image, keep the second, add a third.
    let images = app.get(&author, &format!("/api/v1{note_path}")).await.json()["images"].clone();
    let (first, second) = (images[0]["id"].as_str().unwrap().to_owned(), images[1]["id"].as_str().unwrap().to_owned());
    let edit_page = app.get(&author, &format!("{note_path}/edit")).await.text();
    assert!(edit_page.contains(&format!("name=\"keep\" value=\"{first}\" checked")));
    let fields = [("title", "周末去杭州！"), ("body", "改了"), ("visibility", "followers"), ("keep", second.as_str())];
    let added = vec![carmine_media::fixtures::webp(200, 300)];
    let edited = post_multipart(&app, &author, &format!("{note_path}/edit"), &fields, &added, true).await;
    assert_eq!(edited.status, 303, "{}", edited.text());
    let images = app.get(&author, &format!("/api/v1{note_path}")).await.json()["images"].clone();
    assert_eq!(images.as_array().unwrap().len(), 2);
    assert_eq!(images[0]["id"], second.as_str());
    let none_left = [("title", "x"), ("visibility", "followers")];
    assert_eq!(
        post_multipart(&app, &author, &format!("{note_path}/edit"), &none_left, &[], true).await.status,
        422,
        "a published note keeps an image"
    );
    assert_eq!(app.get(&Client::default(), &note_path).await.status, 404, "now followers only");

    let reader = app.signup("reader").await;
    let mut reader = reader;
    reader.csrf = Some(csrf_of(&app.get(&reader, "/u/lanlan").await));
    let followed = form(&app, &reader, "/follow/lanlan", &[("return_to", &note_path)]).await;
    assert_eq!(followed.headers.get("location").unwrap(), note_path.as_str());
    assert!(app.get(&reader, &note_path).await.text().contains("周末去杭州！"));
    assert!(app.get(&reader, "/following").await.text().contains("周末去杭州！"));
    let evil = form(&app, &reader, "/unfollow/lanlan", &[("return_to", "//evil.example/")]).await;
    assert_eq!(evil.headers.get("location").unwrap(), "/u/lanlan", "no open redirect");

    assert_eq!(
        form(&app, &reader, &format!("{note_path}/delete"), &[]).await.status,
        404,
        "unfollowed: the note is gone for them"
    );
    form(&app, &reader, "/follow/lanlan", &[]).await;
    assert_eq!(form(&app, &reader, &format!("{note_path}/delete"), &[]).await.status, 403, "visible, but not theirs");
    assert_eq!(form(&app, &author, &format!("{note_path}/delete"), &[]).await.status, 303);
    assert_eq!(app.get(&author, &note_path).await.status, 404);
}

async fn liking_commenting_and_notifications_through_pages(t: TestDb) {
    let app = TestApp::new(t).await;
    let (author, note_path) = author_with_note(&app, "今日穿搭").await;

    let mut fan = app.signup("fan_1").await;
    fan.csrf = Some(csrf_of(&app.get(&fan, &note_path).await));
    assert_eq!(form(&app, &fan, &format!("{note_path}/like"), &[]).await.status, 303);
    let page = app.get(&fan, &note_path).await.text();
    assert!(page.contains("data-liked=\"true\"") && page.contains("<span class=\"like-count\">1</span>"));
    assert!(page.contains("href=\"/u/lanlan#gift\" id=\"gift-link\""), "a gift from the note: {page}");
    assert!(app.get(&fan, "/u/lanlan").await.text().contains("<details class=\"sheet gift\" id=\"gift\">"));
    let refused = form(&app, &fan, &format!("{note_path}/comments"), &[("body", "   ")]).await;
    assert_eq!(refused.status, 422);
    assert!(refused.text().contains("Text can&#39;t be empty"));
    let commented = form(&app, &fan, &format!("{note_path}/comments"), &[("body", "好好看！@lanlan 求链接")]).await;
    assert_eq!(commented.status, 303);
    assert!(commented.headers.get("location").unwrap().to_str().unwrap().contains("#c"));
    let page = app.get(&Client::default(), &note_path).await.text();
    assert!(page.contains("好好看！@lanlan 求链接") && page.contains("Comments (1)"));

    let notifications = app.get(&author, "/notifications").await.text();
    for expected in ["liked your note", "commented on your note", "mentioned you in", "今日穿搭", "class=\"unread\""]
    {
        assert!(notifications.contains(expected), "missing {expected}");
    }
    assert_eq!(form(&app, &author, "/notifications/read", &[]).await.status, 303);
    assert!(!app.get(&author, "/notifications").await.text().contains("class=\"unread\""));
}

async fn saving_into_boards_through_pages(t: TestDb) {
    let app = TestApp::new(t).await;
    let (author, note_path) = author_with_note(&app, "收藏我").await;

    let mut reader = app.signup("reader").await;
    reader.csrf = Some(csrf_of(&app.get(&reader, "/u/reader").await));
    let created = form(&app, &reader, "/boards", &[("name", "穿搭 outfits"), ("visibility", "public")]).await;
    assert_eq!(created.status, 303);
    let board_path = created.headers.get("location").unwrap().to_str().unwrap().split('?').next().unwrap().to_owned();
    let board_id = board_path.trim_start_matches("/boards/").to_owned();
    assert!(
        app.get(&reader, &note_path)
            .await
            .text()
            .contains(&format!("<option value=\"{board_id}\">穿搭 outfits</option>"))
    );
    assert_eq!(form(&app, &reader, &format!("{note_path}/save"), &[("board_id", &board_id)]).await.status, 303);
    assert!(app.get(&reader, &note_path).await.text().contains("id=\"unsave\""));
    assert!(app.get(&Client::default(), &board_path).await.text().contains("收藏我"));
    assert!(app.get(&Client::default(), "/u/reader?tab=boards").await.text().contains("穿搭 outfits"));
    assert!(app.get(&author, "/notifications").await.text().contains("saved your note"));

    assert_eq!(form(&app, &reader, &format!("{board_path}/delete"), &[]).await.status, 303);
    assert!(app.get(&reader, "/saved").await.text().contains("收藏我"), "still saved, in Saved");
    assert_eq!(form(&app, &reader, &format!("{note_path}/unsave"), &[]).await.status, 303);
    assert!(!app.get(&reader, "/saved").await.text().contains("收藏我"));
    assert_eq!(app.get(&Client::default(), "/saved").await.status, 303, "log in first");
}

async fn reporting_and_the_admin_queue_through_pages(t: TestDb) {
    let app = TestApp::new(t).await;
    let (_author, note_path) = author_with_note(&app, "可疑的广告").await;
    let note_id = note_path.trim_start_matches("/notes/").to_owned();

    let mut reader = app.signup("reader").await;
    let page = app.get(&reader, &note_path).await;
    reader.csrf = Some(csrf_of(&page));
    assert!(page.text().contains("Send report"));
    let sent = form(
        &app,
        &reader,
        "/reports",
        &[("target_kind", "note"), ("target_id", &note_id), ("reason", "spam"), ("return_to", &note_path)],
    )
    .await;
    assert_eq!(sent.status, 303);
    assert!(
        app.get(&reader, sent.headers.get("location").unwrap().to_str().unwrap())
            .await
            .text()
            .contains("with our moderators")
    );

    let profile = app.get(&reader, "/u/lanlan").await.text();
    assert!(profile.contains("id=\"block\"") && profile.contains("id=\"mute\""));
    assert_eq!(form(&app, &reader, "/mute/lanlan", &[]).await.headers.get("location").unwrap(), "/u/lanlan?done=muted");
    assert!(app.get(&reader, "/u/lanlan?done=muted").await.text().contains("Unmute"));

    let mut admin = app.admin("root").await;
    let queue = app.get(&admin, "/admin/reports").await;
    admin.csrf = Some(csrf_of(&queue));
    assert!(queue.text().contains("可疑的广告") && queue.text().contains("reported by @reader"));
    let report_id = queue.text().split("/admin/reports/").nth(1).unwrap().split('/').next().unwrap().to_owned();
    let refused = form(&app, &admin, &format!("/admin/reports/{report_id}/resolve"), &[("action", "limit")]).await;
    assert_eq!(refused.status, 422, "a reason is required");
    let decided = form(
        &app,
        &admin,
        &format!("/admin/reports/{report_id}/resolve"),
        &[("action", "limit"), ("reason", "ad spam")],
    )
    .await;
    assert_eq!(decided.status, 303);
    assert!(app.get(&admin, "/admin/reports").await.text().contains("No open reports."));
    assert_eq!(app.get(&Client::default(), &note_path).await.status, 404, "limited to followers");
    assert_eq!(app.get(&admin, &note_path).await.status, 200, "administrators still see it");
    assert!(app.get(&admin, "/admin/audit").await.text().contains("Resolved a report"));
    assert_eq!(app.get(&reader, "/admin/reports").await.status, 403);
}

/// `lanlan`, logged in with a CSRF token, and the path of a note she posted through the compose page.
async fn author_with_note(app: &TestApp, title: &str) -> (Client, String) {
    let mut author = app.signup("lanlan").await;
    author.csrf = Some(csrf_of(&app.get(&author, "/compose").await));
    let fields = [("title", title), ("action", "publish")];
    let path = publish(app, &author, &fields, &[carmine_media::fixtures::jpeg(300, 400)]).await;
    (author, path)
}

/// Publishes through the compose form; the new note's path.
async fn publish(app: &TestApp, author: &Client, fields: &[(&str, &str)], images: &[Vec<u8>]) -> String {
    let posted = compose(app, author, fields, images, true).await;
    assert_eq!(posted.status, 303, "{}", posted.text());
    posted.headers.get("location").unwrap().to_str().unwrap().split('?').next().unwrap().to_owned()
}

async fn scheduling_statistics_and_jobs_through_pages(t: TestDb) {
    let app = TestApp::new(t).await;
    let mut author = app.signup("lanlan").await;
    author.csrf = Some(csrf_of(&app.get(&author, "/compose").await));
    // 09:30 in Beijing (UTC+8) on the test's first day is 01:30 UTC.
    let fields =
        [("title", "早安 schedule"), ("action", "schedule"), ("publish_at", "2026-01-01T09:30"), ("utc_offset", "480")];
    let posted = compose(&app, &author, &fields, &[carmine_media::fixtures::jpeg(300, 400)], true).await;
    assert_eq!(posted.status, 303, "{}", posted.text());
    let location = posted.headers.get("location").unwrap().to_str().unwrap().to_owned();
    assert!(location.ends_with("done=note_scheduled"), "{location}");
    let path = location.split('?').next().unwrap().to_owned();
    let page = app.get(&author, &path).await.text();
    assert!(page.contains("It publishes itself at <time datetime=\"2026-01-01T01:30:00Z\""), "{page}");
    assert!(!page.contains("id=\"note-stats\""), "no statistics before it is published");

    let no_time = [("title", "x"), ("action", "schedule"), ("publish_at", "")];
    let refused = compose(&app, &author, &no_time, &[carmine_media::fixtures::jpeg(30, 40)], true).await;
    assert_eq!(refused.status, 422);
    assert!(refused.text().contains("pick a date and time"), "{}", refused.text());

    app.clock.advance_seconds(2 * 3600);
    assert_eq!(app.run_jobs().await.succeeded, 1);
    app.sync().await;
    let published = app.get(&author, &path).await.text();
    assert!(published.contains("id=\"note-stats\""), "the author sees the statistics panel");
    assert!(!published.contains("It publishes itself"));
    let reader = app.signup("reader").await;
    let seen_by_reader = app.get(&reader, &path).await;
    assert_eq!(seen_by_reader.status, 200);
    assert!(!seen_by_reader.text().contains("id=\"note-stats\""));
    assert!(seen_by_reader.text().contains("data-note="), "the page reports reads");

    let admin = app.admin("root").await;
    let jobs = app.get(&admin, "/admin/jobs?state=done").await;
    assert_eq!(jobs.status, 200);
    assert!(jobs.text().contains("notes.publish") && jobs.text().contains("note_stats.behaviour"), "{}", jobs.text());
    assert_eq!(app.get(&reader, "/admin/jobs").await.status, 403);
}

async fn the_feed_through_pages(t: TestDb) {
    let app = TestApp::new(t).await;
    let author = app.signup("lanlan").await;
    let mut notes = Vec::new();
    for title in ["抹茶拿铁", "Oolong"] {
        let media =
            app.upload(&author, &[("file", "p.jpg", &carmine_media::fixtures::jpeg(60, 80))]).await.json()["id"]
                .clone();
        let body = serde_json::json!({ "title": title, "body": "今天的茶 #tea", "media_ids": [media] });
        notes.push(app.post(&author, "/api/v1/notes", body).await.json()["id"].as_str().unwrap().to_owned());
    }
    let (note, other) = (notes[0].clone(), notes[1].clone());

    // Sign-up leads to the interest picker; picks shape the first page.
    let anonymous = Client::default();
    let signed_up =
        form(&app, &anonymous, "/signup", &[("username", "newreader"), ("password", "correct horse")]).await;
    assert_eq!(signed_up.headers.get("location").unwrap(), "/welcome");
    let mut reader = Client { cookie: signed_up.session_cookie(), ..Client::default() };
    app.sync().await;
    let welcome = app.get(&reader, "/welcome").await;
    assert!(welcome.text().contains("value=\"tea\""), "the picker offers the topics written about");
    reader.csrf = Some(csrf_of(&welcome));
    let saved = form(&app, &reader, "/welcome", &[("topic", "tea"), ("more", "露营, hiking")]).await;
    assert_eq!(saved.headers.get("location").unwrap(), "/?done=interests_saved");
    app.sync().await;
    let home = app.get(&reader, "/").await.text();
    assert!(home.contains(&format!("data-note=\"{note}\"")) && home.contains(&format!("data-note=\"{other}\"")));
    assert!(home.contains("\">New in #tea: you are among its first readers</p>"), "{home}");
    let refused = form(&app, &reader, "/welcome", &[("topic", "not a topic!")]).await;
    assert_eq!(refused.status, 422);

    // The creator's statistics panel shows the note's journey; readers get related notes.
    app.post(&reader, &format!("/api/v1/notes/{note}/like"), serde_json::json!({})).await.assert_status(200);
    app.post(&reader, &format!("/api/v1/notes/{other}/like"), serde_json::json!({})).await.assert_status(200);
    app.sync().await;
    let own = app.get(&author, &format!("/notes/{note}")).await.text();
    assert!(own.contains("id=\"pool-status\">Pool 1 · testing · 0 of 300 impressions"), "{own}");
    let read = app.get(&anonymous, &format!("/notes/{note}")).await.text();
    assert!(read.contains("id=\"related\"") && read.contains(&format!("/notes/{other}")), "{read}");
    assert!(!read.contains("pool-status"), "only the creator sees the journey");

    // The operator's feed page: fairness and any member's ranked feed.
    let admin = app.admin("root").await;
    let audited = app.signup("audited").await;
    app.put(&audited, "/api/v1/me/interests", serde_json::json!({ "topics": ["tea"] })).await.assert_status(200);
    app.sync().await;
    let page = app.get(&admin, "/admin/feed?member=audited").await;
    assert_eq!(page.status, 200);
    let page = page.text();
    assert!(page.contains("id=\"fairness\"") && page.contains("id=\"member-feed\""), "{page}");
    assert!(page.contains("interest ") && page.contains("quality "));
    assert_eq!(app.get(&admin, "/admin/feed?member=nobody_here").await.status, 404);
    assert_eq!(app.get(&reader, "/admin/feed").await.status, 403);
}

async fn search_through_pages(t: TestDb) {
    let app = TestApp::new(t).await;
    let author = app.signup("lanlan").await;
    let note = app.publish(&author, "周末露营", serde_json::json!({ "body": "湖边露营 #露营 #camping" })).await;
    let reader = app.signup("reader").await;
    app.sync().await;

    let page = app.get(&reader, &format!("/search?q={}", encode("露营"))).await;
    page.assert_status(200);
    let html = page.text();
    assert!(html.contains(&format!("data-note=\"{note}\"")) && html.contains("<mark>露营</mark>"), "{html}");
    assert!(html.contains("周末<mark>露营</mark></h3>"), "the title's match is marked too: {html}");
    let nothing = app.get(&reader, "/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E").await.text();
    assert!(!nothing.contains("these have some of them"), "no contradiction when nothing matched");
    assert!(html.contains("data-search=\""), "cards name their search");
    assert!(html.contains("id=\"search-topics\"") && html.contains("#露营"), "topics beside the notes");
    assert!(html.contains("id=\"result-count\">1 note<"));
    let none = app.get(&reader, &format!("/search?q={}&sort=newest&within=week", encode("火锅"))).await.text();
    assert!(none.contains("id=\"no-results\""));

    // Without a query: the member's history, each entry forgettable; trending.
    app.sync().await;
    let empty = app.get(&reader, "/search").await;
    let html = empty.text();
    assert!(
        html.contains("id=\"search-history\"") && html.contains("露营") && html.contains("id=\"trending\""),
        "{html}"
    );
    let reader = Client { csrf: Some(csrf_of(&empty)), ..reader };
    let forgot = form(&app, &reader, "/search/history/forget", &[("q", "露营")]).await;
    assert_eq!(forgot.headers.get("location").unwrap(), "/search?done=history_forgotten");
    let after = app.get(&reader, "/search?done=history_forgotten").await.text();
    assert!(after.contains("Forgotten.") && !after.contains("露营"), "{after}");
    app.get(&reader, "/search?q=a&sort=best").await.assert_status(422);
}
