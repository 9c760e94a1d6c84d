//! Boards (named collections, public or private) and saving notes into them.

use carmine_accounts::Caller;
use carmine_core::event::DomainEvent;
use carmine_core::limits::{BOARD_NAME_CHARS_MAX, BOARDS_PER_MEMBER_MAX};
use carmine_core::text::bounded_text;
use carmine_core::{Error, ErrorCode, Id, Result};
use carmine_store::actors::ActorRecord;
use carmine_store::boards::{self, BoardRecord};
use carmine_store::notes::Position;
use carmine_store::users;

use crate::{NotePage, Notes};

fn board_visibility(raw: &str) -> Result<&'static str> {
    match raw {
        "public" => Ok("public"),
        "private" => Ok("private"),
        _ => Err(Error::invalid_field("visibility", "must be public or private")),
    }
}

impl Notes {
    pub async fn create_board(&self, caller: &Caller, name: &str, visibility: &str) -> Result<BoardRecord> {
        let name = bounded_text("name", name, 1, BOARD_NAME_CHARS_MAX, false)?;
        let visibility = board_visibility(visibility)?;
        let mut tx = self.db.begin().await?;
        users::lock(&mut tx, caller.user_id).await?;
        if boards::count_for_owner(tx.conn(), caller.user_id).await? >= BOARDS_PER_MEMBER_MAX {
            return Err(Error::invalid_field(
                "name",
                format!("a member may have at most {BOARDS_PER_MEMBER_MAX} boards"),
            ));
        }
        let id = boards::insert(&mut tx, caller.user_id, &name, visibility).await?;
        tx.emit(DomainEvent::BoardCreated { board_id: id, owner_id: caller.user_id }).await?;
        let board = boards::get(tx.conn(), id).await?.ok_or_else(|| Error::internal("board vanished"))?;
        tx.commit().await?;
        Ok(board)
    }

    /// A member's boards as the viewer may see them (private ones for the owner only).
    pub async fn boards_of(&self, viewer: Option<&Caller>, owner: &ActorRecord) -> Result<Vec<BoardRecord>> {
        let own = viewer.is_some_and(|v| v.user_id == owner.id);
        Ok(boards::list_for_owner(&mut *self.db.reader().await?, owner.id, own).await?)
    }

    /// A board the viewer may see: public, or their own.
    pub async fn board(&self, viewer: Option<&Caller>, id: Id) -> Result<BoardRecord> {
        let board = boards::get(&mut *self.db.reader().await?, id)
            .await?
            .ok_or_else(|| Error::new(ErrorCode::BoardNotFound))?;
        let own = viewer.is_some_and(|v| v.user_id == board.owner_id);
        if board.visibility != "public" && !own {
            return Err(Error::new(ErrorCode::BoardNotFound));
        }
        Ok(board)
    }

    /// The caller's own board: 404 if they may not see it, 403 if it is someone else's public one.
    pub async fn own_board(&self, caller: &Caller, id: Id) -> Result<BoardRecord> {
        let board = self.board(Some(caller), id).await?;
        if board.owner_id != caller.user_id {
            return Err(Error::new(ErrorCode::Forbidden));
        }
        Ok(board)
    }

    pub async fn update_board(
        &self,
        caller: &Caller,
        id: Id,
        name: Option<&str>,
        visibility: Option<&str>,
    ) -> Result<BoardRecord> {
        let board = self.own_board(caller, id).await?;
        let name = match name {
            Some(name) => bounded_text("name", name, 1, BOARD_NAME_CHARS_MAX, false)?,
            None => board.name.clone(),
        };
        let visibility = board_visibility(visibility.unwrap_or(&board.visibility))?;
        let mut tx = self.db.begin().await?;
        boards::update(&mut tx, id, &name, visibility).await?;
        tx.emit(DomainEvent::BoardUpdated { board_id: id, owner_id: caller.user_id }).await?;
        let board = boards::get(tx.conn(), id).await?.ok_or_else(|| Error::new(ErrorCode::BoardNotFound))?;
        tx.commit().await?;
        Ok(board)
    }

