/**
 * Money only to its reader, in Teams: Teams has no ephemeral messages, so figures asked for in a
 * channel or group chat go to the person's 1:1 chat with the bot, opened through the Bot
 * Connector (POST /v3/conversations), and the channel gets a one-line notice. The real server
 * with botbuilder's CloudAdapter, activities POSTed as Teams sends them, and the Bot Connector
 * stand-in recording every call; per engine.
 */
import { bindWorkspace } from '../src/db/workspaces.ts'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createTeamsBot } from '../src/bots/teams/app.ts'
import { createApp } from '../src/http/app.ts'
import { startServer } from '../src/http/server.ts'
import { createLogger } from '../src/log.ts'
import { seed } from '../seeds/index.ts'
import { describeEachEngine } from './support/engines.ts'
import { startTeamsStandin, type ConnectorCall, type TeamsStandin } from './support/teams-standin.ts'

const TENANT = 'aad-tenant-northwind'
const BOT = { id: '28:workroom-bot', name: 'Workroom' }
const CHANNEL = '19:general@thread.tacv2'
const PEOPLE = {
  maya: { id: '29:maya', aadObjectId: 'aad-maya', email: 'maya.chen@northwind.example', name: 'Maya Chen' },            // leadership
  priya: { id: '29:priya', aadObjectId: 'aad-priya', email: 'priya.raman@northwind.example', name: 'Priya Raman' },     // finance
  olivia: { id: '29:olivia', aadObjectId: 'aad-olivia', email: 'olivia.hart@northwind.example', name: 'Olivia Hart' },  // account
  lucy: { id: '29:lucy', aadObjectId: 'aad-lucy', email: 'lucy.fernandes@northwind.example', name: 'Lucy Fernandes' }, // creative
}
type Person = (typeof PEOPLE)[keyof typeof PEOPLE]
/** What only finance and leadership may read: the card's money fields and Aurora Air's budget. */
const FIGURES = /Budget|Cost to date|Margin|420,000/

let sequence = 0
/** A message activity as Teams sends it: in a channel or group chat (mentioning the bot), or in the person's personal chat. */
function message(teams: TeamsStandin, from: Person, text: string, where: 'channel' | 'groupChat' | 'personal') {
  const id = `${Date.now()}${++sequence}`
  const conversation = where === 'channel'
    ? { id: `${CHANNEL};messageid=${id}`, conversationType: 'channel', isGroup: true, tenantId: TENANT }
    : where === 'groupChat'
      ? { id: '19:meeting-prep@thread.v2', conversationType: 'groupChat', isGroup: true, tenantId: TENANT }
      : { id: `a:personal-${from.aadObjectId}`, conversationType: 'personal', tenantId: TENANT }
  const mention = where !== 'personal'
  return {
    type: 'message', id, timestamp: new Date().toISOString(), serviceUrl: teams.serviceUrl, channelId: 'msteams',
    from: { id: from.id, name: from.name, aadObjectId: from.aadObjectId }, recipient: BOT, conversation,
    text: mention ? `<at>Workroom</at> ${text}` : text, textFormat: 'plain',
    entities: mention ? [{ type: 'mention', mentioned: BOT, text: '<at>Workroom</at>' }] : [],
    channelData: { tenant: { id: TENANT }, ...(where === 'channel' ? { team: { id: '19:team@thread.tacv2' }, channel: { id: CHANNEL } } : {}) },
  }
}

/** Everything a message activity carries that someone could read: its text, its summary (notifications) and its card. */
const shown = (call: ConnectorCall) => `${call.activity.text ?? ''}\n${call.activity.summary ?? ''}\n${JSON.stringify(call.activity.attachments ?? [])}`

