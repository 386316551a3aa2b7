-- 007 · Row level security: the application role, context helpers and policies.
-- Spec §7. The process connects as a login role that is a member of workroom_app; every actor
-- transaction runs SET LOCAL ROLE workroom_app and sets app.current_tenant, app.current_role and
-- app.current_user_id transaction-locally. Security model (tenant isolation everywhere):
--   leadership  sees all data; finance sees rates, costs, margins (with leadership only)
--   pm          manages allocations, sees all timesheets and campaigns
--   admin       manages knowledge documents
--   account, creative  see the campaigns they work on (lead or allocated), their clients and
--               artifacts; owners fully control their artifacts
--   everyone    manages their own timesheets and assistant conversations
-- Rates, costs and budgets: the application role has no column privilege on them at all; the
-- financial figures reach finance and leadership only through agency.campaign_financials().

-- The application role. Roles are cluster-wide, so creation tolerates a concurrent creator.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'workroom_app') THEN
    BEGIN
      CREATE ROLE workroom_app NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;  -- another database of this cluster created it at the same moment
    END;
  END IF;
  IF NOT pg_has_role(current_user, 'workroom_app', 'MEMBER') THEN
    EXECUTE format('GRANT workroom_app TO %I', current_user);
  END IF;
END;
$$;

-- Context helpers ------------------------------------------------------------------------------
-- A reset setting reads as '' and an unset one as NULL; both mean "no context", and so does a
-- malformed value: helpers return NULL, policies compare with NULL and match nothing. A bad
-- setting must never raise (that would abort unrelated work in the transaction).
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

-- Campaigns the current user works on: leads, producer, creator, or allocated in any week.
-- SECURITY DEFINER because the campaigns policy itself depends on it (an invoker function would
-- recurse into that policy); it is pinned to the current tenant and user and returns ids only.
-- Helpers are wrapped as (SELECT …) so they are computed once, not per row scanned.
CREATE OR REPLACE FUNCTION agency.current_user_campaign_ids() RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, agency AS $$
  SELECT coalesce(array_agg(DISTINCT id), '{}') FROM (
    SELECT c.id FROM agency.campaigns c
     WHERE c.tenant_id = (SELECT agency.current_tenant_id())
       AND (SELECT agency.current_user_id()) IN (c.account_lead_id, c.creative_lead_id, c.producer_id, c.created_by)
    UNION ALL
    SELECT a.campaign_id FROM agency.team_allocations a
     WHERE a.user_id = (SELECT agency.current_user_id()) AND a.tenant_id = (SELECT agency.current_tenant_id())
  ) mine;
$$;

-- Clients of those campaigns, plus clients the user leads. One pass, without calling the
-- function above again: the clients policy runs it beside the campaigns policy.
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
  ) mine;
$$;

-- Privileges -----------------------------------------------------------------------------------
GRANT USAGE ON SCHEMA agency TO workroom_app;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA agency TO workroom_app;
GRANT SELECT ON ALL TABLES IN SCHEMA agency TO workroom_app;   -- views included; revoked below where money
GRANT INSERT, UPDATE, DELETE ON
  agency.clients, agency.brands, agency.campaigns, agency.campaign_phases,
  agency.artifacts, agency.artifact_comments,
  agency.timesheet_entries, agency.team_allocations,
  agency.knowledge_documents, agency.knowledge_chunks,
  agency.ai_conversations, agency.ai_messages,
  agency.integration_links, agency.integration_sync_runs
TO workroom_app;
-- artifact_versions is written only by the versioning trigger.

-- Money columns: no SELECT (nor UPDATE, whose WHERE could probe values). Writers may still
-- INSERT them: a timesheet entry snapshots the person's rates when it is logged.
REVOKE SELECT ON agency.campaigns, agency.campaign_phases, agency.timesheet_entries FROM workroom_app;
REVOKE UPDATE ON agency.campaigns, agency.campaign_phases, agency.timesheet_entries FROM workroom_app;
DO $$
DECLARE
  money jsonb := '{"campaigns": ["budget"], "campaign_phases": ["budget"],
                   "timesheet_entries": ["cost_rate", "bill_rate", "cost_amount", "bill_amount"]}';
  rel text;
  cols text;
