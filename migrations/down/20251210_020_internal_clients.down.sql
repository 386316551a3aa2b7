-- Reverts 020: 007's helpers as they were, then the triggers, the policy and the column.
DROP TRIGGER IF EXISTS trg_campaigns_keep_internal_side ON agency.campaigns;
DROP FUNCTION IF EXISTS agency.campaign_keeps_its_side();
DROP TRIGGER IF EXISTS trg_timesheet_internal_not_billable ON agency.timesheet_entries;
DROP FUNCTION IF EXISTS agency.internal_time_is_not_billable();
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
DROP POLICY IF EXISTS clients_insert_rules ON agency.clients;
CREATE POLICY clients_insert_rules ON agency.clients AS RESTRICTIVE FOR INSERT TO workroom_app
  WITH CHECK (created_by = (SELECT agency.current_user_id()));
DROP INDEX IF EXISTS agency.idx_clients_internal_per_tenant;
ALTER TABLE agency.clients DROP COLUMN IF EXISTS is_internal;
