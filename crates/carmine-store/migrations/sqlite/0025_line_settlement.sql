-- What each line settled at (carmine-orders::settlement): what the buyer had paid for
-- it less refunds then, and its part of the order's commission after the store's
-- commission-free allowance. A refund after settlement takes back the line's own
-- commission in proportion to what of this base it refunds (ADR 0026).
ALTER TABLE order_lines ADD COLUMN settled_base_minor BIGINT CHECK (settled_base_minor IS NULL OR settled_base_minor >= 0);
ALTER TABLE order_lines ADD COLUMN settled_commission_minor BIGINT
    CHECK (settled_commission_minor IS NULL OR settled_commission_minor >= 0);
