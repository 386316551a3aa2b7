/**
 * Internal time: the codes each agency's timesheet policy names for time no client pays for
 * (NW-LEAVE, NW-ADMIN, SP-PTO…) are campaigns of the agency's internal client (migration 020,
 * seeds/catalog.ts CatalogInternal), logged like any other time and never billable.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TENANTS } from '../seeds/catalog.ts'
import { seed } from '../seeds/index.ts'
import { openTerminalSession } from '../src/bots/playground/terminal.ts'
import { plain } from '../src/chat/text.ts'
import { withActor, type Actor } from '../src/db/actor.ts'
import type { Engine } from '../src/db/engine.ts'
import { visibleCampaigns } from '../src/handlers/campaign-match.ts'
import { describeEachEngine } from './support/engines.ts'

const TODAY = '2026-11-25'
const NOW = new Date(`${TODAY}T11:00:00Z`)
const KNOWLEDGE = new URL('../seeds/knowledge/', import.meta.url)

/** The codes in the "Non-billable codes" table of a tenant's timesheet policy document. */
function policyCodes(slug: string): string[] {
  const file = readdirSync(KNOWLEDGE).find((f) => f.startsWith(`${slug}-timesheet-`))!
  const text = readFileSync(new URL(file, KNOWLEDGE), 'utf8')
  const section = text.slice(text.indexOf('Non-billable codes'))
  const table = section.slice(0, section.indexOf('\n## '))
  return [...table.matchAll(/^\| `([A-Z]+-[A-Z]+)` \|/gm)].map((m) => m[1]!)
}

describe('the internal codes of the demo agencies', () => {
  it.each(TENANTS.map((t) => [t.slug, t] as const))('%s has a campaign for every code its timesheet policy names, and no other', (slug, tenant) => {
    const codes = policyCodes(slug)
    expect(codes.length).toBeGreaterThanOrEqual(4)
    expect(tenant.internal!.campaigns.map((c) => c.code).sort()).toEqual([...codes].sort())
  })
})

