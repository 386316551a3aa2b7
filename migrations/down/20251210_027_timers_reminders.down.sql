-- Reverts 027.
DROP FUNCTION IF EXISTS workroom.claim_reminders(timestamptz, integer, interval);
DROP TABLE IF EXISTS workroom.reminder_runs;
DROP TABLE IF EXISTS workroom.reminder_settings;
DROP TABLE IF EXISTS workroom.timers;
ALTER TABLE workroom.tenants DROP COLUMN IF EXISTS timer_round_up, DROP COLUMN IF EXISTS timer_round_minutes;
