import { createEngine, type Engine } from '../src/db/engine.ts'
import { createScratchDatabase } from '../src/db/scratch.ts'

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
