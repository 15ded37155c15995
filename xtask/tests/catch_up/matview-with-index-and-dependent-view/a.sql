CREATE SCHEMA rep;
CREATE TABLE rep.sale (id int PRIMARY KEY, region text NOT NULL, amount numeric NOT NULL);
CREATE MATERIALIZED VIEW rep.by_region AS SELECT region, sum(amount) AS total FROM rep.sale GROUP BY region;
CREATE UNIQUE INDEX by_region_region ON rep.by_region (region);
CREATE VIEW rep.top_regions AS SELECT region, total FROM rep.by_region WHERE total > 1000;
