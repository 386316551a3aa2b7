/**
 * /timesheet: log, show the week, undo. Every read and write runs inside the actor's transaction,
 * so RLS decides which campaigns can be matched and whose entries can be seen or undone.
 */
import { sql } from 'kysely'
import { addDays } from '../dates.ts'
import type { Actor, ActorTx } from '../db/actor.ts'
import type { EntrySource } from '../db/schema.ts'
import { findCampaignNamed, findCampaignWithNote, LOGGABLE_STATUSES, visibleCampaign, type CampaignCandidate } from './campaign-match.ts'

export interface TimesheetSettings {
  /** Entries older than this many days are locked (Northwind's policy: 14). */
  lockDays: number
  /** How long after logging an entry `/timesheet undo` may remove it. */
  undoWindowMinutes: number
}

export const DEFAULT_TIMESHEET_SETTINGS: TimesheetSettings = { lockDays: 14, undoWindowMinutes: 60 * 24 }

/**
 * A day longer than this is asked about before it is logged: 12 hours, or one and a half times
 * the person's usual day (weekly capacity over five days) when that is longer. 40 h a week gives
 * 12 h; nobody's limit is below 12 h, so a part-timer's full day is never questioned.
 */
export const longDayHours = (weeklyCapacity: number): number => Math.max(12, (1.5 * weeklyCapacity) / 5)

interface Entry {
  /** Per day, when the request names several. */
  hours: number
  campaignQuery: string
  phase: string | null
  note: string | null
  billable: boolean
  /** Set when the person picked a campaign from buttons: skips matching. */
  campaignId?: string
  /**
   * Set by the "Log it anyway" button to the id of the person whose long day it confirms: their
   * day may then go past longDayHours. A colleague's click on it logs nothing.
   */
  confirmedLongDayFor?: string
  /**
   * Set on the choice buttons ("which campaign?") to the person they were offered to. They show
   * wherever the question was posted (a Teams channel): a colleague's click logs nothing for them.
   */
  offeredTo?: string
}

/**
 * One entry on one day, or the same entry on each of several days ("mon-wed 2h"): all of them or
 * none, in the caller's one transaction.
 */
export type LogRequest = Entry & ({ date: string; dates?: never } | { dates: string[]; date?: never })

export interface LogContext {
  today: string
  /** The platform's delivery id; the same id never logs twice. */
  requestId: string
  source: EntrySource
  settings?: TimesheetSettings
}

export type LogResult =
  /** note: as stored, when there is one (it may have come from words after the campaign's name). */
  | { kind: 'logged'; entryId: string; hours: number; date: string; campaign: CampaignCandidate; phase: string | null; billable: boolean; dayTotal: number; note?: string | null }
  /** Several days at once: one entry per day, ascending. */
  | { kind: 'logged_days'; entries: Array<{ entryId: string; date: string; dayTotal: number }>; hours: number; campaign: CampaignCandidate; phase: string | null; billable: boolean; note?: string | null }
  | { kind: 'duplicate'; entryId: string }
  | { kind: 'choose_campaign'; request: LogRequest; campaigns: CampaignCandidate[] }
  /** `request`: what to log if the person picks one of the suggestions. */
  | { kind: 'unknown_campaign'; query: string; suggestions: CampaignCandidate[]; request?: LogRequest }
  | { kind: 'inactive_campaign'; campaign: CampaignCandidate }
  | { kind: 'outside_campaign_dates'; campaign: CampaignCandidate; date: string }
  | { kind: 'unknown_phase'; campaign: CampaignCandidate; phase: string; phases: string[] }
  | { kind: 'day_over_24'; date: string; alreadyLogged: number; hours: number }
  /**
   * Nothing written: the days below would go past the person's long-day limit. `request` is the
   * same request with the campaign and note resolved, confirmed for this person: sent back by the
   * "Log it anyway" button, it logs exactly this.
   */
  | { kind: 'long_day'; request: LogRequest; campaign: CampaignCandidate; days: Array<{ date: string; total: number }>; usualDay: number; limit: number }
  /** A "Log it anyway" button clicked by someone other than the person it asked. */
  | { kind: 'not_your_confirmation' }
  /** A "which campaign?" button offered to someone else. */
  | { kind: 'not_your_choice' }
  | { kind: 'locked_period'; date: string; lockDays: number }
  | { kind: 'future_date'; date: string }

