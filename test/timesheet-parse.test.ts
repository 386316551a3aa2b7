import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { code, plain, spansOf } from '../src/chat/text.ts'
import {
  parseDuration, parseTimesheet, type ParseResult, type TimesheetCommand, type TimesheetParseError,
} from '../src/handlers/timesheet-parse.ts'

// A Wednesday. Its week starts on Monday 2026-11-23.
const today = '2026-11-25'
const ctx = { today }

type Log = Extract<TimesheetCommand, { kind: 'log' }>
const log = (hours: number, campaignQuery: string, rest: Partial<Log> = {}): Log =>
  ({ kind: 'log', hours, date: today, campaignQuery, phase: null, note: null, billable: true, ...rest })
type Start = Extract<TimesheetCommand, { kind: 'timer_start' }>
const start = (campaignQuery: string, rest: Partial<Start> = {}): Start => ({ kind: 'timer_start', campaignQuery, phase: null, note: null, billable: true, ...rest })
type Edit = Extract<TimesheetCommand, { kind: 'edit' }>
const edit = (over: Partial<Edit>): Edit => ({ kind: 'edit', hours: null, date: null, note: null, campaignOrNote: null, entryRef: null, ...over })
type LogDays = Extract<TimesheetCommand, { kind: 'log_days' }>
const days = (hours: number, campaignQuery: string, dates: string[], rest: Partial<LogDays> = {}): LogDays =>
  ({ kind: 'log_days', hours, dates, campaignQuery, phase: null, note: null, billable: true, ...rest })
const MON_WED = ['2026-11-23', '2026-11-24', '2026-11-25']
const LAST_WEEK = ['2026-11-16', '2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20']

