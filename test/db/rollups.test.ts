import { sql, type Kysely } from 'kysely'
import { describe, expect, it } from 'vitest'
import { withActor } from '../../src/db/actor.ts'
import { addDays } from '../../src/dates.ts'
import type { DB } from '../../src/db/schema.ts'
import { describeEachEngine, postgres } from '../support/engines.ts'
import { PEOPLE, actorOf, useFixtureDatabase, type Fixture, type TenantKey } from '../support/fixture.ts'
import { compareViews, compareViewsIn, installLegacyViews } from '../support/legacy-views.ts'

/**
 * Each rollup of migration 021 as a full recompute from the tables it sums: what the triggers'
 * deltas must always equal. Rows as text, sorted.
 */
const RECOMPUTE: Record<string, { actual: string; expected: string }> = {
  person_week_hours: {
    actual: `SELECT (tenant_id, campaign_id, user_id, week_start_date, hours, billable_hours, entry_count, last_entry_date)::text FROM workroom.person_week_hours`,
    expected: `SELECT (tenant_id, campaign_id, user_id, week_start_date, sum(hours), coalesce(sum(hours) FILTER (WHERE is_billable), 0), count(*), max(entry_date))::text
                 FROM agency.timesheet_entries GROUP BY tenant_id, campaign_id, user_id, week_start_date`,
  },
  campaign_week_hours: {
    actual: `SELECT (tenant_id, campaign_id, week_start_date, hours, billable_hours, entry_count, people_count)::text FROM workroom.campaign_week_hours`,
    expected: `SELECT (tenant_id, campaign_id, week_start_date, sum(hours), coalesce(sum(hours) FILTER (WHERE is_billable), 0), count(*), count(DISTINCT user_id))::text
                 FROM agency.timesheet_entries GROUP BY tenant_id, campaign_id, week_start_date`,
  },
  campaign_hours: {
    actual: `SELECT (tenant_id, campaign_id, hours, billable_hours, entry_count, last_entry_date)::text FROM workroom.campaign_hours`,
    expected: `SELECT (tenant_id, campaign_id, sum(hours), coalesce(sum(hours) FILTER (WHERE is_billable), 0), count(*), max(entry_date))::text
                 FROM agency.timesheet_entries GROUP BY tenant_id, campaign_id`,
  },
  campaign_week_money: {
    actual: `SELECT (tenant_id, campaign_id, week_start_date, cost_amount, bill_amount, entry_count)::text FROM workroom.campaign_week_money`,
    expected: `SELECT (tenant_id, campaign_id, week_start_date, sum(cost_amount), sum(bill_amount), count(*))::text
                 FROM agency.timesheet_entries GROUP BY tenant_id, campaign_id, week_start_date`,
  },
  campaign_money: {
    actual: `SELECT (tenant_id, campaign_id, budget, cost_amount, bill_amount, entry_count)::text FROM workroom.campaign_money`,
    expected: `SELECT (c.tenant_id, c.id, c.budget, coalesce(sum(e.cost_amount), 0), coalesce(sum(e.bill_amount), 0), count(e.id))::text
                 FROM agency.campaigns c LEFT JOIN agency.timesheet_entries e ON e.campaign_id = c.id GROUP BY c.tenant_id, c.id, c.budget`,
  },
  campaign_plan_rollups: {
    actual: `SELECT (tenant_id, campaign_id, phase_count, current_phase, progress_percent, team_size)::text FROM workroom.campaign_plan_rollups`,
    expected: `SELECT (c.tenant_id, c.id,
                       (SELECT count(*) FROM agency.campaign_phases p WHERE p.campaign_id = c.id),
                       (SELECT (array_agg(p.name ORDER BY p.phase_order) FILTER (WHERE p.status = 'in_progress'))[1] FROM agency.campaign_phases p WHERE p.campaign_id = c.id),
                       (SELECT round(avg(p.progress_percent), 1) FROM agency.campaign_phases p WHERE p.campaign_id = c.id),
                       (SELECT count(DISTINCT a.user_id) FROM agency.team_allocations a WHERE a.campaign_id = c.id))::text
                 FROM agency.campaigns c`,
  },
  campaign_artifact_rollups: {
    actual: `SELECT (tenant_id, campaign_id, artifact_count, artifacts_in_review)::text FROM workroom.campaign_artifact_rollups`,
    expected: `SELECT (c.tenant_id, c.id, (SELECT count(*) FROM agency.artifacts a WHERE a.campaign_id = c.id),
                       (SELECT count(*) FROM agency.artifacts a WHERE a.campaign_id = c.id AND a.status = 'in_review'))::text
                 FROM agency.campaigns c`,
  },
}

