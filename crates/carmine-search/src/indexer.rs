//! The consumer that keeps the index current: `search.index` follows the domain log
//! and, per batch, re-reads every note and actor the batch touched (publish, edit,
//! moderation, deletion, engagement; sign-up, profile, suspension, follows; products,
//! their stock, their store's suspension or name) from the
//! database and writes them — or their absence — in one commit carrying the batch's
//! last position. Re-reading makes each change idempotent, so replaying a stretch of
//! the log after a crash leaves the same index.

use std::collections::BTreeSet;
use std::sync::Arc;

use carmine_core::event::DomainEvent;
use carmine_core::{Error, Id};
use carmine_events::statistics::domain_delta;
use carmine_events::{Batch, MemoryConsumer, consumer::BoxFuture};
use carmine_store::log::Log;
use carmine_store::{Conn, search};

use crate::index::{Changes, SearchIndex};

pub const CONSUMER: &str = "search.index";
/// Notes re-read per query when an author's name changes.
const AUTHOR_PAGE: u32 = 1_000;

pub(crate) struct Indexer(pub(crate) Arc<SearchIndex>);

/// What one batch touched.
#[derive(Default)]
struct Touched {
    notes: BTreeSet<Id>,
    actors: BTreeSet<Id>,
    /// Actors whose name changed: their notes carry it.
    authors: BTreeSet<Id>,
    products: BTreeSet<Id>,
    /// Stores suspended, reinstated or renamed: their products follow.
    stores: BTreeSet<Id>,
}

impl Touched {
    fn add(&mut self, event: &DomainEvent) {
        if let Some((note, _)) = domain_delta(event) {
            self.notes.insert(note);
        }
        match event {
            DomainEvent::NotePublished { note_id, .. }
            | DomainEvent::NoteUpdated { note_id, .. }
            | DomainEvent::NoteDeleted { note_id, .. } => {
                self.notes.insert(*note_id);
            }
            DomainEvent::ReportResolved { target_kind, target_id, .. } if target_kind == "note" => {
                self.notes.insert(*target_id);
            }
            DomainEvent::UserSignedUp { user_id, .. }
            | DomainEvent::UserSuspended { user_id, .. }
            | DomainEvent::UserUnsuspended { user_id, .. } => {
                self.actors.insert(*user_id);
            }
            DomainEvent::ProfileUpdated { user_id } | DomainEvent::UserDeleted { user_id } => {
                self.actors.insert(*user_id);
                self.authors.insert(*user_id);
            }
            DomainEvent::OrgCreated { org_id, .. } | DomainEvent::OrgVerificationDecided { org_id, .. } => {
                self.actors.insert(*org_id);
            }
            DomainEvent::OrgUpdated { org_id, .. } => {
                self.actors.insert(*org_id);
                self.authors.insert(*org_id);
            }
            DomainEvent::ActorFollowed { followee_id, .. } | DomainEvent::ActorUnfollowed { followee_id, .. } => {
                self.actors.insert(*followee_id);
            }
            DomainEvent::ProductChanged { product_id, .. } | DomainEvent::StockChanged { product_id, .. } => {
                self.products.insert(*product_id);
            }
            DomainEvent::StoreUpdated { store_id } | DomainEvent::StoreSuspensionChanged { store_id, .. } => {
                self.stores.insert(*store_id);
            }
            _ => {}
        }
    }
}

impl MemoryConsumer for Indexer {
    fn name(&self) -> &'static str {
        CONSUMER
    }

    fn log(&self) -> Log {
        Log::Domain
    }

    fn start_position(&self) -> i64 {
        self.0.position()
    }

    fn apply<'a>(&'a self, conn: &'a mut Conn, batch: &'a Batch) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let Batch::Domain(entries) = batch else { return Ok(()) };
            let Some(last) = batch.last_position() else { return Ok(()) };
            let mut touched = Touched::default();
            for (_, record) in entries {
                touched.add(&record.event);
            }
            for author in std::mem::take(&mut touched.authors) {
                let mut after = Id::from_i64(0);
                loop {
                    let ids = search::note_ids_by_author(conn, author, after, AUTHOR_PAGE).await?;
                    let Some(&next) = ids.last() else { break };
                    touched.notes.extend(ids);
                    after = next;
                }
            }
            for store in std::mem::take(&mut touched.stores) {
                let mut after = Id::from_i64(0);
                loop {
                    let ids = search::product_ids_by_store(conn, store, after, AUTHOR_PAGE).await?;
                    let Some(&next) = ids.last() else { break };
                    touched.products.extend(ids);
                    after = next;
                }
            }
            let changes = read(conn, &touched).await?;
            let index = self.0.clone();
            tokio::task::spawn_blocking(move || index.write(changes, last))
                .await
                .map_err(|e| Error::internal(format!("search index write: {e}")))?
        })
    }
}

async fn read(conn: &mut Conn, touched: &Touched) -> Result<Changes, Error> {
    let mut changes = Changes::default();
    for &id in &touched.notes {
        match search::note(conn, id).await? {
            Some(note) => changes.notes.push(note),
            None => changes.gone_notes.push(id),
        }
    }
    for &id in &touched.actors {
        match search::actor_document(conn, id).await? {
            Some(actor) => changes.actors.push(actor),
            None => changes.gone_actors.push(id),
        }
    }
    for &id in &touched.products {
        match search::product(conn, id).await? {
            Some(product) => changes.products.push(product),
            None => changes.gone_products.push(id),
        }
    }
    Ok(changes)
}
