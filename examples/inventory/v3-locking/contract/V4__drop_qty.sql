-- Step 3 of 3 (contract): once no v1 is connected, the trigger and the old column go.
DROP TRIGGER items_sync_quantity ON items;
DROP FUNCTION items_sync_quantity();
DROP PROCEDURE backfill_items_quantity(integer);
ALTER TABLE items DROP COLUMN qty;
