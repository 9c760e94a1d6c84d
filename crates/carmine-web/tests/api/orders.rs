//! Cart, addresses, checkout and the first steps of an order's life (Commerce II):
//! one payment for orders from two stores, stock reserved and released, expiry
//! racing a late payment, cancellation with refunds, bad input that changes
//! nothing, and a thousand buyers racing for a hundred units.

use carmine_store::testing::TestDb;
use serde_json::{Value, json};

use crate::catalogue::{category_id, image, store};
use crate::helpers::{Client, TestApp};

carmine_store::both_backends!(
    two_stores_check_out_as_one_payment_and_two_orders,
    unpaid_orders_expire_and_late_money_is_revived_or_refunded,
    bad_checkouts_are_refused_and_change_nothing,
    a_thousand_buyers_race_for_a_hundred_units,
    a_buyer_shops_through_the_pages,
    stock_follows_a_model_through_random_histories,
    expiry_racing_a_payment_has_one_winner,
    coupons_are_claimed_spent_split_exactly_and_given_back,
    coupons_through_the_pages,
    a_limited_sale_sells_its_units_once_within_each_members_limit,
    sale_prices_through_the_console,
    buyers_pay_from_their_coins_where_the_operator_allows,
    the_address_book_edits_and_removes_through_the_pages,
);

pub(crate) fn cny(amount_minor: i64) -> Value {
    json!({ "amount_minor": amount_minor, "currency": "CNY" })
}

/// An active single-variant product with `units` on hand; returns (product, variant).
pub(crate) async fn stocked(
    app: &TestApp,
    owner: &Client,
    store_id: &str,
    title: &str,
    price: i64,
    units: i64,
) -> (String, String) {
    let cover = image(app, owner).await;
    let created = app
        .post(
            owner,
            &format!("/api/v1/stores/{store_id}/products"),
            json!({
                "category_id": category_id(app, "tea_coffee").await, "title": title,
                "variants": [{ "price": cny(price) }], "media_ids": [cover], "status": "active",
            }),
        )
        .await;
    created.assert_status(201);
    let product = created.json();
    let id = product["id"].as_str().unwrap().to_owned();
    let sku = product["variants"][0]["id"].as_str().unwrap().to_owned();
    let warehouse = app.get(owner, &format!("/api/v1/stores/{store_id}")).await.json()["warehouses"][0]["id"].clone();
    app.put(
        owner,
        &format!("/api/v1/products/{id}/stock"),
        json!({ "items": [{ "sku_id": sku, "warehouse_id": warehouse, "on_hand": units }] }),
    )
    .await
    .assert_status(200);
    (id, sku)
}

async fn units_free(app: &TestApp, product: &str) -> i64 {
    let mut conn = app.db.reader().await.unwrap();
    let record = carmine_store::products::get(&mut conn, product.parse().unwrap()).await.unwrap().unwrap();
    record.stock_total
}

pub(crate) async fn address(app: &TestApp, buyer: &Client, region: &str) -> String {
    let created = app
        .post(
            buyer,
            "/api/v1/addresses",
            json!({ "recipient": "林小红", "phone": "138 0013 8000", "region": region, "detail": "朝阳区建国路 88 号" }),
        )
        .await;
    created.assert_status(201);
    created.json()["id"].as_str().unwrap().to_owned()
}

/// A member written straight to the store (no log-in, no password: racers only buy
/// through the service) with a default address in `region`; returns (member, address).
async fn shopper(app: &TestApp, username: &str, region: &str) -> (carmine_core::Id, carmine_core::Id) {
    let mut tx = app.db.begin().await.unwrap();
    let member =
        carmine_store::users::NewMember { username, display_name: username, password_hash: None, is_admin: false };
    let user = carmine_store::users::insert(&mut tx, &member).await.unwrap();
    tx.commit().await.unwrap();
    (user, address_of(app, user, region).await)
}

/// A default address in `region` for a member, through the service.
async fn address_of(app: &TestApp, user: carmine_core::Id, region: &str) -> carmine_core::Id {
    let input = carmine_orders::AddressInput {
        recipient: "林小红".into(),
        phone: "13800138000".into(),
        region: region.into(),
        detail: "西湖区 1 号".into(),
        is_default: true,
    };
    app.services.orders.add_address(user, &input).await.unwrap().id
}

pub(crate) async fn escrow(app: &TestApp) -> i64 {
    use carmine_ledger::{AccountKind, AccountRef};
    let account = AccountRef::platform(AccountKind::CommerceEscrow, carmine_core::money::Currency::CNY);
    app.services.ledger.balance(account).await.unwrap().posted
}

pub(crate) async fn assert_books_balance(app: &TestApp) {
    let report = carmine_ledger::reconcile::reconcile(&app.db).await.unwrap();
    assert!(report.is_clean(), "{report:?}");
}

pub(crate) async fn checkout(
    app: &TestApp,
    buyer: &Client,
    key: &str,
    address: &str,
    total: i64,
    method: &str,
) -> crate::helpers::TestResponse {
    app.post_keyed(
        buyer,
        "/api/v1/checkout",
        key,
        json!({ "address_id": address, "method": method, "expected_total": cny(total) }),
    )
    .await
}

async fn two_stores_check_out_as_one_payment_and_two_orders(t: TestDb) {
    let app = TestApp::new(t).await;
    let (tea_owner, tea_store) = store(&app, "tea_house", "brand_official").await;
    let (cup_owner, cup_store) = store(&app, "cup_works", "authorised_reseller").await;
    let (tea, tea_sku) = stocked(&app, &tea_owner, &tea_store, "龙井 Longjing", 12_800, 5).await;
    let (cup, cup_sku) = stocked(&app, &cup_owner, &cup_store, "Celadon cup 青瓷杯", 6_600, 3).await;
    // The cup store charges ¥12 to Beijing, and ships free from ¥100.
    let cup_template =
        app.get(&cup_owner, &format!("/api/v1/stores/{cup_store}")).await.json()["shipping_templates"][0]["id"].clone();
    app.put(
        &cup_owner,
        &format!("/api/v1/stores/{cup_store}/shipping-templates/{}", cup_template.as_str().unwrap()),
        json!({ "name": "标准", "default_fee": cny(800), "free_over": cny(20_000), "fees": [{ "region": "CN-BJ", "fee": cny(1_200) }] }),
    )
    .await
    .assert_status(200);

    let buyer = app.signup("buyer").await;
    let home = address(&app, &buyer, "CN-BJ").await;
    app.post(&buyer, "/api/v1/cart", json!({ "sku_id": tea_sku, "quantity": 2 })).await.assert_status(200);
    let cart = app.post(&buyer, "/api/v1/cart", json!({ "sku_id": cup_sku, "quantity": 1 })).await.json();
    assert_eq!(cart["stores"].as_array().unwrap().len(), 2);
    assert_eq!((cart["units"].as_i64(), cart["goods"]["amount_minor"].as_i64()), (Some(3), Some(2 * 12_800 + 6_600)));

    let quote = app.post(&buyer, "/api/v1/checkout/quote", json!({ "address_id": home })).await.json();
    let cup_quote = quote["stores"].as_array().unwrap().iter().find(|s| s["store_id"] == cup_store.as_str()).unwrap();
    assert_eq!(cup_quote["shipping"]["amount_minor"], 1_200, "{quote}");
    let total = quote["total"]["amount_minor"].as_i64().unwrap();
    assert_eq!(total, 2 * 12_800 + 6_600 + 1_200 + tea_shipping(&quote, &tea_store));
    assert_eq!(quote["ready"], true);

    // A total the buyer did not see: the new figures, nothing placed.
    let events = app.event_count().await;
    let stale = checkout(&app, &buyer, "k0", &home, total - 1, "sandbox_success").await;
    stale.assert_error(409, "price_changed");
    assert_eq!(stale.json()["error"]["details"]["total"]["amount_minor"], total);
    assert_eq!(app.event_count().await, events);
    assert_eq!(units_free(&app, &tea).await, 5);

    let placed = checkout(&app, &buyer, "k1", &home, total, "sandbox_success").await;
    placed.assert_status(201);
    let placed = placed.json();
    assert_eq!(placed["payment"]["status"], "succeeded");
    assert_eq!(placed["payment"]["amount"]["amount_minor"], total);
    let orders = placed["orders"].as_array().unwrap();
    assert_eq!(orders.len(), 2);
    assert!(orders.iter().all(|o| o["status"] == "awaiting_shipment"), "{placed}");
    assert_eq!(orders.iter().map(|o| o["total"]["amount_minor"].as_i64().unwrap()).sum::<i64>(), total);
    // The same request again answers with the same group and charges nothing more.
    let again = checkout(&app, &buyer, "k1", &home, total, "sandbox_success").await.json();
    assert_eq!(again["group_id"], placed["group_id"]);
    assert_eq!(escrow(&app).await, total);
    assert_eq!((units_free(&app, &tea).await, units_free(&app, &cup).await), (3, 2));
    assert_eq!(app.get(&buyer, "/api/v1/cart").await.json()["units"], 0);
    let listed = app.get(&buyer, "/api/v1/orders").await.json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);

    // Cancelling the cup order before shipment refunds it and puts the cup back;
    // the tea order is untouched.
    let cup_order = orders.iter().find(|o| o["store_id"] == cup_store.as_str()).unwrap()["id"].as_str().unwrap();
    let tea_order = orders.iter().find(|o| o["store_id"] == tea_store.as_str()).unwrap()["id"].as_str().unwrap();
    let cancelled = app.post(&buyer, &format!("/api/v1/orders/{cup_order}/cancel"), json!({})).await.json();
    assert_eq!((cancelled["status"].as_str(), cancelled["cancel_reason"].as_str()), (Some("cancelled"), Some("buyer")));
    assert_eq!(cancelled["refunded"]["amount_minor"], cancelled["total"]["amount_minor"]);
    assert_eq!(units_free(&app, &cup).await, 3);
    assert_eq!(escrow(&app).await, total - cancelled["total"]["amount_minor"].as_i64().unwrap());
    let tea_now = app.get(&buyer, &format!("/api/v1/orders/{tea_order}")).await.json();
    assert_eq!(
        (tea_now["status"].as_str(), tea_now["refunded"]["amount_minor"].as_i64()),
        (Some("awaiting_shipment"), Some(0))
    );
    app.post(&buyer, &format!("/api/v1/orders/{cup_order}/cancel"), json!({}))
        .await
        .assert_error(409, "order_not_cancellable");
    // Another member sees none of it.
    let stranger = app.signup("stranger").await;
    app.get(&stranger, &format!("/api/v1/orders/{tea_order}")).await.assert_error(404, "order_not_found");
    app.post(&stranger, &format!("/api/v1/orders/{tea_order}/cancel"), json!({}))
        .await
        .assert_error(404, "order_not_found");
    app.put(
        &stranger,
        &format!("/api/v1/addresses/{home}"),
        json!({ "recipient": "x", "phone": "13800138000", "region": "CN-BJ", "detail": "pwned" }),
    )
    .await
    .assert_error(404, "address_not_found");
    assert_eq!(app.get(&stranger, "/api/v1/orders").await.json()["items"].as_array().unwrap().len(), 0);
    assert_books_balance(&app).await;
}

