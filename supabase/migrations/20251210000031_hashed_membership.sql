-- 031 · Membership in "my campaigns" and "my clients" tested by hash, not by walking the array.
--
-- The select (and some write) policies of a person who sees campaigns through their leads and
-- allocations say `id = ANY ((SELECT agency.current_user_campaign_ids())::uuid[])`. The array is an
-- initplan's result, not a constant, so PostgreSQL searches it from the start for every row it
-- filters: at 1,000 visible campaigns, a million comparisons per table read (count(*) of the
-- campaigns as the bench's creative lead: 12.7 ms, 5.7 of them in that filter). The same
-- membership written `id IN (SELECT unnest((SELECT …)))` is a hashed subplan: the array is
-- unnested once into a hash table and each row is one lookup (7.4 ms; docs/performance.md).
--
-- The meaning is the same, term for term: the helpers are called once per statement as before, a
-- NULL or empty array matches nothing either way, and the ids are never NULL. Every other term of
-- each policy is unchanged (007, 015, 020, 021). test/db/rls.test.ts's matrix and the views'
-- equivalence tests hold on both engines; test/db/catalog.test.ts checks that no policy walks an
-- array of these helpers any more.

ALTER POLICY artifacts_insert ON agency.artifacts
  WITH CHECK (tenant_id = (SELECT agency.current_tenant_id()) AND owner_id = (SELECT agency.current_user_id()) AND (campaign_id IS NULL OR (SELECT agency.has_any_role(ARRAY['leadership', 'pm', 'admin'])) OR campaign_id IN (SELECT unnest((SELECT agency.current_user_campaign_ids())))));

ALTER POLICY artifacts_select ON agency.artifacts
  USING (tenant_id = (SELECT agency.current_tenant_id()) AND ((SELECT agency.has_any_role(ARRAY['leadership', 'pm', 'admin'])) OR owner_id = (SELECT agency.current_user_id()) OR campaign_id IN (SELECT unnest((SELECT agency.current_user_campaign_ids())))));

ALTER POLICY brands_insert ON agency.brands
  WITH CHECK (tenant_id = (SELECT agency.current_tenant_id()) AND ((SELECT agency.has_any_role(ARRAY['leadership', 'admin'])) OR ((SELECT agency.has_role('account')) AND client_id IN (SELECT unnest((SELECT agency.current_user_client_ids()))))));

ALTER POLICY brands_select ON agency.brands
  USING (tenant_id = (SELECT agency.current_tenant_id()) AND ((SELECT agency.has_any_role(ARRAY['leadership', 'finance', 'pm', 'admin'])) OR client_id IN (SELECT unnest((SELECT agency.current_user_client_ids())))));

ALTER POLICY brands_update ON agency.brands
  USING (tenant_id = (SELECT agency.current_tenant_id()) AND ((SELECT agency.has_any_role(ARRAY['leadership', 'admin'])) OR ((SELECT agency.has_role('account')) AND client_id IN (SELECT unnest((SELECT agency.current_user_client_ids()))))));

ALTER POLICY campaign_artifact_rollups_select ON workroom.campaign_artifact_rollups
  USING (tenant_id = (SELECT agency.current_tenant_id()) AND ((SELECT agency.has_any_role(ARRAY['leadership', 'pm', 'admin'])) OR campaign_id IN (SELECT unnest((SELECT agency.current_user_campaign_ids())))));

ALTER POLICY campaign_phases_select ON agency.campaign_phases
  USING (tenant_id = (SELECT agency.current_tenant_id()) AND ((SELECT agency.has_any_role(ARRAY['leadership', 'finance', 'pm', 'admin'])) OR campaign_id IN (SELECT unnest((SELECT agency.current_user_campaign_ids())))));

ALTER POLICY campaign_plan_rollups_select ON workroom.campaign_plan_rollups
  USING (tenant_id = (SELECT agency.current_tenant_id()) AND ((SELECT agency.has_any_role(ARRAY['leadership', 'finance', 'pm', 'admin'])) OR campaign_id IN (SELECT unnest((SELECT agency.current_user_campaign_ids())))));

ALTER POLICY campaigns_select ON agency.campaigns
  USING (tenant_id = (SELECT agency.current_tenant_id()) AND ((SELECT agency.has_any_role(ARRAY['leadership', 'finance', 'pm', 'admin'])) OR id IN (SELECT unnest((SELECT agency.current_user_campaign_ids())))));

ALTER POLICY clients_select ON agency.clients
  USING (tenant_id = (SELECT agency.current_tenant_id()) AND ((SELECT agency.has_any_role(ARRAY['leadership', 'finance', 'pm', 'admin'])) OR id IN (SELECT unnest((SELECT agency.current_user_client_ids())))));

ALTER POLICY knowledge_chunks_select ON agency.knowledge_chunks
  USING (tenant_id = (SELECT agency.current_tenant_id()) AND (client_id IS NULL OR (SELECT agency.has_any_role(ARRAY['leadership', 'finance', 'pm', 'admin'])) OR client_id IN (SELECT unnest((SELECT agency.current_user_client_ids())))));

ALTER POLICY knowledge_documents_select ON agency.knowledge_documents
  USING (tenant_id = (SELECT agency.current_tenant_id()) AND (client_id IS NULL OR (SELECT agency.has_any_role(ARRAY['leadership', 'finance', 'pm', 'admin'])) OR client_id IN (SELECT unnest((SELECT agency.current_user_client_ids())))));

ALTER POLICY team_allocations_select ON agency.team_allocations
  USING (tenant_id = (SELECT agency.current_tenant_id()) AND ((SELECT agency.has_any_role(ARRAY['leadership', 'finance', 'pm', 'admin'])) OR user_id = (SELECT agency.current_user_id()) OR campaign_id IN (SELECT unnest((SELECT agency.current_user_campaign_ids())))));
