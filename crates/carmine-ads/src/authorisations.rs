//! A creator's permission for an organization to advertise one of their notes.
//!
//! Only the note's member author grants or revokes, from the note's menu; the grant
//! names the organization by handle. A revoked grant stops the organization's ads of
//! that note from serving at once (serving reads the grant, `Delivery`), and new ads
//! of it are refused with `creative_not_authorised`.

use carmine_accounts::Caller;
use carmine_accounts::orgs::OrgAction;
use carmine_core::event::DomainEvent;
use carmine_core::limits::AD_AUTHORISATIONS_PER_NOTE_MAX;
use carmine_core::{Error, ErrorCode, Id, Result};
use carmine_store::ads::{self as rows, AuthorisationRecord};
use carmine_store::notes::{self, NoteRecord};
use carmine_store::orgs;

use crate::Ads;

impl Ads {
    /// The note, if the caller is its member author (404 when they may not see it,
    /// 403 when they may).
    async fn own_note(&self, caller: &Caller, note_id: Id) -> Result<NoteRecord> {
        let note = notes::get(&mut *self.db.reader().await?, note_id).await?.ok_or(ErrorCode::NoteNotFound)?;
        if note.author_id == caller.user_id {
            return Ok(note);
        }
        let public = note.status == "published" && note.visibility == "public";
        Err(Error::new(if public { ErrorCode::Forbidden } else { ErrorCode::NoteNotFound }))
    }

    /// The organizations the caller authorised to advertise their note.
    pub async fn authorisations(&self, caller: &Caller, note_id: Id) -> Result<(NoteRecord, Vec<AuthorisationRecord>)> {
        let note = self.own_note(caller, note_id).await?;
        let list =
            rows::authorisations_of_note(&mut *self.db.reader().await?, note_id, AD_AUTHORISATIONS_PER_NOTE_MAX as u32)
                .await?;
        Ok((note, list))
    }

    /// Authorises the organization `org_handle` to advertise the caller's note.
    pub async fn authorise(&self, caller: &Caller, note_id: Id, org_handle: &str) -> Result<Vec<AuthorisationRecord>> {
        let note = self.own_note(caller, note_id).await?;
        if note.status != "published" {
            return Err(Error::new(ErrorCode::NoteNotPublished));
        }
        if note.visibility != "public" || note.moderation != "none" {
            return Err(Error::new(ErrorCode::NoteNotAdvertisable));
        }
        let mut tx = self.db.begin().await?;
        let org = orgs::get_by_handle(tx.conn(), &org_handle.trim().to_ascii_lowercase())
            .await?
            .ok_or(ErrorCode::OrgNotFound)?;
        let current =
            rows::authorisations_of_note(tx.conn(), note_id, AD_AUTHORISATIONS_PER_NOTE_MAX as u32 + 1).await?;
        if !current.iter().any(|a| a.org_id == org.id) {
            if current.len() as i64 >= AD_AUTHORISATIONS_PER_NOTE_MAX {
                return Err(Error::new(ErrorCode::AdsLimitReached));
            }
            rows::grant(&mut tx, note_id, org.id, caller.user_id).await?;
            tx.emit(DomainEvent::AdAuthorisationChanged { note_id, org_id: org.id, granted: true }).await?;
        }
        let list = rows::authorisations_of_note(tx.conn(), note_id, AD_AUTHORISATIONS_PER_NOTE_MAX as u32).await?;
        tx.commit().await?;
        self.invalidate();
        Ok(list)
    }

    /// Revokes an organization's authorisation for the caller's note.
    pub async fn revoke(&self, caller: &Caller, note_id: Id, org_handle: &str) -> Result<Vec<AuthorisationRecord>> {
        self.own_note(caller, note_id).await?;
        let mut tx = self.db.begin().await?;
        let org = orgs::get_by_handle(tx.conn(), &org_handle.trim().to_ascii_lowercase())
            .await?
            .ok_or(ErrorCode::OrgNotFound)?;
        if rows::revoke(&mut tx, note_id, org.id).await? {
            tx.emit(DomainEvent::AdAuthorisationChanged { note_id, org_id: org.id, granted: false }).await?;
        }
        let list = rows::authorisations_of_note(tx.conn(), note_id, AD_AUTHORISATIONS_PER_NOTE_MAX as u32).await?;
        tx.commit().await?;
        self.invalidate();
        Ok(list)
    }

    /// Notes creators authorised the organization `handle` to advertise, newest grants
    /// first (those still published and public).
    pub async fn authorised_notes(&self, caller: &Caller, handle: &str, limit: u32) -> Result<Vec<NoteRecord>> {
        let org = self.advertiser(caller, handle, OrgAction::ViewAds).await?;
        let mut conn = self.db.reader().await?;
        let mut out = Vec::new();
        for id in rows::notes_authorised_for(&mut conn, org.id, limit).await? {
            let note = notes::get(&mut conn, id).await?;
            out.extend(note.filter(|n| n.status == "published" && n.visibility == "public"));
        }
        Ok(out)
    }
}
