CREATE SCHEMA acl;
CREATE TABLE acl.doc (id int PRIMARY KEY, owner_name text NOT NULL, body text);
-- an argument renamed: CREATE OR REPLACE refuses, the function is dropped and created again
CREATE FUNCTION acl.may_read(reader text, owner_name text) RETURNS boolean LANGUAGE sql STABLE AS $$ SELECT reader = owner_name $$;
-- another signature: the old one is dropped, the policy and the view move to the new one
CREATE FUNCTION acl.touch(unused int DEFAULT 0) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
CREATE FUNCTION acl.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
ALTER TABLE acl.doc ENABLE ROW LEVEL SECURITY;
CREATE POLICY doc_read ON acl.doc FOR SELECT USING (acl.may_read(current_user, owner_name));
CREATE TRIGGER doc_touch BEFORE INSERT ON acl.doc FOR EACH ROW EXECUTE FUNCTION acl.touch();
CREATE VIEW acl.readable AS SELECT id FROM acl.doc WHERE acl.may_read(current_user, owner_name);
