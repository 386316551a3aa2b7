/**
 * End to end in Teams, through the running server (botbuilder's CloudAdapter on /api/messages,
 * the Bot Connector stand-in): a week submitted in Lucy's 1:1 chat reaches the campaign's pm as a
 * card in their own 1:1 chat with the bot (opened with createConversation), whose Approve locks it
 * and tells Lucy in hers; a budget threshold reaches finance in their 1:1 chat, never a channel.
 */
import { sql } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { runBudgetAlerts } from '../src/alerts.ts'
import { createTeamsBot, type TeamsBot } from '../src/bots/teams/app.ts'
import type { DirectSenders } from '../src/chat/direct.ts'
import type { Engine } from '../src/db/engine.ts'
import { linkIdentity } from '../src/db/identity.ts'
import { bindWorkspace } from '../src/db/workspaces.ts'
import { createApp } from '../src/http/app.ts'
import { startServer } from '../src/http/server.ts'
import { createLogger } from '../src/log.ts'
import { seed } from '../seeds/index.ts'
import { describeEachEngine } from './support/engines.ts'
import { startTeamsStandin, type ConnectorCall, type TeamsStandin } from './support/teams-standin.ts'

const TENANT = 'aad-tenant-northwind'
const BOT = { id: '28:workroom-bot', name: 'Workroom' }
const CAMPAIGN = 'Aurora Air Spring Launch'
const LUCY = { id: '29:lucy', aadObjectId: 'aad-lucy', name: 'Lucy Fernandes', email: 'lucy.fernandes@northwind.example' }
const PM = { id: '29:pm', aadObjectId: 'aad-pm', name: 'The pm' }
type Person = { id: string; aadObjectId: string; name: string }

const cardText = (call: ConnectorCall) => JSON.stringify(call.activity.attachments?.[0]?.content ?? {}) + (call.activity.summary ?? '') + (call.activity.text ?? '')
function submitActions(node: unknown): Array<{ title: string; data: unknown }> {
  if (!node || typeof node !== 'object') return []
  if (Array.isArray(node)) return node.flatMap(submitActions)
  const o = node as Record<string, unknown>
  return [...(o.type === 'Action.Execute' || o.type === 'Action.Submit' ? [{ title: String(o.title), data: o.data }] : []), ...Object.values(o).flatMap(submitActions)]
}

