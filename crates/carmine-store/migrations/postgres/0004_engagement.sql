-- Engagement on notes: likes, threaded comments, and the notifications they cause.
-- Counters live on notes (like_count, comment_count) and change in the same
-- transaction as the row that justifies them.
-- Keep sqlite/ and postgres/ describing the same schema.

CREATE TABLE likes (
    user_id     BIGINT NOT NULL REFERENCES users (id),
    note_id     BIGINT NOT NULL REFERENCES notes (id),
    created_at  BIGINT NOT NULL,
    CONSTRAINT likes__user_id_key PRIMARY KEY (user_id, note_id)
);
CREATE INDEX likes_note ON likes (note_id, created_at);

CREATE TABLE comments (
    id           BIGINT PRIMARY KEY,
    note_id      BIGINT NOT NULL REFERENCES notes (id),
    author_id    BIGINT NOT NULL REFERENCES users (id),
    parent_id    BIGINT REFERENCES comments (id),   -- the comment replied to
    root_id      BIGINT REFERENCES comments (id),   -- the top-level comment of the thread
    body         TEXT    NOT NULL,
    reply_count  BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    deleted_at   BIGINT
);
CREATE INDEX comments_note_root ON comments (note_id, root_id, id);

CREATE TABLE notifications (
    id            BIGINT PRIMARY KEY,
    recipient_id  BIGINT NOT NULL REFERENCES users (id),
    kind          TEXT    NOT NULL CHECK (kind IN ('like', 'save', 'comment', 'reply', 'mention', 'follow')),
    actor_id      BIGINT NOT NULL REFERENCES users (id),   -- who did it
    note_id       BIGINT REFERENCES notes (id),
    comment_id    BIGINT REFERENCES comments (id),
    created_at    BIGINT NOT NULL,
    read_at       BIGINT
);
CREATE INDEX notifications_recipient ON notifications (recipient_id, id);
