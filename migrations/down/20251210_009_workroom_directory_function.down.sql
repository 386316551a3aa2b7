-- Reverts 009.
DROP FUNCTION IF EXISTS workroom.directory(text);
