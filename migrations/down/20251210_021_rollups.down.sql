-- Reverts 021: migration 006's views and campaign_financials() (copied from it), then the
-- triggers, functions and rollup tables.
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
           coalesce((SELECT sum(t.cost_amount) FROM agency.timesheet_entries t
                      WHERE t.campaign_id = c.id AND t.tenant_id = tenant
                        AND (p_week_start IS NULL OR t.week_start_date = p_week_start)), 0),
           coalesce((SELECT sum(t.bill_amount) FROM agency.timesheet_entries t
                      WHERE t.campaign_id = c.id AND t.tenant_id = tenant
                        AND (p_week_start IS NULL OR t.week_start_date = p_week_start)), 0)
      FROM agency.campaigns c
     WHERE c.id = p_campaign_id AND c.tenant_id = tenant;
  IF NOT FOUND THEN
    RETURN QUERY SELECT NULL::numeric, NULL::numeric, NULL::numeric;
  END IF;
END;
$$;

CREATE OR REPLACE VIEW agency.v_dashboard_kpis WITH (security_invoker = true) AS
WITH tenants AS (
  SELECT tenant_id FROM agency.campaigns
  UNION
  SELECT tenant_id FROM agency.timesheet_entries
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
       (SELECT sum(f.budget) FROM agency.campaigns c, agency.campaign_financials(c.id) f
         WHERE c.tenant_id = t.tenant_id AND c.status = 'active') AS active_budget
  FROM tenants t;

CREATE OR REPLACE VIEW agency.v_campaign_overview WITH (security_invoker = true) AS
SELECT c.id, c.tenant_id, c.name, c.code, c.status, c.campaign_type,
       c.client_id, cl.name AS client_name, c.brand_id, b.name AS brand_name,
       c.start_date, c.end_date, c.duration_weeks,
       CASE WHEN c.end_date IS NOT NULL THEN c.end_date - current_date END AS days_remaining,
       c.account_lead_id, c.creative_lead_id, c.producer_id,
       ph.phase_count, ph.current_phase, ph.progress_percent,
       coalesce(tm.team_size, 0) AS team_size,
       coalesce(ts.hours_logged, 0) AS hours_logged,
       coalesce(ts.billable_hours, 0) AS billable_hours,
       coalesce(ts.hours_this_week, 0) AS hours_this_week,
       ts.last_entry_date,
       coalesce(ar.artifact_count, 0) AS artifact_count,
       coalesce(ar.artifacts_in_review, 0) AS artifacts_in_review,
       f.budget, f.cost_amount AS cost_to_date, f.bill_amount AS billed_to_date,
       f.bill_amount - f.cost_amount AS margin,
       round(100 * (f.bill_amount - f.cost_amount) / nullif(f.bill_amount, 0), 1) AS margin_percent,
       round(100 * f.cost_amount / nullif(f.budget, 0), 1) AS budget_used_percent,
       c.created_at, c.updated_at
  FROM agency.campaigns c
  JOIN agency.clients cl ON cl.id = c.client_id
  LEFT JOIN agency.brands b ON b.id = c.brand_id
  LEFT JOIN LATERAL (
    SELECT count(*) AS phase_count,
           (array_agg(p.name ORDER BY p.phase_order) FILTER (WHERE p.status = 'in_progress'))[1] AS current_phase,
           round(avg(p.progress_percent), 1) AS progress_percent
      FROM agency.campaign_phases p WHERE p.campaign_id = c.id) ph ON true
  LEFT JOIN LATERAL (
    SELECT count(DISTINCT a.user_id) AS team_size
      FROM agency.team_allocations a WHERE a.campaign_id = c.id) tm ON true
  LEFT JOIN LATERAL (
    SELECT sum(e.hours) AS hours_logged,
           sum(e.hours) FILTER (WHERE e.is_billable) AS billable_hours,
           sum(e.hours) FILTER (WHERE e.week_start_date = date_trunc('week', current_date::timestamp)::date) AS hours_this_week,
           max(e.entry_date) AS last_entry_date
      FROM agency.timesheet_entries e WHERE e.campaign_id = c.id) ts ON true
  LEFT JOIN LATERAL (
    SELECT count(*) AS artifact_count, count(*) FILTER (WHERE a.status = 'in_review') AS artifacts_in_review
      FROM agency.artifacts a WHERE a.campaign_id = c.id) ar ON true
  LEFT JOIN LATERAL agency.campaign_financials(c.id) f ON true;

CREATE OR REPLACE VIEW agency.v_employee_utilization WITH (security_invoker = true) AS
WITH logged AS (
  SELECT tenant_id, user_id, week_start_date,
         sum(hours) AS hours_logged,
         sum(hours) FILTER (WHERE is_billable) AS billable_hours,
         count(DISTINCT entry_date) AS days_logged,
         count(DISTINCT campaign_id) AS campaigns_logged
    FROM agency.timesheet_entries
   GROUP BY tenant_id, user_id, week_start_date
), planned AS (
  SELECT tenant_id, user_id, week_start_date,
         sum(capacity_percentage) AS allocated_percent,
         count(DISTINCT campaign_id) AS campaigns_allocated
    FROM agency.team_allocations
   GROUP BY tenant_id, user_id, week_start_date
)
SELECT coalesce(l.tenant_id, p.tenant_id) AS tenant_id,
       coalesce(l.user_id, p.user_id) AS user_id,
       coalesce(l.week_start_date, p.week_start_date) AS week_start_date,
       coalesce(l.hours_logged, 0) AS hours_logged,
       coalesce(l.billable_hours, 0) AS billable_hours,
       coalesce(l.hours_logged, 0) - coalesce(l.billable_hours, 0) AS non_billable_hours,
       round(100 * coalesce(l.billable_hours, 0) / nullif(l.hours_logged, 0), 1) AS billable_percent,
       40::numeric AS standard_week_hours,
       round(100 * coalesce(l.hours_logged, 0) / 40, 1) AS utilization_percent,
       coalesce(p.allocated_percent, 0) AS allocated_percent,
       coalesce(l.days_logged, 0) AS days_logged,
       coalesce(l.campaigns_logged, 0) AS campaigns_logged,
       coalesce(p.campaigns_allocated, 0) AS campaigns_allocated,
       CASE WHEN coalesce(p.allocated_percent, 0) > 100 THEN 'over'
            WHEN coalesce(p.allocated_percent, 0) < 50 THEN 'under'
            ELSE 'ok' END AS allocation_status
  FROM logged l
  FULL JOIN planned p
    ON p.tenant_id = l.tenant_id AND p.user_id = l.user_id AND p.week_start_date = l.week_start_date;

CREATE OR REPLACE VIEW agency.v_timesheet_summary_by_campaign WITH (security_invoker = true) AS
SELECT s.tenant_id, s.campaign_id, c.name AS campaign_name, c.code AS campaign_code,
       c.client_id, cl.name AS client_name, s.week_start_date,
       s.total_hours, s.billable_hours, s.total_hours - s.billable_hours AS non_billable_hours,
       round(100 * s.billable_hours / nullif(s.total_hours, 0), 1) AS billable_percent,
       s.people_count, s.entry_count,
       f.cost_amount, f.bill_amount, f.bill_amount - f.cost_amount AS margin
  FROM (
    SELECT tenant_id, campaign_id, week_start_date,
           sum(hours) AS total_hours,
           coalesce(sum(hours) FILTER (WHERE is_billable), 0) AS billable_hours,
           count(DISTINCT user_id) AS people_count,
           count(*) AS entry_count
      FROM agency.timesheet_entries
     GROUP BY tenant_id, campaign_id, week_start_date) s
  JOIN agency.campaigns c ON c.id = s.campaign_id
  JOIN agency.clients cl ON cl.id = c.client_id
  LEFT JOIN LATERAL agency.campaign_financials(s.campaign_id, s.week_start_date) f ON true;

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
           count(*) FILTER (WHERE c.status = 'active') AS active_campaigns,
           count(*) FILTER (WHERE c.status = 'completed') AS completed_campaigns,
           min(c.start_date) AS first_start_date, max(c.end_date) AS last_end_date,
           sum(ov.hours_logged) AS hours_logged, sum(ov.artifact_count) AS artifact_count,
           sum(ov.budget) AS total_budget, sum(ov.cost_to_date) AS cost_to_date,
           sum(ov.billed_to_date) AS billed_to_date
      FROM agency.campaigns c
      JOIN agency.v_campaign_overview ov ON ov.id = c.id
     WHERE c.client_id = cl.id) cs ON true;
