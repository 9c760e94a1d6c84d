//! From a paid order to settled money (ADR 0026): the merchant ships with a tracking
//! number, the sandbox carrier's events arrive, the buyer confirms (or the timer
//! does, later after a failed delivery and once extended), and settlement splits the
//! escrow exactly into the channel's fee, the platform's commission (less the
//! commission-free allowance), the creator's affiliate commission and the merchant's
//! share — every ledger balance checked, the statement and CSV agreeing.

use carmine_core::Id;
use carmine_core::money::Currency;
use carmine_ledger::{AccountKind, AccountRef, Owner, Stream};
use carmine_store::testing::TestDb;
use serde_json::{Value, json};

use crate::catalogue::store;
use crate::helpers::{Client, ORIGIN, TestApp};
use crate::orders::{address, assert_books_balance, checkout, escrow, stocked};

carmine_store::both_backends!(
    orders_ship_are_received_and_settle_into_exact_shares,
    shipping_and_receipt_refuse_what_they_must,
    a_merchant_ships_and_a_buyer_confirms_through_the_pages,
    order_tabs_and_the_operators_commerce_page,
);

const DAY: i64 = 86_400;

async fn balance(app: &TestApp, owner: Owner, kind: AccountKind) -> i64 {
    app.services.ledger.balance(AccountRef::new(owner, kind, Currency::CNY)).await.unwrap().posted
}

async fn org_of(app: &TestApp, store_id: &str) -> Id {
    let mut conn = app.db.reader().await.unwrap();
    carmine_store::stores::get(&mut conn, store_id.parse().unwrap()).await.unwrap().unwrap().org_id
}

fn minor(value: &Value) -> i64 {
    value["amount_minor"].as_i64().unwrap_or_else(|| panic!("no amount in {value}"))
}

fn order_of<'a>(placed: &'a Value, store_id: &str) -> &'a Value {
    placed["orders"].as_array().unwrap().iter().find(|o| o["store_id"] == store_id).unwrap()
}

/// A buyer who read a creator's note tagging the tea (10 % affiliate) checks out the
/// tea and a cup from two stores; returns (buyer, creator, placed checkout).
async fn two_store_purchase(
    app: &TestApp,
    tea_owner: &Client,
    tea_store: &str,
    cup_owner: &Client,
    cup_store: &str,
) -> (Client, Client, Value) {
    let (tea, tea_sku) = stocked(app, tea_owner, tea_store, "龙井 Longjing", 12_800, 5).await;
    let (_, cup_sku) = stocked(app, cup_owner, cup_store, "Celadon cup 青瓷杯", 6_600, 3).await;
    app.patch(tea_owner, &format!("/api/v1/products/{tea}"), json!({ "affiliate_bps": 1_000 }))
        .await
        .assert_status(200);
    let creator = app.signup("lanlan").await;
    let note = app.publish(&creator, "明前龙井 tasting notes", json!({})).await;
    app.put(&creator, &format!("/api/v1/notes/{note}/product-tags"), json!({ "tags": [{ "product_id": tea }] }))
        .await
        .assert_status(200);
    let buyer = app.signup("meimei").await;
    app.post(&buyer, &format!("/api/v1/notes/{note}/product-tags/{tea}/taps"), json!({})).await.assert_status(204);
    let home = address(app, &buyer, "CN-SH").await;
    app.post(&buyer, "/api/v1/cart", json!({ "sku_id": tea_sku, "quantity": 2 })).await.assert_status(200);
    app.post(&buyer, "/api/v1/cart", json!({ "sku_id": cup_sku, "quantity": 1 })).await.assert_status(200);
    let quote = app.post(&buyer, "/api/v1/checkout/quote", json!({ "address_id": home })).await.json();
    let total = minor(&quote["total"]);
    let placed = checkout(app, &buyer, "k1", &home, total, "sandbox_success").await;
    placed.assert_status(201);
    (buyer, creator, placed.json())
}

