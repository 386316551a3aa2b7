-- 003 · Time tracking and resource allocation.
-- Spec §3: week_start_date auto-calculated, billable vs non-billable, rate snapshots (internal
-- cost and client bill rate at the time of the entry), capacity percentages.

CREATE TABLE agency.timesheet_entries (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id       uuid NOT NULL,
  user_id         uuid NOT NULL,
  campaign_id     uuid NOT NULL,
  phase_id        uuid,
  entry_date      date NOT NULL,
  -- Monday of entry_date's ISO week; set by trg_timesheet_week_start, never by callers.
  week_start_date date NOT NULL,
  hours           numeric(5, 2) NOT NULL CHECK (hours > 0 AND hours <= 24),
  is_billable     boolean NOT NULL DEFAULT true,
  description     text,
  -- Rate snapshots: copied when the entry is written so later rate changes don't rewrite history.
  cost_rate       numeric(10, 2) CHECK (cost_rate IS NULL OR cost_rate >= 0),
  bill_rate       numeric(10, 2) CHECK (bill_rate IS NULL OR bill_rate >= 0),
  cost_amount     numeric(12, 2) GENERATED ALWAYS AS (round(hours * coalesce(cost_rate, 0), 2)) STORED,
  bill_amount     numeric(12, 2) GENERATED ALWAYS AS (
                    CASE WHEN is_billable THEN round(hours * coalesce(bill_rate, 0), 2) ELSE 0 END) STORED,
  status          text NOT NULL DEFAULT 'submitted'
                    CHECK (status IN ('draft', 'submitted', 'approved', 'rejected')),
  approved_by     uuid,
  approved_at     timestamptz,
  source          text NOT NULL DEFAULT 'web'
                    CHECK (source IN ('web', 'slack', 'teams', 'playground', 'cli', 'import', 'seed')),
  -- The chat platform's request id: a retried delivery must never log twice.
  external_ref    text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT timesheet_entries_campaign_fk FOREIGN KEY (campaign_id, tenant_id)
    REFERENCES agency.campaigns (id, tenant_id) ON DELETE RESTRICT,
  CONSTRAINT timesheet_entries_phase_fk FOREIGN KEY (phase_id, tenant_id)
    REFERENCES agency.campaign_phases (id, tenant_id) ON DELETE SET NULL (phase_id)
);
CREATE INDEX idx_timesheet_entries_tenant ON agency.timesheet_entries (tenant_id);
CREATE INDEX idx_timesheet_entries_user_date ON agency.timesheet_entries (user_id, entry_date DESC);
CREATE INDEX idx_timesheet_entries_campaign ON agency.timesheet_entries (campaign_id, entry_date);
CREATE INDEX idx_timesheet_entries_phase ON agency.timesheet_entries (phase_id);
CREATE INDEX idx_timesheet_entries_entry_date ON agency.timesheet_entries (tenant_id, entry_date);
CREATE INDEX idx_timesheet_entries_week ON agency.timesheet_entries (tenant_id, week_start_date, user_id);
CREATE INDEX idx_timesheet_entries_pending ON agency.timesheet_entries (tenant_id, week_start_date)
  WHERE status = 'submitted';
CREATE UNIQUE INDEX idx_timesheet_entries_external_ref
  ON agency.timesheet_entries (tenant_id, source, external_ref) WHERE external_ref IS NOT NULL;

CREATE OR REPLACE FUNCTION agency.set_week_start_date() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- date_trunc('week') is ISO: weeks start on Monday.
  NEW.week_start_date := date_trunc('week', NEW.entry_date::timestamp)::date;
  RETURN NEW;
END;
$$;
CREATE TRIGGER trg_timesheet_week_start BEFORE INSERT OR UPDATE OF entry_date ON agency.timesheet_entries
  FOR EACH ROW EXECUTE FUNCTION agency.set_week_start_date();
CREATE TRIGGER trg_timesheet_entries_updated_at BEFORE UPDATE ON agency.timesheet_entries
  FOR EACH ROW EXECUTE FUNCTION agency.set_updated_at();
ALTER TABLE agency.timesheet_entries ENABLE ROW LEVEL SECURITY;

CREATE TABLE agency.team_allocations (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id           uuid NOT NULL,
  user_id             uuid NOT NULL,
  campaign_id         uuid NOT NULL,
  phase_id            uuid,
  week_start_date     date NOT NULL CHECK (extract(isodow FROM week_start_date) = 1),
  -- Share of the person's weekly capacity planned on this campaign; a person's total across
  -- campaigns may exceed 100 (over-allocation is something the digest reports, not an error).
  capacity_percentage numeric(5, 2) NOT NULL CHECK (capacity_percentage > 0 AND capacity_percentage <= 100),
  role_on_campaign    text,
  notes               text,
  created_by          uuid,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT team_allocations_campaign_fk FOREIGN KEY (campaign_id, tenant_id)
    REFERENCES agency.campaigns (id, tenant_id) ON DELETE CASCADE,
  CONSTRAINT team_allocations_phase_fk FOREIGN KEY (phase_id, tenant_id)
    REFERENCES agency.campaign_phases (id, tenant_id) ON DELETE SET NULL (phase_id),
  CONSTRAINT team_allocations_user_campaign_week_key UNIQUE (tenant_id, user_id, campaign_id, week_start_date)
);
CREATE INDEX idx_team_allocations_user_week ON agency.team_allocations (user_id, week_start_date);
CREATE INDEX idx_team_allocations_campaign ON agency.team_allocations (campaign_id, week_start_date);
CREATE INDEX idx_team_allocations_week ON agency.team_allocations (tenant_id, week_start_date);
CREATE TRIGGER trg_team_allocations_updated_at BEFORE UPDATE ON agency.team_allocations
  FOR EACH ROW EXECUTE FUNCTION agency.set_updated_at();
ALTER TABLE agency.team_allocations ENABLE ROW LEVEL SECURITY;
