//! The catalogue of domain events written to the outbox.
//!
//! Every state-changing transaction appends one of these in the same transaction
//! (store's `outbox::append`). Consumers (search, feed, rollups, webhooks) read them
//! later, so a variant's name and fields are a contract: add fields with defaults,
//! add variants, never rename. Session bookkeeping (the last-seen time) is the one
//! write that is not an event.

use serde::{Deserialize, Serialize};

use crate::id::Id;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DomainEvent {
    UserSignedUp {
        user_id: Id,
        username: String,
    },
    UserLoggedIn {
        user_id: Id,
        session_id: Id,
    },
    UserLoggedOut {
        user_id: Id,
        session_id: Id,
    },
    PasswordChanged {
        user_id: Id,
        sessions_ended: u64,
    },
    ProfileUpdated {
        user_id: Id,
    },
    ApiTokenCreated {
        user_id: Id,
        token_id: Id,
    },
    ApiTokenRevoked {
        user_id: Id,
        token_id: Id,
    },
    UserDataExported {
        user_id: Id,
    },
    UserDeleted {
        user_id: Id,
    },
    PasswordResetByAdmin {
        user_id: Id,
        admin_id: Id,
    },
    UserSuspended {
        user_id: Id,
        admin_id: Id,
    },
    UserUnsuspended {
        user_id: Id,
        admin_id: Id,
    },
    UserMadeAdmin {
        user_id: Id,
    },
    UserAdminRevoked {
        user_id: Id,
    },
    OrgCreated {
        org_id: Id,
        owner_id: Id,
        handle: String,
    },
    OrgUpdated {
        org_id: Id,
        by_user_id: Id,
    },
    OrgMemberInvited {
        org_id: Id,
        invitation_id: Id,
        user_id: Id,
        role: String,
    },
    OrgInvitationAnswered {
        org_id: Id,
        invitation_id: Id,
        user_id: Id,
        accepted: bool,
    },
    OrgInvitationRevoked {
        org_id: Id,
        invitation_id: Id,
    },
    OrgMemberRoleChanged {
        org_id: Id,
        user_id: Id,
        role: String,
    },
    OrgMemberRemoved {
        org_id: Id,
        user_id: Id,
    },
    OrgVerificationRequested {
        org_id: Id,
        request_id: Id,
    },
    OrgVerificationDecided {
        org_id: Id,
        request_id: Id,
        approved: bool,
        admin_id: Id,
    },
    MediaUploaded {
        media_id: Id,
        owner_id: Id,
    },
    /// The uploader said what an image shows (its alt text).
    MediaDescribed {
        media_id: Id,
    },
    NoteDrafted {
        note_id: Id,
        author_id: Id,
    },
    NotePublished {
        note_id: Id,
        author_id: Id,
    },
    NoteUpdated {
        note_id: Id,
        author_id: Id,
    },
    NoteDeleted {
        note_id: Id,
        author_id: Id,
    },
    ActorFollowed {
        follower_id: Id,
        followee_id: Id,
        /// The note that led to the follow (counts towards that note's CES).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from_note: Option<Id>,
        /// The ad whose sponsored card brought it (the request carried its token):
        /// paid engagement, counted for the note and the ad, kept out of what
        /// decides organic reach.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        via_ad: Option<Id>,
    },
    ActorUnfollowed {
        follower_id: Id,
        followee_id: Id,
    },
    NoteLiked {
        note_id: Id,
        user_id: Id,
        /// The ad whose sponsored card brought it (the request carried its token):
        /// paid engagement, counted for the note and the ad, kept out of what
        /// decides organic reach.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        via_ad: Option<Id>,
    },
    NoteUnliked {
        note_id: Id,
        user_id: Id,
    },
    CommentAdded {
        comment_id: Id,
        note_id: Id,
        author_id: Id,
        parent_id: Option<Id>,
        /// The ad whose sponsored card brought it (the request carried its token):
        /// paid engagement, counted for the note and the ad, kept out of what
        /// decides organic reach.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        via_ad: Option<Id>,
    },
    CommentDeleted {
        comment_id: Id,
        note_id: Id,
    },
    CommentLiked {
        comment_id: Id,
        note_id: Id,
        user_id: Id,
    },
    CommentUnliked {
        comment_id: Id,
        note_id: Id,
        user_id: Id,
    },
    NotificationsRead {
        user_id: Id,
        count: u64,
    },
    NoteSaved {
        note_id: Id,
        user_id: Id,
        board_id: Option<Id>,
        /// The ad whose sponsored card brought it (the request carried its token):
        /// paid engagement, counted for the note and the ad, kept out of what
        /// decides organic reach.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        via_ad: Option<Id>,
    },
    NoteUnsaved {
        note_id: Id,
        user_id: Id,
    },
    BoardCreated {
        board_id: Id,
        owner_id: Id,
    },
    BoardUpdated {
        board_id: Id,
        owner_id: Id,
    },
    BoardDeleted {
        board_id: Id,
        owner_id: Id,
    },
    ReportFiled {
        report_id: Id,
        target_kind: String,
        target_id: Id,
    },
    ReportResolved {
        target_kind: String,
        target_id: Id,
        decision: String,
        admin_id: Id,
    },
    MemberBlocked {
        blocker_id: Id,
        blocked_id: Id,
    },
    MemberUnblocked {
        blocker_id: Id,
        blocked_id: Id,
    },
    MemberMuted {
        muter_id: Id,
        muted_id: Id,
    },
    MemberUnmuted {
        muter_id: Id,
        muted_id: Id,
    },
    NoteShared {
        note_id: Id,
        user_id: Id,
        /// The ad whose sponsored card brought it (the request carried its token):
        /// paid engagement, counted for the note and the ad, kept out of what
        /// decides organic reach.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        via_ad: Option<Id>,
    },
    /// A saved note moved to another of the member's boards (not a new save).
    NoteSaveMoved {
        note_id: Id,
        user_id: Id,
        board_id: Option<Id>,
    },
    /// A note was scheduled (or rescheduled) to publish itself at `publish_at`.
    NoteScheduled {
        note_id: Id,
        author_id: Id,
        publish_at: crate::Timestamp,
    },
    /// A note's schedule was removed; it stays a draft.
    NoteUnscheduled {
        note_id: Id,
        author_id: Id,
    },
    /// The member's picks in the interest picker (all of them, replacing earlier ones).
    InterestsPicked {
        user_id: Id,
        topics: Vec<String>,
    },
    /// A search was asked (written in batches shortly after; see carmine-search).
    Searched {
        search_id: Id,
        /// None: a signed-out visitor.
        user_id: Option<Id>,
        /// Folded, lowercased, spaces collapsed, at most 100 characters.
        query: String,
        results: u64,
        /// Nothing matched every word: the results match some.
        #[serde(default)]
        relaxed: bool,
        sort: String,
        /// A topic, time or media filter narrowed it.
        filtered: bool,
        /// 0 for the first page.
        page: u32,
        searched_at: crate::Timestamp,
    },
    SearchHistoryForgotten {
        user_id: Id,
        /// None: all of it.
        query: Option<String>,
    },
    SearchTermHidden {
        query: String,
        admin_id: Id,
    },
    SearchTermShown {
        query: String,
        admin_id: Id,
    },
    /// A member sent a creator coins (with the gift's transaction, carmine-ledger).
    GiftSent {
        from: Id,
        to: Id,
        coins: i64,
        note_id: Option<Id>,
    },
    /// A balanced ledger transaction was written (carmine-ledger).
    MoneyMoved {
        transaction_id: Id,
        kind: String,
        reference_kind: String,
        reference_id: Id,
    },
    /// A hold was placed, posted, voided or expired.
    HoldChanged {
        hold_id: Id,
        status: String,
    },
    /// A payment (a top-up) changed status.
    PaymentChanged {
        payment_id: Id,
        status: String,
    },
    RefundChanged {
        refund_id: Id,
        payment_id: Id,
        status: String,
    },
    PayoutAccountSet {
        owner_kind: String,
        owner_id: Id,
    },
    PayoutChanged {
        payout_id: Id,
        status: String,
    },
    /// The operator added or changed a category of the product tree (name, parent,
    /// commission rate, archived).
    CategoryChanged {
        category_id: Id,
        commission_bps: i64,
    },
    StoreOpened {
        store_id: Id,
        org_id: Id,
    },
    /// The store's settings, shipping templates or warehouses changed.
    StoreUpdated {
        store_id: Id,
    },
    /// The operator suspended (`suspended: true`) or reinstated a store.
    StoreSuspensionChanged {
        store_id: Id,
        suspended: bool,
    },
    /// A product was created or changed (fields, images, variants, prices, status).
    ProductChanged {
        product_id: Id,
        store_id: Id,
        status: String,
    },
    /// Stock on hand of some of a product's variants changed.
    StockChanged {
        product_id: Id,
        store_id: Id,
    },
    /// A note's product tags were set (`count` after the change).
    NoteProductsTagged {
        note_id: Id,
        count: u64,
    },
    /// Someone opened a product from a note's tag (an attribution checkout reads).
    ProductTagOpened {
        note_id: Id,
        product_id: Id,
    },
    /// The operator decided on a cross-border product's authenticity certificate.
    CertificateDecided {
        product_id: Id,
        verified: bool,
    },
    /// A member's address book changed.
    AddressChanged {
        address_id: Id,
        user_id: Id,
    },
    /// A store (`store_id`) or the platform (`None`) issued a coupon.
    CouponIssued {
        coupon_id: Id,
        store_id: Option<Id>,
    },
    CouponClaimed {
        coupon_id: Id,
        user_id: Id,
    },
    /// A store set (or ended) a limited-quantity sale price on a variant.
    SaleChanged {
        sale_id: Id,
        sku_id: Id,
    },
    /// A member put a variant in their cart at `quantity` (0: took it out).
    CartChanged {
        user_id: Id,
        sku_id: Id,
        quantity: i64,
    },
    /// A checkout placed an order group (one order per store, stock reserved).
    OrderGroupPlaced {
        group_id: Id,
        buyer_id: Id,
        total_minor: i64,
    },
    /// An order moved to `status` (paid, cancelled, shipped…).
    OrderChanged {
        order_id: Id,
        store_id: Id,
        status: String,
    },
    /// A buyer reviewed a product they received.
    ReviewPosted {
        review_id: Id,
        product_id: Id,
        store_id: Id,
        rating: i64,
    },
    /// An after-sale request was made or moved to `status`.
    AfterSaleChanged {
        after_sale_id: Id,
        order_id: Id,
        store_id: Id,
        status: String,
    },
    /// An advertiser created a campaign, changed it or moved it to `status`.
    AdCampaignChanged {
        campaign_id: Id,
        advertiser_id: Id,
        status: String,
    },
    /// An ad group was created, changed or moved to `status`.
    AdGroupChanged {
        group_id: Id,
        campaign_id: Id,
        status: String,
    },
    /// An ad was created, reviewed (`review_status`) or moved to `status`.
    AdChanged {
        ad_id: Id,
        group_id: Id,
        note_id: Id,
        review_status: String,
        status: String,
    },
    /// A creator authorised an organization to advertise a note, or revoked it.
    AdAuthorisationChanged {
        note_id: Id,
        org_id: Id,
        granted: bool,
    },
}

