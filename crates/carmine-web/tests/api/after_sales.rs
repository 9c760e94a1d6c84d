//! After-sales (ADR 0026): refunds before settlement come out of the escrow; a refund
//! after the merchant and the creator were paid out claws back commission, affiliate
//! commission and the merchant's share into "owed" accounts, netted at the next
//! settlement — every balance checked; returns with restocking; timers that approve,
//! close and receive; escalation to the operator; and the bad input the issue lists.

use carmine_core::Id;
use carmine_core::money::Currency;
use carmine_ledger::{AccountKind, AccountRef, Owner, Stream};
use carmine_store::testing::TestDb;
use serde_json::{Value, json};

use crate::catalogue::store;
use crate::helpers::{Client, ORIGIN, TestApp};
use crate::orders::{address, assert_books_balance, checkout, cny, escrow, stocked};

carmine_store::both_backends!(
    a_refund_after_payout_is_clawed_back_and_netted_at_the_next_settlement,
    returns_timers_and_arbitration,
    after_sales_refuse_what_they_must,
    an_after_sale_through_the_pages,
    hostile_text_on_order_forms_is_kept_exactly_or_refused_cleanly,
);

const DAY: i64 = 86_400;

async fn balance(app: &TestApp, owner: Owner, kind: AccountKind) -> i64 {
    app.services.ledger.balance(AccountRef::new(owner, kind, Currency::CNY)).await.unwrap().posted
}

fn minor(value: &Value) -> i64 {
    value["amount_minor"].as_i64().unwrap_or_else(|| panic!("no amount in {value}"))
}

/// An app whose sessions outlive the weeks a walk spans, with `free` minor units of
/// commission-free sales per store.
async fn app_with(t: TestDb, free: i64) -> TestApp {
    let app = TestApp::with_services(t, carmine_web::WebConfig::new(ORIGIN), |c| {
        c.orders.commission_free_minor = free;
        c.accounts.session_idle_seconds = 200 * DAY;
        c.accounts.session_absolute_seconds = 300 * DAY;
    })
    .await;
    app.scheduler.ensure_recurring().await.unwrap();
    app
}

/// A buyer (and the creator whose note they read) buys `units` of `sku`; returns the
/// order.
async fn buy(app: &TestApp, buyer: &Client, home: &str, sku: &str, units: i64, key: &str) -> Value {
    app.post(buyer, "/api/v1/cart", json!({ "sku_id": sku, "quantity": units })).await.assert_status(200);
    let quote = app.post(buyer, "/api/v1/checkout/quote", json!({ "address_id": home })).await.json();
    let placed = checkout(app, buyer, key, home, minor(&quote["total"]), "sandbox_success").await;
    placed.assert_status(201);
    placed.json()["orders"][0].clone()
}

/// Ships, confirms and settles an order (a week after receipt).
async fn ship_receive_settle(app: &TestApp, owner: &Client, store_id: &str, buyer: &Client, order: &str) {
    app.post(
        owner,
        &format!("/api/v1/stores/{store_id}/orders/{order}/ship"),
        json!({ "carrier": "sf", "tracking_no": format!("SF{order}") }),
    )
    .await
    .assert_status(200);
    app.post(buyer, &format!("/api/v1/orders/{order}/receive"), json!({})).await.assert_status(200);
    app.clock.advance_seconds(7 * DAY + 60);
    app.run_jobs().await;
    assert_eq!(app.get(buyer, &format!("/api/v1/orders/{order}")).await.json()["status"], "settled");
}

