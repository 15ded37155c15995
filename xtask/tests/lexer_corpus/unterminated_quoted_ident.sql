-- expect: statements=1 errors=1
SELECT "never closed; FROM t;
SELECT 2;