async fn orders_ship_are_received_and_settle_into_exact_shares(t: TestDb) {
    // Each store's first ¥100 of settled sales is free of commission; sessions outlive
    // the weeks this walk spans.
    let app = TestApp::with_services(t, carmine_web::WebConfig::new(ORIGIN), |c| {
        c.orders.commission_free_minor = 10_000;
        c.accounts.session_idle_seconds = 100 * DAY;
        c.accounts.session_absolute_seconds = 200 * DAY;
    })
    .await;
    let (tea_owner, tea_store) = store(&app, "tea_house", "brand_official").await;
    let (cup_owner, cup_store) = store(&app, "cup_works", "authorised_reseller").await;
    app.scheduler.ensure_recurring().await.unwrap();
    let (buyer, creator, placed) = two_store_purchase(&app, &tea_owner, &tea_store, &cup_owner, &cup_store).await;
    let tea_order = order_of(&placed, &tea_store)["id"].as_str().unwrap().to_owned();
    let cup_order = order_of(&placed, &cup_store)["id"].as_str().unwrap().to_owned();
    let tea_total = minor(&order_of(&placed, &tea_store)["total"]);
    let cup_total = minor(&order_of(&placed, &cup_store)["total"]);
    assert_eq!(escrow(&app).await, tea_total + cup_total);

    // The tea house ships; the units leave the warehouse (5 on hand, 2 sent).
    let shipped = app
        .post(
            &tea_owner,
            &format!("/api/v1/stores/{tea_store}/orders/{tea_order}/ship"),
            json!({ "carrier": "sf", "tracking_no": "SF1234567890" }),
        )
        .await;
    shipped.assert_status(200);
    let shipped = shipped.json();
    assert_eq!((shipped["status"].as_str(), shipped["carrier"].as_str()), (Some("shipped"), Some("sf")));
    let shipped_at = carmine_core::Timestamp::parse_rfc3339(shipped["shipped_at"].as_str().unwrap()).unwrap();
    let receive_by = carmine_core::Timestamp::parse_rfc3339(shipped["receive_by"].as_str().unwrap()).unwrap();
    assert_eq!(receive_by, shipped_at.plus_seconds(7 * DAY));
    let stock = app.get(&tea_owner, &format!("/api/v1/stores/{tea_store}/orders?status=shipped")).await.json();
    assert_eq!(stock["items"].as_array().unwrap().len(), 1);
    let tea_product = shipped["lines"][0]["product_id"].as_str().unwrap();
    let product = app.get(&tea_owner, &format!("/api/v1/products/{tea_product}")).await.json();
    let stock = &product["variants"][0]["stock"][0];
    assert_eq!((stock["on_hand"].as_i64(), stock["reserved"].as_i64()), (Some(3), Some(0)), "{product}");

    // The cup goes with a delivery that will fail: 7 days for receipt, then 17.
    app.post(
        &cup_owner,
        &format!("/api/v1/stores/{cup_store}/orders/{cup_order}/ship"),
        json!({ "carrier": "ems", "tracking_no": "EMS-77-FAIL" }),
    )
    .await
    .assert_status(200);

    // Three days on, the carrier has delivered the tea and failed the cup.
    app.clock.advance_seconds(3 * DAY);
    let pass = app.run_jobs().await;
    assert_eq!(pass.failed, 0);
    let tracking = app.get(&buyer, &format!("/api/v1/orders/{tea_order}/tracking")).await.json();
    let codes: Vec<&str> = tracking["items"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["picked_up", "in_transit", "out_for_delivery", "delivered"]);
    assert_eq!(tracking["items"][3]["location"], "CN-SH");
    let cup = app.get(&buyer, &format!("/api/v1/orders/{cup_order}")).await.json();
    let cup_shipped = carmine_core::Timestamp::parse_rfc3339(cup["shipped_at"].as_str().unwrap()).unwrap();
    assert_eq!(cup["receive_by"], json!(cup_shipped.plus_seconds(17 * DAY).to_rfc3339()), "{cup}");

    // The buyer confirms the tea: completed, to settle 7 days later (a new store).
    let received = app.post(&buyer, &format!("/api/v1/orders/{tea_order}/receive"), json!({})).await;
    received.assert_status(200);
    let received = received.json();
    assert_eq!(received["status"], "completed");
    let now = app.clock.now();
    assert_eq!(received["settle_after"], json!(now.plus_seconds(7 * DAY).to_rfc3339()));
    app.clock.advance_seconds(7 * DAY - 60);
    app.run_jobs().await;
    assert_eq!(app.get(&buyer, &format!("/api/v1/orders/{tea_order}")).await.json()["status"], "completed");
    app.clock.advance_seconds(60);
    app.run_jobs().await;
    assert_eq!(app.get(&buyer, &format!("/api/v1/orders/{tea_order}")).await.json()["status"], "settled");

    // The split, to the fen: ¥256 of tea at 5 %, the first ¥100 free of it; 10 % to the
    // creator; 0.6 % of what the buyer paid to the channel; the rest to the tea house.
    let commission = 25_600 * 500 / 10_000 - (25_600 * 500 / 10_000) * 10_000 / 25_600;
    let affiliate = 2_560;
    let fee = tea_total * 60 / 10_000;
    let merchant = tea_total - fee - commission - affiliate;
    let statement = app.get(&tea_owner, &format!("/api/v1/stores/{tea_store}/settlements")).await;
    statement.assert_status(200);
    let statement = statement.json();
    let row = &statement["orders"][0];
    assert_eq!(row["order_id"], tea_order.as_str());
    assert_eq!(
        [&row["escrow"], &row["channel_fee"], &row["commission"], &row["affiliate"], &row["merchant"]].map(minor),
        [tea_total, fee, commission, affiliate, merchant]
    );
    assert_eq!(minor(&row["commission_waived"]), 500);
    assert_eq!(minor(&statement["totals"]["merchant"]), merchant);
    let csv = app.get(&tea_owner, &format!("/api/v1/stores/{tea_store}/settlements.csv")).await;
    csv.assert_status(200);
    let csv = csv.text();
    let total_row = csv.lines().last().unwrap();
    assert_eq!(
        total_row,
        format!(
            "total,,{}.{:02},0.00,{}.{:02},{}.{:02},5.00,{}.{:02},{}.{:02},0.00,0.00",
            tea_total / 100,
            tea_total % 100,
            fee / 100,
            fee % 100,
            commission / 100,
            commission % 100,
            affiliate / 100,
            affiliate % 100,
            merchant / 100,
            merchant % 100
        )
    );

    // Every balance: the merchant's earnings, the creator's, commission revenue, and
    // the escrow still holding the cup.
    let tea_org = org_of(&app, &tea_store).await;
    let creator_id: Id = app.user_id(&creator).await.parse().unwrap();
    assert_eq!(balance(&app, Owner::Org(tea_org), AccountKind::Earnings).await, merchant);
    assert_eq!(balance(&app, Owner::User(creator_id), AccountKind::Earnings).await, affiliate);
    assert_eq!(balance(&app, Owner::Platform, AccountKind::Revenue(Stream::CommerceCommissions)).await, commission);
    assert_eq!(escrow(&app).await, cup_total);
    let earnings = app.get(&creator, "/api/v1/me/affiliate-earnings").await.json();
    assert_eq!(minor(&earnings["total"]), affiliate);
    assert_eq!(earnings["items"][0]["title"], "龙井 Longjing");
    assert_eq!(minor(&earnings["items"][0]["amount"]), affiliate);
    assert_eq!(minor(&app.get(&buyer, "/api/v1/me/affiliate-earnings").await.json()["total"]), 0);
    // The creator's commission is theirs to withdraw, like any earnings.
    app.put(
        &creator,
        "/api/v1/me/payout-account",
        json!({ "holder_name": "蓝蓝", "account_number": "6222020200112233" }),
    )
    .await
    .assert_status(200);
    app.post_keyed(
        &creator,
        "/api/v1/me/payouts",
        "p1",
        json!({ "amount": { "amount_minor": affiliate, "currency": "CNY" } }),
    )
    .await
    .assert_status(201);

    // The buyer extends the cup's time once; 17 + 5 days after shipping it is
    // received by the timer, and settles a week later: the escrow is empty.
    app.post(&buyer, &format!("/api/v1/orders/{cup_order}/extend-receipt"), json!({})).await.assert_status(200);
    app.post(&buyer, &format!("/api/v1/orders/{cup_order}/extend-receipt"), json!({}))
        .await
        .assert_error(409, "receipt_already_extended");
    let until = cup_shipped.plus_seconds(22 * DAY).micros() - app.clock.now().micros();
    app.clock.advance_seconds(until / 1_000_000 - 60);
    app.run_jobs().await;
    assert_eq!(app.get(&buyer, &format!("/api/v1/orders/{cup_order}")).await.json()["status"], "shipped");
    app.clock.advance_seconds(120);
    app.run_jobs().await;
    let cup = app.get(&buyer, &format!("/api/v1/orders/{cup_order}")).await.json();
    assert_eq!(cup["status"], "completed");
    app.clock.advance_seconds(7 * DAY);
    app.run_jobs().await;
    assert_eq!(app.get(&buyer, &format!("/api/v1/orders/{cup_order}")).await.json()["status"], "settled");
    assert_eq!(escrow(&app).await, 0);
    // ¥66 of cups is within the cup store's allowance: no commission.
    let cup_row = &app.get(&cup_owner, &format!("/api/v1/stores/{cup_store}/settlements")).await.json()["orders"][0];
    assert_eq!(minor(&cup_row["commission"]), 0);
    assert_eq!(minor(&cup_row["commission_waived"]), 6_600 * 500 / 10_000);
    let cup_org = org_of(&app, &cup_store).await;
    assert_eq!(balance(&app, Owner::Org(cup_org), AccountKind::Earnings).await, cup_total - cup_total * 60 / 10_000);
    // The operator's revenue statement shows the commission.
    let admin = app.admin("operator").await;
    let revenue = app.get(&admin, "/api/v1/admin/revenue?from=2026-01-01&to=2026-12-31").await.json();
    let streams = revenue["streams"].as_array().unwrap();
    let commerce = streams.iter().position(|s| s["stream"] == "commerce_commissions").unwrap();
    assert_eq!(minor(&revenue["totals"][commerce]), commission, "{revenue}");
    assert_books_balance(&app).await;
}

