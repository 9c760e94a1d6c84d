//! Advertising's money: served ads' tokens bill a click (CPC) or a viewable
//! impression (CPM) once, from a chunk of the advertiser's balance the campaign holds;
//! refused events are kept with their reason and bill nothing; ten thousand
//! concurrent billable events never spend past a small balance; the spend reaches the
//! revenue statement and the books reconcile.

use std::sync::Arc;

use axum::http::Method;
use carmine_ads::events::{EventInput, EventKind};
use carmine_ads::tokens::TokenData;
use carmine_ads::{FillRequest, Placement, Pricing};
use carmine_core::money::Currency;
use carmine_core::{Id, Timestamp};
use carmine_ledger::{AccountKind, AccountRef, Owner, Stream};
use carmine_store::testing::TestDb;
use serde_json::json;

use crate::ads::{campaign, cny, group};
use crate::catalogue::store;
use crate::helpers::{Client, TestApp};
use crate::orders::assert_books_balance;

carmine_store::both_backends!(
    a_click_bills_once_and_refusals_keep_their_reason,
    ten_thousand_concurrent_billable_events_never_overspend,
    sponsored_cards_reach_the_pages_of_those_targeted_within_the_cap,
    a_simulated_day_spreads_spend_and_stops_at_the_balance,
    invalid_traffic_is_found_and_credited_back,
);

const PHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148";

/// A brand with `balance` fen on its ad balance and an approved ad in a campaign of
/// `daily` fen a day; returns (owner, org id, campaign id, ad id, note id).
pub(crate) async fn running_ad(
    app: &TestApp,
    balance: i64,
    daily: i64,
    pricing: &str,
) -> (Client, Id, String, Id, String) {
    let (owner, _) = store(app, "glow_lab", "brand_official").await;
    let topped = app
        .post_keyed(
            &owner,
            "/api/v1/orgs/glow_lab/top-ups",
            "fund-ads",
            json!({ "purpose": "ad_balance", "amount": cny(balance), "method": "sandbox_success" }),
        )
        .await;
    topped.assert_status(201);
    let note = app.publish(&owner, "新品 Launch", json!({ "author": "glow_lab" })).await;
    let campaign_id = campaign(app, &owner, "glow_lab", "engagement").await;
    app.patch(
        &owner,
        &format!("/api/v1/ads/campaigns/{campaign_id}"),
        json!({ "daily_budget": cny(daily), "total_budget": null }),
    )
    .await
    .assert_status(200);
    let group_id = group(app, &owner, &campaign_id, json!(["feed"]), 150).await;
    if pricing == "cpm" {
        app.patch(&owner, &format!("/api/v1/ads/groups/{group_id}"), json!({ "pricing": "cpm", "bid": cny(3_000) }))
            .await
            .assert_status(200);
    }
    let ad = app.post(&owner, &format!("/api/v1/ads/groups/{group_id}/ads"), json!({ "note_id": note })).await.json();
    let ad_id: Id = ad["id"].as_str().unwrap().parse().unwrap();
    let operator = app.admin("op_billing").await;
    app.post(&operator, &format!("/api/v1/admin/ads/review/{ad_id}"), json!({ "decision": "approve" }))
        .await
        .assert_status(200);
    let org: Id = app.get(&owner, "/api/v1/orgs/glow_lab").await.json()["id"].as_str().unwrap().parse().unwrap();
    (owner, org, campaign_id, ad_id, note)
}

/// An event reported from a phone's browser.
pub(crate) async fn event(app: &TestApp, client: &Client, token: &str, kind: &str) -> crate::helpers::TestResponse {
    let body = json!({ "token": token, "kind": kind });
    app.send_with(client, Method::POST, "/api/v1/ads/events", Some(body), &[("user-agent", PHONE)]).await
}

/// A tap on a sponsored card from a phone's browser.
pub(crate) async fn tap(app: &TestApp, client: &Client, token: &str) -> crate::helpers::TestResponse {
    app.send_with(client, Method::GET, &format!("/ads/click/{token}"), None, &[("user-agent", PHONE)]).await
}

pub(crate) fn token(app: &TestApp, ad: Id, pricing: Pricing, price: i64, viewer: &str, slot: i64) -> String {
    app.services.ads.sign_token(&TokenData {
        ad_id: ad,
        placement: Placement::Feed,
        slot,
        pricing,
        price_minor: price,
        expires_at: app.clock.now().plus_seconds(1_800),
        viewer: viewer.to_owned(),
    })
}

