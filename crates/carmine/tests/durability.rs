//! kill -9 against the real binary: an import killed half-way and run again ends with
//! exactly the dataset; behaviour events acknowledged before a kill are all kept and
//! counted once in the statistics after the restart.

mod support;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::Arc;

use carmine_core::{Clock, IdGenerator};
use carmine_store::{Db, DbOptions, dataset};
use support::{Server, api_token, carmine, http_with, json_of, upload_image};

async fn open(data_dir: &std::path::Path) -> Db {
    Db::connect(&DbOptions::sqlite_in(data_dir), Arc::new(IdGenerator::new(1)), Clock::System).await.unwrap()
}

#[test]
fn an_import_killed_half_way_and_run_again_ends_exact() {
    let work = tempfile::tempdir().unwrap();
    let (set, data) = (work.path().join("set"), work.path().join("data"));
    let generated = carmine()
        .args(["generate", "--scale", "small", "--members", "600", "--notes", "3000", "--engagements", "20000"])
        .args(["--events", "4000", "--end", "2026-11-01T00:00:00Z"])
        .arg(&set)
        .output()
        .unwrap();
    assert!(generated.status.success(), "{}", String::from_utf8_lossy(&generated.stderr));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(set.join("manifest.json")).unwrap()).unwrap();

    // Kill the import once it has finished the notes and is inside the engagement files.
    let mut child = carmine()
        .args(["import", "--batch", "200", "--data-dir"])
        .arg(&data)
        .arg(&set)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut progress = BufReader::new(child.stderr.take().unwrap()).lines();
    loop {
        let line = progress.next().expect("the import ended before the notes were done").unwrap();
        if line.starts_with("notes.jsonl") {
            break;
        }
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let partial =
        runtime.block_on(async { dataset::counts(&mut open(&data).await.reader().await.unwrap()).await.unwrap() });
    let likes = |counts: &[(&str, i64)]| counts.iter().find(|(n, _)| *n == "likes").unwrap().1;
    assert!(
        likes(&partial) < manifest["counts"]["likes.jsonl"].as_i64().unwrap(),
        "killed before the end: {partial:?}"
    );

    let again = carmine().args(["import", "--data-dir"]).arg(&data).arg(&set).output().unwrap();
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(stdout.contains("already there"), "{stdout}");
    let counts =
        runtime.block_on(async { dataset::counts(&mut open(&data).await.reader().await.unwrap()).await.unwrap() });
    for (table, file) in [
        ("members", "members.jsonl"),
        ("follows", "follows.jsonl"),
        ("notes", "notes.jsonl"),
        ("comments", "comments.jsonl"),
        ("likes", "likes.jsonl"),
        ("saves", "saves.jsonl"),
        ("behaviour_events", "events.jsonl"),
    ] {
        let count = counts.iter().find(|(n, _)| *n == table).unwrap().1;
        assert_eq!(count, manifest["counts"][file].as_i64().unwrap(), "{table} after kill -9 and a re-run");
    }
    let like_total = runtime.block_on(async {
        let db = open(&data).await;
        let mut conn = db.reader().await.unwrap();
        carmine_store::notes::like_total(&mut conn).await.unwrap()
    });
    assert_eq!(like_total, likes(&counts), "the notes' like counters add up to the likes: nothing counted twice");
}