describe('parseTimesheet: logging time', () => {
  const rows: Array<[string, Log]> = [
    // Durations
    ['3h Aurora Air', log(3, 'Aurora Air')],
    ['3 h Aurora Air', log(3, 'Aurora Air')],
    ['3hrs Aurora Air', log(3, 'Aurora Air')],
    ['3 hours Aurora Air', log(3, 'Aurora Air')],
    ['2.5h Aurora Air', log(2.5, 'Aurora Air')],
    ['2,5h Aurora Air', log(2.5, 'Aurora Air')],
    ['1h30 Aurora Air', log(1.5, 'Aurora Air')],
    ['1h 30m Aurora Air', log(1.5, 'Aurora Air')],
    ['1h30m Aurora Air', log(1.5, 'Aurora Air')],
    ['1 hour 30 minutes Aurora Air', log(1.5, 'Aurora Air')],
    ['90m Aurora Air', log(1.5, 'Aurora Air')],
    ['90 min Aurora Air', log(1.5, 'Aurora Air')],
    ['45mins Aurora Air', log(0.75, 'Aurora Air')],
    ['1:30 Aurora Air', log(1.5, 'Aurora Air')],
    ['0:45 Aurora Air', log(0.75, 'Aurora Air')],
    ['2 hours Aurora Air', log(2, 'Aurora Air')],
    ['an hour on Aurora Air', log(1, 'Aurora Air')],
    ['an hour and a half on Aurora Air', log(1.5, 'Aurora Air')],
    ['half an hour on Aurora Air', log(0.5, 'Aurora Air')],
    ['half a day on Aurora Air', log(4, 'Aurora Air')],
    ['half day Aurora Air', log(4, 'Aurora Air')],
    ['a day on Aurora Air', log(8, 'Aurora Air')],
    ['full day Aurora Air', log(8, 'Aurora Air')],
    // Rounded to the nearest quarter hour.
    ['20m Aurora Air', log(0.25, 'Aurora Air')],
    ['1h05 Aurora Air', log(1, 'Aurora Air')],
    ['1h10 Aurora Air', log(1.25, 'Aurora Air')],
    ['24h Aurora Air', log(24, 'Aurora Air')],
    ['3H AURORA AIR', log(3, 'AURORA AIR')],
    // Clock ranges are durations; the date is whatever else the text says.
    ['9am-11am Aurora Air', log(2, 'Aurora Air')],
    ['9-11:30 Aurora Air', log(2.5, 'Aurora Air')],
    ['14:00-15:30 Aurora Air', log(1.5, 'Aurora Air')],
    ['yesterday 9am-11am Aurora Air', log(2, 'Aurora Air', { date: '2026-11-24' })],
    ['Aurora Air 9am to 11am', log(2, 'Aurora Air')],
    ['Aurora Air from 9 to 11 last fri', log(2, 'Aurora Air', { date: '2026-11-20' })],
    ['Aurora Air 9am - 11am - client call', log(2, 'Aurora Air', { note: 'client call' })],
    ['Aurora Air 9:30am–12pm', log(2.5, 'Aurora Air')],
    ['Aurora Air 9.30 a.m. to 12 p.m.', log(2.5, 'Aurora Air')],
    ['9.30-11 Aurora Air', log(1.5, 'Aurora Air')],
    ['11-1pm Aurora Air', log(2, 'Aurora Air')],
    ['9-5 Aurora Air', log(8, 'Aurora Air')],
    ['9:10-11 Aurora Air', log(1.75, 'Aurora Air')],
    // Past midnight only when the clock says so.
    ['9pm-1am Aurora Air', log(4, 'Aurora Air')],
    ['22:00-01:00 Aurora Air', log(3, 'Aurora Air')],
    // Dates
    ['2h Aurora Air today', log(2, 'Aurora Air')],
    ['3h on Aurora Air yesterday', log(3, 'Aurora Air', { date: '2026-11-24' })],
    ['mon 2h Aurora Air', log(2, 'Aurora Air', { date: '2026-11-23' })],
    ['monday 2h Aurora Air', log(2, 'Aurora Air', { date: '2026-11-23' })],
    ['2h Aurora Air wed', log(2, 'Aurora Air')],
    ['2h Aurora Air thu', log(2, 'Aurora Air', { date: '2026-11-19' })],
    ['2h Aurora Air fri', log(2, 'Aurora Air', { date: '2026-11-20' })],
    ['2h Aurora Air on sunday', log(2, 'Aurora Air', { date: '2026-11-22' })],
    ['2h Aurora Air last fri', log(2, 'Aurora Air', { date: '2026-11-20' })],
    ['2h Aurora Air last friday', log(2, 'Aurora Air', { date: '2026-11-20' })],
    ['2h Aurora Air last wed', log(2, 'Aurora Air', { date: '2026-11-18' })],
    ['2h Aurora Air 2026-11-20', log(2, 'Aurora Air', { date: '2026-11-20' })],
    ['2h Aurora Air on 20 nov', log(2, 'Aurora Air', { date: '2026-11-20' })],
    ['2h Aurora Air nov 20', log(2, 'Aurora Air', { date: '2026-11-20' })],
    ['2h Aurora Air 20th November', log(2, 'Aurora Air', { date: '2026-11-20' })],
    ['2h Aurora Air 1 jan', log(2, 'Aurora Air', { date: '2026-01-01' })],
    // A yearless date more than a month ahead means last time round, not next May.
    ['2h Aurora Air 11 may', log(2, 'Aurora Air', { date: '2026-05-11' })],
    ['2h Aurora Air 20 dec 2025', log(2, 'Aurora Air', { date: '2025-12-20' })],
    ['2h Aurora Air 2 days ago', log(2, 'Aurora Air', { date: '2026-11-23' })],
    ['2h Aurora Air the day before yesterday', log(2, 'Aurora Air', { date: '2026-11-23' })],
    ['day before yesterday 2h Aurora Air', log(2, 'Aurora Air', { date: '2026-11-23' })],
    // Numeric dates are day first (en-GB, the default order): 20/11 is 20 November.
    ['2h Aurora Air 20/11', log(2, 'Aurora Air', { date: '2026-11-20' })],
    ['2h Aurora Air on 20/11/2026', log(2, 'Aurora Air', { date: '2026-11-20' })],
    ['2h Aurora Air 20/11/25', log(2, 'Aurora Air', { date: '2025-11-20' })],
    ['2h Aurora Air 3/4', log(2, 'Aurora Air', { date: '2026-04-03' })],
    ['2h Aurora Air 20.11', log(2, 'Aurora Air', { date: '2026-11-20' })],
    ['2h Aurora Air 20.11.', log(2, 'Aurora Air', { date: '2026-11-20' })],
    ['2h Aurora Air 5.11.2026', log(2, 'Aurora Air', { date: '2026-11-05' })],
    ['2h Aurora Air 20-11-2026', log(2, 'Aurora Air', { date: '2026-11-20' })],
    // A yearless numeric date more than a month ahead is last year's, as "11 may" is.
    ['2h Aurora Air 11/5', log(2, 'Aurora Air', { date: '2026-05-11' })],
    ['2h Aurora Air 28/12', log(2, 'Aurora Air', { date: '2025-12-28' })],
    // Phase, note, billable, order and filler
    ['/timesheet yesterday 2h Aurora Air Spring Launch - storyboard notes',
      log(2, 'Aurora Air Spring Launch', { date: '2026-11-24', note: 'storyboard notes' })],
    ['/timesheet Aurora Air 3h', log(3, 'Aurora Air')],
    ['/timesheet 1h30 on Fizzwell Summer Refresh "client call" nb',
      log(1.5, 'Fizzwell Summer Refresh', { note: 'client call', billable: false })],
    ['2h Nike Air / production', log(2, 'Nike Air', { phase: 'Production' })],
    ['Aurora Air/creative 2h', log(2, 'Aurora Air', { phase: 'Creative' })],
    ['2h Aurora Air /STRATEGY', log(2, 'Aurora Air', { phase: 'Strategy' })],
    ['2h Aurora Air / post-production', log(2, 'Aurora Air', { phase: 'Post' })],
    ['2h Aurora Air/post', log(2, 'Aurora Air', { phase: 'Post' })],
    ['2h Aurora Air — client call', log(2, 'Aurora Air', { note: 'client call' })],
    ["2h Aurora Air 'client call'", log(2, 'Aurora Air', { note: 'client call' })],
    ['2h Aurora Air “client call”', log(2, 'Aurora Air', { note: 'client call' })],
    ['2h Aurora Air "call - notes"', log(2, 'Aurora Air', { note: 'call - notes' })],
    ['2h Aurora Air non-billable', log(2, 'Aurora Air', { billable: false })],
    ['2h Aurora Air nonbillable', log(2, 'Aurora Air', { billable: false })],
    ['not billable 2h Aurora Air', log(2, 'Aurora Air', { billable: false })],
    ['  2h    for   Aurora   Air  ', log(2, 'Aurora Air')],
    ['2h to Aurora Air', log(2, 'Aurora Air')],
    ['I spent 3h on Aurora Air yesterday', log(3, 'Aurora Air', { date: '2026-11-24' })],
    ["2h Ben's Launch", log(2, "Ben's Launch")],
    ['2h Black Friday Push', log(2, 'Black Friday Push')],
    ['2h Project 360', log(2, 'Project 360')],
    ['yesterday 2h Sun Care Launch', log(2, 'Sun Care Launch', { date: '2026-11-24' })],
  ]
  it.each(rows)('reads %j', (input, expected) => {
    expect(parseTimesheet(input, ctx)).toEqual({ ok: true, command: expected })
  })
})

