//! Scheduled publishing: a draft that carries `publish_at` publishes itself then,
//! through a `notes.publish` job keyed by the note id (rescheduling moves the job,
//! unscheduling, publishing by hand or deleting cancels it).

use carmine_core::event::DomainEvent;
use carmine_core::limits::SCHEDULE_DAYS_MAX;
use carmine_core::{Error, Id, Result, Timestamp};
use carmine_jobs::{BoxFuture, JobHandler};
use carmine_store::jobs::{self, JobRecord};
use carmine_store::{Tx, notes};

pub const PUBLISH_JOB: &str = "notes.publish";
/// Attempts before a scheduled publication is left failed for an operator.
const PUBLISH_ATTEMPTS: i64 = 5;

/// A schedule must lie ahead, and at most [`SCHEDULE_DAYS_MAX`] days ahead.
pub(crate) fn check_publish_at(now: Timestamp, at: Timestamp) -> Result<()> {
    if at <= now {
        return Err(Error::invalid_field("publish_at", "must be in the future"));
    }
    if at > now.plus_seconds(SCHEDULE_DAYS_MAX * 86_400) {
        return Err(Error::invalid_field("publish_at", format!("must be within {SCHEDULE_DAYS_MAX} days")));
    }
    Ok(())
}

/// Schedules (or moves) a draft's publication.
pub(crate) async fn schedule(tx: &mut Tx, note_id: Id, author_id: Id, at: Timestamp) -> Result<()> {
    check_publish_at(tx.now(), at)?;
    if !notes::set_publish_at(tx, note_id, Some(at)).await? {
        return Err(Error::invalid_field("publish_at", "only a draft can be scheduled"));
    }
    jobs::schedule(tx, PUBLISH_JOB, &note_id.to_string(), "{}", at, PUBLISH_ATTEMPTS).await?;
    tx.emit(DomainEvent::NoteScheduled { note_id, author_id, publish_at: at }).await?;
    Ok(())
}

/// Drops a note's schedule, if it has one (its draft stays).
pub(crate) async fn unschedule(tx: &mut Tx, note_id: Id, author_id: Id, was_scheduled: bool) -> Result<()> {
    if jobs::cancel(tx, PUBLISH_JOB, &note_id.to_string()).await? || was_scheduled {
        notes::set_publish_at(tx, note_id, None).await?;
        tx.emit(DomainEvent::NoteUnscheduled { note_id, author_id }).await?;
    }
    Ok(())
}

/// Runs `notes.publish` jobs.
pub struct PublishScheduled;

impl JobHandler for PublishScheduled {
    fn kind(&self) -> &'static str {
        PUBLISH_JOB
    }

    fn run<'a>(&'a self, tx: &'a mut Tx, job: &'a JobRecord) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let id = job.key.parse::<Id>().map_err(|_| Error::internal(format!("bad note id {:?}", job.key)))?;
            let Some(note) = notes::get(tx.conn(), id).await? else { return Ok(()) };
            if !notes::publish_scheduled(tx, id).await? {
                return Ok(());
            }
            let mentioned = notes::mention_ids(tx.conn(), id).await?;
            crate::notifications::notify_mentions(tx, note.posted_by, &mentioned, id, None).await?;
            tx.emit(DomainEvent::NotePublished { note_id: id, author_id: note.author_id }).await?;
            tracing::info!(note = %id, "published a scheduled note");
            Ok(())
        })
    }
}
