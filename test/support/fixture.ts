import type { Kysely } from 'kysely'
import { afterAll, beforeAll } from 'vitest'
import type { Engine } from '../../src/db/engine.ts'
import type { TestEngine } from './engines.ts'
import type { Actor } from '../../src/db/actor.ts'
import type { DB, Role } from '../../src/db/schema.ts'

/**
 * A small two-tenant world for the RLS suites, written as the table owner (the way seeds and
 * migrations write), so every row exists whatever the policies say. In each tenant:
 *
 *   people   leadership, finance, pm, admin, account, creative, and `outsider` (a creative on no campaign)
 *   clients  X (led by `account`) and Y
 *   campaigns cX (client X; `account` is account lead, `creative` allocated)
 *            cY (client Y; `pm` allocated, nobody else)
 *   artifacts aX on cX and aY on cY (owned by pm), aOwn on cY owned by `creative`, aLib (no campaign, admin's)
 *   knowledge kWide (tenant-wide), kX (client X), kY (client Y), one chunk each
 *   Slack workspace T<tenant> bound to the tenant, every person linked there
 *   every person: one timesheet entry (account, creative on cX; everyone else on cY), one
 *   conversation with one message, one chat identity
 */
export const PEOPLE = ['leadership', 'finance', 'pm', 'admin', 'account', 'creative', 'outsider'] as const
export type PersonKey = (typeof PEOPLE)[number]
export const TENANTS = ['A', 'B'] as const
export type TenantKey = (typeof TENANTS)[number]

export interface TenantIds {
  tenantId: string
  people: Record<PersonKey, string>
  /** Logical row name (e.g. 'campaign:cX', 'timesheet:creative') → id. */
  rows: Map<string, string>
}

export type Fixture = Record<TenantKey, TenantIds>

export function roleOf(person: PersonKey): Role {
  return person === 'outsider' ? 'creative' : person
}

export function actorOf(fx: Fixture, tenant: TenantKey, person: PersonKey): Actor {
  return { tenantId: fx[tenant].tenantId, userId: fx[tenant].people[person], role: roleOf(person) }
}

/** A unit vector along one axis, blended a little with a shared one so similarities vary. */
export function vec(axis: number): string {
  const v = new Array<number>(1536).fill(0)
  v[axis] = 0.96
  v[1535] = 0.28
  return `[${v.join(',')}]`
}

