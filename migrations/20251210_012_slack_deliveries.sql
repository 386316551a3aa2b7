-- 012 · Slack delivery ledger. Slack retries an event it thinks went unanswered (same event id,
-- X-Slack-Retry-Num) and people double-click buttons: the adapter claims each delivery here
-- first, so any number of replicas act on it once. Platform bookkeeping, not tenant data:
-- written by the service's own role, never by workroom_app.

CREATE TABLE workroom.slack_deliveries (
  delivery_key text PRIMARY KEY CHECK (length(delivery_key) BETWEEN 1 AND 500),
  received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_slack_deliveries_received ON workroom.slack_deliveries (received_at);
REVOKE ALL ON workroom.slack_deliveries FROM PUBLIC;
