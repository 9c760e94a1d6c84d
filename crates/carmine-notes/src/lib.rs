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

mod follows;
mod notes;

pub use follows::FollowCounts;
pub use notes::{NoteChange, NoteDetail, NoteInput, NotePage, Visibility};

use carmine_accounts::Accounts;
use carmine_store::Db;
use carmine_store::notes::NoteRecord;

/// The notes service: one per process, cheap to clone.
#[derive(Clone)]
pub struct Notes {
    db: Db,
    accounts: Accounts,
}

impl Notes {
    pub fn new(db: Db, accounts: Accounts) -> Self {
        Notes { db, accounts }
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
