-- The API roles' privileges on the migration ledger are not handed back: that is never wanted.
DO $$
DECLARE
  vector_schema text;
BEGIN
  SELECT n.nspname INTO vector_schema
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'vector';
  IF vector_schema IS NOT NULL AND vector_schema <> 'public' THEN
    EXECUTE format('REVOKE USAGE ON SCHEMA %I FROM workroom_app', vector_schema);
  END IF;
END;
$$;
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = 'supabase_migrations' AND c.relname = 'schema_migrations'
                AND has_table_privilege(c.oid, 'SELECT WITH GRANT OPTION')) THEN
    REVOKE SELECT ON supabase_migrations.schema_migrations FROM workroom_service;
    REVOKE USAGE ON SCHEMA supabase_migrations FROM workroom_service;
  END IF;
END;
$$;
