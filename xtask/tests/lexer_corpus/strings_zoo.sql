-- expect: statements=8 errors=0
SELECT E'it\'s;';
SELECT 'it''s;';
SELECT U&'d\0061t\+000061';
SELECT U&'d!0061t' UESCAPE '!', U&"d\0061t";
SELECT 'C:\';
SELECT e'\\', E'\\\'', E'a''b;', E'\x41;\101';
SELECT 'multi' -- continuation across a line break
  'line;';
SELECT B'10''01', X'1F', N'nat;', "quo""ted;";
