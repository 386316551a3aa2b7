-- Reverts 015: back to the privileges, policies and functions of 007–014.
DO $$
DECLARE
  rel text;
BEGIN
  FOREACH rel IN ARRAY ARRAY[
    'agency.clients', 'agency.brands', 'agency.campaigns', 'agency.campaign_phases', 'agency.artifacts',
    'agency.artifact_versions', 'agency.artifact_comments', 'agency.timesheet_entries', 'agency.team_allocations',
    'agency.knowledge_documents', 'agency.knowledge_chunks', 'agency.ai_conversations', 'agency.ai_messages',
    'agency.integration_links', 'agency.integration_sync_runs',
    'workroom.tenants', 'workroom.people', 'workroom.chat_identities', 'workroom.digest_subscriptions'] LOOP
    EXECUTE format('ALTER TABLE %s NO FORCE ROW LEVEL SECURITY', rel);
  END LOOP;
END;
$$;

ALTER FUNCTION agency.set_week_start_date() RESET search_path;
ALTER FUNCTION agency.set_updated_at() RESET search_path;
GRANT EXECUTE ON FUNCTION agency.current_user_campaign_ids() TO PUBLIC;
GRANT EXECUTE ON FUNCTION agency.current_user_client_ids() TO PUBLIC;
GRANT EXECUTE ON FUNCTION agency.campaign_financials(uuid, date) TO PUBLIC;
GRANT EXECUTE ON FUNCTION agency.artifact_snapshot_version() TO PUBLIC, workroom_app;
GRANT EXECUTE ON FUNCTION workroom.snapshot_timesheet_rates() TO PUBLIC;

DROP FUNCTION IF EXISTS workroom.create_login_role(text, text);
DROP FUNCTION IF EXISTS agency.adjust_timesheet_rates(uuid, numeric, numeric);

-- The rate snapshot of 011.
CREATE OR REPLACE FUNCTION workroom.snapshot_timesheet_rates() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, workroom AS $$
BEGIN
  IF NEW.cost_rate IS NULL OR NEW.bill_rate IS NULL THEN
    SELECT coalesce(NEW.cost_rate, p.cost_rate), coalesce(NEW.bill_rate, p.bill_rate)
      INTO NEW.cost_rate, NEW.bill_rate
      FROM workroom.people p
     WHERE p.id = NEW.user_id AND p.tenant_id = NEW.tenant_id;
  END IF;
  RETURN NEW;
END;
$$;

DROP TRIGGER IF EXISTS trg_timesheet_lock ON agency.timesheet_entries;
DROP TRIGGER IF EXISTS trg_timesheet_review ON agency.timesheet_entries;
DROP TRIGGER IF EXISTS trg_artifact_comments_resolution ON agency.artifact_comments;
DROP TRIGGER IF EXISTS trg_artifacts_placement ON agency.artifacts;
DROP FUNCTION IF EXISTS agency.enforce_timesheet_lock();
DROP FUNCTION IF EXISTS agency.enforce_timesheet_review();
DROP FUNCTION IF EXISTS agency.timesheet_entry_content(agency.timesheet_entries);
DROP FUNCTION IF EXISTS agency.stamp_comment_resolution();
DROP FUNCTION IF EXISTS agency.check_artifact_placement();

DROP POLICY IF EXISTS integration_links_update_rules ON agency.integration_links;
DROP POLICY IF EXISTS integration_links_insert_rules ON agency.integration_links;
DROP POLICY IF EXISTS knowledge_chunks_update_rules ON agency.knowledge_chunks;
DROP POLICY IF EXISTS knowledge_chunks_insert_rules ON agency.knowledge_chunks;
DROP POLICY IF EXISTS knowledge_documents_update_rules ON agency.knowledge_documents;
DROP POLICY IF EXISTS knowledge_documents_insert_rules ON agency.knowledge_documents;
DROP POLICY IF EXISTS team_allocations_update_rules ON agency.team_allocations;
DROP POLICY IF EXISTS team_allocations_insert_rules ON agency.team_allocations;
DROP POLICY IF EXISTS timesheet_entries_update_rules ON agency.timesheet_entries;
DROP POLICY IF EXISTS timesheet_entries_insert_rules ON agency.timesheet_entries;
DROP POLICY IF EXISTS campaign_phases_update_rules ON agency.campaign_phases;
DROP POLICY IF EXISTS campaign_phases_insert_rules ON agency.campaign_phases;
DROP POLICY IF EXISTS clients_insert_rules ON agency.clients;
DROP POLICY IF EXISTS campaigns_update_rules ON agency.campaigns;
DROP POLICY IF EXISTS campaigns_insert_rules ON agency.campaigns;

-- Privileges as 007 and 014 granted them: table-wide INSERT and UPDATE, except UPDATE of the
-- money columns.
DO $$
DECLARE
  money jsonb := '{"agency.campaigns": ["budget"], "agency.campaign_phases": ["budget"],
                   "agency.timesheet_entries": ["cost_rate", "bill_rate", "cost_amount", "bill_amount"]}';
  rel text;
  cols text;
BEGIN
  FOREACH rel IN ARRAY ARRAY[
    'agency.clients', 'agency.brands', 'agency.campaigns', 'agency.campaign_phases', 'agency.artifacts',
    'agency.artifact_comments', 'agency.timesheet_entries', 'agency.team_allocations', 'agency.knowledge_documents',
    'agency.knowledge_chunks', 'agency.ai_conversations', 'agency.ai_messages', 'agency.integration_links',
    'agency.integration_sync_runs', 'workroom.digest_subscriptions'] LOOP
    EXECUTE format('REVOKE UPDATE ON %s FROM workroom_app', rel);
    IF money ? rel THEN
      SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
        FROM pg_attribute
       WHERE attrelid = rel::regclass AND attnum > 0 AND NOT attisdropped
         AND attname NOT IN (SELECT jsonb_array_elements_text(money -> rel));
      EXECUTE format('GRANT UPDATE (%s) ON %s TO workroom_app', cols, rel);
    ELSE
      EXECUTE format('GRANT UPDATE ON %s TO workroom_app', rel);
    END IF;
  END LOOP;
  FOREACH rel IN ARRAY ARRAY['agency.timesheet_entries', 'agency.artifact_comments'] LOOP
    EXECUTE format('REVOKE INSERT ON %s FROM workroom_app', rel);
    EXECUTE format('GRANT INSERT ON %s TO workroom_app', rel);
  END LOOP;
END;
$$;

ALTER TABLE agency.integration_links ALTER COLUMN created_by DROP DEFAULT;
ALTER TABLE agency.knowledge_documents ALTER COLUMN created_by DROP DEFAULT;
ALTER TABLE agency.team_allocations ALTER COLUMN created_by DROP DEFAULT;
ALTER TABLE agency.campaigns ALTER COLUMN created_by DROP DEFAULT;
ALTER TABLE agency.clients ALTER COLUMN created_by DROP DEFAULT;

ALTER TABLE workroom.tenants DROP COLUMN IF EXISTS timesheet_lock_days;
