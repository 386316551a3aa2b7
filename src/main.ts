import { loadConfig, ConfigError, type Config } from './config.ts'
import { createEngine, engineOptionsFromConfig, type Engine } from './db/engine.ts'
import { migrateUp } from './db/migrate.ts'
import { createApp } from './http/app.ts'
import { startServer } from './http/server.ts'
import { createLogger, type Logger } from './log.ts'

export interface Running {
  engine: Engine
  port: number
  stop(): Promise<void>
}

/**
 * Starts Workroom: opens the database (embedded PGlite unless DATABASE_URL is set), applies
 * pending migrations under the advisory lock (safe with many replicas), serves HTTP.
 */
export async function start(config: Config, logger: Logger, options: { migrate?: boolean } = {}): Promise<Running> {
  const engine = await createEngine(engineOptionsFromConfig(config))
  try {
    if (options.migrate !== false) {
      const result = await migrateUp(engine.pool, { onApplied: (name, ms) => logger.info({ migration: name, ms: Math.round(ms) }, 'migration applied') })
      if (result.error) throw new Error(result.error.message)
    }
    const server = await startServer(createApp({ engine, logger }), { port: config.PORT, host: config.HOST, logger })
    logger.info({ database: engine.description, url: `http://${config.HOST}:${server.port}` }, 'workroom is running')
    return {
      engine,
      port: server.port,
      stop: async () => {
        await server.close()
        await engine.close()
      },
    }
  } catch (err) {
    await engine.close()
    throw err
  }
}

/** SIGTERM and SIGINT drain in-flight requests, close the database, then exit. */
export function stopOnSignals(running: Running, logger: Logger): void {
  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down')
    running.stop().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.once('SIGTERM', () => stop('SIGTERM'))
  process.once('SIGINT', () => stop('SIGINT'))
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let config: Config
  try {
    config = loadConfig()
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message)
      process.exit(2)
    }
    throw err
  }
  const logger = createLogger(config.LOG_LEVEL)
  const running = await start(config, logger)
  stopOnSignals(running, logger)
}
