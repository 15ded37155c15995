-- expect: statements=3 errors=1
SELECT 'fine';
SELECT 'it\'s; -- a backslash does not escape: that string ended after it
SELECT 'it''s never closed;
SELECT 2;
