-- Reverts 008.
DROP TABLE IF EXISTS workroom.chat_identities;
DROP TABLE IF EXISTS workroom.people;
DROP TABLE IF EXISTS workroom.tenants;
DROP SCHEMA IF EXISTS workroom;
