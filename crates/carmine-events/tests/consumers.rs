//! The consumer runner on both backends: exact counts across restarts, a failing
//! batch rolls back whole and is retried, a consumer that keeps failing is reported
//! stuck, and two runners over one database apply each batch once.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use carmine_core::event::DomainEvent;
use carmine_core::{Error, ErrorCode, Id};
use carmine_events::statistics::EngagementConsumer;
use carmine_events::{Batch, Consumer, DataPlane, DataPlaneConfig, Subscriber};
use carmine_store::log::Log;
use carmine_store::testing::TestDb;
use carmine_store::users::NewMember;
use carmine_store::{Db, Tx, notes, stats, users};

carmine_store::both_backends!(
    a_restarted_consumer_resumes_without_gaps_or_double_counts,
    a_failing_batch_rolls_back_and_is_retried,
    a_consumer_that_keeps_failing_is_stuck,
    two_runners_count_each_event_once,
);

fn config() -> DataPlaneConfig {
    DataPlaneConfig {
        batch: 7,
        ready_lag_max: 10,
        retry_max: Duration::from_millis(5),
        wait_max: Duration::from_secs(30),
        ..DataPlaneConfig::default()
    }
}

async fn a_note(db: &Db) -> Id {
    let mut tx = db.begin().await.unwrap();
    let new = NewMember { username: "author", password_hash: None, display_name: "", is_admin: false };
    let author = users::insert(&mut tx, &new).await.unwrap();
    let content = notes::NoteContent {
        title: "t",
        body: "",
        location: None,
        visibility: "public",
        media_ids: &[],
        topics: &[],
        mention_ids: &[],
    };
    let note = notes::insert(&mut tx, author, author, &content, true).await.unwrap();
    tx.commit().await.unwrap();
    note
}

/// Emits `n` likes of `note`, one transaction each.
async fn likes(db: &Db, note: Id, n: usize) {
    for _ in 0..n {
        let mut tx = db.begin().await.unwrap();
        tx.emit(DomainEvent::NoteLiked { note_id: note, user_id: Id::from_i64(1), via_ad: None }).await.unwrap();
        tx.commit().await.unwrap();
    }
}

async fn likes_counted(db: &Db, note: Id) -> i64 {
    stats::totals(&mut db.reader().await.unwrap(), note).await.unwrap().likes
}

fn engagement() -> Vec<Subscriber> {
    vec![Subscriber::Durable(Arc::new(EngagementConsumer))]
}

async fn a_restarted_consumer_resumes_without_gaps_or_double_counts(t: TestDb) {
    let note = a_note(&t.db).await;
    likes(&t.db, note, 20).await;
    let plane = DataPlane::new(t.db.clone(), engagement(), config()).await.unwrap();
    let running = plane.start();
    plane.sync().await.unwrap();
    assert_eq!(likes_counted(&t.db, note).await, 20);
    drop(running);

    likes(&t.db, note, 15).await;
    let restarted = DataPlane::new(t.db.clone(), engagement(), config()).await.unwrap();
    let status = restarted.status().await.unwrap();
    assert_eq!(status[0].position, 20, "the checkpoint survived the restart");
    assert!(status[0].catching_up, "15 behind, more than the ready bound of 10");
    let _running = restarted.start();
    restarted.sync().await.unwrap();
    assert_eq!(likes_counted(&t.db, note).await, 35);
    let status = restarted.status().await.unwrap();
    assert_eq!((status[0].position, status[0].head, status[0].lag, status[0].stuck), (35, 35, 0, false));
    assert!(!status[0].catching_up);
}

/// Counts likes like the real consumer, but fails every batch while `failing` > 0.
struct Flaky {
    failing: AtomicU32,
}

impl Consumer for Flaky {
    fn name(&self) -> &'static str {
        "test.flaky"
    }

    fn log(&self) -> Log {
        Log::Domain
    }

    fn apply<'a>(
        &'a self,
        tx: &'a mut Tx,
        batch: &'a Batch,
    ) -> carmine_events::consumer::BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            // The effect is written first, then the batch fails: it must not survive.
            EngagementConsumer.apply(tx, batch).await?;
            if self.failing.load(Ordering::SeqCst) > 0 {
                self.failing.fetch_sub(1, Ordering::SeqCst);
                return Err(Error::new(ErrorCode::Internal));
            }
            Ok(())
        })
    }
}

async fn a_failing_batch_rolls_back_and_is_retried(t: TestDb) {
    let note = a_note(&t.db).await;
    likes(&t.db, note, 10).await;
    let flaky: Arc<dyn Consumer> = Arc::new(Flaky { failing: AtomicU32::new(2) });
    let plane = DataPlane::new(t.db.clone(), vec![Subscriber::Durable(flaky)], config()).await.unwrap();
    let _running = plane.start();
    plane.sync().await.unwrap();
    assert_eq!(likes_counted(&t.db, note).await, 10, "two failed attempts added nothing");
    assert_eq!(plane.status().await.unwrap()[0].failures, 0, "reset by the success");
}

async fn a_consumer_that_keeps_failing_is_stuck(t: TestDb) {
    let note = a_note(&t.db).await;
    likes(&t.db, note, 3).await;
    let broken: Arc<dyn Consumer> = Arc::new(Flaky { failing: AtomicU32::new(u32::MAX) });
    let config = DataPlaneConfig { wait_max: Duration::from_millis(300), ..config() };
    let plane = DataPlane::new(t.db.clone(), vec![Subscriber::Durable(broken)], config).await.unwrap();
    let _running = plane.start();
    let waited = plane.sync().await.unwrap_err();
    assert_eq!(waited.code, ErrorCode::Unavailable);
    let status = &plane.status().await.unwrap()[0];
    assert!(status.stuck, "{status:?}");
    assert!(status.failures >= 3 && status.last_error.is_some(), "{status:?}");
    assert_eq!((status.position, status.lag), (0, 3));
    assert_eq!(likes_counted(&t.db, note).await, 0);
}

async fn two_runners_count_each_event_once(t: TestDb) {
    let note = a_note(&t.db).await;
    likes(&t.db, note, 50).await;
    let a = DataPlane::new(t.db.clone(), engagement(), config()).await.unwrap();
    let b = DataPlane::new(t.db.clone(), engagement(), config()).await.unwrap();
    let (_ra, _rb) = (a.start(), b.start());
    let (sa, sb) = tokio::join!(a.sync(), b.sync());
    sa.unwrap();
    sb.unwrap();
    assert_eq!(likes_counted(&t.db, note).await, 50);
}
