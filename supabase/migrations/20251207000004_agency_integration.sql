-- 004 · Integration with the agency's other systems (Procure, Finance PPM, T&E, Gearroom).
-- Spec §4: every target schema is optional. Columns and foreign keys are added only where the
-- target table exists when this migration runs; the two functions return empty sets when the
-- source table, its link column, or the privilege to read it is missing.

ALTER TABLE agency.campaigns ADD COLUMN IF NOT EXISTS procure_quote_id uuid;
CREATE INDEX IF NOT EXISTS idx_campaigns_procure_quote ON agency.campaigns (procure_quote_id)
  WHERE procure_quote_id IS NOT NULL;

DO $$
DECLARE
  target record;
BEGIN
  -- Procure quotes: a FK only if the quotes table exists with a uuid id.
  IF to_regclass('procure.project_quotes') IS NOT NULL THEN
    EXECUTE 'ALTER TABLE agency.campaigns ADD CONSTRAINT campaigns_procure_quote_fk
               FOREIGN KEY (procure_quote_id) REFERENCES procure.project_quotes (id) ON DELETE SET NULL';
  END IF;

  FOR target IN
    SELECT * FROM (VALUES ('finance_ppm', 'projects'), ('te', 'expense_lines'), ('gear', 'checkouts'))
      AS t(schema_name, table_name)
  LOOP
    IF to_regclass(format('%I.%I', target.schema_name, target.table_name)) IS NOT NULL THEN
      EXECUTE format('ALTER TABLE %I.%I ADD COLUMN IF NOT EXISTS agency_campaign_id uuid',
                     target.schema_name, target.table_name);
      IF NOT EXISTS (SELECT 1 FROM pg_constraint
                      WHERE conname = format('%s_agency_campaign_fk', target.table_name)
                        AND conrelid = format('%I.%I', target.schema_name, target.table_name)::regclass) THEN
        EXECUTE format('ALTER TABLE %I.%I ADD CONSTRAINT %I FOREIGN KEY (agency_campaign_id)
                          REFERENCES agency.campaigns (id) ON DELETE SET NULL',
                       target.schema_name, target.table_name, target.table_name || '_agency_campaign_fk');
      END IF;
      EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I.%I (agency_campaign_id)',
                     'idx_' || target.table_name || '_agency_campaign', target.schema_name, target.table_name);
    ELSE
      RAISE NOTICE 'integration: %.% not found, skipped', target.schema_name, target.table_name;
    END IF;
  END LOOP;
END;
$$;

-- The spec counts 15 tables: the 13 named ones plus two for integration. Links to records in
-- systems that live in another database (where a foreign key is impossible), and a log of sync
-- runs per system.
CREATE TABLE agency.integration_links (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id    uuid NOT NULL,
  campaign_id  uuid NOT NULL,
  system       text NOT NULL CHECK (system IN ('procure', 'finance_ppm', 'te', 'gear', 'notion', 'other')),
  external_id  text NOT NULL,
  external_url text,
  metadata     jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_by   uuid,
  created_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT integration_links_campaign_fk FOREIGN KEY (campaign_id, tenant_id)
    REFERENCES agency.campaigns (id, tenant_id) ON DELETE CASCADE,
  CONSTRAINT integration_links_campaign_system_key UNIQUE (campaign_id, system, external_id)
);
CREATE INDEX idx_integration_links_tenant ON agency.integration_links (tenant_id, system);
ALTER TABLE agency.integration_links ENABLE ROW LEVEL SECURITY;

CREATE TABLE agency.integration_sync_runs (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id      uuid NOT NULL,
  system         text NOT NULL CHECK (system IN ('procure', 'finance_ppm', 'te', 'gear', 'notion', 'other')),
  status         text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
  records_synced integer NOT NULL DEFAULT 0,
  error          text,
  started_at     timestamptz NOT NULL DEFAULT now(),
  finished_at    timestamptz
);
CREATE INDEX idx_integration_sync_runs_tenant ON agency.integration_sync_runs (tenant_id, system, started_at DESC);
ALTER TABLE agency.integration_sync_runs ENABLE ROW LEVEL SECURITY;

-- True when the table exists, has an agency_campaign_id column, and the caller may read it.
-- Looked up in the catalog by name: to_regclass() would raise for a schema the caller has no
-- USAGE on, and these functions must return empty sets, not errors.
CREATE OR REPLACE FUNCTION agency.integration_source_ready(p_schema text, p_table text) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog AS $$
  SELECT EXISTS (
    SELECT 1 FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'agency_campaign_id' AND NOT a.attisdropped
     WHERE n.nspname = p_schema AND c.relname = p_table
       AND has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.oid, 'SELECT'));
$$;

-- T&E expenses of one campaign, aggregated by category. SECURITY INVOKER: the campaign must be
-- visible to the caller under RLS, otherwise nothing is returned. Columns of te.expense_lines
-- are read through to_jsonb so the function tolerates the T&E system's optional columns
-- (amount is required; category, currency and expense_date are used when present).
CREATE OR REPLACE FUNCTION agency.get_campaign_expenses(p_campaign_id uuid)
RETURNS TABLE (category text, currency text, line_count bigint, total_amount numeric,
               first_expense_date date, last_expense_date date)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, agency AS $$
BEGIN
  IF NOT agency.integration_source_ready('te', 'expense_lines')
     OR NOT EXISTS (SELECT 1 FROM agency.campaigns c WHERE c.id = p_campaign_id) THEN
    RETURN;
  END IF;
  RETURN QUERY EXECUTE $q$
    SELECT coalesce(j ->> 'category', 'uncategorised'),
           coalesce(j ->> 'currency', 'USD'),
           count(*),
           coalesce(sum((j ->> 'amount')::numeric), 0),
           min((j ->> 'expense_date')::date),
           max((j ->> 'expense_date')::date)
      FROM (SELECT to_jsonb(e) AS j FROM te.expense_lines e WHERE e.agency_campaign_id = $1) lines
     GROUP BY 1, 2
     ORDER BY 4 DESC
  $q$ USING p_campaign_id;
END;
$$;

-- Gearroom checkouts of one campaign, most recent first. Same visibility rule as above.
CREATE OR REPLACE FUNCTION agency.get_campaign_equipment(p_campaign_id uuid)
RETURNS TABLE (checkout_id text, item_name text, checked_out_by text, checked_out_at timestamptz,
               due_at timestamptz, returned_at timestamptz, status text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, agency AS $$
BEGIN
  IF NOT agency.integration_source_ready('gear', 'checkouts')
     OR NOT EXISTS (SELECT 1 FROM agency.campaigns c WHERE c.id = p_campaign_id) THEN
    RETURN;
  END IF;
  RETURN QUERY EXECUTE $q$
    SELECT j ->> 'id',
           coalesce(j ->> 'item_name', j ->> 'equipment_name', j ->> 'item_id'),
           j ->> 'checked_out_by',
           (j ->> 'checked_out_at')::timestamptz,
           (j ->> 'due_at')::timestamptz,
           (j ->> 'returned_at')::timestamptz,
           coalesce(j ->> 'status', CASE WHEN j ->> 'returned_at' IS NULL THEN 'out' ELSE 'returned' END)
      FROM (SELECT to_jsonb(g) AS j FROM gear.checkouts g WHERE g.agency_campaign_id = $1) lines
     ORDER BY 4 DESC NULLS LAST
  $q$ USING p_campaign_id;
END;
$$;
