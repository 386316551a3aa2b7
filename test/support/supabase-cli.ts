/**
 * What `supabase migration up` / `supabase db push` do to a database, without the CLI (its npm
 * package downloads a Go binary from GitHub at install, which CI cannot reach): take supabase/migrations/*.sql in version
 * order, skip the versions already in supabase_migrations.schema_migrations, and run each file in
 * its own transaction, recording its version, name and statements there.
 */
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import pg from 'pg'
import { SUPABASE_DIR } from '../../scripts/supabase.ts'

const CLI_MIGRATION = /^([0-9]+)_(.*)\.sql$/

export interface SupabaseMigration { version: string; name: string; file: string }

/** supabase/migrations/ in the order the CLI applies it: by version. */
export async function supabaseMigrations(): Promise<SupabaseMigration[]> {
  const dir = path.join(SUPABASE_DIR, 'migrations')
  return (await readdir(dir))
    .map((f) => ({ m: CLI_MIGRATION.exec(f), f }))
    .filter((x): x is { m: RegExpExecArray; f: string } => x.m !== null)
    .map(({ m, f }) => ({ version: m[1]!, name: m[2]!, file: path.join(dir, f) }))
    .sort((a, b) => (BigInt(a.version) < BigInt(b.version) ? -1 : BigInt(a.version) > BigInt(b.version) ? 1 : 0))
}

/** Applies the pending supabase/migrations to the database at url; returns the versions applied. */
export async function supabaseMigrationUp(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS supabase_migrations;
      CREATE TABLE IF NOT EXISTS supabase_migrations.schema_migrations (version text NOT NULL PRIMARY KEY, statements text[], name text)`)
    const { rows } = await client.query<{ version: string }>('SELECT version FROM supabase_migrations.schema_migrations')
    const applied = new Set(rows.map((r) => r.version))
    const ran: string[] = []
    for (const m of await supabaseMigrations()) {
      if (applied.has(m.version)) continue
      const sql = await readFile(m.file, 'utf8')
      try {
        await client.query('BEGIN')
        await client.query(sql)
        await client.query('INSERT INTO supabase_migrations.schema_migrations (version, name, statements) VALUES ($1, $2, $3)', [m.version, m.name, [sql]])
        await client.query('COMMIT')
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {})
        throw new Error(`supabase/migrations/${path.basename(m.file)}: ${(err as Error).message}`, { cause: err })
      }
      ran.push(m.version)
    }
    return ran
  } finally {
    await client.end()
  }
}
