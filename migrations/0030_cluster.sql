-- Several nodes on one database. Nodes find each other here and talk over
-- the `feedboard` NOTIFY channel (see src/cluster): commits and feed edits
-- are announced by triggers, in commit order; rooms, presence and logouts
-- by the nodes themselves.

-- Every node running, with its heartbeat and what it reports about itself.
-- A node whose `last_seen` is older than the node TTL counts as gone.
CREATE TABLE cluster_nodes (
    id         TEXT        PRIMARY KEY,
    started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen  TIMESTAMPTZ NOT NULL DEFAULT now(),
    stats      JSONB       NOT NULL DEFAULT '{}'
);

-- Who each node has in each dashboard room; presence is the union over the
-- live nodes.
CREATE TABLE room_presence (
    dashboard TEXT    NOT NULL,
    node      TEXT    NOT NULL REFERENCES cluster_nodes (id) ON DELETE CASCADE,
    users     TEXT[]  NOT NULL,
    anonymous INTEGER NOT NULL,
    PRIMARY KEY (dashboard, node)
);

-- Bus events too large for a NOTIFY payload (8000 bytes): the notification
-- carries the row's id. Rows are purged after a few minutes.
CREATE TABLE cluster_outbox (
    id         BIGSERIAL   PRIMARY KEY,
    body       TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A batch committed: `seq` (from, to] of the feed are in. Delivered at
-- commit, in commit order, to every node listening.
CREATE FUNCTION feedboard_notify_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('feedboard',
        json_build_object('t', 'commit', 'feed', NEW.feed_id, 'from', OLD.last_seq, 'to', NEW.last_seq)::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER feed_positions_commit AFTER UPDATE OF last_seq ON feed_positions
    FOR EACH ROW WHEN (NEW.last_seq > OLD.last_seq) EXECUTE FUNCTION feedboard_notify_commit();

-- A feed was created, edited or deleted: every node reconciles its tasks.
CREATE FUNCTION feedboard_notify_feeds() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('feedboard', '{"t":"feeds"}');
    RETURN NULL;
END
$$;

CREATE TRIGGER feeds_changed AFTER INSERT OR UPDATE OR DELETE ON feeds
    FOR EACH STATEMENT EXECUTE FUNCTION feedboard_notify_feeds();
