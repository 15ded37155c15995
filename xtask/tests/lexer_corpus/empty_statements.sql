-- expect: statements=2 errors=0
;
;;
SELECT 1;;;
  ;  ; -- nothing between these
SELECT 2
;
