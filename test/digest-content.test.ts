import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { renderBlocks } from '../src/bots/slack/blocks.ts'
import type { Engine } from '../src/db/engine.ts'
import { linkIdentity } from '../src/db/identity.ts'
import { bindWorkspace } from '../src/db/workspaces.ts'
import { buildDigest, digestReply, reportDateFor, type DigestData, type DigestPerson } from '../src/handlers/digest-content.ts'
import { renderText } from '../src/handlers/render-text.ts'
import { seed } from '../seeds/index.ts'
import { describeEachEngine } from './support/engines.ts'

/** A Wednesday: the demo seed logs weekdays up to the day before, Tuesday 24 Nov. */
const TODAY = '2026-11-25'
const MONEY_WORDS = /\b(rates?|costs?|budgets?|margins?)\b/i
const CURRENCY = /[€$£]/

// ---------------------------------------------------------------------------------------------
// Pure parts

describe('reportDateFor', () => {
  it.each([
    ['2026-11-21', '2026-11-20'], // Saturday → Friday
    ['2026-11-22', '2026-11-20'], // Sunday → Friday
    ['2026-11-23', '2026-11-20'], // Monday → Friday
    ['2026-11-24', '2026-11-23'], // Tuesday → Monday
    ['2026-11-25', '2026-11-24'],
    ['2026-11-26', '2026-11-25'],
    ['2026-11-27', '2026-11-26'], // Friday → Thursday
    ['2026-11-28', '2026-11-27'], // Saturday → Friday
    ['2024-03-04', '2024-03-01'], // Monday across a leap day
    ['2027-01-01', '2026-12-31'], // across a year
    ['2028-01-03', '2027-12-31'], // Monday across a year
  ])('posted %s reports on %s', (post, report) => {
    expect(reportDateFor(post)).toBe(report)
  })

  it('rejects what is not a calendar date', () => {
    expect(() => reportDateFor('2026-02-30')).toThrow(RangeError)
    expect(() => reportDateFor('25/11/2026')).toThrow(RangeError)
  })
})

const person = (i: number, over: Partial<DigestPerson> = {}): DigestPerson => ({
  userId: `u${String(i).padStart(3, '0')}`, name: `Person ${String(i).padStart(2, '0')}`, hoursOnDay: 7.25, hoursWeek: 22.75,
  billableWeek: 18.5, capacityWeek: 24, billableUtilization: 18.5 / 24, allocatedPercent: 80, ...over,
})

function synthetic(n: number, over: (p: DigestPerson, i: number) => Partial<DigestPerson> = () => ({})): DigestData {
  const people = Array.from({ length: n }, (_, i) => { const p = person(i); return { ...p, ...over(p, i) } })
  return {
    tenant: { id: 't', slug: 'acme', name: 'Acme' }, postDate: '2026-11-26', reportDate: '2026-11-25', weekStart: '2026-11-23',
    team: { hoursOnDay: 212.34, hoursWeek: 640.25, capacityWeek: 900, billableUtilization: 0.7449, people: n },
    people, notCounted: [], top: people.slice(0, 3), bottom: people.slice(3, 6),
    overAllocated: people.filter((p) => p.allocatedPercent > 100), underAllocated: people.filter((p) => p.allocatedPercent < 50),
    noTimeLogged: people.filter((p) => p.hoursOnDay === 0).map((p) => ({ userId: p.userId, name: p.name, externalId: null })),
    topCampaigns: [{ campaignId: 'c1', name: 'Aurora Air Spring Launch', hours: 42.25 }, { campaignId: 'c2', name: 'Fizzwell', hours: 7 }],
  }
}

