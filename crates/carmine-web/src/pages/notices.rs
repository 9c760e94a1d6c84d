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
        "note_published" => "Your note is published.",
        "note_drafted" => "Your draft is saved; only you can see it.",
        "note_edited" => "Your changes are saved.",
        "note_deleted" => "The note is deleted.",
        "comment_added" => "Your comment is posted.",
        "comment_deleted" => "The comment is deleted.",
        "notifications_read" => "All caught up.",
        "note_saved" => "Saved.",
        "note_unsaved" => "Removed from your saves.",
        "board_created" => "The board is created.",
        "board_deleted" => "The board is deleted; its notes stay in Saved.",
        _ => return None,
    })
}
