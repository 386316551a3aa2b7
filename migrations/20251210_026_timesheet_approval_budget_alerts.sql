-- 026 · Week approval and budget-burn alerts.
--
-- Who approves time. 015 let any pm or leadership review anyone's entry (never their own). A
-- week now goes to the campaign's pm: its producer (the pm the seed and the spec staff each
-- campaign with), or, on a campaign without one, whoever created it; leadership approves any.
-- The rule is the trigger's, so a pm approving time on someone else's campaign by direct SQL is
-- refused as the bot would refuse it. Approved entries stay frozen for their owner (015, WR002).
--
-- Budget-burn alerts. A campaign's cost to date lives in workroom.campaign_money (021), kept by
-- an upsert that locks the campaign's row: every change to its cost or budget is a row update
-- seen in order, each with the true previous value, however many people log at once. So the
-- crossing of 50/75/90/100 % is decided here, at write time, by comparing the old and new ratio,
-- and recorded once per campaign and threshold (the unique key). Sending is a job's
-- (src/alerts.ts): it claims unsent alerts with a lease, so two schedulers never send one twice.
-- Owner writes (the seed, imports, this migration) record nothing: only writes made under an
-- actor raise alerts, so loading history does not flood finance with old crossings.

-- 1. The approver ------------------------------------------------------------------------------
-- Whether the current actor may review time on this campaign (leadership: any; pm: their own
-- campaigns). Under the caller's row security: pm and leadership see every campaign of their
-- tenant (007), and for anyone else the answer is false before any campaign is read.
CREATE FUNCTION agency.may_review_time_on(p_campaign_id uuid) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, agency AS $$
  SELECT agency.has_role('leadership')
      OR (agency.has_role('pm') AND EXISTS (
            SELECT 1 FROM agency.campaigns c
             WHERE c.id = p_campaign_id AND c.tenant_id = agency.current_tenant_id()
               AND agency.current_user_id() = coalesce(c.producer_id, c.created_by)));
$$;

CREATE OR REPLACE FUNCTION agency.enforce_timesheet_review() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, agency AS $$
DECLARE
  me uuid := agency.current_user_id();
  own boolean;
  reviewed boolean;
BEGIN
  IF NOT row_security_active(TG_RELID) THEN
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  IF TG_OP = 'DELETE' THEN
    IF OLD.status = 'approved' THEN
      RAISE EXCEPTION 'an approved timesheet entry cannot be deleted; a pm or leadership reopens it first'
        USING ERRCODE = 'WR002', TABLE = 'timesheet_entries', SCHEMA = 'agency';
    END IF;
    RETURN OLD;
  END IF;

  own := OLD.user_id = me;
  reviewed := NEW.status IS DISTINCT FROM OLD.status OR NEW.approved_by IS DISTINCT FROM OLD.approved_by
              OR NEW.approved_at IS DISTINCT FROM OLD.approved_at;
  IF OLD.status = 'approved'
     AND (coalesce(own, false) OR agency.timesheet_entry_content(NEW) <> agency.timesheet_entry_content(OLD)) THEN
    RAISE EXCEPTION 'an approved timesheet entry cannot be changed; a pm or leadership reopens it first'
      USING ERRCODE = 'WR002', TABLE = 'timesheet_entries', SCHEMA = 'agency';
  END IF;
  IF NOT reviewed THEN
    RETURN NEW;
  END IF;

  IF coalesce(own, false) THEN
    IF NEW.status NOT IN ('draft', 'submitted')
       OR NEW.approved_by IS DISTINCT FROM OLD.approved_by OR NEW.approved_at IS DISTINCT FROM OLD.approved_at THEN
      RAISE EXCEPTION 'you cannot approve or reject your own time'
        USING ERRCODE = 'insufficient_privilege', TABLE = 'timesheet_entries', SCHEMA = 'agency';
    END IF;
    NEW.approved_by := NULL;   -- a resubmitted or withdrawn entry carries no earlier review
    NEW.approved_at := NULL;
    RETURN NEW;
  END IF;

  -- The campaign as it was: moving an entry onto one's own campaign does not make it one's to review.
  IF me IS NULL OR NOT agency.may_review_time_on(OLD.campaign_id) THEN
    RAISE EXCEPTION 'only the campaign''s pm or leadership approve or reject time on it'
      USING ERRCODE = 'insufficient_privilege', TABLE = 'timesheet_entries', SCHEMA = 'agency';
  END IF;
  IF NEW.approved_by IS DISTINCT FROM OLD.approved_by AND NEW.approved_by IS DISTINCT FROM me THEN
    RAISE EXCEPTION 'approved_by must be the person approving'
      USING ERRCODE = 'insufficient_privilege', TABLE = 'timesheet_entries', SCHEMA = 'agency';
  END IF;
  IF NEW.status IN ('approved', 'rejected') THEN
    NEW.approved_by := me;
    NEW.approved_at := now();
  ELSE
    NEW.approved_by := NULL;
    NEW.approved_at := NULL;
  END IF;
  RETURN NEW;