#[test]
fn acknowledged_events_survive_kill_9_and_are_counted_once() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let proxy = [("CARMINE_TRUSTED_PROXIES", "127.0.0.1")];
    let (server, _) = Server::run_with(dir.path(), "demo", &proxy);
    let token = runtime.block_on(api_token(&server.url, "lanlan", "carmine-demo"));
    let bearer = format!("Bearer {token}");
    let media_id = runtime.block_on(upload_image(&server.url, &token, &carmine_media::fixtures::png(60, 80)));
    let body = format!(r#"{{"title":"计数 counted","media_ids":["{media_id}"]}}"#);
    let created =
        runtime.block_on(http_with(&server.url, "POST", "/api/v1/notes", &[("Authorization", &bearer)], Some(&body)));
    let note = json_of(&created)["id"].as_str().unwrap().to_owned();
    // The demo's own reading of its notes is already in the log.
    let seeded = runtime.block_on(async {
        let db = open(dir.path()).await;
        carmine_store::behaviour::count(&mut db.reader().await.unwrap()).await.unwrap() as u64
    });

    // Four writers send batches of impressions (each from addresses of its own, through
    // the trusted proxy) until the server is killed under them.
    let url = server.url.clone();
    let batches = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let enough = Arc::new(tokio::sync::Notify::new());
    let mut writers = Vec::new();
    for writer in 0..4 {
        let (url, note, batches, enough) = (url.clone(), note.clone(), batches.clone(), enough.clone());
        writers.push(runtime.spawn(async move {
            let mut acknowledged = 0u64;
            for batch in 0..10_000 {
                let events: Vec<String> = (0..20)
                    .map(|n| format!(r#"{{"client_event_id":"w{writer}-b{batch}-{n}","kind":"impression","note_id":"{note}","surface":"home"}}"#))
                    .collect();
                let body = format!(r#"{{"events":[{}]}}"#, events.join(","));
                let ip = format!("10.9.{writer}.{}", batch % 250);
                // A refused connection panics inside the helper (its own task): the end.
                let url = url.clone();
                let sent = tokio::spawn(async move {
                    let headers = [("X-Forwarded-For", ip.as_str())];
                    tokio::time::timeout(
                        std::time::Duration::from_secs(10),
                        http_with(&url, "POST", "/api/v1/events", &headers, Some(&body)),
                    )
                    .await
                });
                let response = match sent.await {
                    Ok(Ok(response)) => response,
                    _ => return acknowledged,
                };
                if !response.starts_with("HTTP/1.1 200") {
                    return acknowledged;
                }
                acknowledged += json_of(&response)["accepted"].as_u64().unwrap();
                if batches.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1 == 200 {
                    enough.notify_one();
                }
            }
            acknowledged
        }));
    }
    runtime.block_on(enough.notified());
    drop(server); // SIGKILL while the writers are mid-flight
    let acknowledged: u64 = runtime.block_on(async {
        let mut total = 0;
        for writer in writers {
            total += writer.await.unwrap();
        }
        total
    });
    assert!(acknowledged > 0, "some batches were acknowledged before the kill");

    let (server, _) = Server::run_with(dir.path(), "serve", &proxy);
    let stored = runtime.block_on(async {
        let db = open(dir.path()).await;
        carmine_store::behaviour::count(&mut db.reader().await.unwrap()).await.unwrap() as u64 - seeded
    });
    assert!(stored >= acknowledged, "every acknowledged event was kept: {stored} stored, {acknowledged} acknowledged");
    // Once the consumers catch up, the note's impressions are exactly the stored events.
    let auth = [("Authorization", bearer.as_str())];
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let impressions = loop {
        let stats = json_of(&runtime.block_on(http_with(
            &server.url,
            "GET",
            &format!("/api/v1/notes/{note}/stats"),
            &auth,
            None,
        )));
        let impressions = stats["totals"]["impressions"].as_u64().unwrap();
        if impressions >= stored || std::time::Instant::now() > deadline {
            break impressions;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert_eq!(impressions, stored, "each stored event counted once");
    // Ready once every consumer (the feed's replay too) is near the head of its log.
    let ready = loop {
        let ready = runtime.block_on(http_with(&server.url, "GET", "/readyz", &[], None));
        if ready.starts_with("HTTP/1.1 200") || std::time::Instant::now() > deadline {
            break ready;
        }
        assert!(ready.contains("catching up"), "not ready only while catching up: {ready}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
}

#[test]
fn a_backup_taken_while_serving_restores_and_rebuilds_statistics() {
    let work = tempfile::tempdir().unwrap();
    let (data, saved) = (work.path().join("data"), work.path().join("backup"));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (server, _) = Server::run(&data, "demo");
    let token = runtime.block_on(api_token(&server.url, "lanlan", "carmine-demo"));
    let bearer = format!("Bearer {token}");
    let auth = [("Authorization", bearer.as_str())];
    let post = |title: &str| {
        let media_id = runtime.block_on(upload_image(&server.url, &token, &carmine_media::fixtures::png(60, 80)));
        let body = format!(r#"{{"title":"{title}","media_ids":["{media_id}"]}}"#);
        let created = runtime.block_on(http_with(&server.url, "POST", "/api/v1/notes", &auth, Some(&body)));
        json_of(&created)
    };
    let before = post("备份前 before");
    let note = before["id"].as_str().unwrap().to_owned();
    let image = before["images"][0]["detail_url"].as_str().unwrap().to_owned();
    let event = format!(
        r#"{{"events":[{{"client_event_id":"seen-1","kind":"impression","note_id":"{note}","surface":"home"}}]}}"#
    );
    let sent = runtime.block_on(http_with(&server.url, "POST", "/api/v1/events", &auth, Some(&event)));
    assert!(sent.starts_with("HTTP/1.1 200"), "{sent}");

    let backup = carmine().args(["backup", "--data-dir"]).arg(&data).arg(&saved).output().unwrap();
    assert!(backup.status.success(), "{}", String::from_utf8_lossy(&backup.stderr));
    assert!(saved.join("backup.json").exists() && saved.join("carmine.db").exists());
    let after = post("备份后 after");

    let refused = carmine().args(["restore", "--data-dir"]).arg(&data).arg(&saved).output().unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("a running Carmine holds"), "{refused:?}");
    drop(server); // kill -9: leaves carmine.db-wal behind

    let restored = carmine().args(["restore", "--data-dir"]).arg(&data).arg(&saved).output().unwrap();
    assert!(restored.status.success(), "{}", String::from_utf8_lossy(&restored.stderr));
    let aside: Vec<_> = std::fs::read_dir(&data)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("replaced-"))
        .collect();
    assert_eq!(aside.len(), 1);
    assert!(aside[0].path().join("carmine.db").exists(), "the replaced database is kept aside");

    let server = Server::start_in(&data);
    let gone = runtime.block_on(http_with(
        &server.url,
        "GET",
        &format!("/api/v1/notes/{}", after["id"].as_str().unwrap()),
        &auth,
        None,
    ));
    assert!(gone.starts_with("HTTP/1.1 404"), "the note written after the backup is not in it: {gone}");
    let kept = runtime.block_on(http_with(&server.url, "GET", &image, &[], None));
    assert!(kept.starts_with("HTTP/1.1 200"), "images come back with the database");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let impressions = loop {
        let stats = json_of(&runtime.block_on(http_with(
            &server.url,
            "GET",
            &format!("/api/v1/notes/{note}/stats"),
            &auth,
            None,
        )));
        let impressions = stats["totals"]["impressions"].as_u64().unwrap();
        if impressions > 0 || std::time::Instant::now() > deadline {
            break impressions;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert_eq!(impressions, 1, "statistics rebuilt from the logs, counted once");
}

#[test]
fn the_search_index_matches_the_database_after_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (server, _) = Server::run(dir.path(), "demo");
    let mut notes = Vec::new();
    for member in ["lanlan", "xiaohong", "meimei"] {
        let token = runtime.block_on(api_token(&server.url, member, "carmine-demo"));
        for i in 0..8 {
            let media_id = runtime.block_on(upload_image(&server.url, &token, &carmine_media::fixtures::png(40, 40)));
            let body = format!(r#"{{"title":"耐久 {member} {i}","body":"kill 测试","media_ids":["{media_id}"]}}"#);
            let auth = format!("Bearer {token}");
            let created = runtime.block_on(http_with(
                &server.url,
                "POST",
                "/api/v1/notes",
                &[("Authorization", &auth)],
                Some(&body),
            ));
            notes.push((auth, json_of(&created)["id"].as_str().unwrap().to_owned()));
        }
    }
    // Deletions and edits that drop the word, acknowledged, then kill -9 at once:
    // the indexer has not necessarily committed them.
    for (n, (auth, note)) in notes.iter().enumerate().filter(|(n, _)| n % 3 != 2) {
        let path = format!("/api/v1/notes/{note}");
        let done = if n % 3 == 0 {
            runtime.block_on(http_with(&server.url, "DELETE", &path, &[("Authorization", auth)], None))
        } else {
            let body = r#"{"title":"改写 rewritten"}"#;
            runtime.block_on(http_with(&server.url, "PATCH", &path, &[("Authorization", auth)], Some(body)))
        };
        assert!(done.starts_with("HTTP/1.1 20"), "{done}");
    }
    drop(server);

    let (server, _) = Server::run(dir.path(), "serve");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let ready = json_of(&runtime.block_on(http_with(&server.url, "GET", "/readyz", &[], None)));
        // Ready: the consumers are in the body; catching up (503): in the error's details.
        let consumers = ready["consumers"].as_array().or_else(|| ready["error"]["details"]["consumers"].as_array());
        let lag: i64 = consumers.unwrap().iter().map(|c| c["lag"].as_i64().unwrap()).sum();
        if lag == 0 || std::time::Instant::now() > deadline {
            break;
        }
        // The consumers are applying what the killed process left.
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let analyzer = carmine_search::Analyzer::new("");
    let expected: std::collections::BTreeSet<String> = runtime.block_on(async {
        let db = open(dir.path()).await;
        let mut conn = db.reader().await.unwrap();
        let mut found = std::collections::BTreeSet::new();
        let mut after = carmine_core::Id::from_i64(0);
        loop {
            let (page, read) = carmine_store::search::notes_after(&mut conn, after, 1_000).await.unwrap();
            let Some(read) = read else { break };
            after = read;
            for note in page.iter().filter(|n| n.visibility == "public" && n.moderation == "none") {
                let terms =
                    analyzer.terms(&format!("{} {}", note.title, note.body), carmine_search::analyzer::Mode::Index);
                if terms.iter().any(|t| t == "耐久") {
                    found.insert(note.id.to_string());
                }
            }
        }
        found
    });
    assert_eq!(expected.len(), 8, "the notes left with the word");
    let mut found = std::collections::BTreeSet::new();
    let mut cursor = String::new();
    loop {
        let path = format!("/api/v1/search?q=%E8%80%90%E4%B9%85&limit=5&cursor={cursor}");
        let page = json_of(&runtime.block_on(http_with(&server.url, "GET", &path, &[], None)));
        for item in page["items"].as_array().unwrap() {
            assert!(found.insert(item["id"].as_str().unwrap().to_owned()), "no note twice");
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(found, expected, "no note missing, none resurrected");
}
