/**
 * The reminder DM end to end: the tick sends through each platform's real sendDirect (Slack's Web
 * API and Teams' Bot Connector, both stand-ins), the DM arrives as that platform's message, and a
 * click on its "Log 2h to X" button, POSTed to the running server as the platform sends it, logs
 * the time through /timesheet's handler.
 */
import { createHmac } from 'node:crypto'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createSlackBot, type SlackBot } from '../src/bots/slack/app.ts'
import { createTeamsBot, type TeamsBot } from '../src/bots/teams/app.ts'
import { saveTeamsConversation } from '../src/db/teams.ts'
import { bindWorkspace } from '../src/db/workspaces.ts'
import { createApp } from '../src/http/app.ts'
import { startServer } from '../src/http/server.ts'
import { createLogger } from '../src/log.ts'
import { runDueReminders } from '../src/reminders.ts'
import { describeEachEngine } from './support/engines.ts'
import { useFixtureDatabase } from './support/fixture.ts'
import { startSlackStandin, type SlackStandin } from './support/slack-standin.ts'
import { startTeamsStandin, type TeamsStandin } from './support/teams-standin.ts'

const SECRET = 'test-signing-secret'
const AAD = 'aad-tenant-a'
const BOT = { id: '28:workroom-bot', name: 'Workroom' }
const logger = createLogger('silent')

