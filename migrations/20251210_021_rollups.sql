-- 021 · Rollups kept by triggers: the spec's views read per-campaign and per-week totals instead
-- of aggregating every campaign's whole history on each read (the spec's own advice past 100k
-- rows: "use materialized views for heavy aggregations"; a materialized view would be stale
-- between refreshes and could not be filtered by row security, so the totals are tables kept
-- exact by triggers, each with policies of its own). Docs: docs/performance.md.
--
-- What a reader gets from a view must not change (test/db/views-equivalence.test.ts reads migration
-- 006's definitions beside these, for every role). Row security decides which rows a view counts,
-- so each rollup is split by who may read it, and its policy is the predicate of the rows it sums:
--
--   campaign_plan_rollups      phases and team size     whoever sees the campaign (007's
--                                                       campaigns, phases and allocations policies
--                                                       agree for a visible campaign)
--   campaign_artifact_rollups  artifact counts          managers and the campaign's people; anyone
--                                                       else (finance) counts their own artifacts
--                                                       live, as before
--   campaign_hours             hours per campaign       roles that see every timesheet entry
--   campaign_week_hours        hours per campaign-week  (leadership, finance, pm)
--   person_week_hours          hours per campaign, week and person: everyone their own rows, those
--                              three roles all (exactly 007's timesheet_entries_select)
--   campaign_money             budget, cost, billing    finance and leadership (what
--   campaign_week_money        cost, billing per week   campaign_financials() allowed)
--
-- Money moves from column privileges to row security here: the app may select these two tables,
-- whose rows only finance and leadership of the tenant pass. The views also join them only when
-- can_view_financials(), so the owner reads NULLs as campaign_financials() gave it.
--
-- Maintenance: statement-level AFTER triggers with transition tables, so a multi-row insert (the
-- seed, an import) aggregates its rows once; a single insert adds O(1) deltas to one row of each
-- table. Timesheet updates count only when a summed column changes (a review does not touch the
-- rollups, nor lock them). Phases, allocations, artifacts and budgets recompute their campaign.
-- The functions are SECURITY DEFINER: they write for whoever wrote the entry, and nobody else
-- may write the rollups (no write grants, no write policies).

-- Tables ------------------------------------------------------------------------------------------
-- Sums are plain numeric so they keep the scale of what they add up (the views' columns are the
-- same sums); a sum that returns to nothing is reset to 0, as coalesce(sum(…), 0) reads then.

CREATE TABLE workroom.campaign_plan_rollups (
  campaign_id       uuid PRIMARY KEY REFERENCES agency.campaigns (id) ON DELETE CASCADE,
  tenant_id         uuid NOT NULL,
  phase_count       bigint NOT NULL DEFAULT 0,
  current_phase     text,
  progress_percent  numeric,
  team_size         bigint NOT NULL DEFAULT 0
);

CREATE TABLE workroom.campaign_artifact_rollups (
  campaign_id         uuid PRIMARY KEY REFERENCES agency.campaigns (id) ON DELETE CASCADE,
  tenant_id           uuid NOT NULL,
  artifact_count      bigint NOT NULL DEFAULT 0,
  artifacts_in_review bigint NOT NULL DEFAULT 0
);

-- A row while the campaign has entries.
CREATE TABLE workroom.campaign_hours (
  campaign_id     uuid PRIMARY KEY REFERENCES agency.campaigns (id) ON DELETE CASCADE,
  tenant_id       uuid NOT NULL,
  hours           numeric NOT NULL DEFAULT 0,
  billable_hours  numeric NOT NULL DEFAULT 0,
  entry_count     bigint NOT NULL DEFAULT 0,
  last_entry_date date
);

-- A row while the campaign has entries that week.
CREATE TABLE workroom.campaign_week_hours (
  campaign_id     uuid NOT NULL,
  week_start_date date NOT NULL,
  tenant_id       uuid NOT NULL,
  hours           numeric NOT NULL DEFAULT 0,
  billable_hours  numeric NOT NULL DEFAULT 0,
  entry_count     bigint NOT NULL DEFAULT 0,
  people_count    bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (campaign_id, week_start_date)
);
CREATE INDEX idx_campaign_week_hours_week ON workroom.campaign_week_hours (tenant_id, week_start_date);

-- A row while the person has entries on the campaign that week.
CREATE TABLE workroom.person_week_hours (
  campaign_id     uuid NOT NULL,
  week_start_date date NOT NULL,
  user_id         uuid NOT NULL,
  tenant_id       uuid NOT NULL,
  hours           numeric NOT NULL DEFAULT 0,
  billable_hours  numeric NOT NULL DEFAULT 0,
  entry_count     bigint NOT NULL DEFAULT 0,
  last_entry_date date,
  PRIMARY KEY (campaign_id, week_start_date, user_id)
);
CREATE INDEX idx_person_week_hours_user ON workroom.person_week_hours (user_id, campaign_id, week_start_date);
CREATE INDEX idx_person_week_hours_tenant_week ON workroom.person_week_hours (tenant_id, week_start_date);

-- A row per campaign (its budget), whatever its entries.
CREATE TABLE workroom.campaign_money (
  campaign_id  uuid PRIMARY KEY REFERENCES agency.campaigns (id) ON DELETE CASCADE,
  tenant_id    uuid NOT NULL,
  budget       numeric,
  cost_amount  numeric NOT NULL DEFAULT 0,
  bill_amount  numeric NOT NULL DEFAULT 0,
  entry_count  bigint NOT NULL DEFAULT 0
);

-- A row while the campaign has entries that week.
CREATE TABLE workroom.campaign_week_money (
  campaign_id     uuid NOT NULL,
  week_start_date date NOT NULL,
  tenant_id       uuid NOT NULL,
  cost_amount     numeric NOT NULL DEFAULT 0,
  bill_amount     numeric NOT NULL DEFAULT 0,
  entry_count     bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (campaign_id, week_start_date)
);

ALTER TABLE workroom.campaign_plan_rollups ENABLE ROW LEVEL SECURITY;
ALTER TABLE workroom.campaign_artifact_rollups ENABLE ROW LEVEL SECURITY;
ALTER TABLE workroom.campaign_hours ENABLE ROW LEVEL SECURITY;
ALTER TABLE workroom.campaign_week_hours ENABLE ROW LEVEL SECURITY;
ALTER TABLE workroom.person_week_hours ENABLE ROW LEVEL SECURITY;
ALTER TABLE workroom.campaign_money ENABLE ROW LEVEL SECURITY;
ALTER TABLE workroom.campaign_week_money ENABLE ROW LEVEL SECURITY;

GRANT SELECT ON workroom.campaign_plan_rollups, workroom.campaign_artifact_rollups, workroom.campaign_hours,
  workroom.campaign_week_hours, workroom.person_week_hours, workroom.campaign_money, workroom.campaign_week_money
  TO workroom_app;

-- Policies: read only, each the predicate of the rows it sums (above).
CREATE POLICY campaign_plan_rollups_select ON workroom.campaign_plan_rollups FOR SELECT TO workroom_app USING (
  tenant_id = (SELECT agency.current_tenant_id())
  AND ((SELECT agency.has_any_role(ARRAY['leadership', 'finance', 'pm', 'admin']))
       OR campaign_id = ANY ((SELECT agency.current_user_campaign_ids())::uuid[])));
CREATE POLICY campaign_artifact_rollups_select ON workroom.campaign_artifact_rollups FOR SELECT TO workroom_app USING (
  tenant_id = (SELECT agency.current_tenant_id())
  AND ((SELECT agency.has_any_role(ARRAY['leadership', 'pm', 'admin']))
       OR campaign_id = ANY ((SELECT agency.current_user_campaign_ids())::uuid[])));
CREATE POLICY campaign_hours_select ON workroom.campaign_hours FOR SELECT TO workroom_app USING (
  tenant_id = (SELECT agency.current_tenant_id())
  AND (SELECT agency.has_any_role(ARRAY['leadership', 'finance', 'pm'])));
CREATE POLICY campaign_week_hours_select ON workroom.campaign_week_hours FOR SELECT TO workroom_app USING (
  tenant_id = (SELECT agency.current_tenant_id())
  AND (SELECT agency.has_any_role(ARRAY['leadership', 'finance', 'pm'])));
CREATE POLICY person_week_hours_select ON workroom.person_week_hours FOR SELECT TO workroom_app USING (
  tenant_id = (SELECT agency.current_tenant_id())
  AND (user_id = (SELECT agency.current_user_id())
       OR (SELECT agency.has_any_role(ARRAY['leadership', 'finance', 'pm']))));
CREATE POLICY campaign_money_select ON workroom.campaign_money FOR SELECT TO workroom_app USING (
  tenant_id = (SELECT agency.current_tenant_id()) AND (SELECT agency.can_view_financials()));
CREATE POLICY campaign_week_money_select ON workroom.campaign_week_money FOR SELECT TO workroom_app USING (
  tenant_id = (SELECT agency.current_tenant_id()) AND (SELECT agency.can_view_financials()));

-- Whether the reader's rows of agency.timesheet_entries are all of them: true for the roles the
-- select policy lets see everyone's, and for a reader row security does not apply to (the owner).
-- The views take whole-campaign totals then, and the reader's own rows otherwise.
CREATE FUNCTION workroom.sees_all_timesheets() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog AS $$
  SELECT NOT row_security_active('agency.timesheet_entries'::regclass)
         OR agency.has_any_role(ARRAY['leadership', 'finance', 'pm']);
$$;

-- Timesheet deltas ------------------------------------------------------------------------------

-- One entry's contribution, +1 for a new row and -1 for an old one.
CREATE TYPE workroom.timesheet_delta AS (
  tenant_id uuid, campaign_id uuid, user_id uuid, week_start_date date, entry_date date,
  hours numeric, billable_hours numeric, cost_amount numeric, bill_amount numeric, n integer);

CREATE FUNCTION workroom.apply_timesheet_deltas(p_deltas workroom.timesheet_delta[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, workroom AS $$
DECLARE
  -- People who started (+1) or stopped (-1) logging on a campaign-week in this statement.
  pc_campaign uuid[];
  pc_week date[];
  pc_delta integer[];
BEGIN
  IF cardinality(p_deltas) = 0 THEN
    RETURN;
  END IF;
  -- Per person and week. last_entry_date only grows on additions; where an entry on or after it
  -- left, it is read again from the table (an index range of one week).
  WITH g AS (
    SELECT d.tenant_id, d.campaign_id, d.user_id, d.week_start_date,
           sum(d.hours * d.n) AS hours, sum(d.billable_hours * d.n) AS billable_hours, sum(d.n) AS n,
           max(d.entry_date) FILTER (WHERE d.n > 0) AS added_last,
           max(d.entry_date) FILTER (WHERE d.n < 0) AS removed_last
      FROM unnest(p_deltas) d
     GROUP BY 1, 2, 3, 4
     ORDER BY 2, 4, 3),
  up AS (
  INSERT INTO workroom.person_week_hours AS t
         (tenant_id, campaign_id, user_id, week_start_date, hours, billable_hours, entry_count, last_entry_date)
  SELECT g.tenant_id, g.campaign_id, g.user_id, g.week_start_date, g.hours, g.billable_hours, g.n,
         CASE WHEN g.removed_last IS NULL THEN g.added_last END
    FROM g
  ON CONFLICT (campaign_id, week_start_date, user_id) DO UPDATE
     SET hours = t.hours + excluded.hours,
         billable_hours = CASE WHEN t.billable_hours + excluded.billable_hours = 0 THEN 0
                               ELSE t.billable_hours + excluded.billable_hours END,
         entry_count = t.entry_count + excluded.entry_count,
         last_entry_date = greatest(t.last_entry_date, excluded.last_entry_date)
  -- xmax = 0: the row was inserted, not updated (the usual upsert idiom).
  RETURNING t.campaign_id, t.week_start_date,
            CASE WHEN t.xmax = 0 AND t.entry_count > 0 THEN 1 WHEN t.xmax <> 0 AND t.entry_count <= 0 THEN -1 ELSE 0 END)
  SELECT coalesce(array_agg(r.campaign_id), '{}'), coalesce(array_agg(r.week_start_date), '{}'), coalesce(array_agg(r.d), '{}')
    INTO pc_campaign, pc_week, pc_delta
    FROM up r(campaign_id, week_start_date, d);
  -- Drop emptied rows; where an entry left, read the last date again.
  DELETE FROM workroom.person_week_hours t
   USING (SELECT DISTINCT d.campaign_id, d.user_id, d.week_start_date FROM unnest(p_deltas) d) k
   WHERE t.campaign_id = k.campaign_id AND t.user_id = k.user_id AND t.week_start_date = k.week_start_date
     AND t.entry_count <= 0;
  UPDATE workroom.person_week_hours t
     SET last_entry_date = (SELECT max(e.entry_date) FROM agency.timesheet_entries e
                             WHERE e.user_id = t.user_id AND e.entry_date BETWEEN t.week_start_date AND t.week_start_date + 6
                               AND e.campaign_id = t.campaign_id)
    FROM (SELECT DISTINCT d.campaign_id, d.user_id, d.week_start_date FROM unnest(p_deltas) d WHERE d.n < 0) k
   WHERE t.campaign_id = k.campaign_id AND t.user_id = k.user_id AND t.week_start_date = k.week_start_date;

  -- Per campaign and week. people_count moves by the person-week rows this statement created or
  -- emptied: a count read here would miss a concurrent transaction's person that commits while
  -- this one waits for the campaign-week row, whereas an increment applies to the latest row.
  WITH g AS (
    SELECT d.tenant_id, d.campaign_id, d.week_start_date,
           sum(d.hours * d.n) AS hours, sum(d.billable_hours * d.n) AS billable_hours, sum(d.n) AS n
      FROM unnest(p_deltas) d
     GROUP BY 1, 2, 3
     ORDER BY 2, 3),
  p AS (
    SELECT x.c, x.w, sum(x.d) AS delta FROM unnest(pc_campaign, pc_week, pc_delta) x(c, w, d) GROUP BY x.c, x.w)
  INSERT INTO workroom.campaign_week_hours AS t
         (tenant_id, campaign_id, week_start_date, hours, billable_hours, entry_count, people_count)
  SELECT g.tenant_id, g.campaign_id, g.week_start_date, g.hours, g.billable_hours, g.n, coalesce(p.delta, 0)
    FROM g LEFT JOIN p ON p.c = g.campaign_id AND p.w = g.week_start_date
  ON CONFLICT (campaign_id, week_start_date) DO UPDATE
     SET hours = t.hours + excluded.hours,
         billable_hours = CASE WHEN t.billable_hours + excluded.billable_hours = 0 THEN 0
                               ELSE t.billable_hours + excluded.billable_hours END,
         entry_count = t.entry_count + excluded.entry_count,
         people_count = t.people_count + excluded.people_count;
  DELETE FROM workroom.campaign_week_hours t
   USING (SELECT DISTINCT d.campaign_id, d.week_start_date FROM unnest(p_deltas) d) k
   WHERE t.campaign_id = k.campaign_id AND t.week_start_date = k.week_start_date AND t.entry_count <= 0;

  WITH g AS (
    SELECT d.tenant_id, d.campaign_id, d.week_start_date,
           sum(d.cost_amount * d.n) AS cost_amount, sum(d.bill_amount * d.n) AS bill_amount, sum(d.n) AS n
      FROM unnest(p_deltas) d
     GROUP BY 1, 2, 3
     ORDER BY 2, 3)
  INSERT INTO workroom.campaign_week_money AS t (tenant_id, campaign_id, week_start_date, cost_amount, bill_amount, entry_count)
  SELECT g.tenant_id, g.campaign_id, g.week_start_date, g.cost_amount, g.bill_amount, g.n FROM g
  ON CONFLICT (campaign_id, week_start_date) DO UPDATE
     SET cost_amount = t.cost_amount + excluded.cost_amount,
         bill_amount = t.bill_amount + excluded.bill_amount,
         entry_count = t.entry_count + excluded.entry_count;
  DELETE FROM workroom.campaign_week_money t
   USING (SELECT DISTINCT d.campaign_id, d.week_start_date FROM unnest(p_deltas) d) k
   WHERE t.campaign_id = k.campaign_id AND t.week_start_date = k.week_start_date AND t.entry_count <= 0;

  -- Per campaign; where an entry left, the last date again from the index on (campaign_id, entry_date).
  WITH g AS (
    SELECT d.tenant_id, d.campaign_id,
           sum(d.hours * d.n) AS hours, sum(d.billable_hours * d.n) AS billable_hours, sum(d.n) AS n,
           sum(d.cost_amount * d.n) AS cost_amount, sum(d.bill_amount * d.n) AS bill_amount,
           max(d.entry_date) FILTER (WHERE d.n > 0) AS added_last
      FROM unnest(p_deltas) d
     GROUP BY 1, 2
     ORDER BY 2),
  hours AS (
    INSERT INTO workroom.campaign_hours AS t (tenant_id, campaign_id, hours, billable_hours, entry_count, last_entry_date)
    SELECT g.tenant_id, g.campaign_id, g.hours, g.billable_hours, g.n, g.added_last
      FROM g
    ON CONFLICT (campaign_id) DO UPDATE
       SET hours = t.hours + excluded.hours,
           billable_hours = CASE WHEN t.billable_hours + excluded.billable_hours = 0 THEN 0
                                 ELSE t.billable_hours + excluded.billable_hours END,
           entry_count = t.entry_count + excluded.entry_count,
           last_entry_date = greatest(t.last_entry_date, excluded.last_entry_date))
  INSERT INTO workroom.campaign_money AS t (tenant_id, campaign_id, cost_amount, bill_amount, entry_count, budget)
  SELECT g.tenant_id, g.campaign_id, g.cost_amount, g.bill_amount, g.n,
         (SELECT c.budget FROM agency.campaigns c WHERE c.id = g.campaign_id)
    FROM g
  ON CONFLICT (campaign_id) DO UPDATE
     SET cost_amount = CASE WHEN t.entry_count + excluded.entry_count = 0 THEN 0 ELSE t.cost_amount + excluded.cost_amount END,
         bill_amount = CASE WHEN t.entry_count + excluded.entry_count = 0 THEN 0 ELSE t.bill_amount + excluded.bill_amount END,
         entry_count = t.entry_count + excluded.entry_count;
  DELETE FROM workroom.campaign_hours t
   USING (SELECT DISTINCT d.campaign_id FROM unnest(p_deltas) d) k
   WHERE t.campaign_id = k.campaign_id AND t.entry_count <= 0;
  UPDATE workroom.campaign_hours t
     SET last_entry_date = (SELECT max(e.entry_date) FROM agency.timesheet_entries e WHERE e.campaign_id = t.campaign_id)
    FROM (SELECT DISTINCT d.campaign_id FROM unnest(p_deltas) d WHERE d.n < 0) k
   WHERE t.campaign_id = k.campaign_id;
END;
$$;

CREATE FUNCTION workroom.timesheet_rollups_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, workroom AS $$
BEGIN
  PERFORM workroom.apply_timesheet_deltas(ARRAY(
    SELECT ROW(n.tenant_id, n.campaign_id, n.user_id, n.week_start_date, n.entry_date, n.hours,
               CASE WHEN n.is_billable THEN n.hours ELSE 0 END, n.cost_amount, n.bill_amount, 1)::workroom.timesheet_delta
      FROM new_rows n));
  RETURN NULL;
END;
$$;

CREATE FUNCTION workroom.timesheet_rollups_delete() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, workroom AS $$
BEGIN
  PERFORM workroom.apply_timesheet_deltas(ARRAY(
    SELECT ROW(o.tenant_id, o.campaign_id, o.user_id, o.week_start_date, o.entry_date, o.hours,
               CASE WHEN o.is_billable THEN o.hours ELSE 0 END, o.cost_amount, o.bill_amount, -1)::workroom.timesheet_delta
      FROM old_rows o));
  RETURN NULL;
END;
$$;

-- Only rows whose summed columns changed: a review (status, approver) leaves the rollups alone.
CREATE FUNCTION workroom.timesheet_rollups_update() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, workroom AS $$
BEGIN
  PERFORM workroom.apply_timesheet_deltas(ARRAY(
    SELECT d FROM old_rows o JOIN new_rows n ON n.id = o.id,
           LATERAL (VALUES
             (ROW(o.tenant_id, o.campaign_id, o.user_id, o.week_start_date, o.entry_date, o.hours,
                  CASE WHEN o.is_billable THEN o.hours ELSE 0 END, o.cost_amount, o.bill_amount, -1)::workroom.timesheet_delta),
             (ROW(n.tenant_id, n.campaign_id, n.user_id, n.week_start_date, n.entry_date, n.hours,
                  CASE WHEN n.is_billable THEN n.hours ELSE 0 END, n.cost_amount, n.bill_amount, 1)::workroom.timesheet_delta)) v(d)
     WHERE (o.tenant_id, o.campaign_id, o.user_id, o.entry_date, o.hours, o.is_billable, o.cost_amount, o.bill_amount)
           IS DISTINCT FROM (n.tenant_id, n.campaign_id, n.user_id, n.entry_date, n.hours, n.is_billable, n.cost_amount, n.bill_amount)));
  RETURN NULL;
END;
$$;

-- Transition tables allow one event per trigger.
CREATE TRIGGER trg_timesheet_rollups_insert AFTER INSERT ON agency.timesheet_entries
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION workroom.timesheet_rollups_insert();
CREATE TRIGGER trg_timesheet_rollups_update AFTER UPDATE ON agency.timesheet_entries
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION workroom.timesheet_rollups_update();
CREATE TRIGGER trg_timesheet_rollups_delete AFTER DELETE ON agency.timesheet_entries
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION workroom.timesheet_rollups_delete();

-- Campaign recomputes -----------------------------------------------------------------------------

-- The figures 006's lateral subqueries computed, for the given campaigns, from scratch. A campaign
-- that no longer exists (deleted in this statement, its phases cascading) is skipped; its rows go
-- with it (ON DELETE CASCADE).
CREATE FUNCTION workroom.refresh_campaign_rollups(p_campaign_ids uuid[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, workroom AS $$
BEGIN
  IF cardinality(p_campaign_ids) = 0 THEN
    RETURN;
  END IF;
  INSERT INTO workroom.campaign_plan_rollups AS t (campaign_id, tenant_id, phase_count, current_phase, progress_percent, team_size)
  SELECT c.id, c.tenant_id, ph.phase_count, ph.current_phase, ph.progress_percent, coalesce(tm.team_size, 0)
    FROM agency.campaigns c
    CROSS JOIN LATERAL (
      SELECT count(*) AS phase_count,
             (array_agg(p.name ORDER BY p.phase_order) FILTER (WHERE p.status = 'in_progress'))[1] AS current_phase,
             round(avg(p.progress_percent), 1) AS progress_percent
        FROM agency.campaign_phases p WHERE p.campaign_id = c.id) ph
    CROSS JOIN LATERAL (
      SELECT count(DISTINCT a.user_id) AS team_size FROM agency.team_allocations a WHERE a.campaign_id = c.id) tm
   WHERE c.id = ANY (p_campaign_ids)
   ORDER BY c.id
  ON CONFLICT (campaign_id) DO UPDATE
     SET tenant_id = excluded.tenant_id, phase_count = excluded.phase_count, current_phase = excluded.current_phase,
         progress_percent = excluded.progress_percent, team_size = excluded.team_size;

  INSERT INTO workroom.campaign_artifact_rollups AS t (campaign_id, tenant_id, artifact_count, artifacts_in_review)
  SELECT c.id, c.tenant_id, ar.artifact_count, ar.artifacts_in_review
    FROM agency.campaigns c
    CROSS JOIN LATERAL (
      SELECT count(*) AS artifact_count, count(*) FILTER (WHERE a.status = 'in_review') AS artifacts_in_review
        FROM agency.artifacts a WHERE a.campaign_id = c.id) ar
   WHERE c.id = ANY (p_campaign_ids)
   ORDER BY c.id
  ON CONFLICT (campaign_id) DO UPDATE
     SET tenant_id = excluded.tenant_id, artifact_count = excluded.artifact_count,
         artifacts_in_review = excluded.artifacts_in_review;

  INSERT INTO workroom.campaign_money AS t (campaign_id, tenant_id, budget)
  SELECT c.id, c.tenant_id, c.budget FROM agency.campaigns c WHERE c.id = ANY (p_campaign_ids) ORDER BY c.id
  ON CONFLICT (campaign_id) DO UPDATE SET tenant_id = excluded.tenant_id, budget = excluded.budget;
END;
$$;

-- One trigger function for phases, allocations and artifacts: the campaigns their old and new rows
-- name. Updates that change neither the campaign nor a counted column are skipped.
CREATE FUNCTION workroom.campaign_children_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, workroom AS $$
DECLARE
  ids uuid[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT campaign_id) INTO ids FROM new_rows WHERE campaign_id IS NOT NULL;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT campaign_id) INTO ids FROM old_rows WHERE campaign_id IS NOT NULL;
  ELSIF TG_TABLE_NAME = 'campaign_phases' THEN
    SELECT array_agg(DISTINCT x) INTO ids FROM old_rows o JOIN new_rows n ON n.id = o.id,
           LATERAL (VALUES (o.campaign_id), (n.campaign_id)) v(x)
     WHERE (o.campaign_id, o.name, o.phase_order, o.status, o.progress_percent)
           IS DISTINCT FROM (n.campaign_id, n.name, n.phase_order, n.status, n.progress_percent);
  ELSIF TG_TABLE_NAME = 'team_allocations' THEN
    SELECT array_agg(DISTINCT x) INTO ids FROM old_rows o JOIN new_rows n ON n.id = o.id,
           LATERAL (VALUES (o.campaign_id), (n.campaign_id)) v(x)
     WHERE (o.campaign_id, o.user_id) IS DISTINCT FROM (n.campaign_id, n.user_id);
  ELSE  -- artifacts
    SELECT array_agg(DISTINCT x) INTO ids FROM old_rows o JOIN new_rows n ON n.id = o.id,
           LATERAL (VALUES (o.campaign_id), (n.campaign_id)) v(x)
     WHERE x IS NOT NULL AND (o.campaign_id, o.status) IS DISTINCT FROM (n.campaign_id, n.status);
  END IF;
  PERFORM workroom.refresh_campaign_rollups(coalesce(ids, '{}'));
  RETURN NULL;
END;
$$;

-- Campaigns: a new one gets its rows; a changed budget (or tenant) is copied.
CREATE FUNCTION workroom.campaigns_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, workroom AS $$
DECLARE
  ids uuid[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(id) INTO ids FROM new_rows;
  ELSE
    SELECT array_agg(n.id) INTO ids FROM old_rows o JOIN new_rows n ON n.id = o.id
     WHERE (o.budget, o.tenant_id) IS DISTINCT FROM (n.budget, n.tenant_id);
  END IF;
  PERFORM workroom.refresh_campaign_rollups(coalesce(ids, '{}'));
  RETURN NULL;
END;
$$;

CREATE TRIGGER trg_campaigns_rollups_insert AFTER INSERT ON agency.campaigns
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION workroom.campaigns_changed();
CREATE TRIGGER trg_campaigns_rollups_update AFTER UPDATE ON agency.campaigns
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION workroom.campaigns_changed();
DO $$
DECLARE
  rel text;
BEGIN
  FOREACH rel IN ARRAY ARRAY['campaign_phases', 'team_allocations', 'artifacts'] LOOP
    EXECUTE format('CREATE TRIGGER trg_%1$s_rollups_insert AFTER INSERT ON agency.%1$I
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION workroom.campaign_children_changed()', rel);
    EXECUTE format('CREATE TRIGGER trg_%1$s_rollups_update AFTER UPDATE ON agency.%1$I
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION workroom.campaign_children_changed()', rel);
    EXECUTE format('CREATE TRIGGER trg_%1$s_rollups_delete AFTER DELETE ON agency.%1$I
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION workroom.campaign_children_changed()', rel);
  END LOOP;
END;
$$;

REVOKE EXECUTE ON FUNCTION workroom.apply_timesheet_deltas(workroom.timesheet_delta[]) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION workroom.refresh_campaign_rollups(uuid[]) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION workroom.timesheet_rollups_insert() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION workroom.timesheet_rollups_update() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION workroom.timesheet_rollups_delete() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION workroom.campaign_children_changed() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION workroom.campaigns_changed() FROM PUBLIC;

-- Backfill: everything there is, in a few set-wise statements.
SELECT workroom.refresh_campaign_rollups(coalesce(array_agg(id), '{}')) FROM agency.campaigns;
SELECT workroom.apply_timesheet_deltas(coalesce(array_agg(ROW(e.tenant_id, e.campaign_id, e.user_id, e.week_start_date,
         e.entry_date, e.hours, CASE WHEN e.is_billable THEN e.hours ELSE 0 END, e.cost_amount, e.bill_amount, 1)::workroom.timesheet_delta), '{}'))
  FROM agency.timesheet_entries e;

-- The views ---------------------------------------------------------------------------------------
-- Same names, columns and meaning as 006 (CREATE OR REPLACE refuses a changed column).

CREATE OR REPLACE VIEW agency.v_campaign_overview WITH (security_invoker = true) AS
SELECT c.id, c.tenant_id, c.name, c.code, c.status, c.campaign_type,
       c.client_id, cl.name AS client_name, c.brand_id, b.name AS brand_name,
       c.start_date, c.end_date, c.duration_weeks,
       CASE WHEN c.end_date IS NOT NULL THEN c.end_date - current_date END AS days_remaining,
       c.account_lead_id, c.creative_lead_id, c.producer_id,
       coalesce(pr.phase_count, 0) AS phase_count, pr.current_phase, pr.progress_percent,
       coalesce(pr.team_size, 0) AS team_size,
       coalesce(h.hours, mine.hours, 0) AS hours_logged,
       coalesce(h.billable_hours, mine.billable_hours, 0) AS billable_hours,
       coalesce(w.hours, mine.hours_this_week, 0) AS hours_this_week,
       coalesce(h.last_entry_date, mine.last_entry_date) AS last_entry_date,
       -- Whoever may not read the rollup (finance, on a campaign it is not on) counts the
       -- artifacts it may see, as 006 did; coalesce evaluates that only then.
       coalesce(ar.artifact_count, (SELECT count(*) FROM agency.artifacts a WHERE a.campaign_id = c.id)) AS artifact_count,
       coalesce(ar.artifacts_in_review, (SELECT count(*) FROM agency.artifacts a
                                          WHERE a.campaign_id = c.id AND a.status = 'in_review')) AS artifacts_in_review,
       m.budget, m.cost_amount AS cost_to_date, m.bill_amount AS billed_to_date,
       m.bill_amount - m.cost_amount AS margin,
       round(100 * (m.bill_amount - m.cost_amount) / nullif(m.bill_amount, 0), 1) AS margin_percent,
       round(100 * m.cost_amount / nullif(m.budget, 0), 1) AS budget_used_percent,
       c.created_at, c.updated_at
  FROM agency.campaigns c
  JOIN agency.clients cl ON cl.id = c.client_id
  LEFT JOIN agency.brands b ON b.id = c.brand_id
  LEFT JOIN workroom.campaign_plan_rollups pr ON pr.campaign_id = c.id
  LEFT JOIN workroom.campaign_artifact_rollups ar ON ar.campaign_id = c.id
  -- Whole-campaign hours for those who see every entry (the rollups' policies), ...
  LEFT JOIN workroom.campaign_hours h ON h.campaign_id = c.id
  LEFT JOIN workroom.campaign_week_hours w
    ON w.campaign_id = c.id AND w.week_start_date = date_trunc('week', current_date::timestamp)::date
  -- ... their own for everyone else (not even read for the former).
  LEFT JOIN LATERAL (
    SELECT sum(p.hours) AS hours, sum(p.billable_hours) AS billable_hours,
           sum(p.hours) FILTER (WHERE p.week_start_date = date_trunc('week', current_date::timestamp)::date) AS hours_this_week,
           max(p.last_entry_date) AS last_entry_date
      FROM workroom.person_week_hours p
     WHERE NOT (SELECT workroom.sees_all_timesheets())
       AND p.user_id = (SELECT agency.current_user_id()) AND p.campaign_id = c.id) mine ON true
  LEFT JOIN workroom.campaign_money m
    ON m.campaign_id = c.id AND m.tenant_id = (SELECT agency.current_tenant_id()) AND (SELECT agency.can_view_financials());

-- 006 joined campaigns to the overview by id inside a lateral per client, which the planner
-- answered by computing the whole overview once per campaign of the client. The overview's rows
-- are the visible campaigns, with their client: the same rows, filtered on client_id directly.
CREATE OR REPLACE VIEW agency.v_client_360 WITH (security_invoker = true) AS
SELECT cl.id, cl.tenant_id, cl.name, cl.code, cl.industry, cl.status, cl.account_lead_id,
       (SELECT count(*) FROM agency.brands b WHERE b.client_id = cl.id) AS brand_count,
       coalesce(cs.campaign_count, 0) AS campaign_count,
       coalesce(cs.active_campaigns, 0) AS active_campaigns,
       coalesce(cs.completed_campaigns, 0) AS completed_campaigns,
       cs.first_start_date, cs.last_end_date,
       coalesce(cs.hours_logged, 0) AS hours_logged,
       coalesce(cs.artifact_count, 0) AS artifact_count,
       (SELECT count(*) FROM agency.knowledge_documents d WHERE d.client_id = cl.id) AS knowledge_document_count,
       cs.total_budget, cs.cost_to_date, cs.billed_to_date,
       cs.billed_to_date - cs.cost_to_date AS margin,
       cl.created_at, cl.updated_at
  FROM agency.clients cl
  LEFT JOIN LATERAL (
    SELECT count(*) AS campaign_count,
           count(*) FILTER (WHERE ov.status = 'active') AS active_campaigns,
           count(*) FILTER (WHERE ov.status = 'completed') AS completed_campaigns,
           min(ov.start_date) AS first_start_date, max(ov.end_date) AS last_end_date,
           sum(ov.hours_logged) AS hours_logged, sum(ov.artifact_count) AS artifact_count,
           sum(ov.budget) AS total_budget, sum(ov.cost_to_date) AS cost_to_date,
           sum(ov.billed_to_date) AS billed_to_date
      FROM agency.v_campaign_overview ov
     WHERE ov.client_id = cl.id) cs ON true;

CREATE OR REPLACE VIEW agency.v_timesheet_summary_by_campaign WITH (security_invoker = true) AS
SELECT s.tenant_id, s.campaign_id, c.name AS campaign_name, c.code AS campaign_code,
       c.client_id, cl.name AS client_name, s.week_start_date,
       s.total_hours, s.billable_hours, s.total_hours - s.billable_hours AS non_billable_hours,
       round(100 * s.billable_hours / nullif(s.total_hours, 0), 1) AS billable_percent,
       s.people_count, s.entry_count,
       m.cost_amount, m.bill_amount, m.bill_amount - m.cost_amount AS margin
  FROM (
    SELECT w.tenant_id, w.campaign_id, w.week_start_date, w.hours AS total_hours, w.billable_hours,
           w.people_count, w.entry_count
      FROM workroom.campaign_week_hours w
     WHERE (SELECT workroom.sees_all_timesheets())
    UNION ALL
    SELECT p.tenant_id, p.campaign_id, p.week_start_date, p.hours, p.billable_hours, 1::bigint, p.entry_count
      FROM workroom.person_week_hours p
     WHERE NOT (SELECT workroom.sees_all_timesheets()) AND p.user_id = (SELECT agency.current_user_id())) s
  JOIN agency.campaigns c ON c.id = s.campaign_id
  JOIN agency.clients cl ON cl.id = c.client_id
  LEFT JOIN workroom.campaign_week_money m
    ON m.campaign_id = s.campaign_id AND m.week_start_date = s.week_start_date
   AND m.tenant_id = (SELECT agency.current_tenant_id()) AND (SELECT agency.can_view_financials());

-- Logged and allocated rows side by side, then one GROUP BY: a filter on the week (or person)
-- reaches both tables' indexes, which 006's FULL JOIN of two aggregates did not allow.
CREATE OR REPLACE VIEW agency.v_employee_utilization WITH (security_invoker = true) AS
SELECT u.tenant_id, u.user_id, u.week_start_date,
       coalesce(sum(u.hours), 0) AS hours_logged,
       coalesce(sum(u.hours) FILTER (WHERE u.is_billable), 0) AS billable_hours,
       coalesce(sum(u.hours), 0) - coalesce(sum(u.hours) FILTER (WHERE u.is_billable), 0) AS non_billable_hours,
       round(100 * coalesce(sum(u.hours) FILTER (WHERE u.is_billable), 0) / nullif(sum(u.hours), 0), 1) AS billable_percent,
       40::numeric AS standard_week_hours,
       round(100 * coalesce(sum(u.hours), 0) / 40, 1) AS utilization_percent,
       coalesce(sum(u.capacity_percentage), 0) AS allocated_percent,
       count(DISTINCT u.entry_date) AS days_logged,
       count(DISTINCT u.logged_campaign_id) AS campaigns_logged,
       count(DISTINCT u.allocated_campaign_id) AS campaigns_allocated,
       CASE WHEN coalesce(sum(u.capacity_percentage), 0) > 100 THEN 'over'
            WHEN coalesce(sum(u.capacity_percentage), 0) < 50 THEN 'under'
            ELSE 'ok' END AS allocation_status
  FROM (
    SELECT e.tenant_id, e.user_id, e.week_start_date, e.hours, e.is_billable, e.entry_date,
           e.campaign_id AS logged_campaign_id, NULL::numeric AS capacity_percentage, NULL::uuid AS allocated_campaign_id
      FROM agency.timesheet_entries e
    UNION ALL
    SELECT a.tenant_id, a.user_id, a.week_start_date, NULL, NULL, NULL, NULL, a.capacity_percentage, a.campaign_id
      FROM agency.team_allocations a) u
 GROUP BY u.tenant_id, u.user_id, u.week_start_date;

-- Same as 006 but for the tenants (visible entries exist in a tenant exactly when visible
-- person_week_hours rows do: same predicate) and the active budget (campaign_money).
CREATE OR REPLACE VIEW agency.v_dashboard_kpis WITH (security_invoker = true) AS
WITH tenants AS (
  SELECT tenant_id FROM agency.campaigns
  UNION
  SELECT tenant_id FROM workroom.person_week_hours
), week AS (
  SELECT date_trunc('week', current_date::timestamp)::date AS monday
)
SELECT t.tenant_id,
       (SELECT count(*) FROM agency.campaigns c WHERE c.tenant_id = t.tenant_id AND c.status = 'active') AS active_campaigns,
       (SELECT count(*) FROM agency.campaigns c WHERE c.tenant_id = t.tenant_id AND c.status = 'active'
           AND c.end_date BETWEEN current_date AND current_date + 14) AS campaigns_ending_soon,
       (SELECT count(DISTINCT c.client_id) FROM agency.campaigns c
         WHERE c.tenant_id = t.tenant_id AND c.status = 'active') AS active_clients,
       (SELECT count(*) FROM agency.artifacts a WHERE a.tenant_id = t.tenant_id AND a.status = 'in_review') AS artifacts_in_review,
       (SELECT count(*) FROM agency.artifact_comments ac WHERE ac.tenant_id = t.tenant_id AND NOT ac.is_resolved) AS open_comments,
       coalesce((SELECT sum(e.hours) FROM agency.timesheet_entries e, week
                  WHERE e.tenant_id = t.tenant_id AND e.week_start_date = week.monday), 0) AS hours_this_week,
       coalesce((SELECT sum(e.hours) FROM agency.timesheet_entries e, week
                  WHERE e.tenant_id = t.tenant_id AND e.week_start_date = week.monday AND e.is_billable), 0) AS billable_hours_this_week,
       (SELECT round(100.0 * sum(e.hours) FILTER (WHERE e.is_billable) / nullif(sum(e.hours), 0), 1)
          FROM agency.timesheet_entries e, week
         WHERE e.tenant_id = t.tenant_id AND e.week_start_date = week.monday) AS billable_percent_this_week,
       (SELECT sum(m.budget) FROM agency.campaigns c
          JOIN workroom.campaign_money m
            ON m.campaign_id = c.id AND m.tenant_id = (SELECT agency.current_tenant_id()) AND (SELECT agency.can_view_financials())
         WHERE c.tenant_id = t.tenant_id AND c.status = 'active') AS active_budget
  FROM tenants t;

-- The money behind one campaign (and week), from the rollups: no longer a sum over its entries.
CREATE OR REPLACE FUNCTION agency.campaign_financials(p_campaign_id uuid, p_week_start date DEFAULT NULL)
RETURNS TABLE (budget numeric, cost_amount numeric, bill_amount numeric)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, agency AS $$
DECLARE
  tenant uuid := agency.current_tenant_id();
BEGIN
  IF tenant IS NULL OR NOT agency.can_view_financials() THEN
    RETURN QUERY SELECT NULL::numeric, NULL::numeric, NULL::numeric;
    RETURN;
  END IF;
  RETURN QUERY
    SELECT c.budget,
           CASE WHEN p_week_start IS NULL THEN coalesce(m.cost_amount, 0) ELSE coalesce(w.cost_amount, 0) END,
           CASE WHEN p_week_start IS NULL THEN coalesce(m.bill_amount, 0) ELSE coalesce(w.bill_amount, 0) END
      FROM agency.campaigns c
      LEFT JOIN workroom.campaign_money m ON m.campaign_id = c.id
      LEFT JOIN workroom.campaign_week_money w ON w.campaign_id = c.id AND w.week_start_date = p_week_start
     WHERE c.id = p_campaign_id AND c.tenant_id = tenant;
  IF NOT FOUND THEN
    RETURN QUERY SELECT NULL::numeric, NULL::numeric, NULL::numeric;
  END IF;
END;
$$;

-- FORCE, as 015 does for the tenant tables and for the same reason (only when the migrating role
-- bypasses row security, which the SECURITY DEFINER maintenance functions then inherit).
DO $$
DECLARE
  rel text;
BEGIN
  IF (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user) THEN
    FOREACH rel IN ARRAY ARRAY[
      'workroom.campaign_plan_rollups', 'workroom.campaign_artifact_rollups', 'workroom.campaign_hours',
      'workroom.campaign_week_hours', 'workroom.person_week_hours', 'workroom.campaign_money', 'workroom.campaign_week_money'] LOOP
      EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', rel);
    END LOOP;
  END IF;
END;
$$;
