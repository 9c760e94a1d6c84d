-- Fulfilment, settlement, after-sales and reviews (carmine-orders, ADR 0026): an order is shipped with a
-- carrier and tracking number, its tracking events are kept, it is received (by the
-- buyer or when its time runs out, once extended at most), completed, and settled:
-- its escrow split into the merchant's share, the platform's commission, the payment
-- channel's fee and creators' affiliate commissions, one row per order.

ALTER TABLE orders ADD COLUMN carrier TEXT;
ALTER TABLE orders ADD COLUMN tracking_no TEXT;
ALTER TABLE orders ADD COLUMN shipped_at BIGINT;
-- Shipped and not received by this, the order is received automatically.
ALTER TABLE orders ADD COLUMN receive_by BIGINT;
ALTER TABLE orders ADD COLUMN receipt_extended BIGINT NOT NULL DEFAULT 0 CHECK (receipt_extended IN (0, 1));
ALTER TABLE orders ADD COLUMN delivery_failed BIGINT NOT NULL DEFAULT 0 CHECK (delivery_failed IN (0, 1));
ALTER TABLE orders ADD COLUMN received_at BIGINT;
ALTER TABLE orders ADD COLUMN received_by TEXT CHECK (received_by IS NULL OR received_by IN ('buyer', 'auto'));
ALTER TABLE orders ADD COLUMN completed_at BIGINT;
-- Completed, the order settles once this has passed.
ALTER TABLE orders ADD COLUMN settle_after BIGINT;
ALTER TABLE orders ADD COLUMN settled_at BIGINT;
CREATE INDEX orders_receive_due ON orders (status, receive_by);
CREATE INDEX orders_settle_due ON orders (status, settle_after);

-- Refunded of a line so far (after-sales); never more than the line paid.
ALTER TABLE order_lines ADD COLUMN refunded_minor BIGINT NOT NULL DEFAULT 0;

-- Reviewed orders a store's score is established on (until enough, it settles on
-- the slow tier), and the settled sales its commission-free allowance has covered.
ALTER TABLE stores ADD COLUMN rated_orders BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stores ADD COLUMN commission_free_used_minor BIGINT NOT NULL DEFAULT 0;

-- What the carrier reported about a shipment, once each.
CREATE TABLE shipment_events (
    order_id     BIGINT NOT NULL REFERENCES orders (id),
    code         TEXT   NOT NULL CHECK (code IN ('picked_up', 'in_transit', 'out_for_delivery', 'delivered',
                                                 'delivery_failed')),
    location     TEXT   NOT NULL,
    happened_at  BIGINT NOT NULL,
    recorded_at  BIGINT NOT NULL,
    PRIMARY KEY (order_id, code)
);

-- One order's settlement: where its escrow went, to the minor unit.
-- escrow + subsidy = fee + commission + affiliate + merchant (+ what repaid a debt).
CREATE TABLE order_settlements (
    order_id          BIGINT PRIMARY KEY REFERENCES orders (id),
    store_id          BIGINT NOT NULL REFERENCES stores (id),
    currency          TEXT   NOT NULL,
    escrow_minor      BIGINT NOT NULL CHECK (escrow_minor >= 0),
    subsidy_minor     BIGINT NOT NULL CHECK (subsidy_minor >= 0),
    fee_minor         BIGINT NOT NULL CHECK (fee_minor >= 0),
    commission_minor  BIGINT NOT NULL CHECK (commission_minor >= 0),
    commission_free_minor BIGINT NOT NULL CHECK (commission_free_minor >= 0),
    affiliate_minor   BIGINT NOT NULL CHECK (affiliate_minor >= 0),
    merchant_minor    BIGINT NOT NULL CHECK (merchant_minor >= 0),
    -- The part of the merchant's share that repaid what the merchant owed.
    netted_minor      BIGINT NOT NULL CHECK (netted_minor >= 0 AND netted_minor <= merchant_minor),
    -- Clawed back after settlement by refunds, so far.
    clawed_back_minor BIGINT NOT NULL DEFAULT 0 CHECK (clawed_back_minor >= 0),
    settled_at        BIGINT NOT NULL,
    CHECK (escrow_minor + subsidy_minor = fee_minor + commission_minor + affiliate_minor + merchant_minor)
);
CREATE INDEX order_settlements_store ON order_settlements (store_id, settled_at);

