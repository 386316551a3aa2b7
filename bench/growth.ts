/**
 * `npm run bench -- growth [--runs N]`: whether reads stay flat as timesheet history grows.
 * The bench agency (seeds/bench-catalog.ts, ~107k entries) is grown to 1M and 10M entries on
 * native PostgreSQL and to 1M on PGlite (GROWTH_MAX caps it; `npm run bench` stops at 1M and
 * 100k). The extra entries are older history (years before the seed's), so the week the weekly
 * figures read holds the same rows at every size: what changes is only how much history there is.
 *
 * At each size, as the agency's leadership person under row security (the most any role reads):
 * the spec's read paths and, beside each, a floor (the cheapest statement returning the same rows
 * from the tables, measured in the same run); then the write cost per timesheet insert (with and
 * without the rollup triggers, each insert rolled back) and, on native PostgreSQL, two sessions
 * inserting on one campaign and week at once against the same inserts on two campaigns.
 */
import { sql, type Kysely } from 'kysely'
import pg from 'pg'
import { withActor, type Actor } from '../src/db/actor.ts'
import { addDays, mondayOf } from '../src/dates.ts'
import type { Engine } from '../src/db/engine.ts'
import { resolveIdentity } from '../src/db/identity.ts'
import { migrateUp } from '../src/db/migrate.ts'
import type { DB } from '../src/db/schema.ts'
import { benchCatalog } from '../seeds/bench-catalog.ts'
import { seed } from '../seeds/index.ts'
import { overviewPage, namesPage, pageKeys, type PageKey } from './campaign-page.ts'
import { benchEngines } from './engines.ts'
import { judge, type BenchArgs, type Figure, type Row, type Section } from './report.ts'
import { ms, summarize } from './stats.ts'

// Six: statements are prepared, and PostgreSQL plans the first five executions of each afresh (bench/views.ts).
const WARMUP = 6
const CHUNK = 250_000

interface Read {
  what: string
  spec?: string
  /** The target at bench scale, p99 in ms (leadership, native). */
  limit?: number
  specMs?: number
  run: (trx: Kysely<DB>, i: number) => Promise<unknown>
  /** Warm-up runs when `i` cycles through statements of different texts: WARMUP of each. */
  warmup?: number
  floor: (trx: Kysely<DB>, i: number) => Promise<unknown>
}

