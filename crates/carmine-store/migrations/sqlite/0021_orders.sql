-- Commerce II (carmine-orders, ADR 0025): members' address books and carts, and the
-- orders a checkout places — one order group with one payment, one order per store,
-- order lines frozen at the price, commission and attribution they were sold under,
-- and the stock each line holds in each warehouse.

CREATE TABLE addresses (
    id          BIGINT PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id),
    recipient   TEXT   NOT NULL,
    phone       TEXT   NOT NULL,
    region      TEXT   NOT NULL,
    detail      TEXT   NOT NULL,
    is_default  BIGINT NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    -- Removed from the book (orders keep their own copy of the address).
    deleted_at  BIGINT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX addresses_user ON addresses (user_id, id);

-- A cart line: a variant and how many. `price_seen_minor` is the price when it was
-- added or last looked at, so the cart can say a price changed.
CREATE TABLE cart_lines (
    user_id           BIGINT NOT NULL REFERENCES users (id),
    sku_id            BIGINT NOT NULL REFERENCES skus (id),
    quantity          BIGINT NOT NULL CHECK (quantity >= 1 AND quantity <= 99),
    price_seen_minor  BIGINT NOT NULL,
    added_at          BIGINT NOT NULL,
    PRIMARY KEY (user_id, sku_id)
);

-- One checkout: the address it ships to (copied), its totals and its payment (the
-- latest attempt; a declined one may be retried while the orders wait).
CREATE TABLE order_groups (
    id              BIGINT PRIMARY KEY,
    buyer_id        BIGINT NOT NULL REFERENCES users (id),
    recipient       TEXT   NOT NULL,
    phone           TEXT   NOT NULL,
    region          TEXT   NOT NULL,
    detail          TEXT   NOT NULL,
    currency        TEXT   NOT NULL,
    goods_minor     BIGINT NOT NULL CHECK (goods_minor >= 0),
    shipping_minor  BIGINT NOT NULL CHECK (shipping_minor >= 0),
    discount_minor  BIGINT NOT NULL DEFAULT 0 CHECK (discount_minor >= 0),
    total_minor     BIGINT NOT NULL CHECK (total_minor > 0),
    payment_id      BIGINT REFERENCES payments (id),
    created_at      BIGINT NOT NULL
);
CREATE INDEX order_groups_buyer ON order_groups (buyer_id, id);
CREATE INDEX order_groups_payment ON order_groups (payment_id);

-- An order: one store's part of a group. Units of its lines stay reserved while it
-- is `pending_payment` or `awaiting_shipment`; every move is a conditional update
-- from the status it leaves, in the transaction that moves the stock.
CREATE TABLE orders (
    id              BIGINT PRIMARY KEY,
    group_id        BIGINT NOT NULL REFERENCES order_groups (id),
    store_id        BIGINT NOT NULL REFERENCES stores (id),
    buyer_id        BIGINT NOT NULL REFERENCES users (id),
    status          TEXT   NOT NULL CHECK (status IN ('pending_payment', 'awaiting_shipment', 'shipped',
                                   'received', 'completed', 'settled', 'cancelled')),
    currency        TEXT   NOT NULL,
    goods_minor     BIGINT NOT NULL CHECK (goods_minor >= 0),
    shipping_minor  BIGINT NOT NULL CHECK (shipping_minor >= 0),
    discount_minor  BIGINT NOT NULL DEFAULT 0 CHECK (discount_minor >= 0),
    total_minor     BIGINT NOT NULL CHECK (total_minor > 0),
    -- Unpaid past this, the order is cancelled and its units released.
    pay_by          BIGINT NOT NULL,
    paid_at         BIGINT,
    cancelled_at    BIGINT,
    cancel_reason   TEXT CHECK (cancel_reason IS NULL OR cancel_reason IN ('expired', 'buyer', 'merchant', 'declined')),
    -- Refunded to the buyer so far (a cancellation after payment, a shortfall).
    refunded_minor  BIGINT NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0 AND refunded_minor <= total_minor),
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX orders_group ON orders (group_id);
CREATE INDEX orders_buyer ON orders (buyer_id, id);
CREATE INDEX orders_store ON orders (store_id, status, id);
CREATE INDEX orders_due ON orders (status, pay_by);

