import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Engine } from '../src/db/engine.ts'
import { MIGRATIONS_DIR } from '../src/db/migrate.ts'
import { generateSupabaseLayout, staleSupabaseFiles, SUPABASE_DIR } from '../scripts/supabase.ts'
import { describeEachEngine } from './support/engines.ts'

/** How the Supabase CLI reads a migration file name: the version is the digits before the first underscore. */
const CLI_MIGRATION = /^([0-9]+)_(.*)\.sql$/

describe('supabase/ (the Supabase CLI layout)', () => {
  it('gives every migration a unique 14-digit version, in the order of migrations/', async () => {
    const sources = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort()
    const copies = (await readdir(path.join(SUPABASE_DIR, 'migrations'))).sort()
    const versions = copies.map((f) => CLI_MIGRATION.exec(f)?.[1])
    expect(versions.every((v) => v && /^\d{14}$/.test(v))).toBe(true)
    expect(new Set(versions).size).toBe(copies.length)
    // The CLI applies by version; sorted as numbers they are in the order the sources are.
    expect([...versions].sort((a, b) => Number(a) - Number(b))).toEqual(versions)
    expect(copies.map((f) => CLI_MIGRATION.exec(f)?.[2])).toEqual(sources.map((f) => f.replace(/^\d{8}_\d{3}_/, '').replace(/\.sql$/, '')))
  })

  it('holds each migration byte for byte as migrations/ has it', async () => {
    const sources = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort()
    const copies = (await readdir(path.join(SUPABASE_DIR, 'migrations'))).sort()
    expect(copies).toHaveLength(sources.length)
    for (const [i, file] of sources.entries()) {
      expect(await readFile(path.join(SUPABASE_DIR, 'migrations', copies[i]!), 'utf8'), copies[i]).toBe(await readFile(path.join(MIGRATIONS_DIR, file), 'utf8'))
    }
  })

  it('is what npm run supabase:generate makes now (a stale copy fails here)', async () => {
    expect(await staleSupabaseFiles(await generateSupabaseLayout()), 'run npm run supabase:generate').toEqual([])
  })

  it('names the seed file the CLI loads on db reset', async () => {
    const config = await readFile(path.join(SUPABASE_DIR, 'config.toml'), 'utf8')
    expect(config).toMatch(/\[db\.seed\][^[]*enabled = true[^[]*sql_paths = \["\.\/seed\.sql"\]/)
    expect(config).toMatch(/major_version = 15/)
  })
})

describeEachEngine('supabase/seed.sql', (engine) => {
  let e: Engine
  beforeAll(async () => {
    e = await engine.migrated()
    await e.pool.query(await readFile(path.join(SUPABASE_DIR, 'seed.sql'), 'utf8'))
  })
  afterAll(async () => {
    await e?.close()
  })

  it('writes both demo agencies with their people, campaigns and timesheets', async () => {
    const { rows } = await e.pool.query<{ slug: string; people: number; campaigns: number; entries: number }>(`
      SELECT t.slug,
             (SELECT count(*)::int FROM workroom.people p WHERE p.tenant_id = t.id) AS people,
             (SELECT count(*)::int FROM agency.campaigns c WHERE c.tenant_id = t.id) AS campaigns,
             (SELECT count(*)::int FROM agency.timesheet_entries x WHERE x.tenant_id = t.id) AS entries
        FROM workroom.tenants t ORDER BY t.slug`)
    expect(rows.map((r) => [r.slug, r.people])).toEqual([['northwind', 50], ['southpaw', 10]])
    expect(rows.filter((r) => r.campaigns === 0 || r.entries < 100), JSON.stringify(rows)).toEqual([])
  })

  it('keeps artifact revisions as versions, as workroom seed does', async () => {
    const { rows } = await e.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM agency.artifact_versions`)
    expect(rows[0]!.n).toBeGreaterThan(0)
  })
})
