-- Reverts 028.
DROP TABLE IF EXISTS workroom.channel_clients;
