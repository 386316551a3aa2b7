/**
 * Turns a catalog tenant into rows: pure and deterministic. The same tenant, scale and `today`
 * always give the same rows with the same ids (ids are hashes of stable keys; randomness is
 * faker seeded from the tenant slug), which is what makes re-seeding comparable by content hash.
 */
import { createHash } from 'node:crypto'
import { Faker, en } from '@faker-js/faker'
import type { Insertable } from 'kysely'
import type {
  ArtifactCommentsTable, ArtifactType, ArtifactsTable, BrandsTable, CampaignPhasesTable, CampaignsTable,
  ChatIdentitiesTable, ClientsTable, KnowledgeChunksTable, KnowledgeDocumentsTable, PeopleTable,
  TeamAllocationsTable, TenantsTable, TimesheetEntriesTable,
} from '../src/db/schema.ts'
import { WRITTEN_ARTIFACTS } from './artifacts.ts'
import type { CatalogCampaign, CatalogPerson, CatalogTenant } from './catalog.ts'
import { addDays, isoDow, mondayOf } from '../src/dates.ts'
import type { IngestSource } from '../src/rag/ingest.ts'

export interface TenantRows {
  tenant: Insertable<TenantsTable> & { id: string }
  people: Array<Insertable<PeopleTable> & { id: string }>
  chatIdentities: Array<Insertable<ChatIdentitiesTable>>
  clients: Array<Insertable<ClientsTable> & { id: string }>
  brands: Array<Insertable<BrandsTable> & { id: string }>
  campaigns: Array<Insertable<CampaignsTable> & { id: string }>
  phases: Array<Insertable<CampaignPhasesTable> & { id: string }>
  allocations: Array<Insertable<TeamAllocationsTable>>
  timesheets: Array<Insertable<TimesheetEntriesTable>>
  artifacts: Array<Insertable<ArtifactsTable> & { id: string }>
  /** Later edits of artifact content; each makes the versioning trigger write a version. */
  revisions: Array<{ artifactId: string; content: string; changeSummary: string }>
  /** Artifacts whose text is faker's placeholder: not knowledge, so never embedded (seeds/index.ts). */
  placeholderArtifactIds: string[]
  comments: Array<Insertable<ArtifactCommentsTable>>
  /** Benchmark scale: synthetic documents and chunks with ready-made embeddings. */
  documents: Array<Insertable<KnowledgeDocumentsTable> & { id: string }>
  chunks: Array<Insertable<KnowledgeChunksTable>>
  /** The demo corpus, to ingest (chunk and embed) once the tenant exists. */
  knowledge: IngestSource[]
}

export interface GenerateOptions {
  /** 'YYYY-MM-DD': campaign dates are relative to it; timesheets run up to the day before. */
  today: string
  /** Weeks of timesheets before today. */
  timesheetWeeks: number
  /** Entries a person splits a day into, [min, max]. Bench scale uses many, for volume. */
  entriesPerDay: [number, number]
  /** Knowledge documents of this tenant (already read from disk). */
  documents: KnowledgeSource[]
  /** Synthetic chunks with embeddings, for retrieval benchmarks. */
  syntheticChunks: number
}

export interface KnowledgeSource {
  file: string
  title: string
  type: string
  clientKey: string | null
  body: string
}