async fn a_refund_after_payout_is_clawed_back_and_netted_at_the_next_settlement(t: TestDb) {
    let app = app_with(t, 0).await;
    let (owner, store_id) = store(&app, "tea_house", "brand_official").await;
    let (tea, sku) = stocked(&app, &owner, &store_id, "龙井 Longjing", 10_000, 10).await;
    app.patch(&owner, &format!("/api/v1/products/{tea}"), json!({ "affiliate_bps": 1_000 })).await.assert_status(200);
    // ¥8 shipping: it sits in the escrow, but no commission is charged on it.
    let template =
        app.get(&owner, &format!("/api/v1/stores/{store_id}")).await.json()["shipping_templates"][0]["id"].clone();
    app.put(
        &owner,
        &format!("/api/v1/stores/{store_id}/shipping-templates/{}", template.as_str().unwrap()),
        json!({ "name": "标准", "default_fee": cny(800), "free_over": cny(1_000_000), "fees": [] }),
    )
    .await
    .assert_status(200);
    let creator = app.signup("lanlan").await;
    let note = app.publish(&creator, "明前龙井", json!({})).await;
    app.put(&creator, &format!("/api/v1/notes/{note}/product-tags"), json!({ "tags": [{ "product_id": tea }] }))
        .await
        .assert_status(200);
    let buyer = app.signup("meimei").await;
    app.post(&buyer, &format!("/api/v1/notes/{note}/product-tags/{tea}/taps"), json!({})).await.assert_status(204);
    let home = address(&app, &buyer, "CN-SH").await;
    let order = buy(&app, &buyer, &home, &sku, 2, "k1").await;
    let order_id = order["id"].as_str().unwrap().to_owned();
    let total = minor(&order["total"]);
    assert_eq!(total, 20_800);
    let line = order["lines"][0]["id"].as_str().unwrap().to_owned();
    ship_receive_settle(&app, &owner, &store_id, &buyer, &order_id).await;

    // The split: ¥200 of tea at 5 %, 10 % to the creator, 0.6 % fee.
    let org: Id = {
        let mut conn = app.db.reader().await.unwrap();
        carmine_store::stores::get(&mut conn, store_id.parse().unwrap()).await.unwrap().unwrap().org_id
    };
    let creator_id: Id = app.user_id(&creator).await.parse().unwrap();
    let (commission, affiliate, fee) = (1_000, 2_000, total * 60 / 10_000);
    let merchant = total - commission - affiliate - fee;
    assert_eq!(balance(&app, Owner::Org(org), AccountKind::Earnings).await, merchant);
    assert_eq!(balance(&app, Owner::User(creator_id), AccountKind::Earnings).await, affiliate);
    assert_eq!(escrow(&app).await, 0);

    // Both withdraw everything, and the operator's batch pays them out.
    let account = json!({ "holder_name": "茶舍", "account_number": "6222020200112233" });
    app.put(&owner, "/api/v1/orgs/tea_house/payout-account", account.clone()).await.assert_status(200);
    app.post_keyed(&owner, "/api/v1/orgs/tea_house/payouts", "w1", json!({ "amount": cny(merchant) }))
        .await
        .assert_status(201);
    app.put(&creator, "/api/v1/me/payout-account", account).await.assert_status(200);
    app.post_keyed(&creator, "/api/v1/me/payouts", "w2", json!({ "amount": cny(affiliate) })).await.assert_status(201);
    let admin = app.admin("operator").await;
    app.post(&admin, "/api/v1/admin/payouts/batches", json!({})).await.assert_status(200);
    assert_eq!(balance(&app, Owner::Org(org), AccountKind::Earnings).await, 0);
    assert_eq!(balance(&app, Owner::User(creator_id), AccountKind::Earnings).await, 0);

    // The buyer asks for one tea's money back; the store approves.
    let asked = app
        .post(
            &buyer,
            &format!("/api/v1/orders/{order_id}/after-sales"),
            json!({ "line_id": line, "kind": "refund_only", "quantity": 1, "reason": "茶叶受潮 damp leaves" }),
        )
        .await;
    asked.assert_status(201);
    let asked = asked.json();
    assert_eq!((asked["status"].as_str(), minor(&asked["amount"])), (Some("requested"), 10_000));
    let request = asked["id"].as_str().unwrap();
    let approved =
        app.post(&owner, &format!("/api/v1/stores/{store_id}/after-sales/{request}/approve"), json!({})).await;
    approved.assert_status(200);
    assert_eq!(approved.json()["status"], "refunded");

    // Half the goods back: half the line's commission (not a share of the escrow, which
    // holds the shipping too) and of the creator's commission come back, the rest is
    // the merchant's; with nothing left to take, both owe it.
    let (commission_back, affiliate_back) = (500, 1_000);
    let merchant_back = 10_000 - commission_back - affiliate_back;
    assert_eq!(balance(&app, Owner::Org(org), AccountKind::OwedByMerchant).await, -merchant_back);
    assert_eq!(balance(&app, Owner::User(creator_id), AccountKind::OwedByCreator).await, -affiliate_back);
    assert_eq!(balance(&app, Owner::Org(org), AccountKind::Earnings).await, 0, "never below zero");
    assert_eq!(
        balance(&app, Owner::Platform, AccountKind::Revenue(Stream::CommerceCommissions)).await,
        commission - commission_back
    );
    let order_now = app.get(&buyer, &format!("/api/v1/orders/{order_id}")).await.json();
    assert_eq!(minor(&order_now["refunded"]), 10_000);
    let earnings = app.get(&creator, "/api/v1/me/affiliate-earnings").await.json();
    assert_eq!(minor(&earnings["total"]), affiliate - affiliate_back);
    assert_books_balance(&app).await;

    // The next order (the buyer read the note again) settles: what the merchant and
    // the creator owe is netted first.
    app.post(&buyer, &format!("/api/v1/notes/{note}/product-tags/{tea}/taps"), json!({})).await.assert_status(204);
    let second = buy(&app, &buyer, &home, &sku, 3, "k2").await;
    let second_id = second["id"].as_str().unwrap().to_owned();
    let second_total = minor(&second["total"]);
    ship_receive_settle(&app, &owner, &store_id, &buyer, &second_id).await;
    let second_merchant = second_total - 1_500 - second_total * 60 / 10_000 - 3_000;
    let statement = app.get(&owner, &format!("/api/v1/stores/{store_id}/settlements")).await.json();
    let row = statement["orders"].as_array().unwrap().iter().find(|r| r["order_id"] == second_id.as_str()).unwrap();
    assert_eq!((minor(&row["merchant"]), minor(&row["netted"])), (second_merchant, merchant_back));
    assert_eq!(balance(&app, Owner::Org(org), AccountKind::OwedByMerchant).await, 0);
    assert_eq!(balance(&app, Owner::Org(org), AccountKind::Earnings).await, second_merchant - merchant_back);
    // The creator's debt is netted from their next commission too.
    assert_eq!(balance(&app, Owner::User(creator_id), AccountKind::OwedByCreator).await, 0);
    assert_eq!(balance(&app, Owner::User(creator_id), AccountKind::Earnings).await, 3_000 - affiliate_back);
    assert_eq!(escrow(&app).await, 0);
    assert_books_balance(&app).await;
}

