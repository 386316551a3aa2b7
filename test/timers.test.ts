/**
 * Timers through the whole conversation (converse, as Slack's slash command and buttons arrive):
 * a timer logs once, rounded by the agency's rule, however many stops arrive; the week view shows
 * it; a second timer switches; a timer from yesterday asks before logging; and nobody else can
 * see, stop or plant a person's timer, whatever SQL they send.
 */
import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { converse } from '../src/chat/converse.ts'
import { withActor } from '../src/db/actor.ts'
import type { Inbound } from '../src/handlers/inbound.ts'
import { renderText } from '../src/handlers/render-text.ts'
import type { Button, Reply } from '../src/handlers/reply.ts'
import { roundElapsed } from '../src/handlers/timer.ts'
import { describeEachEngine } from './support/engines.ts'
import { actorOf, sqlstate, useFixtureDatabase, type PersonKey } from './support/fixture.ts'

describeEachEngine('timers', (engine) => {
  const db = useFixtureDatabase(engine)
  let clock = new Date('2026-11-25T09:00:00Z')
  let seq = 0
  const send = (who: PersonKey, input: Inbound['input']): Promise<Reply> => converse({ db: db.e.db, now: () => clock }, {
    platform: 'slack', workspaceId: 'TA', externalUserId: `UA${who}`, channelId: 'D0TIMER', threadId: null, input, requestId: `t-${++seq}`,
  })
  const command = (who: PersonKey, text: string) => send(who, { kind: 'command', command: '/timesheet', text })
  const click = (who: PersonKey, b: Button) => send(who, { kind: 'action', actionId: b.actionId, payload: b.payload })
  const buttons = (r: Reply) => r.blocks.flatMap((b) => (b.type === 'buttons' ? b.buttons : []))
  const timerEntries = (who: PersonKey) => db.e.db.selectFrom('agency.timesheet_entries').select(['hours', 'entry_date', 'external_ref'])
    .where('user_id', '=', db.fx.A.people[who]).where('external_ref', 'like', 'timer:%').orderBy('created_at').execute()
  const timers = () => db.e.db.selectFrom('workroom.timers').selectAll().execute()

  it('logs a stopped timer once, rounded up to the next 15 minutes, and a second stop logs nothing', async () => {
    clock = new Date('2026-11-25T09:00:00Z')
    expect(renderText(await command('creative', 'start Campaign cX'))).toMatch(/Timer started on Campaign cX A at 09:00/)
    clock = new Date('2026-11-25T10:07:30Z')
    const week = renderText(await command('creative', ''))
    expect(week).toMatch(/Timer running on Campaign cX A since 09:00 \(Wed 25 Nov\): 1h 07m so far/)
    const stopped = await command('creative', 'stop')
    expect(renderText(stopped)).toMatch(/Timer stopped after 1h 07m: logged 1\.25h to Campaign cX A on Wed 25 Nov \(rounded up to 15 minutes\)/)
    clock = new Date('2026-11-25T10:08:00Z')
    expect(renderText(await command('creative', 'stop'))).toMatch(/No timer is running/)
    // The week view's Stop button, clicked after the stop: nothing more.
    const stopButton = buttons(await (async () => {
      clock = new Date('2026-11-25T11:00:00Z')
      await command('creative', 'start Campaign cX')
      return command('creative', 'week')
    })()).find((b) => b.actionId === 'timesheet.timer_stop')!
    clock = new Date('2026-11-25T11:20:00Z')
    expect(renderText(await click('creative', stopButton))).toMatch(/logged 0\.5h/)           // 20 minutes: 0.5 h, as the policy's example
    expect(renderText(await click('creative', stopButton))).toMatch(/already been stopped/)
    expect(await timerEntries('creative')).toEqual([
      expect.objectContaining({ hours: 1.25, entry_date: '2026-11-25' }),
      expect.objectContaining({ hours: 0.5, entry_date: '2026-11-25' }),
    ])
    expect(await timers()).toEqual([])
  })

  it('logs once when two stops arrive at the same moment', async () => {
    clock = new Date('2026-11-24T13:00:00Z')
    await command('account', 'start Campaign cX - deck')
    clock = new Date('2026-11-24T14:29:00Z')
    const replies = await Promise.all([command('account', 'stop'), command('account', 'stop timer'), command('account', 'timer stop')])
    const texts = replies.map(renderText)
    expect(texts.filter((t) => /logged 1\.5h/.test(t))).toHaveLength(1)
    expect(texts.filter((t) => /No timer is running/.test(t))).toHaveLength(2)
    expect(await timerEntries('account')).toEqual([expect.objectContaining({ hours: 1.5, entry_date: '2026-11-24' })])
  })

  it("rounds by the agency's own rule: Southpaw's nearest tenth of an hour", async () => {
    await db.e.db.updateTable('workroom.tenants').set({ timer_round_minutes: 6, timer_round_up: false }).where('id', '=', db.fx.A.tenantId).execute()
    try {
      clock = new Date('2026-11-23T09:00:00Z')
      await command('leadership', 'start Campaign cY')
      clock = new Date('2026-11-23T10:02:59Z')
      expect(renderText(await command('leadership', 'stop'))).toMatch(/logged 1h to Campaign cY A .*\(rounded to tenths of an hour\)/)
      await command('leadership', 'start Campaign cY')
      clock = new Date('2026-11-23T10:04:40Z')
      expect(renderText(await command('leadership', 'stop'))).toMatch(/rounds to nothing/)
      expect((await timerEntries('leadership')).map((e) => e.hours)).toEqual([1])
    } finally {
      await db.e.db.updateTable('workroom.tenants').set({ timer_round_minutes: 15, timer_round_up: true }).where('id', '=', db.fx.A.tenantId).execute()
    }
  })

  it('stops and logs the running timer when another starts, and says so', async () => {
    clock = new Date('2026-11-20T09:00:00Z')
    await command('leadership', 'start Campaign cX')
    clock = new Date('2026-11-20T09:40:00Z')
    expect(renderText(await command('leadership', 'start Campaign cX'))).toMatch(/already running, since 09:00/)
    const switched = renderText(await command('leadership', 'start Campaign cY'))
    expect(switched).toMatch(/logged 0\.75h to Campaign cX A/)
    expect(switched).toMatch(/Timer started on Campaign cY A at 09:40/)
    expect((await timers()).map((t) => t.campaign_id)).toEqual([db.fx.A.rows.get('campaign:cY')])
    clock = new Date('2026-11-20T10:00:00Z')
    await command('leadership', 'stop')
  })

  it('asks before logging a timer left running past midnight, and logs up to midnight only when told', async () => {
    clock = new Date('2026-11-23T22:10:00Z')
    await command('admin', 'start Campaign cY')
    clock = new Date('2026-11-24T09:00:00Z')
    const asked = await command('admin', 'stop')
    expect(renderText(asked)).toMatch(/running since Mon 23 Nov 22:10 \(10h 50m\)\. Log it up to midnight, 2h on Mon 23 Nov\?/)
    expect(await timerEntries('admin')).toEqual([])
    // Starting another asks the same, and starts nothing.
    expect(renderText(await command('admin', 'start Campaign cY'))).toMatch(/has not started/)
    expect((await timers()).filter((t) => t.person_id === db.fx.A.people.admin)).toHaveLength(1)
    const [logMidnight, discard] = buttons(asked)
    expect(logMidnight!.label).toBe('Log 2h on Mon 23 Nov')
    expect(discard!.label).toBe('Discard timer')
    // The button is the person's: a colleague's click stops nothing of theirs.
    expect(renderText(await click('creative', logMidnight!))).toMatch(/already been stopped/)
    expect(renderText(await click('admin', logMidnight!))).toMatch(/logged 2h to Campaign cY A on Mon 23 Nov/)
    expect(renderText(await click('admin', discard!))).toMatch(/already been stopped/)
    expect(await timerEntries('admin')).toEqual([expect.objectContaining({ hours: 2, entry_date: '2026-11-23' })])
  })

  it("keeps a person's timer from everyone else: direct SQL as workroom_app sees, stops and plants nothing", async () => {
    clock = new Date('2026-11-25T08:00:00Z')
    await command('creative', 'start Campaign cX')
    const mine = db.fx.A.people.creative
    for (const [tenant, person] of [['A', 'admin'], ['A', 'leadership'], ['A', 'pm'], ['B', 'admin']] as const) {
      await withActor(db.e.db, actorOf(db.fx, tenant, person), async (trx) => {
        expect(await trx.selectFrom('workroom.timers').selectAll().where('person_id', '=', mine).execute()).toEqual([])
        expect((await trx.deleteFrom('workroom.timers').where('person_id', '=', mine).executeTakeFirst()).numDeletedRows).toBe(0n)
        expect((await trx.updateTable('workroom.timers').set({ started_at: new Date('2026-11-01T00:00:00Z') }).where('person_id', '=', mine).executeTakeFirst()).numUpdatedRows).toBe(0n)
      })
      // Planting a timer (or a reminder setting) for someone else is refused by the policy.
      expect(await sqlstate(withActor(db.e.db, actorOf(db.fx, tenant, person), (trx) => sql`
        INSERT INTO workroom.timers (person_id, tenant_id, campaign_id) VALUES (${db.fx.A.people.account}, ${db.fx.A.tenantId}, ${db.fx.A.rows.get('campaign:cX')})`.execute(trx)))).toBe('42501')
      expect(await sqlstate(withActor(db.e.db, actorOf(db.fx, tenant, person), (trx) => sql`
        INSERT INTO workroom.reminder_settings (person_id, tenant_id, enabled) VALUES (${db.fx.A.people.account}, ${db.fx.A.tenantId}, false)`.execute(trx)))).toBe('42501')
    }
    expect((await timers()).filter((t) => t.person_id === mine)).toHaveLength(1)
    clock = new Date('2026-11-25T08:30:00Z')
    expect(renderText(await command('creative', 'stop'))).toMatch(/logged 0\.5h/)
  })
})

it('rounds elapsed time as the rule says, never below zero and never a step for a few milliseconds', () => {
  const up15 = { minutes: 15, up: true }
  const near6 = { minutes: 6, up: false }
  expect(roundElapsed(0, up15)).toBe(0)
  expect(roundElapsed(999, up15)).toBe(0)
  expect(roundElapsed(1000, up15)).toBe(0.25)
  expect(roundElapsed(20 * 60_000, up15)).toBe(0.5)
  expect(roundElapsed(60 * 60_000, up15)).toBe(1)
  expect(roundElapsed(61 * 60_000, up15)).toBe(1.25)
  expect(roundElapsed(-5000, up15)).toBe(0)
  expect(roundElapsed(2 * 60_000 + 59_000, near6)).toBe(0)
  expect(roundElapsed(3 * 60_000, near6)).toBe(0.1)
  expect(roundElapsed(62 * 60_000 + 59_000, near6)).toBe(1)
})
