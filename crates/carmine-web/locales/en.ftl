# Carmine's interface in English. Every user-facing string of the pages lives here,
# under the same message ids as zh-CN.ftl (a test compares the two).

## The frame (base.html)
skip-to-content = Skip to content
search-placeholder = Search notes, people, topics
search-label = Search
account-menu = Account menu
menu-my-page = My page
menu-saved = Saved
menu-wallet = Wallet
menu-orgs = Organizations
menu-settings = Settings
menu-admin = Admin
log-out = Log out
log-in = Log in
sign-up = Sign up
nav-main = Main
nav-home = Home
nav-search = Search
nav-post = Post
nav-notifications = Notifications
nav-me = Me
site-footer = Carmine — notes, discovery and shopping, self-hosted.
language-switch-label = Language
# The switch offers the other language, named in itself.
language-switch-to = 中文

## Counts
count-followers = { $count ->
    [one] { $count } follower
   *[other] { $count } followers
}
count-notes = { $count ->
    [one] { $count } note
   *[other] { $count } notes
}

## Error pages
error-heading-bad-request = That request did not work
error-heading-forbidden = You cannot open this
error-heading-not-found = This page is not here
error-heading-method = That is not something this page does
error-heading-conflict = Something changed meanwhile
error-heading-too-large = That is too large
error-heading-slow-down = Slow down a little
error-heading-busy = Carmine is busy
error-heading-server = Something went wrong on our side
error-heading-other = That did not work
error-go-home = Go to the home page
error-go-search = Search
error-request-id = Request id { $id } — quote it if you ask the operator for help.

## Notices after a form (?done=…)
notice-profile_saved = Your profile is saved.
notice-password_changed = Your password is changed; your other sessions were logged out.
notice-token_revoked = The token is revoked.
notice-session_ended = That session is logged out.
notice-account_deleted = Your account is deleted. Goodbye!
notice-logged_out = You are logged out.
notice-org_created = The organization is created; you are its owner.
notice-org_saved = The organization's profile is saved.
notice-invitation_accepted = Welcome aboard: you joined the organization.
notice-invitation_declined = The invitation is declined.
notice-member_invited = The invitation is sent.
notice-invitation_revoked = The invitation is withdrawn.
notice-role_changed = The role is changed.
notice-member_removed = The member is removed.
notice-left_org = You left the organization.
notice-verification_requested = Verification requested; an administrator will review it.
notice-user_suspended = The member is suspended and logged out everywhere.
notice-user_unsuspended = The member is reinstated.
notice-verification_approved = The organization is verified.
notice-verification_rejected = The request is rejected.
notice-history_forgotten = Forgotten.
notice-term_hidden = The term is hidden from trending searches and suggestions.
notice-term_shown = The term shows again.
notice-interests_saved = Your interests are saved: your feed follows them from now on.
notice-note_published = Your note is published.
notice-note_drafted = Your draft is saved; only you can see it.
notice-note_scheduled = Your note is scheduled: it publishes itself at the time you chose.
notice-note_unscheduled = The schedule is removed; the note stays a draft.
notice-note_edited = Your changes are saved.
notice-note_deleted = The note is deleted.
notice-comment_added = Your comment is posted.
notice-comment_deleted = The comment is deleted.
notice-notifications_read = All caught up.
notice-note_saved = Saved.
notice-note_unsaved = Removed from your saves.
notice-board_created = The board is created.
notice-board_deleted = The board is deleted; its notes stay in Saved.
notice-report_sent = Thank you: the report is with our moderators.
notice-report_resolved = Decided, and written to the audit log.
notice-blocked = Blocked. Neither of you can contact the other.
notice-unblocked = Unblocked.
notice-muted = Muted: you will not see them or hear from them.
notice-unmuted = Unmuted.
notice-note_shared = Shared: pass on this page's address.
notice-job_retried = The job is back in line and runs shortly.
notice-payout_account_saved = Your payout account is saved.
notice-payout_requested = Withdrawal requested: the amount is held and goes out with the next payout batch.
notice-payout_cancelled = The withdrawal is cancelled; the amount is available again.
notice-payouts_sent = The payout batch is sent.
notice-gift_sent = Your gift is on its way. Thank you for supporting a creator!
notice-gift_insufficient_funds = Not enough coins for that gift: buy more in your wallet.
notice-gift_invalid_amount = A gift is 1 to 100,000 whole coins.
notice-gift_blocked = You cannot send gifts to this member.
notice-gift_failed = The gift was not sent.

## Why a card is in the feed
reason-following = From someone you follow
reason-tally = { $tally ->
    [liked] Because you liked { $count ->
        [one] a note
       *[other] { $count } notes
    } about #{ $topic }
    [saved] Because you saved { $count ->
        [one] a note
       *[other] { $count } notes
    } about #{ $topic }
    [commented] Because you commented on { $count ->
        [one] a note
       *[other] { $count } notes
    } about #{ $topic }
   *[read] Because you read { $count ->
        [one] a note
       *[other] { $count } notes
    } about #{ $topic }
}
reason-picked = Because you picked #{ $topic }
reason-neighbours = Liked by readers like you
reason-new = New: you are among its first readers
reason-new-in = New in #{ $topic }: you are among its first readers
reason-rising = Rising today
reason-rising-in = Rising in #{ $topic } today
reason-popular = Popular with readers right now
reason-popular-in = Popular in #{ $topic }
reason-newest = Just posted

## Accounts: log in, sign up, interests, people lists, boards
login-title = Log in
field-username = Username
field-password = Password
login-submit = Log in
login-new-here = New here?
login-create-account = Create an account
signup-title = Sign up
signup-heading = Create your account
signup-username-hint = 3–24 letters a–z, digits or _
field-display-name = Display name
signup-display-name-hint = optional, any language
signup-password-hint = at least 8 characters
signup-submit = Sign up
signup-have-account = Already have an account?
welcome-title = Pick your interests
welcome-heading = What do you love?
welcome-lead = Pick a few topics so your feed starts with notes you care about. You can change them any time in settings.
welcome-other-topics = Other topics
hint-separated = Separated by spaces or commas
welcome-other-placeholder = skincare, camping
welcome-save = Save and see my feed
welcome-skip = Skip
people-nobody = Nobody yet.
more = More
board-by = A board by
visibility-private = private
board-delete = Delete board
board-empty = Nothing saved here yet.
more-notes = More notes

## Notes: the note page, cards, comments, reports
note-images = Images
note-image-alt = Image { $n } of { $total }
note-previous-image = Previous image
note-next-image = Next image
follow-following = Following
follow = Follow
note-draft = This is a draft: only you can see it.
note-draft-org = This is a draft: only you and your colleagues can see it.
note-publishes-at = It publishes itself at
note-unschedule = Unschedule
note-limited = Moderators limited this note: only followers see it.
visibility-public = public
visibility-followers = followers only
note-like = Like
note-login-to-like = Log in to like
note-comments = Comments
note-saves = Saves
note-share = Share
note-unsave = Saved · remove
note-save-board = Board
note-save-all = All saves
saved-title = Saved
saved-only-you = Only you can see what you saved
note-save = Save
stats-title = Statistics
stats-private = only you see these
stats-private-org = only you and your organization see these
stats-impressions = Impressions
stats-reads = Reads
stats-avg-read = Avg. read
stats-seconds = { $n } s
stats-clicks = Clicks
stats-follows = Follows gained
stats-ces = Engagement score
stats-ces-formula = likes + saves + 4×comments + 4×shares + 8×follows
pool-title = Traffic pool
pool-level = Pool { $n }
pool-testing = testing
pool-stalled = stalled
pool-open = open to everyone
pool-progress = { $done } of { $audience } impressions
pool-impressions = { $count ->
    [one] { $count } impression
   *[other] { $count } impressions
}
note-edit = Edit
note-delete-confirm = Delete this note? This cannot be undone.
delete = Delete
comments-count = Comments ({ $count })
comment-label = Comment
comment-placeholder = Say something nice
comment-submit = Comment
comment-login = Log in to comment
comments-older = Older comments
note-related = Related notes
comment-deleted = This comment was deleted.
comment-reply = Reply
comment-reply-to = Reply to { $name }
report = Report
report-reason = Reason
report-reason-spam = Spam or advertising
report-reason-harassment = Harassment
report-reason-inappropriate = Inappropriate content
report-reason-misinformation = Misinformation
report-reason-other = Something else
report-details = What is wrong?
optional = optional
report-send = Send report
card-draft = draft
card-likes = { $count ->
    [one] { $count } like
   *[other] { $count } likes
}