BEGIN
  FOR rel IN SELECT jsonb_object_keys(money) LOOP
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
      FROM pg_attribute
     WHERE attrelid = format('agency.%I', rel)::regclass AND attnum > 0 AND NOT attisdropped
       AND attname NOT IN (SELECT jsonb_array_elements_text(money -> rel));
    EXECUTE format('GRANT SELECT (%s), UPDATE (%s) ON agency.%I TO workroom_app', cols, cols, rel);
  END LOOP;
END;
$$;

-- Integration sources the functions of 004 read (only where they exist).
DO $$
DECLARE
  rel text;
BEGIN
  FOREACH rel IN ARRAY ARRAY['te.expense_lines', 'gear.checkouts', 'finance_ppm.projects'] LOOP
    IF to_regclass(rel) IS NOT NULL THEN
      EXECUTE format('GRANT USAGE ON SCHEMA %I TO workroom_app', split_part(rel, '.', 1));
      EXECUTE format('GRANT SELECT ON %s TO workroom_app', rel);
    END IF;
  END LOOP;
END;
$$;

-- Policies -------------------------------------------------------------------------------------
-- Helpers are wrapped as (select …) so they are evaluated once per statement, not per row.
-- Every policy names its table's tenant first; no policy grants anything without a tenant match.

-- clients
CREATE POLICY clients_select ON agency.clients FOR SELECT TO workroom_app USING (
  tenant_id = (SELECT agency.current_tenant_id())
  AND ((SELECT agency.has_any_role(ARRAY['leadership', 'finance', 'pm', 'admin']))
       OR id = ANY ((SELECT agency.current_user_client_ids())::uuid[])));
CREATE POLICY clients_insert ON agency.clients FOR INSERT TO workroom_app WITH CHECK (
  tenant_id = (SELECT agency.current_tenant_id())
  AND (SELECT agency.has_any_role(ARRAY['leadership', 'admin', 'account'])));
CREATE POLICY clients_update ON agency.clients FOR UPDATE TO workroom_app
  USING (tenant_id = (SELECT agency.current_tenant_id())
         AND ((SELECT agency.has_any_role(ARRAY['leadership', 'admin']))
              OR account_lead_id = (SELECT agency.current_user_id())))
  WITH CHECK (tenant_id = (SELECT agency.current_tenant_id()));
CREATE POLICY clients_delete ON agency.clients FOR DELETE TO workroom_app USING (
  tenant_id = (SELECT agency.current_tenant_id()) AND (SELECT agency.has_any_role(ARRAY['leadership', 'admin'])));

-- brands
CREATE POLICY brands_select ON agency.brands FOR SELECT TO workroom_app USING (
  tenant_id = (SELECT agency.current_tenant_id())
  AND ((SELECT agency.has_any_role(ARRAY['leadership', 'finance', 'pm', 'admin']))
       OR client_id = ANY ((SELECT agency.current_user_client_ids())::uuid[])));
CREATE POLICY brands_insert ON agency.brands FOR INSERT TO workroom_app WITH CHECK (
  tenant_id = (SELECT agency.current_tenant_id())
  AND ((SELECT agency.has_any_role(ARRAY['leadership', 'admin']))
       OR ((SELECT agency.has_role('account')) AND client_id = ANY ((SELECT agency.current_user_client_ids())::uuid[]))));
CREATE POLICY brands_update ON agency.brands FOR UPDATE TO workroom_app
  USING (tenant_id = (SELECT agency.current_tenant_id())
         AND ((SELECT agency.has_any_role(ARRAY['leadership', 'admin']))
              OR ((SELECT agency.has_role('account')) AND client_id = ANY ((SELECT agency.current_user_client_ids())::uuid[]))))
  WITH CHECK (tenant_id = (SELECT agency.current_tenant_id()));
CREATE POLICY brands_delete ON agency.brands FOR DELETE TO workroom_app USING (
  tenant_id = (SELECT agency.current_tenant_id()) AND (SELECT agency.has_any_role(ARRAY['leadership', 'admin'])));

-- campaigns
CREATE POLICY campaigns_select ON agency.campaigns FOR SELECT TO workroom_app USING (
  tenant_id = (SELECT agency.current_tenant_id())
  AND ((SELECT agency.has_any_role(ARRAY['leadership', 'finance', 'pm', 'admin']))
       OR id = ANY ((SELECT agency.current_user_campaign_ids())::uuid[])));
