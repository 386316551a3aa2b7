/**
 * End-of-day reminders: who gets one and when (their zone, their reminder time, short of their
 * usual day or, on Friday, their week), exactly once per person and day however many schedulers
 * tick and after a restart, never to someone who logged enough; the DM's buttons log through the
 * same handler as /timesheet; snooze sends it once more; `/timesheet remind` is the person's own.
 */
import { expect, it } from 'vitest'
import { converse } from '../src/chat/converse.ts'
import type { DirectTarget } from '../src/chat/platform.ts'
import { createEngine, type Engine } from '../src/db/engine.ts'
import type { Inbound } from '../src/handlers/inbound.ts'
import { renderText } from '../src/handlers/render-text.ts'
import type { Button, Reply } from '../src/handlers/reply.ts'
import { createLogger } from '../src/log.ts'
import { runDueReminders, type DirectSender } from '../src/reminders.ts'
import { describeEachEngine } from './support/engines.ts'
import { PEOPLE, useFixtureDatabase, type PersonKey } from './support/fixture.ts'

const logger = createLogger('silent')

/** A sendDirect that records what it was asked to send; `reach` decides whom it can reach. */
function recorder(reach: (to: DirectTarget) => boolean | 'throw' = () => true) {
  const sent: Array<{ to: DirectTarget; reply: Reply }> = []
  const send: DirectSender = async (to, reply) => {
    const ok = reach(to)
    if (ok === 'throw') throw new Error('the platform is down')
    if (ok) sent.push({ to, reply })
    return ok
  }
  return { sent, send, users: () => sent.map((s) => s.to.externalUserId).sort() }
}

const buttons = (r: Reply) => r.blocks.flatMap((b) => (b.type === 'buttons' ? b.buttons : []))

