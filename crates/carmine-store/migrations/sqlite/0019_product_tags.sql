-- Shoppable notes (carmine-commerce, ADR 0024): the products a note tags (at most
-- 10), each optionally pinned at a point of one of its images, and the taps that
-- attribute a buyer to a note (last touch within a window, read by checkout).

-- `pin_x`, `pin_y`: the pin's point in thousandths of the image's width and height.
-- `affiliate`: tagged in a note its store did not write (its creator may earn the
-- product's affiliate rate).
CREATE TABLE note_product_tags (
    note_id     BIGINT NOT NULL REFERENCES notes (id),
    product_id  BIGINT NOT NULL REFERENCES products (id),
    position    BIGINT NOT NULL,
    media_id    BIGINT REFERENCES media (id),
    pin_x       BIGINT CHECK (pin_x IS NULL OR pin_x BETWEEN 0 AND 1000),
    pin_y       BIGINT CHECK (pin_y IS NULL OR pin_y BETWEEN 0 AND 1000),
    affiliate   BIGINT NOT NULL CHECK (affiliate IN (0, 1)),
    tagged_by   BIGINT NOT NULL REFERENCES users (id),
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (note_id, product_id),
    CHECK ((media_id IS NULL AND pin_x IS NULL AND pin_y IS NULL)
        OR (media_id IS NOT NULL AND pin_x IS NOT NULL AND pin_y IS NOT NULL))
);
CREATE INDEX note_product_tags_product ON note_product_tags (product_id, note_id);

-- A tap on a note's product tag. `visitor` is `u:<member id>` or `c:<first-party
-- cookie token>` for someone signed out.
CREATE TABLE product_attributions (
    id          BIGINT PRIMARY KEY,
    visitor     TEXT   NOT NULL,
    product_id  BIGINT NOT NULL REFERENCES products (id),
    note_id     BIGINT NOT NULL REFERENCES notes (id),
    creator_id  BIGINT NOT NULL REFERENCES actors (id),
    affiliate   BIGINT NOT NULL CHECK (affiliate IN (0, 1)),
    touched_at  BIGINT NOT NULL
);
CREATE INDEX product_attributions_visitor ON product_attributions (visitor, product_id, touched_at);
