-- 010 · Chat identity resolution: (platform, workspace, external user) → the person and tenant a
-- request runs as. These are the only functions that look across tenants for a request, so they
-- are narrow SECURITY DEFINER functions with a pinned search_path that return one person or none.

-- Who is asking. Called before any actor exists, by workroom_app without tenant context.
CREATE OR REPLACE FUNCTION workroom.resolve_identity(p_platform text, p_workspace_id text, p_external_user_id text)
RETURNS TABLE (tenant_id uuid, user_id uuid, role text, display_name text, email text, timezone text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, workroom AS $$
  SELECT p.tenant_id, p.id, p.role, p.display_name, p.email, coalesce(p.timezone, t.timezone)
    FROM workroom.chat_identities i
    JOIN workroom.people p ON p.id = i.person_id AND p.tenant_id = i.tenant_id
    JOIN workroom.tenants t ON t.id = p.tenant_id
   WHERE i.platform = p_platform AND i.workspace_id = p_workspace_id
     AND i.external_user_id = p_external_user_id AND p.is_active;
$$;

-- Auto-linking by an e-mail address the platform has verified (Slack users.info, Teams AAD).
-- Insert-only: it never moves an existing link to another person.
CREATE OR REPLACE FUNCTION workroom.auto_link_identity(p_platform text, p_workspace_id text, p_external_user_id text, p_verified_email text)
RETURNS TABLE (tenant_id uuid, user_id uuid, role text, display_name text, email text, timezone text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, workroom AS $$
BEGIN
  INSERT INTO workroom.chat_identities (tenant_id, person_id, platform, workspace_id, external_user_id, linked_via)
  SELECT p.tenant_id, p.id, p_platform, p_workspace_id, p_external_user_id, 'email'
    FROM workroom.people p
   WHERE lower(p.email) = lower(btrim(p_verified_email)) AND p.is_active
  ON CONFLICT (platform, workspace_id, external_user_id) DO NOTHING;
  RETURN QUERY SELECT * FROM workroom.resolve_identity(p_platform, p_workspace_id, p_external_user_id);
END;
$$;

-- Manual linking by an operator (`workroom link`): may move a link to another person.
CREATE OR REPLACE FUNCTION workroom.link_identity(p_platform text, p_workspace_id text, p_external_user_id text, p_email text)
RETURNS TABLE (tenant_id uuid, user_id uuid, role text, display_name text, email text, timezone text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, workroom AS $$
BEGIN
  INSERT INTO workroom.chat_identities (tenant_id, person_id, platform, workspace_id, external_user_id, linked_via)
  SELECT p.tenant_id, p.id, p_platform, p_workspace_id, p_external_user_id, 'manual'
    FROM workroom.people p
   WHERE lower(p.email) = lower(btrim(p_email)) AND p.is_active
  ON CONFLICT (platform, workspace_id, external_user_id)
    DO UPDATE SET tenant_id = EXCLUDED.tenant_id, person_id = EXCLUDED.person_id, linked_via = 'manual';
  RETURN QUERY SELECT * FROM workroom.resolve_identity(p_platform, p_workspace_id, p_external_user_id);
END;
$$;

REVOKE EXECUTE ON FUNCTION workroom.resolve_identity(text, text, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION workroom.auto_link_identity(text, text, text, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION workroom.link_identity(text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION workroom.resolve_identity(text, text, text) TO workroom_app;
GRANT EXECUTE ON FUNCTION workroom.auto_link_identity(text, text, text, text) TO workroom_app;
-- link_identity stays with the owner: operators only.
