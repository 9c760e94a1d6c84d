-- Paid engagement (ADR 0031): a read of a note reached through a sponsored card
-- names the ad, and what each ad brought is kept per member and kind.
ALTER TABLE behaviour_events ADD COLUMN ad_id BIGINT;

CREATE TABLE ad_engagements (
    id           BIGINT PRIMARY KEY,
    ad_id        BIGINT NOT NULL REFERENCES ads (id),
    campaign_id  BIGINT NOT NULL REFERENCES ad_campaigns (id),
    note_id      BIGINT NOT NULL,
    -- NULL for a signed-out visitor's read (each counted).
    user_id      BIGINT,
    kind         TEXT   NOT NULL CHECK (kind IN ('like', 'save', 'comment', 'share', 'follow', 'read')),
    created_at   BIGINT NOT NULL,
    CONSTRAINT ad_engagements__once_key UNIQUE (ad_id, kind, user_id)
);
CREATE INDEX ad_engagements_campaign ON ad_engagements (campaign_id, created_at);

-- Boosts (ADR 0032): a member's campaign of their own note, paid from coins, running
-- `boost_hours` from its approval; `settled_at` once its unspent money went back.
ALTER TABLE ad_campaigns ADD COLUMN boost_hours BIGINT;
ALTER TABLE ad_campaigns ADD COLUMN settled_at BIGINT;