const LOGGABLE = new Set<string>(LOGGABLE_STATUSES)

/**
 * A day's entries from one request with several days are stored as `<request id>#<date>`: the
 * same request never logs twice, and undo knows the entries that belong together.
 */
const batchRef = (requestId: string, date: string) => `${requestId}#${date}`
const BATCH_REF = /#\d{4}-\d{2}-\d{2}$/

export async function logTime(trx: ActorTx, actor: Actor, req: LogRequest, ctx: LogContext): Promise<LogResult> {
  const settings = ctx.settings ?? DEFAULT_TIMESHEET_SETTINGS
  // The button shows wherever the question was posted (a Teams channel): it confirms its owner's day only.
  if (req.confirmedLongDayFor !== undefined && req.confirmedLongDayFor !== actor.userId) return { kind: 'not_your_confirmation' }
  if (req.offeredTo !== undefined && req.offeredTo !== actor.userId) return { kind: 'not_your_choice' }
  const dates = req.dates ? [...new Set(req.dates)].sort() : [req.date]
  const refs = req.dates ? dates.map((d) => batchRef(ctx.requestId, d)) : [ctx.requestId]
  // One round trip: this person's days locked, so two messages arriving together cannot both pass
  // the 24 h check below (in date order, so two requests over overlapping days cannot deadlock),
  // and an earlier delivery of this request looked for. The lock is held to the end of the
  // transaction; the totals are read after it, in a statement of their own (a statement sees what
  // was committed when it began, and this one began before it waited for the lock).
  const { rows: [first] } = await sql<{ existing: string | null }>`
    SELECT (SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) FROM unnest(${dates.map((d) => `${actor.userId}:${d}`)}::text[]) AS k) AS locked,
           (SELECT id FROM agency.timesheet_entries WHERE source = ${ctx.source} AND external_ref = ANY(${refs}::text[])
             ORDER BY entry_date LIMIT 1) AS existing`.execute(trx)
  if (first?.existing) return { kind: 'duplicate', entryId: first.existing }
  const future = dates.find((d) => d > ctx.today)
  if (future) return { kind: 'future_date', date: future }
  const locked = dates.find((d) => d < addDays(ctx.today, -settings.lockDays))
  if (locked) return { kind: 'locked_period', date: locked, lockDays: settings.lockDays }

  let campaign: CampaignCandidate
  let note = req.note
  if (req.campaignId) {
    const picked = await visibleCampaign(trx, req.campaignId)
    if (!picked) return { kind: 'unknown_campaign', query: req.campaignQuery, suggestions: [] }
    campaign = picked
  } else {
    // "aurora spring launch fixing the deck": the campaign, then a note typed without " - ".
    const match = await findCampaignWithNote(trx, req.campaignQuery)
    if (match.kind === 'none') return { kind: 'unknown_campaign', query: req.campaignQuery, suggestions: match.suggestions, request: { ...req, offeredTo: actor.userId } }
    if (match.kind === 'several') return { kind: 'choose_campaign', request: { ...req, offeredTo: actor.userId }, campaigns: match.campaigns }
    campaign = match.campaign
    if (match.kind === 'one_with_note') note = [match.note, req.note].filter((p) => p).join(' - ')
  }
  if (!LOGGABLE.has(campaign.status)) return { kind: 'inactive_campaign', campaign }
  const outside = dates.find((d) => (campaign.startDate && d < campaign.startDate) || (campaign.endDate && d > campaign.endDate))
  if (outside) return { kind: 'outside_campaign_dates', campaign, date: outside }

  let phaseId: string | null = null
  if (req.phase) {
    const phases = await trx.selectFrom('agency.campaign_phases').select(['id', 'name']).where('campaign_id', '=', campaign.id).orderBy('phase_order').execute()
    const phase = phases.find((p) => p.name.toLowerCase() === req.phase!.toLowerCase())
    if (!phase) return { kind: 'unknown_phase', campaign, phase: req.phase, phases: phases.map((p) => p.name) }
    phaseId = phase.id
  }

  // The days' totals (locked above) and the person's weekly capacity, in one round trip.
  const { rows: [day] } = await sql<{ totals: Record<string, number> | null; capacity: number | null }>`
    SELECT (SELECT json_object_agg(to_char(entry_date, 'YYYY-MM-DD'), total) FROM (
              SELECT entry_date, sum(hours) AS total FROM agency.timesheet_entries
               WHERE user_id = ${actor.userId} AND entry_date = ANY(${dates}::date[]) GROUP BY entry_date) t) AS totals,
           (SELECT weekly_capacity_hours FROM workroom.people WHERE id = ${actor.userId}) AS capacity`.execute(trx)
  const logged = (d: string) => Number(day?.totals?.[d] ?? 0)
  const full = dates.find((d) => logged(d) + req.hours > 24)
  if (full) return { kind: 'day_over_24', date: full, alreadyLogged: logged(full), hours: req.hours }
  if (req.confirmedLongDayFor !== actor.userId) {
    const capacity = Number(day?.capacity ?? DEFAULT_WEEKLY_CAPACITY)
    const limit = longDayHours(capacity)
    const long = dates.filter((d) => logged(d) + req.hours > limit)
    if (long.length > 0) {
      // The campaign's name for the text typed: the id decides, and a button's payload is short (2,000 characters on Slack).
      const request: LogRequest = { ...req, campaignQuery: campaign.name, note, campaignId: campaign.id, confirmedLongDayFor: actor.userId }
      return { kind: 'long_day', request, campaign, days: long.map((d) => ({ date: d, total: logged(d) + req.hours })), usualDay: capacity / 5, limit }
    }
  }

  // Rates are left out: migration 011 snapshots the person's rates (which this role cannot read).
  const entries: Array<{ entryId: string; date: string; dayTotal: number }> = []
  // What was stored, not what was asked: time on the agency's own codes is never billable (020).
  let billable = req.billable
  for (const [i, date] of dates.entries()) {
    const inserted = await trx.insertInto('agency.timesheet_entries').values({
      tenant_id: actor.tenantId, user_id: actor.userId, campaign_id: campaign.id, phase_id: phaseId,
      entry_date: date, hours: req.hours, is_billable: req.billable, description: note,
      // Logged, not yet handed in: `/timesheet submit` submits the week for approval.
      status: 'draft', source: ctx.source, external_ref: refs[i]!,
    }).onConflict((oc) => oc.columns(['tenant_id', 'source', 'external_ref']).where('external_ref', 'is not', null).doNothing())
      .returning(['id', 'is_billable']).executeTakeFirst()
    if (!inserted) {
      // The same delivery raced us between the check above and the insert; it wrote every day
      // (one transaction), so the first insert is the one that finds it.
      if (i > 0) throw new Error(`logTime: ${refs[i]} was written by another transaction after ${refs[0]} was not`)
      const winner = await trx.selectFrom('agency.timesheet_entries').select('id')
        .where('source', '=', ctx.source).where('external_ref', '=', refs[0]!).executeTakeFirstOrThrow()
      return { kind: 'duplicate', entryId: winner.id }
    }
    billable = inserted.is_billable
    entries.push({ entryId: inserted.id, date, dayTotal: logged(date) + req.hours })
  }
  if (entries.length === 1) {
    const [only] = entries as [typeof entries[number]]
    return { kind: 'logged', entryId: only.entryId, hours: req.hours, date: only.date, campaign, phase: req.phase, billable, dayTotal: only.dayTotal, note }
  }
  return { kind: 'logged_days', entries, hours: req.hours, campaign, phase: req.phase, billable, note }
}

