-- expect: statements=2 errors=1
SELECT 1;
CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $fn$
BEGIN
  RETURN 1; -- the closing tag below is misspelled
END;
$fm$;
SELECT 2;
$$ nested $$ does not close it either;
