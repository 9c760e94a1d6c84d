//! Liking notes and comments (once per member, counted exactly in the like's
//! transaction) and sharing notes (every share counted).

use carmine_accounts::Caller;
use carmine_core::event::DomainEvent;
use carmine_core::{Error, ErrorCode, Id, Result};
use carmine_store::{comment_likes, likes, notes};

use crate::Notes;

impl Notes {
    /// Likes a visible, published note (again: no change); `via_ad` names the ad
    /// whose sponsored card brought it. Returns the like count.
    pub async fn like(&self, caller: &Caller, note_id: Id, via_ad: Option<Id>) -> Result<i64> {
        let detail = self.engageable(caller, note_id).await?;
        let mut tx = self.db.begin().await?;
        crate::safety::ensure_not_blocked(tx.conn(), caller.user_id, detail.note.posted_by).await?;
        if likes::insert(&mut tx, caller.user_id, note_id).await? {
            crate::notifications::notify(&mut tx, detail.note.posted_by, "like", caller.user_id, Some(note_id), None)
                .await?;
            tx.emit(DomainEvent::NoteLiked { note_id, user_id: caller.user_id, via_ad }).await?;
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

    /// Counts a share of a visible, published note (`via_ad` names the ad whose
    /// sponsored card brought it); returns the share count.
    pub async fn share(&self, caller: &Caller, note_id: Id, via_ad: Option<Id>) -> Result<i64> {
        self.engageable(caller, note_id).await?;
        let mut tx = self.db.begin().await?;
        let count = notes::add_share(&mut tx, note_id).await?;
        tx.emit(DomainEvent::NoteShared { note_id, user_id: caller.user_id, via_ad }).await?;
        tx.commit().await?;
        Ok(count)
    }

    /// Likes a comment on a note the caller may see (again: no change); its author is
    /// notified. Returns the comment's like count.
    pub async fn like_comment(&self, caller: &Caller, comment_id: Id) -> Result<i64> {
        let comment = self.visible_comment(caller, comment_id).await?;
        let mut tx = self.db.begin().await?;
        crate::safety::ensure_not_blocked(tx.conn(), caller.user_id, comment.author_id).await?;
        if comment_likes::insert(&mut tx, caller.user_id, comment_id).await? {
            crate::notifications::notify(
                &mut tx,
                comment.author_id,
                "comment_like",
                caller.user_id,
                Some(comment.note_id),
                Some(comment_id),
            )
            .await?;
            tx.emit(DomainEvent::CommentLiked { comment_id, note_id: comment.note_id, user_id: caller.user_id })
                .await?;
        }
        let count = comment_likes::count(tx.conn(), comment_id).await?;
        tx.commit().await?;
        Ok(count)
    }

    /// Takes a comment like back (not liked: no change). Returns the like count.
    pub async fn unlike_comment(&self, caller: &Caller, comment_id: Id) -> Result<i64> {
        let comment = self.visible_comment(caller, comment_id).await?;
        let mut tx = self.db.begin().await?;
        if comment_likes::delete(&mut tx, caller.user_id, comment_id).await? {
            tx.emit(DomainEvent::CommentUnliked { comment_id, note_id: comment.note_id, user_id: caller.user_id })
                .await?;
        }
        let count = comment_likes::count(tx.conn(), comment_id).await?;
        tx.commit().await?;
        Ok(count)
    }

    /// Which of `comments` the caller liked.
    pub async fn liked_comments(&self, caller: Option<&Caller>, comments: &[Id]) -> Result<Vec<Id>> {
        match caller {
            Some(caller) => {
                Ok(comment_likes::liked_among(&mut *self.db.reader().await?, caller.user_id, comments).await?)
            }
            None => Ok(Vec::new()),
        }
    }

    /// A comment that is not deleted, on a published note the caller may see (else
    /// `comment_not_found`: a stranger learns nothing).
    async fn visible_comment(&self, caller: &Caller, comment_id: Id) -> Result<carmine_store::comments::CommentRecord> {
        let not_found = || Error::new(ErrorCode::CommentNotFound);
        let comment = carmine_store::comments::get(&mut *self.db.reader().await?, comment_id)
            .await?
            .filter(|c| !c.deleted)
            .ok_or_else(not_found)?;
        self.engageable(caller, comment.note_id).await.map_err(|_| not_found())?;
        Ok(comment)
    }

    pub async fn likes(&self, caller: Option<&Caller>, note_id: Id) -> Result<bool> {
        match caller {
            Some(caller) => Ok(likes::exists(&mut *self.db.reader().await?, caller.user_id, note_id).await?),
            None => Ok(false),
        }
    }
}
