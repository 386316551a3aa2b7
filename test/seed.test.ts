import { sql } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { withActor } from '../src/db/actor.ts'
import type { Engine } from '../src/db/engine.ts'
import { ROLES } from '../src/db/schema.ts'
import { TENANTS } from '../seeds/catalog.ts'
import { seed } from '../seeds/index.ts'
import { describeEachEngine } from './support/engines.ts'

const TODAY = '2026-11-25'
const TABLES = [
  'workroom.tenants', 'workroom.people', 'workroom.chat_identities', 'agency.clients', 'agency.brands', 'agency.campaigns',
  'agency.campaign_phases', 'agency.team_allocations', 'agency.timesheet_entries', 'agency.artifacts',
  'agency.artifact_versions', 'agency.artifact_comments', 'agency.knowledge_documents', 'agency.knowledge_chunks',
]
/** Columns that differ between two identical seeds: generated ids and clock readings. */
const VOLATILE: Record<string, string[]> = { 'agency.artifacts': ['embedded_at'], 'agency.artifact_versions': ['id'], 'agency.knowledge_chunks': ['id'] }

/** Row count and a hash of every row's content (generated ids and timestamps left out), per table. */
async function fingerprint(e: Engine) {
  const out: Record<string, { rows: number; hash: string }> = {}
  for (const table of TABLES) {
    const r = await sql<{ rows: number; hash: string }>`
      SELECT count(*)::int AS rows, md5(coalesce(string_agg(j::text, '|' ORDER BY j::text), '')) AS hash
        FROM (SELECT to_jsonb(t) - 'created_at' - 'updated_at' - 'last_synced_at' - ${VOLATILE[table] ?? []}::text[] AS j
                FROM ${sql.table(table)} t) s`.execute(e.db)
    out[table] = r.rows[0]!
  }
  return out
}

