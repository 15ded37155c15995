CREATE SCHEMA ext;
CREATE EXTENSION citext SCHEMA ext;
CREATE SCHEMA people;
CREATE TABLE people.person (id int PRIMARY KEY, email ext.citext NOT NULL);
