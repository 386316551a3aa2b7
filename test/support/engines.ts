import { readFile } from 'node:fs/promises'
import { describe, inject } from 'vitest'
import { createEngine, type Engine, type EngineKind } from '../../src/db/engine.ts'
import { createScratchDatabase } from '../../src/db/scratch.ts'

export interface TestEngine {
  kind: EngineKind
  /** A new, empty database (nothing migrated). */
  empty(): Promise<Engine>
  /** A new database with every migration applied. */
  migrated(): Promise<Engine>
  /** For the native engine: the connection URL of a database it made (subprocess tests). */
  urlOf?(engine: Engine): string
}

const nativeUrl = process.env.TEST_DATABASE_URL

async function fromDump(file: string): Promise<Engine> {
  return createEngine({ kind: 'pglite', loadDataDir: new Blob([await readFile(file)]) })
}

export const pglite: TestEngine = {
  kind: 'pglite',
  empty: () => fromDump(inject('pgliteEmptyDump')),
  migrated: () => fromDump(inject('pgliteMigratedDump')),
}

// Each test database is dropped when its engine is closed, so a run leaves the server as it found it.
export const postgres: TestEngine = {
  kind: 'postgres',
  empty: () => createScratchDatabase(nativeUrl!, { prefix: 'workroom_test', poolSize: 5 }),
  migrated: () => createScratchDatabase(nativeUrl!, { prefix: 'workroom_test', template: inject('templateDb'), poolSize: 5 }),
  urlOf: (engine) => (engine as Engine & { url: string }).url,
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
