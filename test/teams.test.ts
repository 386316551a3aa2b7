/**
 * Teams end to end: the real server with the botbuilder CloudAdapter mounted at /api/messages,
 * Bot Framework activities POSTed as Teams sends them, and replies captured by a Bot Connector
 * stand-in on 127.0.0.1 (each activity's serviceUrl points there). With an app id configured,
 * tokens are checked by the SDK against the stand-in's OpenID metadata and signing key.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { ServiceClientCredentialsFactory } from 'botframework-connector'
import type { LimitFunction } from 'p-limit'
import { createTeamsBot, type TeamsBot, type TeamsSettings } from '../src/bots/teams/app.ts'
import type { Engine } from '../src/db/engine.ts'
import { Inbox } from '../src/db/inbox.ts'
import { createApp } from '../src/http/app.ts'
import { startServer } from '../src/http/server.ts'
import { createLogger } from '../src/log.ts'
import { reply } from '../src/handlers/reply.ts'
import { runDueDigests } from '../src/scheduler.ts'
import { digestSender } from '../src/bots/teams/platform.ts'
import { seed } from '../seeds/index.ts'
import { bindWorkspace } from '../src/db/workspaces.ts'
import { withActor } from '../src/db/actor.ts'
import { resolveIdentity } from '../src/db/identity.ts'
import { feedbackOnPost, rememberAnswerPost } from '../src/db/answer-posts.ts'
import { openaiChat } from '../src/rag/answer.ts'
import { HashingEmbedder, openaiClient } from '../src/rag/embed.ts'
import type { KnowledgeProviders } from '../src/rag/providers.ts'
import { startOpenAIStandin, type OpenAIStandin } from './support/openai-standin.ts'
import { describeEachEngine, pglite, type TestEngine } from './support/engines.ts'
import { teamsFixture } from './support/teams-fixtures.ts'
import { startTeamsStandin, type ConnectorCall, type TeamsStandin } from './support/teams-standin.ts'

const TENANT = 'aad-tenant-northwind'
const BOT = { id: '28:workroom-bot', name: 'Workroom' }
const CHANNEL = '19:general@thread.tacv2'
const APP_ID = '6f1d7c2e-3b0a-4c55-9d2e-7a1b2c3d4e5f'
const PEOPLE = {
  lucy: { id: '29:lucy', aadObjectId: 'aad-lucy', email: 'lucy.fernandes@northwind.example', name: 'Lucy Fernandes', tenantId: TENANT },
  maya: { id: '29:maya', aadObjectId: 'aad-maya', email: 'maya.chen@northwind.example', name: 'Maya Chen', tenantId: TENANT },
  sofia: { id: '29:sofia', aadObjectId: 'aad-sofia', email: 'sofia.alvarez@northwind.example', name: 'Sofia Alvarez', tenantId: TENANT },
  // An attacker's own Entra tenant, whose admin gave them a Northwind leader's address.
  mallory: { id: '29:mallory', aadObjectId: 'aad-mallory', email: 'maya.chen@northwind.example', name: 'Mallory', tenantId: 'aad-tenant-foreign' },
  // A guest of Northwind's tenant from another organisation (shared channel): their home tenant vouches for the address, not ours.
  guest: { id: '29:guest', aadObjectId: 'aad-guest', email: 'jonas.berg@northwind.example', name: 'Guest', tenantId: 'aad-tenant-partner', userRole: 'guest' },
}
type Person = { id: string; aadObjectId: string; email: string; name: string }

/** Outbound calls carry this fixed token instead of one from Entra ID (unreachable here). */
const fixedCredentials: ServiceClientCredentialsFactory = {
  isValidAppId: async (appId) => appId === APP_ID,
  isAuthenticationDisabled: async () => false,
  createCredentials: async () => ({ signRequest: async (request: { headers: { set(n: string, v: string): void } }) => { request.headers.set('authorization', 'Bearer outbound-test-token'); return request } }) as never,
}

/** A line the server logged, as pino writes it. */
export interface LogLine { level: number; msg: string; [key: string]: unknown }

interface ServerOptions {
  /** Wraps every handler run (the router's concurrency limit): a test can hold handlers back with it. */
  inFlight?: LimitFunction
  /** The inbox lease (INBOX_LEASE_SECONDS); the default's otherwise. */
  leaseMs?: number
  /** How long an Action.Execute click waits for its answer to go in the invoke's response. */
  invokeAnswerWithinMs?: number
  /** Embedding and answer providers (a chat model makes answers stream in personal chats). */
  knowledge?: KnowledgeProviders
  streamUpdateEveryMs?: number
}

async function startTeamsServer(settings: (teams: TeamsStandin) => TeamsSettings, testEngine: TestEngine = pglite, options: ServerOptions = {}) {
  const teams = await startTeamsStandin()
  for (const p of Object.values(PEOPLE)) teams.members.set(p.id, p)
  const engine = await testEngine.migrated()
  await seed(engine, { scale: 'demo', progress: false })
  await bindWorkspace(engine.db, 'teams', TENANT, 'northwind', 'operator')
  // Everything the server logs, debug included: a test can tell an error from an expected refusal.
  const logs: LogLine[] = []
  const logger = createLogger('debug', { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) })
  const router = { db: engine.db, now: () => new Date(), ...(options.inFlight ? { inFlight: options.inFlight } : {}), ...(options.knowledge ? { knowledge: options.knowledge } : {}) }
  const bot = createTeamsBot(router, settings(teams), logger, {
    ...(options.leaseMs ? { inbox: new Inbox(engine.db, { leaseMs: options.leaseMs }) } : {}),
    ...(options.invokeAnswerWithinMs ? { invokeAnswerWithinMs: options.invokeAnswerWithinMs } : {}),
    ...(options.streamUpdateEveryMs !== undefined ? { streamUpdateEveryMs: options.streamUpdateEveryMs } : {}),
  })
  const server = await startServer(createApp({ engine, logger, router, adapters: [bot.routes] }), { port: 0, host: '127.0.0.1', logger })
  return {
    teams, engine, bot, logs, url: `http://127.0.0.1:${server.port}`,
    close: async () => {
      await server.close()
      await engine.close()
      await teams.close()
    },
  }
}