CREATE POLICY campaigns_insert ON agency.campaigns FOR INSERT TO workroom_app WITH CHECK (
  tenant_id = (SELECT agency.current_tenant_id())
  AND (SELECT agency.has_any_role(ARRAY['leadership', 'pm', 'account'])));
CREATE POLICY campaigns_update ON agency.campaigns FOR UPDATE TO workroom_app
  USING (tenant_id = (SELECT agency.current_tenant_id())
         AND ((SELECT agency.has_any_role(ARRAY['leadership', 'pm']))
              OR account_lead_id = (SELECT agency.current_user_id())))
  WITH CHECK (tenant_id = (SELECT agency.current_tenant_id()));
CREATE POLICY campaigns_delete ON agency.campaigns FOR DELETE TO workroom_app USING (
  tenant_id = (SELECT agency.current_tenant_id()) AND (SELECT agency.has_role('leadership')));

-- campaign_phases
CREATE POLICY campaign_phases_select ON agency.campaign_phases FOR SELECT TO workroom_app USING (
  tenant_id = (SELECT agency.current_tenant_id())
  AND ((SELECT agency.has_any_role(ARRAY['leadership', 'finance', 'pm', 'admin']))
       OR campaign_id = ANY ((SELECT agency.current_user_campaign_ids())::uuid[])));
CREATE POLICY campaign_phases_write ON agency.campaign_phases FOR ALL TO workroom_app
  USING (tenant_id = (SELECT agency.current_tenant_id())
         AND (SELECT agency.has_any_role(ARRAY['leadership', 'pm'])))
  WITH CHECK (tenant_id = (SELECT agency.current_tenant_id())
              AND (SELECT agency.has_any_role(ARRAY['leadership', 'pm'])));

-- artifacts: managers see all; others their own and their campaigns'; owners control theirs.
CREATE POLICY artifacts_select ON agency.artifacts FOR SELECT TO workroom_app USING (
  tenant_id = (SELECT agency.current_tenant_id())
  AND ((SELECT agency.has_any_role(ARRAY['leadership', 'pm', 'admin']))
       OR owner_id = (SELECT agency.current_user_id())
       OR campaign_id = ANY ((SELECT agency.current_user_campaign_ids())::uuid[])));
CREATE POLICY artifacts_insert ON agency.artifacts FOR INSERT TO workroom_app WITH CHECK (
  tenant_id = (SELECT agency.current_tenant_id())
  AND owner_id = (SELECT agency.current_user_id())
  AND (campaign_id IS NULL
       OR (SELECT agency.has_any_role(ARRAY['leadership', 'pm', 'admin']))
       OR campaign_id = ANY ((SELECT agency.current_user_campaign_ids())::uuid[])));
CREATE POLICY artifacts_update ON agency.artifacts FOR UPDATE TO workroom_app
  USING (tenant_id = (SELECT agency.current_tenant_id())
         AND (owner_id = (SELECT agency.current_user_id())
              OR (SELECT agency.has_any_role(ARRAY['leadership', 'pm']))))
  WITH CHECK (tenant_id = (SELECT agency.current_tenant_id()));
CREATE POLICY artifacts_delete ON agency.artifacts FOR DELETE TO workroom_app USING (
  tenant_id = (SELECT agency.current_tenant_id())
  AND (owner_id = (SELECT agency.current_user_id()) OR (SELECT agency.has_role('leadership'))));

-- artifact_versions: readable with the artifact; written by the trigger only.
CREATE POLICY artifact_versions_select ON agency.artifact_versions FOR SELECT TO workroom_app USING (
  tenant_id = (SELECT agency.current_tenant_id())
  AND EXISTS (SELECT 1 FROM agency.artifacts a WHERE a.id = artifact_id));

-- artifact_comments: anyone who sees the artifact reads and adds; authors edit their own.
CREATE POLICY artifact_comments_select ON agency.artifact_comments FOR SELECT TO workroom_app USING (
  tenant_id = (SELECT agency.current_tenant_id())
  AND EXISTS (SELECT 1 FROM agency.artifacts a WHERE a.id = artifact_id));
