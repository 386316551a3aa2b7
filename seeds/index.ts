/**
 * `workroom seed [--scale demo|bench] [--reset]`: writes the demo agencies (or the benchmark
 * agency) as the database owner, the way migrations do. Seeding is an operator action, not a
 * request: it runs outside withActor on purpose, and it is the only code that does.
 *
 * Each tenant is written in one transaction, so an interrupted seed leaves nothing half-written.
 * A tenant that already exists is left alone unless --reset, which deletes and rebuilds it.
 */
import cliProgress from 'cli-progress'
import { sql, type Insertable, type Kysely, type Transaction } from 'kysely'
import type { Engine } from '../src/db/engine.ts'
import type { DB } from '../src/db/schema.ts'
import { benchCatalog } from './bench-catalog.ts'
import { TENANTS, type CatalogTenant } from './catalog.ts'
import { generateTenant, type GenerateOptions, type TenantRows } from './generate.ts'
import { readKnowledge } from './knowledge.ts'
import { HashingEmbedder, type Embedder } from '../src/rag/embed.ts'
import { ingest, type IngestStatus } from '../src/rag/ingest.ts'
import { embedAllPendingArtifacts } from '../src/rag/artifacts.ts'

export type Scale = 'demo' | 'bench'

export interface SeedOptions {
  scale: Scale
  reset?: boolean
  /** 'YYYY-MM-DD'; defaults to the current UTC date. Tests pass a fixed day. */
  today?: string
  /** Bench scale: synthetic knowledge chunks (default 10,000). */
  chunks?: number
  /** Show progress bars on stderr (default: when stderr is a terminal). */
  progress?: boolean
  /** Embeds the demo corpus (default: the offline hashing embedder). */
  embedder?: Embedder
  /** Told as each step begins ("writing Northwind Creative: 50 people, …"), for start-up's phase lines. */
  onStep?: (text: string) => void
}

export interface SeedReport {
  slug: string
  name: string
  status: 'seeded' | 'skipped' | 'reset'
  rows: Record<string, number>
  /** The demo corpus: ingested on every seed, a no-op for documents already embedded by this model. */
  knowledge: Record<IngestStatus, number> & { /** Chunks embedded in this run. */ chunks: number }
  /** Artifacts embedded in this run (demo scale; pending ones are left to the server's worker at bench scale). */
  artifacts: { embedded: number; chunks: number }
  ms: number
}

/** Tables holding a tenant's rows, children first: the order --reset deletes in. */
const TENANT_TABLES = [
  'agency.ai_messages', 'agency.ai_conversations', 'agency.knowledge_chunks', 'agency.knowledge_documents',
  'agency.integration_sync_runs', 'agency.integration_links', 'agency.timesheet_entries', 'agency.team_allocations',
  'agency.artifact_comments', 'agency.artifact_versions', 'workroom.artifact_chunks', 'agency.artifacts', 'agency.campaign_phases',
  'agency.campaigns', 'agency.brands', 'agency.clients', 'workroom.chat_identities', 'workroom.people',
] as const

export const DEMO_SCALE = { timesheetWeeks: 12, entriesPerDay: [1, 3], syntheticChunks: 0 } satisfies Partial<GenerateOptions>
/** Many short entries a day: the point of this scale is 100k+ rows to measure against. */
export const BENCH_SCALE = { timesheetWeeks: 52, entriesPerDay: [11, 15], documents: [], syntheticChunks: 10_000 } satisfies Partial<GenerateOptions>

export function catalogsFor(scale: Scale): CatalogTenant[] {
  return scale === 'demo' ? TENANTS : [benchCatalog()]
}

