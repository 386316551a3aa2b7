/**
 * One error boundary (src/handlers/router.ts, converse): a bug thrown inside a handler gives
 * the person the same words on Slack, Teams and the playground, is logged once at error level,
 * and writes nothing. The bug: an embedder that throws while the question is being answered
 * (a TypeError, as a real bug would), in the real server with all three adapters mounted.
 */
import { createHmac, randomUUID } from 'node:crypto'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createSlackBot } from '../src/bots/slack/app.ts'
import { createTeamsBot } from '../src/bots/teams/app.ts'
import type { Engine } from '../src/db/engine.ts'
import { bindWorkspace } from '../src/db/workspaces.ts'
import { type ConverseDeps, SOMETHING_WENT_WRONG } from '../src/chat/converse.ts'
import { createApp } from '../src/http/app.ts'
import { startServer, type RunningServer } from '../src/http/server.ts'
import { createLogger } from '../src/log.ts'
import { seed } from '../seeds/index.ts'
import { describeEachEngine } from './support/engines.ts'
import { startSlackStandin, type SlackStandin } from './support/slack-standin.ts'
import { startTeamsStandin, type TeamsStandin } from './support/teams-standin.ts'

const SECRET = 'boundary-signing-secret'
const TEAMS_TENANT = 'aad-tenant-boundary'
const QUESTION = 'How many quotes do I need for a purchase order over 10k?'

describeEachEngine('one error boundary for every platform', (testEngine) => {
  let engine: Engine
  let slack: SlackStandin
  let teams: TeamsStandin
  let server: RunningServer
  let url: string
  const lines: Array<{ level: number; msg: string; err?: { message: string } }> = []
  const failures = () => lines.filter((l) => l.level >= 50)
  /** Questions answered so far (ai_messages of the assistant), counted as the owner. */
  const answers = async () => Number((await engine.db.selectFrom('agency.ai_messages').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)

  beforeAll(async () => {
    slack = await startSlackStandin()
    slack.users.set('U0SOFIA', { email: 'sofia.alvarez@northwind.example' })
    teams = await startTeamsStandin()
    teams.members.set('29:sofia', { aadObjectId: 'aad-sofia', email: 'sofia.alvarez@northwind.example', name: 'Sofia Alvarez' })
    engine = await testEngine.migrated()
    await seed(engine, { scale: 'demo', progress: false })
    await bindWorkspace(engine.db, 'teams', TEAMS_TENANT, 'northwind', 'operator')
    await bindWorkspace(engine.db, 'slack', 'T0BOUNDARY', 'northwind', 'operator')
    const logger = createLogger('info', { write: (s: string) => void lines.push(JSON.parse(s)) })
    const router: ConverseDeps = {
      db: engine.db, now: () => new Date(), log: logger,
      knowledge: { embedder: { model: 'workroom-hashing-v1', embed: () => { throw new TypeError("Cannot read properties of undefined (reading 'map')") } }, chat: null },
    }
    const slackBot = createSlackBot(router, { signingSecret: SECRET, botToken: 'xoxb-test', appToken: undefined, apiUrl: slack.apiUrl }, logger)
    const teamsBot = createTeamsBot(router, { appId: undefined, appPassword: undefined, appType: 'MultiTenant', tenantId: undefined }, logger)
    server = await startServer(createApp({ engine, logger, router, playground: true, adapters: [slackBot.routes, teamsBot.routes] }), { port: 0, host: '127.0.0.1', logger })
    url = `http://127.0.0.1:${server.port}`
  }, 60_000)
  afterAll(async () => {
    await server?.close()
    await engine?.close()
    await slack?.close()
    await teams?.close()
  })

  it('Slack: /ask gets the apology at its response_url', async () => {
    const [before, logged] = [await answers(), failures().length]
    const id = randomUUID()
    const body = new URLSearchParams({
      token: 'legacy', team_id: 'T0BOUNDARY', team_domain: 'test', channel_id: 'C0GENERAL', channel_name: 'general', user_id: 'U0SOFIA', user_name: 'sofia',
      command: '/ask', text: QUESTION, api_app_id: 'A0APP', trigger_id: `trigger.${id}`, response_url: slack.responseUrl(id),
    }).toString()
    const ts = Math.floor(Date.now() / 1000)
    const res = await fetch(`${url}/slack/events`, {
      method: 'POST', body,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}` },
    })
    expect(res.status).toBe(200)
    await slack.until(() => slack.responses.some((r) => r.path.endsWith(`/${id}`) && JSON.stringify(r.body).includes(SOMETHING_WENT_WRONG)))
    expect(await answers()).toBe(before)
    expect(failures().slice(logged).map((l) => l.err?.message)).toEqual(["Cannot read properties of undefined (reading 'map')"])
  })

  it('Teams: a question in a personal chat gets the apology in that chat', async () => {
    const [before, logged] = [await answers(), failures().length]
    const id = String(Date.now())
    const res = await fetch(`${url}/api/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'message', id, timestamp: new Date().toISOString(), serviceUrl: teams.serviceUrl, channelId: 'msteams',
        from: { id: '29:sofia', name: 'Sofia Alvarez', aadObjectId: 'aad-sofia' }, recipient: { id: '28:workroom-bot', name: 'Workroom' },
        conversation: { id: 'a:personal-aad-sofia', conversationType: 'personal', tenantId: TEAMS_TENANT },
        text: QUESTION, textFormat: 'plain', entities: [], channelData: { tenant: { id: TEAMS_TENANT } },
      }),
    })
    expect(res.status).toBeLessThan(300)
    await teams.until(() => teams.calls.some((c) => c.conversationId === 'a:personal-aad-sofia' && JSON.stringify(c.activity).includes(SOMETHING_WENT_WRONG)))
    expect(await answers()).toBe(before)
    expect(failures().slice(logged).map((l) => l.err?.message)).toEqual(["Cannot read properties of undefined (reading 'map')"])
  })

  it('playground: the send answers 200 with the apology, not a 500', async () => {
    const [before, logged] = [await answers(), failures().length]
    const res = await fetch(`${url}/playground/send`, {
      method: 'POST', headers: { 'content-type': 'application/json', origin: url },
      body: JSON.stringify({ as: 'sofia.alvarez@northwind.example', text: QUESTION }),
    })
    expect(res.status).toBe(200)
    const { reply } = await res.json() as { reply: { summary: string } }
    expect(reply.summary).toBe(SOMETHING_WENT_WRONG)
    expect(await answers()).toBe(before)
    expect(failures().slice(logged).map((l) => l.err?.message)).toEqual(["Cannot read properties of undefined (reading 'map')"])
  })
})
