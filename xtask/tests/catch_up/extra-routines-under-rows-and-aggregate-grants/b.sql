-- An extra grant on the aggregate (CREATE OR REPLACE keeps it: revoked by
-- the script); extra routines called by a table's check, a default and a
-- domain's check, and a materialized view over one: they go in the drops,
-- after what holds rows, not before.
DO $$ BEGIN CREATE ROLE catch_up_executor NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE SCHEMA shop;
CREATE AGGREGATE shop.collect(text) (SFUNC = pg_catalog.array_append, STYPE = text[], INITCOND = '{}');
GRANT EXECUTE ON FUNCTION shop.collect(text) TO catch_up_executor;
CREATE TABLE shop.kept (id int PRIMARY KEY);
CREATE FUNCTION shop.valid_amount(numeric) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT $1 >= 0';
CREATE FUNCTION shop.starts_with_sku(text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$SELECT $1 LIKE 'sku-%'$$;
CREATE FUNCTION shop.tax(numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 0.2';
CREATE DOMAIN shop.sku AS text CHECK (shop.starts_with_sku(VALUE));
CREATE TABLE shop.orders (
    id int PRIMARY KEY,
    sku shop.sku,
    amount numeric CHECK (shop.valid_amount(amount)),
    tax numeric DEFAULT shop.tax(0)
);
CREATE MATERIALIZED VIEW shop.taxed AS SELECT id, shop.tax(amount) AS tax FROM shop.orders;
