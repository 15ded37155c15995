-- expect: statements=4 errors=2
SELECT {1};
SELECT 1 \ SELECT 2;
SELECT $;
SELECT 3 \gset
