//! Orders survive kill -9: buyers check out one unit at a time under idempotency keys
//! against the real server, which is killed with SIGKILL again and again while
//! checkouts are in flight; each buyer retries its key until it is answered. At the
//! end every acknowledged order exists once, no order exists that was not
//! acknowledged, the units reserved are exactly the units ordered (no phantom
//! reservation), and `carmine ledger reconcile` finds the books balanced — on SQLite
//! and PostgreSQL.

mod support;

use std::time::Duration;

use support::{Server, api_token, carmine, http_with, json_of, upload_image};
use tokio::sync::watch;

const BUYERS: usize = 4;
const KILLS: usize = 3;
/// Checkouts each buyer attempts; the product has fewer units than all of them.
const ATTEMPTS: usize = 15;
const UNITS: i64 = 40;
const TEST_MODE: [(&str, &str); 1] = [("CARMINE_PAYMENTS_TEST_MODE", "true")];

async fn send(url: &str, method: &str, path: &str, token: &str, key: Option<&str>, body: &str) -> Option<String> {
    let mut headers: Vec<(String, String)> = Vec::new();
    if !token.is_empty() {
        headers.push(("Authorization".into(), format!("Bearer {token}")));
    }
    if let Some(key) = key {
        headers.push(("Idempotency-Key".into(), key.to_owned()));
    }
    let (url, method, path, body) = (url.to_owned(), method.to_owned(), path.to_owned(), body.to_owned());
    // A refused connection panics inside the helper's own task: the server is down.
    let sent = tokio::spawn(async move {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        tokio::time::timeout(Duration::from_secs(10), http_with(&url, &method, &path, &headers, Some(&body))).await
    });
    match sent.await {
        Ok(Ok(response)) if !response.is_empty() => Some(response),
        _ => None,
    }
}

/// Sends until the server gives a final answer, following restarts.
async fn until_answered(
    urls: &mut watch::Receiver<String>,
    method: &str,
    path: &str,
    token: &str,
    key: Option<&str>,
    body: &str,
) -> (String, usize) {
    let mut interrupted = 0;
    loop {
        let url = urls.borrow_and_update().clone();
        match send(&url, method, path, token, key, body).await {
            Some(r) if r.starts_with("HTTP/1.1 409") && r.contains("idempotency_key_in_use") => {
                tokio::time::sleep(Duration::from_millis(50)).await
            }
            Some(r) if r.starts_with("HTTP/1.1 5") => tokio::time::sleep(Duration::from_millis(50)).await,
            Some(r) => return (r, interrupted),
            None => {
                interrupted += 1;
                let _ = tokio::time::timeout(Duration::from_secs(30), urls.changed()).await;
            }
        }
    }
}

fn admin(data_dir: &std::path::Path, database_url: Option<&str>) {
    let mut command = carmine();
    if let Some(url) = database_url {
        command.env("CARMINE_DATABASE_URL", url);
    }
    let created = command
        .args(["admin", "--data-dir"])
        .arg(data_dir)
        .args(["create-user", "root", "--admin"])
        .env("CARMINE_NEW_PASSWORD", "operator password 1")
        .output()
        .unwrap();
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
}

