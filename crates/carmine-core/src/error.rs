//! The one table of stable error codes, and the error type every context returns.
//!
//! A code is a promise to API clients: once shipped it keeps its meaning and its
//! HTTP status. Add codes; never rename or reuse one. `carmine-web` renders an
//! [`Error`] as `{"error": {"code", "message", "details"}}`; contexts never see HTTP.

use std::fmt;

use serde_json::Value;

macro_rules! error_codes {
    ($($variant:ident => ($status:expr, $code:literal, $message:literal),)+) => {
        /// Every error a client can receive. See [`ErrorCode::ALL`] for the table.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ErrorCode { $($variant,)+ }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)+];

            /// The stable, snake_case code clients match on.
            pub const fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code,)+ }
            }

            /// The code named by its stable text (a stored outcome read back).
            pub fn from_code(text: &str) -> Option<ErrorCode> {
                match text { $($code => Some(ErrorCode::$variant),)+ _ => None }
            }

            /// The HTTP status this code is always sent with.
            pub const fn http_status(self) -> u16 {
                match self { $(ErrorCode::$variant => $status,)+ }
            }

            /// A default English message (user-facing strings live here, in one place).
            pub const fn default_message(self) -> &'static str {
                match self { $(ErrorCode::$variant => $message,)+ }
            }
        }
    };
}

