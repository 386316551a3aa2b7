-- 011 · Rate snapshots from the people directory. The application role cannot read anyone's
-- rates, so the database fills them in: a timesheet entry written without rates takes the
-- person's current cost and bill rate at insert time, and keeps them when rates change later.

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

CREATE TRIGGER trg_timesheet_rate_snapshot BEFORE INSERT ON agency.timesheet_entries
  FOR EACH ROW EXECUTE FUNCTION workroom.snapshot_timesheet_rates();
