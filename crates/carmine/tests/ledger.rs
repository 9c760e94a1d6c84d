//! Money survives kill -9: clients send gifts under idempotency keys to the real
//! server, which is killed with SIGKILL again and again while requests are in
//! flight; each client retries its key until it is answered. At the end every
//! acknowledged gift is in the ledger exactly once, no gift is there twice, and
//! `carmine ledger reconcile` finds the books balanced — on SQLite and PostgreSQL.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use support::{Server, api_token, carmine, http, http_with, json_of};
use tokio::sync::watch;

const MEMBERS: usize = 4;
const KILLS: usize = 3;
/// Gifts each client sends.
const GIFTS: usize = 60;

/// Sends one request; `None` if the server is gone (refused, reset, or no answer in time).
async fn try_send(url: &str, path: &str, token: &str, key: &str, body: &str) -> Option<String> {
    let auth = format!("Bearer {token}");
    let headers = [("Authorization", auth.as_str()), ("Idempotency-Key", key)];
    let (url, path, body) = (url.to_owned(), path.to_owned(), body.to_owned());
    let headers: Vec<(String, String)> = headers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    // A refused connection panics inside the helper's own task: the server is down.
    let sent = tokio::spawn(async move {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        tokio::time::timeout(Duration::from_secs(10), http_with(&url, "POST", &path, &headers, Some(&body))).await
    });
    match sent.await {
        Ok(Ok(response)) if !response.is_empty() => Some(response),
        _ => None,
    }
}

/// Sends under `key` until the server answers with a final outcome, following
/// restarts (the current server's address is in `urls`); also says how many
/// attempts the server died under.
async fn until_answered(
    urls: &mut watch::Receiver<String>,
    path: &str,
    token: &str,
    key: &str,
    body: &str,
) -> (String, usize) {
    let mut interrupted = 0;
    loop {
        let url = urls.borrow_and_update().clone();
        match try_send(&url, path, token, key, body).await {
            Some(response) if response.starts_with("HTTP/1.1 409") => {
                tokio::time::sleep(Duration::from_millis(50)).await
            }
            Some(response) if response.starts_with("HTTP/1.1 5") => tokio::time::sleep(Duration::from_millis(50)).await,
            Some(response) => return (response, interrupted),
            // The server was killed: wait for the next one (bounded by the test's own progress).
            None => {
                interrupted += 1;
                let _ = tokio::time::timeout(Duration::from_secs(30), urls.changed()).await;
            }
        }
    }
}

fn reconcile(data_dir: &std::path::Path, database_url: Option<&str>) -> (bool, i64, String) {
    let mut command = carmine();
    if let Some(url) = database_url {
        command.env("CARMINE_DATABASE_URL", url);
    }
    let output = command.args(["ledger", "--data-dir"]).arg(data_dir).arg("reconcile").output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    let transactions = text
        .lines()
        .find_map(|l| l.strip_prefix("ledger: ").and_then(|rest| rest.split(", ").nth(1)))
        .and_then(|t| t.trim_end_matches(" transactions").parse().ok())
        .unwrap_or_else(|| panic!("no count in {text}"));
    (output.status.success(), transactions, text)
}

