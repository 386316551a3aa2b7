/**
 * Fuzzing every HTTP entry point of the real server: the Slack app (signing secret + bot token,
 * Web API stand-in), the Teams bot in anonymous mode (Bot Connector stand-in) and the playground,
 * on PGlite with the demo seed. fast-check generates malformed bodies and headers; for each
 * request: no 5xx, and the server still answers /healthz afterwards.
 *
 * "Nothing written", per entry point:
 * - POST /slack/events, unsigned or wrongly signed: Bolt refuses before any listener, so nothing
 *   at all: timesheet entries, inbox rows (workroom.chat_inbox), Teams conversations.
 * - POST /slack/events, correctly signed garbage (not a Slack payload): no listener matches, so
 *   again nothing.
 * - POST /api/messages, a body that is not a JSON activity object with a string type (bytes,
 *   truncated or nested JSON, wrong content types, over the size limit): refused at the door,
 *   nothing at all.
 * - POST /api/messages, activity-shaped bodies with missing or wrong-typed fields: anonymous mode
 *   accepts anyone, so a structurally usable message legitimately records an inbox row and stores
 *   its conversation reference, and an unknown person is told how to get linked. What must not
 *   happen is a timesheet entry (nobody in them is a linked person) or a 5xx.
 * - The playground: a send as a directory person links that person's playground identity on
 *   first use (workroom.chat_identities, by design); no timesheet entry (random text is never a
 *   valid timesheet line for a live campaign, and the text generator avoids digits), no inbox
 *   rows, no Teams conversations.
 *
 * All loopback; each entry point gets a bounded number of runs.
 */
import { createHmac } from 'node:crypto'
import { request } from 'node:http'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Engine } from '../src/db/engine.ts'
import { MAX_CHAT_BODY_BYTES } from '../src/http/limits.ts'
import { seed } from '../seeds/index.ts'
import { startChatServer } from './support/chat-server.ts'
import { pglite } from './support/engines.ts'
import { startSlackStandin, type SlackStandin } from './support/slack-standin.ts'
import { startTeamsStandin, type TeamsStandin } from './support/teams-standin.ts'

const SECRET = 'fuzz-signing-secret'
const RUNS = 120

const sign = (body: string | Uint8Array, timestamp = Math.floor(Date.now() / 1000)) => ({
  'x-slack-request-timestamp': String(timestamp),
  'x-slack-signature': `v0=${createHmac('sha256', SECRET).update(`v0:${timestamp}:`).update(body).digest('hex')}`,
})

// ---- generators --------------------------------------------------------------------------------

const json = fc.jsonValue({ maxDepth: 4 })
/** Nested arrays/objects far deeper than any payload (JSON.parse copes; recursion over it may not). */
const deep = fc.tuple(fc.integer({ min: 100, max: 5000 }), fc.boolean()).map(([depth, arrays]) =>
  arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth))
const truncated = fc.tuple(json, fc.nat()).map(([v, n]) => {
  const s = JSON.stringify(v)
  return s.slice(0, s.length > 1 ? n % (s.length - 1) : 0)
})
const bytes = fc.uint8Array({ maxLength: 2000 })
/** Invalid UTF-8: lone continuation bytes, overlongs, surrogates, in between ASCII. */
const badUtf8 = fc.array(fc.oneof(fc.constantFrom([0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xff], [0xf8, 0x88, 0x80, 0x80, 0x80]), fc.uint8Array({ maxLength: 20 }).map((a) => [...a])), { maxLength: 30 })
  .map((parts) => Uint8Array.from(parts.flat()))
const form = fc.dictionary(fc.string({ maxLength: 20 }), fc.string({ maxLength: 200 }), { maxKeys: 12 }).map((o) => new URLSearchParams(o).toString())
const payloadForm = fc.oneof(fc.string({ maxLength: 300 }), truncated, deep, json.map((v) => JSON.stringify(v)))
  .map((p) => `payload=${encodeURIComponent(p)}`)
