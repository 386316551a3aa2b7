-- 014 · Daily utilization digests: which channels get one, and the runs that posted them.

-- A channel's subscription: tenant data, written by a person through /digest under their actor,
-- so row security decides who may subscribe (pm, leadership, finance) and who may see it (the
-- tenant). One subscription per channel.
CREATE TABLE workroom.digest_subscriptions (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id    uuid NOT NULL REFERENCES workroom.tenants (id) ON DELETE CASCADE,
  platform     text NOT NULL CHECK (platform IN ('slack', 'teams')),
  workspace_id text NOT NULL CHECK (length(workspace_id) BETWEEN 1 AND 200),   -- Slack team id, Teams tenant id
  channel_id   text NOT NULL CHECK (length(channel_id) BETWEEN 1 AND 1000),    -- Slack channel id, Teams conversation id
  cadence      text NOT NULL CHECK (cadence IN ('daily', 'weekdays')),
  post_at      time NOT NULL,                                                  -- wall-clock time in `timezone`
  timezone     text NOT NULL CHECK (length(timezone) BETWEEN 1 AND 64),        -- IANA name, checked by the handler
  created_by   uuid NOT NULL,                                                  -- the person who subscribed
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT digest_subscriptions_channel_key UNIQUE (platform, workspace_id, channel_id)
);
CREATE INDEX idx_digest_subscriptions_tenant ON workroom.digest_subscriptions (tenant_id);

ALTER TABLE workroom.digest_subscriptions ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON workroom.digest_subscriptions TO workroom_app;
CREATE POLICY digest_subscriptions_select ON workroom.digest_subscriptions FOR SELECT TO workroom_app
  USING (tenant_id = (SELECT agency.current_tenant_id()));
CREATE POLICY digest_subscriptions_insert ON workroom.digest_subscriptions FOR INSERT TO workroom_app
  WITH CHECK (tenant_id = (SELECT agency.current_tenant_id())
              AND created_by = (SELECT agency.current_user_id())
              AND (SELECT agency.has_any_role(ARRAY['pm', 'leadership', 'finance'])));
CREATE POLICY digest_subscriptions_update ON workroom.digest_subscriptions FOR UPDATE TO workroom_app
  USING (tenant_id = (SELECT agency.current_tenant_id()) AND (SELECT agency.has_any_role(ARRAY['pm', 'leadership', 'finance'])))
  WITH CHECK (tenant_id = (SELECT agency.current_tenant_id()) AND created_by = (SELECT agency.current_user_id()));
CREATE POLICY digest_subscriptions_delete ON workroom.digest_subscriptions FOR DELETE TO workroom_app
  USING (tenant_id = (SELECT agency.current_tenant_id()) AND (SELECT agency.has_any_role(ARRAY['pm', 'leadership', 'finance'])));

-- One row per (subscription, local date) the scheduler has taken on. The primary key is the
-- claim: any number of replicas insert it, one succeeds and posts. Scheduler bookkeeping, not
-- tenant data: the service's own role; workroom_app has no access.
CREATE TABLE workroom.digest_runs (
  subscription_id uuid NOT NULL REFERENCES workroom.digest_subscriptions (id) ON DELETE CASCADE,
  local_date      date NOT NULL,
  status          text NOT NULL DEFAULT 'claimed' CHECK (status IN ('claimed', 'sent', 'failed', 'gave_up')),
  attempts        integer NOT NULL DEFAULT 1 CHECK (attempts >= 1),
  claimed_at      timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz,
  last_error      text,
  PRIMARY KEY (subscription_id, local_date)
);
CREATE INDEX idx_digest_runs_failed ON workroom.digest_runs (claimed_at) WHERE status = 'failed';
REVOKE ALL ON workroom.digest_runs FROM PUBLIC;
ALTER TABLE workroom.digest_runs ENABLE ROW LEVEL SECURITY;
