import { randomUUID } from 'node:crypto'
import type { HttpBindings } from '@hono/node-server'
import { Hono, type MiddlewareHandler } from 'hono'
import { matchedRoutes } from 'hono/route'
import type { Engine } from '../db/engine.ts'
import { migrationStatus } from '../db/migrate.ts'
import { inRequest, type Logger } from '../log.ts'
import { playgroundRoutes, type PlaygroundListener } from '../bots/playground/web.ts'
import type { ConverseDeps } from '../chat/converse.ts'
import { createMetrics, type Metrics } from './metrics.ts'
import { passageRoutes, type PassageDeps } from './passages.ts'

export interface AppDeps {
  engine: Engine
  logger: Logger
  /** Handlers' dependencies; with it the playground can be mounted. */
  router?: ConverseDeps
  /** The playground, answering Hosts that name this listener (true: 127.0.0.1 on the port requests arrive on). */
  playground?: boolean | PlaygroundListener
  /** The passage pages citations link to (/passages/:chunkId), when PUBLIC_URL is set; with or without the playground. */
  passages?: PassageDeps
  /** Routes of chat adapters (Slack's /slack/events…), mounted as they are. */
  adapters?: Array<Hono<any>>
  /** What /readyz reports besides the database, e.g. { slack: 'http', teams: 'off', digests: 'on' }. */
  components?: Record<string, string>
  /** Where /metrics and the HTTP metrics go; pass the one the router's `observe` writes to. A new one when absent. */
  metrics?: Metrics
}

/** `c.var.requestId` in any route: the request's id, also in the x-request-id response header and every log line. */
export interface AppEnv {
  Variables: { requestId: string }
}

/** An x-request-id we take from a client (a proxy, a load balancer); anything else is replaced. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/**
 * The HTTP surface: health, and each chat adapter's routes (the playground now; Slack and Teams
 * in their issues). Testable with app.request() and no server.
 */
export function createApp({ engine, logger, router, playground, passages, adapters = [], metrics = createMetrics(), components = {} }: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.use(observeRequests(metrics))
  for (const routes of adapters) app.route('/', routes)
  if (passages) app.route('/', passageRoutes(passages))
  if (router && playground) app.route('/', playgroundRoutes(router, playground === true ? undefined : playground))

  app.get('/healthz', (c) => c.json({ status: 'ok' }))

  // Prometheus text format. Not for the internet: README, Operations.
  app.get('/metrics', async (c) => c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }))

  // Ready when the database answers and every migration on disk is applied unchanged.
  app.get('/readyz', async (c) => {
    try {
      const rows = await migrationStatus(engine.service.pool)
      const notApplied = rows.filter((r) => r.state !== 'applied')
      if (notApplied.length > 0) {
        return c.json({ status: 'not_ready', engine: engine.kind, reason: 'migrations not applied', migrations: notApplied.map((r) => `${r.name}: ${r.state}`) }, 503)
      }
      return c.json({ status: 'ready', engine: engine.kind, migrations: rows.length, components })
    } catch (err) {
      logger.warn({ err }, 'readiness check failed')
      return c.json({ status: 'not_ready', engine: engine.kind, reason: 'database unreachable' }, 503)
    }
  })

  app.onError((err, c) => {
    logger.error({ err, path: c.req.path }, 'unhandled error')
    return c.json({ error: 'internal_error' }, 500)
  })
  return app
}

/**
 * Every request: its id (the caller's x-request-id when sane, else a new UUID) on the response
 * and, through src/log.ts, on every log line written while serving it, including adapters'
 * work after their ack; then its count and duration under the matched route pattern.
 */
function observeRequests(metrics: Metrics): MiddlewareHandler<AppEnv> {
  const middleware: MiddlewareHandler<AppEnv> = async (c, next) => {
    const started = performance.now()
    const given = c.req.header('x-request-id')
    const requestId = given !== undefined && SANE_REQUEST_ID.test(given) ? given : randomUUID()
    c.set('requestId', requestId)
    // The Node response when served by @hono/node-server (app.request() in tests has none).
    const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing
    const record = (status: number) => {
      // The route pattern that answered; a 404 stops at this middleware. Never the raw URL.
      const answered = matchedRoutes(c)[c.req.routeIndex]
      const route = !answered || answered.handler === middleware ? 'unmatched' : answered.path
      metrics.httpRequests.inc({ method: c.req.method, route, status: String(status) })
      metrics.httpDuration.observe({ method: c.req.method, route }, (performance.now() - started) / 1000)
    }
    if (outgoing) {
      // On the Node response itself, so adapters that write it (Slack's Bolt receiver) send the id
      // too; the request counts once the response is written, with the status it was written with.
      // (Not c.header(): replacing the response a raw writer returned makes node-server write twice.)
      outgoing.setHeader('x-request-id', requestId)
      outgoing.once('close', () => record(outgoing.statusCode))
      await inRequest(requestId, next)
    } else {
      await inRequest(requestId, next)
      c.header('x-request-id', requestId)
      record(c.res.status)
    }
  }
  return middleware
}
