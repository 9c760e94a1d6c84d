//! Campaign reports: what was served (impressions, reach, frequency), billed (gross,
//! invalid, net), brought (engagements) and bought (conversions within 7 days of a
//! click, revenue, ROAS), by day and by placement; groups of fewer than 50 members
//! left out but kept in the total; CSV with a BOM and the time zone; preliminary until
//! invalid traffic has been looked for past the range; another advertiser gets 404.

use axum::http::Method;
use carmine_ads::events::{EventInput, EventKind};
use carmine_ads::{FillRequest, Placement};
use carmine_core::Id;
use carmine_store::testing::TestDb;
use serde_json::json;

use crate::ads_billing::{event, running_ad};
use crate::helpers::TestApp;
use crate::orders::{address, checkout, stocked};

carmine_store::both_backends!(reports_show_what_was_served_billed_brought_and_bought);

const PHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148";

async fn reports_show_what_was_served_billed_brought_and_bought(t: TestDb) {
    let app = TestApp::new(t).await;
    let (owner, org, campaign, _, note) = running_ad(&app, 100_000, 50_000, "cpc").await;
    let page: Vec<Id> = (1..=30).map(|n| Id::from_i64(700_000 + n)).collect();
    let fill = |viewer: String, member: Option<Id>| {
        let page = page.clone();
        let ads = app.services.ads.clone();
        async move {
            let request = FillRequest {
                placement: Placement::Feed,
                member,
                viewer_key: &viewer,
                page_notes: &page,
                context_topics: Vec::new(),
                query: None,
            };
            ads.fill(&request).await.unwrap()
        }
    };
    // Three visitors are served; one clicks. A member is served twice, clicks, likes
    // the note and buys from the brand's store.
    let mut served = 0;
    let mut billed = 0;
    for n in 0..3 {
        let key = format!("vreport{n:03}");
        let ads = fill(key.clone(), None).await;
        served += ads.len();
        if n == 0 {
            let input = EventInput {
                token: &ads[0].token,
                kind: EventKind::Click,
                member: None,
                viewer: &key,
                user_agent: PHONE,
            };
            billed += app.services.ads.record_event(&input).await.unwrap().cost_millis / 1_000;
        }
    }
    let buyer = app.signup("report_buyer").await;
    let buyer_id: Id = app.user_id(&buyer).await.parse().unwrap();
    let first = fill(format!("m{buyer_id}"), Some(buyer_id)).await;
    app.clock.advance_seconds(60);
    served += first.len() + fill(format!("m{buyer_id}"), Some(buyer_id)).await.len();
    let clicked = event(&app, &buyer, &first[0].token, "click").await.json();
    billed += clicked["cost"]["amount_minor"].as_i64().unwrap();
    let headers = [("carmine-ad-token", first[0].token.as_str())];
    app.send_with(&buyer, Method::POST, &format!("/api/v1/notes/{note}/like"), Some(json!({})), &headers)
        .await
        .assert_status(200);
    let store_id = {
        let mut conn = app.db.reader().await.unwrap();
        carmine_store::stores::get_by_org(&mut conn, org).await.unwrap().unwrap().id.to_string()
    };
    let (_, sku) = stocked(&app, &owner, &store_id, "防晒霜 Sunscreen", 9_900, 5).await;
    let home = address(&app, &buyer, "CN-SH").await;
    app.post(&buyer, "/api/v1/cart", json!({ "sku_id": sku, "quantity": 1 })).await.assert_status(200);
    let quote = app.post(&buyer, "/api/v1/checkout/quote", json!({ "address_id": home })).await.json();
    let total = quote["total"]["amount_minor"].as_i64().unwrap();
    checkout(&app, &buyer, "buy-1", &home, total, "sandbox_success").await.assert_status(201);
    app.sync().await;
    assert_eq!(served, 5, "one sponsored card per page of this campaign");

    let path = format!("/api/v1/ads/reports?campaign={campaign}&from=2026-01-01&to=2026-01-01");
    let report = app.get(&owner, &path).await.json();
    let total_row = &report["total"];
    assert_eq!((report["by"].as_str(), report["time_zone"].as_str()), (Some("day"), Some("Asia/Shanghai")));
    assert_eq!(report["rows"].as_array().unwrap().len(), 1, "{report}");
    assert_eq!(
        [&total_row["impressions"], &total_row["reach"], &total_row["clicks"]],
        [&json!(5), &json!(4), &json!(2)],
        "{report}"
    );
    assert_eq!(total_row["frequency"], 1.25);
    assert_eq!(
        (total_row["gross"]["amount_minor"].as_i64(), total_row["net"]["amount_minor"].as_i64()),
        (Some(billed), Some(billed))
    );
    assert_eq!((total_row["engagements"].as_i64(), total_row["conversions"].as_i64()), (Some(1), Some(1)));
    assert_eq!(total_row["revenue"]["amount_minor"], total);
    assert!(total_row["roas"].as_f64().unwrap() > 1.0, "{report}");
    assert_eq!((report["preliminary"].as_bool(), report["rows"][0]["preliminary"].as_bool()), (Some(true), Some(true)));
    let placements = app.get(&owner, &format!("{path}&by=placement")).await.json();
    assert_eq!(placements["rows"][0]["key"], "feed");
    assert_eq!(placements["rows"][0]["clicks"], 2);

    // Fewer than 50 members in each gender group: left out, kept in the total.
    let genders = app.get(&owner, &format!("{path}&by=gender")).await.json();
    assert_eq!(genders["rows"], json!([]));
    assert!(genders["suppressed"].as_u64().unwrap() >= 1 && genders["cell_min"] == 50, "{genders}");
    assert_eq!(genders["total"]["impressions"], 5);

    // CSV: a BOM, the time zone in the header, one line per day and the total.
    let csv = app.get(&owner, &path.replace("/reports?", "/reports.csv?")).await;
    csv.assert_status(200);
    let text = csv.text();
    assert!(text.starts_with("\u{feff}day (Asia/Shanghai),impressions,reach,"), "{text}");
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(text.lines().last().unwrap().starts_with("total,5,4,1.25,"), "{text}");

    // Once invalid traffic has been looked for past the day, the day is final.
    app.clock.set(carmine_core::Timestamp::parse_rfc3339("2026-01-02T02:00:00+08:00").unwrap());
    app.scheduler.ensure_recurring().await.unwrap();
    app.run_jobs().await;
    let settled = app.get(&owner, &path).await.json();
    assert_eq!(settled["preliminary"], false, "{settled}");

    // Bad requests, and another advertiser.
    for bad in ["&by=week", "&from=2026-01-03&to=2026-01-01", "&from=2025-01-01&to=2026-01-01", "&to=31/01/2026"] {
        let base = format!("/api/v1/ads/reports?campaign={campaign}");
        app.get(&owner, &format!("{base}{bad}")).await.assert_error(422, "invalid_field");
    }
    let rival = app.signup("report_rival").await;
    app.get(&rival, &path).await.assert_error(404, "ad_campaign_not_found");

    // The page: tabs, the chart, the table, the CSV link; in Chinese too.
    let html = app
        .get(&owner, &format!("/o/glow_lab/manage/ads/campaigns/{campaign}/report?from=2026-01-01&to=2026-01-01"))
        .await;
    html.assert_status(200);
    let html = html.text();
    assert!(
        html.contains("id=\"report-chart\"") && html.contains("id=\"report-total\"") && html.contains("reports.csv?")
    );
    let zh = app
        .send_with(
            &owner,
            Method::GET,
            &format!("/o/glow_lab/manage/ads/campaigns/{campaign}/report?by=gender"),
            None,
            &[("accept-language", "zh-CN")],
        )
        .await
        .text();
    assert!(zh.contains("数据报告") && zh.contains("未列出"), "{zh}");
}