export async function seed(engine: Engine, options: SeedOptions): Promise<SeedReport[]> {
  const today = options.today ?? new Date().toISOString().slice(0, 10)
  const reports: SeedReport[] = []
  const progress = options.progress ?? Boolean(process.stderr.isTTY)
  for (const catalog of catalogsFor(options.scale)) {
    const started = performance.now()
    const existing = await engine.db.selectFrom('workroom.tenants').select('id').where('slug', '=', catalog.slug).executeTakeFirst()
    const generateOptions = options.scale === 'demo'
      ? { ...DEMO_SCALE, today, documents: await readKnowledge(catalog.slug) }
      : { ...BENCH_SCALE, today, syntheticChunks: options.chunks ?? BENCH_SCALE.syntheticChunks }
    const rows = generateTenant(catalog, generateOptions)
    const write = !existing || options.reset
    if (write) options.onStep?.(`writing ${catalog.name}: ${rows.people.length} people, ${rows.campaigns.length} campaigns, ${rows.timesheets.length.toLocaleString('en')} timesheet entries`)
    const counts = write
      ? await engine.db.transaction().execute(async (trx) => {
        if (existing) await deleteTenant(trx, existing.id)
        return writeTenant(trx, rows, progress)
      })
      : {}
    const embedder = options.embedder ?? new HashingEmbedder()
    if (rows.knowledge.length) options.onStep?.(`ingesting knowledge for ${catalog.name}: ${rows.knowledge.length} documents`)
    const knowledge = await ingestCorpus(engine, rows, embedder, progress)
    if (options.scale === 'demo') options.onStep?.(`embedding ${catalog.name}'s artifacts`)
    // Artifacts are knowledge too: embedded here so a fresh demo answers from them at once. Bench
    // scale measures documents; its artifacts wait for the server's worker.
    const artifacts = options.scale === 'demo'
      ? await embedAllPendingArtifacts(engine.db, embedder, { tenantId: rows.tenant.id, limit: 100 })
      : { embedded: 0, chunks: 0 }
    reports.push({ slug: catalog.slug, name: catalog.name, status: !write ? 'skipped' : existing ? 'reset' : 'seeded', rows: counts, knowledge,
      artifacts: { embedded: artifacts.embedded, chunks: artifacts.chunks }, ms: performance.now() - started })
  }
  return reports
}

async function ingestCorpus(engine: Engine, rows: TenantRows, embedder: Embedder, progress: boolean): Promise<SeedReport['knowledge']> {
  const bar = progress && rows.knowledge.length
    ? new cliProgress.SingleBar({ format: `  ${rows.tenant.name.padEnd(20)} {bar} {value}/{total} documents embedded`, hideCursor: true }, cliProgress.Presets.shades_classic)
    : undefined
  bar?.start(rows.knowledge.length, 0)
  try {
    const results = await ingest(engine.db, rows.tenant.id, rows.knowledge, embedder, { onProgress: (done) => bar?.update(done) })
    const tally = { created: 0, updated: 0, unchanged: 0, chunks: 0 }
    for (const r of results) {
      tally[r.status]++
      if (r.status !== 'unchanged') tally.chunks += r.chunks
    }
    return tally
  } finally {
    bar?.stop()
  }
}

async function deleteTenant(trx: Transaction<DB>, tenantId: string) {
  for (const table of TENANT_TABLES) {
    await sql`DELETE FROM ${sql.table(table)} WHERE tenant_id = ${tenantId}`.execute(trx)
  }
  await trx.deleteFrom('workroom.tenants').where('id', '=', tenantId).execute()
}

/** What a tenant's rows are written as, parents first: writeTenant and supabase/seed.sql (scripts/supabase.ts) follow it. */
export function tenantInsertPlan(rows: TenantRows): Array<[keyof DB, Array<Record<string, unknown>>]> {
  return [
    ['workroom.tenants', [rows.tenant]],
    ['workroom.people', rows.people],
    ['workroom.chat_identities', rows.chatIdentities],
    ['agency.clients', rows.clients],
    ['agency.brands', rows.brands],
    ['agency.campaigns', rows.campaigns],
    ['agency.campaign_phases', rows.phases],
    ['agency.team_allocations', rows.allocations],
    ['agency.timesheet_entries', rows.timesheets],
    ['agency.artifacts', rows.artifacts],
    ['agency.artifact_comments', rows.comments],
    ['agency.knowledge_documents', rows.documents],
    ['agency.knowledge_chunks', rows.chunks],
  ]
}