describe('digestReply', () => {
  it('is an in-channel header, fields, chart, lists and a no-money context line', () => {
    const r = digestReply(synthetic(5, (_, i) => (i === 0 ? { hoursOnDay: 0, allocatedPercent: 140 } : i === 1 ? { allocatedPercent: 20 } : {})))
    expect(r.visibility).toBe('in_channel')
    expect(r.summary).toBe('Team utilization for Wed 25 Nov: 74% billable, 640.3h logged this week.')
    expect(r.blocks[0]).toEqual({ type: 'header', text: 'Team utilization · Wed 25 Nov' })
    expect(r.blocks[1]).toEqual({ type: 'fields', fields: [
      { label: 'Hours yesterday', value: '212.3h' },
      { label: 'Hours this week', value: '640.3h of 900h capacity' },
      { label: 'Billable utilization', value: '74%' },
      { label: 'People', value: '5' },
    ] })
    const text = renderText(r)
    expect(text).toContain(`${'Person 00'.padEnd(18)} ▇▇▇▇▇▇▇▇░░  77%`)
    expect(text).toContain('Over-allocated this week (over 100%)\n  • Person 00 140%')
    expect(text).toContain('Under-allocated this week (under 50%)\n  • Person 01 20%')
    expect(text).toContain('No time logged yesterday: @Person 00')
    expect(text).toContain('Aurora Air Spring Launch · 42.3h')
    expect(text).toContain('Fizzwell · 7h')
    expect(text).toMatch(/no money figures/)
    for (const word of ['rate', 'cost', 'budget', 'margin', '€', '$', '£']) expect(text.toLowerCase()).not.toContain(word)
  })

  it('charts everyone up to 12 people, alphabetically, and only top and bottom above that', () => {
    const small = renderText(digestReply(synthetic(12)))
    expect(small.match(/▇|░/g)!.length).toBe(12 * 10)
    expect(small).toContain('Top\n  • Person 00 77%')
    const large = renderText(digestReply(synthetic(13)))
    expect(large.match(/[▇░]{10}/g)!.length).toBe(6)
    expect(large).not.toContain('Person 12')
  })

  it('omits the mentions block when everyone logged time, and empty lists', () => {
    const r = digestReply(synthetic(4))
    expect(r.blocks.map((b) => b.type)).not.toContain('mentions')
    expect(renderText(r)).not.toMatch(/allocated this week/)
  })

  it('says which day "yesterday" is when it is not the calendar day before', () => {
    const d = { ...synthetic(2), postDate: '2026-11-23', reportDate: '2026-11-20', weekStart: '2026-11-16' }
    expect(renderText(digestReply(d))).toContain('"Yesterday" is Fri 20 Nov, the last working day.')
  })

  it('stays within Slack limits for a large team where nobody logged time', () => {
    const d = synthetic(120, () => ({ hoursOnDay: 0, allocatedPercent: 150, name: 'A rather long person name that goes on' }))
    const { blocks } = renderBlocks(digestReply(d))
    expect(blocks.length).toBeLessThanOrEqual(50)
    expect(JSON.stringify(blocks)).not.toContain('more blocks not shown')
  })
})

// ---------------------------------------------------------------------------------------------
// Against the demo seed

interface ExpectedPerson { userId: string; name: string; hoursOnDay: number; hoursWeek: number; billableWeek: number; capacityWeek: number; util: number; allocated: number }

/**
 * The digest's numbers straight from the tables, as the database owner (no RLS, no view, none of
 * the module's code): agency.timesheet_entries, agency.team_allocations, workroom.people.
 */
