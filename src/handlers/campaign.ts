/**
 * /campaign <name>: one campaign at a glance, as the asker may see it. Money comes from
 * agency.campaign_financials(), which returns NULLs for roles that may not see it, so the reply
 * shows budget, cost and margin only where the database allowed them.
 */
import { sql } from 'kysely'
import type { ActorTx } from '../db/actor.ts'
import { campaignShortlist, findCampaign, matchCampaign, type CampaignCandidate } from './campaign-match.ts'

export interface CampaignDetails {
  id: string
  name: string
  code: string
  status: string
  clientName: string
  brandName: string | null
  startDate: string | null
  endDate: string | null
  durationWeeks: number | null
  phases: Array<{ name: string; status: string; progress: number }>
  team: Array<{ name: string; role: string | null }>
  hoursThisWeek: number
  hoursToDate: number
  /** Whether the hours are everyone's on the campaign (pm, finance, leadership) or only the asker's own. */
  hoursOfEveryone: boolean
  /** ISO code money is shown in. */
  currency: string
  recentArtifacts: Array<{ title: string; type: string; status: string }>
  money: { budget: number; costToDate: number; billedToDate: number; margin: number } | null
  expenses: Array<{ category: string; currency: string; total: number }>
  equipmentOut: string[]
}

export type CampaignLookup =
  | { kind: 'found'; campaign: CampaignDetails }
  | { kind: 'choose_campaign'; campaigns: CampaignCandidate[] }
  | { kind: 'unknown_campaign'; query: string; suggestions: CampaignCandidate[] }

/**
 * `preferClient`: the client of the channel asked in (migration 028). When the name fits several
 * campaigns and some are that client's, the choice is among those only; a name that fits one
 * campaign, of any client, still finds it.
 */
export async function lookupCampaign(trx: ActorTx, query: string, today: string, preferClient: string | null = null): Promise<CampaignLookup> {
  let match = await findCampaign(trx, query)
  if (preferClient && match.kind === 'several') {
    // Among every campaign the words can mean (the shortlist), not only the few offered.
    const own = matchCampaign(query, (await campaignShortlist(trx, query, { fuzzy: false })).filter((c) => c.clientId === preferClient))
    if (own.kind !== 'none') match = own
  }
  if (match.kind === 'none') return { kind: 'unknown_campaign', query, suggestions: match.suggestions }
  if (match.kind === 'several') return { kind: 'choose_campaign', campaigns: match.campaigns }
  return { kind: 'found', campaign: await campaignDetails(trx, match.campaign, today) }
}