CREATE POLICY artifact_comments_insert ON agency.artifact_comments FOR INSERT TO workroom_app WITH CHECK (
  tenant_id = (SELECT agency.current_tenant_id())
  AND author_id = (SELECT agency.current_user_id())
  AND EXISTS (SELECT 1 FROM agency.artifacts a WHERE a.id = artifact_id));
CREATE POLICY artifact_comments_update ON agency.artifact_comments FOR UPDATE TO workroom_app
  USING (tenant_id = (SELECT agency.current_tenant_id())
         AND (author_id = (SELECT agency.current_user_id())
              OR EXISTS (SELECT 1 FROM agency.artifacts a
                          WHERE a.id = artifact_id AND a.owner_id = (SELECT agency.current_user_id()))))
  WITH CHECK (tenant_id = (SELECT agency.current_tenant_id()));
CREATE POLICY artifact_comments_delete ON agency.artifact_comments FOR DELETE TO workroom_app USING (
  tenant_id = (SELECT agency.current_tenant_id())
  AND (author_id = (SELECT agency.current_user_id()) OR (SELECT agency.has_role('leadership'))));

-- timesheet_entries: your own; pm, finance and leadership see everyone's.
CREATE POLICY timesheet_entries_select ON agency.timesheet_entries FOR SELECT TO workroom_app USING (
  tenant_id = (SELECT agency.current_tenant_id())
  AND (user_id = (SELECT agency.current_user_id())
       OR (SELECT agency.has_any_role(ARRAY['leadership', 'finance', 'pm']))));
-- You log time for yourself, on a campaign you can see (the FK alone would accept any campaign).
CREATE POLICY timesheet_entries_insert ON agency.timesheet_entries FOR INSERT TO workroom_app WITH CHECK (
  tenant_id = (SELECT agency.current_tenant_id())
  AND user_id = (SELECT agency.current_user_id())
  AND EXISTS (SELECT 1 FROM agency.campaigns c WHERE c.id = campaign_id));
CREATE POLICY timesheet_entries_update ON agency.timesheet_entries FOR UPDATE TO workroom_app
  USING (tenant_id = (SELECT agency.current_tenant_id())
         AND (user_id = (SELECT agency.current_user_id())
              OR (SELECT agency.has_any_role(ARRAY['leadership', 'finance', 'pm']))))
  WITH CHECK (tenant_id = (SELECT agency.current_tenant_id())
              AND EXISTS (SELECT 1 FROM agency.campaigns c WHERE c.id = campaign_id));
CREATE POLICY timesheet_entries_delete ON agency.timesheet_entries FOR DELETE TO workroom_app USING (
  tenant_id = (SELECT agency.current_tenant_id())
  AND (user_id = (SELECT agency.current_user_id()) OR (SELECT agency.has_role('leadership'))));

-- team_allocations: pm and leadership manage; finance sees all; others see their campaigns'.
CREATE POLICY team_allocations_select ON agency.team_allocations FOR SELECT TO workroom_app USING (
  tenant_id = (SELECT agency.current_tenant_id())
  AND ((SELECT agency.has_any_role(ARRAY['leadership', 'finance', 'pm', 'admin']))
       OR user_id = (SELECT agency.current_user_id())
       OR campaign_id = ANY ((SELECT agency.current_user_campaign_ids())::uuid[])));
CREATE POLICY team_allocations_write ON agency.team_allocations FOR ALL TO workroom_app
  USING (tenant_id = (SELECT agency.current_tenant_id())
         AND (SELECT agency.has_any_role(ARRAY['leadership', 'pm'])))
  WITH CHECK (tenant_id = (SELECT agency.current_tenant_id())
              AND (SELECT agency.has_any_role(ARRAY['leadership', 'pm'])));

-- knowledge_documents / knowledge_chunks: tenant-wide documents for everyone in the tenant;
-- a client's documents for managers and the people working with that client. admin manages.
CREATE POLICY knowledge_documents_select ON agency.knowledge_documents FOR SELECT TO workroom_app USING (
  tenant_id = (SELECT agency.current_tenant_id())
  AND (client_id IS NULL
       OR (SELECT agency.has_any_role(ARRAY['leadership', 'finance', 'pm', 'admin']))
       OR client_id = ANY ((SELECT agency.current_user_client_ids())::uuid[])));
