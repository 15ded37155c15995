-- expect: statements=4 errors=6
\set ON_ERROR_STOP on
SELECT 1;
  \i other/file.sql
SELECT 2 AS x \gset
\echo :x
SELECT 3
\g
SELECT '\i not a command'; -- \i not one either
/* \set nor this */
\\