async fn shipping_and_receipt_refuse_what_they_must(t: TestDb) {
    let app = TestApp::new(t).await;
    let (tea_owner, tea_store) = store(&app, "tea_house", "brand_official").await;
    let (cup_owner, cup_store) = store(&app, "cup_works", "authorised_reseller").await;
    let (buyer, _, placed) = two_store_purchase(&app, &tea_owner, &tea_store, &cup_owner, &cup_store).await;
    let tea_order = order_of(&placed, &tea_store)["id"].as_str().unwrap().to_owned();
    let cup_order = order_of(&placed, &cup_store)["id"].as_str().unwrap().to_owned();
    let ship = |store: &str, order: &str| format!("/api/v1/stores/{store}/orders/{order}/ship");
    let stranger = app.signup("stranger").await;
    let events = app.event_count().await;

    // Another store's owner: not through their own store, not through this one.
    app.post(&cup_owner, &ship(&cup_store, &tea_order), json!({ "carrier": "sf", "tracking_no": "SF1" }))
        .await
        .assert_error(404, "order_not_found");
    let foreign =
        app.post(&cup_owner, &ship(&tea_store, &tea_order), json!({ "carrier": "sf", "tracking_no": "SF1" })).await;
    assert!(matches!(foreign.status.as_u16(), 403 | 404), "{}", foreign.text());
    app.get(&cup_owner, &format!("/api/v1/stores/{tea_store}/orders")).await.assert_status(foreign.status.as_u16());
    app.get(&cup_owner, &format!("/api/v1/stores/{tea_store}/settlements"))
        .await
        .assert_status(foreign.status.as_u16());
    // The buyer is not the store's staff.
    let by_buyer =
        app.post(&buyer, &ship(&tea_store, &tea_order), json!({ "carrier": "sf", "tracking_no": "SF1" })).await;
    assert!(matches!(by_buyer.status.as_u16(), 403 | 404));
    // Bad carriers, tracking numbers and bodies.
    for body in [
        json!({ "carrier": "pigeon", "tracking_no": "SF1" }),
        json!({ "carrier": "sf", "tracking_no": "" }),
        json!({ "carrier": "sf", "tracking_no": "SF 1" }),
        json!({ "carrier": "sf", "tracking_no": "顺丰1" }),
        json!({ "carrier": "sf", "tracking_no": "1".repeat(41) }),
        json!({ "carrier": "sf", "tracking_no": "SF1", "status": "received" }),
        json!({ "carrier": "sf" }),
    ] {
        let response = app.post(&tea_owner, &ship(&tea_store, &tea_order), body.clone()).await;
        assert_eq!(response.status.as_u16(), 422, "{body}: {}", response.text());
    }
    app.get(&tea_owner, &format!("/api/v1/stores/{tea_store}/orders?status=lost"))
        .await
        .assert_error(422, "invalid_field");
    app.get(&tea_owner, &format!("/api/v1/stores/{tea_store}/settlements?from=2026-02-01&to=2026-01-01"))
        .await
        .assert_error(422, "invalid_field");
    // Receipt before shipping, and of someone else's order.
    app.post(&buyer, &format!("/api/v1/orders/{tea_order}/receive"), json!({}))
        .await
        .assert_error(409, "order_not_shipped");
    app.post(&buyer, &format!("/api/v1/orders/{tea_order}/extend-receipt"), json!({}))
        .await
        .assert_error(409, "order_not_shipped");
    app.post(&stranger, &format!("/api/v1/orders/{tea_order}/receive"), json!({}))
        .await
        .assert_error(404, "order_not_found");
    app.get(&stranger, &format!("/api/v1/orders/{tea_order}/tracking")).await.assert_error(404, "order_not_found");
    assert_eq!(app.event_count().await, events, "nothing changed");

    // A cancelled order cannot ship; a shipped one neither again nor be cancelled.
    app.post(&buyer, &format!("/api/v1/orders/{cup_order}/cancel"), json!({})).await.assert_status(200);
    app.post(&cup_owner, &ship(&cup_store, &cup_order), json!({ "carrier": "jd", "tracking_no": "JD1" }))
        .await
        .assert_error(409, "order_not_shippable");
    app.post(&tea_owner, &ship(&tea_store, &tea_order), json!({ "carrier": "sf", "tracking_no": "SF1" }))
        .await
        .assert_status(200);
    app.post(&tea_owner, &ship(&tea_store, &tea_order), json!({ "carrier": "sf", "tracking_no": "SF2" }))
        .await
        .assert_error(409, "order_not_shippable");
    app.post(&buyer, &format!("/api/v1/orders/{tea_order}/cancel"), json!({}))
        .await
        .assert_error(409, "order_not_cancellable");
    let tea = app.get(&buyer, &format!("/api/v1/orders/{tea_order}")).await.json();
    assert_eq!((tea["status"].as_str(), tea["tracking_no"].as_str()), (Some("shipped"), Some("SF1")));
    app.post(&buyer, &format!("/api/v1/orders/{tea_order}/receive"), json!({})).await.assert_status(200);
    app.post(&buyer, &format!("/api/v1/orders/{tea_order}/receive"), json!({}))
        .await
        .assert_error(409, "order_not_shipped");
    assert_books_balance(&app).await;
}

