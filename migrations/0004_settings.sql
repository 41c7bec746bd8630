-- Per-installation settings. `install_id` keeps broker client ids and
-- consumer tags of different installations apart on a shared broker.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO settings (key, value) VALUES ('install_id', substr(md5(random()::text || clock_timestamp()::text), 1, 10));