error_codes! {
    // 400: the request could not be read at all.
    MalformedJson => (400, "malformed_json", "the request body is not valid JSON"),
    MalformedRequest => (400, "malformed_request", "the request could not be read"),
    InvalidCursor => (400, "invalid_cursor", "the pagination cursor is invalid or was tampered with"),
    // 401: who are you?
    Unauthenticated => (401, "unauthenticated", "log in to do this"),
    InvalidCredentials => (401, "invalid_credentials", "wrong username or password"),
    SessionExpired => (401, "session_expired", "your session has expired; log in again"),
    InvalidToken => (401, "invalid_token", "the API token is invalid or was revoked"),
    // 403: we know who you are, and the answer is no.
    CsrfFailed => (403, "csrf_failed", "the request is missing a valid CSRF token"),
    Forbidden => (403, "forbidden", "you are not allowed to do this"),
    RoleTooLow => (403, "role_too_low", "your role in this organization does not allow this"),
    AdminOnly => (403, "admin_only", "only an administrator can do this"),
    Blocked => (403, "blocked", "one of you has blocked the other"),
    AccountSuspended => (403, "account_suspended", "this account is suspended"),
    CreativeNotAuthorised => (403, "creative_not_authorised", "that note is someone else's, and they have not authorised you to advertise it"),
    // 404: it does not exist, or you may not know that it does.
    RouteNotFound => (404, "route_not_found", "there is no such page"),
    UserNotFound => (404, "user_not_found", "no such member"),
    OrgNotFound => (404, "org_not_found", "no such organization"),
    TokenNotFound => (404, "token_not_found", "no such API token"),
    SessionNotFound => (404, "session_not_found", "no such session"),
    InvitationNotFound => (404, "invitation_not_found", "no such invitation"),
    MemberNotFound => (404, "member_not_found", "that person is not a member of this organization"),
    VerificationNotFound => (404, "verification_not_found", "no such verification request"),
    MediaNotFound => (404, "media_not_found", "no such image"),
    NoteNotFound => (404, "note_not_found", "no such note"),
    CommentNotFound => (404, "comment_not_found", "no such comment"),
    BoardNotFound => (404, "board_not_found", "no such board"),
    ReportNotFound => (404, "report_not_found", "no such report"),
    ActorNotFound => (404, "actor_not_found", "no such member or organization"),
    JobNotFound => (404, "job_not_found", "no such job"),
    TransactionNotFound => (404, "transaction_not_found", "no such ledger transaction"),
    HoldNotFound => (404, "hold_not_found", "no such hold"),
    PaymentNotFound => (404, "payment_not_found", "no such payment"),
    PayoutNotFound => (404, "payout_not_found", "no such payout"),
    StoreNotFound => (404, "store_not_found", "no such store"),
    CategoryNotFound => (404, "category_not_found", "no such category"),
    ShippingTemplateNotFound => (404, "shipping_template_not_found", "no such shipping template in this store"),
    WarehouseNotFound => (404, "warehouse_not_found", "no such warehouse in this store"),
    ProductNotFound => (404, "product_not_found", "no such product"),
    AddressNotFound => (404, "address_not_found", "no such address in your address book"),
    CartLineNotFound => (404, "cart_line_not_found", "that item is not in your cart"),
    OrderNotFound => (404, "order_not_found", "no such order"),
    CouponNotFound => (404, "coupon_not_found", "no such coupon"),
    SaleNotFound => (404, "sale_not_found", "no such sale price"),
    AdCampaignNotFound => (404, "ad_campaign_not_found", "no such ad campaign"),
    BoostNotFound => (404, "boost_not_found", "no such boost"),
    AdGroupNotFound => (404, "ad_group_not_found", "no such ad group"),
    AdNotFound => (404, "ad_not_found", "no such ad"),
    // 405
    MethodNotAllowed => (405, "method_not_allowed", "this route does not accept that method"),
    // 409: the request conflicts with the current state.
    UsernameTaken => (409, "username_taken", "that username is already taken"),
    UsernameReserved => (422, "username_reserved", "that username is reserved; choose another"),
    HandleTaken => (409, "handle_taken", "that handle is already taken"),
    AlreadyMember => (409, "already_member", "that person is already a member"),
    InvitationNotPending => (409, "invitation_not_pending", "the invitation was already answered or has expired"),
    VerificationPending => (409, "verification_pending", "a verification request is already pending"),
    VerificationNotPending => (409, "verification_not_pending", "the verification request was already decided"),
    AlreadyVerified => (409, "already_verified", "the organization is already verified"),
    LastOwner => (409, "last_owner", "an organization must keep at least one owner"),
    SoleOwnerMustHandOver => (422, "sole_owner_must_hand_over", "you are the only owner of an organization: make someone else an owner, or close it, first"),
    NoteNotPublished => (409, "note_not_published", "publish the note first"),
    ReportClosed => (409, "report_closed", "the report was already decided"),
    IdempotencyKeyInUse => (409, "idempotency_key_in_use", "a request with this Idempotency-Key is still running; retry shortly"),
    HoldNotPending => (409, "hold_not_pending", "the hold was already posted, voided or has expired"),
    AlreadyReversed => (409, "already_reversed", "this transaction was already reversed"),
    PayoutAccountRequired => (409, "payout_account_required", "register a payout account first"),
    PayoutNotCancellable => (409, "payout_not_cancellable", "the payout was already sent"),
    PaymentNotRefundable => (409, "payment_not_refundable", "only a succeeded payment can be refunded"),
    StoreExists => (409, "store_exists", "this organization already has a store"),
    StoreNeedsVerifiedOrg => (409, "store_needs_verified_org", "only a verified brand or merchant organization can open a store"),
    StoreSuspended => (409, "store_suspended", "the store is suspended by the operator"),
    CategoryInUse => (409, "category_in_use", "the category still has live sub-categories"),
    StockBelowReserved => (409, "stock_below_reserved", "that is less stock than orders have already reserved"),
    WarehouseNotEmpty => (409, "warehouse_not_empty", "the warehouse still holds stock; set it to zero first"),
    LastWarehouse => (409, "last_warehouse", "a store keeps at least one warehouse"),
    WarehouseInUse => (409, "warehouse_in_use", "orders were sent from this warehouse; it cannot be removed"),
    OutOfStock => (409, "out_of_stock", "not enough of an item is in stock"),
    NotForSale => (409, "not_for_sale", "an item is no longer for sale"),
    PriceChanged => (409, "price_changed", "the total changed since you saw it; review the new figures"),
    CartEmpty => (409, "cart_empty", "there is nothing to check out"),
    CartFull => (409, "cart_full", "the cart holds as many items as it may"),
    RegionNotDelivered => (409, "region_not_delivered", "a store does not deliver to that region"),
    OrderNotPayable => (409, "order_not_payable", "the order is not waiting for payment"),
    OrderNotCancellable => (409, "order_not_cancellable", "the order can no longer be cancelled"),
    OrderNotShippable => (409, "order_not_shippable", "only a paid order awaiting shipment can be shipped"),
    OrderNotShipped => (409, "order_not_shipped", "the order is not on its way"),
    ReceiptAlreadyExtended => (409, "receipt_already_extended", "the time to confirm receipt was already extended once"),
    AfterSaleNotAllowed => (409, "after_sale_not_allowed", "this item cannot have an after-sale request: the order is not received yet, the item is not returnable, or the order was imported from earlier history (ask the store)"),
    AfterSaleWindowClosed => (409, "after_sale_window_closed", "the time for after-sale requests on this order has passed"),
    AfterSaleNotFound => (404, "after_sale_not_found", "no such after-sale request"),
    AfterSaleNotOpen => (409, "after_sale_not_open", "the request is not waiting for that"),
    ReviewNotAllowed => (409, "review_not_allowed", "only a buyer of a received order can review its products"),
    AlreadyReviewed => (409, "already_reviewed", "you have already reviewed this product"),
    AddressBookFull => (409, "address_book_full", "the address book holds as many addresses as it may"),
    CouponUnavailable => (409, "coupon_unavailable", "the coupon cannot be claimed now: it has not started, has ended or is all claimed"),
    CouponLimitReached => (409, "coupon_limit_reached", "you have claimed this coupon as many times as it allows"),
    CouponNotApplicable => (409, "coupon_not_applicable", "a coupon cannot be used on this checkout"),
    SaleOverlaps => (409, "sale_overlaps", "the variant already has a sale price in that window"),
    NoteNotAdvertisable => (409, "note_not_advertisable", "only a published, public note that is not limited can be advertised"),
    AdStoreRequired => (409, "ad_store_required", "a product-sales ad needs your open store and a note tagging one of its products"),
    AdReviewClosed => (409, "ad_review_closed", "the ad was already reviewed"),
    AdNotRejected => (409, "ad_not_rejected", "only a rejected ad can be submitted for review again"),
    AdArchived => (409, "ad_archived", "it is archived and can no longer change"),
    AdEventReplayed => (409, "ad_event_replayed", "that ad event was already recorded"),
    AdsLimitReached => (409, "ads_limit_reached", "there are as many of these as one may have; archive some first"),
    // 428
    IdempotencyKeyRequired => (428, "idempotency_key_required", "send an Idempotency-Key header with this request"),
    // 413
    PayloadTooLarge => (413, "payload_too_large", "the request body is too large"),
    RequestTimeout => (408, "request_timeout", "the request body did not arrive in time"),
    ImageTooLarge => (413, "image_too_large", "the image is too large"),
    BatchTooLarge => (413, "batch_too_large", "the batch holds more items than one request may"),
    // 415
    UnsupportedMediaType => (415, "unsupported_media_type", "send the body as application/json"),
    UnsupportedImage => (415, "unsupported_image", "send a JPEG, PNG or WebP image"),
    // 422: readable, but not acceptable.
    InvalidField => (422, "invalid_field", "a field is invalid"),
    UnknownField => (422, "unknown_field", "the request has a field this route does not accept"),
    MissingField => (422, "missing_field", "a required field is missing"),
    WeakPassword => (422, "weak_password", "the password does not meet the rules"),
    WrongPassword => (422, "wrong_password", "the current password is wrong"),
    ImageUndecodable => (422, "image_undecodable", "the image is damaged or incomplete"),
    CannotFollowSelf => (422, "cannot_follow_self", "you cannot follow yourself"),
    CannotBlockSelf => (422, "cannot_block_self", "you cannot block or mute yourself"),
    UnknownEventKind => (422, "unknown_event_kind", "the event kind is not one of impression, read, click, share"),
    EventTimeOutOfRange => (422, "event_time_out_of_range", "the event's time is too far in the future or the past"),
    MentionBlocked => (422, "mention_blocked", "you cannot mention a member who blocked you or whom you blocked"),
    AdTokenInvalid => (422, "ad_token_invalid", "that ad link is not one we served"),
    AdTokenExpired => (422, "ad_token_expired", "that ad link has expired"),
    AudienceTooSmall => (422, "audience_too_small", "too few members match: an audience must hold at least 1,000 members who share their age, gender and city (or 1,000 lookalikes from a group of 100) — widen it"),
    InvalidAmount => (422, "invalid_amount", "the amount must be a positive whole number of minor units within the limit"),
    UnsupportedCurrency => (422, "unsupported_currency", "that currency is not accepted here"),
    CurrencyMismatch => (422, "currency_mismatch", "the amounts are in different currencies"),
    UnbalancedTransaction => (422, "unbalanced_transaction", "the postings of a transaction must sum to zero"),
    InsufficientFunds => (422, "insufficient_funds", "the balance is too low for this"),
    IdempotencyKeyReused => (422, "idempotency_key_reused", "this Idempotency-Key was used for a different request"),
    InvalidIdempotencyKey => (422, "invalid_idempotency_key", "an Idempotency-Key is 1 to 64 visible ASCII characters"),
    CannotGiftSelf => (422, "cannot_gift_self", "you cannot send coins to yourself"),
    ProductNotTaggable => (422, "product_not_taggable", "only products on sale in an open store can be tagged"),
    RefundExceedsPayment => (422, "refund_exceeds_payment", "the refund is larger than what is left of the payment"),
    WebhookSignatureInvalid => (400, "webhook_signature_invalid", "the webhook signature is missing, forged or too old"),
    // 429
    RateLimited => (429, "rate_limited", "too many requests; slow down"),
    LoginThrottled => (429, "login_throttled", "too many failed log-ins; try again later"),
    UploadQuotaExceeded => (429, "upload_quota_exceeded", "you have uploaded as much as a day allows; try again tomorrow"),
    // 500 / 503
    Internal => (500, "internal", "something went wrong on our side"),
    Unavailable => (503, "unavailable", "the service is not ready"),
    SearchTimeout => (503, "search_timeout", "the search took too long; try fewer or simpler words"),
    ProviderUnavailable => (502, "provider_unavailable", "the payment provider did not answer; nothing was charged twice, try again"),
}

