-- 032 down · The helpers as SQL functions, exactly as 007, 016, 020, 021 and 024 wrote them.

CREATE OR REPLACE FUNCTION agency.safe_uuid(value text) RETURNS uuid
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $$
  SELECT CASE WHEN value ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
              THEN value::uuid END;
$$;

CREATE OR REPLACE FUNCTION agency.current_tenant_id() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog AS $$
  SELECT agency.safe_uuid(NULLIF(current_setting('app.current_tenant', true), ''));
$$;

CREATE OR REPLACE FUNCTION agency.current_user_id() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog AS $$
  SELECT agency.safe_uuid(NULLIF(current_setting('app.current_user_id', true), ''));
$$;

CREATE OR REPLACE FUNCTION agency.current_user_role() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog AS $$
  SELECT r FROM (SELECT lower(NULLIF(current_setting('app.current_role', true), '')) AS r) s
   WHERE r IN ('leadership', 'finance', 'pm', 'admin', 'account', 'creative');
$$;

CREATE OR REPLACE FUNCTION agency.has_role(p_role text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog AS $$
  SELECT coalesce(agency.current_user_role() = lower(p_role), false);
$$;

CREATE OR REPLACE FUNCTION agency.has_any_role(p_roles text[]) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog AS $$
  SELECT coalesce(agency.current_user_role() = ANY (p_roles), false);
$$;

CREATE OR REPLACE FUNCTION agency.can_view_financials() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog AS $$
  SELECT agency.has_any_role(ARRAY['finance', 'leadership']);
$$;

CREATE OR REPLACE FUNCTION agency.current_user_campaign_ids() RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, agency AS $$
  SELECT coalesce(array_agg(DISTINCT id), '{}') FROM (
    SELECT c.id FROM agency.campaigns c
     WHERE c.tenant_id = (SELECT agency.current_tenant_id())
       AND (SELECT agency.current_user_id()) IN (c.account_lead_id, c.creative_lead_id, c.producer_id, c.created_by)
    UNION ALL
    SELECT a.campaign_id FROM agency.team_allocations a
     WHERE a.user_id = (SELECT agency.current_user_id()) AND a.tenant_id = (SELECT agency.current_tenant_id())
    UNION ALL
    SELECT c.id FROM agency.campaigns c
      JOIN agency.clients cl ON cl.id = c.client_id AND cl.tenant_id = c.tenant_id
     WHERE c.tenant_id = (SELECT agency.current_tenant_id()) AND cl.is_internal
  ) mine;
$$;

CREATE OR REPLACE FUNCTION agency.current_user_client_ids() RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, agency AS $$
  SELECT coalesce(array_agg(DISTINCT id), '{}') FROM (
    SELECT c.client_id AS id FROM agency.campaigns c
     WHERE c.tenant_id = (SELECT agency.current_tenant_id())
       AND ((SELECT agency.current_user_id()) IN (c.account_lead_id, c.creative_lead_id, c.producer_id, c.created_by)
            OR EXISTS (SELECT 1 FROM agency.team_allocations a
                        WHERE a.campaign_id = c.id AND a.user_id = (SELECT agency.current_user_id())))
    UNION ALL
    SELECT cl.id FROM agency.clients cl
     WHERE cl.tenant_id = (SELECT agency.current_tenant_id()) AND cl.account_lead_id = (SELECT agency.current_user_id())
    UNION ALL
    SELECT cl.id FROM agency.clients cl
     WHERE cl.tenant_id = (SELECT agency.current_tenant_id()) AND cl.is_internal
  ) mine;
$$;

CREATE OR REPLACE FUNCTION workroom.sees_all_timesheets() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog AS $$
  SELECT NOT row_security_active('agency.timesheet_entries'::regclass)
         OR agency.has_any_role(ARRAY['leadership', 'finance', 'pm']);
$$;

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

CREATE OR REPLACE FUNCTION workroom.identity_tenant_ok(p_platform text, p_workspace_id text, p_enterprise_id text, p_tenant_id uuid)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, workroom AS $$
  SELECT CASE WHEN p_platform = 'cli' THEN true
              ELSE coalesce(workroom.workspace_tenant(p_platform, p_workspace_id, p_enterprise_id) = p_tenant_id, false) END;
$$;

CREATE OR REPLACE FUNCTION workroom.resolve_identity(p_platform text, p_workspace_id text, p_external_user_id text, p_enterprise_id text DEFAULT NULL)
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
