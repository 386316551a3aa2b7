-- Supabase (and PostgREST setups like it) grants anon, authenticated and service_role every table
-- the postgres role creates in schema public, through default privileges, and serves those roles
-- to anyone holding the project's API keys. Workroom's one object in public is its migration
-- ledger (src/db/migrate.ts), which no API caller should read or rewrite. The agency and workroom
-- schemas grant those roles nothing to begin with.
DO $$
DECLARE
  api_role text;
BEGIN
  IF to_regclass('public.workroom_migrations') IS NOT NULL THEN
    REVOKE ALL ON public.workroom_migrations FROM PUBLIC;
    FOR api_role IN SELECT rolname FROM pg_roles WHERE rolname IN ('anon', 'authenticated', 'service_role') LOOP
      EXECUTE format('REVOKE ALL ON public.workroom_migrations FROM %I', api_role);
    END LOOP;
  END IF;
END;
$$;

-- Supabase installs extensions in schema `extensions` and grants its USAGE to its own roles only;
-- a managed service's admin may have put pgvector there too. Actor transactions run
-- as workroom_app, and the vector operators of knowledge search (search_knowledge, retrieve.ts)
-- are found by name in that schema, which takes USAGE on it.
DO $$
DECLARE
  vector_schema text;
BEGIN
  SELECT n.nspname INTO vector_schema
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'vector';
  IF vector_schema IS NOT NULL AND NOT has_schema_privilege('workroom_app', vector_schema, 'USAGE') THEN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO workroom_app', vector_schema);
    IF NOT has_schema_privilege('workroom_app', vector_schema, 'USAGE') THEN
      RAISE EXCEPTION 'workroom_app needs USAGE on schema %, where pgvector is, and % may not grant it', vector_schema, current_user
        USING ERRCODE = 'insufficient_privilege',
              HINT = format('As the schema''s owner or an admin: GRANT USAGE ON SCHEMA %I TO workroom_app; then migrate again', vector_schema);
    END IF;
  END IF;
END;
$$;

-- A database the Supabase CLI migrated keeps its record in supabase_migrations.schema_migrations,
-- and the server's start-up and /readyz read it as workroom_service (src/db/migrate.ts).
DO $$
BEGIN
  -- By oid, not by name: a name lookup in a schema this role may not use is an error.
  IF EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = 'supabase_migrations' AND c.relname = 'schema_migrations'
                AND has_schema_privilege(n.oid, 'USAGE WITH GRANT OPTION')
                AND has_table_privilege(c.oid, 'SELECT WITH GRANT OPTION')) THEN
    GRANT USAGE ON SCHEMA supabase_migrations TO workroom_service;
    GRANT SELECT ON supabase_migrations.schema_migrations TO workroom_service;
  END IF;
END;
$$;
