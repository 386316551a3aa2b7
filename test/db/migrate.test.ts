import { execFile } from 'node:child_process'
import { cp, mkdtemp, readdir, rm, writeFile, appendFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterEach, expect, it } from 'vitest'
import type { Engine } from '../../src/db/engine.ts'
import { MIGRATIONS_DIR, loadMigrations, migrateDown, migrateUp, migrationStatus } from '../../src/db/migrate.ts'
import { describeEachEngine } from '../support/engines.ts'
import { describe } from 'vitest'

/** The spec's 15 base tables; Workroom's: tenants, people, chat_identities, chat_inbox, slack_installations, teams_conversations, digest_subscriptions, digest_runs, workspace_bindings, offered_choices, channel_clients, budget_alerts, timers, reminder_settings, reminder_runs, ai_message_posts. */
const SPEC_TABLES = 15
const WORKROOM_TABLES = 16
/** workroom.artifact_chunks (019). */
const KNOWLEDGE_TABLES = 1
/** Migration 021's rollups, which the views read. */
const ROLLUP_TABLES = 7

const run = promisify(execFile)

async function objectCounts(e: Engine) {
  const { rows } = await e.pool.query<{ tables: number; views: number; functions: number; policies: number; schemas: number }>(`
    SELECT (SELECT count(*)::int FROM pg_tables WHERE schemaname IN ('agency', 'workroom')) AS tables,
           (SELECT count(*)::int FROM pg_views WHERE schemaname IN ('agency', 'workroom')) AS views,
           (SELECT count(*)::int FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname IN ('agency', 'workroom')) AS functions,
           (SELECT count(*)::int FROM pg_policies WHERE schemaname IN ('agency', 'workroom')) AS policies,
           (SELECT count(*)::int FROM pg_namespace WHERE nspname IN ('agency', 'workroom')) AS schemas`)
  return rows[0]!
}