describe('parseTimesheet: ranges and repeated days', () => {
  // The duration is per day; "each day" is the weekdays; no day in the future.
  const rows: Array<[string, LogDays | Log]> = [
    ['mon-wed 2h Aurora Air', days(2, 'Aurora Air', MON_WED)],
    ['mon to wed 2h Aurora Air', days(2, 'Aurora Air', MON_WED)],
    ['2h Aurora Air mon - wed', days(2, 'Aurora Air', MON_WED)],
    ['2h Aurora Air monday–wednesday', days(2, 'Aurora Air', MON_WED)],
    ['2h Aurora Air from mon to tue', days(2, 'Aurora Air', ['2026-11-23', '2026-11-24'])],
    ['each day this week 1h Aurora Air - standup', days(1, 'Aurora Air', MON_WED, { note: 'standup' })],
    ['every weekday this week 1h Aurora Air', days(1, 'Aurora Air', MON_WED)],
    ['all week 1h Aurora Air', days(1, 'Aurora Air', MON_WED)],
    ['every day last week 8h Aurora Air nb', days(8, 'Aurora Air', LAST_WEEK, { billable: false })],
    ['mon to fri last week 8h Aurora Air', days(8, 'Aurora Air', LAST_WEEK)],
    ['mon-wed 9am-11am Aurora Air', days(2, 'Aurora Air', MON_WED)],
    // A range is what it says, weekend included; it starts on the latest such day, today included.
    ['2h Aurora Air fri-mon', days(2, 'Aurora Air', ['2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23'])],
    ['2h Aurora Air wed-wed', log(2, 'Aurora Air')],
  ]
  it.each(rows)('reads %j', (input, expected) => {
    expect(parseTimesheet(input, ctx)).toEqual({ ok: true, command: expected })
  })

  it.each([
    ['mon-fri 2h Aurora Air', 'future_date', { date: '2026-11-26' }],
    ['each day next week 1h Aurora Air', 'future_date', { date: '2026-11-30' }],
    ['fri-mon this week 1h Aurora Air', 'bad_date'],
    ['mon-wed yesterday 2h Aurora Air', 'bad_date'],
    ['each day this week 25h Aurora Air', 'too_long'],
    ['mon-wed Aurora Air', 'missing_duration'],
    ['edit mon-wed', 'bad_date'],
    ['week mon-wed', 'bad_date'],
  ] as Array<[string, TimesheetParseError['kind'], Record<string, unknown>?]>)('rejects %j as %s', (input, kind, fields = {}) => {
    expect(parseTimesheet(input, ctx)).toMatchObject({ ok: false, error: { kind, ...fields } })
  })

  it('logs each weekday of this week so far, whatever day today is', () => {
    fc.assert(fc.property(daysArb, (day) => {
      const result = parseTimesheet('each day this week 1h Aurora Air', { today: day })
      const monday = new Date(`${day}T00:00:00Z`)
      monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7))
      const expected = Array.from({ length: 5 }, (_, i) => new Date(monday.getTime() + i * 86_400_000).toISOString().slice(0, 10)).filter((d) => d <= day)
      if (expected.length === 1) expect(result).toEqual({ ok: true, command: log(1, 'Aurora Air', { date: expected[0]! }) })
      else expect(result).toEqual({ ok: true, command: days(1, 'Aurora Air', expected) })
    }), { numRuns: 300 })
  })
})

