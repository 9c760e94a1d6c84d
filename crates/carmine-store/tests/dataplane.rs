//! Conformance of the data plane's store modules — the logs and their sequencer,
//! checkpoints, behaviour events, note statistics and jobs — on both backends.

use carmine_core::event::DomainEvent;
use carmine_core::{Id, Timestamp};
use carmine_store::behaviour::{self, NewBehaviourEvent};
use carmine_store::log::{self, Log};
use carmine_store::stats::{self, Counters, DAY_MICROS, HOUR_MICROS};
use carmine_store::testing::{TEST_START, TestDb};
use carmine_store::users::NewMember;
use carmine_store::{Backend, Db, jobs, notes, outbox, users};

carmine_store::both_backends!(
    the_sequencer_numbers_committed_events_in_order,
    an_event_committed_after_sequencing_lands_above_the_head,
    checkpoints_move_with_their_transaction,
    behaviour_events_are_stored_once_per_viewer_and_client_id,
    statistics_add_up_per_hour_and_roll_up_into_days,
    a_due_job_is_claimed_once_and_completed_by_its_holder,
    an_expired_lease_lets_another_runner_take_the_job,
    rescheduling_a_running_job_discards_its_outcome,
    an_event_that_would_not_read_back_is_refused_and_the_log_reads_on,
);

async fn member(db: &Db, username: &str) -> Id {
    let mut tx = db.begin().await.unwrap();
    let new = NewMember { username, password_hash: None, display_name: username, is_admin: false };
    let id = users::insert(&mut tx, &new).await.unwrap();
    tx.commit().await.unwrap();
    id
}

async fn note(db: &Db, author: Id) -> Id {
    let mut tx = db.begin().await.unwrap();
    let content = notes::NoteContent {
        title: "t",
        body: "",
        location: None,
        visibility: "public",
        media_ids: &[],
        topics: &[],
        mention_ids: &[],
    };
    let id = notes::insert(&mut tx, author, author, &content, true).await.unwrap();
    tx.commit().await.unwrap();
    id
}

async fn emit(db: &Db, n: i64) {
    let mut tx = db.begin().await.unwrap();
    tx.emit(DomainEvent::ApiTokenCreated { user_id: Id::from_i64(1), token_id: Id::from_i64(n) }).await.unwrap();
    tx.commit().await.unwrap();
}