fn tea_shipping(quote: &Value, tea_store: &str) -> i64 {
    let tea = quote["stores"].as_array().unwrap().iter().find(|s| s["store_id"] == tea_store).unwrap();
    tea["shipping"]["amount_minor"].as_i64().unwrap()
}

async fn unpaid_orders_expire_and_late_money_is_revived_or_refunded(t: TestDb) {
    let app = TestApp::new(t).await;
    app.scheduler.ensure_recurring().await.unwrap();
    let (owner, store_id) = store(&app, "tea_house", "brand_official").await;
    let (tea, sku) = stocked(&app, &owner, &store_id, "白茶 White tea", 9_900, 1).await;
    let buyer = app.signup("buyer").await;
    let home = address(&app, &buyer, "CN-SH").await;
    let add = || app.post(&buyer, "/api/v1/cart", json!({ "sku_id": sku, "quantity": 1 }));
    let total = |quote: Value| quote["total"]["amount_minor"].as_i64().unwrap();

    // Declined: the order waits, holding the unit; paying again succeeds.
    add().await.assert_status(200);
    let amount = total(app.post(&buyer, "/api/v1/checkout/quote", json!({ "address_id": home })).await.json());
    let declined = checkout(&app, &buyer, "d1", &home, amount, "sandbox_decline").await.json();
    assert_eq!(declined["payment"]["status"], "declined");
    let order = declined["orders"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(units_free(&app, &tea).await, 0);
    let paid = app
        .post_keyed(&buyer, &format!("/api/v1/orders/{order}/pay"), "d2", json!({ "method": "sandbox_success" }))
        .await;
    paid.assert_status(200);
    assert_eq!(paid.json()["orders"][0]["status"], "awaiting_shipment");
    app.post_keyed(&buyer, &format!("/api/v1/orders/{order}/pay"), "d3", json!({ "method": "sandbox_success" }))
        .await
        .assert_error(409, "order_not_payable");
    app.post(&buyer, &format!("/api/v1/orders/{order}/cancel"), json!({})).await.assert_status(200);
    assert_eq!(units_free(&app, &tea).await, 1);

    // Unpaid past 15 minutes: cancelled as expired, the unit released.
    add().await.assert_status(200);
    let hosted = checkout(&app, &buyer, "e1", &home, amount, "sandbox_checkout").await.json();
    assert_eq!(hosted["payment"]["status"], "requires_action");
    let order = hosted["orders"][0]["id"].as_str().unwrap().to_owned();
    app.clock.advance_seconds(14 * 60);
    app.run_jobs().await;
    assert_eq!(app.get(&buyer, &format!("/api/v1/orders/{order}")).await.json()["status"], "pending_payment");
    app.clock.advance_seconds(2 * 60);
    app.run_jobs().await;
    let expired = app.get(&buyer, &format!("/api/v1/orders/{order}")).await.json();
    assert_eq!((expired["status"].as_str(), expired["cancel_reason"].as_str()), (Some("cancelled"), Some("expired")));
    assert_eq!(units_free(&app, &tea).await, 1);
    // The money arrives late, and the unit is still free: the order is revived as paid.
    let reference = hosted["payment"]["redirect_url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
    app.services.sandbox.complete_checkout(&reference, true).await.unwrap();
    app.run_jobs().await;
    let revived = app.get(&buyer, &format!("/api/v1/orders/{order}")).await.json();
    assert_eq!(revived["status"], "awaiting_shipment", "{revived}");
    assert_eq!(units_free(&app, &tea).await, 0);
    app.post(&buyer, &format!("/api/v1/orders/{order}/cancel"), json!({})).await.assert_status(200);

    // Late again, but the unit was sold meanwhile: a shortfall, refunded in full.
    add().await.assert_status(200);
    let late = checkout(&app, &buyer, "l1", &home, amount, "sandbox_checkout").await.json();
    let order = late["orders"][0]["id"].as_str().unwrap().to_owned();
    app.clock.advance_seconds(16 * 60);
    app.run_jobs().await;
    let rival = app.signup("rival").await;
    let rival_home = address(&app, &rival, "CN-SH").await;
    app.post(&rival, "/api/v1/cart", json!({ "sku_id": sku, "quantity": 1 })).await.assert_status(200);
    checkout(&app, &rival, "r1", &rival_home, amount, "sandbox_success").await.assert_status(201);
    let reference = late["payment"]["redirect_url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
    let escrow_before = escrow(&app).await;
    app.services.sandbox.complete_checkout(&reference, true).await.unwrap();
    app.run_jobs().await;
    let short = app.get(&buyer, &format!("/api/v1/orders/{order}")).await.json();
    assert_eq!((short["status"].as_str(), short["cancel_reason"].as_str()), (Some("cancelled"), Some("expired")));
    assert_eq!(short["refunded"]["amount_minor"], amount);
    // The refund goes back through the provider with the sweep; the escrow keeps nothing.
    app.services.payments.resume_stale(-1).await.unwrap();
    assert_eq!(escrow(&app).await, escrow_before);
    assert_eq!(units_free(&app, &tea).await, 0, "the rival's unit stays reserved");
    assert_books_balance(&app).await;
}

async fn bad_checkouts_are_refused_and_change_nothing(t: TestDb) {
    let app = TestApp::new(t).await;
    let (owner, store_id) = store(&app, "tea_house", "brand_official").await;
    let (_, sku) = stocked(&app, &owner, &store_id, "红茶 Black tea", 5_000, 2).await;
    let draft = crate::catalogue::tee(&app, &owner, &store_id, "draft", "D").await;
    let draft_sku = draft["variants"][0]["id"].as_str().unwrap().to_owned();
    let buyer = app.signup("buyer").await;
    let home = address(&app, &buyer, "CN-GD").await;
    let other = app.signup("other").await;
    let other_home = address(&app, &other, "CN-GD").await;
    let events = app.event_count().await;

    // Addresses that are not addresses.
    for (field, body) in [
        ("phone", json!({ "recipient": "A", "phone": "12345", "region": "CN-BJ", "detail": "某路 1 号" })),
        ("phone", json!({ "recipient": "A", "phone": "13800138000", "region": "world", "detail": "1 Main St" })),
        ("region", json!({ "recipient": "A", "phone": "13800138000", "region": "CN-XX", "detail": "某路 1 号" })),
        ("recipient", json!({ "recipient": " ", "phone": "13800138000", "region": "CN-BJ", "detail": "某路 1 号" })),
        ("detail", json!({ "recipient": "A", "phone": "13800138000", "region": "CN-BJ", "detail": "x".repeat(121) })),
    ] {
        let refused = app.post(&buyer, "/api/v1/addresses", body).await;
        assert_eq!(refused.status.as_u16(), 422, "{field}: {}", refused.text());
        assert_eq!(refused.json()["error"]["details"]["field"], field, "{}", refused.text());
    }
    app.post(
        &buyer,
        "/api/v1/addresses",
        json!({ "recipient": "A", "phone": "1", "region": "CN-BJ", "detail": "d", "role": "admin" }),
    )
    .await
    .assert_error(422, "unknown_field");
    // Quantities out of range, things not for sale, more than there is.
    for quantity in [0, -1, 100] {
        let refused = app.post(&buyer, "/api/v1/cart", json!({ "sku_id": sku, "quantity": quantity })).await;
        assert_eq!(refused.status.as_u16(), 422, "{quantity}: {}", refused.text());
    }
    app.post(&buyer, "/api/v1/cart", json!({ "sku_id": draft_sku, "quantity": 1 }))
        .await
        .assert_error(409, "not_for_sale");
    app.post(&buyer, "/api/v1/cart", json!({ "sku_id": "999", "quantity": 1 }))
        .await
        .assert_error(404, "product_not_found");
    app.post(&buyer, "/api/v1/cart", json!({ "sku_id": sku, "quantity": 3 })).await.assert_error(409, "out_of_stock");
    app.delete(&buyer, &format!("/api/v1/cart/{sku}"), None).await.assert_error(404, "cart_line_not_found");
    // Checking out nothing, to someone else's address, without a key.
    checkout(&app, &buyer, "b1", &home, 100, "sandbox_success").await.assert_error(409, "cart_empty");
    assert_eq!(app.event_count().await, events);

    app.post(&buyer, "/api/v1/cart", json!({ "sku_id": sku, "quantity": 2 })).await.assert_status(200);
    let events = app.event_count().await;
    checkout(&app, &buyer, "b2", &other_home, 10_000, "sandbox_success").await.assert_error(404, "address_not_found");
    app.post(
        &buyer,
        "/api/v1/checkout",
        json!({ "address_id": home, "method": "sandbox_success", "expected_total": cny(10_000) }),
    )
    .await
    .assert_error(428, "idempotency_key_required");
    checkout(&app, &buyer, "b3", &home, 10_000, "bitcoin").await.assert_error(422, "invalid_field");
    let dollars = app
        .post_keyed(&buyer, "/api/v1/checkout", "b4", json!({ "address_id": home, "method": "sandbox_success", "expected_total": { "amount_minor": 10_000, "currency": "USD" } }))
        .await;
    dollars.assert_error(422, "unsupported_currency");
    // The store stops delivering to Guangdong.
    let template =
        app.get(&owner, &format!("/api/v1/stores/{store_id}")).await.json()["shipping_templates"][0]["id"].clone();
    app.put(
        &owner,
        &format!("/api/v1/stores/{store_id}/shipping-templates/{}", template.as_str().unwrap()),
        json!({ "name": "不含广东", "default_fee": cny(0), "fees": [{ "region": "CN-GD", "fee": null }] }),
    )
    .await
    .assert_status(200);
    let events_after_template = app.event_count().await;
    assert_eq!(events_after_template, events + 1);
    checkout(&app, &buyer, "b5", &home, 10_000, "sandbox_success").await.assert_error(409, "region_not_delivered");
    assert_eq!(app.event_count().await, events_after_template, "no refused checkout wrote anything");
    // Another member's order and cart are out of reach.
    let stranger = app.signup("stranger").await;
    app.delete(&stranger, &format!("/api/v1/cart/{sku}"), None).await.assert_error(404, "cart_line_not_found");
    assert_eq!(app.get(&buyer, "/api/v1/cart").await.json()["units"], 2);
    assert_books_balance(&app).await;
}

/// A thousand members each try to buy one of a hundred units at once: exactly a
/// hundred orders are placed and paid, the rest are told it is sold out, and the
/// stock ends with everything reserved and nothing over-reserved.
async fn a_thousand_buyers_race_for_a_hundred_units(t: TestDb) {
    use carmine_orders::CheckoutInput;
    let app = TestApp::new(t).await;
    let (owner, store_id) = store(&app, "hot_drop", "brand_official").await;
    let (product, sku) = stocked(&app, &owner, &store_id, "限量 Limited", 1_000, 100).await;
    let sku: carmine_core::Id = sku.parse().unwrap();
    let orders = app.services.orders.clone();
    let mut buyers = Vec::new();
    for n in 0..1_000 {
        let (user, address) = shopper(&app, &format!("racer{n}"), "CN-ZJ").await;
        orders.put_in_cart(user, sku, 1, true).await.unwrap();
        buyers.push((user, address));
    }
    let total = orders.quote(buyers[0].0, Some(buyers[0].1), &[], None).await.unwrap().total_minor;
    let mut racers = tokio::task::JoinSet::new();
    for (user, address_id) in buyers {
        let orders = orders.clone();
        racers.spawn(async move {
            let input = CheckoutInput {
                address_id,
                sku_ids: vec![],
                method: "sandbox_success".into(),
                expected_total_minor: total,
                coupon_ids: None,
            };
            let key = carmine_ledger::IdempotencyKey::new(user, "race", "checkout", b"{}").unwrap();
            orders.checkout(user, &[], &input, &key, "/orders/paid").await
        });
    }
    let (mut paid, mut sold_out) = (0, 0);
    while let Some(result) = racers.join_next().await {
        match result.unwrap() {
            Ok(placed) => {
                assert_eq!(placed.payment.status, "succeeded");
                paid += 1;
            }
            Err(error) if error.code == carmine_core::ErrorCode::OutOfStock => sold_out += 1,
            Err(error) => panic!("a racer met {error:?}"),
        }
    }
    assert_eq!((paid, sold_out), (100, 900));
    let mut conn = app.db.reader().await.unwrap();
    let stock = carmine_store::products::stock(&mut conn, product.parse().unwrap()).await.unwrap();
    assert_eq!(stock.iter().map(|s| (s.on_hand, s.reserved)).collect::<Vec<_>>(), vec![(100, 100)]);
    drop(conn);
    assert_eq!(escrow(&app).await, 100 * total);
    assert_books_balance(&app).await;
}

/// The pages, without JavaScript: the product page's form, the cart, an address
/// added at checkout, the order placed, cancelled; in Chinese too.
async fn a_buyer_shops_through_the_pages(t: TestDb) {
    use crate::pages::form;
    let app = TestApp::new(t).await;
    let (owner, store_id) = store(&app, "tea_house", "brand_official").await;
    let (tea, sku) = stocked(&app, &owner, &store_id, "普洱 Pu'er", 8_800, 4).await;
    let signed_out = app.get(&Client::default(), &format!("/products/{tea}")).await.text();
    assert!(signed_out.contains("id=\"log-in-to-buy\"") && !signed_out.contains("id=\"add-to-cart\""));
    let buyer = app.signup("buyer").await;
    let product = app.get(&buyer, &format!("/products/{tea}")).await.text();
    assert!(product.contains("id=\"add-to-cart\"") && product.contains(&format!("value=\"{sku}\"")), "{product}");
    let empty = app.get(&buyer, "/cart").await.text();
    assert!(empty.contains("id=\"cart-empty\""));

    let added = form(&app, &buyer, "/cart/add", &[("sku_id", &sku), ("quantity", "2")]).await;
    assert_eq!(added.status, 303, "{}", added.text());
    let cart = app.get(&buyer, "/cart").await.text();
    assert!(cart.contains(&format!("id=\"cart-line-{sku}\"")) && cart.contains("¥176.00"), "{cart}");
    let too_many = form(&app, &buyer, &format!("/cart/{sku}/quantity"), &[("quantity", "9")]).await;
    assert_eq!(too_many.status, 409, "{}", too_many.text());

    // Buy now: checkout asks for an address first, keeps what was typed when refused.
    let bought = form(&app, &buyer, "/cart/add", &[("sku_id", &sku), ("quantity", "1"), ("buy", "now")]).await;
    assert_eq!(bought.status, 303);
    let checkout = app.get(&buyer, &format!("/checkout?sku={sku}")).await.text();
    assert!(checkout.contains("id=\"no-address\"") && checkout.contains("disabled"), "{checkout}");
    let fields = [
        ("recipient", "王小明"),
        ("phone", "12345"),
        ("region", "CN-GD"),
        ("detail", "天河路 1 号"),
        ("sku", sku.as_str()),
    ];
    let refused = form(&app, &buyer, "/addresses", &fields).await;
    assert_eq!(refused.status, 422);
    assert!(refused.text().contains("value=\"王小明\"") && refused.text().contains("value=\"天河路 1 号\""));
    let fields = [
        ("recipient", "王小明"),
        ("phone", "13912345678"),
        ("region", "CN-GD"),
        ("detail", "天河路 1 号"),
        ("sku", sku.as_str()),
    ];
    let saved = form(&app, &buyer, "/addresses", &fields).await;
    assert_eq!(saved.status, 303, "{}", saved.text());
    let location = saved.headers.get("location").unwrap().to_str().unwrap().to_owned();
    assert!(location.contains(&format!("sku={sku}")), "{location}");
    let checkout = app.get(&buyer, &location).await.text();
    let address_id = app.get(&buyer, "/api/v1/addresses").await.json()["items"][0]["id"].as_str().unwrap().to_owned();
    let total =
        app.post(&buyer, "/api/v1/checkout/quote", json!({ "address_id": address_id, "sku_ids": [sku] })).await.json()
            ["total"]["amount_minor"]
            .as_i64()
            .unwrap();
    assert!(checkout.contains(&format!("name=\"expected_total\" value=\"{total}\"")), "{checkout}");
    assert!(!checkout.contains("id=\"place-order\" disabled"), "{checkout}");

    // A stale total is shown again with the new figures; the right one places the order.
    let place = |expected: String, key: &'static str| {
        let (app, buyer, address_id, sku) = (&app, &buyer, address_id.clone(), sku.clone());
        async move {
            form(
                app,
                buyer,
                "/checkout",
                &[
                    ("address_id", address_id.as_str()),
                    ("expected_total", expected.as_str()),
                    ("sku", sku.as_str()),
                    ("method", "sandbox_success"),
                    ("idempotency_key", key),
                ],
            )
            .await
        }
    };
    let stale = place((total + 100).to_string(), "p0").await;
    assert_eq!(stale.status, 409, "{}", stale.text());
    assert!(stale.text().contains(&format!("value=\"{total}\"")));
    let placed = place(total.to_string(), "p1").await;
    assert_eq!(placed.status, 303, "{}", placed.text());
    let order_url = placed.headers.get("location").unwrap().to_str().unwrap().to_owned();
    assert!(order_url.starts_with("/orders/") && order_url.ends_with("done=order_placed"), "{order_url}");
    let order = app.get(&buyer, &order_url).await.text();
    assert!(order.contains("data-status=\"awaiting_shipment\"") && order.contains("王小明"), "{order}");
    let orders = app.get(&buyer, "/orders").await.text();
    assert!(orders.contains("普洱"), "{orders}");
    // Buy now put one more in the line already holding two: all three were bought.
    assert_eq!(units_free(&app, &tea).await, 1);

    // A refused form's address asked for again (a reload, the language switch) goes
    // back to its page instead of "method not allowed".
    for (path, back) in [
        ("/cart/add", "/cart"),
        ("/addresses/1", "/addresses"),
        (&*order_url.replace("?done=order_placed", "/cancel"), order_url.trim_end_matches("?done=order_placed")),
    ] {
        let again = app.get(&buyer, path).await;
        assert_eq!(
            (again.status.as_u16(), again.headers.get("location").unwrap().to_str().unwrap()),
            (303, back),
            "{path}"
        );
    }
    // A declined payment is not announced as a placed order.
    form(&app, &buyer, "/cart/add", &[("sku_id", &sku), ("quantity", "1")]).await;
    let one = app.post(&buyer, "/api/v1/checkout/quote", json!({ "address_id": address_id })).await.json()["total"]
        ["amount_minor"]
        .as_i64()
        .unwrap();
    let declined = form(
        &app,
        &buyer,
        "/checkout",
        &[
            ("address_id", address_id.as_str()),
            ("expected_total", one.to_string().as_str()),
            ("method", "sandbox_decline"),
            ("idempotency_key", "p2"),
        ],
    )
    .await;
    let declined_url = declined.headers.get("location").unwrap().to_str().unwrap().to_owned();
    assert!(!declined_url.contains("done="), "{declined_url}");
    let declined_page = app.get(&buyer, &declined_url).await.text();
    assert!(
        declined_page.contains("The payment was declined.") && declined_page.contains("id=\"pay-again\""),
        "{declined_page}"
    );
    form(&app, &buyer, &format!("{}/cancel", declined_url), &[]).await;

    // 中文 pages, and cancelling.
    let mut chinese = buyer.clone();
    chinese.cookie = chinese.cookie.map(|c| format!("{c}; carmine_lang=zh-CN"));
    let order_id = order_url.trim_start_matches("/orders/").split('?').next().unwrap().to_owned();
    let zh = app.get(&chinese, &format!("/orders/{order_id}")).await.text();
    assert!(zh.contains("已付款 · 待发货") && zh.contains("取消订单"), "{zh}");
    let cancelled = form(&app, &buyer, &format!("/orders/{order_id}/cancel"), &[]).await;
    assert_eq!(cancelled.status, 303);
    let after = app.get(&chinese, &format!("/orders/{order_id}")).await.text();
    assert!(after.contains("你已取消这个订单") && after.contains("id=\"order-refunded\""), "{after}");
    assert_eq!(units_free(&app, &tea).await, 4);
    let stranger = app.signup("stranger").await;
    assert_eq!(app.get(&stranger, &format!("/orders/{order_id}")).await.status, 404);
    assert_books_balance(&app).await;
}

/// What a history step does (the stock state machine's transitions).
#[derive(Clone, Debug)]
enum Step {
    /// A buyer puts `quantity` units in the cart (refused when fewer are free).
    AddToCart { buyer: usize, quantity: i64 },
    /// A buyer checks out the cart, paying with a method that succeeds, is declined
    /// (the order waits), or waits on the provider's page.
    Checkout { buyer: usize, method: usize },
    /// The payer finishes on the provider's page (maybe after the order expired);
    /// `order` counts back from the newest.
    PayHosted { order: usize },
    /// The buyer cancels (before payment: released; after: refunded and released).
    Cancel { order: usize },
    /// Time passes and the job runner runs (unpaid orders expire).
    Wait { minutes: i64 },
    /// The merchant sets what the first warehouse holds.
    Restock { on_hand: i64 },
}

fn step() -> impl proptest::strategy::Strategy<Value = Step> {
    use proptest::prelude::*;
    prop_oneof![
        3 => (0..3usize, 1..=3i64).prop_map(|(buyer, quantity)| Step::AddToCart { buyer, quantity }),
        3 => (0..3usize, 0..3usize).prop_map(|(buyer, method)| Step::Checkout { buyer, method }),
        3 => (0..4usize).prop_map(|order| Step::PayHosted { order }),
        2 => (0..4usize).prop_map(|order| Step::Cancel { order }),
        2 => (1..=20i64).prop_map(|minutes| Step::Wait { minutes }),
        1 => (0..=6i64).prop_map(|on_hand| Step::Restock { on_hand }),
    ]
}

/// The model: per warehouse (by priority) what is on hand and reserved, and each
/// order's units per warehouse, status and money.
#[derive(Clone, Debug, Default)]
struct Model {
    on_hand: [i64; 2],
    reserved: [i64; 2],
    orders: Vec<ModelOrder>,
    /// Money held in escrow for orders: paid and not refunded.
    escrow: i64,
}

#[derive(Clone, Debug)]
struct ModelOrder {
    id: carmine_core::Id,
    buyer: carmine_core::Id,
    hosted: Option<String>,
    paid_once: bool,
    status: &'static str,
    reason: Option<&'static str>,
    quantity: i64,
    taken: [i64; 2],
    total: i64,
    pay_by: i64,
}

impl Model {
    fn free(&self) -> i64 {
        (0..2).map(|w| self.on_hand[w] - self.reserved[w]).sum()
    }

    /// Checkout's rule: all from the first warehouse that has them, else split in order.
    fn reserve(&mut self, quantity: i64) -> Option<[i64; 2]> {
        if self.free() < quantity {
            return None;
        }
        let mut taken = [0; 2];
        if let Some(w) = (0..2).find(|w| self.on_hand[*w] - self.reserved[*w] >= quantity) {
            taken[w] = quantity;
        } else {
            let mut left = quantity;
            for (slot, (on_hand, reserved)) in taken.iter_mut().zip(self.on_hand.iter().zip(&self.reserved)) {
                *slot = (on_hand - reserved).min(left);
                left -= *slot;
            }
        }
        for (reserved, units) in self.reserved.iter_mut().zip(taken) {
            *reserved += units;
        }
        Some(taken)
    }

    fn release(&mut self, taken: [i64; 2]) {
        for (reserved, units) in self.reserved.iter_mut().zip(taken) {
            *reserved -= units;
        }
    }
}

/// Random histories of checkouts, payments (on time, declined, late), cancellations,
/// expiries and restocks: after every step the stock, every order and the escrow
/// are what the model says, and the books balance at the end.
async fn stock_follows_a_model_through_random_histories(t: TestDb) {
    use carmine_orders::CheckoutInput;
    use proptest::strategy::{Strategy, ValueTree};
    let app = TestApp::new(t).await;
    app.scheduler.ensure_recurring().await.unwrap();
    let (owner, store_id) = store(&app, "model_shop", "brand_official").await;
    let (product, sku) = stocked(&app, &owner, &store_id, "模型 Model", 1_000, 0).await;
    let warehouses: Vec<String> = {
        app.post(&owner, &format!("/api/v1/stores/{store_id}/warehouses"), json!({ "name": "二号仓" }))
            .await
            .assert_status(201);
        let store = app.get(&owner, &format!("/api/v1/stores/{store_id}")).await.json();
        store["warehouses"].as_array().unwrap().iter().map(|w| w["id"].as_str().unwrap().to_owned()).collect()
    };
    let set_stock = |warehouse: usize, on_hand: i64| {
        let (app, owner, product, sku, warehouse) =
            (&app, &owner, product.clone(), sku.clone(), warehouses[warehouse].clone());
        async move {
            app.put(
                owner,
                &format!("/api/v1/products/{product}/stock"),
                json!({ "items": [{ "sku_id": sku, "warehouse_id": warehouse, "on_hand": on_hand }] }),
            )
            .await
        }
    };
    let sku: carmine_core::Id = sku.parse().unwrap();
    let orders = app.services.orders.clone();
    let mut buyers = Vec::new();
    for name in ["ann", "bob", "cyd"] {
        let client = app.signup(name).await;
        let user: carmine_core::Id = app.user_id(&client).await.parse().unwrap();
        buyers.push((user, address_of(&app, user, "CN-ZJ").await));
    }
    let methods = ["sandbox_success", "sandbox_decline", "sandbox_checkout"];
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let history = proptest::collection::vec(step(), 15..40);
    let mut model = Model::default();
    let mut keys = 0;
    let mut seen = std::collections::BTreeSet::new();
    for case in 0..24 {
        // Each history starts from what the last one left: 3 and 2 units on hand.
        for (w, units) in [(0, 3), (1, 2)] {
            if set_stock(w, units).await.status.as_u16() == 200 {
                model.on_hand[w] = units;
            }
        }
        let steps = history.new_tree(&mut runner).unwrap().current();
        for (n, step) in steps.iter().enumerate() {
            match step.clone() {
                Step::AddToCart { buyer, quantity } => {
                    let added = orders.put_in_cart(buyers[buyer].0, sku, quantity, false).await;
                    assert_eq!(added.is_ok(), model.free() >= quantity, "{step:?}: {added:?}");
                }
                Step::Checkout { buyer, method } => {
                    let (user, address_id) = buyers[buyer];
                    let in_cart = orders.cart(user).await.unwrap();
                    let Some(line) = in_cart.first() else { continue };
                    let quantity = line.record.quantity;
                    let total = orders.quote(user, Some(address_id), &[], None).await.unwrap().total_minor;
                    let input = CheckoutInput {
                        address_id,
                        sku_ids: vec![],
                        method: methods[method].into(),
                        expected_total_minor: total,
                        coupon_ids: None,
                    };
                    keys += 1;
                    let key =
                        carmine_ledger::IdempotencyKey::new(user, &format!("m{keys}"), "checkout", b"{}").unwrap();
                    let placed = orders.checkout(user, &[], &input, &key, "/orders/paid").await;
                    match (model.reserve(quantity), placed) {
                        (Some(taken), Ok(placed)) => {
                            let (_, placed_orders, _) = orders.group(user, placed.group_id).await.unwrap();
                            let paid = placed.payment.status == "succeeded";
                            if paid {
                                model.escrow += total;
                            }
                            model.orders.push(ModelOrder {
                                id: placed_orders[0].id,
                                buyer: user,
                                hosted: placed
                                    .payment
                                    .redirect_url
                                    .clone()
                                    .map(|u| u.rsplit('/').next().unwrap().to_owned()),
                                paid_once: paid,
                                status: if paid { "awaiting_shipment" } else { "pending_payment" },
                                reason: None,
                                quantity,
                                taken,
                                total,
                                pay_by: placed_orders[0].pay_by.micros(),
                            });
                        }
                        (None, Err(error)) => {
                            seen.insert("sold out");
                            assert_eq!(error.code, carmine_core::ErrorCode::OutOfStock, "{step:?}");
                        }
                        (expected, got) => {
                            panic!("case {case} step {n} {step:?}: model reserved {expected:?}, got {got:?}")
                        }
                    }
                }
                Step::PayHosted { order } => {
                    let Some(order) = model.orders.len().checked_sub(order + 1) else { continue };
                    let o = model.orders[order].clone();
                    let Some(reference) = o.hosted.clone().filter(|_| !o.paid_once) else { continue };
                    app.services.sandbox.complete_checkout(&reference, true).await.unwrap();
                    app.run_jobs().await;
                    let o = &mut model.orders[order];
                    o.paid_once = true;
                    model.escrow += o.total;
                    match (o.status, o.reason) {
                        ("pending_payment", _) => o.status = "awaiting_shipment",
                        ("cancelled", Some("expired")) => {
                            let quantity = o.quantity;
                            match model.reserve(quantity) {
                                Some(taken) => {
                                    seen.insert("late payment revived");
                                    let o = &mut model.orders[order];
                                    (o.status, o.reason, o.taken) = ("awaiting_shipment", None, taken);
                                }
                                None => {
                                    seen.insert("late payment refunded");
                                    model.escrow -= model.orders[order].total;
                                }
                            }
                        }
                        _ => model.escrow -= o.total,
                    }
                }
                Step::Cancel { order } => {
                    let Some(order) = model.orders.len().checked_sub(order + 1) else { continue };
                    let o = model.orders[order].clone();
                    let result = orders.cancel(o.buyer, o.id).await;
                    match o.status {
                        "pending_payment" | "awaiting_shipment" => {
                            result.unwrap();
                            model.release(o.taken);
                            if o.status == "awaiting_shipment" {
                                model.escrow -= o.total;
                            }
                            let o = &mut model.orders[order];
                            (o.status, o.reason) = ("cancelled", Some("buyer"));
                        }
                        _ => assert_eq!(result.unwrap_err().code, carmine_core::ErrorCode::OrderNotCancellable),
                    }
                }
                Step::Wait { minutes } => {
                    app.clock.advance_seconds(minutes * 60);
                    app.run_jobs().await;
                    let now = app.clock.now().micros();
                    for i in 0..model.orders.len() {
                        let o = model.orders[i].clone();
                        if o.status == "pending_payment" && o.pay_by <= now {
                            model.release(o.taken);
                            seen.insert("expired");
                            let o = &mut model.orders[i];
                            (o.status, o.reason) = ("cancelled", Some("expired"));
                        }
                    }
                }
                Step::Restock { on_hand } => {
                    let response = set_stock(0, on_hand).await;
                    if on_hand >= model.reserved[0] {
                        response.assert_status(200);
                        model.on_hand[0] = on_hand;
                    } else {
                        seen.insert("restock below reserved");
                        response.assert_error(409, "stock_below_reserved");
                    }
                }
            }
            // The sweep sends refunds to the provider; the escrow then holds what the model says.
            app.services.payments.resume_stale(-1).await.unwrap();
            let mut conn = app.db.reader().await.unwrap();
            let mut stock = carmine_store::products::stock(&mut conn, product.parse().unwrap()).await.unwrap();
            stock.sort_by_key(|s| warehouses.iter().position(|w| *w == s.warehouse_id.to_string()));
            let found: Vec<(i64, i64)> = stock.iter().map(|s| (s.on_hand, s.reserved)).collect();
            let expected: Vec<(i64, i64)> = (0..2).map(|w| (model.on_hand[w], model.reserved[w])).collect();
            assert_eq!(found, expected, "case {case} step {n} {step:?}");
            for o in &model.orders {
                let record = carmine_store::orders::get_order(&mut conn, o.id).await.unwrap().unwrap();
                assert_eq!(
                    (record.status.as_str(), record.cancel_reason.as_deref()),
                    (o.status, o.reason),
                    "case {case} step {n} {step:?}: {o:?}"
                );
            }
            drop(conn);
            assert_eq!(escrow(&app).await, model.escrow, "case {case} step {n} {step:?}");
        }
    }
    // The histories reached every outcome (a change to the generator must keep it so).
    let every = ["sold out", "expired", "late payment revived", "late payment refunded", "restock below reserved"];
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), {
        let mut e = every.to_vec();
        e.sort();
        e
    });
    assert_books_balance(&app).await;
}