describeEachEngine('internal time', (engine) => {
  let e: Engine
  beforeAll(async () => {
    e = await engine.migrated()
    await seed(e, { scale: 'demo', today: TODAY, progress: false })
  })
  afterAll(async () => {
    await e?.close()
  })

  const personOf = async (email: string): Promise<Actor> => {
    const p = await e.db.selectFrom('workroom.people').select(['id', 'tenant_id', 'role']).where('email', '=', email).executeTakeFirstOrThrow()
    return { tenantId: p.tenant_id, userId: p.id, role: p.role }
  }
  const entry = (id: string) => e.db.selectFrom('agency.timesheet_entries as t')
    .innerJoin('agency.campaigns as c', 'c.id', 't.campaign_id').innerJoin('agency.clients as cl', 'cl.id', 'c.client_id')
    .select(['t.hours', 't.is_billable', 'c.code', 'cl.is_internal']).where('t.id', '=', id).executeTakeFirstOrThrow()
  const lastEntryOf = async (email: string) => (await e.db.selectFrom('agency.timesheet_entries').select('id')
    .where('user_id', '=', (await personOf(email)).userId).orderBy('created_at', 'desc').limit(1).executeTakeFirstOrThrow()).id

  it('lets a creative log leave and internal admin, non-billable without saying so', async () => {
    const session = (await openTerminalSession(e.db, 'arjun.mehta@northwind.example', { now: () => NOW }))!
    const leave = await session.send('/timesheet 8h NW-LEAVE')
    expect(leave.summary).toBe('Logged 8h to Annual leave and absence on Wed 25 Nov.')
    expect(plain(leave.blocks.find((b) => b.type === 'text')!.text)).toBe('Logged 8h to Annual leave and absence on Wed 25 Nov (non-billable).')
    expect(await entry(await lastEntryOf('arjun.mehta@northwind.example'))).toEqual({ hours: 8, is_billable: false, code: 'NW-LEAVE', is_internal: true })

    const admin = await session.send('/timesheet 2h internal admin')
    expect(admin.summary).toBe('Logged 2h to Internal admin on Wed 25 Nov.')
    expect(await entry(await lastEntryOf('arjun.mehta@northwind.example'))).toEqual({ hours: 2, is_billable: false, code: 'NW-ADMIN', is_internal: true })
    expect(plain(admin.blocks.find((b) => b.type === 'context')!.text)).toBe('10h logged that day · Northwind Creative (internal) · NW-ADMIN')
  })

  it("lets Southpaw's creative log time off to her agency's own code", async () => {
    const session = (await openTerminalSession(e.db, 'paige.sullivan@southpaw.example', { now: () => NOW }))!
    expect((await session.send('/timesheet 8h SP-PTO')).summary).toBe('Logged 8h to Paid time off on Wed 25 Nov.')
    expect(await entry(await lastEntryOf('paige.sullivan@southpaw.example'))).toMatchObject({ is_billable: false, code: 'SP-PTO' })
  })

  it('makes time moved onto an internal code non-billable too', async () => {
    const session = (await openTerminalSession(e.db, 'lucy.fernandes@northwind.example', { now: () => NOW }))!
    expect((await session.send('/timesheet 1h Aurora Air Spring Launch')).summary).toMatch(/^Logged 1h to Aurora Air Spring Launch/)
    const id = await lastEntryOf('lucy.fernandes@northwind.example')
    expect(await entry(id)).toMatchObject({ is_billable: true, code: 'AUR-2026-01' })
    expect((await session.send('/timesheet edit NW-PITCH')).summary).toMatch(/^Moved .* to New business pitches/)
    expect(await entry(id)).toMatchObject({ is_billable: false, code: 'NW-PITCH' })
  })

  it("shows every person their own agency's internal codes, and never the other agency's", async () => {
    const people = await e.db.selectFrom('workroom.people as p').innerJoin('workroom.tenants as t', 't.id', 'p.tenant_id')
      .select(['p.email', 't.slug']).execute()
    expect(people.length).toBe(60)
    for (const p of people) {
      const codes = await withActor(e.db, await personOf(p.email), async (trx) => (await visibleCampaigns(trx)).map((c) => c.code))
      const mine = TENANTS.find((t) => t.slug === p.slug)!.internal!.campaigns.map((c) => c.code)
      const theirs = TENANTS.find((t) => t.slug !== p.slug)!.internal!.campaigns.map((c) => c.code)
      expect(codes, p.email).toEqual(expect.arrayContaining(mine))
      for (const code of theirs) expect(codes, p.email).not.toContain(code)
    }
  })

  it('stores internal time as non-billable, and bills nothing for it, even when an app write says billable', async () => {
    const me = await personOf('zoe.lambert@northwind.example')
    const stored = await withActor(e.db, me, async (trx) => {
      const leave = await trx.selectFrom('agency.campaigns').select('id').where('code', '=', 'NW-LEAVE').executeTakeFirstOrThrow()
      return trx.insertInto('agency.timesheet_entries').values({
        tenant_id: me.tenantId, user_id: me.userId, campaign_id: leave.id, entry_date: TODAY, hours: 4, is_billable: true, source: 'cli',
      }).returning(['id', 'is_billable']).executeTakeFirstOrThrow()
    })
    expect(stored.is_billable).toBe(false)
    // Money is not readable by the app role: read back as the owner. It costs the agency; no client pays.
    const money = await e.db.selectFrom('agency.timesheet_entries').select(['bill_amount', 'cost_amount']).where('id', '=', stored.id).executeTakeFirstOrThrow()
    expect(Number(money.bill_amount)).toBe(0)
    expect(Number(money.cost_amount)).toBeGreaterThan(0)
  })

  it('refuses the app an internal client of its own, and never lets it mark or unmark one', async () => {
    const lead = await personOf('maya.chen@northwind.example')
    const attempt = (fn: Parameters<typeof withActor>[2]) => withActor(e.db, lead, fn).then(() => 'ok', (err: { code?: string }) => err.code)
    expect(await attempt((trx) => trx.insertInto('agency.clients').values({ tenant_id: lead.tenantId, name: 'Shadow agency', is_internal: true }).execute())).toBe('42501')
    expect(await attempt((trx) => trx.updateTable('agency.clients').set({ is_internal: true }).where('name', '=', 'Aurora Athletics').execute())).toBe('42501')
    expect(await attempt((trx) => trx.updateTable('agency.clients').set({ is_internal: false }).where('is_internal', '=', true).execute())).toBe('42501')
    // An ordinary client is still the app's to create.
    expect(await attempt((trx) => trx.insertInto('agency.clients').values({ tenant_id: lead.tenantId, name: 'Brand new client' }).execute())).toBe('ok')
    // One internal client per agency, even for the owner.
    await expect(sql`INSERT INTO agency.clients (tenant_id, name, is_internal) VALUES (${lead.tenantId}, 'Second self', true)`.execute(e.db))
      .rejects.toMatchObject({ code: '23505' })
  })

  it("never lets a campaign move between a client and the agency's internal client (that would show it to the whole agency)", async () => {
    const lead = await personOf('maya.chen@northwind.example') // leadership: may update any campaign (007)
    const creative = await personOf('lucy.fernandes@northwind.example')
    const attempt = (fn: Parameters<typeof withActor>[2]) => withActor(e.db, lead, fn).then(() => 'ok', (err: { code?: string }) => err.code)
    const internal = await e.db.selectFrom('agency.clients').select('id').where('tenant_id', '=', lead.tenantId).where('is_internal', '=', true).executeTakeFirstOrThrow()
    const visibleToCreative = await withActor(e.db, creative, async (trx) => (await trx.selectFrom('agency.campaigns').select('id').execute()).map((r) => r.id))
    const secret = (await e.db.selectFrom('agency.campaigns as c').innerJoin('agency.clients as cl', 'cl.id', 'c.client_id')
      .select(['c.id', 'c.client_id']).where('c.tenant_id', '=', lead.tenantId).where('cl.is_internal', '=', false).execute())
      .find((c) => !visibleToCreative.includes(c.id))!
    // Moved under the agency itself, a client's campaign would become the creative's to read.
    expect(await attempt((trx) => trx.updateTable('agency.campaigns').set({ client_id: internal.id, brand_id: null }).where('id', '=', secret.id).execute())).toBe('42501')
    const seen = await withActor(e.db, creative, async (trx) => trx.selectFrom('agency.campaigns').select('id').where('id', '=', secret.id).execute())
    expect(seen).toEqual([])
    // And an internal code is not moved out to a client, where it would vanish from everyone's list.
    const code = await e.db.selectFrom('agency.campaigns').select('id').where('client_id', '=', internal.id).limit(1).executeTakeFirstOrThrow()
    expect(await attempt((trx) => trx.updateTable('agency.campaigns').set({ client_id: secret.client_id, brand_id: null }).where('id', '=', code.id).execute())).toBe('42501')
  })
})
