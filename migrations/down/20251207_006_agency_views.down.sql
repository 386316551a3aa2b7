-- Reverts 006.
DROP FUNCTION IF EXISTS agency.get_recent_activity(integer, uuid);
DROP VIEW IF EXISTS agency.v_timesheet_summary_by_campaign;
DROP VIEW IF EXISTS agency.v_artifact_library;
DROP VIEW IF EXISTS agency.v_employee_utilization;
DROP VIEW IF EXISTS agency.v_client_360;
DROP VIEW IF EXISTS agency.v_campaign_overview;
DROP VIEW IF EXISTS agency.v_dashboard_kpis;
DROP FUNCTION IF EXISTS agency.campaign_financials(uuid, date);