## Times
time-just-now = just now
time-minutes-ago = { $n } min ago
time-hours-ago = { $n ->
    [one] { $n } hour ago
   *[other] { $n } hours ago
}
time-days-ago = { $n ->
    [one] { $n } day ago
   *[other] { $n } days ago
}
time-date-this-year = { $month ->
    [1] Jan
    [2] Feb
    [3] Mar
    [4] Apr
    [5] May
    [6] Jun
    [7] Jul
    [8] Aug
    [9] Sep
    [10] Oct
    [11] Nov
   *[12] Dec
} { $day }
time-date = { $month ->
    [1] Jan
    [2] Feb
    [3] Mar
    [4] Apr
    [5] May
    [6] Jun
    [7] Jul
    [8] Aug
    [9] Sep
    [10] Oct
    [11] Nov
   *[12] Dec
} { $day }, { $year }

## Home, profiles, notifications
home-title = Home
home-hero-title = Discover what people love
home-hero-lead = Notes from members about what they eat, wear, visit and buy — and the brands they trust.
home-join = Join Carmine
home-invitations = { $count ->
    [one] An organization invitation is waiting
   *[other] { $count } organization invitations are waiting
}
home-feeds = Feeds
home-discover = Discover
home-following = Following
home-following-empty = Notes from people you follow appear here.
home-empty = No notes yet.
home-post-first = Post the first one
profile-organization = organization
profile-followers = { $count ->
    [one] follower
   *[other] followers
}
profile-following = following
gift-send-title = Send a gift
gift-coins = Coins
gift-send = Send
block = Block
unblock = Unblock
mute = Mute
unmute = Unmute
profile-post = Post a note
board-new = New board
board-name = Board name
who-can-see = Who can see it
board-create = Create board
profile-empty = No notes yet.
notifications-mark-read = Mark all as read
notification-like = liked your note
notification-save = saved your note
notification-comment = commented on your note
notification-reply = replied to your comment on
notification-mention = mentioned you in
notification-follow = started following you
notification-other = did something on
notification-untitled = a note
notifications-empty = Nothing yet. When people like, save or comment on your notes, or follow you, it shows here.
older = Older
people-followers-of = Followers of { $name }
people-followed-by = { $name } follows

## Search
search-submit = Search
search-results-for = Results for { $q }
search-sort = Sort
search-sort-relevance = Relevance
search-sort-newest = Newest
search-sort-engaged = Most engaged
search-media-all = All
search-media-image = One image
search-media-album = Albums
search-time-any = Any time
search-time-day = Past day
search-time-week = Past week
search-time-month = Past month
search-people = People and brands
search-topics = Topics
search-count = { $count ->
    [one] { $shown } note
   *[other] { $shown } notes
}
search-relaxed = nothing had every word, so these have some of them
search-none = No notes found. Try fewer or other words.
search-more = More results
search-history = Your searches
search-forget = Forget { $q }
search-clear-history = Clear history
search-trending = Trending searches
search-trending-none = Nothing is rising right now.

## Compose and settings
compose-edit-title = Edit note
compose-images = Images
compose-untick = untick to remove
compose-image-alt = Image { $n }
compose-add-images = Add images
compose-images-hint = 1 to 18 JPEG, PNG or WebP; the first is the cover
compose-post-as = Post as
compose-myself = Myself
compose-title = Title
compose-title-hint = up to 20 characters
compose-text = Text
compose-text-hint = #topics and @mentions become links
compose-topics = More topics
compose-location = Location
compose-later = Publish later
compose-when = Date and time
compose-when-hint = your local time
compose-schedule = Schedule
save = Save
compose-publish = Publish
compose-draft = Save draft
settings-profile = Profile
settings-bio = Bio
settings-about-you = About you (optional)
settings-about-you-hint = Used only in aggregate, for ads targeting and trend reports. Untick to delete.
settings-consent = I agree to share these
settings-birth-year = Birth year
settings-gender = Gender
gender-female = Female
gender-male = Male
gender-nonbinary = Non-binary
gender-other = Other
settings-city = City
settings-save-profile = Save profile
settings-interests = Interests
settings-interests-lead = Topics you picked shape your discovery feed.
settings-interests-change = Change your interests
settings-current-password = Current password
settings-new-password = New password
settings-change-password = Change password
settings-password-hint = Changing it logs out your other sessions.
settings-sessions = Where you are logged in
settings-device = Device
settings-address = Address
settings-last-seen = Last seen
settings-device-on = { $browser } on { $system }
settings-device-unknown = Unknown device
settings-this-browser = this browser
settings-tokens = API tokens
settings-new-token = Your new token — copy it now, it will not be shown again:
settings-token-name = Name
settings-token = Token
settings-created = Created
settings-last-used = Last used
settings-never = never
settings-revoke = Revoke
settings-no-tokens = No tokens.
settings-token-purpose = What is it for?
settings-create-token = Create token
settings-your-data = Your data
settings-export = Download everything we hold about you (JSON)
settings-delete-account = Delete account
settings-delete-hint = This erases your profile and logs you out everywhere. It cannot be undone.
settings-delete-submit = Delete my account

## Money: wallet, payments, organization money (plain words: balance, on hold, paid out)
wallet-coins = Coins
wallet-coins-worth = worth { $value }
wallet-earnings = Earnings you can withdraw
wallet-on-hold = { $amount } on hold for withdrawals
wallet-buy-coins = Buy coins
wallet-buy-coins-lead = Coins pay for gifts to creators. This instance pays through its sandbox provider, which moves no real money.
wallet-pack = Pack
coins-count = { $count ->
    [one] { $count } coin
   *[other] { $count } coins
}
wallet-pay-with = Pay with
wallet-continue = Continue to payment
wallet-withdraw = Withdraw earnings
wallet-payouts-go-to = Withdrawals go to
wallet-payouts-when = The amount is held at once and paid out with the next payout batch.
wallet-amount = Amount (¥)
wallet-withdraw-submit = Withdraw
wallet-add-account = Add a bank account to withdraw what you earn.
wallet-change-account = Change the payout account
wallet-payout-account = Payout account
wallet-holder = Account holder
wallet-account-number = Account number
wallet-account-number-hint = only its last four digits are kept
wallet-withdrawals = Withdrawals
wallet-coins-history = Coins history
wallet-earnings-history = Earnings history
wallet-earnings-none = Nothing yet: creators earn when members send them gifts.
wallet-payments = Payments
nothing-yet = Nothing yet.
cancel = Cancel
money-date = Date
money-amount = Amount
money-status = Status
money-balance = Balance
money-available = Available
money-on-hold = On hold
entry-top_up = Coins bought
entry-funds_added = Added
entry-gift_sent = Gift sent
entry-gift_received = Gift received
entry-payout = Withdrawal
entry-payout_sent = Paid out
entry-refund = Refund
entry-reversal = Returned
entry-other = Other
payment-status-created = started
payment-status-requires_action = waiting for you
payment-status-pending = processing
payment-status-succeeded = paid
payment-status-declined = declined
payment-status-failed = failed
payment-status-refunded = refunded
payout-status-requested = on hold, goes out with the next batch
payout-status-submitted = being paid out
payout-status-paid = paid out
payout-status-failed = failed, returned to your earnings
payout-status-cancelled = cancelled
payout-status-expired = expired, returned to your earnings
balance-coins = Coins
balance-earnings = Earnings
balance-ad_balance = Ad balance
balance-escrow = Creator deals (held for creators)
balance-merchant_receivable = Sales to be paid out
pay-method-wallet = My coins
pay-method-sandbox_checkout = Online payment
pay-method-sandbox_success = Test: paid at once
pay-method-sandbox_decline = Test: declined
pay-method-sandbox_pending = Test: settles after a minute
pay-method-sandbox_out_of_order = Test: notices arrive out of order
pay-method-sandbox_duplicate = Test: the notice arrives three times
payment-title = Payment
payment-for-ad_balance = Ad balance top-up
payment-for-escrow = Creator deals top-up
payment-succeeded = Paid: it is in your balance.
payment-declined = Declined: nothing was charged.
provider-card_declined = The card was declined.
provider-account_closed = The bank account is closed.
provider-payer_declined = The payer turned it down.
payment-pending = Processing: it appears in your balance once the provider settles it.
payment-waiting = Waiting for you to finish on the payment page.
payment-back = Back to the wallet
sandbox-title = Sandbox payment page
sandbox-lead = A stand-in for a real payment provider's page. No real money moves.
sandbox-pay = Pay Carmine
sandbox-pay-button = Pay
sandbox-decline = Decline
sandbox-already = This payment is already { $status }.
org-money = Money
org-payment-created = The payment has started.
org-payment-requires_action = The payment is waiting for you on the payment page.
org-payment-pending = The payment is processing; the balance updates once it settles.
org-payment-succeeded = Paid: the balance is topped up.
org-payment-declined = The payment was declined; nothing was charged.
org-payment-failed = The payment failed; nothing was charged.
org-payment-refunded = The payment was refunded.
org-top-up = Top up
org-top-up-into = Into
org-ad-history = Ad balance history
org-escrow-history = Creator deals history

