/**
 * Every recorded Slack payload (test/fixtures/slack: Slack's documentation and SDK tests) replayed
 * against the running server, signed as Slack signs it, and over Socket Mode: none gets a 5xx or
 * an error-level log line; Workroom's own commands, mentions, DMs and buttons are answered as a
 * person expects, and everything else is acknowledged within Slack's 3 seconds and left alone.
 */
import { createHmac } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSlackBot, type SlackBot } from '../src/bots/slack/app.ts'
import type { Engine } from '../src/db/engine.ts'
import { bindWorkspace } from '../src/db/workspaces.ts'
import { createApp } from '../src/http/app.ts'
import { startServer } from '../src/http/server.ts'
import { createLogger } from '../src/log.ts'
import { seed } from '../seeds/index.ts'
import { describeEachEngine, pglite, type TestEngine } from './support/engines.ts'
import { asSlackRequest, SLACK_FIXTURES, slackFixture } from './support/slack-fixtures.ts'
import { startSlackStandin, type SlackStandin } from './support/slack-standin.ts'
import { startSocketModeStandin, type SocketModeStandin } from './support/socket-mode-standin.ts'

const SECRET = 'test-signing-secret'
/** Slack's deadline for an ack: after it, the person sees an error and events count as failed. */
const SLACK_DEADLINE_MS = 3000
const APOLOGY = /Something went wrong/

/** The workspaces and people in the recorded payloads, as members of the demo agency. */
const WORKSPACES = ['T111', 'T123ABC456', 'T043DB835ML', 'T123456']
const PEOPLE: Record<string, string> = {
  W111: 'maya.chen@northwind.example', // the commands, the clicks, the shortcuts
  U061F7AUR: 'sofia.alvarez@northwind.example', // the app_mention
  U2147483697: 'lucy.fernandes@northwind.example', // the message.im
  U111: 'jonas.berg@northwind.example', U222: 'kwame.mensah@northwind.example', U043H11ES4V: 'ravi.patel@northwind.example',
}

interface Line { level: number; msg: string; [key: string]: unknown }

/** A logger at debug level whose lines the test reads. */
function capturingLogger() {
  const lines: Line[] = []
  return { logger: createLogger('debug', { write: (s: string) => void lines.push(JSON.parse(s) as Line) }), lines }
}

/** The demo agency, its workspaces bound, and a Web API stand-in that knows the people's e-mails. */
async function agency(testEngine: TestEngine) {
  const slack = await startSlackStandin()
  for (const [user, email] of Object.entries(PEOPLE)) slack.users.set(user, { email })
  const engine = await testEngine.migrated()
  await seed(engine, { scale: 'demo', progress: false })
  for (const workspace of WORKSPACES) await bindWorkspace(engine.db, 'slack', workspace, 'northwind', 'operator')
  return { slack, engine }
}

let delivery = 0
/**
 * A recorded body as Slack would deliver it now: the ids Slack mints for each delivery made unique
 * (a replay of one trigger_id or event_id is, rightly, a duplicate to Workroom) and the
 * response_url pointed at the stand-in.
 */
function delivered(name: string, slack: SlackStandin): { id: string; recorded: Record<string, any> | string } {
  const id = `${name.replace(/\.\w+$/, '')}-${++delivery}`
  const recorded = slackFixture(name)
  if (typeof recorded === 'string') {
    const form = new URLSearchParams(recorded)
    if (form.has('trigger_id')) form.set('trigger_id', `${form.get('trigger_id')}.${id}`)
    if (form.has('response_url')) form.set('response_url', slack.responseUrl(id))
    return { id, recorded: form.toString() }
  }
  const copy = structuredClone(recorded)
  if (copy.event_id) copy.event_id = `${copy.event_id}-${id}`
  if (copy.trigger_id) copy.trigger_id = `${copy.trigger_id}.${id}`
  if (copy.response_url) copy.response_url = slack.responseUrl(id)
  return { id, recorded: copy }
}

