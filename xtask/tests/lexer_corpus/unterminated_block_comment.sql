-- expect: statements=2 errors=1
SELECT 1;
SELECT 2 /* outer /* inner */ still in the outer comment;
SELECT 3;