async fn returns_timers_and_arbitration(t: TestDb) {
    let app = app_with(t, 10_000_000).await;
    let (owner, store_id) = store(&app, "tea_house", "brand_official").await;
    let (tea, sku) = stocked(&app, &owner, &store_id, "白茶 White tea", 5_000, 10).await;
    let buyer = app.signup("meimei").await;
    let home = address(&app, &buyer, "CN-SH").await;
    let order = buy(&app, &buyer, &home, &sku, 4, "k1").await;
    let order_id = order["id"].as_str().unwrap().to_owned();
    let line = order["lines"][0]["id"].as_str().unwrap().to_owned();
    app.post(
        &owner,
        &format!("/api/v1/stores/{store_id}/orders/{order_id}/ship"),
        json!({ "carrier": "sf", "tracking_no": "SF1" }),
    )
    .await
    .assert_status(200);
    app.post(&buyer, &format!("/api/v1/orders/{order_id}/receive"), json!({})).await.assert_status(200);
    let ask = |kind: &'static str, quantity: i64| {
        let (app, buyer, order_id, line) = (&app, &buyer, order_id.clone(), line.clone());
        async move {
            let response = app
                .post(
                    buyer,
                    &format!("/api/v1/orders/{order_id}/after-sales"),
                    json!({ "line_id": line, "kind": kind, "quantity": quantity, "reason": "不喜欢 changed my mind" }),
                )
                .await;
            response.assert_status(201);
            response.json()["id"].as_str().unwrap().to_owned()
        }
    };
    let base = format!("/api/v1/stores/{store_id}/after-sales");

    // A return: approved, shipped back, confirmed with restocking — 10 on hand, 4 sent, 1 back.
    let returned = ask("return_refund", 1).await;
    app.post(&owner, &format!("{base}/{returned}/approve"), json!({})).await.assert_status(200);
    let shipped = app
        .post(
            &buyer,
            &format!("/api/v1/after-sales/{returned}/return"),
            json!({ "carrier": "zto", "tracking_no": "ZTO9" }),
        )
        .await;
    shipped.assert_status(200);
    assert_eq!(shipped.json()["status"], "returned");
    let confirmed = app.post(&owner, &format!("{base}/{returned}/receive"), json!({ "restock": true })).await;
    confirmed.assert_status(200);
    assert_eq!(
        (confirmed.json()["status"].as_str(), confirmed.json()["restocked"].as_bool()),
        (Some("refunded"), Some(true))
    );
    let product = app.get(&owner, &format!("/api/v1/products/{tea}")).await.json();
    assert_eq!(product["variants"][0]["stock"][0]["on_hand"], 7, "{product}");

    // Unanswered for 48 hours: approved by the timer (a refund only is refunded).
    let unanswered = ask("refund_only", 1).await;
    // While it is open the order does not settle, even past its settlement date.
    app.clock.advance_seconds(48 * 3_600 - 60);
    app.run_jobs().await;
    let listed = app.get(&owner, &format!("{base}?status=requested")).await.json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    app.clock.advance_seconds(120);
    app.run_jobs().await;
    let all = app.get(&buyer, &format!("/api/v1/orders/{order_id}/after-sales")).await.json();
    let timed = all["items"].as_array().unwrap().iter().find(|r| r["id"] == unanswered.as_str()).unwrap();
    assert_eq!((timed["status"].as_str(), timed["decided_by"].as_str()), (Some("refunded"), Some("timer")));

    // Rejected, escalated, and decided for the buyer by the operator.
    let disputed = ask("refund_only", 1).await;
    let rejected = app.post(&owner, &format!("{base}/{disputed}/reject"), json!({ "note": "包装已拆 opened" })).await;
    rejected.assert_status(200);
    assert_eq!(rejected.json()["status"], "rejected");
    app.post(&buyer, &format!("/api/v1/after-sales/{disputed}/escalate"), json!({})).await.assert_status(200);
    let admin = app.admin("operator").await;
    let queue = app.get(&admin, "/api/v1/admin/after-sales").await.json();
    assert_eq!(queue["items"][0]["id"], disputed.as_str());
    app.get(&buyer, "/api/v1/admin/after-sales").await.assert_status(403);
    let decided = app
        .post(
            &admin,
            &format!("/api/v1/admin/after-sales/{disputed}/decide"),
            json!({ "for_party": "buyer", "note": "质量问题" }),
        )
        .await;
    decided.assert_status(200);
    assert_eq!(
        (decided.json()["status"].as_str(), decided.json()["decided_by"].as_str()),
        (Some("refunded"), Some("operator"))
    );

    // A return approved but never shipped back closes after 7 days; the order then
    // settles with what is left.
    let lapsed = ask("return_refund", 1).await;
    app.post(&owner, &format!("{base}/{lapsed}/approve"), json!({})).await.assert_status(200);
    app.clock.advance_seconds(7 * DAY + 60);
    app.run_jobs().await;
    let all = app.get(&buyer, &format!("/api/v1/orders/{order_id}/after-sales")).await.json();
    let closed = all["items"].as_array().unwrap().iter().find(|r| r["id"] == lapsed.as_str()).unwrap();
    assert_eq!(closed["status"], "closed");
    app.run_jobs().await;
    // The timer's refund goes out with the payments sweep.
    app.services.payments.resume_stale(0).await.unwrap();
    let settled = app.get(&buyer, &format!("/api/v1/orders/{order_id}")).await.json();
    assert_eq!((settled["status"].as_str(), minor(&settled["refunded"])), (Some("settled"), 15_000));
    let row = &app.get(&owner, &format!("/api/v1/stores/{store_id}/settlements")).await.json()["orders"][0];
    assert_eq!(minor(&row["escrow"]), minor(&settled["total"]) - 15_000);
    assert_eq!(escrow(&app).await, 0);
    assert_books_balance(&app).await;
}