async fn a_merchant_ships_and_a_buyer_confirms_through_the_pages(t: TestDb) {
    use crate::pages::form;
    let app = TestApp::new(t).await;
    app.scheduler.ensure_recurring().await.unwrap();
    let (tea_owner, tea_store) = store(&app, "tea_house", "brand_official").await;
    let (cup_owner, cup_store) = store(&app, "cup_works", "authorised_reseller").await;
    let (buyer, _, placed) = two_store_purchase(&app, &tea_owner, &tea_store, &cup_owner, &cup_store).await;
    let tea_order = order_of(&placed, &tea_store)["id"].as_str().unwrap().to_owned();

    // The console's Orders tab lists the paid order with a ship form; the statement
    // is there, empty, for the owner.
    let console = app.get(&tea_owner, "/o/tea_house/manage/orders?status=awaiting_shipment").await;
    assert_eq!(console.status, 200, "{}", console.text());
    let console = console.text();
    assert!(console.contains(&format!("id=\"store-order-{tea_order}\"")), "{console}");
    assert!(console.contains(&format!("action=\"/o/tea_house/orders/{tea_order}/ship\"")), "{console}");
    assert!(console.contains("id=\"settlements\"") && console.contains("settlements.csv"), "{console}");
    // Another store's owner cannot open it; a bad filter is refused.
    assert!(matches!(app.get(&cup_owner, "/o/tea_house/manage/orders").await.status.as_u16(), 403 | 404));
    assert_eq!(app.get(&tea_owner, "/o/tea_house/manage/orders?status=lost").await.status, 422);

    // A bad tracking number keeps what was typed; a good one ships.
    let path = format!("/o/tea_house/orders/{tea_order}/ship");
    let refused = form(&app, &tea_owner, &path, &[("carrier", "sf"), ("tracking_no", "SF 12")]).await;
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert!(refused.text().contains("value=\"SF 12\""), "{}", refused.text());
    let shipped = form(&app, &tea_owner, &path, &[("carrier", "sf"), ("tracking_no", "SF1234567890")]).await;
    assert_eq!(shipped.status, 303, "{}", shipped.text());
    let shipped_list = app.get(&tea_owner, "/o/tea_house/manage/orders?status=shipped").await.text();
    assert!(shipped_list.contains("SF1234567890"), "{shipped_list}");

    // The buyer follows the parcel, in Chinese, and confirms receipt.
    app.clock.advance_seconds(3 * DAY);
    app.run_jobs().await;
    let page = app.get(&buyer, &format!("/orders/{tea_order}")).await.text();
    assert!(page.contains("id=\"tracking\"") && page.contains("data-code=\"delivered\""), "{page}");
    assert!(page.contains("id=\"confirm-receipt\"") && page.contains("id=\"extend-receipt\""), "{page}");
    let cookie = format!("{}; carmine_lang=zh-CN", buyer.cookie.as_deref().unwrap());
    let zh = Client { cookie: Some(cookie), ..buyer.clone() };
    let page = app.get(&zh, &format!("/orders/{tea_order}")).await.text();
    assert!(page.contains("顺丰速运 SF1234567890") && page.contains("已签收"), "{page}");
    let received = form(&app, &buyer, &format!("/orders/{tea_order}/receive"), &[]).await;
    assert_eq!(received.status, 303, "{}", received.text());
    let page = app.get(&buyer, &format!("/orders/{tea_order}?done=order_received")).await.text();
    assert!(page.contains("id=\"settles-on\"") && !page.contains("id=\"confirm-receipt\""), "{page}");
    // Confirming twice says why on the page.
    let again = form(&app, &buyer, &format!("/orders/{tea_order}/receive"), &[]).await;
    assert_eq!(again.status, 409, "{}", again.text());
}

