-- Reverts 010.
DROP FUNCTION IF EXISTS workroom.link_identity(text, text, text, text);
DROP FUNCTION IF EXISTS workroom.auto_link_identity(text, text, text, text);
DROP FUNCTION IF EXISTS workroom.resolve_identity(text, text, text);
