-- The primary key in the column order the migrations give it; two foreign
-- keys reference it.
CREATE SCHEMA crm;
CREATE TABLE crm.contact (id int, region text, CONSTRAINT contact_pkey PRIMARY KEY (id, region));
CREATE TABLE crm.conversation (id int PRIMARY KEY, contact_id int, region text,
    CONSTRAINT conversation_contact_fkey FOREIGN KEY (contact_id, region) REFERENCES crm.contact (id, region));
CREATE TABLE crm.note (id int PRIMARY KEY, contact_id int, region text,
    CONSTRAINT note_contact_fkey FOREIGN KEY (contact_id, region) REFERENCES crm.contact (id, region) ON DELETE CASCADE);
