-- Alert rules, their evaluation state, their firings and webhook deliveries.
--
-- A rule's evaluation reads the feed's rows after `watermark` and writes the
-- new `memory`, `watermark` and any firing in one transaction (the rule row
-- locked FOR UPDATE), so each crossing fires exactly once whatever crashes
-- or how many nodes evaluate.

CREATE TABLE alert_rules (
    id             BIGSERIAL PRIMARY KEY,
    name           TEXT        NOT NULL,
    feed_id        BIGINT      NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    enabled        BOOLEAN     NOT NULL DEFAULT true,
    rule           JSONB       NOT NULL,
    webhook_url    TEXT,
    silenced_until TIMESTAMPTZ,
    -- Evaluation: the last `seq` of the feed evaluated, what the rule
    -- remembers of it, and whether its condition holds.
    watermark      BIGINT      NOT NULL DEFAULT 0,
    memory         JSONB       NOT NULL DEFAULT '{}',
    firing         BOOLEAN     NOT NULL DEFAULT false,
    last_fired_at  TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX alert_rules_feed ON alert_rules (feed_id);

CREATE TABLE alert_firings (
    id              BIGSERIAL PRIMARY KEY,
    rule_id         BIGINT           NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
    feed_id         BIGINT           NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    fired_at        TIMESTAMPTZ      NOT NULL,
    ts              TIMESTAMPTZ      NOT NULL,
    seq_from        BIGINT           NOT NULL,
    seq_to          BIGINT           NOT NULL,
    value           DOUBLE PRECISION NOT NULL,
    symbol          TEXT,
    message         TEXT             NOT NULL,
    acknowledged_at TIMESTAMPTZ,
    acknowledged_by TEXT
);
CREATE INDEX alert_firings_rule ON alert_firings (rule_id, id);
CREATE INDEX alert_firings_feed_ts ON alert_firings (feed_id, ts);

-- Firings still to POST to their rule's webhook (at least once, each with
-- the firing's idempotency key).
CREATE TABLE alert_deliveries (
    firing_id    BIGINT      PRIMARY KEY REFERENCES alert_firings (id) ON DELETE CASCADE,
    url          TEXT        NOT NULL,
    attempts     INT         NOT NULL DEFAULT 0,
    next_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    delivered_at TIMESTAMPTZ,
    last_error   TEXT
);
CREATE INDEX alert_deliveries_due ON alert_deliveries (next_at) WHERE delivered_at IS NULL;

-- A firing committed: every node tells the viewers of its feed.
CREATE FUNCTION feedboard_notify_alert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('feedboard', json_build_object('t', 'alert', 'feed', NEW.feed_id, 'id', NEW.id)::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER alert_firings_notify AFTER INSERT ON alert_firings
    FOR EACH ROW EXECUTE FUNCTION feedboard_notify_alert();
