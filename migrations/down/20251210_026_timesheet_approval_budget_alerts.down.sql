-- Reverts 026: no budget alerts; any pm or leadership reviews time again (015's rule).
DROP TRIGGER IF EXISTS trg_campaign_money_budget_burn ON workroom.campaign_money;
DROP FUNCTION IF EXISTS workroom.record_budget_burn();
DROP TABLE IF EXISTS workroom.budget_alerts;

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
    NEW.approved_by := NULL;
    NEW.approved_at := NULL;
    RETURN NEW;
  END IF;
  IF me IS NULL OR NOT agency.has_any_role(ARRAY['pm', 'leadership']) THEN
    RAISE EXCEPTION 'only pm and leadership approve or reject time'
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

DROP FUNCTION IF EXISTS agency.may_review_time_on(uuid);
