/**
 * Slack over Socket Mode, end to end: Bolt's own SocketModeClient asks the Web API stand-in for
 * a WebSocket URL (apps.connections.open, app-level token), connects to a Socket Mode stand-in
 * on 127.0.0.1, and gets slash commands and events as envelopes that it acks on the socket.
 * Answers go out as in HTTP mode: response_url POSTs and Web API calls to the stand-in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSlackBot, type SlackBot } from '../src/bots/slack/app.ts'
import type { Engine } from '../src/db/engine.ts'
import { createLogger } from '../src/log.ts'
import { seed } from '../seeds/index.ts'
import { pglite } from './support/engines.ts'
import { startSlackStandin, type SlackStandin } from './support/slack-standin.ts'
import { startSocketModeStandin, type SocketModeStandin } from './support/socket-mode-standin.ts'

const TEAM = 'T0TEST'

describe('Slack app over Socket Mode (WebSocket stand-in, Web API stand-in)', () => {
  let engine: Engine
  let slack: SlackStandin
  let socket: SocketModeStandin
  let bot: SlackBot
  let stopped = false
  /** What kept the event loop alive before this file opened anything: the worker's own pipes and vitest's hook timer. */
  let baseline: string[] = []
  let closing: Promise<void> | undefined
  const shutdown = () => (closing ??= (async () => {
    if (!stopped) await bot?.stop()
    await socket?.close()
    await engine?.close()
    await slack?.close()
  })())

  const entries = () => engine.db.selectFrom('agency.timesheet_entries').select(['id', 'hours', 'external_ref', 'source']).where('source', '=', 'slack').execute()
  const textOf = (body: { text?: string; blocks?: unknown }) => `${body.text ?? ''}\n${JSON.stringify(body.blocks ?? [])}`
  /** A slash command as Socket Mode delivers it: the same fields as the HTTP form, as a JSON object. */
  const slash = (id: string, user: string, command: string, text: string) => ({
    type: 'slash_commands' as const, envelope_id: `env-${id}`, accepts_response_payload: true,
    payload: {
      token: 'legacy', team_id: TEAM, team_domain: 'test', channel_id: 'C0GENERAL', channel_name: 'general', user_id: user, user_name: user,
      command, text, api_app_id: 'A0APP', is_enterprise_install: 'false', trigger_id: `trigger.${id}`, response_url: slack.responseUrl(id),
    },
  })

  beforeAll(async () => {
    baseline = process.getActiveResourcesInfo()
    slack = await startSlackStandin()
    slack.users.set('U0LUCY', { email: 'lucy.fernandes@northwind.example' })
    socket = await startSocketModeStandin()
    // One answer per connection; a few spare in case the client reconnects (a test below checks it did not).
    for (let i = 0; i < 3; i++) slack.script('apps.connections.open', { kind: 'json', body: { ok: true, url: socket.url } })
    engine = await pglite.migrated()
    await seed(engine, { scale: 'demo', progress: false })
    bot = createSlackBot({ db: engine.db, now: () => new Date() }, { signingSecret: undefined, botToken: 'xoxb-test', appToken: 'xapp-test', apiUrl: slack.apiUrl, tenant: 'northwind' }, createLogger('silent'))
    await bot.start()
  }, 60_000)
  afterAll(() => shutdown())

  it('starts by opening a connection with the app-level token and resolves on hello; no HTTP routes', () => {
    expect(bot.mode).toBe('socket')
    expect(bot.routes.routes).toHaveLength(0)
    const opens = slack.calls.filter((c) => c.method === 'apps.connections.open')
    expect(opens).toHaveLength(1)
    expect(opens[0]!.token).toBe('xapp-test')
    expect(socket.connections).toHaveLength(1)
    expect(socket.connections[0]!.path).toBe('/link/?ticket=standin-ticket&app_id=A0APP')
    expect(socket.sent[0]!.message.type).toBe('hello')
  })

  it('/timesheet: acks the envelope at once, links the person by their Slack e-mail, writes one entry and answers through response_url', async () => {
    const before = (await entries()).length
    const responses = slack.responses.length
    const envelope = slash('s1', 'U0LUCY', '/timesheet', '3h Aurora Air Spring Launch')
    const started = Date.now()
    const ack = await socket.send(envelope)
    expect(ack.envelope_id).toBe('env-s1')
    expect(ack.payload).toEqual({}) // a bare ack(): the answer comes later, through response_url
    expect(ack.at - started).toBeLessThan(3000)
    const answer = (await slack.waitForResponses(responses + 1)).at(-1)!
    expect(answer.path).toBe('/response/s1')
    expect(answer.body.response_type).toBe('ephemeral')
    expect(textOf(answer.body)).toMatch(/Logged 3h to Aurora Air Spring Launch/)
    const lookup = slack.calls.filter((c) => c.method === 'users.info').at(-1)!
    expect(lookup.args.user).toBe('U0LUCY')
    expect(lookup.token).toBe('xoxb-test') // the bot token for the Web API; the app-level token only opens the socket
    const after = await entries()
    expect(after.length).toBe(before + 1)
    expect(after.filter((e) => e.external_ref === 'slash:trigger.s1')).toHaveLength(1)
  })

  it('/ask: the ack itself carries the progress note back over the socket, then the answer replaces it', async () => {
    const responses = slack.responses.length
    const ack = await socket.send(slash('s2', 'U0LUCY', '/ask', 'How do I round my time on a timesheet?'))
    expect(ack.envelope_id).toBe('env-s2')
    expect(ack.payload).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/Looking that up/) })
    const answer = (await slack.waitForResponses(responses + 1)).at(-1)!
    expect(answer.path).toBe('/response/s2')
    expect(answer.body.replace_original).toBe(true)
    expect(textOf(answer.body)).toMatch(/nearest 15 minutes/)
  })

  it('answers an app_mention in its thread with citations, replacing the progress note; a redelivery of the event is answered once', async () => {
    const ts = '1700000100.000100'
    const payload = {
      token: 'legacy', team_id: TEAM, api_app_id: 'A0APP', type: 'event_callback', event_id: 'Ev0SOCKET1', event_time: 1700000100,
      event: { type: 'app_mention', user: 'U0LUCY', text: '<@U0BOT> How do I round my time on a timesheet?', ts, channel: 'C0GENERAL', event_ts: ts },
      authorizations: [{ enterprise_id: null, team_id: TEAM, user_id: 'U0BOT', is_bot: true, is_enterprise_install: false }],
      is_ext_shared_channel: false,
    }
    const posted = slack.calls.filter((c) => c.method === 'chat.postMessage').length
    const updates = slack.calls.filter((c) => c.method === 'chat.update').length
    const ack = await socket.send({ type: 'events_api', envelope_id: 'env-e1', accepts_response_payload: false, retry_attempt: 0, retry_reason: '', payload })
    expect(ack).toMatchObject({ envelope_id: 'env-e1', payload: {} })
    const progress = (await slack.waitFor('chat.postMessage', posted + 1)).at(-1)!
    expect(progress.args).toMatchObject({ channel: 'C0GENERAL', thread_ts: ts })
    expect(progress.token).toBe('xoxb-test')
    const update = (await slack.waitFor('chat.update', updates + 1)).at(-1)!
    expect(update.args).toMatchObject({ channel: 'C0GENERAL', ts: expect.any(String) })
    expect(textOf(update.args)).toMatch(/nearest 15 minutes/)
    expect(textOf(update.args)).toMatch(/Timesheet and Billing Policy/)

    // Slack did not see the ack in time and delivers the event again: a new envelope, the same event_id.
    const again = await socket.send({ type: 'events_api', envelope_id: 'env-e1-retry', accepts_response_payload: false, retry_attempt: 1, retry_reason: 'timeout', payload })
    expect(again.envelope_id).toBe('env-e1-retry')
    await new Promise((r) => setTimeout(r, 500))
    expect(slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.thread_ts === ts)).toHaveLength(1)
    expect(slack.calls.filter((c) => c.method === 'chat.update')).toHaveLength(updates + 1)
  })

  it('acks every envelope exactly once and stayed on one connection', () => {
    const acks = socket.received.map((r) => r.message.envelope_id)
    expect(acks).toEqual(['env-s1', 'env-s2', 'env-e1', 'env-e1-retry'])
    expect(socket.connections).toHaveLength(1)
    expect(slack.calls.filter((c) => c.method === 'apps.connections.open')).toHaveLength(1)
  })

  it('stop() closes the socket with a normal closure and does not reconnect', async () => {
    await bot.stop()
    stopped = true
    await socket.disconnected()
    expect(socket.connections[0]!.closed?.code).toBe(1000)
    await new Promise((r) => setTimeout(r, 300))
    expect(socket.connections).toHaveLength(1)
    expect(slack.calls.filter((c) => c.method === 'apps.connections.open')).toHaveLength(1)
  })

  it('leaves no sockets, servers or timers behind once everything is closed', async () => {
    await shutdown()
    const count = (list: string[], kind: string) => list.filter((r) => r === kind).length
    const lingering = () => {
      const now = process.getActiveResourcesInfo()
      return now.some((r) => r.startsWith('TCP')) || count(now, 'Timeout') > count(baseline, 'Timeout') ? now : null
    }
    // Sockets finish closing a tick or two after their close() resolved.
    for (let i = 0; i < 20 && lingering(); i++) await new Promise((r) => setTimeout(r, 100))
    expect(lingering()).toBeNull()
  })
})
