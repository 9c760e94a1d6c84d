-- Notes (images + text) owned by an actor, their images, topics and mentions; and
-- follows (a member following an actor), which decide who sees followers-only notes.
-- Keep sqlite/ and postgres/ describing the same schema.

CREATE TABLE notes (
    id                 INTEGER PRIMARY KEY,
    author_id          INTEGER NOT NULL REFERENCES actors (id),   -- a member or an organization
    posted_by          INTEGER NOT NULL REFERENCES users (id),    -- the member who wrote it
    title              TEXT    NOT NULL DEFAULT '',
    body               TEXT    NOT NULL DEFAULT '',
    location           TEXT,
    visibility         TEXT    NOT NULL CHECK (visibility IN ('public', 'followers', 'private')),
    status             TEXT    NOT NULL CHECK (status IN ('draft', 'published')),
    moderation         TEXT    NOT NULL DEFAULT 'none' CHECK (moderation IN ('none', 'limited')),
    cover_media_id     INTEGER REFERENCES media (id),
    like_count         INTEGER NOT NULL DEFAULT 0,
    save_count         INTEGER NOT NULL DEFAULT 0,
    comment_count      INTEGER NOT NULL DEFAULT 0,
    share_count        INTEGER NOT NULL DEFAULT 0,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    published_at       INTEGER,
    deleted_at         INTEGER
);
CREATE INDEX notes_published ON notes (status, published_at);
CREATE INDEX notes_author ON notes (author_id, published_at);

CREATE TABLE note_media (
    note_id   INTEGER NOT NULL REFERENCES notes (id),
    position  INTEGER NOT NULL,
    media_id  INTEGER NOT NULL REFERENCES media (id),
    PRIMARY KEY (note_id, position)
);

CREATE TABLE note_topics (
    note_id  INTEGER NOT NULL REFERENCES notes (id),
    topic    TEXT    NOT NULL,
    PRIMARY KEY (note_id, topic)
);
CREATE INDEX note_topics_topic ON note_topics (topic, note_id);

CREATE TABLE note_mentions (
    note_id  INTEGER NOT NULL REFERENCES notes (id),
    user_id  INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (note_id, user_id)
);

CREATE TABLE follows (
    follower_id  INTEGER NOT NULL REFERENCES users (id),
    followee_id  INTEGER NOT NULL REFERENCES actors (id),
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (follower_id, followee_id)
);
CREATE INDEX follows_followee ON follows (followee_id, created_at);
