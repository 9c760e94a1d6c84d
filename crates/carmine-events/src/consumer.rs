//! Consumers of the logs, the loop that feeds them, and their health.
//!
//! Each consumer reads its log after its checkpoint in batches. A batch is applied
//! in one transaction that first holds the checkpoint row (`log::hold_checkpoint`,
//! which fails if another runner moved it) and ends by moving it: the effect and the
//! checkpoint commit together, so after a crash or restart the consumer resumes where
//! the last commit left it — no gap, nothing counted twice. A failing batch is retried
//! with backoff; a consumer that is behind and has not advanced for `stuck_after`, or
//! keeps failing, is reported stuck (`/readyz` answers 503).
//!
//! A [`MemoryConsumer`] derives state held by the process (the feed index in memory,
//! the search index in its own files): it has no checkpoint row, starts in every
//! process from the position its state reflects (0 for memory) and replays the log
//! from there, then follows it like the others.
//!
//! Relaying the domain log to NATS JetStream (several nodes) fits as one more consumer
//! whose effect is a publish with the position as message id (deduplicated by the
//! stream), keeping its checkpoint the same way.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use carmine_core::{Error, ErrorCode};
use carmine_store::behaviour::{self, BehaviourRecord};
use carmine_store::log::{self, Log};
use carmine_store::outbox::{self, OutboxRecord};
use carmine_store::{Conn, Db, Tx};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A batch read from one log, in log order.
#[derive(Debug)]
pub enum Batch {
    Domain(Vec<(i64, OutboxRecord)>),
    Behaviour(Vec<BehaviourRecord>),
}

impl Batch {
    pub fn last_position(&self) -> Option<i64> {
        match self {
            Batch::Domain(entries) => entries.last().map(|(seq, _)| *seq),
            Batch::Behaviour(entries) => entries.last().map(|e| e.seq),
        }
    }
}

/// Something that derives state from one log.
pub trait Consumer: Send + Sync + 'static {
    /// Stable: it names the checkpoint row.
    fn name(&self) -> &'static str;
    fn log(&self) -> Log;
    /// Applies a batch inside `tx` (the runner moves the checkpoint in the same
    /// transaction). Must not act outside the database unless the action is
    /// idempotent by log position.
    fn apply<'a>(&'a self, tx: &'a mut Tx, batch: &'a Batch) -> BoxFuture<'a, Result<(), Error>>;
}

/// Something that derives state held by this process — in memory, or in files of its
/// own such as the search index — from one log. Each process replays the log from
/// [`MemoryConsumer::start_position`] (0 for state in memory), so the state needs no
/// checkpoint row; `apply` may read the database through `conn` and must leave the
/// state as if each entry were applied once, in log order.
pub trait MemoryConsumer: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    fn log(&self) -> Log;
    /// Where this process resumes: state kept in files saves the position it
    /// reflects together with it.
    fn start_position(&self) -> i64 {
        0
    }
    fn apply<'a>(&'a self, conn: &'a mut Conn, batch: &'a Batch) -> BoxFuture<'a, Result<(), Error>>;
}

/// A consumer the data plane runs: durable (state and checkpoint in the database) or
/// in memory.
#[derive(Clone)]
pub enum Subscriber {
    Durable(Arc<dyn Consumer>),
    Memory(Arc<dyn MemoryConsumer>),
}