export async function seedFixture(db: Kysely<DB>): Promise<Fixture> {
  const fx = {} as Fixture
  for (const [t, tenant] of TENANTS.entries()) {
    const rows = new Map<string, string>()
    const put = (key: string, id: string) => {
      rows.set(key, id)
      return id
    }
    // The fixture's dates are fixed (November 2026) while the database's timesheet lock (migration
    // 015) counts back from the real today: the longest lock keeps these dates open to the app for
    // a year. test/db/rls-escalation.test.ts sets 14 days where it tests the lock itself.
    const tn = await db.insertInto('workroom.tenants')
      .values({ slug: `tenant-${tenant.toLowerCase()}`, name: `Tenant ${tenant}`, timesheet_lock_days: 366 })
      .returning('id').executeTakeFirstOrThrow()
    const tenantId = tn.id
    // Each tenant's Slack workspace, bound to it (migration 016): identities resolve only there.
    await db.insertInto('workroom.workspace_bindings').values({ platform: 'slack', workspace_id: `T${tenant}`, tenant_id: tenantId, bound_via: 'operator' }).execute()
    const people = {} as Record<PersonKey, string>
    for (const person of PEOPLE) {
      const p = await db.insertInto('workroom.people')
        .values({
          tenant_id: tenantId, email: `${person}@${tenant.toLowerCase()}.example`, display_name: `${person} ${tenant}`,
          role: roleOf(person), cost_rate: 50 + t, bill_rate: 150 + t,
        })
        .returning('id').executeTakeFirstOrThrow()
      people[person] = put(`person:${person}`, p.id)
      put(`identity:${person}`, (await db.insertInto('workroom.chat_identities')
        .values({ tenant_id: tenantId, person_id: p.id, platform: 'slack', workspace_id: `T${tenant}`, external_user_id: `U${tenant}${person}` })
        .returning('id').executeTakeFirstOrThrow()).id)
    }

    const client = async (key: string, lead: string | null) =>
      put(`client:${key}`, (await db.insertInto('agency.clients')
        .values({ tenant_id: tenantId, name: `Client ${key} ${tenant}`, account_lead_id: lead })
        .returning('id').executeTakeFirstOrThrow()).id)
    const X = await client('X', people.account)
    const Y = await client('Y', null)
    const brand = async (key: string, clientId: string) =>
      put(`brand:${key}`, (await db.insertInto('agency.brands')
        .values({ tenant_id: tenantId, client_id: clientId, name: `Brand ${key}` })
        .returning('id').executeTakeFirstOrThrow()).id)
    const bX = await brand('X', X)
    const bY = await brand('Y', Y)

    const campaign = async (key: string, clientId: string, brandId: string, lead: string | null, budget: number) =>
      put(`campaign:${key}`, (await db.insertInto('agency.campaigns')
        .values({
          tenant_id: tenantId, client_id: clientId, brand_id: brandId, name: `Campaign ${key} ${tenant}`,
          code: `${tenant}-${key}`, status: 'active', start_date: '2026-10-05', end_date: '2026-12-20',
          budget, account_lead_id: lead, created_by: people.pm,
        })
        .returning('id').executeTakeFirstOrThrow()).id)
    const cX = await campaign('cX', X, bX, people.account, 100_000)
    const cY = await campaign('cY', Y, bY, null, 250_000)
    for (const [key, c] of [['cX', cX], ['cY', cY]] as const) {
      put(`phase:${key}`, (await db.insertInto('agency.campaign_phases')
        .values({ tenant_id: tenantId, campaign_id: c, name: 'Strategy', status: 'in_progress', budget: 10_000 })
        .returning('id').executeTakeFirstOrThrow()).id)
    }

    const artifact = async (key: string, campaignId: string | null, owner: string) => {
      const id = put(`artifact:${key}`, (await db.insertInto('agency.artifacts')
        .values({ tenant_id: tenantId, campaign_id: campaignId, title: `Artifact ${key} ${tenant}`, artifact_type: 'brief', owner_id: owner, content: `draft of ${key}` })
        .returning('id').executeTakeFirstOrThrow()).id)
      put(`comment:${key}`, (await db.insertInto('agency.artifact_comments')
        .values({ tenant_id: tenantId, artifact_id: id, author_id: owner, body: `note on ${key}` })
        .returning('id').executeTakeFirstOrThrow()).id)
      const version = await db.selectFrom('agency.artifact_versions').select('id').where('artifact_id', '=', id).executeTakeFirstOrThrow()
      put(`version:${key}`, version.id)
    }
    await artifact('aX', cX, people.pm)
    await artifact('aY', cY, people.pm)
    await artifact('aOwn', cY, people.creative)
    await artifact('aLib', null, people.admin)

    const monday = '2026-11-16'
    put('allocation:creative', (await db.insertInto('agency.team_allocations')
      .values({ tenant_id: tenantId, user_id: people.creative, campaign_id: cX, week_start_date: monday, capacity_percentage: 60 })
      .returning('id').executeTakeFirstOrThrow()).id)
    put('allocation:pm', (await db.insertInto('agency.team_allocations')
      .values({ tenant_id: tenantId, user_id: people.pm, campaign_id: cY, week_start_date: monday, capacity_percentage: 50 })
      .returning('id').executeTakeFirstOrThrow()).id)

    for (const person of PEOPLE) {
      put(`timesheet:${person}`, (await db.insertInto('agency.timesheet_entries')
        .values({
          tenant_id: tenantId, user_id: people[person], campaign_id: person === 'account' || person === 'creative' ? cX : cY,
          entry_date: '2026-11-18', hours: 2, cost_rate: 50, bill_rate: 150,
        })
        .returning('id').executeTakeFirstOrThrow()).id)
      const conv = put(`conversation:${person}`, (await db.insertInto('agency.ai_conversations')
        .values({ tenant_id: tenantId, user_id: people[person], title: `chat of ${person}` })
        .returning('id').executeTakeFirstOrThrow()).id)
      put(`message:${person}`, (await db.insertInto('agency.ai_messages')
        .values({ tenant_id: tenantId, conversation_id: conv, role: 'user', content: `question from ${person}` })
        .returning('id').executeTakeFirstOrThrow()).id)
    }

    const doc = async (key: string, clientId: string | null, axis: number) => {
      const id = put(`document:${key}`, (await db.insertInto('agency.knowledge_documents')
        .values({ tenant_id: tenantId, client_id: clientId, title: `Doc ${key} ${tenant}`, doc_type: 'policy' })
        .returning('id').executeTakeFirstOrThrow()).id)
      put(`chunk:${key}`, (await db.insertInto('agency.knowledge_chunks')
        .values({ tenant_id: tenantId, document_id: id, client_id: clientId, chunk_index: 0, content: `facts of ${key} in ${tenant}`, embedding: vec(axis), embedding_model: 'test' })
        .returning('id').executeTakeFirstOrThrow()).id)
    }
    await doc('kWide', null, 1)
    await doc('kX', X, 2)
    await doc('kY', Y, 3)

    for (const [key, c] of [['cX', cX], ['cY', cY]] as const) {
      put(`link:${key}`, (await db.insertInto('agency.integration_links')
        .values({ tenant_id: tenantId, campaign_id: c, system: 'procure', external_id: `Q-${key}` })
        .returning('id').executeTakeFirstOrThrow()).id)
    }
    put('syncrun:procure', (await db.insertInto('agency.integration_sync_runs')
      .values({ tenant_id: tenantId, system: 'procure', status: 'succeeded' })
      .returning('id').executeTakeFirstOrThrow()).id)

    fx[tenant] = { tenantId, people, rows }
  }
  return fx
}

/**
 * Readers for the "every role of every tenant" suites: per tenant and role, the first two people
 * by e-mail (a lead and someone on fewer campaigns; in the fixture, the creative on none among them).
 */
export async function twoPerTenantAndRole(db: Kysely<DB>): Promise<Actor[]> {
  const all = await db.selectFrom('workroom.people').select(['id', 'tenant_id', 'role']).orderBy('email').execute()
  const taken = new Map<string, number>()
  return all.filter((p) => {
    const key = `${p.tenant_id} ${p.role}`
    taken.set(key, (taken.get(key) ?? 0) + 1)
    return taken.get(key)! <= 2
  }).map((p) => ({ tenantId: p.tenant_id, userId: p.id, role: p.role }))
}

/** A migrated database with the fixture in it, for one describe block; closed after it. */
export function useFixtureDatabase(engine: TestEngine): { e: Engine; fx: Fixture } {
  const ctx = {} as { e: Engine; fx: Fixture }
  beforeAll(async () => {
    ctx.e = await engine.migrated()
    ctx.fx = await seedFixture(ctx.e.db)
  })
  afterAll(async () => {
    await ctx.e?.close()
  })
  return ctx
}

/** The SQLSTATE a statement failed with (or the error's text), undefined when it succeeded. */
export async function sqlstate(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
    return undefined
  } catch (err) {
    return (err as { code?: string }).code ?? String(err)
  }
}
