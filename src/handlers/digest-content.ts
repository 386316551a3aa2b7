/**
 * What the daily utilization digest says: the numbers (buildDigest) and the message (digestReply).
 * Scheduling, delivery and the /digest command live elsewhere; this module only reads and formats.
 *
 * Definitions
 *
 * - Post date L and report date R. A digest is posted on local date L and reports on R, the last
 *   working day (Monday to Friday) before L: L = Tuesday…Saturday → R = the day before;
 *   L = Sunday or Monday → R = the Friday before. "Yesterday" in the message means R, even on a
 *   Monday. Public holidays are not known to Workroom and count as working days.
 * - Week to date (WTD): Monday of R's ISO week through R, by timesheet entry_date. Entries dated
 *   on the weekend after R are not in any digest's week to date.
 * - Capacity to date per person: weekly_capacity_hours × d / 5, where d = isoDow(R) (1 for Monday
 *   … 5 for Friday) is the number of working days Monday..R.
 * - People: the tenant's active people (workroom.people.is_active) who log client time: every
 *   pm, account and creative, and anyone else (leadership, finance, admin) who has an allocation
 *   in R's week. The others are "not counted" (notCounted, named in the message's last line):
 *   they are left out of every per-person figure, the team totals, the rankings and "no time
 *   logged", as inactive people are. By role, because that is how the agencies' own policies set
 *   utilisation targets (Northwind §6: creative 78 %, account and pm 62 %, "leadership, finance and
 *   operations: no target"); by allocation too, because someone planned onto a campaign that
 *   week is expected to log it, whatever their title. Not by hours: logging some time must not
 *   put a person into the bottom three, and logging none must not take a creative off the nudge.
 *   Inactive people are in neither list.
 * - Hours: every timesheet entry counts whatever its status (draft, submitted, approved,
 *   rejected), as in agency.v_employee_utilization and the /timesheet week view.
 * - Per person: hours on R; hours WTD; billable hours WTD; capacity to date; billable utilization
 *   = billable WTD ÷ capacity to date, a fraction (0 when capacity is 0, which the schema
 *   forbids anyway); allocated percent = the sum of team_allocations.capacity_percentage for
 *   week_start_date = Monday of R (what agency.v_employee_utilization.allocated_percent says
 *   for that week, read from the table because the view cannot filter first), 0 when none.
 * - Team: Σ hours on R, Σ hours WTD, Σ capacity to date over the people above; team billable
 *   utilization = Σ billable WTD ÷ Σ capacity to date (0 when there is no capacity).
 * - Ranking: by billable utilization; ties by name (case- and accent-insensitive, English
 *   collation), then by user id, so the order is total and stable. Top = the first three of the
 *   descending ranking. Bottom = the lowest three of the people NOT in top (ascending, lowest
 *   first), so nobody is in both: with 4–6 people bottom holds the remaining 1–3, with ≤ 3
 *   people it is empty.
 * - Over-allocated: allocated percent > 100, highest first. Under-allocated: < 50 (0 included),
 *   lowest first. Ties by name.
 * - No time logged: people with no hours on R (R is a working day by definition), by name. With
 *   a target platform and workspace, each carries their chat user id there (externalId), else
 *   null. If a person has several identities in one workspace, the earliest linked one is used.
 * - Top campaigns: up to five client campaigns by hours WTD (every entry of the tenant in the
 *   week to date, also from people who are no longer active or not counted: it is the campaign's
 *   effort), ties by name. The agency's own codes (internal client, migration 020: leave, admin,
 *   pitches) are not client campaigns and are left out; their hours still count as hours.
 * - No money: no rate, cost, bill amount, budget or margin is read or shown. A channel is not a
 *   finance view, and the application role cannot read those columns anyway.
 *
 * A channel scoped to a client (migration 028; target.channelId names the channel): the digest is
 * that client's. People: the active people with an allocation on one of the client's campaigns
 * in R's week or an entry on one WTD, whatever their role (notCounted is empty). Every hour figure
 * (per person and team, and so billable utilization = the client's billable WTD ÷ the person's
 * whole capacity to date, their share given to this client) and allocated percent count only the
 * client's campaigns; top campaigns are only the client's. Over- and under-allocated are left out:
 * they are about a person's whole week, i.e. about other clients' work. No time logged still
 * means no entry at all on R (someone who worked for another client that day has logged). Nothing
 * of another client (a name, a campaign, an hour) is read into the digest.
 *
 * Access: every read of tenant data runs in one withActor transaction as the tenant's system pm
 * (sees every timesheet and allocation of its tenant, and no money). Chat identities of other
 * people are only visible to admins, so the user ids for mentions are read in a second, narrow
 * withActor transaction as the system admin, for the people in the no-time list only.
 */