describeEachEngine('demo seed', (engine) => {
  let e: Engine
  let first: Awaited<ReturnType<typeof fingerprint>>
  beforeAll(async () => {
    e = await engine.migrated()
    await seed(e, { scale: 'demo', today: TODAY, progress: false })
    first = await fingerprint(e)
  })
  afterAll(async () => {
    await e?.close()
  })

  it('writes an agency of the size the demo needs', () => {
    const nw = (table: string) => first[table]!.rows
    expect(nw('workroom.tenants')).toBe(2)
    // 12 and 3 clients, and each agency as its own (internal) client.
    expect(nw('agency.clients')).toBe(12 + 3 + 2)
    expect(nw('agency.campaigns')).toBeGreaterThanOrEqual(40)
    expect(nw('agency.artifacts')).toBeGreaterThanOrEqual(180)
    expect(nw('agency.artifact_versions')).toBeGreaterThan(nw('agency.artifacts'))
    expect(nw('agency.timesheet_entries')).toBeGreaterThan(3000)
    expect(nw('agency.knowledge_documents')).toBeGreaterThanOrEqual(30)
    expect(nw('agency.knowledge_chunks')).toBeGreaterThan(nw('agency.knowledge_documents'))
  })

  it('changes nothing when run again without --reset', async () => {
    const reports = await seed(e, { scale: 'demo', today: TODAY, progress: false })
    expect(reports.map((r) => r.status)).toEqual(['skipped', 'skipped'])
    expect(reports.map((r) => [r.knowledge.created, r.knowledge.updated])).toEqual([[0, 0], [0, 0]])
    expect(reports.every((r) => r.knowledge.unchanged > 0)).toBe(true)
    expect(await fingerprint(e)).toEqual(first)
  })

  it('gives identical rows in a fresh database: same counts, same content hashes', async () => {
    const other = await engine.migrated()
    try {
      await seed(other, { scale: 'demo', today: TODAY, progress: false })
      expect(await fingerprint(other)).toEqual(first)
    } finally {
      await other.close()
    }
  })

  it('rebuilds a damaged tenant with --reset', async () => {
    await e.db.deleteFrom('agency.timesheet_entries').where('entry_date', '>', '2026-11-01').execute()
    await e.db.updateTable('agency.campaigns').set({ name: 'Vandalised' }).execute()
    expect(await fingerprint(e)).not.toEqual(first)
    const reports = await seed(e, { scale: 'demo', today: TODAY, reset: true, progress: false })
    expect(reports.map((r) => r.status)).toEqual(['reset', 'reset'])
    expect(await fingerprint(e)).toEqual(first)
  })

  it('has at least one person of every role in each tenant, with @tenant.example e-mails', async () => {
    const rows = await e.db.selectFrom('workroom.people as p').innerJoin('workroom.tenants as t', 't.id', 'p.tenant_id')
      .select(['t.slug', 'p.role', 'p.email']).execute()
    for (const tenant of TENANTS) {
      const mine = rows.filter((r) => r.slug === tenant.slug)
      expect(new Set(mine.map((r) => r.role))).toEqual(new Set(ROLES))
      expect(mine.every((r) => r.email.endsWith(`@${tenant.domain}`))).toBe(true)
    }
    expect(rows.filter((r) => r.slug === 'northwind').length).toBeGreaterThanOrEqual(45)
  })

  it('puts campaigns in every status, with their four phases', async () => {
    const statuses = await e.db.selectFrom('agency.campaigns').select('status').distinct().execute()
    expect(statuses.map((s) => s.status).sort()).toEqual(['active', 'archived', 'cancelled', 'completed', 'draft', 'on_hold', 'planning'])
    const phases = await sql<{ names: string }>`
      SELECT DISTINCT string_agg(name, ',' ORDER BY phase_order) AS names FROM agency.campaign_phases GROUP BY campaign_id`.execute(e.db)
    expect(phases.rows).toEqual([{ names: 'Strategy,Creative,Production,Post' }])
  })

  it('logs believable weeks: weekdays only, up to yesterday, 70–85 % billable', async () => {
    const r = await sql<{ weekend: number; future: number; billable: number; max_day: number }>`
      SELECT count(*) FILTER (WHERE extract(isodow FROM entry_date) > 5)::int AS weekend,
             count(*) FILTER (WHERE entry_date >= ${TODAY}::date)::int AS future,
             round(100 * sum(hours) FILTER (WHERE is_billable) / sum(hours))::int AS billable,
             (SELECT max(d) FROM (SELECT sum(hours) AS d FROM agency.timesheet_entries GROUP BY user_id, entry_date) x)::float AS max_day
        FROM agency.timesheet_entries`.execute(e.db)
    const row = r.rows[0]!
    expect(row).toMatchObject({ weekend: 0, future: 0 })
    expect(row.billable).toBeGreaterThanOrEqual(70)
    expect(row.billable).toBeLessThanOrEqual(85)
    expect(row.max_day).toBeLessThanOrEqual(9)
  })

  it("shows over- and under-allocated people in this week's utilization", async () => {
    // Campaign dates are relative to the seed day; utilization's "this week" is the database's.
    const live = await engine.migrated()
    try {
      await seed(live, { scale: 'demo', progress: false })
      const week = await sql<{ status: string; n: number }>`
        SELECT allocation_status AS status, count(*)::int AS n FROM agency.v_employee_utilization
         WHERE week_start_date = date_trunc('week', current_date::timestamp)::date GROUP BY 1`.execute(live.db)
      const by = Object.fromEntries(week.rows.map((r) => [r.status, r.n]))
      expect(by.over).toBeGreaterThan(0)
      expect(by.under).toBeGreaterThan(0)
    } finally {
      await live.close()
    }
  })

  it('keeps southpaw invisible to northwind under RLS, and the other way round', async () => {
    const lead = async (slug: string) => {
      const p = await e.db.selectFrom('workroom.people as p').innerJoin('workroom.tenants as t', 't.id', 'p.tenant_id')
        .select(['p.id', 'p.tenant_id']).where('t.slug', '=', slug).where('p.role', '=', 'leadership').executeTakeFirstOrThrow()
      return { tenantId: p.tenant_id, userId: p.id, role: 'leadership' as const }
    }
    for (const [me, other] of [['northwind', 'southpaw'], ['southpaw', 'northwind']] as const) {
      const actor = await lead(me)
      const seen = await withActor(e.db, actor, async (trx) => ({
        tenants: (await trx.selectFrom('workroom.tenants').select('slug').execute()).map((t) => t.slug),
        campaigns: await trx.selectFrom('agency.campaigns').select('tenant_id').distinct().execute(),
        people: await trx.selectFrom('workroom.people').select('email').execute(),
        docs: await trx.selectFrom('agency.knowledge_documents').select('tenant_id').distinct().execute(),
      }))
      expect(seen.tenants).toEqual([me])
      expect(seen.campaigns).toEqual([{ tenant_id: actor.tenantId }])
      expect(seen.docs).toEqual([{ tenant_id: actor.tenantId }])
      expect(seen.people.filter((p) => p.email.endsWith(`@${other}.example`))).toEqual([])
    }
  })
})