END;
$$;

-- 2. Budget-burn alerts ------------------------------------------------------------------------
CREATE TABLE workroom.budget_alerts (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id      uuid NOT NULL REFERENCES workroom.tenants (id) ON DELETE CASCADE,
  campaign_id    uuid NOT NULL REFERENCES agency.campaigns (id) ON DELETE CASCADE,
  threshold      smallint NOT NULL CHECK (threshold IN (50, 75, 90, 100)),
  cost_amount    numeric NOT NULL,
  budget         numeric NOT NULL,
  crossed_at     timestamptz NOT NULL DEFAULT now(),
  -- Delivery (the job): claimed for a lease, sent once, retried a few times, then given up.
  attempts       integer NOT NULL DEFAULT 0,
  claimed_until  timestamptz,
  sent_at        timestamptz,
  gave_up_at     timestamptz,
  last_error     text,
  CONSTRAINT budget_alerts_once UNIQUE (campaign_id, threshold)
);
CREATE INDEX idx_budget_alerts_unsent ON workroom.budget_alerts (crossed_at) WHERE sent_at IS NULL AND gave_up_at IS NULL;
ALTER TABLE workroom.budget_alerts ENABLE ROW LEVEL SECURITY;
-- Money: workroom_app has no grant at all; the delivery job is the service's bookkeeping.
GRANT SELECT, UPDATE ON workroom.budget_alerts TO workroom_service;
CREATE POLICY budget_alerts_service ON workroom.budget_alerts TO workroom_service USING (true) WITH CHECK (true);
-- FORCE, as 015 does for the tenant tables, only when the migrating role bypasses row security
-- (which the SECURITY DEFINER trigger below then inherits).
DO $$
BEGIN
  IF (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user) THEN
    ALTER TABLE workroom.budget_alerts FORCE ROW LEVEL SECURITY;
  ELSE
    RAISE NOTICE 'FORCE ROW LEVEL SECURITY skipped on workroom.budget_alerts: % neither is a superuser nor has BYPASSRLS', current_user;
  END IF;
END;
$$;

CREATE FUNCTION workroom.record_budget_burn() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, workroom AS $$
DECLARE
  was numeric;
  now_at numeric;
  th integer;
BEGIN
  IF agency.current_user_id() IS NULL OR NEW.budget IS NULL OR NEW.budget <= 0 THEN
    RETURN NULL;
  END IF;
  now_at := 100 * NEW.cost_amount / NEW.budget;
  was := CASE WHEN TG_OP = 'INSERT' OR OLD.budget IS NULL OR OLD.budget <= 0 THEN 0 ELSE 100 * OLD.cost_amount / OLD.budget END;
  FOREACH th IN ARRAY ARRAY[50, 75, 90, 100] LOOP
    IF now_at >= th AND was < th THEN
      INSERT INTO workroom.budget_alerts (tenant_id, campaign_id, threshold, cost_amount, budget)
      VALUES (NEW.tenant_id, NEW.campaign_id, th, NEW.cost_amount, NEW.budget)
      ON CONFLICT ON CONSTRAINT budget_alerts_once DO NOTHING;
    END IF;
  END LOOP;
  RETURN NULL;
END;
$$;
REVOKE EXECUTE ON FUNCTION workroom.record_budget_burn() FROM PUBLIC;
CREATE TRIGGER trg_campaign_money_budget_burn AFTER INSERT OR UPDATE OF cost_amount, budget ON workroom.campaign_money
  FOR EACH ROW EXECUTE FUNCTION workroom.record_budget_burn();
