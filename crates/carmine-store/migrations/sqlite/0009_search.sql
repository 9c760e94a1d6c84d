-- Search: members' own history, searches per query per hour (trending, suggestions),
-- who counted once per query and hour, and the terms the operator hid from trending.
-- Searches themselves are `searched` events in the outbox.
CREATE TABLE search_history (
    user_id BIGINT NOT NULL REFERENCES users(id),
    query TEXT NOT NULL,
    searched_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, query)
);
CREATE INDEX search_history_recent ON search_history (user_id, searched_at);

CREATE TABLE search_query_hourly (
    query TEXT NOT NULL,
    bucket BIGINT NOT NULL,
    searches BIGINT NOT NULL,
    searchers BIGINT NOT NULL,
    PRIMARY KEY (query, bucket)
);
CREATE INDEX search_query_hourly_bucket ON search_query_hourly (bucket);

CREATE TABLE search_query_searchers (
    query TEXT NOT NULL,
    bucket BIGINT NOT NULL,
    searcher BIGINT NOT NULL,
    PRIMARY KEY (query, bucket, searcher)
);
CREATE INDEX search_query_searchers_bucket ON search_query_searchers (bucket);

CREATE TABLE search_hidden_terms (
    query TEXT PRIMARY KEY,
    hidden_by BIGINT NOT NULL REFERENCES users(id),
    hidden_at BIGINT NOT NULL
);

-- A click or impression on a search result names the search it came from.
ALTER TABLE behaviour_events ADD COLUMN search_id BIGINT;
