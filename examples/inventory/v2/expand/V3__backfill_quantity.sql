-- Step 2 of 3 (expand): fill quantity for the rows written before the trigger, 1000 rows per
-- transaction, so that no row stays locked for long while both versions write. It runs outside a
-- transaction (V3__backfill_quantity.sql.conf) so the procedure can commit each batch.
CREATE OR REPLACE PROCEDURE backfill_items_quantity(batch integer DEFAULT 1000) LANGUAGE plpgsql AS $$
DECLARE
    done bigint := 0;
    top bigint;
BEGIN
    SELECT coalesce(max(id), 0) INTO top FROM items;
    WHILE done < top LOOP
        UPDATE items SET quantity = qty WHERE id > done AND id <= done + batch AND quantity IS NULL;
        done := done + batch;
        COMMIT;
    END LOOP;
END $$;

CALL backfill_items_quantity();
