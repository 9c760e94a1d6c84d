//! The command line as an operator uses it.

mod support;

use support::{Server, api_token, carmine, http, http_with, json_of, upload_image};

#[test]
fn unknown_databases_are_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    for url in ["mysql://root@localhost/db", "sqlite:relative.db", "redis://x"] {
        let output = carmine().args(["migrate", "--database-url", url, "--data-dir"]).arg(dir.path()).output().unwrap();
        assert!(!output.status.success(), "{url} accepted");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("sqlite://") && stderr.contains("postgres://"), "{stderr}");
    }
}

#[test]
fn plain_http_is_refused_off_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let output = carmine().args(["serve", "--listen", "0.0.0.0:0", "--data-dir"]).arg(dir.path()).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("https"));
}

#[test]
fn migrate_then_create_an_admin_who_can_log_in() {
    let dir = tempfile::tempdir().unwrap();
    let migrated = carmine().args(["migrate", "--data-dir"]).arg(dir.path()).output().unwrap();
    assert!(migrated.status.success(), "{}", String::from_utf8_lossy(&migrated.stderr));
    assert!(dir.path().join("carmine.db").exists());
    let again = carmine().args(["migrate", "--data-dir"]).arg(dir.path()).output().unwrap();
    assert!(again.status.success());

    let created = carmine()
        .args(["admin", "--data-dir"])
        .arg(dir.path())
        .args(["create-user", "--admin", "Root"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&created.stdout);
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    assert!(stdout.contains("created administrator @root"), "{stdout}");
    let password = stdout.lines().find_map(|l| l.strip_prefix("password: ")).expect("a generated password").to_owned();
    let duplicate =
        carmine().args(["admin", "--data-dir"]).arg(dir.path()).args(["create-user", "root"]).output().unwrap();
    assert!(!duplicate.status.success());
    assert!(String::from_utf8_lossy(&duplicate.stderr).contains("username_taken"));

    let suspended = carmine()
        .args(["admin", "--data-dir"])
        .arg(dir.path())
        .args(["suspend", "root", "--reason", "test"])
        .output()
        .unwrap();
    assert!(suspended.status.success());
    let lifted = carmine().args(["admin", "--data-dir"]).arg(dir.path()).args(["unsuspend", "root"]).output().unwrap();
    assert!(lifted.status.success());
    let missing =
        carmine().args(["admin", "--data-dir"]).arg(dir.path()).args(["unsuspend", "nobody"]).output().unwrap();
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no member named"));

    let server = Server::start_in(dir.path());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let body = format!(r#"{{"username":"root","password":"{password}"}}"#);
    let response = runtime.block_on(http(&server.url, "POST", "/api/v1/auth/login", Some(&body)));
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"is_admin\":true"), "{response}");
}

#[test]
fn serve_prints_its_url_and_answers() {
    let server = Server::start();
    assert!(server.url.starts_with("http://127.0.0.1:"));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let body = runtime.block_on(http(&server.url, "GET", "/readyz", None));
    assert!(body.contains("\"database\":\"ok\""), "{body}");
}

#[test]
fn demo_seeds_an_empty_data_dir_once_and_its_log_ins_work() {
    let dir = tempfile::tempdir().unwrap();
    let (server, printed) = Server::run(dir.path(), "demo");
    let printed = printed.join("\n");
    assert!(printed.contains("seeded 30 members"), "{printed}");
    assert!(printed.contains("lanlan") && printed.contains("password: carmine-demo"), "{printed}");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let home = runtime.block_on(http(&server.url, "GET", "/", None));
    assert!(home.contains("class=\"card\""), "the home page shows notes: {home}");
    let login = runtime.block_on(http(
        &server.url,
        "POST",
        "/api/v1/auth/login",
        Some(r#"{"username":"lanlan","password":"carmine-demo"}"#),
    ));
    assert!(login.starts_with("HTTP/1.1 200"), "{login}");
    drop(server);

    let (_again, printed) = Server::run(dir.path(), "demo");
    assert!(printed.join("\n").contains("already holds a community"), "{printed:?}");
}

#[test]
fn a_scheduled_note_publishes_on_time_after_a_kill_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (server, _) = Server::run(dir.path(), "demo");
    let token = runtime.block_on(api_token(&server.url, "lanlan", "carmine-demo"));
    let bearer = format!("Bearer {token}");
    let auth = [("Authorization", bearer.as_str())];
    let media_id = runtime.block_on(upload_image(&server.url, &token, &carmine_media::fixtures::png(60, 80)));
    let publish_at = jiff::Timestamp::now().checked_add(jiff::SignedDuration::from_secs(3)).unwrap().to_string();
    let body = format!(r#"{{"title":"定时 scheduled","media_ids":["{media_id}"],"publish_at":"{publish_at}"}}"#);
    let created = runtime.block_on(http_with(&server.url, "POST", "/api/v1/notes", &auth, Some(&body)));
    assert!(created.starts_with("HTTP/1.1 201"), "{created}");
    let id = json_of(&created)["id"].as_str().unwrap().to_owned();
    let publish_at = json_of(&created)["publish_at"].as_str().unwrap().to_owned();
    drop(server); // SIGKILL: no graceful shutdown

    let server = Server::start_in(dir.path());
    // Bounded wait for the time to come and the runner to publish it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let note = loop {
        let note =
            json_of(&runtime.block_on(http_with(&server.url, "GET", &format!("/api/v1/notes/{id}"), &auth, None)));
        if note["status"] == "published" || std::time::Instant::now() > deadline {
            break note;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert_eq!(note["status"], "published", "{note}");
    let published_at = note["published_at"].as_str().unwrap();
    assert!(published_at >= publish_at.as_str(), "published at {published_at}, scheduled for {publish_at}");
}

#[test]
fn eval_feed_reports_the_ranker_next_to_its_baselines() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("community");
    let generated = carmine()
        .arg("generate")
        .arg(&data)
        .args(["--members", "400", "--notes", "2000", "--engagements", "15000", "--events", "3000", "--seed", "3"])
        .output()
        .unwrap();
    assert!(generated.status.success(), "{}", String::from_utf8_lossy(&generated.stderr));
    let evaluated = carmine().args(["eval", "feed"]).arg(&data).args(["--k", "5,20"]).output().unwrap();
    let table = String::from_utf8_lossy(&evaluated.stdout);
    assert!(evaluated.status.success(), "{}", String::from_utf8_lossy(&evaluated.stderr));
    assert!(table.contains("Recall@5") && table.contains("NDCG@20") && table.contains("small share"), "{table}");
    for method in ["feed", "popularity", "item-knn"] {
        assert!(table.lines().any(|l| l.starts_with(method)), "{method} missing from {table}");
    }

    for (flag, value, says) in [
        ("--feed-pools", "20:0.1,5:0.2", "pools must grow"),
        ("--ces-weights", "1,1,4", "five"),
        ("--feed-small-creator-floor", "1.5", "between 0 and 1"),
        ("--k", "0", "cut-offs"),
    ] {
        let refused = carmine().args(["eval", "feed"]).arg(&data).args([flag, value]).output().unwrap();
        assert!(!refused.status.success(), "{flag} {value} accepted");
        assert!(
            String::from_utf8_lossy(&refused.stderr).contains(says),
            "{}",
            String::from_utf8_lossy(&refused.stderr)
        );
    }
    let missing = carmine().args(["eval", "feed"]).arg(dir.path().join("nowhere")).output().unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("manifest.json"));
}
