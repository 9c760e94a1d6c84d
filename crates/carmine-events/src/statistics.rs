//! Per-note statistics: impressions, reads and dwell, clicks, engagement and CES,
//! per hour, per day and in total.
//!
//! Two consumers keep them: one over the domain log (likes, saves, comments, shares,
//! follows gained from a note — counted at the time of the event) and one over the
//! behaviour log (impressions, reads, clicks, share clicks — at the time the client
//! saw them). Counts are exact once both have caught up. The `stats.roll_up` job folds
//! hours older than the hourly retention into days.

use std::sync::Arc;
use std::time::Duration;

use carmine_accounts::Caller;
use carmine_core::event::DomainEvent;
use carmine_core::{Error, Id, Timestamp};
use carmine_jobs::JobHandler;
use carmine_notes::Notes;
use carmine_store::jobs::JobRecord;
use carmine_store::log::Log;
use carmine_store::stats::{self, Bucket, Counters, DAY_MICROS, HOUR_MICROS};
use carmine_store::{Db, Tx};

use crate::consumer::{Batch, BoxFuture, Consumer, Subscriber};

/// CES weights (agency figures: likes ×1, saves ×1, comments ×4, shares ×4, follows ×8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CesWeights {
    pub likes: i64,
    pub saves: i64,
    pub comments: i64,
    pub shares: i64,
    pub follows: i64,
}

impl Default for CesWeights {
    fn default() -> Self {
        CesWeights { likes: 1, saves: 1, comments: 4, shares: 4, follows: 8 }
    }
}

impl CesWeights {
    /// The community engagement score of some counters.
    pub fn score(&self, c: &Counters) -> i64 {
        c.likes * self.likes
            + c.saves * self.saves
            + c.comments * self.comments
            + c.shares * self.shares
            + c.follows * self.follows
    }
}

/// What the domain log adds to a note's counters, if anything.
pub fn domain_delta(event: &DomainEvent) -> Option<(Id, Counters)> {
    let one = Counters::default();
    match *event {
        DomainEvent::NoteLiked { note_id, .. } => Some((note_id, Counters { likes: 1, ..one })),
        DomainEvent::NoteUnliked { note_id, .. } => Some((note_id, Counters { likes: -1, ..one })),
        DomainEvent::NoteSaved { note_id, .. } => Some((note_id, Counters { saves: 1, ..one })),
        DomainEvent::NoteUnsaved { note_id, .. } => Some((note_id, Counters { saves: -1, ..one })),
        DomainEvent::CommentAdded { note_id, .. } => Some((note_id, Counters { comments: 1, ..one })),
        DomainEvent::CommentDeleted { note_id, .. } => Some((note_id, Counters { comments: -1, ..one })),
        DomainEvent::NoteShared { note_id, .. } => Some((note_id, Counters { shares: 1, ..one })),
        DomainEvent::ActorFollowed { from_note: Some(note_id), .. } => Some((note_id, Counters { follows: 1, ..one })),
        _ => None,
    }
}

/// What one behaviour event adds to its note's counters.
fn behaviour_delta(kind: &str, dwell_ms: Option<i64>) -> Counters {
    let one = Counters::default();
    match kind {
        "impression" => Counters { impressions: 1, ..one },
        "read" => Counters { reads: 1, read_ms: dwell_ms.unwrap_or(0), ..one },
        "click" => Counters { clicks: 1, ..one },
        "share" => Counters { share_clicks: 1, ..one },
        _ => one,
    }
}

/// Engagement counts from the domain log.
pub struct EngagementConsumer;

impl Consumer for EngagementConsumer {
    fn name(&self) -> &'static str {
        "note_stats.engagement"
    }

    fn log(&self) -> Log {
        Log::Domain
    }

    fn apply<'a>(&'a self, tx: &'a mut Tx, batch: &'a Batch) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let Batch::Domain(entries) = batch else { return Ok(()) };
            let deltas: Vec<(Id, i64, Counters)> = entries
                .iter()
                .filter_map(|(_, record)| {
                    domain_delta(&record.event).map(|(note, delta)| (note, stats::hour_of(record.created_at), delta))
                })
                .collect();
            stats::add(tx, &deltas).await?;
            Ok(())
        })
    }
}

/// Impressions, reads, clicks and share clicks from the behaviour log.
pub struct BehaviourConsumer;

impl Consumer for BehaviourConsumer {
    fn name(&self) -> &'static str {
        "note_stats.behaviour"
    }

    fn log(&self) -> Log {
        Log::Behaviour
    }

    fn apply<'a>(&'a self, tx: &'a mut Tx, batch: &'a Batch) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let Batch::Behaviour(entries) = batch else { return Ok(()) };
            let deltas: Vec<(Id, i64, Counters)> = entries
                .iter()
                .map(|e| (e.note_id, stats::hour_of(e.occurred_at), behaviour_delta(&e.kind, e.dwell_ms)))
                .collect();
            stats::add(tx, &deltas).await?;
            Ok(())
        })
    }
}

/// The consumers that keep note statistics.
pub fn consumers() -> Vec<Subscriber> {
    vec![Subscriber::Durable(Arc::new(EngagementConsumer)), Subscriber::Durable(Arc::new(BehaviourConsumer))]
}

/// Folds hours older than `hourly_days` into days, every hour.
pub struct RollUp {
    pub hourly_days: i64,
}

impl JobHandler for RollUp {
    fn kind(&self) -> &'static str {
        "stats.roll_up"
    }

    fn every(&self) -> Option<Duration> {
        Some(Duration::from_secs(3600))
    }

    fn run<'a>(&'a self, tx: &'a mut Tx, _job: &'a JobRecord) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let cutoff = tx.now().micros() - self.hourly_days * DAY_MICROS;
            let before = cutoff.div_euclid(DAY_MICROS) * DAY_MICROS;
            let folded = stats::roll_up_hours(tx, before).await?;
            tracing::info!(hours = folded, "rolled note statistics up into days");
            Ok(())
        })
    }
}

/// A note's statistics as its author sees them.
#[derive(Clone, Debug)]
pub struct NoteStatistics {
    pub note_id: Id,
    pub totals: Counters,
    pub ces: i64,
    /// The last 48 hours, oldest first (hours with no activity are absent).
    pub hourly: Vec<Bucket>,
    /// Rolled-up days of the last 90 days, oldest first.
    pub daily: Vec<Bucket>,
}

/// Reads note statistics for those allowed to see them.
#[derive(Clone)]
pub struct Statistics {
    db: Db,
    notes: Notes,
    pub weights: CesWeights,
}

impl Statistics {
    pub fn new(db: Db, notes: Notes, weights: CesWeights) -> Statistics {
        Statistics { db, notes, weights }
    }

    /// The note's statistics, if the caller writes for its author or may read the
    /// organization's analytics.
    pub async fn for_note(&self, caller: &Caller, note_id: Id) -> Result<NoteStatistics, Error> {
        self.notes.analytics_access(caller, note_id).await?;
        let mut conn = self.db.reader().await?;
        let totals = stats::totals(&mut conn, note_id).await?;
        let now = self.db.now().micros();
        let this_hour = stats::hour_of(Timestamp(now));
        let hourly =
            stats::hourly(&mut conn, note_id, this_hour - 47 * HOUR_MICROS, this_hour + HOUR_MICROS, 48).await?;
        let daily = stats::daily(&mut conn, note_id, now - 90 * DAY_MICROS, now + DAY_MICROS, 90).await?;
        Ok(NoteStatistics { note_id, ces: self.weights.score(&totals), totals, hourly, daily })
    }
}
