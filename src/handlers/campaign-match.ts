import { distance } from 'fastest-levenshtein'
import Fuse from 'fuse.js'
import { sql } from 'kysely'
import type { ActorTx } from '../db/actor.ts'
import type { CampaignStatus } from '../db/schema.ts'

export interface CampaignCandidate {
  id: string
  name: string
  code: string
  status: CampaignStatus
  clientName: string
  /** The campaign's client (always set when read from the database; lists built elsewhere may leave it out). */
  clientId?: string
  brandName: string | null
  startDate: string | null
  endDate: string | null
}

export type CampaignMatch =
  | { kind: 'one'; campaign: CampaignCandidate }
  | { kind: 'several'; campaigns: CampaignCandidate[] }
  | { kind: 'none'; suggestions: CampaignCandidate[] }

const CANDIDATE_COLUMNS = ['c.id', 'c.name', 'c.code', 'c.status', 'cl.name as clientName', 'c.client_id as clientId', 'b.name as brandName', 'c.start_date as startDate', 'c.end_date as endDate'] as const

const candidates = (trx: ActorTx) => trx.selectFrom('agency.campaigns as c')
  .innerJoin('agency.clients as cl', 'cl.id', 'c.client_id')
  .leftJoin('agency.brands as b', 'b.id', 'c.brand_id')
  .select(CANDIDATE_COLUMNS)

/** The statuses time can be logged to. */
export const LOGGABLE_STATUSES: readonly CampaignStatus[] = ['active', 'on_hold', 'planning']

/** The most options a picker offers at once (Slack's external_select takes 100). */
export const MAX_PICKER_OPTIONS = 100

/**
 * What a campaign picker offers for the text typed so far: the campaigns time can be logged to
 * among those the text can mean (the shortlist, fuzzy only when the words name none), or with
 * nothing typed the first of them by name. RLS decides visibility, as for every match.
 */
export async function campaignOptions(trx: ActorTx, query: string): Promise<CampaignCandidate[]> {
  const loggable = (c: CampaignCandidate) => LOGGABLE_STATUSES.includes(c.status)
  if (!normalise(query)) {
    return candidates(trx).where('c.status', 'in', [...LOGGABLE_STATUSES]).orderBy('c.name').limit(MAX_PICKER_OPTIONS).execute()
  }
  const byWords = (await campaignShortlist(trx, query, { fuzzy: false })).filter(loggable)
  const found = byWords.length > 0 ? byWords : (await campaignShortlist(trx, query, { fuzzy: true })).filter(loggable)
  return found.slice(0, MAX_PICKER_OPTIONS)
}

/**
 * The one campaign a piece of text names by its full name or code, anywhere in it ("can you fix
 * the Aurora Air Spring Launch deck?"), among those time can be logged to; null when it names
 * none or several. A name inside a longer one named too ("Aurora Air" in "Aurora Air Spring
 * Launch") counts as the longer one.
 */
export async function campaignNamedIn(trx: ActorTx, text: string): Promise<CampaignCandidate | null> {
  const hay = normalise(text)
  if (!hay) return null
  const padded = ` ${hay} `
  const named = await candidates(trx).where('c.status', 'in', [...LOGGABLE_STATUSES])
    .where(sql<boolean>`(strpos(${padded}, ' ' || trim(regexp_replace(lower(c.name), '[^[:alnum:]]+', ' ', 'g')) || ' ') > 0
      OR strpos(${padded}, ' ' || trim(regexp_replace(lower(c.code), '[^[:alnum:]]+', ' ', 'g')) || ' ') > 0)`)
    .limit(20).execute()
  // SQL's normalising is close to normalise()'s (no NFKD); the same comparison in full decides here.
  const hits = named.filter((c) => padded.includes(` ${normalise(c.name)} `) || padded.includes(` ${normalise(c.code)} `))
  const outer = hits.filter((c) => !hits.some((o) => o !== c && normalise(o.name).includes(normalise(c.name)) && o.name.length > c.name.length))
  return outer.length === 1 ? outer[0]! : null
}

/** The campaigns this actor may see (RLS decides), with the names people call them by. */
export async function visibleCampaigns(trx: ActorTx): Promise<CampaignCandidate[]> {
  return candidates(trx).orderBy('c.name').execute()
}

/**
 * How many campaigns similar to a mistyped text the fuzzy scoring chooses among: the closest by
 * trigram similarity. Its answer names at most 3 and a match must be well ahead of the runner-up;
 * 50 holds the whole list of most agencies, so there the answer is exactly what it was.
 */
