import { sql } from 'kysely'
import { afterEach, expect, it } from 'vitest'
import { withActor } from '../../src/db/actor.ts'
import type { Engine } from '../../src/db/engine.ts'
import { migrateUp } from '../../src/db/migrate.ts'
import { describeEachEngine } from '../support/engines.ts'
import { actorOf, seedFixture } from '../support/fixture.ts'

// Minimal stand-ins for the agency's other systems: just enough columns for migration 004 to
// link to and for the two functions to read.
const INTEGRATION_SCHEMAS = `
  CREATE SCHEMA finance_ppm;
  CREATE TABLE finance_ppm.projects (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
  CREATE SCHEMA te;
  CREATE TABLE te.expense_lines (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), amount numeric(12,2) NOT NULL,
                                 category text, currency text, expense_date date);
  CREATE SCHEMA gear;
  CREATE TABLE gear.checkouts (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), item_name text NOT NULL,
                               checked_out_by text, checked_out_at timestamptz NOT NULL, due_at timestamptz, returned_at timestamptz);
`

async function linkColumns(e: Engine) {
  const { rows } = await e.pool.query<{ rel: string; has_column: boolean; has_fk: boolean }>(`
    SELECT rel,
           EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(rel) AND attname = 'agency_campaign_id' AND NOT attisdropped) AS has_column,
           EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass(rel) AND contype = 'f'
                     AND confrelid = 'agency.campaigns'::regclass) AS has_fk
      FROM unnest(ARRAY['finance_ppm.projects', 'te.expense_lines', 'gear.checkouts']) rel
     WHERE to_regclass(rel) IS NOT NULL ORDER BY rel`)
  return rows
}

describeEachEngine('integration schemas (migration 004)', (engine) => {
  const open: Engine[] = []
  afterEach(async () => {
    await Promise.all(open.splice(0).map((e) => e.close()))
  })

  it('adds link columns and foreign keys where finance_ppm, te and gear exist, and the functions return their data', async () => {
    const e = await engine.empty()
    open.push(e)
    await e.pool.query(INTEGRATION_SCHEMAS)
    expect((await migrateUp(e.pool)).error).toBeUndefined()
    expect(await linkColumns(e)).toEqual([
      { rel: 'finance_ppm.projects', has_column: true, has_fk: true },
      { rel: 'gear.checkouts', has_column: true, has_fk: true },
      { rel: 'te.expense_lines', has_column: true, has_fk: true },
    ])
    const fx = await seedFixture(e.db)
    const cX = fx.A.rows.get('campaign:cX')!
    const bX = fx.B.rows.get('campaign:cX')!
    await e.pool.query(`
      INSERT INTO te.expense_lines (amount, category, currency, expense_date, agency_campaign_id) VALUES
        (120.50, 'travel', 'GBP', '2026-11-02', $1), (79.50, 'travel', 'GBP', '2026-11-09', $1),
        (300, 'catering', 'GBP', '2026-11-05', $1), (999, 'travel', 'GBP', '2026-11-05', $2)`, [cX, bX])
    await e.pool.query(`
      INSERT INTO gear.checkouts (item_name, checked_out_by, checked_out_at, returned_at, agency_campaign_id) VALUES
        ('Sony FX6', 'creative A', '2026-11-10T09:00:00Z', NULL, $1),
        ('Aputure 600d', 'creative A', '2026-11-03T09:00:00Z', '2026-11-04T17:00:00Z', $1),
        ('RED Komodo', 'someone B', '2026-11-10T09:00:00Z', NULL, $2)`, [cX, bX])

    // The creative works on cX; the functions read through RLS on the campaign.
    await withActor(e.db, actorOf(fx, 'A', 'creative'), async (trx) => {
      const expenses = await sql`SELECT * FROM agency.get_campaign_expenses(${cX}::uuid)`.execute(trx)
      expect(expenses.rows).toEqual([
        { category: 'catering', currency: 'GBP', line_count: 1, total_amount: 300, first_expense_date: '2026-11-05', last_expense_date: '2026-11-05' },
        { category: 'travel', currency: 'GBP', line_count: 2, total_amount: 200, first_expense_date: '2026-11-02', last_expense_date: '2026-11-09' },
      ])
      const gear = await sql<{ item_name: string; status: string }>`SELECT item_name, status FROM agency.get_campaign_equipment(${cX}::uuid)`.execute(trx)
      expect(gear.rows).toEqual([{ item_name: 'Sony FX6', status: 'out' }, { item_name: 'Aputure 600d', status: 'returned' }])
      // Another tenant's campaign, by id: nothing.
      expect((await sql`SELECT * FROM agency.get_campaign_expenses(${bX}::uuid)`.execute(trx)).rows).toEqual([])
      expect((await sql`SELECT * FROM agency.get_campaign_equipment(${bX}::uuid)`.execute(trx)).rows).toEqual([])
    })
    // The outsider cannot see cX, so its expenses stay hidden too.
    await withActor(e.db, actorOf(fx, 'A', 'outsider'), async (trx) => {
      expect((await sql`SELECT * FROM agency.get_campaign_expenses(${cX}::uuid)`.execute(trx)).rows).toEqual([])
    })
    // ON DELETE SET NULL: removing a campaign unlinks, never deletes, the other system's rows.
    await e.pool.query(`DELETE FROM agency.timesheet_entries WHERE campaign_id = $1`, [cX])
    await e.pool.query(`DELETE FROM agency.campaigns WHERE id = $1`, [cX])
    const lines = await e.pool.query(`SELECT count(*)::int AS n FROM te.expense_lines WHERE agency_campaign_id IS NULL`)
    expect(lines.rows[0].n).toBe(3)
  })

  it('skips what is missing: no integration schemas, no columns, and the functions return empty sets', async () => {
    const e = await engine.migrated()
    open.push(e)
    expect(await linkColumns(e)).toEqual([])
    const fx = await seedFixture(e.db)
    await withActor(e.db, actorOf(fx, 'A', 'leadership'), async (trx) => {
      const cX = fx.A.rows.get('campaign:cX')!
      expect((await sql`SELECT * FROM agency.get_campaign_expenses(${cX}::uuid)`.execute(trx)).rows).toEqual([])
      expect((await sql`SELECT * FROM agency.get_campaign_equipment(${cX}::uuid)`.execute(trx)).rows).toEqual([])
    })
  })

  it('returns empty sets when a schema appears after migrating, without the link column', async () => {
    const e = await engine.migrated()
    open.push(e)
    await e.pool.query(INTEGRATION_SCHEMAS)
    const fx = await seedFixture(e.db)
    await withActor(e.db, actorOf(fx, 'A', 'leadership'), async (trx) => {
      const cX = fx.A.rows.get('campaign:cX')!
      expect((await sql`SELECT * FROM agency.get_campaign_expenses(${cX}::uuid)`.execute(trx)).rows).toEqual([])
      expect((await sql`SELECT * FROM agency.get_campaign_equipment(${cX}::uuid)`.execute(trx)).rows).toEqual([])
    })
  })
})
