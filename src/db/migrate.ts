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
  applied_at: Date
}

/**
 * Runs fn on one session that holds the migration advisory lock, so two processes starting
 * together apply each file once: the second waits, then finds nothing pending.
 */
async function withMigrationLock<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY])
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS ${LEDGER} (
        name text PRIMARY KEY,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(),
        execution_ms integer NOT NULL)`)
      return await fn(client)
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
    }
  } finally {
    client.release()
  }
}

async function readLedger(client: pg.PoolClient | pg.Pool): Promise<Map<string, LedgerRow>> {
  const exists = await client.query<{ t: string | null }>(`SELECT to_regclass('${LEDGER}')::text AS t`)
  if (!exists.rows[0]?.t) return new Map()
  const { rows } = await client.query<LedgerRow>(`SELECT name, checksum, applied_at FROM ${LEDGER} ORDER BY name`)
  return new Map(rows.map((r) => [r.name, r]))
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

async function runInTransaction(client: pg.PoolClient, name: string, sql: string, after: () => Promise<unknown>): Promise<MigrationError | undefined> {
  try {
    await client.query('BEGIN')
    await client.query(sql)
    await after()
    await client.query('COMMIT')
    return undefined
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    const e = err as { message?: string; code?: string }
    return { code: 'sql_error', name, message: `${name}: ${e.message ?? String(err)}`, ...(e.code ? { sqlstate: e.code } : {}) }
  }
}

/** Applies every pending migration in file-name order, each in its own transaction. Never throws for a migration problem: it is in result.error. */
export async function migrateUp(pool: pg.Pool, options: { dir?: string; onApplied?: (name: string, ms: number) => void } = {}): Promise<MigrationResult> {
  const files = await loadMigrations(options.dir)
  return withMigrationLock(pool, async (client) => {
    const ledger = await readLedger(client)
    const error = checksumErrors(files, ledger)
    if (error) return { ran: [], error }
    const ran: string[] = []
    for (const file of files.filter((f) => !ledger.has(f.name))) {
      const started = performance.now()
      const failure = await runInTransaction(client, file.name, file.sql, () =>
        client.query(`INSERT INTO ${LEDGER} (name, checksum, execution_ms) VALUES ($1, $2, $3)`, [
          file.name, file.checksum, Math.round(performance.now() - started),
        ]),
      )
      if (failure) return { ran, error: failure }
      ran.push(file.name)
      options.onApplied?.(file.name, performance.now() - started)
    }
    return { ran }
  })
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
  return withMigrationLock(pool, async (client) => {
    const ledger = await readLedger(client)
    const error = checksumErrors(files, ledger)
    if (error) return { ran: [], error }
    const toRevert = files.filter((f) => ledger.has(f.name) && f.name > target).reverse()
    const missing = toRevert.find((f) => !existsSync(f.downPath))
    if (missing) {
      return { ran: [], error: { code: 'missing_down', name: missing.name, message: `no down migration for ${missing.name} (expected migrations/down/${missing.name}.down.sql)` } }
    }
    const ran: string[] = []
    for (const file of toRevert) {
      const sql = await readFile(file.downPath, 'utf8')
      const failure = await runInTransaction(client, file.name, sql, () =>
        client.query(`DELETE FROM ${LEDGER} WHERE name = $1`, [file.name]),
      )
      if (failure) return { ran, error: failure }
      ran.push(file.name)
    }
    return { ran }
  })
}

export async function migrationStatus(pool: pg.Pool, dir?: string): Promise<MigrationStatusRow[]> {
  const files = await loadMigrations(dir)
  const ledger = await readLedger(pool)
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
