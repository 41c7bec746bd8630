-- Stored feed messages: ticks, log lines and rejected payloads.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE ticks (
    feed_id      BIGINT           NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    seq          BIGINT           NOT NULL,
    symbol       TEXT             NOT NULL,
    price        DOUBLE PRECISION NOT NULL,
    size         DOUBLE PRECISION NOT NULL,
    ts           TIMESTAMPTZ      NOT NULL,
    received_at  TIMESTAMPTZ      NOT NULL,
    publisher_id TEXT,
    PRIMARY KEY (feed_id, seq)
);
CREATE UNIQUE INDEX ticks_publisher_id ON ticks (feed_id, publisher_id) WHERE publisher_id IS NOT NULL;
CREATE INDEX ticks_symbol_ts ON ticks (feed_id, symbol, ts);

CREATE TABLE logs (
    feed_id      BIGINT      NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    seq          BIGINT      NOT NULL,
    ts           TIMESTAMPTZ NOT NULL,
    level        TEXT        NOT NULL,
    source       TEXT        NOT NULL,
    message      TEXT        NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL,
    publisher_id TEXT,
    PRIMARY KEY (feed_id, seq)
);
CREATE UNIQUE INDEX logs_publisher_id ON logs (feed_id, publisher_id) WHERE publisher_id IS NOT NULL;
CREATE INDEX logs_level ON logs (feed_id, level, seq);
CREATE INDEX logs_source ON logs (feed_id, source, seq);
CREATE INDEX logs_message_trgm ON logs USING gin (message gin_trgm_ops);

CREATE TABLE rejected_messages (
    id          BIGSERIAL PRIMARY KEY,
    feed_id     BIGINT      NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    received_at TIMESTAMPTZ NOT NULL,
    reason      TEXT        NOT NULL,
    payload     BYTEA       NOT NULL
);
CREATE INDEX rejected_messages_feed ON rejected_messages (feed_id, id);