export async function benchGrowth(args: BenchArgs): Promise<Section> {
  const runs = args.runs ?? 30
  const cap = Number(process.env.GROWTH_MAX ?? (args.quick ? 1_000_000 : 10_000_000))
  const catalog = benchCatalog()
  const today = new Date().toISOString().slice(0, 10)
  const week = addDays(mondayOf(today), -7)
  const figures: Figure[] = []
  const sizes: Row[] = []
  const writes: Row[] = []

  // Native first: the targets are its figures.
  // GROWTH_ENGINES=native or pglite runs one (two processes can then run side by side).
  const only = process.env.GROWTH_ENGINES
  for (const [name, make] of (await benchEngines()).reverse().filter(([n]) => !only || n.toLowerCase().includes(only === 'native' ? 'native' : 'pglite'))) {
    const native = name.includes('native')
    const targets = [0, 1_000_000, 10_000_000].filter((n) => n <= cap && (native || n <= 1_000_000))
    const engine = await make()
    try {
      const migrated = await migrateUp(engine.pool)
      if (migrated.error) throw new Error(migrated.error.message)
      await seed(engine, { scale: 'bench', chunks: 0, progress: false })
      const tenantId = (await engine.db.selectFrom('workroom.tenants').select('id').where('slug', '=', catalog.slug).executeTakeFirstOrThrow()).id
      const key = catalog.people.find((p) => p.role === 'leadership')!.key
      const actor = await resolveIdentity(engine.db, { platform: 'playground', workspaceId: catalog.slug, externalUserId: key })
      if (!actor) throw new Error(`${catalog.slug}: ${key} has no playground identity`)
      const clients = (await engine.db.selectFrom('agency.clients').select('id').where('tenant_id', '=', tenantId).orderBy('name').execute()).map((c) => c.id)
      const campaigns = (await engine.db.selectFrom('agency.campaigns').select('id').where('tenant_id', '=', tenantId).orderBy('code').execute()).map((c) => c.id)

      for (const target of targets) {
        const started = performance.now()
        const entries = await grow(engine, tenantId, target)
        await sql`ANALYZE`.execute(engine.db)
        const label = `${(entries / 1e6).toFixed(entries < 1e6 ? 2 : 1)}M entries`
        sizes.push({ engine: name, entries, 'grown and analysed in': `${((performance.now() - started) / 1000).toFixed(0)} s` })
        process.stderr.write(`${name}: ${label}\n`)
        const keys = await withActor(engine.db, actor, (trx) => pageKeys(trx))
        for (const read of reads(week, clients, campaigns, keys)) {
          const timed = await measure(engine.db, actor, read.run, runs, read.warmup)
          const floor = await measure(engine.db, actor, read.floor, runs, read.warmup)
          const verdict = read.limit === undefined || !native ? '—' : judge('p99', timed.p99, read.limit)
          figures.push({
            engine: name, what: `${read.what} at ${label}`, median: timed.median, p99: timed.p99, unit: 'ms', runs: timed.runs,
            ...(read.limit !== undefined && native ? { target: `p99 < ${read.limit} ms` } : {}),
            ...(read.spec ? { spec: read.spec } : {}), verdict,
            note: `floor p50 ${ms(floor.median)}, p99 ${ms(floor.p99)}: ×${(timed.p99 / floor.p99).toFixed(1)} the floor at p99`
              + (read.specMs ? `, ${(timed.p99 / read.specMs * 100).toFixed(1)} % of the spec's figure` : '') + '.',
          })
          const f = figures[figures.length - 1]!
          process.stderr.write(`  ${f.what}: p50 ${ms(f.median)}, p99 ${ms(f.p99)}; ${f.note}\n`)
        }
        const cost = await writeCost(engine, name, label, tenantId, campaigns, runs * 4)
        for (const row of cost) process.stderr.write(`  ${JSON.stringify(row)}\n`)
        writes.push(...cost)
      }
    } finally {
      await engine.close()
    }
  }
  console.table(sizes)
  console.table(figures.map((f) => ({ engine: f.engine, what: f.what, p50: ms(f.median), p99: ms(f.p99), verdict: f.verdict, note: f.note })))
  console.table(writes)
  return {
    bench: 'growth', title: 'reads as timesheet history grows',
    lines: [
      `The bench agency (1,000 campaigns, 50 people, a year of timesheets) grown with older history to 1M and 10M entries on`
        + ` native PostgreSQL and to 1M on PGlite (capped at ${cap.toLocaleString('en')} in this run), ANALYZEd, then each read`
        + ` ${runs} times after ${WARMUP} warm-up ones (the page: ${WARMUP} of each page; statements prepared, as Workroom sends them), each in its own withActor transaction as the agency's leadership person.`
        + ' Beside each figure (in its note) the floor measured in the same run: the cheapest statement returning the same rows'
        + ' from the tables (campaigns by name; the client row; the week\'s campaign-week rows; the people of the week; the'
        + ' campaign row and its money; the visible campaigns /timesheet matches against).',
      'Targets (native, p99): campaign list page < 5 ms, Client 360 < 10 ms, weekly summaries < 20 ms; flat means the 10M'
        + ' figure within 1.5× of the 100k one.',
      'Write cost: one timesheet insert as the owner in its own transaction, rolled back, with the rollup trigger and then'
        + ' with it disabled (same session, one block each). Contention (native): two sessions each commit inserts on the same'
        + ' campaign and week at once (they update the same rollup rows, so one waits for the other\'s commit), against two'
        + ' sessions on different campaigns.',
    ],
    figures,
    details: [{ title: 'Sizes', rows: sizes }, { title: 'Write cost per timesheet insert', rows: writes }],
  }
}

