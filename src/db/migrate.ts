import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type pg from 'pg'

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations')

/** Any fixed key will do; every Workroom process migrating one database takes the same lock. */
const MIGRATION_LOCK_KEY = 7_718_324_125
const LEDGER = 'public.workroom_migrations'

export interface MigrationFile {
  name: string
  path: string
  downPath: string
  sql: string
  checksum: string
}

export type MigrationState = 'applied' | 'pending' | 'changed' | 'missing'

export interface MigrationStatusRow {
  name: string
  state: MigrationState
  appliedAt: Date | null
}

export type MigrationError =
  | { code: 'checksum_mismatch'; name: string; message: string }
  | { code: 'missing_file'; name: string; message: string }
  | { code: 'missing_down'; name: string; message: string }
  | { code: 'unknown_target'; name: string; message: string }
  | { code: 'sql_error'; name: string; message: string; sqlstate?: string }

/** Like Kysely's MigrationResultSet: what happened, and the error that stopped it, if any. */
export interface MigrationResult {
  ran: string[]
  error?: MigrationError
}

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort()
  return Promise.all(
    names.map(async (file) => {
      const sql = await readFile(path.join(dir, file), 'utf8')
      const name = file.replace(/\.sql$/, '')
      return {
        name,
        path: path.join(dir, file),
        downPath: path.join(dir, 'down', `${name}.down.sql`),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      }
    }),
  )
}

interface LedgerRow {
  name: string
  checksum: string
  /** Null for a file the Supabase CLI applied: its ledger keeps no time. */
  applied_at: Date | null
}

/**
 * Who may read the ledger, as migrations 018 and 022 leave it, for a ledger made after them (on a
 * database the Supabase CLI migrated, `workroom migrate` makes it later): /readyz reads it as
 * workroom_service, and Supabase's default privileges would hand a new table in public to its
 * API roles.
 */
const LEDGER_PRIVILEGES = `DO $$
DECLARE
  api_role text;
BEGIN
  REVOKE ALL ON ${LEDGER} FROM PUBLIC;
  FOR api_role IN SELECT rolname FROM pg_roles WHERE rolname IN ('anon', 'authenticated', 'service_role') LOOP
    EXECUTE format('REVOKE ALL ON ${LEDGER} FROM %I', api_role);
  END LOOP;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'workroom_service') THEN
    GRANT SELECT ON ${LEDGER} TO workroom_service;
  END IF;
END;
$$`

/**
 * One step of a migration run: a transaction that first takes the migration lock, so two
 * processes starting together apply each file once (the second waits, then finds it applied).
 *
 * The lock is transaction-scoped on purpose. Behind a transaction-mode pooler (PgBouncer,
 * Supavisor: what managed PostgreSQL puts in front of DATABASE_URL) a client's statements outside
 * a transaction may each run on a different server session, so a session-level advisory lock
 * would be taken on one server connection, "released" on another, and left held for whoever
 * borrows the first one next.
 */
async function lockedStep<T>(client: pg.PoolClient, fn: () => Promise<T>): Promise<T> {
  await client.query('BEGIN')
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY])
    const { rows: [ledger] } = await client.query<{ t: string | null }>(`SELECT to_regclass('${LEDGER}')::text AS t`)
    if (!ledger?.t) {
      await client.query(`CREATE TABLE ${LEDGER} (
        name text PRIMARY KEY,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(),
        execution_ms integer NOT NULL)`)
      await client.query(LEDGER_PRIVILEGES)
    }
    const result = await fn()
    await client.query('COMMIT')
    return result
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    throw err
  }
}

/**
 * The ledger: Workroom's own, plus the files the Supabase CLI applied from supabase/migrations
 * (`supabase db reset`, `migration up`, `db push`), which it records by version in
 * supabase_migrations.schema_migrations. Those count as applied under their migrations/ name with
 * the file's checksum (the CLI keeps statements, not a checksum); the CLI's rows for a project's
 * other migrations are none of Workroom's business.
 */
