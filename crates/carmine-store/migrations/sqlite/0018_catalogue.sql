-- The product catalogue (carmine-commerce, ADR 0024): products (SPU) of a store in a
-- category, their images, variants (SKU) with prices, stock per (SKU, warehouse) and
-- the price history "lowest price in 30 days" rules will read.

-- `options` is a JSON list of {"name", "values"} (at most 3 options); `attributes` a
-- JSON list of [name, value] pairs. The listing columns (price range, stock total)
-- are rewritten in the transaction of every variant or stock change.
CREATE TABLE products (
    id                     BIGINT PRIMARY KEY,
    store_id               BIGINT NOT NULL REFERENCES stores (id),
    category_id            BIGINT NOT NULL REFERENCES categories (id),
    title                  TEXT   NOT NULL,
    description            TEXT   NOT NULL DEFAULT '',
    brand                  TEXT   NOT NULL DEFAULT '',
    attributes             TEXT   NOT NULL DEFAULT '[]',
    options                TEXT   NOT NULL DEFAULT '[]',
    status                 TEXT   NOT NULL CHECK (status IN ('draft', 'active', 'archived')),
    -- 0: exempt from the store's no-reason returns (e.g. opened cosmetics, fresh food).
    returnable             BIGINT NOT NULL DEFAULT 1 CHECK (returnable IN (0, 1)),
    shipping_template_id   BIGINT REFERENCES shipping_templates (id),
    -- What a creator earns on the sales an affiliate tag drives (basis points).
    affiliate_bps          BIGINT NOT NULL DEFAULT 0 CHECK (affiliate_bps BETWEEN 0 AND 10000),
    cross_border           BIGINT NOT NULL DEFAULT 0 CHECK (cross_border IN (0, 1)),
    origin_country         TEXT,
    trade_mode             TEXT CHECK (trade_mode IS NULL OR trade_mode IN ('bonded_warehouse', 'direct_mail')),
    customs_warehouse_code TEXT,
    hs_code                TEXT,
    declared_value_minor   BIGINT CHECK (declared_value_minor IS NULL OR declared_value_minor > 0),
    certificate_media_id   BIGINT REFERENCES media (id),
    certificate_status     TEXT   NOT NULL DEFAULT 'none'
                           CHECK (certificate_status IN ('none', 'pending', 'verified', 'rejected')),
    currency               TEXT   NOT NULL,
    price_min_minor        BIGINT NOT NULL DEFAULT 0,
    price_max_minor        BIGINT NOT NULL DEFAULT 0,
    stock_total            BIGINT NOT NULL DEFAULT 0,
    sales_count            BIGINT NOT NULL DEFAULT 0,
    created_by             BIGINT NOT NULL REFERENCES users (id),
    created_at             BIGINT NOT NULL,
    updated_at             BIGINT NOT NULL,
    CHECK (cross_border = 0 OR (origin_country IS NOT NULL AND trade_mode IS NOT NULL))
);
CREATE INDEX products_store ON products (store_id, status, id);
CREATE INDEX products_listing ON products (status, category_id, id);
CREATE INDEX products_certificates ON products (certificate_status, id);

CREATE TABLE product_media (
    product_id  BIGINT NOT NULL REFERENCES products (id),
    position    BIGINT NOT NULL,
    media_id    BIGINT NOT NULL REFERENCES media (id),
    PRIMARY KEY (product_id, position)
);

-- A variant. `option_key` is its option values joined by U+001F (one per option, in
-- the options' order; '' for a product without options). A variant taken off the
-- product is archived, never deleted: orders keep pointing at it.
CREATE TABLE skus (
    id                BIGINT PRIMARY KEY,
    product_id        BIGINT NOT NULL REFERENCES products (id),
    store_id          BIGINT NOT NULL REFERENCES stores (id),
    code              TEXT   NOT NULL,
    option_key        TEXT   NOT NULL,
    price_minor       BIGINT NOT NULL CHECK (price_minor > 0),
    compare_at_minor  BIGINT CHECK (compare_at_minor IS NULL OR compare_at_minor >= price_minor),
    currency          TEXT   NOT NULL,
    weight_grams      BIGINT NOT NULL DEFAULT 0 CHECK (weight_grams >= 0),
    position          BIGINT NOT NULL,
    archived_at       BIGINT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    CONSTRAINT skus__product_id_key UNIQUE (product_id, option_key)
);
CREATE INDEX skus_code ON skus (store_id, code);

-- Stock of a variant in a warehouse: what is on hand, and how much of it checkout
-- has reserved for orders not yet shipped (Commerce II).
CREATE TABLE stock (
    sku_id        BIGINT NOT NULL REFERENCES skus (id),
    warehouse_id  BIGINT NOT NULL REFERENCES warehouses (id),
    on_hand       BIGINT NOT NULL CHECK (on_hand >= 0),
    reserved      BIGINT NOT NULL DEFAULT 0 CHECK (reserved >= 0 AND reserved <= on_hand),
    updated_at    BIGINT NOT NULL,
    PRIMARY KEY (sku_id, warehouse_id)
);

-- Every price a variant has had, from when.
CREATE TABLE price_history (
    id                BIGINT PRIMARY KEY,
    sku_id            BIGINT NOT NULL REFERENCES skus (id),
    price_minor       BIGINT NOT NULL,
    compare_at_minor  BIGINT,
    effective_at      BIGINT NOT NULL
);
CREATE INDEX price_history_sku ON price_history (sku_id, effective_at);
