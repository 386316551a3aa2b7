import { readFile } from 'node:fs/promises'
import { sql } from 'kysely'
import { afterAll, beforeAll, expect, inject, it } from 'vitest'
import { withActor, type Actor } from '../../src/db/actor.ts'
import { createEngine, type Engine } from '../../src/db/engine.ts'
import { linkIdentity, resolveIdentity } from '../../src/db/identity.ts'
import { createScratchDatabase } from '../../src/db/scratch.ts'
import { bindWorkspace } from '../../src/db/workspaces.ts'
import { describeEachEngine } from '../support/engines.ts'
import { actorOf, PEOPLE, seedFixture, TENANTS, type Fixture } from '../support/fixture.ts'

// Migration 032 made the policies' helpers and the identity functions PL/pgSQL, which keeps each
// statement's plan for the session. From the attacker's side: on one session (a pooled server
// connection, or PGlite's only one) the plans cached for one actor must never answer for the next.
// Every helper's answer for each actor is compared across orders on one session and, on a server,
// with a new session that has cached nothing.

interface Seen { tenant: string | null; role: string | null; sees: boolean; campaigns: string[]; clients: string[]; visible: string[] }

const helpers = (db: Engine['db'], actor: Actor): Promise<Seen> => withActor(db, actor, async (trx) => {
  const r = (await sql<{ tenant: string | null; role: string | null; sees: boolean; campaigns: string[]; clients: string[] }>`
    SELECT agency.current_tenant_id() AS tenant, agency.current_user_role() AS role,
           agency.has_any_role(ARRAY['leadership', 'finance', 'pm', 'admin']) AS sees,
           ARRAY(SELECT unnest(agency.current_user_campaign_ids()) ORDER BY 1)::text[] AS campaigns,
           ARRAY(SELECT unnest(agency.current_user_client_ids()) ORDER BY 1)::text[] AS clients`.execute(trx)).rows[0]!
  const visible = (await trx.selectFrom('agency.campaigns').select('id').orderBy('id').execute()).map((c) => c.id)
  return { ...r, visible }
})

describeEachEngine('policy helpers on one session, actor after actor', (engine) => {
  let e: Engine
  let fx: Fixture
  beforeAll(async () => {
    // One connection: every statement below meets the same session and its cached plans.
    e = engine.kind === 'pglite'
      ? await createEngine({ kind: 'pglite', loadDataDir: new Blob([await readFile(inject('pgliteMigratedDump'))]) })
      : await createScratchDatabase(process.env.TEST_DATABASE_URL!, { prefix: 'workroom_test', poolSize: 1, template: inject('templateDb') })
    fx = await seedFixture(e.db)
  })
  afterAll(async () => {
    await e?.close()
  })

  const actors = () => TENANTS.flatMap((t) => PEOPLE.map((p) => ({ key: `${t}:${p}`, actor: actorOf(fx, t, p) })))

  it('answer for each actor the same whatever ran before them, and what a new session answers', async () => {
    const forward = new Map<string, Seen>()
    for (const { key, actor } of actors()) forward.set(key, await helpers(e.db, actor))
    const backward = new Map<string, Seen>()
    for (const { key, actor } of actors().reverse()) backward.set(key, await helpers(e.db, actor))
    expect(backward).toEqual(forward)

    if (engine.kind !== 'pglite') {
      for (const { key, actor } of actors()) {
        const fresh = await createEngine({ kind: 'postgres', url: (e as Engine & { url: string }).url, poolSize: 1 })
        try {
          expect(await helpers(fresh.db, actor)).toEqual(forward.get(key))
        } finally {
          await fresh.close()
        }
      }
    }

    // The answers differ where they must, so the comparisons above could fail.
    const a = (p: string) => forward.get(`A:${p}`)!
    expect(a('leadership').tenant).toBe(fx.A.tenantId)
    expect(forward.get('B:leadership')!.tenant).toBe(fx.B.tenantId)
    expect(forward.get('B:leadership')!.visible.some((id) => a('leadership').visible.includes(id))).toBe(false)
    expect(a('leadership').sees).toBe(true)
    expect(a('creative').sees).toBe(false)
    expect(a('creative').campaigns.length).toBeGreaterThan(0)
    expect(a('creative').visible).toEqual(a('creative').campaigns.filter((id) => a('leadership').visible.includes(id)))
    expect(a('creative').visible.length).toBeLessThan(a('leadership').visible.length)
    expect(a('outsider').visible.every((id) => a('outsider').campaigns.includes(id))).toBe(true)
    expect(a('outsider').campaigns.length).toBeLessThan(a('creative').campaigns.length)
  })

  it('a forged or missing actor setting after a real actor gets nothing on the same session', async () => {
    const real = actorOf(fx, 'A', 'leadership')
    expect((await helpers(e.db, real)).visible.length).toBeGreaterThan(0)
    const forged = await e.db.transaction().execute(async (trx) => {
      await sql`SELECT set_config('role', 'workroom_app', true), set_config('app.current_tenant', ${`${fx.A.tenantId}' OR true --`}, true),
                       set_config('app.current_role', 'LEADERSHIP ', true), set_config('app.current_user_id', 'not-a-uuid', true)`.execute(trx)
      return (await sql<{ tenant: string | null; role: string | null; campaigns: number; visible: number }>`
        SELECT agency.current_tenant_id() AS tenant, agency.current_user_role() AS role,
               cardinality(agency.current_user_campaign_ids()) AS campaigns, (SELECT count(*)::int FROM agency.campaigns) AS visible`.execute(trx)).rows[0]
    })
    expect(forged).toEqual({ tenant: null, role: null, campaigns: 0, visible: 0 })
  })

  it('resolves a chat identity only in its own workspace, after the same session resolved it there', async () => {
    const email = (await e.db.selectFrom('workroom.people').select('email').where('id', '=', fx.A.people.creative).executeTakeFirstOrThrow()).email
    await bindWorkspace(e.db, 'slack', 'TSESSION-A', 'tenant-a', 'operator')
    await bindWorkspace(e.db, 'slack', 'TSESSION-B', 'tenant-b', 'operator')
    expect(await linkIdentity(e.db, { platform: 'slack', workspaceId: 'TSESSION-A', externalUserId: 'U1' }, email)).not.toBeNull()
    for (let i = 0; i < 7; i++) {   // past the five custom plans of a prepared statement, for good measure
      expect((await resolveIdentity(e.db, { platform: 'slack', workspaceId: 'TSESSION-A', externalUserId: 'U1' }))?.userId).toBe(fx.A.people.creative)
      expect(await resolveIdentity(e.db, { platform: 'slack', workspaceId: 'TSESSION-B', externalUserId: 'U1' })).toBeNull()
      expect(await resolveIdentity(e.db, { platform: 'teams', workspaceId: 'TSESSION-A', externalUserId: 'U1' })).toBeNull()
    }
  })
})
