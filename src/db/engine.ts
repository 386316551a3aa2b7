import { PGlite } from '@electric-sql/pglite'
import { createPgConfig } from '@electric-sql/pglite/node-postgres'
import { vector } from '@electric-sql/pglite-pgvector'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import type { DB } from './schema.ts'
import { preparingPool } from './prepared.ts'
import { checkDataDir, DataDirDamaged, lockDataDir, type DataDirLock, type LockOwner } from './data-dir.ts'
import { readTemplate } from './template.ts'

// Type parsers are process-wide in node-postgres. We set them once here so both engines return
// the same JavaScript values: dates as 'YYYY-MM-DD' strings (the default turns them into Dates
// at local midnight, which shifts days across time zones), numeric and int8 as numbers (hours,
// rates and counts here are far below 2^53).
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v)
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v))
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v))

export type EngineKind = 'pglite' | 'postgres'

/** The embedded database's shared buffers on disk (see createEngine). */
const SHARED_BUFFERS = '32MB'

/**
 * One database, whichever engine: a node-postgres Pool (over PGlite's in-process wire protocol
 * or a TCP server) with Kysely on top. Everything above src/db sees only this.
 */
export interface Engine {
  readonly kind: EngineKind
  /** Human-readable, without credentials: "PGlite at .data/pglite", "PostgreSQL at host:5432/db". */
  readonly description: string
  readonly pool: pg.Pool
  readonly db: Kysely<DB>
  /**
   * The service's own bookkeeping (inbox, installations, conversation references, digest runs,
   * bindings from installs, the migration ledger): a second login role, a member of
   * workroom_service (migration 018), when DATABASE_SERVICE_URL is set; otherwise the same pool
   * and Kysely as above.
   */
  readonly service: { readonly pool: pg.Pool; readonly db: Kysely<DB> }
  /** The embedded instance, for tooling that dumps or restores it (tests, benchmarks). */
  readonly lite?: PGlite
  /** The embedded database's data directory, held by this process until close() (src/db/data-dir.ts). */
  readonly lock?: DataDirLock
  close(): Promise<void>
}

export type EngineOptions =
  /** prepare (both kinds): name parameterised statements so they are planned once per connection (src/db/prepared.ts); on unless false. */
  | { kind: 'postgres'; url: string; poolSize?: number; serviceUrl?: string | undefined; prepare?: boolean }
  /** dataDir undefined or 'memory://' keeps the database in memory; loadDataDir restores a dump. */
  | { kind: 'pglite'; dataDir?: string; loadDataDir?: Blob; prepare?: boolean }

/**
 * Opens the database. An embedded one on disk is locked first (DataDirBusy when another live
 * process has it) and checked (DataDirDamaged rather than initdb over a damaged directory);
 * `owner` says who holds it, for the refusal another process gets.
 */
