-- Users, feeds and the audit trail of admin changes.

CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    username      TEXT        NOT NULL UNIQUE,
    password_hash TEXT        NOT NULL,
    role          TEXT        NOT NULL CHECK (role IN ('viewer', 'admin')),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE feeds (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT        NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9-]{1,64}$'),
    kind       TEXT        NOT NULL CHECK (kind IN ('ticks', 'logs')),
    source     JSONB       NOT NULL,
    mapping    JSONB       NOT NULL DEFAULT '{}'::jsonb,
    enabled    BOOLEAN     NOT NULL DEFAULT true,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The last sequence number given out per feed. Writers lock this row for the
-- length of their transaction, so sequence numbers are gap-free and rise in
-- commit order.
CREATE TABLE feed_positions (
    feed_id  BIGINT PRIMARY KEY REFERENCES feeds (id) ON DELETE CASCADE,
    last_seq BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE audit_log (
    id      BIGSERIAL PRIMARY KEY,
    at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor   TEXT        NOT NULL,
    action  TEXT        NOT NULL,
    target  TEXT        NOT NULL,
    details JSONB       NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_target ON audit_log (target, at);
