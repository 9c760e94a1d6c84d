//! The ads manager beyond create and edit: an ad group's bid forecast (the production
//! auction against the ads that may serve now), copies of a campaign or an ad group
//! (paused, their ads reviewed again, unadvertisable notes left out), a rejected ad
//! mended and submitted again, and the ad balance held for running campaigns.

use axum::http::Method;
use carmine_ads::Pricing;
use carmine_store::testing::TestDb;
use serde_json::json;

use crate::ads::{campaign, cny, group};
use crate::ads_billing::{running_ad, tap, token};
use crate::catalogue::store;
use crate::helpers::TestApp;
use crate::pages::form;

carmine_store::both_backends!(
    campaign_times_read_back_as_they_were_shown,
    the_bid_forecast_runs_the_auction_against_the_ads_serving_now,
    campaigns_and_groups_are_copied_paused_and_reviewed_again,
    a_rejected_ad_is_mended_and_submitted_again,
);

async fn campaign_times_read_back_as_they_were_shown(t: TestDb) {
    let app = TestApp::new(t).await;
    let (owner, _) = store(&app, "glow_lab", "brand_official").await;
    let id = campaign(&app, &owner, "glow_lab", "engagement").await;
    let page = format!("/o/glow_lab/manage/ads/campaigns/{id}");
    // A browser in any zone (it may send its offset): the field means Asia/Shanghai.
    let fields = [
        ("name", "Winter"),
        ("daily_budget", "500"),
        ("starts_at", "2026-01-10T09:00"),
        ("ends_at", "2026-01-31T23:00"),
        ("utc_offset", "0"),
    ];
    form(&app, &owner, &page, &fields).await.assert_status(303);
    let saved = app.get(&owner, &format!("/api/v1/ads/campaigns/{id}")).await.json();
    assert_eq!(
        (&saved["starts_at"], &saved["ends_at"]),
        (&json!("2026-01-10T01:00:00Z"), &json!("2026-01-31T15:00:00Z"))
    );
    let html = app.get(&owner, &page).await.text();
    assert!(html.contains("value=\"2026-01-10T09:00\"") && html.contains("value=\"2026-01-31T23:00\""), "{html}");
    assert!(html.contains("Times are in Asia/Shanghai"), "{html}");
    // Saved again untouched, it stays put.
    let again = [
        ("name", "Winter"),
        ("daily_budget", "500"),
        ("starts_at", "2026-01-10T09:00"),
        ("ends_at", "2026-01-31T23:00"),
    ];
    form(&app, &owner, &page, &again).await.assert_status(303);
    assert_eq!(app.get(&owner, &format!("/api/v1/ads/campaigns/{id}")).await.json()["starts_at"], saved["starts_at"]);
}

