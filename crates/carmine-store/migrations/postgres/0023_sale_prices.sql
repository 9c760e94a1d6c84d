-- Limited-quantity sale prices (carmine-orders, ADR 0025): a variant sold at a lower
-- price for a window, up to `quantity` units and `per_member_limit` per member — the
-- primitive live flash deals use. Units are counted by conditional updates when an
-- order takes them and given back when it is cancelled.
CREATE TABLE sale_prices (
    id                BIGINT PRIMARY KEY,
    sku_id            BIGINT NOT NULL REFERENCES skus (id),
    store_id          BIGINT NOT NULL REFERENCES stores (id),
    price_minor       BIGINT NOT NULL CHECK (price_minor > 0),
    quantity          BIGINT NOT NULL CHECK (quantity >= 1),
    sold              BIGINT NOT NULL DEFAULT 0,
    per_member_limit  BIGINT NOT NULL CHECK (per_member_limit >= 1),
    starts_at         BIGINT NOT NULL,
    ends_at           BIGINT NOT NULL,
    ended_at          BIGINT,
    created_by        BIGINT NOT NULL REFERENCES users (id),
    created_at        BIGINT NOT NULL,
    CHECK (sold >= 0 AND sold <= quantity),
    CHECK (ends_at > starts_at)
);
CREATE INDEX sale_prices_sku ON sale_prices (sku_id, ends_at);

-- Units of a sale each member holds in orders not cancelled.
CREATE TABLE sale_units (
    sale_id  BIGINT NOT NULL REFERENCES sale_prices (id),
    user_id  BIGINT NOT NULL REFERENCES users (id),
    units    BIGINT NOT NULL CHECK (units >= 0),
    PRIMARY KEY (sale_id, user_id)
);

-- The sale a line was sold under, if any.
ALTER TABLE order_lines ADD COLUMN sale_id BIGINT REFERENCES sale_prices (id);
