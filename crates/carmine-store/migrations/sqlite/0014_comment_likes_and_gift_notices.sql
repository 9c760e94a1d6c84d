-- Likes on comments (counted on the comment in the like's transaction), and two new
-- kinds of notification: a liked comment and a gift (with its coins). SQLite cannot
-- change a CHECK, so the notifications table is rebuilt with its rows.
CREATE TABLE comment_likes (
    user_id     INTEGER NOT NULL REFERENCES users (id),
    comment_id  INTEGER NOT NULL REFERENCES comments (id),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, comment_id)
);
CREATE INDEX comment_likes_comment ON comment_likes (comment_id);
ALTER TABLE comments ADD COLUMN like_count INTEGER NOT NULL DEFAULT 0;

CREATE TABLE notifications_rebuilt (
    id            INTEGER PRIMARY KEY,
    recipient_id  INTEGER NOT NULL REFERENCES users (id),
    kind          TEXT    NOT NULL
                  CHECK (kind IN ('like', 'save', 'comment', 'reply', 'mention', 'follow', 'comment_like', 'gift')),
    actor_id      INTEGER NOT NULL REFERENCES users (id),
    note_id       INTEGER REFERENCES notes (id),
    comment_id    INTEGER REFERENCES comments (id),
    coins         INTEGER,
    created_at    INTEGER NOT NULL,
    read_at       INTEGER
);
INSERT INTO notifications_rebuilt (id, recipient_id, kind, actor_id, note_id, comment_id, created_at, read_at)
    SELECT id, recipient_id, kind, actor_id, note_id, comment_id, created_at, read_at FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_rebuilt RENAME TO notifications;
CREATE INDEX notifications_recipient ON notifications (recipient_id, id);
