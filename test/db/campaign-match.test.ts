import { afterAll, beforeAll, expect, it } from 'vitest'
import { withActor, type Actor } from '../../src/db/actor.ts'
import type { Engine } from '../../src/db/engine.ts'
import {
  campaignNamed, campaignShortlist, findCampaign, findCampaignNamed, findCampaignWithNote, matchCampaign, matchCampaignWithNote,
  visibleCampaigns, type CampaignCandidate,
} from '../../src/handlers/campaign-match.ts'
import { seed } from '../../seeds/index.ts'
import { describeEachEngine } from '../support/engines.ts'
import { seedFixture } from '../support/fixture.ts'

// The matcher's rules over every visible campaign (as the handlers applied them before) and over
// the shortlist SQL returns (as they apply them now) must give the same answer: same kind, same
// campaigns in the same order, same note. Asked by one person of each role of each tenant, with
// what people type: names, codes, brands and clients, prefixes, names followed by notes, typos,
// words of no campaign.
const ids = (r: unknown): unknown => JSON.parse(JSON.stringify(r, (k, v: unknown) =>
  (v && typeof v === 'object' && 'clientName' in v ? (v as CampaignCandidate).id : v)))

function typo(word: string, i: number): string {
  if (word.length < 4) return word
  const at = 1 + (i % (word.length - 2))
  switch (i % 3) {
    case 0: return word.slice(0, at) + word.slice(at + 1)                                   // a letter dropped
    case 1: return word.slice(0, at) + word[at + 1] + word[at] + word.slice(at + 2)          // two swapped
    default: return word.slice(0, at) + word[at] + word.slice(at)                            // one doubled
  }
}

function queriesFor(campaigns: CampaignCandidate[]): string[] {
  const out = new Set<string>(['aurora', 'aurora air', 'aurora fixing the deck', 'air', 'q3', 'zzz nothing', 'a', '—', 'the', 'launch'])
  // Every third campaign: the phrasings repeat their shapes, and each query costs a few statements.
  campaigns.filter((_, i) => i % 3 === 0).forEach((c, i) => {
    const words = c.name.split(/\s+/)
    out.add(c.name)
    out.add(c.code)
    out.add(c.code.toLowerCase() + ' deck review')
    out.add(c.name.toLowerCase())
    out.add(words.map((w) => w.slice(0, 3)).join(' '))
    out.add(`${c.name} fixing the deck after feedback`)
    out.add(`${words[0]} ${words.at(-1)}`)
    out.add(words.map((w, k) => (k === i % words.length ? typo(w, i) : w)).join(' '))
    out.add(`${c.brandName ?? c.clientName} ${words.at(-1)}`)
    out.add(typo(c.clientName, i))
  })
  return [...out]
}

describeEachEngine('campaign matching in SQL', (engine) => {
  let e: Engine
  let people: Actor[]
  beforeAll(async () => {
    e = await engine.migrated()
    await seed(e, { scale: 'demo', progress: false })
    await seedFixture(e.db)
    const all = await e.db.selectFrom('workroom.people').select(['id', 'tenant_id', 'role']).orderBy('email').execute()
    const taken = new Set<string>()
    // Per tenant: leadership (every campaign) and a creative (theirs only).
    people = all.filter((p) => ['leadership', 'creative'].includes(p.role) && !taken.has(`${p.tenant_id} ${p.role}`) && taken.add(`${p.tenant_id} ${p.role}`))
      .map((p) => ({ tenantId: p.tenant_id, userId: p.id, role: p.role }))
  }, 240_000)
  afterAll(async () => {
    await e?.close()
  })

  it('answers as the matcher over every visible campaign did, for leadership and a creative of every tenant', async () => {
    expect(new Set(people.map((p) => p.tenantId)).size).toBe(4)
    let asked = 0
    const differing: unknown[] = []
    for (const actor of people) {
      await withActor(e.db, actor, async (trx) => {
        const all = await visibleCampaigns(trx)
        // Queries from the campaigns this person sees (another tenant's names: the test below).
        for (const q of queriesFor(all)) {
          asked++
          const pairs: Array<[string, unknown, unknown]> = [
            ['match', matchCampaign(q, all), await findCampaign(trx, q)],
            ['withNote', matchCampaignWithNote(q, all), await findCampaignWithNote(trx, q)],
            ['named', campaignNamed(q, all, { cautious: false }), await findCampaignNamed(trx, q, { cautious: false })],
            ['cautious', campaignNamed(q, all, { cautious: true }), await findCampaignNamed(trx, q, { cautious: true })],
          ]
          for (const [how, before, now] of pairs) {
            if (JSON.stringify(ids(before)) !== JSON.stringify(ids(now))) differing.push({ role: actor.role, q, how, before: ids(before), now: ids(now) })
          }
        }
      })
    }
    expect(asked).toBeGreaterThan(150)
    expect(differing).toEqual([])
  }, 600_000)

  it('shortlists a few campaigns, never one the person may not see', async () => {
    const creative = people.find((p) => p.role === 'creative' && p.tenantId === people[0]!.tenantId)!
    // Read first: PGlite has one connection, which the actor's transaction below holds.
    const other = await e.db.selectFrom('agency.campaigns').select(['id', 'name', 'code']).where('tenant_id', '<>', creative.tenantId).orderBy('name').limit(12).execute()
    await withActor(e.db, creative, async (trx) => {
      const all = await visibleCampaigns(trx)
      const visible = new Set(all.map((c) => c.id))
      for (const c of other) {
        for (const q of [c.name, c.code]) {
          for (const fuzzy of [false, true]) {
            for (const s of await campaignShortlist(trx, q, { fuzzy })) expect(visible.has(s.id)).toBe(true)
          }
        }
      }
      const named = all[0]!
      const shortlist = await campaignShortlist(trx, named.name, { fuzzy: false })
      expect(shortlist.map((c) => c.id)).toContain(named.id)
      expect(shortlist.length).toBeLessThan(all.length)
    })
  }, 240_000)
}, { supabase: true })
