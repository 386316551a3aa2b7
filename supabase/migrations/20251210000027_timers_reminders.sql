-- 027 · Timers and end-of-day reminders.
--
-- Each agency's rounding rule for a stopped timer: Northwind's policy rounds up to the next
-- 15 minutes (the default); Southpaw's rounds to the nearest 6 minutes (0.1 h).
ALTER TABLE workroom.tenants
  ADD COLUMN timer_round_minutes smallint NOT NULL DEFAULT 15 CHECK (timer_round_minutes IN (1, 5, 6, 10, 15, 30, 60)),
  ADD COLUMN timer_round_up boolean NOT NULL DEFAULT true;

-- A person's running timer: at most one (the primary key). Stopping it logs one entry whose
-- external_ref is 'timer:<id>', so a timer logs once however often "stop" arrives.
CREATE TABLE workroom.timers (
  person_id   uuid PRIMARY KEY REFERENCES workroom.people (id) ON DELETE CASCADE,
  tenant_id   uuid NOT NULL REFERENCES workroom.tenants (id) ON DELETE CASCADE,
  id          uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
  campaign_id uuid NOT NULL REFERENCES agency.campaigns (id) ON DELETE CASCADE,
  phase       text CHECK (phase IS NULL OR length(phase) <= 100),
  billable    boolean NOT NULL DEFAULT true,
  note        text CHECK (note IS NULL OR length(note) <= 2000),
  started_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_timers_tenant ON workroom.timers (tenant_id);

-- /timesheet remind on|off|at 17:30, and the reminder's Snooze button. No row: reminders on, at 17:30.
CREATE TABLE workroom.reminder_settings (
  person_id     uuid PRIMARY KEY REFERENCES workroom.people (id) ON DELETE CASCADE,
  tenant_id     uuid NOT NULL REFERENCES workroom.tenants (id) ON DELETE CASCADE,
  enabled       boolean NOT NULL DEFAULT true,
  remind_at     time,                 -- wall-clock time in the person's zone; NULL: 17:30
  snoozed_until timestamptz,          -- a reminder already sent today comes again at this time
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_reminder_settings_tenant ON workroom.reminder_settings (tenant_id);

-- Both are the person's own: nobody else in the tenant reads or changes them, not even admin.
ALTER TABLE workroom.timers ENABLE ROW LEVEL SECURITY;
ALTER TABLE workroom.reminder_settings ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON workroom.timers, workroom.reminder_settings TO workroom_app;
CREATE POLICY timers_own ON workroom.timers FOR ALL TO workroom_app
  USING (tenant_id = (SELECT agency.current_tenant_id()) AND person_id = (SELECT agency.current_user_id()))
  WITH CHECK (tenant_id = (SELECT agency.current_tenant_id()) AND person_id = (SELECT agency.current_user_id()));
CREATE POLICY reminder_settings_own ON workroom.reminder_settings FOR ALL TO workroom_app
  USING (tenant_id = (SELECT agency.current_tenant_id()) AND person_id = (SELECT agency.current_user_id()))
  WITH CHECK (tenant_id = (SELECT agency.current_tenant_id()) AND person_id = (SELECT agency.current_user_id()));

DO $$
BEGIN
  IF (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user) THEN
    ALTER TABLE workroom.timers FORCE ROW LEVEL SECURITY;
    ALTER TABLE workroom.reminder_settings FORCE ROW LEVEL SECURITY;
  ELSE
    RAISE NOTICE 'FORCE ROW LEVEL SECURITY skipped on workroom.timers and workroom.reminder_settings: % neither is a superuser nor has BYPASSRLS', current_user;
  END IF;
END;
$$;

-- One row per (person, local date) the reminder tick has decided. The primary key is the claim,
-- as digest_runs' is: any number of replicas insert it, one succeeds and sends. 'skipped': the
-- person had logged enough when it was due. The service's bookkeeping; workroom_app has no access.
CREATE TABLE workroom.reminder_runs (
  person_id   uuid NOT NULL REFERENCES workroom.people (id) ON DELETE CASCADE,
  local_date  date NOT NULL,
  status      text NOT NULL CHECK (status IN ('claimed', 'sent', 'skipped', 'unreachable', 'failed', 'gave_up')),
  attempts    integer NOT NULL DEFAULT 1 CHECK (attempts >= 1),
  claimed_at  timestamptz NOT NULL,
  finished_at timestamptz,
  last_error  text,
  PRIMARY KEY (person_id, local_date)
);
CREATE INDEX idx_reminder_runs_open ON workroom.reminder_runs (claimed_at) WHERE status IN ('failed', 'sent');
REVOKE ALL ON workroom.reminder_runs FROM PUBLIC;
ALTER TABLE workroom.reminder_runs ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE ON workroom.reminder_runs TO workroom_service;
CREATE POLICY reminder_runs_service ON workroom.reminder_runs TO workroom_service USING (true) WITH CHECK (true);

-- The reminder tick's decision, across tenants, in one call: who is due at p_now (a weekday, their
-- local time past their reminder time, reminders on, reachable on Slack or Teams, not yet decided
-- today), whether they are below target (their usual day, capacity / 5; on Friday the week,
-- Monday to Friday, against their capacity), claimed by inserting the run. Also re-claims today's
-- failed runs (after p_retry_after, while attempts are left) and sent ones the person snoozed.
-- Returns only the claimed runs, with the hours, and nothing else of anyone: the service role sees
-- no timesheet rows.
CREATE FUNCTION workroom.claim_reminders(p_now timestamptz, p_max_attempts integer, p_retry_after interval)
RETURNS TABLE (person_id uuid, tenant_id uuid, role text, local_date date, weekly boolean, logged numeric, target numeric, attempt integer)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, workroom, agency AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH due AS (
    SELECT p.id, p.tenant_id, p.role, l.local_date, l.friday, p.weekly_capacity_hours AS capacity
      FROM workroom.people p
      JOIN workroom.tenants t ON t.id = p.tenant_id
      LEFT JOIN workroom.reminder_settings s ON s.person_id = p.id
     CROSS JOIN LATERAL (SELECT p_now AT TIME ZONE coalesce(p.timezone, t.timezone) AS ts) z
     CROSS JOIN LATERAL (SELECT z.ts::date AS local_date, extract(isodow FROM z.ts) AS dow, z.ts::time AS local_time,
                                extract(isodow FROM z.ts) = 5 AS friday) l
     WHERE p.is_active AND coalesce(s.enabled, true) AND l.dow < 6
       AND l.local_time >= coalesce(s.remind_at, time '17:30')
       -- Reachable: linked on Slack or Teams in a workspace still bound to their agency (016).
       AND EXISTS (SELECT 1 FROM workroom.chat_identities i
                    WHERE i.person_id = p.id AND i.platform IN ('slack', 'teams')
                      AND workroom.workspace_tenant(i.platform, i.workspace_id) IS NOT DISTINCT FROM p.tenant_id)
       AND NOT EXISTS (SELECT 1 FROM workroom.reminder_runs r WHERE r.person_id = p.id AND r.local_date = l.local_date)
  ), decided AS (
    SELECT d.*, CASE WHEN d.friday THEN d.capacity ELSE d.capacity / 5 END AS target,
           (SELECT coalesce(sum(e.hours), 0) FROM agency.timesheet_entries e
             WHERE e.user_id = d.id AND e.entry_date BETWEEN (CASE WHEN d.friday THEN d.local_date - 4 ELSE d.local_date END) AND d.local_date) AS logged
      FROM due d
  ), claimed AS (
    INSERT INTO workroom.reminder_runs AS r (person_id, local_date, status, claimed_at)
    SELECT d.id, d.local_date, CASE WHEN d.logged < d.target THEN 'claimed' ELSE 'skipped' END, p_now FROM decided d
    ON CONFLICT (person_id, local_date) DO NOTHING
    RETURNING r.person_id, r.status, r.attempts
  )
  SELECT d.id, d.tenant_id, d.role, d.local_date, d.friday, d.logged, d.target, c.attempts
    FROM claimed c JOIN decided d ON d.id = c.person_id
   WHERE c.status = 'claimed';

  RETURN QUERY
  UPDATE workroom.reminder_runs r
     SET status = 'claimed', attempts = CASE WHEN r.status = 'failed' THEN r.attempts + 1 ELSE r.attempts END,
         claimed_at = p_now, finished_at = NULL
    FROM workroom.people p
    JOIN workroom.tenants t ON t.id = p.tenant_id
    LEFT JOIN workroom.reminder_settings s ON s.person_id = p.id
   WHERE p.id = r.person_id AND p.is_active AND coalesce(s.enabled, true)
     AND r.local_date = (p_now AT TIME ZONE coalesce(p.timezone, t.timezone))::date
     AND ((r.status = 'failed' AND r.attempts < p_max_attempts AND r.claimed_at <= p_now - p_retry_after)
       OR (r.status = 'sent' AND s.snoozed_until <= p_now AND s.snoozed_until > r.claimed_at))
  RETURNING r.person_id, p.tenant_id, p.role, r.local_date, extract(isodow FROM r.local_date) = 5,
            (SELECT coalesce(sum(e.hours), 0) FROM agency.timesheet_entries e
              WHERE e.user_id = r.person_id
                AND e.entry_date BETWEEN (CASE WHEN extract(isodow FROM r.local_date) = 5 THEN r.local_date - 4 ELSE r.local_date END) AND r.local_date),
            CASE WHEN extract(isodow FROM r.local_date) = 5 THEN p.weekly_capacity_hours ELSE p.weekly_capacity_hours / 5 END,
            r.attempts;
END;
$$;
REVOKE EXECUTE ON FUNCTION workroom.claim_reminders(timestamptz, integer, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION workroom.claim_reminders(timestamptz, integer, interval) TO workroom_service;
