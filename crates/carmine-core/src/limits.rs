//! Explicit limits on everything a client can send or ask for. One place, so
//! they are easy to audit and to document.

/// Largest JSON request body accepted by the API, in bytes.
pub const JSON_BODY_BYTES_MAX: usize = 64 * 1024;
/// Largest HTML form body accepted by the pages, in bytes.
pub const FORM_BODY_BYTES_MAX: usize = 64 * 1024;

pub const USERNAME_CHARS_MIN: usize = 3;
pub const USERNAME_CHARS_MAX: usize = 24;
pub const PASSWORD_CHARS_MIN: usize = 8;
pub const PASSWORD_CHARS_MAX: usize = 128;
pub const DISPLAY_NAME_CHARS_MAX: usize = 40;
pub const BIO_CHARS_MAX: usize = 500;
pub const CITY_CHARS_MAX: usize = 64;
pub const AVATAR_URL_CHARS_MAX: usize = 512;
pub const ORG_NAME_CHARS_MAX: usize = 80;
pub const ORG_DESCRIPTION_CHARS_MAX: usize = 1_000;
pub const VERIFICATION_EVIDENCE_CHARS_MAX: usize = 4_000;
pub const DECISION_REASON_CHARS_MAX: usize = 1_000;
pub const TOKEN_NAME_CHARS_MAX: usize = 64;

/// Active API tokens one member may hold.
pub const API_TOKENS_PER_USER_MAX: i64 = 50;
/// Organizations one member may create.
pub const ORGS_CREATED_PER_USER_MAX: i64 = 20;
/// Members (plus pending invitations) one organization may have.
pub const ORG_MEMBERS_MAX: i64 = 500;
/// Days an organization invitation stays valid.
pub const INVITATION_TTL_DAYS: i64 = 14;

/// Notes: a title as short as the real platform's, a body, 1–18 images.
pub const NOTE_TITLE_CHARS_MAX: usize = 20;
pub const NOTE_BODY_CHARS_MAX: usize = 1_000;
/// What an image shows, in its uploader's words (alt text).
pub const ALT_TEXT_CHARS_MAX: usize = 200;
pub const NOTE_IMAGES_MAX: usize = 18;
pub const NOTE_TOPICS_MAX: usize = 20;
pub const NOTE_MENTIONS_MAX: usize = 20;
pub const TOPIC_CHARS_MAX: usize = 30;
/// Topics a member may pick in the interest picker.
pub const PICKED_TOPICS_MAX: usize = 10;
pub const LOCATION_CHARS_MAX: usize = 64;
pub const COMMENT_CHARS_MAX: usize = 500;
/// Replies shown under each top-level comment (the rest: "n more replies").
pub const REPLIES_SHOWN_MAX: u32 = 20;
pub const BOARD_NAME_CHARS_MAX: usize = 30;
pub const BOARDS_PER_MEMBER_MAX: i64 = 100;

/// Behaviour events (`POST /api/v1/events`): one request's batch, and each event's fields.
pub const BEHAVIOUR_BATCH_MAX: usize = 100;
pub const CLIENT_EVENT_ID_CHARS_MAX: usize = 64;
/// A card's position in a list, counted from 0.
pub const EVENT_POSITION_MAX: i64 = 10_000;
/// The longest read a client may report, in milliseconds (one hour).
pub const EVENT_DWELL_MS_MAX: i64 = 3_600_000;
/// How far ahead of the server's clock an event's time may be (clock skew).
pub const EVENT_FUTURE_SKEW_SECONDS: i64 = 300;
/// How old an event reported by a client may be; older history comes by `carmine import`.
pub const EVENT_AGE_SECONDS_MAX: i64 = 86_400;

/// How far ahead a note can be scheduled to publish itself.
pub const SCHEDULE_DAYS_MAX: i64 = 90;

/// Search: characters of a query used (the rest is ignored, not an error).
pub const SEARCH_QUERY_CHARS_MAX: usize = 100;
/// The deepest a search pages (offset + page size).
pub const SEARCH_RESULTS_MAX: usize = 1_000;
/// Members and organizations, and topics, shown beside note results.
pub const SEARCH_SIDE_RESULTS_MAX: usize = 5;
/// Followed actors whose followers-only notes a search may find.
pub const SEARCH_FOLLOWED_MAX: u32 = 5_000;
/// Suggestions offered for a prefix.
pub const SUGGESTIONS_MAX: usize = 10;
/// Searches remembered per member in their history.
pub const SEARCH_HISTORY_MAX: i64 = 50;

