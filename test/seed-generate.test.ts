import { describe, expect, it } from 'vitest'
import { benchCatalog } from '../seeds/bench-catalog.ts'
import { TENANTS } from '../seeds/catalog.ts'
import { addDays, mondayOf } from '../src/dates.ts'
import { generateTenant, stableId } from '../seeds/generate.ts'
import { BENCH_SCALE, DEMO_SCALE } from '../seeds/index.ts'

const TODAY = '2026-11-25'

describe('seed generator', () => {
  it('builds the benchmark agency at the scale the benchmarks need', () => {
    const rows = generateTenant(benchCatalog(), { ...BENCH_SCALE, today: TODAY, syntheticChunks: 120 })
    expect(rows.people).toHaveLength(50)
    expect(rows.campaigns).toHaveLength(1000)
    expect(rows.timesheets.length).toBeGreaterThan(100_000)
    expect(rows.timesheets.every((t) => t.entry_date < TODAY && t.entry_date >= addDays(TODAY, -365))).toBe(true)
    expect(rows.chunks).toHaveLength(120)
    const v = JSON.parse(rows.chunks[0]!.embedding!) as number[]
    expect(v).toHaveLength(1536)
    expect(Math.hypot(...v)).toBeCloseTo(1, 3)
  })

  it('is deterministic: the same day gives the same rows, ids included', () => {
    const nw = TENANTS.find((t) => t.slug === 'northwind')!
    const a = generateTenant(nw, { ...DEMO_SCALE, today: TODAY, documents: [] })
    const b = generateTenant(nw, { ...DEMO_SCALE, today: TODAY, documents: [] })
    expect(JSON.stringify(b)).toBe(JSON.stringify(a))
    expect(new Set(a.timesheets.map((t) => t.id)).size).toBe(a.timesheets.length)
  })

  it('never logs more than a day can hold, or on a day a campaign is not running', () => {
    const nw = TENANTS.find((t) => t.slug === 'northwind')!
    const rows = generateTenant(nw, { ...DEMO_SCALE, today: TODAY, documents: [] })
    const perDay = new Map<string, number>()
    for (const t of rows.timesheets) perDay.set(`${t.user_id}:${t.entry_date}`, (perDay.get(`${t.user_id}:${t.entry_date}`) ?? 0) + Number(t.hours))
    expect(Math.max(...perDay.values())).toBeLessThanOrEqual(9)
    const campaigns = new Map(rows.campaigns.map((c) => [c.id, c]))
    for (const t of rows.timesheets) {
      const c = campaigns.get(t.campaign_id)!
      expect(t.entry_date >= c.start_date! && t.entry_date <= c.end_date!).toBe(true)
    }
  })

  it("writes each agency as its own client, with its policy's codes, and leaves every other row as it was", () => {
    for (const tenant of TENANTS) {
      const rows = generateTenant(tenant, { ...DEMO_SCALE, today: TODAY, documents: [] })
      const internal = rows.clients.filter((c) => c.is_internal)
      expect(internal).toHaveLength(1)
      const codes = rows.campaigns.filter((c) => c.client_id === internal[0]!.id)
      expect(codes.map((c) => c.code)).toEqual(tenant.internal!.campaigns.map((c) => c.code))
      expect(codes.every((c) => c.status === 'active' && c.start_date === undefined && c.budget === undefined)).toBe(true)
      // Written without faker: the same tenant without them gives the same rows otherwise.
      const without = generateTenant({ ...tenant, internal: undefined }, { ...DEMO_SCALE, today: TODAY, documents: [] })
      const internalIds = new Set([internal[0]!.id, ...codes.map((c) => c.id)])
      expect(JSON.stringify({ ...rows, clients: rows.clients.filter((c) => !internalIds.has(c.id)), campaigns: rows.campaigns.filter((c) => !internalIds.has(c.id)) }))
        .toBe(JSON.stringify(without))
    }
  })

  it('puts the people a campaign names on its team, as the README examples need', () => {
    for (const tenant of TENANTS) {
      const rows = generateTenant(tenant, { ...DEMO_SCALE, today: TODAY, documents: [] })
      for (const campaign of tenant.clients.flatMap((c) => c.brands.flatMap((b) => b.campaigns)).filter((c) => c.team)) {
        const on = new Set(rows.allocations.filter((a) => a.campaign_id === stableId(tenant.slug, 'campaign', campaign.key)).map((a) => a.user_id))
        for (const key of campaign.team!) expect(on, `${key} on ${campaign.name}`).toContain(stableId(tenant.slug, 'person', key))
      }
    }
  })

  it('makes RFC 9562-shaped ids and ISO Mondays', () => {
    expect(stableId('northwind', 'person', 'maya.chen')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(mondayOf('2026-11-29')).toBe('2026-11-23')
    expect(mondayOf('2026-11-23')).toBe('2026-11-23')
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01')
  })
})