export async function createEngine(options: EngineOptions, owner: Pick<LockOwner, 'role' | 'command'> = { role: 'command', command: 'a Workroom process' }): Promise<Engine> {
  if (options.kind === 'postgres') {
    const open = (connectionString: string, max: number) => new pg.Pool({
      connectionString,
      max,
      application_name: 'workroom',
      // A server that does not answer (a network partition, not a refusal) fails the request in
      // 5 s rather than holding it, and its queue, until the kernel gives up.
      connectionTimeoutMillis: 5_000,
    })
    const pool = open(options.url, options.poolSize ?? 10)
    // Bookkeeping is a few short statements per request; a quarter of the request pool is plenty.
    const service = options.serviceUrl ? open(options.serviceUrl, Math.max(2, Math.ceil((options.poolSize ?? 10) / 4))) : undefined
    const url = new URL(options.url)
    return wrap('postgres', `PostgreSQL at ${url.hostname}:${url.port || 5432}${url.pathname}`, pool, async () => {}, undefined, service, undefined, options.prepare !== false)
  }

  const dataDir = options.dataDir && options.dataDir !== 'memory://' ? options.dataDir : undefined
  const lock = dataDir ? await lockDataDir(dataDir, owner) : undefined
  let lite: PGlite
  try {
    const state = dataDir ? await checkDataDir(dataDir) : 'new'
    // A new directory on disk starts as a copy of a fresh database, not a new initdb (src/db/template.ts).
    const loadDataDir = options.loadDataDir ?? (dataDir && state === 'new' ? await readTemplate() : undefined)
    lite = await PGlite.create(dataDir, {
      // pg_trgm: campaign matching's trigram indexes (migration 025).
      extensions: { vector, pg_trgm },
      ...(loadDataDir ? { loadDataDir } : {}),
      // On disk (the server, the CLI): initdb's 128 MB of shared buffers are zeroed at start and
      // stay resident, about a quarter of the server's memory; the demo database is ~35 MB and a
      // page not in the buffers is read from the OS's cache. Measured: the server's idle RSS
      // 100 MB lower with 32 MB, chat latency within the noise (docs/running.md).
      ...(dataDir ? { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${SHARED_BUFFERS}`] } : {}),
    }).catch((err: unknown) => {
      // On a directory that passed the check, what PGlite throws ("Aborted()", "PGlite failed to
      // initialize properly") means PostgreSQL could not start on the files that are there.
      throw dataDir && state === 'existing' ? new DataDirDamaged(dataDir, `PostgreSQL could not start on it (${String((err as Error)?.message ?? err).split('\n')[0]})`, { cause: err }) : err
    })
  } catch (err) {
    await lock?.release()
    throw err
  }
  // PGlite is one backend: the pool hands out its single connection, so transactions queue.
  // allowExitOnIdle: the in-process connection never reports 'end', so without it the pool's
  // 10 s idle timer keeps a finished CLI command alive.
  const pool = new pg.Pool(Object.assign(createPgConfig(lite), { allowExitOnIdle: true }) as unknown as pg.PoolConfig)
  return wrap('pglite', `PGlite (PostgreSQL 18, embedded) at ${dataDir ?? 'memory'}`, pool, async () => {
    try {
      await lite.close()
    } finally {
      await lock?.release()
    }
  }, lite, undefined, lock, options.prepare !== false)
}

function wrap(kind: EngineKind, description: string, pool: pg.Pool, closeInner: () => Promise<void>, lite?: PGlite, servicePool?: pg.Pool, lock?: DataDirLock, prepare = false): Engine {
  const db = kyselyOver(pool, prepare)
  const service = servicePool ? { pool: servicePool, db: kyselyOver(servicePool, prepare) } : { pool, db }
  let closed: Promise<void> | undefined
  return {
    kind,
    description,
    pool,
    db,
    service,
    lite,
    ...(lock ? { lock } : {}),
    close: () =>
      (closed ??= (async () => {
        await db.destroy()
        if (servicePool) await service.db.destroy()
        // Kysely ends the pool only if it ever used it; code that went to the pool directly
        // (migrations, health checks) would leave idle clients holding the process open.
        for (const p of [pool, servicePool]) if (p && !p.ended) await p.end()
        // node-postgres may still have a message queued on PGlite's in-process connection after
        // a failed query; let it run before the database goes away. Seen once from the CLI: the
        // message reached the closed instance and the process spun instead of exiting.
        await new Promise((resolve) => setTimeout(resolve, 0))
        await closeInner()
      })()),
  }
}

function kyselyOver(pool: pg.Pool, prepare: boolean): Kysely<DB> {
  // A connection that drops (server restart, network) must not crash the process. The pool
  // listens on its idle clients (pool 'error') and discards them; a client that is checked out
  // has no listener of the pool's, and node-postgres emits 'error' on it when the connection ends
  // between two queries (inside a transaction, say): unhandled, that is an uncaught exception
  // (seen in test/fault-postgres.test.ts). The query in flight, if any, is rejected anyway, and
  // the pool drops the dead client when it is released.
  pool.on('error', () => {})
  pool.on('connect', (client) => client.on('error', () => {}))
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool: prepare ? preparingPool(pool) : pool }) })
}

/** The engine the configuration asks for: a server when DATABASE_URL is set, else embedded PGlite. */
export function engineOptionsFromConfig(config: { DATABASE_URL?: string | undefined; DATABASE_SERVICE_URL?: string | undefined; WORKROOM_DATA_DIR: string; DATABASE_POOL_SIZE: number; DATABASE_PREPARE?: 'true' | 'false' }): EngineOptions {
  return config.DATABASE_URL
    ? { kind: 'postgres', url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE, serviceUrl: config.DATABASE_SERVICE_URL, prepare: config.DATABASE_PREPARE !== 'false' }
    : { kind: 'pglite', dataDir: config.WORKROOM_DATA_DIR, prepare: config.DATABASE_PREPARE !== 'false' }
}
