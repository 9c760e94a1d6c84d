-- `carmine import` remembers orders by their dataset ids too (issue 17). SQLite
-- cannot widen a CHECK in place: the table is rebuilt with the same rows.
CREATE TABLE import_ids_widened (
    kind         TEXT    NOT NULL CHECK (kind IN ('actor', 'note', 'comment', 'store', 'product', 'order')),
    external_id  TEXT    NOT NULL,
    local_id     INTEGER NOT NULL,
    PRIMARY KEY (kind, external_id)
);
INSERT INTO import_ids_widened (kind, external_id, local_id) SELECT kind, external_id, local_id FROM import_ids;
DROP TABLE import_ids;
ALTER TABLE import_ids_widened RENAME TO import_ids;
CREATE UNIQUE INDEX import_ids_local ON import_ids (kind, local_id);
