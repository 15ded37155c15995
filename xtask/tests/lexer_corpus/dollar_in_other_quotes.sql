-- expect: statements=5 errors=0
SELECT E'$$ not a dollar quote; \' still a string $$';
SELECT '$$ ; $fn$', 'it''s $$';
SELECT "$$;" FROM "a$$b";
-- $$ in a comment ; $$
/* $fn$ ; */ SELECT 1;
SELECT U&'$$;' UESCAPE '!', B'1', X'ff', N'$$;';