describe('parseTimesheet: mistakes come back as values', () => {
  const rows: Array<[string, TimesheetParseError['kind'], Record<string, unknown>?]> = [
    ['Aurora Air', 'missing_duration'],
    ['Aurora Air yesterday - call', 'missing_duration'],
    ['3 Aurora Air', 'bad_duration', { input: '3' }],
    ['3x Aurora Air', 'bad_duration', { input: '3x' }],
    // Decimal hours without a unit are not dotted dates (1.5 is not 1 May).
    ['1.5 Aurora Air', 'bad_duration', { input: '1.5' }],
    ['7.75 Aurora Air', 'bad_duration', { input: '7.75' }],
    ['1:75 Aurora Air', 'bad_duration', { input: '1:75' }],
    ['-2h Aurora Air', 'bad_duration', { input: '-2h' }],
    ['2h Aurora Air 3h', 'bad_duration'],
    ['0h Aurora Air', 'zero_duration'],
    ['5m Aurora Air', 'zero_duration'],
    ['0:00 Aurora Air', 'zero_duration'],
    ['9:00-9:05 Aurora Air', 'zero_duration'],
    ['9am-11am Aurora Air 2h', 'bad_duration'],
    ['5m-10m Aurora Air', 'bad_duration'],
    ['25:00-26:00 Aurora Air', 'bad_duration'],
    ['25h Aurora Air', 'too_long', { hours: 25 }],
    ['4 days Aurora Air', 'too_long', { hours: 32 }],
    ['24.2h Aurora Air', 'too_long', { hours: 24.25 }],
    ['2h Aurora Air tomorrow', 'future_date', { date: '2026-11-26' }],
    ['2h Aurora Air 2026-11-26', 'future_date', { date: '2026-11-26' }],
    ['2h Aurora Air this fri', 'future_date', { date: '2026-11-27' }],
    ['2h Aurora Air next mon', 'future_date', { date: '2026-11-30' }],
    // A yearless date less than a month ahead is more likely a typo than last December.
    ['2h Aurora Air 20 dec', 'future_date', { date: '2026-12-20' }],
    ['2h Aurora Air 2026-13-45', 'bad_date', { input: '2026-13-45' }],
    ['2h Aurora Air 31 feb', 'bad_date', { input: '31 feb' }],
    ['2h Aurora Air nov 45', 'bad_date'],
    ['2h Aurora Air last week', 'bad_date'],
    ['2h Aurora Air yesterday 2026-11-20', 'bad_date'],
    // Month first is not read silently as another date: 11/20 has no 20th month, so it is asked about.
    ['2h Aurora Air 11/20', 'bad_date', { input: '11/20' }],
    ['2h Aurora Air 11/20/2026', 'bad_date', { input: '11/20/2026' }],
    ['2h Aurora Air 31/11', 'bad_date', { input: '31/11' }],
    ['2h Aurora Air 31.11.2026', 'bad_date', { input: '31.11.2026' }],
    ['2h Aurora Air 2/12', 'future_date', { date: '2026-12-02' }],
    ['2h', 'missing_campaign'],
    ['2h yesterday on', 'missing_campaign'],
    ['2h nb - call', 'missing_campaign'],
  ]
  it.each(rows)('rejects %j as %s', (input, kind, fields) => {
    const result = parseTimesheet(input, ctx)
    expect(result).toMatchObject({ ok: false, error: { kind, ...fields } })
    // Every refusal shows what to type instead, as a code span.
    if (!result.ok) expect(spansOf(result.error.message).some((s) => typeof s !== 'string' && 'code' in s)).toBe(true)
  })

  it('tells the person what to type instead', () => {
    expect(parseTimesheet('3x Aurora', ctx)).toEqual({
      ok: false,
      error: {
        kind: 'bad_duration', input: '3x',
        message: ['I couldn\'t read "3x" as a duration. Try ', code('3h'), ', ', code('1h30'), ', ', code('90m'), ' or ', code('1:30'), '.'],
      },
    })
    expect(parseTimesheet('3 Aurora', ctx)).toMatchObject({ error: { message: ['"3" needs a unit: ', code('3h'), ' for hours or ', code('3m'), ' for minutes.'] } })
  })

  it('says how it reads numeric dates instead of flipping one that only reads month first', () => {
    expect(parseTimesheet('2h Aurora Air 11/20', ctx)).toEqual({
      ok: false,
      error: {
        kind: 'bad_date', input: '11/20',
        message: ['I read numeric dates day first (20/11 is 20 November), so "11/20" is not a date. Did you mean ', code('20/11'), ', or ', code('20 nov'), '?'],
      },
    })
  })

  it('reads numeric dates month first where the agency writes them so', () => {
    const us = { today, dateOrder: 'mdy' as const }
    expect(parseTimesheet('2h Aurora Air 11/20', us)).toEqual({ ok: true, command: log(2, 'Aurora Air', { date: '2026-11-20' }) })
    expect(parseTimesheet('2h Aurora Air 4/3', us)).toEqual({ ok: true, command: log(2, 'Aurora Air', { date: '2026-04-03' }) })
    const monthFirst = parseTimesheet('2h Aurora Air 20/11', us)
    expect(monthFirst).toMatchObject({ ok: false, error: { kind: 'bad_date' } })
    expect(!monthFirst.ok && plain(monthFirst.error.message)).toContain('month first')
    // Dotted dates are European, so day first everywhere.
    expect(parseTimesheet('2h Aurora Air 20.11', us)).toEqual({ ok: true, command: log(2, 'Aurora Air', { date: '2026-11-20' }) })
  })

  it('reads a 40 000-character message in well under a second', () => {
    // Guards against regexes that backtrack quadratically on long runs of spaces or punctuation.
    const started = performance.now()
    expect(parseTimesheet(`2h Aurora${' ,'.repeat(20_000)} Air`, ctx)).toMatchObject({ ok: true })
    expect(parseTimesheet(`2h Aurora${' \t'.repeat(20_000)}/ production`, ctx)).toMatchObject({ ok: true })
    expect(performance.now() - started).toBeLessThan(1000)
  })

  it('throws when the caller passes a malformed today, because that is a bug', () => {
    expect(() => parseTimesheet('2h Aurora', { today: '25/11/2026' })).toThrow(/YYYY-MM-DD/)
    expect(() => parseTimesheet('2h Aurora', { today: '2026-02-30' })).toThrow()
  })
})