CREATE POLICY knowledge_documents_write ON agency.knowledge_documents FOR ALL TO workroom_app
  USING (tenant_id = (SELECT agency.current_tenant_id()) AND (SELECT agency.has_role('admin')))
  WITH CHECK (tenant_id = (SELECT agency.current_tenant_id()) AND (SELECT agency.has_role('admin')));
CREATE POLICY knowledge_chunks_select ON agency.knowledge_chunks FOR SELECT TO workroom_app USING (
  tenant_id = (SELECT agency.current_tenant_id())
  AND (client_id IS NULL
       OR (SELECT agency.has_any_role(ARRAY['leadership', 'finance', 'pm', 'admin']))
       OR client_id = ANY ((SELECT agency.current_user_client_ids())::uuid[])));
CREATE POLICY knowledge_chunks_write ON agency.knowledge_chunks FOR ALL TO workroom_app
  USING (tenant_id = (SELECT agency.current_tenant_id()) AND (SELECT agency.has_role('admin')))
  WITH CHECK (tenant_id = (SELECT agency.current_tenant_id()) AND (SELECT agency.has_role('admin')));

-- ai_conversations / ai_messages: private to the person who asked.
CREATE POLICY ai_conversations_own ON agency.ai_conversations FOR ALL TO workroom_app
  USING (tenant_id = (SELECT agency.current_tenant_id()) AND user_id = (SELECT agency.current_user_id()))
  WITH CHECK (tenant_id = (SELECT agency.current_tenant_id()) AND user_id = (SELECT agency.current_user_id()));
CREATE POLICY ai_messages_select ON agency.ai_messages FOR SELECT TO workroom_app USING (
  tenant_id = (SELECT agency.current_tenant_id())
  AND EXISTS (SELECT 1 FROM agency.ai_conversations c WHERE c.id = conversation_id));
CREATE POLICY ai_messages_insert ON agency.ai_messages FOR INSERT TO workroom_app WITH CHECK (
  tenant_id = (SELECT agency.current_tenant_id())
  AND EXISTS (SELECT 1 FROM agency.ai_conversations c WHERE c.id = conversation_id));
CREATE POLICY ai_messages_update ON agency.ai_messages FOR UPDATE TO workroom_app
  USING (tenant_id = (SELECT agency.current_tenant_id())
         AND EXISTS (SELECT 1 FROM agency.ai_conversations c WHERE c.id = conversation_id))
  WITH CHECK (tenant_id = (SELECT agency.current_tenant_id()));
CREATE POLICY ai_messages_delete ON agency.ai_messages FOR DELETE TO workroom_app USING (
  tenant_id = (SELECT agency.current_tenant_id())
  AND EXISTS (SELECT 1 FROM agency.ai_conversations c WHERE c.id = conversation_id));

-- integration_links / integration_sync_runs: read with the campaign; managed by finance, pm,
-- leadership and admin.
CREATE POLICY integration_links_select ON agency.integration_links FOR SELECT TO workroom_app USING (
  tenant_id = (SELECT agency.current_tenant_id())
  AND EXISTS (SELECT 1 FROM agency.campaigns c WHERE c.id = campaign_id));
CREATE POLICY integration_links_write ON agency.integration_links FOR ALL TO workroom_app
  USING (tenant_id = (SELECT agency.current_tenant_id())
         AND (SELECT agency.has_any_role(ARRAY['leadership', 'finance', 'pm', 'admin'])))
  WITH CHECK (tenant_id = (SELECT agency.current_tenant_id())
              AND (SELECT agency.has_any_role(ARRAY['leadership', 'finance', 'pm', 'admin'])));
CREATE POLICY integration_sync_runs_select ON agency.integration_sync_runs FOR SELECT TO workroom_app USING (
  tenant_id = (SELECT agency.current_tenant_id())
  AND (SELECT agency.has_any_role(ARRAY['leadership', 'finance', 'pm', 'admin'])));
CREATE POLICY integration_sync_runs_write ON agency.integration_sync_runs FOR ALL TO workroom_app
  USING (tenant_id = (SELECT agency.current_tenant_id()) AND (SELECT agency.has_role('admin')))
  WITH CHECK (tenant_id = (SELECT agency.current_tenant_id()) AND (SELECT agency.has_role('admin')));
