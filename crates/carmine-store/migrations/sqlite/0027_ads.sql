-- Advertising (carmine-ads, ADR 0028): campaigns of an advertiser (an organization,
-- or a member boosting their own note), ad groups with their bid and placements, and
-- ads — each a note, reviewed before it serves. A creator authorises an organization
-- to advertise one of their notes; revoking stops serving at once.
CREATE TABLE ad_campaigns (
    id                  BIGINT PRIMARY KEY,
    advertiser_id       BIGINT NOT NULL REFERENCES actors (id),
    name                TEXT   NOT NULL,
    objective           TEXT   NOT NULL CHECK (objective IN ('engagement', 'reads', 'follows', 'product_sales', 'search')),
    daily_budget_minor  BIGINT NOT NULL CHECK (daily_budget_minor > 0),
    total_budget_minor  BIGINT CHECK (total_budget_minor IS NULL OR total_budget_minor > 0),
    starts_at           BIGINT NOT NULL,
    ends_at             BIGINT,
    status              TEXT   NOT NULL CHECK (status IN ('active', 'paused', 'archived')),
    created_by          BIGINT NOT NULL REFERENCES users (id),
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    CHECK (ends_at IS NULL OR ends_at > starts_at)
);
CREATE INDEX ad_campaigns_advertiser ON ad_campaigns (advertiser_id, id);

CREATE TABLE ad_groups (
    id              BIGINT PRIMARY KEY,
    campaign_id     BIGINT NOT NULL REFERENCES ad_campaigns (id),
    advertiser_id   BIGINT NOT NULL REFERENCES actors (id),
    name            TEXT   NOT NULL,
    pricing         TEXT   NOT NULL CHECK (pricing IN ('cpc', 'cpm')),
    -- Per click (CPC) or per thousand viewable impressions (CPM), in minor units.
    bid_minor       BIGINT NOT NULL CHECK (bid_minor > 0),
    frequency_cap   BIGINT NOT NULL CHECK (frequency_cap >= 1),
    -- A comma list of `feed`, `search`, `related`.
    placements      TEXT   NOT NULL,
    -- Targeting as validated JSON (carmine-ads::targeting).
    targeting       TEXT   NOT NULL DEFAULT '{}',
    status          TEXT   NOT NULL CHECK (status IN ('active', 'paused', 'archived')),
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX ad_groups_campaign ON ad_groups (campaign_id, id);

CREATE TABLE ads (
    id              BIGINT PRIMARY KEY,
    group_id        BIGINT NOT NULL REFERENCES ad_groups (id),
    campaign_id     BIGINT NOT NULL REFERENCES ad_campaigns (id),
    advertiser_id   BIGINT NOT NULL REFERENCES actors (id),
    note_id         BIGINT NOT NULL REFERENCES notes (id),
    review_status   TEXT   NOT NULL CHECK (review_status IN ('pending', 'approved', 'rejected')),
    review_reason   TEXT,
    reviewed_by     BIGINT REFERENCES users (id),
    reviewed_at     BIGINT,
    status          TEXT   NOT NULL CHECK (status IN ('active', 'paused', 'archived')),
    created_by      BIGINT NOT NULL REFERENCES users (id),
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX ads_group ON ads (group_id, id);
CREATE INDEX ads_review ON ads (review_status, id);
CREATE INDEX ads_note ON ads (note_id);
CREATE UNIQUE INDEX ads_one_per_note_in_group ON ads (group_id, note_id) WHERE status <> 'archived';

-- A creator's permission for an organization to advertise one of their notes.
CREATE TABLE ad_authorisations (
    note_id     BIGINT NOT NULL REFERENCES notes (id),
    org_id      BIGINT NOT NULL REFERENCES orgs (id),
    granted_by  BIGINT NOT NULL REFERENCES users (id),
    granted_at  BIGINT NOT NULL,
    revoked_at  BIGINT,
    PRIMARY KEY (note_id, org_id)
);
CREATE INDEX ad_authorisations_org ON ad_authorisations (org_id, granted_at);

-- A lookalike audience as built when its ad group's targeting was saved: the members
-- most like the seed (never the seed), replaced whole on every save.
CREATE TABLE ad_audiences (
    group_id  BIGINT NOT NULL REFERENCES ad_groups (id),
    user_id   BIGINT NOT NULL REFERENCES users (id),
    PRIMARY KEY (group_id, user_id)
);

-- What each campaign has spent, in thousandths of a minor unit (a CPM impression
-- costs its price ÷ 1,000), and the chunk of its advertiser's balance it holds now:
-- a ledger hold of `chunk_minor`, used up by billable events through one conditional
-- update, so no burst of events spends past the chunk, the budgets or the balance.
CREATE TABLE ad_spend (
    campaign_id           BIGINT PRIMARY KEY REFERENCES ad_campaigns (id),
    day                   TEXT   NOT NULL,
    spent_today_millis    BIGINT NOT NULL DEFAULT 0 CHECK (spent_today_millis >= 0),
    spent_total_millis    BIGINT NOT NULL DEFAULT 0 CHECK (spent_total_millis >= 0),
    posted_minor          BIGINT NOT NULL DEFAULT 0 CHECK (posted_minor >= 0),
    hold_id               BIGINT,
    chunk_minor           BIGINT NOT NULL DEFAULT 0 CHECK (chunk_minor >= 0),
    chunk_used_millis     BIGINT NOT NULL DEFAULT 0 CHECK (chunk_used_millis >= 0),
    CHECK (chunk_used_millis <= chunk_minor * 1000),
    CHECK (posted_minor * 1000 <= spent_total_millis)
);

-- Every event a served ad's token was used for, billed or refused with its reason.
-- A token bills one event of each kind: the unique index over accepted events.
CREATE TABLE ad_events (
    id              BIGINT PRIMARY KEY,
    token_hash      TEXT   NOT NULL,
    kind            TEXT   NOT NULL CHECK (kind IN ('viewable', 'click')),
    ad_id           BIGINT REFERENCES ads (id),
    campaign_id     BIGINT REFERENCES ad_campaigns (id),
    placement       TEXT,
    slot            BIGINT,
    viewer          TEXT   NOT NULL,
    user_id         BIGINT REFERENCES users (id),
    cost_millis     BIGINT NOT NULL DEFAULT 0 CHECK (cost_millis >= 0),
    reason          TEXT,
    -- Found invalid after the fact (`ads.invalid_traffic`), and its cost credited back.
    invalid_at      BIGINT,
    invalid_reason  TEXT,
    created_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX ad_events__token_hash_key ON ad_events (token_hash, kind) WHERE reason IS NULL;
CREATE INDEX ad_events_campaign ON ad_events (campaign_id, created_at);
CREATE INDEX ad_events_viewer ON ad_events (viewer, created_at);

-- Impressions of a campaign served to a viewer on a day: the frequency cap.
CREATE TABLE ad_frequency (
    campaign_id  BIGINT NOT NULL REFERENCES ad_campaigns (id),
    viewer       TEXT   NOT NULL,
    day          TEXT   NOT NULL,
    served       BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (viewer, day, campaign_id)
);

-- What an ad's predicted click-through rate learns from, per placement: viewable
-- impressions weighted by their slot's position factor (thousandths), and clicks.
CREATE TABLE ad_stats (
    ad_id                        BIGINT NOT NULL REFERENCES ads (id),
    placement                    TEXT   NOT NULL,
    weighted_impressions_millis  BIGINT NOT NULL DEFAULT 0,
    clicks                       BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (ad_id, placement)
);
