import type { Kysely, Transaction } from 'kysely'
import { expect, it } from 'vitest'
import { withActor, type ActorTx } from '../../src/db/actor.ts'
import type { DB } from '../../src/db/schema.ts'
import { describeEachEngine } from '../support/engines.ts'
import { actorOf, useFixtureDatabase } from '../support/fixture.ts'

// Code that touches tenant data takes an ActorTx; nothing but withActor makes one.
async function campaignNames(trx: ActorTx): Promise<string[]> {
  return (await trx.selectFrom('agency.campaigns').select('name').orderBy('name').execute()).map((r) => r.name)
}

export function typeLevelChecks(db: Kysely<DB>, trx: Transaction<DB>) {
  // @ts-expect-error a plain Kysely<DB> runs as the owner, outside any actor: it must not compile
  void campaignNames(db)
  // @ts-expect-error neither does a transaction that withActor did not make
  void campaignNames(trx)
}

describeEachEngine('withActor', (engine) => {
  const ctx = useFixtureDatabase(engine)

  it('runs as workroom_app with the actor settings, transaction-locally', async () => {
    const actor = actorOf(ctx.fx, 'A', 'pm')
    const inside = await withActor(ctx.e.db, actor, async (trx) =>
      (await trx.selectNoFrom((eb) => [
        eb.fn<string>('current_setting', [eb.val('role')]).as('role'),
        eb.fn<string>('current_setting', [eb.val('app.current_tenant')]).as('tenant'),
        eb.fn<string>('current_setting', [eb.val('app.current_role')]).as('app_role'),
        eb.fn<string>('current_setting', [eb.val('app.current_user_id')]).as('user'),
      ]).executeTakeFirstOrThrow()))
    expect(inside).toEqual({ role: 'workroom_app', tenant: actor.tenantId, app_role: 'pm', user: actor.userId })
  })

  it('runs actors of two tenants side by side without mixing their rows', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => {
        const tenant = i % 2 === 0 ? 'A' : 'B'
        return withActor(ctx.e.db, actorOf(ctx.fx, tenant, 'leadership'), campaignNames).then((names) => ({ tenant, names }))
      }))
    for (const { tenant, names } of results) {
      expect(names).toEqual([`Campaign cX ${tenant}`, `Campaign cY ${tenant}`])
    }
  })

  it('rolls back everything the actor wrote when fn throws', async () => {
    const actor = actorOf(ctx.fx, 'A', 'creative')
    const campaign = ctx.fx.A.rows.get('campaign:cX')!
    await expect(withActor(ctx.e.db, actor, async (trx) => {
      await trx.insertInto('agency.timesheet_entries').values({
        tenant_id: actor.tenantId, user_id: actor.userId, campaign_id: campaign, entry_date: '2026-11-20', hours: 3,
      }).execute()
      throw new Error('boom')
    })).rejects.toThrow('boom')
    const count = await ctx.e.db.selectFrom('agency.timesheet_entries').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', actor.userId).where('hours', '=', 3).executeTakeFirstOrThrow()
    expect(count.n).toBe(0)
  })

  it('leaves nothing of one transaction\'s tenant or role to the next on the same connections', async () => {
    // Behind PgBouncer in transaction mode the pool's server connections are shared by every
    // client: each setting withActor makes must end with its transaction. Twice as many actor
    // transactions as connections, then plain queries on the same pool: the login role, no
    // tenant, no app role, no user.
    const login = (await ctx.e.pool.query<{ u: string }>('SELECT current_user AS u')).rows[0]!.u
    await Promise.all(Array.from({ length: 10 }, (_, i) =>
      withActor(ctx.e.db, actorOf(ctx.fx, i % 2 === 0 ? 'A' : 'B', i % 3 === 0 ? 'finance' : 'creative'), campaignNames)))
    const after = await Promise.all(Array.from({ length: 10 }, () => ctx.e.pool.query<{ u: string; tenant: string | null; role: string | null; who: string | null }>(
      `SELECT current_user AS u, nullif(current_setting('app.current_tenant', true), '') AS tenant,
              nullif(current_setting('app.current_role', true), '') AS role, nullif(current_setting('app.current_user_id', true), '') AS who`)))
    expect(after.map((r) => r.rows[0])).toEqual(Array.from({ length: 10 }, () => ({ u: login, tenant: null, role: null, who: null })))
  })
}, { supabase: true })
