//! Money through the API, on both databases: coins bought through the sandbox
//! provider (every outcome, webhooks late, twice and out of order), gifts split
//! between creator and platform, withdrawals paid or failed in batches, refunds,
//! organizations' top-ups; idempotency keys (replay, reuse, concurrent duplicates);
//! forged and replayed webhooks; bad amounts and currencies changing nothing; the
//! revenue statement and the books reconciling to zero.

use carmine_core::ErrorCode;
use carmine_store::testing::TestDb;
use serde_json::{Value, json};

use crate::helpers::{Client, TestApp};

carmine_store::both_backends!(
    coins_gifts_and_payouts_end_to_end,
    every_sandbox_outcome_credits_exactly_once,
    forged_stale_and_replayed_webhooks,
    bad_money_input_changes_nothing,
    concurrent_duplicates_execute_once,
    refunds_cancellations_failures_and_expiry_give_money_back,
    organizations_top_up_by_role,
);

fn cny(amount_minor: i64) -> Value {
    json!({ "amount_minor": amount_minor, "currency": "CNY" })
}

async fn top_up(app: &TestApp, who: &Client, key: &str, amount_minor: i64, method: &str) -> Value {
    let response = app
        .post_keyed(who, "/api/v1/me/wallet/top-ups", key, json!({ "amount": cny(amount_minor), "method": method }))
        .await;
    response.assert_status(201);
    response.json()
}

async fn wallet(app: &TestApp, who: &Client) -> Value {
    app.get(who, "/api/v1/me/wallet").await.json()
}

fn minor(value: &Value) -> i64 {
    value["amount_minor"].as_i64().unwrap_or_else(|| panic!("not money: {value}"))
}

async fn transactions(app: &TestApp) -> i64 {
    let mut conn = app.db.reader().await.unwrap();
    carmine_store::ledger::transaction_count(&mut conn).await.unwrap()
}

async fn assert_books_balance(app: &TestApp) {
    let report = carmine_ledger::reconcile::reconcile(&app.db).await.unwrap();
    assert!(report.is_clean(), "{report:?}");
}

