-- Suggestions and trending come only from queries that enough distinct signed-in
-- members searched (and found something): who searched each query, when last.
-- Signed-out visitors no longer count at all.
CREATE TABLE search_query_members (
    query TEXT NOT NULL,
    member_id BIGINT NOT NULL,
    last_bucket BIGINT NOT NULL,
    PRIMARY KEY (query, member_id)
);
CREATE INDEX search_query_members_last ON search_query_members (last_bucket);

INSERT INTO search_query_members (query, member_id, last_bucket)
SELECT query, searcher, MAX(bucket) FROM search_query_searchers WHERE searcher > 0 GROUP BY query, searcher;

-- Visitors' counts cannot be told apart in the hourly totals: drop them from the
-- per-hour searcher rows (the totals age out of the windows within a week).
DELETE FROM search_query_searchers WHERE searcher < 0;