async fn balance(app: &TestApp, account: AccountRef) -> (i64, i64) {
    let b = app.services.ledger.balance(account).await.unwrap();
    (b.posted, b.available)
}

fn ad_balance(org: Id) -> AccountRef {
    AccountRef::new(Owner::Org(org), AccountKind::AdBalance, Currency::CNY)
}

fn revenue() -> AccountRef {
    AccountRef::platform(AccountKind::Revenue(Stream::Advertising), Currency::CNY)
}

async fn a_click_bills_once_and_refusals_keep_their_reason(t: TestDb) {
    let app = TestApp::new(t).await;
    let (owner, org, campaign_id, ad, note) = running_ad(&app, 10_000, 5_000, "cpc").await;
    let reader = app.signup("reader").await;
    let reader_key = format!("m{}", app.user_id(&reader).await);

    // A click through the redirect bills the price in the token, once.
    let first = token(&app, ad, Pricing::Cpc, 120, &reader_key, 0);
    let opened = tap(&app, &reader, &first).await;
    assert_eq!(
        (opened.status.as_u16(), opened.headers["location"].to_str().unwrap()),
        (303, format!("/notes/{note}").as_str())
    );
    let replay = event(&app, &reader, &first, "click").await;
    replay.assert_error(409, "ad_event_replayed");
    let again = tap(&app, &reader, &first).await;
    assert_eq!(again.headers["location"].to_str().unwrap(), format!("/notes/{note}"), "a replay still opens the note");

    // A second click on the same ad within 30 seconds, another viewer's token, a bot,
    // the advertiser's own staff: recorded, not billed.
    let double = token(&app, ad, Pricing::Cpc, 120, &reader_key, 1);
    let response = event(&app, &reader, &double, "click").await.json();
    assert_eq!((response["billed"].as_bool(), response["reason"].as_str()), (Some(false), Some("double_click")));
    let stranger = app.signup("stranger").await;
    let borrowed = token(&app, ad, Pricing::Cpc, 120, &reader_key, 2);
    let response = event(&app, &stranger, &borrowed, "click").await.json();
    assert_eq!(response["reason"], "viewer_mismatch");
    let own_key = format!("m{}", app.user_id(&owner).await);
    let own = token(&app, ad, Pricing::Cpc, 120, &own_key, 0);
    let response = event(&app, &owner, &own, "click").await.json();
    assert_eq!(response["reason"], "own_staff");
    let ads = &app.services.ads;
    let stranger_id: Id = app.user_id(&stranger).await.parse().unwrap();
    let stranger_key = format!("m{stranger_id}");
    let bot_token = token(&app, ad, Pricing::Cpc, 120, &stranger_key, 0);
    let bot = EventInput {
        token: &bot_token,
        kind: EventKind::Click,
        member: Some(stranger_id),
        viewer: &stranger_key,
        user_agent: "Googlebot/2.1",
    };
    assert_eq!(ads.record_event(&bot).await.unwrap().reason, Some("bot"));
    // A suspended member's clicks bill nothing.
    let operator = app.admin("op_suspend").await;
    app.post(&operator, &format!("/api/v1/admin/users/{stranger_id}/suspend"), json!({ "reason": "click farm" }))
        .await
        .assert_status(204);
    let suspended_token = token(&app, ad, Pricing::Cpc, 120, &stranger_key, 2);
    let suspended = EventInput {
        token: &suspended_token,
        kind: EventKind::Click,
        member: Some(stranger_id),
        viewer: &stranger_key,
        user_agent: PHONE,
    };
    assert_eq!(ads.record_event(&suspended).await.unwrap().reason, Some("suspended"));

    // Forged and expired tokens are refused with their code, and bill nothing.
    let forged = first.replace(".120.", ".1.");
    event(&app, &reader, &forged, "click").await.assert_error(422, "ad_token_invalid");
    assert_eq!(tap(&app, &reader, "not-a-token").await.headers["location"], "/");
    let late = token(&app, ad, Pricing::Cpc, 120, &reader_key, 3);
    app.clock.advance_seconds(1_801);
    event(&app, &reader, &late, "click").await.assert_error(422, "ad_token_expired");
    event(&app, &reader, &late, "swipe").await.assert_error(422, "invalid_field");

    // Tapping away at one ad: the first tap bills, the next within 30 seconds are double
    // clicks, and from the tenth click in a minute the viewer is rate limited (the
    // expired click just above counts among the ten).
    let mut reasons = Vec::new();
    for slot in 0..12 {
        let fresh = token(&app, ad, Pricing::Cpc, 120, &reader_key, slot);
        let response = event(&app, &reader, &fresh, "click").await.json();
        reasons.push(response["reason"].as_str().unwrap_or("billed").to_owned());
    }
    let mut expected = vec!["billed".to_owned()];
    expected.extend(std::iter::repeat_n("double_click".to_owned(), 8));
    expected.extend(std::iter::repeat_n("rate_limited".to_owned(), 3));
    assert_eq!(reasons, expected);
    let billed_clicks = 2;

    // What was billed is held from the ad balance until the hourly close posts it.
    let mut conn = app.db.reader().await.unwrap();
    let campaign: Id = campaign_id.parse().unwrap();
    let (billed, cost, refused) = carmine_store::ads::event_totals(&mut conn, campaign).await.unwrap();
    drop(conn);
    assert_eq!((billed, cost), (billed_clicks, billed_clicks * 120_000));
    assert!(refused >= 8, "each refusal kept: {refused}");
    let (posted, available) = balance(&app, ad_balance(org)).await;
    assert_eq!(posted, 10_000, "nothing posted yet");
    assert_eq!(available, 5_000, "a chunk of ¥50 held");
    app.services.ads.close_spend().await.unwrap();
    let spent = billed_clicks * 120;
    assert_eq!(balance(&app, ad_balance(org)).await, (10_000 - spent, 10_000 - spent), "the chunk's rest came back");
    assert_eq!(balance(&app, revenue()).await.0, spent);
    let statement = app.get(&operator, "/api/v1/admin/revenue?period=day").await;
    assert!(statement.text().contains("advertising"), "{}", statement.text());
    assert_books_balance(&app).await;
}

