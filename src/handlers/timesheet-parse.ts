import { code, t, type Text } from '../chat/text.ts'
import * as chrono from 'chrono-node'
import { addDays, isoDow, mondayOf } from '../dates.ts'
import { HOURS } from './input-limits.ts'

/**
 * Parser for what people type after /timesheet, and for free-text time logs such as
 * "3h on Aurora Air yesterday". Pure: no clock (the caller passes today in the person's time
 * zone), no database. Campaign and phase names are returned as typed; resolving them is the
 * handler's job.
 */

export interface ParseContext {
  /** 'YYYY-MM-DD' in the person's time zone. */
  today: string
  /**
   * How a numeric date with slashes reads: 'dmy' (en-GB, the default: 20/11 is 20 November) or
   * 'mdy' (en-US: 11/20). Dotted dates (20.11) are always day first, as Europe writes them.
   */
  dateOrder?: DateOrder
}

export type DateOrder = 'dmy' | 'mdy'

/** How a locale writes numeric dates, from Intl: month first (en-US) or day first (en-GB, fr-FR, and the rest). */
export function dateOrderOf(locale: string): DateOrder {
  let order = DATE_ORDERS.get(locale)
  if (order === undefined) {
    order = readDateOrder(locale)
    // Bounded: the tag comes from the directory, but a table of tags must not grow without end.
    if (DATE_ORDERS.size >= 1000) DATE_ORDERS.clear()
    DATE_ORDERS.set(locale, order)
  }
  return order
}

// Building an Intl.DateTimeFormat costs about as much as parsing the rest of a message, and every
// /timesheet asked it twice (the rate limit's parse and the handler's): one answer per locale.
const DATE_ORDERS = new Map<string, DateOrder>()

function readDateOrder(locale: string): DateOrder {
  try {
    const parts = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'numeric' }).formatToParts(new Date(Date.UTC(2026, 10, 20)))
    return parts.findIndex((p) => p.type === 'month') < parts.findIndex((p) => p.type === 'day') ? 'mdy' : 'dmy'
  } catch (err) {
    if (err instanceof RangeError) return 'dmy'   // a tag Intl does not know
    throw err
  }
}

export type TimesheetCommand =
  | { kind: 'log'; hours: number; date: string; campaignQuery: string; phase: string | null; note: string | null; billable: boolean }
  /** The same entry on each of several days ("mon-wed 2h", "each day this week 1h"): `hours` per day; dates ascending, none in the future. */
  | { kind: 'log_days'; hours: number; dates: string[]; campaignQuery: string; phase: string | null; note: string | null; billable: boolean }
  | { kind: 'week'; weekOf: string }
  | { kind: 'undo' }
  /**
   * campaignOrNote: words that are neither duration, date nor a marked note ("edit Fizzwell Summer
   * Refresh", "edit 2h client call"). A campaign to move the entry to when they name one the person
   * can see, else part of the note: the handler decides, as only it knows the campaigns.
   */
  | { kind: 'edit'; hours: number | null; date: string | null; note: string | null; campaignOrNote: string | null; entryRef: EntryRef | null }
  | { kind: 'help' }
  /** Hands the week in for approval. */
  | { kind: 'submit'; weekOf: string }
  /** What waits for the asker's approval. */
  | { kind: 'approvals' }
  /**
   * A reviewer's decision on someone's week, typed: `approve lucy.fernandes 2026-11-23`,
   * `reject lucy.fernandes 2026-11-23 Aurora is doubled on Tuesday`. `person`: the start of their
   * e-mail address (before the @) or their first name; weekOf null: the week that waits.
   */
  | { kind: 'review'; decision: 'approve' | 'reject'; person: string; weekOf: string | null; reason: string | null }
  /** `start Aurora Air`: a timer from now on that campaign (matched as logging matches it). */
  | { kind: 'timer_start'; campaignQuery: string; phase: string | null; note: string | null; billable: boolean }
  /** `stop`: the running timer, logged rounded by the agency's rule. */
  | { kind: 'timer_stop' }
  /** `remind`, `remind on|off`, `remind at 17:30`: the end-of-day reminder. `at` is 'HH:MM'. */
  | { kind: 'remind'; setting: 'show' | 'on' | 'off'; at?: string }

/** The start of an entry's id, lower case, as `edit #1a2b3c4d` names it: that entry, not the last one. */
export type EntryRef = string

export type TimesheetParseError =
  | { kind: 'missing_duration'; message: Text }
  | { kind: 'bad_duration'; message: Text; input: string }
  | { kind: 'zero_duration'; message: Text }
  | { kind: 'too_long'; message: Text; hours: number }
  | { kind: 'future_date'; message: Text; date: string }
  | { kind: 'missing_campaign'; message: Text }
  | { kind: 'bad_date'; message: Text; input: string }
  | { kind: 'bad_time'; message: Text; input: string }

export type ParseResult = { ok: true; command: TimesheetCommand } | { ok: false; error: TimesheetParseError }

const ok = (command: TimesheetCommand): ParseResult => ({ ok: true, command })
const fail = (error: TimesheetParseError): ParseResult => ({ ok: false, error })

const DURATION_HINT = t`Try ${code('3h')}, ${code('1h30')}, ${code('90m')} or ${code('1:30')}.`
const DATE_HINT = t`Try ${code('yesterday')}, ${code('mon')}, ${code('last fri')}, ${code('20 nov')} or ${code('2026-11-20')}.`
const badDuration = (input: string, message: Text = t`I couldn't read "${input}" as a duration. ${DURATION_HINT}`): TimesheetParseError =>
  ({ kind: 'bad_duration', message, input })
