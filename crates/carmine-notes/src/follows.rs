//! Following members and organizations.

use carmine_accounts::Caller;
use carmine_core::event::DomainEvent;
use carmine_core::{Error, ErrorCode, Id, Result};
use carmine_store::actors::{self, ActorRecord};
use carmine_store::follows::{self, FollowEntry};

use crate::Notes;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FollowCounts {
    pub followers: i64,
    pub following: i64,
}

impl Notes {
    pub async fn actor(&self, handle: &str) -> Result<ActorRecord> {
        actors::get_by_handle(&mut *self.db.reader().await?, &handle.to_ascii_lowercase())
            .await?
            .ok_or_else(|| Error::new(ErrorCode::ActorNotFound))
    }

    /// Follows an actor; following again changes nothing. `from_note` names the
    /// actor's note that led to it (a note the caller may see), for its statistics;
    /// `via_ad` names the ad of that note whose card brought it.
    pub async fn follow(
        &self,
        caller: &Caller,
        handle: &str,
        from_note: Option<Id>,
        via_ad: Option<Id>,
    ) -> Result<ActorRecord> {
        let actor = self.actor(handle).await?;
        if actor.id == caller.user_id {
            return Err(Error::new(ErrorCode::CannotFollowSelf));
        }
        if let Some(note_id) = from_note {
            let by_actor = match self.get(Some(caller), note_id).await {
                Ok(detail) => detail.note.author_id == actor.id,
                Err(e) if e.code == ErrorCode::NoteNotFound => false,
                Err(e) => return Err(e),
            };
            if !by_actor {
                return Err(Error::invalid_field("from_note", "not a note of the actor you follow"));
            }
        }
        let mut tx = self.db.begin().await?;
        crate::safety::ensure_not_blocked(tx.conn(), caller.user_id, actor.id).await?;
        if follows::insert(&mut tx, caller.user_id, actor.id).await? {
            if actor.kind == "member" {
                crate::notifications::notify(&mut tx, actor.id, "follow", caller.user_id, None, None).await?;
            }
            tx.emit(DomainEvent::ActorFollowed {
                follower_id: caller.user_id,
                followee_id: actor.id,
                from_note,
                via_ad,
            })
            .await?;
        }
        tx.commit().await?;
        Ok(actor)
    }

    /// Stops following; not following changes nothing.
    pub async fn unfollow(&self, caller: &Caller, handle: &str) -> Result<ActorRecord> {
        let actor = self.actor(handle).await?;
        let mut tx = self.db.begin().await?;
        if follows::delete(&mut tx, caller.user_id, actor.id).await? {
            tx.emit(DomainEvent::ActorUnfollowed { follower_id: caller.user_id, followee_id: actor.id }).await?;
        }
        tx.commit().await?;
        Ok(actor)
    }

    pub async fn is_following(&self, caller: Option<&Caller>, actor_id: Id) -> Result<bool> {
        match caller {
            Some(caller) => Ok(follows::exists(&mut *self.db.reader().await?, caller.user_id, actor_id).await?),
            None => Ok(false),
        }
    }

    pub async fn follow_counts(&self, actor_id: Id) -> Result<FollowCounts> {
        let (followers, following) = follows::counts(&mut *self.db.reader().await?, actor_id).await?;
        Ok(FollowCounts { followers, following })
    }
}

impl Notes {
    /// Who follows an actor, newest first (a page and the position of the next).
    pub async fn followers(
        &self,
        actor_id: Id,
        before: Option<i64>,
        limit: u32,
    ) -> Result<(Vec<FollowEntry>, Option<i64>)> {
        let rows = follows::followers(&mut *self.db.reader().await?, actor_id, before, limit + 1).await?;
        Ok(paged(rows, limit))
    }

    /// Whom a member follows, newest first.
    pub async fn following_list(
        &self,
        user_id: Id,
        before: Option<i64>,
        limit: u32,
    ) -> Result<(Vec<FollowEntry>, Option<i64>)> {
        let rows = follows::following(&mut *self.db.reader().await?, user_id, before, limit + 1).await?;
        Ok(paged(rows, limit))
    }
}

fn paged(mut rows: Vec<FollowEntry>, limit: u32) -> (Vec<FollowEntry>, Option<i64>) {
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = if more { rows.last().map(|e| e.since) } else { None };
    (rows, next)
}
