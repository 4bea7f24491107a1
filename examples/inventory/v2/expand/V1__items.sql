-- The inventory's items: a stock quantity per SKU, kept in column qty by inventory v1.
CREATE TABLE items (
    id bigserial PRIMARY KEY,
    sku text NOT NULL,
    qty integer NOT NULL DEFAULT 0
);
