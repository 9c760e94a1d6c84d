-- What was served, one row per token (ADR 0033): the reports' impressions, reach and
-- frequency, and what a later event on the token is attributed to — the placement,
-- the keyword that matched and the search term.
CREATE TABLE ad_impressions (
    token_hash   TEXT   PRIMARY KEY,
    ad_id        BIGINT NOT NULL REFERENCES ads (id),
    campaign_id  BIGINT NOT NULL REFERENCES ad_campaigns (id),
    placement    TEXT   NOT NULL,
    slot         BIGINT NOT NULL,
    viewer       TEXT   NOT NULL,
    user_id      BIGINT,
    keyword      TEXT,
    search_term  TEXT,
    day          TEXT   NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX ad_impressions_campaign ON ad_impressions (campaign_id, day);

-- How far `ads.invalid_traffic` has looked: a day's report is final once it has
-- looked past the day's end, preliminary until then.
CREATE TABLE ad_traffic_checks (
    id               BIGINT PRIMARY KEY CHECK (id = 1),
    checked_through  BIGINT NOT NULL
);