/// The largest amount one ledger leg, payment or payout may move, in minor units
/// (¥10,000,000,000.00). Far below `i64::MAX`, so sums of many never overflow.
pub const MONEY_AMOUNT_MAX: i64 = 1_000_000_000_000;
/// The largest amount one account balance may reach in either direction.
pub const ACCOUNT_BALANCE_MAX: i64 = 4_000_000_000_000_000_000;
/// Postings one ledger transaction may have.
pub const LEDGER_LEGS_MAX: usize = 16;
/// Transfers committed together by the ledger's group commit.
pub const LEDGER_BATCH_MAX: usize = 100;
/// Characters of an `Idempotency-Key` header.
pub const IDEMPOTENCY_KEY_CHARS_MAX: usize = 64;
/// One coin top-up: from ¥1 to ¥5,000 (in fen).
pub const TOP_UP_MINOR_MIN: i64 = 100;
pub const TOP_UP_MINOR_MAX: i64 = 500_000;
/// One organization top-up (ad balance, escrow): up to ¥1,000,000.
pub const ORG_TOP_UP_MINOR_MAX: i64 = 100_000_000;
/// Coins one gift may carry.
pub const GIFT_COINS_MAX: i64 = 100_000;
/// One withdrawal: from ¥1 to ¥50,000.
pub const PAYOUT_MINOR_MIN: i64 = 100;
pub const PAYOUT_MINOR_MAX: i64 = 5_000_000;
/// Payouts one batch sends.
pub const PAYOUT_BATCH_MAX: i64 = 500;
/// Characters of a payout account's holder name.
pub const PAYOUT_HOLDER_CHARS_MAX: usize = 64;
/// Raw webhook bodies accepted from a payment provider.
pub const WEBHOOK_BODY_BYTES_MAX: usize = 16 * 1024;
/// Days a delivered webhook event's id is remembered, so a redelivery is ignored:
/// providers redeliver for days (re-signing each time), far less than this.
pub const WEBHOOK_EVENTS_KEPT_DAYS: i64 = 30;
/// How far a webhook's signed timestamp may be from our clock.
pub const WEBHOOK_TOLERANCE_SECONDS: i64 = 300;
/// Days a revenue statement may span.
pub const STATEMENT_DAYS_MAX: i64 = 731;

/// Commerce (stores and the catalogue).
pub const STORE_NAME_CHARS_MAX: usize = 40;
pub const STORE_DESCRIPTION_CHARS_MAX: usize = 1_000;
pub const RETURN_POLICY_CHARS_MAX: usize = 1_000;
/// Days of no-reason returns a store may promise (0: none; 7 is the default).
pub const RETURN_DAYS_MAX: i64 = 30;
pub const SHIPPING_TEMPLATES_PER_STORE_MAX: i64 = 20;
pub const SHIPPING_TEMPLATE_NAME_CHARS_MAX: usize = 40;
/// The largest shipping fee or free-shipping threshold: ¥100,000.00.
pub const SHIPPING_AMOUNT_MINOR_MAX: i64 = 10_000_000;
pub const WAREHOUSES_PER_STORE_MAX: i64 = 20;
pub const WAREHOUSE_NAME_CHARS_MAX: usize = 40;
/// The platform's category tree: names, size and depth.
pub const CATEGORY_NAME_CHARS_MAX: usize = 30;
pub const CATEGORY_SLUG_CHARS_MAX: usize = 40;
pub const CATEGORIES_MAX: i64 = 1_000;
pub const CATEGORY_DEPTH_MAX: usize = 3;
/// A commission rate in basis points: from 0 to 100%.
pub const COMMISSION_BPS_MAX: i64 = 10_000;
/// The catalogue: a product's words, images, options and variants.
pub const PRODUCT_TITLE_CHARS_MAX: usize = 60;
pub const PRODUCT_DESCRIPTION_CHARS_MAX: usize = 5_000;
pub const BRAND_CHARS_MAX: usize = 40;
pub const PRODUCT_IMAGES_MAX: usize = 18;
pub const PRODUCT_ATTRIBUTES_MAX: usize = 30;
pub const ATTRIBUTE_NAME_CHARS_MAX: usize = 20;
pub const ATTRIBUTE_VALUE_CHARS_MAX: usize = 100;
pub const PRODUCT_OPTIONS_MAX: usize = 3;
pub const OPTION_NAME_CHARS_MAX: usize = 20;
pub const OPTION_VALUE_CHARS_MAX: usize = 30;
pub const VARIANTS_MAX: usize = 200;
pub const SKU_CODE_CHARS_MAX: usize = 64;
/// The highest price of one variant: ¥1,000,000.00.
pub const PRICE_MINOR_MAX: i64 = 100_000_000;
pub const WEIGHT_GRAMS_MAX: i64 = 1_000_000;
/// Units of one variant one warehouse may hold.
pub const STOCK_UNITS_MAX: i64 = 10_000_000;
/// A creator's affiliate rate on a product: at most half the sale.
pub const AFFILIATE_BPS_MAX: i64 = 5_000;
/// Stock rows one request may set.
pub const STOCK_ROWS_PER_REQUEST_MAX: usize = 1_000;
/// A cart: distinct variants it holds and units of one variant a line may ask for.
pub const CART_LINES_MAX: usize = 100;
pub const CART_QUANTITY_MAX: i64 = 99;
/// Addresses one member keeps, and their fields.
pub const ADDRESSES_MAX: i64 = 20;
pub const RECIPIENT_CHARS_MAX: usize = 30;
pub const ADDRESS_DETAIL_CHARS_MAX: usize = 120;
pub const PHONE_CHARS_MAX: usize = 20;
/// The most one checkout may charge: ¥1,000,000.00.
pub const ORDER_TOTAL_MINOR_MAX: i64 = 100_000_000;
/// Products one note may tag.
pub const NOTE_PRODUCT_TAGS_MAX: usize = 10;
/// A pin's point on its image, in thousandths of the width and height.
pub const PIN_SCALE: i64 = 1_000;
/// Notes about a product ranked at once (the newest this many that tag it).
pub const NOTES_ABOUT_RANKED_MAX: i64 = 2_000;
/// A catalogue CSV file: its size and its rows (a product with its variants is one unit).
pub const CATALOGUE_CSV_BYTES_MAX: usize = 5 << 20;
pub const CATALOGUE_CSV_ROWS_MAX: usize = 10_000;