const badDate = (input: string, message: Text = t`I couldn't read "${input}" as a date. ${DATE_HINT}`): TimesheetParseError =>
  ({ kind: 'bad_date', message, input })

export function parseTimesheet(text: string, ctx: ParseContext): ParseResult {
  // A malformed today is the caller's bug, not the person's mistake.
  if (!isIsoDate(ctx.today)) throw new Error(`parseTimesheet: ctx.today must be a YYYY-MM-DD date, got "${ctx.today}"`)
  const body = text.replace(/^\s*\/timesheet(?=\s|$)/i, '').trim()
  const lower = body.toLowerCase().replace(/\s+/g, ' ')
  const first = lower.split(' ')[0] ?? ''

  if (lower === '' || /^(?:(?:this )?week|week this)$/.test(lower)) return ok({ kind: 'week', weekOf: mondayOf(ctx.today) })
  if (/^(?:(?:last|previous|prev) week|week (?:last|previous|prev))$/.test(lower)) {
    return ok({ kind: 'week', weekOf: mondayOf(addDays(ctx.today, -7)) })
  }
  if (first === 'week') return parseWeekOf(body.replace(/^\S+\s*(?:of(?:\s+|$))?/i, ''), { today: ctx.today, order: ctx.dateOrder ?? 'dmy' })
  if (first === 'help' || lower === '?') return ok({ kind: 'help' })
  // Whatever follows ("undo that", "undo 2h"), never log time to a campaign called "undo".
  if (first === 'undo') return ok({ kind: 'undo' })
  if (first === 'approvals' || lower === 'to approve') return ok({ kind: 'approvals' })
  if (first === 'submit') {
    const rest = body.replace(/^\S+\s*/, '').replace(/^(?:the\s+)?(?:week\s*(?:of\s*)?)?/i, '').trim()
    if (rest === '' || /^this(?: week)?$/i.test(rest)) return ok({ kind: 'submit', weekOf: mondayOf(ctx.today) })
    if (/^(?:last|previous|prev)(?: week)?$/i.test(rest)) return ok({ kind: 'submit', weekOf: mondayOf(addDays(ctx.today, -7)) })
    const week = parseWeekOf(rest, { today: ctx.today, order: ctx.dateOrder ?? 'dmy' })
    return week.ok && week.command.kind === 'week' ? ok({ kind: 'submit', weekOf: week.command.weekOf }) : week
  }
  if (first === 'approve' || first === 'reject') {
    const [, person, maybeDate, ...more] = body.split(/\s+/)
    const usage = t`Try ${code(`/timesheet ${first} lucy.fernandes 2026-11-23${first === 'reject' ? ' what to fix' : ''}`)}: whose week (their e-mail name or first name), its Monday${first === 'reject' ? ', and why' : ''}.`
    if (!person) return fail(badDate('', usage))
    const weekOf = maybeDate && isIsoDate(maybeDate) ? mondayOf(maybeDate) : null
    const reasonWords = weekOf ? more : [maybeDate, ...more].filter((w): w is string => Boolean(w))
    const reason = reasonWords.join(' ').trim() || null
    if (first === 'reject' && !reason) return fail(badDate('', t`Say why, so they know what to fix. ${usage}`))
    return ok({ kind: 'review', decision: first, person: person.toLowerCase(), weekOf, reason: first === 'reject' ? reason : null })
  }
  const dates: DateReading = { today: ctx.today, order: ctx.dateOrder ?? 'dmy' }
  if (first === 'edit') return parseEdit(body.replace(/^\S+/, ''), dates)
  // "start Aurora Air", "start timer Aurora Air", "timer start Aurora Air"; "stop", "stop timer", "timer stop".
  const timer = lower.match(/^(?:(?:start|begin)(?: (?:a |the |my )?timer)?(?: (?:on|for))?|timer (?:start|on))(?= |$)/)
  // The prefix is ASCII, so it is as long in `lower` as in the body with its spaces collapsed.
  if (timer) return parseTimerStart(body.replace(/\s+/g, ' ').slice(timer[0].length), dates)
  if (/^(?:(?:stop|end|finish)(?: (?:the |my )?timer)?|timer (?:stop|off))$/.test(lower)) return ok({ kind: 'timer_stop' })
  if (/^(?:remind|reminders?)(?= |$)/.test(lower)) return parseRemind(lower.replace(/^\S+ ?/, ''))
  return parseLog(body, dates)
}

/** What reading a date needs besides the words: today, and the order of numeric dates. */
interface DateReading { today: string; order: DateOrder }

/**
 * Hours in a duration phrase ("1h30", "90 min", "half a day"), rounded to the quarter hour,
 * or null when the whole text is not one duration. Zero and more than 24 come back as numbers;
 * range rules belong to parseTimesheet.
 */
export function parseDuration(text: string): number | null {
  const hours = durationOf(tokenize(text).map((t) => t.word).join(' '))
  return typeof hours === 'number' ? roundQuarter(hours) : null
}

function parseLog(body: string, dates: DateReading): ParseResult {
  const { today } = dates
  const s = scan(body, dates, 'log')
  if ('kind' in s) return fail(s)
  if (s.hours === null) return fail(missingDuration(s.leftover))
  const range = checkHours(s.hours)
  if (range) return fail(range)
  const date = s.date ?? today
  if (date > today) return fail(futureDate(date))
  const campaignQuery = campaignFrom(s.leftover)
  if (campaignQuery === '') {
    return fail({ kind: 'missing_campaign', message: t`Which campaign was it for? Add its name, e.g. ${code(`/timesheet ${formatHours(s.hours)} Aurora Air Spring Launch`)}.` })
  }
  const entry = { hours: s.hours, campaignQuery, phase: s.phase, note: s.note, billable: s.billable }
  return ok(s.days ? { kind: 'log_days', dates: s.days, ...entry } : { kind: 'log', date, ...entry })
}

