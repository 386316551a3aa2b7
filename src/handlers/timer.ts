/**
 * Timers: `/timesheet start Aurora Air`, `/timesheet stop`. The running timer is a row of
 * workroom.timers (migration 027), the person's own under row security, one at most. Stopping
 * logs one entry through logTime with the timer's id as its reference (`timer:<id>`) and deletes
 * the row in the same transaction, which locks it first: a second stop, however close behind,
 * finds nothing to stop, and the entry cannot be written twice.
 *
 * Elapsed time is rounded by the agency's rule (workroom.tenants.timer_round_minutes and
 * timer_round_up): Northwind's policy, up to the next 15 minutes, is the default. A timer still
 * running from an earlier day is not logged silently: stop asks, with buttons, whether to log it
 * up to that day's midnight or to discard it.
 */
import { sql } from 'kysely'
import type { Actor, ActorTx } from '../db/actor.ts'
import type { EntrySource } from '../db/schema.ts'
import { findCampaignWithNote, visibleCampaign, type CampaignCandidate } from './campaign-match.ts'
import { DEFAULT_TIMESHEET_SETTINGS, logTime, type LogResult, type TimesheetSettings } from './timesheet.ts'

export interface RoundingRule {
  /** Minutes to round to: 15 (Northwind), 6 (Southpaw: tenths of an hour). */
  minutes: number
  /** Up to the next step (Northwind's "always round up"), or to the nearest (Southpaw's). */
  up: boolean
}

export const DEFAULT_ROUNDING: RoundingRule = { minutes: 15, up: true }

/**
 * Hours for an elapsed time under the rule. Rounding up counts any started step (a 20-minute call
 * is 0.5 h at 15 minutes; a timer stopped after 5 seconds is one step); rounding to the nearest
 * may give 0, which logs nothing. Whole seconds only: a clock skew of milliseconds adds no step.
 */
export function roundElapsed(ms: number, rule: RoundingRule): number {
  const seconds = Math.max(0, Math.floor(ms / 1000))
  const step = rule.minutes * 60
  const steps = rule.up ? Math.ceil(seconds / step) : Math.round(seconds / step)
  return Math.round(steps * rule.minutes * 100 / 60) / 100
}

export interface RunningTimer {
  id: string
  campaignId: string
  /** Null when the campaign is no longer visible to the person. */
  campaign: string | null
  phase: string | null
  note: string | null
  billable: boolean
  startedAt: Date
  /** The person's local date it started on. */
  startedOn: string
  /** Milliseconds from the start to the midnight that ended startedOn, in the person's zone. */
  toMidnightMs: number
}

/** The actor's running timer, locked when `lock` (a stop), or null. */
export async function runningTimer(trx: ActorTx, actor: Actor, timezone: string, lock = false): Promise<RunningTimer | null> {
  const q = sql<{ id: string; campaign_id: string; name: string | null; phase: string | null; note: string | null; billable: boolean; started_at: Date; started_on: string; to_midnight: number }>`
    SELECT t.id, t.campaign_id, c.name, t.phase, t.note, t.billable, t.started_at,
           (t.started_at AT TIME ZONE ${timezone})::date AS started_on,
           extract(epoch FROM ((((t.started_at AT TIME ZONE ${timezone})::date + 1)::timestamp AT TIME ZONE ${timezone}) - t.started_at))::float8 AS to_midnight
      FROM workroom.timers t LEFT JOIN agency.campaigns c ON c.id = t.campaign_id
     WHERE t.person_id = ${actor.userId}
     ${lock ? sql`FOR UPDATE OF t` : sql``}`
  const row = (await q.execute(trx)).rows[0]
  if (!row) return null
  return {
    id: row.id, campaignId: row.campaign_id, campaign: row.name, phase: row.phase, note: row.note, billable: row.billable,
    startedAt: new Date(row.started_at), startedOn: row.started_on, toMidnightMs: Number(row.to_midnight) * 1000,
  }
}

export async function roundingRule(trx: ActorTx, actor: Actor): Promise<RoundingRule> {
  const row = await trx.selectFrom('workroom.tenants').select(['timer_round_minutes', 'timer_round_up']).where('id', '=', actor.tenantId).executeTakeFirst()
  return row ? { minutes: row.timer_round_minutes, up: row.timer_round_up } : DEFAULT_ROUNDING
}

export interface TimerContext {
  now: Date
  /** 'YYYY-MM-DD' in the person's zone. */
  today: string
  timezone: string
  source: EntrySource
  settings?: TimesheetSettings
}

export interface StopOptions {
  /** A button names the timer it was offered for: another (newer) timer is not stopped by it. */
  timerId?: string
  /** For a timer from an earlier day: log it up to that day's midnight, or drop it. */
  pastMidnight?: 'midnight' | 'discard'
  /** "Log it anyway" for a long day. */
  confirmed?: boolean
}

export type StopResult =
  | { kind: 'no_timer'; named: boolean }
  /** log: what logTime said; the timer is gone only when it logged (or had logged) the entry. */
  | { kind: 'stopped'; timer: RunningTimer; hours: number; elapsedMs: number; rule: RoundingRule; log: LogResult }
  /** Rounded to nothing (rounding to the nearest step): nothing logged, the timer is gone. */
  | { kind: 'too_short'; timer: RunningTimer; elapsedMs: number; rule: RoundingRule }
  | { kind: 'discarded'; timer: RunningTimer }
  /** Still running from an earlier day: nothing logged until the person says how. */
  | { kind: 'past_midnight'; timer: RunningTimer; untilMidnight: number; elapsedMs: number }

