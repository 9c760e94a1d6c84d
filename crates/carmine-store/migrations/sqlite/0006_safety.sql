-- Trust and safety: reports with their decisions, and members blocking or muting others.
-- Keep sqlite/ and postgres/ describing the same schema.

CREATE TABLE reports (
    id           INTEGER PRIMARY KEY,
    reporter_id  INTEGER NOT NULL REFERENCES users (id),
    target_kind  TEXT    NOT NULL CHECK (target_kind IN ('note', 'comment', 'member')),
    target_id    INTEGER NOT NULL,
    reason       TEXT    NOT NULL CHECK (reason IN ('spam', 'harassment', 'inappropriate', 'misinformation', 'other')),
    details      TEXT    NOT NULL DEFAULT '',
    status       TEXT    NOT NULL CHECK (status IN ('open', 'resolved')),
    decision     TEXT    CHECK (decision IN ('removed', 'limited', 'suspended', 'dismissed')),
    decided_by   INTEGER REFERENCES users (id),
    decided_at   INTEGER,
    created_at   INTEGER NOT NULL
);
CREATE INDEX reports_status ON reports (status, id);
CREATE INDEX reports_target ON reports (target_kind, target_id);

CREATE TABLE blocks (
    blocker_id  INTEGER NOT NULL REFERENCES users (id),
    blocked_id  INTEGER NOT NULL REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (blocker_id, blocked_id)
);
CREATE INDEX blocks_blocked ON blocks (blocked_id);

CREATE TABLE mutes (
    muter_id    INTEGER NOT NULL REFERENCES users (id),
    muted_id    INTEGER NOT NULL REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (muter_id, muted_id)
);
