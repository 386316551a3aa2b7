-- 018 · The service's own role. Workroom keeps some bookkeeping that belongs to no actor: the
-- chat inbox (017), Slack installations (012), Teams conversation references (013), digest runs
-- and the scheduler's read of every subscription (014), workspace bindings made by Slack installs
-- and by configuration (016), the timesheet lock set from TIMESHEET_LOCK_DAYS (015) and the
-- migration ledger /readyz reads. Until now that ran on the owner's connection, so the server had
-- to log in as the owner. workroom_service (NOLOGIN) holds exactly those grants, and nothing of
-- the agency's data: production runs two login roles that own nothing, one a member of
-- workroom_app for requests (DATABASE_URL) and one a member of workroom_service for bookkeeping
-- (DATABASE_SERVICE_URL), both made by workroom.create_login_role.
--
-- Also drops workroom.chat_deliveries, unused since the inbox (017) took over de-duplication.

DO $$
BEGIN
  -- 015's comment suggested that very name for a request login: such a role would get the
  -- service's grants on top of workroom_app's, which is what two logins are meant to prevent.
  IF EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member
              WHERE r.rolname = 'workroom_service' AND m.roleid = 'workroom_app'::regrole) THEN
    RAISE EXCEPTION 'a role named workroom_service is a member of workroom_app (a request login made from 015''s example?)'
      USING HINT = 'ALTER ROLE workroom_service RENAME TO workroom_web (and update DATABASE_URL), then migrate again';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'workroom_service') THEN
    BEGIN
      CREATE ROLE workroom_service NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;  -- another database of this cluster created it at the same moment
    END;
  END IF;
  -- The owner hands the role out (create_login_role) and, where it is not a superuser (Supabase's
  -- postgres), needs to be a member to do so, as with workroom_app in 007.
  IF NOT pg_has_role(current_user, 'workroom_service', 'MEMBER') THEN
    EXECUTE format('GRANT workroom_service TO %I', current_user);
  END IF;
END;
$$;

GRANT USAGE ON SCHEMA workroom TO workroom_service;

-- Platform ledgers: all of each, and only these. RLS is on for each with no policy for
-- workroom_app, so a grant that slipped to workroom_app later would still show it nothing.
GRANT SELECT, INSERT, UPDATE, DELETE ON workroom.chat_inbox, workroom.slack_installations, workroom.teams_conversations
  TO workroom_service;
GRANT SELECT, INSERT, UPDATE ON workroom.digest_runs TO workroom_service;
CREATE POLICY chat_inbox_service ON workroom.chat_inbox TO workroom_service USING (true) WITH CHECK (true);
CREATE POLICY slack_installations_service ON workroom.slack_installations TO workroom_service USING (true) WITH CHECK (true);
CREATE POLICY teams_conversations_service ON workroom.teams_conversations TO workroom_service USING (true) WITH CHECK (true);
CREATE POLICY digest_runs_service ON workroom.digest_runs TO workroom_service USING (true) WITH CHECK (true);

-- The scheduler reads every tenant's subscriptions (which channel, when, in which zone) to claim
-- the runs that are due. Read only: subscribing is a person's act, under workroom_app's policies.
GRANT SELECT ON workroom.digest_subscriptions TO workroom_service;
CREATE POLICY digest_subscriptions_service ON workroom.digest_subscriptions FOR SELECT TO workroom_service USING (true);
GRANT EXECUTE ON FUNCTION workroom.workspace_tenant(text, text, text) TO workroom_service;

-- Bindings made by a Slack install through an operator's link, or by SLACK_TENANT: insert and
-- read, never delete (unbinding is the operator's). The tenant is named by slug, so the service
-- may read each tenant's id and slug, and nothing else of it…
GRANT SELECT, INSERT ON workroom.workspace_bindings TO workroom_service;
CREATE POLICY workspace_bindings_service_select ON workroom.workspace_bindings FOR SELECT TO workroom_service USING (true);
CREATE POLICY workspace_bindings_service_insert ON workroom.workspace_bindings FOR INSERT TO workroom_service
  WITH CHECK (bound_via IN ('slack_install', 'config'));
GRANT SELECT (id, slug, timesheet_lock_days) ON workroom.tenants TO workroom_service;
-- …except the lock on back-dated time, which follows the server's TIMESHEET_LOCK_DAYS.
GRANT UPDATE (timesheet_lock_days) ON workroom.tenants TO workroom_service;
CREATE POLICY tenants_service_select ON workroom.tenants FOR SELECT TO workroom_service USING (true);
CREATE POLICY tenants_service_update ON workroom.tenants FOR UPDATE TO workroom_service USING (true) WITH CHECK (true);

-- /readyz and start-up compare the migration files with the ledger.
DO $$
BEGIN
  IF to_regclass('public.workroom_migrations') IS NOT NULL THEN
    GRANT SELECT ON public.workroom_migrations TO workroom_service;
  END IF;
END;
$$;

-- A login role that owns nothing, for requests (member of workroom_app, the default) or for the
-- service's bookkeeping (member of workroom_service). Never both: a request that runs RESET ROLE
-- must not reach the inbox, where every tenant's messages wait, nor the bot tokens.
DROP FUNCTION workroom.create_login_role(text, text);
CREATE FUNCTION workroom.create_login_role(p_name text, p_password text DEFAULT NULL, p_member_of text DEFAULT 'workroom_app')
RETURNS void
LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog AS $$
BEGIN
  IF p_name IS NULL OR p_name !~ '^[a-z_][a-z0-9_]{0,62}$' THEN
    RAISE EXCEPTION 'a login role name is a lower-case identifier, got %', p_name USING ERRCODE = 'invalid_name';
  END IF;
  IF p_member_of IS NULL OR p_member_of NOT IN ('workroom_app', 'workroom_service') THEN
    RAISE EXCEPTION 'a login role is a member of workroom_app (requests) or workroom_service (bookkeeping), got %', p_member_of
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT PASSWORD %L',
                 p_name, p_password);
  EXECUTE format('GRANT %I TO %I', p_member_of, p_name);
END;
$$;
REVOKE EXECUTE ON FUNCTION workroom.create_login_role(text, text, text) FROM PUBLIC;

DROP TABLE workroom.chat_deliveries;
