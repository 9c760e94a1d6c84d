//! The job runner on both backends: due times, retries with backoff, permanent
//! failure, recurring jobs, and one effect per job when two runners compete.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use carmine_core::event::DomainEvent;
use carmine_core::{Error, ErrorCode, Id, Timestamp};
use carmine_jobs::{BoxFuture, JobHandler, JobsConfig, Pass, Scheduler};
use carmine_store::jobs::{self, JobRecord};
use carmine_store::testing::{TEST_START, TestDb};
use carmine_store::{Db, Tx, outbox};

carmine_store::both_backends!(
    a_job_runs_when_due_and_once,
    failures_retry_with_backoff_then_stop,
    recurring_jobs_re_arm_after_each_run,
    two_runners_apply_a_job_once,
    a_job_without_a_handler_fails_for_good,
);

/// Emits an event per run (the effect), failing the first `fail_first` runs.
struct Counting {
    runs: AtomicU32,
    fail_first: u32,
    every: Option<Duration>,
}

impl Counting {
    fn new(fail_first: u32, every: Option<Duration>) -> Arc<Counting> {
        Arc::new(Counting { runs: AtomicU32::new(0), fail_first, every })
    }
}

impl JobHandler for Counting {
    fn kind(&self) -> &'static str {
        "test.count"
    }

    fn every(&self) -> Option<Duration> {
        self.every
    }

    fn run<'a>(&'a self, tx: &'a mut Tx, job: &'a JobRecord) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let run = self.runs.fetch_add(1, Ordering::SeqCst) + 1;
            tx.emit(DomainEvent::ApiTokenCreated { user_id: Id::from_i64(1), token_id: job.id }).await?;
            if run <= self.fail_first {
                return Err(Error::new(ErrorCode::Internal));
            }
            Ok(())
        })
    }
}

fn scheduler(db: &Db, handler: Arc<Counting>, owner: &str) -> Scheduler {
    let config = JobsConfig { backoff_base: Duration::from_secs(10), ..JobsConfig::default() };
    Scheduler::new(db.clone(), vec![handler], owner.to_owned(), config)
}

async fn schedule(db: &Db, key: &str, at: Timestamp, max_attempts: i64) {
    let mut tx = db.begin().await.unwrap();
    jobs::schedule(&mut tx, "test.count", key, "{}", at, max_attempts).await.unwrap();
    tx.commit().await.unwrap();
}

async fn effects(db: &Db) -> usize {
    outbox::list_after(&mut db.reader().await.unwrap(), None, 1000).await.unwrap().len()
}

async fn job(db: &Db, kind: &str, key: &str) -> JobRecord {
    jobs::get(&mut db.reader().await.unwrap(), kind, key).await.unwrap().unwrap()
}

async fn a_job_runs_when_due_and_once(t: TestDb) {
    let handler = Counting::new(0, None);
    let runner = scheduler(&t.db, handler.clone(), "n1");
    schedule(&t.db, "k", TEST_START.plus_seconds(30), 3).await;
    assert_eq!(runner.run_due().await.unwrap(), Pass::default());
    t.clock.advance_seconds(30);
    assert_eq!(runner.run_due().await.unwrap(), Pass { succeeded: 1, ..Pass::default() });
    assert_eq!(runner.run_due().await.unwrap(), Pass::default());
    assert_eq!((handler.runs.load(Ordering::SeqCst), effects(&t.db).await), (1, 1));
    assert_eq!(job(&t.db, "test.count", "k").await.state, "done");
}

async fn failures_retry_with_backoff_then_stop(t: TestDb) {
    let handler = Counting::new(10, None);
    let runner = scheduler(&t.db, handler.clone(), "n1");
    schedule(&t.db, "k", TEST_START, 3).await;
    assert_eq!(runner.run_due().await.unwrap().failed, 1);
    let first = job(&t.db, "test.count", "k").await;
    assert_eq!((first.state.as_str(), first.run_at), ("pending", TEST_START.plus_seconds(10)));
    assert!(first.last_error.is_some());
    assert_eq!(effects(&t.db).await, 0, "a failed attempt's effect is rolled back");
    t.clock.advance_seconds(10);
    assert_eq!(runner.run_due().await.unwrap().failed, 1);
    assert_eq!(job(&t.db, "test.count", "k").await.run_at, TEST_START.plus_seconds(10 + 20), "doubled");
    t.clock.advance_seconds(20);
    assert_eq!(runner.run_due().await.unwrap().failed, 1);
    let last = job(&t.db, "test.count", "k").await;
    assert_eq!((last.state.as_str(), last.attempts), ("failed", 3));
    t.clock.advance_seconds(3600);
    assert_eq!(runner.run_due().await.unwrap(), Pass::default(), "a failed job stays failed");
}

async fn recurring_jobs_re_arm_after_each_run(t: TestDb) {
    let handler = Counting::new(0, Some(Duration::from_secs(3600)));
    let runner = scheduler(&t.db, handler.clone(), "n1");
    runner.ensure_recurring().await.unwrap();
    runner.ensure_recurring().await.unwrap();
    assert_eq!(runner.run_due().await.unwrap().succeeded, 1);
    let armed = job(&t.db, "test.count", "").await;
    assert_eq!((armed.state.as_str(), armed.run_at), ("pending", TEST_START.plus_seconds(3600)));
    t.clock.advance_seconds(3600);
    assert_eq!(runner.run_due().await.unwrap().succeeded, 1);
    assert_eq!(handler.runs.load(Ordering::SeqCst), 2);
}

async fn two_runners_apply_a_job_once(t: TestDb) {
    for n in 0..20 {
        schedule(&t.db, &format!("k{n}"), TEST_START, 3).await;
    }
    let handler = Counting::new(0, None);
    let (a, b) = (scheduler(&t.db, handler.clone(), "n1"), scheduler(&t.db, handler.clone(), "n2"));
    let (pa, pb) = tokio::join!(a.run_due(), b.run_due());
    let (pa, pb) = (pa.unwrap(), pb.unwrap());
    assert_eq!(pa.succeeded + pb.succeeded, 20);
    assert_eq!((pa.lost, pb.lost, pa.failed, pb.failed), (0, 0, 0, 0));
    assert_eq!(effects(&t.db).await, 20, "each job's effect committed exactly once");
}

async fn a_job_without_a_handler_fails_for_good(t: TestDb) {
    let mut tx = t.db.begin().await.unwrap();
    jobs::schedule(&mut tx, "test.unknown", "k", "{}", TEST_START, 5).await.unwrap();
    tx.commit().await.unwrap();
    let runner = scheduler(&t.db, Counting::new(0, None), "n1");
    assert_eq!(runner.run_due().await.unwrap().failed, 1);
    let stored = job(&t.db, "test.unknown", "k").await;
    assert_eq!(stored.state, "failed");
    assert!(stored.last_error.unwrap().contains("no handler"));
}
