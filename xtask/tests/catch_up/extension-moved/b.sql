-- a relocatable extension in another schema: moved in place (ALTER EXTENSION ... SET SCHEMA),
-- the column that uses its type keeps its values
CREATE SCHEMA legacy_ext;
CREATE EXTENSION citext SCHEMA legacy_ext;
CREATE SCHEMA people;
CREATE TABLE people.person (id int PRIMARY KEY, email legacy_ext.citext NOT NULL);