const bodies: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  fc.string({ maxLength: 2000 }), fc.string({ unit: 'binary', maxLength: 500 }), bytes, badUtf8, truncated, deep,
  json.map((v) => JSON.stringify(v)), form, payloadForm,
)
const contentTypes = fc.oneof(
  fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/octet-stream', ''),
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 }),
)
const headerValue = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 200 }).map((s) => s.trim())
/** Extra headers, some huge (past Node's 16 KB header limit: 431 from Node itself). */
const extraHeaders = fc.dictionary(
  fc.constantFrom('x-slack-signature', 'x-slack-request-timestamp', 'x-slack-retry-num', 'x-request-id', 'authorization', 'accept', 'x-forwarded-for', 'x-fuzz'),
  fc.oneof({ weight: 4, arbitrary: headerValue }, { weight: 1, arbitrary: fc.integer({ min: 1000, max: 20_000 }).map((n) => 'v'.repeat(n)) }),
  { maxKeys: 4 },
)

// ---- the server --------------------------------------------------------------------------------

describe('HTTP fuzz: Slack, Teams (anonymous) and the playground on one real server', () => {
  let engine: Engine
  let slack: SlackStandin
  let teams: TeamsStandin
  let url: string
  let close: () => Promise<void>

  const count = async (table: 'agency.timesheet_entries' | 'workroom.chat_inbox' | 'workroom.teams_conversations') =>
    Number((await engine.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
  const counts = async () => ({
    timesheet: await count('agency.timesheet_entries'),
    inbox: await count('workroom.chat_inbox'),
    conversations: await count('workroom.teams_conversations'),
  })
  const send = async (method: string, path: string, headers: Record<string, string>, body?: string | Uint8Array) => {
    const h = new Headers()
    for (const [k, v] of Object.entries(headers)) h.set(k, v)
    const res = await fetch(`${url}${path}`, { method, headers: h, ...(body !== undefined ? { body } : {}) })
    await res.arrayBuffer()
    return res.status
  }
  /**
   * A POST that reports the status as soon as the response head arrives, even while the body is
   * still being written. For bodies over the limit: the server answers 413 without reading them,
   * drains for a while and then closes the connection, and fetch (undici) reports a request whose
   * upload was cut off as "other side closed" even when the 413 had arrived (CI run, stop 14).
   */
  const postEarly = (path: string, headers: Record<string, string>, body: string) => new Promise<{ status: number, text: string }>((resolve, reject) => {
    const req = request(`${url}${path}`, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (chunk: string) => { text += chunk }).on('end', () => resolve({ status: res.statusCode ?? 0, text }))
    })
    // Once the response has ended, a reset of the upload is the server closing the oversized request.
    req.on('error', reject)
    req.end(body)
  })
  const healthy = async () => (await fetch(`${url}/healthz`)).status === 200

  beforeAll(async () => {
    slack = await startSlackStandin()
    teams = await startTeamsStandin()
    engine = await pglite.migrated()
    await seed(engine, { scale: 'demo', progress: false })
    const server = await startChatServer(engine, { signingSecret: SECRET, botToken: 'xoxb-fuzz', apiUrl: slack.apiUrl }, { playground: true })
    url = server.url
    close = async () => {
      await server.close()
      await engine.close()
      await slack.close()
      await teams.close()
    }
  }, 60_000)
  afterAll(async () => {
    await close?.()
  })

  it('POST /slack/events: unsigned and wrongly signed garbage is refused, never 5xx, writes nothing', async () => {
    const before = await counts()
    await fc.assert(fc.asyncProperty(bodies, contentTypes, extraHeaders, fc.constantFrom('none', 'wrong-secret', 'stale', 'other-body'), async (body, type, extra, how) => {
      const ts = Math.floor(Date.now() / 1000)
      const signature = how === 'none' ? {}
        : how === 'stale' ? sign(body, ts - 6 * 60)
        : how === 'other-body' ? sign(`${typeof body === 'string' ? body : 'x'}!`, ts)
        : { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': `v0=${createHmac('sha256', 'not-the-secret').update(`v0:${ts}:`).update(body).digest('hex')}` }
      const status = await send('POST', '/slack/events', { ...extra, ...(type ? { 'content-type': type } : {}), ...signature }, body)
      expect(status).toBeLessThan(500)
      expect(status).not.toBe(200)
    }), { numRuns: RUNS })
    expect(await healthy()).toBe(true)
    await new Promise((r) => setTimeout(r, 200))
    expect(await counts()).toEqual(before)
  }, 60_000)

  it('POST /slack/events: correctly signed garbage (not a Slack payload) is never 5xx and writes nothing', async () => {
    const before = await counts()
    // Bolt waits up to ~3 s for a listener to ack a payload nothing handles: batches, concurrently.
    const signedGarbage = fc.oneof(bytes, badUtf8, truncated, deep, payloadForm, fc.string({ maxLength: 500 }))
    await fc.assert(fc.asyncProperty(fc.array(fc.tuple(signedGarbage, contentTypes), { minLength: 25, maxLength: 25 }), async (batch) => {
      const statuses = await Promise.all(batch.map(([body, type]) => send('POST', '/slack/events', { ...(type ? { 'content-type': type } : {}), ...sign(body) }, body)))
      for (const status of statuses) expect(status).toBeLessThan(500)
    }), { numRuns: 4 })
    expect(await healthy()).toBe(true)
    expect(await counts()).toEqual(before)
  }, 60_000)

  it('POST /api/messages: bodies that are not activities are refused with 4xx and write nothing', async () => {
    const before = await counts()
    const notActivity = fc.oneof(bytes, badUtf8, truncated, deep, form, fc.string({ maxLength: 2000 }),
      json.filter((v) => !v || typeof v !== 'object' || Array.isArray(v) || typeof (v as { type?: unknown }).type !== 'string').map((v) => JSON.stringify(v)))
    await fc.assert(fc.asyncProperty(notActivity, contentTypes, extraHeaders, async (body, type, extra) => {
      const status = await send('POST', '/api/messages', { ...extra, ...(type ? { 'content-type': type } : {}) }, body)
      expect(status).toBeGreaterThanOrEqual(400)
      expect(status).toBeLessThan(500)
    }), { numRuns: RUNS })
    expect(await healthy()).toBe(true)
    expect(await counts()).toEqual(before)
  }, 60_000)

  it('POST /api/messages: activities with missing or wrong-typed fields are never 5xx and log no time', async () => {
    const before = await counts()
    // A deeply nested value is spliced into the JSON text (fast-check could not print it as an object).
    const DEEP = '__deep__'
    const odd = fc.oneof(json, fc.constant(null), fc.string({ maxLength: 50 }), fc.constant(DEEP))
    const deepJson = '{"a":'.repeat(3000) + '[' .repeat(3000) + ']'.repeat(3000) + '}'.repeat(3000)
    const activity = fc.record({
      type: fc.oneof(fc.constantFrom('message', 'conversationUpdate', 'installationUpdate', 'invoke', 'event', 'typing'), fc.string({ maxLength: 20 })),
      id: fc.oneof(fc.string({ maxLength: 30 }), odd),
      serviceUrl: fc.oneof(fc.constant(teams.serviceUrl), odd),
      channelId: fc.oneof(fc.constant('msteams'), odd),
      from: fc.oneof(fc.record({ id: fc.string({ maxLength: 20 }), aadObjectId: fc.oneof(fc.string({ maxLength: 20 }), odd) }, { requiredKeys: [] }), odd),
      recipient: fc.oneof(fc.constant({ id: '28:workroom-bot', name: 'Workroom' }), odd),
      conversation: fc.oneof(
        fc.record({ id: fc.oneof(fc.string({ maxLength: 40 }), odd), conversationType: fc.oneof(fc.constantFrom('personal', 'channel', 'groupChat'), odd), tenantId: fc.oneof(fc.string({ maxLength: 20 }), odd) }, { requiredKeys: [] }),
        odd),
      text: fc.oneof(fc.string({ maxLength: 300 }), fc.constant('a'.repeat(100_000)), odd),
      value: odd,
      entities: fc.oneof(fc.array(fc.record({ type: fc.oneof(fc.constant('mention'), odd), mentioned: odd, text: odd }, { requiredKeys: [] }), { maxLength: 3 }), odd),
      channelData: odd,
      replyToId: odd,
    }, { requiredKeys: ['type'] })
    await fc.assert(fc.asyncProperty(activity, async (a) => {
      const body = JSON.stringify(a).replaceAll(`"${DEEP}"`, deepJson)
      if (Buffer.byteLength(body) > MAX_CHAT_BODY_BYTES) {
        expect((await postEarly('/api/messages', { 'content-type': 'application/json' }, body)).status).toBe(413)
        return
      }
      const status = await send('POST', '/api/messages', { 'content-type': 'application/json' }, body)
      expect(status, JSON.stringify(a).slice(0, 500)).toBeLessThan(500)
    }), { numRuns: RUNS })
    expect(await healthy()).toBe(true)
    await new Promise((r) => setTimeout(r, 300))
    expect((await counts()).timesheet).toBe(before.timesheet)
  }, 60_000)

  it('the playground: random sends, passages and pages are never 5xx and log no time', async () => {
    const before = await counts()
    const people = (await (await fetch(`${url}/playground/people`)).json()) as { tenants: Array<{ people: Array<{ email: string }> }> }
    const emails = people.tenants.flatMap((t) => t.people.map((p) => p.email))
    const noDigits = fc.string({ maxLength: 200 }).map((s) => s.replace(/[0-9]/g, 'x'))
    const odd = fc.oneof(json, fc.constant(null), fc.string({ maxLength: 50 }))
    const sendBody = fc.oneof(
      fc.record({
        as: fc.oneof(fc.constantFrom(...emails), fc.emailAddress(), odd),
        threadId: fc.oneof(fc.string({ maxLength: 120 }), odd),
        text: fc.oneof(noDigits, odd),
        action: fc.oneof(fc.record({ actionId: fc.oneof(fc.string({ maxLength: 120 }), odd), payload: fc.oneof(fc.string({ maxLength: 200 }), odd) }, { requiredKeys: [] }), odd),
      }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
      bodies,
    )
    const request = fc.oneof(
      fc.tuple(sendBody, contentTypes, extraHeaders).map(([body, type, extra]) => ({ method: 'POST', path: '/playground/send', headers: { ...extra, ...(type ? { 'content-type': type } : {}) }, body })),
      fc.tuple(fc.oneof(fc.uuid(), fc.string({ maxLength: 60 })), fc.oneof(fc.constantFrom(...emails), fc.string({ maxLength: 60 })))
        .map(([chunk, as]) => ({ method: 'GET', path: `/playground/passages/${encodeURIComponent(chunk)}?as=${encodeURIComponent(as)}`, headers: {}, body: undefined })),
      fc.tuple(fc.constantFrom('/', '/playground/people', '/healthz', '/readyz', '/metrics'), extraHeaders).map(([path, extra]) => ({ method: 'GET', path, headers: extra, body: undefined })),
    )
    await fc.assert(fc.asyncProperty(request, async (r) => {
      const status = await send(r.method, r.path, r.headers, r.body)
      expect(status, `${r.method} ${r.path}`).toBeLessThan(500)
    }), { numRuns: RUNS })
    expect(await healthy()).toBe(true)
    const after = await counts()
    expect(after).toEqual(before)
  }, 60_000)

  it('Slack: a Content-Length over the limit is 413 before Bolt, even when validly signed', async () => {
    const before = await counts()
    const body = `payload=${'x'.repeat(MAX_CHAT_BODY_BYTES + 1)}`
    const res = await postEarly('/slack/events', { 'content-type': 'application/x-www-form-urlencoded', ...sign(body) }, body)
    expect(res.status).toBe(413)
    expect(JSON.parse(res.text)).toEqual({ error: 'request body too large' })
    // At the limit it is Bolt's to judge: an unsigned body is its 401, not our 413.
    const atLimit = 'x'.repeat(MAX_CHAT_BODY_BYTES)
    expect((await fetch(`${url}/slack/events`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: atLimit })).status).toBe(401)
    expect(await healthy()).toBe(true)
    expect(await counts()).toEqual(before)
  })

  it('Slack: a chunked body (no Content-Length) that grows past the limit is 413 from Bolt, unparsed', async () => {
    const before = await counts()
    const chunk = new TextEncoder().encode('x'.repeat(16 * 1024))
    let sent = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        // Far past the limit, if the server kept reading.
        if (sent >= 4 * MAX_CHAT_BODY_BYTES) return controller.close()
        sent += chunk.length
        controller.enqueue(chunk)
      },
    })
    const body = 'x'.repeat(MAX_CHAT_BODY_BYTES + 1)
    const res = await fetch(`${url}/slack/events`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...sign(body) }, body: stream, duplex: 'half',
    } as RequestInit)
    expect(res.status).toBe(413)
    await res.arrayBuffer()
    expect(await healthy()).toBe(true)
    expect(await counts()).toEqual(before)
  })
})