async fn ten_thousand_concurrent_billable_events_never_overspend(t: TestDb) {
    let app = TestApp::new(t).await;
    // ¥20 on the balance, ¥1,000 a day: the balance is what stops spend, at 7 fen a click.
    let (_, org, campaign_id, ad, _) = running_ad(&app, 2_000, 100_000, "cpc").await;
    let ads = Arc::new(app.services.ads.clone());
    let tokens: Vec<(String, String)> = (0..10_000)
        .map(|n| {
            let viewer = format!("vvisitor{n:08}");
            (token(&app, ad, Pricing::Cpc, 7, &viewer, 0), viewer)
        })
        .collect();
    // All ten thousand spawned at once; as many in flight as the database pool has
    // connections (the rest wait their turn, as requests queue at a server's door,
    // instead of timing out in the pool's queue).
    let in_flight = Arc::new(tokio::sync::Semaphore::new(8));
    let mut tasks = Vec::new();
    for (token, viewer) in tokens {
        let ads = ads.clone();
        let in_flight = in_flight.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = in_flight.acquire().await.unwrap();
            let input =
                EventInput { token: &token, kind: EventKind::Click, member: None, viewer: &viewer, user_agent: PHONE };
            ads.record_event(&input).await.unwrap()
        }));
    }
    let mut billed = 0;
    let mut unbilled = 0;
    for task in tasks {
        let recorded = task.await.unwrap();
        match recorded.reason {
            None => billed += 1,
            Some("balance") => unbilled += 1,
            Some(other) => panic!("unexpected refusal {other}"),
        }
    }
    assert_eq!(billed, 2_000 / 7, "exactly what the balance covers, never more");
    assert_eq!(unbilled, 10_000 - billed);
    app.services.ads.close_spend().await.unwrap();
    let spent = billed * 7;
    assert_eq!(balance(&app, ad_balance(org)).await, (2_000 - spent, 2_000 - spent));
    assert_eq!(balance(&app, revenue()).await.0, spent);
    let mut conn = app.db.reader().await.unwrap();
    let (events, cost, _) = carmine_store::ads::event_totals(&mut conn, campaign_id.parse().unwrap()).await.unwrap();
    assert_eq!((events, cost), (billed, spent * 1_000));
    drop(conn);
    assert_books_balance(&app).await;
}

