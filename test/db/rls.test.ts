import { sql, type Kysely } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withActor, type Actor, type ActorTx } from '../../src/db/actor.ts'
import type { Engine } from '../../src/db/engine.ts'
import type { DB } from '../../src/db/schema.ts'
import { describeEachEngine } from '../support/engines.ts'
import { PEOPLE, TENANTS, actorOf, seedFixture, sqlstate, vec, type Fixture, type PersonKey, type TenantKey } from '../support/fixture.ts'

// The security model of migration 007, written a second time as plain data: for each person of
// the fixture, the rows of their own tenant they must see. Everything else, the other tenant's
// rows above all, must stay invisible.
const BROAD: PersonKey[] = ['leadership', 'finance', 'pm', 'admin']
const is = (p: PersonKey, ...who: PersonKey[]) => who.includes(p)

const campaignsOf = (p: PersonKey) => (is(p, ...BROAD) ? ['cX', 'cY'] : is(p, 'account', 'creative') ? ['cX'] : [])
const clientsOf = (p: PersonKey) => campaignsOf(p).map((c) => c.slice(1))
const ARTIFACT_CAMPAIGN: Record<string, string | null> = { aX: 'cX', aY: 'cY', aOwn: 'cY', aLib: null }
const ARTIFACT_OWNER: Record<string, PersonKey> = { aX: 'pm', aY: 'pm', aOwn: 'creative', aLib: 'admin' }
// Artifacts: leadership, pm and admin see all; others what they own plus their campaigns' (finance
// works on no campaign of the fixture).
const memberOf = (p: PersonKey) => (is(p, 'account', 'creative') ? ['cX'] : [])
const artifactsOf = (p: PersonKey) =>
  Object.keys(ARTIFACT_CAMPAIGN).filter((a) =>
    is(p, 'leadership', 'pm', 'admin') || ARTIFACT_OWNER[a] === p || memberOf(p).includes(ARTIFACT_CAMPAIGN[a] ?? ''))
const TIMESHEET_CAMPAIGN = (p: PersonKey) => (is(p, 'account', 'creative') ? 'cX' : 'cY')
const timesheetsOf = (p: PersonKey) => (is(p, 'leadership', 'finance', 'pm') ? [...PEOPLE] : [p])
const ALLOCATIONS: Record<string, { user: PersonKey; campaign: string }> = {
  creative: { user: 'creative', campaign: 'cX' },
  pm: { user: 'pm', campaign: 'cY' },
}
const allocationsOf = (p: PersonKey) =>
  Object.keys(ALLOCATIONS).filter((a) =>
    is(p, ...BROAD) || ALLOCATIONS[a]!.user === p || memberOf(p).includes(ALLOCATIONS[a]!.campaign))
const knowledgeOf = (p: PersonKey) => ['kWide', ...(is(p, ...BROAD) ? ['kX', 'kY'] : is(p, 'account', 'creative') ? ['kX'] : [])]

/** Table → the logical rows (see fixture.ts) this person must see in their own tenant. */
const MODEL: Record<string, (p: PersonKey) => string[]> = {
  'agency.clients': (p) => clientsOf(p).map((c) => `client:${c}`),
  'agency.brands': (p) => clientsOf(p).map((c) => `brand:${c}`),
  'agency.campaigns': (p) => campaignsOf(p).map((c) => `campaign:${c}`),
  'agency.campaign_phases': (p) => campaignsOf(p).map((c) => `phase:${c}`),
  'agency.artifacts': (p) => artifactsOf(p).map((a) => `artifact:${a}`),
  'agency.artifact_versions': (p) => artifactsOf(p).map((a) => `version:${a}`),
  'agency.artifact_comments': (p) => artifactsOf(p).map((a) => `comment:${a}`),
  'agency.timesheet_entries': (p) => timesheetsOf(p).map((q) => `timesheet:${q}`),
  'agency.team_allocations': (p) => allocationsOf(p).map((a) => `allocation:${a}`),
  'agency.integration_links': (p) => campaignsOf(p).map((c) => `link:${c}`),
  'agency.integration_sync_runs': (p) => (is(p, ...BROAD) ? ['syncrun:procure'] : []),
  'agency.knowledge_documents': (p) => knowledgeOf(p).map((k) => `document:${k}`),
  'agency.knowledge_chunks': (p) => knowledgeOf(p).map((k) => `chunk:${k}`),
  'agency.ai_conversations': (p) => [`conversation:${p}`],
  'agency.ai_messages': (p) => [`message:${p}`],
  'workroom.people': () => PEOPLE.map((q) => `person:${q}`),
  'workroom.chat_identities': (p) => (is(p, 'admin') ? PEOPLE.map((q) => `identity:${q}`) : [`identity:${p}`]),
}

