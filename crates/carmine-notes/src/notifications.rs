//! Notifications for likes, comments, replies, mentions and follows, written in the
//! transaction of the action that causes them; read and unread.

use carmine_accounts::Caller;
use carmine_core::event::DomainEvent;
use carmine_core::{Id, Result};
use carmine_store::Tx;
use carmine_store::notifications::{self, NewNotification, NotificationRecord};

use crate::Notes;

/// A page of notifications, newest first.
#[derive(Clone, Debug)]
pub struct NotificationPage {
    pub items: Vec<NotificationRecord>,
    pub next: Option<Id>,
}

/// Notifies `recipient` unless they did it themselves.
pub(crate) async fn notify(
    tx: &mut Tx,
    recipient: Id,
    kind: &'static str,
    actor: Id,
    note_id: Option<Id>,
    comment_id: Option<Id>,
) -> Result<()> {
    if recipient != actor && !crate::safety::muted(tx.conn(), recipient, actor).await? {
        notifications::insert(
            tx,
            &NewNotification {
                recipient_id: recipient,
                kind,
                actor_id: actor,
                note_id,
                comment_id,
                coins: None,
                at: None,
            },
        )
        .await?;
    }
    Ok(())
}

/// Tells a creator someone sent them a gift (from the data plane, as the ledger's
/// `GiftSent` arrives: the gift's own transaction belongs to the ledger). Muted senders
/// are not announced.
pub async fn notify_gift(
    tx: &mut Tx,
    (from, to, coins): (Id, Id, i64),
    note_id: Option<Id>,
    sent_at: carmine_core::Timestamp,
) -> Result<()> {
    if from != to && !crate::safety::muted(tx.conn(), to, from).await? {
        let gift = NewNotification {
            recipient_id: to,
            kind: "gift",
            actor_id: from,
            note_id,
            comment_id: None,
            coins: Some(coins),
            at: Some(sent_at),
        };
        notifications::insert(tx, &gift).await?;
    }
    Ok(())
}

pub(crate) async fn notify_mentions(
    tx: &mut Tx,
    actor: Id,
    mentioned: &[Id],
    note_id: Id,
    comment_id: Option<Id>,
) -> Result<()> {
    for user_id in mentioned {
        notify(tx, *user_id, "mention", actor, Some(note_id), comment_id).await?;
    }
    Ok(())
}

impl Notes {
    pub async fn notifications(&self, caller: &Caller, before: Option<Id>, limit: u32) -> Result<NotificationPage> {
        let mut items = notifications::list(&mut *self.db.reader().await?, caller.user_id, before, limit + 1).await?;
        let more = items.len() > limit as usize;
        items.truncate(limit as usize);
        let next = if more { items.last().map(|n| n.id) } else { None };
        Ok(NotificationPage { items, next })
    }

    pub async fn unread_notifications(&self, caller: &Caller) -> Result<i64> {
        Ok(notifications::count_unread(&mut *self.db.reader().await?, caller.user_id).await?)
    }

    /// Marks notifications read up to `up_to` (all when `None`); returns how many.
    pub async fn mark_notifications_read(&self, caller: &Caller, up_to: Option<Id>) -> Result<u64> {
        let mut tx = self.db.begin().await?;
        let count = notifications::mark_read(&mut tx, caller.user_id, up_to).await?;
        if count > 0 {
            tx.emit(DomainEvent::NotificationsRead { user_id: caller.user_id, count }).await?;
        }
        tx.commit().await?;
        Ok(count)
    }
}
