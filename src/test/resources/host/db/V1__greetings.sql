-- The host application's own schema, migrated by its own Flyway on the database Caravan uses too.
create table greeting (name varchar(40) primary key);