/**
 * Artifact revisions in rounds: an artifact's second revision is in the round after its first,
 * so one UPDATE per round keeps each artifact's versions in order.
 */
export function revisionRounds(rows: TenantRows): Array<TenantRows['revisions']> {
  const rounds = new Map<string, number>()
  const byRound: Array<TenantRows['revisions']> = []
  for (const r of rows.revisions) {
    const round = rounds.get(r.artifactId) ?? 0
    rounds.set(r.artifactId, round + 1)
    ;(byRound[round] ??= []).push(r)
  }
  return byRound
}

async function writeTenant(trx: Transaction<DB>, rows: TenantRows, progress: boolean): Promise<Record<string, number>> {
  const plan = tenantInsertPlan(rows)
  const total = plan.reduce((n, [, r]) => n + r.length, 0) + rows.revisions.length
  const bar = progress
    ? new cliProgress.SingleBar({ format: `  ${rows.tenant.name.padEnd(20)} {bar} {value}/{total} rows  {table}`, hideCursor: true }, cliProgress.Presets.shades_classic)
    : undefined
  bar?.start(total, 0, { table: '' })
  const counts: Record<string, number> = {}
  try {
    for (const [table, tableRows] of plan) {
      await insertBatched(trx, table, tableRows, (n) => bar?.increment(n, { table }))
      counts[table] = tableRows.length
    }
    // Revisions go through UPDATE so the versioning trigger writes artifact_versions, as it does
    // for people. One statement per round: an artifact's second revision follows its first.
    for (const round of revisionRounds(rows)) {
      for (let i = 0; i < round.length; i += 500) {
        const batch = round.slice(i, i + 500)
        await sql`
          UPDATE agency.artifacts a
             SET content = v.content, metadata = a.metadata || jsonb_build_object('change_summary', v.summary)
            FROM (VALUES ${sql.join(batch.map((r) => sql`(${r.artifactId}::uuid, ${r.content}, ${r.changeSummary})`))}) AS v(id, content, summary)
           WHERE a.id = v.id`.execute(trx)
        bar?.increment(batch.length, { table: 'agency.artifact_versions' })
      }
    }
    counts['artifact revisions'] = rows.revisions.length
    // Placeholder text is not knowledge: in answers it would only echo the campaign names in its
    // titles, above the documents that answer. The worker never claims 'skipped' rows.
    for (let i = 0; i < rows.placeholderArtifactIds.length; i += 1000) {
      await trx.updateTable('agency.artifacts').set({ embedding_status: 'skipped' })
        .where('id', 'in', rows.placeholderArtifactIds.slice(i, i + 1000)).execute()
    }
  } finally {
    bar?.stop()
  }
  return counts
}

/** Multi-row INSERTs sized to stay under PostgreSQL's 65,535 bind parameters per statement. */
async function insertBatched(trx: Kysely<DB>, table: keyof DB, rows: Array<Record<string, unknown>>, done: (n: number) => void) {
  if (rows.length === 0) return
  const columns = Math.max(1, ...rows.slice(0, 50).map((r) => Object.keys(r).length))
  // Embeddings are ~12 KB of text each: keep those statements to a few MB.
  const size = table === 'agency.knowledge_chunks' ? 250 : Math.max(1, Math.min(2000, Math.floor(60_000 / columns)))
  for (let i = 0; i < rows.length; i += size) {
    const batch = rows.slice(i, i + size)
    await trx.insertInto(table).values(batch as Array<Insertable<DB[typeof table]>>).execute()
    done(batch.length)
  }
}
