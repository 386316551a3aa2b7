/**
 * End to end in Slack, through the running server (Bolt on /slack/events, signed requests, the Web
 * API stand-in): a week submitted with /timesheet reaches the campaign's pm as a DM card, whose
 * Approve button locks it and tells the person in their DM; a budget threshold crossed by a logged
 * entry reaches finance as a DM, never a channel, and never the pm (no money rights).
 */
import { createHmac } from 'node:crypto'
import { sql } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { runBudgetAlerts } from '../src/alerts.ts'
import { createSlackBot, type SlackBot } from '../src/bots/slack/app.ts'
import type { DirectSenders } from '../src/chat/direct.ts'
import type { Engine } from '../src/db/engine.ts'
import { linkIdentity } from '../src/db/identity.ts'
import { bindWorkspace } from '../src/db/workspaces.ts'
import { createApp } from '../src/http/app.ts'
import { startServer } from '../src/http/server.ts'
import { createLogger } from '../src/log.ts'
import { seed } from '../seeds/index.ts'
import { describeEachEngine } from './support/engines.ts'
import { startSlackStandin, type SlackCall, type SlackStandin } from './support/slack-standin.ts'

const SECRET = 'test-signing-secret'
const TEAM = 'T0TEST'
const CHANNEL = 'C0GENERAL'
const CAMPAIGN = 'Aurora Air Spring Launch'
const textOf = (body: { text?: string; blocks?: unknown }) => `${body.text ?? ''}\n${JSON.stringify(body.blocks ?? [])}`
const sign = (body: string) => {
  const timestamp = Math.floor(Date.now() / 1000)
  return { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': `v0=${createHmac('sha256', SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}` }
}

describeEachEngine('Slack end to end: approval card and budget alert by DM', (testEngine) => {
  let slack: SlackStandin
  let engine: Engine
  let bot: SlackBot
  let url: string
  let close: () => Promise<void>
  let seq = 0
  let pm: { id: string; email: string; display_name: string }
  const direct: DirectSenders = {}

  beforeAll(async () => {
    slack = await startSlackStandin()
    slack.users.set('U0LUCY', { email: 'lucy.fernandes@northwind.example' })
    engine = await testEngine.migrated()
    await seed(engine, { scale: 'demo', progress: false })
    await bindWorkspace(engine.db, 'slack', TEAM, 'northwind', 'operator')
    // The campaign's pm and finance were linked by an operator (`workroom link`).
    const { rows } = await sql<{ id: string; email: string; display_name: string }>`
      SELECT p.id, p.email, p.display_name FROM agency.campaigns c JOIN workroom.people p ON p.id = coalesce(c.producer_id, c.created_by) WHERE c.name = ${CAMPAIGN}`.execute(engine.db)
    pm = rows[0]!
    await linkIdentity(engine.db, { platform: 'slack', workspaceId: TEAM, externalUserId: 'U0PM' }, pm.email)
    await linkIdentity(engine.db, { platform: 'slack', workspaceId: TEAM, externalUserId: 'U0PRIYA' }, 'priya.raman@northwind.example')
    const logger = createLogger('silent')
    const router = { db: engine.db, now: () => new Date(), direct }
    bot = createSlackBot(router, { signingSecret: SECRET, botToken: 'xoxb-test', appToken: undefined, apiUrl: slack.apiUrl, tenant: 'northwind' }, logger)
    direct.slack = bot.sendDirect
    const server = await startServer(createApp({ engine, logger, router, adapters: [bot.routes] }), { port: 0, host: '127.0.0.1', logger })
    url = `http://127.0.0.1:${server.port}`
    close = async () => {
      await server.close()
      await engine.close()
      await slack.close()
    }
  }, 180_000)
  afterAll(async () => {
    await close?.()
  })

  const post = (body: string, contentType: string) => fetch(`${url}/slack/events`, { method: 'POST', headers: { 'content-type': contentType, ...sign(body) }, body })
  async function slash(user: string, text: string) {
    const id = `a${++seq}`
    const body = new URLSearchParams({
      team_id: TEAM, team_domain: 'test', channel_id: CHANNEL, channel_name: 'general', user_id: user, user_name: user,
      command: '/timesheet', text, api_app_id: 'A0APP', trigger_id: `trigger.${id}`, response_url: slack.responseUrl(id),
    }).toString()
    expect((await post(body, 'application/x-www-form-urlencoded')).status).toBe(200)
    await slack.until(() => slack.responses.some((r) => r.path === `/response/${id}`))
    return slack.responses.find((r) => r.path === `/response/${id}`)!.body as { text?: string; blocks?: unknown }
  }
  async function click(user: string, channel: string, button: { action_id: string; value: string; text: unknown }) {
    const id = `c${++seq}`
    const payload = JSON.stringify({
      type: 'block_actions', team: { id: TEAM, domain: 'test' }, user: { id: user, team_id: TEAM }, api_app_id: 'A0APP',
      container: { type: 'message', message_ts: '1700000900.000100', channel_id: channel }, channel: { id: channel, name: 'directmessage' },
      trigger_id: `trigger.${id}`, response_url: slack.responseUrl(id),
      actions: [{ type: 'button', action_id: button.action_id, block_id: 'b1', value: button.value, text: button.text, action_ts: String(Date.now() / 1000) }],
    })
    expect((await post(new URLSearchParams({ payload }).toString(), 'application/x-www-form-urlencoded')).status).toBe(200)
    await slack.until(() => slack.responses.some((r) => r.path === `/response/${id}`))
    return slack.responses.find((r) => r.path === `/response/${id}`)!.body as { text?: string; blocks?: unknown }
  }
  const dmsTo = (user: string) => slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === user)
  const buttonsIn = (call: SlackCall) => (call.args.blocks as Array<{ type: string; elements?: Array<{ type: string; action_id: string; value: string; text: { text: string } }> }>)
    .flatMap((b) => (b.type === 'actions' ? b.elements ?? [] : [])).filter((e) => e.type === 'button')

  it('submit → the pm\'s DM card → Approve: locked, and the person told in their DM', async () => {
    expect(textOf(await slash('U0LUCY', `2h ${CAMPAIGN} - e2e storyboards`))).toMatch(/Logged 2h/)
    const submitted = await slash('U0LUCY', 'submit')
    expect(textOf(submitted)).toContain(`Sent to ${pm.display_name} for approval`)
    const card = dmsTo('U0PM').at(-1)!
    expect(card.token).toBe('xoxb-test')
    expect(textOf(card.args)).toContain('Lucy Fernandes submitted the week of')
    expect(textOf(card.args)).toContain(CAMPAIGN)
    const approve = buttonsIn(card).find((b) => b.text.text === 'Approve')!
    expect(approve).toBeDefined()

    const answer = await click('U0PM', 'D0PM', approve)
    expect(textOf(answer)).toMatch(/Approved Lucy Fernandes's week .* It is locked now\. Lucy has been told\./)
    await slack.until(() => dmsTo('U0LUCY').length > 0)
    expect(textOf(dmsTo('U0LUCY').at(-1)!.args)).toMatch(/approved your week .* locked now/)
    const { rows } = await sql<{ status: string }>`
      SELECT e.status FROM agency.timesheet_entries e JOIN workroom.people p ON p.id = e.user_id
       WHERE p.email = 'lucy.fernandes@northwind.example' AND e.source = 'slack' AND e.description = 'e2e storyboards'`.execute(engine.db)
    expect(rows.map((r) => r.status)).toEqual(['approved'])
    expect(textOf(await slash('U0LUCY', 'edit 3h'))).toMatch(/approved/)
  })

  it('a crossed budget threshold reaches finance by DM, not the pm and not a channel', async () => {
    // Aurora's budget set (as the owner: no alert) so that Lucy's next 2h crosses 50 %.
    const { rows: [m] } = await sql<{ cost: number; rate: number }>`
      SELECT mo.cost_amount AS cost, p.cost_rate AS rate FROM workroom.campaign_money mo JOIN agency.campaigns c ON c.id = mo.campaign_id,
             workroom.people p WHERE c.name = ${CAMPAIGN} AND p.email = 'lucy.fernandes@northwind.example'`.execute(engine.db)
    await sql`UPDATE agency.campaigns SET budget = ${Math.ceil((Number(m!.cost) + Number(m!.rate)) * 2)} WHERE name = ${CAMPAIGN}`.execute(engine.db)
    const before = slack.calls.length
    expect(textOf(await slash('U0LUCY', `2h ${CAMPAIGN} - e2e push`))).toMatch(/Logged 2h/)
    expect(await runBudgetAlerts({ db: engine.db, now: () => new Date(), senders: direct, logger: createLogger('silent') })).toMatchObject({ claimed: 1, sent: 1 })
    const alert = dmsTo('U0PRIYA').at(-1)!
    expect(textOf(alert.args)).toMatch(new RegExp(`${CAMPAIGN} .*has passed 50% of its budget`))
    expect(textOf(alert.args)).toMatch(/Cost to date/)
    expect(textOf(alert.args)).toMatch(/Top contributors/)
    const posted = slack.calls.slice(before).filter((c) => c.method.startsWith('chat.'))
    // Only the alert to Priya carries money: nothing to the pm, nothing to a channel.
    expect(posted.filter((c) => /Cost to date|budget/i.test(textOf(c.args))).map((c) => c.args.channel)).toEqual(['U0PRIYA'])
  })
})
