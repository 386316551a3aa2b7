/**
 * The chat inbox as SQL (src/db/inbox.ts, migration 017) and the resumer's rules (src/resume.ts),
 * on every engine. "Another process" is another Inbox with its own owner on the same database;
 * a lease that ran out is set in the past with SQL, as time would.
 */
import { sql } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Engine } from '../src/db/engine.ts'
import { Inbox, type InboxRow } from '../src/db/inbox.ts'
import { createLogger } from '../src/log.ts'
import { MAX_ATTEMPTS, resumeUnanswered } from '../src/resume.ts'
import { describeEachEngine } from './support/engines.ts'

type Line = { msg: string; level: number; [key: string]: unknown }

const inbound = (user: string, text = '/timesheet 1h Aurora Air') => ({
  platform: 'slack', workspaceId: 'T0INBOX', externalUserId: user, channelId: 'C0', threadId: null, requestId: `slash:${user}`,
  input: { kind: 'command', command: '/timesheet', text },
})
const to = { kind: 'response_url', url: 'https://hooks.slack.com/commands/T0/1/secret', replaceOriginal: null }

describeEachEngine('chat inbox', (engine) => {
  let db: Engine
  let seq = 0
  const key = () => `slack:command:trigger.${++seq}`
  const row = (k: string) => db.db.selectFrom('workroom.chat_inbox').selectAll().where('inbox_key', '=', k).executeTakeFirstOrThrow()
  /** As if the process holding it had died `ago` ms after its lease was last renewed. */
  const expire = (k: string, agoSeconds = 1) => sql`UPDATE workroom.chat_inbox SET lease_until = now() - make_interval(secs => ${agoSeconds}) WHERE inbox_key = ${k}`.execute(db.db)

  beforeAll(async () => {
    db = await engine.migrated()
  })
  afterAll(async () => {
    await db?.close()
  })

  it('records a delivery once, leased to the process that took it in; the same key again is refused in any state', async () => {
    const a = new Inbox(db.db, { owner: 'process-a', leaseMs: 30_000 })
    const k = key()
    const recorded = await a.record('slack', k, inbound('U1'), to)
    expect(recorded).toMatchObject({ key: k, platform: 'slack', inbound: inbound('U1'), answerTo: to, attempts: 1 })
    expect(await row(k)).toMatchObject({ state: 'received', claimed_by: 'process-a' })
    const lease = (await row(k)).lease_until.getTime() - Date.now()
    expect(lease).toBeGreaterThan(20_000)
    expect(lease).toBeLessThan(40_000)
    expect(await new Inbox(db.db, { owner: 'process-b' }).record('slack', k, inbound('U1'), to)).toBeNull()
    await a.settle(k, 'answered')
    expect(await a.record('slack', k, inbound('U1'), to)).toBeNull()
  })

  it('settling drops what the row carried (the text, the response_url) and keeps its key', async () => {
    const a = new Inbox(db.db, { owner: 'process-a' })
    const k = key()
    await a.record('slack', k, inbound('U1', '/ask something private'), to)
    await a.settle(k, 'failed', 'the handler threw')
    expect(await row(k)).toMatchObject({ state: 'failed', inbound: null, answer_to: null, last_error: 'the handler threw' })
    expect((await row(k)).finished_at).toBeInstanceOf(Date)
    await a.settle(k, 'answered')   // settled once: a late second settle changes nothing
    expect((await row(k)).state).toBe('failed')
  })

  it('leaves a row alone while its lease holds, and hands it to exactly one of two processes once it has run out', async () => {
    const dead = new Inbox(db.db, { owner: 'dead' })
    const b = new Inbox(db.db, { owner: 'process-b' })
    const c = new Inbox(db.db, { owner: 'process-c' })
    const k = key()
    await dead.record('slack', k, inbound('U2'), to)
    const options = { limit: 10, maxAgeMs: 30 * 60_000, maxAttempts: MAX_ATTEMPTS }
    const mine = (rows: InboxRow[]) => rows.filter((r) => r.key === k)
    expect(mine(await b.claimUnanswered(['slack'], options))).toEqual([])
    await expire(k)
    const [byB, byC] = await Promise.all([b.claimUnanswered(['slack'], options), c.claimUnanswered(['slack'], options)])
    expect(mine(byB).length + mine(byC).length).toBe(1)
    const winner = mine(byB).length ? 'process-b' : 'process-c'
    expect([...mine(byB), ...mine(byC)][0]).toMatchObject({ inbound: inbound('U2'), answerTo: to, attempts: 2 })
    expect(await row(k)).toMatchObject({ claimed_by: winner, state: 'received' })
    // The dead process cannot renew a lease it lost; the winner can. Teams rows are not Slack's to take.
    expect(await dead.renew(k)).toBe(false)
    expect(await (winner === 'process-b' ? b : c).renew(k)).toBe(true)
    const t = key().replace('slack:', 'teams:')
    await dead.record('teams', t, inbound('U2'), to)
    await expire(t)
    expect((await b.claimUnanswered(['slack'], options)).filter((r) => r.key === t)).toEqual([])
  })

  it("claims a click per person and per button: the row holding it passes again, another row with the same key does not", async () => {
    const a = new Inbox(db.db, { owner: 'process-a' })
    const [first, second, colleague] = [key(), key(), key()]
    for (const k of [first, second, colleague]) await a.record('slack', k, inbound('U3'), to)
    expect(await a.claimOnce(first, 'slack:action:U3:msg:timesheet.undo#0:x')).toBe(true)
    expect(await a.claimOnce(first, 'slack:action:U3:msg:timesheet.undo#0:x')).toBe(true)      // resumed: its own claim
    expect(await a.claimOnce(second, 'slack:action:U3:msg:timesheet.undo#0:x')).toBe(false)    // the double click
    expect(await a.claimOnce(colleague, 'slack:action:U4:msg:timesheet.undo#0:x')).toBe(true)  // someone else's click
  })

  it('gives up, with a warning that names whose it was but not what it said, rows too old to answer or tried too often; resumes the rest once', async () => {
    const dead = new Inbox(db.db, { owner: 'dead' })
    const me = new Inbox(db.db, { owner: 'resumer' })
    const [stale, tried, fresh, held] = [key(), key(), key(), key()]
    for (const [k, user] of [[stale, 'U5'], [tried, 'U6'], [fresh, 'U7'], [held, 'U8']] as const) await dead.record('slack', k, inbound(user, '/timesheet 1h secret note'), to)
    await sql`UPDATE workroom.chat_inbox SET received_at = now() - interval '31 minutes' WHERE inbox_key = ${stale}`.execute(db.db)
    await sql`UPDATE workroom.chat_inbox SET attempts = ${MAX_ATTEMPTS} WHERE inbox_key = ${tried}`.execute(db.db)
    for (const k of [stale, tried, fresh]) await expire(k)
    const lines: Line[] = []
    const logger = createLogger('info', { write: (s: string) => void lines.push(JSON.parse(s) as Line) })
    const resumed: string[] = []
    const ours = (k: string) => [stale, tried, fresh, held].includes(k)
    const pass = () => resumeUnanswered({ inbox: me, logger, resumers: { slack: async (r) => { if (ours(r.key)) resumed.push(r.key); await me.settle(r.key, 'answered') } } })
    await pass()
    expect(resumed).toEqual([fresh])
    expect((await row(stale)).state).toBe('failed')
    expect((await row(tried)).state).toBe('failed')
    expect((await row(held)).state).toBe('received')   // its process is alive
    const warnings = lines.filter((l) => l.level === 40 && ours(String(l.inboxKey)))
    expect(warnings.map((w) => w.user).sort()).toEqual(['U5', 'U6'])
    expect(warnings.find((w) => w.user === 'U5')!.msg).toMatch(/older than a Slack response_url lives/)
    expect(JSON.stringify(lines)).not.toContain('secret note')
    expect(JSON.stringify(lines)).not.toContain('hooks.slack.com')
    await pass()
    expect(resumed).toEqual([fresh])
  })

  it('prunes settled rows after a day, never an unanswered one', async () => {
    const a = new Inbox(db.db, { owner: 'process-a' })
    const [settled, recent, open] = [key(), key(), key()]
    for (const k of [settled, recent, open]) await a.record('slack', k, inbound('U9'), to)
    await a.settle(settled, 'answered')
    await a.settle(recent, 'answered')
    await sql`UPDATE workroom.chat_inbox SET received_at = now() - interval '25 hours' WHERE inbox_key IN (${settled}, ${open})`.execute(db.db)
    await a.prune()
    const left = await db.db.selectFrom('workroom.chat_inbox').select('inbox_key').where('inbox_key', 'in', [settled, recent, open]).execute()
    expect(left.map((r) => r.inbox_key).sort()).toEqual([recent, open].sort())
  })

  it('is not readable or writable by the application role', async () => {
    for (const statement of [sql`SELECT count(*) FROM workroom.chat_inbox`, sql`DELETE FROM workroom.chat_inbox`]) {
      const failed = await db.db.transaction().execute(async (trx) => {
        await sql`SELECT set_config('role', 'workroom_app', true)`.execute(trx)
        await statement.execute(trx)
      }).then(() => undefined, (err: { code?: string }) => err.code)
      expect(failed).toBe('42501')
    }
  })
})