/// An error a context or the web layer returns. Carries a stable [`ErrorCode`], a
/// message for people, optional structured details (e.g. the offending field) and,
/// for internal errors, the cause to log (never sent to clients).
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
    pub details: Option<Value>,
    pub source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(code: ErrorCode) -> Self {
        Error { code, message: code.default_message().to_owned(), details: None, source: None }
    }

    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    /// Names the interface's message that explains this error in the reader's
    /// language (`hint-{key}` in the catalogues; `details.hint`).
    pub fn with_hint(mut self, key: &str) -> Self {
        match &mut self.details {
            Some(Value::Object(map)) => {
                map.insert("hint".to_owned(), Value::from(key));
            }
            _ => self.details = Some(serde_json::json!({ "hint": key })),
        }
        self
    }

    /// [`Error::with_hint`] whose message takes arguments (`{ $name }` in the
    /// catalogue), such as the limits an operator set.
    pub fn with_hint_args(self, key: &str, args: &[(&str, String)]) -> Self {
        let mut error = self.with_hint(key);
        let args: serde_json::Map<String, Value> =
            args.iter().map(|(name, value)| ((*name).to_owned(), Value::from(value.as_str()))).collect();
        if let Some(Value::Object(map)) = &mut error.details {
            map.insert("hint_args".to_owned(), Value::Object(args));
        }
        error
    }

    /// A 422 naming the field and why it is wrong.
    pub fn invalid_field(field: &str, reason: impl Into<String>) -> Self {
        let reason = reason.into();
        Error::new(ErrorCode::InvalidField)
            .with_message(format!("{field}: {reason}"))
            .with_details(serde_json::json!({ "field": field, "reason": reason }))
    }

    /// A 422 for a field that broke one of the common [`FieldRule`]s, which the interface
    /// explains in the reader's language (`details.rule` and `details.limit`).
    pub fn broke_rule(field: &str, rule: FieldRule) -> Self {
        Error::broke_rule_as(ErrorCode::InvalidField, field, rule)
    }

    /// [`Error::broke_rule`] under another code (a weak password).
    pub fn broke_rule_as(code: ErrorCode, field: &str, rule: FieldRule) -> Self {
        let reason = rule.reason();
        let mut details = serde_json::json!({ "field": field, "reason": reason, "rule": rule.as_str() });
        if let Some(limit) = rule.limit() {
            details["limit"] = limit.into();
        }
        let message = if code == ErrorCode::InvalidField { format!("{field}: {reason}") } else { reason };
        Error::new(code).with_message(message).with_details(details)
    }

    /// An internal error: the cause is kept for the log, the client sees only `internal`.
    pub fn internal(source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        Error { source: Some(source.into()), ..Error::new(ErrorCode::Internal) }
    }
}