## Organizations
orgs-invitations = Invitations
orgs-invites-you = { $org } invites you as { $role }
orgs-accept = Accept
orgs-decline = Decline
orgs-yours = Yours
orgs-none = You do not belong to any organization yet.
orgs-create = Create an organization
orgs-handle = Handle
orgs-name = Name
orgs-kind = Kind
orgs-description = Description
orgs-create-submit = Create
org-kind-brand = Brand
org-kind-merchant = Merchant
org-kind-agency = Agency
org-verified = Verified
role-owner = Owner
role-admin = Admin
role-staff = Staff
role-analyst = Analyst
org-your-role = Your role: { $role }
org-profile = Profile
org-team = Team
org-member = Member
org-role = Role
org-set-role = Set role
org-leave = Leave
org-remove = Remove
org-pending-invitations = Pending invitations
org-invited-as = @{ $user } as { $role }
org-withdraw = Withdraw
org-invite = Invite
org-verification = Verification
org-verification-status = Status: { $status }
verification-unverified = not verified
verification-pending = under review
verification-verified = verified
verification-rejected = rejected
verification-request-pending = requested, under review
verification-request-approved = approved
verification-request-rejected = rejected
org-evidence = Evidence
org-evidence-hint = business licence number, website, a contact we can call
org-request-verification = Request verification

## Administration
admin-sections = Admin sections
admin-tab-members = Members
admin-tab-reports = Reports
admin-tab-verification = Verification
admin-tab-audit = Audit log
admin-tab-jobs = Jobs
admin-tab-feed = Feed
admin-tab-search = Search
admin-tab-revenue = Revenue
admin-tab-payouts = Payouts
admin-when = When
admin-who = Who
admin-action = Action
admin-target = Target
admin-details = Details
admin-console = the operator's console
admin-audit-empty = No admin actions yet.
admin-fairness = Fairness
admin-small-share = To creators under { $count } followers
admin-floor = Floor per page
admin-spearman = Spearman, over notes with impressions
admin-reach-quality = Reach ~ quality
admin-reach-followers = Reach ~ followers
admin-notes-seen = Notes seen
admin-pools = Traffic pools
admin-pool = Pool
admin-audience = Audience
admin-bar = Bar (CES per impression, smoothed)
admin-member-feed = A member's feed
admin-show = Show
admin-note = Note
admin-score = Score
admin-breakdown = Breakdown
admin-sources = Sources
admin-why = Why
admin-small-creator = small creator
admin-consumers = Log consumers
admin-consumer = Consumer
admin-log = Log
admin-position = Position
admin-lag = Lag
admin-health = Health
admin-stuck = stuck
admin-ok = ok
admin-failures = { $count ->
    [one] { $count } failure
   *[other] { $count } failures
}
admin-jobs = Jobs
admin-job-states = Job states
job-state-pending = Pending
job-state-running = Running
job-state-failed = Failed
job-state-done = Done
admin-job-kind = Kind
admin-job-key = Key
admin-runs-at = Runs at
admin-attempts = Attempts
admin-last-error = Last error
admin-retry = Retry now
admin-no-jobs = No jobs here.
admin-payouts-lead = Requested withdrawals go out in a batch every hour; send them now if needed.
admin-send-payouts = Send payouts now
admin-requested = Requested
admin-owner = Owner
admin-deleted = (deleted)
admin-reported-by = reported by @{ $user }
report-kind-note = note
report-kind-comment = comment
report-kind-member = member
admin-decision = Decision
report-action-limit = Limit to followers
report-action-remove = Remove
report-action-suspend = Suspend the author
report-action-dismiss = Dismiss
admin-reason-audit = Reason (for the audit log)
admin-decide = Decide
admin-no-reports = No open reports.
revenue-title = Revenue by stream
admin-from = From
admin-to = To
admin-by = By
admin-by-day = day
admin-by-month = month
admin-csv = Download CSV
admin-period = Period
admin-total = Total
stream-advertising = Advertising
stream-commerce_commissions = Commerce commissions
stream-live_gifts = Gifts
stream-marketplace_fees = Marketplace facilitation fees
stream-saas_subscriptions = SaaS subscriptions
stream-data_products = Data products
stream-referral_fees = Referral fees
admin-books = The books
admin-books-clean = Balanced: every balance matches its postings and the trial balance is zero ({ $balance }) over { $count } transactions.
admin-books-off = Out of balance: run this for the details:
admin-trending = Trending now
admin-trending-lead = Rising searches: searchers in the last 6 hours against what the week before predicts. Hidden terms never show to members.
admin-query = Query
admin-searchers-6h = Searchers (6 h)
admin-expected = Expected
admin-hide = Hide
admin-suggested = Suggested as members type
admin-suggested-lead = Searches that at least the configured number of signed-in members made and that found notes, without phone numbers, e-mail addresses, long digit runs or query syntax; the most searched first. Topics are suggested too. Signed-out searches never count.
admin-suggested-none = No member search is suggested yet.
admin-searches-14d = Searches (14 days)
admin-hidden = Hidden terms
admin-term = Search term
admin-hidden-none = No term is hidden.
admin-show-again = Show again
admin-temporary-password = Temporary password for @{ $user } (hand it over; it is not shown again):
admin-username-starts = Username starts with
admin-joined = Joined
admin-suspended = suspended
admin-active = active
admin-reinstate = Reinstate
admin-suspend = Suspend
admin-reset-password = Reset password
admin-no-members = No members match.
admin-pending-requests = Pending requests
admin-approve = Approve
admin-reject = Reject
admin-nothing-waiting = Nothing waiting.

