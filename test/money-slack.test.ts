/**
 * Money only to its reader, in Slack: budgets, costs and margins are never posted where a
 * channel can read them. The real server with the Bolt app, signed requests, and the Web API
 * stand-in recording every response_url POST and chat.* call; per engine.
 */
import { createHmac } from 'node:crypto'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createSlackBot } from '../src/bots/slack/app.ts'
import { createApp } from '../src/http/app.ts'
import { startServer } from '../src/http/server.ts'
import { createLogger } from '../src/log.ts'
import { seed } from '../seeds/index.ts'
import { describeEachEngine } from './support/engines.ts'
import { startSlackStandin, type SlackCall, type SlackStandin } from './support/slack-standin.ts'

const SECRET = 'test-signing-secret'
const TEAM = 'T0TEST'
const CHANNEL = 'C0GENERAL'
const USERS = {
  U0MAYA: 'maya.chen@northwind.example',           // leadership
  U0PRIYA: 'priya.raman@northwind.example',        // finance
  U0OLIVIA: 'olivia.hart@northwind.example',       // account
  U0LUCY: 'lucy.fernandes@northwind.example',      // creative
}
/** What only finance and leadership may read: the card's money fields and Aurora Air's budget. */
const FIGURES = /Budget|Cost to date|Margin|420,000/

const sign = (body: string) => {
  const timestamp = Math.floor(Date.now() / 1000)
  return {
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': `v0=${createHmac('sha256', SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`,
  }
}
const textOf = (body: { text?: string; blocks?: unknown }) => `${body.text ?? ''}\n${JSON.stringify(body.blocks ?? [])}`