-- A creator's affiliate commission on one order line (what the creator earnings
-- page lists).
CREATE TABLE affiliate_earnings (
    line_id      BIGINT PRIMARY KEY REFERENCES order_lines (id),
    order_id     BIGINT NOT NULL REFERENCES orders (id),
    creator_id   BIGINT NOT NULL REFERENCES actors (id),
    note_id      BIGINT NOT NULL REFERENCES notes (id),
    amount_minor BIGINT NOT NULL CHECK (amount_minor >= 0),
    -- What the buyer had paid for the line when it settled (the commission's base).
    base_minor   BIGINT NOT NULL CHECK (base_minor >= 0),
    clawed_back_minor BIGINT NOT NULL DEFAULT 0 CHECK (clawed_back_minor >= 0 AND clawed_back_minor <= amount_minor),
    settled_at   BIGINT NOT NULL
);
CREATE INDEX affiliate_earnings_creator ON affiliate_earnings (creator_id, settled_at);

-- After-sales: a buyer's request about one line of a received order — a refund only,
-- or a return and refund — for some of its units. The merchant answers within 48
-- hours or it is approved; the buyer ships a return within 7 days or it closes; the
-- merchant confirms the return within 10 days or it is received; a rejected request
-- may go to the operator's arbitration within 7 days. `due_at` is the running timer.
CREATE TABLE after_sales (
    id              BIGINT PRIMARY KEY,
    order_id        BIGINT NOT NULL REFERENCES orders (id),
    line_id         BIGINT NOT NULL REFERENCES order_lines (id),
    store_id        BIGINT NOT NULL REFERENCES stores (id),
    buyer_id        BIGINT NOT NULL REFERENCES users (id),
    kind            TEXT   NOT NULL CHECK (kind IN ('refund_only', 'return_refund')),
    quantity        BIGINT NOT NULL CHECK (quantity >= 1),
    amount_minor    BIGINT NOT NULL CHECK (amount_minor >= 1),
    reason          TEXT   NOT NULL,
    status          TEXT   NOT NULL CHECK (status IN ('requested', 'awaiting_return', 'returned', 'rejected',
                                   'arbitration', 'refunded', 'closed', 'cancelled')),
    -- When the running timer acts: answer, ship the return, confirm it, or escalate.
    due_at          BIGINT,
    merchant_note   TEXT,
    return_carrier  TEXT,
    return_tracking TEXT,
    restocked       BIGINT NOT NULL DEFAULT 0 CHECK (restocked IN (0, 1)),
    -- Who decided last: 'merchant', 'timer', 'operator', 'buyer'.
    decided_by      TEXT,
    operator_note   TEXT,
    refund_id       BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX after_sales_order ON after_sales (order_id, id);
CREATE INDEX after_sales_store ON after_sales (store_id, status, id);
CREATE INDEX after_sales_due ON after_sales (status, due_at);

-- Reviews: a buyer of a received order rates each product once (1–5 stars, text,
-- images), always a verified purchase; published as a note too, it links it.
CREATE TABLE reviews (
    id          BIGINT PRIMARY KEY,
    order_id    BIGINT NOT NULL REFERENCES orders (id),
    line_id     BIGINT NOT NULL REFERENCES order_lines (id),
    product_id  BIGINT NOT NULL REFERENCES products (id),
    store_id    BIGINT NOT NULL REFERENCES stores (id),
    author_id   BIGINT NOT NULL REFERENCES users (id),
    rating      BIGINT NOT NULL CHECK (rating BETWEEN 1 AND 5),
    body        TEXT   NOT NULL,
    option_label TEXT  NOT NULL,
    note_id     BIGINT REFERENCES notes (id),
    created_at  BIGINT NOT NULL,
    CONSTRAINT reviews__author_product_key UNIQUE (author_id, product_id)
);
CREATE INDEX reviews_product ON reviews (product_id, id);
CREATE INDEX reviews_store ON reviews (store_id, created_at);
CREATE INDEX reviews_order ON reviews (order_id);

CREATE TABLE review_media (
    review_id  BIGINT NOT NULL REFERENCES reviews (id),
    position   BIGINT NOT NULL,
    media_id   BIGINT NOT NULL REFERENCES media (id),
    PRIMARY KEY (review_id, position)
);

-- A product's ratings, kept with the review that changes them.
ALTER TABLE products ADD COLUMN rating_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE products ADD COLUMN rating_sum BIGINT NOT NULL DEFAULT 0;