describe('parseTimesheet: subcommands', () => {
  const rows: Array<[string, TimesheetCommand | TimesheetParseError['kind']]> = [
    ['', { kind: 'week', weekOf: '2026-11-23' }],
    ['/timesheet', { kind: 'week', weekOf: '2026-11-23' }],
    ['week', { kind: 'week', weekOf: '2026-11-23' }],
    ['WEEK', { kind: 'week', weekOf: '2026-11-23' }],
    ['week last', { kind: 'week', weekOf: '2026-11-16' }],
    ['last week', { kind: 'week', weekOf: '2026-11-16' }],
    ['week of 2026-11-04', { kind: 'week', weekOf: '2026-11-02' }],
    ['week 20 oct', { kind: 'week', weekOf: '2026-10-19' }],
    ['week next mon', 'future_date'],
    ['week soon', 'bad_date'],
    ['undo', { kind: 'undo' }],
    ['/timesheet undo', { kind: 'undo' }],
    ['help', { kind: 'help' }],
    ['?', { kind: 'help' }],
    ['edit 2h', edit({ hours: 2 })],
    ['edit yesterday 3h - revised', edit({ hours: 3, date: '2026-11-24', note: 'revised' })],
    ['edit my last entry to 1h30', edit({ hours: 1.5 })],
    ['edit - client call, not a workshop', edit({ note: 'client call, not a workshop' })],
    // Other words name a campaign to move the entry to, or are the note: the handler decides.
    ['edit 2h client call', edit({ hours: 2, campaignOrNote: 'client call' })],
    ['edit Fizzwell Summer Refresh', edit({ campaignOrNote: 'Fizzwell Summer Refresh' })],
    ['edit move it to Fizzwell Summer Refresh 3h - call', edit({ hours: 3, note: 'call', campaignOrNote: 'Fizzwell Summer Refresh' })],
    // "note" says what the words are.
    ['edit note fixing the deck', edit({ note: 'fixing the deck' })],
    ['edit the note to: fixing the deck', edit({ note: 'fixing the deck' })],
    ['edit 2h notes fixing the deck - v2', edit({ hours: 2, note: 'fixing the deck - v2' })],
    // An entry named by the start of its id (the week view's Edit button shows it), not the last one.
    ['edit #1a2b3c4d 3h', edit({ hours: 3, entryRef: '1a2b3c4d' })],
    ['edit #1A2B3C4D Fizzwell Summer Refresh', edit({ campaignOrNote: 'Fizzwell Summer Refresh', entryRef: '1a2b3c4d' })],
    ['edit', 'missing_duration'],
    ['edit 3x', 'bad_duration'],
    ['edit 30h', 'too_long'],
    ['edit #1a2b3c4d', 'missing_duration'],
    ['edit tomorrow', 'future_date'],
    // Timers: the campaign is matched as logging matches it; a note and phase travel with the timer.
    ['start Aurora Air', start('Aurora Air')],
    ['START aurora air', start('aurora air')],
    ['start timer Aurora Air', start('Aurora Air')],
    ['start a timer on Aurora Air', start('Aurora Air')],
    ['start my timer for Aurora Air', start('Aurora Air')],
    ['timer start Aurora Air', start('Aurora Air')],
    ['begin Aurora Air', start('Aurora Air')],
    ['start on Aurora Air / production - storyboards', start('Aurora Air', { phase: 'Production', note: 'storyboards' })],
    ['start Tidewave nb', start('Tidewave', { billable: false })],
    ['start', 'missing_campaign'],
    ['start timer', 'missing_campaign'],
    ['start 2h Aurora Air', 'bad_duration'],
    ['start Aurora Air yesterday', 'bad_duration'],
    ['stop', { kind: 'timer_stop' }],
    ['STOP', { kind: 'timer_stop' }],
    ['stop timer', { kind: 'timer_stop' }],
    ['stop the timer', { kind: 'timer_stop' }],
    ['stop my timer', { kind: 'timer_stop' }],
    ['timer stop', { kind: 'timer_stop' }],
    ['timer off', { kind: 'timer_stop' }],
    ['end timer', { kind: 'timer_stop' }],
    ['finish', { kind: 'timer_stop' }],
    // "stop" and more words is not the timer: a campaign or a log like any other.
    ['stop motion 2h', log(2, 'stop motion')],
    // Reminders.
    ['remind', { kind: 'remind', setting: 'show' }],
    ['reminders', { kind: 'remind', setting: 'show' }],
    ['remind on', { kind: 'remind', setting: 'on' }],
    ['remind me on', { kind: 'remind', setting: 'on' }],
    ['reminders off', { kind: 'remind', setting: 'off' }],
    ['remind off', { kind: 'remind', setting: 'off' }],
    ['remind at 17:30', { kind: 'remind', setting: 'on', at: '17:30' }],
    ['remind at 5:30pm', { kind: 'remind', setting: 'on', at: '17:30' }],
    ['remind at 5pm', { kind: 'remind', setting: 'on', at: '17:00' }],
    ['remind 9am', { kind: 'remind', setting: 'on', at: '09:00' }],
    ['remind at 12am', { kind: 'remind', setting: 'on', at: '00:00' }],
    ['remind at 12 pm', { kind: 'remind', setting: 'on', at: '12:00' }],
    ['remind @ 16.45', { kind: 'remind', setting: 'on', at: '16:45' }],
    ['remind at 18h15', { kind: 'remind', setting: 'on', at: '18:15' }],
    ['remind at 1730', { kind: 'remind', setting: 'on', at: '17:30' }],
    ['remind at 25:00', 'bad_time'],
    ['remind at 17:60', 'bad_time'],
    ['remind at 5', 'bad_time'],
    ['remind at 13pm', 'bad_time'],
    ['remind tomorrow', 'bad_time'],
  ]
  it.each(rows)('reads %j', (input, expected) => {
    const result = parseTimesheet(input, ctx)
    if (typeof expected === 'string') expect(result).toMatchObject({ ok: false, error: { kind: expected } })
    else expect(result).toEqual({ ok: true, command: expected })
  })
})

