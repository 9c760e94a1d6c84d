//! Notices that follow from other contexts' log entries, written by the data plane:
//! a creator hears about a gift once the ledger's `GiftSent` is committed (the gift's
//! transaction belongs to the ledger's group-commit writer, which knows nothing of
//! notifications). Applied in the transaction that moves the consumer's checkpoint, so
//! each gift notifies exactly once, across crashes and restarts.

use carmine_core::Error;
use carmine_core::event::DomainEvent;
use carmine_store::Tx;
use carmine_store::log::Log;

use crate::consumer::{Batch, BoxFuture, Consumer};

pub struct GiftNotices;

impl Consumer for GiftNotices {
    fn name(&self) -> &'static str {
        "notes.gift_notices"
    }

    fn log(&self) -> Log {
        Log::Domain
    }

    fn apply<'a>(&'a self, tx: &'a mut Tx, batch: &'a Batch) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let Batch::Domain(entries) = batch else { return Ok(()) };
            for (_, record) in entries {
                if let DomainEvent::GiftSent { from, to, coins, note_id } = &record.event {
                    let gift = (*from, *to, *coins);
                    carmine_notes::notifications::notify_gift(tx, gift, *note_id, record.created_at).await?;
                }
            }
            Ok(())
        })
    }
}
