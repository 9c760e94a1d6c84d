//! Advertising, part 1: a brand's campaigns, ad groups and ads; who may do what; the
//! automatic checks on a creative (own note, or a creator's authorised one; public,
//! not limited; an open store for product sales); the operator's review queue; and
//! bad input refused with nothing changed.

use carmine_store::testing::TestDb;
use serde_json::{Value, json};

use crate::catalogue::{store, tee};
use crate::helpers::{Client, ORIGIN, TestApp};
use crate::pages::form;

carmine_store::both_backends!(
    a_brand_builds_a_campaign_and_the_operator_reviews_its_ads,
    creatives_are_the_advertisers_own_notes_or_authorised_ones,
    bad_campaigns_groups_and_ads_are_refused_and_change_nothing,
    the_ads_manager_review_queue_and_permissions_work_as_forms,
    targeting_is_segmented_checked_and_audiences_must_be_large_enough,
    the_simulator_runs_the_production_auction,
);

pub(crate) fn cny(amount_minor: i64) -> Value {
    json!({ "amount_minor": amount_minor, "currency": "CNY" })
}

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap_or_else(|| panic!("no id in {value}")).to_owned()
}

/// A campaign of `org` with `objective`; returns its id.
pub(crate) async fn campaign(app: &TestApp, owner: &Client, org: &str, objective: &str) -> String {
    let created = app
        .post(
            owner,
            "/api/v1/ads/campaigns",
            json!({ "org": org, "name": "春季新品 Spring launch", "objective": objective,
                    "daily_budget": cny(50_000), "total_budget": cny(500_000) }),
        )
        .await;
    created.assert_status(201);
    id(&created.json())
}

/// An ad group of `campaign` bidding `bid` fen per click (with a keyword when it is
/// in search); returns its id.
pub(crate) async fn group(app: &TestApp, owner: &Client, campaign: &str, placements: Value, bid: i64) -> String {
    let search = placements.as_array().unwrap().iter().any(|p| p == "search");
    let targeting = if search { json!({ "keywords": [{ "text": "防晒霜" }] }) } else { json!({}) };
    let created = app
        .post(
            owner,
            &format!("/api/v1/ads/campaigns/{campaign}/groups"),
            json!({ "name": "白领女性 Office", "pricing": "cpc", "bid": cny(bid), "placements": placements, "targeting": targeting }),
        )
        .await;
    created.assert_status(201);
    id(&created.json())
}

