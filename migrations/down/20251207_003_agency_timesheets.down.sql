-- Reverts 003.
DROP TABLE IF EXISTS agency.team_allocations;
DROP TABLE IF EXISTS agency.timesheet_entries;
DROP FUNCTION IF EXISTS agency.set_week_start_date();