## Error messages, by stable code (the API's `message` and the pages' errors)
error-malformed_json = the request body is not valid JSON
error-malformed_request = the request could not be read
error-invalid_cursor = the pagination cursor is invalid or was tampered with
error-unauthenticated = log in to do this
error-invalid_credentials = wrong username or password
error-session_expired = your session has expired; log in again
error-invalid_token = the API token is invalid or was revoked
error-csrf_failed = the request is missing a valid CSRF token
error-forbidden = you are not allowed to do this
error-role_too_low = your role in this organization does not allow this
error-admin_only = only an administrator can do this
error-blocked = one of you has blocked the other
error-account_suspended = this account is suspended
error-route_not_found = there is no such page
error-user_not_found = no such member
error-org_not_found = no such organization
error-token_not_found = no such API token
error-session_not_found = no such session
error-invitation_not_found = no such invitation
error-member_not_found = that person is not a member of this organization
error-verification_not_found = no such verification request
error-media_not_found = no such image
error-note_not_found = no such note
error-comment_not_found = no such comment
error-board_not_found = no such board
error-report_not_found = no such report
error-actor_not_found = no such member or organization
error-job_not_found = no such job
error-transaction_not_found = no such ledger transaction
error-hold_not_found = no such hold
error-payment_not_found = no such payment
error-payout_not_found = no such payout
error-method_not_allowed = this route does not accept that method
error-username_taken = that username is already taken
error-username_reserved = that username is reserved; choose another
error-handle_taken = that handle is already taken
error-already_member = that person is already a member
error-invitation_not_pending = the invitation was already answered or has expired
error-verification_pending = a verification request is already pending
error-verification_not_pending = the verification request was already decided
error-already_verified = the organization is already verified
error-last_owner = an organization must keep at least one owner
error-sole_owner_must_hand_over = you are the only owner of an organization: make someone else an owner, or close it, first
error-note_not_published = publish the note first
error-report_closed = the report was already decided
error-idempotency_key_in_use = a request with this Idempotency-Key is still running; retry shortly
error-hold_not_pending = the hold was already posted, voided or has expired
error-already_reversed = this transaction was already reversed
error-payout_account_required = register a payout account first
error-payout_not_cancellable = the payout was already sent
error-payment_not_refundable = only a succeeded payment can be refunded
error-idempotency_key_required = send an Idempotency-Key header with this request
error-payload_too_large = the request body is too large
error-request_timeout = the request body did not arrive in time
error-image_too_large = the image is too large
error-batch_too_large = the batch holds more items than one request may
error-unsupported_media_type = send the body as application/json
error-unsupported_image = send a JPEG, PNG or WebP image
error-invalid_field = a field is invalid
error-unknown_field = the request has a field this route does not accept
error-missing_field = a required field is missing
error-weak_password = the password does not meet the rules
error-wrong_password = the current password is wrong
error-image_undecodable = the image is damaged or incomplete
error-cannot_follow_self = you cannot follow yourself
error-cannot_block_self = you cannot block or mute yourself
error-unknown_event_kind = the event kind is not one of impression, read, click, share
error-event_time_out_of_range = the event's time is too far in the future or the past
error-mention_blocked = you cannot mention a member who blocked you or whom you blocked
error-invalid_amount = the amount must be a positive whole number of minor units within the limit
error-unsupported_currency = that currency is not accepted here
error-currency_mismatch = the amounts are in different currencies
error-unbalanced_transaction = the postings of a transaction must sum to zero
error-insufficient_funds = the balance is too low for this
error-idempotency_key_reused = this Idempotency-Key was used for a different request
error-invalid_idempotency_key = an Idempotency-Key is 1 to 64 visible ASCII characters
error-cannot_gift_self = you cannot send coins to yourself
error-refund_exceeds_payment = the refund is larger than what is left of the payment
error-webhook_signature_invalid = the webhook signature is missing, forged or too old
error-rate_limited = too many requests; slow down
error-login_throttled = too many failed log-ins; try again later
error-upload_quota_exceeded = you have uploaded as much as a day allows; try again tomorrow
error-internal = something went wrong on our side
error-unavailable = the service is not ready
error-search_timeout = the search took too long; try fewer or simpler words
error-provider_unavailable = the payment provider did not answer; nothing was charged twice, try again
error-in-field = { $message } ({ $field })

## Topic pages
topic-follow = Follow topic
topic-following = Following
topic-related = Related:
topic-hot = Hot
topic-new = New
topic-empty = No notes about this topic yet.
notice-topic_followed = You follow this topic: your feed shows more of it.
notice-topic_unfollowed = You no longer follow this topic.

## Profile tabs
profile-received = likes & saves
profile-tabs = Profile sections
profile-tab-notes = Notes
profile-tab-boards = Boards
profile-tab-liked = Liked
profile-no-boards = No boards yet.
profile-liked-empty = Notes you like show here; only you see this list.
profile-edit = Edit profile

## Avatars
settings-avatar = Avatar
settings-avatar-hint = a JPEG, PNG or WebP photo; it is shown round
settings-avatar-upload = Upload
settings-avatar-choose = Choose a picture
settings-avatar-remove = Use the letter instead
notice-avatar_saved = Your new avatar is up.
notice-avatar_removed = Your avatar is the first letter of your name again.

## Comment likes
comment-like = Like this comment
notification-comment_like = liked your comment on
payments-test-mode = Test mode: besides “Online payment”, the payment methods marked “Test” try out declines and late payments. No real money moves either way.
notification-gift = sent you a gift on
notification-gift-coins = { $count ->
    [one] sent you a gift of { $count } coin
   *[other] sent you a gift of { $count } coins
}
gift-other = Another amount
gift-buy-coins = Buy coins in your wallet
gift-you-have = { $count ->
    [one] You have { $count } coin
   *[other] You have { $count } coins
}

## Organization console
org-manage = Manage
org-public-page = Public page
org-tab-profile = Profile
org-tab-team = Team
org-tab-verification = Verification
org-tab-money = Money
org-profile-readonly = Owners and admins edit the profile.

## Compose: the image picker
compose-alt = What it shows
compose-move-earlier = Move earlier
compose-move-later = Move later
compose-remove-image = Remove
compose-cover = Cover
compose-choose-images = Choose images
compose-not-an-image = Not a picture we can read

## Fields as errors name them (input-<field>) and the common rules (rule-<rule>)
input-account = Account
input-account_number = Account number
input-action = Action
input-alt_text = Image description
input-amount = Amount
input-amount_minor = Amount
input-avatar_url = Avatar
input-bio = Bio
input-birth_year = Year of birth
input-body = Text
input-city = City
input-coins = Coins
input-current_password = Current password
input-description = Description
input-details = Details
input-display_name = Display name
input-dwell_ms = Reading time
input-evidence = Evidence
input-expires_at = Expiry
input-file = File
input-from_note = Note
input-gender = Gender
input-handle = Handle
input-holder_name = Account holder
input-kind = Kind
input-lang = Language
input-locale = Language
input-location = Location
input-media = Image
input-media_ids = Images
input-method = Payment method
input-name = Name
input-note_id = Note
input-password = Password
input-period = Period
input-position = Position
input-prefix = Username prefix
input-publish = Publish
input-publish_at = Publish time
input-purpose = Purpose
input-query = Search words
input-reason = Reason
input-role = Role
input-search_id = Search
input-sort = Order
input-state = State
input-status = Status
input-surface = Page
input-tab = Tab
input-target_kind = Kind
input-title = Title
input-to = End date
input-topic = Topic
input-topics = Topics
input-username = Username
input-visibility = Visibility
rule-empty = { $field } can't be empty
rule-too_short = { $field } needs at least { $limit } characters
rule-too_long = { $field } can be at most { $limit } characters
rule-too_many = { $field }: at most { $limit }
rule-control_characters = { $field } can't contain control characters
rule-handle_characters = { $field } may use only letters a–z, digits and _
rule-same_as_username = { $field } can't be the same as your username

## The audit log's actions and targets
audit-create_user = Created a member
audit-grant_admin = Made an administrator
audit-revoke_admin = Withdrew administrator rights
audit-reset_password = Reset a password
audit-suspend_user = Suspended a member
audit-unsuspend_user = Lifted a suspension
audit-approve_verification = Approved a verification
audit-reject_verification = Turned down a verification
audit-resolve_report = Resolved a report
audit-search-hide_term = Hid a search term
audit-search-show_term = Showed a search term again
audit-target-user = Member
audit-target-org = Organization
audit-target-note = Note
audit-target-comment = Comment
audit-target-member = Member
audit-target-search_term = Search term