impl DomainEvent {
    /// The `type` tag, stored in its own column so consumers can filter cheaply.
    pub fn event_type(&self) -> &'static str {
        match self {
            DomainEvent::UserSignedUp { .. } => "user_signed_up",
            DomainEvent::UserLoggedIn { .. } => "user_logged_in",
            DomainEvent::UserLoggedOut { .. } => "user_logged_out",
            DomainEvent::PasswordChanged { .. } => "password_changed",
            DomainEvent::ProfileUpdated { .. } => "profile_updated",
            DomainEvent::ApiTokenCreated { .. } => "api_token_created",
            DomainEvent::ApiTokenRevoked { .. } => "api_token_revoked",
            DomainEvent::UserDataExported { .. } => "user_data_exported",
            DomainEvent::UserDeleted { .. } => "user_deleted",
            DomainEvent::PasswordResetByAdmin { .. } => "password_reset_by_admin",
            DomainEvent::UserSuspended { .. } => "user_suspended",
            DomainEvent::UserUnsuspended { .. } => "user_unsuspended",
            DomainEvent::UserMadeAdmin { .. } => "user_made_admin",
            DomainEvent::UserAdminRevoked { .. } => "user_admin_revoked",
            DomainEvent::OrgCreated { .. } => "org_created",
            DomainEvent::OrgUpdated { .. } => "org_updated",
            DomainEvent::OrgMemberInvited { .. } => "org_member_invited",
            DomainEvent::OrgInvitationAnswered { .. } => "org_invitation_answered",
            DomainEvent::OrgInvitationRevoked { .. } => "org_invitation_revoked",
            DomainEvent::OrgMemberRoleChanged { .. } => "org_member_role_changed",
            DomainEvent::OrgMemberRemoved { .. } => "org_member_removed",
            DomainEvent::OrgVerificationRequested { .. } => "org_verification_requested",
            DomainEvent::OrgVerificationDecided { .. } => "org_verification_decided",
            DomainEvent::MediaUploaded { .. } => "media_uploaded",
            DomainEvent::MediaDescribed { .. } => "media_described",
            DomainEvent::NoteDrafted { .. } => "note_drafted",
            DomainEvent::NotePublished { .. } => "note_published",
            DomainEvent::NoteUpdated { .. } => "note_updated",
            DomainEvent::NoteDeleted { .. } => "note_deleted",
            DomainEvent::ActorFollowed { .. } => "actor_followed",
            DomainEvent::ActorUnfollowed { .. } => "actor_unfollowed",
            DomainEvent::NoteLiked { .. } => "note_liked",
            DomainEvent::NoteUnliked { .. } => "note_unliked",
            DomainEvent::CommentAdded { .. } => "comment_added",
            DomainEvent::CommentDeleted { .. } => "comment_deleted",
            DomainEvent::CommentLiked { .. } => "comment_liked",
            DomainEvent::CommentUnliked { .. } => "comment_unliked",
            DomainEvent::NotificationsRead { .. } => "notifications_read",
            DomainEvent::NoteSaved { .. } => "note_saved",
            DomainEvent::NoteUnsaved { .. } => "note_unsaved",
            DomainEvent::BoardCreated { .. } => "board_created",
            DomainEvent::BoardUpdated { .. } => "board_updated",
            DomainEvent::BoardDeleted { .. } => "board_deleted",
            DomainEvent::ReportFiled { .. } => "report_filed",
            DomainEvent::ReportResolved { .. } => "report_resolved",
            DomainEvent::MemberBlocked { .. } => "member_blocked",
            DomainEvent::MemberUnblocked { .. } => "member_unblocked",
            DomainEvent::MemberMuted { .. } => "member_muted",
            DomainEvent::MemberUnmuted { .. } => "member_unmuted",
            DomainEvent::NoteShared { .. } => "note_shared",
            DomainEvent::NoteSaveMoved { .. } => "note_save_moved",
            DomainEvent::NoteScheduled { .. } => "note_scheduled",
            DomainEvent::NoteUnscheduled { .. } => "note_unscheduled",
            DomainEvent::InterestsPicked { .. } => "interests_picked",
            DomainEvent::Searched { .. } => "searched",
            DomainEvent::SearchHistoryForgotten { .. } => "search_history_forgotten",
            DomainEvent::SearchTermHidden { .. } => "search_term_hidden",
            DomainEvent::SearchTermShown { .. } => "search_term_shown",
            DomainEvent::MoneyMoved { .. } => "money_moved",
            DomainEvent::GiftSent { .. } => "gift_sent",
            DomainEvent::HoldChanged { .. } => "hold_changed",
            DomainEvent::PaymentChanged { .. } => "payment_changed",
            DomainEvent::RefundChanged { .. } => "refund_changed",
            DomainEvent::PayoutAccountSet { .. } => "payout_account_set",
            DomainEvent::PayoutChanged { .. } => "payout_changed",
            DomainEvent::CategoryChanged { .. } => "category_changed",
            DomainEvent::StoreOpened { .. } => "store_opened",
            DomainEvent::StoreUpdated { .. } => "store_updated",
            DomainEvent::StoreSuspensionChanged { .. } => "store_suspension_changed",
            DomainEvent::ProductChanged { .. } => "product_changed",
            DomainEvent::StockChanged { .. } => "stock_changed",
            DomainEvent::AddressChanged { .. } => "address_changed",
            DomainEvent::CartChanged { .. } => "cart_changed",
            DomainEvent::SaleChanged { .. } => "sale_changed",
            DomainEvent::CouponIssued { .. } => "coupon_issued",
            DomainEvent::CouponClaimed { .. } => "coupon_claimed",
            DomainEvent::OrderGroupPlaced { .. } => "order_group_placed",
            DomainEvent::OrderChanged { .. } => "order_changed",
            DomainEvent::AfterSaleChanged { .. } => "after_sale_changed",
            DomainEvent::ReviewPosted { .. } => "review_posted",
            DomainEvent::CertificateDecided { .. } => "certificate_decided",
            DomainEvent::NoteProductsTagged { .. } => "note_products_tagged",
            DomainEvent::ProductTagOpened { .. } => "product_tag_opened",
            DomainEvent::AdCampaignChanged { .. } => "ad_campaign_changed",
            DomainEvent::AdGroupChanged { .. } => "ad_group_changed",
            DomainEvent::AdChanged { .. } => "ad_changed",
            DomainEvent::AdAuthorisationChanged { .. } => "ad_authorisation_changed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_type_column_matches_the_serialized_tag() {
        let id = Id::from_i64(5);
        let samples = [
            DomainEvent::UserSignedUp { user_id: id, username: "a".into() },
            DomainEvent::OrgVerificationDecided { org_id: id, request_id: id, approved: true, admin_id: id },
            DomainEvent::OrgInvitationAnswered { org_id: id, invitation_id: id, user_id: id, accepted: false },
        ];
        for event in samples {
            let json = serde_json::to_value(&event).unwrap();
            assert_eq!(json["type"], event.event_type());
            assert_eq!(serde_json::from_value::<DomainEvent>(json).unwrap(), event);
        }
    }
}