async fn coins_gifts_and_payouts_end_to_end(t: TestDb) {
    let app = TestApp::new(t).await;
    let admin = app.admin("root").await;
    let alice = app.signup("alice").await;
    let bob = app.signup("bob").await;

    let paid = top_up(&app, &alice, "topup-1", 3_000, "sandbox_success").await;
    assert_eq!(paid["status"], "succeeded");
    let mine = wallet(&app, &alice).await;
    assert_eq!(minor(&mine["coins"]["available"]), 3_000);
    assert_eq!(mine["coin_count"], 300);
    // The same request again answers the same payment and charges nothing more.
    let again = top_up(&app, &alice, "topup-1", 3_000, "sandbox_success").await;
    assert_eq!(again["id"], paid["id"]);
    assert_eq!(minor(&wallet(&app, &alice).await["coins"]["available"]), 3_000);
    // Another request under the key is refused; no key at all is refused.
    let reused = app
        .post_keyed(
            &alice,
            "/api/v1/me/wallet/top-ups",
            "topup-1",
            json!({ "amount": cny(6_000), "method": "sandbox_success" }),
        )
        .await;
    reused.assert_error(422, "idempotency_key_reused");
    app.post(&alice, "/api/v1/me/wallet/top-ups", json!({ "amount": cny(6_000), "method": "sandbox_success" }))
        .await
        .assert_error(428, "idempotency_key_required");

    // A gift of 101 coins: ¥10.10 leaves Alice, half to Bob, half to the platform.
    let gift = app.post_keyed(&alice, "/api/v1/gifts", "gift-1", json!({ "to": "bob", "coins": 101 })).await;
    gift.assert_status(201);
    let gift = gift.json();
    let postings: Vec<(String, i64)> = gift["postings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["account"].as_str().unwrap().to_owned(), minor(&p["amount"])))
        .collect();
    assert_eq!(postings.iter().map(|(_, a)| a).sum::<i64>(), 0);
    assert!(postings.contains(&("coins".to_owned(), -1_010)));
    assert!(postings.contains(&("earnings".to_owned(), 505)));
    assert!(postings.contains(&("revenue_live_gifts".to_owned(), 505)));
    let replay = app.post_keyed(&alice, "/api/v1/gifts", "gift-1", json!({ "to": "bob", "coins": 101 })).await;
    assert_eq!(replay.json()["id"], gift["id"]);
    assert_eq!(minor(&wallet(&app, &alice).await["coins"]["available"]), 1_990);
    // More than she has: refused, nothing posted — and the refusal is the key's outcome.
    let before = transactions(&app).await;
    let broke = app.post_keyed(&alice, "/api/v1/gifts", "gift-2", json!({ "to": "bob", "coins": 500 })).await;
    broke.assert_error(422, "insufficient_funds");
    assert_eq!(transactions(&app).await, before);
    app.post_keyed(&alice, "/api/v1/gifts", "gift-2", json!({ "to": "bob", "coins": 500 }))
        .await
        .assert_error(422, "insufficient_funds");
    let entries = app.get(&alice, "/api/v1/me/wallet/coins/entries").await.json();
    let kinds: Vec<&str> = entries["items"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["gift", "top_up"]);
    app.get(&alice, &format!("/api/v1/transactions/{}", gift["id"].as_str().unwrap())).await.assert_status(200);

    // Bob withdraws his ¥5.05: a payout account first, then a hold, then a batch.
    let no_account = app.post_keyed(&bob, "/api/v1/me/payouts", "po-1", json!({ "amount": cny(505) })).await;
    no_account.assert_error(409, "payout_account_required");
    let account = app
        .put(
            &bob,
            "/api/v1/me/payout-account",
            json!({ "holder_name": "Bob Li", "account_number": "6222 0202 0011 2233" }),
        )
        .await;
    account.assert_status(200);
    assert_eq!(account.json()["account_last4"], "2233");
    assert!(!account.text().contains("6222"), "the full number is not kept");
    let payout = app.post_keyed(&bob, "/api/v1/me/payouts", "po-1", json!({ "amount": cny(505) })).await;
    payout.assert_status(201);
    assert_eq!(payout.json()["status"], "requested");
    let held = wallet(&app, &bob).await;
    assert_eq!((minor(&held["earnings"]["available"]), minor(&held["earnings"]["pending_out"])), (0, 505));
    app.post_keyed(&bob, "/api/v1/me/payouts", "po-2", json!({ "amount": cny(100) }))
        .await
        .assert_error(422, "insufficient_funds");
    app.post(&bob, "/api/v1/admin/payouts/batches", json!({})).await.assert_error(403, "admin_only");
    let batch = app.post(&admin, "/api/v1/admin/payouts/batches", json!({})).await.json();
    assert_eq!((batch["submitted"].as_u64(), batch["paid"].as_u64()), (Some(1), Some(1)), "{batch}");
    let paid_out = app.get(&bob, "/api/v1/me/payouts").await.json();
    assert_eq!(paid_out["items"][0]["status"], "paid");
    let after = wallet(&app, &bob).await;
    assert_eq!((minor(&after["earnings"]["posted"]), minor(&after["earnings"]["pending_out"])), (0, 0));
    // A second batch finds nothing to send.
    let idle = app.post(&admin, "/api/v1/admin/payouts/batches", json!({})).await.json();
    assert_eq!(idle["submitted"], 0);

    // The operator's statement shows every stream; gifts earned ¥5.05 today.
    let statement = app.get(&admin, "/api/v1/admin/revenue?period=month").await.json();
    let streams: Vec<&str> =
        statement["streams"].as_array().unwrap().iter().map(|s| s["stream"].as_str().unwrap()).collect();
    assert_eq!(streams.len(), 7);
    let gifts = streams.iter().position(|s| *s == "live_gifts").unwrap();
    assert_eq!(minor(&statement["totals"][gifts]), 505);
    assert_eq!(minor(&statement["total"]), 505);
    let csv = app.get(&admin, "/api/v1/admin/revenue.csv?period=day").await;
    csv.assert_status(200);
    let text = csv.text();
    assert!(text.starts_with("period,advertising,commerce_commissions,live_gifts,"), "{text}");
    assert!(text.lines().last().unwrap().starts_with("total,0.00,0.00,5.05,"), "{text}");
    app.get(&alice, "/api/v1/admin/revenue").await.assert_error(403, "admin_only");
    let books = app.get(&admin, "/api/v1/admin/ledger/reconciliation").await.json();
    assert_eq!(books["clean"], true, "{books}");
    assert_eq!(minor(&books["trial_balance"][0]), 0);
    assert_books_balance(&app).await;
}

async fn every_sandbox_outcome_credits_exactly_once(t: TestDb) {
    let app = TestApp::new(t).await;
    let alice = app.signup("alice").await;
    let coins = |w: Value| minor(&w["coins"]["posted"]);

    let declined = top_up(&app, &alice, "d", 1_000, "sandbox_decline").await;
    assert_eq!(
        (declined["status"].as_str(), declined["decline_reason"].as_str()),
        (Some("declined"), Some("card_declined"))
    );
    app.clock.advance_seconds(3);
    app.run_jobs().await;
    assert_eq!(coins(wallet(&app, &alice).await), 0);

    let pending = top_up(&app, &alice, "p", 2_000, "sandbox_pending").await;
    assert_eq!(pending["status"], "pending");
    app.run_jobs().await;
    assert_eq!(coins(wallet(&app, &alice).await), 0, "pending is not money yet");
    app.clock.advance_seconds(61);
    app.run_jobs().await;
    let settled = app.get(&alice, &format!("/api/v1/payments/{}", pending["id"].as_str().unwrap())).await.json();
    assert_eq!(settled["status"], "succeeded");
    assert_eq!(coins(wallet(&app, &alice).await), 2_000);

    // Settled before the stale "pending" arrives: the late event changes nothing.
    let shuffled = top_up(&app, &alice, "o", 500, "sandbox_out_of_order").await;
    app.clock.advance_seconds(2);
    app.run_jobs().await;
    app.clock.advance_seconds(5);
    let pass = app.run_jobs().await;
    assert_eq!(pass.failed, 0);
    let after = app.get(&alice, &format!("/api/v1/payments/{}", shuffled["id"].as_str().unwrap())).await.json();
    assert_eq!(after["status"], "succeeded");
    assert_eq!(coins(wallet(&app, &alice).await), 2_500);

    // Three deliveries of one event: credited once.
    top_up(&app, &alice, "dup", 700, "sandbox_duplicate").await;
    app.clock.advance_seconds(3);
    let pass = app.run_jobs().await;
    assert!(pass.succeeded >= 3, "{pass:?}");
    assert_eq!(coins(wallet(&app, &alice).await), 3_200);

    // The hosted page: requires action until the payer pays there.
    let checkout = top_up(&app, &alice, "c", 6_800, "sandbox_checkout").await;
    assert_eq!(checkout["status"], "requires_action");
    let page = checkout["redirect_url"].as_str().unwrap().to_owned();
    assert!(page.starts_with("/sandbox/checkout/"), "{page}");
    let reference = page.rsplit('/').next().unwrap();
    let back = app.services.sandbox.complete_checkout(reference, true).await.unwrap();
    assert_eq!(back, format!("/wallet/payments/{}", checkout["id"].as_str().unwrap()));
    // Back on our site before the webhook: the payment is checked with the provider.
    let returned = app.get(&alice, &format!("/api/v1/payments/{}", checkout["id"].as_str().unwrap())).await.json();
    assert_eq!(returned["status"], "succeeded");
    app.run_jobs().await;
    assert_eq!(coins(wallet(&app, &alice).await), 10_000);
    let payments = app.get(&alice, "/api/v1/me/payments").await.json();
    assert_eq!(payments["items"].as_array().unwrap().len(), 5);
    assert_books_balance(&app).await;
}

async fn forged_stale_and_replayed_webhooks(t: TestDb) {
    let app = TestApp::new(t).await;
    let alice = app.signup("alice").await;
    let pending = top_up(&app, &alice, "p", 2_000, "sandbox_pending").await;
    let reference = pending["provider_ref"].as_str().unwrap().to_owned();
    let body = json!({ "id": "evt_manual_1", "type": "charge.succeeded", "reference": reference }).to_string();
    let deliver = |signature: Option<String>, body: String| {
        let app = &app;
        async move {
            let mut headers = vec![("content-type", "application/json".to_owned())];
            if let Some(signature) = signature {
                headers.push(("carmine-signature", signature));
            }
            let request = headers.iter().fold(
                axum::http::Request::builder().method("POST").uri("/api/v1/payments/webhooks/sandbox"),
                |r, (k, v)| r.header(*k, v),
            );
            app.raw(request.body(axum::body::Body::from(body)).unwrap(), [203, 0, 113, 9]).await
        }
    };
    let coins = || async { minor(&wallet(&app, &alice).await["coins"]["posted"]) };
    let events_before = app.event_count().await;

    let forged = carmine_ledger::provider::sign_webhook(
        b"not the secret",
        app.clock.now().micros() / 1_000_000,
        body.as_bytes(),
    );
    deliver(Some(forged), body.clone()).await.assert_error(400, "webhook_signature_invalid");
    let valid = app.services.sandbox.sign(app.clock.now(), body.as_bytes());
    let tampered = body.replace("charge.succeeded", "charge.declined");
    deliver(Some(valid.clone()), tampered).await.assert_error(400, "webhook_signature_invalid");
    deliver(None, body.clone()).await.assert_error(400, "webhook_signature_invalid");
    let stale = app.services.sandbox.sign(app.clock.now().plus_seconds(-301), body.as_bytes());
    deliver(Some(stale), body.clone()).await.assert_error(400, "webhook_signature_invalid");
    assert_eq!(app.event_count().await, events_before, "refused deliveries change nothing");
    assert_eq!(coins().await, 0);

    let applied = deliver(Some(valid.clone()), body.clone()).await;
    applied.assert_status(200);
    assert_eq!(applied.json()["duplicate"], false);
    assert_eq!(coins().await, 2_000);
    // The same delivery captured and sent again: acknowledged, ignored.
    let replayed = deliver(Some(valid.clone()), body.clone()).await;
    assert_eq!(replayed.json()["duplicate"], true);
    // Later than the tolerance, even its valid signature is refused.
    app.clock.advance_seconds(400);
    deliver(Some(valid), body.clone()).await.assert_error(400, "webhook_signature_invalid");
    // The sandbox's own deliveries of the real event still arrive later: no second credit.
    app.clock.advance_seconds(60);
    app.run_jobs().await;
    assert_eq!(coins().await, 2_000);
    let unknown = app.services.sandbox.sign(app.clock.now(), body.as_bytes());
    let request = axum::http::Request::builder()
        .method("POST")
        .uri("/api/v1/payments/webhooks/stripe")
        .header("carmine-signature", unknown)
        .body(axum::body::Body::from(body.clone()))
        .unwrap();
    app.raw(request, [203, 0, 113, 9]).await.assert_error(404, "route_not_found");
    // Event ids are remembered for 30 days; after that a redelivery is applied again —
    // and the payment, already succeeded, credits nothing twice.
    let alice_id: carmine_core::Id = app.user_id(&alice).await.parse().unwrap();
    app.scheduler.ensure_recurring().await.unwrap();
    app.clock.advance_seconds(31 * 86_400);
    app.run_jobs().await;
    let redelivered = app.services.sandbox.sign(app.clock.now(), body.as_bytes());
    let again = deliver(Some(redelivered), body.clone()).await;
    assert_eq!(again.json()["duplicate"], false, "the event id was forgotten");
    let coins = carmine_ledger::AccountRef::new(
        carmine_ledger::Owner::User(alice_id),
        carmine_ledger::AccountKind::Coins,
        carmine_core::money::Currency::CNY,
    );
    assert_eq!(app.services.ledger.balance(coins).await.unwrap().posted, 2_000);
    assert_books_balance(&app).await;
}

async fn bad_money_input_changes_nothing(t: TestDb) {
    let app = TestApp::new(t).await;
    let alice = app.signup("alice").await;
    let bob = app.signup("bob").await;
    top_up(&app, &alice, "ok", 1_000, "sandbox_success").await;
    let alices_note = app.publish(&alice, "我的笔记", json!({})).await;
    let bobs_note = app.publish(&bob, "bob's note", json!({})).await;
    let events = app.event_count().await;
    let moved = transactions(&app).await;
    let top = |amount: Value, method: &str| json!({ "amount": amount, "method": method });
    let cases: Vec<(&str, Value, u16, &str)> = vec![
        ("/api/v1/me/wallet/top-ups", top(cny(0), "sandbox_success"), 422, "invalid_amount"),
        ("/api/v1/me/wallet/top-ups", top(cny(-500), "sandbox_success"), 422, "invalid_amount"),
        ("/api/v1/me/wallet/top-ups", top(cny(1_005), "sandbox_success"), 422, "invalid_amount"),
        ("/api/v1/me/wallet/top-ups", top(cny(500_100), "sandbox_success"), 422, "invalid_amount"),
        (
            "/api/v1/me/wallet/top-ups",
            json!({ "amount": { "amount_minor": 1.5, "currency": "CNY" }, "method": "sandbox_success" }),
            422,
            "invalid_field",
        ),
        (
            "/api/v1/me/wallet/top-ups",
            top(json!({ "amount_minor": 1_000, "currency": "USD" }), "sandbox_success"),
            422,
            "unsupported_currency",
        ),
        (
            "/api/v1/me/wallet/top-ups",
            top(json!({ "amount_minor": 1_000, "currency": "cny" }), "sandbox_success"),
            422,
            "invalid_field",
        ),
        ("/api/v1/me/wallet/top-ups", top(cny(1_000), "bank_robbery"), 422, "invalid_field"),
        (
            "/api/v1/me/wallet/top-ups",
            json!({ "amount": cny(1_000), "method": "sandbox_success", "account_id": "1" }),
            422,
            "unknown_field",
        ),
        ("/api/v1/gifts", json!({ "to": "alice", "coins": 1 }), 422, "cannot_gift_self"),
        ("/api/v1/gifts", json!({ "to": "bob", "coins": 0 }), 422, "invalid_amount"),
        ("/api/v1/gifts", json!({ "to": "bob", "coins": -3 }), 422, "invalid_amount"),
        ("/api/v1/gifts", json!({ "to": "bob", "coins": 100_001 }), 422, "invalid_amount"),
        ("/api/v1/gifts", json!({ "to": "nobody_here", "coins": 1 }), 404, "user_not_found"),
        ("/api/v1/gifts", json!({ "to": "bob", "coins": 1, "note_id": "123456789" }), 422, "invalid_field"),
        ("/api/v1/gifts", json!({ "to": "bob", "coins": 1, "note_id": alices_note }), 422, "invalid_field"),
        // Bob's own note is a fine reference: the refusal is about the money.
        ("/api/v1/gifts", json!({ "to": "bob", "coins": 101, "note_id": bobs_note }), 422, "insufficient_funds"),
        ("/api/v1/gifts", json!({ "to": "bob", "coins": 101 }), 422, "insufficient_funds"),
        ("/api/v1/me/payouts", json!({ "amount": cny(100) }), 409, "payout_account_required"),
    ];
    for (i, (path, body, status, code)) in cases.into_iter().enumerate() {
        let response = app.post_keyed(&alice, path, &format!("bad-{i}"), body.clone()).await;
        assert_eq!((response.status.as_u16(), response.code()), (status, code.to_owned()), "{path} {body}");
    }
    // An amount past i64 cannot even be read.
    let huge = r#"{"amount": {"amount_minor": 100000000000000000000, "currency": "CNY"}, "method": "sandbox_success"}"#;
    let request = axum::http::Request::builder()
        .method("POST")
        .uri("/api/v1/me/wallet/top-ups")
        .header("content-type", "application/json")
        .header("idempotency-key", "huge")
        .header("cookie", alice.cookie.clone().unwrap())
        .header("x-csrf-token", alice.csrf.clone().unwrap())
        .header("origin", crate::helpers::ORIGIN)
        .body(axum::body::Body::from(huge))
        .unwrap();
    let past_i64 = app.raw(request, [127, 0, 0, 1]).await;
    past_i64.assert_error(422, "invalid_field");
    assert_eq!(past_i64.json()["error"]["details"]["field"], "amount.amount_minor");
    let long_key = "k".repeat(65);
    app.post_keyed(&alice, "/api/v1/gifts", &long_key, json!({ "to": "bob", "coins": 1 }))
        .await
        .assert_error(422, "invalid_idempotency_key");
    app.post_keyed(&alice, "/api/v1/gifts", "bad key", json!({ "to": "bob", "coins": 1 }))
        .await
        .assert_error(422, "invalid_idempotency_key");
    app.put(&alice, "/api/v1/me/payout-account", json!({ "holder_name": "Alice", "account_number": "12ab" }))
        .await
        .assert_error(422, "invalid_field");
    app.put(&alice, "/api/v1/me/payout-account", json!({ "holder_name": " ", "account_number": "6222020200112233" }))
        .await
        .assert_error(422, "invalid_field");
    assert_eq!(transactions(&app).await, moved, "no posting was written");
    assert_eq!(app.event_count().await, events, "no event was written");
    assert_eq!(minor(&wallet(&app, &alice).await["coins"]["posted"]), 1_000);
    assert_eq!(ErrorCode::from_code("insufficient_funds"), Some(ErrorCode::InsufficientFunds));
}

async fn concurrent_duplicates_execute_once(t: TestDb) {
    let app = TestApp::new(t).await;
    let alice = app.signup("alice").await;
    app.signup("bob").await;
    top_up(&app, &alice, "fund", 10_000, "sandbox_success").await;
    let before = transactions(&app).await;
    let attempts = (0..8).map(|_| app.post_keyed(&alice, "/api/v1/gifts", "same", json!({ "to": "bob", "coins": 10 })));
    let responses = futures_join(attempts).await;
    let created: Vec<&crate::helpers::TestResponse> = responses.iter().filter(|r| r.status.as_u16() == 201).collect();
    assert!(!created.is_empty());
    for response in &responses {
        match response.status.as_u16() {
            201 => assert_eq!(response.json()["id"], created[0].json()["id"], "every success is the one transaction"),
            409 => assert_eq!(response.code(), "idempotency_key_in_use"),
            other => panic!("unexpected {other}: {}", response.text()),
        }
    }
    assert_eq!(transactions(&app).await, before + 1, "exactly one gift was written");
    assert_eq!(minor(&wallet(&app, &alice).await["coins"]["posted"]), 9_900);
}

/// Runs the futures concurrently and collects their outputs in order.
async fn futures_join<F: std::future::Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut pinned: Vec<std::pin::Pin<Box<F>>> = futures.map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in pinned.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => *output = Some(value),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending { std::task::Poll::Pending } else { std::task::Poll::Ready(()) }
    })
    .await;
    outputs.into_iter().map(|o| o.expect("every future finished")).collect()
}

