-- Reverts 017.
DROP TABLE IF EXISTS workroom.chat_inbox;
