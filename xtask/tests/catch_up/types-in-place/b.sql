CREATE SCHEMA ty;
CREATE DOMAIN ty.percent AS numeric CONSTRAINT percent_range CHECK (VALUE BETWEEN 0 AND 1000);
CREATE DOMAIN ty.code AS text CONSTRAINT code_short CHECK (length(VALUE) < 10);
-- used by a column: attributes added and dropped in place (CASCADE)
CREATE TYPE ty.point3 AS (x double precision, y double precision, w int);
-- used by no column: an attribute retyped in place
CREATE TYPE ty.size2 AS (w integer, h integer);
CREATE TABLE ty.reading (id int PRIMARY KEY, pct ty.percent, at ty.point3);
