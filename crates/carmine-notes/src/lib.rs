//! The notes context: notes (images + text) owned by an actor — a member, or an
//! organization whose staff post for it — with topics, mentions, visibility,
//! drafts, edits and tombstones; and follows, which decide who sees followers-only
//! and moderated notes.
//!
//! Visibility, in one place ([`can_see`]): insiders (the author, or staff of the
//! authoring organization) see everything; others see published notes that are public
//! (and unmoderated), or followers-only/moderated ones when they follow the author.
//! A note someone may not see does not exist for them (404).
//!
//! Must never: know HTTP, or reach into engagement (likes, comments) — that context
//! builds on this one.

mod boards;
mod comments;
mod follows;
mod likes;
mod notes;
pub mod notifications;
pub mod safety;
pub mod scheduling;

pub use comments::{CommentPage, CommentThread};
pub use follows::FollowCounts;
pub use notes::{ErasedContent, NoteChange, NoteDetail, NoteInput, NotePage, Visibility};
pub use notifications::NotificationPage;

use std::sync::Arc;

use carmine_accounts::Accounts;
use carmine_core::ratelimit::{KeyedLimiter, Quota};
use carmine_core::{Error, ErrorCode, Id, Result};
use carmine_store::Db;
use carmine_store::notes::NoteRecord;

/// How often a member may post notes and comments.
#[derive(Clone, Debug)]
pub struct NotesConfig {
    pub notes_per_member: Quota,
    pub comments_per_member: Quota,
}

impl Default for NotesConfig {
    fn default() -> Self {
        NotesConfig {
            // 10 notes at once, then one every 3 minutes.
            notes_per_member: Quota::new(10, 180_000),
            // 20 comments at once, then one every 15 seconds.
            comments_per_member: Quota::new(20, 15_000),
        }
    }
}

/// The notes service: one per process, cheap to clone.
#[derive(Clone)]
pub struct Notes {
    db: Db,
    accounts: Accounts,
    note_limiter: Arc<KeyedLimiter>,
    comment_limiter: Arc<KeyedLimiter>,
}

impl Notes {
    pub fn new(db: Db, accounts: Accounts, config: NotesConfig) -> Self {
        Notes {
            db,
            accounts,
            note_limiter: Arc::new(KeyedLimiter::new(config.notes_per_member, 100_000)),
            comment_limiter: Arc::new(KeyedLimiter::new(config.comments_per_member, 100_000)),
        }
    }

    /// Uses one unit of a member's allowance, or says how long to wait.
    fn throttle(&self, limiter: &KeyedLimiter, user_id: Id) -> Result<()> {
        limiter.hit(&user_id.to_string(), self.db.now()).map_err(|seconds| {
            Error::new(ErrorCode::RateLimited).with_details(serde_json::json!({ "retry_after_seconds": seconds }))
        })
    }
}

/// Whether a viewer may see a note, given whether they follow its author and whether
/// they write for it.
pub fn can_see(note: &NoteRecord, follower: bool, insider: bool) -> bool {
    if insider {
        return true;
    }
    if note.status != "published" {
        return false;
    }
    match note.visibility.as_str() {
        "public" => note.moderation == "none" || follower,
        "followers" => follower,
        _ => false,
    }
}
