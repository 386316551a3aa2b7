/**
 * Digest subscriptions (/digest) and the scheduler: who may subscribe a channel, exactly one
 * post per subscription and local day however many schedulers tick, retries and giving up, a
 * Slack 429, weekends and daylight-saving days.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bindWorkspace, unbindWorkspace } from '../src/db/workspaces.ts'
import { createSlackBot } from '../src/bots/slack/app.ts'
import { createEngine, type Engine } from '../src/db/engine.ts'
import type { DigestSubscription } from '../src/db/digests.ts'
import type { Inbound } from '../src/handlers/inbound.ts'
import type { Reply } from '../src/handlers/reply.ts'
import { renderText } from '../src/handlers/render-text.ts'
import { converse } from '../src/chat/converse.ts'
import { createLogger } from '../src/log.ts'
import { runDueDigests, type DigestSender } from '../src/scheduler.ts'
import { describeEachEngine, pglite } from './support/engines.ts'
import { useFixtureDatabase } from './support/fixture.ts'
import { startSlackStandin } from './support/slack-standin.ts'

const logger = createLogger('silent')

/** A sender that records what it was asked to post, and can be told to fail. */
function recorder() {
  const posts: Array<{ channel: string; reply: Reply; at: Date }> = []
  let failing: Error | null = null
  const send: DigestSender = async (s: DigestSubscription, reply: Reply) => {
    if (failing) throw failing
    posts.push({ channel: s.channelId, reply, at: new Date() })
  }
  return { posts, send, fail: (err: Error | null) => { failing = err } }
}

