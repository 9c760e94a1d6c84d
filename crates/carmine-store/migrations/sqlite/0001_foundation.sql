-- Foundation: actors, members, sessions, API tokens, organizations, audit log, outbox.
-- Times are INTEGER microseconds since the Unix epoch (UTC); ids are app-generated.
-- Keep this file and postgres/0001_foundation.sql describing the same schema.

CREATE TABLE actors (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL CHECK (kind IN ('member', 'org')),
    handle      TEXT    UNIQUE,            -- NULL once erased (tombstone)
    created_at  INTEGER NOT NULL,
    deleted_at  INTEGER
);

CREATE TABLE users (
    id                       INTEGER PRIMARY KEY REFERENCES actors (id),
    password_hash            TEXT,         -- NULL: cannot log in (erased, or imported without one)
    display_name             TEXT    NOT NULL DEFAULT '',
    bio                      TEXT    NOT NULL DEFAULT '',
    avatar_url               TEXT,
    birth_year               INTEGER,
    gender                   TEXT,
    city                     TEXT,
    demographics_consent_at  INTEGER,      -- demographics are stored only with consent
    is_admin                 INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    suspended_at             INTEGER,
    suspension_reason        TEXT,
    created_at               INTEGER NOT NULL,
    updated_at               INTEGER NOT NULL,
    deleted_at               INTEGER
);

CREATE TABLE sessions (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    token_hash    TEXT    NOT NULL UNIQUE,
    csrf_token    TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,        -- absolute timeout
    user_agent    TEXT    NOT NULL DEFAULT '',
    ip            TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    name          TEXT    NOT NULL,
    token_hash    TEXT    NOT NULL UNIQUE,
    prefix        TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    revoked_at    INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE orgs (
    id                   INTEGER PRIMARY KEY REFERENCES actors (id),
    name                 TEXT    NOT NULL,
    kind                 TEXT    NOT NULL CHECK (kind IN ('brand', 'merchant', 'agency')),
    description          TEXT    NOT NULL DEFAULT '',
    verification_status  TEXT    NOT NULL DEFAULT 'unverified'
                         CHECK (verification_status IN ('unverified', 'pending', 'verified', 'rejected')),
    verified_at          INTEGER,
    created_by           INTEGER NOT NULL REFERENCES users (id),
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    deleted_at           INTEGER
);
CREATE INDEX orgs_created_by ON orgs (created_by);

CREATE TABLE org_members (
    org_id      INTEGER NOT NULL REFERENCES orgs (id),
    user_id     INTEGER NOT NULL REFERENCES users (id),
    role        TEXT    NOT NULL CHECK (role IN ('owner', 'admin', 'staff', 'analyst')),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX org_members_user ON org_members (user_id);

CREATE TABLE org_invitations (
    id           INTEGER PRIMARY KEY,
    org_id       INTEGER NOT NULL REFERENCES orgs (id),
    user_id      INTEGER NOT NULL REFERENCES users (id),
    role         TEXT    NOT NULL CHECK (role IN ('owner', 'admin', 'staff', 'analyst')),
    invited_by   INTEGER NOT NULL REFERENCES users (id),
    status       TEXT    NOT NULL CHECK (status IN ('pending', 'accepted', 'declined', 'revoked')),
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    answered_at  INTEGER
);
CREATE INDEX org_invitations_org ON org_invitations (org_id, status);
CREATE INDEX org_invitations_user ON org_invitations (user_id, status);

CREATE TABLE org_verification_requests (
    id               INTEGER PRIMARY KEY,
    org_id           INTEGER NOT NULL REFERENCES orgs (id),
    requested_by     INTEGER NOT NULL REFERENCES users (id),
    evidence         TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by       INTEGER REFERENCES users (id),
    decision_reason  TEXT,
    created_at       INTEGER NOT NULL,
    decided_at       INTEGER
);
CREATE INDEX org_verification_requests_status ON org_verification_requests (status, id);
CREATE INDEX org_verification_requests_org ON org_verification_requests (org_id, id);

CREATE TABLE admin_audit_log (
    id           INTEGER PRIMARY KEY,
    admin_id     INTEGER REFERENCES users (id),  -- NULL: the operator console (CLI)
    action       TEXT    NOT NULL,
    target_kind  TEXT    NOT NULL,
    target_id    INTEGER NOT NULL,
    details      TEXT    NOT NULL,          -- JSON object
    created_at   INTEGER NOT NULL
);

CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    event_type  TEXT    NOT NULL,
    payload     TEXT    NOT NULL,           -- JSON of carmine_core::event::DomainEvent
    created_at  INTEGER NOT NULL
);

CREATE TABLE instance_secrets (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
