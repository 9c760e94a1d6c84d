//! Durable timed jobs: the runner that claims due rows of the `jobs` table under a
//! lease, runs their handler and records the outcome.
//!
//! A handler's effect and the job's completion commit in one transaction, and the
//! completion only lands if this runner still holds the lease, so a job's effect is
//! applied once even with several nodes, crashes and lease expiry. Failures retry with
//! exponential backoff up to `max_attempts`, then the job stays `failed` for an
//! operator to see in `/admin/jobs`. Recurring jobs (roll-ups, expiry sweeps) are one
//! row each, re-armed after every success.
//!
//! Owns no job kinds: each context implements [`JobHandler`] for its own work
//! (`notes.publish` in carmine-notes, `stats.roll_up` in carmine-events, …) and the
//! binary registers them.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use carmine_core::{Error, Timestamp};
use carmine_store::jobs::{self, JobRecord};
use carmine_store::{Db, Tx};
use tokio::sync::Notify;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One kind of job.
pub trait JobHandler: Send + Sync + 'static {
    /// The `kind` column this handler runs, e.g. `notes.publish`.
    fn kind(&self) -> &'static str;

    /// `Some(interval)`: a recurring job with one row (key `""`), run every interval.
    fn every(&self) -> Option<Duration> {
        None
    }

    /// Does the work inside `tx`; an error rolls it back and schedules a retry.
    fn run<'a>(&'a self, tx: &'a mut Tx, job: &'a JobRecord) -> BoxFuture<'a, Result<(), Error>>;
}

#[derive(Clone, Debug)]
pub struct JobsConfig {
    /// How long a claim lasts before another runner may take the job over.
    pub lease: Duration,
    /// The longest the runner sleeps without looking (other nodes may schedule work).
    pub poll: Duration,
    /// The first retry waits this long; each further one twice as long…
    pub backoff_base: Duration,
    /// …up to this.
    pub backoff_max: Duration,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig {
            lease: Duration::from_secs(120),
            poll: Duration::from_secs(5),
            backoff_base: Duration::from_secs(10),
            backoff_max: Duration::from_secs(3600),
        }
    }
}

/// What one pass over due jobs did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pass {
    pub succeeded: usize,
    pub failed: usize,
    /// Ran, but another runner had taken the job over: the effect was rolled back.
    pub lost: usize,
}

/// Claims and runs due jobs. Cheap to clone.
#[derive(Clone)]
pub struct Scheduler {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    handlers: Vec<Arc<dyn JobHandler>>,
    owner: String,
    config: JobsConfig,
    wake: Notify,
}

impl Scheduler {
    /// `owner` names this runner in leases (the node id and process id make a good one).
    pub fn new(db: Db, handlers: Vec<Arc<dyn JobHandler>>, owner: String, config: JobsConfig) -> Scheduler {
        Scheduler { inner: Arc::new(Inner { db, handlers, owner, config, wake: Notify::new() }) }
    }

