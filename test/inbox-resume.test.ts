/**
 * Nothing acked and lost: `npm start`'s own entry point (src/main.ts, a child process) is killed
 * with SIGKILL after Slack got its 200 for three slash commands and Teams its 200 for a message,
 * and before any was answered; a new process, started on the same database, answers each
 * of them exactly once: the commands through their stored response_urls, the Teams message as a
 * reply to it through its stored conversation reference. Native PostgreSQL (a scratch database on
 * TEST_DATABASE_URL's server); Teams in the Emulator's anonymous mode, replies to a Bot Connector
 * stand-in.
 *
 * Each command is caught at a different moment of its handler, by a dependency that is slow
 * the way real ones are, not by anything in Workroom's code:
 * - `/ask`: the OpenAI-compatible server accepts the chat completion and never answers.
 * - `/timesheet` (before the write), and the same on Teams: another session holds the advisory
 *   lock logTime takes on the person's day, so the handler waits inside its transaction; nothing
 *   is written.
 * - `/timesheet` (after the write): the entry is committed and the answer is on its way to a
 *   response_url that does not answer yet (Slack being slow); the killed process never hears back.
 * The second process starts with the slow dependencies fixed: an OpenAI server that answers, the
 * lock released, the response_url answering.
 *
 * "Exactly once" is checked against the server's own account: every inbox row of the three
 * commands reaches 'answered' (nothing is left to resume), and only then are the answers counted.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { addDays, isoDow } from '../src/dates.ts'
import type { Engine } from '../src/db/engine.ts'
import { linkIdentity } from '../src/db/identity.ts'
import { bindWorkspace } from '../src/db/workspaces.ts'
import { createScratchDatabase } from '../src/db/scratch.ts'
import { migrateUp } from '../src/db/migrate.ts'
import { seed } from '../seeds/index.ts'
import { freePort } from './support/free-port.ts'
import { startOpenAIStandin, type OpenAIStandin } from './support/openai-standin.ts'
import { startSlackStandin, type SlackStandin } from './support/slack-standin.ts'
import { startTeamsStandin, type TeamsStandin } from './support/teams-standin.ts'

const nativeUrl = process.env.TEST_DATABASE_URL
const SECRET = 'resume-signing-secret'
const TEAM = 'TRESUME'
const TENANT = 'aad-tenant-resume'
const CAMPAIGN = 'Aurora Air Spring Launch'
/** Short, so the test waits seconds, not the default 30 s, for the killed process's leases to run out. */
const LEASE_SECONDS = 2

const missing = !nativeUrl ? 'TEST_DATABASE_URL is not set (this test runs the real server on native PostgreSQL)' : null
if (missing) console.warn(`inbox-resume: skipped, ${missing}`)

/** A response_url host that holds every POST while closed (Slack being slow) and records them once open. */
async function startGate() {
  let open = false
  let arrivals = 0
  const held = new Set<ServerResponse>()
  const posts: Array<{ path: string; body: { text?: string } }> = []
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    arrivals++
    if (!open) {
      // Never answered: the sender is killed while it waits, and a POST nobody answered is not an answer.
      held.add(res)
      return
    }
    posts.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) })
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: (id: string) => `${base}/response/${id}`,
    arrivals: () => arrivals,
    posts,
    open: () => { open = true },
    close: () => new Promise<void>((resolve) => {
      for (const res of held) res.destroy()
      server.close(() => resolve())
      server.closeAllConnections()
    }),
  }
}

