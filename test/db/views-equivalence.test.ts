import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Actor } from '../../src/db/actor.ts'
import type { Engine } from '../../src/db/engine.ts'
import { seed } from '../../seeds/index.ts'
import { describeEachEngine } from '../support/engines.ts'
import { seedFixture, twoPerTenantAndRole } from '../support/fixture.ts'
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
    people = await twoPerTenantAndRole(e.db)
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