describeEachEngine('reminders', (engine) => {
  const db = useFixtureDatabase(engine)
  let clock = new Date('2026-11-20T12:00:00Z')
  let seq = 0
  const send = (who: PersonKey, input: Inbound['input'], tenant: 'A' | 'B' = 'A'): Promise<Reply> => converse({ db: db.e.db, now: () => clock }, {
    platform: 'slack', workspaceId: `T${tenant}`, externalUserId: `U${tenant}${who}`, channelId: 'D0REMIND', threadId: null, input, requestId: `rm-${++seq}`,
  })
  const command = (who: PersonKey, text: string, tenant: 'A' | 'B' = 'A') => send(who, { kind: 'command', command: '/timesheet', text }, tenant)
  const click = (who: PersonKey, b: Button) => send(who, { kind: 'action', actionId: b.actionId, payload: b.payload })
  const tick = (at: string, sender: DirectSender, on: Engine = db.e) =>
    runDueReminders({ db: on.db, service: on.service.db, now: () => new Date(at), senders: { slack: sender }, logger })
  const runs = (date: string) => db.e.db.selectFrom('workroom.reminder_runs as r').innerJoin('workroom.people as p', 'p.id', 'r.person_id')
    .select(['p.email', 'r.status', 'r.attempts']).where('r.local_date', '=', date).orderBy('p.email').execute()
  const everyone = (except: string[] = []) => (['A', 'B'] as const).flatMap((t) => PEOPLE.map((p) => `U${t}${p}`)).filter((u) => !except.includes(u)).sort()

  it('DMs each person short of their day once, across two concurrent schedulers and a restart, and not someone who logged enough', async () => {
    // Tuesday 24 November. The creative of A has logged a full day; the pm of A works in New York.
    clock = new Date('2026-11-24T12:00:00Z')
    expect(renderText(await command('creative', '8h Campaign cX'))).toMatch(/Logged 8h/)
    await db.e.db.updateTable('workroom.people').set({ timezone: 'America/New_York' }).where('id', '=', db.fx.A.people.pm).execute()
    const extra: Engine[] = engine.urlOf ? [await createEngine({ kind: 'postgres', url: engine.urlOf(db.e), poolSize: 3 })] : []
    const second = extra[0] ?? db.e
    const { sent, send: sender, users } = recorder()
    try {
      expect(await tick('2026-11-24T17:29:00Z', sender)).toMatchObject({ claimed: 0 })
      const [one, two] = await Promise.all([tick('2026-11-24T17:30:00Z', sender), tick('2026-11-24T17:30:00Z', sender, second)])
      expect(one!.claimed + two!.claimed).toBe(12)
      // A restart: a new process (a new recorder and engine) ticking the same minute and the next.
      const restarted = recorder()
      const again = extra.length ? await createEngine({ kind: 'postgres', url: engine.urlOf!(db.e), poolSize: 3 }) : db.e
      if (extra.length) extra.push(again)
      expect(await tick('2026-11-24T17:30:30Z', restarted.send, again)).toMatchObject({ claimed: 0 })
      expect(await tick('2026-11-24T19:00:00Z', restarted.send, again)).toMatchObject({ claimed: 0 })
      expect(restarted.sent).toEqual([])
      // 17:30 in New York.
      expect(await tick('2026-11-24T22:30:00Z', sender)).toMatchObject({ claimed: 1, sent: 1 })
      expect(await tick('2026-11-24T23:59:00Z', sender)).toMatchObject({ claimed: 0 })
    } finally {
      await Promise.all(extra.map((e) => e.close()))
      await db.e.db.updateTable('workroom.people').set({ timezone: null }).where('id', '=', db.fx.A.people.pm).execute()
    }
    expect(users()).toEqual(everyone(['UAcreative']))
    expect(sent.at(-1)!.to).toEqual({ workspaceId: 'TA', externalUserId: 'UApm' })
    expect((await runs('2026-11-24')).find((r) => r.email === 'creative@a.example')).toMatchObject({ status: 'skipped' })
    expect((await runs('2026-11-24')).filter((r) => r.status === 'sent')).toHaveLength(13)

    // The account manager's DM: their hours, their usual campaign as a one-click button that logs
    // through /timesheet's own handler, for the reminder's day.
    const dm = sent.find((s) => s.to.externalUserId === 'UAaccount')!.reply
    expect(renderText(dm)).toMatch(/Today: 0h logged of your usual 8h/)
    const logTwo = buttons(dm).find((b) => b.label === 'Log 2h to Campaign cX A')!
    expect(buttons(dm).map((b) => b.label)).toContain('Snooze 1 hour')
    clock = new Date('2026-11-25T08:00:00Z')                                      // clicked the next morning: still the 24th
    expect(renderText(await click('account', logTwo))).toMatch(/Logged 2h to Campaign cX A on Tue 24 Nov/)
    // Someone else's click on it (a forwarded message) logs nothing for them.
    expect(renderText(await click('creative', logTwo))).toMatch(/offered to the person who asked/)
  })

  it("follows each person's own setting: off, another time; no weekend; on Friday the week", async () => {
    clock = new Date('2026-11-25T09:00:00Z')
    expect(renderText(await command('finance', 'remind off'))).toMatch(/Reminders off/)
    expect(renderText(await command('admin', 'remind at 7pm'))).toMatch(/Reminders on: a direct message at 19:00/)
    expect(renderText(await command('admin', 'remind'))).toMatch(/You get a direct message at 19:00/)
    const { send: sender, users } = recorder()
    await tick('2026-11-25T17:30:00Z', sender)
    expect(users()).not.toContain('UAfinance')
    expect(users()).not.toContain('UAadmin')
    await tick('2026-11-25T19:00:00Z', sender)
    expect(users().filter((u) => u === 'UAadmin')).toHaveLength(1)
    expect(users()).not.toContain('UAfinance')

    // Friday 27 November: the week, Monday to Friday, against capacity. Leadership of B has logged
    // the whole week (8h a day); the creative of B nothing this week.
    clock = new Date('2026-11-27T10:00:00Z')
    expect(renderText(await command('leadership', 'mon-fri 8h Campaign cY', 'B'))).toMatch(/Logged 8h a day/)
    const friday = recorder()
    await tick('2026-11-27T17:30:00Z', friday.send)
    expect(friday.users()).not.toContain('UBleadership')
    const creativeB = friday.sent.find((s) => s.to.externalUserId === 'UBcreative')!
    expect(renderText(creativeB.reply)).toMatch(/Your week so far: 0h logged of 40h/)

    // Saturday: nobody.
    const saturday = recorder()
    expect(await tick('2026-11-28T17:30:00Z', saturday.send)).toMatchObject({ claimed: 0 })
    await command('finance', 'remind on')
    await command('admin', 'remind at 17:30')
  })

  it('sends a snoozed reminder once more, and not at all if the hours were logged meanwhile', async () => {
    const { sent, send: sender } = recorder((to) => to.workspaceId === 'TA')
    await tick('2026-11-30T17:30:00Z', sender)
    const snooze = buttons(sent.find((s) => s.to.externalUserId === 'UAcreative')!.reply).find((b) => b.actionId === 'timesheet.snooze')!
    clock = new Date('2026-11-30T17:35:00Z')
    expect(renderText(await click('creative', snooze))).toMatch(/Snoozed: I'll remind you again at 18:35/)
    expect(renderText(await click('account', buttons(sent.find((s) => s.to.externalUserId === 'UAaccount')!.reply).find((b) => b.actionId === 'timesheet.snooze')!))).toMatch(/18:35/)
    clock = new Date('2026-11-30T18:00:00Z')
    await command('account', '8h Campaign cX')
    const before = sent.length
    await tick('2026-11-30T18:30:00Z', sender)
    expect(sent.length).toBe(before)
    expect(await tick('2026-11-30T18:35:00Z', sender)).toMatchObject({ claimed: 2, sent: 1, skipped: 1 })
    expect(sent.slice(before).map((s) => s.to.externalUserId)).toEqual(['UAcreative'])
    expect(await tick('2026-11-30T19:40:00Z', sender)).toMatchObject({ claimed: 0 })
    // Tenant B's people could not be reached: recorded as such, not retried.
    expect((await runs('2026-11-30')).filter((r) => r.email.endsWith('@b.example')).map((r) => r.status)).toEqual(Array(7).fill('unreachable'))
  })

  it('retries a failed delivery on later ticks, then gives up', async () => {
    const failing = recorder(() => 'throw')
    const at = (t: string) => runDueReminders({ db: db.e.db, service: db.e.service.db, now: () => new Date(t), senders: { slack: failing.send }, logger, maxAttempts: 2, retryAfterMs: 5 * 60_000 })
    expect(await at('2026-12-01T17:30:00Z')).toMatchObject({ claimed: 14, failed: 14 })
    expect(await at('2026-12-01T17:31:00Z')).toMatchObject({ claimed: 0 })
    expect(await at('2026-12-01T17:36:00Z')).toMatchObject({ claimed: 14, gaveUp: 14 })
    expect(await at('2026-12-01T18:00:00Z')).toMatchObject({ claimed: 0 })
    expect(new Set((await runs('2026-12-01')).map((r) => `${r.status}/${r.attempts}`))).toEqual(new Set(['gave_up/2']))
  })
})
