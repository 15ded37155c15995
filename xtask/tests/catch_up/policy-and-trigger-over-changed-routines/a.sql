CREATE SCHEMA acl;
CREATE TABLE acl.doc (id int PRIMARY KEY, owner_name text NOT NULL, body text);
CREATE FUNCTION acl.may_read(who text, owner_name text) RETURNS boolean LANGUAGE sql STABLE AS $$ SELECT who = owner_name $$;
CREATE FUNCTION acl.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.body := coalesce(NEW.body, ''); RETURN NEW; END $$;
ALTER TABLE acl.doc ENABLE ROW LEVEL SECURITY;
CREATE POLICY doc_read ON acl.doc FOR SELECT USING (acl.may_read(current_user, owner_name));
CREATE TRIGGER doc_touch BEFORE INSERT ON acl.doc FOR EACH ROW EXECUTE FUNCTION acl.touch();
CREATE VIEW acl.readable AS SELECT id FROM acl.doc WHERE acl.may_read(current_user, owner_name);
