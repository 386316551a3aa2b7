import { expect, it } from 'vitest'
import { withActor } from '../src/db/actor.ts'
import { logTime, undoLast, weekView, type LogRequest } from '../src/handlers/timesheet.ts'
import { describeEachEngine } from './support/engines.ts'
import { actorOf, useFixtureDatabase, type PersonKey } from './support/fixture.ts'

const TODAY = '2026-11-25'
const req = (over: Partial<LogRequest> = {}): LogRequest =>
  ({ hours: 3, date: TODAY, campaignQuery: 'Campaign cX', phase: null, note: null, billable: true, ...over })
let requestSeq = 0
const ctx = () => ({ today: TODAY, requestId: `req-${++requestSeq}`, source: 'cli' as const })

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
    expect((await run({ date: '2026-11-24', hours: 20 })).kind).toBe('logged')
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
})
