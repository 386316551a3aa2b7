import { readFile } from 'node:fs/promises'
import { describe, inject } from 'vitest'
import { createEngine, type Engine, type EngineKind } from '../../src/db/engine.ts'
import { createScratchDatabase } from '../../src/db/scratch.ts'

export interface TestEngine {
  kind: EngineKind
  /** 'native': TEST_DATABASE_URL as a superuser. 'supabase': a Supabase-shaped server, migrated from
   * supabase/migrations as the CLI does, as the non-superuser postgres. 'pooler': the same, through
   * PgBouncer in transaction mode (.ci/provision-supabase.sh). */
  flavour?: 'native' | 'supabase' | 'pooler' 
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
  flavour: 'native',
  empty: () => createScratchDatabase(nativeUrl!, { prefix: 'workroom_test', poolSize: 5 }),
  migrated: () => createScratchDatabase(nativeUrl!, { prefix: 'workroom_test', template: inject('templateDb'), poolSize: 5 }),
  urlOf: (engine) => (engine as Engine & { url: string }).url,
}

const supabaseUrl = process.env.TEST_SUPABASE_URL
const poolerUrl = process.env.TEST_POOLER_URL

const supabase: TestEngine = {
  kind: 'postgres',
  flavour: 'supabase',
  empty: () => createScratchDatabase(supabaseUrl!, { prefix: 'workroom_supa', poolSize: 5 }),
  migrated: () => createScratchDatabase(supabaseUrl!, { prefix: 'workroom_supa', template: inject('supabaseTemplateDb'), poolSize: 5 }),
  urlOf: (engine) => (engine as Engine & { url: string }).url,
}

const pooler: TestEngine = {
  kind: 'postgres',
  flavour: 'pooler',
  // PgBouncer 1.18 (Debian's) in transaction mode keeps no prepared statements: DATABASE_PREPARE=false, as docs/deploy.md says.
  empty: () => createScratchDatabase(supabaseUrl!, { prefix: 'workroom_supa', poolSize: 5, connectVia: poolerUrl!, prepare: false }),
  migrated: () => createScratchDatabase(supabaseUrl!, { prefix: 'workroom_supa', template: inject('supabaseTemplateDb'), poolSize: 5, connectVia: poolerUrl!, prepare: false }),
  urlOf: (engine) => (engine as Engine & { url: string }).url,
}

/**
 * Runs the same suite on every engine, as Kysely's tests loop over DIALECTS: PGlite always,
 * native PostgreSQL when TEST_DATABASE_URL is set. Without it, the native suite is reported as
 * skipped with the reason in its name.
 */
export function describeEachEngine(title: string, suite: (engine: TestEngine) => void, options: { supabase?: boolean } = {}): void {
  describe(`${title} [pglite]`, () => suite(pglite))
  if (nativeUrl) {
    describe(`${title} [postgres]`, () => suite(postgres))
  } else {
    describe.skip(`${title} [postgres: skipped, TEST_DATABASE_URL is not set]`, () => suite(postgres))
  }
  if (options.supabase) describeOnSupabase(title, suite)
}

/**
 * The suite on the Supabase-shaped server, directly and through PgBouncer in transaction mode,
 * when .ci/provision-supabase.sh's TEST_SUPABASE_URL and TEST_POOLER_URL are set (CI sets them).
 */
export function describeOnSupabase(title: string, suite: (engine: TestEngine) => void): void {
  if (supabaseUrl) {
    describe(`${title} [supabase]`, () => suite(supabase))
  } else {
    describe.skip(`${title} [supabase: skipped, TEST_SUPABASE_URL is not set (.ci/provision-supabase.sh)]`, () => suite(supabase))
  }
  if (supabaseUrl && poolerUrl) {
    describe(`${title} [supabase, PgBouncer transaction mode]`, () => suite(pooler))
  } else {
    describe.skip(`${title} [supabase, PgBouncer: skipped, TEST_POOLER_URL is not set (.ci/provision-supabase.sh)]`, () => suite(pooler))
  }
}