## Commerce: stores, shipping, the category tree
edit = Edit
org-tab-store = Store
store-title = Store
store-type-brand_official = Brand official store
store-type-authorised_reseller = Authorised reseller
store-type-cross_border = Cross-border store
store-score = Store score
store-follow = Follow store
store-manage = Manage store
store-promises = What the store promises
store-returns-days = { $days }-day no-reason returns
store-returns-none = No no-reason returns
store-return-policy = Return policy
store-suspended-public = This store is not selling at the moment.
store-no-products = No products on sale yet.
store-shipping-free = Free shipping
store-shipping-fee = Shipping { $fee }
store-shipping-fee-free-over = Shipping { $fee }, free over { $over }
store-starter-template = Standard shipping
store-starter-warehouse = Main warehouse
store-suspended-staff = The operator has suspended this store: its products are hidden from buyers. Orders already placed are not affected.
store-suspended-reason = Reason: { $reason }
store-settings = Store settings
store-view = View store
store-images = Logo and banner
store-logo = Logo
store-logo-hint = A square picture works best.
store-remove-image = Remove
store-banner = Banner
store-banner-hint = Wide, about three times as wide as it is tall.
store-images-save = Upload
store-readonly = Only the organization's admins and owners can change the store's settings.
store-shipping = Shipping
store-shipping-hint = A template's fee applies everywhere it does not list; a region can have its own fee or not be delivered to. Products use the default template unless they name another.
store-template-default = Default
store-template-fee = fee ¥{ $fee }
store-template-free-over = free over ¥{ $over }
store-template-custom = { $count ->
    [one] 1 region with its own fee
   *[other] { $count } regions with their own fee
}
store-template-excluded = { $count ->
    [one] not delivered to 1 region
   *[other] not delivered to { $count } regions
}
store-template-add = Add a template
store-template-make-default = Make it the store's default
store-template-regions = Fees by region
store-region = Region
store-region-fee = Own fee
store-region-fee-hint = Regions left empty pay the template's fee; tick “Not delivered” where you do not ship.
store-region-find = Find a region
store-region-off = Not delivered
store-free-over-hint = Empty: never free.
store-warehouses = Warehouses
store-warehouses-hint = Orders take stock from the first warehouse in this order that has enough.
store-warehouse-new = New warehouse
store-warehouse-add = Add
store-open-title = Open a store
store-open-lead = Sell to the people who read your notes: one store per organization, with its own products, shipping and returns.
store-blocked-kind = Only brand and merchant organizations can open a store.
store-blocked-unverified = Get the organization verified first; then its admins and owners can open the store.
store-blocked-role = An admin or owner of the organization can open the store.
store-open = Open the store
store-return-days-hint = Days after delivery a buyer may return goods without a reason (0 to 30; 0: none).
store-return-policy-hint = Anything buyers should know, e.g. goods that cannot be returned.
store-status-open = Open
store-status-suspended = Suspended
input-store_type = Store type
input-return_days = No-reason return days
input-return_policy = Return policy
input-default_fee = Shipping fee (¥)
input-free_over = Free shipping over (¥)
input-fees = Regional fees
input-slug = Key
input-name_zh = Chinese name
input-name_en = English name
input-logo_media_id = Logo
input-banner_media_id = Banner
input-commission_bps = Commission rate
input-parent_id = Parent category
input-archived = Archived
input-categories = Categories
input-templates = Shipping templates
input-warehouses = Warehouses
input-template_id = Shipping template
input-org = Organization
admin-tab-categories = Categories
admin-tab-stores = Stores
admin-categories-lead = The platform's product categories and the commission each charges stores on a sale. A change applies to sales from then on.
admin-category = Category
admin-commission = Commission
admin-commission-percent = Commission (%)
admin-archived = Archived
admin-category-archive = Archive (no new products)
admin-category-restore = Restore
admin-category-add = Add a category
admin-category-parent = Under
admin-category-top = (top level)
admin-category-slug-hint = Lowercase letters, digits and _; never changes.
admin-category-rate-hint = Empty: the parent's rate.
admin-stores-all = All
admin-store-suspend = Suspend
admin-store-reinstate = Reinstate
admin-store-opened = opened { $when }
admin-no-stores = No stores.
notice-store_opened = Your store is open.
notice-store_saved = Store saved.
notice-template_saved = Shipping template saved.
notice-template_deleted = Shipping template deleted.
notice-warehouse_saved = Warehouse saved.
notice-warehouse_removed = Warehouse removed.
notice-warehouse_moved = Warehouse moved: checkout tries the warehouses in this order.
store-warehouse-up = Move up
store-warehouse-remove = Remove
store-warehouse-remove-confirm = Remove this warehouse? Only an empty warehouse can be removed.
notice-category_saved = Category saved.
notice-store_suspended = Store suspended.
notice-store_reinstated = Store reinstated.
error-store_not_found = no such store
error-category_not_found = no such category
error-shipping_template_not_found = no such shipping template in this store
error-warehouse_not_found = no such warehouse in this store
error-store_exists = this organization already has a store
error-store_needs_verified_org = only a verified brand or merchant organization can open a store
error-store_suspended = the store is suspended by the operator
error-category_in_use = the category still has live sub-categories
audit-commerce-create_category = Added a category
audit-commerce-update_category = Changed a category
audit-commerce-suspend_store = Suspended a store
audit-commerce-reinstate_store = Reinstated a store
audit-target-category = Category
audit-target-store = Store
region-CN-AH = Anhui
region-CN-BJ = Beijing
region-CN-CQ = Chongqing
region-CN-FJ = Fujian
region-CN-GD = Guangdong
region-CN-GS = Gansu
region-CN-GX = Guangxi
region-CN-GZ = Guizhou
region-CN-HA = Henan
region-CN-HB = Hubei
region-CN-HE = Hebei
region-CN-HI = Hainan
region-CN-HK = Hong Kong
region-CN-HL = Heilongjiang
region-CN-HN = Hunan
region-CN-JL = Jilin
region-CN-JS = Jiangsu
region-CN-JX = Jiangxi
region-CN-LN = Liaoning
region-CN-MO = Macao
region-CN-NM = Inner Mongolia
region-CN-NX = Ningxia
region-CN-QH = Qinghai
region-CN-SC = Sichuan
region-CN-SD = Shandong
region-CN-SH = Shanghai
region-CN-SN = Shaanxi
region-CN-SX = Shanxi
region-CN-TJ = Tianjin
region-CN-TW = Taiwan
region-CN-XJ = Xinjiang
region-CN-XZ = Tibet
region-CN-YN = Yunnan
region-CN-ZJ = Zhejiang
region-world = Rest of the world
audit-commerce-verify_certificate = Verified a certificate
audit-commerce-reject_certificate = Rejected a certificate
audit-target-product = Product
product-price-from = from { $price }
product-status-draft = Draft
product-status-active = On sale
product-status-archived = No longer sold
product-sold-out = Sold out
product-unavailable-archived = This product is no longer sold.
product-unavailable-suspended = This store is not selling at the moment.
product-variants = { $count ->
    [one] 1 variant
   *[other] { $count } variants
}
product-variant = Variant
product-price = Price
product-stock = Stock
product-in-stock = { $count } in stock
product-no-such-variant = Not available in this combination
product-no-returns = Returns only if faulty (not eligible for no-reason returns)
product-origin = Made in { $country }
# Origins of cross-border products (ISO 3166-1; others show their code).
country-JP = Japan
country-KR = South Korea
country-US = the United States
country-FR = France
country-DE = Germany
country-IT = Italy
country-GB = the United Kingdom
country-AU = Australia
country-NZ = New Zealand
country-CA = Canada
country-ES = Spain
country-CH = Switzerland
country-NL = the Netherlands
country-TH = Thailand
country-SG = Singapore
country-MY = Malaysia
country-VN = Vietnam
country-BE = Belgium
country-SE = Sweden
country-DK = Denmark
country-HK = Hong Kong SAR
country-IE = Ireland
country-AT = Austria
country-NO = Norway
trade-mode-bonded_warehouse = ships from a bonded warehouse
trade-mode-direct_mail = direct mail from abroad
product-certificate-verified = authenticity certificate checked
product-details = Details
input-brand = Brand
error-product_not_found = no such product
error-stock_below_reserved = that is less stock than orders have already reserved
error-warehouse_not_empty = the warehouse still holds stock; set it to zero first
error-last_warehouse = a store keeps at least one warehouse
input-attributes = Attributes
input-category = Category
input-category_id = Category
input-certificate = Certificate
input-compare_at = Compare-at price
input-hs_code = HS code
input-min_price = Price
input-options = Options
input-origin_country = Country of origin
input-shipping_template_id = Shipping template
input-stock = Stock
input-trade_mode = Trade mode
input-variants = Variants
input-warehouse_code = Warehouse code
input-weight_grams = Weight (g)
input-affiliate_bps = Creator commission
input-declared_value = Declared value
input-certificate_status = Certificate status
input-default_template = Default shipping template
input-suspended = Reason for the suspension
input-price = Price
input-cross_border = Cross-border
input-certificate_media_id = Authenticity certificate
org-tab-products = Products
product-new = New product
product-filter = Filter
product-none-yet = No products yet.
product-none-match = No products match these filters.
product-view = View product
product-choose-category = Choose a category
product-attributes-hint = One per line: name: value
product-images = Images
product-keep-image = Keep
product-add-images = Add images
product-images-hint = Up to 18; the first is the cover.
product-options-hint = Up to three options, e.g. colour and size; then update the variants and price each one you sell.
product-option-name = Option { $n }
product-option-values = Values, separated by commas
product-option-example-name = Colour
product-option-example-values = White, Black
product-update-variants = Update variants
product-too-many-variants = Those options make more than 200 variants; use fewer values.
product-sell = Sell
product-price-yuan = Price (¥)
product-compare-yuan = Compare-at (¥)
product-code = Code
product-single-variant = The product
product-selling = Selling
product-returnable = No-reason returns as the store promises
product-default-template = The store's default
product-affiliate = Creator commission (%)
product-affiliate-hint = What creators earn on the sales their notes drive; 0 for none.
product-cross-border = Cross-border
product-is-cross-border = This product is imported
product-origin-hint = Two letters, e.g. JP
product-certificate-hint = A photo or scan of the authenticity certificate; the operator checks it.
certificate-none = No certificate
certificate-pending = Waiting for review
certificate-verified = Verified
certificate-rejected = Rejected
product-readonly = Your role can read the catalogue but not change it.
product-reserved = { $count } reserved
product-save-stock = Save stock
notice-product_saved = Product saved.
notice-stock_saved = Stock saved.
notice-certificate_decided = Decision saved.
admin-tab-certificates = Certificates
admin-certificates-lead = Authenticity certificates of imported products, waiting for review.
admin-certificate-verify = Verify
admin-certificate-reject = Reject
note-products = Products in this note
note-affiliate-label = Contains affiliate links: the creator may earn a commission on purchases.
product-unavailable-short = No longer available
note-tag-products = Tag products
notice-tags_saved = Products saved.
tags-lead = Tag up to 10 products on sale; pin each on the image where it appears. Readers tap a tag to open the product.
tags-images = The note's images
tags-pin-hint = Press “Place pin” on a product, then click where it is in the picture.
tags-click-hint = Now click where the product is in the picture.
tags-current = Tagged products
tags-none = No products tagged yet.
tags-save-pin = Save pin
tags-remove = Remove
tags-find = Find products
tags-full = This note tags 10 products, as many as a note may.
tags-find-label = Product or brand
tags-add = Tag
tags-nothing-found = No product on sale matches.
tags-pin-on = Pin on
tags-no-pin = No pin
tags-pin-x = Across (%)
tags-pin-y = Down (%)
tags-place-pin = Place pin
input-tags = Products
error-product_not_taggable = only products on sale in an open store can be tagged
product-notes = Notes about this product
product-no-notes = No notes about this product yet.
search-kinds = What to search
search-kind-notes = Notes
search-kind-products = Products
search-all-products = All matching products
search-products-placeholder = Search products and brands
search-filters = Filters
search-apply-filters = Apply filters
search-price-min = Lowest price (¥)
search-price-max = Highest price (¥)
search-cross-border-only = Imported only
search-in-stock-only = In stock only
search-sort-price-low = Price: low to high
search-sort-price-high = Price: high to low
search-sort-sales = Best selling
search-no-products = No products on sale match.
input-max_price = Highest price
import-title = Import or export as CSV
import-hint = One row per variant; rows with the same “product” make one product, applied whole or not at all. Use a product's id to change it, any other key to add one. Save as CSV UTF-8.
export-csv = Download the catalogue (CSV)
import-file = CSV file
import-submit = Import
import-done = Imported: { $created } new, { $updated } changed.
import-failed = { $count ->
    [one] 1 product was not imported:
   *[other] { $count } products were not imported:
}
import-lines = lines { $first }–{ $last }
input-rows = Rows
input-product = Product
input-returnable = Returnable
input-line = Line
search-count-products = { $count ->
    [one] 1 product
   *[other] { $shown } products
}
import-line = line { $line }
import-choose = Choose a file

