-- Reverts 004: the functions, and the link columns and foreign keys it added where the
-- integration tables exist. The integration tables themselves belong to other systems.
DROP FUNCTION IF EXISTS agency.get_campaign_equipment(uuid);
DROP FUNCTION IF EXISTS agency.get_campaign_expenses(uuid);
DROP FUNCTION IF EXISTS agency.integration_source_ready(text, text);
DO $$
DECLARE
  rel text;
BEGIN
  FOREACH rel IN ARRAY ARRAY['finance_ppm.projects', 'te.expense_lines', 'gear.checkouts'] LOOP
    IF to_regclass(rel) IS NOT NULL THEN
      EXECUTE format('ALTER TABLE %s DROP COLUMN IF EXISTS agency_campaign_id', rel);  -- drops FK and index too
    END IF;
  END LOOP;
END;
$$;
DROP TABLE IF EXISTS agency.integration_sync_runs;
DROP TABLE IF EXISTS agency.integration_links;
ALTER TABLE agency.campaigns DROP CONSTRAINT IF EXISTS campaigns_procure_quote_fk;
ALTER TABLE agency.campaigns DROP COLUMN IF EXISTS procure_quote_id;