/// Creators' notes about travel, so pages have organic cards to place ads among.
async fn organic_notes(app: &TestApp, count: usize) {
    for n in 0..count {
        let creator = app.signup(&format!("creator_{n}")).await;
        // Each on a topic of its own, so the feed's per-topic cap leaves them all in.
        app.publish(&creator, &format!("旅行日记 第{n}天 #旅行{n}"), json!({})).await;
    }
}

/// The sponsored cards of a page: their click links.
fn sponsored_links(html: &str) -> Vec<String> {
    html.match_indices("href=\"/ads/click/")
        .map(|(at, _)| {
            let rest = &html[at + 6..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

async fn sponsored_cards_reach_the_pages_of_those_targeted_within_the_cap(t: TestDb) {
    let app = TestApp::new(t).await;
    let (owner, _org, campaign_id, ad, note) = running_ad(&app, 10_000, 5_000, "cpc").await;
    // A search ad of another note, for 防晒 (phrase) but not 儿童.
    let search_note = app.publish(&owner, "夏日必备 Must-haves", json!({ "author": "glow_lab" })).await;
    let search_group = app
        .post(
            &owner,
            &format!("/api/v1/ads/campaigns/{campaign_id}/groups"),
            json!({ "name": "搜索 Search", "pricing": "cpc", "bid": cny(300), "placements": ["search"],
                    "targeting": { "keywords": [{ "text": "防晒", "match": "broad" }], "negative_keywords": ["儿童"] } }),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let search_ad = app
        .post(&owner, &format!("/api/v1/ads/groups/{search_group}/ads"), json!({ "note_id": search_note }))
        .await
        .json();
    let operator = app.admin("op_pages").await;
    app.post(
        &operator,
        &format!("/api/v1/admin/ads/review/{}", search_ad["id"].as_str().unwrap()),
        json!({ "decision": "approve" }),
    )
    .await
    .assert_status(200);
    // More notes than a page holds, ten days newer than the ad's: a note shown
    // organically on a page is never its ad too, so the ad's note must rank below them.
    app.clock.advance_seconds(10 * 86_400);
    organic_notes(&app, 40).await;
    app.sync().await;

    // A member sees the feed ad at the sixth card, labelled, at most three times a day.
    let member = app.signup("reader_pages").await;
    let home = app.get(&member, "/").await.text();
    let links = sponsored_links(&home);
    let cards_shown = home.matches("class=\"card\"").count();
    assert!(
        !home.contains(&format!("data-note=\"{note}\"")),
        "the ad's note is not on the page organically ({cards_shown} cards)"
    );
    assert_eq!(links.len(), 1, "one ad, and a note once a page: the 6th card only");
    assert!(home.contains("Sponsored") && home.contains("class=\"card sponsored\""), "{home}");
    let before_ad = &home[..home.find("class=\"card sponsored\"").unwrap()];
    assert_eq!(before_ad.matches("class=\"card\"").count(), 5, "the sixth card");
    for _ in 0..2 {
        assert_eq!(sponsored_links(&app.get(&member, "/").await.text()).len(), 1);
    }
    assert!(sponsored_links(&app.get(&member, "/").await.text()).is_empty(), "the frequency cap of 3 a day");
    let chinese = app.send_with(&Client::default(), Method::GET, "/", None, &[("accept-language", "zh-CN")]).await;
    assert!(chinese.text().contains(">赞助<"), "labelled in Chinese too");

    // Tapping it opens the note and bills the click.
    let opened = tap(&app, &member, links[0].trim_start_matches("/ads/click/")).await;
    assert_eq!(opened.headers["location"].to_str().unwrap(), format!("/notes/{note}"));
    let mut conn = app.db.reader().await.unwrap();
    let (billed, cost, _) = carmine_store::ads::event_totals(&mut conn, campaign_id.parse().unwrap()).await.unwrap();
    drop(conn);
    assert_eq!(billed, 1);
    assert!(cost > 0 && cost <= 150_000, "at most the bid: {cost}");

    // A signed-out visitor gets a key of their own with their first page, and ads.
    let visitor = app.send_with(&Client::default(), Method::GET, "/", None, &[("user-agent", PHONE)]).await;
    let cookie = visitor.headers["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("carmine_vid=") && cookie.contains("HttpOnly"), "{cookie}");
    assert!(!sponsored_links(&visitor.text()).is_empty());

    // Search: the keyword's ad for searches that match it, never with the negative.
    let searcher = app.signup("searcher").await;
    let found = app.get(&searcher, &format!("/search?q={}", crate::helpers::encode("防晒霜推荐"))).await.text();
    assert!(found.contains("夏日必备 Must-haves") && !sponsored_links(&found).is_empty(), "{found}");
    let kids = app.get(&searcher, &format!("/search?q={}", crate::helpers::encode("儿童防晒霜"))).await.text();
    assert!(sponsored_links(&kids).is_empty(), "the negative keyword keeps it out");
    let other = app.get(&searcher, &format!("/search?q={}", crate::helpers::encode("护肤"))).await.text();
    assert!(sponsored_links(&other).is_empty(), "no keyword matches");

    // A paused campaign serves nothing (the owner logs in again: ten days have passed).
    let owner = TestApp::client_from_login(&app.login("glow_lab_owner", "correct horse battery").await);
    app.patch(&owner, &format!("/api/v1/ads/campaigns/{campaign_id}"), json!({ "status": "paused" }))
        .await
        .assert_status(200);
    let late = app.signup("late_reader").await;
    assert!(sponsored_links(&app.get(&late, "/").await.text()).is_empty());
    assert!(ad.as_i64() > 0);
}

/// A small deterministic generator for the simulated day.
struct Lcg(u64);

impl Lcg {
    fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A simulated day of feed traffic, hour by hour, shaped like a day (quiet nights, a
/// lunch rise, an evening peak) with noise: every page asks for ads, one in twenty
/// sponsored cards is tapped. Pacing must spread the brand's daily budget over the
/// day — not spent by noon, not before evening, nearly all of it by midnight — and
/// the second advertiser, with a small balance, must stop at its balance.
async fn a_simulated_day_spreads_spend_and_stops_at_the_balance(t: TestDb) {
    let app = TestApp::new(t).await;
    let (_, _, paced, _, _) = running_ad(&app, 100_000, 1_000, "cpc").await;
    // A second advertiser with ¥4 on its balance, bidding more.
    let (small_owner, _) = store(&app, "tiny_shop", "brand_official").await;
    app.post_keyed(
        &small_owner,
        "/api/v1/orgs/tiny_shop/top-ups",
        "fund-tiny",
        json!({ "purpose": "ad_balance", "amount": cny(400), "method": "sandbox_success" }),
    )
    .await
    .assert_status(201);
    let note = app.publish(&small_owner, "小店上新 New in", json!({ "author": "tiny_shop" })).await;
    let small = campaign(&app, &small_owner, "tiny_shop", "engagement").await;
    let small_group = group(&app, &small_owner, &small, json!(["feed"]), 300).await;
    let ad = app
        .post(&small_owner, &format!("/api/v1/ads/groups/{small_group}/ads"), json!({ "note_id": note }))
        .await
        .json();
    let operator = app.admin("op_day").await;
    app.post(
        &operator,
        &format!("/api/v1/admin/ads/review/{}", ad["id"].as_str().unwrap()),
        json!({ "decision": "approve" }),
    )
    .await
    .assert_status(200);

    let ads = &app.services.ads;
    let page: Vec<Id> = (1..=30).map(|n| Id::from_i64(900_000 + n)).collect();
    let midnight = Timestamp::parse_rfc3339("2026-01-02T00:00:00+08:00").unwrap();
    let shape = [
        1.0, 0.6, 0.4, 0.3, 0.3, 0.4, 0.8, 1.5, 2.2, 2.5, 2.6, 2.9, 3.3, 3.0, 2.7, 2.6, 2.7, 3.0, 3.3, 3.8, 4.4, 4.7,
        4.2, 2.8,
    ];
    let mut rng = Lcg(18);
    let mut spent_by_hour = Vec::new();
    let mut visitor = 0;
    for (hour, weight) in shape.iter().enumerate() {
        let pages = (weight * 18.0 * (0.8 + 0.4 * rng.unit())) as usize;
        for n in 0..pages {
            app.clock.set(midnight.plus_seconds(hour as i64 * 3_600 + (n * 3_600 / pages.max(1)) as i64));
            visitor += 1;
            let key = format!("vday{visitor:06}");
            let request = FillRequest {
                placement: Placement::Feed,
                member: None,
                viewer_key: &key,
                page_notes: &page,
                context_topics: Vec::new(),
                query: None,
            };
            for sponsored in ads.fill(&request).await.unwrap() {
                if rng.unit() < 0.25 {
                    let input = EventInput {
                        token: &sponsored.token,
                        kind: EventKind::Click,
                        member: None,
                        viewer: &key,
                        user_agent: PHONE,
                    };
                    ads.record_event(&input).await.unwrap();
                }
            }
        }
        let mut conn = app.db.reader().await.unwrap();
        let spend = carmine_store::ads::spend(&mut conn, paced.parse().unwrap()).await.unwrap();
        spent_by_hour.push(spend.map_or(0, |s| s.spent_today_millis / 1_000));
    }
    let daily = 1_000;
    assert!(spent_by_hour[11] < daily * 6 / 10, "not spent by noon: {spent_by_hour:?}");
    assert!(spent_by_hour[17] < daily, "still serving in the evening: {spent_by_hour:?}");
    assert!(
        spent_by_hour[23] >= daily * 85 / 100 && spent_by_hour[23] <= daily,
        "the day's budget used: {spent_by_hour:?}"
    );
    for (hour, spent) in spent_by_hour.iter().enumerate() {
        let at = midnight.plus_seconds(hour as i64 * 3_600 + 3_599);
        let allowed = carmine_ads::pacing::allowance(daily * 1_000, at) / 1_000;
        assert!(*spent <= allowed + 50, "hour {hour}: {spent} spent, {allowed} allowed");
    }
    // The small advertiser: never more than its ¥4.
    ads.close_spend().await.unwrap();
    let mut conn = app.db.reader().await.unwrap();
    let (_, cost, _) = carmine_store::ads::event_totals(&mut conn, small.parse().unwrap()).await.unwrap();
    drop(conn);
    assert!((200_000..=400_000).contains(&cost), "spent, and stopped at its balance: {cost}");
    assert_books_balance(&app).await;
}

async fn invalid_traffic_is_found_and_credited_back(t: TestDb) {
    let app = TestApp::new(t).await;
    let (_, org, campaign_id, ad, _) = running_ad(&app, 10_000, 5_000, "cpc").await;
    app.signup("regular_reader").await;
    app.clock.advance_seconds(2 * 86_400);
    let regular = TestApp::client_from_login(&app.login("regular_reader", "correct horse battery").await);
    let regular_key = format!("m{}", app.user_id(&regular).await);
    let ads = &app.services.ads;

    // A regular member is served the ad in their feed and taps it once: valid.
    let page: Vec<Id> = (1..=10).map(|n| Id::from_i64(800_000 + n)).collect();
    let member = Some(regular_key[1..].parse().unwrap());
    let request = FillRequest {
        placement: Placement::Feed,
        member,
        viewer_key: &regular_key,
        page_notes: &page,
        context_topics: vec![],
        query: None,
    };
    let served = ads.fill(&request).await.unwrap();
    assert_eq!(served.len(), 1);
    let kept = event(&app, &regular, &served[0].token, "click").await.json();
    assert_eq!(kept["billed"], true);
    let price = kept["cost"]["amount_minor"].as_i64().unwrap();

    // Five accounts made minutes ago tap the same ad within the hour, never served it.
    for n in 0..5 {
        let fresh = app.signup(&format!("fresh_{n}")).await;
        let key = format!("m{}", app.user_id(&fresh).await);
        let response = event(&app, &fresh, &token(&app, ad, Pricing::Cpc, 120, &key, 0), "click").await.json();
        assert_eq!(response["billed"], true, "billed when it happens");
        app.clock.advance_seconds(300);
    }
    app.clock.advance_seconds(3_600);
    app.scheduler.ensure_recurring().await.unwrap();
    app.run_jobs().await;

    let mut conn = app.db.reader().await.unwrap();
    let (_, net, _) = carmine_store::ads::event_totals(&mut conn, campaign_id.parse().unwrap()).await.unwrap();
    drop(conn);
    assert_eq!(net, (price + 5 * 120) * 1_000, "gross billed; the credit is in the ledger");
    assert_eq!(
        balance(&app, ad_balance(org)).await,
        (10_000 - price, 10_000 - price),
        "the invalid clicks credited back"
    );
    assert_eq!(balance(&app, revenue()).await.0, price);
    let spend = carmine_store::ads::spend(&mut app.db.reader().await.unwrap(), campaign_id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(spend.spent_total_millis, price * 1_000, "the budget is not used up by invalid traffic");
    assert_books_balance(&app).await;
}