fn gifts_survive_kill_9(database_url: Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    // Members fund their wallets with the sandbox's instant test payments.
    let test_mode = [("CARMINE_PAYMENTS_TEST_MODE", "true")];
    let mut server = Server::serve_with(dir.path(), database_url.as_deref(), &test_mode);
    let mut tokens = Vec::new();
    for m in 0..MEMBERS {
        let body = format!(r#"{{"username":"giver{m}","password":"correct horse battery"}}"#);
        let created = runtime.block_on(http(&server.url, "POST", "/api/v1/auth/signup", Some(&body)));
        assert!(created.starts_with("HTTP/1.1 201"), "{created}");
        let token = runtime.block_on(api_token(&server.url, &format!("giver{m}"), "correct horse battery"));
        let top_up = r#"{"amount":{"amount_minor":500000,"currency":"CNY"},"method":"sandbox_success"}"#;
        let paid =
            runtime.block_on(try_send(&server.url, "/api/v1/me/wallet/top-ups", &token, &format!("fund-{m}"), top_up));
        assert!(paid.as_deref().is_some_and(|r| r.starts_with("HTTP/1.1 201")), "{paid:?}");
        tokens.push(token);
    }

    let (publish, urls) = watch::channel(server.url.clone());
    let (acknowledge, acknowledged) = std::sync::mpsc::channel::<()>();
    let mut clients = Vec::new();
    for (m, token) in tokens.iter().enumerate() {
        let (token, mut urls, acknowledge) = (token.clone(), urls.clone(), acknowledge.clone());
        clients.push(runtime.spawn(async move {
            let mut answered = BTreeMap::new();
            let mut interrupted = 0;
            for g in 0..GIFTS {
                let key = format!("gift-{m}-{g}");
                let body = format!(r#"{{"to":"giver{}","coins":{}}}"#, (m + 1) % MEMBERS, 1 + (g % 7));
                let (response, cut) = until_answered(&mut urls, "/api/v1/gifts", &token, &key, &body).await;
                interrupted += cut;
                assert!(response.starts_with("HTTP/1.1 201"), "{key}: {response}");
                answered.insert(key, json_of(&response)["id"].as_str().unwrap().to_owned());
                let _ = acknowledge.send(());
            }
            (answered, interrupted)
        }));
    }
    // Kill the server each time the clients have made some progress, mid-flight.
    for _ in 0..KILLS {
        for _ in 0..MEMBERS * GIFTS / (KILLS + 1) {
            acknowledged.recv().unwrap();
        }
        drop(server); // SIGKILL
        server = Server::serve(dir.path(), database_url.as_deref());
        publish.send(server.url.clone()).unwrap();
    }
    let mut answered = BTreeMap::new();
    let mut interrupted = 0;
    for client in clients {
        let (theirs, cut) = runtime.block_on(client).unwrap();
        answered.extend(theirs);
        interrupted += cut;
    }
    assert!(interrupted > 0, "the kills must land on requests in flight");
    assert_eq!(answered.len(), MEMBERS * GIFTS);
    // Every key answered with one transaction, no two keys with the same one.
    let distinct: std::collections::BTreeSet<&String> = answered.values().collect();
    assert_eq!(distinct.len(), answered.len(), "two keys share a transaction");
    // Asked again, every key answers its first transaction — and it exists.
    runtime.block_on(async {
        for (key, id) in answered.iter().step_by(7) {
            let m: usize = key.split('-').nth(1).unwrap().parse().unwrap();
            let g: usize = key.split('-').nth(2).unwrap().parse().unwrap();
            let body = format!(r#"{{"to":"giver{}","coins":{}}}"#, (m + 1) % MEMBERS, 1 + (g % 7));
            let again = try_send(&server.url, "/api/v1/gifts", &tokens[m], key, &body).await.unwrap();
            assert_eq!(json_of(&again)["id"].as_str(), Some(id.as_str()), "{key}");
        }
    });
    drop(server);
    let (clean, transactions, report) = reconcile(dir.path(), database_url.as_deref());
    assert!(clean, "{report}");
    assert!(report.contains("trial balance CNY: 0 "), "{report}");
    assert_eq!(transactions as usize, MEMBERS + MEMBERS * GIFTS, "each acknowledged gift once, nothing else: {report}");
}

#[test]
fn gifts_survive_kill_9_on_sqlite() {
    gifts_survive_kill_9(None);
}

#[test]
fn gifts_survive_kill_9_on_postgres() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    if let Some(url) = runtime.block_on(support::postgres_url()) {
        gifts_survive_kill_9(Some(url));
    }
}
