//! Trust and safety: members report notes, comments and members; administrators
//! decide (remove, limit to followers, suspend, dismiss), each decision closing the
//! target's open reports and written to the audit log in one transaction. Members
//! block (no contact either way) and mute (no sight, no notifications) others.

use std::collections::HashSet;

use carmine_accounts::Caller;
use carmine_accounts::admin::Operator;
use carmine_core::event::DomainEvent;
use carmine_core::limits::DECISION_REASON_CHARS_MAX;
use carmine_core::text::bounded_text;
use carmine_core::{Error, ErrorCode, Id, Result};
use carmine_store::safety::{self, NewReport, ReportRecord};
use carmine_store::{Conn, audit, comments, follows, notes, users};
use serde_json::json;

use crate::Notes;

pub const REPORT_REASONS: &[&str] = &["spam", "harassment", "inappropriate", "misinformation", "other"];
const REPORT_DETAILS_CHARS_MAX: usize = 1_000;

/// What an administrator decides about a report's target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Delete the note or comment.
    Remove,
    /// Limit the note to its author's followers.
    Limit,
    /// Suspend the author (or the reported member).
    Suspend,
    Dismiss,
}

impl Decision {
    pub fn parse(raw: &str) -> Result<Decision> {
        match raw {
            "remove" => Ok(Decision::Remove),
            "limit" => Ok(Decision::Limit),
            "suspend" => Ok(Decision::Suspend),
            "dismiss" => Ok(Decision::Dismiss),
            _ => Err(Error::invalid_field("action", "must be one of remove, limit, suspend, dismiss")),
        }
    }

    fn recorded_as(self) -> &'static str {
        match self {
            Decision::Remove => "removed",
            Decision::Limit => "limited",
            Decision::Suspend => "suspended",
            Decision::Dismiss => "dismissed",
        }
    }
}

impl Notes {
    /// Files a report on something the caller can see; reporting it again while the
    /// first is open returns the first.
    pub async fn report(
        &self,
        caller: &Caller,
        target_kind: &str,
        target_id: Id,
        reason: &str,
        details: &str,
    ) -> Result<ReportRecord> {
        if !REPORT_REASONS.contains(&reason) {
            return Err(Error::invalid_field(
                "reason",
                "must be one of spam, harassment, inappropriate, misinformation, other",
            ));
        }
        let details = bounded_text("details", details, 0, REPORT_DETAILS_CHARS_MAX, true)?;
        match target_kind {
            "note" => {
                self.get(Some(caller), target_id).await?;
            }
            "comment" => {
                let comment = comments::get(&mut *self.db.reader().await?, target_id)
                    .await?
                    .filter(|c| !c.deleted)
                    .ok_or_else(|| Error::new(ErrorCode::CommentNotFound))?;
                self.get(Some(caller), comment.note_id).await.map_err(|_| Error::new(ErrorCode::CommentNotFound))?;
            }
            "member" => {
                users::get(&mut *self.db.reader().await?, target_id)
                    .await?
                    .filter(|u| u.deleted_at.is_none())
                    .ok_or_else(|| Error::new(ErrorCode::UserNotFound))?;
            }
            _ => return Err(Error::invalid_field("target_kind", "must be note, comment or member")),
        }
        let mut tx = self.db.begin().await?;
        if let Some(existing) = safety::open_report_by(tx.conn(), caller.user_id, target_kind, target_id).await? {
            return Ok(existing);
        }
        let report = NewReport { reporter_id: caller.user_id, target_kind, target_id, reason, details: &details };
        let id = safety::insert_report(&mut tx, &report).await?;
        tx.emit(DomainEvent::ReportFiled { report_id: id, target_kind: target_kind.to_owned(), target_id }).await?;
        let record = safety::get_report(tx.conn(), id).await?.ok_or_else(|| Error::internal("report vanished"))?;
        tx.commit().await?;
        Ok(record)
    }

    /// The admin queue: open reports, oldest first.
    pub async fn open_reports(&self, caller: &Caller, after: Option<Id>, limit: u32) -> Result<Vec<ReportRecord>> {
        admin_only(caller)?;
        Ok(safety::list_reports(&mut *self.db.reader().await?, "open", after, limit).await?)
    }