/** Rollups whose rows differ from a full recompute, with the differing rows. */
async function outOfStep(db: Kysely<DB>) {
  const rows = async (q: string) => (await sql.raw<{ row: string }>(`SELECT r AS row FROM (${q}) s(r)`).execute(db)).rows.map((r) => r.row).sort()
  const out: Array<{ rollup: string; actual: string[]; expected: string[] }> = []
  for (const [rollup, q] of Object.entries(RECOMPUTE)) {
    const actual = await rows(q.actual)
    const expected = await rows(q.expected)
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      out.push({ rollup, actual: actual.filter((r) => !expected.includes(r)), expected: expected.filter((r) => !actual.includes(r)) })
    }
  }
  return out
}

/** mulberry32: a seeded generator, so a failing sequence can be replayed from its seed. */
function random(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number) => Math.floor(next() * n)
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!
  return { next, int, pick }
}

const SEED = Number(process.env.ROLLUP_SEED ?? 20251210)
const STEPS = 240
/** Plain inserts twice as often as the rest: the common write. */
const OPS = ['insert', 'insert', 'insertMany', 'update', 'move', 'review', 'delete', 'deleteMany', 'asActor', 'phase', 'allocation', 'artifact', 'budget', 'campaign'] as const

describeEachEngine('rollups', (engine) => {
  const ctx = useFixtureDatabase(engine)

  it(`stay equal to a full recompute through ${STEPS} random inserts, updates, deletes and moves (seed ${SEED})`, async () => {
    const { e, fx } = ctx
    const db = e.db
    expect(await outOfStep(db)).toEqual([])
    const r = random(SEED)
    const today = new Date().toISOString().slice(0, 10)
    const tenants = ['A', 'B'] as const
    const campaigns = (t: TenantKey) => db.selectFrom('agency.campaigns').select(['id', 'client_id']).where('tenant_id', '=', fx[t].tenantId).execute()
    const entries = (t: TenantKey) => db.selectFrom('agency.timesheet_entries').select(['id', 'user_id', 'campaign_id']).where('tenant_id', '=', fx[t].tenantId).execute()
    const hours = () => (1 + r.int(32)) / 4
    const day = () => addDays(today, -r.int(40))
    const entry = async (t: TenantKey) => ({
      tenant_id: fx[t].tenantId, user_id: fx[t].people[r.pick(PEOPLE)], campaign_id: r.pick(await campaigns(t)).id,
      entry_date: day(), hours: hours(), is_billable: r.next() < 0.7, cost_rate: r.pick([null, 0, 55.5, 60]), bill_rate: r.pick([null, 150, 175.25]),
    })
    const done: Record<string, number> = {}
    for (let step = 0; step < STEPS; step++) {
      const t = r.pick(tenants)
      const op = r.pick(OPS)
      done[op] = (done[op] ?? 0) + 1
      const existing = await entries(t)
      const some = existing.length ? r.pick(existing) : undefined
      switch (op) {
        case 'insert':
          await db.insertInto('agency.timesheet_entries').values(await entry(t)).execute()
          break
        case 'insertMany':
          await db.insertInto('agency.timesheet_entries').values(await Promise.all(Array.from({ length: 2 + r.int(5) }, () => entry(t)))).execute()
          break
        case 'update':
          if (some) await db.updateTable('agency.timesheet_entries').set({ hours: hours(), entry_date: day(), is_billable: r.next() < 0.5 }).where('id', '=', some.id).execute()
          break
        case 'move':
          if (some) await db.updateTable('agency.timesheet_entries').set({ campaign_id: r.pick(await campaigns(t)).id }).where('id', '=', some.id).execute()
          break
        case 'review':
          if (some) await db.updateTable('agency.timesheet_entries').set({ status: r.pick(['approved', 'submitted', 'rejected'] as const) }).where('id', '=', some.id).execute()
          break
        case 'delete':
          if (some) await db.deleteFrom('agency.timesheet_entries').where('id', '=', some.id).execute()
          break
        case 'deleteMany':
          await db.deleteFrom('agency.timesheet_entries').where('id', 'in', existing.filter(() => r.next() < 0.15).map((x) => x.id).concat(['00000000-0000-4000-8000-000000000000'])).execute()
          break
        case 'asActor': {
          // The app's path: a person logs, edits and deletes their own time under row security.
          const person = r.pick(['account', 'creative', 'pm', 'leadership'] as const)
          const actor = actorOf(fx as Fixture, t, person)
          await withActor(db, actor, async (trx) => {
            const visible = await trx.selectFrom('agency.campaigns').select('id').execute()
            if (!visible.length) return   // a random allocation delete took them off their only campaign
            const row = await trx.insertInto('agency.timesheet_entries')
              .values({ tenant_id: actor.tenantId, user_id: actor.userId, campaign_id: r.pick(visible).id, entry_date: day(), hours: hours() })
              .returning('id').executeTakeFirstOrThrow()
            if (r.next() < 0.5) await trx.updateTable('agency.timesheet_entries').set({ hours: hours(), campaign_id: r.pick(visible).id }).where('id', '=', row.id).execute()
            if (r.next() < 0.3) await trx.deleteFrom('agency.timesheet_entries').where('id', '=', row.id).execute()
          })
          break
        }
        case 'phase': {
          const c = r.pick(await campaigns(t))
          const phases = await db.selectFrom('agency.campaign_phases').select(['id', 'name']).where('campaign_id', '=', c.id).execute()
          const which = r.int(3)
          if (which === 0 || !phases.length) {
            await db.insertInto('agency.campaign_phases').values({ tenant_id: fx[t].tenantId, campaign_id: c.id, name: `P${step}`, phase_order: 10 + step, status: r.pick(['in_progress', 'not_started', 'completed']), progress_percent: r.int(101) }).execute()
          } else if (which === 1) {
            // Names are unique per campaign and orders distinct, so current_phase has one answer.
            const phase = r.pick(phases)
            const move = phase.name.startsWith('P') ? { campaign_id: r.pick(await campaigns(t)).id } : {}
            await db.updateTable('agency.campaign_phases').set({ status: r.pick(['in_progress', 'completed'] as const), progress_percent: r.int(101), ...move }).where('id', '=', phase.id).execute()
          } else {
            await db.deleteFrom('agency.campaign_phases').where('id', '=', r.pick(phases).id).execute()
          }
          break
        }
        case 'allocation': {
          const c = r.pick(await campaigns(t))
          const week = addDays(today, -7 * r.int(6) - ((new Date(today).getUTCDay() + 6) % 7))
          if (r.next() < 0.6) {
            await db.insertInto('agency.team_allocations').values({ tenant_id: fx[t].tenantId, campaign_id: c.id, user_id: fx[t].people[r.pick(PEOPLE)], week_start_date: week, capacity_percentage: 10 + r.int(60) })
              .onConflict((oc) => oc.doNothing()).execute()
          } else {
            const a = await db.selectFrom('agency.team_allocations').select('id').where('tenant_id', '=', fx[t].tenantId).execute()
            if (a.length) await db.deleteFrom('agency.team_allocations').where('id', '=', r.pick(a).id).execute()
          }
          break
        }
        case 'artifact': {
          const arts = await db.selectFrom('agency.artifacts').select('id').where('tenant_id', '=', fx[t].tenantId).execute()
          const which = r.int(4)
          if (which === 0 || !arts.length) {
            await db.insertInto('agency.artifacts').values({ tenant_id: fx[t].tenantId, campaign_id: r.pick(await campaigns(t)).id, title: `a${step}`, artifact_type: 'brief', owner_id: fx[t].people[r.pick(PEOPLE)], status: r.pick(['draft', 'in_review'] as const) }).execute()
          } else if (which === 1) {
            await db.updateTable('agency.artifacts').set({ status: r.pick(['draft', 'in_review', 'approved'] as const) }).where('id', '=', r.pick(arts).id).execute()
          } else if (which === 2) {
            await db.updateTable('agency.artifacts').set({ campaign_id: r.next() < 0.2 ? null : r.pick(await campaigns(t)).id }).where('id', '=', r.pick(arts).id).execute()
          } else {
            await db.deleteFrom('agency.artifacts').where('id', '=', r.pick(arts).id).execute()
          }
          break
        }
        case 'budget':
          // Raw SQL: the schema types budgets as never updatable (the app may not; the owner may).
          await sql`UPDATE agency.campaigns SET budget = ${r.pick([null, 1000, 99_999.99])} WHERE id = ${r.pick(await campaigns(t)).id}`.execute(db)
          break
        case 'campaign': {
          const cs = await campaigns(t)
          const spare = await db.selectFrom('agency.campaigns').select('id').where('tenant_id', '=', fx[t].tenantId).where('code', 'like', 'R-%')
            .where(({ not, exists, selectFrom }) => not(exists(selectFrom('agency.timesheet_entries as e').select('e.id').whereRef('e.campaign_id', '=', 'agency.campaigns.id')))).execute()
          if (spare.length && r.next() < 0.4) {
            // Its phases, allocations and artifacts go with it (cascades, whose triggers find it gone).
            await db.deleteFrom('agency.campaigns').where('id', '=', r.pick(spare).id).execute()
          } else {
            await db.insertInto('agency.campaigns').values({ tenant_id: fx[t].tenantId, client_id: r.pick(cs).client_id, name: `Random ${step}`, code: `R-${step}`, budget: 5000 }).execute()
          }
          break
        }
      }
      if (step % 20 === 19) expect({ step, op, out: await outOfStep(db) }).toEqual({ step, op, out: [] })
    }
    expect(await outOfStep(db)).toEqual([])
    expect(Object.keys(done).sort()).toEqual([...new Set(OPS)].sort())
    // And what every reader gets from the views is still what 006's definitions give.
    await installLegacyViews(db)
    for (const t of tenants) {
      for (const person of PEOPLE) expect({ t, person, diffs: await compareViews(db, actorOf(ctx.fx, t, person)) }).toEqual({ t, person, diffs: [] })
    }
    expect(await compareViews(db, undefined)).toEqual([])
  }, 240_000)

  it('is noticed by the view comparison when a rollup is out of step', async () => {
    const { e, fx } = ctx
    await installLegacyViews(e.db)
    const rollback = new Error('rollback')
    const seen = await e.db.transaction().execute(async (trx) => {
      await sql`UPDATE workroom.campaign_hours SET hours = hours + 1 WHERE campaign_id = ${fx.A.rows.get('campaign:cX')!}`.execute(trx)
      const diffs = await compareViewsIn(trx)
      throw Object.assign(rollback, { diffs })
    }).catch((err: Error & { diffs?: unknown }) => {
      if (err !== rollback) throw err
      return err.diffs as Array<{ relation: string }>
    })
    expect(seen.map((d) => d.relation)).toEqual(expect.arrayContaining(['v_campaign_overview', 'v_client_360']))
  })

  it('shows each person only the rollup rows the rows they sum allow, and lets nobody in the app write them', async () => {
    const { e, fx } = ctx
    const sees = { money: ['leadership', 'finance'], all: ['leadership', 'finance', 'pm'] }
    for (const person of PEOPLE) {
      const actor = actorOf(fx, 'A', person)
      const read = await withActor(e.db, actor, async (trx) => ({
        money: await sql<{ tenant_id: string }>`SELECT tenant_id FROM workroom.campaign_money UNION ALL SELECT tenant_id FROM workroom.campaign_week_money`.execute(trx),
        hours: await sql<{ tenant_id: string }>`SELECT tenant_id FROM workroom.campaign_hours UNION ALL SELECT tenant_id FROM workroom.campaign_week_hours`.execute(trx),
        people: await sql<{ tenant_id: string; user_id: string }>`SELECT tenant_id, user_id FROM workroom.person_week_hours`.execute(trx),
      }))
      expect(read.money.rows.length > 0, `${person} reads money rollups`).toBe(sees.money.includes(person))
      expect(read.hours.rows.length > 0, `${person} reads whole-campaign hours`).toBe(sees.all.includes(person))
      // Nothing of another tenant. (A person whose own entries the random writes above all deleted reads no row at all.)
      const foreign = [...read.money.rows, ...read.hours.rows, ...read.people.rows].filter((r) => r.tenant_id !== fx.A.tenantId)
      expect(foreign, `${person} reads another tenant's rollups`).toEqual([])
      const others = read.people.rows.filter((r) => r.user_id !== actor.userId)
      expect(others.length > 0, `${person} reads others' hours per week`).toBe(sees.all.includes(person))
      for (const table of ['campaign_money', 'campaign_hours', 'person_week_hours', 'campaign_plan_rollups']) {
        const attempt = (q: ReturnType<typeof sql>) => withActor(e.db, actor, (trx) => q.execute(trx)).then(() => 'written', (err: { code?: string }) => err.code)
        expect(await attempt(sql`UPDATE ${sql.table(`workroom.${table}`)} SET tenant_id = tenant_id`), `${person} updates ${table}`).toBe('42501')
        expect(await attempt(sql`DELETE FROM ${sql.table(`workroom.${table}`)}`), `${person} deletes from ${table}`).toBe('42501')
      }
    }
  })
})

