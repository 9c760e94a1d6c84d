-- Uploaded images, re-encoded as JPEG at a detail and a grid size. Files live in the
-- media folder (media/{id}/{variant}.jpg); this row describes them.
-- Keep sqlite/ and postgres/ describing the same schema.

CREATE TABLE media (
    id                 INTEGER PRIMARY KEY,
    owner_id           INTEGER NOT NULL REFERENCES users (id),
    url_key            TEXT    NOT NULL,      -- random part of the public URL: ids are guessable, keys are not
    source_format      TEXT    NOT NULL CHECK (source_format IN ('jpeg', 'png', 'webp')),
    source_bytes       INTEGER NOT NULL,
    width              INTEGER NOT NULL,        -- detail variant, orientation applied
    height             INTEGER NOT NULL,
    grid_width         INTEGER NOT NULL,
    grid_height        INTEGER NOT NULL,
    stored_bytes       INTEGER NOT NULL,        -- both variants together
    placeholder_color  TEXT    NOT NULL,      -- '#rrggbb', shown while the image loads
    created_at         INTEGER NOT NULL,
    deleted_at         INTEGER
);
CREATE INDEX media_owner_created ON media (owner_id, created_at);
