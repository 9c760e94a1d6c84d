-- Boards (named collections) and saves. A member saves a note once, into one of
-- their boards or their default "Saved" (board_id NULL); notes.save_count counts saves.
-- Keep sqlite/ and postgres/ describing the same schema.

CREATE TABLE boards (
    id          BIGINT PRIMARY KEY,
    owner_id    BIGINT NOT NULL REFERENCES users (id),
    name        TEXT    NOT NULL,
    visibility  TEXT    NOT NULL CHECK (visibility IN ('public', 'private')),
    created_at  BIGINT NOT NULL,
    deleted_at  BIGINT
);
CREATE INDEX boards_owner ON boards (owner_id, id);

CREATE TABLE saves (
    user_id     BIGINT NOT NULL REFERENCES users (id),
    note_id     BIGINT NOT NULL REFERENCES notes (id),
    board_id    BIGINT REFERENCES boards (id),
    created_at  BIGINT NOT NULL,
    CONSTRAINT saves__user_id_key PRIMARY KEY (user_id, note_id)
);
CREATE INDEX saves_board ON saves (board_id, created_at);
CREATE INDEX saves_user ON saves (user_id, created_at);
