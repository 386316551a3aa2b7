-- 008 · Workroom's own schema: tenants, the people directory and chat identities.
-- Schema `agency` holds exactly the spec's 15 tables; everything the bot needs besides lives in
-- `workroom`. people.id is the user id that agency tables carry (timesheet_entries.user_id, …).

CREATE SCHEMA IF NOT EXISTS workroom;

CREATE TABLE workroom.tenants (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug       text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  name       text NOT NULL,
  timezone   text NOT NULL DEFAULT 'UTC',
  created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE workroom.tenants ENABLE ROW LEVEL SECURITY;

CREATE TABLE workroom.people (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id             uuid NOT NULL REFERENCES workroom.tenants (id) ON DELETE CASCADE,
  email                 text NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+$'),
  display_name          text NOT NULL,
  role                  text NOT NULL
                          CHECK (role IN ('leadership', 'finance', 'pm', 'admin', 'account', 'creative')),
  department            text,
  title                 text,
  weekly_capacity_hours numeric(5, 2) NOT NULL DEFAULT 40
                          CHECK (weekly_capacity_hours > 0 AND weekly_capacity_hours <= 80),
  -- Default rates, snapshotted into each timesheet entry. Hidden from the application role.
  cost_rate             numeric(10, 2) CHECK (cost_rate IS NULL OR cost_rate >= 0),
  bill_rate             numeric(10, 2) CHECK (bill_rate IS NULL OR bill_rate >= 0),
  timezone              text,
  is_active             boolean NOT NULL DEFAULT true,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now()
);
-- One person per e-mail across tenants: identity linking by verified e-mail must be unambiguous.
CREATE UNIQUE INDEX idx_people_email ON workroom.people (lower(email));
CREATE INDEX idx_people_tenant_role ON workroom.people (tenant_id, role);
CREATE TRIGGER trg_people_updated_at BEFORE UPDATE ON workroom.people
  FOR EACH ROW EXECUTE FUNCTION agency.set_updated_at();
ALTER TABLE workroom.people ENABLE ROW LEVEL SECURITY;

CREATE TABLE workroom.chat_identities (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id        uuid NOT NULL REFERENCES workroom.tenants (id) ON DELETE CASCADE,
  person_id        uuid NOT NULL REFERENCES workroom.people (id) ON DELETE CASCADE,
  platform         text NOT NULL CHECK (platform IN ('slack', 'teams', 'playground', 'cli')),
  workspace_id     text NOT NULL,   -- Slack team id, Teams tenant id
  external_user_id text NOT NULL,   -- Slack user id, Teams AAD object id
  linked_via       text NOT NULL DEFAULT 'manual' CHECK (linked_via IN ('manual', 'email', 'playground')),
  created_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT chat_identities_external_key UNIQUE (platform, workspace_id, external_user_id)
);
CREATE INDEX idx_chat_identities_person ON workroom.chat_identities (person_id);
ALTER TABLE workroom.chat_identities ENABLE ROW LEVEL SECURITY;

GRANT USAGE ON SCHEMA workroom TO workroom_app;
GRANT SELECT ON workroom.tenants, workroom.chat_identities TO workroom_app;
GRANT SELECT (id, tenant_id, email, display_name, role, department, title, weekly_capacity_hours,
              timezone, is_active, created_at, updated_at)
  ON workroom.people TO workroom_app;

CREATE POLICY tenants_select ON workroom.tenants FOR SELECT TO workroom_app
  USING (id = (SELECT agency.current_tenant_id()));
-- The directory is visible to everyone in the tenant (names, roles, capacity; not rates).
CREATE POLICY people_select ON workroom.people FOR SELECT TO workroom_app
  USING (tenant_id = (SELECT agency.current_tenant_id()));
CREATE POLICY chat_identities_select ON workroom.chat_identities FOR SELECT TO workroom_app
  USING (tenant_id = (SELECT agency.current_tenant_id())
         AND (person_id = (SELECT agency.current_user_id()) OR (SELECT agency.has_role('admin'))));