describeEachEngine('reminder DMs through the running server', (engine) => {
  const db = useFixtureDatabase(engine)
  let slack: SlackStandin
  let teams: TeamsStandin
  let slackBot: SlackBot
  let teamsBot: TeamsBot
  let url: string
  let stop: () => Promise<void>
  let clock = new Date('2026-11-24T17:30:00Z')

  beforeAll(async () => {
    slack = await startSlackStandin()
    teams = await startTeamsStandin()
    const router = { db: db.e.db, now: () => clock }
    slackBot = createSlackBot(router, { signingSecret: SECRET, botToken: 'xoxb-test', appToken: undefined, apiUrl: slack.apiUrl }, logger)
    teamsBot = createTeamsBot(router, { appId: undefined, appPassword: undefined, appType: 'MultiTenant', tenantId: undefined }, logger)
    const server = await startServer(createApp({ engine: db.e, logger, router, adapters: [slackBot.routes, teamsBot.routes] }), { port: 0, host: '127.0.0.1', logger })
    url = `http://127.0.0.1:${server.port}`
    stop = () => server.close()
  }, 120_000)
  afterAll(async () => {
    await stop?.()
    await slack?.close()
    await teams?.close()
  })

  const entries = (person: string, date: string) => db.e.db.selectFrom('agency.timesheet_entries').select(['hours', 'source'])
    .where('user_id', '=', person).where('entry_date', '=', date).execute()

  it('Slack: a DM to the person, whose "Log 2h" button logs their time once', async () => {
    const result = await runDueReminders({ db: db.e.db, service: db.e.service.db, now: () => new Date('2026-11-24T17:30:00Z'), senders: { slack: slackBot.sendDirect }, logger })
    expect(result).toMatchObject({ claimed: 14, sent: 14 })
    const dms = slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === 'UAaccount')
    expect(dms).toHaveLength(1)
    expect(dms[0]!.args.text).toMatch(/Timesheet reminder: Today: 0h logged of your usual 8h/)
    const elements = (dms[0]!.args.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string; text: { text: string } }> }>)
      .filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? [])
    expect(elements.map((e) => e.text.text)).toEqual(['Log 2h to Campaign cX A', 'Snooze 1 hour'])
    const button = elements[0]!

    clock = new Date('2026-11-24T17:45:00Z')
    const click = (n: number) => {
      const payload = JSON.stringify({
        type: 'block_actions', team: { id: 'TA', domain: 'a' }, user: { id: 'UAaccount', team_id: 'TA' }, api_app_id: 'A0APP',
        container: { type: 'message', message_ts: '1700000800.000100', channel_id: 'D0ACCOUNT', is_ephemeral: false },
        channel: { id: 'D0ACCOUNT', name: 'directmessage' }, trigger_id: `trigger.remind.${n}`, response_url: slack.responseUrl(`remind-${n}`),
        actions: [{ type: 'button', action_id: button.action_id, block_id: 'b1', value: button.value, text: button.text, action_ts: `1700000900.00010${n}` }],
      })
      const body = new URLSearchParams({ payload }).toString()
      const timestamp = Math.floor(Date.now() / 1000)
      return fetch(`${url}/slack/events`, {
        method: 'POST', body,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': `v0=${createHmac('sha256', SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}` },
      })
    }
    expect((await click(1)).status).toBe(200)
    await slack.until(() => slack.responses.some((r) => r.path === '/response/remind-1'))
    expect(slack.responses.find((r) => r.path === '/response/remind-1')!.body.text).toMatch(/Logged 2h to Campaign cX A on Tue 24 Nov/)
    expect(await entries(db.fx.A.people.account, '2026-11-24')).toEqual([{ hours: 2, source: 'slack' }])
    // The next tick sends nothing more today.
    expect(await runDueReminders({ db: db.e.db, service: db.e.service.db, now: () => new Date('2026-11-24T18:00:00Z'), senders: { slack: slackBot.sendDirect }, logger })).toMatchObject({ claimed: 0 })
  })

  it("Teams: a card in the person's 1:1 chat, whose Action.Submit logs their time", async () => {
    await bindWorkspace(db.e.db, 'teams', AAD, 'tenant-a', 'operator')
    await db.e.db.insertInto('workroom.chat_identities')
      .values({ tenant_id: db.fx.A.tenantId, person_id: db.fx.A.people.creative, platform: 'teams', workspace_id: AAD, external_user_id: 'aad-creative' }).execute()
    const conversation = { id: 'a:personal-aad-creative', conversationType: 'personal', tenantId: AAD }
    await saveTeamsConversation(db.e.db, {
      conversationId: conversation.id, aadTenantId: AAD, conversationType: 'personal', teamId: null, serviceUrl: teams.serviceUrl,
      reference: { channelId: 'msteams', serviceUrl: teams.serviceUrl, bot: BOT, user: { id: '29:creative', aadObjectId: 'aad-creative' }, conversation },
    })
    const before = teams.calls.length
    const result = await runDueReminders({ db: db.e.db, service: db.e.service.db, now: () => new Date('2026-11-25T17:30:00Z'), senders: { teams: teamsBot.sendDirect }, logger })
    expect(result).toMatchObject({ claimed: 14, sent: 1, unreachable: 13 })
    await teams.until(() => teams.calls.length > before)
    const card = teams.calls.slice(before).find((c) => c.conversationId === conversation.id)!
    expect(card.activity.summary ?? card.activity.text).toMatch(/Timesheet reminder: Today: 0h logged of your usual 8h/)
    const actions = JSON.stringify(card.activity.attachments)
    const submit = [...actions.matchAll(/"title":"(Log 2h to Campaign cX A)","verb":"timesheet\.choose","data":(\{"workroom":\{"actionId":"timesheet\.choose","payload":"(?:[^"\\]|\\.)*"\}\})/g)][0]
    expect(submit).toBeDefined()
    const data = JSON.parse(submit![2]!) as { workroom: { actionId: string; payload: string } }

    clock = new Date('2026-11-25T17:50:00Z')
    const id = `${Date.now()}1`
    const activity = {
      type: 'message', id, timestamp: clock.toISOString(), serviceUrl: teams.serviceUrl, channelId: 'msteams',
      from: { id: '29:creative', name: 'creative A', aadObjectId: 'aad-creative' }, recipient: BOT, conversation,
      value: data, channelData: { tenant: { id: AAD } },
    }
    const res = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) })
    expect(res.status).toBe(200)
    const answer = () => teams.calls.find((c) => c.conversationId === conversation.id && c.activityId === id)
    await teams.until(() => answer() !== undefined)
    expect(JSON.stringify(answer()!.activity)).toMatch(/Logged 2h to Campaign cX A on Wed 25 Nov/)
    expect(await entries(db.fx.A.people.creative, '2026-11-25')).toEqual([{ hours: 2, source: 'teams' }])
  })
})
