-- 031 down · The policies' membership tests as 007, 015, 020 and 021 wrote them.

ALTER POLICY artifacts_insert ON agency.artifacts
  WITH CHECK (tenant_id = (SELECT agency.current_tenant_id()) AND owner_id = (SELECT agency.current_user_id()) AND (campaign_id IS NULL OR (SELECT agency.has_any_role(ARRAY['leadership', 'pm', 'admin'])) OR campaign_id = ANY ((SELECT agency.current_user_campaign_ids())::uuid[])));

ALTER POLICY artifacts_select ON agency.artifacts
  USING (tenant_id = (SELECT agency.current_tenant_id()) AND ((SELECT agency.has_any_role(ARRAY['leadership', 'pm', 'admin'])) OR owner_id = (SELECT agency.current_user_id()) OR campaign_id = ANY ((SELECT agency.current_user_campaign_ids())::uuid[])));

ALTER POLICY brands_insert ON agency.brands
  WITH CHECK (tenant_id = (SELECT agency.current_tenant_id()) AND ((SELECT agency.has_any_role(ARRAY['leadership', 'admin'])) OR ((SELECT agency.has_role('account')) AND client_id = ANY ((SELECT agency.current_user_client_ids())::uuid[]))));

ALTER POLICY brands_select ON agency.brands
  USING (tenant_id = (SELECT agency.current_tenant_id()) AND ((SELECT agency.has_any_role(ARRAY['leadership', 'finance', 'pm', 'admin'])) OR client_id = ANY ((SELECT agency.current_user_client_ids())::uuid[])));

ALTER POLICY brands_update ON agency.brands
  USING (tenant_id = (SELECT agency.current_tenant_id()) AND ((SELECT agency.has_any_role(ARRAY['leadership', 'admin'])) OR ((SELECT agency.has_role('account')) AND client_id = ANY ((SELECT agency.current_user_client_ids())::uuid[]))));

ALTER POLICY campaign_artifact_rollups_select ON workroom.campaign_artifact_rollups
  USING (tenant_id = (SELECT agency.current_tenant_id()) AND ((SELECT agency.has_any_role(ARRAY['leadership', 'pm', 'admin'])) OR campaign_id = ANY ((SELECT agency.current_user_campaign_ids())::uuid[])));

ALTER POLICY campaign_phases_select ON agency.campaign_phases
  USING (tenant_id = (SELECT agency.current_tenant_id()) AND ((SELECT agency.has_any_role(ARRAY['leadership', 'finance', 'pm', 'admin'])) OR campaign_id = ANY ((SELECT agency.current_user_campaign_ids())::uuid[])));

ALTER POLICY campaign_plan_rollups_select ON workroom.campaign_plan_rollups
  USING (tenant_id = (SELECT agency.current_tenant_id()) AND ((SELECT agency.has_any_role(ARRAY['leadership', 'finance', 'pm', 'admin'])) OR campaign_id = ANY ((SELECT agency.current_user_campaign_ids())::uuid[])));

ALTER POLICY campaigns_select ON agency.campaigns
  USING (tenant_id = (SELECT agency.current_tenant_id()) AND ((SELECT agency.has_any_role(ARRAY['leadership', 'finance', 'pm', 'admin'])) OR id = ANY ((SELECT agency.current_user_campaign_ids())::uuid[])));

ALTER POLICY clients_select ON agency.clients
  USING (tenant_id = (SELECT agency.current_tenant_id()) AND ((SELECT agency.has_any_role(ARRAY['leadership', 'finance', 'pm', 'admin'])) OR id = ANY ((SELECT agency.current_user_client_ids())::uuid[])));

ALTER POLICY knowledge_chunks_select ON agency.knowledge_chunks
  USING (tenant_id = (SELECT agency.current_tenant_id()) AND (client_id IS NULL OR (SELECT agency.has_any_role(ARRAY['leadership', 'finance', 'pm', 'admin'])) OR client_id = ANY ((SELECT agency.current_user_client_ids())::uuid[])));

ALTER POLICY knowledge_documents_select ON agency.knowledge_documents
  USING (tenant_id = (SELECT agency.current_tenant_id()) AND (client_id IS NULL OR (SELECT agency.has_any_role(ARRAY['leadership', 'finance', 'pm', 'admin'])) OR client_id = ANY ((SELECT agency.current_user_client_ids())::uuid[])));

ALTER POLICY team_allocations_select ON agency.team_allocations
  USING (tenant_id = (SELECT agency.current_tenant_id()) AND ((SELECT agency.has_any_role(ARRAY['leadership', 'finance', 'pm', 'admin'])) OR user_id = (SELECT agency.current_user_id()) OR campaign_id = ANY ((SELECT agency.current_user_campaign_ids())::uuid[])));
