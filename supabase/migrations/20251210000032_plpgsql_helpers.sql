-- 032 · The policies' helper functions in PL/pgSQL, so their bodies are planned once per session.
--
-- Every policy calls helpers (`current_tenant_id()`, `has_any_role(…)`,
-- `current_user_campaign_ids()` …), each in an init plan, once per table a statement reads. They
-- were SQL functions with a pinned search_path (the Supabase lint that test/db/catalog.test.ts
-- holds), and a SQL function with a SET clause is never inlined: PostgreSQL (before 18) parses
-- and plans its body again at every call site of every statement it runs in. Measured on the bench
-- seed as a creative lead who sees 1,014 campaigns (native, one session): the body of
-- `current_user_campaign_ids()` took 4.7 ms to plan and 5 ms to run under EXPLAIN ANALYZE, and a
-- `/timesheet` message's campaign shortlist, which reads five tables and so calls five such
-- helpers, 7.5 ms at p50. PL/pgSQL keeps each statement's plan for the session, so a call costs
-- what running the statement costs (docs/performance.md, "The policies' helpers").
--
-- The same holds for the three functions that resolve a chat identity, which every message runs
-- before anything else (`workroom.resolve_identity`, 1.9 → 1.1 ms at p50 in the same bench).
--
-- Same names, arguments, results, volatility, parallel safety, security and search_path, the same
-- statements term for term; CREATE OR REPLACE keeps owners and grants. test/db/rls.test.ts's
-- matrix and the views' equivalence tests hold on both engines; the down migration restores
-- 007's, 016's, 020's, 021's and 024's SQL definitions exactly (test/db/migrate.test.ts compares them).

CREATE OR REPLACE FUNCTION agency.safe_uuid(value text) RETURNS uuid
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $$
BEGIN
  RETURN CASE WHEN value ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
              THEN value::uuid END;
END $$;

CREATE OR REPLACE FUNCTION agency.current_tenant_id() RETURNS uuid
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog AS $$
BEGIN
  RETURN agency.safe_uuid(NULLIF(current_setting('app.current_tenant', true), ''));
END $$;

CREATE OR REPLACE FUNCTION agency.current_user_id() RETURNS uuid
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog AS $$
BEGIN
  RETURN agency.safe_uuid(NULLIF(current_setting('app.current_user_id', true), ''));
END $$;

CREATE OR REPLACE FUNCTION agency.current_user_role() RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog AS $$
DECLARE r text := lower(NULLIF(current_setting('app.current_role', true), ''));
BEGIN
  RETURN CASE WHEN r IN ('leadership', 'finance', 'pm', 'admin', 'account', 'creative') THEN r END;
END $$;

CREATE OR REPLACE FUNCTION agency.has_role(p_role text) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog AS $$
BEGIN
  RETURN coalesce(agency.current_user_role() = lower(p_role), false);
END $$;

CREATE OR REPLACE FUNCTION agency.has_any_role(p_roles text[]) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog AS $$
BEGIN
  RETURN coalesce(agency.current_user_role() = ANY (p_roles), false);
END $$;

CREATE OR REPLACE FUNCTION agency.can_view_financials() RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog AS $$
BEGIN
  RETURN agency.has_any_role(ARRAY['finance', 'leadership']);
END $$;

CREATE OR REPLACE FUNCTION workroom.sees_all_timesheets() RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = pg_catalog AS $$
BEGIN
  RETURN NOT row_security_active('agency.timesheet_entries'::regclass)
         OR agency.has_any_role(ARRAY['leadership', 'finance', 'pm']);
END $$;

CREATE OR REPLACE FUNCTION agency.current_user_campaign_ids() RETURNS uuid[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, agency AS $$
BEGIN
  RETURN (
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
    ) mine);
END $$;

CREATE OR REPLACE FUNCTION agency.current_user_client_ids() RETURNS uuid[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, agency AS $$
BEGIN
  RETURN (
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
    ) mine);
END $$;

-- Chat identities (016, 018, 024).
CREATE OR REPLACE FUNCTION workroom.workspace_tenant(p_platform text, p_workspace_id text, p_enterprise_id text DEFAULT NULL) RETURNS uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, workroom AS $$
BEGIN
  RETURN coalesce(
    (SELECT b.tenant_id FROM workroom.workspace_bindings b
      WHERE b.platform = p_platform AND b.workspace_id = p_workspace_id),
    (SELECT b.tenant_id FROM workroom.workspace_bindings b
      WHERE p_platform = 'slack' AND b.platform = 'slack' AND b.workspace_id = p_enterprise_id),
    (SELECT t.id FROM workroom.tenants t WHERE p_platform = 'playground' AND t.slug = p_workspace_id));
END $$;
CREATE OR REPLACE FUNCTION workroom.identity_tenant_ok(p_platform text, p_workspace_id text, p_enterprise_id text, p_tenant_id uuid) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, workroom AS $$
BEGIN
  RETURN CASE WHEN p_platform = 'cli' THEN true
              ELSE coalesce(workroom.workspace_tenant(p_platform, p_workspace_id, p_enterprise_id) = p_tenant_id, false) END;
END $$;
CREATE OR REPLACE FUNCTION workroom.resolve_identity(p_platform text, p_workspace_id text, p_external_user_id text, p_enterprise_id text DEFAULT NULL)
RETURNS TABLE (tenant_id uuid, user_id uuid, role text, display_name text, email text, timezone text, locale text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, workroom AS $$
BEGIN
  -- The result's columns (tenant_id, role, email …) are variables here: every column below is
  -- qualified by its table, so none is read as one.
  RETURN QUERY
  SELECT p.tenant_id, p.id, p.role, p.display_name, p.email, coalesce(p.timezone, t.timezone), t.locale
    FROM workroom.chat_identities i
    JOIN workroom.people p ON p.id = i.person_id AND p.tenant_id = i.tenant_id
    JOIN workroom.tenants t ON t.id = p.tenant_id
   WHERE i.platform = p_platform AND i.workspace_id = p_workspace_id
     AND i.external_user_id = p_external_user_id AND p.is_active
     AND workroom.identity_tenant_ok(p_platform, p_workspace_id, p_enterprise_id, p.tenant_id);
END $$;
