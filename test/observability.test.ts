/**
 * Observability: request ids on responses and on every log line written while serving a request
 * (also by adapters that write the Node response themselves, and after Slack's ack), and
 * /metrics in Prometheus text format with bounded labels and the handlers' own metrics.
 */
import { createHmac } from 'node:crypto'
import type { LimitFunction } from 'p-limit'
import { Hono } from 'hono'
import type { HttpBindings } from '@hono/node-server'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSlackBot } from '../src/bots/slack/app.ts'
import { createTeamsBot } from '../src/bots/teams/app.ts'
import type { Engine } from '../src/db/engine.ts'
import type { Inbound } from '../src/handlers/inbound.ts'
import { converse, SOMETHING_WENT_WRONG } from '../src/chat/converse.ts'
import { createApp } from '../src/http/app.ts'
import { createMetrics } from '../src/http/metrics.ts'
import { startServer } from '../src/http/server.ts'
import { createLogger, type Logger } from '../src/log.ts'
import { describeEachEngine, pglite } from './support/engines.ts'
import { useFixtureDatabase } from './support/fixture.ts'
import { startSlackStandin } from './support/slack-standin.ts'
import { startTeamsStandin } from './support/teams-standin.ts'

type Line = { msg: string; requestId?: string; [key: string]: unknown }

/** A logger whose JSON lines a test can read. */
function capturedLogger(): { logger: Logger; lines: Line[] } {
  const lines: Line[] = []
  return { logger: createLogger('info', { write: (s: string) => void lines.push(JSON.parse(s) as Line) }), lines }
}

