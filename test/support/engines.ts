import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import pg from 'pg'
import { describe, inject } from 'vitest'
import { createEngine, type Engine, type EngineKind } from '../../src/db/engine.ts'
import { TEMPLATE_DB, adminUrl } from './native.ts'

export interface TestEngine {
  kind: EngineKind
  /** A new, empty database (nothing migrated). */
  empty(): Promise<Engine>
  /** A new database with every migration applied. */
  migrated(): Promise<Engine>
  /** For the native engine: a connection URL to the last database made (subprocess tests). */
  urlOf?(engine: Engine): string
}

const nativeUrl = process.env.TEST_DATABASE_URL

async function fromDump(file: string): Promise<Engine> {
  return createEngine({ kind: 'pglite', loadDataDir: new Blob([await readFile(file)]) })
}

const pglite: TestEngine = {
  kind: 'pglite',
  empty: () => fromDump(inject('pgliteEmptyDump')),
  migrated: () => fromDump(inject('pgliteMigratedDump')),
}

const urls = new WeakMap<Engine, string>()

async function nativeDatabase(template?: string): Promise<Engine> {
  const name = `workroom_test_${randomBytes(5).toString('hex')}`
  const admin = new pg.Client({ connectionString: nativeUrl })
  await admin.connect()
  // A backend that just closed can linger on the template for a moment (SQLSTATE 55006).
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`)
      break
    } catch (err) {
      if ((err as { code?: string }).code !== '55006' || attempt === 50) throw err
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  await admin.end()
  const url = adminUrl(nativeUrl!, name)
  const engine = await createEngine({ kind: 'postgres', url, poolSize: 5 })
  urls.set(engine, url)
  // Closing the engine drops its database, so a run leaves the server as it found it.
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

const postgres: TestEngine = {
  kind: 'postgres',
  empty: () => nativeDatabase(),
  migrated: () => nativeDatabase(TEMPLATE_DB),
  urlOf: (engine) => urls.get(engine)!,
}

/**
 * Runs the same suite on every engine, as Kysely's tests loop over DIALECTS: PGlite always,
 * native PostgreSQL when TEST_DATABASE_URL is set. Without it, the native suite is reported as
 * skipped with the reason in its name.
 */
export function describeEachEngine(title: string, suite: (engine: TestEngine) => void): void {
  describe(`${title} [pglite]`, () => suite(pglite))
  if (nativeUrl) {
    describe(`${title} [postgres]`, () => suite(postgres))
  } else {
    describe.skip(`${title} [postgres: skipped, TEST_DATABASE_URL is not set]`, () => suite(postgres))
  }
}

export const hasNative = Boolean(nativeUrl)
export { nativeUrl }
