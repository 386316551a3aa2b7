-- 032 down · The helpers as SQL functions, exactly as 007, 020 and 021 wrote them.

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
