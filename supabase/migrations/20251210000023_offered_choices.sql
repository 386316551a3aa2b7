-- 023 · Choices a reply offered, so typing their number picks one on every platform.
--
-- A reply that offers choices ("Aurora Air fits more than one campaign. Which one?") records them
-- here for the person and the conversation it went to; a message that is only a number picks
-- that choice, as a click on its button would. The row holds what the server offered, so a pick
-- can only run an action Workroom itself put in front of that person. One offer per person and
-- conversation (a newer one replaces it); a pick deletes it (picked once); it lapses after a
-- while (the reader checks the age).
CREATE TABLE workroom.offered_choices (
  tenant_id  uuid NOT NULL REFERENCES workroom.tenants (id) ON DELETE CASCADE,
  person_id  uuid NOT NULL REFERENCES workroom.people (id) ON DELETE CASCADE,
  platform   text NOT NULL CHECK (platform ~ '^[a-z][a-z0-9-]{0,39}$'),
  channel_id text NOT NULL CHECK (length(channel_id) BETWEEN 1 AND 1000),   -- Slack channel id, Teams conversation id
  -- [{"label": …, "actionId": …, "payload": …}, …], in the order shown
  choices    jsonb NOT NULL CHECK (jsonb_typeof(choices) = 'array' AND jsonb_array_length(choices) BETWEEN 1 AND 25),
  offered_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (person_id, platform, channel_id)
);
CREATE INDEX idx_offered_choices_tenant ON workroom.offered_choices (tenant_id);

-- A person's own offers only, in their own tenant: nobody picks from (or learns of) another's.
ALTER TABLE workroom.offered_choices ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON workroom.offered_choices TO workroom_app;
CREATE POLICY offered_choices_own ON workroom.offered_choices FOR ALL TO workroom_app
  USING (tenant_id = (SELECT agency.current_tenant_id()) AND person_id = (SELECT agency.current_user_id()))
  WITH CHECK (tenant_id = (SELECT agency.current_tenant_id()) AND person_id = (SELECT agency.current_user_id()));

-- FORCE, as 015 does for every tenant table, and for the same reason only when it is safe.
DO $$
BEGIN
  IF (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user) THEN
    ALTER TABLE workroom.offered_choices FORCE ROW LEVEL SECURITY;
  ELSE
    RAISE NOTICE 'FORCE ROW LEVEL SECURITY skipped on workroom.offered_choices: % neither is a superuser nor has BYPASSRLS', current_user;
  END IF;
END;
$$;
