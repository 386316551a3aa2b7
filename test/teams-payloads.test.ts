/**
 * Every recorded Teams activity (test/fixtures/teams/, as Microsoft documents and sends them)
 * POSTed to the running server, in the order a team would live through them: the Bot Framework
 * never sees a 5xx, nothing is logged at error level, and each is answered as a person in Teams
 * expects. Only serviceUrl is replaced (with the Bot Connector stand-in's). The recorded tenants
 * are bound to the demo agency, and the recorded people are members the stand-in knows, with
 * e-mails of demo people, so that messages reach their handlers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTeamsBot, type TeamsBot } from '../src/bots/teams/app.ts'
import type { Engine } from '../src/db/engine.ts'
import { bindWorkspace } from '../src/db/workspaces.ts'
import { createApp } from '../src/http/app.ts'
import { startServer } from '../src/http/server.ts'
import { createLogger } from '../src/log.ts'
import { seed } from '../seeds/index.ts'
import { describeEachEngine } from './support/engines.ts'
import { TEAMS_FIXTURES, teamsFixture } from './support/teams-fixtures.ts'
import { startTeamsStandin, type ConnectorCall, type TeamsStandin } from './support/teams-standin.ts'

interface LogLine { level: number; msg: string; [key: string]: unknown }

const TENANTS = ['72f988bf-86f1-41af-91ab-2d7cd011db47', '50612dbb-0237-4969-b378-8d42590f9c00', 'bec8e231-67ad-484e-87f4-3e5438390a77']
const MEMBERS: Record<string, string> = {
  '29:1XJKJMvc5GBtc2JwZq0oj8tHZmzrQgFmB39ATiQWA85gQtHieVkKilBZ9XHoq9j7Zaqt7CZ-NJWi7me2kHTL3Bw': 'sofia.alvarez@northwind.example',
  '29:17bUvCasIPKfQIXHvNzcPjD86fwm6GkWc1PvCGP2-NSkNb7AyGYpjQ7Xw-XgTwaHW5JxZ4KMNDxn1kcL8fwX1Nw': 'maya.chen@northwind.example',
  '29:102jd210jd010icsoaeclaejcoa9ue09u': 'lucy.fernandes@northwind.example',
}

interface Outcome {
  /** The HTTP answer. */
  status: number
  body: string
  /** Messages sent to the Bot Connector because of it (typing indicators left out). */
  sent: ConnectorCall[]
  conversations: string[]
}

type Expectation = (activity: Record<string, any>, outcome: Outcome) => void

const isCard = (call: ConnectorCall) => call.activity.attachments?.[0]?.contentType === 'application/vnd.microsoft.card.adaptive'

