-- The topic or routing key a rejected message came on, so a re-parse (after
-- the feed's mapping changed) sees its topic levels and default log source.
-- NULL for messages rejected before this column existed.
ALTER TABLE rejected_messages ADD COLUMN origin TEXT;
