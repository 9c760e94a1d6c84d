//! Liking notes (once per member, counted exactly in the like's transaction) and
//! sharing them (every share counted).

use carmine_accounts::Caller;
use carmine_core::event::DomainEvent;
use carmine_core::{Id, Result};
use carmine_store::{likes, notes};

use crate::Notes;

impl Notes {
    /// Likes a visible, published note (again: no change). Returns the like count.
    pub async fn like(&self, caller: &Caller, note_id: Id) -> Result<i64> {
        let detail = self.engageable(caller, note_id).await?;
        let mut tx = self.db.begin().await?;
        crate::safety::ensure_not_blocked(tx.conn(), caller.user_id, detail.note.posted_by).await?;
        if likes::insert(&mut tx, caller.user_id, note_id).await? {
            crate::notifications::notify(&mut tx, detail.note.posted_by, "like", caller.user_id, Some(note_id), None)
                .await?;
            tx.emit(DomainEvent::NoteLiked { note_id, user_id: caller.user_id }).await?;
        }
        let count = notes::get(tx.conn(), note_id).await?.map_or(0, |n| n.like_count);
        tx.commit().await?;
        Ok(count)
    }

    /// Takes a like back (not liked: no change). Returns the like count.
    pub async fn unlike(&self, caller: &Caller, note_id: Id) -> Result<i64> {
        self.get(Some(caller), note_id).await?;
        let mut tx = self.db.begin().await?;
        if likes::delete(&mut tx, caller.user_id, note_id).await? {
            tx.emit(DomainEvent::NoteUnliked { note_id, user_id: caller.user_id }).await?;
        }
        let count = notes::get(tx.conn(), note_id).await?.map_or(0, |n| n.like_count);
        tx.commit().await?;
        Ok(count)
    }

    /// Counts a share of a visible, published note; returns the share count.
    pub async fn share(&self, caller: &Caller, note_id: Id) -> Result<i64> {
        self.engageable(caller, note_id).await?;
        let mut tx = self.db.begin().await?;
        let count = notes::add_share(&mut tx, note_id).await?;
        tx.emit(DomainEvent::NoteShared { note_id, user_id: caller.user_id }).await?;
        tx.commit().await?;
        Ok(count)
    }

    pub async fn likes(&self, caller: Option<&Caller>, note_id: Id) -> Result<bool> {
        match caller {
            Some(caller) => Ok(likes::exists(&mut *self.db.reader().await?, caller.user_id, note_id).await?),
            None => Ok(false),
        }
    }
}