/// An order's expiry and its payment arriving at the same moment, twenty times: each
/// time exactly one of them takes effect first, and stock and money agree with the
/// outcome — paid (the units stay reserved, the money in escrow) or expired and
/// refunded (units free, escrow empty), never both.
async fn expiry_racing_a_payment_has_one_winner(t: TestDb) {
    use carmine_orders::CheckoutInput;
    let app = TestApp::new(t).await;
    let (owner, store_id) = store(&app, "race_shop", "brand_official").await;
    let (product, sku) = stocked(&app, &owner, &store_id, "竞速 Race", 2_000, 1).await;
    let sku: carmine_core::Id = sku.parse().unwrap();
    let orders = app.services.orders.clone();
    let buyer = app.signup("racer").await;
    let user: carmine_core::Id = app.user_id(&buyer).await.parse().unwrap();
    let address_id = address_of(&app, user, "CN-SH").await;
    let mut paid = 0;
    for round in 0..20 {
        orders.put_in_cart(user, sku, 1, false).await.unwrap();
        let total = orders.quote(user, Some(address_id), &[], None).await.unwrap().total_minor;
        let input = CheckoutInput {
            address_id,
            sku_ids: vec![],
            method: "sandbox_checkout".into(),
            expected_total_minor: total,
            coupon_ids: None,
        };
        let key = carmine_ledger::IdempotencyKey::new(user, &format!("race{round}"), "checkout", b"{}").unwrap();
        let placed = orders.checkout(user, &[], &input, &key, "/orders/paid").await.unwrap();
        let (_, placed_orders, _) = orders.group(user, placed.group_id).await.unwrap();
        let order_id = placed_orders[0].id;
        let reference = placed.payment.redirect_url.as_deref().unwrap().rsplit('/').next().unwrap().to_owned();
        // The payer pays at the provider; then the clock passes the deadline, and the
        // payment's answer and the expiry are applied at once.
        app.services.sandbox.complete_checkout(&reference, true).await.unwrap();
        app.clock.advance_seconds(16 * 60);
        let db = app.db.clone();
        let expiry = tokio::spawn(async move {
            let mut tx = db.begin().await.unwrap();
            let won = carmine_orders::lifecycle::expire(&mut tx, order_id).await.unwrap();
            tx.commit().await.unwrap();
            won
        });
        let payments = app.services.payments.clone();
        let payment_id = placed.payment.id;
        let payment = tokio::spawn(async move { payments.resume(payment_id, None).await.unwrap() });
        let (expiry_won, payment) = (expiry.await.unwrap(), payment.await.unwrap());
        assert_eq!(payment.status, "succeeded");
        app.services.payments.resume_stale(-1).await.unwrap();
        let order = orders.order(user, order_id).await.unwrap().order;
        let mut conn = app.db.reader().await.unwrap();
        let stock = carmine_store::products::stock(&mut conn, product.parse().unwrap()).await.unwrap();
        drop(conn);
        let reserved: i64 = stock.iter().map(|s| s.reserved).sum();
        match order.status.as_str() {
            // The payment first, or the expiry first and the late money took the unit again.
            "awaiting_shipment" => {
                paid += 1;
                assert_eq!((reserved, order.refunded_minor, escrow(&app).await), (1, 0, total), "round {round}");
                orders.cancel(user, order_id).await.unwrap();
                app.services.payments.resume_stale(-1).await.unwrap();
            }
            status => panic!("round {round}: {status} (expiry won: {expiry_won})"),
        }
        assert_eq!(escrow(&app).await, 0, "round {round}: the cancellation refunded it");
    }
    assert_eq!(paid, 20);
    // Whichever won, no unit was reserved twice and no money was kept or lost.
    assert_books_balance(&app).await;
}

