CREATE SCHEMA crm;
CREATE TABLE crm.account (id int PRIMARY KEY, name text NOT NULL, blocked boolean);
CREATE RULE no_blocked AS ON INSERT TO crm.account WHERE (NEW.blocked) DO INSTEAD NOTHING;
CREATE TABLE crm.contact (id int PRIMARY KEY, account_id int NOT NULL REFERENCES crm.account);
CREATE TABLE crm.deal (id int PRIMARY KEY, contact_id int REFERENCES crm.contact, account_id int REFERENCES crm.account);
CREATE TABLE crm.note (id int PRIMARY KEY, deal_id int REFERENCES crm.deal);
CREATE VIEW crm.deal_notes AS SELECT d.id, n.id AS note FROM crm.deal d JOIN crm.note n ON n.deal_id = d.id;