/** Stops the actor's timer and logs it, once. See the file's comment. */
export async function stopTimer(trx: ActorTx, actor: Actor, ctx: TimerContext, options: StopOptions = {}): Promise<StopResult> {
  const timer = await runningTimer(trx, actor, ctx.timezone, true)
  if (!timer || (options.timerId !== undefined && options.timerId !== timer.id)) return { kind: 'no_timer', named: options.timerId !== undefined }
  const remove = () => trx.deleteFrom('workroom.timers').where('person_id', '=', actor.userId).where('id', '=', timer.id).execute()
  const rule = await roundingRule(trx, actor)
  const elapsedMs = ctx.now.getTime() - timer.startedAt.getTime()
  if (options.pastMidnight === 'discard') {
    await remove()
    return { kind: 'discarded', timer }
  }
  const overnight = timer.startedOn < ctx.today
  if (overnight && options.pastMidnight !== 'midnight') {
    return { kind: 'past_midnight', timer, untilMidnight: Math.min(24, roundElapsed(timer.toMidnightMs, rule)), elapsedMs }
  }
  const counted = overnight ? timer.toMidnightMs : elapsedMs
  const hours = Math.min(24, roundElapsed(counted, rule))
  if (hours === 0) {
    await remove()
    return { kind: 'too_short', timer, elapsedMs, rule }
  }
  const log = await logTime(trx, actor, {
    hours, date: timer.startedOn, campaignQuery: timer.campaign ?? 'that campaign', campaignId: timer.campaignId,
    phase: timer.phase, note: timer.note, billable: timer.billable,
    ...(options.confirmed ? { confirmedLongDayFor: actor.userId } : {}),
  }, { today: ctx.today, requestId: `timer:${timer.id}`, source: ctx.source, settings: ctx.settings ?? DEFAULT_TIMESHEET_SETTINGS })
  // Anything else (a long day to confirm, a locked week, a full day) leaves the timer running, so
  // the person can answer the question or discard it, and it still logs only once.
  if (log.kind === 'logged' || log.kind === 'duplicate') await remove()
  return { kind: 'stopped', timer, hours, elapsedMs: counted, rule, log }
}

export interface StartRequest {
  campaignQuery: string
  phase: string | null
  note: string | null
  billable: boolean
  /** Picked from buttons: skips matching. */
  campaignId?: string
}

export type StartResult =
  /** stopped: the timer that was running before, stopped and logged first. */
  | { kind: 'started'; campaign: CampaignCandidate; startedAt: Date; stopped?: StopResult }
  | { kind: 'already_running'; timer: RunningTimer }
  /** The running timer could not be stopped without asking (it ran past midnight, or makes a long day): nothing started. */
  | { kind: 'stop_first'; stopped: StopResult }
  | { kind: 'choose_campaign'; request: StartRequest; campaigns: CampaignCandidate[] }
  | { kind: 'unknown_campaign'; query: string; suggestions: CampaignCandidate[]; request: StartRequest }
  | { kind: 'inactive_campaign'; campaign: CampaignCandidate }

const STARTABLE = new Set(['active', 'on_hold', 'planning'])

/**
 * Starts a timer on a campaign matched as logging matches one. A timer already running on another
 * campaign is stopped and logged first (as Toggl and Clockify switch), unless that needs a question
 * (past midnight, a long day): then nothing starts and the question is asked.
 */
export async function startTimer(trx: ActorTx, actor: Actor, req: StartRequest, ctx: TimerContext): Promise<StartResult> {
  let campaign: CampaignCandidate
  let note = req.note
  if (req.campaignId) {
    const picked = await visibleCampaign(trx, req.campaignId)
    if (!picked) return { kind: 'unknown_campaign', query: req.campaignQuery, suggestions: [], request: req }
    campaign = picked
  } else {
    const match = await findCampaignWithNote(trx, req.campaignQuery)
    if (match.kind === 'none') return { kind: 'unknown_campaign', query: req.campaignQuery, suggestions: match.suggestions, request: req }
    if (match.kind === 'several') return { kind: 'choose_campaign', request: req, campaigns: match.campaigns }
    campaign = match.campaign
    if (match.kind === 'one_with_note') note = [match.note, req.note].filter((p) => p).join(' - ')
  }
  if (!STARTABLE.has(campaign.status)) return { kind: 'inactive_campaign', campaign }
  const running = await runningTimer(trx, actor, ctx.timezone, true)
  let stopped: StopResult | undefined
  if (running) {
    if (running.campaignId === campaign.id && running.startedOn === ctx.today) return { kind: 'already_running', timer: running }
    stopped = await stopTimer(trx, actor, ctx, { timerId: running.id })
    const gone = stopped.kind === 'too_short' || (stopped.kind === 'stopped' && (stopped.log.kind === 'logged' || stopped.log.kind === 'duplicate'))
    if (!gone) return { kind: 'stop_first', stopped }
  }
  await trx.insertInto('workroom.timers').values({
    person_id: actor.userId, tenant_id: actor.tenantId, campaign_id: campaign.id, phase: req.phase, note, billable: req.billable, started_at: ctx.now,
  }).execute()
  return { kind: 'started', campaign, startedAt: ctx.now, ...(stopped ? { stopped } : {}) }
}