async fn after_sales_refuse_what_they_must(t: TestDb) {
    let app = app_with(t, 0).await;
    let (owner, store_id) = store(&app, "tea_house", "brand_official").await;
    let (other_owner, other_store) = store(&app, "cup_works", "authorised_reseller").await;
    let (_, sku) = stocked(&app, &owner, &store_id, "红茶 Black tea", 5_000, 10).await;
    let buyer = app.signup("meimei").await;
    let stranger = app.signup("stranger").await;
    let home = address(&app, &buyer, "CN-SH").await;
    let order = buy(&app, &buyer, &home, &sku, 2, "k1").await;
    let order_id = order["id"].as_str().unwrap().to_owned();
    let line = order["lines"][0]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/orders/{order_id}/after-sales");
    let body =
        |kind: &str, quantity: i64| json!({ "line_id": line, "kind": kind, "quantity": quantity, "reason": "坏了" });
    let events = app.event_count().await;

    // Not received yet.
    app.post(&buyer, &path, body("refund_only", 1)).await.assert_error(409, "after_sale_not_allowed");
    // Someone else's order.
    app.post(&stranger, &path, body("refund_only", 1)).await.assert_error(404, "order_not_found");
    assert_eq!(app.event_count().await, events, "nothing changed");

    app.post(
        &owner,
        &format!("/api/v1/stores/{store_id}/orders/{order_id}/ship"),
        json!({ "carrier": "sf", "tracking_no": "SF1" }),
    )
    .await
    .assert_status(200);
    app.post(&buyer, &format!("/api/v1/orders/{order_id}/receive"), json!({})).await.assert_status(200);
    let events = app.event_count().await;
    for (bad, code) in [
        (body("refund_only", 0), "invalid_field"),
        (body("refund_only", 3), "invalid_field"),
        (body("exchange", 1), "invalid_field"),
        (json!({ "line_id": "42", "kind": "refund_only", "quantity": 1, "reason": "x" }), "invalid_field"),
        (json!({ "line_id": line, "kind": "refund_only", "quantity": 1, "reason": "" }), "invalid_field"),
        (json!({ "line_id": line, "kind": "refund_only", "quantity": 1, "reason": "x".repeat(501) }), "invalid_field"),
        (
            json!({ "line_id": line, "kind": "refund_only", "quantity": 1, "reason": "x", "amount": cny(5_001) }),
            "refund_exceeds_payment",
        ),
        (
            json!({ "line_id": line, "kind": "refund_only", "quantity": 1, "reason": "x", "amount": cny(0) }),
            "refund_exceeds_payment",
        ),
        (
            json!({ "line_id": line, "kind": "refund_only", "quantity": 1, "reason": "x", "status": "refunded" }),
            "unknown_field",
        ),
    ] {
        let response = app.post(&buyer, &path, bad.clone()).await;
        assert_eq!(response.status.as_u16(), 422, "{bad}: {}", response.text());
        assert_eq!(response.code(), code, "{bad}");
    }
    assert_eq!(app.event_count().await, events, "nothing changed");

    // A request another store's staff cannot touch, nor a stranger withdraw.
    let asked = app.post(&buyer, &path, body("refund_only", 1)).await.json();
    let id = asked["id"].as_str().unwrap();
    let foreign =
        app.post(&other_owner, &format!("/api/v1/stores/{other_store}/after-sales/{id}/approve"), json!({})).await;
    foreign.assert_error(404, "after_sale_not_found");
    let foreign =
        app.post(&other_owner, &format!("/api/v1/stores/{store_id}/after-sales/{id}/approve"), json!({})).await;
    assert!(matches!(foreign.status.as_u16(), 403 | 404), "{}", foreign.text());
    app.post(&stranger, &format!("/api/v1/after-sales/{id}/cancel"), json!({}))
        .await
        .assert_error(404, "after_sale_not_found");
    // Units already asked about cannot be asked about twice.
    app.post(&buyer, &path, body("refund_only", 2)).await.assert_error(422, "invalid_field");
    // A return cannot be confirmed before it was shipped back; a rejection needs a note.
    app.post(&owner, &format!("/api/v1/stores/{store_id}/after-sales/{id}/receive"), json!({}))
        .await
        .assert_error(409, "after_sale_not_open");
    app.post(&owner, &format!("/api/v1/stores/{store_id}/after-sales/{id}/reject"), json!({ "note": " " }))
        .await
        .assert_error(422, "invalid_field");
    // Withdrawn, it cannot be approved; the buyer may ask again.
    app.post(&buyer, &format!("/api/v1/after-sales/{id}/cancel"), json!({})).await.assert_status(200);
    app.post(&owner, &format!("/api/v1/stores/{store_id}/after-sales/{id}/approve"), json!({}))
        .await
        .assert_error(409, "after_sale_not_open");
    app.post(&buyer, &path, body("refund_only", 2)).await.assert_status(201);
    // After 15 days no more requests; the refunds never passed what was paid.
    app.clock.advance_seconds(15 * DAY);
    app.post(&buyer, &path, body("refund_only", 1)).await.assert_error(409, "after_sale_window_closed");
    assert_books_balance(&app).await;
}

