-- Notes (images + text) owned by an actor, their images, topics and mentions; and
-- follows (a member following an actor), which decide who sees followers-only notes.
-- Keep sqlite/ and postgres/ describing the same schema.

CREATE TABLE notes (
    id                 BIGINT PRIMARY KEY,
    author_id          BIGINT NOT NULL REFERENCES actors (id),   -- a member or an organization
    posted_by          BIGINT NOT NULL REFERENCES users (id),    -- the member who wrote it
    title              TEXT    NOT NULL DEFAULT '',
    body               TEXT    NOT NULL DEFAULT '',
    location           TEXT,
    visibility         TEXT    NOT NULL CHECK (visibility IN ('public', 'followers', 'private')),
    status             TEXT    NOT NULL CHECK (status IN ('draft', 'published')),
    moderation         TEXT    NOT NULL DEFAULT 'none' CHECK (moderation IN ('none', 'limited')),
    cover_media_id     BIGINT REFERENCES media (id),
    like_count         BIGINT NOT NULL DEFAULT 0,
    save_count         BIGINT NOT NULL DEFAULT 0,
    comment_count      BIGINT NOT NULL DEFAULT 0,
    share_count        BIGINT NOT NULL DEFAULT 0,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    published_at       BIGINT,
    deleted_at         BIGINT
);
CREATE INDEX notes_published ON notes (status, published_at);
CREATE INDEX notes_author ON notes (author_id, published_at);

CREATE TABLE note_media (
    note_id   BIGINT NOT NULL REFERENCES notes (id),
    position  BIGINT NOT NULL,
    media_id  BIGINT NOT NULL REFERENCES media (id),
    PRIMARY KEY (note_id, position)
);

CREATE TABLE note_topics (
    note_id  BIGINT NOT NULL REFERENCES notes (id),
    topic    TEXT    NOT NULL,
    PRIMARY KEY (note_id, topic)
);
CREATE INDEX note_topics_topic ON note_topics (topic, note_id);

CREATE TABLE note_mentions (
    note_id  BIGINT NOT NULL REFERENCES notes (id),
    user_id  BIGINT NOT NULL REFERENCES users (id),
    PRIMARY KEY (note_id, user_id)
);

CREATE TABLE follows (
    follower_id  BIGINT NOT NULL REFERENCES users (id),
    followee_id  BIGINT NOT NULL REFERENCES actors (id),
    created_at   BIGINT NOT NULL,
    CONSTRAINT follows__follower_id_key PRIMARY KEY (follower_id, followee_id)
);
CREATE INDEX follows_followee ON follows (followee_id, created_at);