describe('parseDuration', () => {
  it.each([
    ['3h', 3], ['1h30', 1.5], ['90 min', 1.5], ['1:30', 1.5], ['half a day', 4], ['an hour', 1],
    ['7m', 0], ['30h', 30], ['9am-11am', 2], ['14:00 - 15:30', 1.5], ['9-11:30', 2.5], ['3', null], ['-2h', null], ['Aurora', null], ['2h Aurora', null], ['', null],
  ] as const)('reads %j as %s', (input, hours) => {
    expect(parseDuration(input)).toBe(hours)
  })
})

// ─── Properties ──────────────────────────────────────────────────────────────────────────────

const ISO = /^\d{4}-\d{2}-\d{2}$/
const isRealDate = (d: string) => ISO.test(d) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d)

/** What every result must satisfy, whatever was typed. */
function assertSound(result: ParseResult, day: string): void {
  if (!result.ok) {
    expect(plain(result.error.message).length).toBeGreaterThan(0)
    return
  }
  const c = result.command
  if (c.kind === 'log') {
    expect(c.hours).toBeGreaterThan(0)
    expect(c.hours).toBeLessThanOrEqual(24)
    expect(Number.isInteger(c.hours * 4)).toBe(true)
    expect(isRealDate(c.date)).toBe(true)
    expect(c.date <= day).toBe(true)
    expect(c.campaignQuery.trim()).not.toBe('')
  }
  if (c.kind === 'log_days') {
    expect(c.hours > 0 && c.hours <= 24 && Number.isInteger(c.hours * 4)).toBe(true)
    expect(c.dates.length).toBeGreaterThan(1)
    expect(c.dates.every((d, i) => isRealDate(d) && d <= day && (i === 0 || c.dates[i - 1]! < d))).toBe(true)
    expect(c.campaignQuery.trim()).not.toBe('')
  }
  if (c.kind === 'edit' && c.hours !== null) expect(c.hours > 0 && c.hours <= 24 && Number.isInteger(c.hours * 4)).toBe(true)
  if (c.kind === 'edit' && c.date !== null) expect(isRealDate(c.date) && c.date <= day).toBe(true)
  if (c.kind === 'week') expect(isRealDate(c.weekOf) && new Date(c.weekOf).getUTCDay() === 1 && c.weekOf <= day).toBe(true)
  if (c.kind === 'timer_start') expect(c.campaignQuery.trim()).not.toBe('')
  if (c.kind === 'remind' && c.at !== undefined) expect(c.at).toMatch(/^(?:[01]\d|2[0-3]):[0-5]\d$/)
}

