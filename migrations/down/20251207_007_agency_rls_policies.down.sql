-- Reverts 007: policies, helpers and this database's grants to workroom_app. The role itself is
-- cluster-wide and may serve other databases, so it is dropped only when nothing else uses it.
DO $$
DECLARE
  p record;
BEGIN
  FOR p IN SELECT policyname, tablename FROM pg_policies WHERE schemaname = 'agency' LOOP
    EXECUTE format('DROP POLICY %I ON agency.%I', p.policyname, p.tablename);
  END LOOP;
END;
$$;
DROP FUNCTION IF EXISTS agency.current_user_client_ids();
DROP FUNCTION IF EXISTS agency.current_user_campaign_ids();
DROP FUNCTION IF EXISTS agency.can_view_financials();
DROP FUNCTION IF EXISTS agency.has_any_role(text[]);
DROP FUNCTION IF EXISTS agency.has_role(text);
DROP FUNCTION IF EXISTS agency.current_user_role();
DROP FUNCTION IF EXISTS agency.current_user_id();
DROP FUNCTION IF EXISTS agency.current_tenant_id();
DROP FUNCTION IF EXISTS agency.safe_uuid(text);
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'workroom_app') THEN
    EXECUTE 'REVOKE ALL ON ALL TABLES IN SCHEMA agency FROM workroom_app';
    EXECUTE 'REVOKE ALL ON SCHEMA agency FROM workroom_app';
    -- DROP OWNED removes the remaining privileges in this database (integration schemas).
    EXECUTE 'DROP OWNED BY workroom_app';
    BEGIN
      DROP ROLE workroom_app;
    EXCEPTION WHEN dependent_objects_still_exist OR object_in_use THEN
      RAISE NOTICE 'workroom_app is still used by another database; role kept';
    END;
  END IF;
END;
$$;