async fn refunds_cancellations_failures_and_expiry_give_money_back(t: TestDb) {
    let app = TestApp::new(t).await;
    let admin = app.admin("root").await;
    let alice = app.signup("alice").await;
    let bob = app.signup("bob").await;
    let payment = top_up(&app, &alice, "fund", 10_000, "sandbox_success").await;
    let refunds = format!("/api/v1/admin/payments/{}/refunds", payment["id"].as_str().unwrap());
    let refund =
        app.post_keyed(&admin, &refunds, "r1", json!({ "amount": cny(3_000), "reason": "asked nicely" })).await;
    refund.assert_status(201);
    assert_eq!(refund.json()["status"], "succeeded");
    let again = app.post_keyed(&admin, &refunds, "r1", json!({ "amount": cny(3_000), "reason": "asked nicely" })).await;
    assert_eq!(again.json()["id"], refund.json()["id"]);
    assert_eq!(minor(&wallet(&app, &alice).await["coins"]["posted"]), 7_000);
    app.post_keyed(&admin, &refunds, "r2", json!({ "amount": cny(8_000), "reason": "too much" }))
        .await
        .assert_error(422, "refund_exceeds_payment");
    app.post_keyed(&alice, &refunds, "r3", json!({ "amount": cny(100), "reason": "myself" }))
        .await
        .assert_error(403, "admin_only");
    // Coins already spent cannot be refunded.
    app.post_keyed(&alice, "/api/v1/gifts", "g", json!({ "to": "bob", "coins": 600 })).await.assert_status(201);
    app.post_keyed(&admin, &refunds, "r4", json!({ "amount": cny(2_000), "reason": "spent" }))
        .await
        .assert_error(422, "insufficient_funds");
    assert_eq!(minor(&wallet(&app, &alice).await["coins"]["posted"]), 1_000);

    // Bob earned ¥30. A payout to a closed account fails and comes back.
    app.put(&bob, "/api/v1/me/payout-account", json!({ "holder_name": "Bob", "account_number": "6222020200110000" }))
        .await
        .assert_status(200);
    app.post_keyed(&bob, "/api/v1/me/payouts", "p1", json!({ "amount": cny(1_000) })).await.assert_status(201);
    let batch = app.post(&admin, "/api/v1/admin/payouts/batches", json!({})).await.json();
    assert_eq!(batch["failed"], 1);
    let failed = app.get(&bob, "/api/v1/me/payouts").await.json();
    assert_eq!(
        (failed["items"][0]["status"].as_str(), failed["items"][0]["failure_reason"].as_str()),
        (Some("failed"), Some("account_closed"))
    );
    assert_eq!(minor(&wallet(&app, &bob).await["earnings"]["available"]), 3_000);
    let earnings = app.get(&bob, "/api/v1/me/wallet/earnings/entries").await.json();
    let kinds: Vec<&str> = earnings["items"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["reversal", "payout", "gift"]);

    // Cancelled before a batch: released at once.
    app.put(&bob, "/api/v1/me/payout-account", json!({ "holder_name": "Bob", "account_number": "6222020200112233" }))
        .await
        .assert_status(200);
    let requested = app.post_keyed(&bob, "/api/v1/me/payouts", "p2", json!({ "amount": cny(1_000) })).await.json();
    assert_eq!(minor(&wallet(&app, &bob).await["earnings"]["available"]), 2_000);
    let cancel = format!("/api/v1/me/payouts/{}/cancel", requested["id"].as_str().unwrap());
    app.post(&bob, &cancel, json!({})).await.assert_status(200);
    app.post(&bob, &cancel, json!({})).await.assert_error(409, "payout_not_cancellable");
    assert_eq!(minor(&wallet(&app, &bob).await["earnings"]["available"]), 3_000);

    // Never batched: the hold expires after 30 days and the money is available again.
    let waiting = app.post_keyed(&bob, "/api/v1/me/payouts", "p3", json!({ "amount": cny(500) })).await.json();
    app.scheduler.ensure_recurring().await.unwrap();
    app.clock.advance_seconds(30 * 86_400 + 61);
    app.run_jobs().await;
    let bob = TestApp::client_from_login(&app.login("bob", "correct horse battery").await);
    let expired = app.get(&bob, "/api/v1/me/payouts").await.json();
    let row = expired["items"].as_array().unwrap().iter().find(|p| p["id"] == waiting["id"]).unwrap().clone();
    assert_eq!(row["status"], "expired");
    assert_eq!(minor(&wallet(&app, &bob).await["earnings"]["available"]), 3_000);
    assert_books_balance(&app).await;
}