async fn order_tabs_and_the_operators_commerce_page(t: TestDb) {
    use crate::pages::form;
    let app = TestApp::new(t).await;
    let (tea_owner, tea_store) = store(&app, "tea_house", "brand_official").await;
    let (cup_owner, cup_store) = store(&app, "cup_works", "authorised_reseller").await;
    let (buyer, _, placed) = two_store_purchase(&app, &tea_owner, &tea_store, &cup_owner, &cup_store).await;
    let tea_order = order_of(&placed, &tea_store)["id"].as_str().unwrap().to_owned();
    let cup_order = order_of(&placed, &cup_store)["id"].as_str().unwrap().to_owned();
    app.post(
        &tea_owner,
        &format!("/api/v1/stores/{tea_store}/orders/{tea_order}/ship"),
        json!({ "carrier": "sf", "tracking_no": "SF1" }),
    )
    .await
    .assert_status(200);
    // The buyer's tabs: the tea is on its way, the cup still to ship.
    let to_receive = app.get(&buyer, "/orders?tab=to_receive").await.text();
    assert!(to_receive.contains(&format!("id=\"order-{tea_order}\"")), "{to_receive}");
    assert!(!to_receive.contains(&format!("id=\"order-{cup_order}\"")), "{to_receive}");
    let to_ship = app.get(&buyer, "/orders?tab=to_ship").await.text();
    assert!(to_ship.contains(&format!("id=\"order-{cup_order}\"")) && !to_ship.contains(&tea_order), "{to_ship}");
    assert_eq!(app.get(&buyer, "/orders?tab=lost").await.status, 422);

    // The operator's commerce page shows the settings in force and issues a platform coupon.
    let admin = app.admin("operator").await;
    let page = app.get(&admin, "/admin/commerce").await;
    assert_eq!(page.status, 200, "{}", page.text());
    assert!(page.text().contains("0.60 %") && page.text().contains("¥10,000.00"), "{}", page.text());
    assert_eq!(app.get(&buyer, "/admin/commerce").await.status.as_u16(), 403);
    let fields = [
        ("name", "新人券"),
        ("kind", "fixed"),
        ("amount", "10"),
        ("min_spend", "99"),
        ("starts_at", "2026-01-01T00:00"),
        ("ends_at", "2026-02-01T00:00"),
        ("per_member_limit", "1"),
    ];
    let issued = form(&app, &admin, "/admin/coupons", &fields).await;
    assert_eq!(issued.status, 303, "{}", issued.text());
    let live = app.get(&Client::default(), "/api/v1/coupons/platform").await;
    let refused = form(&app, &buyer, "/admin/coupons", &fields).await;
    assert_eq!(refused.status.as_u16(), 403, "{}", refused.text());
    assert!(live.text().contains("新人券"), "{}", live.text());
}
