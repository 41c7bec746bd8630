-- The symbols each ticks feed has seen, kept by the writer, so per-symbol
-- lookups (last price, open, recent ticks) are index probes, not scans.

CREATE TABLE feed_symbols (
    feed_id BIGINT NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    symbol  TEXT   NOT NULL,
    PRIMARY KEY (feed_id, symbol)
);
INSERT INTO feed_symbols (feed_id, symbol) SELECT DISTINCT feed_id, symbol FROM ticks;