    /// Decides a report: acts on its target, closes every open report on that target,
    /// and records the decision in the audit log — all in one transaction.
    pub async fn resolve_report(&self, caller: &Caller, report_id: Id, decision: Decision, reason: &str) -> Result<()> {
        admin_only(caller)?;
        let reason = bounded_text(
            "reason",
            reason,
            usize::from(decision != Decision::Dismiss),
            DECISION_REASON_CHARS_MAX,
            true,
        )?;
        let report = safety::get_report(&mut *self.db.reader().await?, report_id)
            .await?
            .ok_or_else(|| Error::new(ErrorCode::ReportNotFound))?;
        if report.status != "open" {
            return Err(Error::new(ErrorCode::ReportClosed));
        }
        let kind = report.target_kind.as_str();
        let mut tx = self.db.begin().await?;
        let author = match kind {
            "note" => notes::get(tx.conn(), report.target_id).await?.map(|n| n.posted_by),
            "comment" => comments::get(tx.conn(), report.target_id).await?.map(|c| c.author_id),
            _ => Some(report.target_id),
        };
        match (decision, kind) {
            (Decision::Remove, "note") => {
                if let Some(note) = notes::get(tx.conn(), report.target_id).await? {
                    notes::tombstone(&mut tx, note.id).await?;
                    tx.emit(DomainEvent::NoteDeleted { note_id: note.id, author_id: note.author_id }).await?;
                }
            }
            (Decision::Remove, "comment") => {
                if let Some(comment) = comments::get(tx.conn(), report.target_id).await?
                    && comments::tombstone(&mut tx, comment.id, comment.note_id).await?
                {
                    tx.emit(DomainEvent::CommentDeleted { comment_id: comment.id, note_id: comment.note_id }).await?;
                }
            }
            (Decision::Limit, "note") => {
                notes::set_moderation(&mut tx, report.target_id, "limited").await?;
            }
            (Decision::Suspend, _) => {
                let user = author.ok_or_else(|| Error::new(ErrorCode::UserNotFound))?;
                self.accounts.suspend_in(&mut tx, Operator::Admin(caller), user, &reason).await?;
            }
            (Decision::Dismiss, _) => {}
            (_, kind) => {
                return Err(Error::invalid_field("action", format!("that action does not apply to a {kind}")));
            }
        }
        if safety::resolve_target(&mut tx, kind, report.target_id, decision.recorded_as(), caller.user_id).await? == 0 {
            return Err(Error::new(ErrorCode::ReportClosed));
        }
        let details = json!({ "report_id": report_id, "decision": decision.recorded_as(), "reason": reason });
        audit::record(&mut tx, Some(caller.user_id), "resolve_report", kind, report.target_id, &details).await?;
        tx.emit(DomainEvent::ReportResolved {
            target_kind: kind.to_owned(),
            target_id: report.target_id,
            decision: decision.recorded_as().to_owned(),
            admin_id: caller.user_id,
        })
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn member(&self, caller: &Caller, handle: &str) -> Result<Id> {
        let actor = self.actor(handle).await?;
        if actor.kind != "member" {
            return Err(Error::new(ErrorCode::UserNotFound));
        }
        if actor.id == caller.user_id {
            return Err(Error::new(ErrorCode::CannotBlockSelf));
        }
        Ok(actor.id)
    }

    /// Blocks a member: follows between you end, and neither can follow, comment on,
    /// like, save or mention the other.
    pub async fn block(&self, caller: &Caller, handle: &str) -> Result<()> {
        let other = self.member(caller, handle).await?;
        let mut tx = self.db.begin().await?;
        if safety::insert_block(&mut tx, caller.user_id, other).await? {
            follows::delete(&mut tx, caller.user_id, other).await?;
            follows::delete(&mut tx, other, caller.user_id).await?;
            tx.emit(DomainEvent::MemberBlocked { blocker_id: caller.user_id, blocked_id: other }).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn unblock(&self, caller: &Caller, handle: &str) -> Result<()> {
        let other = self.member(caller, handle).await?;
        let mut tx = self.db.begin().await?;
        if safety::delete_block(&mut tx, caller.user_id, other).await? {
            tx.emit(DomainEvent::MemberUnblocked { blocker_id: caller.user_id, blocked_id: other }).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Mutes a member: their notes and comments are hidden from you and they no longer notify you.
    pub async fn mute(&self, caller: &Caller, handle: &str) -> Result<()> {
        let other = self.member(caller, handle).await?;
        let mut tx = self.db.begin().await?;
        if safety::insert_mute(&mut tx, caller.user_id, other).await? {
            tx.emit(DomainEvent::MemberMuted { muter_id: caller.user_id, muted_id: other }).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn unmute(&self, caller: &Caller, handle: &str) -> Result<()> {
        let other = self.member(caller, handle).await?;
        let mut tx = self.db.begin().await?;
        if safety::delete_mute(&mut tx, caller.user_id, other).await? {
            tx.emit(DomainEvent::MemberUnmuted { muter_id: caller.user_id, muted_id: other }).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// (blocked either way, muted by the viewer) for a profile page.
    pub async fn relation(&self, viewer: Option<&Caller>, other: Id) -> Result<(bool, bool)> {
        let Some(viewer) = viewer else { return Ok((false, false)) };
        let mut conn = self.db.reader().await?;
        Ok((
            safety::block_exists(&mut conn, viewer.user_id, other).await?,
            safety::mute_exists(&mut conn, viewer.user_id, other).await?,
        ))
    }
}

fn admin_only(caller: &Caller) -> Result<()> {
    if caller.is_admin { Ok(()) } else { Err(Error::new(ErrorCode::AdminOnly)) }
}

/// Refuses contact between members when either blocked the other.
pub(crate) async fn ensure_not_blocked(conn: &mut Conn, a: Id, b: Id) -> Result<()> {
    if a != b && safety::blocked_either_way(conn, a, b).await? {
        return Err(Error::new(ErrorCode::Blocked));
    }
    Ok(())
}

/// Refuses mentioning someone either side blocked.
pub(crate) async fn ensure_mentionable(conn: &mut Conn, author: Id, mentioned: &[Id]) -> Result<()> {
    for user in mentioned {
        if safety::blocked_either_way(conn, author, *user).await? {
            return Err(Error::new(ErrorCode::MentionBlocked).with_details(json!({ "field": "body" })));
        }
    }
    Ok(())
}

/// Whether `recipient` muted `actor` (then they are not notified).
pub(crate) async fn muted(conn: &mut Conn, recipient: Id, actor: Id) -> Result<bool> {
    Ok(safety::mute_exists(conn, recipient, actor).await?)
}

/// Members whose notes and comments the viewer does not see: blocked either way, or muted.
pub(crate) async fn hidden_authors(conn: &mut Conn, viewer: Id) -> Result<HashSet<Id>> {
    Ok(safety::hidden_for(conn, viewer).await?.into_iter().collect())
}
