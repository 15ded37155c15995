-- The aggregate has its default grants; the routines, the domain and the
-- table that use them are only in b.
DO $$ BEGIN CREATE ROLE catch_up_executor NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE SCHEMA shop;
CREATE AGGREGATE shop.collect(text) (SFUNC = pg_catalog.array_append, STYPE = text[], INITCOND = '{}');
CREATE TABLE shop.kept (id int PRIMARY KEY);