/// A store's ¥20-off-¥100 coupon and the platform's 10% (at most ¥15): claimed within
/// their limits, chosen at checkout as the best the buyer holds, spread over lines so
/// every fen adds up, refused when named but not applicable, and given back when the
/// orders are cancelled.
async fn coupons_are_claimed_spent_split_exactly_and_given_back(t: TestDb) {
    let app = TestApp::new(t).await;
    let (tea_owner, tea_store) = store(&app, "tea_house", "brand_official").await;
    let (cup_owner, cup_store) = store(&app, "cup_works", "authorised_reseller").await;
    let (_, tea_sku) = stocked(&app, &tea_owner, &tea_store, "龙井 Longjing", 4_999, 10).await;
    let (_, oolong_sku) = stocked(&app, &tea_owner, &tea_store, "乌龙 Oolong", 3_333, 10).await;
    let (_, cup_sku) = stocked(&app, &cup_owner, &cup_store, "Cup 杯", 2_000, 10).await;
    let window = json!({ "starts_at": "2025-12-01T00:00:00Z", "ends_at": "2026-12-01T00:00:00Z" });
    let with_window = |mut body: Value| {
        body["starts_at"] = window["starts_at"].clone();
        body["ends_at"] = window["ends_at"].clone();
        body
    };
    let tea_coupon = app
        .post(
            &tea_owner,
            &format!("/api/v1/stores/{tea_store}/coupons"),
            with_window(json!({
                "name": "满100减20", "amount": cny(2_000), "min_spend": cny(10_000), "quantity": 2,
            })),
        )
        .await;
    tea_coupon.assert_status(201);
    let tea_coupon = tea_coupon.json()["id"].as_str().unwrap().to_owned();
    let admin = app.admin("root").await;
    let platform = app
        .post(
            &admin,
            "/api/v1/admin/coupons",
            with_window(json!({ "name": "平台九折", "percent_bps": 1_000, "cap": cny(1_500) })),
        )
        .await;
    platform.assert_status(201);
    let platform = platform.json()["id"].as_str().unwrap().to_owned();
    // Refusals: both kinds at once, a window that ends first, another store's staff.
    app.post(
        &tea_owner,
        &format!("/api/v1/stores/{tea_store}/coupons"),
        with_window(json!({ "name": "x", "amount": cny(1), "percent_bps": 5 })),
    )
    .await
    .assert_error(422, "invalid_field");
    app.post(&tea_owner, &format!("/api/v1/stores/{tea_store}/coupons"), json!({ "name": "x", "amount": cny(1), "starts_at": "2027-01-01T00:00:00Z", "ends_at": "2026-01-01T00:00:00Z" }))
        .await
        .assert_error(422, "invalid_field");
    app.post(
        &cup_owner,
        &format!("/api/v1/stores/{tea_store}/coupons"),
        with_window(json!({ "name": "x", "amount": cny(1) })),
    )
    .await
    .assert_error(404, "store_not_found");
    let buyer = app.signup("buyer").await;
    app.post(&buyer, "/api/v1/admin/coupons", with_window(json!({ "name": "x", "amount": cny(1) })))
        .await
        .assert_error(403, "admin_only");
    let listed = app.get(&Client::default(), &format!("/api/v1/stores/{tea_store}/coupons")).await.json();
    assert_eq!(listed["items"][0]["name"], "满100减20");

    // Claims within the limits: one each per member, two in all.
    app.post(&buyer, &format!("/api/v1/coupons/{tea_coupon}/claim"), json!({})).await.assert_status(201);
    app.post(&buyer, &format!("/api/v1/coupons/{tea_coupon}/claim"), json!({}))
        .await
        .assert_error(409, "coupon_limit_reached");
    app.post(&buyer, &format!("/api/v1/coupons/{platform}/claim"), json!({})).await.assert_status(201);
    let second = app.signup("second").await;
    app.post(&second, &format!("/api/v1/coupons/{tea_coupon}/claim"), json!({})).await.assert_status(201);
    let third = app.signup("third").await;
    app.post(&third, &format!("/api/v1/coupons/{tea_coupon}/claim"), json!({}))
        .await
        .assert_error(409, "coupon_unavailable");
    app.post(&third, "/api/v1/coupons/42/claim", json!({})).await.assert_error(404, "coupon_not_found");
    let held = app.get(&buyer, "/api/v1/coupons").await.json();
    assert_eq!(held["items"].as_array().unwrap().len(), 2);

    // Tea ¥49.99 × 2 + ¥33.33 (¥133.31) and a ¥20 cup.
    let home = address(&app, &buyer, "CN-SH").await;
    for (sku, quantity) in [(&tea_sku, 2), (&oolong_sku, 1), (&cup_sku, 1)] {
        app.post(&buyer, "/api/v1/cart", json!({ "sku_id": sku, "quantity": quantity })).await.assert_status(200);
    }
    let quote = app.post(&buyer, "/api/v1/checkout/quote", json!({ "address_id": home })).await.json();
    let goods = 2 * 4_999 + 3_333 + 2_000;
    assert_eq!(quote["goods"]["amount_minor"], goods);
    // The store's ¥20 on tea; the platform's 10% of what is left (¥135.31 → ¥13.53).
    let platform_off = (goods - 2_000) / 10;
    assert_eq!(quote["discount"]["amount_minor"], 2_000 + platform_off, "{quote}");
    assert_eq!(quote["coupons"].as_array().unwrap().len(), 2);
    let shipping = quote["shipping"]["amount_minor"].as_i64().unwrap();
    assert_eq!(quote["total"]["amount_minor"].as_i64().unwrap(), goods + shipping - 2_000 - platform_off);
    // Named coupons: none at all, or one that is not the buyer's.
    let plain =
        app.post(&buyer, "/api/v1/checkout/quote", json!({ "address_id": home, "coupon_ids": [] })).await.json();
    assert_eq!(plain["discount"]["amount_minor"], 0);
    let others = app.get(&second, "/api/v1/coupons").await.json()["items"][0]["id"].clone();
    app.post(&buyer, "/api/v1/checkout/quote", json!({ "address_id": home, "coupon_ids": [others] }))
        .await
        .assert_error(409, "coupon_not_applicable");

    let total = quote["total"]["amount_minor"].as_i64().unwrap();
    let placed = checkout(&app, &buyer, "c1", &home, total, "sandbox_success").await;
    placed.assert_status(201);
    let placed = placed.json();
    assert_eq!(placed["payment"]["amount"]["amount_minor"], total);
    let orders = placed["orders"].as_array().unwrap();
    let mut discount = 0;
    for order in orders {
        // Every order's lines pay exactly its goods less its discount.
        let paid: i64 =
            order["lines"].as_array().unwrap().iter().map(|l| l["paid"]["amount_minor"].as_i64().unwrap()).sum();
        let (order_goods, order_discount) =
            (order["goods"]["amount_minor"].as_i64().unwrap(), order["discount"]["amount_minor"].as_i64().unwrap());
        assert_eq!(paid, order_goods - order_discount, "{order}");
        assert_eq!(
            order["total"]["amount_minor"].as_i64().unwrap(),
            order_goods + order["shipping"]["amount_minor"].as_i64().unwrap() - order_discount
        );
        discount += order_discount;
    }
    assert_eq!(discount, 2_000 + platform_off);
    assert_eq!(app.get(&buyer, "/api/v1/coupons").await.json()["items"].as_array().unwrap().len(), 0, "both spent");
    assert_eq!(escrow(&app).await, total);

    // Cancelling the cup order gives nothing back (the platform's coupon still pays the
    // tea order); cancelling the tea order gives both back.
    let cup_order = orders.iter().find(|o| o["store_id"] == cup_store.as_str()).unwrap()["id"].as_str().unwrap();
    let tea_order = orders.iter().find(|o| o["store_id"] == tea_store.as_str()).unwrap()["id"].as_str().unwrap();
    app.post(&buyer, &format!("/api/v1/orders/{cup_order}/cancel"), json!({})).await.assert_status(200);
    assert_eq!(app.get(&buyer, "/api/v1/coupons").await.json()["items"].as_array().unwrap().len(), 0);
    app.post(&buyer, &format!("/api/v1/orders/{tea_order}/cancel"), json!({})).await.assert_status(200);
    assert_eq!(app.get(&buyer, "/api/v1/coupons").await.json()["items"].as_array().unwrap().len(), 2);
    app.services.payments.resume_stale(-1).await.unwrap();
    assert_eq!(escrow(&app).await, 0);
    assert_books_balance(&app).await;
}

