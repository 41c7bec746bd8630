-- Interaction: soft-deleted annotations and the indexes the room history
-- reads (a dashboard's annotations by id, replies by parent).

ALTER TABLE annotations ADD COLUMN deleted_at TIMESTAMPTZ;
CREATE INDEX annotations_dashboard ON annotations (dashboard_id, id);
CREATE INDEX annotations_parent ON annotations (parent_id) WHERE parent_id IS NOT NULL;
