/**
 * Fault test: the native PostgreSQL server is stopped and restarted while people keep logging
 * time with /timesheet over signed Slack requests to the real server (Bolt, the Web API stand-in
 * for response_urls). On a server of the test's own (test/support/private-postgres.ts), since
 * every other test file shares TEST_DATABASE_URL's.
 *
 * What must hold, per request: Slack got its ack (the ack never waits for the database), and the
 * person got exactly one answer, either "Logged …" with exactly one entry in the database under
 * the request's trigger id, or "can't reach its database … nothing was saved" with none. The same
 * process (the same pool, no restart) logs time again once the server is back, and /readyz says
 * 503 during the outage and 200 after. Slack mentions and button clicks and Teams messages during
 * the outage, which claim their delivery before any handler, get the same answer instead of
 * silence (or, on Teams, a 500 the Bot Framework would redeliver into the same outage).
 */
import { createHmac } from 'node:crypto'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { addDays, isoDow } from '../src/dates.ts'
import { createEngine, type Engine } from '../src/db/engine.ts'
import { withActor } from '../src/db/actor.ts'
import { CommitOutcomeUnknown, isDatabaseUnavailable } from '../src/db/errors.ts'
import { linkIdentity, resolveIdentity } from '../src/db/identity.ts'
import { bindWorkspace } from '../src/db/workspaces.ts'
import { migrateUp } from '../src/db/migrate.ts'
import { SAVED_ONCE } from '../src/handlers/router.ts'
import { COMMIT_OUTCOME_UNKNOWN, converse, DATABASE_UNAVAILABLE } from '../src/chat/converse.ts'
import { seed } from '../seeds/index.ts'
import { startChatServer } from './support/chat-server.ts'
import { privatePostgresMissing, startPrivatePostgres, type PrivatePostgres } from './support/private-postgres.ts'
import { startSlackStandin, type SlackStandin } from './support/slack-standin.ts'
import { startTeamsStandin, type TeamsStandin } from './support/teams-standin.ts'

const SECRET = 'fault-signing-secret'
const TEAM = 'TFAULT'
const SENDERS = ['lucy.fernandes@northwind.example', 'kwame.mensah@northwind.example', 'sofia.alvarez@northwind.example', 'jonas.berg@northwind.example']
/** Requests in flight at any time: each worker sends its next command once the last is answered. */
const WORKERS = 4

const missing = privatePostgresMissing()
if (missing) console.warn(`fault-postgres: skipped, ${missing}`)

