import { Hono } from 'hono'
import type { Engine } from '../db/engine.ts'
import { migrationStatus } from '../db/migrate.ts'
import type { Logger } from '../log.ts'
import { playgroundRoutes } from '../bots/playground/web.ts'
import type { RouterDeps } from '../handlers/router.ts'

export interface AppDeps {
  engine: Engine
  logger: Logger
  /** Handlers' dependencies; with it the playground can be mounted. */
  router?: RouterDeps
  playground?: boolean
  /** Routes of chat adapters (Slack's /slack/events…), mounted as they are. */
  adapters?: Array<Hono<any>>
}

/**
 * The HTTP surface: health, and each chat adapter's routes (the playground now; Slack and Teams
 * in their issues). Testable with app.request() and no server.
 */
export function createApp({ engine, logger, router, playground, adapters = [] }: AppDeps): Hono {
  const app = new Hono()
  for (const routes of adapters) app.route('/', routes)
  if (router && playground) app.route('/', playgroundRoutes(router))

  app.get('/healthz', (c) => c.json({ status: 'ok' }))

  // Ready when the database answers and every migration on disk is applied unchanged.
  app.get('/readyz', async (c) => {
    try {
      const rows = await migrationStatus(engine.pool)
      const notApplied = rows.filter((r) => r.state !== 'applied')
      if (notApplied.length > 0) {
        return c.json({ status: 'not_ready', engine: engine.kind, reason: 'migrations not applied', migrations: notApplied.map((r) => `${r.name}: ${r.state}`) }, 503)
      }
      return c.json({ status: 'ready', engine: engine.kind, migrations: rows.length })
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
