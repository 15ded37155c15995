CREATE SCHEMA ty;
CREATE DOMAIN ty.percent AS numeric CONSTRAINT percent_range CHECK (VALUE BETWEEN 0 AND 100) DEFAULT 0 NOT NULL;
CREATE DOMAIN ty.code AS text;
CREATE TYPE ty.point3 AS (x double precision, y double precision, z double precision);
CREATE TYPE ty.size2 AS (w bigint, h integer);
CREATE TABLE ty.reading (id int PRIMARY KEY, pct ty.percent, at ty.point3);