describeEachEngine('Slack: money only to its reader', (testEngine) => {
  let slack: SlackStandin
  let url: string
  let close: () => Promise<void>
  let seq = 0

  beforeAll(async () => {
    slack = await startSlackStandin()
    for (const [id, email] of Object.entries(USERS)) slack.users.set(id, { email })
    const engine = await testEngine.migrated()
    await seed(engine, { scale: 'demo', progress: false })
    const logger = createLogger('silent')
    const router = { db: engine.db, now: () => new Date() }
    const bot = createSlackBot(router, { signingSecret: SECRET, botToken: 'xoxb-test', appToken: undefined, apiUrl: slack.apiUrl, tenant: 'northwind' }, logger)
    const server = await startServer(createApp({ engine, logger, router, adapters: [bot.routes] }), { port: 0, host: '127.0.0.1', logger })
    url = `http://127.0.0.1:${server.port}`
    close = async () => {
      await server.close()
      await engine.close()
      await slack.close()
    }
  }, 120_000)
  afterAll(async () => {
    await close?.()
  })

  const post = (body: string, contentType: string) =>
    fetch(`${url}/slack/events`, { method: 'POST', headers: { 'content-type': contentType, ...sign(body) }, body })

  /** A slash command in #general; resolves with what Workroom sent to its response_url. */
  async function slash(user: keyof typeof USERS, command: string, text: string) {
    const id = `m${++seq}`
    const body = new URLSearchParams({
      team_id: TEAM, team_domain: 'test', channel_id: CHANNEL, channel_name: 'general', user_id: user, user_name: user,
      command, text, api_app_id: 'A0APP', trigger_id: `trigger.${id}`, response_url: slack.responseUrl(id),
    }).toString()
    expect((await post(body, 'application/x-www-form-urlencoded')).status).toBe(200)
    const mine = () => slack.responses.filter((r) => r.path === `/response/${id}`)
    await slack.until(() => mine().length > 0)
    return { id, answer: mine()[0]!.body as { response_type?: string; text?: string; blocks?: unknown } }
  }

  /** An event as Slack delivers it; resolves once `done` finds the answer among the recorded calls. */
  async function event(inner: Record<string, unknown>, done: (calls: SlackCall[]) => SlackCall | undefined) {
    const envelope = JSON.stringify({ team_id: TEAM, api_app_id: 'A0APP', type: 'event_callback', event_id: `Ev0MONEY${++seq}`, event_time: 1700000000, event: inner })
    expect((await post(envelope, 'application/json')).status).toBe(200)
    await slack.until(() => done(slack.calls) !== undefined)
    return done(slack.calls)!
  }

  it("answers leadership's /campaign in a channel only to them (ephemeral), with budget, cost and margin", async () => {
    const { answer } = await slash('U0MAYA', '/campaign', 'aurora air spring launch')
    expect(answer.response_type).toBe('ephemeral')
    expect(textOf(answer)).toMatch(/Budget/)
    expect(textOf(answer)).toMatch(/Cost to date/)
    expect(textOf(answer)).toMatch(/Margin/)
    expect(textOf(answer)).toMatch(/420,000/)
  })

  it("answers finance's /campaign in a channel only to them (ephemeral), with the figures", async () => {
    const { answer } = await slash('U0PRIYA', '/campaign', 'aurora air spring launch')
    expect(answer.response_type).toBe('ephemeral')
    expect(textOf(answer)).toMatch(/Budget[\s\S]*420,000/)
  })

  it("leaves an account director's and a creative's /campaign in the channel: their card carries no money", async () => {
    for (const user of ['U0OLIVIA', 'U0LUCY'] as const) {
      const { answer } = await slash(user, '/campaign', 'aurora air spring launch')
      expect(textOf(answer)).toMatch(/Aurora Air Spring Launch/)
      expect(textOf(answer)).not.toMatch(FIGURES)
      expect(answer.response_type).toBe('in_channel')
    }
  })

  it('answers a leadership mention "status of …" in a channel with chat.postEphemeral in the thread, never a public post', async () => {
    const ts = '1700000500.000100'
    const ephemeral = await event(
      { type: 'app_mention', user: 'U0MAYA', text: '<@U0BOT> status of aurora air spring launch', ts, channel: CHANNEL, event_ts: ts },
      (calls) => calls.find((c) => c.method === 'chat.postEphemeral' && c.args.thread_ts === ts),
    )
    expect(ephemeral.args).toMatchObject({ channel: CHANNEL, user: 'U0MAYA', thread_ts: ts })
    expect(textOf(ephemeral.args)).toMatch(/Budget[\s\S]*420,000/)
    // The ephemeral answer is the last call the listener makes: anything public came before it.
    const publicCalls = slack.calls.filter((c) => (c.method === 'chat.postMessage' || c.method === 'chat.update') && c.args.channel === CHANNEL)
    expect(publicCalls.filter((c) => FIGURES.test(textOf(c.args)))).toEqual([])
    expect(publicCalls.filter((c) => c.args.thread_ts === ts)).toEqual([])
  })

  it("answers a leadership question quoting a client brief's budget only to them; the progress note goes and nothing public carries the sum", async () => {
    const ts = '1700000550.000100'
    const ephemeral = await event(
      { type: 'app_mention', user: 'U0MAYA', text: '<@U0BOT> What is the total campaign budget for Aurora Air Spring Launch?', ts, channel: CHANNEL, event_ts: ts },
      (calls) => calls.find((c) => c.method === 'chat.postEphemeral' && c.args.thread_ts === ts),
    )
    expect(ephemeral.args).toMatchObject({ channel: CHANNEL, user: 'U0MAYA' })
    expect(textOf(ephemeral.args)).toMatch(/Total campaign budget: £420,000/)
    const progress = slack.calls.find((c) => c.method === 'chat.postMessage' && c.args.thread_ts === ts)!
    expect(progress.args.text).toMatch(/Looking that up/)
    expect(slack.calls.some((c) => c.method === 'chat.delete' && c.args.channel === CHANNEL && c.at >= progress.at)).toBe(true)
    expect(slack.calls.filter((c) => (c.method === 'chat.postMessage' || c.method === 'chat.update') && FIGURES.test(textOf(c.args)))).toEqual([])
  })

  it('answers the same question in a direct message with a normal message there: only the asker and the bot are in it', async () => {
    const ts = '1700000600.000100'
    const posted = await event(
      { type: 'message', channel_type: 'im', user: 'U0MAYA', text: 'status of aurora air spring launch', ts, channel: 'D0MAYA', event_ts: ts },
      (calls) => calls.find((c) => c.method === 'chat.postMessage' && c.args.channel === 'D0MAYA'),
    )
    expect(textOf(posted.args)).toMatch(/Budget[\s\S]*420,000/)
  })

  it("answers leadership's click on a campaign button only to them (ephemeral), with the figures", async () => {
    const { id, answer: choose } = await slash('U0MAYA', '/campaign', 'fizzwell')
    expect(textOf(choose)).toMatch(/Several campaigns match/)
    const button = (choose.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string; text: { text: string } }> }>)
      .filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? [])[0]!
    const payload = JSON.stringify({
      type: 'block_actions', team: { id: TEAM, domain: 'test' }, user: { id: 'U0MAYA', team_id: TEAM }, api_app_id: 'A0APP',
      container: { type: 'message', message_ts: '1700000700.000100', channel_id: CHANNEL, is_ephemeral: true },
      channel: { id: CHANNEL, name: 'general' }, trigger_id: `trigger.click.${++seq}`, response_url: slack.responseUrl(`${id}-click`),
      actions: [{ type: 'button', action_id: button.action_id, block_id: 'b1', value: button.value, text: button.text, action_ts: String(Date.now() / 1000) }],
    })
    expect((await post(new URLSearchParams({ payload }).toString(), 'application/x-www-form-urlencoded')).status).toBe(200)
    await slack.until(() => slack.responses.some((r) => r.path === `/response/${id}-click`))
    const shown = slack.responses.find((r) => r.path === `/response/${id}-click`)!.body
    expect(textOf(shown)).toMatch(/Budget/)
    expect(shown.response_type).toBe('ephemeral')
  })
})
