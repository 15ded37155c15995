-- The key in another order: replacing it takes the foreign keys that use
-- it (CASCADE), which the script adds again, the unchanged one too.
CREATE SCHEMA crm;
CREATE TABLE crm.contact (id int, region text, CONSTRAINT contact_pkey PRIMARY KEY (region, id));
CREATE TABLE crm.conversation (id int PRIMARY KEY, contact_id int, region text,
    CONSTRAINT conversation_contact_fkey FOREIGN KEY (contact_id, region) REFERENCES crm.contact (id, region));
CREATE TABLE crm.note (id int PRIMARY KEY, contact_id int, region text,
    CONSTRAINT note_contact_fkey FOREIGN KEY (contact_id, region) REFERENCES crm.contact (id, region) ON DELETE CASCADE);