impl Subscriber {
    pub fn name(&self) -> &'static str {
        match self {
            Subscriber::Durable(c) => c.name(),
            Subscriber::Memory(c) => c.name(),
        }
    }

    pub fn log(&self) -> Log {
        match self {
            Subscriber::Durable(c) => c.log(),
            Subscriber::Memory(c) => c.log(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct DataPlaneConfig {
    /// Log entries applied per transaction.
    pub batch: u32,
    /// The longest a loop sleeps before looking again (other nodes write too).
    pub poll: Duration,
    /// Behind and not advancing for this long: stuck.
    pub stuck_after: Duration,
    /// Failing this many batches in a row: stuck.
    pub failures_before_stuck: u32,
    /// The longest wait between retries of a failing batch.
    pub retry_max: Duration,
    /// How long [`DataPlane::caught_up`] waits before giving up.
    pub wait_max: Duration,
    /// A consumer further behind its log than this is catching up: `/readyz` answers
    /// 503 until none is (after a start, the index replays before traffic comes).
    pub ready_lag_max: i64,
}

impl Default for DataPlaneConfig {
    fn default() -> Self {
        DataPlaneConfig {
            batch: 1_000,
            poll: Duration::from_secs(1),
            stuck_after: Duration::from_secs(60),
            failures_before_stuck: 3,
            retry_max: Duration::from_secs(30),
            wait_max: Duration::from_secs(60),
            ready_lag_max: 1_000,
        }
    }
}

/// One consumer's health, as `/readyz`, `/metrics` and `/admin` show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumerStatus {
    pub name: &'static str,
    pub log: Log,
    pub position: i64,
    pub head: i64,
    /// Log entries not yet applied: numbered ones above the position, and committed
    /// ones the sequencer has not numbered yet.
    pub lag: i64,
    pub failures: u32,
    pub last_error: Option<String>,
    pub stuck: bool,
    /// Further behind than `ready_lag_max`.
    pub catching_up: bool,
}

#[derive(Clone, Debug)]
struct Progress {
    position: i64,
    /// It has reached the head at least once since the process started.
    caught_up_once: bool,
    failures: u32,
    last_error: Option<String>,
    /// The last time the consumer advanced or was found caught up.
    active_at: Instant,
}

struct Slot {
    consumer: Subscriber,
    progress: watch::Sender<Progress>,
}

/// The running data plane: sequencer and consumers. Cheap to clone.
#[derive(Clone)]
pub struct DataPlane {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    config: DataPlaneConfig,
    slots: Vec<Slot>,
    heads: HashMap<Log, watch::Sender<i64>>,
}

/// The data plane's tasks; dropping this stops them (a batch in flight rolls back).
pub struct Running {
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl DataPlane {
    /// Loads every consumer's checkpoint and the logs' heads.
    pub async fn new(db: Db, consumers: Vec<Subscriber>, config: DataPlaneConfig) -> Result<DataPlane, Error> {
        let mut conn = db.reader().await?;
        let mut heads = HashMap::new();
        for log in Log::ALL {
            heads.insert(log, watch::Sender::new(log::head(&mut conn, log).await?));
        }
        let mut slots = Vec::new();
        for consumer in consumers {
            let position = match &consumer {
                Subscriber::Durable(c) => log::checkpoint(&mut conn, c.name()).await?.unwrap_or(0),
                Subscriber::Memory(c) => c.start_position(),
            };
            let progress =
                Progress { position, caught_up_once: false, failures: 0, last_error: None, active_at: Instant::now() };
            slots.push(Slot { consumer, progress: watch::Sender::new(progress) });
        }
        drop(conn);
        Ok(DataPlane { inner: Arc::new(Inner { db, config, slots, heads }) })
    }

    /// Starts the sequencer and one loop per consumer.
    pub fn start(&self) -> Running {
        let mut tasks = vec![tokio::spawn(self.clone().sequencer_loop())];
        for index in 0..self.inner.slots.len() {
            tasks.push(tokio::spawn(self.clone().consumer_loop(index)));
        }
        Running { tasks }
    }

    /// Starts only the in-memory consumers, for a node that serves HTTP while another
    /// node sequences the logs and runs the durable consumers: it still keeps its own
    /// in-memory state (the feed's index) current.
    pub fn start_memory_only(&self) -> Running {
        let tasks = (0..self.inner.slots.len())
            .filter(|&i| matches!(self.inner.slots[i].consumer, Subscriber::Memory(_)))
            .map(|i| tokio::spawn(self.clone().consumer_loop(i)))
            .collect();
        Running { tasks }
    }

    /// Numbers everything committed so far and waits until every consumer has
    /// applied it: after this returns, derived state reflects every earlier write.
    pub async fn sync(&self) -> Result<(), Error> {
        let mut heads = HashMap::new();
        for log in Log::ALL {
            heads.insert(log, crate::sequencer::sequence_all(&self.inner.db, log, &self.inner.heads[&log]).await?);
        }
        for slot in &self.inner.slots {
            self.caught_up(slot.consumer.name(), heads[&slot.consumer.log()]).await?;
        }
        Ok(())
    }

    /// Read-your-writes for one consumer: numbers what is committed in its log and
    /// waits (at most `wait`) until it has applied it. False if it did not in time
    /// (the caller goes on: the effect arrives within the consumer's lag).
    pub async fn settle(&self, consumer: &str, wait: Duration) -> Result<bool, Error> {
        let log = self.slot(consumer)?.consumer.log();
        let head = crate::sequencer::sequence_all(&self.inner.db, log, &self.inner.heads[&log]).await?;
        let mut progress = self.slot(consumer)?.progress.subscribe();
        Ok(tokio::time::timeout(wait, progress.wait_for(|p| p.position >= head)).await.is_ok_and(|r| r.is_ok()))
    }

    /// Whether `consumer` has reached the head of its log at least once since this
    /// process started (an in-memory consumer is still replaying until then).
    pub fn has_caught_up(&self, consumer: &str) -> bool {
        self.slot(consumer).is_ok_and(|slot| slot.progress.borrow().caught_up_once)
    }

    /// Waits (at most `wait_max`) until `consumer` has applied log position `position`.
    pub async fn caught_up(&self, consumer: &str, position: i64) -> Result<(), Error> {
        let slot = self.slot(consumer)?;
        let mut progress = slot.progress.subscribe();
        let reached = progress.wait_for(|p| p.position >= position);
        match tokio::time::timeout(self.inner.config.wait_max, reached).await {
            Ok(Ok(_)) => Ok(()),
            _ => Err(Error::new(ErrorCode::Unavailable).with_details(serde_json::json!({ "consumer": consumer }))),
        }
    }

    /// Every consumer's position, lag and health, with heads read from the database
    /// (so other nodes' writes count).
    pub async fn status(&self) -> Result<Vec<ConsumerStatus>, Error> {
        let mut conn = self.inner.db.reader().await?;
        let mut heads = HashMap::new();
        for log in Log::ALL {
            let head = log::head(&mut conn, log).await?;
            heads.insert(log, (head, log::unsequenced(&mut conn, log).await?));
        }
        let config = &self.inner.config;
        Ok(self
            .inner
            .slots
            .iter()
            .map(|slot| {
                let progress = slot.progress.borrow().clone();
                let log = slot.consumer.log();
                let (head, unsequenced) = heads[&log];
                let lag = (head - progress.position).max(0) + unsequenced;
                let stalled = lag > 0 && progress.active_at.elapsed() > config.stuck_after;
                ConsumerStatus {
                    name: slot.consumer.name(),
                    log,
                    position: progress.position,
                    head,
                    lag,
                    failures: progress.failures,
                    last_error: progress.last_error,
                    stuck: stalled || progress.failures >= config.failures_before_stuck,
                    catching_up: lag > config.ready_lag_max,
                }
            })
            .collect())
    }

    fn slot(&self, consumer: &str) -> Result<&Slot, Error> {
        self.inner
            .slots
            .iter()
            .find(|s| s.consumer.name() == consumer)
            .ok_or_else(|| Error::internal(format!("no consumer named {consumer}")))
    }

    async fn sequencer_loop(self) {
        let inner = &self.inner;
        loop {
            for log in Log::ALL {
                if let Err(e) = crate::sequencer::sequence_all(&inner.db, log, &inner.heads[&log]).await {
                    tracing::error!(log = log.name(), error = %e, "sequencing failed");
                }
            }
            tokio::select! {
                () = inner.db.log_written().notified() => {}
                () = tokio::time::sleep(inner.config.poll) => {}
            }
        }
    }

    async fn consumer_loop(self, index: usize) {
        let inner = &self.inner;
        let slot = &inner.slots[index];
        let log = slot.consumer.log();
        let mut head = inner.heads[&log].subscribe();
        loop {
            head.borrow_and_update();
            let position = slot.progress.borrow().position;
            match self.step(slot, position).await {
                Ok(Step::Applied(to)) => slot.progress.send_modify(|p| {
                    p.position = to;
                    p.failures = 0;
                    p.last_error = None;
                    p.active_at = Instant::now();
                }),
                Ok(Step::Moved(to)) => slot.progress.send_modify(|p| p.position = to),
                Ok(Step::CaughtUp) => {
                    let settled = slot.progress.borrow().caught_up_once || self.at_head(log, position).await;
                    slot.progress.send_modify(|p| {
                        p.active_at = Instant::now();
                        p.caught_up_once |= settled;
                    });
                    tokio::select! {
                        _ = head.changed() => {}
                        () = tokio::time::sleep(inner.config.poll) => {}
                    }
                }
                Err(e) => {
                    let failures = slot.progress.borrow().failures + 1;
                    tracing::error!(consumer = slot.consumer.name(), failures, error = %e, "consumer batch failed");
                    slot.progress.send_modify(|p| {
                        p.failures = failures;
                        p.last_error = Some(e.to_string());
                    });
                    let wait =
                        Duration::from_millis(100).saturating_mul(1 << failures.min(10)).min(inner.config.retry_max);
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// Whether `position` is the head of `log` with nothing committed left unnumbered
    /// (false when the database cannot say).
    async fn at_head(&self, log: Log, position: i64) -> bool {
        let Ok(mut conn) = self.inner.db.reader().await else { return false };
        let head = log::head(&mut conn, log).await;
        let unsequenced = log::unsequenced(&mut conn, log).await;
        matches!((head, unsequenced), (Ok(head), Ok(0)) if head <= position)
    }

    /// Reads and applies one batch after `position`.
    async fn step(&self, slot: &Slot, position: i64) -> Result<Step, Error> {
        let inner = &self.inner;
        let name = slot.consumer.name();
        let log = slot.consumer.log();
        let batch = {
            let mut conn = inner.db.reader().await?;
            match log {
                Log::Domain => Batch::Domain(outbox::read(&mut conn, position, inner.config.batch).await?),
                Log::Behaviour => Batch::Behaviour(behaviour::read(&mut conn, position, inner.config.batch).await?),
            }
        };
        let Some(last) = batch.last_position() else { return Ok(Step::CaughtUp) };
        let consumer = match &slot.consumer {
            Subscriber::Durable(consumer) => consumer,
            Subscriber::Memory(consumer) => {
                consumer.apply(&mut *inner.db.reader().await?, &batch).await?;
                return Ok(Step::Applied(last));
            }
        };
        let mut tx = inner.db.begin().await?;
        if !log::hold_checkpoint(&mut tx, name, log, position).await? {
            drop(tx);
            let moved = log::checkpoint(&mut *inner.db.reader().await?, name).await?.unwrap_or(0);
            return Ok(Step::Moved(moved));
        }
        consumer.apply(&mut tx, &batch).await?;
        log::save_checkpoint(&mut tx, name, last).await?;
        tx.commit().await?;
        Ok(Step::Applied(last))
    }
}

enum Step {
    Applied(i64),
    /// Another runner had moved the checkpoint: continue from there.
    Moved(i64),
    CaughtUp,
}
