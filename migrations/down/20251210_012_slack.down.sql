-- Reverts 012.
DROP TABLE IF EXISTS workroom.slack_installations;
DROP TABLE IF EXISTS workroom.slack_deliveries;
