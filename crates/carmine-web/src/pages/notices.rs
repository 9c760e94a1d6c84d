//! The notices pages show after a successful form (`?done=key`). Unknown keys show
//! nothing, so a crafted link cannot put words on our pages.

pub(crate) fn text(key: &str) -> Option<&'static str> {
    Some(match key {
        "profile_saved" => "Your profile is saved.",
        "password_changed" => "Your password is changed; your other sessions were logged out.",
        "token_revoked" => "The token is revoked.",
        "session_ended" => "That session is logged out.",
        "account_deleted" => "Your account is deleted. Goodbye!",
        "logged_out" => "You are logged out.",
        "org_created" => "The organization is created; you are its owner.",
        "org_saved" => "The organization's profile is saved.",
        "invitation_accepted" => "Welcome aboard: you joined the organization.",
        "invitation_declined" => "The invitation is declined.",
        "member_invited" => "The invitation is sent.",
        "invitation_revoked" => "The invitation is withdrawn.",
        "role_changed" => "The role is changed.",
        "member_removed" => "The member is removed.",
        "left_org" => "You left the organization.",
        "verification_requested" => "Verification requested; an administrator will review it.",
        "user_suspended" => "The member is suspended and logged out everywhere.",
        "user_unsuspended" => "The member is reinstated.",
        "verification_approved" => "The organization is verified.",
        "verification_rejected" => "The request is rejected.",
        "history_forgotten" => "Forgotten.",
        "term_hidden" => "The term is hidden from trending searches and suggestions.",
        "term_shown" => "The term shows again.",
        "interests_saved" => "Your interests are saved: your feed follows them from now on.",
        "note_published" => "Your note is published.",
        "note_drafted" => "Your draft is saved; only you can see it.",
        "note_scheduled" => "Your note is scheduled: it publishes itself at the time you chose.",
        "note_unscheduled" => "The schedule is removed; the note stays a draft.",
        "note_edited" => "Your changes are saved.",
        "note_deleted" => "The note is deleted.",
        "comment_added" => "Your comment is posted.",
        "comment_deleted" => "The comment is deleted.",
        "notifications_read" => "All caught up.",
        "note_saved" => "Saved.",
        "note_unsaved" => "Removed from your saves.",
        "board_created" => "The board is created.",
        "board_deleted" => "The board is deleted; its notes stay in Saved.",
        "report_sent" => "Thank you: the report is with our moderators.",
        "report_resolved" => "Decided, and written to the audit log.",
        "blocked" => "Blocked. Neither of you can contact the other.",
        "unblocked" => "Unblocked.",
        "muted" => "Muted: you will not see them or hear from them.",
        "unmuted" => "Unmuted.",
        "note_shared" => "Shared: pass on this page's address.",
        "job_retried" => "The job is back in line and runs shortly.",
        "payout_account_saved" => "Your payout account is saved.",
        "payout_requested" => "Withdrawal requested: the amount is held and goes out with the next payout batch.",
        "payout_cancelled" => "The withdrawal is cancelled; the amount is available again.",
        "payouts_sent" => "The payout batch is sent.",
        "gift_sent" => "Your gift is on its way. Thank you for supporting a creator!",
        "gift_insufficient_funds" => "Not enough coins for that gift: buy more in your wallet.",
        "gift_invalid_amount" => "A gift is 1 to 100,000 whole coins.",
        "gift_blocked" => "You cannot send gifts to this member.",
        "gift_failed" => "The gift was not sent.",
        _ => return None,
    })
}

/// The "why am I seeing this" line under a feed card.
pub(crate) fn feed_reason(reason: &carmine_feed::Reason) -> String {
    use carmine_feed::{Reason, Tally};
    let topic = |t: &Option<String>| t.as_ref().map(|t| format!(" in #{t}")).unwrap_or_default();
    match reason {
        Reason::Following => "From someone you follow".to_owned(),
        Reason::Tally { topic, tally, count } => {
            let verb = match tally {
                Tally::Liked => "liked",
                Tally::Saved => "saved",
                Tally::Commented => "commented on",
                Tally::Read => "read",
            };
            let notes = if *count == 1 { "note" } else { "notes" };
            format!("Because you {verb} {count} {notes} about #{topic}")
        }
        Reason::Picked { topic } => format!("Because you picked #{topic}"),
        Reason::Neighbours => "People who saved notes you liked also liked this".to_owned(),
        Reason::NewNote { topic: t } => format!("New{}: you are among its first readers", topic(t)),
        Reason::Rising { topic: t } => format!("Rising{} today", topic(t)),
        Reason::Popular => "Popular with readers right now".to_owned(),
        Reason::Newest => "Just posted".to_owned(),
    }
}