async fn an_after_sale_through_the_pages(t: TestDb) {
    use crate::pages::form;
    let app = app_with(t, 0).await;
    let (owner, store_id) = store(&app, "tea_house", "brand_official").await;
    let (_, sku) = stocked(&app, &owner, &store_id, "乌龙 Oolong", 6_000, 10).await;
    let buyer = app.signup("meimei").await;
    let home = address(&app, &buyer, "CN-SH").await;
    let order = buy(&app, &buyer, &home, &sku, 2, "k1").await;
    let order_id = order["id"].as_str().unwrap().to_owned();
    let line = order["lines"][0]["id"].as_str().unwrap().to_owned();
    // Before receipt the order page offers no after-sale.
    let page = app.get(&buyer, &format!("/orders/{order_id}")).await.text();
    assert!(!page.contains(&format!("id=\"after-sale-{line}\"")), "{page}");
    app.post(
        &owner,
        &format!("/api/v1/stores/{store_id}/orders/{order_id}/ship"),
        json!({ "carrier": "sf", "tracking_no": "SF1" }),
    )
    .await
    .assert_status(200);
    app.post(&buyer, &format!("/api/v1/orders/{order_id}/receive"), json!({})).await.assert_status(200);
    let page = app.get(&buyer, &format!("/orders/{order_id}")).await.text();
    assert!(page.contains(&format!("href=\"/orders/{order_id}/after-sale?line={line}\"")), "{page}");

    // The form: a bad amount keeps what was typed; a good request goes through.
    let ask = app.get(&buyer, &format!("/orders/{order_id}/after-sale?line={line}")).await;
    assert_eq!(ask.status, 200, "{}", ask.text());
    assert!(ask.text().contains("value=\"return_refund\"") && ask.text().contains("max=\"2\""), "{}", ask.text());
    let path = format!("/orders/{order_id}/after-sales");
    let reason = "少了一包 one pack missing";
    let fields = |amount| {
        [("line_id", line.as_str()), ("kind", "refund_only"), ("quantity", "1"), ("amount", amount), ("reason", reason)]
    };
    let refused = form(&app, &buyer, &path, &fields("61")).await;
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert!(refused.text().contains("少了一包"), "{}", refused.text());
    let sent = form(&app, &buyer, &path, &fields("")).await;
    assert_eq!(sent.status, 303, "{}", sent.text());
    let request = app.get(&buyer, &format!("/api/v1/orders/{order_id}/after-sales")).await.json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // The store rejects it from the console; the buyer escalates from the order page.
    let console = app.get(&owner, "/o/tea_house/manage/orders").await.text();
    assert!(console.contains(&format!("id=\"store-after-sale-{request}\"")), "{console}");
    let rejected =
        form(&app, &owner, &format!("/o/tea_house/after-sales/{request}/reject"), &[("note", "已核实 all packed")])
            .await;
    assert_eq!(rejected.status, 303, "{}", rejected.text());
    let page = app.get(&buyer, &format!("/orders/{order_id}")).await.text();
    assert!(page.contains("已核实 all packed") && page.contains(&format!("/after-sales/{request}/escalate")), "{page}");
    let escalated = form(&app, &buyer, &format!("/after-sales/{request}/escalate"), &[]).await;
    assert_eq!(escalated.status, 303, "{}", escalated.text());

    // The operator decides for the buyer: refunded.
    let admin = app.admin("operator").await;
    let queue = app.get(&admin, "/admin/arbitration").await.text();
    assert!(queue.contains(&format!("id=\"arbitration-{request}\"")), "{queue}");
    assert_eq!(app.get(&buyer, "/admin/arbitration").await.status.as_u16(), 403);
    let decided = form(
        &app,
        &admin,
        &format!("/admin/arbitration/{request}"),
        &[("for_party", "buyer"), ("note", "物流记录显示缺件")],
    )
    .await;
    assert_eq!(decided.status, 303, "{}", decided.text());
    let after = app.get(&buyer, &format!("/api/v1/orders/{order_id}")).await.json();
    assert_eq!(minor(&after["refunded"]), 6_000);
    assert_books_balance(&app).await;
}

