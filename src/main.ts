import { existsSync } from 'node:fs'
import path from 'node:path'
import type { LimitFunction } from 'p-limit'
import { demoSeedOnStart, loadConfig, passageLinkSettings, ConfigError, type Config } from './config.ts'
import { byName, runningOf, startPlatforms } from './chat/platforms.ts'
import { startScheduler } from './scheduler.ts'
import { startBudgetAlerts } from './alerts.ts'
import type { DirectSenders } from './chat/direct.ts'
import { startResumer, type ResumeDeps } from './resume.ts'
import { Inbox } from './db/inbox.ts'
import { createEngine, engineOptionsFromConfig, type Engine } from './db/engine.ts'
import type { Embedder } from './rag/embed.ts'
import { startAnswerWorkers, type AnswerWorkers } from './answer-workers.ts'
import { converseDeps } from './chat/deps.ts'
import { migrateUp, migrationStatus } from './db/migrate.ts'
import { applyTimesheetLock } from './db/directory.ts'
import { createApp } from './http/app.ts'
import { createMetrics } from './http/metrics.ts'
import { startServer } from './http/server.ts'
import { createLogger, type Logger } from './log.ts'
import { describeProviders, providersFromConfig } from './rag/providers.ts'
import { startArtifactWorker } from './rag/artifacts.ts'
import { startLocalEndpoint } from './local/endpoint.ts'
import { openTerminalSession } from './bots/playground/terminal.ts'
import { assertPortFree, explainFailure, startupProgress, StartupError, type StartupProgress } from './startup.ts'

export interface Running {
  engine: Engine
  port: number
  /** The answer threads (ANSWER_WORKERS on a PostgreSQL server), with how many rows they have run; null: answers run on the main thread. */
  answerThreads: Pick<AnswerWorkers, 'size' | 'ran'> | null
  stop(): Promise<void>
}

/**
 * Starts Workroom: opens the database (embedded PGlite unless DATABASE_URL is set), applies
 * pending migrations under the advisory lock (safe with many replicas), serves HTTP.
 */
