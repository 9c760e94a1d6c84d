-- The data plane: the outbox becomes an ordered log, consumers keep checkpoints,
-- clients report behaviour events, per-note statistics are aggregated from both
-- logs, and a durable job table runs timed work.
-- Keep sqlite/ and postgres/ describing the same schema.

-- A row's `seq` is its position in the log. Writers leave it NULL; the sequencer
-- numbers committed rows in one transaction at a time, so a reader that has seen
-- position N will never later find a committed row below N (no gaps, no skips).
ALTER TABLE outbox ADD COLUMN seq INTEGER;
CREATE UNIQUE INDEX outbox_seq ON outbox (seq);
CREATE INDEX outbox_unsequenced ON outbox (id) WHERE seq IS NULL;

-- The last position handed out, per log ('domain' = outbox, 'behaviour').
CREATE TABLE log_heads (
    log  TEXT    PRIMARY KEY,
    seq  INTEGER NOT NULL
);
INSERT INTO log_heads (log, seq) VALUES ('domain', 0), ('behaviour', 0);

-- Where each consumer has got to in its log; written in the transaction that
-- applies the consumer's effects, so a crash replays nothing twice.
CREATE TABLE consumer_checkpoints (
    consumer    TEXT    PRIMARY KEY,
    log         TEXT    NOT NULL,
    position    INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- What clients saw and did: impressions, reads (with dwell), clicks, shares.
CREATE TABLE behaviour_events (
    id               INTEGER PRIMARY KEY,
    seq              INTEGER,
    viewer_key       INTEGER NOT NULL,      -- the member's id; 0 for a signed-out visitor
    client_event_id  TEXT    NOT NULL,
    kind             TEXT    NOT NULL CHECK (kind IN ('impression', 'read', 'click', 'share')),
    note_id          INTEGER NOT NULL REFERENCES notes (id),
    surface          TEXT    NOT NULL,
    position         INTEGER,
    dwell_ms         INTEGER,
    occurred_at      INTEGER NOT NULL,
    received_at      INTEGER NOT NULL,
    UNIQUE (viewer_key, client_event_id)
);
CREATE UNIQUE INDEX behaviour_events_seq ON behaviour_events (seq);
CREATE INDEX behaviour_events_unsequenced ON behaviour_events (id) WHERE seq IS NULL;
CREATE INDEX behaviour_events_note ON behaviour_events (note_id, occurred_at);

-- Per-note statistics per hour (`bucket` = the hour's first microsecond) and per
-- day once rolled up; totals in note_stats. Maintained by the statistics consumer.
CREATE TABLE note_stats (
    note_id       INTEGER PRIMARY KEY REFERENCES notes (id),
    impressions   INTEGER NOT NULL DEFAULT 0,
    reads         INTEGER NOT NULL DEFAULT 0,
    read_ms       INTEGER NOT NULL DEFAULT 0,
    clicks        INTEGER NOT NULL DEFAULT 0,
    share_clicks  INTEGER NOT NULL DEFAULT 0,
    likes         INTEGER NOT NULL DEFAULT 0,
    saves         INTEGER NOT NULL DEFAULT 0,
    comments      INTEGER NOT NULL DEFAULT 0,
    shares        INTEGER NOT NULL DEFAULT 0,
    follows       INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE note_stats_hourly (
    note_id       INTEGER NOT NULL REFERENCES notes (id),
    bucket        INTEGER NOT NULL,
    impressions   INTEGER NOT NULL DEFAULT 0,
    reads         INTEGER NOT NULL DEFAULT 0,
    read_ms       INTEGER NOT NULL DEFAULT 0,
    clicks        INTEGER NOT NULL DEFAULT 0,
    share_clicks  INTEGER NOT NULL DEFAULT 0,
    likes         INTEGER NOT NULL DEFAULT 0,
    saves         INTEGER NOT NULL DEFAULT 0,
    comments      INTEGER NOT NULL DEFAULT 0,
    shares        INTEGER NOT NULL DEFAULT 0,
    follows       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (note_id, bucket)
);
CREATE INDEX note_stats_hourly_bucket ON note_stats_hourly (bucket);

CREATE TABLE note_stats_daily (
    note_id       INTEGER NOT NULL REFERENCES notes (id),
    bucket        INTEGER NOT NULL,
    impressions   INTEGER NOT NULL DEFAULT 0,
    reads         INTEGER NOT NULL DEFAULT 0,
    read_ms       INTEGER NOT NULL DEFAULT 0,
    clicks        INTEGER NOT NULL DEFAULT 0,
    share_clicks  INTEGER NOT NULL DEFAULT 0,
    likes         INTEGER NOT NULL DEFAULT 0,
    saves         INTEGER NOT NULL DEFAULT 0,
    comments      INTEGER NOT NULL DEFAULT 0,
    shares        INTEGER NOT NULL DEFAULT 0,
    follows       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (note_id, bucket)
);

-- Timed work. One row per (kind, key): scheduling again moves the row. A runner
-- claims a due row with a lease; the job's effect and its completion commit together.
CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY,
    kind          TEXT    NOT NULL,
    key           TEXT    NOT NULL,
    payload       TEXT    NOT NULL,
    state         TEXT    NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed', 'cancelled')),
    run_at        INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    max_attempts  INTEGER NOT NULL,
    lease_owner   TEXT,
    lease_until   INTEGER,
    last_error    TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (kind, key)
);
CREATE INDEX jobs_due ON jobs (state, run_at);

-- A draft may carry the time it publishes itself (a `notes.publish` job does it).
ALTER TABLE notes ADD COLUMN publish_at INTEGER;

-- Records that came from a dataset (`carmine import`), by their id in it: a re-run
-- skips them, and exports keep the original ids so datasets can be cross-referenced.
CREATE TABLE import_ids (
    kind         TEXT    NOT NULL CHECK (kind IN ('actor', 'note', 'comment')),
    external_id  TEXT    NOT NULL,
    local_id     INTEGER NOT NULL,
    PRIMARY KEY (kind, external_id)
);
CREATE UNIQUE INDEX import_ids_local ON import_ids (kind, local_id);