async fn organizations_top_up_by_role(t: TestDb) {
    let app = TestApp::new(t).await;
    let owner = app.signup("owner").await;
    let staff = app.signup("staffer").await;
    let analyst = app.signup("counter").await;
    let outsider = app.signup("outsider").await;
    app.post(&owner, "/api/v1/orgs", json!({ "handle": "glow", "name": "Glow", "kind": "brand" }))
        .await
        .assert_status(201);
    for (who, client, role) in [("staffer", &staff, "staff"), ("counter", &analyst, "analyst")] {
        let invitation =
            app.post(&owner, "/api/v1/orgs/glow/invitations", json!({ "username": who, "role": role })).await.json();
        app.post(client, &format!("/api/v1/invitations/{}/accept", invitation["id"].as_str().unwrap()), json!({}))
            .await
            .assert_status(200);
    }
    let body = json!({ "purpose": "ad_balance", "amount": cny(1_000_000), "method": "sandbox_success" });
    let paid = app.post_keyed(&owner, "/api/v1/orgs/glow/top-ups", "ads-1", body.clone()).await;
    paid.assert_status(201);
    assert_eq!(paid.json()["purpose"], "ad_balance");
    let escrow = json!({ "purpose": "escrow", "amount": cny(500_000), "method": "sandbox_success" });
    app.post_keyed(&owner, "/api/v1/orgs/glow/top-ups", "esc-1", escrow).await.assert_status(201);
    app.post_keyed(&staff, "/api/v1/orgs/glow/top-ups", "ads-2", body.clone()).await.assert_error(403, "role_too_low");
    app.post_keyed(&outsider, "/api/v1/orgs/glow/top-ups", "ads-3", body.clone())
        .await
        .assert_error(404, "org_not_found");
    let coins_for_org = json!({ "purpose": "coins", "amount": cny(1_000), "method": "sandbox_success" });
    app.post_keyed(&owner, "/api/v1/orgs/glow/top-ups", "ads-4", coins_for_org)
        .await
        .assert_error(422, "invalid_field");
    let balances = app.get(&analyst, "/api/v1/orgs/glow/balances").await;
    balances.assert_status(200);
    let balances = balances.json();
    let of = |kind: &str| {
        balances["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["kind"] == kind)
            .map(|b| minor(&b["available"]))
            .unwrap()
    };
    assert_eq!((of("ad_balance"), of("escrow"), of("earnings")), (1_000_000, 500_000, 0));
    app.get(&staff, "/api/v1/orgs/glow/balances").await.assert_error(403, "role_too_low");
    app.get(&outsider, "/api/v1/orgs/glow/balances").await.assert_error(404, "org_not_found");
    let history = app.get(&owner, "/api/v1/orgs/glow/balances/ad_balance/entries").await.json();
    assert_eq!(history["items"][0]["kind"], "top_up");
    assert_eq!(minor(&history["items"][0]["amount"]), 1_000_000);
    app.get(&owner, "/api/v1/orgs/glow/balances/coins/entries").await.assert_error(422, "invalid_field");
    // The organization's payout account: set by the owner, read by the analyst, not by staff.
    app.get(&owner, "/api/v1/orgs/glow/payout-account").await.assert_error(409, "payout_account_required");
    let account = json!({ "holder_name": "Glow Ltd", "account_number": "6222020200998877" });
    app.put(&staff, "/api/v1/orgs/glow/payout-account", account.clone()).await.assert_error(403, "role_too_low");
    app.put(&owner, "/api/v1/orgs/glow/payout-account", account).await.assert_status(200);
    assert_eq!(app.get(&analyst, "/api/v1/orgs/glow/payout-account").await.json()["account_last4"], "8877");
    app.post_keyed(&owner, "/api/v1/orgs/glow/payouts", "po", json!({ "amount": cny(100) }))
        .await
        .assert_error(422, "insufficient_funds");
    // The owner's own wallet is untouched by the organization's money.
    assert_eq!(minor(&wallet(&app, &owner).await["coins"]["posted"]), 0);
    assert_books_balance(&app).await;
}
