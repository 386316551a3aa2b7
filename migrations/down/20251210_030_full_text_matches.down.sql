-- Reverts 030.
DROP FUNCTION IF EXISTS agency.knowledge_chunks_matching(tsquery, text, integer, uuid, boolean, text[]);
DROP FUNCTION IF EXISTS workroom.artifact_chunks_matching(tsquery, text, integer, uuid, boolean, text[]);
