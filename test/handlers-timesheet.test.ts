import { code, plain, type Text } from '../src/chat/text.ts'
import { renderBlocks } from '../src/bots/slack/blocks.ts'
import { renderCard } from '../src/bots/teams/cards.ts'
import { renderText } from '../src/handlers/render-text.ts'
import { MAX_BUTTON_PAYLOAD } from '../src/handlers/reply.ts'
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { TENANTS } from '../seeds/catalog.ts'
import { withActor } from '../src/db/actor.ts'
import { matchCampaignWithNote, type CampaignCandidate } from '../src/handlers/campaign-match.ts'
import { converse } from '../src/chat/converse.ts'
import type { Inbound } from '../src/handlers/inbound.ts'
import { editLast, logTime, longDayHours, undoLast, weekView, type LogRequest } from '../src/handlers/timesheet.ts'
import { describeEachEngine, postgres } from './support/engines.ts'
import { actorOf, useFixtureDatabase, type PersonKey } from './support/fixture.ts'

const TODAY = '2026-11-25'
const req = (over: Partial<Omit<LogRequest, 'date' | 'dates'>> & { date?: string } = {}): LogRequest =>
  ({ hours: 3, date: TODAY, campaignQuery: 'Campaign cX', phase: null, note: null, billable: true, ...over })
const days = (dates: string[], over: Partial<Omit<LogRequest, 'date' | 'dates'>> = {}): LogRequest =>
  ({ hours: 2, dates, campaignQuery: 'Campaign cX', phase: null, note: null, billable: true, ...over })
let requestSeq = 0
const ctx = () => ({ today: TODAY, requestId: `req-${++requestSeq}`, source: 'cli' as const })

// Northwind's campaigns as the seed makes them: four Aurora campaigns, two of them Aurora Air.
const northwind: CampaignCandidate[] = TENANTS.find((t) => t.slug === 'northwind')!.clients.flatMap((client) => client.brands.flatMap((brand) =>
  brand.campaigns.map((c) => ({ id: c.key, name: c.name, code: c.code, status: c.status, clientName: client.name, brandName: brand.name, startDate: null, endDate: null }))))

describe('a campaign name followed by a note without a separator', () => {
  it.each([
    ['aurora spring launch fixing the deck after feedback', 'Aurora Air Spring Launch', 'fixing the deck after feedback'],
    ['Fizzwell Summer Refresh client call', 'Fizzwell Summer Refresh', 'client call'],
    ['aurora spring launch, fixing the deck', 'Aurora Air Spring Launch', 'fixing the deck'],
    ['AUR-2026-01 deck review', 'Aurora Air Spring Launch', 'deck review'],
  ])('reads %j as the campaign and a note', (query, campaign, note) => {
    expect(matchCampaignWithNote(query, northwind)).toMatchObject({ kind: 'one_with_note', campaign: { name: campaign }, note })
  })

  it.each([
    // The whole text names the campaign (prefixes and all): no note is cut off it.
    ['Aurora Air Spring Launch', 'one'],
    ['tidewave fibre ful speed', 'one'],
    // The leading words fit several campaigns: asked or suggested as before, never guessed.
    ['aurora air fixing the deck', 'several|none'],
    ['aurora fixing the deck', 'several|none'],
  ])('leaves %j to the matcher as a whole (%s)', (query, kind) => {
    expect(matchCampaignWithNote(query, northwind).kind).toMatch(new RegExp(`^(?:${kind})$`))
  })
})

describe('a long day', () => {
  it('is over 12 h, or one and a half usual days (weekly capacity over five) when that is longer', () => {
    expect([longDayHours(40), longDayHours(24), longDayHours(50), longDayHours(80)]).toEqual([12, 12, 15, 24])
  })
})