/**
 * The parser reports what the person asked for; whether `date` picks the entry to change or
 * moves the last entry to that day is the handler's call. Words that are neither duration nor
 * date are kept whole in campaignOrNote, so `edit 2h client call` keeps every word the person
 * typed; after "note" (`edit note fixing the deck`) they are the note, whatever they name.
 */
function parseEdit(rest: string, dates: DateReading): ParseResult {
  const { today } = dates
  const s = scan(rest, dates, 'edit')
  if ('kind' in s) return fail(s)
  if (s.days) return fail(badDate(s.daysRaw!, t`An edit changes one entry, so give one day, e.g. ${code('/timesheet edit yesterday')}. To log several days, send ${code('/timesheet mon-wed 2h Aurora Air')}.`))
  const ref = s.leftover.find((t) => ENTRY_REF.test(t.word))
  if (ref) s.leftover.splice(s.leftover.indexOf(ref), 1)
  const entryRef = ref ? ref.word.slice(1) : null
  const suspect = s.hours === null ? s.leftover.find((t) => NUMERIC.test(t.word)) : undefined
  if (suspect) return fail(durationTypo(suspect.raw))
  const range = s.hours === null ? null : checkHours(s.hours)
  if (range) return fail(range)
  if (s.date !== null && s.date > today) return fail(futureDate(s.date))
  const words = [...s.leftover]
  while (words[0] && EDIT_FILLER.has(words[0].word)) words.shift()
  const marked = words[0] !== undefined && NOTE_WORDS.has(words[0].word)
  if (marked) {
    words.shift()
    while (words[0] && (words[0].word === 'to' || words[0].word === 'is' || words[0].word === '')) words.shift()
  }
  const loose = words.map((t) => t.raw).join(' ').trim()
  const note = (marked ? [loose, s.note ?? ''] : [s.note ?? '']).filter((p) => p !== '').join(' - ') || null
  const campaignOrNote = marked || loose === '' ? null : loose
  if (s.hours === null && s.date === null && note === null && campaignOrNote === null) {
    return fail({ kind: 'missing_duration', message: t`Tell me what to change, e.g. ${code('/timesheet edit 2h')}, ${code('/timesheet edit yesterday 3h')}, ${code('/timesheet edit note revised note')} or ${code('/timesheet edit Fizzwell Summer Refresh')}.` })
  }
  return ok({ kind: 'edit', hours: s.hours, date: s.date, note, campaignOrNote, entryRef })
}

function parseTimerStart(rest: string, dates: DateReading): ParseResult {
  const s = scan(rest, dates, 'log')
  if ('kind' in s) return fail(s)
  if (s.hours !== null || s.date !== null || s.days !== null) {
    return fail({ kind: 'bad_duration', input: rest.trim(), message: t`A timer starts now and runs until ${code('/timesheet stop')}. To log time already spent, send ${code('/timesheet 2h Aurora Air')}.` })
  }
  const campaignQuery = campaignFrom(s.leftover)
  if (campaignQuery === '') return fail({ kind: 'missing_campaign', message: t`Which campaign is the timer for? E.g. ${code('/timesheet start Aurora Air Spring Launch')}.` })
  return ok({ kind: 'timer_start', campaignQuery, phase: s.phase, note: s.note, billable: s.billable })
}

/** `on`, `off`, `at 17:30` (or `5:30pm`, `17.30`, `17h30`), or nothing: what the reminder is set to. */
function parseRemind(rest: string): ParseResult {
  const words = rest.trim().replace(/^me\b ?/, '')
  if (words === '') return ok({ kind: 'remind', setting: 'show' })
  if (/^(?:on|yes|enable|start)$/.test(words)) return ok({ kind: 'remind', setting: 'on' })
  if (/^(?:off|no|disable|stop|never)$/.test(words)) return ok({ kind: 'remind', setting: 'off' })
  const at = words.replace(/^(?:at|@)\s*/, '')
  const time = clockTime(at)
  if (time === null) {
    return fail({ kind: 'bad_time', input: at, message: t`I couldn't read "${at}" as a time of day. Try ${code('/timesheet remind at 17:30')}, ${code('/timesheet remind off')} or ${code('/timesheet remind on')}.` })
  }
  return ok({ kind: 'remind', setting: 'on', at: time })
}

/** 'HH:MM' from "17:30", "17.30", "17h30", "1730", "5pm", "5:30 pm", "9am"; null otherwise. */
export function clockTime(text: string): string | null {
  const m = text.trim().toLowerCase().match(/^(\d{1,2})(?:[:.h]?(\d{2}))?\s*(a\.?m\.?|p\.?m\.?)?$/)
  if (!m) return null
  let h = Number(m[1])
  const min = m[2] === undefined ? 0 : Number(m[2])
  const half = m[3]?.[0]
  if (min > 59) return null
  if (half) {
    if (h < 1 || h > 12) return null
    h = (h % 12) + (half === 'p' ? 12 : 0)
  } else if (m[2] === undefined || h > 23) {
    return null   // "5" alone could be morning or evening
  }
  return `${String(h).padStart(2, '0')}:${String(min).padStart(2, '0')}`
}

