-- expect: statements=4 errors=0
SELECT 1+/* c; */2, 3*--c;
4;
SELECT a::int->>'k' || b, c @> d, e <= -f, g=-1, 1..2;
SELECT 42, 3.14, .5, 1e10, 1.5E-3, 0x1F, 0o17, 0b101, 1_000_000, 1.;
SELECT x := 1, y => 2, ?| `~`;
