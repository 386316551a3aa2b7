/**
 * Private messages to one Workroom person, outside any conversation they started (reminders,
 * approval cards, budget alerts): sendToPerson finds their chat identities and each platform's
 * sendDirect reaches them, against the Slack Web API and Bot Connector stand-ins.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { ServiceClientCredentialsFactory } from 'botframework-connector'
import { sql } from 'kysely'
import { createSlackBot, type SlackBot } from '../src/bots/slack/app.ts'
import { createTeamsBot, type TeamsBot } from '../src/bots/teams/app.ts'
import { sendToPerson } from '../src/chat/direct.ts'
import type { Engine } from '../src/db/engine.ts'
import { linkIdentity } from '../src/db/identity.ts'
import { saveTeamsConversation } from '../src/db/teams.ts'
import { bindWorkspace } from '../src/db/workspaces.ts'
import { reply } from '../src/handlers/reply.ts'
import { createLogger } from '../src/log.ts'
import { seed } from '../seeds/index.ts'
import { describeEachEngine } from './support/engines.ts'
import { startSlackStandin, type SlackStandin } from './support/slack-standin.ts'
import { startTeamsStandin, type TeamsStandin } from './support/teams-standin.ts'

const TEAM = 'T0TEST'
const AAD = 'aad-tenant-northwind'
const BOT = { id: '28:workroom-bot', name: 'Workroom' }
const APP_ID = '6f1d7c2e-3b0a-4c55-9d2e-7a1b2c3d4e5f'
const fixedCredentials: ServiceClientCredentialsFactory = {
  isValidAppId: async (appId) => appId === APP_ID,
  isAuthenticationDisabled: async () => false,
  createCredentials: async () => ({ signRequest: async (request: { headers: { set(n: string, v: string): void } }) => { request.headers.set('authorization', 'Bearer outbound-test-token'); return request } }) as never,
}
const secret = { summary: 'Budget alert', blocks: [{ type: 'text' as const, text: 'Cost to date £210,000', private: true as const }], visibility: 'ephemeral' as const }

describeEachEngine('direct messages to one person', (testEngine) => {
  let engine: Engine
  let slack: SlackStandin
  let teams: TeamsStandin
  let slackBot: SlackBot
  let teamsBot: TeamsBot
  let tenantId: string
  const person: Record<string, string> = {}

  beforeAll(async () => {
    slack = await startSlackStandin()
    teams = await startTeamsStandin()
    engine = await testEngine.migrated()
    await seed(engine, { scale: 'demo', progress: false })
    await bindWorkspace(engine.db, 'slack', TEAM, 'northwind', 'operator')
    await bindWorkspace(engine.db, 'teams', AAD, 'northwind', 'operator')
    const { rows } = await sql<{ id: string; tenant_id: string; email: string }>`SELECT id, tenant_id, email FROM workroom.people WHERE email IN ('lucy.fernandes@northwind.example', 'maya.chen@northwind.example', 'priya.raman@northwind.example', 'olivia.hart@northwind.example')`.execute(engine.db)
    for (const r of rows) person[r.email.split('.')[0]!] = r.id
    tenantId = rows[0]!.tenant_id
    await linkIdentity(engine.db, { platform: 'slack', workspaceId: TEAM, externalUserId: 'U0LUCY' }, 'lucy.fernandes@northwind.example')
    await linkIdentity(engine.db, { platform: 'teams', workspaceId: AAD, externalUserId: 'aad-lucy' }, 'lucy.fernandes@northwind.example')
    await linkIdentity(engine.db, { platform: 'teams', workspaceId: AAD, externalUserId: 'aad-maya' }, 'maya.chen@northwind.example')
    await linkIdentity(engine.db, { platform: 'slack', workspaceId: TEAM, externalUserId: 'U0PRIYA' }, 'priya.raman@northwind.example')
    const logger = createLogger('silent')
    const router = { db: engine.db, now: () => new Date() }
    slackBot = createSlackBot(router, { signingSecret: 's', botToken: 'xoxb-test', appToken: undefined, apiUrl: slack.apiUrl, tenant: 'northwind' }, logger)
    teamsBot = createTeamsBot(router, { appId: APP_ID, appPassword: 'x', appType: 'MultiTenant', tenantId: undefined, credentialsFactory: fixedCredentials }, logger)
  }, 120_000)
  afterAll(async () => {
    await engine?.close()
    await slack?.close()
    await teams?.close()
  })

  const senders = () => ({ slack: slackBot.sendDirect, teams: teamsBot.sendDirect })

  it('Slack: a DM to the person\'s user id, private content included, with the workspace\'s token', async () => {
    const before = slack.calls.length
    const { sent, outcomes } = await sendToPerson({ db: engine.db, senders: { slack: slackBot.sendDirect } }, tenantId, person.priya!, secret)
    expect(sent).toBe(true)
    expect(outcomes).toEqual([{ platform: 'slack', target: { workspaceId: TEAM, externalUserId: 'U0PRIYA' }, sent: true }])
    const posts = slack.calls.slice(before).filter((c) => c.method === 'chat.postMessage')
    expect(posts).toHaveLength(1)
    expect(posts[0]!.args.channel).toBe('U0PRIYA')
    expect(posts[0]!.token).toBe('xoxb-test')
    expect(JSON.stringify(posts[0]!.args.blocks)).toContain('£210,000')
  })

  it('Slack: a person the app cannot DM is false, not an error', async () => {
    slack.script('chat.postMessage', { kind: 'error', error: 'channel_not_found' })
    expect(await slackBot.sendDirect({ workspaceId: TEAM, externalUserId: 'U0GONE' }, reply('hello'))).toBe(false)
  })

  it('Teams: no conversation of the tenant known yet: false (no serviceUrl to post to)', async () => {
    expect(await teamsBot.sendDirect({ workspaceId: AAD, externalUserId: 'aad-lucy' }, reply('hello'))).toBe(false)
    expect(teams.created).toHaveLength(0)
  })

  it('Teams: opens the person\'s 1:1 chat through a channel\'s reference (createConversation with the tenant), then posts there', async () => {
    await saveTeamsConversation(engine.db, {
      conversationId: '19:general@thread.tacv2', aadTenantId: AAD, conversationType: 'channel', teamId: '19:team@thread.tacv2', serviceUrl: teams.serviceUrl,
      reference: { channelId: 'msteams', serviceUrl: teams.serviceUrl, bot: BOT, user: { id: '29:sofia', aadObjectId: 'aad-sofia' }, conversation: { id: '19:general@thread.tacv2', conversationType: 'channel', isGroup: true, tenantId: AAD } },
    })
    const before = teams.calls.length
    const { sent, outcomes } = await sendToPerson({ db: engine.db, senders: senders() }, tenantId, person.maya!, secret)
    expect(sent).toBe(true)
    expect(outcomes.map((o) => [o.platform, o.sent])).toEqual([['teams', true]])
    const created = teams.created.at(-1)!
    expect(created.parameters).toMatchObject({ isGroup: false, bot: { id: BOT.id }, tenantId: AAD, channelData: { tenant: { id: AAD } } })
    expect(created.parameters.members).toHaveLength(1)
    expect(created.parameters.members[0].aadObjectId).toBe('aad-maya')
    expect(created.authorization).toBe('Bearer outbound-test-token')
    await teams.until(() => teams.calls.length > before)
    const post = teams.calls[before]!
    expect(post.conversationId).toBe(created.conversationId)
    expect(post.activityId).toBeNull()
    expect(JSON.stringify(post.activity)).toContain('£210,000')
    // Nothing went to the channel.
    expect(teams.calls.slice(before).every((c) => c.conversationId === created.conversationId)).toBe(true)
  })

  it('Teams: the person\'s own 1:1 chat, once known, is posted to directly', async () => {
    await saveTeamsConversation(engine.db, {
      conversationId: 'a:personal-aad-lucy', aadTenantId: AAD, conversationType: 'personal', teamId: null, serviceUrl: teams.serviceUrl,
      reference: { channelId: 'msteams', serviceUrl: teams.serviceUrl, bot: BOT, user: { id: '29:lucy', aadObjectId: 'aad-lucy' }, conversation: { id: 'a:personal-aad-lucy', conversationType: 'personal', tenantId: AAD } },
    })
    const created = teams.created.length
    const before = teams.calls.length
    const { outcomes } = await sendToPerson({ db: engine.db, senders: senders() }, tenantId, person.lucy!, reply('Your week was approved'))
    // Lucy is on both platforms: each gets it.
    expect(outcomes.map((o) => [o.platform, o.sent]).sort()).toEqual([['slack', true], ['teams', true]])
    expect(teams.created).toHaveLength(created)
    await teams.until(() => teams.calls.length > before)
    expect(teams.calls[before]!.conversationId).toBe('a:personal-aad-lucy')
    expect(teams.calls[before]!.activity.recipient?.id).toBe('29:lucy')
  })

  it('Teams: a person who blocked the app (403) is false', async () => {
    teams.scriptCreate({ status: 403 })
    expect(await teamsBot.sendDirect({ workspaceId: AAD, externalUserId: 'aad-olivia' }, reply('hello'))).toBe(false)
  })

  it('no identity on a running platform: nothing sent, no error', async () => {
    const { sent, outcomes } = await sendToPerson({ db: engine.db, senders: senders() }, tenantId, person.olivia!, reply('hello'))
    expect(sent).toBe(false)
    expect(outcomes).toEqual([])
  })
})
