-- Dashboards and what people say about them: chat and annotations.

CREATE TABLE dashboards (
    id         BIGSERIAL PRIMARY KEY,
    slug       TEXT        NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9-]{1,64}$'),
    title      TEXT        NOT NULL,
    widgets    JSONB       NOT NULL DEFAULT '[]'::jsonb,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE chat_messages (
    id           BIGSERIAL PRIMARY KEY,
    dashboard_id BIGINT      NOT NULL REFERENCES dashboards (id) ON DELETE CASCADE,
    user_id      BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    text         TEXT        NOT NULL,
    ts           TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX chat_messages_dashboard ON chat_messages (dashboard_id, id);

CREATE TABLE annotations (
    id           BIGSERIAL PRIMARY KEY,
    dashboard_id BIGINT      NOT NULL REFERENCES dashboards (id) ON DELETE CASCADE,
    feed_id      BIGINT      NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    parent_id    BIGINT      REFERENCES annotations (id) ON DELETE CASCADE,
    symbol       TEXT,
    point_ts     TIMESTAMPTZ,
    log_seq      BIGINT,
    user_id      BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    text         TEXT        NOT NULL,
    ts           TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((symbol IS NOT NULL AND point_ts IS NOT NULL) OR log_seq IS NOT NULL OR parent_id IS NOT NULL)
);
CREATE INDEX annotations_feed_ts ON annotations (feed_id, point_ts);
CREATE INDEX annotations_feed_seq ON annotations (feed_id, log_seq);
