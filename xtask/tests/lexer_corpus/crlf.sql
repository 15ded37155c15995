-- expect: statements=3 errors=0
-- a comment; with a semicolon
CREATE TABLE t (
  id int, -- trailing;
  note text DEFAULT 'a;b'
);
CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$
BEGIN
  RETURN 1;
END;
$body$;
/* block;
   comment */
SELECT 'x'
  'y';
