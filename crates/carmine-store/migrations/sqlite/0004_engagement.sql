-- Engagement on notes: likes, threaded comments, and the notifications they cause.
-- Counters live on notes (like_count, comment_count) and change in the same
-- transaction as the row that justifies them.
-- Keep sqlite/ and postgres/ describing the same schema.

CREATE TABLE likes (
    user_id     INTEGER NOT NULL REFERENCES users (id),
    note_id     INTEGER NOT NULL REFERENCES notes (id),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, note_id)
);
CREATE INDEX likes_note ON likes (note_id, created_at);

CREATE TABLE comments (
    id           INTEGER PRIMARY KEY,
    note_id      INTEGER NOT NULL REFERENCES notes (id),
    author_id    INTEGER NOT NULL REFERENCES users (id),
    parent_id    INTEGER REFERENCES comments (id),   -- the comment replied to
    root_id      INTEGER REFERENCES comments (id),   -- the top-level comment of the thread
    body         TEXT    NOT NULL,
    reply_count  INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    deleted_at   INTEGER
);
CREATE INDEX comments_note_root ON comments (note_id, root_id, id);

CREATE TABLE notifications (
    id            INTEGER PRIMARY KEY,
    recipient_id  INTEGER NOT NULL REFERENCES users (id),
    kind          TEXT    NOT NULL CHECK (kind IN ('like', 'save', 'comment', 'reply', 'mention', 'follow')),
    actor_id      INTEGER NOT NULL REFERENCES users (id),   -- who did it
    note_id       INTEGER REFERENCES notes (id),
    comment_id    INTEGER REFERENCES comments (id),
    created_at    INTEGER NOT NULL,
    read_at       INTEGER
);
CREATE INDEX notifications_recipient ON notifications (recipient_id, id);
