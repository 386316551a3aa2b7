-- Reverts 018: the owner's connection does the bookkeeping again. workroom_service stays (roles
-- are cluster-wide and other databases of the cluster may use it); its grants and policies here go.
CREATE TABLE workroom.chat_deliveries (
  delivery_key text PRIMARY KEY CHECK (length(delivery_key) BETWEEN 1 AND 500),
  received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_chat_deliveries_received ON workroom.chat_deliveries (received_at);
REVOKE ALL ON workroom.chat_deliveries FROM PUBLIC;
ALTER TABLE workroom.chat_deliveries ENABLE ROW LEVEL SECURITY;

DROP FUNCTION IF EXISTS workroom.create_login_role(text, text, text);
CREATE FUNCTION workroom.create_login_role(p_name text, p_password text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog AS $$
BEGIN
  IF p_name IS NULL OR p_name !~ '^[a-z_][a-z0-9_]{0,62}$' THEN
    RAISE EXCEPTION 'a login role name is a lower-case identifier, got %', p_name USING ERRCODE = 'invalid_name';
  END IF;
  EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT PASSWORD %L',
                 p_name, p_password);
  EXECUTE format('GRANT workroom_app TO %I', p_name);
END;
$$;
REVOKE EXECUTE ON FUNCTION workroom.create_login_role(text, text) FROM PUBLIC;

DO $$
BEGIN
  IF to_regclass('public.workroom_migrations') IS NOT NULL THEN
    REVOKE SELECT ON public.workroom_migrations FROM workroom_service;
  END IF;
END;
$$;
DROP POLICY tenants_service_update ON workroom.tenants;
DROP POLICY tenants_service_select ON workroom.tenants;
REVOKE ALL ON workroom.tenants FROM workroom_service;
DROP POLICY workspace_bindings_service_insert ON workroom.workspace_bindings;
DROP POLICY workspace_bindings_service_select ON workroom.workspace_bindings;
REVOKE ALL ON workroom.workspace_bindings FROM workroom_service;
REVOKE EXECUTE ON FUNCTION workroom.workspace_tenant(text, text, text) FROM workroom_service;
DROP POLICY digest_subscriptions_service ON workroom.digest_subscriptions;
REVOKE ALL ON workroom.digest_subscriptions FROM workroom_service;
DROP POLICY digest_runs_service ON workroom.digest_runs;
DROP POLICY teams_conversations_service ON workroom.teams_conversations;
DROP POLICY slack_installations_service ON workroom.slack_installations;
DROP POLICY chat_inbox_service ON workroom.chat_inbox;
REVOKE ALL ON workroom.chat_inbox, workroom.slack_installations, workroom.teams_conversations, workroom.digest_runs FROM workroom_service;
REVOKE USAGE ON SCHEMA workroom FROM workroom_service;