    /// Deletes a board; its notes stay saved, in the default "Saved".
    pub async fn delete_board(&self, caller: &Caller, id: Id) -> Result<()> {
        self.own_board(caller, id).await?;
        let mut tx = self.db.begin().await?;
        boards::delete(&mut tx, id).await?;
        tx.emit(DomainEvent::BoardDeleted { board_id: id, owner_id: caller.user_id }).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Saves a visible, published note into one of the caller's boards (or the default);
    /// saving again moves it; `via_ad` names the ad whose sponsored card brought it. Returns the
    /// note's save count.
    pub async fn save(&self, caller: &Caller, note_id: Id, board_id: Option<Id>, via_ad: Option<Id>) -> Result<i64> {
        let detail = self.engageable(caller, note_id).await?;
        if let Some(board_id) = board_id {
            let board = boards::get(&mut *self.db.reader().await?, board_id).await?;
            if board.is_none_or(|b| b.owner_id != caller.user_id) {
                return Err(Error::new(ErrorCode::BoardNotFound));
            }
        }
        let mut tx = self.db.begin().await?;
        crate::safety::ensure_not_blocked(tx.conn(), caller.user_id, detail.note.posted_by).await?;
        if boards::save(&mut tx, caller.user_id, note_id, board_id).await? {
            crate::notifications::notify(&mut tx, detail.note.posted_by, "save", caller.user_id, Some(note_id), None)
                .await?;
            tx.emit(DomainEvent::NoteSaved { note_id, user_id: caller.user_id, board_id, via_ad }).await?;
        } else {
            tx.emit(DomainEvent::NoteSaveMoved { note_id, user_id: caller.user_id, board_id }).await?;
        }
        let count = carmine_store::notes::get(tx.conn(), note_id).await?.map_or(0, |n| n.save_count);
        tx.commit().await?;
        Ok(count)
    }

    pub async fn unsave(&self, caller: &Caller, note_id: Id) -> Result<i64> {
        self.get(Some(caller), note_id).await?;
        let mut tx = self.db.begin().await?;
        if boards::unsave(&mut tx, caller.user_id, note_id).await? {
            tx.emit(DomainEvent::NoteUnsaved { note_id, user_id: caller.user_id }).await?;
        }
        let count = carmine_store::notes::get(tx.conn(), note_id).await?.map_or(0, |n| n.save_count);
        tx.commit().await?;
        Ok(count)
    }

    /// Where the caller saved a note: `None` not saved, `Some(None)` the default board.
    pub async fn saved_in(&self, caller: Option<&Caller>, note_id: Id) -> Result<Option<Option<Id>>> {
        match caller {
            Some(caller) => Ok(boards::saved_in(&mut *self.db.reader().await?, caller.user_id, note_id).await?),
            None => Ok(None),
        }
    }

    /// The notes of a board (`None`: the owner's default "Saved", which only they see).
    pub async fn board_notes(
        &self,
        viewer: Option<&Caller>,
        owner_id: Id,
        board_id: Option<Id>,
        before: Option<Position>,
        limit: u32,
    ) -> Result<NotePage> {
        match board_id {
            Some(id) => {
                self.board(viewer, id).await?;
            }
            None if viewer.is_some_and(|v| v.user_id == owner_id) => {}
            None => return Err(Error::new(ErrorCode::BoardNotFound)),
        }
        let viewer_id = viewer.map_or(Id::from_i64(0), |v| v.user_id);
        let mut conn = self.db.reader().await?;
        let mut notes = boards::notes(&mut conn, owner_id, board_id, viewer_id, before, limit + 1).await?;
        let more = notes.len() > limit as usize;
        notes.truncate(limit as usize);
        let next = match notes.last().filter(|_| more) {
            Some(last) => boards::saved_at(&mut conn, owner_id, last.id).await?.map(|at| (at, last.id.as_i64())),
            None => None,
        };
        Ok(NotePage { notes, next })
    }
}
