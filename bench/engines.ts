import { createEngine, type Engine } from '../src/db/engine.ts'
import { migrateUp } from '../src/db/migrate.ts'
import { createScratchDatabase } from '../src/db/scratch.ts'
import { seed } from '../seeds/index.ts'

/** The native server benchmarks run against: BENCH_DATABASE_URL, else TEST_DATABASE_URL. */
export const nativeUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL

/** A new empty database on the native server, dropped again by close(). */
export const scratchNative = (): Promise<Engine> => createScratchDatabase(nativeUrl!, { prefix: 'workroom_bench' })

/** A new in-memory PGlite, restored from a dump of a freshly initialised one (initdb is not what we measure). */
export async function scratchPglite(dump: Blob): Promise<Engine> {
  return createEngine({ kind: 'pglite', loadDataDir: dump })
}

export async function emptyPgliteDump(): Promise<Blob> {
  const e = await createEngine({ kind: 'pglite' })
  const dump = await e.lite!.dumpDataDir('none')
  await e.close()
  return dump
}

/**
 * The engines a benchmark runs on, named: PGlite always, native PostgreSQL when configured.
 * BENCH_ENGINE=native or =pglite keeps one of them (a quicker look while working on one path).
 */
export async function benchEngines(): Promise<Array<[string, () => Promise<Engine>]>> {
  const only = process.env.BENCH_ENGINE
  const engines: Array<[string, () => Promise<Engine>]> = []
  if (only !== 'native') {
    const dump = await emptyPgliteDump()
    engines.push(['PGlite (embedded)', () => scratchPglite(dump)])
  }
  if (only === 'pglite') return engines
  if (nativeUrl) engines.push(['PostgreSQL (native)', scratchNative])
  else console.log('native PostgreSQL: skipped (set BENCH_DATABASE_URL or TEST_DATABASE_URL)')
  return engines
}

/** Every migration, then the demo agencies (no progress bars). */
export async function migrateAndSeedDemo(engine: Engine): Promise<void> {
  const migrated = await migrateUp(engine.pool)
  if (migrated.error) throw new Error(migrated.error.message)
  await seed(engine, { scale: 'demo', progress: false })
}
