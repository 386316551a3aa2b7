-- Reverts 005. The vector extension stays: other schemas of the database may use it.
DROP FUNCTION IF EXISTS agency.search_knowledge(vector, double precision, integer, jsonb);
DROP TABLE IF EXISTS agency.ai_messages;
DROP TABLE IF EXISTS agency.ai_conversations;
DROP TABLE IF EXISTS agency.knowledge_chunks;
DROP TABLE IF EXISTS agency.knowledge_documents;
