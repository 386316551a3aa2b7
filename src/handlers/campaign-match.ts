import Fuse from 'fuse.js'
import type { ActorTx } from '../db/actor.ts'
import type { CampaignStatus } from '../db/schema.ts'

export interface CampaignCandidate {
  id: string
  name: string
  code: string
  status: CampaignStatus
  clientName: string
  brandName: string | null
  startDate: string | null
  endDate: string | null
}

export type CampaignMatch =
  | { kind: 'one'; campaign: CampaignCandidate }
  | { kind: 'several'; campaigns: CampaignCandidate[] }
  | { kind: 'none'; suggestions: CampaignCandidate[] }

/** The campaigns this actor may see (RLS decides), with the names people call them by. */
export async function visibleCampaigns(trx: ActorTx): Promise<CampaignCandidate[]> {
  return trx.selectFrom('agency.campaigns as c')
    .innerJoin('agency.clients as cl', 'cl.id', 'c.client_id')
    .leftJoin('agency.brands as b', 'b.id', 'c.brand_id')
    .select(['c.id', 'c.name', 'c.code', 'c.status', 'cl.name as clientName', 'b.name as brandName', 'c.start_date as startDate', 'c.end_date as endDate'])
    .orderBy('c.name')
    .execute()
}

const normalise = (s: string) => s.toLowerCase().normalize('NFKD').replace(/[^\p{L}\p{N}]+/gu, ' ').trim()

/**
 * Resolves what a person typed ("aurora air", "AUR-2026-01", "fizzwell summer") to one campaign,
 * several to choose from, or none with the closest suggestions. Exact code or name wins outright;
 * otherwise fuse.js scores name, code, brand and client, and a clear winner is one whose score is
 * well ahead of the runner-up.
 */
export function matchCampaign(query: string, candidates: CampaignCandidate[]): CampaignMatch {
  const q = normalise(query)
  if (!q) return { kind: 'none', suggestions: [] }
  const exact = candidates.filter((c) => normalise(c.code) === q || normalise(c.name) === q)
  if (exact.length === 1) return { kind: 'one', campaign: exact[0]! }
  if (exact.length > 1) return { kind: 'several', campaigns: exact }

  // Every word typed must appear somewhere in name, code, brand or client: "aurora air" matches
  // both Aurora Air campaigns and not Aurora Trail.
  const words = q.split(' ')
  const haystack = (c: CampaignCandidate) => normalise(`${c.name} ${c.code} ${c.brandName ?? ''} ${c.clientName}`)
  const containing = candidates.filter((c) => words.every((w) => haystack(c).split(' ').some((h) => h.startsWith(w))))
  if (containing.length === 1) return { kind: 'one', campaign: containing[0]! }
  if (containing.length > 1) {
    // Prefer live campaigns when the words fit several: people log time to what is running.
    const live = containing.filter((c) => c.status === 'active' || c.status === 'on_hold')
    if (live.length === 1) return { kind: 'one', campaign: live[0]! }
    return { kind: 'several', campaigns: (live.length > 1 ? live : containing).slice(0, 5) }
  }

  const fuse = new Fuse(candidates, {
    keys: [{ name: 'name', weight: 3 }, { name: 'code', weight: 2 }, { name: 'brandName', weight: 1 }, { name: 'clientName', weight: 1 }],
    includeScore: true,
    threshold: 0.45,
    ignoreLocation: true,
  })
  const hits = fuse.search(query, { limit: 5 })
  const [best, second] = hits
  if (best && best.score !== undefined && best.score < 0.2 && (!second || (second.score ?? 1) - best.score > 0.15)) {
    return { kind: 'one', campaign: best.item }
  }
  return { kind: 'none', suggestions: hits.map((h) => h.item).slice(0, 3) }
}