async function independent(e: Engine, tenantId: string, report: string, monday: string, workingDays: number) {
  const { rows: all } = await e.pool.query<{ id: string; display_name: string; role: string; weekly_capacity_hours: number; day: number; week: number; billable: number; allocated: number }>(`
    SELECT p.id, p.display_name, p.role, p.weekly_capacity_hours,
           coalesce((SELECT sum(t.hours) FROM agency.timesheet_entries t
                      WHERE t.tenant_id = p.tenant_id AND t.user_id = p.id AND t.entry_date = $2::date), 0) AS day,
           coalesce((SELECT sum(t.hours) FROM agency.timesheet_entries t
                      WHERE t.tenant_id = p.tenant_id AND t.user_id = p.id AND t.entry_date BETWEEN $3::date AND $2::date), 0) AS week,
           coalesce((SELECT sum(t.hours) FROM agency.timesheet_entries t
                      WHERE t.tenant_id = p.tenant_id AND t.user_id = p.id AND t.is_billable
                        AND t.entry_date BETWEEN $3::date AND $2::date), 0) AS billable,
           coalesce((SELECT sum(a.capacity_percentage) FROM agency.team_allocations a
                      WHERE a.tenant_id = p.tenant_id AND a.user_id = p.id AND a.week_start_date = $3::date), 0) AS allocated
      FROM workroom.people p
     WHERE p.tenant_id = $1 AND p.is_active`, [tenantId, report, monday])
  // Counted: pm, account and creative always; anyone else only with an allocation that week.
  const rows = all.filter((r) => ['pm', 'account', 'creative'].includes(r.role) || Number(r.allocated) > 0)
  const people: ExpectedPerson[] = rows.map((r) => {
    const capacityWeek = Number(r.weekly_capacity_hours) * workingDays / 5
    return {
      userId: r.id, name: r.display_name, hoursOnDay: Number(r.day), hoursWeek: Number(r.week), billableWeek: Number(r.billable),
      capacityWeek, util: Number(r.billable) / capacityWeek, allocated: Number(r.allocated),
    }
  })
  const campaigns = await e.pool.query<{ id: string; name: string; hours: number }>(`
    SELECT c.id, c.name, sum(t.hours) AS hours
      FROM agency.timesheet_entries t JOIN agency.campaigns c ON c.id = t.campaign_id
      JOIN agency.clients cl ON cl.id = c.client_id
     WHERE t.tenant_id = $1 AND t.entry_date BETWEEN $3::date AND $2::date AND NOT cl.is_internal
     GROUP BY c.id, c.name`, [tenantId, report, monday])
  const sum = (f: (p: ExpectedPerson) => number) => people.reduce((n, p) => n + f(p), 0)
  return {
    people,
    notCounted: all.filter((r) => !rows.includes(r)).map((r) => r.id),
    team: { hoursOnDay: sum((p) => p.hoursOnDay), hoursWeek: sum((p) => p.hoursWeek), capacityWeek: sum((p) => p.capacityWeek), util: sum((p) => p.billableWeek) / sum((p) => p.capacityWeek) },
    campaigns: new Map(campaigns.rows.map((c) => [c.id, { name: c.name, hours: Number(c.hours) }])),
  }
}

const collator = new Intl.Collator('en', { sensitivity: 'base' })
const nameThenId = (a: { name: string; userId: string }, b: { name: string; userId: string }) =>
  collator.compare(a.name, b.name) || a.userId.localeCompare(b.userId)
const ids = (xs: Array<{ userId: string }>) => xs.map((x) => x.userId)

