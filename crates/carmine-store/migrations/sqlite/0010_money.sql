-- Money (carmine-ledger, ADR 0015): a double-entry ledger, holds, idempotency keys,
-- payments through providers with their webhooks, refunds, payout accounts, payouts
-- in batches, and the sandbox provider's own state.
--
-- A posting's amount is signed: positive raises the account's balance. Every
-- transaction's postings sum to zero, so all balances of one currency sum to zero.
CREATE TABLE ledger_accounts (
    id BIGINT PRIMARY KEY,
    owner_kind TEXT NOT NULL CHECK (owner_kind IN ('platform', 'user', 'org')),
    owner_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    currency TEXT NOT NULL,
    may_go_negative INTEGER NOT NULL CHECK (may_go_negative IN (0, 1)),
    balance BIGINT NOT NULL DEFAULT 0,
    pending_debits BIGINT NOT NULL DEFAULT 0 CHECK (pending_debits >= 0),
    pending_credits BIGINT NOT NULL DEFAULT 0 CHECK (pending_credits >= 0),
    created_at BIGINT NOT NULL,
    CHECK (may_go_negative = 1 OR balance - pending_debits >= 0),
    CONSTRAINT ledger_accounts__owner_key UNIQUE (owner_kind, owner_id, kind, currency)
);

CREATE TABLE ledger_transactions (
    id BIGINT PRIMARY KEY,
    kind TEXT NOT NULL,
    reference_kind TEXT NOT NULL,
    reference_id BIGINT NOT NULL,
    reverses_id BIGINT REFERENCES ledger_transactions(id),
    memo TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    CONSTRAINT ledger_transactions__reverses_id_key UNIQUE (reverses_id)
);
CREATE INDEX ledger_transactions_reference ON ledger_transactions (reference_kind, reference_id);

CREATE TABLE ledger_postings (
    transaction_id BIGINT NOT NULL REFERENCES ledger_transactions(id),
    account_id BIGINT NOT NULL REFERENCES ledger_accounts(id),
    amount BIGINT NOT NULL CHECK (amount <> 0),
    currency TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (transaction_id, account_id)
);
CREATE INDEX ledger_postings_account ON ledger_postings (account_id, transaction_id);

-- A two-phase transfer: its legs reserve (pending_debits / pending_credits) until the
-- hold is posted (one transaction) or voided; at most once, before it expires.
CREATE TABLE ledger_holds (
    id BIGINT PRIMARY KEY,
    kind TEXT NOT NULL,
    reference_kind TEXT NOT NULL,
    reference_id BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'posted', 'voided', 'expired')),
    expires_at BIGINT NOT NULL,
    transaction_id BIGINT REFERENCES ledger_transactions(id),
    memo TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX ledger_holds_expiry ON ledger_holds (status, expires_at);

CREATE TABLE ledger_hold_legs (
    hold_id BIGINT NOT NULL REFERENCES ledger_holds(id),
    account_id BIGINT NOT NULL REFERENCES ledger_accounts(id),
    amount BIGINT NOT NULL CHECK (amount <> 0),
    currency TEXT NOT NULL,
    PRIMARY KEY (hold_id, account_id)
);

-- Idempotency keys, per caller: the request's digest and, once done, its outcome
-- (the resource it made, or the error it met), written with the effect.
CREATE TABLE idempotency_keys (
    scope_id BIGINT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('started', 'done')),
    resource_id BIGINT,
    error_code TEXT,
    error_message TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    CONSTRAINT idempotency_keys__scope_id_key PRIMARY KEY (scope_id, idem_key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

CREATE TABLE payments (
    id BIGINT PRIMARY KEY,
    provider TEXT NOT NULL,
    provider_ref TEXT,
    purpose TEXT NOT NULL CHECK (purpose IN ('coins', 'ad_balance', 'escrow')),
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
CREATE INDEX payments_payer ON payments (payer_id, id);
CREATE INDEX payments_open ON payments (status, updated_at);

-- Every webhook event a provider delivered, once: a replay is answered and ignored.
-- Kept for 30 days (providers redeliver for days, re-signing each time).
CREATE TABLE payment_webhook_events (
    provider TEXT NOT NULL,
    event_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (provider, event_id)
);
CREATE INDEX payment_webhook_events_received ON payment_webhook_events (received_at);

CREATE TABLE refunds (
    id BIGINT PRIMARY KEY,
    payment_id BIGINT NOT NULL REFERENCES payments(id),
    amount BIGINT NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    hold_id BIGINT NOT NULL REFERENCES ledger_holds(id),
    provider_ref TEXT,
    reason TEXT NOT NULL,
    requested_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX refunds_payment ON refunds (payment_id);

CREATE TABLE payout_accounts (
    owner_kind TEXT NOT NULL CHECK (owner_kind IN ('user', 'org')),
    owner_id BIGINT NOT NULL,
    provider TEXT NOT NULL,
    holder_name TEXT NOT NULL,
    account_last4 TEXT NOT NULL,
    account_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (owner_kind, owner_id)
);

CREATE TABLE payout_batches (
    id BIGINT PRIMARY KEY,
    provider TEXT NOT NULL,
    items BIGINT NOT NULL,
    total BIGINT NOT NULL,
    currency TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE payouts (
    id BIGINT PRIMARY KEY,
    owner_kind TEXT NOT NULL CHECK (owner_kind IN ('user', 'org')),
    owner_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL REFERENCES ledger_accounts(id),
    amount BIGINT NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('requested', 'submitted', 'paid', 'failed', 'cancelled', 'expired')),
    hold_id BIGINT NOT NULL REFERENCES ledger_holds(id),
    batch_id BIGINT REFERENCES payout_batches(id),
    provider TEXT NOT NULL,
    provider_ref TEXT,
    destination TEXT NOT NULL,
    failure_reason TEXT,
    requested_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX payouts_owner ON payouts (owner_kind, owner_id, id);
CREATE INDEX payouts_status ON payouts (status, id);

-- The sandbox payment provider's own books (it stands in for a service outside).
CREATE TABLE sandbox_charges (
    ref TEXT PRIMARY KEY,
    payment_id BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    method TEXT NOT NULL,
    status TEXT NOT NULL,
    refunded BIGINT NOT NULL DEFAULT 0,
    return_url TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT sandbox_charges__payment_id_key UNIQUE (payment_id)
);

CREATE TABLE sandbox_transfers (
    ref TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('refund', 'payout')),
    request_id BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT sandbox_transfers__request_id_key UNIQUE (kind, request_id)
);