async function readLedger(client: pg.PoolClient | pg.Pool, files: MigrationFile[]): Promise<Map<string, LedgerRow>> {
  const { rows: [found] } = await client.query<{ own: string | null; cli: boolean }>(
    `SELECT to_regclass('${LEDGER}')::text AS own,
            EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname = 'supabase_migrations' AND c.relname = 'schema_migrations'
                       AND has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.oid, 'SELECT')) AS cli`)
  const ledger = new Map<string, LedgerRow>()
  if (found?.cli) {
    const { rows } = await client.query<{ version: string; name: string }>(`SELECT version, name FROM ${SUPABASE_LEDGER}`)
    for (const r of rows) {
      const file = files.find((f) => f.name === fromSupabaseVersion(r.version, r.name))
      if (file) ledger.set(file.name, { name: file.name, checksum: file.checksum, applied_at: null })
    }
  }
  if (found?.own) {
    const { rows } = await client.query<LedgerRow>(`SELECT name, checksum, applied_at FROM ${LEDGER} ORDER BY name`)
    for (const r of rows) ledger.set(r.name, r)
  }
  return ledger
}

const SUPABASE_LEDGER = 'supabase_migrations.schema_migrations'

/** The inverse of scripts/supabase.ts's file names: `20251207000001`, `agency_core_schema` → `20251207_001_agency_core_schema`. */
export function fromSupabaseVersion(version: string, name: string): string | null {
  const m = /^(\d{8})(\d{6})$/.exec(version)
  return m ? `${m[1]}_${String(Number(m[2])).padStart(3, '0')}_${name}` : null
}

function checksumErrors(files: MigrationFile[], ledger: Map<string, LedgerRow>): MigrationError | undefined {
  for (const file of files) {
    const row = ledger.get(file.name)
    if (row && row.checksum !== file.checksum) {
      return {
        code: 'checksum_mismatch',
        name: file.name,
        message: `migrations/${file.name}.sql was edited after it was applied (checksum ${row.checksum.slice(0, 12)}… in the database, ${file.checksum.slice(0, 12)}… on disk). An applied migration is never edited: revert the edit and put the change in a new file.`,
      }
    }
  }
  for (const name of ledger.keys()) {
    if (!files.some((f) => f.name === name)) {
      return { code: 'missing_file', name, message: `migration ${name} is applied but its file is missing from migrations/` }
    }
  }
  return undefined
}

/**
 * Puts the schema pgvector lives in on this transaction's search_path when it is not there.
 * Supabase installs extensions in `extensions`, and a managed service's admin may have created
 * vector there too, while the migrating login's search_path may lack it. Migration 005's
 * `vector(1536)`, `vector_cosine_ops` and `<=>` resolve through search_path, and the spec's files
 * are not edited to qualify them.
 */
const VECTOR_ON_SEARCH_PATH = `
  SELECT set_config('search_path', concat_ws(', ', nullif(current_setting('search_path'), ''), quote_ident(n.nspname)), true)
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
   WHERE e.extname = 'vector' AND n.nspname <> ALL (current_schemas(false))`

/** The step a non-superuser owner cannot take itself, named, with who can. */
function sqlError(name: string, err: unknown): MigrationError {
  const e = err as { message?: string; code?: string; hint?: string }
  const message = e.code === '42501' && /extension "vector"/.test(e.message ?? '')
    ? `${name}: ${e.message}. pgvector is not installed in this database and this login may not install it (only a superuser or the provider's console can): on Supabase enable "vector" under Database → Extensions (schema extensions); on RDS, Cloud SQL or Neon run CREATE EXTENSION vector as the admin role; then migrate again (docs/deploy.md)`
    : `${name}: ${e.message ?? String(err)}${e.hint ? ` (${e.hint})` : ''}`
  return { code: 'sql_error', name, message, ...(e.code ? { sqlstate: e.code } : {}) }
}