function reads(week: string, clients: string[], campaigns: string[], keys: PageKey[]): Read[] {
  const ov = (trx: Kysely<DB>) => trx.selectFrom('agency.v_campaign_overview').selectAll().orderBy('name')
  const names = (trx: Kysely<DB>) => trx.selectFrom('agency.campaigns').select(['id', 'name', 'code', 'status']).orderBy('name')
  return [
    { what: 'campaign list, a page of 100 (keyset)', spec: '< 50 ms for 1,000 campaigns', specMs: 50, limit: 5,
      warmup: WARMUP * keys.length,
      run: (trx, i) => overviewPage(trx, keys[i % keys.length]!).execute(), floor: (trx, i) => namesPage(trx, keys[i % keys.length]!).execute() },
    { what: 'campaign list, all 1,000', spec: '< 50 ms for 1,000 campaigns', specMs: 50,
      run: (trx) => ov(trx).execute(), floor: (trx) => names(trx).execute() },
    { what: 'Client 360, one client', spec: '< 100 ms', specMs: 100, limit: 10,
      run: (trx, i) => trx.selectFrom('agency.v_client_360').selectAll().where('id', '=', clients[i % clients.length]!).execute(),
      floor: (trx, i) => trx.selectFrom('agency.clients').selectAll().where('id', '=', clients[i % clients.length]!).execute() },
    { what: 'weekly summary by campaign, one week', spec: '< 200 ms for 50 employees', specMs: 200, limit: 20,
      run: (trx) => trx.selectFrom('agency.v_timesheet_summary_by_campaign').selectAll().where('week_start_date', '=', week).orderBy('campaign_name').execute(),
      floor: (trx) => sql`SELECT w.*, c.name FROM workroom.campaign_week_hours w JOIN agency.campaigns c ON c.id = w.campaign_id
                          WHERE w.week_start_date = ${week} ORDER BY c.name`.execute(trx) },
    { what: 'weekly utilization per person, one week', spec: '< 200 ms for 50 employees', specMs: 200, limit: 20,
      run: (trx) => trx.selectFrom('agency.v_employee_utilization').selectAll().where('week_start_date', '=', week).orderBy('user_id').execute(),
      floor: (trx) => trx.selectFrom('agency.timesheet_entries').select('user_id').distinct().where('week_start_date', '=', week).execute() },
    { what: '/campaign figures: one campaign\'s overview row and campaign_financials()',
      run: async (trx, i) => {
        const id = campaigns[(i * 37) % campaigns.length]!
        await trx.selectFrom('agency.v_campaign_overview').selectAll().where('id', '=', id).execute()
        return sql`SELECT * FROM agency.campaign_financials(${id}::uuid)`.execute(trx)
      },
      floor: (trx, i) => trx.selectFrom('agency.campaigns').select(['id', 'name']).where('id', '=', campaigns[(i * 37) % campaigns.length]!).execute() },
  ]
}

async function measure(db: Kysely<DB>, actor: Actor, fn: (trx: Kysely<DB>, i: number) => Promise<unknown>, runs: number, warmup = WARMUP) {
  const times: number[] = []
  for (let i = 0; i < warmup + runs; i++) {
    const started = performance.now()
    await withActor(db, actor, (trx) => fn(trx, i))
    if (i >= warmup) times.push(performance.now() - started)
  }
  return summarize(times)
}

/**
 * Older history until the tenant has `target` entries (0: as seeded), written as the owner in
 * statements of CHUNK rows, through every trigger (the rollups' included). Returns the count.
 */
