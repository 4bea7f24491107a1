-- Rename qty to quantity the safe way, step 1 of 3 (expand): the new column beside the old one, and a
-- trigger that keeps both in step whichever version writes. v1 (qty) and v2 (quantity) run side by side.
ALTER TABLE items ADD COLUMN quantity integer;

CREATE OR REPLACE FUNCTION items_sync_quantity() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.quantity IS NULL THEN
            NEW.quantity := NEW.qty;
        ELSE
            NEW.qty := NEW.quantity;
        END IF;
    ELSIF NEW.qty IS DISTINCT FROM OLD.qty THEN
        NEW.quantity := NEW.qty;
    ELSIF NEW.quantity IS DISTINCT FROM OLD.quantity THEN
        NEW.qty := NEW.quantity;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER items_sync_quantity BEFORE INSERT OR UPDATE ON items
    FOR EACH ROW EXECUTE FUNCTION items_sync_quantity();
