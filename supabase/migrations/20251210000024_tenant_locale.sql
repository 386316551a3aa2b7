-- 024 · Each agency's locale: how its people write numeric dates (20/11 in London, 11/20 in New
-- York). It travels with the person who asks, like their time zone, so the parser reads "11/20"
-- the way that agency writes it.
ALTER TABLE workroom.tenants
  ADD COLUMN locale text NOT NULL DEFAULT 'en-GB'
  CHECK (locale ~ '^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$');   -- a BCP 47 tag: en-GB, en-US, fr-CA, sr-Latn-RS

-- resolve_identity and the two link functions that return what it returns: as in 016, plus the
-- tenant's locale. Their return type changes, so they are dropped and created again.
DROP FUNCTION workroom.auto_link_identity(text, text, text, text, text);
DROP FUNCTION workroom.link_identity(text, text, text, text);
DROP FUNCTION workroom.resolve_identity(text, text, text, text);

CREATE FUNCTION workroom.resolve_identity(p_platform text, p_workspace_id text, p_external_user_id text, p_enterprise_id text DEFAULT NULL)
RETURNS TABLE (tenant_id uuid, user_id uuid, role text, display_name text, email text, timezone text, locale text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, workroom AS $$
  SELECT p.tenant_id, p.id, p.role, p.display_name, p.email, coalesce(p.timezone, t.timezone), t.locale
    FROM workroom.chat_identities i
    JOIN workroom.people p ON p.id = i.person_id AND p.tenant_id = i.tenant_id
    JOIN workroom.tenants t ON t.id = p.tenant_id
   WHERE i.platform = p_platform AND i.workspace_id = p_workspace_id
     AND i.external_user_id = p_external_user_id AND p.is_active
     AND workroom.identity_tenant_ok(p_platform, p_workspace_id, p_enterprise_id, p.tenant_id);
$$;

CREATE FUNCTION workroom.auto_link_identity(p_platform text, p_workspace_id text, p_external_user_id text, p_verified_email text, p_enterprise_id text DEFAULT NULL)
RETURNS TABLE (tenant_id uuid, user_id uuid, role text, display_name text, email text, timezone text, locale text)
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

CREATE FUNCTION workroom.link_identity(p_platform text, p_workspace_id text, p_external_user_id text, p_email text)
RETURNS TABLE (tenant_id uuid, user_id uuid, role text, display_name text, email text, timezone text, locale text)
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

REVOKE EXECUTE ON FUNCTION workroom.resolve_identity(text, text, text, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION workroom.auto_link_identity(text, text, text, text, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION workroom.link_identity(text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION workroom.resolve_identity(text, text, text, text) TO workroom_app;
GRANT EXECUTE ON FUNCTION workroom.auto_link_identity(text, text, text, text, text) TO workroom_app;
-- link_identity stays with the owner: operators only.