## Orders: cart, addresses, checkout, orders (Commerce II)
error-address_not_found = no such address in your address book
error-cart_line_not_found = that item is not in your cart
error-order_not_found = no such order
error-warehouse_in_use = orders were sent from this warehouse; it cannot be removed
error-out_of_stock = not enough of an item is in stock
error-not_for_sale = an item is no longer for sale
error-price_changed = the total changed since you saw it; review the new figures
error-cart_empty = there is nothing to check out
error-cart_full = the cart holds as many items as it may
error-region_not_delivered = a store does not deliver to that region
error-order_not_payable = the order is not waiting for payment
error-order_not_cancellable = the order can no longer be cancelled
error-order_not_shippable = only a paid order awaiting shipment can be shipped
error-order_not_shipped = the order is not on its way
error-receipt_already_extended = the time to confirm receipt was already extended once
error-after_sale_not_allowed = this item cannot have an after-sale request: the order is not received yet, the item is not returnable, or the order was imported from earlier history (ask the store)
error-after_sale_window_closed = the time for after-sale requests on this order has passed
error-after_sale_not_found = no such after-sale request
error-after_sale_not_open = the request is not waiting for that
error-review_not_allowed = only a buyer of a received order can review its products
error-already_reviewed = you have already reviewed this product
error-address_book_full = the address book holds as many addresses as it may
input-recipient = Recipient
input-phone = Mobile number
input-region = Region
input-detail = Street address
input-quantity = Quantity
input-sku_id = Variant
input-address_id = Address
input-expected_total = Total
input-sku_ids = Items
menu-cart = Cart
menu-orders = My orders
product-add-to-cart = Add to cart
product-buy-now = Buy now
product-log-in-to-buy = Log in to buy
cart-title = Cart
cart-empty = Your cart is empty.
cart-browse = Browse products
cart-not-for-sale = No longer for sale
cart-only-left = Only { $count } left
cart-price-was = was { $price }
cart-update = Update
cart-remove = Remove
cart-units = { $count ->
    [one] 1 item
   *[other] { $count } items
}
cart-shipping-later = Shipping is added at checkout.
cart-checkout = Check out
cart-fix-lines = Change or remove the items marked above to check out.
checkout-title = Checkout
checkout-ship-to = Ship to
checkout-no-address = Add an address to see shipping and pay.
checkout-new-address = Add an address
checkout-phone-hint = mainland China: 11 digits starting with 1; abroad: + and the country code
checkout-save-address = Save address
checkout-shipping = Shipping
checkout-free-shipping = Free
checkout-not-delivered = Does not deliver to this region
checkout-goods = Items
checkout-total = Total
checkout-pay = Pay { $total }
checkout-hold-note = Your items are held for 15 minutes while you pay.
orders-title = My orders
orders-empty = No orders yet.
orders-older = Older orders
order-title = Order
order-status-pending_payment = Waiting for payment
order-status-awaiting_shipment = Paid · awaiting shipment
order-status-shipped = Shipped
order-status-received = Received
order-status-completed = Completed
order-status-settled = Completed
order-status-cancelled = Cancelled
order-cancelled-expired = Cancelled: not paid in time. Your items went back on sale.
order-cancelled-buyer = You cancelled this order.
order-cancelled-merchant = The store cancelled this order.
order-cancelled-declined = Cancelled: the payment was declined.
order-pay-within = Pay within { $minutes ->
    [one] 1 minute
   *[other] { $minutes } minutes
} or the order is cancelled.
order-payment-declined = The payment was declined.
order-awaiting-shipment = Paid. The store will ship it soon.
order-not-returnable = Not eligible for no-reason returns
order-refunded = Refunded
order-placed-at = Placed { $when }
order-finish-payment = Finish paying
order-cancel = Cancel order
order-cancel-confirm = Cancel this order? Its items go back on sale.
notice-cart_added = Added to your cart.
notice-cart_saved = Cart updated.
notice-cart_removed = Removed from your cart.
notice-address_saved = Address saved.
notice-order_placed = Order placed. Thank you!
notice-order_cancelled = Order cancelled.
order-number = No. { $id }
order-payment-confirming = Your payment is being confirmed by the payment provider; this page shows the result when it arrives.
order-pay-amount = Pay { $total }
order-pays-all = This pays all { $count } orders of the checkout.
order-paid-at = paid { $when }
order-same-checkout = Ordered in the same checkout ({ $count } orders, one payment)
notice-order_paid = Paid. Thank you!
order-cancel-confirm-paid = Cancel this order? { $total } goes back to the way you paid.
error-coupon_not_found = no such coupon
error-coupon_unavailable = the coupon cannot be claimed now: it has not started, has ended or is all claimed
error-coupon_limit_reached = you have claimed this coupon as many times as it allows
error-coupon_not_applicable = a coupon cannot be used on this checkout
input-percent_bps = Percentage off
input-cap = Most off
input-min_spend = Minimum spend
input-starts_at = Starts
input-ends_at = Ends
input-per_member_limit = Per member
input-coupon_ids = Coupons
org-tab-coupons = Coupons
coupons-no-store = Open the store first.
coupons-lead = Members claim your coupons on the store page and they apply at checkout. The store pays for them.
coupons-none = No coupons yet.
coupons-offer = Offer
coupons-valid = Valid
coupons-claimed = Claimed
coupons-new = Issue a coupon
coupons-name-example = e.g. Spring sale ¥20 off
coupons-kind = Kind
coupons-kind-fixed = An amount off
coupons-kind-percent = A percentage off
coupons-amount = Amount off (¥)
coupons-percent = Percent off (%)
coupons-quantity = How many in all (empty: no limit)
coupons-issue = Issue coupon
coupon-amount-off = { $amount } off
coupon-percent-off = { $percent }% off
coupon-percent-off-capped = { $percent }% off, up to { $cap }
coupon-with-min = { $off } on { $min } or more
coupon-until = until { $when }
coupon-claim = Claim
store-coupons = Coupons
checkout-coupon = Coupon: { $name }
checkout-coupons-best = Your best coupons are applied.
notice-coupon_issued = Coupon issued.
notice-coupon_claimed = Coupon claimed: it applies at checkout.
notice-coupon_limit_reached = You already claimed this coupon.
notice-coupon_unavailable = This coupon can no longer be claimed.
error-sale_not_found = no such sale price
error-sale_overlaps = the variant already has a sale price in that window
cart-sale-price = Sale price
product-sale = Sale price { $price } { $variant }
product-sale-limits = { $limit } per member · { $left } left

