-- expect: statements=0 errors=0

   	