import { sql, type Kysely } from 'kysely'
import { isoDow, mondayOf, addDays } from '../dates.ts'
import { systemActor, withActor } from '../db/actor.ts'
import { findChannelClient } from '../db/channels.ts'
import type { DB, Role } from '../db/schema.ts'
import type { DigestPlatform } from '../db/digests.ts'
import type { Block, Reply } from './reply.ts'

export interface DigestPerson {
  userId: string
  name: string
  hoursOnDay: number
  hoursWeek: number
  billableWeek: number
  capacityWeek: number
  billableUtilization: number
  allocatedPercent: number
}

/** Roles whose work is client work: always counted (see People above). */
export const CLIENT_ROLES: readonly Role[] = ['pm', 'account', 'creative']

export interface DigestData {
  tenant: { id: string; slug: string; name: string }
  /** L, 'YYYY-MM-DD'. */
  postDate: string
  /** R: the working day reported on. */
  reportDate: string
  /** Monday of R's week. */
  weekStart: string
  team: { hoursOnDay: number; hoursWeek: number; capacityWeek: number; billableUtilization: number; people: number }
  /** The people counted (they log client time), sorted by name. */
  people: DigestPerson[]
  /** Active people who log no client time (leadership, finance, admin on no campaign in R's week), by name. */
  notCounted: Array<{ userId: string; name: string; role: Role }>
  top: DigestPerson[]
  bottom: DigestPerson[]
  overAllocated: DigestPerson[]
  underAllocated: DigestPerson[]
  noTimeLogged: Array<{ userId: string; name: string; externalId: string | null }>
  topCampaigns: Array<{ campaignId: string; name: string; hours: number }>
  /** The client the channel is scoped to, when it is: then every figure is that client's (see the definitions above). */
  client?: { id: string; name: string } | null
}

export const TOP_N = 3
export const TOP_CAMPAIGNS = 5
export const OVER_ALLOCATED = 100
export const UNDER_ALLOCATED = 50

const DATE = /^\d{4}-\d{2}-\d{2}$/

function assertDate(date: string): void {
  if (!DATE.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)) || new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) !== date) {
    throw new RangeError(`Not a calendar date (YYYY-MM-DD): ${JSON.stringify(date)}`)
  }
}

/** R for a digest posted on L: the last Monday–Friday strictly before L. */
export function reportDateFor(postDate: string): string {
  assertDate(postDate)
  const dow = isoDow(postDate)
  // Monday → back 3 to Friday; Sunday → back 2; every other day → the day before.
  return addDays(postDate, dow === 1 ? -3 : dow === 7 ? -2 : -1)
}

const NAME_ORDER = new Intl.Collator('en', { sensitivity: 'base' })
const byName = (a: { name: string; userId: string }, b: { name: string; userId: string }) =>
  NAME_ORDER.compare(a.name, b.name) || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0)

