/**
 * Answer threads (ANSWER_WORKERS, src/answer-workers.ts): on a PostgreSQL server the main thread
 * records and acks, and the answers run in worker threads. From the outside: a running Workroom
 * sent signed Slack commands answers each through its response_url, and a Teams message through
 * the Bot Connector, the answers were run by the
 * threads (not the main thread), the rows are settled, and the handlers' timings reach the main
 * thread's /metrics. With ANSWER_WORKERS=0 the main thread answers, as on the embedded database.
 *
 * Native PostgreSQL only: the embedded database belongs to the main thread, so there are no
 * answer threads on it (src/main.ts).
 */
import { createHmac } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { loadConfig } from '../src/config.ts'
import { addDays } from '../src/dates.ts'
import type { Engine } from '../src/db/engine.ts'
import { migrateUp } from '../src/db/migrate.ts'
import { createScratchDatabase } from '../src/db/scratch.ts'
import { createLogger } from '../src/log.ts'
import { start, type Running } from '../src/main.ts'
import { seed } from '../seeds/index.ts'
import { bindWorkspace } from '../src/db/workspaces.ts'
import { startSlackStandin, type SlackStandin } from './support/slack-standin.ts'
import { startTeamsStandin, type TeamsStandin } from './support/teams-standin.ts'
import { startOpenAIStandin } from './support/openai-standin.ts'

const nativeUrl = process.env.TEST_DATABASE_URL
const missing = !nativeUrl ? 'TEST_DATABASE_URL is not set (answer threads run on a PostgreSQL server only)' : null
if (missing) console.warn(`answer-threads: skipped, ${missing}`)

const SECRET = 'threads-signing-secret'
const TEAM = 'T0TEST'   // the Slack stand-in's auth.test team
const CAMPAIGN = 'Aurora Air Spring Launch'
const ENTRA = 'aad-tenant-threads'
const logger = createLogger('silent')