/** A UUID-shaped hash of stable keys (version nibble 8, "custom", per RFC 9562). */
export function stableId(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex')
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`
}


const PHASES = [
  { name: 'Strategy', share: 0.15 },
  { name: 'Creative', share: 0.35 },
  { name: 'Production', share: 0.35 },
  { name: 'Post', share: 0.15 },
] as const

const ARTIFACT_KINDS: Array<{ type: ArtifactType; titles: string[]; mime: string }> = [
  { type: 'brief', titles: ['Creative brief', 'Media brief', 'Production brief'], mime: 'text/markdown' },
  { type: 'script', titles: ['30s TVC script', 'Radio script', 'Social cut-down script'], mime: 'text/plain' },
  { type: 'deck', titles: ['Strategy deck', 'Concept presentation', 'Wrap report'], mime: 'application/pdf' },
  { type: 'board', titles: ['Storyboard', 'Mood board', 'Animatic board'], mime: 'image/png' },
  { type: 'copy', titles: ['Headline routes', 'Social copy', 'Product page copy'], mime: 'text/plain' },
  { type: 'design', titles: ['Key visual', 'OOH 48-sheet', 'Banner set'], mime: 'image/png' },
  { type: 'video', titles: ['Hero film edit', 'Behind the scenes', '6s bumper'], mime: 'video/mp4' },
  { type: 'audio', titles: ['Sonic logo', 'Radio mix', 'Podcast read'], mime: 'audio/mpeg' },
  { type: 'document', titles: ['Production schedule', 'Usage rights log', 'Legal clearance'], mime: 'application/pdf' },
  { type: 'other', titles: ['Casting shortlist', 'Location recce photos', 'Talent release forms'], mime: 'application/zip' },
]

function fakerFor(...seedParts: string[]): Faker {
  const f = new Faker({ locale: [en] })
  f.seed(parseInt(createHash('sha256').update(seedParts.join(':')).digest('hex').slice(0, 8), 16))
  return f
}

export function generateTenant(catalog: CatalogTenant, options: GenerateOptions): TenantRows {
  const slug = catalog.slug
  const f = fakerFor('workroom-seed', slug)
  const id = (...parts: string[]) => stableId(slug, ...parts)
  const { today } = options
  const tenantId = id('tenant')

  const people = catalog.people.map((p) => ({
    id: id('person', p.key),
    tenant_id: tenantId,
    email: `${p.key}@${catalog.domain}`,
    display_name: p.name,
    role: p.role,
    department: p.department,
    title: p.title,
    weekly_capacity_hours: p.weeklyCapacityHours,
    cost_rate: p.costRate,
    bill_rate: p.billRate,
    timezone: catalog.timezone,
  }))
  const personId = new Map(catalog.people.map((p) => [p.key, id('person', p.key)]))
  const byRole = (role: CatalogPerson['role']) => catalog.people.filter((p) => p.role === role)
  const accounts = byRole('account')
  const pms = byRole('pm')
  const creatives = byRole('creative')
  // Everyone can try the bot in the playground and the CLI under a stable external id.
  const chatIdentities = catalog.people.map((p) => ({
    id: id('identity', p.key), tenant_id: tenantId, person_id: personId.get(p.key)!, platform: 'playground' as const,
    workspace_id: slug, external_user_id: p.key, linked_via: 'playground' as const,
  }))

  const rows: TenantRows = {
    tenant: { id: tenantId, slug, name: catalog.name, timezone: catalog.timezone, locale: catalog.locale },
    people, chatIdentities, clients: [], brands: [], campaigns: [], phases: [], allocations: [],
    timesheets: [], artifacts: [], revisions: [], placeholderArtifactIds: [], comments: [], documents: [], chunks: [], knowledge: [],
  }

  interface Team { campaign: CatalogCampaign; id: string; start: string; end: string; members: Array<{ person: CatalogPerson; share: number }> }
  const teams: Team[] = []
  const clientIds = new Map<string, string>()

  catalog.clients.forEach((client, ci) => {
    const clientId = id('client', client.key)
    clientIds.set(client.key, clientId)
    const lead = accounts[ci % accounts.length]!
    rows.clients.push({
      id: clientId, tenant_id: tenantId, name: client.name, code: client.code, industry: client.industry,
      status: client.brands.some((b) => b.campaigns.some((c) => c.status === 'active')) ? 'active' : 'inactive',
      account_lead_id: personId.get(lead.key)!, primary_contact_name: f.person.fullName(),
      primary_contact_email: `${f.internet.username().toLowerCase()}@${client.key}.example`,
      billing_currency: slug === 'northwind' ? 'GBP' : 'USD',
    })
    for (const brand of client.brands) {
      const brandId = id('brand', brand.key)
      rows.brands.push({ id: brandId, tenant_id: tenantId, client_id: clientId, name: brand.name, category: brand.category })
      brand.campaigns.forEach((campaign, k) => {
        const campaignId = id('campaign', campaign.key)
        const start = addDays(today, campaign.startOffsetDays)
        const end = addDays(start, campaign.durationWeeks * 7 - 1)
        const creativeLead = creatives[(ci * 3 + k) % creatives.length]!
        const producer = pms[(ci + k) % pms.length]!
        rows.campaigns.push({
          id: campaignId, tenant_id: tenantId, client_id: clientId, brand_id: brandId, name: campaign.name,
          code: campaign.code, status: campaign.status, campaign_type: campaign.campaignType, objective: campaign.objective,
          description: `${campaign.objective} for ${brand.name}.`, start_date: start, end_date: end, budget: campaign.budget,
          currency: slug === 'northwind' ? 'GBP' : 'USD', account_lead_id: personId.get(lead.key)!,
          creative_lead_id: personId.get(creativeLead.key)!, producer_id: personId.get(producer.key)!,
          tags: [campaign.campaignType.toLowerCase(), brand.category.toLowerCase()], created_by: personId.get(producer.key)!,
        })
        rows.phases.push(...phasesFor(campaign, campaignId, tenantId, start, end, today, id))
        if (campaign.status === 'draft' || campaign.status === 'cancelled') return
        const extra = f.helpers.arrayElements(creatives.filter((c) => c !== creativeLead), { min: 1, max: 3 })
        const members = [
          { person: lead, share: f.helpers.arrayElement([10, 15, 20]) },
          { person: producer, share: f.helpers.arrayElement([20, 25, 30]) },
          { person: creativeLead, share: f.helpers.arrayElement([30, 40, 50]) },
          ...extra.map((person) => ({ person, share: f.helpers.arrayElement([20, 30, 40, 50, 60]) })),
        ]
        // Named in the catalog: added with a fixed share and no draw, so every other row stays as it was.
        for (const key of campaign.team ?? []) {
          const person = catalog.people.find((p) => p.key === key)
          if (!person) throw new Error(`${campaign.key}: no person "${key}" in ${slug}`)
          if (!members.some((m) => m.person === person)) members.push({ person, share: 30 })
        }
        teams.push({ campaign, id: campaignId, start, end, members })
      })
    }
  })

  // The agency as its own client (catalog.ts, CatalogInternal): written without faker, so every
  // drawn row above and below stays as it was.
  if (catalog.internal) {
    const clientId = id('client', 'internal')
    const currency = slug === 'northwind' ? 'GBP' : 'USD'
    rows.clients.push({
      id: clientId, tenant_id: tenantId, name: catalog.internal.name, code: catalog.internal.code, industry: 'Internal',
      status: 'active', is_internal: true, billing_currency: currency,
    })
    for (const c of catalog.internal.campaigns) {
      rows.campaigns.push({
        id: id('campaign', c.key), tenant_id: tenantId, client_id: clientId, name: c.name, code: c.code, status: 'active',
        campaign_type: 'Internal', objective: c.objective, description: `${c.objective}. Not billable to any client.`,
        currency, tags: ['internal'],
      })
    }
  }

  // Make utilization interesting by construction: the first creative is booked on three more
  // active campaigns (over 100%), the last two creatives only on what they already have.
  const active = teams.filter((t) => t.campaign.status === 'active')
  const busy = creatives[0]
  if (busy) {
    for (const t of active.filter((t) => !t.members.some((m) => m.person === busy)).slice(0, 3)) t.members.push({ person: busy, share: 40 })
  }

  const weekFrom = mondayOf(addDays(today, -7 * options.timesheetWeeks))
  const weekTo = mondayOf(addDays(today, 28))
  for (const t of teams) {
    if (t.campaign.status !== 'active' && t.campaign.status !== 'on_hold' && t.campaign.status !== 'completed') continue
    for (let w = mondayOf(t.start) < weekFrom ? weekFrom : mondayOf(t.start); w <= weekTo && w <= t.end; w = addDays(w, 7)) {
      for (const m of t.members) {
        rows.allocations.push({
          id: id('allocation', t.campaign.key, m.person.key, w), tenant_id: tenantId, user_id: personId.get(m.person.key)!, campaign_id: t.id, week_start_date: w,
          capacity_percentage: m.share, role_on_campaign: m.person.title,
        })
      }
    }
  }

  // Timesheets: weekdays up to yesterday, 6–9 h scaled to capacity, split over the campaigns a
  // person is on that day; 70–85 % billable per person. Finance and admin do not log client time.
  const loggers = catalog.people.filter((p) => p.role !== 'finance' && p.role !== 'admin')
  const absentees = new Set(f.helpers.arrayElements(loggers, 3).map((p) => p.key))
  for (const person of loggers) {
    const pf = fakerFor('timesheets', slug, person.key)
    const billableShare = pf.number.float({ min: 0.7, max: 0.85 })
    const theirTeams = teams.filter((t) => t.members.some((m) => m.person === person))
    for (let day = addDays(today, -7 * options.timesheetWeeks); day < today; day = addDays(day, 1)) {
      if (isoDow(day) > 5) continue
      if (pf.number.float() < (absentees.has(person.key) ? 0.25 : 0.03)) continue   // leave, sickness, forgetting
      const onDay = theirTeams.filter((t) => t.start <= day && day <= t.end)
      if (onDay.length === 0) continue
      const dayHours = Math.round(pf.number.float({ min: 6, max: 9 }) * (person.weeklyCapacityHours / 40) * 4) / 4
      const n = Math.min(pf.number.int({ min: options.entriesPerDay[0], max: options.entriesPerDay[1] }), Math.max(1, Math.floor(dayHours / 0.25)))
      const splits = splitHours(dayHours, n, pf)
      splits.forEach((hours, i) => {
        const t = onDay[(i + pf.number.int({ min: 0, max: onDay.length - 1 })) % onDay.length]!
        rows.timesheets.push({
          id: id('timesheet', person.key, day, String(i)), tenant_id: tenantId, user_id: personId.get(person.key)!, campaign_id: t.id, entry_date: day, hours,
          is_billable: pf.number.float() < billableShare,
          description: pf.helpers.arrayElement(['Concept development', 'Client call', 'Internal review', 'Copywriting', 'Design iterations', 'Production prep', 'Status meeting', 'Asset retouching', 'Edit session', 'Research']),
          cost_rate: person.costRate, bill_rate: person.billRate, status: day < addDays(today, -14) ? 'approved' : 'submitted',
          source: 'seed', external_ref: `seed:${slug}:${person.key}:${day}:${i}`,
        })
      })
    }
  }

  // Artifacts with versions and threaded comments, for campaigns that have started.
  for (const t of teams.filter((t) => t.start <= today)) {
    const af = fakerFor('artifacts', slug, t.campaign.key)
    const count = af.number.int({ min: 4, max: 9 })
    for (let i = 0; i < count; i++) {
      const kind = ARTIFACT_KINDS[(i + af.number.int({ min: 0, max: ARTIFACT_KINDS.length - 1 })) % ARTIFACT_KINDS.length]!
      const owner = af.helpers.arrayElement(t.members).person
      const artifactId = id('artifact', t.campaign.key, String(i))
      const title = `${t.campaign.name} — ${af.helpers.arrayElement(kind.titles)}`
      const done = t.campaign.status === 'completed' || t.campaign.status === 'archived'
      rows.artifacts.push({
        id: artifactId, tenant_id: tenantId, campaign_id: t.id, title, artifact_type: kind.type,
        status: done ? 'approved' : af.helpers.arrayElement(['draft', 'in_review', 'in_review', 'approved', 'rejected'] as const),
        description: af.lorem.sentence(), content: `${title}\n\n${af.lorem.paragraphs(2)}`,
        file_url: `https://assets.${catalog.domain}/${t.campaign.key}/${i + 1}`, file_name: `${t.campaign.key}-${kind.type}-${i + 1}`,
        file_size_bytes: af.number.int({ min: 20_000, max: 80_000_000 }), mime_type: kind.mime,
        tags: [kind.type, t.campaign.campaignType.toLowerCase()], owner_id: personId.get(owner.key)!,
      })
      rows.placeholderArtifactIds.push(artifactId)
      const revisions = af.helpers.weightedArrayElement([{ weight: 5, value: 0 }, { weight: 3, value: 1 }, { weight: 2, value: 2 }])
      for (let r = 0; r < revisions; r++) {
        rows.revisions.push({ artifactId, content: `${title} (revision ${r + 2})\n\n${af.lorem.paragraphs(2)}`, changeSummary: af.helpers.arrayElement(['Client feedback applied', 'Tightened copy', 'New colour grade', 'Legal changes', 'Layout rework']) })
      }
      const threads = af.number.int({ min: 0, max: 3 })
      for (let c = 0; c < threads; c++) {
        const commentId = id('comment', t.campaign.key, String(i), String(c))
        const author = af.helpers.arrayElement(t.members).person
        rows.comments.push({ id: commentId, tenant_id: tenantId, artifact_id: artifactId, author_id: personId.get(author.key)!, body: af.lorem.sentence(), is_resolved: af.datatype.boolean(0.4) })
        for (let r = 0; r < af.number.int({ min: 0, max: 2 }); r++) {
          rows.comments.push({ id: id('comment', t.campaign.key, String(i), String(c), String(r)), tenant_id: tenantId, artifact_id: artifactId, parent_comment_id: commentId, author_id: personId.get(af.helpers.arrayElement(t.members).person.key)!, body: af.lorem.sentence() })
        }
      }
    }
  }

  // Hand-written artifacts (seeds/artifacts.ts), owned by the campaign's first team member.
  for (const t of teams) {
    for (const [i, w] of (WRITTEN_ARTIFACTS[t.campaign.key] ?? []).entries()) {
      const artifactId = id('artifact', t.campaign.key, 'written', String(i))
      rows.artifacts.push({
        id: artifactId, tenant_id: tenantId, campaign_id: t.id, title: w.title, artifact_type: w.type, status: 'in_review',
        description: w.description, content: w.versions[0]!.content, mime_type: 'text/markdown', tags: [w.type],
        owner_id: personId.get(t.members[0]!.person.key)!,
      })
      for (const v of w.versions.slice(1)) rows.revisions.push({ artifactId, content: v.content, changeSummary: v.changeSummary ?? '' })
    }
  }

  // Ingested after the tenant is written (seeds/index.ts), through the same path as `workroom ingest`.
  rows.knowledge = options.documents.map((doc) => ({
    id: id('document', doc.file), sourceId: `seeds/knowledge/${doc.file}`, url: `seeds/knowledge/${doc.file}`,
    title: doc.title, docType: doc.type, clientId: doc.clientKey ? (clientIds.get(doc.clientKey) ?? null) : null,
    text: doc.body, format: 'markdown' as const, sourceType: 'seed' as const,
  }))
  if (options.syntheticChunks > 0) addSyntheticChunks(rows, options.syntheticChunks, f, id)
  return rows
}