/** The digest's numbers for one tenant, read under RLS as the tenant's system pm (and admin, for mentions). */
export async function buildDigest(
  db: Kysely<DB>, tenantId: string, postDate: string,
  target?: { platform: DigestPlatform; workspaceId: string; channelId?: string | null },
): Promise<DigestData> {
  const reportDate = reportDateFor(postDate)
  const weekStart = mondayOf(reportDate)
  const workingDays = isoDow(reportDate) // 1..5: R is a weekday

  const read = await withActor(db, systemActor(tenantId, 'pm'), async (trx) => {
    const tenant = await trx.selectFrom('workroom.tenants').select(['id', 'slug', 'name'])
      .where('id', '=', tenantId).executeTakeFirst()
    if (!tenant) return null
    const client = target?.channelId
      ? await findChannelClient(trx, { platform: target.platform, workspaceId: target.workspaceId, channelId: target.channelId })
      : null
    const clientCampaigns = client
      ? trx.selectFrom('agency.campaigns').select('id').where('tenant_id', '=', tenantId).where('client_id', '=', client.clientId)
      : null
    const people = await trx.selectFrom('workroom.people').select(['id', 'display_name', 'weekly_capacity_hours', 'role'])
      .where('tenant_id', '=', tenantId).where('is_active', '=', true).execute()
    const hours = await trx.selectFrom('agency.timesheet_entries')
      .select([
        'user_id',
        sql<number>`coalesce(sum(hours) FILTER (WHERE entry_date = ${reportDate}::date), 0)`.as('hours_on_day'),
        sql<number>`sum(hours)`.as('hours_week'),
        sql<number>`coalesce(sum(hours) FILTER (WHERE is_billable), 0)`.as('billable_week'),
      ])
      .where('tenant_id', '=', tenantId)
      .where('entry_date', '>=', weekStart).where('entry_date', '<=', reportDate)
      .$if(clientCampaigns !== null, (qb) => qb.where('campaign_id', 'in', clientCampaigns!))
      .groupBy('user_id').execute()
    // For a client's digest, who logged anything at all on R (for "no time logged").
    const loggedOnDay = clientCampaigns ? await trx.selectFrom('agency.timesheet_entries').select('user_id').distinct()
      .where('tenant_id', '=', tenantId).where('entry_date', '=', reportDate).execute() : null
    // The same figure as agency.v_employee_utilization.allocated_percent, read from the table: the
    // view's FULL JOIN cannot filter before it aggregates, so it summed the tenant's whole history
    // for one week's rows (bench digest: 3.6 ms of a 13.6 ms digest on 12 weeks of demo data).
    const allocations = await trx.selectFrom('agency.team_allocations')
      .select(['user_id', sql<number>`sum(capacity_percentage)`.as('allocated_percent')])
      .where('tenant_id', '=', tenantId).where('week_start_date', '=', weekStart)
      .$if(clientCampaigns !== null, (qb) => qb.where('campaign_id', 'in', clientCampaigns!))
      .groupBy('user_id').execute()
    const campaigns = await trx.selectFrom('agency.timesheet_entries as t')
      .innerJoin('agency.campaigns as c', 'c.id', 't.campaign_id')
      .innerJoin('agency.clients as cl', 'cl.id', 'c.client_id')
      .select(['t.campaign_id', 'c.name', sql<number>`sum(t.hours)`.as('hours')])
      .where('t.tenant_id', '=', tenantId).where('cl.is_internal', '=', false)
      .$if(client !== null, (qb) => qb.where('c.client_id', '=', client!.clientId))
      .where('t.entry_date', '>=', weekStart).where('t.entry_date', '<=', reportDate)
      .groupBy(['t.campaign_id', 'c.name'])
      .orderBy(sql`sum(t.hours)`, 'desc').orderBy('c.name').orderBy('t.campaign_id')
      .limit(TOP_CAMPAIGNS).execute()
    return { tenant, client, people, hours, allocations, campaigns, loggedOnDay }
  })
  if (!read) throw new Error(`No tenant ${tenantId} (or it is not visible to its system actor)`)

  const hoursBy = new Map(read.hours.map((h) => [h.user_id, h]))
  const allocatedBy = new Map(read.allocations.map((a) => [a.user_id, Number(a.allocated_percent)]))
  // A client's team: on its campaigns this week (allocated, or logged WTD), whatever their role.
  const counted = read.client
    ? (p: { id: string }) => hoursBy.has(p.id) || (allocatedBy.get(p.id) ?? 0) > 0
    : (p: { id: string; role: Role }) => CLIENT_ROLES.includes(p.role) || (allocatedBy.get(p.id) ?? 0) > 0
  const scopedOut = read.client !== null
  const notCounted = scopedOut ? [] : read.people.filter((p) => !counted(p)).map((p) => ({ userId: p.id, name: p.display_name, role: p.role })).sort(byName)
  const people: DigestPerson[] = read.people.filter(counted).map((p) => {
    const h = hoursBy.get(p.id)
    const capacityWeek = (Number(p.weekly_capacity_hours) * workingDays) / 5
    const billableWeek = Number(h?.billable_week ?? 0)
    return {
      userId: p.id,
      name: p.display_name,
      hoursOnDay: Number(h?.hours_on_day ?? 0),
      hoursWeek: Number(h?.hours_week ?? 0),
      billableWeek,
      capacityWeek,
      billableUtilization: capacityWeek > 0 ? billableWeek / capacityWeek : 0,
      allocatedPercent: allocatedBy.get(p.id) ?? 0,
    }
  }).sort(byName)

  const sum = (f: (p: DigestPerson) => number) => people.reduce((n, p) => n + f(p), 0)
  const capacityWeek = sum((p) => p.capacityWeek)
  const team = {
    hoursOnDay: sum((p) => p.hoursOnDay),
    hoursWeek: sum((p) => p.hoursWeek),
    capacityWeek,
    billableUtilization: capacityWeek > 0 ? sum((p) => p.billableWeek) / capacityWeek : 0,
    people: people.length,
  }

  const descending = [...people].sort((a, b) => b.billableUtilization - a.billableUtilization || byName(a, b))
  const top = descending.slice(0, TOP_N)
  const inTop = new Set(top.map((p) => p.userId))
  const bottom = [...people].sort((a, b) => a.billableUtilization - b.billableUtilization || byName(a, b))
    .filter((p) => !inTop.has(p.userId)).slice(0, TOP_N)
  const overAllocated = scopedOut ? [] : people.filter((p) => p.allocatedPercent > OVER_ALLOCATED)
    .sort((a, b) => b.allocatedPercent - a.allocatedPercent || byName(a, b))
  const underAllocated = scopedOut ? [] : people.filter((p) => p.allocatedPercent < UNDER_ALLOCATED)
    .sort((a, b) => a.allocatedPercent - b.allocatedPercent || byName(a, b))

  const logged = read.loggedOnDay ? new Set(read.loggedOnDay.map((r) => r.user_id)) : null
  const idle = people.filter((p) => (logged ? !logged.has(p.userId) : p.hoursOnDay === 0))
  const externalIds = new Map<string, string>()
  if (target && idle.length > 0) {
    const rows = await withActor(db, systemActor(tenantId, 'admin'), (trx) => trx.selectFrom('workroom.chat_identities')
      .select(['person_id', 'external_user_id'])
      .where('tenant_id', '=', tenantId)
      .where('platform', '=', target.platform).where('workspace_id', '=', target.workspaceId)
      .where('person_id', 'in', idle.map((p) => p.userId))
      .orderBy('created_at').orderBy('external_user_id').execute())
    for (const r of rows) if (!externalIds.has(r.person_id)) externalIds.set(r.person_id, r.external_user_id)
  }

  return {
    tenant: { id: read.tenant.id, slug: read.tenant.slug, name: read.tenant.name },
    postDate, reportDate, weekStart, team, people, notCounted, top, bottom, overAllocated, underAllocated,
    noTimeLogged: idle.map((p) => ({ userId: p.userId, name: p.name, externalId: externalIds.get(p.userId) ?? null })),
    topCampaigns: read.campaigns.map((c) => ({ campaignId: c.campaign_id, name: c.name, hours: Number(c.hours) })),
    client: read.client ? { id: read.client.clientId, name: read.client.clientName ?? 'Client' } : null,
  }
}