export async function start(config: Config, logger: Logger, options: { migrate?: boolean; banner?: (text: string) => void; progress?: StartupProgress } = {}): Promise<Running> {
  const phase = (text: string) => options.progress?.phase(text)
  await assertPortFree(config.PORT, config.HOST)
  const dataDir = config.DATABASE_URL ? undefined : config.WORKROOM_DATA_DIR
  phase(dataDir
    ? `opening the embedded database at ${dataDir}${existsSync(path.join(dataDir, 'PG_VERSION')) ? '' : ' (new: creating it takes several seconds)'}`
    : 'connecting to the database (DATABASE_URL)')
  const engine = await createEngine(engineOptionsFromConfig(config), { role: 'server', command: 'Workroom' })
  let workers: AnswerWorkers | null = null
  try {
    if (options.migrate !== false) await migrateOnStart(engine, logger, phase)
    const knowledge = providersFromConfig(config)
    const seeded = demoSeedOnStart(config) ? await seedIfEmpty(engine, knowledge.embedder, logger, phase) : 'off'
    const relocked = await applyTimesheetLock(engine.service.db, config.TIMESHEET_LOCK_DAYS)
    if (relocked > 0) logger.info({ tenants: relocked, lockDays: config.TIMESHEET_LOCK_DAYS }, 'timesheet lock set from TIMESHEET_LOCK_DAYS')
    const metrics = createMetrics()
    const links = passageLinkSettings(config)
    if (links?.secretGenerated) logger.warn('LINK_SECRET is not set: passage links are signed with a secret made up for this process, and stop opening when it restarts')
    // Filled once the platforms have started (they take the router, and the router sends through them).
    const direct: DirectSenders = {}
    const passageLinks = links ? { publicUrl: links.publicUrl, secret: links.secret } : null
    const router = converseDeps(config, engine, { knowledge, direct, logger, observe: metrics.observeHandler, passageLinks })
    // One inbox per process: the platforms record into it and the resumer claims from it under the same owner.
    const inbox = new Inbox(engine.service.db, { leaseMs: config.INBOX_LEASE_SECONDS * 1000 })
    // Answers in threads of their own, so that an ack never waits behind one (src/answer-workers.ts).
    if (config.ANSWER_WORKERS > 0 && !config.DATABASE_URL) logger.info('ANSWER_WORKERS is for a PostgreSQL server: on the embedded database answers run on the main thread')
    if (config.ANSWER_WORKERS > 0 && config.DATABASE_URL) {
      phase(`starting ${config.ANSWER_WORKERS} answer thread${config.ANSWER_WORKERS === 1 ? '' : 's'}`)
      workers = await startAnswerWorkers({ config, count: config.ANSWER_WORKERS, owner: inbox.owner, passageLinks, logger, observe: metrics.observeHandler })
    }
    const platforms = await startPlatforms({ config, router, logger, inbox, ...(workers ? { answerElsewhere: workers.run } : {}) })
    const running = runningOf(platforms)
    const senders = byName(platforms, 'postDigest')
    Object.assign(direct, byName(platforms, 'sendDirect'))
    const components = {
      ...Object.fromEntries(platforms.map(({ platform, running }) => [platform.name, running ? running.mode : 'off'])),
      digests: Object.keys(senders).length > 0 ? 'on' : 'off',
      reminders: Object.keys(byName(platforms, 'sendDirect')).length > 0 ? 'on' : 'off',
    }
    const adapters = running.flatMap((r) => (r.routes ? [r.routes] : []))
    phase(`listening on ${config.HOST}:${config.PORT || '(a free port)'}`)
    const server = await startServer(createApp({ engine, logger, router, passages: links ? { db: engine.db, secret: links.secret, now: () => new Date() } : undefined, adapters, metrics, components }), { port: config.PORT, host: config.HOST, logger })
    for (const r of running) await r.start?.()
    // Acknowledged and never answered (a process killed after the ack): once now, then every third of a lease.
    // With answer threads, a resumed row is run there too.
    const answering = workers
    const resumers = (answering ? Object.fromEntries(Object.keys(byName(platforms, 'resume')).map((name) => [name, answering.run])) : byName(platforms, 'resume')) as ResumeDeps['resumers']
    const resumer = Object.keys(resumers).length > 0 ? startResumer({ inbox, resumers, logger, everyMs: inbox.leaseMs / 3 }) : null
    const scheduler = Object.keys(senders).length > 0 ? startScheduler({ db: engine.db, service: engine.service.db, now: () => new Date(), senders, logger, directSenders: direct }) : null
    // Budget-burn alerts recorded by the database, sent privately (src/alerts.ts); off without a platform to send them.
    const alerts = Object.keys(direct).length > 0 ? startBudgetAlerts({ db: engine.db, service: engine.service.db, now: () => new Date(), senders: direct, logger: logger.child({ component: 'alerts' }) }) : null
    // Edited artifacts are re-embedded within seconds; every replica drains (SKIP LOCKED keeps them apart).
    const artifacts = startArtifactWorker({ db: engine.db, service: engine.service.db, embedder: knowledge.embedder, logger, everySeconds: ARTIFACT_EMBED_SECONDS })
    const url = `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${server.port}`
    // The embedded database is this process's alone: `workroom as` and `chat` come through here (src/local/).
    const local = engine.lock ? await startLocalEndpoint({ lock: engine.lock, url, logger, open: (email) => openTerminalSession(engine.db, email, { timesheet: router.timesheet, knowledge, log: logger.child({ component: 'cli' }) }) }) : null
    logger.info({ database: engine.description, url }, 'workroom is running')
    options.banner?.([
      `Workroom is running at ${url}`,
      ...platforms.map(({ platform, running }) => `  ${platform.label.padEnd(11)} ${running ? running.describe(url) : platform.off(config)}`),
      `  Database    ${engine.description}${seeded === 'seeded' ? ' (demo agencies written)' : seeded === 'present' ? ' (data already there, not reseeded)' : ''}`,
      `  Knowledge   ${describeProviders(knowledge)}`,
      `  Digests     ${scheduler ? `checked every minute for ${Object.keys(senders).join(' and ')} channels (/digest subscribes one)` : 'off (no Slack or Teams to post to)'}`,
      `  Citations   ${links ? `passage links under ${links.publicUrl}/passages/ (valid 24 h${links.secretGenerated ? '; LINK_SECRET unset: signed with a secret for this process only, they stop opening when it restarts' : ''})` : 'no passage links (set PUBLIC_URL): citations link only documents with a url of their own'}`,
      `  Health      ${url}/healthz  ${url}/readyz  ${url}/metrics`,
    ].join('\n'))
    return {
      engine,
      port: server.port,
      answerThreads: workers,
      // Within SHUTDOWN_TIMEOUT_MS: the scheduler's tick, requests in flight, then the answers
      // Slack and Teams were already acked for (they run after the response); then the database closes.
      stop: async () => {
        const deadline = Date.now() + config.SHUTDOWN_TIMEOUT_MS
        const left = () => Math.max(0, deadline - Date.now())
        await withDeadline(Promise.all([scheduler?.stop(), alerts?.stop(), ...running.map((r) => r.stop?.()), resumer?.stop(), artifacts.stop(), local?.stop()]), left())
        await server.close(left())
        // What is cut off here is not lost: its inbox rows are resumed elsewhere once their leases run out.
        if (!(await withDeadline(Promise.all([idle(router.inFlight), ...running.map((r) => r.drain?.())]), left()))) {
          logger.warn({ running: router.inFlight.activeCount, waiting: router.inFlight.pendingCount }, 'chat handlers still running at the shutdown deadline')
        }
        // Their rows are done (drain waited for them) or cut off at the deadline: resumed elsewhere.
        await workers?.stop(left())
        await engine.close()
      },
    }
  } catch (err) {
    await workers?.stop(0)
    await engine.close()
    throw err
  }
}

