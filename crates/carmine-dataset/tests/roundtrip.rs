//! Import and export on both backends: exact counts, bad records reported by file and
//! line without stopping the rest, re-runs that add nothing, statistics rebuilt from
//! the imported history, and export → import across backends.

use std::path::Path;

use carmine_dataset::format::{self, FILES};
use carmine_dataset::{ImportOptions, export, import};
use carmine_events::{DataPlane, DataPlaneConfig};
use carmine_media::{Media, MediaConfig, MediaStorage};
use carmine_store::testing::{TEST_START, TestDb};
use carmine_store::{Backend, Db, dataset, stats, users};
use serde_json::json;

carmine_store::both_backends!(
    a_dataset_imports_exactly_and_a_rerun_adds_nothing,
    strict_imports_stop_at_the_first_bad_record,
    statistics_rebuild_from_imported_history,
    export_then_import_into_the_other_backend_round_trips,
);

fn media(db: &Db, dir: &Path) -> Media {
    Media::new(db.clone(), MediaConfig::default(), MediaStorage::new(dir))
}

fn at(hours: i64) -> String {
    TEST_START.plus_seconds(hours * 3600 - 30 * 24 * 3600).to_rfc3339()
}

/// Writes a small dataset (with `extra` bad lines appended to some files).
fn write_dataset(dir: &Path, with_bad_records: bool) {
    std::fs::create_dir_all(dir.join("images")).unwrap();
    std::fs::write(dir.join("images/tea.png"), carmine_media::fixtures::png(120, 160)).unwrap();
    let manifest = json!({ "format": "carmine-dataset", "version": 1, "created_at": at(0), "source": "test" });
    std::fs::write(dir.join("manifest.json"), manifest.to_string()).unwrap();
    let mut files: Vec<(&str, Vec<serde_json::Value>)> = vec![
        (
            "members.jsonl",
            vec![
                json!({ "id": "u1", "username": "lanlan", "display_name": "蓝蓝", "password_hash": "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo", "demographics": { "birth_year": 1998, "gender": "female", "city": "上海" }, "created_at": at(1) }),
                json!({ "id": "u2", "username": "meimei", "created_at": at(2) }),
                json!({ "id": "u3", "username": "visitor_3", "bio": "hi", "created_at": at(3) }),
            ],
        ),
        (
            "organizations.jsonl",
            vec![
                json!({ "id": "o1", "handle": "lan_tea", "name": "蓝茶 Lan Tea", "kind": "brand", "owner": "u1", "members": [{ "member": "u2", "role": "staff" }], "created_at": at(4) }),
            ],
        ),
        (
            "follows.jsonl",
            vec![
                json!({ "follower": "u2", "followee": "u1", "created_at": at(5) }),
                json!({ "follower": "u3", "followee": "o1", "created_at": at(5) }),
            ],
        ),
        (
            "notes.jsonl",
            vec![
                json!({ "id": "n1", "author": "u1", "title": "早安", "body": "第一杯茶 #早安 @meimei", "images": ["images/tea.png"], "created_at": at(6), "published_at": at(6) }),
                json!({ "id": "n2", "author": "o1", "posted_by": "u2", "title": "New tea", "topics": ["tea"], "created_at": at(7), "published_at": at(7) }),
                json!({ "id": "n3", "author": "u2", "title": "draft", "created_at": at(8) }),
            ],
        ),
        (
            "comments.jsonl",
            vec![
                json!({ "id": "c1", "note": "n1", "author": "u2", "body": "好看!", "created_at": at(9) }),
                json!({ "id": "c2", "note": "n1", "author": "u1", "parent": "c1", "body": "谢谢", "created_at": at(10) }),
            ],
        ),
        (
            "likes.jsonl",
            vec![
                json!({ "member": "u2", "note": "n1", "created_at": at(9) }),
                json!({ "member": "u3", "note": "n1", "created_at": at(11) }),
                json!({ "member": "u3", "note": "n2", "created_at": at(11) }),
            ],
        ),
        ("saves.jsonl", vec![json!({ "member": "u3", "note": "n1", "created_at": at(12) })]),
        (
            "events.jsonl",
            vec![
                json!({ "id": "e1", "viewer": "u3", "kind": "impression", "note": "n1", "surface": "home", "position": 0, "occurred_at": at(9) }),
                json!({ "id": "e2", "viewer": "u3", "kind": "read", "note": "n1", "surface": "note", "dwell_ms": 8000, "occurred_at": at(9) }),
                json!({ "id": "e1", "kind": "impression", "note": "n2", "surface": "home", "occurred_at": at(10) }),
            ],
        ),
    ];
    for (file, records) in &mut files {
        let mut text: String = records.iter().map(|r| format!("{r}\n")).collect();
        if with_bad_records {
            match *file {
                "members.jsonl" => {
                    text.push_str("{\"id\": \"u4\", \"username\": \n"); // line 4: malformed JSON
                    text.push_str(&format!("{}\n", json!({ "id": "u5", "username": "lanlan", "created_at": at(1) })));
                    text.push_str(&format!(
                        "{}\n",
                        json!({ "id": "u6", "username": "x", "created_at": at(1), "is_admin": true })
                    ));
                }
                "likes.jsonl" => {
                    text.push_str(&format!("{}\n", json!({ "member": "ghost", "note": "n1", "created_at": at(1) })));
                    text.push_str(&format!(
                        "{}\n",
                        json!({ "member": "u2", "note": "n2", "created_at": "2999-01-01T00:00:00Z" })
                    ));
                }
                "events.jsonl" => {
                    text.push_str(&format!(
                        "{}\n",
                        json!({ "id": "e9", "kind": "teleport", "note": "n1", "surface": "home", "occurred_at": at(9) })
                    ));
                }
                "notes.jsonl" => {
                    text.push_str(&format!("{}\n", json!({ "id": "n9", "author": "u1", "title": "x", "images": ["../../etc/passwd"], "created_at": at(6) })));
                }
                _ => {}
            }
        }
        std::fs::write(dir.join(file), text).unwrap();
    }
}

