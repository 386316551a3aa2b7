-- 012 · Slack: the delivery ledger and the installations of a multi-workspace app.
-- Platform bookkeeping, not tenant data: written by the service's own role, never by
-- workroom_app, and not readable by it (installations hold bot tokens).

-- Slack retries an event it thinks went unanswered (same event id, X-Slack-Retry-Num) and people
-- double-click buttons: the adapter claims each delivery here first, so any number of replicas
-- act on it once.
CREATE TABLE workroom.slack_deliveries (
  delivery_key text PRIMARY KEY CHECK (length(delivery_key) BETWEEN 1 AND 500),
  received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_slack_deliveries_received ON workroom.slack_deliveries (received_at);

-- One row per workspace (or Enterprise Grid org) that installed the app through OAuth: Bolt's
-- Installation object as it was returned by oauth.v2.access.
CREATE TABLE workroom.slack_installations (
  install_key   text PRIMARY KEY,            -- 'T:<team id>' or 'E:<enterprise id>'
  team_id       text,
  enterprise_id text,
  installation  jsonb NOT NULL,
  installed_at  timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CHECK (install_key ~ '^[TE]:.+')
);

REVOKE ALL ON workroom.slack_deliveries, workroom.slack_installations FROM PUBLIC;
-- RLS on with no policy: workroom_app sees no row even if a grant slipped in later.
ALTER TABLE workroom.slack_deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE workroom.slack_installations ENABLE ROW LEVEL SECURITY;