async function until<T>(find: () => T | undefined, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const found = find()
    if (found !== undefined) return found
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** The value of one sample line of the exposition, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

/** Handlers that cannot run: every converse call rejects, as if the database were down. */
const broken = (() => Promise.reject(new Error('handlers are down'))) as unknown as LimitFunction

describe('request ids and /metrics', () => {
  let engine: Engine
  beforeAll(async () => {
    engine = await pglite.migrated()
  })
  afterAll(async () => {
    await engine?.close()
  })

  /** An adapter route that logs through the app's logger, as the chat adapters do. */
  const probe = (logger: Logger) => new Hono().get('/probe/:thing', (c) => {
    logger.child({ component: 'probe' }).info({ thing: c.req.param('thing') }, 'probing')
    return c.json({ requestId: (c.var as { requestId: string }).requestId })
  })

  it('echoes a sane x-request-id and writes it on every log line of the request, and only there', async () => {
    const { logger, lines } = capturedLogger()
    const app = createApp({ engine, logger, adapters: [probe(logger)] })
    logger.info('before any request')
    const res = await app.request('/probe/one', { headers: { 'x-request-id': 'lb-7f3a.2026-01-01T10:00:00Z_x' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-request-id')).toBe('lb-7f3a.2026-01-01T10:00:00Z_x')
    expect(await res.json()).toEqual({ requestId: 'lb-7f3a.2026-01-01T10:00:00Z_x' })
    expect(lines.find((l) => l.msg === 'probing')).toMatchObject({ requestId: 'lb-7f3a.2026-01-01T10:00:00Z_x', component: 'probe', thing: 'one' })
    expect(lines.find((l) => l.msg === 'before any request')).not.toHaveProperty('requestId')
  })

  it('makes a new id when there is none or the given one is hostile', async () => {
    const { logger, lines } = capturedLogger()
    const app = createApp({ engine, logger, adapters: [probe(logger)] })
    const hostile = ['a'.repeat(500), 'two words', '{"requestId":"forged"}', 'é', '']
    const ids = new Set<string>()
    for (const given of [undefined, ...hostile]) {
      const res = await app.request('/probe/two', { headers: given === undefined ? {} : { 'x-request-id': given } })
      const id = res.headers.get('x-request-id')!
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      ids.add(id)
    }
    expect(ids.size).toBe(hostile.length + 1)
    expect(lines.filter((l) => l.msg === 'probing').map((l) => l.requestId)).toEqual([...ids])
    // 128 characters is still sane; 129 is not.
    const longest = 'x'.repeat(128)
    expect((await app.request('/healthz', { headers: { 'x-request-id': longest } })).headers.get('x-request-id')).toBe(longest)
    expect((await app.request('/healthz', { headers: { 'x-request-id': `${longest}x` } })).headers.get('x-request-id')).not.toBe(`${longest}x`)
  })

  it('carries the id into a raw-response adapter: its header, and its log lines after the response', async () => {
    const { logger, lines } = capturedLogger()
    // Like Slack's Bolt receiver: writes the Node response itself, keeps working after it.
    const raw = new Hono<{ Bindings: HttpBindings }>().post('/raw/events', (c) => {
      c.env.outgoing.writeHead(202, { 'content-type': 'text/plain' }).end('ack')
      setTimeout(() => logger.info('after the ack'), 50)
      return RESPONSE_ALREADY_SENT
    })
    const metrics = createMetrics()
    const server = await startServer(createApp({ engine, logger, adapters: [raw], metrics }), { port: 0, host: '127.0.0.1', logger })
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/raw/events`, { method: 'POST', headers: { 'x-request-id': 'raw-1' } })
      expect(res.status).toBe(202)
      expect(await res.text()).toBe('ack')
      expect(res.headers.get('x-request-id')).toBe('raw-1')
      expect(await until(() => lines.find((l) => l.msg === 'after the ack'), 'the log line after the ack')).toMatchObject({ requestId: 'raw-1' })
      // Counted with the status the adapter wrote, not the 200 of the placeholder Response.
      const metricsRes = await fetch(`http://127.0.0.1:${server.port}/metrics`)
      expect(metricsRes.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)   // Hono's own responses on a server too
      const text = await metricsRes.text()
      expect(sample(text, 'workroom_http_requests_total{method="POST",route="/raw/events",status="202"}')).toBe(1)
    } finally {
      await server.close()
    }
  })

  it("tags the error log of a handler that failed after Slack's ack with the request's id", async () => {
    const SECRET = 'observability-signing-secret'
    const standin = await startSlackStandin()
    const { logger, lines } = capturedLogger()
    const router = { db: engine.db, now: () => new Date(), inFlight: broken, log: logger }
    const bot = createSlackBot(router, { signingSecret: SECRET, botToken: 'xoxb-test', appToken: undefined, apiUrl: standin.apiUrl, tenant: 'northwind' }, logger)
    const server = await startServer(createApp({ engine, logger, router, adapters: [bot.routes] }), { port: 0, host: '127.0.0.1', logger })
    try {
      const body = new URLSearchParams({
        team_id: 'T0TEST', channel_id: 'C0GENERAL', user_id: 'U0LUCY', command: '/timesheet', text: '3h Aurora Air',
        api_app_id: 'A0APP', trigger_id: 'trigger.obs', response_url: standin.responseUrl('obs'),
      }).toString()
      const timestamp = Math.floor(Date.now() / 1000)
      const res = await fetch(`http://127.0.0.1:${server.port}/slack/events`, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/x-www-form-urlencoded', 'x-request-id': 'slack-obs-1',
          'x-slack-request-timestamp': String(timestamp),
          'x-slack-signature': `v0=${createHmac('sha256', SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`,
        },
      })
      expect(res.status).toBe(200)                           // acked before the handler failed
      expect(res.headers.get('x-request-id')).toBe('slack-obs-1')
      const failed = await until(() => lines.find((l) => l.msg === 'handler failed'), 'the error log')
      expect(failed).toMatchObject({ requestId: 'slack-obs-1', level: 50, platform: 'slack' })
    } finally {
      await server.close()
      await standin.close()
    }
  })

  it("tags the error log of a handler that failed on a Teams turn with the request's id", async () => {
    const standin = await startTeamsStandin()
    const { logger, lines } = capturedLogger()
    const router = { db: engine.db, now: () => new Date(), inFlight: broken, log: logger }
    const bot = createTeamsBot(router, { appId: undefined, appPassword: undefined, appType: 'MultiTenant', tenantId: undefined }, logger)
    const server = await startServer(createApp({ engine, logger, router, adapters: [bot.routes] }), { port: 0, host: '127.0.0.1', logger })
    try {
      const activity = {
        type: 'message', id: 'obs-activity-1', timestamp: new Date().toISOString(), serviceUrl: standin.serviceUrl, channelId: 'msteams',
        from: { id: '29:lucy', name: 'Lucy', aadObjectId: 'aad-lucy' }, recipient: { id: '28:workroom-bot', name: 'Workroom' },
        conversation: { id: 'a:personal-obs', tenantId: 'aad-tenant' }, text: 'help', textFormat: 'plain', entities: [], channelData: { tenant: { id: 'aad-tenant' } },
      }
      const res = await fetch(`http://127.0.0.1:${server.port}/api/messages`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'teams-obs-1' }, body: JSON.stringify(activity),
      })
      expect(res.headers.get('x-request-id')).toBe('teams-obs-1')
      // The handler runs after the turn's 200, still as part of the request that brought it in.
      await bot.drain()
      const failed = await until(() => lines.find((l) => l.msg === 'handler failed'), 'the error log')
      expect(failed).toMatchObject({ requestId: 'teams-obs-1', level: 50, platform: 'teams' })
    } finally {
      await server.close()
      await standin.close()
    }
  })

  it('serves /metrics in Prometheus text format: requests by route pattern and status, durations, process metrics', async () => {
    const app = createApp({ engine, logger: createLogger('silent') })
    expect((await app.request('/healthz')).status).toBe(200)
    expect((await app.request('/healthz')).status).toBe(200)
    expect((await app.request('/no/such/path/12345')).status).toBe(404)
    const res = await app.request('/metrics')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    const text = await res.text()
    expect(text).toContain('# TYPE workroom_http_requests_total counter')
    expect(text).toContain('# TYPE workroom_http_request_duration_seconds histogram')
    expect(sample(text, 'workroom_http_requests_total{method="GET",route="/healthz",status="200"}')).toBe(2)
    expect(sample(text, 'workroom_http_request_duration_seconds_count{method="GET",route="/healthz"}')).toBe(2)
    expect(sample(text, 'workroom_http_requests_total{method="GET",route="unmatched",status="404"}')).toBe(1)
    expect(text).not.toContain('/no/such/path')
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m)
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m)

    // Every app has its own registry: another app starts from nothing.
    const other = await (await createApp({ engine, logger: createLogger('silent') }).request('/metrics')).text()
    expect(sample(other, 'workroom_http_requests_total{method="GET",route="/healthz",status="200"}')).toBeUndefined()
  })
})