-- What a line was sold under, frozen at checkout.
CREATE TABLE order_lines (
    id                 BIGINT PRIMARY KEY,
    order_id           BIGINT NOT NULL REFERENCES orders (id),
    product_id         BIGINT NOT NULL REFERENCES products (id),
    sku_id             BIGINT NOT NULL REFERENCES skus (id),
    title              TEXT   NOT NULL,
    option_label       TEXT   NOT NULL,
    sku_code           TEXT   NOT NULL,
    media_id           BIGINT,
    quantity           BIGINT NOT NULL CHECK (quantity >= 1),
    unit_price_minor   BIGINT NOT NULL CHECK (unit_price_minor > 0),
    discount_minor     BIGINT NOT NULL DEFAULT 0 CHECK (discount_minor >= 0),
    paid_minor         BIGINT NOT NULL CHECK (paid_minor >= 0),
    commission_bps     BIGINT NOT NULL CHECK (commission_bps BETWEEN 0 AND 10000),
    affiliate_creator_id BIGINT REFERENCES actors (id),
    affiliate_note_id  BIGINT REFERENCES notes (id),
    affiliate_bps      BIGINT NOT NULL DEFAULT 0 CHECK (affiliate_bps BETWEEN 0 AND 10000),
    returnable         BIGINT NOT NULL CHECK (returnable IN (0, 1))
);
CREATE INDEX order_lines_order ON order_lines (order_id, id);

-- Where a line's units come from: the stores' warehouses in priority order.
CREATE TABLE order_line_stock (
    line_id       BIGINT NOT NULL REFERENCES order_lines (id),
    sku_id        BIGINT NOT NULL REFERENCES skus (id),
    warehouse_id  BIGINT NOT NULL REFERENCES warehouses (id),
    quantity      BIGINT NOT NULL CHECK (quantity >= 1),
    PRIMARY KEY (line_id, warehouse_id)
);
CREATE INDEX order_line_stock_warehouse ON order_line_stock (warehouse_id);

-- Payments gain the purpose `order` (paid into the platform's commerce escrow).
-- SQLite cannot change a CHECK in place, so the table is rebuilt: its rows are
-- copied aside, it is dropped and created anew, and the rows go back. Foreign keys
-- are checked at commit, when every refund again finds its payment.
PRAGMA defer_foreign_keys = ON;
CREATE TEMP TABLE payments_copy AS SELECT * FROM payments;
DROP INDEX payments_payer;
DROP INDEX payments_open;
DROP TABLE payments;
CREATE TABLE payments (
    id BIGINT PRIMARY KEY,
    provider TEXT NOT NULL,
    provider_ref TEXT,
    purpose TEXT NOT NULL CHECK (purpose IN ('coins', 'ad_balance', 'escrow', 'order')),
    payer_id BIGINT NOT NULL REFERENCES users(id),
    account_id BIGINT NOT NULL REFERENCES ledger_accounts(id),
    amount BIGINT NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL,
    method TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('created', 'requires_action', 'pending', 'succeeded', 'declined')),
    decline_reason TEXT,
    refunded BIGINT NOT NULL DEFAULT 0 CHECK (refunded >= 0 AND refunded <= amount),
    redirect_url TEXT,
    transaction_id BIGINT REFERENCES ledger_transactions(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT payments__provider_ref_key UNIQUE (provider, provider_ref)
);
INSERT INTO payments SELECT * FROM payments_copy;
DROP TABLE payments_copy;
CREATE INDEX payments_payer ON payments (payer_id, id);
CREATE INDEX payments_open ON payments (status, updated_at);
