import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { createEngine, type Engine } from '../src/db/engine.ts'

/** The native server benchmarks run against: BENCH_DATABASE_URL, else TEST_DATABASE_URL. */
export const nativeUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL

/** A new empty database on the native server, dropped again by close(). */
export async function scratchNative(): Promise<Engine> {
  const name = `workroom_bench_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: nativeUrl })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = new URL(nativeUrl!)
  url.pathname = `/${name}`
  const engine = await createEngine({ kind: 'postgres', url: url.toString() })
  const close = engine.close.bind(engine)
  return Object.assign(engine, {
    close: async () => {
      await close()
      const a = new pg.Client({ connectionString: nativeUrl })
      await a.connect()
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await a.end()
    },
  })
}

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