export interface WeekEntry {
  id: string
  hours: number
  campaign: string
  billable: boolean
  note: string | null
  phase?: string | null
  /** Logged within the undo window, so its Undo button still works. */
  undoable?: boolean
  /** One day of a range logged together ("mon-wed 2h"), which undo removes together. */
  inRange?: boolean
}

export interface WeekDay {
  date: string
  hours: number
  entries: WeekEntry[]
}

export interface WeekResult {
  kind: 'week'
  weekOf: string
  days: WeekDay[]
  total: number
  capacity: number
}

/**
 * The actor's week, Monday to Sunday, against their weekly capacity, entry by entry. With `now`,
 * entries logged within the undo window are marked undoable.
 */
export async function weekView(trx: ActorTx, actor: Actor, weekOf: string, now?: Date, settings: TimesheetSettings = DEFAULT_TIMESHEET_SETTINGS): Promise<WeekResult> {
  const sunday = addDays(weekOf, 6)
  const since = now ? new Date(now.getTime() - settings.undoWindowMinutes * 60_000) : null
  const rows = await trx.selectFrom('agency.timesheet_entries as t')
    .innerJoin('agency.campaigns as c', 'c.id', 't.campaign_id')
    .leftJoin('agency.campaign_phases as p', 'p.id', 't.phase_id')
    .select(['t.id', 't.entry_date', 't.hours', 't.is_billable', 't.description', 't.created_at', 't.external_ref', 'c.name', 'p.name as phase'])
    .where('t.user_id', '=', actor.userId).where('t.entry_date', '>=', weekOf).where('t.entry_date', '<=', sunday)
    .orderBy('t.entry_date').orderBy('t.created_at').execute()
  const person = await trx.selectFrom('workroom.people').select('weekly_capacity_hours').where('id', '=', actor.userId).executeTakeFirst()
  const days: WeekDay[] = Array.from({ length: 7 }, (_, i) => ({ date: addDays(weekOf, i), hours: 0, entries: [] }))
  for (const r of rows) {
    const day = days.find((d) => d.date === r.entry_date)!
    day.hours += r.hours
    day.entries.push({
      id: r.id, hours: r.hours, campaign: r.name, billable: r.is_billable, note: r.description, phase: r.phase,
      undoable: since !== null && new Date(r.created_at) >= since, inRange: BATCH_REF.test(r.external_ref ?? ''),
    })
  }
  return { kind: 'week', weekOf, days, total: days.reduce((n, d) => n + d.hours, 0), capacity: person?.weekly_capacity_hours ?? 40 }
}