const daysArb = fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 11, 31) }).map((ms) => new Date(ms).toISOString().slice(0, 10))

const durations: Array<[string, number]> = [
  ['3h', 3], ['3 hrs', 3], ['2,5h', 2.5], ['1h30', 1.5], ['1h 30m', 1.5], ['90 min', 1.5], ['45mins', 0.75], ['0:45', 0.75],
  ['an hour', 1], ['half an hour', 0.5], ['half a day', 4], ['full day', 8], ['12:15', 12.25], ['2 HOURS', 2],
]
const datesOnToday: Array<[string, string]> = [
  ['today', today], ['yesterday', '2026-11-24'], ['mon', '2026-11-23'], ['on tue', '2026-11-24'], ['last fri', '2026-11-20'],
  ['2026-11-02', '2026-11-02'], ['on 20 nov', '2026-11-20'], ['Nov 3rd', '2026-11-03'], ['3 days ago', '2026-11-22'],
]
const campaigns = ['Aurora Air', 'Fizzwell Summer Refresh', 'Nike Air Max Launch', 'Harbour Bank Q4', 'Ben\'s Bakery']
const fragment = fc.oneof(
  fc.constantFrom(...durations.map(([d]) => d), ...datesOnToday.map(([d]) => d), ...campaigns, 'nb', 'on', 'for', '/ production', '- a note', '"quoted"', '-2h', '3', '2026-13-45', 'tomorrow',
    '20/11', '11/20', '20.11', '1.5', 'the day before yesterday', '9am-11am', '9 - 11:30', '14:00-15:30', '11pm-1am',
    'mon-wed', 'mon - fri', 'each day this week', 'every day last week', 'fri to mon'),
  fc.string({ maxLength: 6 }),
)