describeEachEngine('digests', (engine) => {
  const db = useFixtureDatabase(engine)
  let clock = new Date('2026-11-20T12:00:00Z')
  const command = (user: string, text: string, channel: string): Promise<Reply> => converse({ db: db.e.db, now: () => clock }, {
    platform: 'slack', workspaceId: 'TA', externalUserId: `UA${user}`, channelId: channel, threadId: null,
    input: { kind: 'command', command: '/digest', text }, requestId: `r-${Math.random()}`,
  } satisfies Inbound)
  const subscriptions = (channel: string) => db.e.db.selectFrom('workroom.digest_subscriptions').selectAll().where('channel_id', '=', channel).execute()
  const runs = (channel: string) => db.e.db.selectFrom('workroom.digest_runs as r').innerJoin('workroom.digest_subscriptions as s', 's.id', 'r.subscription_id')
    .select(['r.local_date', 'r.status', 'r.attempts', 'r.last_error']).where('s.channel_id', '=', channel).orderBy('r.local_date').execute()

  it('lets a pm subscribe a channel, change it and stop it; anyone may ask what it gets', async () => {
    clock = new Date('2026-11-20T12:00:00Z')
    expect(renderText(await command('creative', '', 'C0PM'))).toMatch(/gets no digest/)
    expect(renderText(await command('pm', 'daily 09:00 Europe/London', 'C0PM'))).toMatch(/Subscribed: this channel gets the utilization digest every day at 09:00 \(Europe\/London\)/)
    expect(renderText(await command('creative', '', 'C0PM'))).toMatch(/every day at 09:00 \(Europe\/London\)/)
    expect(renderText(await command('leadership', 'weekdays 8:30am America/New_York', 'C0PM'))).toMatch(/Changed: .* on weekdays at 08:30 \(America\/New_York\)/)
    expect(await subscriptions('C0PM')).toHaveLength(1)
    expect(renderText(await command('finance', 'off', 'C0PM'))).toMatch(/no more digests/)
    expect(await subscriptions('C0PM')).toHaveLength(0)
    expect(renderText(await command('finance', 'off', 'C0PM'))).toMatch(/nothing to stop/)
  })

  it('refuses a creative (and an account manager) and writes nothing', async () => {
    for (const who of ['creative', 'account']) {
      expect(renderText(await command(who, 'daily 09:00', 'C0NOPE'))).toMatch(/Only project managers, leadership and finance can change/)
      expect(renderText(await command(who, 'now', 'C0NOPE'))).toMatch(/Only project managers, leadership and finance can preview/)
    }
    expect(await subscriptions('C0NOPE')).toHaveLength(0)
  })

  it('says what is wrong with a bad time, zone or word, and writes nothing', async () => {
    expect(renderText(await command('pm', 'daily 25:00', 'C0BAD'))).toMatch(/"25:00" is not a time of day/)
    expect(renderText(await command('pm', 'daily', 'C0BAD'))).toMatch(/At what time\?/)
    expect(renderText(await command('pm', 'daily 09:00 Mars/Olympus', 'C0BAD'))).toMatch(/"Mars\/Olympus" is not a time zone I know/)
    expect(renderText(await command('pm', 'hourly', 'C0BAD'))).toMatch(/I don't know "\/digest hourly"/)
    expect(await subscriptions('C0BAD')).toHaveLength(0)
  })

  it('previews the digest only to the asker with /digest now', async () => {
    const preview = await command('pm', 'now', 'C0ANY')
    expect(preview.visibility).toBe('ephemeral')
    expect(renderText(preview)).toMatch(/A preview only you can see/)
    expect(await subscriptions('C0ANY')).toHaveLength(0)
  })

  it('posts once per subscription per day while three schedulers tick at the same time', async () => {
    clock = new Date('2026-11-22T12:00:00Z')
    for (const channel of ['C0ONE', 'C0TWO', 'C0THREE']) await command('pm', 'daily 09:00 Europe/London', channel)
    // Three processes: on PostgreSQL each scheduler gets its own connection pool to the same database.
    const extra: Engine[] = engine.urlOf ? await Promise.all([1, 2].map(() => createEngine({ kind: 'postgres', url: engine.urlOf!(db.e), poolSize: 3 }))) : []
    const dbs = [db.e.db, ...extra.map((e) => e.db)]
    const { posts, send } = recorder()
    try {
      for (const at of ['2026-11-23T08:59:00Z', '2026-11-23T09:00:00Z', '2026-11-23T09:01:00Z', '2026-11-23T15:00:00Z', '2026-11-24T09:00:30Z']) {
        const now = new Date(at)
        await Promise.all([0, 1, 2].map((i) => runDueDigests({ db: dbs[i % dbs.length]!, now: () => now, senders: { slack: send }, logger })))
      }
    } finally {
      await Promise.all(extra.map((e) => e.close()))
    }
    const mine = posts.filter((p) => ['C0ONE', 'C0TWO', 'C0THREE'].includes(p.channel))
    expect(mine.map((p) => p.channel).sort()).toEqual(['C0ONE', 'C0ONE', 'C0THREE', 'C0THREE', 'C0TWO', 'C0TWO'])
    expect((await runs('C0ONE')).map((r) => [r.local_date, r.status])).toEqual([['2026-11-23', 'sent'], ['2026-11-24', 'sent']])
    expect(renderText(mine[0]!.reply)).toMatch(/utilization/i)
  })

  it('posts nothing to a channel that unsubscribed, and nothing before a new subscription is first due', async () => {
    clock = new Date('2026-11-25T10:00:00Z')
    await command('pm', 'daily 09:00 UTC', 'C0LATE')         // 09:00 has passed today: starts tomorrow
    await command('pm', 'daily 09:00 UTC', 'C0GONE')
    await command('pm', 'off', 'C0GONE')
    const { posts, send } = recorder()
    await runDueDigests({ db: db.e.db, now: () => new Date('2026-11-25T10:01:00Z'), senders: { slack: send }, logger })
    expect(posts.filter((p) => p.channel === 'C0LATE' || p.channel === 'C0GONE')).toHaveLength(0)
    await runDueDigests({ db: db.e.db, now: () => new Date('2026-11-26T09:00:00Z'), senders: { slack: send }, logger })
    expect(posts.map((p) => p.channel).filter((c) => c === 'C0LATE' || c === 'C0GONE')).toEqual(['C0LATE'])
  })

  it("posts nothing to a workspace unbound since it subscribed, nor once it is bound to another agency", async () => {
    clock = new Date('2026-11-26T00:00:00Z')
    await command('pm', 'daily 09:00 UTC', 'C0MOVED')
    const { posts, send } = recorder()
    const tick = (at: string) => runDueDigests({ db: db.e.db, now: () => new Date(at), senders: { slack: send }, logger })
    try {
      await unbindWorkspace(db.e.db, 'slack', 'TA')
      await tick('2026-11-27T09:00:00Z')
      await bindWorkspace(db.e.db, 'slack', 'TA', 'tenant-b', 'operator')
      await tick('2026-11-28T09:00:00Z')
      expect(posts.filter((p) => p.channel === 'C0MOVED')).toEqual([])
      expect(await runs('C0MOVED')).toEqual([])
    } finally {
      await unbindWorkspace(db.e.db, 'slack', 'TA')
      await bindWorkspace(db.e.db, 'slack', 'TA', 'tenant-a', 'operator')
    }
    await tick('2026-11-29T09:00:00Z')
    expect(posts.filter((p) => p.channel === 'C0MOVED')).toHaveLength(1)
  })

  it('retries a failed delivery on later ticks, then gives up and says so', async () => {
    clock = new Date('2026-12-01T00:00:00Z')
    await command('pm', 'daily 07:00 UTC', 'C0FAIL')
    const { posts, send, fail } = recorder()
    fail(new Error('channel_not_found'))
    const tick = (at: string) => runDueDigests({ db: db.e.db, now: () => new Date(at), senders: { slack: send }, logger, maxAttempts: 3, retryAfterMs: 5 * 60_000 })
    expect(await tick('2026-12-02T07:00:00Z')).toMatchObject({ claimed: 1, failed: 1 })
    expect(await tick('2026-12-02T07:01:00Z')).toMatchObject({ claimed: 0 })          // too soon to retry
    expect(await tick('2026-12-02T07:06:00Z')).toMatchObject({ claimed: 1, failed: 1 })
    expect(await tick('2026-12-02T07:12:00Z')).toMatchObject({ claimed: 1, gaveUp: 1 })
    expect(await tick('2026-12-02T08:00:00Z')).toMatchObject({ claimed: 0 })
    expect(await runs('C0FAIL')).toEqual([{ local_date: '2026-12-02', status: 'gave_up', attempts: 3, last_error: 'channel_not_found' }])
    fail(null)
    await tick('2026-12-03T07:00:00Z')                                                  // the next day is a new digest
    expect(posts.map((p) => p.channel)).toEqual(['C0FAIL'])
  })

  it('skips weekends for weekdays, and posts one digest on each daylight-saving day', async () => {
    clock = new Date('2026-03-01T00:00:00Z')
    await command('pm', 'daily 01:30 Europe/London', 'C0SPRING')      // 01:30 does not exist on 29 March
    await command('pm', 'weekdays 09:00 Europe/London', 'C0WEEKDAY')
    clock = new Date('2026-10-01T00:00:00Z')
    await command('pm', 'daily 01:30 Europe/London', 'C0AUTUMN')       // 01:30 happens twice on 25 October
    const { posts, send } = recorder()
    const tickEvery10Minutes = async (from: string, to: string) => {
      for (let t = Date.parse(from); t <= Date.parse(to); t += 10 * 60_000) {
        const now = new Date(t)
        await runDueDigests({ db: db.e.db, now: () => now, senders: { slack: send }, logger })
      }
    }
    await tickEvery10Minutes('2026-03-27T12:00:00Z', '2026-03-30T12:00:00Z')   // Fri noon to Mon noon, over the spring change
    await tickEvery10Minutes('2026-10-24T12:00:00Z', '2026-10-26T03:00:00Z')   // over the autumn change
    const claimedAt = (channel: string) => db.e.db.selectFrom('workroom.digest_runs as r').innerJoin('workroom.digest_subscriptions as s', 's.id', 'r.subscription_id')
      .select(['r.local_date', 'r.claimed_at']).where('s.channel_id', '=', channel).orderBy('r.local_date').execute()
    const utc = (rows: Array<{ local_date: string; claimed_at: Date }>) => rows.map((r) => [r.local_date, r.claimed_at.toISOString().slice(0, 16)])
    // 01:30 London: GMT before 29 March, BST after; on the 29th the clocks jump from 01:00 to 02:00,
    // so the post goes out at the first tick after the jump (01:00Z), once.
    expect(utc(await claimedAt('C0SPRING'))).toEqual([
      ['2026-03-27', '2026-03-27T12:00'], ['2026-03-28', '2026-03-28T01:30'], ['2026-03-29', '2026-03-29T01:00'], ['2026-03-30', '2026-03-30T00:30'],
      ['2026-10-24', '2026-10-24T12:00'], ['2026-10-25', '2026-10-25T00:30'], ['2026-10-26', '2026-10-26T01:30'],
    ])
    expect(posts.filter((p) => p.channel === 'C0SPRING')).toHaveLength(7)
    // On 25 October 01:30 comes twice (00:30Z in BST, 01:30Z in GMT): posted at the first, once.
    expect(utc(await claimedAt('C0AUTUMN'))).toEqual([['2026-10-24', '2026-10-24T12:00'], ['2026-10-25', '2026-10-25T00:30'], ['2026-10-26', '2026-10-26T01:30']])
    // Weekdays: Friday 27 March (due before the first tick) and Monday 30 March; no weekend, and
    // the October range ends before Monday's 09:00.
    expect((await runs('C0WEEKDAY')).map((r) => r.local_date)).toEqual(['2026-03-27', '2026-03-30'])
    expect(posts.filter((p) => p.channel === 'C0AUTUMN')).toHaveLength(3)
  })
})

describe('digest delivery to Slack', () => {
  let standin: Awaited<ReturnType<typeof startSlackStandin>>
  const fixture = useFixtureDatabase(pglite)
  beforeAll(async () => {
    standin = await startSlackStandin()
  })
  afterAll(async () => {
    await standin.close()
  })

  it('waits out a 429 from chat.postMessage and posts the digest once', async () => {
    const now = new Date('2026-11-23T09:00:00Z')
    await converse({ db: fixture.e.db, now: () => new Date('2026-11-20T00:00:00Z') }, {
      platform: 'slack', workspaceId: 'TA', externalUserId: 'UApm', channelId: 'C0RATE', threadId: null,
      input: { kind: 'command', command: '/digest', text: 'daily 09:00 UTC' }, requestId: 'r-rate',
    })
    const bot = createSlackBot({ db: fixture.e.db, now: () => now }, { signingSecret: 's', botToken: 'xoxb-digest', appToken: undefined, apiUrl: standin.apiUrl }, logger)
    standin.script('chat.postMessage', { kind: 'rate_limited', retryAfterSeconds: 1 })
    const started = Date.now()
    const result = await runDueDigests({ db: fixture.e.db, now: () => now, senders: { slack: (s, reply) => bot.postMessage(s.workspaceId, s.channelId, reply) }, logger })
    expect(result).toMatchObject({ claimed: 1, sent: 1 })
    expect(Date.now() - started).toBeGreaterThanOrEqual(900)
    const posted = standin.calls.filter((c) => c.method === 'chat.postMessage')
    expect(posted).toHaveLength(2)                                   // the 429, then the post
    expect(posted.at(-1)!.args).toMatchObject({ channel: 'C0RATE' })
    expect(posted.at(-1)!.token).toBe('xoxb-digest')
  })
})
