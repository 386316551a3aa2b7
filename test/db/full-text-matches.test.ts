import { sql, type RawBuilder } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { withActor, type Actor, type ActorTx } from '../../src/db/actor.ts'
import type { Engine } from '../../src/db/engine.ts'
import { matching } from '../../src/rag/full-text.ts'
import { seed } from '../../seeds/index.ts'
import { describeEachEngine } from '../support/engines.ts'
import { seedFixture, twoPerTenantAndRole } from '../support/fixture.ts'

// Migration 030's functions read past row security to use the GIN indexes, and apply the select
// policies' terms themselves. What they return must be exactly what the policies show: compared
// here for two people of every role in each of the four tenants (the demo agencies and the RLS
// fixture's, people on no campaign among them), on queries that match every chunk and a few words.
describeEachEngine('full-text matches: the functions and the policies agree', (engine) => {
  const SLOW = 240_000
  let e: Engine
  let people: Actor[]
  let archivedChunks: string[]
  const QUERIES: Array<[string, RawBuilder<unknown>]> = [
    ['every chunk', sql`'!zzqqxx'::tsquery`],
    ['a few words', sql`to_tsquery('english', 'brief | budget | deadline | brand | timesheet | draft | facts')`],
    ['one word', sql`plainto_tsquery('english', 'campaign')`],
  ]
  const sorted = (rows: Array<{ id: string }>) => rows.map((r) => r.id).sort()
  const fromFunction = async (trx: ActorTx, table: 'knowledge' | 'artifact', q: RawBuilder<unknown>, clientId?: string) =>
    sorted((await sql<{ id: string }>`SELECT m AS id FROM ${matching(table, q, null, 1_000_000, { clientId })} m`.execute(trx)).rows)
  const underPolicies = {
    knowledge: async (trx: ActorTx, q: RawBuilder<unknown>, clientId?: string) => sorted((await sql<{ id: string }>`
      SELECT c.id FROM agency.knowledge_chunks c
       WHERE c.content_tsv @@ ${q} ${clientId ? sql`AND (c.client_id = ${clientId} OR c.client_id IS NULL)` : sql``}`.execute(trx)).rows),
    artifact: async (trx: ActorTx, q: RawBuilder<unknown>) => sorted((await sql<{ id: string }>`
      SELECT c.id FROM workroom.artifact_chunks c JOIN agency.artifacts a ON a.id = c.artifact_id
       WHERE c.content_tsv @@ ${q} AND a.status <> 'archived'`.execute(trx)).rows),
  }

  beforeAll(async () => {
    e = await engine.migrated()
    await seed(e, { scale: 'demo', progress: false })
    await seedFixture(e.db)
    // An artifact archived a moment ago: its chunks stay until the worker removes them, and must
    // not match meanwhile.
    const archived = await e.db.selectFrom('workroom.artifact_chunks').select('artifact_id').limit(1).executeTakeFirstOrThrow()
    await e.db.updateTable('agency.artifacts').set({ status: 'archived' }).where('id', '=', archived.artifact_id).execute()
    archivedChunks = sorted(await e.db.selectFrom('workroom.artifact_chunks').select('id').where('artifact_id', '=', archived.artifact_id).execute())
    people = await twoPerTenantAndRole(e.db)
  }, SLOW)
  afterAll(async () => {
    await e?.close()
  })

  it('returns, for every person, exactly the chunks the select policies show them', async () => {
    expect(new Set(people.map((p) => p.role)).size).toBe(6)
    expect(new Set(people.map((p) => p.tenantId)).size).toBe(4)
    expect(archivedChunks.length).toBeGreaterThan(0)
    const differing: string[] = []
    let seen = 0
    for (const actor of people) {
      await withActor(e.db, actor, async (trx) => {
        for (const [name, q] of QUERIES) {
          for (const table of ['knowledge', 'artifact'] as const) {
            const expected = await underPolicies[table](trx, q)
            const got = await fromFunction(trx, table, q)
            seen += got.length
            if (JSON.stringify(got) !== JSON.stringify(expected)) differing.push(`${actor.role} ${actor.userId} ${table} ${name}: ${got.length} vs ${expected.length}`)
            if (got.some((id) => archivedChunks.includes(id))) differing.push(`${actor.role} ${actor.userId}: an archived artifact's chunk`)
          }
        }
      })
    }
    expect(differing).toEqual([])
    expect(seen).toBeGreaterThan(0)
  }, SLOW)

  it("gives an attacker who names another client's or tenant's id, as workroom_app, nothing the policies hide", async () => {
    // Every client of every tenant, read as the owner: ids a person may have guessed or seen.
    const everyClient = (await e.db.selectFrom('agency.clients').select('id').execute()).map((c) => c.id)
    const leaked: string[] = []
    for (const actor of people) {
      await withActor(e.db, actor, async (trx) => {
        const q = QUERIES[0]![1]
        const visible = { knowledge: new Set(await underPolicies.knowledge(trx, q)), artifact: new Set(await underPolicies.artifact(trx, q)) }
        for (const id of everyClient) {
          for (const table of ['knowledge', 'artifact'] as const) {
            const got = await fromFunction(trx, table, q, id)
            if (got.some((c) => !visible[table].has(c))) leaked.push(`${actor.role} ${actor.userId} ${table} ${id}`)
          }
        }
      })
    }
    expect(everyClient.length).toBeGreaterThan(4)
    expect(leaked).toEqual([])
  }, SLOW)

  it("applies a client filter without losing any of that client's chunks or adding a hidden one", async () => {
    const differing: string[] = []
    for (const actor of people) {
      await withActor(e.db, actor, async (trx) => {
        const clients = await trx.selectFrom('agency.clients').select('id').execute()
        for (const { id } of clients) {
          const q = QUERIES[0]![1]
          const expected = await underPolicies.knowledge(trx, q, id)
          const got = await fromFunction(trx, 'knowledge', q, id)
          if (JSON.stringify(got) !== JSON.stringify(expected)) differing.push(`${actor.role} ${actor.userId} knowledge ${id}`)
          // Artifacts: a campaign's client, read under row security by retrieve-artifacts.ts.
          const visible = new Set(await underPolicies.artifact(trx, q))
          const ofClient = sorted((await sql<{ id: string }>`
            SELECT c.id FROM workroom.artifact_chunks c JOIN agency.artifacts a ON a.id = c.artifact_id
              LEFT JOIN agency.campaigns cp ON cp.id = a.campaign_id
             WHERE a.status <> 'archived' AND (cp.client_id = ${id} OR a.campaign_id IS NULL)`.execute(trx)).rows)
          const gotArtifacts = await fromFunction(trx, 'artifact', q, id)
          if (gotArtifacts.some((c) => !visible.has(c)) || ofClient.some((c) => !gotArtifacts.includes(c))) differing.push(`${actor.role} ${actor.userId} artifact ${id}`)
        }
      })
    }
    expect(differing).toEqual([])
  }, SLOW)
})
