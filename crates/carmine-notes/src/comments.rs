//! Threaded comments on notes: replies to a comment join its thread; `@mentions`
//! notify; the author of the comment, or an insider of the note, may delete it.

use carmine_accounts::Caller;
use carmine_core::event::DomainEvent;
use carmine_core::limits::{COMMENT_CHARS_MAX, REPLIES_SHOWN_MAX};
use carmine_core::text::{bounded_text, parse_mentions};
use carmine_core::{Error, ErrorCode, Id, Result};
use carmine_store::comments::{self, CommentRecord};
use carmine_store::users;

use crate::Notes;

/// A top-level comment and the first of its replies.
#[derive(Clone, Debug)]
pub struct CommentThread {
    pub comment: CommentRecord,
    pub replies: Vec<CommentRecord>,
}

#[derive(Clone, Debug)]
pub struct CommentPage {
    pub threads: Vec<CommentThread>,
    pub next: Option<Id>,
}

impl Notes {
    /// Comments on a visible, published note, or replies to one of its comments;
    /// `via_ad` names the ad whose sponsored card brought it.
    pub async fn comment(
        &self,
        caller: &Caller,
        note_id: Id,
        parent_id: Option<Id>,
        body: &str,
        via_ad: Option<Id>,
    ) -> Result<CommentRecord> {
        let body = bounded_text("body", body, 1, COMMENT_CHARS_MAX, true)?;
        let detail = self.engageable(caller, note_id).await?;
        let mut tx = self.db.begin().await?;
        crate::safety::ensure_not_blocked(tx.conn(), caller.user_id, detail.note.posted_by).await?;
        let parent = match parent_id {
            Some(parent_id) => {
                let parent = comments::get(tx.conn(), parent_id)
                    .await?
                    .filter(|c| c.note_id == note_id && !c.deleted)
                    .ok_or_else(|| Error::new(ErrorCode::CommentNotFound))?;
                Some(parent)
            }
            None => None,
        };
        if let Some(parent) = &parent {
            crate::safety::ensure_not_blocked(tx.conn(), caller.user_id, parent.author_id).await?;
        }
        let mut mentioned = Vec::new();
        for name in parse_mentions(&body).into_iter().take(carmine_core::limits::NOTE_MENTIONS_MAX) {
            if let Some(user) = users::get_by_username(tx.conn(), &name).await? {
                mentioned.push(user.id);
            }
        }
        crate::safety::ensure_mentionable(tx.conn(), caller.user_id, &mentioned).await?;
        // Every refusal is decided; only now does the comment count against the rate limit.
        self.throttle(&self.comment_limiter, caller.user_id)?;
        let thread = parent.as_ref().map(|p| (p.id, p.root_id.unwrap_or(p.id)));
        let id = comments::insert(&mut tx, note_id, caller.user_id, thread, &body).await?;
        let notify = crate::notifications::notify;
        match &parent {
            Some(parent) => notify(&mut tx, parent.author_id, "reply", caller.user_id, Some(note_id), Some(id)).await?,
            None => notify(&mut tx, detail.note.posted_by, "comment", caller.user_id, Some(note_id), Some(id)).await?,
        }
        crate::notifications::notify_mentions(&mut tx, caller.user_id, &mentioned, note_id, Some(id)).await?;
        tx.emit(DomainEvent::CommentAdded { comment_id: id, note_id, author_id: caller.user_id, parent_id, via_ad })
            .await?;
        let comment = comments::get(tx.conn(), id).await?.ok_or_else(|| Error::internal("comment vanished"))?;
        tx.commit().await?;
        Ok(comment)
    }

    /// Top-level comments newest first, each with its first replies.
    pub async fn comments(
        &self,
        viewer: Option<&Caller>,
        note_id: Id,
        before: Option<Id>,
        limit: u32,
    ) -> Result<CommentPage> {
        self.get(viewer, note_id).await?;
        let mut conn = self.db.reader().await?;
        let mut roots = comments::list_roots(&mut conn, note_id, before, limit + 1).await?;
        let more = roots.len() > limit as usize;
        roots.truncate(limit as usize);
        let next = if more { roots.last().map(|c| c.id) } else { None };
        if let Some(viewer) = viewer {
            let hidden = crate::safety::hidden_authors(&mut conn, viewer.user_id).await?;
            roots.retain(|c| !hidden.contains(&c.author_id));
        }
        let ids: Vec<Id> = roots.iter().map(|c| c.id).collect();
        let mut replies = comments::list_replies(&mut conn, note_id, &ids, REPLIES_SHOWN_MAX).await?;
        if let Some(viewer) = viewer {
            let hidden = crate::safety::hidden_authors(&mut conn, viewer.user_id).await?;
            replies.retain(|c| !hidden.contains(&c.author_id));
        }
        let threads = roots
            .into_iter()
            .map(|comment| {
                let (mine, rest): (Vec<_>, Vec<_>) = replies.drain(..).partition(|r| r.root_id == Some(comment.id));
                replies = rest;
                CommentThread { comment, replies: mine }
            })
            .collect();
        Ok(CommentPage { threads, next })
    }

    /// Deletes a comment: its author may, and so may whoever writes for the note.
    /// Returns the note it was on.
    pub async fn delete_comment(&self, caller: &Caller, comment_id: Id) -> Result<Id> {
        let comment = comments::get(&mut *self.db.reader().await?, comment_id)
            .await?
            .filter(|c| !c.deleted)
            .ok_or_else(|| Error::new(ErrorCode::CommentNotFound))?;
        let detail =
            self.get(Some(caller), comment.note_id).await.map_err(|_| Error::new(ErrorCode::CommentNotFound))?;
        if comment.author_id != caller.user_id && !detail.editable {
            return Err(Error::new(ErrorCode::Forbidden));
        }
        let mut tx = self.db.begin().await?;
        if comments::tombstone(&mut tx, comment_id, comment.note_id).await? {
            tx.emit(DomainEvent::CommentDeleted { comment_id, note_id: comment.note_id }).await?;
        }
        tx.commit().await?;
        Ok(comment.note_id)
    }
}