describe.skipIf(missing !== null)('a slash command acked by a process that is then killed', () => {
  let db: Engine & { url: string }
  let slack: SlackStandin
  let teams: TeamsStandin
  let slowAi: OpenAIStandin
  let ai: OpenAIStandin
  let gate: Awaited<ReturnType<typeof startGate>>
  let locker: pg.Client
  let port: number
  const servers: ChildProcess[] = []
  let serverLog = ''

  const start = async (openaiUrl: string) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        // Not production: Teams without an app id (the Emulator's mode) is refused there.
        ...process.env, NODE_ENV: 'test', TEAMS_EMULATOR: 'true', PLAYGROUND_ENABLED: 'false', LOG_LEVEL: 'info', PORT: String(port), HOST: '127.0.0.1',
        DATABASE_URL: db.url, WORKROOM_DEMO_SEED: 'false', DATABASE_POOL_SIZE: '5',
        SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: 'xoxb-resume', SLACK_API_URL: slack.apiUrl,
        OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: openaiUrl, RAG_EMBEDDINGS: 'offline', RAG_ANSWERS: 'openai',
        INBOX_LEASE_SECONDS: String(LEASE_SECONDS),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    servers.push(child)
    child.stderr!.on('data', (chunk: Buffer) => { serverLog += chunk.toString() })
    const logged = serverLog.length
    // Ready when it prints its banner (after migrations, bots, resumer and listener are up), or it died.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the server printed no banner in 60 s:\n${serverLog}`)), 60_000)
      const done = (err?: Error) => {
        clearTimeout(timer)
        child.stdout!.off('data', onData)
        return err ? reject(err) : resolve()
      }
      const onData = (chunk: Buffer) => {
        serverLog += chunk.toString()
        if (serverLog.slice(logged).includes('Workroom is running at')) done()
      }
      child.stdout!.on('data', onData)
      child.once('exit', (code) => done(new Error(`the server exited with ${code} before it was ready:\n${serverLog}`)))
    })
    child.stdout!.on('data', (chunk: Buffer) => { serverLog += chunk.toString() })
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200)
    return child
  }

  const slash = (user: string, command: string, text: string, id: string, responseUrl: string) => {
    const body = new URLSearchParams({
      token: 'legacy', team_id: TEAM, team_domain: 'resume', channel_id: 'C0RESUME', channel_name: 'resume', user_id: user, user_name: user,
      command, text, api_app_id: 'A0RESUME', trigger_id: `trigger.${id}`, response_url: responseUrl,
    }).toString()
    const ts = Math.floor(Date.now() / 1000)
    return fetch(`http://127.0.0.1:${port}/slack/events`, {
      method: 'POST', body,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}` },
    })
  }
  const poll = <T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeout = 30_000) => vi.waitFor(async () => {
    const found = await check()
    if (found === undefined) throw new Error(`still waiting for ${what}`)
    return found
  }, { timeout, interval: 50 })

  beforeAll(async () => {
    db = await createScratchDatabase(nativeUrl!, { prefix: 'workroom_resume', poolSize: 2 })
    const migrated = await migrateUp(db.pool)
    if (migrated.error) throw new Error(migrated.error.message)
    await seed(db, { scale: 'demo', progress: false })
    slack = await startSlackStandin()
    teams = await startTeamsStandin()
    slowAi = await startOpenAIStandin()
    // Every chat completion (and the SDK's retries of it) is accepted and never answered.
    slowAi.script('chat', ...Array.from({ length: 10 }, () => ({ kind: 'hang' as const })))
    ai = await startOpenAIStandin()
    gate = await startGate()
    locker = new pg.Client({ connectionString: db.url })
    await locker.connect()
    port = await freePort()
  }, 120_000)

  afterAll(async () => {
    for (const child of servers) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL')
        await new Promise((r) => child.once('exit', r))
      }
    }
    await locker?.end()
    await gate?.close()
    await slowAi?.close()
    await ai?.close()
    await slack?.close()
    await teams?.close()
    await db?.close()
  })

  it('answers /ask, two /timesheet commands and a Teams message after a restart, each exactly once, and logs each entry once', async () => {
    const first = await start(slowAi.url)
    await bindWorkspace(db.db, 'slack', TEAM, 'northwind', 'operator')
    await bindWorkspace(db.db, 'teams', TENANT, 'northwind', 'operator')
    const asker = (await linkIdentity(db.db, { platform: 'slack', workspaceId: TEAM, externalUserId: 'U0SOFIA' }, 'sofia.alvarez@northwind.example'))!
    const logger = (await linkIdentity(db.db, { platform: 'slack', workspaceId: TEAM, externalUserId: 'U0LUCY' }, 'lucy.fernandes@northwind.example'))!
    expect(await linkIdentity(db.db, { platform: 'teams', workspaceId: TENANT, externalUserId: 'aad-lucy' }, 'lucy.fernandes@northwind.example')).not.toBeNull()
    expect(asker && logger).toBeTruthy()
    const today = new Date().toISOString().slice(0, 10)
    const weekdays = Array.from({ length: 10 }, (_, i) => addDays(today, -(i + 1))).filter((d) => isoDow(d) <= 5)
    const [lockedDay, slowAnswerDay] = weekdays as [string, string]

    // /ask: acked with the progress note, then stuck in the chat completion.
    const ask = await slash('U0SOFIA', '/ask', 'how many quotes do I need for a purchase order over 10k?', 'ask', slack.responseUrl('ask'))
    expect(ask.status).toBe(200)
    expect(JSON.stringify(await ask.json())).toMatch(/Looking that up/)
    await poll('the chat completion to be asked', () => slowAi.requests.some((r) => r.path === '/v1/chat/completions') || undefined)

    // /timesheet, stuck before its write: someone else holds the lock on Lucy's day.
    await locker.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [`${logger.userId}:${lockedDay}`])
    expect((await slash('U0LUCY', '/timesheet', `1h ${lockedDay} ${CAMPAIGN}`, 'locked', slack.responseUrl('locked'))).status).toBe(200)
    // Teams, the same: the turn is acked at once, and the handler, run after it, waits on the lock.
    const activity = {
      type: 'message', id: 'resume-teams-1', timestamp: new Date().toISOString(), serviceUrl: teams.serviceUrl, channelId: 'msteams',
      from: { id: '29:lucy', name: 'Lucy Fernandes', aadObjectId: 'aad-lucy' }, recipient: { id: '28:workroom-bot', name: 'Workroom' },
      conversation: { id: 'a:personal-lucy', conversationType: 'personal', tenantId: TENANT }, channelData: { tenant: { id: TENANT } },
      text: `timesheet 3h ${lockedDay} ${CAMPAIGN}`, textFormat: 'plain', entities: [],
    }
    expect((await fetch(`http://127.0.0.1:${port}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) })).status).toBe(200)
    await poll('both logTimes to wait for the lock', async () => {
      const { rows } = await locker.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
      return rows[0]!.n >= 2 || undefined
    })

    // /timesheet, written, its answer stuck on the way to Slack.
    expect((await slash('U0LUCY', '/timesheet', `2h ${slowAnswerDay} ${CAMPAIGN}`, 'written', gate.url('written'))).status).toBe(200)
    await poll('the answer to reach the response_url', () => gate.arrivals() > 0 || undefined)
    const entries = (ref: string) => db.db.selectFrom('agency.timesheet_entries').select('id').where('external_ref', '=', `slash:trigger.${ref}`).execute()
    expect(await entries('written')).toHaveLength(1)   // the killed process wrote it
    expect(await entries('locked')).toHaveLength(0)
    expect(slack.responses).toHaveLength(0)

    first.kill('SIGKILL')
    await new Promise((r) => first.once('exit', r))
    expect(teams.calls).toHaveLength(0)
    await locker.query('SELECT pg_advisory_unlock_all()')
    gate.open()

    await start(ai.url)
    const answers = (id: string) => slack.responses.filter((r) => r.path === `/response/${id}`)
    await poll('every command to be answered', () =>
      (answers('ask').length > 0 && answers('locked').length > 0 && gate.posts.length > 0 && teams.calls.length > 0) || undefined)
    // The server's own account: nothing of the four is left to resume, on any replica.
    const keys = ['slack:command:trigger.ask', 'slack:command:trigger.locked', 'slack:command:trigger.written', 'teams:activity:resume-teams-1']
    await poll('the inbox to be drained', async () => {
      const rows = await db.db.selectFrom('workroom.chat_inbox').select(['inbox_key', 'state', 'attempts']).where('inbox_key', 'in', keys).execute()
      return rows.length === keys.length && rows.every((r) => r.state === 'answered') ? rows : undefined
    })

    expect(answers('ask')).toHaveLength(1)
    expect(answers('ask')[0]!.body).toMatchObject({ response_type: 'ephemeral', replace_original: true })
    expect(JSON.stringify(answers('ask')[0]!.body)).toMatch(/OK/)
    expect(answers('locked')).toHaveLength(1)
    expect(answers('locked')[0]!.body.text).toMatch(new RegExp(`^Logged 1h to ${CAMPAIGN}`))
    expect(gate.posts).toHaveLength(1)
    expect(gate.posts[0]!.body.text).toMatch(/^Already logged: I had saved this once already/)
    expect(await entries('locked')).toHaveLength(1)
    // Teams: one reply, in the conversation, to the message itself.
    expect(teams.calls).toHaveLength(1)
    expect(teams.calls[0]).toMatchObject({ conversationId: 'a:personal-lucy', activityId: 'resume-teams-1' })
    expect(teams.calls[0]!.activity.summary).toMatch(new RegExp(`^Logged 3h to ${CAMPAIGN}`))
    expect(await db.db.selectFrom('agency.timesheet_entries').select('id').where('external_ref', '=', 'teams:activity:resume-teams-1').execute()).toHaveLength(1)
    expect(await entries('written')).toHaveLength(1)
    expect(serverLog).toMatch(/resumed an unanswered inbound/)
    // Nothing else went wrong, and nothing was taken over twice (that would warn of a lost lease).
    expect(serverLog.split('\n').filter((line) => /"level":(40|50|60)/.test(line) && !/TEAMS_EMULATOR/.test(line))).toEqual([])
  }, 180_000)
})
