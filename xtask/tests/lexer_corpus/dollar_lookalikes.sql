-- expect: statements=6 errors=0
-- `$1$` is a parameter and a stray dollar, not a tag: nothing is quoted here.
SELECT $1$ ; SELECT $1$;
-- `$` continuing an identifier never opens a string.
SELECT a$b$, c$$ FROM t$x$;
-- `$abc` with no closing `$` on the tag is a lone `$` and a word.
SELECT $abc + 1;
-- A parameter straight into a dollar string.
SELECT $1$$;$$;
-- Tags are case-sensitive and may hold digits and non-ASCII letters.
SELECT $Tag1$ $tag1$ ; $é$ ; $é$ ; $Tag1$;
