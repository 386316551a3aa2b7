/**
 * The benchmark tenant: 50 people, 40 clients, 1,000 campaigns, generated with a seeded faker so
 * it is the same every time. Kept apart from the demo tenants (slug `benchmark`).
 */
import { Faker, en } from '@faker-js/faker'
import type { CampaignStatus, CatalogClient, CatalogPerson, CatalogTenant, Role } from './catalog.ts'

export function benchCatalog(): CatalogTenant {
  const f = new Faker({ locale: [en] })
  f.seed(20251207)
  const roles: Array<[Role, number]> = [['leadership', 3], ['finance', 3], ['pm', 6], ['admin', 2], ['account', 8], ['creative', 28]]
  const people: CatalogPerson[] = []
  for (const [role, n] of roles) {
    for (let i = 0; i < n; i++) {
      const first = f.person.firstName()
      const last = f.person.lastName()
      const cost = f.number.int({ min: 35, max: 140 })
      people.push({
        key: `${first}.${last}.${people.length}`.toLowerCase().replace(/[^a-z0-9.]/g, ''), name: `${first} ${last}`, role,
        department: role === 'creative' ? f.helpers.arrayElement(['Creative', 'Design', 'Copy', 'Production', 'Digital']) : 'Operations',
        title: role, weeklyCapacityHours: f.helpers.weightedArrayElement([{ weight: 8, value: 40 }, { weight: 1, value: 24 }]),
        costRate: cost, billRate: cost * 2 + f.number.int({ min: 10, max: 60 }),
      })
    }
  }
  const statuses: CampaignStatus[] = ['active', 'active', 'active', 'active', 'completed', 'completed', 'planning', 'on_hold', 'draft', 'cancelled', 'archived']
  const clients: CatalogClient[] = []
  for (let c = 0; c < 40; c++) {
    const company = `${f.company.name()} ${c + 1}`
    const code = `B${String(c + 1).padStart(2, '0')}`
    clients.push({
      key: `bench-client-${c + 1}`, name: company, code, industry: f.commerce.department(),
      brands: Array.from({ length: 5 }, (_, b) => ({
        key: `bench-brand-${c + 1}-${b + 1}`, name: `${f.commerce.productName()} ${c + 1}.${b + 1}`, category: f.commerce.department(),
        campaigns: Array.from({ length: 5 }, (_, k) => {
          const n = c * 25 + b * 5 + k + 1
          const status = statuses[n % statuses.length]!
          const past = status === 'completed' || status === 'archived'
          const future = status === 'planning' || status === 'draft'
          return {
            key: `bench-campaign-${n}`, name: `${f.commerce.productAdjective()} ${f.commerce.product()} ${n}`, code: `${code}-${n}`,
            status, campaignType: f.helpers.arrayElement(['Integrated', 'Social', 'Brand', 'Retail', 'Launch']),
            objective: f.company.catchPhrase(),
            startOffsetDays: past ? -f.number.int({ min: 120, max: 360 }) : future ? f.number.int({ min: 7, max: 90 }) : -f.number.int({ min: 14, max: 300 }),
            durationWeeks: past ? f.number.int({ min: 4, max: 16 }) : f.number.int({ min: 8, max: 52 }),
            budget: f.number.int({ min: 15, max: 750 }) * 1000,
          }
        }),
      })),
    })
  }
  return { slug: 'benchmark', name: 'Benchmark Agency', domain: 'bench.example', timezone: 'UTC', locale: 'en-GB', clients, people }
}