/// The checks most fields share. Each has a stable name (`details.rule`) the
/// interface's catalogues explain in words, and maybe a number (`details.limit`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldRule {
    Empty,
    TooShort(usize),
    TooLong(usize),
    TooMany(usize),
    ControlCharacters,
    HandleCharacters,
    SameAsUsername,
}

impl FieldRule {
    /// Every rule's name, for the catalogues' completeness test.
    pub const NAMES: &'static [&'static str] =
        &["empty", "too_short", "too_long", "too_many", "control_characters", "handle_characters", "same_as_username"];

    pub const fn as_str(self) -> &'static str {
        match self {
            FieldRule::Empty => "empty",
            FieldRule::TooShort(_) => "too_short",
            FieldRule::TooLong(_) => "too_long",
            FieldRule::TooMany(_) => "too_many",
            FieldRule::ControlCharacters => "control_characters",
            FieldRule::HandleCharacters => "handle_characters",
            FieldRule::SameAsUsername => "same_as_username",
        }
    }

    pub const fn limit(self) -> Option<usize> {
        match self {
            FieldRule::TooShort(n) | FieldRule::TooLong(n) | FieldRule::TooMany(n) => Some(n),
            _ => None,
        }
    }

    /// The reason in English, as `details.reason` has always said it.
    pub fn reason(self) -> String {
        match self {
            FieldRule::Empty => "must not be empty".to_owned(),
            FieldRule::TooShort(n) => format!("must be at least {n} characters"),
            FieldRule::TooLong(n) => format!("must be at most {n} characters"),
            FieldRule::TooMany(n) => format!("may hold at most {n}"),
            FieldRule::ControlCharacters => "must not contain control characters".to_owned(),
            FieldRule::HandleCharacters => "may contain only letters a-z, digits and _".to_owned(),
            FieldRule::SameAsUsername => "must not be the username".to_owned(),
        }
    }
}

impl From<ErrorCode> for Error {
    fn from(code: ErrorCode) -> Self {
        Error::new(code)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Error");
        out.field("code", &self.code.as_str()).field("message", &self.message);
        if let Some(details) = &self.details {
            out.field("details", details);
        }
        if let Some(source) = &self.source {
            out.field("source", source);
        }
        out.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)?;
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|s| s as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_snake_case_with_a_real_status() {
        let mut seen = HashSet::new();
        for code in ErrorCode::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "duplicate code {text}");
            assert!(text.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{text}");
            assert!((400..600).contains(&code.http_status()), "{text}");
            let message = code.default_message();
            assert!(
                !message.ends_with('.') && message.chars().next().is_some_and(|c| !c.is_uppercase()),
                "{text}: {message}"
            );
        }
    }
}