const FUZZY_SHORTLIST = 50

/**
 * The campaigns `query` can mean, for the matcher (agency.campaign_shortlist, migration 025):
 * every visible campaign whose name, code, brand or client holds the first or the longest word
 * typed, and with `fuzzy`, the closest ones by trigram similarity for a mistyped name. Row
 * security decides visibility as for visibleCampaigns; the matcher's rules are applied to these
 * few rather than to the whole list (docs/performance.md).
 */
export async function campaignShortlist(trx: ActorTx, query: string, { fuzzy }: { fuzzy: boolean }): Promise<CampaignCandidate[]> {
  const q = normalise(query)
  if (!q) return []
  const words = q.split(' ')
  if (fuzzy) {
    return candidates(trx)
      .where('c.id', 'in', sql<string>`(SELECT agency.campaign_shortlist(${words}::text[], ${q}, ${FUZZY_SHORTLIST}))`)
      .orderBy('c.name').execute()
  }
  // The word rules' superset (as agency.campaign_shortlist's first part), in one statement. Under
  // row security no trigram index serves it (LIKE is not leakproof, so it runs after the policies,
  // row by row), so the statement is shaped for that scan (docs/performance.md, "/timesheet against
  // its SQL floor"): each name is folded once and tested against every pattern (LIKE ANY), and
  // clients and brands are each read once (materialized), so their policies run once, not twice.
  const longest = [...words].sort((a, b) => b.length - a.length || (a < b ? -1 : 1))[0]!
  const pats = [...new Set([words[0]!, longest])].map((w) => `%${w}%`)
  const holds = (column: string) => sql`lower(normalize(${sql.ref(column)}, NFKD)) LIKE ANY (${pats}::text[])`
  return trx
    .with((cte) => cte('cl').materialized(), (db) => db.selectFrom('agency.clients').select(['id', 'name']))
    .with((cte) => cte('b').materialized(), (db) => db.selectFrom('agency.brands').select(['id', 'name']))
    .selectFrom('agency.campaigns as c')
    .innerJoin('cl', 'cl.id', 'c.client_id')
    .leftJoin('b', 'b.id', 'c.brand_id')
    .select(CANDIDATE_COLUMNS)
    .where(sql<boolean>`(${holds('c.name')} OR ${holds('c.code')}
      OR c.client_id IN (SELECT cl2.id FROM cl cl2 WHERE ${holds('cl2.name')})
      OR c.brand_id IN (SELECT b2.id FROM b b2 WHERE ${holds('b2.name')}))`)
    .orderBy('c.name').execute()
}

/** matchCampaign over the campaigns the text can mean (campaignShortlist), fuzzy ones fetched only when the words name none. */
export async function findCampaign(trx: ActorTx, query: string): Promise<CampaignMatch> {
  const q = normalise(query)
  if (!q) return { kind: 'none', suggestions: [] }
  return byWords(q, await campaignShortlist(trx, query, { fuzzy: false }), (w, h) => h.startsWith(w))
    ?? fuzzy(query, await campaignShortlist(trx, query, { fuzzy: true }))
}

/** matchCampaignWithNote over the campaigns the text can mean, as findCampaign. */
export async function findCampaignWithNote(trx: ActorTx, query: string): Promise<CampaignWithNote> {
  const named = namedAsOne(campaignNamed(query, await campaignShortlist(trx, query, { fuzzy: false }), { cautious: false }))
  return named ?? fuzzy(query, await campaignShortlist(trx, query, { fuzzy: true }))
}

/** campaignNamed over the campaigns the text can mean (no fuzzy matching, as campaignNamed). */
export async function findCampaignNamed(trx: ActorTx, query: string, options: { cautious: boolean }): Promise<NamedCampaign | null> {
  return campaignNamed(query, await campaignShortlist(trx, query, { fuzzy: false }), options)
}

/** One campaign by id (a button's payload), if this actor may see it. */
export async function visibleCampaign(trx: ActorTx, id: string): Promise<CampaignCandidate | undefined> {
  return candidates(trx).where('c.id', '=', id).executeTakeFirst()
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
  // Every word typed must start a word of name, code, brand or client: "aurora air" matches
  // both Aurora Air campaigns and not Aurora Trail.
  return byWords(q, candidates, (w, h) => h.startsWith(w)) ?? fuzzy(query, candidates)
}

const haystack = (c: CampaignCandidate) => normalise(`${c.name} ${c.code} ${c.brandName ?? ''} ${c.clientName}`).split(' ')