describeEachEngine('handler metrics', (engine) => {
  const db = useFixtureDatabase(engine)
  const now = () => new Date('2026-11-25T15:00:00Z')

  it('times each playground message by intent and platform through the router hook', async () => {
    const metrics = createMetrics()
    const router = { db: db.e.db, now, observe: metrics.observeHandler }
    const app = createApp({ engine: db.e, logger: createLogger('silent'), router, playground: true, metrics })
    for (const text of ['/workroom', 'help', '/campaign cX']) {
      const res = await app.request('/playground/send', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ as: 'creative@a.example', text }) })
      expect(res.status).toBe(200)
    }
    const text = await (await app.request('/metrics')).text()
    expect(text).toContain('# TYPE workroom_handler_duration_seconds histogram')
    expect(sample(text, 'workroom_handler_duration_seconds_count{intent="help",platform="playground"}')).toBe(2)
    expect(sample(text, 'workroom_handler_duration_seconds_count{intent="campaign",platform="playground"}')).toBe(1)
    expect(sample(text, 'workroom_handler_errors_total{intent="help",platform="playground"}')).toBe(0)
    expect(sample(text, 'workroom_http_requests_total{method="POST",route="/playground/send",status="200"}')).toBe(3)
  })

  it('counts a handler that throws as an error of its intent; the caller gets the apology, marked failed', async () => {
    const metrics = createMetrics()
    const clockBroke = () => {
      throw new Error('clock broke')
    }
    const inbound: Inbound = {
      platform: 'slack', workspaceId: 'TA', externalUserId: 'UAcreative', channelId: 'C1', threadId: null,
      input: { kind: 'command', command: '/timesheet', text: '1h Campaign cX' }, requestId: `r-${Math.random()}`,
    }
    expect(await converse({ db: db.e.db, now: clockBroke, observe: metrics.observeHandler }, inbound)).toMatchObject({ summary: SOMETHING_WENT_WRONG, failed: 'clock broke' })
    const action: Inbound = { ...inbound, platform: 'teams', input: { kind: 'action', actionId: 'nope', payload: '' } }
    await converse({ db: db.e.db, now, observe: metrics.observeHandler }, action)
    const text = await metrics.registry.metrics()
    expect(sample(text, 'workroom_handler_errors_total{intent="timesheet",platform="slack"}')).toBe(1)
    expect(sample(text, 'workroom_handler_duration_seconds_count{intent="timesheet",platform="slack"}')).toBe(1)
    expect(sample(text, 'workroom_handler_errors_total{intent="action",platform="teams"}')).toBe(0)
  })
})