// Two sessions at once: needs a server (PGlite is one connection, so its transactions queue).
const concurrent = process.env.TEST_DATABASE_URL
  ? describe
  : describe.skip
concurrent(`rollups under concurrent writers [postgres${process.env.TEST_DATABASE_URL ? '' : ': skipped, TEST_DATABASE_URL is not set'}]`, () => {
  const ctx = useFixtureDatabase(postgres)

  it('counts both people when two of them log the same campaign and week at once', async () => {
    const { e, fx } = ctx
    const campaign = fx.A.rows.get('campaign:cY')!
    const week = '2026-11-09'
    const entry = (person: 'pm' | 'finance') => ({
      tenant_id: fx.A.tenantId, user_id: fx.A.people[person], campaign_id: campaign, entry_date: '2026-11-10', hours: 1, cost_rate: 50, bill_rate: 150,
    })
    const first = await e.pool.connect()
    const second = await e.pool.connect()
    try {
      await first.query('BEGIN')
      const row = entry('pm')
      await first.query(`INSERT INTO agency.timesheet_entries (tenant_id, user_id, campaign_id, entry_date, hours, cost_rate, bill_rate)
                         VALUES ($1, $2, $3, $4, $5, $6, $7)`, Object.values(row))
      const pid = (await second.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid
      const other = entry('finance')
      // The second insert waits on the campaign-week rollup row the first one holds ...
      const waiting = second.query(`INSERT INTO agency.timesheet_entries (tenant_id, user_id, campaign_id, entry_date, hours, cost_rate, bill_rate)
                                     VALUES ($1, $2, $3, $4, $5, $6, $7)`, Object.values(other))
      for (let i = 0; i < 2000; i++) {
        const w = await e.pool.query<{ waiting: boolean }>(`SELECT wait_event_type = 'Lock' AS waiting FROM pg_stat_activity WHERE pid = $1`, [pid])
        if (w.rows[0]?.waiting) break
        await new Promise((resolve) => setImmediate(resolve))
        if (i === 1999) throw new Error('the second insert never waited for the first')
      }
      // ... and goes on once the first commits, with that person counted.
      await first.query('COMMIT')
      await waiting
    } finally {
      first.release()
      second.release()
    }
    const row = await sql<{ people_count: string }>`SELECT people_count FROM workroom.campaign_week_hours
                                                    WHERE campaign_id = ${campaign} AND week_start_date = ${week}`.execute(e.db)
    expect(Number(row.rows[0]!.people_count)).toBe(2)
    expect(await outOfStep(e.db)).toEqual([])
  })
})