/**
 * Exact code or name, else the campaigns every word fits (`fits`), live ones preferred unless
 * `strict`; null when none does.
 */
function byWords(q: string, candidates: CampaignCandidate[], fits: (word: string, hay: string) => boolean, strict = false): CampaignMatch | null {
  const exact = candidates.filter((c) => normalise(c.code) === q || normalise(c.name) === q)
  if (exact.length === 1) return { kind: 'one', campaign: exact[0]! }
  if (exact.length > 1) return { kind: 'several', campaigns: exact }
  const words = q.split(' ')
  const containing = candidates.filter((c) => {
    const hay = haystack(c)
    return words.every((w) => hay.some((h) => fits(w, h)))
  })
  if (containing.length === 1) return { kind: 'one', campaign: containing[0]! }
  if (containing.length > 1 && !strict) {
    // Prefer live campaigns when the words fit several: people log time to what is running.
    const live = containing.filter((c) => c.status === 'active' || c.status === 'on_hold')
    if (live.length === 1) return { kind: 'one', campaign: live[0]! }
    return { kind: 'several', campaigns: (live.length > 1 ? live : containing).slice(0, 5) }
  }
  if (containing.length > 1) return { kind: 'several', campaigns: containing.slice(0, 5) }
  return null
}

export type CampaignWithNote = CampaignMatch | { kind: 'one_with_note'; campaign: CampaignCandidate; note: string }

/** As matchCampaign, for text that may run on from the campaign's name into a note (campaignNamed). */
export function matchCampaignWithNote(query: string, candidates: CampaignCandidate[]): CampaignWithNote {
  return namedAsOne(campaignNamed(query, candidates, { cautious: false })) ?? fuzzy(query, candidates)
}

function namedAsOne(named: NamedCampaign | null): CampaignWithNote | null {
  if (named?.kind === 'one') return named.note ? { kind: 'one_with_note', campaign: named.campaign, note: named.note } : { kind: 'one', campaign: named.campaign }
  return named
}

export type NamedCampaign = { kind: 'one'; campaign: CampaignCandidate; note: string | null } | { kind: 'several'; campaigns: CampaignCandidate[] }

/**
 * The campaign that text names by its words (no fuzzy matching), and a note typed after the name
 * without a separator: "aurora spring launch fixing the deck after feedback" is Aurora Air Spring
 * Launch and the note "fixing the deck after feedback". Null when the words name none.
 *
 * The whole text first, as matchCampaign reads it: every word starts a word of the campaign, live
 * campaigns preferred. `cautious` (an edit, where a note must not move an entry) prefers none and
 * takes a word only whole or from its first three letters, so "B-cY" is not "Brand … cY". Failing that, the longest run of
 * leading words that names exactly one campaign, each word whole (no prefixes: "ful" of "Full
 * Speed" is not taken) and never by preferring live ones ("aurora air" names two, even if one is
 * only in planning); the rest is the note. When that run fits several campaigns, or the rest
 * starts with what looks like more of the name (a prefix of one of its words, or a one-letter
 * typo: "tidewave fibre ful speed"), no note is cut off: the answer is the whole text's.
 */
export function campaignNamed(query: string, candidates: CampaignCandidate[], { cautious }: { cautious: boolean }): NamedCampaign | null {
  const q = normalise(query)
  if (!q) return null
  const whole = cautious
    ? byWords(q, candidates, (w, h) => w === h || (w.length >= 3 && h.startsWith(w)), true)
    : byWords(q, candidates, (w, h) => h.startsWith(w))
  if (whole?.kind === 'one') return { kind: 'one', campaign: whole.campaign, note: null }
  const typed = query.trim().split(/\s+/)
  for (let n = typed.length - 1; n >= 1; n--) {
    const head = normalise(typed.slice(0, n).join(' '))
    if (!head) continue
    const match = byWords(head, candidates, (w, h) => w === h, true)
    if (!match) continue
    if (match.kind !== 'one') break
    const note = typed.slice(n).join(' ').replace(/^[\s,.;:!?–—-]+/, '').trim()
    const next = normalise(note).split(' ')[0] ?? ''
    const hay = haystack(match.campaign)
    if (!next || hay.some((h) => (next.length >= 3 && h.startsWith(next)) || (next.length >= 4 && distance(next, h) <= 1))) break
    return { kind: 'one', campaign: match.campaign, note }
  }
  return whole?.kind === 'several' ? whole : null
}

function fuzzy(query: string, candidates: CampaignCandidate[]): CampaignMatch {
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