describeEachEngine('migration runner', (engine) => {
  const open: Engine[] = []
  const dirs: string[] = []
  const fresh = async () => {
    const e = await engine.empty()
    open.push(e)
    return e
  }
  afterEach(async () => {
    await Promise.all(open.splice(0).map((e) => e.close()))
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })))
  })

  it('applies every file in order, and a second run is a no-op', async () => {
    const e = await fresh()
    const files = await loadMigrations()
    const first = await migrateUp(e.pool)
    expect(first.error).toBeUndefined()
    expect(first.ran).toEqual(files.map((f) => f.name))
    const counts = await objectCounts(e)
    const second = await migrateUp(e.pool)
    expect(second).toEqual({ ran: [] })
    expect(await objectCounts(e)).toEqual(counts)
    expect((await migrationStatus(e.pool)).every((r) => r.state === 'applied')).toBe(true)
  })

  it('goes down to zero and up again to the same schema', async () => {
    const e = await fresh()
    await migrateUp(e.pool)
    const up = await objectCounts(e)
    const down = await migrateDown(e.pool, { to: '0' })
    expect(down.error).toBeUndefined()
    expect(down.ran).toHaveLength((await loadMigrations()).length)
    expect(await objectCounts(e)).toEqual({ tables: 0, views: 0, functions: 0, policies: 0, schemas: 0 })
    expect((await migrationStatus(e.pool)).every((r) => r.state === 'pending')).toBe(true)
    const again = await migrateUp(e.pool)
    expect(again.error).toBeUndefined()
    expect(await objectCounts(e)).toEqual(up)
  })

  it('goes down to a named migration and keeps it and everything before', async () => {
    const e = await fresh()
    await migrateUp(e.pool)
    const result = await migrateDown(e.pool, { to: '20251207_005_agency_ai_rag' })
    expect(result.error).toBeUndefined()
    const status = await migrationStatus(e.pool)
    expect(status.filter((r) => r.state === 'applied').map((r) => r.name.slice(9, 12))).toEqual(['001', '002', '003', '004', '005'])
    const views = await e.pool.query(`SELECT 1 FROM pg_views WHERE schemaname = 'agency'`)
    expect(views.rowCount).toBe(0)
    expect((await e.pool.query(`SELECT to_regclass('agency.knowledge_chunks') AS t`)).rows[0].t).not.toBeNull()
  })

  it('032 down restores the policy and identity helpers exactly as 031 left them', async () => {
    const e = await fresh()
    const dir = await mkdtemp(path.join(tmpdir(), 'workroom-migrations-'))
    dirs.push(dir)
    await cp(MIGRATIONS_DIR, dir, { recursive: true })
    for (const sub of ['', 'down']) {
      for (const f of await readdir(path.join(dir, sub))) if (/^\d{8}_\d{3}_/.test(f) && f > '20251210_031_~') await rm(path.join(dir, sub, f))
    }
    expect((await migrateUp(e.pool, { dir })).error).toBeUndefined()
    const helpers = async () => (await e.pool.query(`
      SELECT p.oid::regprocedure::text AS name, l.lanname, pg_get_functiondef(p.oid) AS def, p.proacl::text AS acl
        FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
       WHERE p.oid::regprocedure::text = ANY ($1) ORDER BY 1`, [[
      'agency.safe_uuid(text)', 'agency.current_tenant_id()', 'agency.current_user_id()', 'agency.current_user_role()',
      'agency.has_role(text)', 'agency.has_any_role(text[])', 'agency.can_view_financials()', 'workroom.sees_all_timesheets()',
      'agency.current_user_campaign_ids()', 'agency.current_user_client_ids()',
      'workroom.workspace_tenant(text,text,text)', 'workroom.identity_tenant_ok(text,text,text,uuid)', 'workroom.resolve_identity(text,text,text,text)']])).rows
    const before = await helpers()
    expect(before).toHaveLength(13)
    expect(before.every((h) => h.lanname === 'sql')).toBe(true)

    expect((await migrateUp(e.pool)).error).toBeUndefined()
    const after = await helpers()
    expect(after.every((h) => h.lanname === 'plpgsql')).toBe(true)
    expect(after.map((h) => h.acl)).toEqual(before.map((h) => h.acl))

    expect((await migrateDown(e.pool, { to: '20251210_031_hashed_membership' })).error).toBeUndefined()
    expect(await helpers()).toEqual(before)
  })

  it('refuses an unknown down target without touching anything', async () => {
    const e = await fresh()
    await migrateUp(e.pool)
    const result = await migrateDown(e.pool, { to: 'no_such_migration' })
    expect(result.error?.code).toBe('unknown_target')
    expect((await migrationStatus(e.pool)).every((r) => r.state === 'applied')).toBe(true)
  })

  it('refuses to run when an applied file was edited, naming the file', async () => {
    const e = await fresh()
    const dir = await mkdtemp(path.join(tmpdir(), 'workroom-migrations-'))
    dirs.push(dir)
    await cp(MIGRATIONS_DIR, dir, { recursive: true })
    expect((await migrateUp(e.pool, { dir })).error).toBeUndefined()

    await appendFile(path.join(dir, '20251207_003_agency_timesheets.sql'), '\n-- an innocent-looking edit\n')
    await writeFile(path.join(dir, '20991231_999_new.sql'), 'CREATE TABLE workroom.should_not_exist (id int);')
    const result = await migrateUp(e.pool, { dir })
    expect(result.ran).toEqual([])
    expect(result.error?.code).toBe('checksum_mismatch')
    expect(result.error?.message).toContain('20251207_003_agency_timesheets.sql was edited')
    expect((await e.pool.query(`SELECT to_regclass('workroom.should_not_exist') AS t`)).rows[0].t).toBeNull()
    expect((await migrationStatus(e.pool, dir)).find((r) => r.name === '20251207_003_agency_timesheets')?.state).toBe('changed')
  })

  it('rolls back a failing migration whole and reports its name and SQLSTATE', async () => {
    const e = await fresh()
    const dir = await mkdtemp(path.join(tmpdir(), 'workroom-migrations-'))
    dirs.push(dir)
    await cp(MIGRATIONS_DIR, dir, { recursive: true })
    await writeFile(path.join(dir, '20991231_999_broken.sql'),
      'CREATE TABLE workroom.half_done (id int);\nSELECT no_such_function();')
    const result = await migrateUp(e.pool, { dir })
    expect(result.ran).toHaveLength((await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).length)
    expect(result.error).toMatchObject({ code: 'sql_error', name: '20991231_999_broken', sqlstate: '42883' })
    expect((await e.pool.query(`SELECT to_regclass('workroom.half_done') AS t`)).rows[0].t).toBeNull()
    expect((await migrationStatus(e.pool, dir)).find((r) => r.name === '20991231_999_broken')?.state).toBe('pending')
  })

  it('applies each file once when two runners start together', async () => {
    const e = await fresh()
    // On PGlite both share its single connection; on a server each takes its own session and
    // the advisory lock makes the second wait.
    const [a, b] = await Promise.all([migrateUp(e.pool), migrateUp(e.pool)])
    expect(a.error).toBeUndefined()
    expect(b.error).toBeUndefined()
    expect([...a.ran, ...b.ran].sort()).toEqual((await loadMigrations()).map((f) => f.name))
    const ledger = await e.pool.query('SELECT count(*)::int AS n FROM public.workroom_migrations')
    expect(ledger.rows[0].n).toBe((await loadMigrations()).length)
  })

  if (engine.kind === 'postgres') {
    it('ends with one clean schema when two `workroom migrate` processes start together', async () => {
      const e = await fresh()
      const url = engine.urlOf!(e)
      const cli = path.resolve('bin/workroom.js')
      const env = { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'silent' }
      const [one, two] = await Promise.all([run(cli, ['migrate'], { env }), run(cli, ['migrate'], { env })])
      // Each file is one locked step (pooler-safe, src/db/migrate.ts), so the two may share the
      // work: between them every file is applied exactly once.
      const applied = (out: string) => out.split('\n').filter((l) => l.startsWith('applied ')).map((l) => l.split(' ')[1])
      const names = (await loadMigrations()).map((f) => f.name)
      expect([...applied(one.stdout), ...applied(two.stdout)].sort()).toEqual(names)
      const counts = await objectCounts(e)
      expect(counts.tables).toBe(SPEC_TABLES + WORKROOM_TABLES + KNOWLEDGE_TABLES + ROLLUP_TABLES)
      expect(counts.views).toBe(6)
      expect((await migrationStatus(e.pool)).every((r) => r.state === 'applied')).toBe(true)
    })

    it('applies every file with plain psql -v ON_ERROR_STOP=1 -f, as Supabase CLI users would', async () => {
      const e = await fresh()
      const url = engine.urlOf!(e)
      for (const file of await loadMigrations()) {
        await run('psql', ['-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', file.path])
      }
      expect(await objectCounts(e)).toMatchObject({ tables: SPEC_TABLES + WORKROOM_TABLES + KNOWLEDGE_TABLES + ROLLUP_TABLES, views: 6 })
      for (const file of (await loadMigrations()).reverse()) {
        await run('psql', ['-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', file.downPath])
      }
      expect(await objectCounts(e)).toEqual({ tables: 0, views: 0, functions: 0, policies: 0, schemas: 0 })
    })
  }
})

describe('migration files', () => {
  it('have a down file for every up file and nothing else in migrations/down', async () => {
    const ups = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).map((f) => f.replace(/\.sql$/, ''))
    const downs = (await readdir(path.join(MIGRATIONS_DIR, 'down'))).map((f) => f.replace(/\.down\.sql$/, ''))
    expect(downs.sort()).toEqual(ups.sort())
  })

  it('are the seven of the spec, by name, followed by workroom files', async () => {
    const names = (await loadMigrations()).map((f) => f.name)
    expect(names.slice(0, 7)).toEqual([
      '20251207_001_agency_core_schema', '20251207_002_agency_artifacts', '20251207_003_agency_timesheets',
      '20251207_004_agency_integration', '20251207_005_agency_ai_rag', '20251207_006_agency_views',
      '20251207_007_agency_rls_policies',
    ])
    expect(names.slice(7).every((n) => n > '20251207_007')).toBe(true)
  })
})