    /// Asks the running loop to look now (after scheduling something due soon).
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// Creates the row of every recurring job that has none yet (due now).
    pub async fn ensure_recurring(&self) -> Result<(), Error> {
        let mut tx = self.inner.db.begin().await?;
        let now = tx.now();
        for handler in self.inner.handlers.iter().filter(|h| h.every().is_some()) {
            jobs::ensure(&mut tx, handler.kind(), "", now, 5).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Runs every job due now, one after another, and says how it went.
    pub async fn run_due(&self) -> Result<Pass, Error> {
        let mut pass = Pass::default();
        while let Some(job) = self.claim().await? {
            match self.run_one(&job).await? {
                Outcome::Succeeded => pass.succeeded += 1,
                Outcome::Failed => pass.failed += 1,
                Outcome::Lost => pass.lost += 1,
            }
        }
        Ok(pass)
    }

    /// Runs due jobs until `shutdown` resolves, sleeping until the next is due (at most
    /// `poll`) or until [`Scheduler::wake`].
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        if let Err(e) = self.ensure_recurring().await {
            tracing::error!(error = %e, "cannot create the recurring jobs");
        }
        tokio::pin!(shutdown);
        loop {
            if let Err(e) = self.run_due().await {
                tracing::error!(error = %e, "job runner pass failed");
            }
            let pause = self.until_next_due().await;
            tokio::select! {
                () = &mut shutdown => return,
                () = self.inner.wake.notified() => {}
                () = tokio::time::sleep(pause) => {}
            }
        }
    }

    async fn until_next_due(&self) -> Duration {
        let poll = self.inner.config.poll;
        let Ok(mut conn) = self.inner.db.reader().await else { return poll };
        match jobs::next_due(&mut conn).await {
            Ok(Some(at)) => {
                let micros = (at.micros() - self.inner.db.now().micros()).max(0) as u64;
                Duration::from_micros(micros).min(poll)
            }
            _ => poll,
        }
    }

    async fn claim(&self) -> Result<Option<JobRecord>, Error> {
        let mut tx = self.inner.db.begin().await?;
        let lease_until = Timestamp(tx.now().micros() + self.inner.config.lease.as_micros() as i64);
        let job = jobs::claim(&mut tx, &self.inner.owner, lease_until).await?;
        tx.commit().await?;
        Ok(job)
    }

    async fn run_one(&self, job: &JobRecord) -> Result<Outcome, Error> {
        let handler = self.inner.handlers.iter().find(|h| h.kind() == job.kind);
        let result = match handler {
            Some(handler) => self.attempt(handler.as_ref(), job).await,
            None => Err(Attempt::Failed(format!("no handler for job kind {:?}", job.kind), false)),
        };
        match result {
            Ok(()) => Ok(Outcome::Succeeded),
            Err(Attempt::Lost) => {
                tracing::warn!(job = %job.id, kind = job.kind, "job lease lost; its effect was rolled back");
                Ok(Outcome::Lost)
            }
            Err(Attempt::Failed(message, retryable)) => {
                let mut tx = self.inner.db.begin().await?;
                let retry_at =
                    (retryable && job.attempts < job.max_attempts).then(|| self.retry_at(tx.now(), job.attempts));
                tracing::warn!(job = %job.id, kind = job.kind, attempt = job.attempts, error = message, retry = ?retry_at, "job failed");
                jobs::fail(&mut tx, job.id, &self.inner.owner, &message, retry_at).await?;
                tx.commit().await?;
                Ok(Outcome::Failed)
            }
        }
    }

    async fn attempt(&self, handler: &dyn JobHandler, job: &JobRecord) -> Result<(), Attempt> {
        let failed = |e: Error| Attempt::Failed(e.to_string(), true);
        let mut tx = self.inner.db.begin().await.map_err(|e| failed(e.into()))?;
        handler.run(&mut tx, job).await.map_err(failed)?;
        let next_run = handler.every().map(|every| tx.now().plus_seconds(every.as_secs().max(1) as i64));
        if !jobs::complete(&mut tx, job.id, &self.inner.owner, next_run).await.map_err(|e| failed(e.into()))? {
            return Err(Attempt::Lost);
        }
        tx.commit().await.map_err(|e| failed(e.into()))
    }

    /// `backoff_base × 2^(attempts-1)`, at most `backoff_max`.
    fn retry_at(&self, now: Timestamp, attempts: i64) -> Timestamp {
        let config = &self.inner.config;
        let factor = 1u32 << (attempts - 1).clamp(0, 20);
        let wait = config.backoff_base.saturating_mul(factor).min(config.backoff_max);
        Timestamp(now.micros() + wait.as_micros() as i64)
    }
}

enum Outcome {
    Succeeded,
    Failed,
    Lost,
}

enum Attempt {
    Lost,
    /// The message, and whether trying again may help.
    Failed(String, bool),
}

/// What operators see of the jobs (`/admin/jobs`): lists, counts, and retrying a
/// job that failed for good. Callers check that the caller is an administrator.
#[derive(Clone)]
pub struct Jobs {
    db: Db,
}

impl Jobs {
    pub fn new(db: Db) -> Jobs {
        Jobs { db }
    }

    /// Jobs in `state` (all when `None`), latest run time first.
    pub async fn list(&self, state: Option<&str>, limit: u32) -> Result<Vec<JobRecord>, Error> {
        if let Some(state) = state
            && !jobs::STATES.contains(&state)
        {
            return Err(Error::invalid_field("state", format!("must be one of {}", jobs::STATES.join(", "))));
        }
        Ok(jobs::list(&mut *self.db.reader().await?, state, limit).await?)
    }

    pub async fn counts(&self) -> Result<Vec<(String, i64)>, Error> {
        Ok(jobs::counts(&mut *self.db.reader().await?).await?)
    }

    /// Puts a failed job back in line, due now, with its attempts reset.
    pub async fn retry(&self, id: carmine_core::Id) -> Result<(), Error> {
        let mut tx = self.db.begin().await?;
        if !jobs::retry(&mut tx, id).await? {
            return Err(Error::new(carmine_core::ErrorCode::JobNotFound)
                .with_message("no failed job with that id (only failed jobs can be retried)"));
        }
        tx.commit().await?;
        Ok(())
    }
}
