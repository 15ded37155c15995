CREATE SCHEMA shop;
CREATE TABLE shop.item (id bigint PRIMARY KEY, price integer NOT NULL, label text);
CREATE VIEW shop.priced AS SELECT id, price FROM shop.item WHERE price > 0;
CREATE VIEW shop.expensive AS SELECT id, price FROM shop.priced WHERE price > 100;
CREATE VIEW shop.labels AS SELECT id, label FROM shop.item;
COMMENT ON VIEW shop.expensive IS 'over 100';