/// A verified brand's store with one product of `UNITS` units; returns (product, variant).
async fn shop(url: &str) -> (String, String) {
    let post = |path: &'static str, token: String, body: String| {
        let url = url.to_owned();
        async move {
            let r = send(&url, "POST", path, &token, None, &body).await.unwrap();
            assert!(r.starts_with("HTTP/1.1 20"), "{path}: {r}");
            json_of(&r)
        }
    };
    let signup = r#"{"username":"merchant","password":"correct horse battery"}"#;
    send(url, "POST", "/api/v1/auth/signup", "", None, signup).await.unwrap();
    let merchant = api_token(url, "merchant", "correct horse battery").await;
    let root = api_token(url, "root", "operator password 1").await;
    post("/api/v1/orgs", merchant.clone(), r#"{"handle":"kill_shop","name":"Kill Shop","kind":"brand"}"#.into()).await;
    let request =
        post("/api/v1/orgs/kill_shop/verification", merchant.clone(), r#"{"evidence":"licence"}"#.into()).await;
    let approve = format!("/api/v1/admin/verifications/{}/approve", request["id"].as_str().unwrap());
    let r = send(url, "POST", &approve, &root, None, "{}").await.unwrap();
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    let store =
        post("/api/v1/stores", merchant.clone(), r#"{"org":"kill_shop","store_type":"brand_official"}"#.into()).await;
    let (store_id, warehouse) = (store["id"].as_str().unwrap(), store["warehouses"][0]["id"].as_str().unwrap());
    let categories = json_of(&send(url, "GET", "/api/v1/categories", "", None, "").await.unwrap());
    let category = categories["items"].as_array().unwrap().iter().find(|c| c["slug"] == "tea_coffee").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let image = upload_image(url, &merchant, &carmine_media::fixtures::png(60, 60)).await;
    let body = format!(
        r#"{{"category_id":"{category}","title":"限量茶 Limited tea","status":"active","media_ids":["{image}"],
            "variants":[{{"price":{{"amount_minor":1000,"currency":"CNY"}}}}]}}"#
    );
    let path = format!("/api/v1/stores/{store_id}/products");
    let r = send(url, "POST", &path, &merchant, None, &body).await.unwrap();
    assert!(r.starts_with("HTTP/1.1 201"), "{r}");
    let product = json_of(&r);
    let (product_id, sku) =
        (product["id"].as_str().unwrap().to_owned(), product["variants"][0]["id"].as_str().unwrap().to_owned());
    let stock = format!(r#"{{"items":[{{"sku_id":"{sku}","warehouse_id":"{warehouse}","on_hand":{UNITS}}}]}}"#);
    let r = send(url, "PUT", &format!("/api/v1/products/{product_id}/stock"), &merchant, None, &stock).await.unwrap();
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    (product_id, sku)
}

fn checkouts_survive_kill_9(database_url: Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let db = database_url.as_deref();
    let mut server = Server::serve_with(dir.path(), db, &TEST_MODE);
    admin(dir.path(), db);
    let (product, sku) = runtime.block_on(shop(&server.url));
    let mut buyers = Vec::new();
    for b in 0..BUYERS {
        let body = format!(r#"{{"username":"buyer{b}","password":"correct horse battery"}}"#);
        runtime.block_on(send(&server.url, "POST", "/api/v1/auth/signup", "", None, &body)).unwrap();
        let token = runtime.block_on(api_token(&server.url, &format!("buyer{b}"), "correct horse battery"));
        let address = r#"{"recipient":"买家","phone":"13800138000","region":"CN-SH","detail":"黄浦区 1 号"}"#;
        let r = runtime.block_on(send(&server.url, "POST", "/api/v1/addresses", &token, None, address)).unwrap();
        assert!(r.starts_with("HTTP/1.1 201"), "{r}");
        buyers.push((token, json_of(&r)["id"].as_str().unwrap().to_owned()));
    }
    // One unit's total (the store's default template ships for a fee).
    let quote = {
        let (token, address) = &buyers[0];
        let put = format!("/api/v1/cart/{sku}");
        runtime.block_on(send(&server.url, "PUT", &put, token, None, r#"{"quantity":1}"#)).unwrap();
        let body = format!(r#"{{"address_id":"{address}"}}"#);
        let r = runtime.block_on(send(&server.url, "POST", "/api/v1/checkout/quote", token, None, &body)).unwrap();
        json_of(&r)["total"]["amount_minor"].as_i64().unwrap()
    };

    let (publish, urls) = watch::channel(server.url.clone());
    let (acknowledge, acknowledged) = std::sync::mpsc::channel::<()>();
    let mut clients = Vec::new();
    for (b, (token, address)) in buyers.iter().enumerate() {
        let (token, address, sku, mut urls, acknowledge) =
            (token.clone(), address.clone(), sku.clone(), urls.clone(), acknowledge.clone());
        clients.push(runtime.spawn(async move {
            let (mut orders, mut sold_out, mut interrupted) = (Vec::new(), 0, 0);
            for a in 0..ATTEMPTS {
                let put = format!("/api/v1/cart/{sku}");
                let (r, cut) = until_answered(&mut urls, "PUT", &put, &token, None, r#"{"quantity":1}"#).await;
                interrupted += cut;
                if r.contains("out_of_stock") {
                    sold_out += 1;
                    let _ = acknowledge.send(());
                    continue;
                }
                assert!(r.starts_with("HTTP/1.1 200"), "{r}");
                let body = format!(
                    r#"{{"address_id":"{address}","method":"sandbox_success","expected_total":{{"amount_minor":{quote},"currency":"CNY"}}}}"#
                );
                let key = format!("buy-{b}-{a}");
                let (r, cut) = until_answered(&mut urls, "POST", "/api/v1/checkout", &token, Some(&key), &body).await;
                interrupted += cut;
                if r.contains("out_of_stock") {
                    sold_out += 1;
                } else {
                    assert!(r.starts_with("HTTP/1.1 201"), "{key}: {r}");
                    orders.push(json_of(&r)["orders"][0]["id"].as_str().unwrap().to_owned());
                }
                let _ = acknowledge.send(());
            }
            (token, orders, sold_out, interrupted)
        }));
    }
    for _ in 0..KILLS {
        for _ in 0..BUYERS * ATTEMPTS / (KILLS + 1) {
            acknowledged.recv().unwrap();
        }
        drop(server); // SIGKILL mid-flight
        server = Server::serve_with(dir.path(), db, &TEST_MODE);
        publish.send(server.url.clone()).unwrap();
    }
    let mut acknowledged_orders = 0;
    let mut interrupted = 0;
    for client in clients {
        let (token, orders, sold_out, cut) = runtime.block_on(client).unwrap();
        interrupted += cut;
        acknowledged_orders += orders.len();
        assert_eq!(orders.len() + sold_out, ATTEMPTS);
        // The buyer's orders are exactly the acknowledged ones.
        let listed = runtime.block_on(send(&server.url, "GET", "/api/v1/orders?limit=100", &token, None, "")).unwrap();
        let mut listed: Vec<String> = json_of(&listed)["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_owned())
            .collect();
        let mut mine = orders.clone();
        listed.sort();
        mine.sort();
        assert_eq!(listed, mine, "no order lost, none unacknowledged");
    }
    assert!(interrupted > 0, "the kills must land on requests in flight");
    assert_eq!(acknowledged_orders as i64, UNITS, "every unit sold once, the rest refused");
    // Every unit is reserved by exactly one order: none is left free, none twice.
    let page =
        runtime.block_on(send(&server.url, "GET", &format!("/api/v1/products/{product}"), "", None, "")).unwrap();
    assert_eq!(json_of(&page)["variants"][0]["available"], 0, "{page}");
    drop(server);
    let mut command = carmine();
    if let Some(url) = db {
        command.env("CARMINE_DATABASE_URL", url);
    }
    let output = command.args(["ledger", "--data-dir"]).arg(dir.path()).arg("reconcile").output().unwrap();
    let report = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success() && report.contains("trial balance CNY: 0 "), "{report}");
}

#[test]
fn checkouts_survive_kill_9_on_sqlite() {
    checkouts_survive_kill_9(None);
}

#[test]
fn checkouts_survive_kill_9_on_postgres() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    if let Some(url) = runtime.block_on(support::postgres_url()) {
        checkouts_survive_kill_9(Some(url));
    }
}
