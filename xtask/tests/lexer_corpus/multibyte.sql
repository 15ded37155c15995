-- expect: statements=5 errors=0
-- é 日本 🦀 in comments, /* and */ blocks: /* ñ */
SELECT 'é', '日本語', '🦀;' AS "列;";
CREATE TABLE café (naïve text, 名前 text);
SELECT $é$ 🦀; $é$, $日本$;$日本$;
SELECT x FROM t WHERE y = 1; -- a no-break space below is part of an identifier, as on the server
SELECT a b;