/**
 * Applies pending migrations under the advisory lock (safe with many replicas). With nothing
 * pending it takes no lock and writes nothing, so a server that logs in as roles that own nothing
 * (docs/security.md) starts once the owner has run `workroom migrate`, and is told to when not.
 */
async function migrateOnStart(engine: Engine, logger: Logger, phase: (text: string) => void): Promise<void> {
  // The first query of a process: on the embedded database, most of a second of reading catalogs.
  phase('checking migrations')
  const pending = (await migrationStatus(engine.service.pool)).filter((r) => r.state !== 'applied')
  if (pending.length === 0) return
  phase(`migrating: ${pending.length} migration${pending.length === 1 ? '' : 's'} to apply`)
  const refused = (sqlstate: string | undefined, message: string) => sqlstate === '42501'
    ? new StartupError(`${pending.length} migration${pending.length === 1 ? ' is' : 's are'} not applied (${pending.map((r) => `${r.name} ${r.state}`).join(', ')}), and DATABASE_URL's role may not apply them (${message}). Run \`workroom migrate\` with the owner's DATABASE_URL, then start again.`)
    : new StartupError(`Migrating the database failed: ${message}`)
  try {
    const result = await migrateUp(engine.pool, { onApplied: (name, ms) => logger.info({ migration: name, ms: Math.round(ms) }, 'migration applied') })
    if (result.error) throw refused('sqlstate' in result.error ? result.error.sqlstate : undefined, result.error.message)
  } catch (err) {
    // A connection lost on the way keeps its code, for src/startup.ts to explain.
    const e = err as { code?: string; message?: string }
    throw e.code === '42501' ? refused(e.code, e.message ?? String(err)) : err
  }
}

/** How often the artifact worker looks for pending artifacts. */
const ARTIFACT_EMBED_SECONDS = 15

/** Resolves when nothing runs or waits in the limiter. */
async function idle(limit: LimitFunction): Promise<void> {
  while (limit.activeCount + limit.pendingCount > 0) await new Promise((r) => setTimeout(r, 25))
}

/** True when work finished within ms; false when the deadline came first (the work goes on). */
export async function withDeadline(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), ms) })
  try {
    return await Promise.race([work.then(() => true), late])
  } finally {
    clearTimeout(timer)
  }
}

/** First start only: the demo agencies, with progress bars when stderr is a terminal. */
async function seedIfEmpty(engine: Engine, embedder: Embedder, logger: Logger, phase: (text: string) => void): Promise<'seeded' | 'present'> {
  const any = await engine.db.selectFrom('workroom.tenants').select('id').limit(1).executeTakeFirst()
  if (any) return 'present'
  const started = performance.now()
  phase('seeding the demo agencies (first start only)')
  // Loaded only for a first start: the generator and its faker take a second of every restart otherwise.
  const { seed } = await import('../seeds/index.ts')
  const reports = await seed(engine, { scale: 'demo', embedder, onStep: phase })
  logger.info({ tenants: reports.map((r) => r.slug), ms: Math.round(performance.now() - started) }, 'demo agencies seeded')
  return 'seeded'
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

/** `npm start` (through src/start.ts) and `tsx src/main.ts`: a failure a person can fix is one paragraph, exit code 1. */
export async function main(): Promise<void> {
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
  let running: Running
  try {
    running = await start(config, logger, { banner: (text) => console.log(text), progress: startupProgress() })
  } catch (err) {
    const explained = explainFailure(err, { config, who: 'server' })
    if (explained === null) throw err
    console.error(explained)
    process.exit(1)
  }
  stopOnSignals(running, logger)
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
