//! Search events and members' search history.
//!
//! Every search asked through the API or the pages is recorded as a `searched` event
//! in the domain log (query, results count, sort, filters, page), the raw material of
//! trending, search ads and insights; clicks and impressions on results are behaviour
//! events naming the `search_id`. A search is a read, so its event is not written in
//! the request: searches are buffered and written together at least once a second (or
//! every [`FLUSH_AT`]) in one transaction that also updates the searchers' history. A
//! crash loses at most the last second of search events; the buffer is bounded
//! ([`BUFFER_MAX`]: past it, events are dropped and counted, never blocking a search).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use carmine_core::event::DomainEvent;
use carmine_core::limits::SEARCH_HISTORY_MAX;
use carmine_core::{Error, Id, Timestamp};
use carmine_store::{Db, search};
use tokio::task::JoinHandle;

/// Searches buffered before a write is started at once.
pub const FLUSH_AT: usize = 500;
/// Searches buffered at most (the database is unreachable): later ones are dropped.
pub const BUFFER_MAX: usize = 20_000;
const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// One search, as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Searched {
    pub search_id: Id,
    pub user_id: Option<Id>,
    /// Normalized (`analyzer::normalize_query`).
    pub query: String,
    pub results: u64,
    pub relaxed: bool,
    pub sort: &'static str,
    pub filtered: bool,
    pub page: u32,
    pub at: Timestamp,
}

/// The buffer of searches not yet written. Cheap to clone.
#[derive(Clone)]
pub struct Journal {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    pending: Mutex<Vec<Searched>>,
    /// Serializes writers, so history is written in search order.
    writing: tokio::sync::Mutex<()>,
    dropped: AtomicU64,
}

impl Journal {
    pub fn new(db: Db) -> Journal {
        Journal {
            inner: Arc::new(Inner {
                db,
                pending: Mutex::new(Vec::new()),
                writing: tokio::sync::Mutex::new(()),
                dropped: AtomicU64::new(0),
            }),
        }
    }

    /// Buffers a search; a full buffer starts a write in the background.
    pub fn record(&self, searched: Searched) {
        let full = {
            let mut pending = self.inner.pending.lock().expect("the journal lock is never poisoned");
            if pending.len() >= BUFFER_MAX {
                self.inner.dropped.fetch_add(1, Ordering::Relaxed);
                return;
            }
            pending.push(searched);
            pending.len() >= FLUSH_AT
        };
        if full {
            let journal = self.clone();
            tokio::spawn(async move { journal.flush_logged().await });
        }
    }

    /// Searches dropped because the buffer was full.
    pub fn dropped(&self) -> u64 {
        self.inner.dropped.load(Ordering::Relaxed)
    }

    /// Writes every buffered search: the events and the members' history, in one
    /// transaction. On failure the searches go back to the buffer.
    pub async fn flush(&self) -> Result<usize, Error> {
        let _writing = self.inner.writing.lock().await;
        let batch = std::mem::take(&mut *self.inner.pending.lock().expect("the journal lock is never poisoned"));
        if batch.is_empty() {
            return Ok(0);
        }
        match self.write(&batch).await {
            Ok(()) => Ok(batch.len()),
            Err(e) => {
                let mut pending = self.inner.pending.lock().expect("the journal lock is never poisoned");
                let room = BUFFER_MAX.saturating_sub(pending.len());
                let kept = batch.len().min(room);
                self.inner.dropped.fetch_add((batch.len() - kept) as u64, Ordering::Relaxed);
                pending.splice(0..0, batch.into_iter().take(kept));
                Err(e)
            }
        }
    }

    async fn flush_logged(&self) {
        if let Err(e) = self.flush().await {
            tracing::warn!(error = %e, "writing search events failed; they stay buffered");
        }
    }

    async fn write(&self, batch: &[Searched]) -> Result<(), Error> {
        let mut tx = self.inner.db.begin().await?;
        for s in batch {
            if let Some(user_id) = s.user_id.filter(|_| s.page == 0 && !s.query.is_empty()) {
                search::remember(&mut tx, user_id, &s.query, s.at, SEARCH_HISTORY_MAX).await?;
            }
            tx.emit(DomainEvent::Searched {
                search_id: s.search_id,
                user_id: s.user_id,
                query: s.query.clone(),
                results: s.results,
                relaxed: s.relaxed,
                sort: s.sort.to_owned(),
                filtered: s.filtered,
                page: s.page,
                searched_at: s.at,
            })
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Writes the buffer every second until the handle is dropped or aborted.
    pub fn start(&self) -> JoinHandle<()> {
        let journal = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(FLUSH_EVERY).await;
                journal.flush_logged().await;
            }
        })
    }

    /// A member's searches, the latest first.
    pub async fn history(&self, user_id: Id) -> Result<Vec<(String, Timestamp)>, Error> {
        self.flush().await?;
        Ok(search::history(&mut *self.inner.db.reader().await?, user_id, SEARCH_HISTORY_MAX).await?)
    }

    /// Forgets one search (`Some`, normalized like the history) or the whole history.
    pub async fn forget(&self, user_id: Id, query: Option<String>) -> Result<u64, Error> {
        self.flush().await?;
        let mut tx = self.inner.db.begin().await?;
        let forgotten = search::forget(&mut tx, user_id, query.as_deref()).await?;
        if forgotten > 0 {
            tx.emit(DomainEvent::SearchHistoryForgotten { user_id, query }).await?;
        }
        tx.commit().await?;
        Ok(forgotten)
    }
}
