/**
 * A person's home page (Slack's App Home tab): their week against their capacity, the agency's
 * dashboard tiles (agency.v_dashboard_kpis) for the roles that may read them, and the recent
 * activity they may see (agency.get_recent_activity). Everything is read as the person, in one
 * transaction: row security decides what each part holds.
 */
import { sql } from 'kysely'
import { mondayOf } from '../dates.ts'
import type { RunAs } from '../db/actor.ts'
import type { LinkedActor } from '../db/identity.ts'
import type { Role } from '../db/schema.ts'
import { DEFAULT_TIMESHEET_SETTINGS, weekView, type TimesheetSettings, type WeekResult } from './timesheet.ts'

/**
 * The roles whose view of v_dashboard_kpis is the agency's: its counts are over campaigns and
 * timesheet entries, and only these roles' row security lets them see every campaign
 * (campaigns_select) and every entry (timesheet_entries_select) of their tenant. For anyone else
 * the same view returns the part they may see (their own campaigns, their own hours), which shown
 * as the agency's figures would mislead; so they get no tiles at all, rather than partial numbers
 * or zeros. Money is decided by the database itself: active_budget is NULL unless
 * can_view_financials(), and its tile shows only when it is not.
 */
export const DASHBOARD_ROLES: ReadonlySet<Role> = new Set<Role>(['leadership', 'finance', 'pm'])

/** How many items of activity the home page lists. */
export const ACTIVITY_ITEMS = 8

export interface DashboardKpis {
  activeCampaigns: number
  campaignsEndingSoon: number
  activeClients: number
  artifactsInReview: number
  openComments: number
  hoursThisWeek: number
  billableHoursThisWeek: number
  billablePercentThisWeek: number | null
  /** Null unless the database lets this role read money. */
  activeBudget: number | null
}

export interface Activity {
  type: string
  title: string
  detail: string
  who: string | null
  at: Date
}

export interface Home {
  week: WeekResult
  /** Null: not for this role (no tiles), never zeros in their place. */
  kpis: DashboardKpis | null
  activity: Activity[]
}

const num = (v: unknown): number => Number(v ?? 0)

export async function homeFor(run: RunAs, who: LinkedActor, now: Date, today: string, settings: TimesheetSettings = DEFAULT_TIMESHEET_SETTINGS): Promise<Home> {
  return run(async (trx) => {
    const week = await weekView(trx, who, mondayOf(today), now, settings)
    let kpis: DashboardKpis | null = null
    if (DASHBOARD_ROLES.has(who.role)) {
      const { rows } = await sql<Record<string, unknown>>`SELECT * FROM agency.v_dashboard_kpis WHERE tenant_id = ${who.tenantId}`.execute(trx)
      const k = rows[0]
      if (k) {
        kpis = {
          activeCampaigns: num(k.active_campaigns), campaignsEndingSoon: num(k.campaigns_ending_soon), activeClients: num(k.active_clients),
          artifactsInReview: num(k.artifacts_in_review), openComments: num(k.open_comments), hoursThisWeek: num(k.hours_this_week),
          billableHoursThisWeek: num(k.billable_hours_this_week),
          billablePercentThisWeek: k.billable_percent_this_week === null ? null : num(k.billable_percent_this_week),
          activeBudget: k.active_budget === null || k.active_budget === undefined ? null : num(k.active_budget),
        }
      }
    }
    // The feed of everything this person may see (no user filter): row security on each branch decides.
    const { rows: feed } = await sql<{ activity_type: string; title: string; detail: string; display_name: string | null; occurred_at: Date | string }>`
      SELECT f.activity_type, f.title, f.detail, p.display_name, f.occurred_at
        FROM agency.get_recent_activity(${ACTIVITY_ITEMS}, NULL) f
        LEFT JOIN workroom.people p ON p.id = f.actor_id
       ORDER BY f.occurred_at DESC`.execute(trx)
    const activity = feed.map((a) => ({ type: a.activity_type, title: a.title, detail: a.detail ?? '', who: a.display_name, at: new Date(a.occurred_at) }))
    return { week, kpis, activity }
  })
}