export type UndoResult =
  /** dates: every day of a request that logged several ("mon-wed 2h"), which are undone together. */
  | { kind: 'undone'; hours: number; date: string; campaign: string; dates?: string[] }
  /** entryNamed: an Undo button named the entry, and it is not (or no longer) the actor's to remove. */
  | { kind: 'nothing_to_undo'; windowMinutes: number; entryNamed?: true }

const ownEntries = (trx: ActorTx, actor: Actor) => trx.selectFrom('agency.timesheet_entries as t')
  .innerJoin('agency.campaigns as c', 'c.id', 't.campaign_id')
  .leftJoin('agency.campaign_phases as p', 'p.id', 't.phase_id')
  .select(['t.id', 't.hours', 't.entry_date', 't.description', 't.external_ref', 't.source', 't.campaign_id', 'c.name', 'p.name as phase'])
  .where('t.user_id', '=', actor.userId)

/** The actor's most recent entry logged within the undo window, or one of them by id (an Undo button). */
async function recentEntry(trx: ActorTx, actor: Actor, now: Date, settings: TimesheetSettings, entryId?: string) {
  const since = new Date(now.getTime() - settings.undoWindowMinutes * 60_000)
  let q = ownEntries(trx, actor).where('t.created_at', '>=', since)
  if (entryId) q = q.where('t.id', '=', entryId)
  return q.orderBy('t.created_at', 'desc').limit(1).executeTakeFirst()
}

/**
 * The actor's entry whose id starts with `ref` (`edit #1a2b3c4d`), however long ago it was logged:
 * the person named it. Undefined when none, or several, start so.
 */
async function entryByRef(trx: ActorTx, actor: Actor, ref: string) {
  // A uuid as text, compared by prefix: the ref is hex and dashes only (the parser), no pattern characters.
  const rows = await ownEntries(trx, actor).where(sql<boolean>`starts_with(t.id::text, ${ref})`).limit(2).execute()
  return rows.length === 1 ? rows[0] : undefined
}

export interface EntryToEdit { id: string; hours: number; date: string; campaign: string }

