import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Actor } from '../../src/db/actor.ts'
import type { Engine } from '../../src/db/engine.ts'
import { seed } from '../../seeds/index.ts'
import { describeEachEngine } from '../support/engines.ts'
import { seedFixture } from '../support/fixture.ts'
import { compareViews, installLegacyViews } from '../support/legacy-views.ts'

// The spec's six views and campaign_financials() are read through rollups since migration 021;
// what each reader gets must be what migration 006's definitions give them. Both definitions
// are read side by side, by every person of the two demo agencies and of the RLS fixture (every
// role, both tenants of each, people on no campaign among them), and by the owner.
describeEachEngine('views: old and new definitions', (engine) => {
  // Dozens of readers, each reading fourteen relations.
  const SLOW = 240_000
  let e: Engine
  let people: Actor[]
  beforeAll(async () => {
    e = await engine.migrated()
    await seed(e, { scale: 'demo', progress: false })
    await seedFixture(e.db)
    await installLegacyViews(e.db)
    // Per tenant and role, the first two people by e-mail (a lead and someone on fewer campaigns,
    // in the fixture the creative on none among them).
    const all = await e.db.selectFrom('workroom.people').select(['id', 'tenant_id', 'role']).orderBy('email').execute()
    const taken = new Map<string, number>()
    people = all.filter((p) => {
      const key = `${p.tenant_id} ${p.role}`
      taken.set(key, (taken.get(key) ?? 0) + 1)
      return taken.get(key)! <= 2
    }).map((p) => ({ tenantId: p.tenant_id, userId: p.id, role: p.role }))
  })
  afterAll(async () => {
    await e?.close()
  })

  it('gives every person of every tenant the same rows from each view and from campaign_financials()', async () => {
    expect(new Set(people.map((p) => p.role)).size).toBe(6)
    expect(new Set(people.map((p) => p.tenantId)).size).toBe(4)
    const differing: Array<{ who: string; relation: string; onlyLegacy: string[]; onlyLive: string[] }> = []
    for (const actor of people) {
      for (const d of await compareViews(e.db, actor)) differing.push({ who: `${actor.role} ${actor.userId}`, ...d })
    }
    expect(differing).toEqual([])
  }, SLOW)

  it('gives the owner, whom row security does not filter, the same rows', async () => {
    expect(await compareViews(e.db, undefined)).toEqual([])
  })
})