export async function campaignDetails(trx: ActorTx, c: CampaignCandidate, today: string): Promise<CampaignDetails> {
  const monday = sql<string>`date_trunc('week', ${today}::date)::date`
  const [row, phases, team, hours, artifacts, money, expenses, equipment] = await Promise.all([
    trx.selectFrom('agency.campaigns').select(['duration_weeks', 'currency']).where('id', '=', c.id).executeTakeFirstOrThrow(),
    trx.selectFrom('agency.campaign_phases').select(['name', 'status', 'progress_percent']).where('campaign_id', '=', c.id).orderBy('phase_order').execute(),
    trx.selectFrom('agency.team_allocations as a').innerJoin('workroom.people as p', 'p.id', 'a.user_id')
      .select(['p.display_name as name', 'a.role_on_campaign as role']).distinct()
      .where('a.campaign_id', '=', c.id).orderBy('p.display_name').execute(),
    // Hours the asker may see: everyone's for pm, finance and leadership, their own otherwise. Read
    // from migration 021's rollups, whose policies are the timesheet policy's (a sum over the
    // entries would grow with the campaign's history): whole-campaign rows for those who see every
    // entry, the asker's own person-week rows for the rest. Raw SQL: the rollups are not in the
    // Kysely schema, which lists what the app writes.
    sql<{ toDate: number; thisWeek: number; everyone: boolean }>`
      SELECT CASE WHEN s.everyone
                  THEN coalesce((SELECT h.hours FROM workroom.campaign_hours h WHERE h.campaign_id = ${c.id}::uuid), 0)
                  ELSE coalesce((SELECT sum(p.hours) FROM workroom.person_week_hours p
                                  WHERE p.campaign_id = ${c.id}::uuid AND p.user_id = agency.current_user_id()), 0) END AS "toDate",
             CASE WHEN s.everyone
                  THEN coalesce((SELECT w.hours FROM workroom.campaign_week_hours w
                                  WHERE w.campaign_id = ${c.id}::uuid AND w.week_start_date = ${monday}), 0)
                  ELSE coalesce((SELECT p.hours FROM workroom.person_week_hours p
                                  WHERE p.campaign_id = ${c.id}::uuid AND p.week_start_date = ${monday}
                                    AND p.user_id = agency.current_user_id()), 0) END AS "thisWeek",
             s.everyone
        -- The select policy's own test, so the label says what RLS did.
        FROM (SELECT agency.has_any_role(ARRAY['leadership', 'finance', 'pm']) AS everyone) s`.execute(trx).then((r) => r.rows[0]!),
    trx.selectFrom('agency.artifacts').select(['title', 'artifact_type as type', 'status']).where('campaign_id', '=', c.id).orderBy('updated_at', 'desc').limit(5).execute(),
    sql<{ budget: number | null; cost_amount: number | null; bill_amount: number | null }>`
      SELECT budget, cost_amount, bill_amount FROM agency.campaign_financials(${c.id}::uuid)`.execute(trx),
    sql<{ category: string; currency: string; total_amount: number }>`
      SELECT category, currency, total_amount FROM agency.get_campaign_expenses(${c.id}::uuid)`.execute(trx),
    sql<{ item_name: string }>`
      SELECT item_name FROM agency.get_campaign_equipment(${c.id}::uuid) WHERE returned_at IS NULL`.execute(trx),
  ])
  const f = money.rows[0]
  return {
    id: c.id, name: c.name, code: c.code, status: c.status, clientName: c.clientName, brandName: c.brandName,
    startDate: c.startDate, endDate: c.endDate, durationWeeks: row.duration_weeks,
    phases: phases.map((p) => ({ name: p.name, status: p.status, progress: p.progress_percent })),
    team, hoursThisWeek: Number(hours.thisWeek), hoursToDate: Number(hours.toDate), hoursOfEveryone: hours.everyone, currency: row.currency, recentArtifacts: artifacts,
    money: f && f.budget !== null && f.cost_amount !== null && f.bill_amount !== null
      ? { budget: f.budget, costToDate: f.cost_amount, billedToDate: f.bill_amount, margin: f.bill_amount - f.cost_amount }
      : null,
    expenses: expenses.rows.map((e) => ({ category: e.category, currency: e.currency, total: e.total_amount })),
    equipmentOut: equipment.rows.map((e) => e.item_name),
  }
}

/** Rows in one page of `/campaign list`. */
export const CAMPAIGN_PAGE = 100

export interface CampaignListItem {
  id: string
  name: string
  code: string
  status: string
  clientName: string
}

export type CampaignPage =
  | { kind: 'page'; campaigns: CampaignListItem[]; first: number; next: string | null }
  /** The page was asked for after a campaign this person can no longer see (deleted, or moved out of reach). */
  | { kind: 'page_gone' }

/**
 * `/campaign list`: the campaigns this person may see (row security decides), in name order,
 * CAMPAIGN_PAGE at a time. A page starts after the last campaign of the one before (keyset, by
 * name and id, read from idx_campaigns_tenant_name), so a campaign added or removed meanwhile
 * shifts nothing: the next page neither repeats nor skips one. `after` is that campaign's id,
 * the "Next page" button's payload; its name is read again, under row security like the rest.
 * `first` is the 1-based position of the page's first row, for "101–200".
 */
export async function campaignPage(trx: ActorTx, after: string | null): Promise<CampaignPage> {
  let from: { name: string; id: string } | undefined
  if (after) {
    from = await trx.selectFrom('agency.campaigns').select(['name', 'id']).where('id', '=', after).executeTakeFirst()
    if (!from) return { kind: 'page_gone' }
  }
  const rows = await trx.selectFrom('agency.campaigns as c')
    .innerJoin('agency.clients as cl', 'cl.id', 'c.client_id')
    .select(['c.id', 'c.name', 'c.code', 'c.status', 'cl.name as clientName'])
    .$if(from !== undefined, (q) => q.where(sql<boolean>`(c.name, c.id) > (${from!.name}, ${from!.id}::uuid)`))
    .orderBy('c.name').orderBy('c.id').limit(CAMPAIGN_PAGE + 1).execute()
  const before = from
    ? Number((await trx.selectFrom('agency.campaigns as c').innerJoin('agency.clients as cl', 'cl.id', 'c.client_id')
      .select((eb) => eb.fn.countAll<string>().as('n')).where(sql<boolean>`(c.name, c.id) <= (${from.name}, ${from.id}::uuid)`).executeTakeFirstOrThrow()).n)
    : 0
  const campaigns = rows.slice(0, CAMPAIGN_PAGE)
  return { kind: 'page', campaigns, first: before + 1, next: rows.length > CAMPAIGN_PAGE ? campaigns.at(-1)!.id : null }
}
