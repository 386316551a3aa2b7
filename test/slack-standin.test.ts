import { ErrorCode, LogLevel, WebClient, WebClientEvent, type WebAPIPlatformError, type WebAPIRateLimitedError } from '@slack/web-api'
import { afterEach, describe, expect, it } from 'vitest'
import { startSlackStandin, type SlackStandin } from './support/slack-standin.ts'

let standin: SlackStandin | undefined
afterEach(async () => {
  await standin?.close()
  standin = undefined
})

async function start() {
  standin = await startSlackStandin()
  return standin
}

const clientFor = (s: SlackStandin, options: { rejectRateLimitedCalls?: boolean } = {}) =>
  // LogLevel.ERROR: the client logs every rate-limited retry at info and warn.
  new WebClient('xoxb-test', { slackApiUrl: s.apiUrl, logLevel: LogLevel.ERROR, retryConfig: { retries: 2, factor: 1, minTimeout: 10, maxTimeout: 20 }, ...options })

const blocks = [
  { type: 'section', text: { type: 'mrkdwn', text: '*Nike Air*: 3h logged' } },
  { type: 'actions', elements: [{ type: 'button', action_id: 'undo', text: { type: 'plain_text', text: 'Undo' }, value: '42' }] },
]

describe('Web API calls', () => {
  it('records a chat.postMessage with its blocks decoded and the bot token', async () => {
    const s = await start()
    const res = await clientFor(s).chat.postMessage({ channel: 'C0GENERAL', text: '3h logged', blocks })
    expect(res).toMatchObject({ ok: true, channel: 'C0GENERAL', message: { text: '3h logged', ts: res.ts } })
    expect(s.calls).toHaveLength(1)
    expect(s.calls[0]).toMatchObject({ method: 'chat.postMessage', token: 'xoxb-test', args: { channel: 'C0GENERAL', text: '3h logged' } })
    expect(s.calls[0]!.args.blocks).toEqual(blocks)
  })

  it('gives each posted message a fresh, increasing ts', async () => {
    const s = await start()
    const client = clientFor(s)
    const first = await client.chat.postMessage({ channel: 'C1', text: 'one' })
    const second = await client.chat.postMessage({ channel: 'C1', text: 'two' })
    expect(first.ts).toMatch(/^\d{10}\.\d{6}$/)
    expect(Number(second.ts)).toBeGreaterThan(Number(first.ts))
  })

  it('records a per-call token instead of the default one, and not among the args', async () => {
    const s = await start()
    await clientFor(s).reactions.add({ token: 'xoxb-other', channel: 'C1', timestamp: '1700000000.000100', name: 'eyes' })
    expect(s.calls[0]).toMatchObject({ method: 'reactions.add', token: 'xoxb-other' })
    expect(s.calls[0]!.args).not.toHaveProperty('token')
  })

  it('keeps message text that looks like JSON as text', async () => {
    const s = await start()
    await clientFor(s).chat.postMessage({ channel: 'C1', text: '[1]' })
    expect(s.calls[0]!.args.text).toBe('[1]')
  })

  it('answers auth.test as the Workroom bot', async () => {
    const s = await start()
    expect(await clientFor(s).auth.test()).toMatchObject({ ok: true, team_id: 'T0TEST', user_id: 'U0BOT', bot_id: 'B0BOT' })
  })

  it('looks up a known user by id and reports an unknown one as user_not_found', async () => {
    const s = await start()
    s.users.set('U0ANNA', { email: 'anna@agency.test', name: 'anna' })
    const client = clientFor(s)
    const known = await client.users.info({ user: 'U0ANNA' })
    expect(known.user).toMatchObject({ id: 'U0ANNA', name: 'anna', profile: { email: 'anna@agency.test' } })
    const unknown = await client.users.info({ user: 'U0NOBODY' }).catch((err: WebAPIPlatformError) => err)
    expect(unknown).toMatchObject({ code: ErrorCode.PlatformError, data: { ok: false, error: 'user_not_found' } })
  })
})

