-- 028 · Channels scoped to a client.
--
-- `/workroom channel client Aurora Athletics` binds a chat channel to one client of the tenant:
-- knowledge answers asked there search that client's documents and artifacts plus the agency-wide
-- ones (no client, no campaign), `/campaign` there prefers that client's campaigns, and the digest
-- posted there covers that client's campaigns and team. Docs: docs/chat.md, "Channels scoped to a
-- client".
--
-- Tenant data, written by a person under their actor: row security decides who may bind (pm and
-- leadership, who run client relationships; not finance, whose role is money, nor the rest) and
-- which client (one of their own tenant that they can see, never the agency's internal client).
-- One binding per channel.
CREATE TABLE workroom.channel_clients (
  tenant_id    uuid NOT NULL REFERENCES workroom.tenants (id) ON DELETE CASCADE,
  platform     text NOT NULL CHECK (platform IN ('slack', 'teams')),
  workspace_id text NOT NULL CHECK (length(workspace_id) BETWEEN 1 AND 200),   -- Slack team id, Teams tenant id
  channel_id   text NOT NULL CHECK (length(channel_id) BETWEEN 1 AND 1000),    -- Slack channel id, Teams conversation id
  client_id    uuid NOT NULL,
  bound_by     uuid NOT NULL,
  bound_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (platform, workspace_id, channel_id),
  -- The client is of the binding's tenant; deleting the client unbinds its channels.
  CONSTRAINT channel_clients_client_fkey FOREIGN KEY (client_id, tenant_id) REFERENCES agency.clients (id, tenant_id) ON DELETE CASCADE
);
CREATE INDEX idx_channel_clients_tenant ON workroom.channel_clients (tenant_id);
CREATE INDEX idx_channel_clients_client ON workroom.channel_clients (client_id);

ALTER TABLE workroom.channel_clients ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON workroom.channel_clients TO workroom_app;
-- Anyone of the tenant reads a binding: every answer in the channel depends on it.
CREATE POLICY channel_clients_select ON workroom.channel_clients FOR SELECT TO workroom_app
  USING (tenant_id = (SELECT agency.current_tenant_id()));
-- The client must be one the actor sees (the subquery runs under agency.clients' own policy) and
-- not the agency itself: its codes (leave, admin, pitches for prospects) are nobody's client channel.
CREATE POLICY channel_clients_insert ON workroom.channel_clients FOR INSERT TO workroom_app
  WITH CHECK (tenant_id = (SELECT agency.current_tenant_id())
              AND bound_by = (SELECT agency.current_user_id())
              AND (SELECT agency.has_any_role(ARRAY['pm', 'leadership']))
              AND client_id IN (SELECT cl.id FROM agency.clients cl WHERE NOT cl.is_internal));
CREATE POLICY channel_clients_update ON workroom.channel_clients FOR UPDATE TO workroom_app
  USING (tenant_id = (SELECT agency.current_tenant_id()) AND (SELECT agency.has_any_role(ARRAY['pm', 'leadership'])))
  WITH CHECK (tenant_id = (SELECT agency.current_tenant_id())
              AND bound_by = (SELECT agency.current_user_id())
              AND (SELECT agency.has_any_role(ARRAY['pm', 'leadership']))
              AND client_id IN (SELECT cl.id FROM agency.clients cl WHERE NOT cl.is_internal));
CREATE POLICY channel_clients_delete ON workroom.channel_clients FOR DELETE TO workroom_app
  USING (tenant_id = (SELECT agency.current_tenant_id()) AND (SELECT agency.has_any_role(ARRAY['pm', 'leadership'])));

-- FORCE, as 015 does for every tenant table, and for the same reason only when it is safe.
DO $$
BEGIN
  IF (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user) THEN
    ALTER TABLE workroom.channel_clients FORCE ROW LEVEL SECURITY;
  ELSE
    RAISE NOTICE 'FORCE ROW LEVEL SECURITY skipped on workroom.channel_clients: % neither is a superuser nor has BYPASSRLS', current_user;
  END IF;
END;
$$;