function phasesFor(campaign: CatalogCampaign, campaignId: string, tenantId: string, start: string, end: string, today: string, id: (...p: string[]) => string) {
  const days = campaign.durationWeeks * 7
  let cursor = start
  return PHASES.map((phase, i) => {
    const length = i === PHASES.length - 1 ? undefined : Math.max(1, Math.round(days * phase.share))
    const phaseStart = cursor
    const phaseEnd = length === undefined ? end : addDays(cursor, length - 1)
    cursor = addDays(phaseEnd, 1)
    const elapsed = Math.min(1, Math.max(0, (Date.parse(today) - Date.parse(phaseStart)) / (Date.parse(phaseEnd) - Date.parse(phaseStart) + 86_400_000)))
    type PhaseStatus = 'not_started' | 'in_progress' | 'completed' | 'blocked' | 'skipped'
    const byDate: PhaseStatus = phaseEnd < today ? 'completed' : phaseStart <= today ? 'in_progress' : 'not_started'
    const status: PhaseStatus =
      campaign.status === 'draft' || campaign.status === 'planning' ? 'not_started'
      : campaign.status === 'completed' || campaign.status === 'archived' ? 'completed'
      : campaign.status === 'cancelled' ? (byDate === 'completed' ? 'completed' : 'skipped')
      : campaign.status === 'on_hold' && byDate === 'in_progress' ? 'blocked'
      : byDate
    return {
      id: id('phase', campaign.key, phase.name), tenant_id: tenantId, campaign_id: campaignId, name: phase.name,
      phase_order: i + 1, status, start_date: phaseStart, end_date: phaseEnd,
      progress_percent: status === 'completed' ? 100 : status === 'not_started' || status === 'skipped' ? 0 : Math.round(elapsed * 100),
      budget: Math.round(campaign.budget * phase.share),
    }
  })
}