# Fulfilment and settlement (ADR 0026)
org-tab-orders = Orders
order-shipped-with = Shipped with { $shipment }
order-receive-by = Received automatically on { $day } unless you confirm first.
order-receive = Confirm receipt
order-receive-confirm = Confirm you received everything in this order? The store is then paid.
order-extend-receipt = Extend by { $days } days
order-completed-note = Completed. The store is paid once its settlement period has passed.
notice-order_received = Receipt confirmed. Thank you!
notice-receipt_extended = The time to confirm receipt is extended.
notice-order_shipped = Order shipped; the buyer can follow it now.
tracking-picked_up = Picked up by the carrier
tracking-in_transit = In transit
tracking-out_for_delivery = Out for delivery
tracking-delivered = Delivered
tracking-delivery_failed = Delivery failed — the carrier will try again
carrier-sf = SF Express
carrier-jd = JD Logistics
carrier-zto = ZTO Express
carrier-ems = China Post EMS
input-carrier = Carrier
input-tracking_no = Tracking number
store-orders-filter = Order status
store-orders-all = All
store-orders-none = No orders here yet.
store-orders-ship = Ship
settlements-title = Settlements, last 30 days
settlements-lead = Each completed order is paid out after the settlement period: what the buyer paid, less the platform's commission, the payment channel's 0.6 % fee and creators' affiliate commissions, plus any platform coupon subsidy. Orders imported from earlier history were paid out before and are not counted here.
settlements-none = Nothing has settled in the last 30 days.
settlements-order = Order
settlements-day = Settled
settlements-escrow = Buyer paid
settlements-subsidy = Platform coupon
settlements-fee = Channel fee
settlements-commission = Commission
settlements-waived = Commission waived
settlements-affiliate = Affiliate
settlements-merchant = To you
settlements-csv = Download CSV

# After-sales (ADR 0026)
input-for_party = Decision
input-line_id = Item
input-note = Note
after-sales-title = After-sales
after-sales-none = No after-sale requests.
after-sale-ask = Refund or return
after-sale-kind = What you need
after-sale-kind-refund_only = Refund only
after-sale-kind-return_refund = Return and refund
after-sale-amount = Refund amount (¥)
after-sale-amount-default = The items' share of what you paid
after-sale-send = Send request
after-sale-nothing-left = Every unit of this item already has a request.
after-sale-status-requested = Waiting for the store
after-sale-status-awaiting_return = Approved · send it back
after-sale-status-returned = Returned · waiting for the store
after-sale-status-rejected = Rejected by the store
after-sale-status-arbitration = With the platform
after-sale-status-refunded = Refunded
after-sale-status-closed = Closed
after-sale-status-cancelled = Withdrawn
after-sale-due = { $status } — until { $day }
after-sale-store-said = Store: { $note }
after-sale-buyer-said = Buyer: { $note }
after-sale-operator-said = Platform: { $note }
after-sale-returned-with = Sent back with { $shipment }
after-sale-ship-return = I have sent it back
after-sale-escalate = Ask the platform to decide
after-sale-withdraw = Withdraw
after-sale-approve = Approve
after-sale-reject = Reject
after-sale-restock = Put the units back in stock
after-sale-confirm-return = Return received · refund
notice-after_sale_requested = Request sent. The store answers within 48 hours, or it is approved.
notice-after_sale_withdrawn = Request withdrawn.
notice-return_shipped = Thanks — the store confirms when it arrives.
notice-after_sale_escalated = The platform will look at it.
notice-after_sale_approved = Request approved.
notice-after_sale_rejected = Request rejected; the buyer may ask the platform to decide.
notice-return_received = Return received; the buyer is refunded.
notice-arbitration_decided = Decision recorded.
admin-tab-arbitration = Arbitration
admin-arbitration-lead = After-sale requests a store rejected and the buyer escalated. Decide for the buyer (refund, or return first) or for the store (closed for good).
admin-arbitration-line-paid = the item paid { $paid }
admin-arbitration-order-total = order { $total }
admin-arbitration-for-buyer = Decide for the buyer
admin-arbitration-for-store = Decide for the store

# Reviews (ADR 0026)
input-rating = Rating
product-reviews = Reviews
product-rating = { $average } ★ · { $count ->
    [one] 1 review
   *[other] { $count } reviews
}
product-no-reviews = No reviews yet.
review-stars = { $count ->
    [one] 1 star
   *[other] { $count } stars
}
review-verified = Verified purchase
review-as-note = Also a note
review-write = Write a review
review-done = Reviewed
review-placeholder = How was it? Fit, taste, quality, delivery…
review-images = Photos (up to 9)
review-publish-as-note = Also publish it as a note (needs a photo)
review-post = Post review
notice-review_posted = Thanks for your review!
wallet-affiliate = Affiliate commissions
wallet-affiliate-lead = What your notes earned when readers bought the products they tag, once each order settled.
store-order-status-pending_payment = Unpaid
store-order-status-awaiting_shipment = To ship
store-order-status-shipped = Shipped
store-order-status-received = Received
store-order-status-completed = Completed · settling
store-order-status-settled = Settled
store-order-status-cancelled = Cancelled
orders-tab-all = All
orders-tab-to_pay = To pay
orders-tab-to_ship = To ship
orders-tab-to_receive = To receive
orders-tab-done = Completed
orders-tab-cancelled = Cancelled
admin-tab-commerce = Commerce
admin-commerce-settings = Order and fee settings
admin-commerce-settings-lead = Set when the server starts (flags in the operations guide). Commission rates are set per category:
admin-commerce-channel-fee = Payment channel fee (charged to merchants)
admin-commerce-free = Commission-free sales per new store
admin-commerce-pay = Time to pay
admin-commerce-receive = Received automatically (failed delivery)
admin-commerce-receive-cross-border = Cross-border (failed delivery)
admin-commerce-settle = Settlement (established stores · others)
admin-commerce-after-sales = After-sale requests after receipt
admin-commerce-days = { $days ->
    [one] 1 day
   *[other] { $days } days
}
admin-commerce-minutes = { $minutes } min
admin-commerce-coupons = Platform coupons
admin-commerce-coupons-lead = Funded by the platform's coupon subsidy: merchants are paid the discount at settlement.
addresses-title = Addresses
addresses-none = No saved addresses yet.
addresses-default = Default
addresses-make-default = Use it by default
addresses-remove = Remove
addresses-remove-confirm = Remove this address? Orders already placed keep their own copy.
addresses-add-at-checkout = New addresses are added at checkout.
notice-address_removed = Address removed.
menu-addresses = Addresses
product-sales = Sale prices
sales-title = Sale prices
sales-back = Back to the product
sales-lead = A limited number of units at a lower price for a while, with a limit per member — the price buyers see while units are left. Units already bought keep their price when a sale ends.
sales-none = No sale prices running or to come.
sales-state-live = On now
sales-state-upcoming = Upcoming
sales-state-sold_out = Sold out
sales-end = End now
sales-new = New sale price
sales-price-yuan = Sale price (¥)
sales-quantity = Units at this price
sales-form-hint = Below the variant's regular price, for up to 31 days; a variant has one sale price at a time.
sales-create = Set sale price
notice-sale_created = Sale price set.
notice-sale_ended = Sale ended.
input-discount = Discount
input-lines = Items
input-review = Review
input-shipping = Shipping
input-unit_price = Unit price
input-variant = Variant
order-imported = imported history (paid before it came to this site)
order-line-coupons = (coupons)
order-coupons = Coupons
product-sale-badge = Flash sale
sales-sold-of = { $sold } of { $quantity } sold
sales-per-member = { $limit } per member
sales-per-member-limit = Limit per member
sales-end-confirm = End this sale now? Units already bought keep their price.
cart-sale-missed = Sale price { $price } for up to { $count ->
    [one] 1 unit
   *[other] { $count } units
} — lower the quantity to get it.
cart-sale-used = Sale price { $price }: your limit is reached or it is sold out.
hint-phone-mainland = Enter an 11-digit mobile number starting with 1.
hint-phone-hk-mo = Enter an 8-digit mobile number.
hint-phone-tw = Enter a 10-digit mobile number starting with 09.
hint-phone-world = Enter an international number: + and the country code, then the number.
hint-phone-needs-world = For a number abroad (+ and the country code), choose the region Rest of the world.
hint-sale-below-price = A sale price must be below the variant's regular price.