/** One of the actor's own entries, for the week view's Edit button. */
export async function entryToEdit(trx: ActorTx, actor: Actor, entryId: string): Promise<EntryToEdit | null> {
  const row = await ownEntries(trx, actor).where('t.id', '=', entryId).executeTakeFirst()
  return row ? { id: row.id, hours: row.hours, date: row.entry_date, campaign: row.name } : null
}

/** Removes the actor's most recent entry (or the one an Undo button names) within the undo window. */
export async function undoLast(trx: ActorTx, actor: Actor, now: Date, settings: TimesheetSettings = DEFAULT_TIMESHEET_SETTINGS, entryId?: string): Promise<UndoResult> {
  const last = await recentEntry(trx, actor, now, settings, entryId)
  if (!last) return { kind: 'nothing_to_undo', windowMinutes: settings.undoWindowMinutes, ...(entryId ? { entryNamed: true as const } : {}) }
  if (last.external_ref && BATCH_REF.test(last.external_ref)) {
    const request = last.external_ref.replace(BATCH_REF, '')
    // starts_with, not LIKE: a platform's request id may hold % or _.
    const removed = await trx.deleteFrom('agency.timesheet_entries').where('user_id', '=', actor.userId).where('source', '=', last.source)
      .where(sql<boolean>`starts_with(external_ref, ${`${request}#`})`).returning(['entry_date', 'external_ref']).execute()
    const dates = removed.filter((r) => BATCH_REF.test(r.external_ref ?? '')).map((r) => r.entry_date).sort()
    return { kind: 'undone', hours: last.hours, date: dates[0] ?? last.entry_date, campaign: last.name, ...(dates.length > 1 ? { dates } : {}) }
  }
  await trx.deleteFrom('agency.timesheet_entries').where('id', '=', last.id).where('user_id', '=', actor.userId).execute()
  return { kind: 'undone', hours: last.hours, date: last.entry_date, campaign: last.name }
}

export type EditResult =
  /** movedFrom: the campaign the entry was on, when the edit moved it. alsoFits: campaigns the words fit, when they fit several and so became the note. */
  | { kind: 'edited'; hours: number; date: string; note: string | null; campaign: string; movedFrom?: string; alsoFits?: string[]; entryRef?: string }
  /** entryRef: `edit #…` named an entry that is not (or not only) one of the actor's. */
  | { kind: 'nothing_to_edit'; windowMinutes: number; entryRef?: string }
  /** The edit would make a day longer than the person's usual: asked first; `change` is what the button sends back. */
  | { kind: 'long_day_edit'; change: EditChange; date: string; total: number; usualDay: number; campaign: string }
  | Extract<LogResult, { kind: 'future_date' | 'locked_period' | 'day_over_24' | 'inactive_campaign' | 'outside_campaign_dates' | 'not_your_confirmation' }>

export interface EditChange {
  hours: number | null
  date: string | null
  note: string | null
  /** Words naming the campaign to move the entry to, or else more of the note (the parser cannot tell). */
  campaignOrNote?: string | null
  /** The start of the id of the entry to change (`edit #1a2b3c4d`); else the most recent one. */
  entryRef?: string | null
  /** Set by the "Change it anyway" button, as LogRequest's: this person's day may go past longDayHours. */
  confirmedLongDayFor?: string
}

const joinNote = (...parts: Array<string | null | undefined>) => parts.filter((p) => p).join(' - ') || null

/**
 * Changes hours, date, note or campaign of the actor's most recent entry, with the same refusals
 * as logging. Words that name exactly one campaign the actor can see move the entry there
 * ("edit Fizzwell Summer Refresh"); words that name none, or several, are the note, as before.
 */
/** The person's weekly capacity in hours (the directory's default, 40, when unset). */
/** A person the directory gives no capacity (not found under row security): a 40-hour week. */
const DEFAULT_WEEKLY_CAPACITY = 40

async function weeklyCapacity(trx: ActorTx, actor: Actor): Promise<number> {
  const person = await trx.selectFrom('workroom.people').select('weekly_capacity_hours').where('id', '=', actor.userId).executeTakeFirst()
  return person?.weekly_capacity_hours ?? DEFAULT_WEEKLY_CAPACITY
}

export async function editLast(
  trx: ActorTx, actor: Actor, change: EditChange,
  now: Date, today: string, settings: TimesheetSettings = DEFAULT_TIMESHEET_SETTINGS,
): Promise<EditResult> {
  if (change.confirmedLongDayFor !== undefined && change.confirmedLongDayFor !== actor.userId) return { kind: 'not_your_confirmation' }
  const last = change.entryRef ? await entryByRef(trx, actor, change.entryRef) : await recentEntry(trx, actor, now, settings)
  if (!last) return { kind: 'nothing_to_edit', windowMinutes: settings.undoWindowMinutes, ...(change.entryRef ? { entryRef: change.entryRef } : {}) }
  // The entry as it is must be open too (an entry named by its id may be old); the database would refuse it (WR001).
  if (last.entry_date < addDays(today, -settings.lockDays)) return { kind: 'locked_period', date: last.entry_date, lockDays: settings.lockDays }
  let note = change.note
  let target: CampaignCandidate | null = null
  let alsoFits: string[] | undefined
  if (change.campaignOrNote) {
    // No preference for live campaigns and no fuzzy match: a note must not move an entry.
    const named = await findCampaignNamed(trx, change.campaignOrNote, { cautious: true })
    if (named?.kind === 'one') {
      target = named.campaign
      note = joinNote(named.note, change.note)
    } else {
      note = joinNote(change.campaignOrNote, change.note)
      if (named?.kind === 'several') alsoFits = named.campaigns.map((c) => c.name)
    }
  }
  const hours = change.hours ?? last.hours
  const date = change.date ?? last.entry_date
  if (date > today) return { kind: 'future_date', date }
  if (date < addDays(today, -settings.lockDays)) return { kind: 'locked_period', date, lockDays: settings.lockDays }
  let phaseId: string | null | undefined
  if (target && target.id !== last.campaign_id) {
    if (!LOGGABLE.has(target.status)) return { kind: 'inactive_campaign', campaign: target }
    if ((target.startDate && date < target.startDate) || (target.endDate && date > target.endDate)) return { kind: 'outside_campaign_dates', campaign: target, date }
    // A phase belongs to its campaign: keep the one of the same name there, if it has one.
    const phase = last.phase === null ? undefined : await trx.selectFrom('agency.campaign_phases').select('id')
      .where('campaign_id', '=', target.id).where(sql<boolean>`lower(name) = lower(${last.phase})`).executeTakeFirst()
    phaseId = phase?.id ?? null
  } else {
    target = null   // already there: nothing moves
  }
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`${actor.userId}:${date}`}, 0))`.execute(trx)
  const day = await trx.selectFrom('agency.timesheet_entries').select((eb) => eb.fn.coalesce(eb.fn.sum<number>('hours'), eb.lit(0)).as('total'))
    .where('user_id', '=', actor.userId).where('entry_date', '=', date).where('id', '<>', last.id).executeTakeFirstOrThrow()
  if (Number(day.total) + hours > 24) return { kind: 'day_over_24', date, alreadyLogged: Number(day.total), hours }
  // A day the edit makes longer, past the person's usual: asked, as logging asks.
  const total = Number(day.total) + hours
  const before = Number(day.total) + (last.entry_date === date ? last.hours : 0)
  if (change.confirmedLongDayFor !== actor.userId && total > before) {
    const capacity = await weeklyCapacity(trx, actor)
    if (total > longDayHours(capacity)) {
      // The button names the entry by its whole id, so a newer entry in between cannot take its place.
      const confirmed: EditChange = { ...change, entryRef: last.id, confirmedLongDayFor: actor.userId }
      return { kind: 'long_day_edit', change: confirmed, date, total, usualDay: capacity / 5, campaign: target?.name ?? last.name }
    }
  }
  const stored = note ?? last.description
  await trx.updateTable('agency.timesheet_entries')
    .set({ hours, entry_date: date, description: stored, ...(target ? { campaign_id: target.id, phase_id: phaseId ?? null } : {}) })
    .where('id', '=', last.id).where('user_id', '=', actor.userId).execute()
  return {
    kind: 'edited', hours, date, note: stored, campaign: target?.name ?? last.name,
    ...(target ? { movedFrom: last.name } : {}), ...(alsoFits ? { alsoFits } : {}), ...(change.entryRef ? { entryRef: change.entryRef } : {}),
  }
}
