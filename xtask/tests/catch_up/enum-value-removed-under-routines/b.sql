CREATE SCHEMA tix;
CREATE TYPE tix.state AS ENUM ('open', 'parked', 'closed');
CREATE TABLE tix.ticket (id int PRIMARY KEY, state tix.state NOT NULL DEFAULT 'open');
CREATE FUNCTION tix.count_in(s tix.state) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM tix.ticket WHERE state = s $$;
CREATE VIEW tix.open_count AS SELECT tix.count_in('open') AS n;