describe.skipIf(missing !== null)('answer threads on a PostgreSQL server', () => {
  let db: Engine & { url: string }
  let slack: SlackStandin
  let teams: TeamsStandin

  beforeAll(async () => {
    db = await createScratchDatabase(nativeUrl!, { prefix: 'workroom_threads', poolSize: 3 })
    const migrated = await migrateUp(db.pool)
    if (migrated.error) throw new Error(migrated.error.message)
    await seed(db, { scale: 'demo', progress: false })
    slack = await startSlackStandin()
    slack.users.set('U0LUCY', { email: 'lucy.fernandes@northwind.example', name: 'Lucy Fernandes' })
    teams = await startTeamsStandin()
    teams.members.set('29:lucy', { aadObjectId: 'aad-lucy', email: 'lucy.fernandes@northwind.example', name: 'Lucy Fernandes' })
    await bindWorkspace(db.db, 'teams', ENTRA, 'northwind', 'operator')
  }, 120_000)

  afterAll(async () => {
    await slack?.close()
    await teams?.close()
    await db?.close()
  })

  const config = (workers: number, more: Record<string, string> = {}) => loadConfig({
    NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', PLAYGROUND_ENABLED: 'false', WORKROOM_DEMO_SEED: 'false',
    DATABASE_URL: db.url, DATABASE_POOL_SIZE: '4', ANSWER_WORKERS: String(workers),
    SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: 'xoxb-threads', SLACK_API_URL: slack.apiUrl, SLACK_TENANT: 'northwind',
    TEAMS_EMULATOR: 'true',
    ...more,
  })

  const slash = (port: number, command: string, text: string, id: string, team = TEAM) => {
    const body = new URLSearchParams({
      token: 'legacy', team_id: team, team_domain: 'threads', channel_id: 'C0THREADS', channel_name: 'threads', user_id: 'U0LUCY', user_name: 'lucy',
      command, text, api_app_id: 'A0THREADS', trigger_id: `trigger.${id}`, response_url: slack.responseUrl(id),
    }).toString()
    const ts = Math.floor(Date.now() / 1000)
    return fetch(`http://127.0.0.1:${port}/slack/events`, {
      method: 'POST', body,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}` },
    })
  }
  const answerTo = async (id: string) => {
    await vi.waitFor(() => expect(slack.responses.some((r) => r.path === `/response/${id}`)).toBe(true), { timeout: 15_000, interval: 25 })
    return slack.responses.filter((r) => r.path === `/response/${id}`).at(-1)!.body as { text: string }
  }
  const settled = (id: string) => vi.waitFor(async () => expect(await db.db.selectFrom('workroom.chat_inbox').select('state').where('inbox_key', '=', `slack:command:trigger.${id}`).execute())
    .toEqual([{ state: 'answered' }]), { timeout: 10_000, interval: 50 })

  it('acks on the main thread and answers from an answer thread: time logged, a question answered, rows settled, timings in /metrics', async () => {
    let running: Running | undefined
    try {
      running = await start(config(1), logger)
      expect(running.answerThreads).toMatchObject({ size: 1, ran: 0 })
      const day = addDays(new Date().toISOString().slice(0, 10), -1)
      expect((await slash(running.port, '/timesheet', `1h ${day} ${CAMPAIGN}`, 'log')).status).toBe(200)
      expect((await answerTo('log')).text).toMatch(new RegExp(`^Logged 1h to ${CAMPAIGN}`))
      // /ask acks with a progress note; the answer replaces it from the thread.
      const asked = await slash(running.port, '/ask', 'when do timesheets need to be in by?', 'ask')
      expect(asked.status).toBe(200)
      expect(await asked.json()).toMatchObject({ text: expect.stringContaining('Looking that up') })
      expect((await answerTo('ask')).text).toContain('17:00 every Friday')
      await settled('log')
      await settled('ask')
      // Teams: a question in a personal chat, answered (after a typing indicator) from the thread too.
      const activity = {
        type: 'message', id: 'threads-teams-1', timestamp: new Date().toISOString(), serviceUrl: teams.serviceUrl, channelId: 'msteams',
        from: { id: '29:lucy', name: 'Lucy Fernandes', aadObjectId: 'aad-lucy' }, recipient: { id: '28:workroom-bot', name: 'Workroom' },
        conversation: { id: 'a:personal-lucy', conversationType: 'personal', tenantId: ENTRA }, channelData: { tenant: { id: ENTRA } },
        text: 'when do timesheets need to be in by?', textFormat: 'plain', entities: [],
      }
      expect((await fetch(`http://127.0.0.1:${running.port}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) })).status).toBe(200)
      const calls = await teams.waitForCalls(2, 15_000)
      expect(calls.map((c) => c.activity.type)).toEqual(['typing', 'message'])
      expect(JSON.stringify(calls[1]!.activity)).toContain('17:00 every Friday')
      await vi.waitFor(async () => expect(await db.db.selectFrom('workroom.chat_inbox').select('state').where('inbox_key', '=', 'teams:activity:threads-teams-1').execute())
        .toEqual([{ state: 'answered' }]), { timeout: 10_000, interval: 50 })
      expect(running.answerThreads!.ran).toBe(3)
      expect(await db.db.selectFrom('agency.timesheet_entries').select('hours').where('external_ref', '=', 'slash:trigger.log').execute()).toEqual([{ hours: 1 }])
      const metrics = await (await fetch(`http://127.0.0.1:${running.port}/metrics`)).text()
      expect(metrics).toMatch(/workroom_handler_duration_seconds_count\{intent="timesheet",platform="slack"\} 1\b/)
      expect(metrics).toMatch(/workroom_handler_duration_seconds_count\{intent="ask",platform="slack"\} 1\b/)
      expect(metrics).toMatch(/workroom_handler_duration_seconds_count\{intent="ask",platform="teams"\} 1\b/)
      // From the attacker's side: a signed command from a workspace bound to no agency, with a user
      // whose e-mail is a Northwind person's, is refused in the thread as on the main thread.
      expect((await slash(running.port, '/timesheet', `1h ${day} ${CAMPAIGN}`, 'foreign', 'T0FOREIGN')).status).toBe(200)
      expect((await answerTo('foreign')).text).toMatch(/This Slack workspace is not connected to an agency in Workroom yet/)
      expect(await db.db.selectFrom('agency.timesheet_entries').select('id').where('external_ref', '=', 'slash:trigger.foreign').execute()).toEqual([])
      expect(await db.db.selectFrom('workroom.chat_identities').select('workspace_id').where('workspace_id', '=', 'T0FOREIGN').execute()).toEqual([])
      expect(running.answerThreads!.ran).toBe(4)
    } finally {
      await running?.stop()
    }
  }, 120_000)

  it('cuts off at the shutdown deadline an answer still running in a thread; the next Workroom answers its row once the lease runs out', async () => {
    const openai = await startOpenAIStandin()
    // The first answer never comes: the model hangs. The next one is the stand-in's default.
    openai.script('chat', { kind: 'hang' })
    const more = {
      OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: openai.url, RAG_EMBEDDINGS: 'offline', RAG_ANSWERS: 'openai',
      SHUTDOWN_TIMEOUT_MS: '1000', INBOX_LEASE_SECONDS: '2',
    }
    let first: Running | undefined
    let second: Running | undefined
    try {
      first = await start(config(1, more), logger)
      expect((await slash(first.port, '/ask', 'when do timesheets need to be in by?', 'cut')).status).toBe(200)
      await vi.waitFor(() => expect(openai.requests.some((r) => r.path === '/v1/chat/completions')).toBe(true), { timeout: 15_000, interval: 25 })
      const stopping = performance.now()
      await first.stop()
      first = undefined
      expect(performance.now() - stopping).toBeLessThan(5_000)
      expect(await db.db.selectFrom('workroom.chat_inbox').select('state').where('inbox_key', '=', 'slack:command:trigger.cut').execute()).toEqual([{ state: 'received' }])
      expect(slack.responses.filter((r) => r.path === '/response/cut')).toEqual([])

      second = await start(config(1, more), logger)
      const answer = await answerTo('cut')
      expect(answer.text.length).toBeGreaterThan(0)
      await settled('cut')
      expect(second.answerThreads!.ran).toBeGreaterThanOrEqual(1)
    } finally {
      await first?.stop()
      await second?.stop()
      await openai.close()
    }
  }, 120_000)

  it('answers on the main thread with ANSWER_WORKERS=0', async () => {
    let running: Running | undefined
    try {
      running = await start(config(0), logger)
      expect(running.answerThreads).toBeNull()
      const day = addDays(new Date().toISOString().slice(0, 10), -2)
      expect((await slash(running.port, '/timesheet', `1h ${day} ${CAMPAIGN}`, 'main')).status).toBe(200)
      expect((await answerTo('main')).text).toMatch(new RegExp(`^Logged 1h to ${CAMPAIGN}`))
      await settled('main')
    } finally {
      await running?.stop()
    }
  }, 60_000)
})
