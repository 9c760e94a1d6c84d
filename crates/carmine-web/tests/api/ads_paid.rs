//! Paid engagement: what a member does with a note a sponsored card brought them to
//! (the tap's cookie, or an API client's `Carmine-Ad-Token` header) counts for the
//! note like any other engagement and for the ad that brought it, but never for the
//! note's organic reach — the feed's counts, heat and pool progress move only with
//! organic engagement.

use carmine_ads::Pricing;
use carmine_core::Id;
use carmine_store::testing::TestDb;
use serde_json::json;

use crate::ads_billing::{running_ad, tap, token};
use crate::helpers::{Client, TestApp};

carmine_store::both_backends!(paid_engagement_counts_for_the_note_but_never_for_its_organic_reach);

/// The client with one more cookie.
fn with_cookie(client: &Client, pair: &str) -> Client {
    let cookie = match &client.cookie {
        Some(session) => format!("{session}; {pair}"),
        None => pair.to_owned(),
    };
    Client { cookie: Some(cookie), ..client.clone() }
}

async fn paid_engagement_counts_for_the_note_but_never_for_its_organic_reach(t: TestDb) {
    let app = TestApp::new(t).await;
    let (owner, _, campaign, ad, note) = running_ad(&app, 100_000, 50_000, "cpc").await;
    let note_id: Id = note.parse().unwrap();
    let reader = app.signup("ad_reader").await;
    let reader_id = app.user_id(&reader).await;
    let served = token(&app, ad, Pricing::Cpc, 120, &format!("m{reader_id}"), 5);

    // The tap opens the note and remembers the token in a cookie.
    let tapped = tap(&app, &reader, &served).await;
    tapped.assert_status(303);
    let set_cookie: Vec<&str> = tapped.headers.get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).collect();
    let ad_cookie = set_cookie.iter().find(|c| c.starts_with("carmine_ad=")).expect("the tap sets the ad cookie");
    assert!(ad_cookie.contains("HttpOnly") && ad_cookie.contains("Max-Age=5400"), "{ad_cookie}");
    let pair = ad_cookie.split(';').next().unwrap();
    let reader = with_cookie(&reader, pair);
    // A bot's tap still opens the note but makes nothing after it paid.
    let crawler = app.signup("ad_crawler").await;
    let crawler_token = token(&app, ad, Pricing::Cpc, 120, &format!("m{}", app.user_id(&crawler).await), 5);
    let crawled = app
        .send_with(
            &crawler,
            axum::http::Method::GET,
            &format!("/ads/click/{crawler_token}"),
            None,
            &[("user-agent", "Googlebot/2.1")],
        )
        .await;
    crawled.assert_status(303);
    assert!(crawled.headers.get_all("set-cookie").iter().all(|c| !c.to_str().unwrap().starts_with("carmine_ad=")));

    // Everything the reader does with the note now is paid: like, save, comment,
    // share, follow from it, and the read the page reports.
    let path = format!("/api/v1/notes/{note}");
    app.post(&reader, &format!("{path}/like"), json!({})).await.assert_status(200);
    app.post(&reader, &format!("{path}/save"), json!({})).await.assert_status(200);
    app.post(&reader, &format!("{path}/comments"), json!({ "body": "好看 nice" })).await.assert_status(201);
    app.post(&reader, &format!("{path}/share"), json!({})).await.assert_status(200);
    app.post(&reader, &format!("/api/v1/actors/glow_lab/follow?from_note={note}"), json!({})).await.assert_status(200);
    let read = json!({ "events": [
        { "client_event_id": "r1", "kind": "read", "note_id": note, "surface": "note", "dwell_ms": 30_000 }
    ] });
    assert_eq!(app.post(&reader, "/api/v1/events", read).await.json()["accepted"], 1);

    // An API client names the token in a header instead.
    let saver = app.signup("ad_saver").await;
    let saver_id = app.user_id(&saver).await;
    let saver_token = token(&app, ad, Pricing::Cpc, 120, &format!("m{saver_id}"), 5);
    let headers = [("carmine-ad-token", saver_token.as_str())];
    app.send_with(&saver, axum::http::Method::POST, &format!("{path}/like"), Some(json!({})), &headers)
        .await
        .assert_status(200);

    // A token served to someone else, or forged, makes nothing paid: organic.
    let borrower = with_cookie(&app.signup("ad_borrower").await, pair);
    app.post(&borrower, &format!("{path}/like"), json!({})).await.assert_status(200);
    let forger = with_cookie(&app.signup("ad_forger").await, &format!("carmine_ad={}x", &served[..served.len() - 1]));
    app.post(&forger, &format!("{path}/like"), json!({})).await.assert_status(200);
    app.sync().await;

    // The note counts every like, save, comment, share and read …
    let stats = app.get(&owner, &format!("{path}/stats")).await.json();
    let totals = &stats["totals"];
    assert_eq!(
        [&totals["likes"], &totals["saves"], &totals["comments"], &totals["shares"], &totals["reads"]],
        [&json!(4), &json!(1), &json!(1), &json!(1), &json!(1)],
        "{stats}"
    );
    // … but the feed's organic counts hold only the two organic likes.
    let counts = app.services.feed.index().model().note(note_id).map(|n| n.counts).unwrap();
    assert_eq!(
        (counts.likes, counts.saves, counts.comments, counts.shares, counts.follows, counts.reads),
        (2, 0, 0, 0, 0, 0),
        "paid engagement never moves organic reach"
    );

    // The ad is credited with what it brought, once per member and kind.
    let campaign_id: Id = campaign.parse().unwrap();
    let mut conn = app.db.reader().await.unwrap();
    let brought = carmine_store::ads::engagements_of(&mut conn, campaign_id).await.unwrap();
    drop(conn);
    let expected = [("comment", 1), ("follow", 1), ("like", 2), ("read", 1), ("save", 1), ("share", 1)];
    assert_eq!(brought, expected.map(|(k, n)| (k.to_owned(), n)));

    // Unliking a paid like leaves the organic counts where they were.
    app.delete(&reader, &format!("{path}/like"), None).await.assert_status(200);
    app.sync().await;
    let counts = app.services.feed.index().model().note(note_id).map(|n| n.counts).unwrap();
    assert_eq!(counts.likes, 2);
}
