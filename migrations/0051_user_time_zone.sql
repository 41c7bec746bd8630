-- The time zone a signed-in user chose for every time the UI shows
-- (`browser`, `UTC` or an IANA name the UI offers); NULL: never chosen.
ALTER TABLE users ADD COLUMN time_zone TEXT;
