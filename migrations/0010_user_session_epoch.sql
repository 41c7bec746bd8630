-- A user's sessions are valid only while they carry the user's current
-- epoch: changing or resetting a password bumps it, which signs out every
-- other session of that user at once (sessions are opaque rows of the
-- session store, so they cannot be found by user).
ALTER TABLE users ADD COLUMN session_epoch BIGINT NOT NULL DEFAULT 0;