DROP TRIGGER IF EXISTS trg_timesheet_rollups_insert ON agency.timesheet_entries;
DROP TRIGGER IF EXISTS trg_timesheet_rollups_update ON agency.timesheet_entries;
DROP TRIGGER IF EXISTS trg_timesheet_rollups_delete ON agency.timesheet_entries;
DROP TRIGGER IF EXISTS trg_campaigns_rollups_insert ON agency.campaigns;
DROP TRIGGER IF EXISTS trg_campaigns_rollups_update ON agency.campaigns;
DROP TRIGGER IF EXISTS trg_campaign_phases_rollups_insert ON agency.campaign_phases;
DROP TRIGGER IF EXISTS trg_campaign_phases_rollups_update ON agency.campaign_phases;
DROP TRIGGER IF EXISTS trg_campaign_phases_rollups_delete ON agency.campaign_phases;
DROP TRIGGER IF EXISTS trg_team_allocations_rollups_insert ON agency.team_allocations;
DROP TRIGGER IF EXISTS trg_team_allocations_rollups_update ON agency.team_allocations;
DROP TRIGGER IF EXISTS trg_team_allocations_rollups_delete ON agency.team_allocations;
DROP TRIGGER IF EXISTS trg_artifacts_rollups_insert ON agency.artifacts;
DROP TRIGGER IF EXISTS trg_artifacts_rollups_update ON agency.artifacts;
DROP TRIGGER IF EXISTS trg_artifacts_rollups_delete ON agency.artifacts;
DROP FUNCTION IF EXISTS workroom.timesheet_rollups_insert();
DROP FUNCTION IF EXISTS workroom.timesheet_rollups_update();
DROP FUNCTION IF EXISTS workroom.timesheet_rollups_delete();
DROP FUNCTION IF EXISTS workroom.campaign_children_changed();
DROP FUNCTION IF EXISTS workroom.campaigns_changed();
DROP FUNCTION IF EXISTS workroom.refresh_campaign_rollups(uuid[]);
DROP FUNCTION IF EXISTS workroom.apply_timesheet_deltas(workroom.timesheet_delta[]);
DROP FUNCTION IF EXISTS workroom.sees_all_timesheets();
DROP TYPE IF EXISTS workroom.timesheet_delta;
DROP TABLE IF EXISTS workroom.campaign_plan_rollups, workroom.campaign_artifact_rollups, workroom.campaign_hours,
  workroom.campaign_week_hours, workroom.person_week_hours, workroom.campaign_money, workroom.campaign_week_money;