async fn a_brand_builds_a_campaign_and_the_operator_reviews_its_ads(t: TestDb) {
    let app = TestApp::new(t).await;
    let (owner, _) = store(&app, "glow_lab", "brand_official").await;
    let first_note = app.publish(&owner, "新品上市 New serum", json!({ "author": "glow_lab" })).await;
    let second_note = app.publish(&owner, "夏日防晒 Sunscreen", json!({ "author": "glow_lab" })).await;

    let campaign_id = campaign(&app, &owner, "glow_lab", "engagement").await;
    let campaign = app.get(&owner, &format!("/api/v1/ads/campaigns/{campaign_id}")).await.json();
    assert_eq!(campaign["advertiser"], "glow_lab");
    assert_eq!((campaign["objective"].as_str(), campaign["status"].as_str()), (Some("engagement"), Some("active")));
    assert_eq!((&campaign["daily_budget"], &campaign["total_budget"]), (&cny(50_000), &cny(500_000)));
    let listed = app.get(&owner, "/api/v1/ads/campaigns?org=glow_lab").await.json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);

    let group_id = group(&app, &owner, &campaign_id, json!(["related", "feed"]), 150).await;
    let group = app.get(&owner, &format!("/api/v1/ads/groups/{group_id}")).await.json();
    assert_eq!(group["placements"], json!(["feed", "related"]), "in their fixed order");
    assert_eq!((group["frequency_cap"].as_i64(), group["bid"].clone()), (Some(3), cny(150)), "default cap 3 a day");

    let created =
        app.post(&owner, &format!("/api/v1/ads/groups/{group_id}/ads"), json!({ "note_id": first_note })).await;
    created.assert_status(201);
    let ad = created.json();
    assert_eq!((ad["review_status"].as_str(), ad["delivery"].as_str()), (Some("pending"), Some("in_review")));
    assert_eq!(ad["note"]["title"], "新品上市 New serum");
    let ad_id = id(&ad);
    app.post(&owner, &format!("/api/v1/ads/groups/{group_id}/ads"), json!({ "note_id": first_note }))
        .await
        .assert_error(422, "invalid_field");
    let second =
        app.post(&owner, &format!("/api/v1/ads/groups/{group_id}/ads"), json!({ "note_id": second_note })).await;
    let second_id = id(&second.json());

    // The operator's queue, oldest first, with the checks' verdict; the brand cannot see it.
    app.get(&owner, "/api/v1/admin/ads/review").await.assert_error(403, "admin_only");
    let operator = app.admin("op_ads").await;
    let queue = app.get(&operator, "/api/v1/admin/ads/review").await.json();
    let queued: Vec<&str> = queue["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(queued, [ad_id.as_str(), second_id.as_str()]);
    assert_eq!(
        (queue["items"][0]["advertiser"].as_str(), queue["items"][0]["problem"].clone()),
        (Some("glow_lab"), Value::Null)
    );

    let review = format!("/api/v1/admin/ads/review/{ad_id}");
    let approved = app.post(&operator, &review, json!({ "decision": "approve" })).await;
    approved.assert_status(200);
    assert_eq!(approved.json()["review_status"], "approved");
    app.post(&operator, &review, json!({ "decision": "reject", "reason": "late" }))
        .await
        .assert_error(409, "ad_review_closed");
    let reject = format!("/api/v1/admin/ads/review/{second_id}");
    app.post(&operator, &reject, json!({ "decision": "reject" })).await.assert_error(422, "invalid_field");
    app.post(&operator, &reject, json!({ "decision": "reject", "reason": "图片含未经证实的功效宣称" }))
        .await
        .assert_status(200);
    let audit = app.get(&operator, "/api/v1/admin/audit-log").await.json();
    let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.contains(&"ads.approve") && actions.contains(&"ads.reject"), "{actions:?}");

    let ads = app.get(&owner, &format!("/api/v1/ads/groups/{group_id}/ads")).await.json();
    assert_eq!(ads["items"][0]["delivery"], "eligible");
    assert_eq!(
        (ads["items"][1]["delivery"].as_str(), ads["items"][1]["review_reason"].as_str()),
        (Some("rejected"), Some("图片含未经证实的功效宣称"))
    );

    // Pausing the campaign pauses its ads; resuming brings them back.
    let path = format!("/api/v1/ads/campaigns/{campaign_id}");
    app.patch(&owner, &path, json!({ "status": "paused" })).await.assert_status(200);
    assert_eq!(app.get(&owner, &format!("/api/v1/ads/ads/{ad_id}")).await.json()["delivery"], "paused");
    let resumed = app
        .patch(&owner, &path, json!({ "status": "active", "daily_budget": cny(80_000), "total_budget": null }))
        .await;
    assert_eq!(
        (resumed.json()["daily_budget"].clone(), resumed.json()["total_budget"].clone()),
        (cny(80_000), Value::Null)
    );
    assert_eq!(app.get(&owner, &format!("/api/v1/ads/ads/{ad_id}")).await.json()["delivery"], "eligible");
    app.patch(&owner, &format!("/api/v1/ads/groups/{group_id}"), json!({ "bid": cny(220), "frequency_cap": 5 }))
        .await
        .assert_status(200);
    app.patch(&owner, &format!("/api/v1/ads/ads/{ad_id}"), json!({ "status": "paused" })).await.assert_status(200);
    assert_eq!(app.get(&owner, &format!("/api/v1/ads/ads/{ad_id}")).await.json()["delivery"], "paused");

    // A deleted note stops its ad.
    app.patch(&owner, &format!("/api/v1/ads/ads/{ad_id}"), json!({ "status": "active" })).await.assert_status(200);
    app.delete(&owner, &format!("/api/v1/notes/{first_note}"), None).await.assert_status(204);
    assert_eq!(app.get(&owner, &format!("/api/v1/ads/ads/{ad_id}")).await.json()["delivery"], "note_unavailable");

    // An analyst reads; staff may build; only a member of the organization sees anything.
    let analyst = crate::commerce::join(&app, &owner, "glow_lab", "ana", "analyst").await;
    app.get(&analyst, &path).await.assert_status(200);
    app.get(&analyst, "/api/v1/ads/campaigns?org=glow_lab").await.assert_status(200);
    let body = json!({ "org": "glow_lab", "name": "x", "objective": "reads", "daily_budget": cny(1_000) });
    app.post(&analyst, "/api/v1/ads/campaigns", body.clone()).await.assert_error(403, "role_too_low");
    app.patch(&analyst, &path, json!({ "status": "paused" })).await.assert_error(403, "role_too_low");
    let staff = crate::commerce::join(&app, &owner, "glow_lab", "stan", "staff").await;
    app.post(&staff, "/api/v1/ads/campaigns", body.clone()).await.assert_status(201);
    let stranger = app.signup("rival_owner").await;
    app.post(&stranger, "/api/v1/orgs", json!({ "handle": "rival", "name": "Rival", "kind": "brand" }))
        .await
        .assert_status(201);
    app.get(&stranger, &path).await.assert_error(404, "ad_campaign_not_found");
    app.get(&stranger, &format!("/api/v1/ads/groups/{group_id}")).await.assert_error(404, "ad_group_not_found");
    app.get(&stranger, &format!("/api/v1/ads/ads/{ad_id}")).await.assert_error(404, "ad_not_found");
    app.get(&stranger, "/api/v1/ads/campaigns?org=glow_lab").await.assert_error(404, "org_not_found");
    app.post(&stranger, "/api/v1/ads/campaigns", body).await.assert_error(404, "org_not_found");

    // Archiving is final.
    app.patch(&owner, &path, json!({ "status": "archived" })).await.assert_status(200);
    app.patch(&owner, &path, json!({ "status": "active" })).await.assert_error(409, "ad_archived");
    app.post(
        &owner,
        &format!("/api/v1/ads/campaigns/{campaign_id}/groups"),
        json!({ "name": "g", "pricing": "cpm", "bid": cny(3_000), "placements": ["feed"] }),
    )
    .await
    .assert_error(409, "ad_archived");
    assert_eq!(app.get(&owner, &format!("/api/v1/ads/ads/{ad_id}")).await.json()["delivery"], "archived");
    let listed = app.get(&owner, "/api/v1/ads/campaigns?org=glow_lab").await.json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "only staff's campaign is not archived");
    let all = app.get(&owner, "/api/v1/ads/campaigns?org=glow_lab&archived=true&limit=1").await.json();
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
    let next = all["next_cursor"].as_str().unwrap();
    let rest = app.get(&owner, &format!("/api/v1/ads/campaigns?org=glow_lab&archived=true&cursor={next}")).await.json();
    assert_eq!(rest["items"][0]["id"], campaign_id.as_str(), "newest first, then the archived one");
}

