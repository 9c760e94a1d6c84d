-- Coupons (carmine-orders, ADR 0025): issued by a store (funded by the store) or by
-- the platform (funded from the platform's coupon subsidy), claimed by members, and
-- spent at checkout — at most one of a store's per order and one of the platform's
-- per checkout. A discount is taken from goods, never from shipping, and leaves each
-- order at least one minor unit to pay.
CREATE TABLE coupons (
    id                BIGINT PRIMARY KEY,
    -- NULL: the platform's.
    store_id          BIGINT REFERENCES stores (id),
    name              TEXT   NOT NULL,
    kind              TEXT   NOT NULL CHECK (kind IN ('fixed', 'percent')),
    -- fixed: the discount; percent: NULL.
    amount_minor      BIGINT CHECK (amount_minor IS NULL OR amount_minor > 0),
    -- percent: 1 to 10000 basis points off, at most `cap_minor`.
    percent_bps       BIGINT CHECK (percent_bps IS NULL OR percent_bps BETWEEN 1 AND 10000),
    cap_minor         BIGINT CHECK (cap_minor IS NULL OR cap_minor > 0),
    min_spend_minor   BIGINT NOT NULL DEFAULT 0 CHECK (min_spend_minor >= 0),
    starts_at         BIGINT NOT NULL,
    ends_at           BIGINT NOT NULL,
    per_member_limit  BIGINT NOT NULL DEFAULT 1 CHECK (per_member_limit >= 1),
    -- How many may be claimed in all (NULL: no limit) and how many were.
    quantity          BIGINT CHECK (quantity IS NULL OR quantity >= 1),
    claimed           BIGINT NOT NULL DEFAULT 0,
    ended_at          BIGINT,
    created_by        BIGINT NOT NULL REFERENCES users (id),
    created_at        BIGINT NOT NULL,
    CHECK (ends_at > starts_at),
    CHECK (quantity IS NULL OR claimed <= quantity),
    CHECK ((kind = 'fixed' AND amount_minor IS NOT NULL AND percent_bps IS NULL)
        OR (kind = 'percent' AND percent_bps IS NOT NULL AND amount_minor IS NULL))
);
CREATE INDEX coupons_store ON coupons (store_id, ends_at, id);

-- A coupon a member claimed; `group_id` is the checkout that spent it.
CREATE TABLE member_coupons (
    id          BIGINT PRIMARY KEY,
    coupon_id   BIGINT NOT NULL REFERENCES coupons (id),
    user_id     BIGINT NOT NULL REFERENCES users (id),
    status      TEXT   NOT NULL CHECK (status IN ('available', 'used')),
    group_id    BIGINT REFERENCES order_groups (id),
    claimed_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE INDEX member_coupons_user ON member_coupons (user_id, status, id);
CREATE INDEX member_coupons_coupon ON member_coupons (coupon_id, user_id);

-- What the platform's coupon paid of an order (the rest of its discount is the store's).
ALTER TABLE orders ADD COLUMN platform_discount_minor BIGINT NOT NULL DEFAULT 0;