// ---- Advertising (carmine-ads) ------------------------------------------------------

/// Names of campaigns and ad groups, in characters.
pub const AD_NAME_CHARS_MAX: usize = 60;
/// The highest bid an operator may allow (per click or per thousand impressions), in
/// minor units (¥100,000); what advertisers may bid is `carmine_ads::AdLimits`.
pub const AD_BID_MINOR_MAX: i64 = 10_000_000;
/// The highest daily budget (¥1,000,000) and total budget (¥100,000,000), in minor units.
pub const AD_DAILY_BUDGET_MINOR_MAX: i64 = 100_000_000;
pub const AD_TOTAL_BUDGET_MINOR_MAX: i64 = 10_000_000_000;
/// How far ahead a campaign may start, and the longest it may run, in days.
pub const AD_SCHEDULE_DAYS_MAX: i64 = 366;
/// The most impressions of one campaign a member may be shown a day, as a group's cap.
pub const AD_FREQUENCY_CAP_MAX: i64 = 20;
/// Campaigns (not archived) per advertiser, groups per campaign, ads per group.
pub const AD_CAMPAIGNS_PER_ADVERTISER_MAX: i64 = 200;
pub const AD_GROUPS_PER_CAMPAIGN_MAX: i64 = 50;
pub const ADS_PER_GROUP_MAX: i64 = 20;
/// Organizations a creator may authorise to advertise one note.
pub const AD_AUTHORISATIONS_PER_NOTE_MAX: i64 = 20;
/// Ads one page of the operator's review queue shows.
pub const AD_REVIEW_PAGE_MAX: u32 = 100;
/// Keywords (and negative keywords) per ad group, and a keyword's characters.
pub const AD_KEYWORDS_MAX: usize = 50;
pub const AD_KEYWORD_CHARS_MAX: usize = 40;
/// Interests, and cities, one ad group may target.
pub const AD_TARGET_VALUES_MAX: usize = 20;
/// Candidates and slots one auction simulation may take.
pub const AD_SIMULATED_CANDIDATES_MAX: usize = 200;
pub const AD_SIMULATED_SLOTS_MAX: usize = 10;

/// A boost's coins (¥10 to ¥10,000 at ten coins a yuan) and hours (6 h to 7 days).
pub const BOOST_COINS_MIN: i64 = 100;
pub const BOOST_COINS_MAX: i64 = 100_000;
pub const BOOST_HOURS_MIN: i64 = 6;
pub const BOOST_HOURS_MAX: i64 = 168;
