CREATE SCHEMA ord;
CREATE TABLE ord.customer (id int PRIMARY KEY);
CREATE TABLE ord.orders (id int PRIMARY KEY, customer_id int, qty int, note text);
ALTER TABLE ord.orders ADD CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES ord.customer NOT VALID;
ALTER TABLE ord.orders ADD CONSTRAINT orders_qty CHECK (qty > 0) NOT VALID;
