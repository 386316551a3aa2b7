-- Reverts 013.
DROP TABLE IF EXISTS workroom.teams_conversations;
ALTER INDEX IF EXISTS workroom.idx_chat_deliveries_received RENAME TO idx_slack_deliveries_received;
ALTER TABLE IF EXISTS workroom.chat_deliveries RENAME TO slack_deliveries;