// ---------------------------------------------------------------------------------------------
// The message

/** Above this many people the chart shows only the top and bottom, not everyone. */
export const CHART_EVERYONE_UP_TO = 12
/** Allocation lists show this many names, then "and N more". */
const LIST_MAX = 8
const BAR_CELLS = 10
const NAME_WIDTH = 18

const DAY = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' })
/** "Mon 23 Nov", as the timesheet replies write dates. */
export const dayLabel = (date: string) => DAY.format(new Date(`${date}T00:00:00Z`))

/** Hours with at most one decimal: 7.5h, 212h. */
export const hours = (n: number) => `${Math.round(n * 10) / 10}h`
/** A fraction as a rounded percentage: 0.824 → 82%. */
export const percent = (fraction: number) => `${Math.round(fraction * 100)}%`

function bar(fraction: number): string {
  const filled = Math.max(0, Math.min(BAR_CELLS, Math.round(fraction * BAR_CELLS)))
  return '▇'.repeat(filled) + '░'.repeat(BAR_CELLS - filled)
}

function shortName(name: string): string {
  return name.length <= NAME_WIDTH ? name.padEnd(NAME_WIDTH) : `${name.slice(0, NAME_WIDTH - 1)}…`
}

const chartLine = (p: DigestPerson) => `${shortName(p.name)} ${bar(p.billableUtilization)} ${percent(p.billableUtilization).padStart(4)}`

