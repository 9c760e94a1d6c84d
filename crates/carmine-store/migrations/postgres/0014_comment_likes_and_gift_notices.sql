-- Likes on comments (counted on the comment in the like's transaction), and two new
-- kinds of notification: a liked comment and a gift (with its coins).
CREATE TABLE comment_likes (
    user_id     BIGINT NOT NULL REFERENCES users (id),
    comment_id  BIGINT NOT NULL REFERENCES comments (id),
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (user_id, comment_id)
);
CREATE INDEX comment_likes_comment ON comment_likes (comment_id);
ALTER TABLE comments ADD COLUMN like_count BIGINT NOT NULL DEFAULT 0;

ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('like', 'save', 'comment', 'reply', 'mention', 'follow', 'comment_like', 'gift'));
ALTER TABLE notifications ADD COLUMN coins BIGINT;
