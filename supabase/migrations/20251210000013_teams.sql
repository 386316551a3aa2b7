-- 013 · Teams: where the bot can post proactively, and one delivery ledger for every platform.
-- Platform bookkeeping, not tenant data: written by the service's own role, never by
-- workroom_app, and not readable by it.

-- Slack's ledger becomes every platform's: keys are prefixed by platform ('slack:…', 'teams:…'),
-- so a Slack retry and a duplicated Teams activity are both claimed in one place.
ALTER TABLE workroom.slack_deliveries RENAME TO chat_deliveries;
ALTER INDEX workroom.idx_slack_deliveries_received RENAME TO idx_chat_deliveries_received;

-- A conversation reference per Teams conversation the bot is in (a personal chat, a group chat,
-- a channel): what the Bot Connector needs to post there later (digests). Written when the bot
-- is installed there or first addressed, and refreshed on every message (serviceUrl can move).
CREATE TABLE workroom.teams_conversations (
  conversation_id   text PRIMARY KEY CHECK (length(conversation_id) BETWEEN 1 AND 1000),
  aad_tenant_id     text,                                   -- the Microsoft 365 tenant
  conversation_type text NOT NULL CHECK (conversation_type IN ('personal', 'groupChat', 'channel')),
  team_id           text,                                   -- channels only
  service_url       text NOT NULL,
  reference         jsonb NOT NULL,                         -- Bot Framework ConversationReference
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);

REVOKE ALL ON workroom.teams_conversations FROM PUBLIC;
ALTER TABLE workroom.teams_conversations ENABLE ROW LEVEL SECURITY;
