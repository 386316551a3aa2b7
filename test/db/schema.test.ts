import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Engine } from '../../src/db/engine.ts'
import { AGENCY_TABLES, AGENCY_VIEWS } from '../../src/db/schema.ts'
import { describeEachEngine } from '../support/engines.ts'

// The spec's Verification section, query by query, plus catalog rules in the spirit of
// Supabase's splinter lints.
describeEachEngine('schema contract', (engine) => {
  let e: Engine
  beforeAll(async () => {
    e = await engine.migrated()
  })
  afterAll(async () => {
    await e?.close()
  })
  const q = async <T>(text: string, params: unknown[] = []) => (await e.pool.query(text, params)).rows as T[]

  it('has the 15 tables of the spec in schema agency (query 1)', async () => {
    // The query as the spec writes it lists views too (information_schema.tables includes
    // them): 15 base tables and the 6 views.
    const asWritten = await q<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'agency' ORDER BY table_name`)
    expect(asWritten).toHaveLength(15 + 6)
    const tables = await q<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'agency' AND table_type = 'BASE TABLE' ORDER BY table_name`)
    expect(tables.map((t) => t.table_name)).toEqual([...AGENCY_TABLES].sort())
  })

  it('has row level security enabled on every agency and workroom table (query 2)', async () => {
    const rows = await q<{ tablename: string; rowsecurity: boolean }>(
      `SELECT tablename, rowsecurity FROM pg_tables WHERE schemaname = 'agency'`)
    expect(rows).toHaveLength(15)
    expect(rows.filter((r) => !r.rowsecurity)).toEqual([])
    const workroom = await q<{ tablename: string }>(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'workroom' AND NOT rowsecurity`)
    expect(workroom).toEqual([])
  })

  it('has more than 50 indexes, the HNSW one among them (query 3)', async () => {
    const rows = await q<{ tablename: string; indexname: string; indexdef: string }>(
      `SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'agency' ORDER BY tablename, indexname`)
    expect(rows.length).toBeGreaterThanOrEqual(50)
    const hnsw = rows.find((r) => r.indexname === 'idx_knowledge_chunks_embedding')
    expect(hnsw?.indexdef).toMatch(/USING hnsw \(embedding vector_cosine_ops\)/)
    expect(rows.filter((r) => /USING gin/.test(r.indexdef)).length).toBeGreaterThanOrEqual(5)
    expect(rows.filter((r) => / WHERE /.test(r.indexdef)).length).toBeGreaterThanOrEqual(4)
  })

  it('has the 6 views, each security_invoker (query 4)', async () => {
    const views = await q<{ table_name: string }>(
      `SELECT table_name FROM information_schema.views WHERE table_schema = 'agency' ORDER BY table_name`)
    expect(views.map((v) => v.table_name)).toEqual([...AGENCY_VIEWS].sort())
    const definer = await q<{ relname: string }>(
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname IN ('agency', 'workroom') AND c.relkind = 'v'
          AND NOT coalesce('security_invoker=true' = ANY (c.reloptions), false)`)
    expect(definer).toEqual([])
  })

  it('returns rows from search_knowledge once chunks exist (query 5)', async () => {
    const before = await q(`SELECT agency.search_knowledge((SELECT embedding FROM agency.knowledge_chunks LIMIT 1), 0.7, 5)`)
    expect(before).toEqual([])
    await e.db.transaction().execute(async (trx) => {
      const tenant = '00000000-0000-4000-8000-000000000001'
      const doc = await trx.insertInto('agency.knowledge_documents')
        .values({ tenant_id: tenant, title: 'Brand book' }).returning('id').executeTakeFirstOrThrow()
      const v = `[${Array.from({ length: 1536 }, (_, i) => (i % 7) / 10).join(',')}]`
      await trx.insertInto('agency.knowledge_chunks')
        .values({ tenant_id: tenant, document_id: doc.id, chunk_index: 0, content: 'Primary colour #FF5A1F', embedding: v })
        .execute()
    })
    // As written in the spec: one composite column per match. The owner bypasses RLS here; the
    // RLS suite checks what actors get.
    const rows = await q<{ search_knowledge: string }>(
      `SELECT agency.search_knowledge((SELECT embedding FROM agency.knowledge_chunks LIMIT 1), 0.7, 5)`)
    expect(rows).toHaveLength(1)
    expect(rows[0]!.search_knowledge).toContain('Brand book')
  })

  it('has 25 or more policies', async () => {
    const rows = await q<{ n: number }>(`SELECT count(*)::int AS n FROM pg_policies WHERE schemaname = 'agency'`)
    expect(rows[0]!.n).toBeGreaterThanOrEqual(25)
  })

  it('gives every agency table a SELECT policy for workroom_app that checks the tenant', async () => {
    const rows = await q<{ tablename: string; qual: string }>(
      `SELECT tablename, qual FROM pg_policies
        WHERE schemaname = 'agency' AND cmd IN ('SELECT', 'ALL') AND 'workroom_app' = ANY (roles)`)
    for (const table of AGENCY_TABLES) {
      const policies = rows.filter((r) => r.tablename === table)
      expect(policies.length, `${table} has a SELECT policy`).toBeGreaterThan(0)
      for (const p of policies) expect(p.qual, table).toMatch(/tenant_id = \( SELECT agency\.current_tenant_id\(\)/)
    }
  })

  it('wraps every helper call in policies as (select …) so it runs once per statement', async () => {
    const rows = await q<{ policyname: string; expr: string }>(
      `SELECT policyname, coalesce(qual, '') || ' ' || coalesce(with_check, '') AS expr
         FROM pg_policies WHERE schemaname IN ('agency', 'workroom')`)
    const helper = /agency\.(current_tenant_id|current_user_id|current_user_role|has_role|has_any_role|current_user_campaign_ids|current_user_client_ids)\(/g
    for (const { policyname, expr } of rows) {
      const calls = [...expr.matchAll(helper)]
      const wrapped = calls.filter((m) => expr.slice(Math.max(0, m.index - 7), m.index) === 'SELECT ')
      expect(wrapped.length, `${policyname}: ${expr}`).toBe(calls.length)
    }
  })

  it('tests membership in the helpers\' id arrays by hash (IN (SELECT unnest(…))), never by walking the array (= ANY) row by row', async () => {
    const rows = await q<{ policyname: string; expr: string }>(
      `SELECT policyname, coalesce(qual, '') || ' ' || coalesce(with_check, '') AS expr
         FROM pg_policies WHERE schemaname IN ('agency', 'workroom')`)
    const using = rows.filter((r) => /current_user_(campaign|client)_ids/.test(r.expr))
    expect(using.length).toBeGreaterThanOrEqual(13)
    for (const { policyname, expr } of using) {
      expect(expr, policyname).not.toMatch(/= ANY \(\( SELECT agency\.current_user_c\w+_ids\(\)/)
      expect(expr, policyname).toMatch(/IN \( SELECT unnest\(\( SELECT agency\.current_user_c\w+_ids\(\)/)
    }
  })

  it('pins search_path on every SECURITY DEFINER function', async () => {
    const rows = await q<{ proname: string }>(
      `SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname IN ('agency', 'workroom') AND p.prosecdef
          AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%')`)
    expect(rows).toEqual([])
  })

  it('keeps search_knowledge SECURITY INVOKER so RLS filters its results', async () => {
    const rows = await q<{ prosecdef: boolean }>(
      `SELECT prosecdef FROM pg_proc WHERE oid = 'agency.search_knowledge'::regproc`)
    expect(rows[0]!.prosecdef).toBe(false)
  })

  it('lets workroom_app read no money column directly', async () => {
    const rows = await q<{ col: string; can: boolean }>(
      `SELECT t || '.' || c AS col, has_column_privilege('workroom_app', t, c, 'SELECT') AS can
         FROM (VALUES ('agency.campaigns', 'budget'), ('agency.campaign_phases', 'budget'),
                      ('agency.timesheet_entries', 'cost_rate'), ('agency.timesheet_entries', 'bill_rate'),
                      ('agency.timesheet_entries', 'cost_amount'), ('agency.timesheet_entries', 'bill_amount'),
                      ('workroom.people', 'cost_rate'), ('workroom.people', 'bill_rate')) v(t, c)`)
    expect(rows.filter((r) => r.can)).toEqual([])
    const name = await q<{ can: boolean }>(`SELECT has_column_privilege('workroom_app', 'agency.campaigns', 'name', 'SELECT') AS can`)
    expect(name[0]!.can).toBe(true)
  })

  it('creates workroom_app as a role that cannot log in and does not bypass RLS', async () => {
    const rows = await q<{ rolcanlogin: boolean; rolbypassrls: boolean; rolsuper: boolean }>(
      `SELECT rolcanlogin, rolbypassrls, rolsuper FROM pg_roles WHERE rolname = 'workroom_app'`)
    expect(rows).toEqual([{ rolcanlogin: false, rolbypassrls: false, rolsuper: false }])
  })

  it('generates duration_weeks from the campaign dates, counting a started week as one', async () => {
    const tenant = '00000000-0000-4000-8000-000000000002'
    const client = await e.db.insertInto('agency.clients').values({ tenant_id: tenant, name: 'Acme' }).returning('id').executeTakeFirstOrThrow()
    const weeks = async (code: string, start: string | null, end: string | null) =>
      (await e.db.insertInto('agency.campaigns')
        .values({ tenant_id: tenant, client_id: client.id, name: code, code, start_date: start, end_date: end })
        .returning('duration_weeks').executeTakeFirstOrThrow()).duration_weeks
    expect(await weeks('A', '2026-01-05', '2026-03-01')).toBe(8)   // 56 days
    expect(await weeks('B', '2026-01-05', '2026-01-05')).toBe(1)
    expect(await weeks('C', '2026-01-05', '2026-01-12')).toBe(2)   // 8 days
    expect(await weeks('D', '2026-01-05', null)).toBeNull()
  })
}, { supabase: true })
