-- A plain CREATE INDEX: it holds a SHARE lock on items for the whole build, so every write waits.
-- The safety gate refuses it before anything starts (the safe way: CREATE INDEX CONCURRENTLY).
CREATE INDEX items_sku_idx ON items (sku);