## Advertising (issue 18)
org-tab-ads = Ads
admin-tab-ads = Ad review
error-ad_campaign_not_found = no such ad campaign
error-ad_group_not_found = no such ad group
error-ad_not_found = no such ad
error-creative_not_authorised = that note is someone else's, and they have not authorised you to advertise it
error-note_not_advertisable = only a published, public note that is not limited can be advertised
error-ad_store_required = a product-sales ad needs your open store and a note tagging one of its products
error-ad_review_closed = the ad was already reviewed
error-ad_archived = it is archived and can no longer change
error-ads_limit_reached = there are as many of these as one may have; archive some first
input-objective = Objective
input-daily_budget = Daily budget (¥)
input-total_budget = Total budget (¥)
input-pricing = Pricing
input-bid = Bid (¥)
input-frequency_cap = Impressions per member a day
input-placements = Placements
input-decision = Decision
ads-campaigns = Campaigns
ads-balance = Ad balance: { $amount }
ads-top-up = Top up
ads-lead = Campaigns promote your notes where members already look — the discovery feed, search results and related notes — marked as sponsored. Every ad is reviewed before it serves, and spend never goes past your balance or budgets.
ads-no-campaigns = No campaigns yet.
ads-status-active = Active
ads-status-paused = Paused
ads-status-archived = Archived
ads-objective-engagement = Engagement (likes and saves)
ads-objective-reads = Reads
ads-objective-follows = New followers
ads-objective-product_sales = Product sales
ads-objective-search = Search (keywords only)
ads-daily = { $amount } a day
ads-total = { $amount } in all
ads-from = from { $when }
ads-new-campaign = New campaign
ads-campaign-hint = Leave the start empty to start now, and the end empty to run until you pause it. The objective cannot change later.
ads-create-campaign = Create campaign
ads-optional = optional
ads-pricing-cpc = Per click (CPC)
ads-pricing-cpm = Per 1,000 impressions (CPM)
ads-placement-feed = Discovery feed
ads-placement-search = Search results
ads-placement-related = Related notes
ads-bid-hint = The most you pay for a click (CPC) or for a thousand viewable impressions (CPM). You usually pay less: just enough to keep your place.
ads-pause = Pause
ads-resume = Resume
ads-archive = Archive
ads-archive-confirm = Archive it? An archived campaign, ad group or ad stops for good.
ads-groups = Ad groups
ads-no-groups = No ad groups yet: add one to choose where your ads show and what you bid.
ads-bid = bid { $amount }
ads-cap = at most { $count } a day per member
ads-new-group = New ad group
ads-create-group = Create ad group
ads-edit-campaign = Campaign settings
ads-edit-group = Ad group settings
ads-save = Save
ads-ads = Ads
ads-no-ads = No ads yet: choose a note below.
ads-note-gone = (note deleted)
ads-delivery-eligible = Serving
ads-delivery-in_review = In review
ads-delivery-rejected = Rejected
ads-delivery-paused = Paused
ads-delivery-archived = Archived
ads-delivery-scheduled = Scheduled
ads-delivery-ended = Ended
ads-delivery-note_unavailable = Note unavailable
ads-delivery-not_authorised = Creator withdrew permission
ads-delivery-store_required = Store or product tag missing
ads-rejected-because = Rejected: { $reason }
ads-new-ad = New ad
ads-no-notes = No note can be added: publish a public note as this organization, or ask a creator to authorise one of theirs.
ads-review-hint = The ad shows your note as it is, marked as sponsored. It is reviewed before it serves.
ads-create-ad = Add ad
ads-problem-note_not_found = The note is gone.
ads-problem-note_not_advertisable = The note is no longer public, or is limited.
ads-problem-creative_not_authorised = The creator has withdrawn permission.
ads-problem-ad_store_required = The store is closed or the note tags none of its products.
admin-ads-lead = Ads waiting for review, oldest first. Approve only what follows the advertising rules; a rejection's reason is shown to the advertiser.
admin-ads-advertiser = by @{ $handle }
admin-ads-reason-hint = Required to reject
admin-ads-approve = Approve
admin-ads-reject = Reject
audit-ads-approve = Approved an ad
audit-ads-reject = Rejected an ad
audit-target-ad = Ad
note-ad-authorisations = Advertising permissions
ad-authorisations-title = Who may advertise this note
ad-authorisations-lead = Brands you allow here may run this note as a sponsored ad, shown as it is with your name. You can withdraw permission at any time: their ads of it stop at once.
ad-authorisations-none = No one may advertise this note.
ad-authorisations-since = since { $when }
ad-authorisations-revoke = Withdraw
ad-authorisations-revoke-confirm = Withdraw this permission? Their ads of this note stop at once.
ad-authorisations-grant = Allow
notice-campaign_created = Campaign created. Add an ad group next.
notice-campaign_saved = Campaign saved.
notice-ad_group_created = Ad group created. Add an ad next.
notice-ad_group_saved = Ad group saved.
notice-ad_created = Ad added: it serves once it is approved.
notice-ad_status_saved = Ad saved.
notice-ad_approved = Ad approved.
notice-ad_rejected = Ad rejected.
notice-ad_authorised = Permission given.
notice-ad_authorisation_revoked = Permission withdrawn.
error-audience_too_small = the audience is too small to target: widen it
ads-targeting = Targeting
ads-targeting-anyone = Anyone
ads-targeting-is = Shown to: { $targeting }
input-interests = Interests (topics)
input-keywords = Keywords
ads-keywords-hint = One per line. A plain keyword is a broad match (all its words, in any order); "in quotes" is a phrase (the words together, in order); [in brackets] is exact (the whole search). Chinese and English searches are cut into words the way search cuts them.
input-negative_keywords = Negative keywords
input-age_bands = Age
input-genders = Gender
input-cities = Cities
ads-demographics-hint = Only members who chose to share their age, gender and city are matched, and only as a group: an audience under 1,000 such members is refused, and no one is ever shown to you by name.
input-lookalike = Lookalike audience
ads-lookalike-none = None
ads-seed-followers = like my followers
ads-seed-engagers = like members who liked or saved my notes
ads-seed-customers = like my customers
ads-lookalike-hint = Members whose interests are most like those of the group you choose (at least 100 of them), never the group itself. Rebuilt each time you save.
ads-lookalike-summary = { $seed } ({ $count } members)