async function grow(engine: Engine, tenantId: string, target: number): Promise<number> {
  const count = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM agency.timesheet_entries WHERE tenant_id = ${tenantId}`.execute(engine.db)).rows[0]!.n)
  let have = await count()
  while (have < target) {
    const n = Math.min(CHUNK, target - have)
    // Entry k goes back k/2000 days before the seed's first entry (about 2,000 entries a day, a
    // 50-person agency at 40 entries a day each), on a person and campaign picked by k.
    await sql`
      WITH ctx AS (
        SELECT (SELECT array_agg(id ORDER BY id) FROM workroom.people WHERE tenant_id = ${tenantId}) AS people,
               (SELECT array_agg(id ORDER BY id) FROM agency.campaigns WHERE tenant_id = ${tenantId}) AS campaigns,
               (SELECT min(entry_date) FROM agency.timesheet_entries WHERE tenant_id = ${tenantId}) AS first)
      INSERT INTO agency.timesheet_entries (tenant_id, user_id, campaign_id, entry_date, hours, is_billable, cost_rate, bill_rate, status, source, description)
      SELECT ${tenantId}, ctx.people[1 + (k % cardinality(ctx.people))], ctx.campaigns[1 + ((k * 7919) % cardinality(ctx.campaigns))],
             ctx.first - 1 - (k / 2000)::int, 0.25 * (1 + k % 16), k % 5 <> 0, 60, 150, 'approved', 'import', 'history'
        FROM ctx, generate_series(1, ${n}::int) g(k)`.execute(engine.db)
    have += n
  }
  return count()
}

/** Insert cost with and without the rollup triggers; on native, contention on one campaign. */
async function writeCost(engine: Engine, name: string, label: string, tenantId: string, campaigns: string[], runs: number): Promise<Row[]> {
  const people = (await engine.db.selectFrom('workroom.people').select('id').where('tenant_id', '=', tenantId).execute()).map((p) => p.id)
  const insert = (client: pg.PoolClient | pg.Client, campaign: string, i: number) => client.query(
    `INSERT INTO agency.timesheet_entries (tenant_id, user_id, campaign_id, entry_date, hours, cost_rate, bill_rate, source)
     VALUES ($1, $2, $3, current_date - 1, 1.5, 60, 150, 'import')`, [tenantId, people[i % people.length], campaign])
  const client = await engine.pool.connect()
  const rows: Row[] = []
  try {
    // One block with the trigger, one without: switching it per insert would invalidate the
    // session's cached plans (the trigger functions' included) every time.
    const block = async () => {
      const times: number[] = []
      for (let i = 0; i < WARMUP + runs; i++) {
        await client.query('BEGIN')
        const started = performance.now()
        await insert(client, campaigns[i % campaigns.length]!, i)
        const took = performance.now() - started
        await client.query('ROLLBACK')
        if (i >= WARMUP) times.push(took)
      }
      return summarize(times)
    }
    const a = await block()
    await client.query('ALTER TABLE agency.timesheet_entries DISABLE TRIGGER trg_timesheet_rollups_insert')
    const b = await block().finally(() => client.query('ALTER TABLE agency.timesheet_entries ENABLE TRIGGER trg_timesheet_rollups_insert'))
    rows.push({ engine: name, size: label, what: 'one insert (statement only)', 'with rollups p50': ms(a.median), 'p99': ms(a.p99), 'without p50': ms(b.median), 'without p99': ms(b.p99), 'added p50': ms(a.median - b.median) })
  } finally {
    client.release()
  }
  if (engine.kind !== 'postgres') return rows
  // Two sessions committing inserts at once: on one campaign and week, then on two campaigns.
  for (const same of [true, false]) {
    const clients = [await engine.pool.connect(), await engine.pool.connect()]
    const times: number[] = []
    const started = performance.now()
    try {
      await Promise.all(clients.map(async (c, s) => {
        for (let i = 0; i < runs; i++) {
          const t0 = performance.now()
          await c.query('BEGIN')
          await insert(c, campaigns[same ? 0 : s]!, i + s)
          await c.query('COMMIT')
          times.push(performance.now() - t0)
        }
      }))
    } finally {
      clients.forEach((c) => c.release())
    }
    const s = summarize(times)
    rows.push({ engine: name, size: label, what: `two sessions, ${runs} committed inserts each, ${same ? 'one campaign and week' : 'two campaigns'}`,
      'with rollups p50': ms(s.median), 'p99': ms(s.p99), 'without p50': '—', 'without p99': '—', 'added p50': `${((performance.now() - started) / 1000).toFixed(2)} s wall` })
  }
  return rows
}
