-- expect: statements=9 errors=0
BEGIN;
BEGIN TRANSACTION;
BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY;
begin work;
END;
end transaction;
COMMIT;
DO $$ BEGIN PERFORM 1; END $$;
CREATE TABLE "begin" (atomic int, "end" int);