async fn creatives_are_the_advertisers_own_notes_or_authorised_ones(t: TestDb) {
    let app = TestApp::new(t).await;
    let (owner, store_id) = store(&app, "glow_lab", "brand_official").await;
    let creator = app.signup("lanlan").await;
    let creator_note = app.publish(&creator, "通勤妆容 My commute look", json!({})).await;
    let private_note = app.publish(&creator, "私密", json!({ "visibility": "private" })).await;
    let campaign_id = campaign(&app, &owner, "glow_lab", "engagement").await;
    let group_id = group(&app, &owner, &campaign_id, json!(["feed"]), 100).await;
    let ads = format!("/api/v1/ads/groups/{group_id}/ads");

    // Another's note needs the creator's word; a private one is not even known.
    app.post(&owner, &ads, json!({ "note_id": creator_note })).await.assert_error(403, "creative_not_authorised");
    app.post(&owner, &ads, json!({ "note_id": private_note })).await.assert_error(404, "note_not_found");
    let rival = app.signup("rival_owner").await;
    app.post(&rival, "/api/v1/orgs", json!({ "handle": "rival", "name": "Rival", "kind": "brand" }))
        .await
        .assert_status(201);
    let rival_note = app.publish(&rival, "Rival news", json!({ "author": "rival" })).await;
    app.post(&owner, &ads, json!({ "note_id": rival_note })).await.assert_error(403, "creative_not_authorised");

    // The creator authorises the brand; only the creator can.
    let grants = format!("/api/v1/notes/{creator_note}/ad-authorisations");
    app.post(&owner, &grants, json!({ "org": "glow_lab" })).await.assert_error(403, "forbidden");
    app.get(&owner, &grants).await.assert_error(403, "forbidden");
    app.post(&creator, &grants, json!({ "org": "no_such_org" })).await.assert_error(404, "org_not_found");
    let followers_note = app.publish(&creator, "粉丝可见", json!({ "visibility": "followers" })).await;
    app.post(&creator, &format!("/api/v1/notes/{followers_note}/ad-authorisations"), json!({ "org": "glow_lab" }))
        .await
        .assert_error(409, "note_not_advertisable");
    let granted = app.post(&creator, &grants, json!({ "org": "Glow_Lab" })).await;
    granted.assert_status(200);
    assert_eq!(granted.json()["items"][0]["org"], "glow_lab");
    let authorised = app.get(&owner, "/api/v1/ads/authorised-notes?org=glow_lab").await.json();
    assert_eq!(authorised["items"][0]["id"], creator_note.as_str());
    let created = app.post(&owner, &ads, json!({ "note_id": creator_note })).await;
    created.assert_status(201);
    let ad_id = id(&created.json());
    let operator = app.admin("op_ads").await;
    app.post(&operator, &format!("/api/v1/admin/ads/review/{ad_id}"), json!({ "decision": "approve" }))
        .await
        .assert_status(200);
    assert_eq!(app.get(&owner, &format!("/api/v1/ads/ads/{ad_id}")).await.json()["delivery"], "eligible");

    // Revoking stops the ad at once, and no new ad of the note is accepted.
    let revoked = app.delete(&creator, &format!("{grants}/glow_lab"), None).await;
    assert_eq!(revoked.json()["items"], json!([]));
    assert_eq!(app.get(&owner, &format!("/api/v1/ads/ads/{ad_id}")).await.json()["delivery"], "not_authorised");
    let second_group = group(&app, &owner, &campaign_id, json!(["related"]), 100).await;
    app.post(&owner, &format!("/api/v1/ads/groups/{second_group}/ads"), json!({ "note_id": creator_note }))
        .await
        .assert_error(403, "creative_not_authorised");
    assert!(
        app.get(&owner, "/api/v1/ads/authorised-notes?org=glow_lab").await.json()["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // The brand's own notes must be public and published.
    let followers_only =
        app.publish(&owner, "粉丝专享", json!({ "author": "glow_lab", "visibility": "followers" })).await;
    app.post(&owner, &ads, json!({ "note_id": followers_only })).await.assert_error(409, "note_not_advertisable");

    // Product sales: an open store and a note tagging one of its products.
    let sales = campaign(&app, &owner, "glow_lab", "product_sales").await;
    let sales_group = group(&app, &owner, &sales, json!(["feed", "search"]), 300).await;
    let untagged = app.publish(&owner, "品牌故事 Our story", json!({ "author": "glow_lab" })).await;
    let sales_ads = format!("/api/v1/ads/groups/{sales_group}/ads");
    app.post(&owner, &sales_ads, json!({ "note_id": untagged })).await.assert_error(409, "ad_store_required");
    let product = tee(&app, &owner, &store_id, "active", "TEE").await;
    let tagged = app.publish(&owner, "新款短袖 New tee", json!({ "author": "glow_lab" })).await;
    app.put(
        &owner,
        &format!("/api/v1/notes/{tagged}/product-tags"),
        json!({ "tags": [{ "product_id": product["id"] }] }),
    )
    .await
    .assert_status(200);
    app.post(&owner, &sales_ads, json!({ "note_id": tagged })).await.assert_status(201);
    // A brand without a store cannot run product sales at all.
    let rival_sales = campaign(&app, &rival, "rival", "product_sales").await;
    let rival_group = group(&app, &rival, &rival_sales, json!(["feed"]), 300).await;
    app.post(&rival, &format!("/api/v1/ads/groups/{rival_group}/ads"), json!({ "note_id": rival_note }))
        .await
        .assert_error(409, "ad_store_required");
}

async fn bad_campaigns_groups_and_ads_are_refused_and_change_nothing(t: TestDb) {
    let app = TestApp::new(t).await;
    let (owner, _) = store(&app, "glow_lab", "brand_official").await;
    let note = app.publish(&owner, "广告 Ad", json!({ "author": "glow_lab" })).await;
    let campaign_id = campaign(&app, &owner, "glow_lab", "search").await;
    let group_id = group(&app, &owner, &campaign_id, json!(["search"]), 200).await;
    let events = app.event_count().await;

    let base = json!({ "org": "glow_lab", "name": "Q3", "objective": "reads", "daily_budget": cny(10_000) });
    let with = |key: &str, value: Value| {
        let mut body = base.clone();
        body[key] = value;
        body
    };
    let refused_campaigns = [
        (with("daily_budget", cny(0)), 422, "invalid_field"),
        (with("daily_budget", cny(-100)), 422, "invalid_field"),
        (with("daily_budget", cny(100_000_001)), 422, "invalid_field"),
        (with("daily_budget", json!({ "amount_minor": 100, "currency": "USD" })), 422, "unsupported_currency"),
        (with("total_budget", cny(9_999)), 422, "invalid_field"),
        (with("total_budget", cny(10_000_000_001)), 422, "invalid_field"),
        (with("objective", json!("fame")), 422, "invalid_field"),
        (with("name", json!("  ")), 422, "invalid_field"),
        (with("name", json!("名".repeat(61))), 422, "invalid_field"),
        (with("ends_at", json!("2025-06-01T00:00:00Z")), 422, "invalid_field"),
        (with("starts_at", json!("2028-06-01T00:00:00Z")), 422, "invalid_field"),
        (with("advertiser_id", json!("1")), 422, "unknown_field"),
        (with("status", json!("active")), 422, "unknown_field"),
    ];
    for (body, status, code) in refused_campaigns {
        let response = app.post(&owner, "/api/v1/ads/campaigns", body.clone()).await;
        assert_eq!((response.status.as_u16(), response.code()), (status, code.to_owned()), "{body}");
    }
    let groups = format!("/api/v1/ads/campaigns/{campaign_id}/groups");
    let good = json!({ "name": "关键词 Keywords", "pricing": "cpc", "bid": cny(200), "placements": ["search"],
                       "targeting": { "keywords": [{ "text": "防晒霜", "match": "exact" }] } });
    let with = |key: &str, value: Value| {
        let mut body = good.clone();
        body[key] = value;
        body
    };
    for body in [
        with("bid", cny(0)),
        with("bid", cny(100_001)),
        with("pricing", json!("cpa")),
        with("frequency_cap", json!(0)),
        with("frequency_cap", json!(21)),
        with("placements", json!([])),
        with("placements", json!(["moon"])),
        with("placements", json!(["search", "feed"])),
    ] {
        app.post(&owner, &groups, body.clone()).await.assert_error(422, "invalid_field");
    }
    app.post(&owner, &groups, with("targeting_sql", json!("1=1"))).await.assert_error(422, "unknown_field");
    let group_path = format!("/api/v1/ads/groups/{group_id}");
    app.patch(&owner, &group_path, json!({ "bid": cny(-1) })).await.assert_error(422, "invalid_field");
    app.patch(&owner, &group_path, json!({ "status": "deleted" })).await.assert_error(422, "invalid_field");
    let campaign_path = format!("/api/v1/ads/campaigns/{campaign_id}");
    app.patch(&owner, &campaign_path, json!({ "daily_budget": cny(0) })).await.assert_error(422, "invalid_field");
    app.patch(&owner, &campaign_path, json!({ "objective": "reads" })).await.assert_error(422, "unknown_field");
    let ads = format!("{group_path}/ads");
    app.post(&owner, &ads, json!({ "note_id": "99999" })).await.assert_error(404, "note_not_found");
    app.post(&owner, &ads, json!({ "note_id": "not a number" })).await.assert_error(422, "invalid_field");
    app.post(&owner, &ads, json!({ "note_id": note, "bid": cny(1) })).await.assert_error(422, "unknown_field");
    app.get(&owner, "/api/v1/ads/campaigns/abc").await.assert_error(404, "ad_campaign_not_found");

    assert_eq!(app.event_count().await, events, "nothing changed");
    let group = app.get(&owner, &group_path).await.json();
    assert_eq!((group["bid"].clone(), group["status"].as_str()), (cny(200), Some("active")));
    assert_eq!(
        app.get(&owner, "/api/v1/ads/campaigns?org=glow_lab").await.json()["items"].as_array().unwrap().len(),
        1
    );
}

async fn the_ads_manager_review_queue_and_permissions_work_as_forms(t: TestDb) {
    let app = TestApp::new(t).await;
    let (owner, _) = store(&app, "glow_lab", "brand_official").await;
    let note = app.publish(&owner, "秋冬新品 Autumn drop", json!({ "author": "glow_lab" })).await;
    let console = app.get(&owner, "/o/glow_lab/manage/ads").await.text();
    assert!(console.contains("id=\"ad-balance\"") && console.contains("No campaigns yet."), "{console}");
    assert!(console.contains("href=\"/o/glow_lab/manage/ads\""), "the console has an Ads tab");

    // A refused form keeps what was typed and says which field.
    let refused = form(
        &app,
        &owner,
        "/o/glow_lab/manage/ads",
        &[("objective", "engagement"), ("name", "秋冬 Autumn"), ("daily_budget", "0")],
    )
    .await;
    assert_eq!(refused.status, 422);
    let text = refused.text();
    assert!(
        text.contains("A daily budget is from ¥10.00 to ¥1,000,000.00.") && text.contains("value=\"秋冬 Autumn\""),
        "{text}"
    );
    let created = form(
        &app,
        &owner,
        "/o/glow_lab/manage/ads",
        &[("objective", "engagement"), ("name", "秋冬 Autumn"), ("daily_budget", "500"), ("total_budget", "5,000")],
    )
    .await;
    assert_eq!(created.status, 303, "{}", created.text());
    let location = created.headers["location"].to_str().unwrap().to_owned();
    assert!(location.contains("?done=campaign_created"), "{location}");
    let campaign_page = location.split('?').next().unwrap().to_owned();
    let campaign_id = campaign_page.rsplit('/').next().unwrap().to_owned();
    let campaign = app.get(&owner, &format!("/api/v1/ads/campaigns/{campaign_id}")).await.json();
    assert_eq!((&campaign["daily_budget"], &campaign["total_budget"]), (&cny(50_000), &cny(500_000)));
    assert!(app.get(&owner, &campaign_page).await.text().contains("New ad group"));

    let grouped = form(
        &app,
        &owner,
        &format!("{campaign_page}/groups"),
        &[
            ("name", "白领 Office"),
            ("pricing", "cpc"),
            ("bid", "1.50"),
            ("frequency_cap", "3"),
            ("placements", "feed"),
            ("placements", "related"),
        ],
    )
    .await;
    assert_eq!(grouped.status, 303, "{}", grouped.text());
    let group_page = grouped.headers["location"].to_str().unwrap().split('?').next().unwrap().to_owned();
    let group_id = group_page.rsplit('/').next().unwrap().to_owned();
    let group = app.get(&owner, &format!("/api/v1/ads/groups/{group_id}")).await.json();
    assert_eq!((&group["bid"], &group["placements"]), (&cny(150), &json!(["feed", "related"])));
    let page = app.get(&owner, &group_page).await.text();
    assert!(page.contains(&format!("<option value=\"{note}\">秋冬新品 Autumn drop · ")), "{page}");
    let added = form(&app, &owner, &format!("{group_page}/ads"), &[("note_id", &note)]).await;
    assert_eq!(added.status, 303, "{}", added.text());
    assert!(app.get(&owner, &group_page).await.text().contains("In review"));

    // The operator's queue: a rejection needs a reason; an approval starts serving.
    let operator = app.admin("op_ads").await;
    let queue = app.get(&operator, "/admin/ads").await.text();
    assert!(queue.contains("秋冬新品 Autumn drop") && queue.contains("by @glow_lab"), "{queue}");
    let ad_id = app.get(&owner, &format!("/api/v1/ads/groups/{group_id}/ads")).await.json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let no_reason =
        form(&app, &operator, &format!("/admin/ads/{ad_id}"), &[("decision", "reject"), ("reason", "")]).await;
    assert_eq!(no_reason.status, 422);
    let approved = form(&app, &operator, &format!("/admin/ads/{ad_id}"), &[("decision", "approve")]).await;
    assert_eq!(approved.headers["location"], "/admin/ads?done=ad_approved");
    assert!(app.get(&owner, &group_page).await.text().contains("Serving"));
    form(&app, &owner, &format!("{campaign_page}/status"), &[("status", "paused")]).await.assert_status(303);
    assert!(app.get(&owner, &group_page).await.text().contains(&format!("id=\"ad-delivery-{ad_id}\">Paused")));

    // Keywords typed one per line: plain is broad, "quoted" a phrase, [bracketed] exact.
    let searched = form(
        &app,
        &owner,
        "/o/glow_lab/manage/ads",
        &[("objective", "search"), ("name", "搜索 Search"), ("daily_budget", "200")],
    )
    .await;
    let search_page = searched.headers["location"].to_str().unwrap().split('?').next().unwrap().to_owned();
    let keyworded = form(
        &app,
        &owner,
        &format!("{search_page}/groups"),
        &[
            ("name", "防晒词"),
            ("pricing", "cpc"),
            ("bid", "2"),
            ("placements", "search"),
            ("keywords", "防晒霜\r\n“油皮 防晒”\r\n[sunscreen]\r\n"),
            ("negative_keywords", "-儿童"),
            ("interests", "护肤，美妆"),
        ],
    )
    .await;
    assert_eq!(keyworded.status, 303, "{}", keyworded.text());
    let keyword_group = keyworded.headers["location"]
        .to_str()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let targeting = app.get(&owner, &format!("/api/v1/ads/groups/{keyword_group}")).await.json()["targeting"].clone();
    let keywords: Vec<(String, String)> = targeting["keywords"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| (k["text"].as_str().unwrap().to_owned(), k["match"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(
        keywords,
        [
            ("防晒霜".into(), "broad".into()),
            ("油皮 防晒".into(), "phrase".into()),
            ("sunscreen".into(), "exact".into())
        ]
    );
    assert_eq!(
        (&targeting["negative_keywords"], &targeting["interests"]),
        (&json!(["儿童"]), &json!(["护肤", "美妆"]))
    );
    let shown = app.get(&owner, &format!("/o/glow_lab/manage/ads/groups/{keyword_group}")).await.text();
    assert!(
        shown.contains("\"油皮 防晒\"")
            || shown.contains("&quot;油皮 防晒&quot;")
            || shown.contains("&#34;油皮 防晒&#34;"),
        "{shown}"
    );

    // A creator's permissions page, from the note's menu.
    let creator = app.signup("lanlan").await;
    let creator_note = app.publish(&creator, "我的通勤妆 Commute look", json!({})).await;
    let note_page = app.get(&creator, &format!("/notes/{creator_note}")).await.text();
    assert!(
        note_page.contains(&format!("href=\"/notes/{creator_note}/ad-authorisations\"")),
        "a link in the note's menu"
    );
    let path = format!("/notes/{creator_note}/ad-authorisations");
    app.get(&owner, &path).await.assert_status(403);
    let granted = form(&app, &creator, &path, &[("org", "@glow_lab")]).await;
    assert_eq!(granted.status, 303);
    assert!(app.get(&creator, &path).await.text().contains("id=\"grant-glow_lab\""));
    let choices = app.get(&owner, &group_page).await.text();
    assert!(choices.contains("我的通勤妆 Commute look · @lanlan"), "authorised notes can be chosen");
    form(&app, &creator, &format!("{path}/glow_lab/revoke"), &[]).await.assert_status(303);
    assert!(app.get(&creator, &path).await.text().contains("No one may advertise this note."));
    let unknown = form(&app, &creator, &path, &[("org", "nobody_here")]).await;
    assert_eq!(unknown.status, 404);
}

async fn targeting_is_segmented_checked_and_audiences_must_be_large_enough(t: TestDb) {
    let app = TestApp::with_services(t, carmine_web::WebConfig::new(ORIGIN), |c| c.ads.audience_min = 20).await;
    let (owner, _) = store(&app, "glow_lab", "brand_official").await;
    let campaign_id = campaign(&app, &owner, "glow_lab", "engagement").await;
    let groups = format!("/api/v1/ads/campaigns/{campaign_id}/groups");
    let body = |targeting: Value| json!({ "name": "定向 Targeted", "pricing": "cpm", "bid": cny(3_000), "placements": ["feed", "search"], "targeting": targeting });
    let created = app
        .post(
            &owner,
            &groups,
            body(json!({
                "interests": ["#护肤", "Skincare"],
                "keywords": [{ "text": "防晒霜", "match": "phrase" }, { "text": "Sunscreen" }, { "text": "[油皮]", "match": "exact" }],
                "negative_keywords": ["儿童"]
            })),
        )
        .await;
    created.assert_status(201);
    let targeting = &created.json()["targeting"];
    assert_eq!(targeting["interests"], json!(["护肤", "skincare"]));
    assert_eq!(targeting["keywords"][0], json!({ "text": "防晒霜", "match": "phrase" }));
    assert_eq!(targeting["keywords"][1]["match"], "broad", "broad by default");
    assert_eq!(targeting["negative_keywords"], json!(["儿童"]));
    let group_id = id(&created.json());

    // Demographics only over members who consented, and never a small crowd.
    let events = app.event_count().await;
    let female_30s = json!({ "genders": ["female"], "age_bands": ["25-34"] });
    app.post(&owner, &groups, body(json!({ "keywords": [{ "text": "防晒" }], "demographics": female_30s })))
        .await
        .assert_error(422, "audience_too_small");
    for n in 0..22 {
        let member = app.signup(&format!("shanghai_{n}")).await;
        let consent = n < 21; // one member does not consent: never counted
        app.patch(
            &member,
            "/api/v1/me",
            json!({ "demographics": { "consent": consent, "birth_year": 1996, "gender": "female", "city": "上海" } }),
        )
        .await
        .assert_status(200);
    }
    let events = app.event_count().await.max(events);
    app.post(
        &owner,
        &groups,
        body(json!({ "keywords": [{ "text": "防晒" }], "demographics": { "cities": ["杭州"] } })),
    )
    .await
    .assert_error(422, "audience_too_small");
    app.post(&owner, &groups, body(json!({ "keywords": [{ "text": "防晒" }], "demographics": { "age_bands": ["45-54"], "genders": ["female"] } })))
        .await
        .assert_error(422, "audience_too_small");
    assert_eq!(app.event_count().await, events, "a refused group changes nothing");
    let targeted =
        app.post(&owner, &groups, body(json!({ "keywords": [{ "text": "防晒" }], "demographics": female_30s }))).await;
    targeted.assert_status(201);
    let demographics = &targeted.json()["targeting"]["demographics"];
    assert_eq!((&demographics["genders"], &demographics["age_bands"]), (&json!(["female"]), &json!(["25-34"])));

    // Lookalikes: a seed of at least 100 followers; the audience never holds the seed.
    let lookalike = body(json!({ "keywords": [{ "text": "防晒" }], "lookalike": "followers" }));
    let refused = app.post(&owner, &groups, lookalike.clone()).await;
    refused.assert_error(422, "audience_too_small");
    assert_eq!(refused.json()["error"]["details"]["seed_minimum"], 100);
    let mut followers = Vec::new();
    for n in 0..100 {
        let fan = app.signup(&format!("fan_{n}")).await;
        app.put(&fan, "/api/v1/me/interests", json!({ "topics": ["护肤", "美妆"] })).await.assert_status(200);
        app.post(&fan, "/api/v1/actors/glow_lab/follow", json!({})).await.assert_status(200);
        followers.push(app.user_id(&fan).await);
    }
    let mut alike = Vec::new();
    for n in 0..25 {
        let member = app.signup(&format!("alike_{n}")).await;
        app.put(&member, "/api/v1/me/interests", json!({ "topics": ["护肤"] })).await.assert_status(200);
        alike.push(app.user_id(&member).await);
    }
    let traveller = app.signup("traveller").await;
    app.put(&traveller, "/api/v1/me/interests", json!({ "topics": ["旅行"] })).await.assert_status(200);
    app.sync().await;
    let built = app.post(&owner, &groups, lookalike).await;
    built.assert_status(201);
    let lookalike = &built.json()["targeting"]["lookalike"];
    assert_eq!((lookalike["seed_size"].as_i64(), lookalike["audience_size"].as_i64()), (Some(100), Some(25)));
    let built_id: carmine_core::Id = id(&built.json()).parse().unwrap();
    let mut conn = app.db.reader().await.unwrap();
    let member = |raw: &str| raw.parse::<carmine_core::Id>().unwrap();
    for fan in &followers {
        assert!(!carmine_store::ads::in_audience(&mut conn, built_id, member(fan)).await.unwrap(), "never the seed");
    }
    for similar in &alike {
        assert!(carmine_store::ads::in_audience(&mut conn, built_id, member(similar)).await.unwrap());
    }
    let traveller_id = member(&app.user_id(&traveller).await);
    assert!(!carmine_store::ads::in_audience(&mut conn, built_id, traveller_id).await.unwrap());
    drop(conn);

    // Replacing the targeting is checked like creating it.
    let path = format!("/api/v1/ads/groups/{group_id}");
    app.patch(&owner, &path, json!({ "targeting": { "interests": ["护肤"] } }))
        .await
        .assert_error(422, "invalid_field");
    let changed =
        app.patch(&owner, &path, json!({ "placements": ["feed"], "targeting": { "interests": ["护肤"] } })).await;
    changed.assert_status(200);
    assert_eq!(changed.json()["targeting"]["keywords"], json!([]));
    for bad in [
        json!({ "keywords": [{ "text": "防晒", "match": "fuzzy" }] }),
        json!({ "keywords": [{ "text": "   " }] }),
        json!({ "demographics": { "age_bands": ["0-17"] } }),
        json!({ "lookalike": "everyone" }),
        json!({ "keywords": [], "sql": "1=1" }),
    ] {
        let response = app.post(&owner, &groups, body(bad.clone())).await;
        assert!(matches!(response.code().as_str(), "invalid_field" | "unknown_field"), "{bad}: {}", response.text());
    }
}

async fn the_simulator_runs_the_production_auction(t: TestDb) {
    let app = TestApp::new(t).await;
    let (owner, _) = store(&app, "glow_lab", "brand_official").await;
    let path = "/api/v1/ads/auction/simulate";
    let request = json!({
        "placement": "feed",
        "slots": [0, 0],
        "candidates": [
            { "id": "C", "pricing": "cpm", "bid": cny(2_500), "predicted_ctr": 0.01 },
            { "id": "B", "pricing": "cpc", "bid": cny(150), "predicted_ctr": 0.02 },
            { "id": "A", "pricing": "cpc", "bid": cny(200), "predicted_ctr": 0.03 },
            { "id": "cheap", "pricing": "cpc", "bid": cny(1), "predicted_ctr": 0.01 }
        ]
    });
    let outcome = app.post(&owner, path, request.clone()).await;
    outcome.assert_status(200);
    let outcome = outcome.json();
    assert_eq!(outcome["reserve"], cny(500), "the feed's reserve eCPM");
    let winners: Vec<(String, i64)> = outcome["winners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["id"].as_str().unwrap().to_owned(), w["price"]["amount_minor"].as_i64().unwrap()))
        .collect();
    assert_eq!(winners, [("A".to_owned(), 101), ("B".to_owned(), 126)], "each pays just enough to keep its place");
    let ranked: Vec<&str> = outcome["ranked"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ranked, ["A", "B", "C"], "the cheap one is under the reserve");
    // The relevance floor: a slot over a much better organic note stays organic.
    let floored = app
        .post(&owner, path, json!({ "placement": "feed", "slots": [10.0], "candidates": request["candidates"] }))
        .await;
    assert_eq!(floored.json()["winners"], json!([]));

    let loner = app.signup("loner").await;
    app.post(&loner, path, request.clone()).await.assert_error(403, "forbidden");
    app.post(&Client::default(), path, request.clone()).await.assert_status(401);
    let with = |key: &str, value: Value| {
        let mut body = request.clone();
        body["candidates"][0][key] = value;
        body
    };
    for body in [
        with("predicted_ctr", json!(0)),
        with("predicted_ctr", json!(1.5)),
        with("bid", cny(0)),
        with("pricing", json!("cpa")),
        with("engagement", json!(-1)),
        with("id", json!("")),
        json!({ "placement": "moon", "slots": [0], "candidates": [] }),
        json!({ "placement": "feed", "slots": [-1], "candidates": [] }),
    ] {
        app.post(&owner, path, body.clone()).await.assert_error(422, "invalid_field");
    }
    let many: Vec<Value> = (0..201)
        .map(|n| json!({ "id": format!("c{n}"), "pricing": "cpm", "bid": cny(1_000), "predicted_ctr": 0.01 }))
        .collect();
    app.post(&owner, path, json!({ "placement": "search", "slots": [0], "candidates": many }))
        .await
        .assert_error(413, "batch_too_large");
    app.post(&owner, path, json!({ "placement": "search", "slots": vec![0; 11], "candidates": [] }))
        .await
        .assert_error(413, "batch_too_large");
}