const textOf = (body: { text?: string; blocks?: unknown }) => `${body.text ?? ''}\n${JSON.stringify(body.blocks ?? [])}`

/** What the payloads Workroom does not use have in common: an empty 200 within the deadline, and nothing else. */
const IGNORED = [
  'command_foreign.txt', 'block_actions_foreign.json', 'view_submission.json', 'shortcut_global.json', 'shortcut_message.json',
  'message_bot.json', 'message_bot_message.json', 'message_changed.json', 'message_deleted.json', 'message_channel_join.json',
  'message_thread_broadcast.json', 'message_file_share.json', 'message_im_slackbot.json',
] as const

describeEachEngine('Slack payloads over HTTP (recorded bodies, signed requests, Web API stand-in)', (testEngine) => {
  let engine: Engine
  let slack: SlackStandin
  let bot: SlackBot
  let url: string
  let lines: Line[]
  let close: () => Promise<void>

  beforeAll(async () => {
    ;({ slack, engine } = await agency(testEngine))
    const captured = capturingLogger()
    lines = captured.lines
    const router = { db: engine.db, now: () => new Date() }
    bot = createSlackBot(router, { signingSecret: SECRET, botToken: 'xoxb-test', appToken: undefined, apiUrl: slack.apiUrl, tenant: 'northwind' }, captured.logger)
    const server = await startServer(createApp({ engine, logger: captured.logger, router, adapters: [bot.routes] }), { port: 0, host: '127.0.0.1', logger: captured.logger })
    url = `http://127.0.0.1:${server.port}`
    close = async () => {
      await server.close()
      await engine.close()
      await slack.close()
    }
  }, 60_000)
  afterAll(async () => {
    await close?.()
  })

  /** Posts a body signed as Slack signs it; resolves with the status, the body and how long the ack took. */
  const post = async (recorded: Record<string, any> | string) => {
    const { raw, contentType } = asSlackRequest(recorded)
    const timestamp = Math.floor(Date.now() / 1000)
    const signature = `v0=${createHmac('sha256', SECRET).update(`v0:${timestamp}:${raw}`).digest('hex')}`
    const started = performance.now()
    const res = await fetch(`${url}/slack/events`, {
      method: 'POST', body: raw,
      headers: { 'content-type': contentType, 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature },
    })
    const text = await res.text()
    return { status: res.status, text, ms: performance.now() - started }
  }
  const responsesTo = (id: string) => slack.responses.filter((r) => r.path === `/response/${encodeURIComponent(id)}`)
  const inboxRows = async () => Number((await engine.db.selectFrom('workroom.chat_inbox').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
  const ignoreLines = () => lines.filter((l) => l.msg === 'Slack request acknowledged, not for Workroom')
  const unackedLines = () => lines.filter((l) => l.level === 40 && /not acknowledged within 2500 ms/.test(l.msg))
  const answerTo = async (id: string, n = 1) => {
    await slack.until(() => responsesTo(id).length >= n)
    return responsesTo(id).at(-1)!.body as { text?: string; blocks?: unknown; response_type?: string }
  }

  it('echoes the challenge of url_verification', async () => {
    const res = await post(slackFixture('url_verification.json'))
    expect(res.status).toBe(200)
    expect(JSON.parse(res.text)).toEqual({ challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' })
  })

  it('answers ssl_check with an empty 200', async () => {
    const res = await post(slackFixture('ssl_check.txt'))
    expect(res).toMatchObject({ status: 200, text: '' })
  })

  it.each([
    ['command_timesheet.txt', /Logged 3h to Aurora Air Spring Launch/],
    ['command_campaign.txt', /Aurora Air Spring Launch/],
    ['command_ask.txt', /quotes/i],
    ['command_digest.txt', /digest/i],
    ['command_workroom.txt', /here is what I can do/],
  ])('answers %s at its response_url, after an ack within the deadline', async (file, answer) => {
    const { id, recorded } = delivered(file, slack)
    const res = await post(recorded)
    expect(res.status).toBe(200)
    expect(res.ms).toBeLessThan(SLACK_DEADLINE_MS)
    const body = await answerTo(id)
    expect(textOf(body)).not.toMatch(APOLOGY)
    expect(textOf(body)).toMatch(answer)
  })

  it('answers the app_mention in the thread it starts: a progress note, replaced by the answer', async () => {
    const { recorded } = delivered('app_mention.json', slack)
    const inThread = () => slack.calls.filter((c) => c.args.channel === 'C123ABC456')
    const res = await post(recorded)
    expect(res).toMatchObject({ status: 200, text: '' })
    await slack.until(() => inThread().some((c) => c.method === 'chat.update'))
    const [note, update] = inThread()
    expect(note).toMatchObject({ method: 'chat.postMessage', args: { thread_ts: '1515449522.000016', text: expect.stringMatching(/Looking that up/) } })
    expect(update!.method).toBe('chat.update')
    expect(textOf(update!.args)).not.toMatch(APOLOGY)
  })

  it('answers the direct message in the DM: a greeting gets help', async () => {
    const { recorded } = delivered('message_im.json', slack)
    const inDm = () => slack.calls.filter((c) => c.args.channel === 'D024BE91L' && c.method !== 'chat.delete')
    expect(await post(recorded)).toMatchObject({ status: 200, text: '' })
    await bot.drain()
    await slack.until(() => inDm().length > 0)
    const last = inDm().at(-1)!
    expect(last.args.thread_ts).toBeUndefined()
    expect(textOf(last.args)).not.toMatch(APOLOGY)
    expect(textOf(last.args)).toMatch(/here is what I can do/)
  })

  it("answers a click on Workroom's own button at its response_url", async () => {
    const { id, recorded } = delivered('block_actions_workroom.json', slack)
    const res = await post(recorded)
    expect(res).toMatchObject({ status: 200, text: '' })
    expect(res.ms).toBeLessThan(SLACK_DEADLINE_MS)
    expect(textOf(await answerTo(id))).toMatch(/Nothing to undo there/)
  })

  it.each(IGNORED)('acknowledges %s at once with an empty 200, and does nothing else', async (file) => {
    const { id, recorded } = delivered(file, slack)
    const before = { calls: slack.calls.length, responses: slack.responses.length, inbox: await inboxRows() }
    const setAside = ignoreLines().length
    const unacked = unackedLines().length
    const res = await post(recorded)
    expect(res).toMatchObject({ status: 200, text: '' })
    expect(res.ms).toBeLessThan(SLACK_DEADLINE_MS)
    // Acked by the catch-all, before the response was written, and not by the unhandled-request timer.
    expect(ignoreLines().slice(setAside)).toEqual([expect.objectContaining({ level: 20, slack: expect.stringContaining(kindOf(recorded)) })])
    expect(unackedLines()).toHaveLength(unacked)
    // Anything a listener had started would be in flight now, and is waited for.
    await bot.drain()
    expect({ calls: slack.calls.length, responses: slack.responses.length, inbox: await inboxRows() }).toEqual(before)
    expect(responsesTo(id)).toEqual([])
  })

  it('answers app_rate_limited, which Bolt cannot route, with 200 before Slack gives up, and warns', async () => {
    const res = await post(slackFixture('app_rate_limited.json'))
    expect(res).toMatchObject({ status: 200, text: '' })
    expect(res.ms).toBeLessThan(SLACK_DEADLINE_MS)
    expect(unackedLines()).toHaveLength(1)
  })

  it('logged nothing at error level for any of them', () => {
    expect(lines.filter((l) => l.level >= 50)).toEqual([])
  })
})

/** The part of a body the ignore line names: the command, the event's subtype or type, the payload type. */
function kindOf(recorded: Record<string, any> | string): string {
  if (typeof recorded === 'string') return new URLSearchParams(recorded).get('command')!
  return recorded.event?.subtype ?? recorded.event?.type ?? recorded.type
}

describe('Slack payloads over Socket Mode (recorded bodies as envelopes)', () => {
  let engine: Engine
  let slack: SlackStandin
  let socket: SocketModeStandin
  let bot: SlackBot
  let lines: Line[]

  beforeAll(async () => {
    ;({ slack, engine } = await agency(pglite))
    socket = await startSocketModeStandin()
    slack.script('apps.connections.open', { kind: 'json', body: { ok: true, url: socket.url } })
    const captured = capturingLogger()
    lines = captured.lines
    bot = createSlackBot({ db: engine.db, now: () => new Date() }, { signingSecret: undefined, botToken: 'xoxb-test', appToken: 'xapp-test', apiUrl: slack.apiUrl, tenant: 'northwind' }, captured.logger)
    await bot.start()
  }, 60_000)
  afterAll(async () => {
    await bot?.stop()
    await socket?.close()
    await engine?.close()
    await slack?.close()
  })

  /** A recorded body in the envelope Socket Mode wraps it in; commands arrive as their form fields in JSON. */
  const envelope = (file: string) => {
    const { id, recorded } = delivered(file, slack)
    const { body } = asSlackRequest(recorded)
    const type = typeof recorded === 'string' ? 'slash_commands' as const : body.type === 'event_callback' ? 'events_api' as const : 'interactive' as const
    return { id, type, payload: body }
  }

  it.each([
    ['command_timesheet.txt', /Logged 3h to Aurora Air Spring Launch/],
    ['command_workroom.txt', /here is what I can do/],
    ['block_actions_workroom.json', /Nothing to undo there/],
  ])('acks %s within the deadline and answers it at its response_url', async (file, answer) => {
    const { id, type, payload } = envelope(file)
    const sent = Date.now()
    const ack = await socket.send({ type, payload, envelope_id: `env-${id}` }, SLACK_DEADLINE_MS)
    expect(ack.at - sent).toBeLessThan(SLACK_DEADLINE_MS)
    await slack.until(() => slack.responses.some((r) => r.path === `/response/${encodeURIComponent(id)}`))
    expect(textOf(slack.responses.find((r) => r.path === `/response/${encodeURIComponent(id)}`)!.body)).toMatch(answer)
  })

  it.each(['command_foreign.txt', 'block_actions_foreign.json', 'view_submission.json', 'shortcut_global.json', 'shortcut_message.json', 'message_changed.json', 'message_bot.json'])(
    'acks %s, which Workroom does not use, within the deadline with an empty payload, and does nothing else', async (file) => {
      const { id, type, payload } = envelope(file)
      const before = { calls: slack.calls.length, responses: slack.responses.length }
      const ack = await socket.send({ type, payload, envelope_id: `env-${id}` }, SLACK_DEADLINE_MS)
      expect(ack.payload).toEqual({})
      await bot.drain()
      expect({ calls: slack.calls.length, responses: slack.responses.length }).toEqual(before)
    })

  it('acks every recorded payload Slack sends over a socket within the deadline', async () => {
    // url_verification, ssl_check and app_rate_limited are HTTP-only.
    const overSocket = SLACK_FIXTURES.filter((f) => !['url_verification.json', 'ssl_check.txt', 'app_rate_limited.json'].includes(f))
    for (const file of overSocket) {
      const { id, type, payload } = envelope(file)
      const sent = Date.now()
      const ack = await socket.send({ type, payload, envelope_id: `env-${id}` }, SLACK_DEADLINE_MS)
      expect(ack.at - sent, file).toBeLessThan(SLACK_DEADLINE_MS)
      // Only /ask acks with a body (the progress note); everything else is a bare ack.
      if (file === 'command_ask.txt') expect(ack.payload).toMatchObject({ text: expect.stringMatching(/Looking that up/) })
      else expect(ack.payload, file).toEqual({})
    }
    // Their answers (the click is now a double click of the one above, and acts no more) go out before the log is read.
    await bot.drain()
  })

  it('logged nothing at error level', () => {
    expect(lines.filter((l) => l.level >= 50)).toEqual([])
  })
})
