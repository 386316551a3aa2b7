/**
 * The end-of-day reminder, as the person sees it: `/timesheet remind on|off|at 17:30`, the Snooze
 * button, and the reminder's own content (their hours, their usual campaigns as "Log 2h to X"
 * buttons). Everything here runs inside the person's actor transaction: their settings row and
 * their entries are theirs alone under row security (migration 027). Deciding who is due, once a
 * day across replicas, is the tick's (src/reminders.ts).
 */
import { sql } from 'kysely'
import { code, strong, t } from '../chat/text.ts'
import type { Actor, ActorTx } from '../db/actor.ts'
import { reply, type Block, type Reply } from './reply.ts'

export interface ReminderSetting {
  enabled: boolean
  /** 'HH:MM' in the person's zone; null: the default, 17:30. */
  at: string | null
  timezone: string
}

export const DEFAULT_REMIND_AT = '17:30'

export async function reminderSetting(trx: ActorTx, actor: Actor, timezone: string): Promise<ReminderSetting> {
  const row = await trx.selectFrom('workroom.reminder_settings').select(['enabled', 'remind_at']).where('person_id', '=', actor.userId).executeTakeFirst()
  return { enabled: row?.enabled ?? true, at: row?.remind_at?.slice(0, 5) ?? null, timezone }
}

/** `/timesheet remind on|off|at HH:MM`: writes the person's own row (row security: nobody else's). */
export async function setReminder(trx: ActorTx, actor: Actor, change: { enabled: boolean; at?: string }, now: Date, timezone: string): Promise<ReminderSetting> {
  const values = { enabled: change.enabled, ...(change.at ? { remind_at: change.at } : {}), updated_at: now }
  await trx.insertInto('workroom.reminder_settings')
    .values({ person_id: actor.userId, tenant_id: actor.tenantId, remind_at: null, ...values })
    .onConflict((oc) => oc.column('person_id').doUpdateSet(values))
    .execute()
  return reminderSetting(trx, actor, timezone)
}

/** The Snooze button: today's reminder comes again after `minutes`. */
export async function snoozeReminder(trx: ActorTx, actor: Actor, minutes: number, now: Date): Promise<Date> {
  const until = new Date(now.getTime() + minutes * 60_000)
  await trx.insertInto('workroom.reminder_settings')
    .values({ person_id: actor.userId, tenant_id: actor.tenantId, remind_at: null, snoozed_until: until, updated_at: now })
    .onConflict((oc) => oc.column('person_id').doUpdateSet({ snoozed_until: until, updated_at: now }))
    .execute()
  return until
}

export interface UsualCampaign { id: string; name: string }

/**
 * The campaigns the person logged most hours to in the four weeks before `date`, still open to
 * logging and visible to them: the reminder's one-click buttons.
 */
export async function usualCampaigns(trx: ActorTx, actor: Actor, date: string, limit = 3): Promise<UsualCampaign[]> {
  const { rows } = await sql<UsualCampaign>`
    SELECT c.id, c.name
      FROM agency.timesheet_entries e JOIN agency.campaigns c ON c.id = e.campaign_id
     WHERE e.user_id = ${actor.userId} AND e.entry_date > ${date}::date - 28 AND e.entry_date <= ${date}::date
       AND c.status IN ('active', 'on_hold', 'planning')
       AND (c.start_date IS NULL OR c.start_date <= ${date}::date) AND (c.end_date IS NULL OR c.end_date >= ${date}::date)
     GROUP BY c.id, c.name
     ORDER BY sum(e.hours) DESC, c.name
     LIMIT ${limit}`.execute(trx)
  return rows
}

export interface ReminderContent {
  personId: string
  /** The person's local date the reminder is for. */
  date: string
  /** Friday: the week (Monday to Friday) against capacity; other days: the day against a usual day. */
  weekly: boolean
  logged: number
  target: number
  campaigns: UsualCampaign[]
}

const h = (n: number) => `${Number.isInteger(n) ? n : n.toFixed(2).replace(/0$/, '')}h`
export const SNOOZE_MINUTES = 60

/**
 * The reminder DM. Its "Log 2h to X" buttons are the same action as the campaign choice buttons
 * (timesheet.choose), so a click logs through logTime like `/timesheet 2h X`, offered to this
 * person only and for the reminder's day.
 */
export function reminderReply(c: ReminderContent): Reply {
  const missing = Math.max(0, c.target - c.logged)
  // Two hours, or what is missing when that is less, in quarter hours.
  const step = Math.max(0.25, Math.min(2, Math.floor(missing * 4) / 4))
  const summary = c.weekly
    ? `Your week so far: ${h(c.logged)} logged of ${h(c.target)}.`
    : `Today: ${h(c.logged)} logged of your usual ${h(c.target)}.`
  const buttons = c.campaigns.map((campaign) => ({
    label: `Log ${h(step)} to ${campaign.name}`,
    actionId: 'timesheet.choose',
    payload: JSON.stringify({ hours: step, date: c.date, campaignQuery: campaign.name, campaignId: campaign.id, phase: null, note: null, billable: true, offeredTo: c.personId }),
  }))
  const blocks: Block[] = [
    { type: 'text', text: t`${strong('Timesheet reminder')} · ${summary}` },
    ...(buttons.length ? [{ type: 'buttons', buttons } satisfies Block] : []),
    { type: 'buttons', buttons: [{ label: 'Snooze 1 hour', actionId: 'timesheet.snooze', payload: String(SNOOZE_MINUTES) }] },
    { type: 'context', text: t`Log anything else with ${code('/timesheet 2h Aurora Air')}. ${code('/timesheet remind off')} stops these; ${code('/timesheet remind at 17:00')} moves them.` },
  ]
  return reply(`Timesheet reminder: ${summary}`, blocks)
}

export function snoozeReply(until: Date, timezone: string): Reply {
  const at = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: timezone }).format(until)
  return reply(`Snoozed: I'll remind you again at ${at} if you are still short.`)
}