/** Split total hours into n quarter-hour amounts that add up exactly. */
function splitHours(total: number, n: number, f: Faker): number[] {
  const quarters = Math.round(total * 4)
  const cuts = Array.from({ length: n - 1 }, () => f.number.int({ min: 1, max: quarters - 1 })).sort((a, b) => a - b)
  const points = [0, ...cuts, quarters]
  return points.slice(1).map((p, i) => (p - points[i]!) / 4).filter((h) => h > 0)
}

/**
 * Synthetic chunks for the retrieval benchmarks: embeddings clustered around 64 topic centres,
 * L2-normalised like real text embeddings, so an HNSW index has neighbourhoods to find.
 */
function addSyntheticChunks(rows: TenantRows, count: number, f: Faker, id: (...p: string[]) => string) {
  const dims = 1536
  const centres = Array.from({ length: 64 }, () => Array.from({ length: dims }, () => f.number.float({ min: -1, max: 1 })))
  const perDoc = 50
  for (let d = 0; d * perDoc < count; d++) {
    const docId = id('synthetic-document', String(d))
    rows.documents.push({ id: docId, tenant_id: rows.tenant.id, title: `Synthetic document ${d + 1}`, doc_type: 'synthetic', source_type: 'seed', source_id: `synthetic:${d}`, status: 'active', embedding_model: 'synthetic-clustered-1536' })
    for (let c = 0; c < perDoc && d * perDoc + c < count; c++) {
      const centre = centres[(d * 7 + c) % centres.length]!
      const v = centre.map((x) => x + f.number.float({ min: -0.6, max: 0.6 }))
      const norm = Math.hypot(...v)
      rows.chunks.push({
        id: id('synthetic-chunk', String(d), String(c)), tenant_id: rows.tenant.id, document_id: docId, chunk_index: c, heading: `Section ${c + 1}`,
        content: f.lorem.sentences(3), token_count: 60, embedding_model: 'synthetic-clustered-1536',
        embedding: `[${v.map((x) => (x / norm).toFixed(5)).join(',')}]`,
      })
    }
  }
}
