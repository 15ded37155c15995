CREATE SCHEMA crm;
CREATE TABLE crm.account (id int PRIMARY KEY, name text NOT NULL);
