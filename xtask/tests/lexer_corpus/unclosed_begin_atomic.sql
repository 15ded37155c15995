-- expect: statements=1 errors=1
CREATE FUNCTION f() RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT 1;
  SELECT CASE WHEN true THEN 2 END;
-- no END for the body: everything to the end is one statement
SELECT 3;