describe.skipIf(missing !== null)('PostgreSQL stopped and restarted during a stream of /timesheet requests', () => {
  let pg: PrivatePostgres
  let engine: Engine
  let slack: SlackStandin
  let teams: TeamsStandin
  let url: string
  let close: () => Promise<void>

  const sign = (body: string) => {
    const ts = Math.floor(Date.now() / 1000)
    return { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}` }
  }
  const post = (body: string, contentType = 'application/x-www-form-urlencoded') =>
    fetch(`${url}/slack/events`, { method: 'POST', headers: { 'content-type': contentType, ...sign(body) }, body })
  const answerTo = (id: string) => vi.waitFor(() => {
    const found = slack.responses.filter((r) => r.path === `/response/${id}`)
    if (found.length === 0) throw new Error(`no answer to ${id} yet`)
    return found
  }, { timeout: 20_000, interval: 20 })
  const textOf = (body: { text?: string }) => body.text ?? ''

  beforeAll(async () => {
    pg = await startPrivatePostgres()
    engine = await createEngine({ kind: 'postgres', url: pg.url, poolSize: 10 })
    const migrated = await migrateUp(engine.pool)
    if (migrated.error) throw migrated.error
    await seed(engine, { scale: 'demo', progress: false })
    await bindWorkspace(engine.db, 'slack', TEAM, 'northwind', 'operator')
    for (const [i, email] of SENDERS.entries()) {
      expect(await linkIdentity(engine.db, { platform: 'slack', workspaceId: TEAM, externalUserId: `U${i}` }, email)).not.toBeNull()
    }
    slack = await startSlackStandin()
    teams = await startTeamsStandin()
    const server = await startChatServer(engine, { signingSecret: SECRET, botToken: 'xoxb-fault', apiUrl: slack.apiUrl })
    url = server.url
    close = async () => {
      await server.close()
      await engine.close()
      await slack.close()
      await teams.close()
      await pg.close()
    }
  }, 120_000)
  afterAll(async () => {
    await close?.()
  })

  it('every request is logged exactly once or told it failed, through a stop and a crash, and the same process logs again once the server is back', async () => {
    const today = new Date().toISOString().slice(0, 10)
    const days = Array.from({ length: 14 }, (_, i) => addDays(today, -(i + 1))).filter((d) => isoDow(d) <= 5)
    type Sent = { id: string; ack: number; text: string; sentAt: number; answers: number }
    const sent: Sent[] = []
    let seq = 0
    let done = false
    const worker = async (w: number) => {
      while (!done) {
        const n = seq++
        const id = `fault-${n}`
        const body = new URLSearchParams({
          token: 'legacy', team_id: TEAM, team_domain: 'fault', channel_id: 'C0FAULT', channel_name: 'fault', user_id: `U${w % SENDERS.length}`, user_name: 'someone',
          command: '/timesheet', text: `15m ${days[n % days.length]} Aurora Air Spring Launch`, api_app_id: 'A0FAULT', trigger_id: `trigger.${id}`, response_url: slack.responseUrl(id),
        }).toString()
        const sentAt = Date.now()
        const ack = (await post(body)).status
        const answers = ack === 200 ? await answerTo(id) : []
        sent.push({ id, ack, sentAt, text: answers.map((a) => textOf(a.body)).join('\n'), answers: answers.length })
      }
    }
    const workers = Array.from({ length: WORKERS }, (_, w) => worker(w))
    const until = (predicate: () => boolean) => vi.waitFor(() => { if (!predicate()) throw new Error('not yet') }, { timeout: 30_000, interval: 20 })

    // Before: a stream that works.
    await until(() => sent.length >= 20)
    expect((await fetch(`${url}/readyz`)).status).toBe(200)

    await pg.stop('fast')
    const stoppedAt = Date.now()
    // During: the stream goes on (every answer now says the database is unreachable); /readyz
    // says so; a mention and a button click are answered the same way.
    expect((await fetch(`${url}/readyz`)).status).toBe(503)
    const mention = JSON.stringify({
      token: 'legacy', team_id: TEAM, api_app_id: 'A0FAULT', type: 'event_callback', event_id: 'Ev0FAULT', event_time: Math.floor(Date.now() / 1000),
      event: { type: 'app_mention', user: 'U0', text: '<@U0BOT> what is our brief template?', ts: '1700000001.000100', channel: 'C0FAULT', event_ts: '1700000001.000100' },
    })
    expect((await post(mention, 'application/json')).status).toBe(200)
    const click = new URLSearchParams({ payload: JSON.stringify({
      type: 'block_actions', team: { id: TEAM, domain: 'fault' }, user: { id: 'U1', team_id: TEAM }, api_app_id: 'A0FAULT', token: 'legacy',
      container: { type: 'message', message_ts: '1700000002.000100', channel_id: 'C0FAULT' }, channel: { id: 'C0FAULT' },
      message: { ts: '1700000002.000100', text: 'Logged' }, response_url: slack.responseUrl('fault-click'), trigger_id: 'trigger.fault-click',
      actions: [{ type: 'button', action_id: 'timesheet.undo', block_id: 'b', value: 'some-entry', action_ts: '1700000002.000200' }],
    }) }).toString()
    expect((await post(click)).status).toBe(200)
    // Teams: the conversation reference and the delivery claim come before any handler.
    const activity = {
      type: 'message', id: 'fault-teams-1', serviceUrl: teams.serviceUrl, channelId: 'msteams', text: 'timesheet 1h Aurora Air Spring Launch',
      from: { id: '29:fault', aadObjectId: 'aad-fault' }, recipient: { id: '28:workroom-bot', name: 'Workroom' },
      conversation: { id: 'a:personal-fault', conversationType: 'personal', tenantId: 'tenant-fault' },
    }
    expect((await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) })).status).toBe(200)
    expect((await teams.waitForCalls(1, 10_000))[0]!.activity.summary).toBe(DATABASE_UNAVAILABLE)
    const ephemeral = (await slack.waitFor('chat.postEphemeral', 1, 10_000)).at(-1)!
    expect(ephemeral.args).toMatchObject({ channel: 'C0FAULT', user: 'U0', thread_ts: '1700000001.000100', text: DATABASE_UNAVAILABLE })
    expect(textOf((await answerTo('fault-click'))[0]!.body)).toBe(DATABASE_UNAVAILABLE)
    await until(() => sent.some((s) => s.sentAt > stoppedAt && s.text === DATABASE_UNAVAILABLE))
    await new Promise((r) => setTimeout(r, 1000))

    await pg.start()
    const restartedAt = Date.now()
    // After: the same process, the same pool, logs time again.
    await until(() => sent.filter((s) => s.sentAt > restartedAt && /Logged/.test(s.text)).length >= 20)

    // Then a crash (immediate stop: no checkpoint, recovery at the next start) under the same
    // stream: every entry the server acknowledged must survive it.
    await pg.stop('immediate')
    const crashedAt = Date.now()
    await until(() => sent.some((s) => s.sentAt > crashedAt && s.text === DATABASE_UNAVAILABLE))
    await pg.start()
    const recoveredAt = Date.now()
    await until(() => sent.filter((s) => s.sentAt > recoveredAt && /Logged/.test(s.text)).length >= 20)
    done = true
    await Promise.all(workers)
    expect((await fetch(`${url}/readyz`)).status).toBe(200)

    // Every request: acked, answered once, and the database agrees with the answer.
    const rows = await engine.db.selectFrom('agency.timesheet_entries').select(['external_ref', (eb) => eb.fn.countAll<number>().as('n')])
      .where('external_ref', 'like', 'slash:trigger.fault-%').groupBy('external_ref').execute()
    const stored = new Map(rows.map((r) => [r.external_ref, Number(r.n)]))
    const wrong: string[] = []
    for (const s of sent) {
      const entries = stored.get(`slash:trigger.${s.id}`) ?? 0
      // SAVED_ONCE: a COMMIT lost in the crash had saved it, and asking again found it.
      const logged = /^Logged 0.25h to Aurora Air Spring Launch/.test(s.text) || s.text === SAVED_ONCE
      const failed = s.text === DATABASE_UNAVAILABLE
      if (s.ack !== 200 || s.answers !== 1 || !(logged || failed) || entries !== (logged ? 1 : 0)) {
        wrong.push(`${s.id}: ack ${s.ack}, ${s.answers} answer(s) "${s.text.slice(0, 80)}", ${entries} entr(ies)`)
      }
    }
    expect(wrong).toEqual([])
    const count = (text: string) => sent.filter((s) => s.text === text).length
    const failed = count(DATABASE_UNAVAILABLE)
    const logged = sent.length - failed
    expect(count(COMMIT_OUTCOME_UNKNOWN)).toBe(0)   // the outages are far shorter than logSettled's ~15 s
    expect(logged).toBeGreaterThanOrEqual(60)
    expect([...stored.values()].reduce((a, b) => a + b, 0)).toBe(logged)
    console.log(`fault-postgres: ${sent.length} requests, ${logged} logged (${count(SAVED_ONCE)} after a lost COMMIT), ${failed} told the database was unreachable;`
      + ` outages ${restartedAt - stoppedAt} ms (fast stop) and ${recoveredAt - crashedAt} ms (crash)`)
  }, 120_000)

  it('a connection lost during COMMIT itself is told apart from one lost before it, and a time entry caught by it is settled', async () => {
    // The backend ends its own session from a deferred trigger, i.e. in the middle of COMMIT: the
    // client sees the connection go at exactly the moment a crash makes the outcome unknowable.
    // (Security definer: the actor's role may not signal the session's backend.)
    await sql`CREATE OR REPLACE FUNCTION public.die() RETURNS void LANGUAGE sql SECURITY DEFINER AS $$ SELECT pg_terminate_backend(pg_backend_pid()) $$`.execute(engine.db)
    await sql`CREATE OR REPLACE FUNCTION public.die_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM public.die(); RETURN NULL; END $$`.execute(engine.db)
    const actor = (await resolveIdentity(engine.db, { platform: 'slack', workspaceId: TEAM, externalUserId: 'U0' }))!
    const dieAtCommit = withActor(engine.db, actor, async (trx) => {
      await sql`CREATE TEMP TABLE doomed (x int)`.execute(trx)
      await sql`CREATE CONSTRAINT TRIGGER die AFTER INSERT ON doomed DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.die_at_commit()`.execute(trx)
      await sql`INSERT INTO doomed VALUES (1)`.execute(trx)
      return 'done'
    })
    await expect(dieAtCommit).rejects.toBeInstanceOf(CommitOutcomeUnknown)
    // The same failure before COMMIT is an ordinary unavailable database: nothing was saved.
    const dieBefore = withActor(engine.db, actor, async (trx) => {
      await sql`SELECT public.die()`.execute(trx)
    })
    const before = await dieBefore.then(() => null, (err: unknown) => err)
    expect(isDatabaseUnavailable(before)).toBe(true)
    expect(before).not.toBeInstanceOf(CommitOutcomeUnknown)
    // A /timesheet whose COMMIT is lost is settled, not reported as unknown: logTime is asked
    // again (it is idempotent by the request id), finds nothing saved, and writes it, once.
    await sql`CREATE SEQUENCE IF NOT EXISTS public.die_count`.execute(engine.db)
    await sql`CREATE OR REPLACE FUNCTION public.die_once_at_commit() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
      AS $$ BEGIN IF nextval('public.die_count') = 1 THEN PERFORM public.die(); END IF; RETURN NULL; END $$`.execute(engine.db)
    await sql`CREATE CONSTRAINT TRIGGER die_once AFTER INSERT ON agency.timesheet_entries DEFERRABLE INITIALLY DEFERRED
      FOR EACH ROW WHEN (NEW.external_ref = 'slash:trigger.die-once') EXECUTE FUNCTION public.die_once_at_commit()`.execute(engine.db)
    const day = addDays(new Date().toISOString().slice(0, 10), -1)
    const answer = await converse({ db: engine.db, now: () => new Date() }, {
      platform: 'slack', workspaceId: TEAM, externalUserId: 'U0', channelId: 'C0FAULT', threadId: null, requestId: 'slash:trigger.die-once',
      input: { kind: 'command', command: '/timesheet', text: `1h ${day} Aurora Air Spring Launch` },
    })
    expect(answer.summary).toMatch(/^Logged 1h to Aurora Air Spring Launch/)
    expect((await sql<{ n: number }>`SELECT nextval('public.die_count')::int AS n`.execute(engine.db)).rows[0]!.n).toBe(3)   // died once, then wrote
    const rows = await engine.db.selectFrom('agency.timesheet_entries').select('id').where('external_ref', '=', 'slash:trigger.die-once').execute()
    expect(rows).toHaveLength(1)
    // The pool still serves.
    expect(await withActor(engine.db, actor, async (trx) => (await sql<{ one: number }>`SELECT 1 AS one`.execute(trx)).rows[0]!.one)).toBe(1)
  })
})