describeEachEngine('timesheet handler', (engine) => {
  const db = useFixtureDatabase(engine)
  const as = <T>(person: PersonKey, fn: Parameters<typeof withActor<T>>[2], tenant: 'A' | 'B' = 'A') =>
    withActor(db.e.db, actorOf(db.fx, tenant, person), fn)
  const countEntries = async () => Number((await db.e.db.selectFrom('agency.timesheet_entries').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)

  it('logs 3h to Campaign cX for the creative who asked, with their rates snapshotted', async () => {
    const creative = actorOf(db.fx, 'A', 'creative')
    const result = await as('creative', (trx) => logTime(trx, creative, req({ note: 'storyboards', phase: 'strategy' }), ctx()))
    expect(result).toMatchObject({ kind: 'logged', hours: 3, date: TODAY, campaign: { name: 'Campaign cX A' }, dayTotal: 3 })
    const row = await db.e.db.selectFrom('agency.timesheet_entries')
      .select(['user_id', 'hours', 'description', 'phase_id', 'week_start_date'])
      .select((eb) => [eb.ref('cost_rate').$castTo<number>().as('cost_rate'), eb.ref('bill_rate').$castTo<number>().as('bill_rate')])
      .where('id', '=', result.kind === 'logged' ? result.entryId : '').executeTakeFirstOrThrow()
    // fixture people of tenant A: cost 50, bill 150
    expect(row).toEqual({ user_id: creative.userId, hours: 3, description: 'storyboards', phase_id: db.fx.A.rows.get('phase:cX'), week_start_date: '2026-11-23', cost_rate: 50, bill_rate: 150 })
  })

  it('never logs the same request twice', async () => {
    const creative = actorOf(db.fx, 'A', 'creative')
    const c = ctx()
    const first = await as('creative', (trx) => logTime(trx, creative, req({ hours: 1 }), c))
    const before = await countEntries()
    const again = await as('creative', (trx) => logTime(trx, creative, req({ hours: 1 }), c))
    expect(again).toEqual({ kind: 'duplicate', entryId: first.kind === 'logged' ? first.entryId : 'x' })
    expect(await countEntries()).toBe(before)
  })

  it('asks which campaign when the words fit several, and suggests when they fit none', async () => {
    const lead = actorOf(db.fx, 'A', 'leadership')
    const several = await as('leadership', (trx) => logTime(trx, lead, req({ campaignQuery: 'campaign' }), ctx()))
    expect(several.kind).toBe('choose_campaign')
    if (several.kind === 'choose_campaign') expect(several.campaigns.map((c) => c.name).sort()).toEqual(['Campaign cX A', 'Campaign cY A'])
    const none = await as('leadership', (trx) => logTime(trx, lead, req({ campaignQuery: 'zebra crossing' }), ctx()))
    expect(none.kind).toBe('unknown_campaign')
  })

  it("cannot match another tenant's campaign, even by its exact name or code", async () => {
    const creative = actorOf(db.fx, 'A', 'creative')
    for (const campaignQuery of ['Campaign cY B', 'B-cY', 'Campaign cY']) {
      const result = await as('creative', (trx) => logTime(trx, creative, req({ campaignQuery, hours: 0.25 }), ctx()))
      const id = result.kind === 'logged' ? result.campaign.id : null
      expect(id === db.fx.B.rows.get('campaign:cY') || id === db.fx.A.rows.get('campaign:cY'), campaignQuery).toBe(false)
    }
  })

  it('refuses, writing nothing: future date, locked period, day over 24 h, a campaign not running that day', async () => {
    const pm = actorOf(db.fx, 'A', 'pm')
    const before = await countEntries()
    const run = (r: Partial<LogRequest>) => as('pm', (trx) => logTime(trx, pm, req({ campaignQuery: 'Campaign cY', ...r }), ctx()))
    expect(await run({ date: '2026-11-26' })).toEqual({ kind: 'future_date', date: '2026-11-26' })
    expect(await run({ date: '2026-11-01' })).toEqual({ kind: 'locked_period', date: '2026-11-01', lockDays: 14 })
    expect((await run({ date: '2026-11-24', hours: 20, confirmedLongDayFor: pm.userId })).kind).toBe('logged')
    expect(await run({ date: '2026-11-24', hours: 5 })).toEqual({ kind: 'day_over_24', date: '2026-11-24', alreadyLogged: 20, hours: 5 })
    expect((await run({ phase: 'Editing' })).kind).toBe('unknown_phase')
    expect(await countEntries()).toBe(before + 1)
    await db.e.db.updateTable('agency.campaigns').set({ status: 'completed' }).where('id', '=', db.fx.A.rows.get('campaign:cY')!).execute()
    expect((await run({})).kind).toBe('inactive_campaign')
    expect(await countEntries()).toBe(before + 1)
  })

  it('shows the week against capacity and undoes the last entry within the window', async () => {
    const account = actorOf(db.fx, 'A', 'account')
    await as('account', (trx) => logTime(trx, account, req({ hours: 2, date: '2026-11-23' }), ctx()))
    await as('account', (trx) => logTime(trx, account, req({ hours: 1.5 }), ctx()))
    const week = await as('account', (trx) => weekView(trx, account, '2026-11-23'))
    expect(week.days.map((d) => d.hours)).toEqual([2, 0, 1.5, 0, 0, 0, 0])
    expect(week.total).toBe(3.5)
    expect(week.capacity).toBe(40)
    const undone = await as('account', (trx) => undoLast(trx, account, new Date()))
    expect(undone).toMatchObject({ kind: 'undone', hours: 1.5, date: TODAY })
    const later = new Date(Date.now() + 3 * 24 * 3600_000)
    expect(await as('account', (trx) => undoLast(trx, account, later))).toEqual({ kind: 'nothing_to_undo', windowMinutes: 1440 })
  })

  it('logs a range as one entry per day, and undoes them together', async () => {
    const admin = actorOf(db.fx, 'A', 'admin')
    const range = ['2026-11-23', '2026-11-24', '2026-11-25']
    const logged = await as('admin', (trx) => logTime(trx, admin, days(range, { note: 'standup' }), ctx()))
    expect(logged).toMatchObject({ kind: 'logged_days', hours: 2, campaign: { name: 'Campaign cX A' } })
    expect(logged.kind === 'logged_days' && logged.entries.map((e) => [e.date, e.dayTotal])).toEqual(range.map((d) => [d, 2]))
    const rows = await db.e.db.selectFrom('agency.timesheet_entries').select(['entry_date', 'hours', 'description'])
      .where('user_id', '=', admin.userId).where('entry_date', 'in', range).orderBy('entry_date').execute()
    expect(rows).toEqual(range.map((d) => ({ entry_date: d, hours: 2, description: 'standup' })))
    const undone = await as('admin', (trx) => undoLast(trx, admin, new Date()))
    expect(undone).toEqual({ kind: 'undone', hours: 2, date: '2026-11-23', campaign: 'Campaign cX A', dates: range })
    expect(await db.e.db.selectFrom('agency.timesheet_entries').select('id').where('user_id', '=', admin.userId).where('entry_date', 'in', range).execute()).toEqual([])
  })

  it('never logs the same range twice', async () => {
    const admin = actorOf(db.fx, 'A', 'admin')
    const c = ctx()
    const first = await as('admin', (trx) => logTime(trx, admin, days(['2026-11-16', '2026-11-17']), c))
    const before = await countEntries()
    const again = await as('admin', (trx) => logTime(trx, admin, days(['2026-11-16', '2026-11-17']), c))
    expect(again).toEqual({ kind: 'duplicate', entryId: first.kind === 'logged_days' ? first.entries[0]!.entryId : 'x' })
    expect(await countEntries()).toBe(before)
  })

  it('writes no day of a range when one day is refused: full, locked, or outside the campaign', async () => {
    const finance = actorOf(db.fx, 'A', 'finance')
    expect((await as('finance', (trx) => logTime(trx, finance, req({ date: '2026-11-20', hours: 20, confirmedLongDayFor: finance.userId }), ctx()))).kind).toBe('logged')
    const before = await countEntries()
    const run = (dates: string[], hours = 5) => as('finance', (trx) => logTime(trx, finance, days(dates, { hours }), ctx()))
    expect(await run(['2026-11-19', '2026-11-20', '2026-11-21'])).toEqual({ kind: 'day_over_24', date: '2026-11-20', alreadyLogged: 20, hours: 5 })
    expect(await run(['2026-11-10', '2026-11-11'])).toEqual({ kind: 'locked_period', date: '2026-11-10', lockDays: 14 })
    expect(await run(['2026-11-25', '2026-11-26'])).toEqual({ kind: 'future_date', date: '2026-11-26' })
    await db.e.db.updateTable('agency.campaigns').set({ start_date: '2026-11-19' }).where('id', '=', db.fx.A.rows.get('campaign:cX')!).execute()
    try {
      expect(await run(['2026-11-18', '2026-11-19'])).toMatchObject({ kind: 'outside_campaign_dates', date: '2026-11-18' })
    } finally {
      await db.e.db.updateTable('agency.campaigns').set({ start_date: '2026-10-05' }).where('id', '=', db.fx.A.rows.get('campaign:cX')!).execute()
    }
    expect(await countEntries()).toBe(before)
  })

  it('rolls back the days already written when the database refuses a later one', async () => {
    const finance = actorOf(db.fx, 'A', 'finance')
    // A refusal only the database knows about, on the range's last day: the first days are
    // inserted by then, and must go with it.
    await sql`CREATE FUNCTION public.refuse_nov_13() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.entry_date = '2026-11-13' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$`.execute(db.e.db)
    await sql`CREATE TRIGGER refuse_nov_13 BEFORE INSERT ON agency.timesheet_entries FOR EACH ROW EXECUTE FUNCTION public.refuse_nov_13()`.execute(db.e.db)
    try {
      const before = await countEntries()
      await expect(as('finance', (trx) => logTime(trx, finance, days(['2026-11-11', '2026-11-12', '2026-11-13']), ctx()))).rejects.toThrow(/refused by the test/)
      expect(await countEntries()).toBe(before)
    } finally {
      await sql`DROP TRIGGER refuse_nov_13 ON agency.timesheet_entries`.execute(db.e.db)
      await sql`DROP FUNCTION public.refuse_nov_13()`.execute(db.e.db)
    }
  })

  it('logs "aurora spring launch fixing the deck after feedback" to the campaign, with the rest as the note', async () => {
    const pm = actorOf(db.fx, 'A', 'pm')
    for (const name of ['Aurora Air Spring Launch', 'Aurora Air Marathon Sponsorship']) {
      await db.e.db.insertInto('agency.campaigns').values({
        tenant_id: db.fx.A.tenantId, client_id: db.fx.A.rows.get('client:Y')!, name, code: name.split(' ').map((w) => w[0]).join(''),
        status: 'active', start_date: '2026-10-05', end_date: '2026-12-20', created_by: pm.userId,
      }).execute()
    }
    const logged = await as('pm', (trx) => logTime(trx, pm, req({ hours: 2, campaignQuery: 'aurora spring launch fixing the deck after feedback' }), ctx()))
    expect(logged).toMatchObject({ kind: 'logged', campaign: { name: 'Aurora Air Spring Launch' }, note: 'fixing the deck after feedback' })
    const row = await db.e.db.selectFrom('agency.timesheet_entries').select('description').where('id', '=', logged.kind === 'logged' ? logged.entryId : '').executeTakeFirstOrThrow()
    expect(row.description).toBe('fixing the deck after feedback')
    // With a note after " - " as well, both are kept, in the order typed.
    const both = await as('pm', (trx) => logTime(trx, pm, req({ hours: 1, campaignQuery: 'aurora spring launch deck', note: 'v2' }), ctx()))
    expect(both).toMatchObject({ kind: 'logged', note: 'deck - v2' })
    // "aurora air" fits both Aurora Air campaigns: the person is asked, nothing is written.
    const before = await countEntries()
    const ambiguous = await as('pm', (trx) => logTime(trx, pm, req({ campaignQuery: 'aurora air fixing the deck' }), ctx()))
    expect(ambiguous.kind).not.toBe('logged')
    expect(await countEntries()).toBe(before)
  })

  it('edit <campaign name> moves the last entry to that campaign; other words stay the note', async () => {
    const lead = actorOf(db.fx, 'A', 'leadership')
    // An earlier test left Campaign cY completed.
    await db.e.db.updateTable('agency.campaigns').set({ status: 'active' }).where('id', '=', db.fx.A.rows.get('campaign:cY')!).execute()
    const now = new Date()
    const edit = (text: Parameters<typeof editLast>[2]) => as('leadership', (trx) => editLast(trx, lead, text, now, TODAY))
    const change = (over: Partial<Parameters<typeof editLast>[2]>) => ({ hours: null, date: null, note: null, campaignOrNote: null, ...over })
    const logged = await as('leadership', (trx) => logTime(trx, lead, req({ hours: 2, campaignQuery: 'Campaign cX', phase: 'Strategy', note: 'deck' }), ctx()))
    const entryId = logged.kind === 'logged' ? logged.entryId : ''
    const entry = () => db.e.db.selectFrom('agency.timesheet_entries').select(['campaign_id', 'phase_id', 'hours', 'description']).where('id', '=', entryId).executeTakeFirstOrThrow()

    expect(await edit(change({ campaignOrNote: 'Campaign cY A' }))).toEqual({
      kind: 'edited', hours: 2, date: TODAY, note: 'deck', campaign: 'Campaign cY A', movedFrom: 'Campaign cX A',
    })
    // Moved with its phase: the new campaign's phase of the same name.
    expect(await entry()).toEqual({ campaign_id: db.fx.A.rows.get('campaign:cY'), phase_id: db.fx.A.rows.get('phase:cY'), hours: 2, description: 'deck' })

    // edit 3h and edit note … keep working, on the campaign it is on now.
    expect(await edit(change({ hours: 3 }))).toMatchObject({ kind: 'edited', hours: 3, campaign: 'Campaign cY A' })
    expect(await edit(change({ note: 'Campaign cX A' }))).toMatchObject({ kind: 'edited', note: 'Campaign cX A', campaign: 'Campaign cY A' })
    expect(await entry()).toMatchObject({ campaign_id: db.fx.A.rows.get('campaign:cY'), hours: 3, description: 'Campaign cX A' })

    // Words that name no campaign, or several, are the note, and nothing moves.
    expect(await edit(change({ hours: 2, campaignOrNote: 'client call' }))).toMatchObject({ kind: 'edited', note: 'client call', campaign: 'Campaign cY A' })
    expect(await edit(change({ campaignOrNote: 'campaign' }))).toMatchObject({ kind: 'edited', note: 'campaign', alsoFits: ['Campaign cX A', 'Campaign cY A'] })
    // Another tenant's campaign is not one this person can see, and its code is no near miss of theirs.
    expect(await edit(change({ campaignOrNote: 'B-cX' }))).toMatchObject({ kind: 'edited', note: 'B-cX', campaign: 'Campaign cY A' })
    expect(await entry()).toMatchObject({ campaign_id: db.fx.A.rows.get('campaign:cY') })

    // A campaign the entry cannot move to is refused, and nothing changes.
    await db.e.db.updateTable('agency.campaigns').set({ status: 'completed' }).where('id', '=', db.fx.A.rows.get('campaign:cX')!).execute()
    try {
      expect(await edit(change({ campaignOrNote: 'Campaign cX A' }))).toMatchObject({ kind: 'inactive_campaign', campaign: { name: 'Campaign cX A' } })
      expect(await entry()).toMatchObject({ campaign_id: db.fx.A.rows.get('campaign:cY') })
    } finally {
      await db.e.db.updateTable('agency.campaigns').set({ status: 'active' }).where('id', '=', db.fx.A.rows.get('campaign:cX')!).execute()
    }
  })

  it('asks before a day goes past a long day, and writes nothing until the person confirms', async () => {
    const account = actorOf(db.fx, 'A', 'account')
    const day = '2026-11-13'
    expect(await as('account', (trx) => logTime(trx, account, req({ date: day, hours: 10 }), ctx()))).toMatchObject({ kind: 'logged', dayTotal: 10 })
    const before = await countEntries()
    const asked = await as('account', (trx) => logTime(trx, account, req({ date: day, hours: 3, campaignQuery: 'campaign cx storyboards' }), ctx()))
    expect(asked).toMatchObject({ kind: 'long_day', days: [{ date: day, total: 13 }], usualDay: 8, limit: 12, campaign: { name: 'Campaign cX A' } })
    expect(await countEntries()).toBe(before)
    if (asked.kind !== 'long_day') throw new Error('asked')
    // What the button sends back: the same entry, its campaign and note resolved, confirmed for this person only.
    expect(asked.request).toMatchObject({ hours: 3, date: day, campaignId: db.fx.A.rows.get('campaign:cX'), note: 'storyboards', confirmedLongDayFor: account.userId })
    const creative = actorOf(db.fx, 'A', 'creative')
    expect(await as('creative', (trx) => logTime(trx, creative, asked.request, ctx()))).toEqual({ kind: 'not_your_confirmation' })
    expect(await countEntries()).toBe(before)
    expect(await as('account', (trx) => logTime(trx, account, asked.request, ctx()))).toMatchObject({ kind: 'logged', dayTotal: 13, note: 'storyboards' })
    expect(await countEntries()).toBe(before + 1)
    // A range asks once, naming each day that would be long; 24 h stays a refusal, confirmed or not.
    const range = await as('account', (trx) => logTime(trx, account, days(['2026-11-12', '2026-11-13'], { hours: 1 }), ctx()))
    expect(range).toMatchObject({ kind: 'long_day', days: [{ date: day, total: 14 }] })
    expect(await as('account', (trx) => logTime(trx, account, req({ date: day, hours: 12, confirmedLongDayFor: account.userId }), ctx())))
      .toMatchObject({ kind: 'day_over_24', alreadyLogged: 13 })
    // Someone whose usual week is longer has a longer usual day.
    await db.e.db.updateTable('workroom.people').set({ weekly_capacity_hours: 60 }).where('id', '=', account.userId).execute()
    expect(await as('account', (trx) => logTime(trx, account, req({ date: '2026-11-12', hours: 17 }), ctx()))).toMatchObject({ kind: 'logged' })
  })

  describe('through the router, as a person types it', () => {
    const now = () => new Date('2026-11-25T15:00:00Z')
    const send = (person: string, input: Inbound['input']) => converse({ db: db.e.db, now }, {
      platform: 'slack', workspaceId: 'TA', externalUserId: `UA${person}`, channelId: 'C1', threadId: null, requestId: `r-${++requestSeq}`, input,
    })
    const timesheet = (person: string, text: string) => send(person, { kind: 'command', command: '/timesheet', text })
    const buttons = (r: Awaited<ReturnType<typeof send>>) => r.blocks.flatMap((b) => (b.type === 'buttons' ? b.buttons : []))

    it('asks for the campaign in words when a long note could not ride on a button, and every platform renders the reply', async () => {
      const note = 'storyboard revisions '.repeat(95).trim() // ~2,000 characters: within a message, beyond a button
      // The pm sees both campaigns, so "campaign" fits two and "campain cx a" suggests two.
      for (const text of [`2h campaign - ${note}`, `2h campain cx a - ${note}`, `20h campaign cx - ${note}`]) {
        const r = await timesheet('pm', text)
        expect(() => renderBlocks(r)).not.toThrow()
        expect(() => renderCard(r)).not.toThrow()
        expect(buttons(r).every((b) => b.payload.length <= MAX_BUTTON_PAYLOAD)).toBe(true)
        // Each is a question (which campaign? a long day?): nothing is logged, and the person is told what to send.
        expect(r.summary).not.toMatch(/^Logged/)
        expect(renderText(r)).toMatch(/too long to put on a button/)
      }
    })

    it('offers "did you mean" suggestions as buttons that log the same entry to the one picked', async () => {
      const missed = await timesheet('creative', '2h campain cx a - storyboards')
      expect(missed.summary).toContain("I can't find a campaign called")
      const [pick] = buttons(missed)
      expect(pick).toMatchObject({ label: 'Campaign cX A (A-cX)', actionId: 'timesheet.choose' })
      // The buttons show wherever the question was posted: a colleague's click logs nothing, for anyone.
      const before = await countEntries()
      const colleague = await send('account', { kind: 'action', actionId: pick!.actionId, payload: pick!.payload })
      expect(colleague.summary).toMatch(/^These choices were offered to the person who asked, so nothing was logged for you/)
      expect(await countEntries()).toBe(before)
      const logged = await send('creative', { kind: 'action', actionId: pick!.actionId, payload: pick!.payload })
      expect(logged.summary).toMatch(/^Logged 2h to Campaign cX A/)
      expect(plain((logged.blocks[0] as { text: Text }).text)).toContain(': "storyboards"')
    })

    it('confirms a range with its dates, and a long day only once "Log it anyway" is clicked', async () => {
      const range = await timesheet('admin', 'mon-wed 1h campaign cx')
      expect(range.summary).toBe('Logged 1h a day to Campaign cX A on 3 days: Mon 23 Nov, Tue 24 Nov, Wed 25 Nov.')

      const before = await countEntries()
      const asked = await timesheet('pm', '23.5h campaign cx 12/11 - pitch deck')
      expect(asked.summary).toBe("That would make 23.5h on Thu 12 Nov, well over your usual 8h day. Log it anyway?")
      expect(await countEntries()).toBe(before)
      const [confirm] = buttons(asked)
      expect(confirm).toMatchObject({ label: 'Log it anyway', actionId: 'timesheet.confirm' })
      const colleague = await send('creative', { kind: 'action', actionId: confirm!.actionId, payload: confirm!.payload })
      expect(colleague.summary).toMatch(/^This button confirms the hours of the person who was asked/)
      expect(await countEntries()).toBe(before)
      const logged = await send('pm', { kind: 'action', actionId: confirm!.actionId, payload: confirm!.payload })
      expect(logged.summary).toBe('Logged 23.5h to Campaign cX A on Thu 12 Nov.')
      expect(await countEntries()).toBe(before + 1)
    })

    it('asks before an edit makes a long day, changes it only on "Change it anyway" by the same person, and does not ask when the day shrinks', async () => {
      const logged = await timesheet('finance', '1h campaign cy 19/11 - budget review')
      expect(logged.summary).toBe('Logged 1h to Campaign cY A on Thu 19 Nov.')
      const hours = async () => (await db.e.db.selectFrom('agency.timesheet_entries').select('hours')
        .where('user_id', '=', db.fx.A.people.finance).where('entry_date', '=', '2026-11-19').executeTakeFirstOrThrow()).hours
      const asked = await timesheet('finance', 'edit 14h')
      expect(asked.summary).toBe('That would make 14h on Thu 19 Nov, well over your usual 8h day. Change it anyway?')
      expect(Number(await hours())).toBe(1)
      const [confirm] = buttons(asked)
      expect(confirm).toMatchObject({ label: 'Change it anyway', actionId: 'timesheet.confirm_edit' })
      const colleague = await send('pm', { kind: 'action', actionId: confirm!.actionId, payload: confirm!.payload })
      expect(colleague.summary).toMatch(/^This button confirms a change to the entry of the person who was asked/)
      expect(Number(await hours())).toBe(1)
      const changed = await send('finance', { kind: 'action', actionId: confirm!.actionId, payload: confirm!.payload })
      expect(changed.summary).toMatch(/^Changed your entry #[0-9a-f]{8} on Campaign cY A to 14h on Thu 19 Nov \("budget review"\)\.$/)
      expect(Number(await hours())).toBe(14)
      // Shorter, though still long: no question.
      expect((await timesheet('finance', 'edit 13h')).summary).toBe('Changed your last entry on Campaign cY A to 13h on Thu 19 Nov ("budget review").')
      // A forged confirmation (someone else's id in it) changes nothing.
      const forged = JSON.stringify({ ...JSON.parse(confirm!.payload), confirmedLongDayFor: db.fx.A.people.pm })
      expect((await send('finance', { kind: 'action', actionId: 'timesheet.confirm_edit', payload: forged })).summary).toMatch(/^This button confirms a change/)
      expect((await send('finance', { kind: 'action', actionId: 'timesheet.confirm_edit', payload: '{nope' })).summary).toBe('That choice has expired. Please send the message again.')
      expect(Number(await hours())).toBe(13)
    })

    it('shows the week entry by entry, and its Edit button says how to change that entry', async () => {
      await timesheet('finance', '1h campaign cy 23/11 nb - invoice query')
      const week = await timesheet('finance', 'week')
      const monday = week.blocks.find((b) => b.type === 'list' && b.title === 'Mon 23 Nov · 1h')
      expect(monday).toMatchObject({ items: ['1h Campaign cY A (non-billable) — "invoice query"'] })
      const [edit, undo] = buttons(week).filter((b) => b.label.endsWith('1h Campaign cY A'))
      expect(edit).toMatchObject({ label: 'Edit 1h Campaign cY A', actionId: 'timesheet.edit' })
      expect(undo).toMatchObject({ label: 'Undo 1h Campaign cY A', actionId: 'timesheet.undo', payload: edit!.payload })
      const hint = await send('finance', { kind: 'action', actionId: edit!.actionId, payload: edit!.payload })
      const ref = edit!.payload.slice(0, 8)
      expect(hint.summary).toContain(`(/timesheet edit #${ref} 3h)`)
      expect(hint.blocks[0]).toMatchObject({ text: expect.arrayContaining([code(`/timesheet edit #${ref} 3h`)]) })
      // Someone else's entry: no hint, whatever the id.
      expect((await send('pm', { kind: 'action', actionId: edit!.actionId, payload: edit!.payload })).summary).toMatch(/^That entry isn't yours/)
      const changed = await timesheet('finance', `edit #${ref} 1h30`)
      expect(changed.summary).toBe(`Changed your entry #${ref} on Campaign cY A to 1.5h on Mon 23 Nov ("invoice query").`)
    })

    it('keeps a note typed without a separator, and moves the last entry with edit <campaign>', async () => {
      const logged = await timesheet('leadership', '2h aurora spring launch fixing the deck after feedback')
      expect(logged.summary).toBe('Logged 2h to Aurora Air Spring Launch on Wed 25 Nov.')
      expect(plain((logged.blocks[0] as { text: Text }).text)).toContain(': "fixing the deck after feedback".')
      const moved = await timesheet('leadership', 'edit Campaign cX A')
      expect(moved.summary).toBe('Moved your last entry (2h on Wed 25 Nov, "fixing the deck after feedback") from Aurora Air Spring Launch to Campaign cX A.')
      const noted = await timesheet('leadership', 'edit note Campaign cY A')
      expect(noted.summary).toBe('Changed your last entry on Campaign cX A to 2h on Wed 25 Nov ("Campaign cY A").')
    })
  })

  it('edits an entry named by the start of its id, however long ago it was logged, and only the actor\'s own', async () => {
    const creative = actorOf(db.fx, 'A', 'creative')
    const id = db.fx.A.rows.get('timesheet:creative')!   // the fixture's 2h on 18 Nov
    const ref = id.slice(0, 8)
    const later = new Date(Date.now() + 3 * 24 * 3600_000)   // past the undo window
    const change = { hours: 1.5, date: null, note: null, campaignOrNote: null }
    expect(await as('creative', (trx) => editLast(trx, creative, change, later, TODAY))).toEqual({ kind: 'nothing_to_edit', windowMinutes: 1440 })
    expect(await as('creative', (trx) => editLast(trx, creative, { ...change, entryRef: ref }, later, TODAY)))
      .toMatchObject({ kind: 'edited', hours: 1.5, date: '2026-11-18', campaign: 'Campaign cX A', entryRef: ref })
    const account = actorOf(db.fx, 'A', 'account')
    expect(await as('account', (trx) => editLast(trx, account, { ...change, hours: 9, entryRef: ref }, later, TODAY)))
      .toEqual({ kind: 'nothing_to_edit', windowMinutes: 1440, entryRef: ref })
    const row = await db.e.db.selectFrom('agency.timesheet_entries').select(['hours', 'user_id']).where('id', '=', id).executeTakeFirstOrThrow()
    expect(row).toEqual({ hours: 1.5, user_id: creative.userId })
  })

  it('marks the week\'s entries with phase, note, billable, and whether Undo still reaches them', async () => {
    const admin = actorOf(db.fx, 'A', 'admin')
    await as('admin', (trx) => logTime(trx, admin, req({ hours: 1, date: '2026-11-20', phase: 'strategy', note: 'kick-off', billable: false }), ctx()))
    const week = await as('admin', (trx) => weekView(trx, admin, '2026-11-16', new Date()))
    const friday = week.days.find((d) => d.date === '2026-11-20')!
    expect(friday.entries).toContainEqual(expect.objectContaining({ hours: 1, campaign: 'Campaign cX A', phase: 'Strategy', note: 'kick-off', billable: false, undoable: true, inRange: false }))
    // The range logged on 16–17 Nov earlier is marked as one.
    expect(week.days[0]!.entries).toContainEqual(expect.objectContaining({ hours: 2, inRange: true }))
    const later = await as('admin', (trx) => weekView(trx, admin, '2026-11-16', new Date(Date.now() + 3 * 24 * 3600_000)))
    expect(later.days.flatMap((d) => d.entries).some((e) => e.undoable)).toBe(false)
  })
})

// Two sessions at once: needs a server (PGlite is one connection, so its transactions queue).
const concurrent = process.env.TEST_DATABASE_URL ? describe : describe.skip
concurrent(`timesheet handler under concurrent messages [postgres${process.env.TEST_DATABASE_URL ? '' : ': skipped, TEST_DATABASE_URL is not set'}]`, () => {
  const db = useFixtureDatabase(postgres)

  it('lets only one of two messages arriving together fill the same day past 24 h', async () => {
    const pm = actorOf(db.fx, 'A', 'pm')
    const day = '2026-11-17'
    const log = (trx: Parameters<typeof logTime>[0]) => logTime(trx, pm, req({ date: day, hours: 14, campaignQuery: 'Campaign cY', confirmedLongDayFor: pm.userId }), ctx())
    let release!: () => void
    const held = new Promise<void>((resolve) => { release = resolve })
    // The first logs 14 h and keeps its transaction open ...
    let firstLogged!: () => void
    const logged = new Promise<void>((resolve) => { firstLogged = resolve })
    const first = withActor(db.e.db, pm, async (trx) => {
      const result = await log(trx)
      firstLogged()
      await held
      return result
    })
    await logged
    // ... so the second, for the same person and day, waits for the day's lock ...
    const second = withActor(db.e.db, pm, (trx) => log(trx))
    for (let i = 0; ; i++) {
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'`.execute(db.e.db)
      if (rows[0]!.n > 0) break
      if (i === 2000) throw new Error('the second message never waited for the first')
      await new Promise((resolve) => setImmediate(resolve))
    }
    release()
    // ... and, once the first commits, counts its 14 h: 28 would be over 24, so nothing is written.
    expect((await first).kind).toBe('logged')
    expect(await second).toEqual({ kind: 'day_over_24', date: day, alreadyLogged: 14, hours: 14 })
    const { rows } = await sql<{ total: number }>`SELECT sum(hours) AS total FROM agency.timesheet_entries WHERE user_id = ${pm.userId} AND entry_date = ${day}`.execute(db.e.db)
    expect(rows[0]!.total).toBe(14)
  })
})