/// The console issues a coupon through its form (a refusal keeps what was typed), the
/// store page offers it, a member claims it there, and checkout shows it applied.
async fn coupons_through_the_pages(t: TestDb) {
    use crate::pages::form;
    let app = TestApp::new(t).await;
    let (owner, store_id) = store(&app, "tea_house", "brand_official").await;
    let (_, sku) = stocked(&app, &owner, &store_id, "白毫 Silver needle", 12_000, 5).await;
    let console = app.get(&owner, "/o/tea_house/manage/coupons").await.text();
    assert!(console.contains("id=\"coupon-form\"") && !console.contains("org-tab-coupons"), "{console}");
    let mut fields = vec![
        ("name", "满100减20"),
        ("kind", "fixed"),
        ("amount", ""),
        ("min_spend", "100"),
        ("starts_at", "2025-12-01T00:00"),
        ("ends_at", "2026-06-01T00:00"),
        ("per_member_limit", "1"),
        ("utc_offset", "480"),
    ];
    let refused = form(&app, &owner, "/o/tea_house/coupons", &fields).await;
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert!(refused.text().contains("value=\"满100减20\""));
    fields[2] = ("amount", "20");
    let issued = form(&app, &owner, "/o/tea_house/coupons", &fields).await;
    assert_eq!(issued.status, 303, "{}", issued.text());
    let console = app.get(&owner, "/o/tea_house/manage/coupons").await.text();
    assert!(console.contains("满100减20"), "{console}");

    let buyer = app.signup("buyer").await;
    let page = app.get(&buyer, "/o/tea_house/store").await.text();
    let coupon =
        app.get(&Client::default(), &format!("/api/v1/stores/{store_id}/coupons")).await.json()["items"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
    assert!(
        page.contains(&format!("id=\"claim-{coupon}\"")) && page.contains("¥20.00 off on ¥100.00 or more"),
        "{page}"
    );
    let claimed = form(&app, &buyer, &format!("/coupons/{coupon}/claim"), &[("back", "/o/tea_house/store")]).await;
    assert_eq!(claimed.headers.get("location").unwrap(), "/o/tea_house/store?done=coupon_claimed");
    let again = form(&app, &buyer, &format!("/coupons/{coupon}/claim"), &[("back", "//evil.example")]).await;
    assert_eq!(again.headers.get("location").unwrap(), "/cart?done=coupon_limit_reached", "only same-site paths");

    let home = address(&app, &buyer, "CN-BJ").await;
    app.post(&buyer, "/api/v1/cart", json!({ "sku_id": sku, "quantity": 1 })).await.assert_status(200);
    let checkout = app.get(&buyer, &format!("/checkout?address={home}")).await.text();
    assert!(checkout.contains("Coupon: 满100减20") && checkout.contains("−¥20.00"), "{checkout}");
}

/// Three units at ¥50 instead of ¥100, one per member: the cart prices a fitting line
/// at the sale price and a line beyond the limit at the regular price; forty buyers
/// racing get exactly three sale-priced orders; a cancelled order gives its unit back.
async fn a_limited_sale_sells_its_units_once_within_each_members_limit(t: TestDb) {
    use carmine_orders::CheckoutInput;
    let app = TestApp::new(t).await;
    let (owner, store_id) = store(&app, "flash_shop", "brand_official").await;
    let (product, sku) = stocked(&app, &owner, &store_id, "秒杀 Flash", 10_000, 100).await;
    let sales_path = format!("/api/v1/products/{product}/sales");
    let sale = |body: Value| app.post(&owner, &sales_path, body);
    let window = json!({ "starts_at": "2025-12-31T00:00:00Z", "ends_at": "2026-01-02T00:00:00Z" });
    let with = |extra: Value| {
        let mut body = json!({ "sku_id": sku, "price": cny(5_000), "quantity": 3, "per_member_limit": 1 });
        for (k, v) in window.as_object().unwrap().iter().chain(extra.as_object().unwrap()) {
            body[k] = v.clone();
        }
        body
    };
    sale(with(json!({ "price": cny(10_000) }))).await.assert_error(422, "invalid_field");
    sale(with(json!({ "ends_at": "2026-03-01T00:00:00Z" }))).await.assert_error(422, "invalid_field");
    let stranger = app.signup("stranger").await;
    app.post(&stranger, &format!("/api/v1/products/{product}/sales"), with(json!({})))
        .await
        .assert_error(404, "product_not_found");
    sale(with(json!({}))).await.assert_status(201);
    sale(with(json!({ "starts_at": "2026-01-01T12:00:00Z", "ends_at": "2026-01-03T00:00:00Z" })))
        .await
        .assert_error(409, "sale_overlaps");
    let listed = app.get(&Client::default(), &format!("/api/v1/products/{product}/sales")).await.json();
    assert_eq!((listed["items"][0]["live"].as_bool(), listed["items"][0]["sold"].as_i64()), (Some(true), Some(0)));
    let page = app.get(&Client::default(), &format!("/products/{product}")).await.text();
    assert!(page.contains("Sale price ¥50.00") && page.contains("1 per member · 3 left"), "{page}");
    assert!(
        page.contains("data-range=\"¥50.00\">¥50.00</strong> <s class=\"muted\" id=\"product-compare-at\">¥100.00</s>"),
        "the sale is the price, the regular one struck through: {page}"
    );

    // One unit fits the limit: the sale price. Two do not: the regular price.
    let buyer = app.signup("buyer").await;
    let cart = app.post(&buyer, "/api/v1/cart", json!({ "sku_id": sku, "quantity": 2 })).await.json();
    assert_eq!(cart["stores"][0]["lines"][0]["price"]["amount_minor"], 10_000);
    let page = app.get(&buyer, "/cart").await.text();
    assert!(page.contains("Sale price ¥50.00 for up to 1 unit — lower the quantity to get it."), "says why: {page}");
    let cart = app.put(&buyer, &format!("/api/v1/cart/{sku}"), json!({ "quantity": 1 })).await.json();
    assert_eq!(cart["stores"][0]["lines"][0]["price"]["amount_minor"], 5_000, "{cart}");

    // Forty buyers race for the three units, one each.
    let orders = app.services.orders.clone();
    let sku_id: carmine_core::Id = sku.parse().unwrap();
    let mut ready = Vec::new();
    for n in 0..40 {
        let (user, address_id) = shopper(&app, &format!("flash{n}"), "CN-GD").await;
        orders.put_in_cart(user, sku_id, 1, false).await.unwrap();
        let total = orders.quote(user, Some(address_id), &[], None).await.unwrap().total_minor;
        ready.push((user, address_id, total));
    }
    // Every racer saw the sale price before any of them checks out.
    let mut racers = tokio::task::JoinSet::new();
    for (user, address_id, total) in ready {
        let orders = orders.clone();
        racers.spawn(async move {
            let input = CheckoutInput {
                address_id,
                sku_ids: vec![],
                method: "sandbox_success".into(),
                expected_total_minor: total,
                coupon_ids: None,
            };
            let key = carmine_ledger::IdempotencyKey::new(user, "flash", "checkout", b"{}").unwrap();
            (user, orders.checkout(user, &[], &input, &key, "/orders/paid").await)
        });
    }
    let (mut at_sale, mut refused) = (Vec::new(), 0);
    while let Some(result) = racers.join_next().await {
        match result.unwrap() {
            (user, Ok(placed)) => {
                let (_, _, lines) = orders.group(user, placed.group_id).await.unwrap();
                assert_eq!((lines[0].unit_price_minor, lines[0].sale_id.is_some()), (5_000, true));
                at_sale.push((user, placed.group_id));
            }
            (_, Err(error)) => {
                assert_eq!(error.code, carmine_core::ErrorCode::PriceChanged, "{error:?}");
                refused += 1;
            }
        }
    }
    assert_eq!((at_sale.len(), refused), (3, 37));
    let listed = app.get(&Client::default(), &format!("/api/v1/products/{product}/sales")).await.json();
    assert_eq!((listed["items"][0]["sold"].as_i64(), listed["items"][0]["live"].as_bool()), (Some(3), Some(false)));
    // Sold out: the buyer's line is back at the regular price.
    let cart = app.get(&buyer, "/api/v1/cart").await.json();
    assert_eq!(cart["stores"][0]["lines"][0]["price"]["amount_minor"], 10_000);
    // A winner cancels: the unit goes back to the sale.
    let (winner, group) = at_sale[0];
    let (_, placed_orders, _) = orders.group(winner, group).await.unwrap();
    orders.cancel(winner, placed_orders[0].id).await.unwrap();
    let cart = app.get(&buyer, "/api/v1/cart").await.json();
    assert_eq!(cart["stores"][0]["lines"][0]["price"]["amount_minor"], 5_000);
    app.services.payments.resume_stale(-1).await.unwrap();
    assert_books_balance(&app).await;
}

/// The console's sale prices: none yet, one set through the form (in the browser's
/// time), refused input kept on the form, a stranger's 404, ended early.
async fn sale_prices_through_the_console(t: TestDb) {
    use crate::pages::form;
    let app = TestApp::new(t).await;
    let (owner, store_id) = store(&app, "flash_shop", "brand_official").await;
    let (product, sku) = stocked(&app, &owner, &store_id, "秒杀 Flash", 10_000, 100).await;
    let path = format!("/o/flash_shop/manage/products/{product}/sales");
    let editor = app.get(&owner, &format!("/o/flash_shop/manage/products/{product}")).await.text();
    assert!(editor.contains(&format!("href=\"{path}\"")), "the editor links to its sale prices");
    assert!(app.get(&owner, &path).await.text().contains("id=\"sales-none\""));
    let fields = |price: &str| {
        vec![
            ("sku_id", sku.clone()),
            ("price", price.to_owned()),
            ("quantity", "3".to_owned()),
            ("per_member_limit", "1".to_owned()),
            // 08:00 in China is midnight UTC: the test clock's 2026-01-01 is inside.
            ("starts_at", "2025-12-31T08:00".to_owned()),
            ("ends_at", "2026-01-02T08:00".to_owned()),
            ("utc_offset", "480".to_owned()),
        ]
    };
    let post = async |price: &str| {
        let typed = fields(price);
        let typed: Vec<(&str, &str)> = typed.iter().map(|(k, v)| (*k, v.as_str())).collect();
        form(&app, &owner, &path, &typed).await
    };
    let refused = post("100").await;
    assert_eq!(refused.status, 422, "not below the regular price");
    let text = refused.text();
    assert!(text.contains("value=\"100\"") && text.contains("below the variant"), "{text}");
    let created = post("50").await;
    assert_eq!(created.status, 303, "{}", created.text());
    assert_eq!(created.headers.get("location").unwrap(), &format!("{path}?done=sale_created"));
    let page = app.get(&owner, &path).await.text();
    assert!(page.contains("¥50.00") && page.contains("0 of 3 sold") && page.contains("On now"), "{page}");
    let listed = app.get(&Client::default(), &format!("/api/v1/products/{product}/sales")).await.json();
    let sale = listed["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(listed["items"][0]["starts_at"], "2025-12-31T00:00:00Z", "the browser's offset");

    let (stranger, _) = store(&app, "other_shop", "brand_official").await;
    assert_eq!(app.get(&stranger, &path).await.status, 404);
    let foreign = format!("/o/other_shop/manage/products/{product}/sales");
    assert_eq!(app.get(&stranger, &foreign).await.status, 404, "not their store's product");
    let ended = form(&app, &stranger, &format!("/o/other_shop/manage/products/{product}/sales/{sale}/end"), &[]).await;
    assert_eq!(ended.status, 404);
    let ended = form(&app, &owner, &format!("{path}/{sale}/end"), &[]).await;
    assert_eq!(ended.headers.get("location").unwrap(), &format!("{path}?done=sale_ended"));
    assert!(app.get(&owner, &path).await.text().contains("id=\"sales-none\""), "an ended sale is gone");
    let listed = app.get(&Client::default(), &format!("/api/v1/products/{product}/sales")).await.json();
    assert_eq!(listed["items"], json!([]));
}

async fn buyers_pay_from_their_coins_where_the_operator_allows(t: TestDb) {
    use carmine_ledger::{AccountKind, AccountRef, Owner};
    let backend = t.db.backend();
    let app = TestApp::with_services(t, carmine_web::WebConfig::new(crate::helpers::ORIGIN), |c| {
        c.orders.wallet_payments = true;
    })
    .await;
    let (owner, store_id) = store(&app, "tea_house", "brand_official").await;
    let (tea, sku) = stocked(&app, &owner, &store_id, "龙井 Longjing", 12_800, 5).await;
    let buyer = app.signup("buyer").await;
    let buyer_id: carmine_core::Id = app.user_id(&buyer).await.parse().unwrap();
    let coins = || async {
        let account = AccountRef::new(Owner::User(buyer_id), AccountKind::Coins, carmine_core::money::Currency::CNY);
        app.services.ledger.balance(account).await.unwrap().posted
    };
    app.post_keyed(
        &buyer,
        "/api/v1/me/wallet/top-ups",
        "t1",
        json!({ "amount": cny(20_000), "method": "sandbox_success" }),
    )
    .await
    .assert_status(201);
    let home = address(&app, &buyer, "CN-SH").await;

    // Two teas cost more than the coins hold: refused, nothing changed.
    app.post(&buyer, "/api/v1/cart", json!({ "sku_id": sku, "quantity": 2 })).await.assert_status(200);
    let quote = async || {
        app.post(&buyer, "/api/v1/checkout/quote", json!({ "address_id": home })).await.json()["total"]["amount_minor"]
            .as_i64()
            .unwrap()
    };
    let events = app.event_count().await;
    let refused = checkout(&app, &buyer, "w1", &home, quote().await, "wallet").await;
    refused.assert_error(422, "insufficient_funds");
    assert_eq!((coins().await, units_free(&app, &tea).await, escrow(&app).await), (20_000, 5, 0));
    assert_eq!(app.get(&buyer, "/api/v1/orders").await.json()["items"].as_array().unwrap().len(), 0);
    assert_eq!(app.event_count().await, events, "nothing changed");

    // One tea: paid at once from the coins, no provider involved.
    app.put(&buyer, &format!("/api/v1/cart/{sku}"), json!({ "quantity": 1 })).await.assert_status(200);
    let total = quote().await;
    let placed = checkout(&app, &buyer, "w2", &home, total, "wallet").await;
    placed.assert_status(201);
    let placed = placed.json();
    assert_eq!(placed["payment"]["status"], "succeeded", "{placed}");
    assert_eq!(placed["orders"][0]["status"], "awaiting_shipment");
    assert_eq!((coins().await, escrow(&app).await), (20_000 - total, total));
    // Cancelled before shipment: the coins come back at once.
    let order = placed["orders"][0]["id"].as_str().unwrap();
    app.post(&buyer, &format!("/api/v1/orders/{order}/cancel"), json!({})).await.assert_status(200);
    assert_eq!((coins().await, escrow(&app).await, units_free(&app, &tea).await), (20_000, 0, 5));
    assert_books_balance(&app).await;

    // Where the operator has not allowed it, the method is refused.
    let Some(other) = TestDb::for_backend(backend).await else { return };
    let plain = TestApp::new(other).await;
    let (owner, store_id) = store(&plain, "tea_house", "brand_official").await;
    let (_, sku) = stocked(&plain, &owner, &store_id, "龙井 Longjing", 12_800, 5).await;
    let buyer = plain.signup("buyer").await;
    let home = address(&plain, &buyer, "CN-SH").await;
    plain.post(&buyer, "/api/v1/cart", json!({ "sku_id": sku, "quantity": 1 })).await.assert_status(200);
    let total = plain.post(&buyer, "/api/v1/checkout/quote", json!({ "address_id": home })).await.json()["total"]
        ["amount_minor"]
        .as_i64()
        .unwrap();
    checkout(&plain, &buyer, "w0", &home, total, "wallet").await.assert_error(422, "invalid_field");
}

async fn the_address_book_edits_and_removes_through_the_pages(t: TestDb) {
    use crate::pages::form;
    let app = TestApp::new(t).await;
    let buyer = app.signup("buyer").await;
    let home = address(&app, &buyer, "CN-BJ").await;
    let book = app.get(&buyer, "/addresses").await;
    assert_eq!(book.status, 200, "{}", book.text());
    assert!(book.text().contains(&format!("id=\"address-{home}\"")) && book.text().contains("朝阳区建国路 88 号"));
    let path = format!("/addresses/{home}");
    let fields = |phone| [("recipient", "林小红"), ("phone", phone), ("region", "CN-SH"), ("detail", "静安区 2 号")];
    // A bad phone number keeps what was typed in the open form; a good one saves.
    let refused = form(&app, &buyer, &path, &fields("12345")).await;
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert!(refused.text().contains("静安区 2 号"), "{}", refused.text());
    let saved = form(&app, &buyer, &path, &fields("13900001111")).await;
    assert_eq!(saved.status, 303, "{}", saved.text());
    let listed = app.get(&buyer, "/api/v1/addresses").await.json();
    assert_eq!(
        (listed["items"][0]["region"].as_str(), listed["items"][0]["detail"].as_str()),
        (Some("CN-SH"), Some("静安区 2 号"))
    );
    // Nobody else may touch it.
    let stranger = app.signup("stranger").await;
    assert_eq!(form(&app, &stranger, &path, &fields("13900001111")).await.status, 404);
    assert_eq!(form(&app, &stranger, &format!("{path}/remove"), &[]).await.status, 404);
    let removed = form(&app, &buyer, &format!("{path}/remove"), &[]).await;
    assert_eq!(removed.status, 303, "{}", removed.text());
    assert!(app.get(&buyer, "/addresses").await.text().contains("id=\"addresses-empty\""));
}
