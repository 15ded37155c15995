-- expect: statements=2 errors=0
SELECT 1;
SELECT '﻿';