function capped(items: string[]): string[] {
  return items.length <= LIST_MAX ? items : [...items.slice(0, LIST_MAX - 1), `and ${items.length - (LIST_MAX - 1)} more`]
}

/** "leadership, finance and admin": the roles present, in a fixed order. */
function roleList(people: Array<{ role: Role }>): string {
  const roles = (['leadership', 'finance', 'admin', 'pm', 'account', 'creative'] as const).filter((r) => people.some((p) => p.role === r))
  return roles.length === 1 ? roles[0]! : `${roles.slice(0, -1).join(', ')} and ${roles.at(-1)!}`
}

/** The digest as a platform-neutral, in-channel Reply: compact, plain characters, no money. */
export function digestReply(d: DigestData): Reply {
  const day = dayLabel(d.reportDate)
  const who = d.client ? `${d.client.name} team` : 'Team'
  const summary = `${who} utilization for ${day}: ${percent(d.team.billableUtilization)} billable, ${hours(d.team.hoursWeek)} logged this week${d.client ? ` on ${d.client.name}` : ''}.`
  const blocks: Block[] = [
    { type: 'header', text: `${who} utilization · ${day}` },
    { type: 'fields', fields: [
      { label: 'Hours yesterday', value: hours(d.team.hoursOnDay) },
      { label: 'Hours this week', value: `${hours(d.team.hoursWeek)} of ${hours(d.team.capacityWeek)} capacity` },
      { label: 'Billable utilization', value: percent(d.team.billableUtilization) },
      { label: 'People', value: String(d.team.people) },
    ] },
  ]

  if (d.people.length > 0 && d.people.length <= CHART_EVERYONE_UP_TO) {
    // Everyone, alphabetically (find yourself); the ranking follows as Top and Bottom.
    blocks.push({ type: 'list', title: 'Billable utilization, week to date', items: d.people.map(chartLine) })
    if (d.top.length) blocks.push({ type: 'list', title: 'Top', items: d.top.map((p) => `${p.name} ${percent(p.billableUtilization)}`) })
    if (d.bottom.length) blocks.push({ type: 'list', title: 'Bottom', items: d.bottom.map((p) => `${p.name} ${percent(p.billableUtilization)}`) })
  } else if (d.people.length > CHART_EVERYONE_UP_TO) {
    // Too many for one line each: the chart is the top and the bottom.
    blocks.push({ type: 'list', title: 'Top, billable utilization week to date', items: d.top.map(chartLine) })
    if (d.bottom.length) blocks.push({ type: 'list', title: 'Bottom', items: d.bottom.map(chartLine) })
  }

  const allocation = (p: DigestPerson) => `${p.name} ${Math.round(p.allocatedPercent)}%`
  if (d.overAllocated.length) {
    blocks.push({ type: 'list', title: `Over-allocated this week (over ${OVER_ALLOCATED}%)`, items: capped(d.overAllocated.map(allocation)) })
  }
  if (d.underAllocated.length) {
    blocks.push({ type: 'list', title: `Under-allocated this week (under ${UNDER_ALLOCATED}%)`, items: capped(d.underAllocated.map(allocation)) })
  }
  if (d.noTimeLogged.length) {
    blocks.push({ type: 'mentions', label: 'No time logged yesterday:', people: d.noTimeLogged.map((p) => ({ name: p.name, externalId: p.externalId })) })
  }
  if (d.topCampaigns.length) {
    blocks.push({ type: 'list', title: 'Top campaigns this week', items: d.topCampaigns.map((c) => `${c.name} · ${hours(c.hours)}`) })
  }
  const yesterday = d.reportDate === addDays(d.postDate, -1) ? '' : ` "Yesterday" is ${day}, the last working day.`
  const notCounted = d.notCounted.length === 0 ? ''
    : ` ${d.notCounted.length === 1 ? '1 person' : `${d.notCounted.length} people`} in ${roleList(d.notCounted)} on no campaign this week ${d.notCounted.length === 1 ? 'is' : 'are'} not counted.`
  blocks.push({
    type: 'context',
    text: `Week to date: ${dayLabel(d.weekStart)} to ${day}.${d.client ? ` Only ${d.client.name}'s campaigns and the people on them this week: hours on them, and billable hours on them ÷ each person's capacity.` : ''} Hours and utilization only, no money figures.${yesterday}${notCounted}`,
  })
  return { summary, blocks, visibility: 'in_channel' }
}
