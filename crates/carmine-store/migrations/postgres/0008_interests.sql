-- The topics a member picked in the interest picker (the feed's cold start).
CREATE TABLE member_interests (
    user_id BIGINT NOT NULL REFERENCES users(id),
    topic TEXT NOT NULL,
    picked_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, topic)
);