async fn an_event_that_would_not_read_back_is_refused_and_the_log_reads_on(t: TestDb) {
    let db = &t.db;
    emit(db, 1).await;
    // An id of 0 serializes as "0", which no id parses from: its write fails.
    let mut tx = db.begin().await.unwrap();
    let poison = DomainEvent::ApiTokenCreated { user_id: Id::from_i64(1), token_id: Id::from_i64(0) };
    assert!(tx.emit(poison.clone()).await.is_err());
    assert!(outbox::append_many(&mut tx, &[poison]).await.is_err());
    drop(tx);
    emit(db, 2).await;
    sequence(db, Log::Domain).await;
    let read = outbox::read(&mut db.reader().await.unwrap(), 0, 10).await.unwrap();
    let tokens: Vec<_> = read
        .iter()
        .map(|(_, r)| match &r.event {
            DomainEvent::ApiTokenCreated { token_id, .. } => token_id.as_i64(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(tokens, [1, 2], "consumers read past where the refused event would have been");
}

async fn sequence(db: &Db, log: Log) -> i64 {
    let mut tx = db.begin().await.unwrap();
    let head = log::sequence(&mut tx, log, 1000).await.unwrap();
    tx.commit().await.unwrap();
    head
}

async fn the_sequencer_numbers_committed_events_in_order(t: TestDb) {
    for n in 1..=5 {
        emit(&t.db, n).await;
    }
    let mut conn = t.db.reader().await.unwrap();
    assert!(outbox::read(&mut conn, 0, 10).await.unwrap().is_empty(), "nothing is readable before sequencing");
    assert_eq!(log::unsequenced(&mut conn, Log::Domain).await.unwrap(), 5);
    assert_eq!(sequence(&t.db, Log::Domain).await, 5);
    assert_eq!(log::unsequenced(&mut conn, Log::Domain).await.unwrap(), 0);
    let read = outbox::read(&mut conn, 0, 10).await.unwrap();
    let positions: Vec<i64> = read.iter().map(|(seq, _)| *seq).collect();
    assert_eq!(positions, [1, 2, 3, 4, 5]);
    let tokens: Vec<DomainEvent> = read.into_iter().map(|(_, r)| r.event).collect();
    assert_eq!(tokens[4], DomainEvent::ApiTokenCreated { user_id: Id::from_i64(1), token_id: Id::from_i64(5) });
    assert_eq!(outbox::read(&mut conn, 3, 10).await.unwrap().len(), 2);
    assert_eq!(sequence(&t.db, Log::Domain).await, 5, "sequencing again hands out nothing");
    assert_eq!(log::head(&mut conn, Log::Domain).await.unwrap(), 5);
    assert_eq!(log::head(&mut conn, Log::Behaviour).await.unwrap(), 0);
}

async fn an_event_committed_after_sequencing_lands_above_the_head(t: TestDb) {
    emit(&t.db, 1).await;
    if t.db.backend() == Backend::Postgres {
        // A slow transaction holds an event with a smaller id while a later one commits
        // and is sequenced: the slow one must still be delivered, above position 1.
        let mut slow = t.db.begin().await.unwrap();
        slow.emit(DomainEvent::ApiTokenCreated { user_id: Id::from_i64(1), token_id: Id::from_i64(2) }).await.unwrap();
        emit(&t.db, 3).await;
        assert_eq!(sequence(&t.db, Log::Domain).await, 2);
        slow.commit().await.unwrap();
    } else {
        assert_eq!(sequence(&t.db, Log::Domain).await, 1);
        emit(&t.db, 2).await;
    }
    let head = sequence(&t.db, Log::Domain).await;
    let mut conn = t.db.reader().await.unwrap();
    let after_first_read = outbox::read(&mut conn, head - 1, 10).await.unwrap();
    assert_eq!(after_first_read.len(), 1);
    assert_eq!(
        after_first_read[0].1.event,
        DomainEvent::ApiTokenCreated { user_id: Id::from_i64(1), token_id: Id::from_i64(2) }
    );
    assert_eq!(outbox::read(&mut conn, 0, 10).await.unwrap().len() as i64, head);
}

async fn checkpoints_move_with_their_transaction(t: TestDb) {
    let mut conn = t.db.reader().await.unwrap();
    assert_eq!(log::checkpoint(&mut conn, "stats").await.unwrap(), None);
    let mut tx = t.db.begin().await.unwrap();
    assert!(log::hold_checkpoint(&mut tx, "stats", Log::Domain, 0).await.unwrap());
    log::save_checkpoint(&mut tx, "stats", 7).await.unwrap();
    drop(tx);
    assert_eq!(log::checkpoint(&mut conn, "stats").await.unwrap(), None, "rolled back with its transaction");
    let mut tx = t.db.begin().await.unwrap();
    assert!(log::hold_checkpoint(&mut tx, "stats", Log::Domain, 0).await.unwrap());
    log::save_checkpoint(&mut tx, "stats", 7).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = t.db.begin().await.unwrap();
    assert!(!log::hold_checkpoint(&mut tx, "stats", Log::Domain, 0).await.unwrap(), "another runner moved it");
    assert!(log::hold_checkpoint(&mut tx, "stats", Log::Domain, 7).await.unwrap());
    log::save_checkpoint(&mut tx, "stats", 9).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(log::checkpoint(&mut conn, "stats").await.unwrap(), Some(9));
    let all = log::checkpoints(&mut conn).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!((all[0].log.as_str(), all[0].position), ("domain", 9));
}

async fn behaviour_events_are_stored_once_per_viewer_and_client_id(t: TestDb) {
    let viewer = member(&t.db, "viewer").await;
    let note = note(&t.db, viewer).await;
    let event = |viewer_key: i64, client_event_id: &'static str| NewBehaviourEvent {
        viewer_key,
        client_event_id,
        kind: "read",
        note_id: note,
        surface: "note",
        position: None,
        dwell_ms: Some(4_200),
        occurred_at: TEST_START,
        search_id: None,
        ad_id: None,
    };
    let mut tx = t.db.begin().await.unwrap();
    assert!(behaviour::insert(&mut tx, &event(viewer.as_i64(), "e1")).await.unwrap());
    assert!(!behaviour::insert(&mut tx, &event(viewer.as_i64(), "e1")).await.unwrap(), "duplicate id");
    assert!(behaviour::insert(&mut tx, &event(0, "e1")).await.unwrap(), "another viewer may use the same id");
    tx.commit().await.unwrap();
    assert_eq!(sequence(&t.db, Log::Behaviour).await, 2);
    let mut conn = t.db.reader().await.unwrap();
    let read = behaviour::read(&mut conn, 0, 10).await.unwrap();
    assert_eq!(read.len(), 2);
    assert_eq!((read[0].seq, read[0].dwell_ms, read[0].kind.as_str()), (1, Some(4_200), "read"));
    assert_eq!(behaviour::count(&mut conn).await.unwrap(), 2);
}

async fn statistics_add_up_per_hour_and_roll_up_into_days(t: TestDb) {
    let author = member(&t.db, "author").await;
    let note = note(&t.db, author).await;
    let day = TEST_START.micros();
    let mut tx = t.db.begin().await.unwrap();
    let one = Counters { impressions: 10, reads: 2, read_ms: 9_000, likes: 1, ..Counters::default() };
    let deltas = [
        (note, day, one),
        (note, day + 3 * HOUR_MICROS, one),
        (note, day, Counters { likes: -1, comments: 1, ..Counters::default() }),
    ];
    stats::add(&mut tx, &deltas).await.unwrap();
    stats::add(&mut tx, &[(note, day + DAY_MICROS, one)]).await.unwrap();
    tx.commit().await.unwrap();
    let mut conn = t.db.reader().await.unwrap();
    let totals = stats::totals(&mut conn, note).await.unwrap();
    assert_eq!(
        (totals.impressions, totals.reads, totals.read_ms, totals.likes, totals.comments),
        (30, 6, 27_000, 2, 1)
    );
    let hours = stats::hourly(&mut conn, note, day, day + 2 * DAY_MICROS, 100).await.unwrap();
    assert_eq!(hours.len(), 3);
    assert_eq!((hours[0].start, hours[0].counters.likes, hours[0].counters.comments), (Timestamp(day), 0, 1));
    assert_eq!(stats::hour_of(Timestamp(day + HOUR_MICROS + 5)), day + HOUR_MICROS);

    let mut tx = t.db.begin().await.unwrap();
    assert_eq!(stats::roll_up_hours(&mut tx, day + DAY_MICROS).await.unwrap(), 2);
    tx.commit().await.unwrap();
    let days = stats::daily(&mut conn, note, day, day + 2 * DAY_MICROS, 10).await.unwrap();
    assert_eq!(days.len(), 1);
    assert_eq!((days[0].counters.impressions, days[0].counters.comments), (20, 1));
    assert_eq!(stats::hourly(&mut conn, note, day, day + 2 * DAY_MICROS, 100).await.unwrap().len(), 1);
    assert_eq!(stats::totals(&mut conn, note).await.unwrap(), totals, "rolling up leaves totals alone");
}

async fn schedule(db: &Db, key: &str, at: Timestamp) {
    let mut tx = db.begin().await.unwrap();
    jobs::schedule(&mut tx, "test.job", key, "{\"n\":1}", at, 3).await.unwrap();
    tx.commit().await.unwrap();
}

async fn claim(db: &Db, owner: &str, lease_seconds: i64) -> Option<jobs::JobRecord> {
    let mut tx = db.begin().await.unwrap();
    let until = Timestamp(tx.now().micros() + lease_seconds * 1_000_000);
    let job = jobs::claim(&mut tx, owner, until).await.unwrap();
    tx.commit().await.unwrap();
    job
}

async fn a_due_job_is_claimed_once_and_completed_by_its_holder(t: TestDb) {
    schedule(&t.db, "a", Timestamp(TEST_START.micros() + 60_000_000)).await;
    assert!(claim(&t.db, "node-1", 30).await.is_none(), "not due yet");
    let mut conn = t.db.reader().await.unwrap();
    assert_eq!(jobs::next_due(&mut conn).await.unwrap(), Some(Timestamp(TEST_START.micros() + 60_000_000)));
    t.clock.advance_seconds(60);
    let job = claim(&t.db, "node-1", 30).await.expect("due now");
    assert_eq!((job.state.as_str(), job.attempts, job.payload.as_str()), ("running", 1, "{\"n\":1}"));
    assert!(claim(&t.db, "node-2", 30).await.is_none(), "held by node-1");
    let mut tx = t.db.begin().await.unwrap();
    assert!(!jobs::complete(&mut tx, job.id, "node-2", None).await.unwrap(), "only the holder completes");
    assert!(jobs::complete(&mut tx, job.id, "node-1", None).await.unwrap());
    tx.commit().await.unwrap();
    let stored = jobs::get(&mut conn, "test.job", "a").await.unwrap().unwrap();
    assert_eq!((stored.state.as_str(), stored.lease_owner), ("done", None));
    assert_eq!(jobs::list(&mut conn, Some("done"), 10).await.unwrap().len(), 1);
    assert_eq!(jobs::counts(&mut conn).await.unwrap(), [("done".to_owned(), 1)]);
}

async fn an_expired_lease_lets_another_runner_take_the_job(t: TestDb) {
    schedule(&t.db, "b", TEST_START).await;
    let first = claim(&t.db, "node-1", 30).await.unwrap();
    t.clock.advance_seconds(31);
    let second = claim(&t.db, "node-2", 30).await.expect("the lease ran out");
    assert_eq!((second.id, second.attempts), (first.id, 2));
    let mut tx = t.db.begin().await.unwrap();
    assert!(!jobs::fail(&mut tx, first.id, "node-1", "late", None).await.unwrap(), "node-1 lost the lease");
    let retry = Timestamp(tx.now().micros() + 10_000_000);
    assert!(jobs::fail(&mut tx, second.id, "node-2", "boom", Some(retry)).await.unwrap());
    tx.commit().await.unwrap();
    let mut conn = t.db.reader().await.unwrap();
    let stored = jobs::get(&mut conn, "test.job", "b").await.unwrap().unwrap();
    assert_eq!((stored.state.as_str(), stored.run_at, stored.last_error.as_deref()), ("pending", retry, Some("boom")));
}

async fn rescheduling_a_running_job_discards_its_outcome(t: TestDb) {
    schedule(&t.db, "c", TEST_START).await;
    let job = claim(&t.db, "node-1", 30).await.unwrap();
    let later = Timestamp(TEST_START.micros() + 3_600_000_000);
    schedule(&t.db, "c", later).await;
    let mut tx = t.db.begin().await.unwrap();
    assert!(!jobs::complete(&mut tx, job.id, "node-1", None).await.unwrap());
    drop(tx);
    let mut tx = t.db.begin().await.unwrap();
    assert!(jobs::cancel(&mut tx, "test.job", "c").await.unwrap());
    assert!(!jobs::cancel(&mut tx, "test.job", "c").await.unwrap());
    tx.commit().await.unwrap();
    let mut conn = t.db.reader().await.unwrap();
    let stored = jobs::get(&mut conn, "test.job", "c").await.unwrap().unwrap();
    assert_eq!((stored.state.as_str(), stored.run_at, stored.attempts), ("cancelled", later, 0));
}