describeEachEngine('digest content', (engine) => {
  let e: Engine
  const tenant = {} as Record<'northwind' | 'southpaw', string>
  beforeAll(async () => {
    e = await engine.migrated()
    await seed(e, { scale: 'demo', today: TODAY, progress: false })
    for (const t of await e.db.selectFrom('workroom.tenants').select(['id', 'slug']).execute()) tenant[t.slug as keyof typeof tenant] = t.id
  })
  afterAll(async () => {
    await e?.close()
  })

  it('has seeded timesheets through the last working day before TODAY', async () => {
    const { rows } = await e.pool.query<{ max: string }>('SELECT max(entry_date) AS max FROM agency.timesheet_entries')
    expect(rows[0]!.max).toBe('2026-11-24')
  })

  // Posted Wednesday (two working days to date), Monday (a full week: R is the Friday before) and Sunday.
  const CASES = [
    { post: '2026-11-25', report: '2026-11-24', monday: '2026-11-23', days: 2 },
    { post: '2026-11-23', report: '2026-11-20', monday: '2026-11-16', days: 5 },
    { post: '2026-11-22', report: '2026-11-20', monday: '2026-11-16', days: 5 },
  ]
  for (const slug of ['northwind', 'southpaw'] as const) {
    for (const c of CASES) {
      it(`matches an independent computation from the tables: ${slug}, posted ${c.post}`, async () => {
        const d = await buildDigest(e.db, tenant[slug], c.post)
        const x = await independent(e, tenant[slug], c.report, c.monday, c.days)
        expect(d.tenant.slug).toBe(slug)
        expect([d.postDate, d.reportDate, d.weekStart]).toEqual([c.post, c.report, c.monday])
        // The date has data (that the nudge list is not empty by accident is checked below).
        expect(x.team.hoursOnDay).toBeGreaterThan(0)

        // Per person.
        expect(d.people.map((p) => p.userId).sort()).toEqual(x.people.map((p) => p.userId).sort())
        expect(d.notCounted.map((p) => p.userId).sort()).toEqual([...x.notCounted].sort())
        expect(ids(d.people)).toEqual(ids([...x.people].sort(nameThenId)))
        const want = new Map(x.people.map((p) => [p.userId, p]))
        for (const p of d.people) {
          const w = want.get(p.userId)!
          expect(p.name).toBe(w.name)
          expect(p.hoursOnDay).toBeCloseTo(w.hoursOnDay, 6)
          expect(p.hoursWeek).toBeCloseTo(w.hoursWeek, 6)
          expect(p.billableWeek).toBeCloseTo(w.billableWeek, 6)
          expect(p.capacityWeek).toBeCloseTo(w.capacityWeek, 6)
          expect(p.billableUtilization).toBeCloseTo(w.util, 9)
          expect(p.allocatedPercent).toBeCloseTo(w.allocated, 6)
        }

        // Team.
        expect(d.team.people).toBe(x.people.length)
        expect(d.team.hoursOnDay).toBeCloseTo(x.team.hoursOnDay, 6)
        expect(d.team.hoursWeek).toBeCloseTo(x.team.hoursWeek, 6)
        expect(d.team.capacityWeek).toBeCloseTo(x.team.capacityWeek, 6)
        expect(d.team.billableUtilization).toBeCloseTo(x.team.util, 9)

        // Rankings and lists.
        const desc = [...x.people].sort((a, b) => b.util - a.util || nameThenId(a, b))
        const top = desc.slice(0, 3)
        const bottom = [...x.people].sort((a, b) => a.util - b.util || nameThenId(a, b)).filter((p) => !top.includes(p)).slice(0, 3)
        expect(ids(d.top)).toEqual(ids(top))
        expect(ids(d.bottom)).toEqual(ids(bottom))
        expect(ids(d.overAllocated)).toEqual(ids(x.people.filter((p) => p.allocated > 100).sort((a, b) => b.allocated - a.allocated || nameThenId(a, b))))
        expect(ids(d.underAllocated)).toEqual(ids(x.people.filter((p) => p.allocated < 50).sort((a, b) => a.allocated - b.allocated || nameThenId(a, b))))
        expect(ids(d.noTimeLogged)).toEqual(ids(x.people.filter((p) => p.hoursOnDay === 0).sort(nameThenId)))
        expect(d.noTimeLogged.every((p) => p.externalId === null)).toBe(true)

        // Campaigns: the five largest by hours (ties by name), each with its own total.
        const hoursDesc = [...x.campaigns.values()].map((v) => v.hours).sort((a, b) => b - a).slice(0, 5)
        expect(d.topCampaigns.map((t) => t.hours)).toEqual(hoursDesc.map((h) => expect.closeTo(h, 6)))
        for (const t of d.topCampaigns) {
          expect(t.name).toBe(x.campaigns.get(t.campaignId)!.name)
          expect(t.hours).toBeCloseTo(x.campaigns.get(t.campaignId)!.hours, 6)
        }
      })
    }
  }

  it('has people who logged nothing on a report day in each tenant, so "no time logged" is exercised', async () => {
    // Southpaw's seven who log client time all logged on Tue 24 Nov; not on Fri 20 Nov.
    for (const slug of ['northwind', 'southpaw'] as const) {
      const idle = await Promise.all(CASES.map(async (c) => (await buildDigest(e.db, tenant[slug], c.post)).noTimeLogged.length))
      expect(idle.some((n) => n > 0), slug).toBe(true)
    }
  })

  it('finds over-allocation in the demo data (the first creative is booked beyond 100%)', async () => {
    const d = await buildDigest(e.db, tenant.northwind, TODAY)
    expect(d.overAllocated.length).toBeGreaterThan(0)
    expect(d.overAllocated.every((p) => p.allocatedPercent > 100)).toBe(true)
  })

  it('never shows money, in plain text or in Slack blocks', async () => {
    for (const slug of ['northwind', 'southpaw'] as const) {
      for (const post of ['2026-11-25', '2026-11-23']) {
        const r = digestReply(await buildDigest(e.db, tenant[slug], post))
        for (const text of [renderText(r), r.summary, JSON.stringify(renderBlocks(r))]) {
          // Word boundaries: names may contain the letters (Northwind has an "Inês Costa").
          expect(text).not.toMatch(MONEY_WORDS)
          expect(text).not.toMatch(CURRENCY)
        }
      }
    }
  })

  it('mentions people without time by their chat user id on the target platform, and nobody else', async () => {
    const first = await buildDigest(e.db, tenant.northwind, TODAY)
    const idle = first.noTimeLogged[0]!
    const busy = first.people.find((p) => p.hoursOnDay > 0)!
    const emailOf = async (id: string) => (await e.db.selectFrom('workroom.people').select('email').where('id', '=', id).executeTakeFirstOrThrow()).email
    for (const [platform, workspace] of [['slack', 'T0NORTHWIND'], ['slack', 'T0OTHER'], ['teams', 'T0NORTHWIND']] as const) {
      await bindWorkspace(e.db, platform, workspace, 'northwind', 'operator')
    }
    expect(await linkIdentity(e.db, { platform: 'slack', workspaceId: 'T0NORTHWIND', externalUserId: 'U0IDLE1' }, await emailOf(idle.userId))).not.toBeNull()
    expect(await linkIdentity(e.db, { platform: 'slack', workspaceId: 'T0NORTHWIND', externalUserId: 'U0BUSY1' }, await emailOf(busy.userId))).not.toBeNull()
    // Same person, another workspace and another platform: neither may leak into this digest.
    await linkIdentity(e.db, { platform: 'slack', workspaceId: 'T0OTHER', externalUserId: 'U0ELSEWHERE' }, await emailOf(idle.userId))
    await linkIdentity(e.db, { platform: 'teams', workspaceId: 'T0NORTHWIND', externalUserId: 'aad-idle' }, await emailOf(idle.userId))

    const d = await buildDigest(e.db, tenant.northwind, TODAY, { platform: 'slack', workspaceId: 'T0NORTHWIND' })
    expect(d.noTimeLogged.find((p) => p.userId === idle.userId)!.externalId).toBe('U0IDLE1')
    expect(d.noTimeLogged.filter((p) => p.userId !== idle.userId).every((p) => p.externalId === null)).toBe(true)
    expect(JSON.stringify(d)).not.toContain('U0BUSY1')
    expect(JSON.stringify(d)).not.toContain('U0ELSEWHERE')

    const r = digestReply(d)
    const mentions = r.blocks.find((b) => b.type === 'mentions')
    expect(mentions).toMatchObject({ type: 'mentions', label: 'No time logged yesterday:' })
    expect(JSON.stringify(renderBlocks(r).blocks)).toContain('<@U0IDLE1>')

    const teams = await buildDigest(e.db, tenant.northwind, TODAY, { platform: 'teams', workspaceId: 'T0NORTHWIND' })
    expect(teams.noTimeLogged.find((p) => p.userId === idle.userId)!.externalId).toBe('aad-idle')
    const none = await buildDigest(e.db, tenant.northwind, TODAY)
    expect(none.noTimeLogged.every((p) => p.externalId === null)).toBe(true)
    // Another tenant's digest for the same workspace knows nobody there.
    const other = await buildDigest(e.db, tenant.southpaw, TODAY, { platform: 'slack', workspaceId: 'T0NORTHWIND' })
    expect(other.noTimeLogged.every((p) => p.externalId === null)).toBe(true)
  })

  it("contains none of another tenant's people or campaigns", async () => {
    const owner = async (tenantId: string) => ({
      people: await e.db.selectFrom('workroom.people').select(['id', 'display_name']).where('tenant_id', '=', tenantId).execute(),
      campaigns: await e.db.selectFrom('agency.campaigns').select(['id', 'name']).where('tenant_id', '=', tenantId).execute(),
    })
    for (const [mine, theirs] of [['northwind', 'southpaw'], ['southpaw', 'northwind']] as const) {
      const d = await buildDigest(e.db, tenant[mine], TODAY)
      const other = await owner(tenant[theirs])
      const own = await owner(tenant[mine])
      expect(d.tenant.id).toBe(tenant[mine])
      expect(new Set([...d.people, ...d.notCounted].map((p) => p.userId))).toEqual(new Set(own.people.map((p) => p.id)))
      const everyId = [...d.people, ...d.notCounted, ...d.top, ...d.bottom, ...d.overAllocated, ...d.underAllocated, ...d.noTimeLogged].map((p) => p.userId)
      for (const p of other.people) expect(everyId).not.toContain(p.id)
      for (const c of other.campaigns) expect(d.topCampaigns.map((t) => t.campaignId)).not.toContain(c.id)
      const text = renderText(digestReply(d))
      for (const p of other.people) expect(text).not.toContain(p.display_name)
      for (const c of other.campaigns) expect(text).not.toContain(c.name)
    }
  })

  it('leaves out people who log no client time: finance, admin and leadership on no campaign that week', async () => {
    const all = await e.db.selectFrom('workroom.people').select(['id', 'role', 'tenant_id']).execute()
    const office = (p: { role: string }) => ['leadership', 'finance', 'admin'].includes(p.role)
    const officeIds = new Set(all.filter(office).map((p) => p.id))
    for (const slug of ['northwind', 'southpaw'] as const) {
      const mine = all.filter((p) => p.tenant_id === tenant[slug])
      for (const post of ['2026-11-25', '2026-11-23']) {
        const d = await buildDigest(e.db, tenant[slug], post)
        const listed = [...d.people, ...d.top, ...d.bottom, ...d.underAllocated, ...d.noTimeLogged]
        // The seed puts none of them on a campaign, so none is counted…
        expect(listed.filter((p) => officeIds.has(p.userId)), `${slug} ${post}`).toEqual([])
        // …and the digest says who was left out, and why.
        expect(d.notCounted.map((p) => p.userId).sort()).toEqual(mine.filter(office).map((p) => p.id).sort())
        expect(renderText(digestReply(d))).toContain(`${d.notCounted.length} people in leadership, finance and admin on no campaign this week are not counted.`)
        // Every pm, account and creative is counted, with or without hours or a campaign.
        expect(d.people.map((p) => p.userId).sort()).toEqual(mine.filter((p) => !office(p)).map((p) => p.id).sort())
      }
    }
  })

  it('counts a leadership person who is on a campaign that week, and nudges them when they log nothing', async () => {
    const ecd = await e.db.selectFrom('workroom.people').select(['id', 'tenant_id']).where('email', '=', 'tomasz.kowalski@northwind.example').executeTakeFirstOrThrow()
    const campaign = await e.db.selectFrom('agency.campaigns').select('id').where('code', '=', 'AUR-2026-01').executeTakeFirstOrThrow()
    await e.db.insertInto('agency.team_allocations').values({ tenant_id: ecd.tenant_id, user_id: ecd.id, campaign_id: campaign.id, week_start_date: '2026-11-23', capacity_percentage: 20 }).execute()
    try {
      const d = await buildDigest(e.db, tenant.northwind, TODAY)
      expect(d.people.map((p) => p.userId)).toContain(ecd.id)
      expect(d.notCounted.map((p) => p.userId)).not.toContain(ecd.id)
      expect(d.noTimeLogged.map((p) => p.userId)).toContain(ecd.id)
      // Another week, no campaign: not counted again.
      expect((await buildDigest(e.db, tenant.northwind, '2026-11-18')).notCounted.map((p) => p.userId)).toContain(ecd.id)
    } finally {
      await e.db.deleteFrom('agency.team_allocations').where('user_id', '=', ecd.id).execute()
    }
  })

  it("counts leave and admin time as hours, never as billable, and leaves the agency's own codes out of top campaigns", async () => {
    const before = await buildDigest(e.db, tenant.northwind, TODAY)
    const leave = await e.db.selectFrom('agency.campaigns').select(['id', 'name']).where('code', '=', 'NW-LEAVE').executeTakeFirstOrThrow()
    const who = before.people.slice(0, 12)
    // More leave than any client campaign has hours this week: it would top the list if it were counted.
    await e.db.insertInto('agency.timesheet_entries').values(who.map((p) => ({
      tenant_id: tenant.northwind, user_id: p.userId, campaign_id: leave.id, entry_date: '2026-11-24', hours: 8, source: 'import' as const,
      external_ref: `digest-test-leave:${p.userId}`,
    }))).execute()
    try {
      expect(8 * who.length).toBeGreaterThan(before.topCampaigns[0]!.hours)
      const after = await buildDigest(e.db, tenant.northwind, TODAY)
      expect(after.team.hoursWeek).toBeCloseTo(before.team.hoursWeek + 8 * who.length, 6)
      expect(after.team.billableUtilization).toBeCloseTo(before.team.billableUtilization, 9)
      expect(after.topCampaigns.map((c) => c.name)).not.toContain(leave.name)
      expect(after.topCampaigns).toEqual(before.topCampaigns)
    } finally {
      await e.db.deleteFrom('agency.timesheet_entries').where('external_ref', 'like', 'digest-test-leave:%').execute()
    }
  })

  it('refuses a tenant that does not exist', async () => {
    await expect(buildDigest(e.db, '00000000-0000-0000-0000-00000000dead', TODAY)).rejects.toThrow(/No tenant/)
  })

  it('leaves out inactive people', async () => {
    const before = await buildDigest(e.db, tenant.southpaw, TODAY)
    const leaver = before.people.find((p) => p.hoursWeek > 0)!
    await e.db.updateTable('workroom.people').set({ is_active: false }).where('id', '=', leaver.userId).execute()
    try {
      const after = await buildDigest(e.db, tenant.southpaw, TODAY)
      expect(after.team.people).toBe(before.team.people - 1)
      expect(after.people.map((p) => p.userId)).not.toContain(leaver.userId)
      expect(after.team.hoursWeek).toBeCloseTo(before.team.hoursWeek - leaver.hoursWeek, 6)
      // A campaign's effort stays the campaign's: top campaigns still count the leaver's hours.
      expect(after.topCampaigns).toEqual(before.topCampaigns)
    } finally {
      await e.db.updateTable('workroom.people').set({ is_active: true }).where('id', '=', leaver.userId).execute()
    }
  })

  it('stays within Slack limits with the demo data', async () => {
    for (const slug of ['northwind', 'southpaw'] as const) {
      const { blocks, text } = renderBlocks(digestReply(await buildDigest(e.db, tenant[slug], TODAY)))
      expect(blocks.length).toBeLessThanOrEqual(50)
      expect(JSON.stringify(blocks)).not.toContain('more blocks not shown')
      expect(text.length).toBeLessThanOrEqual(3000)
    }
  })
})