const keysOf = (fx: Fixture, tenant: TenantKey, ids: string[]) => {
  const byId = new Map([...fx[tenant].rows].map(([k, v]) => [v, k]))
  return ids.map((id) => byId.get(id) ?? `other-tenant-or-unknown:${id}`).sort()
}

const selectIds = async (trx: ActorTx, table: string) =>
  (await sql<{ id: string }>`SELECT id FROM ${sql.table(table)}`.execute(trx)).rows.map((r) => r.id)

describeEachEngine('row level security', (engine) => {
  let e: Engine
  let db: Kysely<DB>
  let fx: Fixture
  beforeAll(async () => {
    e = await engine.migrated()
    db = e.db
    fx = await seedFixture(db)
  })
  afterAll(async () => {
    await e?.close()
  })
  const as = <T>(tenant: TenantKey, person: PersonKey, fn: (trx: ActorTx) => Promise<T>) =>
    withActor(db, actorOf(fx, tenant, person), fn)
  const actors = TENANTS.flatMap((t) => PEOPLE.map((p) => [t, p] as const))

  describe('reads: every table', () => {
    it.each(actors)('tenant %s, %s sees exactly their rows of every table and nothing of the other tenant', async (tenant, person) => {
      await as(tenant, person, async (trx) => {
        for (const [table, model] of Object.entries(MODEL)) {
          const seen = keysOf(fx, tenant, await selectIds(trx, table))
          expect(seen, `${table} as ${person} of ${tenant}`).toEqual(model(person).sort())
        }
        const tenants = await trx.selectFrom('workroom.tenants').select('id').execute()
        expect(tenants.map((t) => t.id)).toEqual([fx[tenant].tenantId])
      })
    })
  })

  describe('reads: views and functions', () => {
    it.each(actors)('tenant %s, %s gets views filtered by the same rules, money only for finance and leadership', async (tenant, person) => {
      const money = is(person, 'finance', 'leadership')
      await as(tenant, person, async (trx) => {
        const overview = await trx.selectFrom('agency.v_campaign_overview').select(['id', 'budget', 'cost_to_date', 'margin']).execute()
        expect(keysOf(fx, tenant, overview.map((r) => r.id))).toEqual(campaignsOf(person).map((c) => `campaign:${c}`).sort())
        for (const row of overview) {
          expect(row.budget !== null, `budget visible to ${person}`).toBe(money)
          expect(row.margin !== null, `margin visible to ${person}`).toBe(money)
        }
        if (money) {
          const cx = overview.find((r) => r.id === fx[tenant].rows.get('campaign:cX'))
          // account and creative each logged 2 h at 50/150 on cX
          expect(cx).toMatchObject({ budget: 100_000, cost_to_date: 200, margin: 400 })
        }

        const clients = await sql<{ id: string; total_budget: number | null }>`SELECT id, total_budget FROM agency.v_client_360`.execute(trx)
        expect(keysOf(fx, tenant, clients.rows.map((r) => r.id))).toEqual(clientsOf(person).map((c) => `client:${c}`).sort())
        for (const row of clients.rows) expect(row.total_budget !== null).toBe(money)

        const library = await sql<{ id: string }>`SELECT id FROM agency.v_artifact_library`.execute(trx)
        expect(keysOf(fx, tenant, library.rows.map((r) => r.id))).toEqual(artifactsOf(person).map((a) => `artifact:${a}`).sort())

        const summary = await trx.selectFrom('agency.v_timesheet_summary_by_campaign').select(['campaign_id', 'total_hours', 'cost_amount', 'bill_amount']).execute()
        const expectedCampaigns = [...new Set(timesheetsOf(person).map(TIMESHEET_CAMPAIGN))].filter((c) => campaignsOf(person).includes(c))
        expect(keysOf(fx, tenant, summary.map((r) => r.campaign_id))).toEqual(expectedCampaigns.map((c) => `campaign:${c}`).sort())
        for (const row of summary) expect(row.cost_amount !== null && row.bill_amount !== null).toBe(money)

        const utilization = await trx.selectFrom('agency.v_employee_utilization').select(['user_id', 'tenant_id']).execute()
        const users = new Set([...timesheetsOf(person), ...allocationsOf(person).map((a) => ALLOCATIONS[a]!.user)])
        expect(keysOf(fx, tenant, utilization.map((r) => r.user_id))).toEqual([...users].map((u) => `person:${u}`).sort())

        const kpis = await sql<{ tenant_id: string }>`SELECT tenant_id FROM agency.v_dashboard_kpis`.execute(trx)
        expect(kpis.rows.map((r) => r.tenant_id)).toEqual([fx[tenant].tenantId])

        // search_knowledge is SECURITY INVOKER: the same policies filter it. Threshold 0 so only
        // RLS decides.
        const hits = await sql<{ chunk_id: string; title: string }>`
          SELECT chunk_id, title FROM agency.search_knowledge(${vec(2)}::vector, 0, 20, '{}'::jsonb)`.execute(trx)
        expect(keysOf(fx, tenant, hits.rows.map((r) => r.chunk_id)).sort()).toEqual(knowledgeOf(person).map((k) => `chunk:${k}`).sort())
        const other = tenant === 'A' ? 'B' : 'A'
        expect(hits.rows.filter((r) => r.title.endsWith(` ${other}`))).toEqual([])

        const feed = await sql<{ entity_id: string; title: string }>`SELECT entity_id, title FROM agency.get_recent_activity(500, NULL)`.execute(trx)
        expect(feed.rows.length).toBeGreaterThan(0)
        expect(keysOf(fx, tenant, feed.rows.map((r) => r.entity_id)).filter((k) => k.startsWith('other-tenant'))).toEqual([])
        expect(feed.rows.map((r) => r.entity_id)).toContain(fx[tenant].rows.get(`timesheet:${person}`))
      })
    })

    it('refuses the operator directory function to the application role', async () => {
      for (const person of PEOPLE) {
        expect(await sqlstate(as('A', person, (trx) => sql`SELECT * FROM workroom.directory(NULL)`.execute(trx))), person).toBe('42501')
      }
    })

    it('finds nothing of tenant B through the integration functions, even by id', async () => {
      const bCampaign = fx.B.rows.get('campaign:cX')!
      for (const person of PEOPLE) {
        await as('A', person, async (trx) => {
          const exp = await sql`SELECT * FROM agency.get_campaign_expenses(${bCampaign}::uuid)`.execute(trx)
          const gear = await sql`SELECT * FROM agency.get_campaign_equipment(${bCampaign}::uuid)`.execute(trx)
          expect(exp.rows).toEqual([])
          expect(gear.rows).toEqual([])
          const fin = await sql<{ budget: number | null }>`SELECT budget FROM agency.campaign_financials(${bCampaign}::uuid)`.execute(trx)
          expect(fin.rows).toEqual([{ budget: null }])
        })
      }
    })
  })

  describe('money', () => {
    const columns = [
      ['agency.campaigns', 'budget'], ['agency.campaign_phases', 'budget'],
      ['agency.timesheet_entries', 'cost_rate'], ['agency.timesheet_entries', 'bill_rate'],
      ['agency.timesheet_entries', 'cost_amount'], ['agency.timesheet_entries', 'bill_amount'],
      ['workroom.people', 'cost_rate'], ['workroom.people', 'bill_rate'],
    ] as const
    it.each(PEOPLE)('refuses rates, costs and budgets column-wise to %s (permission denied, 42501)', async (person) => {
      for (const [table, column] of columns) {
        const code = await sqlstate(as('A', person, (trx) => sql`SELECT ${sql.ref(column)} FROM ${sql.table(table)}`.execute(trx)))
        expect(code, `${table}.${column}`).toBe('42501')
      }
    })

    it.each(PEOPLE)('gives %s campaign financials only if finance or leadership', async (person) => {
      const fin = await as('A', person, (trx) =>
        sql<{ budget: number | null; cost_amount: number | null; bill_amount: number | null }>`
          SELECT * FROM agency.campaign_financials(${fx.A.rows.get('campaign:cY')!}::uuid)`.execute(trx))
      // cY: budget 250k; leadership, finance, pm, admin, outsider logged 2 h each at 50/150
      expect(fin.rows).toEqual([is(person, 'finance', 'leadership')
        ? { budget: 250_000, cost_amount: 500, bill_amount: 1500 }
        : { budget: null, cost_amount: null, bill_amount: null }])
    })
  })

  describe('writes', () => {
    const entry = (tenant: TenantKey, person: PersonKey, campaign: string, overrides: Record<string, unknown> = {}) => ({
      tenant_id: fx[tenant].tenantId, user_id: fx[tenant].people[person], campaign_id: fx[tenant].rows.get(`campaign:${campaign}`)!,
      entry_date: '2026-11-20', hours: 1, ...overrides,
    })

    it.each(PEOPLE)('lets %s log their own time on a campaign they can see, and nothing else', async (person) => {
      const visible = campaignsOf(person)[0]
      if (visible) {
        const ok = await as('A', person, (trx) => trx.insertInto('agency.timesheet_entries').values(entry('A', person, visible)).returning('id').execute())
        expect(ok).toHaveLength(1)
      }
      const hidden = ['cX', 'cY'].find((c) => !campaignsOf(person).includes(c))
      if (hidden) {
        expect(await sqlstate(as('A', person, (trx) => trx.insertInto('agency.timesheet_entries').values(entry('A', person, hidden)).execute()))).toBe('42501')
      }
      const someoneElse = person === 'pm' ? 'creative' : 'pm'
      expect(await sqlstate(as('A', person, (trx) =>
        trx.insertInto('agency.timesheet_entries').values(entry('A', someoneElse, 'cX')).execute()))).toBe('42501')
    })

    it.each(PEOPLE)('rejects %s inserting rows for the other tenant', async (person) => {
      const b = fx.B
      const attempts: Array<[string, (trx: ActorTx) => Promise<unknown>]> = [
        ['timesheet', (trx) => trx.insertInto('agency.timesheet_entries')
          .values({ ...entry('B', 'creative', 'cX'), user_id: fx.A.people[person] }).execute()],
        ['client', (trx) => trx.insertInto('agency.clients').values({ tenant_id: b.tenantId, name: 'Injected' }).execute()],
        ['campaign', (trx) => trx.insertInto('agency.campaigns')
          .values({ tenant_id: b.tenantId, client_id: b.rows.get('client:X')!, name: 'Injected', code: 'INJ-1' }).execute()],
        ['document', (trx) => trx.insertInto('agency.knowledge_documents').values({ tenant_id: b.tenantId, title: 'Injected' }).execute()],
        ['conversation', (trx) => trx.insertInto('agency.ai_conversations').values({ tenant_id: b.tenantId, user_id: fx.A.people[person] }).execute()],
        ['message', (trx) => trx.insertInto('agency.ai_messages')
          .values({ tenant_id: b.tenantId, conversation_id: b.rows.get(`conversation:${person}`)!, role: 'user', content: 'hi' }).execute()],
        ['allocation', (trx) => trx.insertInto('agency.team_allocations')
          .values({ tenant_id: b.tenantId, user_id: fx.A.people[person], campaign_id: b.rows.get('campaign:cX')!, week_start_date: '2026-11-23', capacity_percentage: 10 }).execute()],
      ]
      for (const [what, attempt] of attempts) {
        const code = await sqlstate(as('A', person, attempt))
        expect(['42501', '23503'], `${what}: ${code}`).toContain(code)
      }
      // Own-tenant id with the other tenant's parent: the composite foreign keys refuse it.
      const mixed = await sqlstate(as('A', person, (trx) => trx.insertInto('agency.timesheet_entries')
        .values({ ...entry('A', person, 'cX'), campaign_id: b.rows.get('campaign:cX')! }).execute()))
      expect(['42501', '23503']).toContain(mixed)
    })

    it.each(PEOPLE)('lets %s update and delete nothing of the other tenant', async (person) => {
      const b = fx.B
      await as('A', person, async (trx) => {
        const updated = await trx.updateTable('agency.campaigns').set({ name: 'hijacked' })
          .where('id', '=', b.rows.get('campaign:cX')!).returning('id').execute()
        expect(updated).toEqual([])
        const deleted = await trx.deleteFrom('agency.timesheet_entries').where('tenant_id', '=', b.tenantId).returning('id').execute()
        expect(deleted).toEqual([])
        const docs = await trx.deleteFrom('agency.knowledge_documents').where('tenant_id', '=', b.tenantId).returning('id').execute()
        expect(docs).toEqual([])
      })
      const still = await db.selectFrom('agency.campaigns').select('name').where('id', '=', b.rows.get('campaign:cX')!).executeTakeFirstOrThrow()
      expect(still.name).toBe('Campaign cX B')
    })

    it('lets only admin manage knowledge documents', async () => {
      for (const person of PEOPLE) {
        const code = await sqlstate(as('A', person, (trx) =>
          trx.insertInto('agency.knowledge_documents').values({ tenant_id: fx.A.tenantId, title: `by ${person}` }).execute()))
        expect(code, person).toBe(person === 'admin' ? undefined : '42501')
      }
    })

    const MONDAYS = ['2026-01-05', '2026-01-12', '2026-01-19', '2026-01-26', '2026-02-02', '2026-02-09', '2026-02-16']
    it('lets only pm and leadership manage allocations', async () => {
      for (const [i, person] of PEOPLE.entries()) {
        const code = await sqlstate(as('A', person, (trx) => trx.insertInto('agency.team_allocations').values({
          tenant_id: fx.A.tenantId, user_id: fx.A.people.outsider, campaign_id: fx.A.rows.get('campaign:cY')!,
          week_start_date: MONDAYS[i]!, capacity_percentage: 20,
        }).execute()))
        expect(code, person).toBe(is(person, 'pm', 'leadership') ? undefined : '42501')
      }
    })

    it('lets an artifact owner edit it, and a creative on the campaign only read it', async () => {
      const aOwn = fx.A.rows.get('artifact:aOwn')!
      const aX = fx.A.rows.get('artifact:aX')!
      const mine = await as('A', 'creative', (trx) =>
        trx.updateTable('agency.artifacts').set({ status: 'in_review' }).where('id', '=', aOwn).returning('id').execute())
      expect(mine).toHaveLength(1)
      const theirs = await as('A', 'creative', (trx) =>
        trx.updateTable('agency.artifacts').set({ status: 'approved' }).where('id', '=', aX).returning('id').execute())
      expect(theirs).toEqual([])
      const versions = await sqlstate(as('A', 'creative', (trx) => trx.insertInto('agency.artifact_versions').values({
        tenant_id: fx.A.tenantId, artifact_id: aOwn, version_number: 99, title: 'forged',
      }).execute()))
      expect(versions).toBe('42501')
    })

    it('keeps conversations private to the person who asked', async () => {
      const others = await as('A', 'leadership', (trx) =>
        trx.updateTable('agency.ai_conversations').set({ title: 'read by the boss' })
          .where('id', '=', fx.A.rows.get('conversation:creative')!).returning('id').execute())
      expect(others).toEqual([])
    })
  })

  describe('missing or malformed context', () => {
    const tables = Object.keys(MODEL)
    const bare = (settings: Record<string, string>) =>
      db.transaction().execute(async (trx) => {
        await sql`SELECT set_config('role', 'workroom_app', true)`.execute(trx)
        for (const [k, v] of Object.entries(settings)) await sql`SELECT set_config(${k}, ${v}, true)`.execute(trx)
        const counts: Record<string, number> = {}
        for (const t of [...tables, 'workroom.tenants', 'agency.v_campaign_overview', 'agency.v_dashboard_kpis', 'agency.v_employee_utilization']) {
          const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(t)}`.execute(trx)
          counts[t] = r.rows[0]!.n
        }
        const hits = await sql`SELECT * FROM agency.search_knowledge(${vec(1)}::vector, 0, 10)`.execute(trx)
        counts['search_knowledge'] = hits.rows.length
        // 030's full-text matches read past row security: with no actor they too find nothing.
        for (const fn of ['agency.knowledge_chunks_matching', 'workroom.artifact_chunks_matching']) {
          const matches = await sql`SELECT * FROM ${sql.raw(fn)}('!zzqqxx'::tsquery, NULL, 1000)`.execute(trx)
          counts[fn] = matches.rows.length
        }
        return counts
      })

    it('sees nothing with no context at all', async () => {
      const counts = await bare({})
      expect(Object.entries(counts).filter(([, n]) => n > 0)).toEqual([])
    })

    it('sees nothing, and raises nothing, with malformed settings', async () => {
      const counts = await bare({ 'app.current_tenant': 'not-a-uuid', 'app.current_role': 'superuser', 'app.current_user_id': "1' OR '1'='1" })
      expect(Object.entries(counts).filter(([, n]) => n > 0)).toEqual([])
    })

    it('grants an unknown role nothing beyond what any member of a campaign team sees', async () => {
      const actor: Actor = { tenantId: fx.A.tenantId, userId: fx.A.people.creative, role: 'root' as never }
      const own = await db.selectFrom('agency.timesheet_entries').select('id')
        .where('user_id', '=', fx.A.people.creative).execute()   // as owner: the truth
      await withActor(db, actor, async (trx) => {
        // The creative is allocated to cX: membership still counts, role-based visibility does not.
        expect(keysOf(fx, 'A', await selectIds(trx, 'agency.campaigns'))).toEqual(['campaign:cX'])
        expect((await selectIds(trx, 'agency.timesheet_entries')).sort()).toEqual(own.map((r) => r.id).sort())
        expect(await selectIds(trx, 'agency.integration_sync_runs')).toEqual([])
      })
    })

    it('rejects writes without context', async () => {
      const code = await sqlstate(db.transaction().execute(async (trx) => {
        await sql`SELECT set_config('role', 'workroom_app', true)`.execute(trx)
        await trx.insertInto('agency.clients').values({ tenant_id: fx.A.tenantId, name: 'No context' }).execute()
      }))
      expect(code).toBe('42501')
    })

    it('leaves the connection clean for the next transaction (settings are transaction-local)', async () => {
      await as('A', 'leadership', (trx) => selectIds(trx, 'agency.campaigns'))
      const after = await sql<{ role: string; tenant: string | null }>`
        SELECT current_user AS role, nullif(current_setting('app.current_tenant', true), '') AS tenant`.execute(db)
      expect(after.rows[0]!.tenant).toBeNull()
      expect(after.rows[0]!.role).not.toBe('workroom_app')
    })
  })
}, { supabase: true })
