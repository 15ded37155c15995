-- expect: statements=6 errors=0
CREATE OR REPLACE FUNCTION sign_of(a int) RETURNS int
LANGUAGE sql IMMUTABLE
BEGIN ATOMIC
  SELECT CASE
    WHEN a > 0 THEN 1
    WHEN a < 0 THEN CASE WHEN a < -100 THEN -2 ELSE -1 END
    ELSE 0
  END;
  SELECT (CASE a WHEN 0 THEN 'zero; really' END) IS NOT NULL;
END;

create procedure insert_two()
language sql
begin -- a comment between the keywords
atomic
  insert into t values (1);
  insert into t values (2);
end;

CREATE FUNCTION nothing() RETURNS void LANGUAGE sql BEGIN ATOMIC END;

BEGIN;
CALL insert_two();
END;