function parseWeekOf(rest: string, dates: DateReading): ParseResult {
  const { today } = dates
  const s = scan(rest, dates, 'edit')
  if ('kind' in s) return fail(s)
  if (s.date === null || s.days !== null || s.hours !== null || s.note !== null || s.leftover.length > 0) {
    const which = rest === '' ? 'Which week?' : `I couldn't read "${rest}" as a week.`
    return fail(badDate(rest, t`${which} Try ${code('/timesheet week')}, ${code('/timesheet week last')} or ${code('/timesheet week 2026-11-16')}.`))
  }
  const weekOf = mondayOf(s.date)
  if (weekOf > today) return fail(futureDate(s.date))
  return ok({ kind: 'week', weekOf })
}

function checkHours(hours: number): TimesheetParseError | null {
  if (hours === 0) return { kind: 'zero_duration', message: t`That rounds to 0 hours: I log time in quarter hours (15 minutes). Try ${code('15m')} or more.` }
  if (hours > HOURS.max) {
    return { kind: 'too_long', hours, message: t`${formatHours(hours)} is more than one day holds. Log at most 24h per entry and split longer work across days, e.g. ${code('/timesheet mon 8h Aurora Air')}.` }
  }
  return null
}

const futureDate = (date: string): TimesheetParseError =>
  ({ kind: 'future_date', date, message: t`${date} hasn't happened yet, so I can't log time for it. Try ${code('today')}, ${code('yesterday')} or a past date like ${code('last fri')}.` })

function missingDuration(leftover: Token[]): TimesheetParseError {
  const suspect = leftover.find((t) => NUMERIC.test(t.word))
  if (suspect) return durationTypo(suspect.raw)
  return { kind: 'missing_duration', message: t`How long did you spend? Add a duration, e.g. ${code('/timesheet 2h Aurora Air')}. ${DURATION_HINT}` }
}

function durationTypo(raw: string): TimesheetParseError {
  // A bare number is the commonest slip, and "3" alone could be hours or minutes, so ask.
  if (/^\d+(?:[.,]\d+)?$/.test(raw)) return badDuration(raw, t`"${raw}" needs a unit: ${code(`${raw}h`)} for hours or ${code(`${raw}m`)} for minutes.`)
  return badDuration(raw)
}

// ─── Scanning ────────────────────────────────────────────────────────────────────────────────

interface Token { raw: string; word: string; used: boolean }

interface Scanned {
  hours: number | null
  date: string | null
  /** Two or more days from a range ("mon-wed", "each day this week"), as typed in daysRaw. */
  days: string[] | null
  daysRaw: string | null
  note: string | null
  phase: string | null
  billable: boolean
  leftover: Token[]
}

const NUMERIC = /^[-−+]?[.,]?\d/

/**
 * Pulls the parts out in a fixed order: note, phase, billable flag, explicit dates, durations,
 * then bare weekdays. Explicit dates go before durations so "2 days ago" is a date rather than
 * 16 hours; bare weekdays go last because "sun", "sat" and "wed" also occur in campaign names.
 * `edit` mode skips phase and billable, which an edit cannot change.
 */
function scan(body: string, reading: DateReading, mode: 'log' | 'edit'): Scanned | TimesheetParseError {
  const { today } = reading
  const { main, note } = splitNote(body)
  let phase: string | null = null
  let rest = main
  if (mode === 'log') {
    rest = main.replace(PHASE, (_m, name: string) => {
      phase ??= name.toLowerCase().startsWith('post') ? 'Post' : name[0]!.toUpperCase() + name.slice(1).toLowerCase()
      return ' '
    })
  }
  const tokens = tokenize(rest)
  let billable = true
  if (mode === 'log') {
    for (const hit of claim(tokens, 2, (w) => (/^(?:nb|non-billable|nonbillable|non billable|not billable|unbillable)$/.test(w) ? false : w === 'billable' ? true : null))) {
      billable &&= hit.value
    }
  }

  // Day ranges, then clock ranges, before single dates: "mon-wed" is not Monday and a stray
  // "wed", and "9.10 - 11" is 9:10 to 11:00, not 9 October and a stray 11.
  const ranges = claim(tokens, 6, (w, raw) => dayRange(w, raw, today))
  const rangeError = ranges.find((h) => !Array.isArray(h.value))
  if (rangeError) return rangeError.value as TimesheetParseError
  const clocks = claim(tokens, 6, (w) => clockRange(w))
  const dates = claim(tokens, 4, (w, raw) => explicitDate(w, raw, reading))
  const dateError = dates.find((h) => typeof h.value !== 'string')
  if (dateError) return dateError.value as TimesheetParseError
  if (dates.length + ranges.length > 1) {
    const shown = [...ranges, ...dates].sort((a, b) => a.at - b.at).map((h) => h.raw).join('" and "')
    return badDate(shown, t`I found more than one date ("${shown}"). Give one date or one range of days per entry. ${DATE_HINT}`)
  }

  const durations = [...clocks, ...claim(tokens, 6, (w) => durationOf(w))].sort((a, b) => a.at - b.at)
  const negative = durations.find((h) => h.value === 'negative')
  if (negative) {
    return badDuration(negative.raw, t`I can't log a negative duration ("${negative.raw}"). To take an entry back, type ${code('/timesheet undo')}; to fix one, ${code('/timesheet edit 2h')}.`)
  }
  if (durations.length > 1) {
    const shown = durations.map((h) => h.raw).join('" and "')
    return badDuration(shown, t`I found more than one duration ("${shown}"). Log one entry at a time, e.g. ${code('/timesheet 2h Aurora Air')}.`)
  }

  let date = (dates[0]?.value as string | undefined) ?? null
  const range = ranges[0]?.value as string[] | undefined
  const days = range && range.length > 1 ? range : null
  if (range?.length === 1) date = range[0]!
  for (const hit of [...dates, ...ranges]) consumeOn(tokens, hit.at)
  if (date === null && days === null) date = bareWeekday(tokens, today)
  const hours = durations[0] ? roundQuarter(durations[0].value as number) : null
  return { hours, date, days, daysRaw: ranges[0]?.raw ?? null, note, phase, billable, leftover: tokens.filter((t) => !t.used) }
}