/** Applies every pending migration in file-name order, each in its own transaction. Never throws for a migration problem: it is in result.error. */
export async function migrateUp(pool: pg.Pool, options: { dir?: string; onApplied?: (name: string, ms: number) => void } = {}): Promise<MigrationResult> {
  const files = await loadMigrations(options.dir)
  const client = await pool.connect()
  const ran: string[] = []
  try {
    for (;;) {
      let current = ''
      const step = await lockedStep(client, async (): Promise<{ done: true; error?: MigrationError } | { done: false; name: string; ms: number }> => {
        const ledger = await readLedger(client, files)
        const error = checksumErrors(files, ledger)
        if (error) return { done: true, error }
        const file = files.find((f) => !ledger.has(f.name))
        if (!file) return { done: true }
        current = file.name
        const started = performance.now()
        await client.query(VECTOR_ON_SEARCH_PATH)
        await client.query(file.sql)
        const ms = performance.now() - started
        await client.query(`INSERT INTO ${LEDGER} (name, checksum, execution_ms) VALUES ($1, $2, $3)`, [file.name, file.checksum, Math.round(ms)])
        return { done: false, name: file.name, ms }
      }).catch((err: unknown) => {
        // A file's failure is a result; anything before it (the lock, the ledger, a lost
        // connection) is thrown with its code, as pg reports it.
        if (!current) throw err
        return { done: true as const, error: sqlError(current, err) }
      })
      if (step.done) return step.error ? { ran, error: step.error } : { ran }
      ran.push(step.name)
      options.onApplied?.(step.name, step.ms)
    }
  } finally {
    client.release()
  }
}

/**
 * Reverts applied migrations newer than `to` (a migration name, or '0' for all), newest first,
 * each with its migrations/down/<name>.down.sql in its own transaction.
 */
export async function migrateDown(pool: pg.Pool, options: { to: string; dir?: string }): Promise<MigrationResult> {
  const files = await loadMigrations(options.dir)
  const target = options.to === '0' ? '' : options.to.replace(/\.sql$/, '')
  if (target && !files.some((f) => f.name === target)) {
    return { ran: [], error: { code: 'unknown_target', name: target, message: `no migration named ${target} (try \`workroom migrate status\`)` } }
  }
  const client = await pool.connect()
  const ran: string[] = []
  try {
    for (;;) {
      let current = ''
      const step = await lockedStep(client, async (): Promise<{ done: true; error?: MigrationError } | { done: false; name: string }> => {
        const ledger = await readLedger(client, files)
        const error = checksumErrors(files, ledger)
        if (error) return { done: true, error }
        const toRevert = files.filter((f) => ledger.has(f.name) && f.name > target).reverse()
        const missing = toRevert.find((f) => !existsSync(f.downPath))
        if (missing) {
          return { done: true, error: { code: 'missing_down', name: missing.name, message: `no down migration for ${missing.name} (expected migrations/down/${missing.name}.down.sql)` } }
        }
        const file = toRevert[0]
        if (!file) return { done: true }
        current = file.name
        await client.query(VECTOR_ON_SEARCH_PATH)
        await client.query(await readFile(file.downPath, 'utf8'))
        await client.query(`DELETE FROM ${LEDGER} WHERE name = $1`, [file.name])
        return { done: false, name: file.name }
      }).catch((err: unknown) => {
        // A file's failure is a result; anything before it (the lock, the ledger, a lost
        // connection) is thrown with its code, as pg reports it.
        if (!current) throw err
        return { done: true as const, error: sqlError(current, err) }
      })
      if (step.done) return step.error ? { ran, error: step.error } : { ran }
      ran.push(step.name)
    }
  } finally {
    client.release()
  }
}

export async function migrationStatus(pool: pg.Pool, dir?: string): Promise<MigrationStatusRow[]> {
  const files = await loadMigrations(dir)
  const ledger = await readLedger(pool, files)
  const rows: MigrationStatusRow[] = files.map((f) => {
    const row = ledger.get(f.name)
    return {
      name: f.name,
      state: !row ? 'pending' : row.checksum === f.checksum ? 'applied' : 'changed',
      appliedAt: row?.applied_at ?? null,
    }
  })
  for (const [name, row] of ledger) {
    if (!files.some((f) => f.name === name)) rows.push({ name, state: 'missing', appliedAt: row.applied_at })
  }
  return rows.sort((a, b) => a.name.localeCompare(b.name))
}