/// The text rule every order form uses (`carmine_core::text::bounded_text`): trimmed,
/// `min..=max` characters, no control characters but line breaks and tabs where
/// several lines are allowed.
fn fits(text: &str, min: usize, max: usize, multiline: bool) -> bool {
    let trimmed = text.trim();
    let length = trimmed.chars().count();
    (min..=max).contains(&length)
        && !trimmed.chars().any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\t' | '\r')))
}

/// Asserts a refusal names one of `fields` with `invalid_field` (a 422).
fn refused(response: &crate::helpers::TestResponse, fields: &[&str], text: &str) {
    assert_eq!(response.status, 422, "{text:?}: {}", response.text());
    let body = response.json();
    assert_eq!(body["error"]["code"], "invalid_field", "{text:?}: {body}");
    let field = body["error"]["details"]["field"].as_str().unwrap_or_default();
    assert!(fields.contains(&field), "{text:?}: {body}");
}

/// Arbitrary Unicode (and strings made of controls, direction marks and spaces) in the
/// address book, a tracking number, an after-sale's reason and a review: each is kept
/// exactly as trimmed, or refused with `invalid_field` naming the field — never a
/// server error — and a refusal changes nothing.
async fn hostile_text_on_order_forms_is_kept_exactly_or_refused_cleanly(t: TestDb) {
    use carmine_core::limits::{ADDRESS_DETAIL_CHARS_MAX, RECIPIENT_CHARS_MAX};
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;
    let app = app_with(t, 0).await;
    let (owner, store_id) = store(&app, "odd_shop", "brand_official").await;
    let (_, sku) = stocked(&app, &owner, &store_id, "奇怪 Odd", 5_000, 10).await;
    let buyer = app.signup("odd_buyer").await;
    let home = address(&app, &buyer, "CN-SH").await;
    let to_ship = buy(&app, &buyer, &home, &sku, 1, "k1").await["id"].as_str().unwrap().to_owned();
    let received = buy(&app, &buyer, &home, &sku, 1, "k2").await;
    let received_id = received["id"].as_str().unwrap().to_owned();
    let line = received["lines"][0]["id"].as_str().unwrap().to_owned();
    app.post(
        &owner,
        &format!("/api/v1/stores/{store_id}/orders/{received_id}/ship"),
        json!({ "carrier": "sf", "tracking_no": "SF1" }),
    )
    .await
    .assert_status(200);
    app.post(&buyer, &format!("/api/v1/orders/{received_id}/receive"), json!({})).await.assert_status(200);

    let texts = prop_oneof![
        any::<String>(),
        "\\PC{0,1100}",
        "[\\x00-\\x1f\\u{202a}-\\u{202e}\\u{200b} a-z0-9-]{0,45}",
        "[A-Z0-9-]{1,45}",
    ];
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut shipped, mut reviewed) = (false, false);
    let (mut accepted, mut refusals) = (0, 0);
    for _ in 0..48 {
        let text = texts.new_tree(&mut runner).unwrap().current();
        // The address book: recipient and detail.
        let added = app
            .post(
                &buyer,
                "/api/v1/addresses",
                json!({ "recipient": text, "phone": "13800138000", "region": "CN-SH", "detail": format!("{text}路") }),
            )
            .await;
        let detail = format!("{text}路");
        if fits(&text, 1, RECIPIENT_CHARS_MAX, false) && fits(&detail, 2, ADDRESS_DETAIL_CHARS_MAX, false) {
            added.assert_status(201);
            let kept = added.json();
            assert_eq!((kept["recipient"].as_str(), kept["detail"].as_str()), (Some(text.trim()), Some(detail.trim())));
            let id = kept["id"].as_str().unwrap();
            app.delete(&buyer, &format!("/api/v1/addresses/{id}"), None).await.assert_status(204);
            accepted += 1;
        } else {
            refused(&added, &["recipient", "detail"], &text);
            refusals += 1;
        }
        let book = app.get(&buyer, "/api/v1/addresses").await.json();
        assert_eq!(book["items"].as_array().unwrap().len(), 1, "a refusal adds nothing");

        // A tracking number: 1 to 40 letters, digits or hyphens.
        let ship = app
            .post(
                &owner,
                &format!("/api/v1/stores/{store_id}/orders/{to_ship}/ship"),
                json!({ "carrier": "zto", "tracking_no": text }),
            )
            .await;
        let plain = (1..=40).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        match (plain, shipped) {
            (true, false) => {
                ship.assert_status(200);
                assert_eq!(ship.json()["tracking_no"], text.as_str());
                shipped = true;
            }
            (true, true) => ship.assert_error(409, "order_not_shippable"),
            (false, _) => refused(&ship, &["tracking_no"], &text),
        }

        // An after-sale's reason, withdrawn again when it was taken.
        let asked = app
            .post(
                &buyer,
                &format!("/api/v1/orders/{received_id}/after-sales"),
                json!({ "line_id": line, "kind": "refund_only", "quantity": 1, "reason": text }),
            )
            .await;
        if fits(&text, 1, 500, true) {
            asked.assert_status(201);
            let request = asked.json();
            assert_eq!(request["reason"], text.trim());
            let id = request["id"].as_str().unwrap();
            app.post(&buyer, &format!("/api/v1/after-sales/{id}/cancel"), json!({})).await.assert_status(200);
        } else {
            refused(&asked, &["reason"], &text);
        }

        // A review: the first that fits is posted, later ones are already there.
        let review = app
            .post(
                &buyer,
                &format!("/api/v1/orders/{received_id}/reviews"),
                json!({ "line_id": line, "rating": 4, "body": text }),
            )
            .await;
        match (fits(&text, 0, 1_000, true), reviewed) {
            (true, false) => {
                review.assert_status(201);
                assert_eq!(review.json()["body"], text.trim());
                reviewed = true;
            }
            (true, true) => review.assert_error(409, "already_reviewed"),
            (false, _) => refused(&review, &["body"], &text),
        }
    }
    assert!(shipped && reviewed && accepted > 5 && refusals > 5, "the samples both fit and broke the rules");
    let order = app.get(&buyer, &format!("/api/v1/orders/{received_id}")).await.json();
    assert_eq!(minor(&order["refunded"]), 0, "withdrawn requests moved no money");
    assert_books_balance(&app).await;
}