describe('scripts', () => {
  it('retries after a 429 with Retry-After and ends in success', async () => {
    const s = await start()
    s.script('chat.postMessage', { kind: 'rate_limited', retryAfterSeconds: 0 })
    const client = clientFor(s)
    let rateLimited: number | undefined
    client.on(WebClientEvent.RATE_LIMITED, (seconds: number) => (rateLimited = seconds))
    const res = await client.chat.postMessage({ channel: 'C1', text: 'hello' })
    expect(res.ok).toBe(true)
    expect(rateLimited).toBe(0)
    expect(s.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.postMessage'])
  })

  it('waits the Retry-After seconds before trying again', async () => {
    const s = await start()
    s.script('chat.update', { kind: 'rate_limited', retryAfterSeconds: 1 })
    await clientFor(s).chat.update({ channel: 'C1', ts: '1700000000.000100', text: 'edited' })
    expect(s.calls).toHaveLength(2)
    expect(s.calls[1]!.at - s.calls[0]!.at).toBeGreaterThanOrEqual(1000)
  })

  it('fails at once with a rate-limited error when the client rejects rate-limited calls', async () => {
    const s = await start()
    s.script('chat.postMessage', { kind: 'rate_limited', retryAfterSeconds: 30 })
    const err = await clientFor(s, { rejectRateLimitedCalls: true }).chat.postMessage({ channel: 'C1', text: 'hi' }).catch((e: WebAPIRateLimitedError) => e)
    expect(err).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 30 })
    expect(s.calls).toHaveLength(1)
  })

  it('makes the client throw a platform error for an error script, without retrying', async () => {
    const s = await start()
    s.script('chat.postMessage', { kind: 'error', error: 'channel_not_found' })
    const err = await clientFor(s).chat.postMessage({ channel: 'C0GONE', text: 'hi' }).catch((e: WebAPIPlatformError) => e)
    expect(err).toMatchObject({ code: ErrorCode.PlatformError, data: { ok: false, error: 'channel_not_found' } })
    expect(s.calls).toHaveLength(1)
    // The script is used up; the next call gets the default answer.
    expect((await clientFor(s).chat.postMessage({ channel: 'C1', text: 'hi' })).ok).toBe(true)
  })

  it('retries an HTTP 500 and gives up with an HTTP error once retries run out', async () => {
    const s = await start()
    s.script('conversations.info', ...Array.from({ length: 3 }, () => ({ kind: 'status' as const, status: 500 })))
    const err = await clientFor(s).conversations.info({ channel: 'C1' }).catch((e: Error) => e)
    expect(err).toMatchObject({ code: ErrorCode.HTTPError, statusCode: 500 })
    expect(s.calls).toHaveLength(3)
  })
})

describe('waiting', () => {
  it('resolves once n calls of a method are recorded', async () => {
    const s = await start()
    const client = clientFor(s)
    const waiting = s.waitFor('reactions.add', 2)
    await client.reactions.add({ channel: 'C1', timestamp: '1700000000.000100', name: 'eyes' })
    await client.chat.postMessage({ channel: 'C1', text: 'between' })
    const [calls] = await Promise.all([waiting, client.reactions.add({ channel: 'C1', timestamp: '1700000000.000100', name: 'white_check_mark' })])
    expect(calls.map((c) => c.args.name)).toEqual(['eyes', 'white_check_mark'])
  })

  it('times out naming what was recorded instead', async () => {
    const s = await start()
    await clientFor(s).chat.postMessage({ channel: 'C1', text: 'hi' })
    await expect(s.waitFor('chat.update', 1, 50)).rejects.toThrow(/expected 1 chat\.update call\(s\) within 50 ms, got 0; recorded: chat\.postMessage/)
  })
})

describe('response URLs', () => {
  it('records a JSON POST to a response_url and answers ok', async () => {
    const s = await start()
    const url = s.responseUrl('x')
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/response\/x$/)
    const waiting = s.waitForResponses(1)
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'Done', replace_original: true }) })
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('ok')
    const [post] = await waiting
    expect(post).toMatchObject({ path: '/response/x', body: { text: 'Done', replace_original: true } })
    expect(s.calls).toHaveLength(0)
  })
})
