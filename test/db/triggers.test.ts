import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { withActor } from '../../src/db/actor.ts'
import { describeEachEngine } from '../support/engines.ts'
import { actorOf, useFixtureDatabase } from '../support/fixture.ts'

describeEachEngine('triggers', (engine) => {
  const ctx = useFixtureDatabase(engine)

  it('moves updated_at on update and leaves created_at', async () => {
    const id = ctx.fx.A.rows.get('campaign:cX')!
    const before = await ctx.e.db.selectFrom('agency.campaigns').select(['created_at', 'updated_at']).where('id', '=', id).executeTakeFirstOrThrow()
    await sql`SELECT pg_sleep(0.01)`.execute(ctx.e.db)
    await withActor(ctx.e.db, actorOf(ctx.fx, 'A', 'pm'), (trx) =>
      trx.updateTable('agency.campaigns').set({ status: 'on_hold' }).where('id', '=', id).execute())
    const after = await ctx.e.db.selectFrom('agency.campaigns').select(['created_at', 'updated_at']).where('id', '=', id).executeTakeFirstOrThrow()
    expect(after.updated_at.getTime()).toBeGreaterThan(before.updated_at.getTime())
    expect(after.created_at).toEqual(before.created_at)
  })

  it('snapshots a new artifact version when its content changes, and not for a status change', async () => {
    const id = ctx.fx.A.rows.get('artifact:aOwn')!
    const creative = actorOf(ctx.fx, 'A', 'creative')
    await withActor(ctx.e.db, creative, async (trx) => {
      await trx.updateTable('agency.artifacts').set({ status: 'in_review' }).where('id', '=', id).execute()
      await trx.updateTable('agency.artifacts').set({ content: 'second draft', metadata: JSON.stringify({ change_summary: 'tightened the headline' }) }).where('id', '=', id).execute()
      await trx.updateTable('agency.artifacts').set({ content: 'third draft' }).where('id', '=', id).execute()
    })
    const artifact = await ctx.e.db.selectFrom('agency.artifacts').select(['current_version', 'content']).where('id', '=', id).executeTakeFirstOrThrow()
    expect(artifact).toEqual({ current_version: 3, content: 'third draft' })
    const versions = await withActor(ctx.e.db, creative, (trx) =>
      trx.selectFrom('agency.artifact_versions').select(['version_number', 'content', 'change_summary', 'created_by'])
        .where('artifact_id', '=', id).orderBy('version_number').execute())
    expect(versions).toEqual([
      { version_number: 1, content: 'draft of aOwn', change_summary: 'Created', created_by: null },
      { version_number: 2, content: 'second draft', change_summary: 'tightened the headline', created_by: creative.userId },
      { version_number: 3, content: 'third draft', change_summary: null, created_by: creative.userId },
    ])
  })

  it('sets week_start_date to the Monday of entry_date, whatever the caller sends', async () => {
    const pm = actorOf(ctx.fx, 'A', 'pm')
    const cases: Array<[string, string]> = [
      ['2026-11-23', '2026-11-23'], // Monday
      ['2026-11-25', '2026-11-23'], // Wednesday
      ['2026-11-29', '2026-11-23'], // Sunday belongs to the week before
      ['2027-01-01', '2026-12-28'], // across a year boundary
      ['2028-02-29', '2028-02-28'], // leap day (ahead: the app may not write 2024, it is locked)
    ]
    for (const [entryDate, monday] of cases) {
      const row = await withActor(ctx.e.db, pm, (trx) => trx.insertInto('agency.timesheet_entries').values({
        tenant_id: pm.tenantId, user_id: pm.userId, campaign_id: ctx.fx.A.rows.get('campaign:cY')!,
        entry_date: entryDate, week_start_date: '1999-01-01', hours: 1,
      }).returning(['id', 'week_start_date']).executeTakeFirstOrThrow())
      expect(row.week_start_date, entryDate).toBe(monday)
      const moved = await withActor(ctx.e.db, pm, (trx) => trx.updateTable('agency.timesheet_entries')
        .set({ entry_date: '2026-11-19' }).where('id', '=', row.id).returning('week_start_date').executeTakeFirstOrThrow())
      expect(moved.week_start_date).toBe('2026-11-16')
    }
  })

  it('refuses hours outside (0, 24] and allocations that do not start on a Monday', async () => {
    const pm = actorOf(ctx.fx, 'A', 'pm')
    for (const hours of [0, -1, 24.25]) {
      await expect(withActor(ctx.e.db, pm, (trx) => trx.insertInto('agency.timesheet_entries').values({
        tenant_id: pm.tenantId, user_id: pm.userId, campaign_id: ctx.fx.A.rows.get('campaign:cY')!, entry_date: '2026-11-20', hours,
      }).execute())).rejects.toMatchObject({ code: '23514' })
    }
    await expect(withActor(ctx.e.db, pm, (trx) => trx.insertInto('agency.team_allocations').values({
      tenant_id: pm.tenantId, user_id: pm.userId, campaign_id: ctx.fx.A.rows.get('campaign:cY')!, week_start_date: '2026-11-25', capacity_percentage: 10,
    }).execute())).rejects.toMatchObject({ code: '23514' })
  })

  it("snapshots the person's rates into bill and cost amounts, with non-billable hours billing nothing", async () => {
    // The app never sends rates (migration 015 refuses them): the entry takes the person's, 50 and 150.
    const creative = actorOf(ctx.fx, 'A', 'creative')
    const ids = await withActor(ctx.e.db, creative, async (trx) => Promise.all([true, false].map(async (billable) =>
      (await trx.insertInto('agency.timesheet_entries').values({
        tenant_id: creative.tenantId, user_id: creative.userId, campaign_id: ctx.fx.A.rows.get('campaign:cX')!,
        entry_date: '2026-11-20', hours: 1.5, is_billable: billable,
      }).returning('id').executeTakeFirstOrThrow()).id)))
    const rows = await sql<{ cost_amount: number; bill_amount: number }>`
      SELECT cost_amount, bill_amount FROM agency.timesheet_entries WHERE id = ANY(${ids}::uuid[]) ORDER BY bill_amount DESC`.execute(ctx.e.db)
    expect(rows.rows).toEqual([{ cost_amount: 75, bill_amount: 225 }, { cost_amount: 75, bill_amount: 0 }])
  })
})
