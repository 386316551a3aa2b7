-- 016 · Workspaces bound to tenants. A Slack workspace (or Enterprise Grid org) and a Teams
-- (Entra) tenant each belong to exactly one Workroom tenant, and nothing of a tenant is touched
-- for a request from a workspace that is not bound to it. Before this, identity resolution and
-- auto-linking trusted the platform's e-mail alone: a user of any workspace whose e-mail matched
-- a person became that person.
--
-- Bindings are written by operators (`workroom workspaces bind`), by a Slack OAuth install made
-- through an operator-issued install link, and by the single-workspace Slack app for the tenant
-- its configuration names. Platform bookkeeping: workroom_app has no access to the table; the
-- functions below are the only way a request sees a binding.

CREATE TABLE workroom.workspace_bindings (
  platform     text NOT NULL CHECK (platform IN ('slack', 'teams')),
  -- Slack: a team id ('T…') or an Enterprise Grid org id ('E…'); Teams: the Entra tenant id.
  workspace_id text NOT NULL CHECK (length(workspace_id) BETWEEN 1 AND 200 AND workspace_id !~ '\s'),
  tenant_id    uuid NOT NULL REFERENCES workroom.tenants (id) ON DELETE CASCADE,
  bound_via    text NOT NULL CHECK (bound_via IN ('operator', 'slack_install', 'config')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (platform, workspace_id)
);
CREATE INDEX idx_workspace_bindings_tenant ON workroom.workspace_bindings (tenant_id);
REVOKE ALL ON workroom.workspace_bindings FROM PUBLIC;
ALTER TABLE workroom.workspace_bindings ENABLE ROW LEVEL SECURITY;   -- no policy: invisible to workroom_app

-- The tenant a workspace belongs to, or NULL. A Slack team's own binding wins over its Grid
-- org's. The playground and the terminal are Workroom's own front ends: their "workspace" is the
-- tenant's slug (playground) or the whole directory (cli), and their people are linked only by
-- an operator or a developer at the keyboard, so they need no binding.
CREATE OR REPLACE FUNCTION workroom.workspace_tenant(p_platform text, p_workspace_id text, p_enterprise_id text DEFAULT NULL)
RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, workroom AS $$
  SELECT coalesce(
    (SELECT b.tenant_id FROM workroom.workspace_bindings b
      WHERE b.platform = p_platform AND b.workspace_id = p_workspace_id),
    (SELECT b.tenant_id FROM workroom.workspace_bindings b
      WHERE p_platform = 'slack' AND b.platform = 'slack' AND b.workspace_id = p_enterprise_id),
    (SELECT t.id FROM workroom.tenants t WHERE p_platform = 'playground' AND t.slug = p_workspace_id));
$$;

-- The cli "workspace" spans tenants (`workroom as <email>`): its identities are made by
-- link_identity for whoever runs the command on the server, so they resolve within the person's
-- own tenant.
CREATE OR REPLACE FUNCTION workroom.identity_tenant_ok(p_platform text, p_workspace_id text, p_enterprise_id text, p_tenant_id uuid)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, workroom AS $$
  SELECT CASE WHEN p_platform = 'cli' THEN true
              ELSE coalesce(workroom.workspace_tenant(p_platform, p_workspace_id, p_enterprise_id) = p_tenant_id, false) END;
$$;

DROP FUNCTION workroom.auto_link_identity(text, text, text, text);
DROP FUNCTION workroom.link_identity(text, text, text, text);
DROP FUNCTION workroom.resolve_identity(text, text, text);

-- Who is asking: a linked person of the tenant the workspace is bound to, or nobody. A link made
-- before the workspace was bound (or while it was bound to another tenant) does not resolve.
CREATE FUNCTION workroom.resolve_identity(p_platform text, p_workspace_id text, p_external_user_id text, p_enterprise_id text DEFAULT NULL)
RETURNS TABLE (tenant_id uuid, user_id uuid, role text, display_name text, email text, timezone text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, workroom AS $$
  SELECT p.tenant_id, p.id, p.role, p.display_name, p.email, coalesce(p.timezone, t.timezone)
    FROM workroom.chat_identities i
    JOIN workroom.people p ON p.id = i.person_id AND p.tenant_id = i.tenant_id
    JOIN workroom.tenants t ON t.id = p.tenant_id
   WHERE i.platform = p_platform AND i.workspace_id = p_workspace_id
     AND i.external_user_id = p_external_user_id AND p.is_active
     AND workroom.identity_tenant_ok(p_platform, p_workspace_id, p_enterprise_id, p.tenant_id);
$$;

-- Auto-linking by an e-mail the platform has confirmed (Slack users.info with is_email_confirmed,
-- Teams' member e-mail or UPN): only to a person of the tenant the workspace is bound to, only
-- for Slack and Teams, and never moving an existing link.
CREATE FUNCTION workroom.auto_link_identity(p_platform text, p_workspace_id text, p_external_user_id text, p_verified_email text, p_enterprise_id text DEFAULT NULL)
RETURNS TABLE (tenant_id uuid, user_id uuid, role text, display_name text, email text, timezone text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, workroom AS $$
BEGIN
  INSERT INTO workroom.chat_identities (tenant_id, person_id, platform, workspace_id, external_user_id, linked_via)
  SELECT p.tenant_id, p.id, p_platform, p_workspace_id, p_external_user_id, 'email'
    FROM workroom.people p
   WHERE p_platform IN ('slack', 'teams')
     AND lower(p.email) = lower(btrim(p_verified_email)) AND p.is_active
     AND p.tenant_id = workroom.workspace_tenant(p_platform, p_workspace_id, p_enterprise_id)
  ON CONFLICT (platform, workspace_id, external_user_id) DO NOTHING;
  RETURN QUERY SELECT * FROM workroom.resolve_identity(p_platform, p_workspace_id, p_external_user_id, p_enterprise_id);
END;
$$;

-- Manual linking by an operator (`workroom link`): may move a link to another person, but only
-- to a person of the tenant the workspace is bound to. Raises (SQLSTATE 22023) when it is not.
CREATE FUNCTION workroom.link_identity(p_platform text, p_workspace_id text, p_external_user_id text, p_email text)
RETURNS TABLE (tenant_id uuid, user_id uuid, role text, display_name text, email text, timezone text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, workroom AS $$
DECLARE
  person_tenant uuid;
BEGIN
  SELECT p.tenant_id INTO person_tenant FROM workroom.people p WHERE lower(p.email) = lower(btrim(p_email)) AND p.is_active;
  IF person_tenant IS NULL THEN
    RETURN;
  END IF;
  IF NOT workroom.identity_tenant_ok(p_platform, p_workspace_id, NULL, person_tenant) THEN
    RAISE EXCEPTION 'the % workspace % is not connected to the tenant of %', p_platform, p_workspace_id, p_email
      USING ERRCODE = '22023', HINT = 'bind it first: workroom workspaces bind';
  END IF;
  INSERT INTO workroom.chat_identities (tenant_id, person_id, platform, workspace_id, external_user_id, linked_via)
  SELECT p.tenant_id, p.id, p_platform, p_workspace_id, p_external_user_id, 'manual'
    FROM workroom.people p
   WHERE lower(p.email) = lower(btrim(p_email)) AND p.is_active
  ON CONFLICT (platform, workspace_id, external_user_id)
    DO UPDATE SET tenant_id = EXCLUDED.tenant_id, person_id = EXCLUDED.person_id, linked_via = 'manual';
  RETURN QUERY SELECT * FROM workroom.resolve_identity(p_platform, p_workspace_id, p_external_user_id);
END;
$$;

REVOKE EXECUTE ON FUNCTION workroom.workspace_tenant(text, text, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION workroom.identity_tenant_ok(text, text, text, uuid) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION workroom.resolve_identity(text, text, text, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION workroom.auto_link_identity(text, text, text, text, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION workroom.link_identity(text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION workroom.workspace_tenant(text, text, text) TO workroom_app;
GRANT EXECUTE ON FUNCTION workroom.resolve_identity(text, text, text, text) TO workroom_app;
GRANT EXECUTE ON FUNCTION workroom.auto_link_identity(text, text, text, text, text) TO workroom_app;
-- identity_tenant_ok runs only inside the functions above, as their owner; link_identity stays
-- with the owner: operators only.
