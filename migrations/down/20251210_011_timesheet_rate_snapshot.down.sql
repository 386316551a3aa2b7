-- Reverts 011.
DROP TRIGGER IF EXISTS trg_timesheet_rate_snapshot ON agency.timesheet_entries;
DROP FUNCTION IF EXISTS workroom.snapshot_timesheet_rates();
