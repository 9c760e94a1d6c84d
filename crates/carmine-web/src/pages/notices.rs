//! The notices pages show after a successful form (`?done=key`), and the "why am I
//! seeing this" line of feed cards, in the request's language (`notice-*` and
//! `reason-*` in `locales/`). Unknown notice keys show nothing, so a crafted link
//! cannot put words on our pages.

use crate::i18n::Locale;

/// The notices a `?done=` may name.
pub(crate) const NOTICES: &[&str] = &[
    "profile_saved",
    "password_changed",
    "token_revoked",
    "session_ended",
    "account_deleted",
    "logged_out",
    "org_created",
    "org_saved",
    "invitation_accepted",
    "invitation_declined",
    "member_invited",
    "invitation_revoked",
    "role_changed",
    "member_removed",
    "left_org",
    "verification_requested",
    "user_suspended",
    "user_unsuspended",
    "verification_approved",
    "verification_rejected",
    "history_forgotten",
    "term_hidden",
    "term_shown",
    "interests_saved",
    "note_published",
    "note_drafted",
    "note_scheduled",
    "note_unscheduled",
    "note_edited",
    "note_deleted",
    "comment_added",
    "comment_deleted",
    "notifications_read",
    "note_saved",
    "note_unsaved",
    "board_created",
    "board_deleted",
    "report_sent",
    "report_resolved",
    "blocked",
    "unblocked",
    "muted",
    "unmuted",
    "note_shared",
    "job_retried",
    "payout_account_saved",
    "payout_requested",
    "payout_cancelled",
    "payouts_sent",
    "gift_sent",
    "gift_insufficient_funds",
    "gift_invalid_amount",
    "gift_blocked",
    "gift_failed",
    "topic_followed",
    "topic_unfollowed",
    "avatar_saved",
    "avatar_removed",
];

/// Notices that say something did not happen: shown as an error, not a success.
pub(crate) const REFUSALS: &[&str] = &["gift_insufficient_funds", "gift_invalid_amount", "gift_blocked", "gift_failed"];

/// Whether a `?done=` names a notice of any context.
pub(crate) fn refused(key: &str) -> bool {
    REFUSALS.contains(&key) || super::orders::REFUSALS.contains(&key)
}

pub(crate) fn known(key: &str) -> bool {
    NOTICES.contains(&key)
        || super::commerce::NOTICES.contains(&key)
        || super::orders::NOTICES.contains(&key)
        || super::ads::NOTICES.contains(&key)
}

pub(crate) fn text(key: &str) -> Option<String> {
    known(key).then(|| Locale::current().text(&format!("notice-{key}")))
}

/// The "why am I seeing this" line under a feed card.
pub(crate) fn feed_reason(reason: &carmine_feed::Reason) -> String {
    use carmine_feed::{Reason, Tally};
    let locale = Locale::current();
    let with_topic = |plain: &str, within: &str, topic: &Option<String>| match topic {
        Some(topic) => locale.text_with(within, &[("topic", topic.as_str().into())]),
        None => locale.text(plain),
    };
    match reason {
        Reason::Following => locale.text("reason-following"),
        Reason::Tally { topic, tally, count } => {
            let tally = match tally {
                Tally::Liked => "liked",
                Tally::Saved => "saved",
                Tally::Commented => "commented",
                Tally::Read => "read",
            };
            let count = i64::from(*count);
            locale.text_with(
                "reason-tally",
                &[("tally", tally.into()), ("count", count.into()), ("topic", topic.as_str().into())],
            )
        }
        Reason::Picked { topic } => locale.text_with("reason-picked", &[("topic", topic.as_str().into())]),
        Reason::Neighbours => locale.text("reason-neighbours"),
        Reason::NewNote { topic } => with_topic("reason-new", "reason-new-in", topic),
        Reason::Rising { topic } => with_topic("reason-rising", "reason-rising-in", topic),
        Reason::Popular { topic } => with_topic("reason-popular", "reason-popular-in", topic),
        Reason::Newest => locale.text("reason-newest"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_notice_and_reason_reads_in_both_languages() {
        for locale in Locale::ALL {
            for key in NOTICES.iter().chain(super::super::commerce::NOTICES) {
                let text = locale.sync_scope(|| text(key)).unwrap();
                assert!(!text.starts_with("notice-"), "{key} missing in {}", locale.tag());
            }
        }
        assert_eq!(text("not_a_notice"), None);
        let tally = carmine_feed::Reason::Tally { topic: "tea".into(), tally: carmine_feed::Tally::Saved, count: 1 };
        assert_eq!(Locale::En.sync_scope(|| feed_reason(&tally)), "Because you saved a note about #tea");
        assert_eq!(Locale::ZhCn.sync_scope(|| feed_reason(&tally)), "你收藏过 1 篇 #tea 笔记");
        let new = carmine_feed::Reason::NewNote { topic: Some("早安".into()) };
        assert_eq!(Locale::En.sync_scope(|| feed_reason(&new)), "New in #早安: you are among its first readers");
        let popular = carmine_feed::Reason::Popular { topic: Some("咖啡".into()) };
        assert_eq!(Locale::ZhCn.sync_scope(|| feed_reason(&popular)), "#咖啡 热门");
        let popular = carmine_feed::Reason::Popular { topic: None };
        assert_eq!(Locale::En.sync_scope(|| feed_reason(&popular)), "Popular with readers right now");
    }
}