/** A reply to the activity, in its conversation, as one card. */
const repliedWithCard = (summary: RegExp, not = /$^/): Expectation => (activity, { sent }) => {
  expect(sent).toHaveLength(1)
  expect(sent[0]).toMatchObject({ conversationId: activity.conversation.id, activityId: activity.id })
  expect(isCard(sent[0]!)).toBe(true)
  expect(sent[0]!.activity).not.toHaveProperty('text')
  expect(sent[0]!.activity.summary).toMatch(summary)
  expect(sent[0]!.activity.summary).not.toMatch(not)
}
/** Answered by a handler as the person it identified, not with how to get linked or connected. */
const ANSWERED = /./
const REFUSED = /I don't know who you are|not connected to an agency/
/** A welcome posted as a new message where Workroom was added, and the conversation remembered. */
const welcomed: Expectation = (activity, { sent, conversations }) => {
  expect(sent).toHaveLength(1)
  expect(sent[0]).toMatchObject({ conversationId: activity.conversation.id, activityId: null })
  expect(sent[0]!.activity.summary).toMatch(/I'm Workroom/)
  expect(conversations).toContain(activity.conversation.id)
}
const forgotten: Expectation = (activity, { sent, conversations }) => {
  expect(sent).toEqual([])
  expect(conversations).not.toContain(activity.conversation.id)
}
const nothingSent: Expectation = (_activity, { sent }) => expect(sent).toEqual([])

/** In the order a team lives through them: added, used, people come and go, removed. */
const JOURNEY: Array<[fixture: string, what: string, expectation: Expectation]> = [
  ['conversation-update-bot-added-personal', 'welcomes the person who added it', welcomed],
  ['conversation-update-bot-added-team', 'welcomes the team it was added to', welcomed],
  ['conversation-update-bot-added-team-captured', 'welcomes another team it was added to', welcomed],
  ['installation-update-add-team', 'welcomes a team that installed it', welcomed],
  ['message-personal', 'answers a message in a personal chat with a card, as a reply', repliedWithCard(ANSWERED, REFUSED)],
  ['message-channel-mention', 'answers a channel mention with a card, in the thread', repliedWithCard(ANSWERED, REFUSED)],
  ['message-image-only', 'says it reads only text when sent a picture', repliedWithCard(/only read text/)],
  ['message-file-only', 'says it reads only text when sent a file', repliedWithCard(/only read text/)],
  ['message-action-submit', 'answers a click on a Workroom button (Action.Submit) with its handler\'s card', repliedWithCard(/undo/i, REFUSED)],
  ['invoke-adaptive-card-action', 'answers an Action.Execute click from a card that is not Workroom\'s in the invoke response, with a card', (_a, { sent, body }) => {
    expect(sent).toEqual([])
    expect(JSON.parse(body)).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: { type: 'AdaptiveCard' } })
  }],
  ['invoke-message-submit-action-feedback', 'answers Teams\' own feedback on a message that is no answer of the clicker with 200 and nothing else', (_a, { sent, body }) => {
    expect(sent).toEqual([])
    expect(body).toBe('')
  }],
  ['message-reaction', 'does nothing with a reaction', nothingSent],
  ['conversation-update-member-removed', 'does nothing when a person leaves a team, and keeps the team', (activity, outcome) => {
    nothingSent(activity, outcome)
    expect(outcome.conversations).toContain(activity.conversation.id)
  }],
  ['conversation-update-bot-removed-team', 'forgets a team it was removed from', forgotten],
  ['installation-update-remove-team', 'forgets a team that uninstalled it', forgotten],
]

describeEachEngine('Teams: every recorded activity through the running server', (testEngine) => {
  let engine: Engine
  let teams: TeamsStandin
  let bot: TeamsBot
  let url: string
  let close: () => Promise<void>
  const logs: LogLine[] = []

  beforeAll(async () => {
    teams = await startTeamsStandin()
    for (const [id, email] of Object.entries(MEMBERS)) teams.members.set(id, { email, name: email.split('@')[0] })
    engine = await testEngine.migrated()
    await seed(engine, { scale: 'demo', progress: false })
    for (const tenant of TENANTS) await bindWorkspace(engine.db, 'teams', tenant, 'northwind', 'operator')
    const logger = createLogger('debug', { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) })
    const router = { db: engine.db, now: () => new Date() }
    bot = createTeamsBot(router, { appId: undefined, appPassword: undefined, appType: 'MultiTenant', tenantId: undefined }, logger)
    const server = await startServer(createApp({ engine, logger, router, adapters: [bot.routes] }), { port: 0, host: '127.0.0.1', logger })
    url = `http://127.0.0.1:${server.port}`
    close = async () => {
      await server.close()
      await engine.close()
      await teams.close()
    }
  }, 60_000)
  afterAll(async () => {
    await close?.()
  })

  it('covers every recorded activity', () => {
    expect(JOURNEY.map(([name]) => name).sort()).toEqual(TEAMS_FIXTURES)
  })

  it.each(JOURNEY)('%s: %s', async (name, _what, expectation) => {
    const activity = teamsFixture(name, teams.serviceUrl)
    const calls = teams.calls.length
    const res = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) })
    const body = await res.text()
    // Answers come after the turn: drained, everything this activity caused has been sent.
    await bot.drain()
    expect(res.status, body).toBe(200)
    const sent = teams.calls.slice(calls).filter((c) => c.activity.type !== 'typing')
    const conversations = (await engine.db.selectFrom('workroom.teams_conversations').select('conversation_id').execute()).map((r) => r.conversation_id)
    expectation(activity, { status: res.status, body, sent, conversations })
    expect(logs.filter((l) => l.level >= 50).map((l) => `${l.msg}: ${(l.err as { message?: string } | undefined)?.message ?? ''}`)).toEqual([])
  })
})