const anonymous = (): TeamsSettings => ({ appId: undefined, appPassword: undefined, appType: 'MultiTenant', tenantId: undefined })
/** Error-level lines (pino level 50 and up), as "msg: error message" so a failure says what went wrong. */
const errorsIn = (logs: LogLine[]) => logs.filter((l) => l.level >= 50).map((l) => `${l.msg}: ${(l.err as { message?: string } | undefined)?.message ?? ''}`)

/** Resolves once check() holds, asked every 10 ms; rejects after ms (a bound, not a wait). */
const until = (check: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> =>
  vi.waitFor(async () => { if (!(await check())) throw new Error(`waited ${ms} ms for ${what}`) }, { timeout: ms, interval: 10 })

/** The promise's value, or a rejection naming what did not happen within ms. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms) }),
  ])
}

/** A message activity as Teams sends it: in a channel (with an <at> mention of the bot) or in a personal chat. */
function message(teams: TeamsStandin, from: Person, text: string, where: 'channel' | 'personal', extra: Record<string, unknown> = {}) {
  const id = `${Date.now()}${Math.floor(Math.random() * 1000)}`
  const channel = where === 'channel'
  return {
    type: 'message', id, timestamp: new Date().toISOString(), serviceUrl: teams.serviceUrl, channelId: 'msteams',
    from: { id: from.id, name: from.name, aadObjectId: from.aadObjectId },
    recipient: BOT,
    conversation: channel
      ? { id: `${CHANNEL};messageid=${id}`, conversationType: 'channel', isGroup: true, tenantId: TENANT }
      : { id: `a:personal-${from.aadObjectId}`, conversationType: 'personal', tenantId: TENANT },
    text: channel ? `<at>Workroom</at> ${text}` : text,
    textFormat: 'plain',
    entities: channel ? [{ type: 'mention', mentioned: BOT, text: '<at>Workroom</at>' }] : [],
    channelData: { tenant: { id: TENANT }, ...(channel ? { team: { id: '19:team@thread.tacv2' }, channel: { id: CHANNEL } } : {}) },
    ...extra,
  }
}

const cardOf = (call: ConnectorCall) => call.activity.attachments?.[0]
const cardText = (call: ConnectorCall) => JSON.stringify(cardOf(call)?.content ?? {})
/** Every button (Action.Execute) in a card, wherever it sits. */
function submitActions(node: unknown): Array<{ type: string; title: string; verb?: string; data: unknown }> {
  if (!node || typeof node !== 'object') return []
  if (Array.isArray(node)) return node.flatMap(submitActions)
  const o = node as Record<string, unknown>
  return [...(o.type === 'Action.Execute' || o.type === 'Action.Submit' ? [{ type: o.type, title: String(o.title), verb: o.verb as string | undefined, data: o.data }] : []), ...Object.values(o).flatMap(submitActions)]
}

describeEachEngine('Teams bot (anonymous mode, Bot Connector stand-in)', (testEngine) => {
  let engine: Engine
  let teams: TeamsStandin
  let bot: TeamsBot
  let url: string
  let logs: LogLine[]
  let close: () => Promise<void>

  const post = (activity: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof activity === 'string' ? activity : JSON.stringify(activity) })
  const entries = () => engine.db.selectFrom('agency.timesheet_entries').select(['id', 'hours']).where('source', '=', 'teams').execute()
  const callsIn = (conversationPrefix: string) => teams.calls.filter((c) => c.conversationId.startsWith(conversationPrefix) && c.activity.type === 'message')

  beforeAll(async () => {
    ;({ engine, teams, bot, url, logs, close } = await startTeamsServer(anonymous, testEngine))
  }, 60_000)
  afterAll(async () => {
    await close?.()
  })

  it('logs a timesheet from a channel mention once, links the person by their Teams e-mail, and replies in the thread with a card', async () => {
    const before = (await entries()).length
    const activity = message(teams, PEOPLE.lucy, 'timesheet 3h Aurora Air Spring Launch', 'channel')
    const calls = teams.calls.length
    const res = await post(activity)
    expect(res.status).toBe(200)
    const [answer] = (await teams.waitForCalls(calls + 1)).slice(calls)
    expect(answer!.conversationId).toBe(activity.conversation.id)
    expect(answer!.activityId).toBe(activity.id)                  // a reply to the mention, in its thread
    // One message: the card, and its summary for notifications; no text that Teams would show above the card.
    expect(answer!.activity).not.toHaveProperty('text')
    expect(answer!.activity.summary).toMatch(/Logged 3h to Aurora Air Spring Launch/)
    expect(answer!.activity.attachments).toHaveLength(1)
    expect(cardOf(answer!)?.contentType).toBe('application/vnd.microsoft.card.adaptive')
    expect(cardText(answer!)).toMatch(/Logged 3h to \**Aurora Air Spring Launch/)
    expect((await entries()).length).toBe(before + 1)

    // The Bot Framework delivers the same activity again: answered once, logged once. (drain: every
    // answer this process acked a turn for has been sent.)
    expect((await post(activity)).status).toBe(200)
    await bot.drain()
    expect(teams.calls.length).toBe(calls + 1)
    expect((await entries()).length).toBe(before + 1)
  })

  it('answers a question in a personal chat offline with one Adaptive Card citing its sources, after a typing indicator', async () => {
    const activity = message(teams, PEOPLE.sofia, 'How many quotes do I need for a purchase order over 10k?', 'personal')
    const calls = teams.calls.length
    expect((await post(activity)).status).toBe(200)
    const mine = (await teams.waitForCalls(calls + 2)).slice(calls)
    expect(mine.map((c) => c.activity.type)).toEqual(['typing', 'message'])
    // No chat model (offline): one message, not a stream.
    expect(mine.flatMap((c) => c.activity.entities ?? []).filter((e: { type?: string }) => e.type === 'streaminfo')).toEqual([])
    const answer = mine[1]!
    expect(answer.conversationId).toBe(`a:personal-${PEOPLE.sofia.aadObjectId}`)
    expect(cardText(answer)).toMatch(/three competitive quotes/)
    expect(cardText(answer)).toMatch(/Vendor Portal Tips/)
    expect(cardOf(answer)?.content.version).toBe('1.5')
    // Through the Bot Connector as sent: Teams' AI label, and its citations numbered as the card's.
    const [ai] = (answer.activity.entities ?? []) as Array<{ additionalType?: string[]; citation?: Array<{ position: number; appearance: { name: string } }> }>
    expect(ai?.additionalType).toEqual(['AIGeneratedContent'])
    expect(ai?.citation?.some((c) => /Vendor Portal Tips/.test(c.appearance.name))).toBe(true)
  })

  it("stores Teams' own 👍/👎 on an answer as the person who asked it; a colleague's click on the same message changes nothing", async () => {
    // Lucy is a linked colleague: her click is a real person's, not an unknown one's.
    await post(message(teams, PEOPLE.lucy, 'help', 'personal'))
    await bot.drain()
    const asked = message(teams, PEOPLE.sofia, 'How many quotes do I need for a purchase order over 10k?', 'channel')
    const calls = teams.calls.length
    expect((await post(asked)).status).toBe(200)
    await bot.drain()
    const answer = teams.calls.slice(calls).find((c) => c.activity.type === 'message')!
    // Sent with Teams' feedback loop, and without the card's own 👍/👎 buttons (Teams shows its own).
    // Teams rejects an activity that sets both feedbackLoopEnabled and feedbackLoop.
    expect(answer.activity.channelData).toMatchObject({ feedbackLoopEnabled: true })
    expect(answer.activity.channelData).not.toHaveProperty('feedbackLoop')
    expect(JSON.stringify(cardOf(answer)?.content)).not.toMatch(/answer\.feedback/)
    // The answer's row, found through the record of the message it was posted as.
    const post_ = await engine.db.selectFrom('workroom.ai_message_posts').selectAll().where('post_id', '=', answer.id).executeTakeFirstOrThrow()
    expect(post_).toMatchObject({ platform: 'teams', conversation_id: CHANNEL })
    const row = () => engine.db.selectFrom('agency.ai_messages').select(['feedback', 'metadata']).where('id', '=', post_.message_id).executeTakeFirstOrThrow()
    expect((await row()).feedback).toBeNull()

    // The feedback invoke as Teams sends it, by whoever clicked, on that message in that thread.
    const feedback = async (who: Person, reaction: 'like' | 'dislike', text: string) => {
      const invoke = teamsFixture('invoke-message-submit-action-feedback', teams.serviceUrl)
      const before = teams.calls.length
      const res = await post({
        ...invoke, id: `f:${randomUUID()}`, from: { id: who.id, name: who.name, aadObjectId: who.aadObjectId }, recipient: BOT,
        conversation: asked.conversation, channelData: asked.channelData, replyToId: answer.id,
        value: { actionName: 'feedback', actionValue: { reaction, feedback: JSON.stringify({ feedbackText: text }) } },
      })
      // An HTTP 200 and nothing posted: Teams shows its own thanks.
      expect(res.status).toBe(200)
      expect(await res.text()).toBe('')
      await bot.drain()
      expect(teams.calls.length).toBe(before)
    }
    await feedback(PEOPLE.lucy, 'dislike', 'Mallory was here')
    expect((await row()).feedback).toBeNull()
    await feedback(PEOPLE.sofia, 'like', 'Exactly what I needed')
    expect(await row()).toMatchObject({ feedback: 1, metadata: expect.objectContaining({ feedback_comment: 'Exactly what I needed' }) })
    await feedback(PEOPLE.lucy, 'dislike', 'Mallory was here')
    expect(await row()).toMatchObject({ feedback: 1, metadata: expect.objectContaining({ feedback_comment: 'Exactly what I needed' }) })

    // Underneath, as workroom_app under Lucy's actor: she sees no record of Sofia's answer, cannot
    // point a message at it, and feedback through it stores nothing.
    const lucy = (await resolveIdentity(engine.db, { platform: 'teams', workspaceId: TENANT, externalUserId: PEOPLE.lucy.aadObjectId }))!
    expect(lucy).not.toBeNull()
    const where = { platform: 'teams' as const, conversationId: CHANNEL, postId: answer.id }
    expect(await withActor(engine.db, lucy, (trx) => trx.selectFrom('workroom.ai_message_posts').selectAll().execute())).toEqual([])
    await expect(withActor(engine.db, lucy, (trx) => rememberAnswerPost(trx, lucy.tenantId, post_.message_id, { ...where, postId: 'forged-post' }))).rejects.toThrow(/row-level security/)
    expect(await withActor(engine.db, lucy, (trx) => feedbackOnPost(trx, where, -1, 'forged'))).toBe(false)
    expect(await withActor(engine.db, lucy, (trx) => trx.updateTable('agency.ai_messages').set({ feedback: -1 }).where('id', '=', post_.message_id).execute()))
      .toEqual([expect.objectContaining({ numUpdatedRows: 0n })])
    expect(await row()).toMatchObject({ feedback: 1 })
    expect(errorsIn(logs)).toEqual([])
  })

  it('resolves an ambiguous campaign with a click as an older card\'s Action.Submit sends it; a double click logs once', async () => {
    const calls = teams.calls.length
    const ask = message(teams, PEOPLE.maya, 'timesheet 1h fizzwell', 'channel')
    await post(ask)
    const [choose] = (await teams.waitForCalls(calls + 1)).slice(calls)
    expect(cardText(choose!)).toMatch(/fits more than one campaign/)
    const button = submitActions(cardOf(choose!)?.content).find((a) => /Fizzwell Zero Sugar Challenge/.test(a.title))
    expect(button).toBeDefined()
    const before = (await entries()).length
    // Teams sends a click as a message activity in the card's thread whose value is the button's data.
    const click = () => post(message(teams, PEOPLE.maya, '', 'channel', { conversation: ask.conversation, text: undefined, entities: [], value: button!.data, replyToId: 'card-activity-1' }))
    expect((await click()).status).toBe(200)
    expect((await click()).status).toBe(200)
    const logged = (await teams.waitForCalls(calls + 2)).at(-1)!
    expect(logged.activity.summary).toMatch(/Logged 1h to Fizzwell Zero Sugar Challenge/)
    await bot.drain()
    expect(teams.calls.length).toBe(calls + 2)
    expect((await entries()).length).toBe(before + 1)
  })

  it("a colleague's click on someone's Undo neither undoes their entry nor uses up their button; the owner's double click undoes once", async () => {
    const calls = teams.calls.length
    const logged = message(teams, PEOPLE.lucy, 'timesheet 2h Aurora Air Spring Launch', 'channel')
    await post(logged)
    const [card] = (await teams.waitForCalls(calls + 1)).slice(calls)
    const undo = submitActions(cardOf(card!)?.content).find((a) => a.title === 'Undo')
    expect(undo).toBeDefined()
    const entry = (undo!.data as { workroom: { payload: string } }).workroom.payload
    const stillThere = async () => (await entries()).some((e) => e.id === entry)
    expect(await stillThere()).toBe(true)
    // A click on the card in the channel thread, by whoever clicks. The turn is acked before the
    // answer; once the bot has drained, every reply of that click has been sent.
    const click = async (who: Person) => {
      const before = teams.calls.length
      expect((await post(message(teams, who, '', 'channel', { conversation: logged.conversation, text: undefined, entities: [], value: undo!.data, replyToId: 'logged-card-1' }))).status).toBe(200)
      await bot.drain()
      return teams.calls.slice(before)
    }

    // Sofia clicks Lucy's Undo: she is told there is nothing of hers to undo, and Lucy's entry stays.
    const sofia = await click(PEOPLE.sofia)
    expect(sofia).toHaveLength(1)
    expect(sofia[0]!.activity.summary).toMatch(/Nothing (of yours )?to undo/)
    expect(await stillThere()).toBe(true)

    // Lucy's own click still works, once, though she clicks twice.
    const first = await click(PEOPLE.lucy)
    expect(first).toHaveLength(1)
    expect(first[0]!.activity.summary).toMatch(/Removed 2h on Aurora Air Spring Launch/)
    expect(await stillThere()).toBe(false)
    expect(await click(PEOPLE.lucy)).toHaveLength(0)
  })

  it('answers a picture or a file sent with no words by saying it reads only text, as a reply to it', async () => {
    for (const name of ['message-image-only', 'message-file-only']) {
      const activity = teamsFixture(name, teams.serviceUrl)
      const calls = teams.calls.length
      expect((await post(activity)).status).toBe(200)
      const [answer] = (await teams.waitForCalls(calls + 1)).slice(calls)
      expect(answer).toMatchObject({ conversationId: activity.conversation.id, activityId: activity.id })
      expect(answer!.activity.summary).toMatch(/only read text/)
      expect(cardText(answer!)).toMatch(/help/)
    }
    expect(errorsIn(logs)).toEqual([])
  })

  it("answers an adaptiveCard/action invoke from a card that is not Workroom's with 200 and a card saying so", async () => {
    const invoke = teamsFixture('invoke-adaptive-card-action', teams.serviceUrl)
    const calls = teams.calls.length
    const res = await post(invoke)
    expect(res.status).toBe(200)
    const body = await res.json() as { statusCode: number; type: string; value: { type: string } }
    expect(body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: { type: 'AdaptiveCard' } })
    expect(JSON.stringify(body.value)).toMatch(/I don't know that button any more/)
    await bot.drain()
    expect(teams.calls.length).toBe(calls)
    expect(errorsIn(logs)).toEqual([])
  })

  it('routes an Action.Execute click on a Workroom button to the handler its Action.Submit click reaches, answering in the invoke response with a card', async () => {
    const logged = message(teams, PEOPLE.lucy, 'timesheet 2h Aurora Air Spring Launch', 'channel')
    const calls = teams.calls.length
    await post(logged)
    const [card] = (await teams.waitForCalls(calls + 1)).slice(calls)
    // The card's buttons are universal actions: a verb, and the data the invoke brings back.
    const undo = submitActions(cardOf(card!)?.content).find((a) => a.title === 'Undo')!
    expect(undo).toMatchObject({ type: 'Action.Execute', verb: 'timesheet.undo' })
    const entry = (undo.data as { workroom: { payload: string } }).workroom.payload
    // The recorded Action.Execute click, made by Lucy on that card in that thread.
    const invoke = teamsFixture('invoke-adaptive-card-action', teams.serviceUrl)
    const click = {
      ...invoke, id: `f:${randomUUID()}`, from: { id: PEOPLE.lucy.id, name: PEOPLE.lucy.name, aadObjectId: PEOPLE.lucy.aadObjectId },
      recipient: BOT, conversation: logged.conversation, channelData: logged.channelData, replyToId: 'logged-card-execute',
      value: { ...invoke.value, action: { type: 'Action.Execute', title: undo.title, verb: undo.verb, data: undo.data } },
    }
    const res = await post(click)
    expect(res.status).toBe(200)
    const body = await res.json() as { statusCode: number; type: string; value: unknown }
    expect(body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' })
    expect(JSON.stringify(body.value)).toMatch(/Removed 2h on Aurora Air Spring Launch/)
    expect((await entries()).some((e) => e.id === entry)).toBe(false)
    // Answered in the invoke's response (Teams puts the card in place of the clicked one), not as a message too.
    await bot.drain()
    expect(teams.calls.length).toBe(calls + 1)
    // Clicked again: the same button, acted on once.
    const again = await (await post({ ...click, id: `f:${randomUUID()}` })).json() as { type: string; value: unknown }
    expect(again.type).toBe('application/vnd.microsoft.activity.message')
    expect(errorsIn(logs)).toEqual([])
  })

  it('answers an invoke Workroom does not use with 200 and an empty body, logged at debug', async () => {
    const invoke = { ...teamsFixture('invoke-adaptive-card-action', teams.serviceUrl), id: `f:${randomUUID()}`, name: 'composeExtension/query' }
    const res = await post(invoke)
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('')
    expect(logs.find((l) => l.msg === 'teams invoke not used')).toMatchObject({ level: 20, name: 'composeExtension/query' })
  })

  it('tells a Teams user it cannot link how to get linked, and writes nothing', async () => {
    const before = (await entries()).length
    const calls = teams.calls.length
    const stranger = { id: '29:stranger', aadObjectId: 'aad-stranger', email: 'nobody@elsewhere.example', name: 'Stranger' }
    await post(message(teams, stranger, 'timesheet 1h Aurora Air Spring Launch', 'personal'))
    const [answer] = (await teams.waitForCalls(calls + 1)).slice(calls)
    expect(answer!.activity.summary).toMatch(/I don't know who you are yet/)
    expect(cardText(answer!)).toContain('workroom link --platform teams')
    expect((await entries()).length).toBe(before)
  })

  const identitiesOf = (aad: string) => engine.db.selectFrom('workroom.chat_identities').select('person_id').where('external_user_id', '=', aad).execute()

  it('tells a user of a foreign Entra tenant that it is not connected, links nobody and writes nothing', async () => {
    const before = (await entries()).length
    const calls = teams.calls.length
    const foreign = 'aad-tenant-foreign'
    const activity = message(teams, PEOPLE.mallory, 'campaign aurora air', 'personal', {
      conversation: { id: 'a:personal-mallory', conversationType: 'personal', tenantId: foreign }, channelData: { tenant: { id: foreign } },
    })
    expect((await post(activity)).status).toBe(200)
    const [answer] = (await teams.waitForCalls(calls + 1)).slice(calls)
    expect(answer!.activity.summary).toMatch(/This Microsoft 365 organisation is not connected to an agency in Workroom yet/)
    expect(cardText(answer!)).toContain(`workroom workspaces bind --platform teams --workspace ${foreign}`)
    expect(cardText(answer!)).not.toMatch(/Aurora|Budget/)
    expect(await identitiesOf('aad-mallory')).toEqual([])
    expect((await entries()).length).toBe(before)
  })

  it("does not link a guest from another organisation by the address their home tenant gives them", async () => {
    const calls = teams.calls.length
    await post(message(teams, PEOPLE.guest, 'timesheet 1h Aurora Air Spring Launch', 'channel'))
    const [answer] = (await teams.waitForCalls(calls + 1)).slice(calls)
    expect(answer!.activity.summary).toMatch(/I don't know who you are yet/)
    expect(await identitiesOf('aad-guest')).toEqual([])
  })

  it('remembers where it was installed and posts there proactively; a 429 is waited out and posted once', async () => {
    const update = {
      type: 'conversationUpdate', id: `f:${randomUUID()}`, serviceUrl: teams.serviceUrl, channelId: 'msteams',
      from: { id: PEOPLE.maya.id, aadObjectId: PEOPLE.maya.aadObjectId }, recipient: BOT,
      conversation: { id: '19:resourcing@thread.tacv2', conversationType: 'channel', isGroup: true, tenantId: TENANT },
      membersAdded: [BOT], channelData: { tenant: { id: TENANT }, team: { id: '19:resourcing@thread.tacv2' }, eventType: 'teamMemberAdded' },
    }
    expect((await post(update)).status).toBe(200)
    await bot.drain()
    expect(teams.calls.filter((c) => c.conversationId === '19:resourcing@thread.tacv2')).toHaveLength(1)   // the welcome, and nothing else

    teams.script({ status: 429, retryAfterSeconds: 1 })
    const calls = teams.calls.length
    const attempts = teams.attempts()
    const started = Date.now()
    expect(await bot.sendProactive('19:resourcing@thread.tacv2', reply('Utilization yesterday: 82%', undefined, 'in_channel'))).toBe(true)
    expect(Date.now() - started).toBeGreaterThanOrEqual(900)
    const posted = teams.calls.slice(calls)
    expect(posted).toHaveLength(1)
    expect(teams.attempts() - attempts).toBe(2)
    expect(posted[0]!.conversationId).toBe('19:resourcing@thread.tacv2')
    expect(posted[0]!.activityId).toBeNull()                      // a new thread, not a reply
    expect(cardText(posted[0]!)).toMatch(/Utilization yesterday: 82%/)

    expect(await bot.sendProactive('19:never-installed@thread.tacv2', reply('hello'))).toBe(false)
  })

  it('subscribes a channel to the digest with "digest daily 09:00", and the scheduler posts it there as a new message', async () => {
    const calls = teams.calls.length
    await post(message(teams, PEOPLE.maya, 'digest daily 09:00 UTC', 'channel'))
    const [answer] = (await teams.waitForCalls(calls + 1)).slice(calls)
    expect(answer!.activity.summary).toMatch(/Subscribed: this channel gets the utilization digest every day at 09:00 \(UTC\)/)
    const tomorrow = new Date(Date.now() + 24 * 3600_000).toISOString().slice(0, 10)
    const now = new Date(`${tomorrow}T09:00:30Z`)
    const result = await runDueDigests({ db: engine.db, now: () => now, senders: { teams: digestSender(bot) }, logger: createLogger('silent') })
    expect(result).toMatchObject({ claimed: 1, sent: 1 })
    const digest = teams.calls.at(-1)!
    expect(digest.conversationId).toBe(CHANNEL)
    expect(digest.activityId).toBeNull()
    expect(cardText(digest)).toMatch(/Team utilization/)
  })

  /** What a card says, as the person reads it (Markdown escapes undone). */
  const readable = (call: ConnectorCall) => cardText(call).replace(/\\\\(.)/g, '$1')

  it('welcomes a team once when it adds Workroom, though Teams says so twice (conversationUpdate and installationUpdate), in Teams words', async () => {
    const added = teamsFixture('conversation-update-bot-added-team-captured', teams.serviceUrl)
    const installed = { ...teamsFixture('installation-update-add-team', teams.serviceUrl), recipient: added.recipient, conversation: added.conversation, channelData: { ...added.channelData, eventType: undefined } }
    const calls = teams.calls.length
    for (const activity of [added, installed, added]) expect((await post(activity)).status).toBe(200)
    await bot.drain()
    const welcomes = teams.calls.slice(calls)
    expect(welcomes).toHaveLength(1)
    const [welcome] = welcomes
    expect(welcome).toMatchObject({ conversationId: added.conversation.id, activityId: null })   // a new post in the channel
    expect(welcome!.activity.summary).toMatch(/I'm Workroom/)
    const said = readable(welcome!)
    expect(said).toMatch(/Mention me \(@Workroom\)/)
    expect(said).toMatch(/timesheet 3h Nike Air/)
    expect(said).toMatch(/digest daily 09:00/)
    expect(said).toMatch(/Everyone in this channel sees my answers/)
    // Teams words: no Slack slash commands or backticks, and nothing claims answers here are private.
    expect(said).not.toMatch(/`|\/ask|\/timesheet|private\b(?! chat)/)
    expect(errorsIn(logs)).toEqual([])
  })

  it('welcomes a person once when they add Workroom as a personal app', async () => {
    const added = teamsFixture('conversation-update-bot-added-personal', teams.serviceUrl)
    const calls = teams.calls.length
    expect((await post(added)).status).toBe(200)
    expect((await post(added)).status).toBe(200)
    await bot.drain()
    const welcomes = teams.calls.slice(calls)
    expect(welcomes).toHaveLength(1)
    expect(welcomes[0]).toMatchObject({ conversationId: added.conversation.id, activityId: null })
    const said = readable(welcomes[0]!)
    expect(said).toMatch(/Type one of these to start/)
    expect(said).toMatch(/Only you and I see this chat/)
    expect(said).not.toMatch(/Mention me|digest daily/)
  })

  const conversations = () => engine.db.selectFrom('workroom.teams_conversations').select(['conversation_id', 'team_id']).execute().then((rows) => rows.map((r) => r.conversation_id))

  it('forgets a conversation when installationUpdate says Workroom was removed, and keeps it when a person leaves the team', async () => {
    const add = teamsFixture('installation-update-add-team', teams.serviceUrl)
    expect((await post(add)).status).toBe(200)
    expect(await conversations()).toContain('sample conversation Id@thread.skype')
    // Someone else leaves a team Workroom is in: nothing changes.
    const left = teamsFixture('conversation-update-member-removed', teams.serviceUrl)
    expect((await post({ ...left, conversation: add.conversation, channelData: { ...left.channelData, team: add.channelData.team } })).status).toBe(200)
    expect(await conversations()).toContain('sample conversation Id@thread.skype')
    // A removal that names this team from another Entra tenant forgets nothing of it.
    const remove = teamsFixture('installation-update-remove-team', teams.serviceUrl)
    const foreign = { ...remove, id: `f:${randomUUID()}`, conversation: { ...remove.conversation, tenantId: 'aad-tenant-foreign' }, channelData: { ...remove.channelData, tenant: { id: 'aad-tenant-foreign' } } }
    expect((await post(foreign)).status).toBe(200)
    expect(await conversations()).toContain('sample conversation Id@thread.skype')
    expect((await post(remove)).status).toBe(200)
    expect(await conversations()).not.toContain('sample conversation Id@thread.skype')
    await bot.drain()
    expect(errorsIn(logs)).toEqual([])
  })

  it("stops posting to a team Workroom was removed from: every channel of the team is forgotten and the team's digests are paused", async () => {
    const STUDIO = '19:studio@thread.tacv2'
    const inStudio = (id: string) => ({ conversation: { id: `${STUDIO};messageid=${id}`, conversationType: 'channel', isGroup: true, tenantId: TENANT }, channelData: { tenant: { id: TENANT }, team: { id: STUDIO }, channel: { id: STUDIO } } })
    const subscribe = message(teams, PEOPLE.maya, 'digest daily 07:00 UTC', 'channel')
    const calls = teams.calls.length
    await post({ ...subscribe, ...inStudio(subscribe.id) })
    expect((await teams.waitForCalls(calls + 1)).at(-1)!.activity.summary).toMatch(/Subscribed/)
    expect(await conversations()).toContain(STUDIO)

    // The bot itself removed from the team, as Teams sends it (recorded), in this team.
    const removed = teamsFixture('conversation-update-bot-removed-team', teams.serviceUrl)
    expect((await post({
      ...removed, recipient: BOT, membersRemoved: [{ id: BOT.id }], conversation: { ...removed.conversation, id: STUDIO, tenantId: TENANT },
      channelData: { ...removed.channelData, team: { ...removed.channelData.team, id: STUDIO }, tenant: { id: TENANT } },
    })).status).toBe(200)
    expect(await conversations()).not.toContain(STUDIO)

    const tomorrow = new Date(Date.now() + 24 * 3600_000).toISOString().slice(0, 10)
    const schedulerLogs: LogLine[] = []
    const schedulerLogger = createLogger('debug', { write: (line: string) => void schedulerLogs.push(JSON.parse(line) as LogLine) })
    const before = teams.calls.length
    const result = await runDueDigests({ db: engine.db, now: () => new Date(`${tomorrow}T07:00:30Z`), senders: { teams: digestSender(bot) }, logger: schedulerLogger })
    // Not claimed, so not failed and retried and given up on (an error a day): paused.
    expect(result).toEqual({ claimed: 0, sent: 0, failed: 0, gaveUp: 0 })
    expect(teams.calls.length).toBe(before)
    expect(errorsIn(schedulerLogs)).toEqual([])
    const subscription = await engine.db.selectFrom('workroom.digest_subscriptions').select('id').where('channel_id', '=', STUDIO).execute()
    expect(subscription).toHaveLength(1)

    // Added back to the team (the recorded event, in this team): welcomed again, and the digest resumes.
    const added = teamsFixture('conversation-update-bot-added-team-captured', teams.serviceUrl)
    expect((await post({
      ...added, recipient: BOT, membersAdded: [{ id: BOT.id }], conversation: { ...added.conversation, id: STUDIO, tenantId: TENANT },
      channelData: { ...added.channelData, team: { ...added.channelData.team, id: STUDIO }, tenant: { id: TENANT } },
    })).status).toBe(200)
    await bot.drain()
    expect(teams.calls.slice(before).map((c) => c.activity.summary)).toEqual([expect.stringMatching(/I'm Workroom/)])
    const resumed = await runDueDigests({ db: engine.db, now: () => new Date(`${tomorrow}T07:01:30Z`), senders: { teams: digestSender(bot) }, logger: schedulerLogger })
    expect(resumed).toMatchObject({ claimed: 1, sent: 1 })
    expect(teams.calls.at(-1)).toMatchObject({ conversationId: STUDIO, activityId: null })
  })

  it('answers malformed bodies with 400 and oversized ones with 413, running nothing', async () => {
    const calls = teams.calls.length
    expect((await post('{"type": "message",')).status).toBe(400)
    expect((await post('[1,2,3]')).status).toBe(400)
    expect((await post({ text: 'no type' })).status).toBe(400)
    expect((await post({ ...message(teams, PEOPLE.lucy, 'x'.repeat(300_000), 'personal') })).status).toBe(413)
    await bot.drain()
    expect(teams.calls.length).toBe(calls)
  })
})

describe('Teams bot with a chat model: answers stream in a personal chat, and are one message elsewhere', () => {
  let engine: Engine
  let teams: TeamsStandin
  let bot: TeamsBot
  let url: string
  let logs: LogLine[]
  let close: () => Promise<void>
  let openai: OpenAIStandin
  const QUESTION = 'How many quotes do I need for a purchase order over 10k?'
  // What the model writes (the stand-in streams it 7 characters at a time); [1] is a source it was shown.
  const WRITTEN = 'A purchase order over 10k needs three competitive quotes [1], attached to the order before it is approved by the budget holder.'

  const post = (activity: unknown) => fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) })
  const streamInfo = (call: ConnectorCall) => (call.activity.entities ?? []).find((e: { type?: string }) => e.type === 'streaminfo') as
    { streamType: string; streamId?: string; streamSequence?: number } | undefined

  beforeAll(async () => {
    openai = await startOpenAIStandin()
    openai.onChat(() => WRITTEN)
    const client = openaiClient({ apiKey: 'sk-test', baseURL: openai.url, timeoutMs: 10_000, maxRetries: 0 })
    const knowledge: KnowledgeProviders = { embedder: new HashingEmbedder(), chat: openaiChat(client, 'gpt-test') }
    ;({ engine, teams, bot, url, logs, close } = await startTeamsServer(anonymous, pglite, { knowledge, streamUpdateEveryMs: 0 }))
  }, 300_000)
  afterAll(async () => {
    await close?.()
    await openai?.close()
  })

  it('streams an answer in a personal chat: informative, streaming updates of the text so far, then the final message with the AI label, citations and feedback', async () => {
    const asked = message(teams, PEOPLE.sofia, QUESTION, 'personal')
    const calls = teams.calls.length
    expect((await post(asked)).status).toBe(200)
    await bot.drain()
    const mine = teams.calls.slice(calls)
    // Every one a reply to the question, in its chat.
    for (const c of mine) expect(c).toMatchObject({ conversationId: asked.conversation.id, activityId: asked.id })
    const [informative, ...rest] = mine
    const final = rest.at(-1)!
    const streaming = rest.slice(0, -1)

    expect(informative!.activity).toMatchObject({ type: 'typing', text: 'Looking that up…', entities: [{ type: 'streaminfo', streamType: 'informative', streamSequence: 1 }] })
    const streamId = informative!.id
    expect(streaming.length).toBeGreaterThanOrEqual(2)
    streaming.forEach((c, i) => {
      expect(c.activity.type).toBe('typing')
      expect(streamInfo(c)).toEqual({ type: 'streaminfo', streamId, streamType: 'streaming', streamSequence: i + 2 })
      // Each update is the whole text so far: the one before it, and more.
      if (i > 0) expect(c.activity.text.startsWith(streaming[i - 1]!.activity.text)).toBe(true)
    })

    expect(final.activity.type).toBe('message')
    expect(streamInfo(final)).toEqual({ type: 'streaminfo', streamId, streamType: 'final' })
    // The final text is the answer as stored, and the streamed text was its beginning.
    const stored = await engine.db.selectFrom('agency.ai_messages').select(['content', 'model']).where('role', '=', 'assistant').orderBy('created_at', 'desc').executeTakeFirstOrThrow()
    expect(stored).toEqual({ content: WRITTEN, model: 'gpt-test' })
    expect(final.activity.text).toBe(WRITTEN)
    expect(final.activity.text.startsWith(streaming.at(-1)!.activity.text)).toBe(true)
    // Labelled and cited as an unstreamed answer, with Teams' feedback.
    const ai = final.activity.entities.find((e: { additionalType?: string[] }) => e.additionalType) as { additionalType: string[]; citation: Array<{ position: number }> }
    expect(ai.additionalType).toEqual(['AIGeneratedContent'])
    expect(ai.citation.map((c) => c.position)).toEqual([1])
    expect(final.activity.channelData).toMatchObject({ feedbackLoopEnabled: true })
    expect(final.activity.channelData).not.toHaveProperty('feedbackLoop')
    expect(cardText(final)).toMatch(/Sources/)
    // No plain typing indicator beside the stream.
    expect(mine.filter((c) => c.activity.type === 'typing' && !streamInfo(c))).toEqual([])
    // Teams' feedback on the final message reaches the stored answer.
    expect(await engine.db.selectFrom('workroom.ai_message_posts').select('post_id').where('post_id', '=', final.id).executeTakeFirst()).toBeDefined()
    expect(errorsIn(logs)).toEqual([])

    // The same question in a channel: one message, no stream; its card says first what the final
    // message's text said, then exactly what the final message's card holds.
    const inChannel = message(teams, PEOPLE.sofia, QUESTION, 'channel')
    const before = teams.calls.length
    expect((await post(inChannel)).status).toBe(200)
    await bot.drain()
    const there = teams.calls.slice(before)
    expect(there.map((c) => c.activity.type)).toEqual(['typing', 'message'])
    expect(there.some((c) => streamInfo(c))).toBe(false)
    const whole = cardOf(there[1]!)!.content.body as Array<{ type: string; text?: string }>
    expect(whole[0]!.text!.replace(/\\\[(\d+)\\\]/g, '[$1]')).toBe(final.activity.text)
    expect(whole.slice(1)).toEqual(cardOf(final)!.content.body)
    expect(there[1]!.activity.entities).toEqual(final.activity.entities.filter((e: { type?: string }) => e.type !== 'streaminfo'))
  })
})

/** Time the test moves by hand: a handler that takes 20 s waits on it, and no real second passes. */
function fakeClock() {
  let now = 0
  const sleepers = new Set<{ until: number; wake: () => void }>()
  return {
    sleep: (ms: number) => new Promise<void>((wake) => { sleepers.add({ until: now + ms, wake }) }),
    sleeping: () => sleepers.size,
    advance(ms: number) {
      now += ms
      for (const s of sleepers) if (s.until <= now) { sleepers.delete(s); s.wake() }
    },
  }
}

describe('Teams bot: an answer that takes longer than the Bot Framework waits for a turn', () => {
  const clock = fakeClock()
  // Every handler takes 20 s of the test's clock: the Bot Framework gives a turn about 15 s.
  const twentySeconds = ((run: () => Promise<unknown>) => clock.sleep(20_000).then(run)) as unknown as LimitFunction
  let engine: Engine
  let teams: TeamsStandin
  let bot: TeamsBot
  let url: string
  let logs: LogLine[]
  let close: () => Promise<void>

  const post = (activity: unknown) => fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) })

  beforeAll(async () => {
    ;({ engine, teams, bot, url, logs, close } = await startTeamsServer(anonymous, pglite, { inFlight: twentySeconds, leaseMs: 1500, invokeAnswerWithinMs: 300 }))
  }, 60_000)
  afterAll(async () => {
    await close?.()
  })

  it('acks the turn at once, keeps the message while the handler runs, and answers it 20 s later as a reply, once', async () => {
    const activity = message(teams, PEOPLE.lucy, 'timesheet 2h Aurora Air Spring Launch', 'channel')
    const inbox = () => engine.db.selectFrom('workroom.chat_inbox').select(['state', 'lease_until']).where('inbox_key', '=', `teams:activity:${activity.id}`).executeTakeFirst()
    const response = post(activity)
    await until(() => clock.sleeping() === 1, 'the handler to start')
    // The Bot Framework has its 200 while the handler still has 20 s to go.
    expect((await within(response, 5000, 'the 200 for the turn while its handler runs')).status).toBe(200)
    expect(teams.calls).toHaveLength(0)
    // Recorded before the ack, and held by this process for as long as it runs: no resumer takes it over.
    const first = await inbox()
    expect(first?.state).toBe('received')
    await until(async () => (await inbox())!.lease_until > first!.lease_until, 'the lease to be renewed')

    clock.advance(20_000)
    const [answer] = await teams.waitForCalls(1)
    expect(answer).toMatchObject({ conversationId: activity.conversation.id, activityId: activity.id })
    expect(answer!.activity.summary).toMatch(/Logged 2h to Aurora Air Spring Launch/)
    await bot.drain()
    expect(teams.calls).toHaveLength(1)
    expect((await inbox())?.state).toBe('answered')
    expect(errorsIn(logs)).toEqual([])
  })

  it('answers an Action.Execute click whose handler is not done in time with "working on it", and its card as a reply to the clicked card', async () => {
    const invoke = teamsFixture('invoke-adaptive-card-action', teams.serviceUrl)
    const click = {
      ...invoke, id: `f:${randomUUID()}`, from: { id: PEOPLE.lucy.id, name: PEOPLE.lucy.name, aadObjectId: PEOPLE.lucy.aadObjectId }, recipient: BOT,
      conversation: { id: `a:personal-${PEOPLE.lucy.aadObjectId}`, conversationType: 'personal', tenantId: TENANT }, channelData: { tenant: { id: TENANT } },
      value: { ...invoke.value, action: { ...invoke.value.action, data: { workroom: { actionId: 'timesheet.undo', payload: randomUUID() } } } },
    }
    const calls = teams.calls.length
    const res = await post(click)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: 'Working on it: the answer follows in this conversation.' })
    expect(clock.sleeping()).toBe(1)
    clock.advance(20_000)
    const [answer] = (await teams.waitForCalls(calls + 1)).slice(calls)
    expect(answer).toMatchObject({ conversationId: click.conversation.id, activityId: invoke.replyToId })
    expect(cardText(answer!)).toMatch(/undo/i)
    await bot.drain()
    expect(errorsIn(logs)).toEqual([])
  })
})

describe('Teams bot with an app id (Bot Framework tokens checked)', () => {
  let engine: Engine
  let teams: TeamsStandin
  let url: string
  let close: () => Promise<void>

  beforeAll(async () => {
    ;({ engine, teams, url, close } = await startTeamsServer((t) => ({
      appId: APP_ID, appPassword: 'unused-secret', appType: 'MultiTenant', tenantId: undefined,
      openIdMetadataUrl: t.openIdMetadataUrl, tokenIssuer: t.tokenIssuer, credentialsFactory: fixedCredentials,
    })))
  }, 60_000)
  afterAll(async () => {
    await close?.()
  })

  const post = (activity: unknown, token?: string) =>
    fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(activity) })
  const remembered = async () => (await engine.db.selectFrom('workroom.teams_conversations').select('conversation_id').execute()).length
  const entries = () => engine.db.selectFrom('agency.timesheet_entries').select('id').where('source', '=', 'teams').execute()

  it('accepts a token signed with the published key for this app, and replies with its own credentials', async () => {
    const activity = message(teams, PEOPLE.lucy, 'timesheet', 'personal')
    const calls = teams.calls.length
    const res = await post(activity, await teams.channelToken({ aud: APP_ID }))
    expect(res.status).toBe(200)
    const [answer] = (await teams.waitForCalls(calls + 1)).slice(calls)
    expect(answer!.authorization).toBe('Bearer outbound-test-token')
    expect(answer!.activity.summary).toMatch(/week|hours|nothing logged/i)
  })

  it.each([
    ['no token', async () => undefined],
    ['an expired token', async () => teams.channelToken({ aud: APP_ID, expiresIn: -3600 })],
    ['a token signed with a key the metadata does not publish', async () => teams.channelToken({ aud: APP_ID, signedWith: 'unpublished' })],
    ['a token for another bot', async () => teams.channelToken({ aud: 'another-app-id' })],
    ['a token from another issuer', async () => teams.channelToken({ aud: APP_ID, iss: 'https://sts.windows.net/evil/' })],
    ['a token for another serviceUrl', async () => teams.channelToken({ aud: APP_ID, serviceUrl: 'https://evil.example/' })],
    ['a malformed bearer value', async () => 'not-a-jwt'],
  ])('refuses %s with 401 and runs nothing', async (_label, token) => {
    const conversations = await remembered()
    const before = (await entries()).length
    const calls = teams.calls.length
    const activity = message(teams, PEOPLE.lucy, 'timesheet 1h Aurora Air Spring Launch', 'personal', { conversation: { id: `a:attacker-${randomUUID()}`, conversationType: 'personal', tenantId: TENANT } })
    const res = await post(activity, await token())
    expect(res.status).toBe(401)
    // A fixed body: nothing of the SDK's error (its message, a stack, a key id) reaches the caller.
    const body = await res.text()
    expect(body, body).toBe('{"error":"unauthorized"}')
    await new Promise((r) => setTimeout(r, 200))
    expect(teams.calls.length).toBe(calls)
    expect(await remembered()).toBe(conversations)
    expect((await entries()).length).toBe(before)
  })
})