async fn the_bid_forecast_runs_the_auction_against_the_ads_serving_now(t: TestDb) {
    let app = TestApp::new(t).await;
    // glow_lab serves a feed ad at 1.50 a click; dew_co's new group bids 1.00.
    let (glow, _, _, _, _) = running_ad(&app, 100_000, 50_000, "cpc").await;
    let (dew, _) = store(&app, "dew_co", "brand_official").await;
    let dew_campaign = campaign(&app, &dew, "dew_co", "engagement").await;
    let dew_group = group(&app, &dew, &dew_campaign, json!(["feed"]), 100).await;

    let forecast = app.get(&dew, &format!("/api/v1/ads/groups/{dew_group}/forecast")).await;
    forecast.assert_status(200);
    let forecast = forecast.json();
    assert_eq!(forecast["page_notes"], 20);
    let feed = &forecast["placements"][0];
    assert_eq!((&feed["placement"], &feed["competitors"], &feed["slots"]), (&json!("feed"), &json!(1), &json!(2)));
    let line = |bid: i64| {
        feed["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["bid"] == cny(bid))
            .cloned()
            .unwrap_or_else(|| panic!("{feed}"))
    };
    // Both at the feed's prior CTR (2 %): the reserve eCPM ¥5 is 25 fen a click.
    assert_eq!((&line(100)["current"], &line(100)["slot"], &line(100)["price"]), (&json!(true), &json!(2), &cny(25)));
    assert_eq!((&line(200)["slot"], &line(200)["price"]), (&json!(1), &cny(151)), "GSP: glow_lab's 1.50 + 1 fen");
    assert_eq!(&line(150)["slot"], &json!(2), "a tie goes to the older group");
    assert_eq!(feed["top_bid"], cny(151));
    assert_eq!(feed["below_floor"], false);

    // glow_lab's own group competes with nothing: dew_co's group has no ad yet.
    let glow_groups = app.get(&glow, "/api/v1/ads/campaigns?org=glow_lab").await.json();
    let glow_campaign = glow_groups["items"][0]["id"].as_str().unwrap().to_owned();
    let glow_group = app.get(&glow, &format!("/api/v1/ads/campaigns/{glow_campaign}/groups")).await.json()["items"][0]
        ["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let own = app.get(&glow, &format!("/api/v1/ads/groups/{glow_group}/forecast")).await.json();
    assert_eq!(own["placements"][0]["competitors"], 0);
    assert_eq!(own["placements"][0]["top_bid"], cny(25));

    // Another advertiser's group is not there; a signed-out caller is asked to sign in.
    app.get(&glow, &format!("/api/v1/ads/groups/{dew_group}/forecast")).await.assert_error(404, "ad_group_not_found");
    app.get(&crate::helpers::Client::default(), &format!("/api/v1/ads/groups/{dew_group}/forecast"))
        .await
        .assert_status(401);

    // The group page shows it, in either language.
    let path = format!("/o/dew_co/manage/ads/groups/{dew_group}");
    let page = app.get(&dew, &path).await.text();
    assert!(page.contains("Bid forecast") && page.contains("1 other ad competes for 2 ad slots"), "{page}");
    assert!(page.contains("To take the first ad slot, bid at least ¥1.51."), "{page}");
    assert!(page.contains("<tr class=\"chosen\"><td>¥1.00"), "the group's own bid is marked: {page}");
    let chinese = app.send_with(&dew, Method::GET, &path, None, &[("accept-language", "zh-CN")]).await.text();
    assert!(chinese.contains("出价预估") && chinese.contains("出价至少 ¥1.51 可获得第一个广告位"), "{chinese}");
    assert!(chinese.contains("第 2 个广告位"), "{chinese}");
}

async fn campaigns_and_groups_are_copied_paused_and_reviewed_again(t: TestDb) {
    let app = TestApp::new(t).await;
    let (owner, _, campaign_id, ad, _) = running_ad(&app, 100_000, 50_000, "cpc").await;
    let groups = app.get(&owner, &format!("/api/v1/ads/campaigns/{campaign_id}/groups")).await.json();
    let group_id = groups["items"][0]["id"].as_str().unwrap().to_owned();
    // A second ad whose note is then deleted: a copy leaves it out.
    let gone = app.publish(&owner, "旧款 Old model", json!({ "author": "glow_lab" })).await;
    app.post(&owner, &format!("/api/v1/ads/groups/{group_id}/ads"), json!({ "note_id": gone }))
        .await
        .assert_status(201);
    app.delete(&owner, &format!("/api/v1/notes/{gone}"), None).await.assert_status(204);

    // Who may not copy, and what is refused, changes nothing.
    let campaigns = || async { app.get(&owner, "/api/v1/ads/campaigns?org=glow_lab").await.json()["items"].clone() };
    let before = campaigns().await;
    let path = format!("/api/v1/ads/campaigns/{campaign_id}/duplicate");
    let analyst = crate::commerce::join(&app, &owner, "glow_lab", "ana", "analyst").await;
    app.post(&analyst, &path, json!({ "name": "copy" })).await.assert_error(403, "role_too_low");
    let (stranger, _) = store(&app, "dew_co", "brand_official").await;
    app.post(&stranger, &path, json!({ "name": "copy" })).await.assert_error(404, "ad_campaign_not_found");
    app.post(&owner, &path, json!({ "name": "" })).await.assert_error(422, "invalid_field");
    app.post(&owner, &path, json!({ "name": "x".repeat(61) })).await.assert_error(422, "invalid_field");
    app.post(&owner, &path, json!({ "name": "copy", "status": "active" })).await.assert_status(422);
    assert_eq!(campaigns().await, before, "nothing was made");

    let copied = app.post(&owner, &path, json!({ "name": "春季 Spring (copy)" })).await;
    copied.assert_status(201);
    let copied = copied.json();
    assert_eq!(copied["ads_left_out"], 1, "the deleted note's ad");
    let copy = &copied["campaign"];
    assert_eq!((&copy["name"], &copy["status"]), (&json!("春季 Spring (copy)"), &json!("paused")));
    assert_eq!(copy["daily_budget"], cny(50_000));
    let copy_id = copy["id"].as_str().unwrap();
    assert_ne!(copy_id, campaign_id);
    let copy_groups = app.get(&owner, &format!("/api/v1/ads/campaigns/{copy_id}/groups")).await.json();
    let copy_group = &copy_groups["items"][0];
    assert_eq!(copy_groups["items"].as_array().unwrap().len(), 1);
    assert_eq!((&copy_group["bid"], &copy_group["placements"]), (&cny(150), &json!(["feed"])));
    assert_eq!(copy_group["targeting"], groups["items"][0]["targeting"]);
    let copy_ads =
        app.get(&owner, &format!("/api/v1/ads/groups/{}/ads", copy_group["id"].as_str().unwrap())).await.json();
    let copy_ads = copy_ads["items"].as_array().unwrap().clone();
    assert_eq!(copy_ads.len(), 1);
    assert_eq!(
        (&copy_ads[0]["review_status"], &copy_ads[0]["delivery"], &copy["status"]),
        (&json!("pending"), &json!("in_review"), &json!("paused")),
        "reviewed again, and nothing serves until its campaign is resumed"
    );
    let original = app.get(&owner, &format!("/api/v1/ads/ads/{ad}")).await.json();
    assert_eq!((&original["review_status"], &original["delivery"]), (&json!("approved"), &json!("eligible")));
    let operator = app.admin("op_copies").await;
    let queue = app.get(&operator, "/api/v1/admin/ads/review").await.json();
    assert!(queue["items"].as_array().unwrap().iter().any(|a| a["id"] == copy_ads[0]["id"]), "{queue}");

    // A group, from its page: copied into its campaign, paused, named in the reader's language.
    let group_page = format!("/o/glow_lab/manage/ads/groups/{group_id}");
    assert!(app.get(&owner, &group_page).await.text().contains("id=\"group-duplicate\""));
    let duplicated = form(&app, &owner, &format!("{group_page}/duplicate"), &[]).await;
    assert_eq!(duplicated.status, 303, "{}", duplicated.text());
    let location = duplicated.headers["location"].to_str().unwrap().to_owned();
    assert!(location.ends_with("?done=ads_left_out"), "{location}");
    let new_group = location.split('?').next().unwrap().rsplit('/').next().unwrap().to_owned();
    let new_group = app.get(&owner, &format!("/api/v1/ads/groups/{new_group}")).await.json();
    assert_eq!((&new_group["campaign_id"], &new_group["status"]), (&json!(campaign_id), &json!("paused")));
    assert_eq!(new_group["name"], format!("{} (copy)", groups["items"][0]["name"].as_str().unwrap()));
    let page = app.get(&owner, &location).await.text();
    assert!(page.contains("Some ads were left out"), "{page}");
    // The campaign's page copies in Chinese.
    let campaign_page = format!("/o/glow_lab/manage/ads/campaigns/{campaign_id}");
    let via_form = crate::pages::form_with(
        &app,
        &owner,
        &format!("{campaign_page}/duplicate"),
        &[],
        &[("accept-language", "zh-CN")],
    )
    .await;
    assert_eq!(via_form.status, 303, "{}", via_form.text());
    let copy_page = via_form.headers["location"].to_str().unwrap().split('?').next().unwrap().to_owned();
    let copy_id = copy_page.rsplit('/').next().unwrap();
    let copy = app.get(&owner, &format!("/api/v1/ads/campaigns/{copy_id}")).await.json();
    assert_eq!(copy["name"], format!("{}（副本）", before[0]["name"].as_str().unwrap()));
    // Another advertiser's copy form is not there.
    form(&app, &stranger, &format!("/o/glow_lab/manage/ads/groups/{group_id}/duplicate"), &[]).await.assert_status(404);
}

async fn a_rejected_ad_is_mended_and_submitted_again(t: TestDb) {
    let app = TestApp::new(t).await;
    let (owner, _, _, running, _) = running_ad(&app, 100_000, 50_000, "cpc").await;
    let campaign_id = campaign(&app, &owner, "glow_lab", "engagement").await;
    let group_id = group(&app, &owner, &campaign_id, json!(["feed"]), 120).await;
    let note = app.publish(&owner, "美白 Whitening", json!({ "author": "glow_lab" })).await;
    let ad = app.post(&owner, &format!("/api/v1/ads/groups/{group_id}/ads"), json!({ "note_id": note })).await.json();
    let ad_id = ad["id"].as_str().unwrap().to_owned();
    let resubmit = format!("/api/v1/ads/ads/{ad_id}/resubmit");
    app.post(&owner, &resubmit, json!({})).await.assert_error(409, "ad_not_rejected");
    let operator = app.admin("op_again").await;
    app.post(
        &operator,
        &format!("/api/v1/admin/ads/review/{ad_id}"),
        json!({ "decision": "reject", "reason": "夸大宣传 exaggerated claims" }),
    )
    .await
    .assert_status(200);

    // The group page names the reason and offers to submit again.
    let group_page = format!("/o/glow_lab/manage/ads/groups/{group_id}");
    let page = app.get(&owner, &group_page).await.text();
    assert!(
        page.contains("Reason: 夸大宣传 exaggerated claims") && page.contains(&format!("id=\"ad-resubmit-{ad_id}\""))
    );
    assert!(page.contains(&format!("href=\"/notes/{note}/edit\"")), "its own note can be mended: {page}");

    // Who may not, and what may not be sent again.
    let (stranger, _) = store(&app, "dew_co", "brand_official").await;
    app.post(&stranger, &resubmit, json!({})).await.assert_error(404, "ad_not_found");
    let analyst = crate::commerce::join(&app, &owner, "glow_lab", "ana", "analyst").await;
    app.post(&analyst, &resubmit, json!({})).await.assert_error(403, "role_too_low");
    app.post(&owner, &format!("/api/v1/ads/ads/{running}/resubmit"), json!({}))
        .await
        .assert_error(409, "ad_not_rejected");
    // A note made private cannot be advertised: it stays rejected.
    app.patch(&owner, &format!("/api/v1/notes/{note}"), json!({ "visibility": "private" })).await.assert_status(200);
    app.post(&owner, &resubmit, json!({})).await.assert_error(409, "note_not_advertisable");
    assert_eq!(app.get(&owner, &format!("/api/v1/ads/ads/{ad_id}")).await.json()["review_status"], "rejected");
    app.patch(&owner, &format!("/api/v1/notes/{note}"), json!({ "visibility": "public" })).await.assert_status(200);

    // Mended, sent again from the page: back in the queue with the last reason beside it.
    let sent = form(&app, &owner, &format!("/o/glow_lab/manage/ads/ads/{ad_id}/resubmit"), &[]).await;
    assert_eq!(sent.headers["location"], format!("{group_page}?done=ad_resubmitted#ad-{ad_id}"));
    let ad = app.get(&owner, &format!("/api/v1/ads/ads/{ad_id}")).await.json();
    assert_eq!((&ad["review_status"], &ad["delivery"]), (&json!("pending"), &json!("in_review")));
    let queue = app.get(&operator, "/admin/ads").await.text();
    assert!(queue.contains("Submitted again; last rejected because: 夸大宣传 exaggerated claims"), "{queue}");
    app.post(&owner, &resubmit, json!({})).await.assert_error(409, "ad_not_rejected");
    app.post(&operator, &format!("/api/v1/admin/ads/review/{ad_id}"), json!({ "decision": "approve" }))
        .await
        .assert_status(200);
    assert_eq!(app.get(&owner, &format!("/api/v1/ads/ads/{ad_id}")).await.json()["delivery"], "eligible");

    // A billed click holds a chunk of the balance for the campaign: the Ads tab says so.
    let reader = app.signup("reader").await;
    let reader_key = format!("m{}", app.user_id(&reader).await);
    let click = token(&app, running, Pricing::Cpc, 120, &reader_key, 0);
    tap(&app, &reader, &click).await.assert_status(303);
    let console = app.get(&owner, "/o/glow_lab/manage/ads").await.text();
    assert!(console.contains("id=\"ad-held\"") && console.contains("held for running campaigns"), "{console}");
    // Posted, the spend is named in the balance's history, in either language.
    app.services.ads.close_spend().await.unwrap();
    let money = app.get(&owner, "/o/glow_lab/money").await.text();
    assert!(money.contains("Ad spend"), "{money}");
    let chinese = app.send_with(&owner, Method::GET, "/o/glow_lab/money", None, &[("accept-language", "zh-CN")]).await;
    assert!(chinese.text().contains("广告花费"));
}
