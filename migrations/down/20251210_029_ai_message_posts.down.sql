-- Reverts 029.
DROP TABLE IF EXISTS workroom.ai_message_posts;