async fn counts(db: &Db) -> Vec<(&'static str, i64)> {
    dataset::counts(&mut db.reader().await.unwrap()).await.unwrap()
}

fn expected_counts() -> Vec<(&'static str, i64)> {
    vec![
        ("members", 3),
        ("organizations", 1),
        ("org_members", 2),
        ("follows", 2),
        ("notes", 3),
        ("note_topics", 2),
        ("note_images", 1),
        ("comments", 2),
        ("likes", 3),
        ("saves", 1),
        ("behaviour_events", 3),
    ]
}

async fn a_dataset_imports_exactly_and_a_rerun_adds_nothing(t: TestDb) {
    let data = tempfile::tempdir().unwrap();
    let media_dir = tempfile::tempdir().unwrap();
    write_dataset(data.path(), true);
    let media = media(&t.db, media_dir.path());
    let report = import(&t.db, &media, data.path(), &ImportOptions::default()).await.unwrap();
    assert_eq!(counts(&t.db).await, expected_counts());
    assert_eq!(report.rejected(), 7, "{:?}", report.errors);
    let errors = report.errors.join("\n");
    for expected in [
        "members.jsonl:4: malformed record",
        "members.jsonl:5: username \"lanlan\" is taken",
        "members.jsonl:6: malformed record: unknown field `is_admin`",
        "notes.jsonl:4: images: \"../../etc/passwd\" must be a path inside the dataset",
        "likes.jsonl:4: member \"ghost\" is not in the dataset",
        "likes.jsonl:5: created_at: 2999-01-01T00:00:00Z is in the future",
        "events.jsonl:4: unknown_event_kind",
    ] {
        assert!(errors.contains(expected), "{expected:?} missing from:\n{errors}");
    }
    let mut conn = t.db.reader().await.unwrap();
    let n1 = dataset::local_id(&mut conn, dataset::Kind::Note, "n1").await.unwrap().unwrap();
    let note = carmine_store::notes::get(&mut conn, n1).await.unwrap().unwrap();
    assert_eq!((note.like_count, note.save_count, note.comment_count), (2, 1, 2), "counters exact");
    assert_eq!(note.published_at.unwrap().to_rfc3339(), at(6), "history keeps its times");
    assert!(note.cover.is_some(), "the image was re-encoded and attached");
    let meimei = users::get_by_username(&mut conn, "meimei").await.unwrap().unwrap();
    assert_eq!(meimei.password_hash, None, "imported without a password: cannot log in until reset");
    let lanlan = users::get_by_username(&mut conn, "lanlan").await.unwrap().unwrap();
    assert_eq!(lanlan.demographics.unwrap().city.as_deref(), Some("上海"));
    drop(conn);

    let events_before =
        carmine_store::outbox::list_after(&mut t.db.reader().await.unwrap(), None, 10_000).await.unwrap().len();
    let again = import(&t.db, &media, data.path(), &ImportOptions::default()).await.unwrap();
    assert_eq!(counts(&t.db).await, expected_counts(), "a re-run adds nothing");
    assert_eq!(again.files.iter().map(|f| f.imported).sum::<u64>(), 0);
    assert_eq!(again.files.iter().map(|f| f.already).sum::<u64>(), 3 + 1 + 2 + 3 + 2 + 3 + 1 + 3);
    let events_after =
        carmine_store::outbox::list_after(&mut t.db.reader().await.unwrap(), None, 10_000).await.unwrap().len();
    assert_eq!(events_before, events_after, "and emits nothing");
}

