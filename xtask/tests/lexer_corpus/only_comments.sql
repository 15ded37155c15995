-- expect: statements=0 errors=0
-- SELECT 1;
/* SELECT 2; /* nested; */ still; */
--
/**/