describeEachEngine('Teams end to end: approval card and budget alert in 1:1 chats', (testEngine) => {
  let teams: TeamsStandin
  let engine: Engine
  let bot: TeamsBot
  let url: string
  let close: () => Promise<void>
  let pmName = ''
  const direct: DirectSenders = {}

  beforeAll(async () => {
    teams = await startTeamsStandin()
    teams.members.set(LUCY.id, { aadObjectId: LUCY.aadObjectId, email: LUCY.email, name: LUCY.name })
    engine = await testEngine.migrated()
    await seed(engine, { scale: 'demo', progress: false })
    await bindWorkspace(engine.db, 'teams', TENANT, 'northwind', 'operator')
    const { rows } = await sql<{ email: string; display_name: string }>`
      SELECT p.email, p.display_name FROM agency.campaigns c JOIN workroom.people p ON p.id = coalesce(c.producer_id, c.created_by) WHERE c.name = ${CAMPAIGN}`.execute(engine.db)
    pmName = rows[0]!.display_name
    // Linked by an operator; neither has written to Workroom in Teams yet.
    await linkIdentity(engine.db, { platform: 'teams', workspaceId: TENANT, externalUserId: PM.aadObjectId }, rows[0]!.email)
    await linkIdentity(engine.db, { platform: 'teams', workspaceId: TENANT, externalUserId: 'aad-priya' }, 'priya.raman@northwind.example')
    const logger = createLogger('silent')
    const router = { db: engine.db, now: () => new Date(), direct }
    bot = createTeamsBot(router, { appId: undefined, appPassword: undefined, appType: 'MultiTenant', tenantId: undefined }, logger)
    direct.teams = bot.sendDirect
    const server = await startServer(createApp({ engine, logger, router, adapters: [bot.routes] }), { port: 0, host: '127.0.0.1', logger })
    url = `http://127.0.0.1:${server.port}`
    close = async () => {
      await server.close()
      await engine.close()
      await teams.close()
    }
  }, 180_000)
  afterAll(async () => {
    await close?.()
  })

  /** A message (or an Action.Submit click: `value`) in the person's 1:1 chat, as Teams sends it; resolves with what Workroom sent after it. */
  async function personal(from: Person, text: string, extra: Record<string, unknown> = {}) {
    const before = teams.calls.length
    const id = `${Date.now()}${Math.floor(Math.random() * 1000)}`
    const activity = {
      type: 'message', id, timestamp: new Date().toISOString(), serviceUrl: teams.serviceUrl, channelId: 'msteams',
      from: { id: from.id, name: from.name, aadObjectId: from.aadObjectId }, recipient: BOT,
      conversation: { id: `a:personal-${from.aadObjectId}`, conversationType: 'personal', tenantId: TENANT },
      text, textFormat: 'plain', entities: [], channelData: { tenant: { id: TENANT } }, ...extra,
    }
    const res = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) })
    expect(res.status).toBe(200)
    await bot.drain()
    return teams.calls.slice(before)
  }
  const repliesIn = (calls: ConnectorCall[], conversation: string) => calls.filter((c) => c.conversationId === conversation && c.activity.type === 'message')

  it('submit → the pm\'s 1:1 card → Approve: locked, and Lucy told in her 1:1 chat', async () => {
    expect(cardText(repliesIn(await personal(LUCY, `timesheet 2h ${CAMPAIGN} - e2e teams`), 'a:personal-aad-lucy')[0]!)).toMatch(/Logged 2h/)
    const created = teams.created.length
    const after = await personal(LUCY, 'timesheet submit')
    expect(cardText(repliesIn(after, 'a:personal-aad-lucy').at(-1)!)).toContain(`Sent to ${pmName} for approval`)
    // The pm's 1:1 chat, opened for them in Northwind's tenant, carries the card.
    const opened = teams.created.slice(created)
    expect(opened).toHaveLength(1)
    expect(opened[0]!.parameters).toMatchObject({ isGroup: false, tenantId: TENANT })
    expect(opened[0]!.parameters.members[0].aadObjectId).toBe(PM.aadObjectId)
    const card = repliesIn(after, opened[0]!.conversationId)[0]!
    expect(cardText(card)).toContain('Lucy Fernandes submitted the week of')
    expect(cardText(card)).toContain(CAMPAIGN)
    const approve = submitActions(card.activity.attachments?.[0]?.content).find((a) => a.title === 'Approve')!
    expect(approve).toBeDefined()

    const clicked = await personal(PM, '', { text: undefined, value: approve.data, replyToId: 'card-1' })
    expect(cardText(repliesIn(clicked, `a:personal-${PM.aadObjectId}`)[0]!)).toMatch(/Approved Lucy Fernandes's week .*locked now.*Lucy has been told/)
    expect(cardText(repliesIn(clicked, 'a:personal-aad-lucy')[0]!)).toMatch(/approved your week .*locked now/)
    const { rows } = await sql<{ status: string }>`SELECT status FROM agency.timesheet_entries WHERE source = 'teams' AND description = 'e2e teams'`.execute(engine.db)
    expect(rows.map((r) => r.status)).toEqual(['approved'])
  })

  it('a crossed budget threshold reaches finance in their 1:1 chat, and nothing else is posted', async () => {
    const { rows: [m] } = await sql<{ cost: number; rate: number }>`
      SELECT mo.cost_amount AS cost, p.cost_rate AS rate FROM workroom.campaign_money mo JOIN agency.campaigns c ON c.id = mo.campaign_id,
             workroom.people p WHERE c.name = ${CAMPAIGN} AND p.email = ${LUCY.email}`.execute(engine.db)
    await sql`UPDATE agency.campaigns SET budget = ${Math.ceil((Number(m!.cost) + Number(m!.rate)) * 2)} WHERE name = ${CAMPAIGN}`.execute(engine.db)
    await personal(LUCY, `timesheet 2h ${CAMPAIGN} - e2e push`)
    const before = teams.calls.length
    const created = teams.created.length
    expect(await runBudgetAlerts({ db: engine.db, now: () => new Date(), senders: direct, logger: createLogger('silent') })).toMatchObject({ claimed: 1, sent: 1 })
    const opened = teams.created.slice(created)
    expect(opened.map((c) => c.parameters.members[0].aadObjectId)).toEqual(['aad-priya'])
    const posted = teams.calls.slice(before)
    expect(posted.map((c) => c.conversationId)).toEqual([opened[0]!.conversationId])
    expect(cardText(posted[0]!)).toMatch(new RegExp(`${CAMPAIGN}.*has passed 50% of its budget`))
    expect(cardText(posted[0]!)).toMatch(/Cost to date/)
  })
})