describe('parseTimesheet properties', () => {
  it('never throws on arbitrary text, and what it returns is sound', () => {
    fc.assert(fc.property(fc.string({ maxLength: 80, unit: 'binary' }), daysArb, (text, day) => {
      assertSound(parseTimesheet(text, { today: day }), day)
    }), { numRuns: 2000 })
  })

  it('never throws on text built from timesheet fragments, and what it returns is sound', () => {
    fc.assert(fc.property(fc.array(fragment, { maxLength: 8 }), daysArb, (parts, day) => {
      assertSound(parseTimesheet(parts.join(' '), { today: day }), day)
    }), { numRuns: 2000 })
  })

  it('reads duration, date, campaign and flag in any order, in any case, with any spacing', () => {
    const entry = fc.record({
      duration: fc.constantFrom(...durations),
      date: fc.option(fc.constantFrom(...datesOnToday), { nil: undefined }),
      campaign: fc.constantFrom(...campaigns),
      nb: fc.boolean(),
      note: fc.option(fc.constantFrom('client call', 'storyboard notes'), { nil: undefined }),
      order: fc.func(fc.integer()),
      gap: fc.constantFrom(' ', '  ', '\t'),
      upper: fc.boolean(),
    })
    fc.assert(fc.property(entry, ({ duration, date, campaign, nb, note, order, gap, upper }) => {
      const parts = [duration[0], campaign, ...(date ? [date[0]] : []), ...(nb ? ['nb'] : [])]
        .map((p, i) => [order(i), p] as const).sort((a, b) => a[0] - b[0]).map(([, p]) => p)
      let text = parts.join(gap) + (note ? ` - ${note}` : '')
      if (upper) text = text.toUpperCase()
      const result = parseTimesheet(text, ctx)
      expect(result).toEqual({
        ok: true,
        command: log(duration[1], upper ? campaign.toUpperCase() : campaign, {
          date: date?.[1] ?? today, billable: !nb, note: note ? (upper ? note.toUpperCase() : note) : null,
        }),
      })
    }), { numRuns: 1000 })
  })

  it('logs any past or present ISO date as typed, and refuses any later one', () => {
    fc.assert(fc.property(daysArb, daysArb, (day, date) => {
      const result = parseTimesheet(`1h Aurora Air ${date}`, { today: day })
      if (date <= day) expect(result).toMatchObject({ ok: true, command: { date } })
      else expect(result).toMatchObject({ ok: false, error: { kind: 'future_date', date } })
    }), { numRuns: 1000 })
  })

  it('reads every time of day set for a reminder, in 24-hour and 12-hour clocks', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.constantFrom(':', '.', 'h'), (h, m, sep) => {
      const at = `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`
      expect(parseTimesheet(`remind at ${h}${sep}${String(m).padStart(2, '0')}`, ctx)).toEqual({ ok: true, command: { kind: 'remind', setting: 'on', at } })
      const twelve = `${h % 12 || 12}:${String(m).padStart(2, '0')}${h < 12 ? 'am' : 'pm'}`
      expect(parseTimesheet(`remind at ${twelve}`, ctx)).toEqual({ ok: true, command: { kind: 'remind', setting: 'on', at } })
    }), { numRuns: 500 })
  })

  it('starts a timer on any campaign name, whatever the case and spacing of "start"', () => {
    fc.assert(fc.property(fc.constantFrom(...campaigns), fc.constantFrom('start', 'START', 'Start timer', 'timer start', 'start a timer on'), fc.constantFrom(' ', '  ', '\t'), (campaign, verb, gap) => {
      expect(parseTimesheet(`${verb.replace(/ /g, gap)}${gap}${campaign}`, ctx)).toEqual({ ok: true, command: start(campaign) })
    }), { numRuns: 300 })
  })

  it('rounds h:mm and minute durations to the nearest quarter hour', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 59 }), (h, m) => {
      const expected = Math.round((h + m / 60) * 4) / 4
      expect(parseDuration(`${h}:${String(m).padStart(2, '0')}`)).toBe(expected)
      expect(parseDuration(`${h * 60 + m}m`)).toBe(expected)
      expect(parseDuration(`${h}h${m}m`)).toBe(expected)
    }), { numRuns: 1000 })
  })
})