async fn strict_imports_stop_at_the_first_bad_record(t: TestDb) {
    let data = tempfile::tempdir().unwrap();
    let media_dir = tempfile::tempdir().unwrap();
    write_dataset(data.path(), true);
    let options = ImportOptions { strict: true, ..ImportOptions::default() };
    let error = import(&t.db, &media(&t.db, media_dir.path()), data.path(), &options).await.unwrap_err();
    assert!(error.starts_with("members.jsonl:4: malformed record"), "{error}");
    let wrong_version = tempfile::tempdir().unwrap();
    std::fs::write(
        wrong_version.path().join("manifest.json"),
        json!({ "format": "carmine-dataset", "version": 99, "created_at": at(0) }).to_string(),
    )
    .unwrap();
    let error = import(&t.db, &media(&t.db, media_dir.path()), wrong_version.path(), &options).await.unwrap_err();
    assert!(error.contains("version 99 is not supported"), "{error}");
}

async fn statistics_rebuild_from_imported_history(t: TestDb) {
    let data = tempfile::tempdir().unwrap();
    let media_dir = tempfile::tempdir().unwrap();
    write_dataset(data.path(), false);
    import(&t.db, &media(&t.db, media_dir.path()), data.path(), &ImportOptions::default()).await.unwrap();
    let plane = DataPlane::new(t.db.clone(), carmine_events::statistics::consumers(), DataPlaneConfig::default())
        .await
        .unwrap();
    let _running = plane.start();
    plane.sync().await.unwrap();
    let mut conn = t.db.reader().await.unwrap();
    let n1 = dataset::local_id(&mut conn, dataset::Kind::Note, "n1").await.unwrap().unwrap();
    let totals = stats::totals(&mut conn, n1).await.unwrap();
    assert_eq!(
        (totals.likes, totals.saves, totals.comments, totals.impressions, totals.reads, totals.read_ms),
        (2, 1, 2, 1, 1, 8000)
    );
    let hour_of_first_like = carmine_core::Timestamp::parse_rfc3339(&at(9)).unwrap();
    let hours = stats::hourly(&mut conn, n1, 0, i64::MAX, 100).await.unwrap();
    let first = hours.iter().find(|b| b.start == hour_of_first_like).expect("bucketed at the like's own hour");
    assert_eq!((first.counters.likes, first.counters.comments, first.counters.impressions), (1, 1, 1));
}

async fn export_then_import_into_the_other_backend_round_trips(t: TestDb) {
    let other = match t.db.backend() {
        Backend::Sqlite => Backend::Postgres,
        Backend::Postgres => Backend::Sqlite,
    };
    let Some(target) = TestDb::for_backend(other).await else { return };
    let data = tempfile::tempdir().unwrap();
    let media_dir = tempfile::tempdir().unwrap();
    write_dataset(data.path(), false);
    let source_media = media(&t.db, media_dir.path());
    import(&t.db, &source_media, data.path(), &ImportOptions::default()).await.unwrap();

    let exported = tempfile::tempdir().unwrap();
    let out = exported.path().join("dump");
    let report = export(&t.db, &source_media, &out, false).await.unwrap();
    assert_eq!(report.counts["notes.jsonl"], 3);
    assert_eq!(report.images, 1);
    for file in FILES {
        assert!(out.join(file).exists(), "{file}");
    }
    let manifest = carmine_dataset::import::read_manifest(&out).unwrap();
    assert_eq!((manifest.format.as_str(), manifest.version), (format::FORMAT, format::VERSION));
    assert!(export(&t.db, &source_media, &out, false).await.unwrap_err().contains("not empty"));

    let target_media_dir = tempfile::tempdir().unwrap();
    let target_media = media(&target.db, target_media_dir.path());
    let imported = import(&target.db, &target_media, &out, &ImportOptions::default()).await.unwrap();
    assert_eq!(imported.rejected(), 0, "{:?}", imported.errors);
    assert_eq!(counts(&target.db).await, counts(&t.db).await, "identical counts on the other backend");
    let mut conn = target.db.reader().await.unwrap();
    assert!(dataset::local_id(&mut conn, dataset::Kind::Note, "n1").await.unwrap().is_some(), "dataset ids kept");
    let lanlan = users::get_by_username(&mut conn, "lanlan").await.unwrap().unwrap();
    assert!(lanlan.password_hash.unwrap().starts_with("$argon2id$"), "members can still log in");
}