describeEachEngine('Teams: money only to its reader', (testEngine) => {
  let teams: TeamsStandin
  let url: string
  let close: () => Promise<void>

  beforeAll(async () => {
    teams = await startTeamsStandin()
    for (const p of Object.values(PEOPLE)) teams.members.set(p.id, p)
    const engine = await testEngine.migrated()
    await seed(engine, { scale: 'demo', progress: false })
    await bindWorkspace(engine.db, 'teams', TENANT, 'northwind', 'operator')
    const logger = createLogger('silent')
    const router = { db: engine.db, now: () => new Date() }
    const bot = createTeamsBot(router, { appId: undefined, appPassword: undefined, appType: 'MultiTenant', tenantId: undefined }, logger)
    const server = await startServer(createApp({ engine, logger, router, adapters: [bot.routes] }), { port: 0, host: '127.0.0.1', logger })
    url = `http://127.0.0.1:${server.port}`
    close = async () => {
      await server.close()
      await engine.close()
      await teams.close()
    }
  }, 120_000)
  afterAll(async () => {
    await close?.()
  })

  /** Sends the activity; resolves with the answer in its own conversation (the last thing Workroom sends for it). */
  async function send(activity: ReturnType<typeof message>) {
    const res = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) })
    expect(res.status).toBe(200)
    const answer = () => teams.calls.find((c) => c.conversationId === activity.conversation.id && c.activity.type === 'message' && c.activityId === activity.id)
    await teams.until(() => answer() !== undefined)
    return answer()!
  }
  const messagesTo = (conversationId: string) => teams.calls.filter((c) => c.conversationId === conversationId && c.activity.type === 'message')

  it('answers leadership\'s "campaign …" in a channel with a notice there and the figures in their 1:1 chat', async () => {
    const created = teams.created.length
    const activity = message(teams, PEOPLE.maya, 'campaign aurora air spring launch', 'channel')
    const notice = await send(activity)

    expect(notice.activity.summary).toMatch(/I've sent the figures for Aurora Air Spring Launch to you in a private chat/)
    expect(shown(notice)).not.toMatch(FIGURES)
    expect(messagesTo(activity.conversation.id).filter((c) => FIGURES.test(shown(c)))).toEqual([])

    const [chat] = teams.created.slice(created)
    expect(teams.created).toHaveLength(created + 1)
    expect(chat!.parameters).toMatchObject({
      isGroup: false, bot: { id: BOT.id }, members: [{ id: PEOPLE.maya.id }], tenantId: TENANT, channelData: { tenant: { id: TENANT } },
    })
    const [card] = messagesTo(chat!.conversationId)
    expect(card).toBeDefined()
    expect(card!.activityId).toBeNull()              // a new message in the 1:1 chat, not a reply to anything there
    expect(card!.activity.recipient).toMatchObject({ id: PEOPLE.maya.id })
    expect(shown(card!)).toMatch(/Budget/)
    expect(shown(card!)).toMatch(/Cost to date/)
    expect(shown(card!)).toMatch(/Margin/)
    expect(shown(card!)).toMatch(/420,000/)
    expect(card!.at).toBeGreaterThanOrEqual(chat!.at)
    expect(card!.at).toBeLessThanOrEqual(notice.at)  // the notice is only posted once the figures are sent
  })

  it("answers finance's campaign lookup in a group chat the same way: notice there, figures 1:1", async () => {
    const created = teams.created.length
    const notice = await send(message(teams, PEOPLE.priya, 'status of aurora air spring launch', 'groupChat'))
    expect(shown(notice)).not.toMatch(FIGURES)
    expect(notice.activity.summary).toMatch(/private chat/)
    const [chat] = teams.created.slice(created)
    expect(chat!.parameters).toMatchObject({ isGroup: false, members: [{ id: PEOPLE.priya.id }] })
    expect(shown(messagesTo(chat!.conversationId).at(-1)!)).toMatch(/Budget[\s\S]*420,000/)
  })

  it("answers leadership's question quoting a client brief's budget with a notice in the channel and the answer 1:1", async () => {
    const created = teams.created.length
    const notice = await send(message(teams, PEOPLE.maya, 'What is the total campaign budget for Aurora Air Spring Launch?', 'channel'))
    expect(notice.activity.summary).toMatch(/I've sent my answer, which has figures only you may see, to you in a private chat/)
    expect(shown(notice)).not.toMatch(/£420,000/)
    const [chat] = teams.created.slice(created)
    expect(chat!.parameters).toMatchObject({ isGroup: false, members: [{ id: PEOPLE.maya.id }] })
    expect(shown(messagesTo(chat!.conversationId).at(-1)!)).toMatch(/Total campaign budget: £420,000/)
  })

  it("answers leadership's lookup in their personal chat with the card, figures included, as the normal reply", async () => {
    const created = teams.created.length
    const activity = message(teams, PEOPLE.maya, 'campaign aurora air spring launch', 'personal')
    const card = await send(activity)
    expect(shown(card)).toMatch(/Budget[\s\S]*420,000/)
    expect(teams.created).toHaveLength(created)
  })

  it("leaves an account director's and a creative's card in the channel: it carries no money", async () => {
    const created = teams.created.length
    for (const person of [PEOPLE.olivia, PEOPLE.lucy]) {
      const card = await send(message(teams, person, 'campaign aurora air spring launch', 'channel'))
      expect(shown(card)).toMatch(/Aurora Air Spring Launch/)
      expect(shown(card)).toMatch(/Phases/)
      expect(shown(card)).not.toMatch(FIGURES)
    }
    expect(teams.created).toHaveLength(created)
  })

  it('says so in the channel, without the figures, when Teams refuses to open the 1:1 chat', async () => {
    teams.scriptCreate({ status: 403 })
    const calls = teams.calls.length
    const activity = message(teams, PEOPLE.maya, 'campaign aurora air spring launch', 'channel')
    const notice = await send(activity)
    expect(notice.activity.summary).toMatch(/private chat/)
    expect(notice.activity.summary).not.toMatch(/I've sent/)
    expect(teams.calls.slice(calls).filter((c) => FIGURES.test(shown(c)))).toEqual([])
  })
})