const PHASE = /\/\s*(post[- ]?production|strategy|creative|production|post)(?=$|[\s,.;:!?)])/gi

/**
 * A note is quoted text ("client call", 'client call', “client call”) or everything after a
 * spaced dash ( - , -- , – ) or an em dash. The dash must be followed by a space so "-2h" stays
 * a (negative) duration. A dash inside quotes does not start a note.
 */
function splitNote(body: string): { main: string; note: string | null } {
  const quoted = [...body.matchAll(/"([^"]*)(?:"|$)|[“”]([^“”]*)(?:[“”]|$)|(?<=^|\s)‘([^’]*)’|(?<=^|\s)'([^']*)'(?=$|[\s,.;:!?])/g)]
  const inQuote = (i: number) => quoted.some((q) => i >= q.index && i < q.index + q[0].length)
  const dash = [...body.matchAll(/(?:^|\s)(?:--?|–)(?=\s|$)|—/g)].find((m) => !inQuote(m.index) && !joinsRange(body, m))
  const cut = dash?.index ?? body.length
  const pieces: string[] = []
  let main = ''
  let from = 0
  for (const q of quoted) {
    if (q.index >= cut) break
    pieces.push(q[1] ?? q[2] ?? q[3] ?? q[4] ?? '')
    main += body.slice(from, q.index) + ' '
    from = q.index + q[0].length
  }
  main += body.slice(from, Math.max(from, cut))
  if (dash) pieces.push(body.slice(dash.index + dash[0].length).trim().replace(/^["“”'‘](.*)["“”'’]$/s, '$1'))
  const note = pieces.map((p) => p.trim()).filter((p) => p !== '').join(' - ')
  return { main, note: note === '' ? null : note }
}

/** " - " between two clock times ("9am - 11am") or weekdays ("mon - wed") makes a range, not a note. */
function joinsRange(body: string, dash: RegExpMatchArray): boolean {
  if (dash[0] === '—') return false
  const before = body.slice(0, dash.index).trim().split(/\s+/).pop()?.toLowerCase() ?? ''
  const after = body.slice(dash.index! + dash[0].length).trim().split(/\s+/)[0]?.toLowerCase() ?? ''
  return (CLOCK_TOKEN.test(before) && CLOCK_TOKEN.test(after)) || (WEEKDAYS.has(before) && WEEKDAYS.has(after))
}

function tokenize(text: string): Token[] {
  return text.split(/\s+/).filter((raw) => raw !== '').map((raw) => ({
    raw,
    word: trimEnds(raw.toLowerCase(), '([{', ')]},;:!?.'),
    used: false,
  }))
}

interface Hit<T> { at: number; raw: string; value: T }

/** Marks the longest run of unused tokens, left to right, that `match` accepts. */
function claim<T>(tokens: Token[], maxLen: number, match: (words: string, raw: string) => T | null): Array<Hit<T>> {
  const hits: Array<Hit<T>> = []
  for (let i = 0; i < tokens.length; i++) {
    for (let len = Math.min(maxLen, tokens.length - i); len >= 1; len--) {
      const run = tokens.slice(i, i + len)
      if (run.some((t) => t.used || t.word === '')) continue
      const raw = run.map((t) => t.raw).join(' ')
      const value = match(run.map((t) => t.word).join(' '), raw)
      if (value === null) continue
      for (const t of run) t.used = true
      hits.push({ at: i, raw, value })
      i += len - 1
      break
    }
  }
  return hits
}

/** "on monday", "on 20 nov": the "on" belongs to the date, not the campaign name. */
function consumeOn(tokens: Token[], at: number): void {
  const before = tokens[at - 1]
  if (before && !before.used && before.word === 'on') before.used = true
}

// ─── Durations ───────────────────────────────────────────────────────────────────────────────

const NUM = String.raw`(\d{1,5}(?:[.,]\d{1,4})?|[.,]\d{1,4})`
const H = '(?:h|hr|hrs|hour|hours)'
const M = '(?:m|min|mins|minute|minutes)'
// Maps, not object literals: typed words such as "__proto__" must not find Object.prototype.
const COUNT = new Map(Object.entries({
  a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12,
}))
const COUNT_WORD = [...COUNT.keys()].join('|')
const num = (s: string) => Number(s.replace(',', '.'))
/** A working day, for "a day" and "half a day". */
const DAY_HOURS = 8

const DURATIONS: Array<[RegExp, (m: RegExpExecArray) => number | null]> = [
  [new RegExp(`^${NUM} ?${H}(?: ?(?:and )?(\\d{1,3}) ?(${M})?)?$`), (m) => {
    const minutes = m[2] === undefined ? 0 : Number(m[2])
    // "1h 90m" adds up; "1h 90" more likely has a stray number after it than 90 minutes.
    if (m[3] === undefined && minutes >= 60) return null
    return num(m[1]!) + minutes / 60
  }],
  [new RegExp(`^${NUM} ?${M}$`), (m) => num(m[1]!) / 60],
  [new RegExp(`^${NUM} ?(?:d|day|days)$`), (m) => num(m[1]!) * DAY_HOURS],
  [/^(\d{1,3}):([0-5]\d)(?: ?(?:h|hrs?|hours?))?$/, (m) => Number(m[1]) + Number(m[2]) / 60],
  [new RegExp(`^(${COUNT_WORD}) ${H}( and a half)?$`), (m) => COUNT.get(m[1]!)! + (m[2] ? 0.5 : 0)],
  [new RegExp(`^(?:(${COUNT_WORD})|${NUM}) and a half ${H}$`), (m) => (m[1] ? COUNT.get(m[1])! : num(m[2]!)) + 0.5],
  [/^half (?:an? )?(?:hour|hr)$/, () => 0.5],
  [/^(?:a )?quarter (?:of an )?(?:hour|hr)$/, () => 0.25],
  [/^three quarters (?:of an )?(?:hour|hr)$/, () => 0.75],
  [/^(?:half (?:a )?day|half-day|halfday)$/, () => DAY_HOURS / 2],
  [/^(?:(?:a|one|all|(?:a )?full|(?:a )?whole) day|full-day)$/, () => DAY_HOURS],
]

function durationOf(words: string): number | 'negative' | null {
  const negative = /^[-−]/.test(words)
  const phrase = negative ? words.slice(1) : words
  for (const [pattern, hours] of DURATIONS) {
    const m = pattern.exec(phrase)
    const value = m ? hours(m) : null
    if (value !== null && Number.isFinite(value)) return negative && value > 0 ? 'negative' : value
  }
  return negative ? null : clockRange(words)
}

const CLOCK = String.raw`(\d{1,2})(?:[:.](\d{2}))?(?: ?([ap])\.?m\.?)?`
const CLOCK_RANGE = new RegExp(`^(?:from )?${CLOCK} ?(?:-|–|—|to|until|till|til) ?${CLOCK}$`)
/** One clock time of a range, as a token: "9", "9:30", "9.30", "9am", "11:30pm". */
const CLOCK_TOKEN = /^(?:\d{1,2}(?:[:.]\d{2})?(?:[ap]\.?m\.?)?)$/

/**
 * Hours between two clock times: "9am-11am", "9-11:30", "14:00-15:30", "from 9 to 11". A time
 * without am/pm takes the other's ("11-1pm" is 11 am to 1 pm; "9am-5" ends at 5 pm). Bare hours
 * read as a working day: "9-5" is 9 to 17, but only from a morning start, so "20-11" is no range
 * at all. A range passes midnight only when the clock says so: am/pm ("9pm-1am") or hh:mm on both
 * sides ("22:00-01:00").
 */
function clockRange(words: string): number | null {
  const m = CLOCK_RANGE.exec(words)
  if (!m) return null
  const [h1, m1, h2, m2] = [Number(m[1]), Number(m[2] ?? 0), Number(m[4]), Number(m[5] ?? 0)]
  const [ap1, ap2] = [m[3] as 'a' | 'p' | undefined, m[6] as 'a' | 'p' | undefined]
  if (m1 > 59 || m2 > 59 || h1 > 24 || h2 > 24 || (ap1 && (h1 < 1 || h1 > 12)) || (ap2 && (h2 < 1 || h2 > 12))) return null
  const at = (h: number, min: number, ap: 'a' | 'p' | undefined) => (ap === undefined ? h : (h % 12) + (ap === 'p' ? 12 : 0)) + min / 60
  const other = (ap: 'a' | 'p' | undefined) => (ap === 'a' ? 'p' : 'a')
  let start = at(h1, m1, ap1 ?? ap2)
  let end = at(h2, m2, ap2 ?? ap1)
  if (ap1 || ap2) {
    if (!ap1 && start >= end) start = at(h1, m1, other(ap2))
    if (!ap2 && end <= start) end = at(h2, m2, other(ap1))
    if (end <= start) end += 24
  } else if (end <= start) {
    if (h1 <= 12 && h2 < 12 && end + 12 > start) end += 12
    else if (m[2] !== undefined && m[5] !== undefined) end += 24
    else return null
  }
  return end - start
}

const roundQuarter = (hours: number) => Math.round(hours / HOURS.step) * HOURS.step
const formatHours = (hours: number) => `${hours}h`

// ─── Dates ───────────────────────────────────────────────────────────────────────────────────

const WEEKDAYS = new Map(Object.entries({
  mon: 1, monday: 1, tue: 2, tues: 2, tuesday: 2, wed: 3, weds: 3, wednesday: 3, thu: 4, thur: 4, thurs: 4, thursday: 4,
  fri: 5, friday: 5, sat: 6, saturday: 6, sun: 7, sunday: 7,
}))
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']
const MONTH = String.raw`(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?`
const DAY_MONTH = new RegExp(String.raw`^(\d{1,2})(?:st|nd|rd|th)? (?:of )?${MONTH}(?: (\d{4}))?$`)
const MONTH_DAY = new RegExp(String.raw`^${MONTH} (\d{1,2})(?:st|nd|rd|th)?(?: (\d{4}))?$`)
const AGO = new RegExp(`^(\\d{1,3}|${COUNT_WORD}) (days?|weeks?) ago$`)
/** "Black Friday" and "Cyber Monday" are campaigns, not dates. */
const NOT_A_WEEKDAY_AFTER = new Set(['black', 'cyber', 'good', 'easter', 'giving', 'travel', 'super', 'small', 'business'])

/**
 * Dates that cannot be a campaign word: today, yesterday, ISO, "20 nov", "last fri", "2 days ago".
 * Weekday rules, which are a choice: "fri" and "on fri" are the most recent Friday, today
 * included; "last fri" is the most recent Friday strictly before today (so on a Wednesday it
 * equals "fri", and on a Friday it is a week back); "this fri" is the Friday of the current
 * Monday-to-Sunday week, and "next fri" the first one after today (both may be in the future,
 * which the caller reports as future_date rather than guessing).
 */
function explicitDate(words: string, raw: string, { today, order }: DateReading): string | TimesheetParseError | null {
  if (words === 'today') return today
  if (words === 'yesterday' || words === 'yday') return addDays(today, -1)
  if (/^(?:the )?day before yesterday$/.test(words)) return addDays(today, -2)
  if (words === 'tomorrow' || words === 'tmrw') return addDays(today, 1)
  if (words === 'last week') return badDate(raw, t`Which day last week? Try ${code('last fri')} or a date like ${code(`${addDays(mondayOf(today), -7)}`)}.`)
  const iso = /^(\d{4})[-/.](\d{1,3})[-/.](\d{1,3})$/.exec(words)
  if (iso) return validDate(Number(iso[1]), Number(iso[2]), Number(iso[3])) ?? badDate(raw)
  const weekday = /^(last|this|next) (\w+)$/.exec(words)
  const target = weekday ? WEEKDAYS.get(weekday[2]!) : undefined
  if (weekday && target) {
    const back = (isoDow(today) - target + 7) % 7
    if (weekday[1] === 'last') return addDays(today, -(back || 7))
    if (weekday[1] === 'next') return addDays(today, (target - isoDow(today) + 7) % 7 || 7)
    return addDays(mondayOf(today), target - 1)
  }
  const ago = AGO.exec(words)
  if (ago) return addDays(today, -(COUNT.get(ago[1]!) ?? Number(ago[1])) * (ago[2]!.startsWith('week') ? 7 : 1))
  const numeric = numericDate(words, raw, order, today)
  if (numeric !== null) return numeric
  const dm = DAY_MONTH.exec(words)
  if (dm) return dayMonth(Number(dm[1]), dm[2]!, dm[3], raw, today)
  const md = MONTH_DAY.exec(words)
  if (md) return dayMonth(Number(md[2]), md[1]!, md[3], raw, today)
  return null
}

/**
 * chrono reads a yearless "20 nov" as the nearest 20 November, past or future. Time is logged
 * after the fact, so a reading more than a month ahead means last year's date ("11 may" typed
 * in November); a nearer one stays in the future and is reported, as it is likely a typo.
 */
function dayMonth(day: number, monthName: string, year: string | undefined, raw: string, today: string): string | TimesheetParseError {
  const month = MONTHS.indexOf(monthName.slice(0, 3)) + 1
  if (year !== undefined) return validDate(Number(year), month, day) ?? badDate(raw)
  const reference = { instant: new Date(`${today}T12:00:00Z`), timezone: 'UTC' }
  const [hit] = chrono.en.GB.parse(`${day} ${MONTHS[month - 1]}`, reference, { forwardDate: false })
  const chronoYear = hit?.start.get('year')
  if (!hit || hit.start.get('month') !== month || hit.start.get('day') !== day || !chronoYear) return badDate(raw)
  const date = validDate(chronoYear, month, day)
  if (date === null) return badDate(raw)
  return date > addDays(today, 31) ? validDate(chronoYear - 1, month, day) ?? badDate(raw) : date
}

const RANGE_TO = '(?:-|–|—|to|till|until|through|thru)'
const WEEKDAY_RANGE = new RegExp(`^(?:from )?([a-z]+) ?${RANGE_TO} ?([a-z]+)(?:,? (this|last|next) week)?$`)
const EVERY_DAY = /^(?:(?:each|every) (?:single )?(?:week|work|working )?day(?: of)?|all(?: of)?|daily) (?:(this|last|next) |the )?week$/

/**
 * Several days: "mon-wed", "mon to fri last week", "each day this week". A weekday range is what
 * it says, weekend included, and starts on the latest such day, today included (as "fri" does),
 * or in the week named. "Each day" is the weekdays of the week, this week's up to today. A range
 * that reaches a day still to come is refused, never cut short: the person sees what to type.
 */
function dayRange(words: string, raw: string, today: string): string[] | TimesheetParseError | null {
  let dates: string[]
  const every = EVERY_DAY.exec(words)
  const range = every ? null : WEEKDAY_RANGE.exec(words)
  const from = range ? WEEKDAYS.get(range[1]!) : undefined
  const to = range ? WEEKDAYS.get(range[2]!) : undefined
  if (every) {
    const monday = addDays(mondayOf(today), every[1] === 'last' ? -7 : every[1] === 'next' ? 7 : 0)
    dates = [0, 1, 2, 3, 4].map((i) => addDays(monday, i))
    if (every[1] !== 'next') dates = dates.filter((d) => d <= today)
  } else if (range && from && to) {
    const week = range[3]
    let start: string
    let length: number
    if (week) {
      if (to < from) return badDate(raw, t`"${raw}" runs backwards: a range within a week goes from the earlier day to the later, e.g. ${code('mon-fri last week')}.`)
      start = addDays(mondayOf(today), (week === 'last' ? -7 : week === 'next' ? 7 : 0) + from - 1)
      length = to - from + 1
    } else {
      start = addDays(today, -((isoDow(today) - from + 7) % 7))
      length = ((to - from + 7) % 7) + 1
    }
    dates = Array.from({ length }, (_, i) => addDays(start, i))
  } else {
    return null
  }
  const future = dates.find((d) => d > today)
  if (future) {
    return { kind: 'future_date', date: future, message: t`"${raw}" reaches ${future}, which hasn't happened yet, so I can't log time for it. Log the days so far, e.g. ${code('/timesheet each day this week 1h Aurora Air')}.` }
  }
  return dates
}

const SLASHED = /^(\d{1,2})\/(\d{1,2})(?:\/(\d{2}|\d{4}))?$/
const DASHED = /^(\d{1,2})-(\d{1,2})-(\d{4})$/
const DOTTED = /^(\d{1,2})\.(\d{1,2})(?:\.(\d{2}|\d{4})?)?$/
const ORDER_EXAMPLE: Record<DateOrder, string> = { dmy: '20/11 is 20 November', mdy: '11/20 is November 20' }

/**
 * 20/11, 20/11/2026, 20-11-2026 in the agency's order; 20.11 and 20.11.2026 always day first.
 * A reading that is no date in that order is asked about, never read the other way round: 11/20
 * typed in a day-first agency is a question, not a silent 20 November. A dotted pair with a
 * one-digit second part and no year or final dot ("1.5") is hours without a unit, not 1 May; so
 * is one whose second part cannot be a month ("7.75").
 */
function numericDate(words: string, raw: string, order: DateOrder, today: string): string | TimesheetParseError | null {
  const slashed = SLASHED.exec(words) ?? DASHED.exec(words)
  const dotted = slashed ? null : DOTTED.exec(words)
  if (dotted && dotted[3] === undefined && !raw.endsWith('.') && (dotted[2]!.length < 2 || Number(dotted[2]) > 12)) return null
  const m = slashed ?? dotted
  if (!m) return null
  const [a, b] = [Number(m[1]), Number(m[2])]
  const [day, month] = dotted || order === 'dmy' ? [a, b] : [b, a]
  const year = m[3] === undefined ? undefined : m[3].length === 2 ? String(2000 + Number(m[3])) : m[3]
  const shown = raw.replace(/[,;:!?)\]}]+$/, '')
  if (month >= 1 && month <= 12) {
    const date = dayMonth(day, MONTHS[month - 1]!, year, shown, today)
    if (typeof date === 'string' || dotted) return date
  }
  // The other order would make a date (2000 is a leap year, so 2/29 counts): say how we read it.
  if (slashed && validDate(2000, day, month) !== null) {
    const other = `${b}/${a}${m[3] === undefined ? '' : `/${m[3]}`}`
    return badDate(shown, t`I read numeric dates ${order === 'dmy' ? 'day first' : 'month first'} (${ORDER_EXAMPLE[order]}), so "${shown}" is not a date. Did you mean ${code(`${other}`)}, or ${code(`${month} ${MONTHS[day - 1]}`)}?`)
  }
  return badDate(shown)
}

/** A bare weekday ("fri", "on monday"), when no explicit date was given. */
function bareWeekday(tokens: Token[], today: string): string | null {
  const candidates = tokens
    .map((t, at) => ({ t, at }))
    .filter(({ t, at }) => !t.used && WEEKDAYS.has(t.word) && !NOT_A_WEEKDAY_AFTER.has(tokens[at - 1]?.word ?? ''))
  // With two ("sun 2h Sun Care"), the one at either end of the message is the likelier date.
  const pick = candidates.find(({ at }) => at === 0 || at === tokens.length - 1) ?? candidates[0]
  if (!pick) return null
  pick.t.used = true
  consumeOn(tokens, pick.at)
  return addDays(today, -((isoDow(today) - WEEKDAYS.get(pick.t.word)! + 7) % 7))
}

// ─── Campaign ────────────────────────────────────────────────────────────────────────────────

const LEADING_FILLER = /^(?:(?:i(?:'ve|’ve| have)? )?(?:spent|worked|logged|did)|log|add)(?:\s+|$)/i
const PREPOSITION_START = /^(?:on|for|to)(?:\s+|$)/i
const PREPOSITION_END = /\s+(?:on|for|to)$/i
const CAMPAIGN_EDGE = ' ,.;:!?-–—/'
const EDIT_FILLER = new Set(['to', 'it', 'that', 'last', 'entry', 'the', 'my', 'one', 'change', 'set', 'make', 'move'])
const NOTE_WORDS = new Set(['note', 'notes', 'description'])
const ENTRY_REF = /^#[0-9a-f]{8}[0-9a-f-]{0,28}$/

function campaignFrom(leftover: Token[]): string {
  let text = leftover.map((t) => t.raw).join(' ')
  const trim = () => (text = trimEnds(text, CAMPAIGN_EDGE, CAMPAIGN_EDGE))
  trim()
  text = text.replace(LEADING_FILLER, '')
  for (let before = ''; before !== text;) {
    before = text
    text = text.replace(PREPOSITION_START, '').replace(PREPOSITION_END, '')
    trim()
  }
  // Punctuation alone ("'", "()") names no campaign.
  return /[\p{L}\p{N}]/u.test(text) ? text : ''
}

/**
 * Strips `lead` characters from the start and `trail` from the end. A loop rather than
 * /[…]+$/, which backtracks quadratically on a long run of those characters mid-string.
 */
function trimEnds(text: string, lead: string, trail: string): string {
  let start = 0
  let end = text.length
  while (start < end && lead.includes(text[start]!)) start++
  while (end > start && trail.includes(text[end - 1]!)) end--
  return text.slice(start, end)
}

// ─── Calendar arithmetic on 'YYYY-MM-DD', in UTC so no time zone can shift a day ─────────────

const pad = (n: number, width = 2) => String(n).padStart(width, '0')

function validDate(year: number, month: number, day: number): string | null {
  const d = new Date(Date.UTC(year, month - 1, day))
  if (year < 1 || d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`
}

function isIsoDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s)
  return m !== null && validDate(Number(m[1]), Number(m[2]), Number(m[3])) === s
}


