import { randomBytes } from 'node:crypto'
import { sql, type Kysely } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addDays } from '../../src/dates.ts'
import { withActor, type ActorTx } from '../../src/db/actor.ts'
import type { DB } from '../../src/db/schema.ts'
import { describeEachEngine } from '../support/engines.ts'
import { actorOf, sqlstate, useFixtureDatabase, vec, type PersonKey, type TenantKey } from '../support/fixture.ts'

// The write side of the security model, from the attacker's side: a person with a legitimate
// actor context (withActor, as workroom_app) writes SQL the bot would never write. Each
// escalation below was possible before migration 015 and must now fail: permission denied
// (42501), the timesheet lock's own SQLSTATE (WR001), or zero rows where a policy filters an
// update silently. Each is paired with the legitimate write it must not break.

/** SQLSTATE of the timesheet lock (migration 015). */
const LOCKED = 'WR001'

async function failure(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await p
  } catch (err) {
    return err as { code?: string; message: string }
  }
  throw new Error('expected the write to fail, and it succeeded')
}

describeEachEngine('write escalations', (engine) => {
  const ctx = useFixtureDatabase(engine)
  let db: Kysely<DB>
  let today: string
  beforeAll(async () => {
    db = ctx.e.db
    // The lock counts days from the server's UTC date; the fixture's own rows have fixed dates.
    today = (await sql<{ d: string }>`SELECT (now() AT TIME ZONE 'UTC')::date::text AS d`.execute(db)).rows[0]!.d
  })
  const day = (offset: number) => addDays(today, offset)
  const row = (key: string, tenant: TenantKey = 'A') => ctx.fx[tenant].rows.get(key)!
  const who = (person: PersonKey, tenant: TenantKey = 'A') => ctx.fx[tenant].people[person]
  const tenantId = (tenant: TenantKey = 'A') => ctx.fx[tenant].tenantId
  const as = <T>(person: PersonKey, fn: (trx: ActorTx) => Promise<T>, tenant: TenantKey = 'A') =>
    withActor(db, actorOf(ctx.fx, tenant, person), fn)
  const attempt = (person: PersonKey, fn: (trx: ActorTx) => Promise<unknown>, tenant: TenantKey = 'A') =>
    sqlstate(as(person, fn, tenant))
  const campaignOf = (person: PersonKey) => (person === 'account' || person === 'creative' ? 'campaign:cX' : 'campaign:cY')

  /** A timesheet entry written as the owner (as seeds write history), dated `date`. */
  const seedEntry = async (person: PersonKey, date: string, over: Record<string, unknown> = {}, tenant: TenantKey = 'A') =>
    (await db.insertInto('agency.timesheet_entries').values({
      tenant_id: tenantId(tenant), user_id: who(person, tenant), campaign_id: row(campaignOf(person), tenant),
      entry_date: date, hours: 1, cost_rate: 50, bill_rate: 150, ...over,
    }).returning('id').executeTakeFirstOrThrow()).id
  const entryAsOwner = (id: string) =>
    sql<{ user_id: string; status: string; hours: number; approved_by: string | null; approved_at: Date | null; cost_rate: number | null; bill_rate: number | null; entry_date: string }>`
      SELECT user_id, status, hours, approved_by, approved_at, cost_rate, bill_rate, entry_date
        FROM agency.timesheet_entries WHERE id = ${id}`.execute(db).then((r) => r.rows[0])
  /** What a person logs through the bot: no rates, no status. */
  const logged = (person: PersonKey, over: Record<string, unknown> = {}, tenant: TenantKey = 'A') => ({
    tenant_id: tenantId(tenant), user_id: who(person, tenant), campaign_id: row(campaignOf(person), tenant),
    entry_date: today, hours: 1, ...over,
  })

  describe('campaigns and clients (finding 1)', () => {
    it("refuses an account a campaign under a client it cannot see, and that client's documents stay hidden", async () => {
      const code = await attempt('account', (trx) => trx.insertInto('agency.campaigns').values({
        tenant_id: tenantId(), client_id: row('client:Y'), name: 'Back door', code: 'A-BACKDOOR', account_lead_id: who('account'),
      }).execute())
      expect(code).toBe('42501')
      const seen = await as('account', async (trx) => ({
        clients: (await trx.selectFrom('agency.clients').select('id').execute()).map((r) => r.id),
        documents: (await trx.selectFrom('agency.knowledge_documents').select('id').execute()).map((r) => r.id),
      }))
      expect(seen.clients).not.toContain(row('client:Y'))
      expect(seen.documents).not.toContain(row('document:kY'))
    })

    it('refuses an account lead moving their campaign to a client they cannot see', async () => {
      const moved = await attempt('account', (trx) => trx.updateTable('agency.campaigns').set({ client_id: row('client:Y'), brand_id: null })
        .where('id', '=', row('campaign:cX')).execute())
      expect(moved).toBe('42501')
      const cX = await db.selectFrom('agency.campaigns').select('client_id').where('id', '=', row('campaign:cX')).executeTakeFirstOrThrow()
      expect(cX.client_id).toBe(row('client:X'))
    })

    it("refuses a campaign under the account's client with another client's brand", async () => {
      const code = await attempt('account', (trx) => trx.insertInto('agency.campaigns').values({
        tenant_id: tenantId(), client_id: row('client:X'), brand_id: row('brand:Y'), name: 'Borrowed brand', code: 'A-BORROWED',
      }).execute())
      expect(code).toBe('42501')
    })

    it('refuses a campaign credited to someone else as its creator', async () => {
      const code = await attempt('account', (trx) => trx.insertInto('agency.campaigns').values({
        tenant_id: tenantId(), client_id: row('client:X'), name: 'Ghost written', code: 'A-GHOST', created_by: who('pm'),
      }).execute())
      expect(code).toBe('42501')
    })

    it('lets an account create a campaign under its own client, as its creator, and then see it', async () => {
      // No RETURNING: a new row must also pass the SELECT policy, and "my campaigns" are read from
      // the statement's snapshot, which does not hold the row yet. The next statement sees it.
      await as('account', async (trx) => {
        await trx.insertInto('agency.campaigns').values({
          tenant_id: tenantId(), client_id: row('client:X'), brand_id: row('brand:X'), name: 'Own pitch', code: 'A-OWN',
        }).execute()
        const created = await trx.selectFrom('agency.campaigns').select(['code', 'created_by']).where('code', '=', 'A-OWN').execute()
        expect(created).toEqual([{ code: 'A-OWN', created_by: who('account') }])
      })
    })

    it('lets pm move a campaign to another client', async () => {
      const id = (await db.insertInto('agency.campaigns').values({ tenant_id: tenantId(), client_id: row('client:X'), name: 'Moving', code: 'A-MOVING' })
        .returning('id').executeTakeFirstOrThrow()).id
      const moved = await as('pm', (trx) => trx.updateTable('agency.campaigns').set({ client_id: row('client:Y') }).where('id', '=', id).returning('id').execute())
      expect(moved).toHaveLength(1)
    })
  })

  describe('timesheet status and approval (finding 2)', () => {
    it('refuses a creative logging their own entry as approved', async () => {
      expect(await attempt('creative', (trx) => trx.insertInto('agency.timesheet_entries')
        .values(logged('creative', { status: 'approved', approved_by: who('creative'), approved_at: new Date() })).execute())).toBe('42501')
      expect(await attempt('creative', (trx) => trx.insertInto('agency.timesheet_entries')
        .values(logged('creative', { approved_by: who('pm') })).execute())).toBe('42501')
    })

    it('refuses a creative, and a pm, approving their own entry', async () => {
      for (const person of ['creative', 'pm'] as const) {
        const id = await seedEntry(person, today)
        const code = await attempt(person, (trx) => trx.updateTable('agency.timesheet_entries')
          .set({ status: 'approved', approved_by: who(person), approved_at: new Date() }).where('id', '=', id).execute())
        expect(code, person).toBe('42501')
        expect((await entryAsOwner(id))!.status).toBe('submitted')
      }
    })

    it("refuses finance, who does not review time, approving a colleague's entry", async () => {
      const id = await seedEntry('creative', today)
      expect(await attempt('finance', (trx) => trx.updateTable('agency.timesheet_entries')
        .set({ status: 'approved', approved_by: who('finance') }).where('id', '=', id).execute())).toBe('42501')
    })

    it('refuses an approval credited to someone other than the approver', async () => {
      const id = await seedEntry('creative', today)
      expect(await attempt('pm', (trx) => trx.updateTable('agency.timesheet_entries')
        .set({ status: 'approved', approved_by: who('leadership') }).where('id', '=', id).execute())).toBe('42501')
      expect((await entryAsOwner(id))!.approved_by).toBeNull()
    })

    it('refuses a creative changing or deleting an entry once it is approved', async () => {
      const id = await seedEntry('creative', today, { status: 'approved', approved_by: who('pm'), approved_at: new Date() })
      expect(await attempt('creative', (trx) => trx.updateTable('agency.timesheet_entries').set({ hours: 8 }).where('id', '=', id).execute())).toBe('WR002')
      expect(await attempt('creative', (trx) => trx.updateTable('agency.timesheet_entries').set({ status: 'submitted' }).where('id', '=', id).execute())).toBe('WR002')
      expect(await attempt('creative', (trx) => trx.deleteFrom('agency.timesheet_entries').where('id', '=', id).execute())).toBe('WR002')
      expect(await entryAsOwner(id)).toMatchObject({ hours: 1, status: 'approved' })
    })

    it('lets a creative log a draft or submitted entry and submit the draft', async () => {
      const draft = await as('creative', (trx) => trx.insertInto('agency.timesheet_entries').values(logged('creative', { status: 'draft' })).returning('id').executeTakeFirstOrThrow())
      await as('creative', (trx) => trx.insertInto('agency.timesheet_entries').values(logged('creative', { status: 'submitted' })).execute())
      const submitted = await as('creative', (trx) => trx.updateTable('agency.timesheet_entries').set({ status: 'submitted' })
        .where('id', '=', draft.id).returning('status').execute())
      expect(submitted).toEqual([{ status: 'submitted' }])
    })

    it("lets pm approve a colleague's entry, and records when", async () => {
      const id = await seedEntry('creative', today)
      const approved = await as('pm', (trx) => trx.updateTable('agency.timesheet_entries')
        .set({ status: 'approved', approved_by: who('pm') }).where('id', '=', id).returning('status').execute())
      expect(approved).toEqual([{ status: 'approved' }])
      const after = await entryAsOwner(id)
      expect(after).toMatchObject({ status: 'approved', approved_by: who('pm') })
      expect(after!.approved_at).not.toBeNull()
    })

    it('lets leadership reject an entry, and its owner fix and resubmit it', async () => {
      const id = await seedEntry('creative', today)
      await as('leadership', (trx) => trx.updateTable('agency.timesheet_entries')
        .set({ status: 'rejected', approved_by: who('leadership'), approved_at: new Date() }).where('id', '=', id).execute())
      const fixed = await as('creative', (trx) => trx.updateTable('agency.timesheet_entries')
        .set({ hours: 2, status: 'submitted' }).where('id', '=', id).returning('id').execute())
      expect(fixed).toHaveLength(1)
      expect(await entryAsOwner(id)).toMatchObject({ hours: 2, status: 'submitted', approved_by: null, approved_at: null })
    })
  })

  describe('rates (finding 3)', () => {
    it('refuses a creative writing their own bill rate of 5000', async () => {
      expect(await attempt('creative', (trx) => trx.insertInto('agency.timesheet_entries').values(logged('creative', { bill_rate: 5000 })).execute())).toBe('42501')
      const forged = await sql<{ n: number }>`SELECT count(*)::int AS n FROM agency.timesheet_entries WHERE bill_rate = 5000`.execute(db)
      expect(forged.rows[0]!.n).toBe(0)
    })

    it('refuses writing a cost rate, and any rate update, to the application role', async () => {
      expect(await attempt('creative', (trx) => trx.insertInto('agency.timesheet_entries').values(logged('creative', { cost_rate: 1 })).execute())).toBe('42501')
      const id = await seedEntry('creative', today)
      expect(await attempt('finance', (trx) => sql`UPDATE agency.timesheet_entries SET bill_rate = 1 WHERE id = ${id}`.execute(trx))).toBe('42501')
    })

    it("snapshots the person's directory rates into every entry the app logs", async () => {
      const entry = await as('creative', (trx) => trx.insertInto('agency.timesheet_entries').values(logged('creative')).returning('id').executeTakeFirstOrThrow())
      expect(await entryAsOwner(entry.id)).toMatchObject({ cost_rate: 50, bill_rate: 150 })   // fixture people of tenant A
    })

    it("lets finance adjust an entry's rates through agency.adjust_timesheet_rates", async () => {
      const id = await seedEntry('creative', today, { hours: 2 })
      const adjusted = await as('finance', (trx) => sql<{ cost_amount: number; bill_amount: number }>`
        SELECT cost_amount, bill_amount FROM agency.adjust_timesheet_rates(${id}::uuid, 80, 240)`.execute(trx))
      expect(adjusted.rows).toEqual([{ cost_amount: 160, bill_amount: 480 }])
      expect(await entryAsOwner(id)).toMatchObject({ cost_rate: 80, bill_rate: 240 })
    })

    it('refuses rate adjustments to everyone but finance, to finance on its own entries, and across tenants', async () => {
      const id = await seedEntry('creative', today)
      for (const person of ['leadership', 'pm', 'admin', 'account', 'creative'] as const) {
        const code = await attempt(person, (trx) => sql`SELECT * FROM agency.adjust_timesheet_rates(${id}::uuid, 1, 1)`.execute(trx))
        expect(code, person).toBe('42501')
      }
      const own = await seedEntry('finance', today)
      expect(await attempt('finance', (trx) => sql`SELECT * FROM agency.adjust_timesheet_rates(${own}::uuid, 1, 5000)`.execute(trx))).toBe('42501')
      const other = await seedEntry('creative', today, {}, 'B')
      const across = await as('finance', (trx) => sql`SELECT * FROM agency.adjust_timesheet_rates(${other}::uuid, 1, 1)`.execute(trx))
      expect(across.rows).toEqual([])
      for (const entry of [id, own, other]) expect(await entryAsOwner(entry)).toMatchObject({ cost_rate: 50, bill_rate: 150 })
    })
  })

  describe('identity columns (findings 4 and 5)', () => {
    it("refuses finance moving a colleague's entry to themselves", async () => {
      const id = await seedEntry('creative', today)
      expect(await attempt('finance', (trx) => trx.updateTable('agency.timesheet_entries').set({ user_id: who('finance') }).where('id', '=', id).execute())).toBe('42501')
      expect((await entryAsOwner(id))!.user_id).toBe(who('creative'))
    })

    it('refuses a creative handing their entry to a colleague', async () => {
      const id = await seedEntry('creative', today)
      expect(await attempt('creative', (trx) => trx.updateTable('agency.timesheet_entries').set({ user_id: who('account') }).where('id', '=', id).execute())).toBe('42501')
    })

    it("refuses changing a comment's author, or moving it to another artifact", async () => {
      const comment = row('comment:aX')   // written by pm on pm's artifact
      expect(await attempt('pm', (trx) => trx.updateTable('agency.artifact_comments').set({ author_id: who('leadership') }).where('id', '=', comment).execute())).toBe('42501')
      expect(await attempt('pm', (trx) => trx.updateTable('agency.artifact_comments').set({ artifact_id: row('artifact:aY') }).where('id', '=', comment).execute())).toBe('42501')
      const after = await db.selectFrom('agency.artifact_comments').select(['author_id', 'artifact_id']).where('id', '=', comment).executeTakeFirstOrThrow()
      expect(after).toEqual({ author_id: who('pm'), artifact_id: row('artifact:aX') })
    })

    it('refuses forging who resolved a comment, and records the person who did', async () => {
      const comment = row('comment:aOwn')   // on the creative's own artifact
      expect(await attempt('creative', (trx) => trx.updateTable('agency.artifact_comments')
        .set({ is_resolved: true, resolved_by: who('pm') }).where('id', '=', comment).execute())).toBe('42501')
      await as('creative', (trx) => trx.updateTable('agency.artifact_comments').set({ is_resolved: true }).where('id', '=', comment).execute())
      const after = await db.selectFrom('agency.artifact_comments').select(['resolved_by', 'resolved_at']).where('id', '=', comment).executeTakeFirstOrThrow()
      expect(after.resolved_by).toBe(who('creative'))
      expect(after.resolved_at).not.toBeNull()
    })

    it('refuses moving an artifact to a campaign its owner cannot see, or giving it another owner', async () => {
      const mine = await as('creative', (trx) => trx.insertInto('agency.artifacts').values({
        tenant_id: tenantId(), campaign_id: null, title: 'Loose idea', artifact_type: 'copy', owner_id: who('creative'),
      }).returning('id').executeTakeFirstOrThrow())
      expect(await attempt('creative', (trx) => trx.updateTable('agency.artifacts').set({ campaign_id: row('campaign:cY') }).where('id', '=', mine.id).execute())).toBe('42501')
      expect(await attempt('creative', (trx) => trx.updateTable('agency.artifacts').set({ owner_id: who('pm') }).where('id', '=', mine.id).execute())).toBe('42501')
      expect(await attempt('pm', (trx) => trx.updateTable('agency.artifacts').set({ owner_id: who('pm') }).where('id', '=', mine.id).execute())).toBe('42501')
      const after = await db.selectFrom('agency.artifacts').select(['campaign_id', 'owner_id']).where('id', '=', mine.id).executeTakeFirstOrThrow()
      expect(after).toEqual({ campaign_id: null, owner_id: who('creative') })
    })

    it('refuses an artifact on a phase of another campaign', async () => {
      expect(await attempt('creative', (trx) => trx.insertInto('agency.artifacts').values({
        tenant_id: tenantId(), campaign_id: row('campaign:cX'), phase_id: row('phase:cY'), title: 'Cross-wired', artifact_type: 'copy', owner_id: who('creative'),
      }).execute())).toBe('42501')
    })

    it('lets an owner edit their artifact and move it to a campaign they can see, and pm move one anywhere', async () => {
      const mine = await as('creative', (trx) => trx.insertInto('agency.artifacts').values({
        tenant_id: tenantId(), campaign_id: null, title: 'Second idea', artifact_type: 'copy', owner_id: who('creative'),
      }).returning('id').executeTakeFirstOrThrow())
      const moved = await as('creative', (trx) => trx.updateTable('agency.artifacts').set({ campaign_id: row('campaign:cX'), content: 'fleshed out' })
        .where('id', '=', mine.id).returning('current_version').execute())
      expect(moved).toEqual([{ current_version: 2 }])
      // aOwn sits on cY, which the creative cannot see: still theirs to edit, as long as it stays there.
      const edited = await as('creative', (trx) => trx.updateTable('agency.artifacts').set({ description: 'still mine' })
        .where('id', '=', row('artifact:aOwn')).returning('id').execute())
      expect(edited).toHaveLength(1)
      const byPm = await as('pm', (trx) => trx.updateTable('agency.artifacts').set({ campaign_id: row('campaign:cY'), phase_id: row('phase:cY') })
        .where('id', '=', mine.id).returning('id').execute())
      expect(byPm).toHaveLength(1)
    })

    it('lets an author edit their comment', async () => {
      const edited = await as('pm', (trx) => trx.updateTable('agency.artifact_comments').set({ body: 'sharper note' })
        .where('id', '=', row('comment:aY')).returning('body').execute())
      expect(edited).toEqual([{ body: 'sharper note' }])
    })

    it("refuses moving a message into another person's conversation", async () => {
      const code = await attempt('creative', (trx) => trx.updateTable('agency.ai_messages').set({ conversation_id: row('conversation:pm') })
        .where('id', '=', row('message:creative')).returning('id').execute())
      expect(code).toBe('42501')
      const msg = await db.selectFrom('agency.ai_messages').select('conversation_id').where('id', '=', row('message:creative')).executeTakeFirstOrThrow()
      expect(msg.conversation_id).toBe(row('conversation:creative'))
    })

    it("refuses a knowledge chunk whose client differs from its document's", async () => {
      const chunk = (clientId: string | null, index: number) => (trx: ActorTx) => trx.insertInto('agency.knowledge_chunks').values({
        tenant_id: tenantId(), document_id: row('document:kX'), client_id: clientId, chunk_index: index, content: 'more facts', embedding: vec(4), embedding_model: 'test',
      }).execute()
      expect(await attempt('admin', chunk(null, 7))).toBe('42501')
      expect(await attempt('admin', chunk(row('client:X'), 8))).toBeUndefined()
    })
  })

  describe('allocations', () => {
    const MONDAY = '2027-03-01'
    it('lets pm and leadership allocate colleagues, recording who did', async () => {
      const created = await as('pm', (trx) => trx.insertInto('agency.team_allocations').values({
        tenant_id: tenantId(), user_id: who('outsider'), campaign_id: row('campaign:cY'), week_start_date: MONDAY, capacity_percentage: 20,
      }).returning(['id', 'created_by']).executeTakeFirstOrThrow())
      expect(created.created_by).toBe(who('pm'))
      const changed = await as('leadership', (trx) => trx.updateTable('agency.team_allocations').set({ capacity_percentage: 40 })
        .where('id', '=', created.id).returning('capacity_percentage').execute())
      expect(changed).toEqual([{ capacity_percentage: 40 }])
    })

    it('refuses an allocation credited to someone else, or recredited later', async () => {
      expect(await attempt('pm', (trx) => trx.insertInto('agency.team_allocations').values({
        tenant_id: tenantId(), user_id: who('outsider'), campaign_id: row('campaign:cY'), week_start_date: '2027-03-08', capacity_percentage: 20, created_by: who('leadership'),
      }).execute())).toBe('42501')
      expect(await attempt('pm', (trx) => trx.updateTable('agency.team_allocations').set({ created_by: who('leadership') })
        .where('id', '=', row('allocation:creative')).execute())).toBe('42501')
    })
  })

  describe('the timesheet lock (finding 6)', () => {
    beforeAll(async () => {
      await sql`UPDATE workroom.tenants SET timesheet_lock_days = 14 WHERE id = ${tenantId('A')}`.execute(db)
      await sql`UPDATE workroom.tenants SET timesheet_lock_days = 30 WHERE id = ${tenantId('B')}`.execute(db)
    })
    const log = (person: PersonKey, date: string, tenant: TenantKey = 'A') =>
      as(person, (trx) => trx.insertInto('agency.timesheet_entries').values(logged(person, { entry_date: date }, tenant)).returning('id').executeTakeFirstOrThrow(), tenant)

    it('refuses logging time older than the lock, with its own SQLSTATE and a message that says why', async () => {
      const err = await failure(log('creative', day(-16)))
      expect(err.code).toBe(LOCKED)
      expect(err.message).toContain(day(-16))
      expect(err.message).toMatch(/locked/)
    })

    it('accepts the oldest open day, one day more lenient than the bot for time zones', async () => {
      // The bot refuses before today - 14 in the person's zone; a zone behind UTC is a day behind.
      expect((await log('creative', day(-14))).id).toBeTruthy()
      expect((await log('creative', day(-15))).id).toBeTruthy()
    })

    it('refuses editing, deleting, or moving an entry into the locked period', async () => {
      const old = await seedEntry('creative', day(-20))
      expect(await attempt('creative', (trx) => trx.updateTable('agency.timesheet_entries').set({ hours: 3 }).where('id', '=', old).execute())).toBe(LOCKED)
      expect(await attempt('creative', (trx) => trx.deleteFrom('agency.timesheet_entries').where('id', '=', old).execute())).toBe(LOCKED)
      const recent = await seedEntry('creative', today)
      expect(await attempt('creative', (trx) => trx.updateTable('agency.timesheet_entries').set({ entry_date: day(-20) }).where('id', '=', recent).execute())).toBe(LOCKED)
      expect(await entryAsOwner(old)).toMatchObject({ hours: 1, entry_date: day(-20) })
      expect((await entryAsOwner(recent))!.entry_date).toBe(today)
    })

    it('lets pm approve an entry older than the lock, but not change its hours', async () => {
      const old = await seedEntry('creative', day(-40))
      const approved = await as('pm', (trx) => trx.updateTable('agency.timesheet_entries').set({ status: 'approved', approved_by: who('pm') })
        .where('id', '=', old).returning('status').execute())
      expect(approved).toEqual([{ status: 'approved' }])
      expect(await attempt('pm', (trx) => trx.updateTable('agency.timesheet_entries').set({ hours: 5 }).where('id', '=', old).execute())).toBe(LOCKED)
      expect(await attempt('leadership', (trx) => trx.deleteFrom('agency.timesheet_entries').where('id', '=', old).execute())).toBe(LOCKED)
    })

    it("follows each tenant's own lock", async () => {
      expect((await log('creative', day(-20), 'B')).id).toBeTruthy()   // tenant B locks after 30 days
      expect(await sqlstate(log('creative', day(-32), 'B'))).toBe(LOCKED)
    })

    it('leaves writes outside any actor alone: seeds and imports write history as the owner', async () => {
      const old = await seedEntry('creative', day(-400))
      await db.updateTable('agency.timesheet_entries').set({ hours: 2 }).where('id', '=', old).execute()
      await db.deleteFrom('agency.timesheet_entries').where('id', '=', old).execute()
      expect(await entryAsOwner(old)).toBeUndefined()
    })

    it('keeps the lock between 0 and 366 days', async () => {
      for (const days of [-1, 367]) {
        expect(await sqlstate(sql`UPDATE workroom.tenants SET timesheet_lock_days = ${days} WHERE id = ${tenantId('A')}`.execute(db)), String(days)).toBe('23514')
      }
    })
  })

  describe('FORCE ROW LEVEL SECURITY', () => {
    it('holds a table owner that does not bypass RLS to the policies, which is why 015 forces only for an owner that does', async () => {
      // Everything here is rolled back: campaigns and current_user_campaign_ids() are handed, for
      // one transaction, to an owner that is neither superuser nor BYPASSRLS, a member of
      // workroom_app as 007 makes the migrating role.
      const owner = `workroom_owner_test_${randomBytes(4).toString('hex')}`
      const account = actorOf(ctx.fx, 'A', 'account')   // leads cX, so the helper's own scan finds a row to check
      const theirs = (await as('account', (trx) => trx.selectFrom('agency.campaigns').select('id').execute())).length
      const seen: Record<string, unknown> = {}
      const rollback = new Error('rollback')
      await expect(db.transaction().execute(async (trx) => {
        const probe = async (label: string, as: 'owner' | 'actor') => {
          await sql`SAVEPOINT probe`.execute(trx)
          try {
            if (as === 'owner') await sql`SET LOCAL ROLE ${sql.id(owner)}`.execute(trx)
            else {
              await sql`SELECT set_config('role', 'workroom_app', true), set_config('app.current_tenant', ${account.tenantId}, true),
                               set_config('app.current_role', ${account.role}, true), set_config('app.current_user_id', ${account.userId}, true)`.execute(trx)
            }
            seen[label] = (await sql<{ id: string }>`SELECT id FROM agency.campaigns`.execute(trx)).rows.length
          } catch (err) {
            seen[label] = (err as { code?: string }).code
          } finally {
            await sql`ROLLBACK TO SAVEPOINT probe`.execute(trx)   // also undoes the SET LOCALs
          }
        }
        await sql`SET LOCAL max_stack_depth = '200kB'`.execute(trx)   // so the recursion below fails in milliseconds
        await sql`CREATE ROLE ${sql.id(owner)} NOLOGIN NOSUPERUSER NOBYPASSRLS`.execute(trx)
        await sql`GRANT workroom_app TO ${sql.id(owner)}`.execute(trx)
        await sql`ALTER TABLE agency.campaigns OWNER TO ${sql.id(owner)}`.execute(trx)
        await sql`ALTER FUNCTION agency.current_user_campaign_ids() OWNER TO ${sql.id(owner)}`.execute(trx)
        await probe('owner, forced', 'owner')
        // PGlite does not survive running out of stack (its WASM build aborts the instance), so
        // the recursion is shown on PostgreSQL only.
        if (engine.kind === 'postgres') await probe('account, forced', 'actor')
        await sql`ALTER TABLE agency.campaigns NO FORCE ROW LEVEL SECURITY`.execute(trx)
        await probe('owner, not forced', 'owner')
        await probe('account, not forced', 'actor')
        throw rollback
      })).rejects.toBe(rollback)
      const all = (await db.selectFrom('agency.campaigns').select('id').execute()).length
      expect(seen).toEqual({
        // FORCE: the owner without a context sees nothing, like any member of workroom_app…
        'owner, forced': 0,
        // …and current_user_campaign_ids(), running as that owner inside the campaigns policy,
        // re-enters the policy that calls it until the stack runs out (54001).
        ...(engine.kind === 'postgres' ? { 'account, forced': '54001' } : {}),
        'owner, not forced': all,
        'account, not forced': theirs,
      })
      const relforce = await sql<{ f: boolean }>`SELECT relforcerowsecurity AS f FROM pg_class WHERE oid = 'agency.campaigns'::regclass`.execute(db)
      expect(relforce.rows).toEqual([{ f: true }])   // and the rollback restored it all
    })
  })

  describe('a production login role that owns nothing', () => {
    const name = `workroom_login_test_${randomBytes(4).toString('hex')}`
    beforeAll(async () => {
      await sql`SELECT workroom.create_login_role(${name}, NULL)`.execute(db)
      // A channel scoped to a client (028), so that table has a row to hide too.
      await db.insertInto('workroom.channel_clients').values({
        tenant_id: tenantId(), platform: 'slack', workspace_id: 'TA', channel_id: 'C0LOGIN', client_id: row('client:X'), bound_by: who('pm'), bound_at: new Date(),
      }).execute()
    })
    afterAll(async () => {
      await sql`DROP ROLE IF EXISTS ${sql.id(name)}`.execute(db)
    })
    // One transaction as the login role, on the test's own (superuser) connection: SET LOCAL ROLE.
    // SET SESSION AUTHORIZATION would be closer to a real login, but PGlite keeps it after the
    // transaction ends (and RESET SESSION AUTHORIZATION does not undo it), so the login role's own
    // RESET ROLE, which returns to the login role, is played as SET LOCAL ROLE <login role>. On
    // PostgreSQL the last test logs in as the role for real and runs the real RESET ROLE.
    const asLogin = <T>(fn: (trx: Kysely<DB>) => Promise<T>) => db.transaction().execute(async (trx) => {
      await sql`SET LOCAL ROLE ${sql.id(name)}`.execute(trx)
      return fn(trx)
    })
    const TENANT_TABLES = [
      'agency.clients', 'agency.brands', 'agency.campaigns', 'agency.campaign_phases', 'agency.artifacts', 'agency.artifact_versions',
      'agency.artifact_comments', 'workroom.artifact_chunks', 'agency.timesheet_entries', 'agency.team_allocations', 'agency.knowledge_documents',
      'agency.knowledge_chunks', 'agency.ai_conversations', 'agency.ai_messages', 'agency.integration_links',
      'agency.integration_sync_runs', 'workroom.tenants', 'workroom.people', 'workroom.chat_identities', 'workroom.digest_subscriptions',
      'workroom.channel_clients', 'workroom.ai_message_posts',
    ]
    const counts = async (trx: Kysely<DB>) => {
      const out: Record<string, number> = {}
      for (const t of TENANT_TABLES) out[t] = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(t)}`.execute(trx)).rows[0]!.n
      return out
    }
    const nonzero = (c: Record<string, number>) => Object.entries(c).filter(([, n]) => n > 0)

    it('is a login role, member of workroom_app only, with no bypass and nothing owned', async () => {
      const role = await sql<Record<string, unknown>>`
        SELECT r.rolcanlogin, r.rolsuper, r.rolbypassrls, r.rolcreaterole, r.rolcreatedb, r.rolreplication,
               array(SELECT g.rolname::text FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid) AS member_of,
               (SELECT count(*)::int FROM pg_class c WHERE c.relowner = r.oid) AS owns
          FROM pg_roles r WHERE r.rolname = ${name}`.execute(db)
      expect(role.rows).toEqual([{
        rolcanlogin: true, rolsuper: false, rolbypassrls: false, rolcreaterole: false, rolcreatedb: false, rolreplication: false,
        member_of: ['workroom_app'], owns: 0,
      }])
    })

    it('sees no tenant row and writes nothing when it never sets a role', async () => {
      expect(nonzero(await asLogin(counts))).toEqual([])
      const writes: Array<[string, (trx: Kysely<DB>) => Promise<unknown>]> = [
        ['client', (trx) => trx.insertInto('agency.clients').values({ tenant_id: tenantId(), name: 'Walk-in' }).execute()],
        ['timesheet', (trx) => trx.insertInto('agency.timesheet_entries').values(logged('creative')).execute()],
        ['chat inbox', (trx) => sql`INSERT INTO workroom.chat_inbox (inbox_key, platform, claimed_by, lease_until) VALUES ('slack:forged', 'slack', 'x', now())`.execute(trx)],
      ]
      for (const [what, write] of writes) expect(await sqlstate(asLogin(write)), what).toBe('42501')
      const updated = await asLogin((trx) => trx.updateTable('agency.campaigns').set({ name: 'hijacked' }).returning('id').execute())
      const deleted = await asLogin((trx) => trx.deleteFrom('agency.timesheet_entries').returning('id').execute())
      expect([updated, deleted]).toEqual([[], []])
    })

    it('cannot read money columns or call operator functions', async () => {
      const refused: Array<[string, (trx: Kysely<DB>) => Promise<unknown>]> = [
        ['campaign budget', (trx) => sql`SELECT budget FROM agency.campaigns`.execute(trx)],
        ['timesheet rates', (trx) => sql`SELECT bill_rate FROM agency.timesheet_entries`.execute(trx)],
        ['people rates', (trx) => sql`SELECT cost_rate FROM workroom.people`.execute(trx)],
        ['directory', (trx) => sql`SELECT * FROM workroom.directory(NULL)`.execute(trx)],
        ['link_identity', (trx) => sql`SELECT * FROM workroom.link_identity('slack', 'TA', 'UAforged', 'leadership@a.example')`.execute(trx)],
        ['create_login_role', (trx) => sql`SELECT workroom.create_login_role('workroom_login_forged', NULL)`.execute(trx)],
        ['adjust rates', (trx) => sql`SELECT * FROM agency.adjust_timesheet_rates(${row('timesheet:creative')}::uuid, 1, 1)`.execute(trx)],
      ]
      for (const [what, read] of refused) expect(await sqlstate(asLogin(read)), what).toBe('42501')
    })

    it('gains nothing by RESET ROLE inside an actor context', async () => {
      const actor = actorOf(ctx.fx, 'A', 'creative')
      const enter = async (trx: Kysely<DB>) => {
        await sql`SELECT set_config('role', 'workroom_app', true), set_config('app.current_tenant', ${actor.tenantId}, true),
                         set_config('app.current_role', ${actor.role}, true), set_config('app.current_user_id', ${actor.userId}, true)`.execute(trx)
        await sql`SET LOCAL ROLE ${sql.id(name)}`.execute(trx)   // what RESET ROLE does for a session logged in as it
      }
      const seen = await asLogin(async (trx) => {
        await enter(trx)
        const user = (await sql<{ u: string }>`SELECT current_user AS u`.execute(trx)).rows[0]!.u
        return { user, campaigns: (await trx.selectFrom('agency.campaigns').select('id').execute()).map((r) => r.id) }
      })
      expect(seen).toEqual({ user: name, campaigns: [row('campaign:cX')] })   // exactly what the creative sees as workroom_app
      const entry = await seedEntry('creative', today)
      const refused: Array<[string, (trx: Kysely<DB>) => Promise<unknown>]> = [
        ['budget', (trx) => sql`SELECT budget FROM agency.campaigns`.execute(trx)],
        ['directory', (trx) => sql`SELECT * FROM workroom.directory(NULL)`.execute(trx)],
        ['hand over an entry', (trx) => trx.updateTable('agency.timesheet_entries').set({ user_id: who('pm') }).where('id', '=', entry).execute()],
        ['approve own entry', (trx) => trx.updateTable('agency.timesheet_entries').set({ status: 'approved' }).where('id', '=', entry).execute()],
      ]
      for (const [what, write] of refused) {
        expect(await sqlstate(asLogin(async (trx) => { await enter(trx); await write(trx) })), what).toBe('42501')
      }
    })

    if (engine.kind === 'postgres') {
      it('logs in as that role over the network and still sees nothing', async () => {
        const url = new URL(engine.urlOf!(ctx.e))
        url.username = name
        url.password = ''
        const client = new pg.Client({ connectionString: url.toString() })
        await client.connect()
        try {
          const me = await client.query<{ u: string }>('SELECT current_user AS u')
          expect(me.rows[0]!.u).toBe(name)
          const total = 'SELECT (SELECT count(*) FROM agency.campaigns) + (SELECT count(*) FROM agency.timesheet_entries) + (SELECT count(*) FROM workroom.people) AS n'
          expect(Number((await client.query<{ n: number }>(total)).rows[0]!.n)).toBe(0)
          await expect(client.query('SELECT * FROM workroom.directory(NULL)')).rejects.toMatchObject({ code: '42501' })
          await expect(client.query('SELECT budget FROM agency.campaigns')).rejects.toMatchObject({ code: '42501' })
          // SET ROLE workroom_app, then RESET ROLE, session-wide: back to the login role, not above it.
          await client.query('SET ROLE workroom_app')
          await client.query('RESET ROLE')
          expect((await client.query<{ u: string }>('SELECT current_user AS u')).rows[0]!.u).toBe(name)
          expect(Number((await client.query<{ n: number }>(total)).rows[0]!.n)).toBe(0)
          await expect(client.query(`INSERT INTO agency.clients (tenant_id, name) VALUES ('${tenantId()}', 'Walk-in')`)).rejects.toMatchObject({ code: '42501' })
        } finally {
          await client.end()
        }
      })
    }
  })
})
