/**
 * Artifacts are knowledge: the worker that embeds them (migration 019).
 *
 * A change to an artifact's text makes it 'pending' (a trigger). embedPendingArtifacts drains a
 * tenant's pending artifacts in three steps, so no connection is held while the embedder works
 * (PGlite has exactly one):
 *   1. claim: one short transaction takes up to `limit` rows with FOR UPDATE SKIP LOCKED, marks
 *      them 'processing' with a claim time and reads what their text is made of. Replicas
 *      draining at once skip each other's rows; a claim older than staleMs (a crashed replica)
 *      is taken over.
 *   2. embed, outside any transaction.
 *   3. finish: per artifact, one short transaction that locks the row and, only if it is still
 *      'processing' under this claim, replaces its chunks and sets 'embedded'. An edit meanwhile
 *      has made it 'pending' again (the trigger), and a takeover has changed the claim: either
 *      way nothing is written and the newer state wins.
 * Everything runs as the tenant's system actor in the leadership role: the role that may set an
 * artifact's embedding status (007), and the only identity 019's policies let write chunks.
 */
import { Cron } from 'croner'
import { sql, type Kysely } from 'kysely'
import { systemActor, withActor, type ActorTx } from '../db/actor.ts'
import type { ArtifactType, DB } from '../db/schema.ts'
import type { Logger } from '../log.ts'
import { chunkDocument, type Chunk } from './chunk.ts'
import { toVectorLiteral, type Embedder } from './embed.ts'
import { embeddingText } from './ingest.ts'

/** How an artifact is named in answers and citations: "Brief — Aurora Air Spring Launch (v3)". */
export const artifactLabel = (type: string, title: string, version: number) =>
  `${type.charAt(0).toUpperCase()}${type.slice(1)} — ${title} (v${version})`

export interface ArtifactSource {
  id: string
  title: string
  artifactType: ArtifactType
  status: string
  description: string | null
  content: string | null
  currentVersion: number
  campaignName: string | null
  clientName: string | null
}

/**
 * The text embedded for an artifact, as Markdown so the chunker keeps the title as every chunk's
 * heading: a line of facts (type, campaign, client, version) people ask by, then the description
 * and the content.
 */
export function artifactText(a: ArtifactSource): string {
  const facts = [
    `${artifactLabel(a.artifactType, a.title, a.currentVersion).split(' — ')[0]}`,
    ...context(a).map((name) => (name === a.campaignName ? `campaign ${name}` : `client ${name}`)),
    `version ${a.currentVersion}`, a.status.replace('_', ' '),
  ].filter(Boolean).join(' · ')
  return [`# ${a.title}`, facts, a.description, a.content].filter((s) => s && s.trim()).join('\n\n')
}

/**
 * The campaign and client names, each once and only when the title does not already say it
 * ("Aurora Air Spring Launch — Creative brief"). Repeated names weigh an artifact's short text
 * towards every question that names its campaign, above the documents that answer it.
 */
function context(a: ArtifactSource): string[] {
  const title = a.title.toLowerCase()
  return [a.campaignName, a.clientName].filter((n): n is string => Boolean(n) && !title.includes(n!.toLowerCase()))
}

export interface DrainResult {
  claimed: number
  embedded: number
  /** Archived: chunks removed. */
  skipped: number
  failed: number
  /** Changed or taken over while embedding: left to the next run. */
  superseded: number
  chunks: number
}

export interface DrainOptions {
  /** One tenant; default every tenant (their ids read from workroom.tenants on tenantsFrom). */
  tenantId?: string
  /** Where the tenant ids are read: the service's bookkeeping connection on a server (Engine.service.db); db when absent. */
  tenantsFrom?: Kysely<DB>
  /** Artifacts claimed per tenant in this call (default 20). */
  limit?: number
  /** A 'processing' claim older than this is a crashed worker's and is taken over (default 5 minutes). */
  staleMs?: number
  logger?: Logger
}

const SYSTEM = (tenantId: string) => systemActor(tenantId, 'leadership')
const INSERT_BATCH = 100

/** One pass over pending artifacts (per tenant, up to limit each). Call again while claimed > 0. */
export async function embedPendingArtifacts(db: Kysely<DB>, embedder: Embedder, options: DrainOptions = {}): Promise<DrainResult> {
  const total: DrainResult = { claimed: 0, embedded: 0, skipped: 0, failed: 0, superseded: 0, chunks: 0 }
  // Ids only: on a server whose bookkeeping role may read nothing else of workroom.tenants.
  const tenants = options.tenantId ? [options.tenantId]
    : (await (options.tenantsFrom ?? db).selectFrom('workroom.tenants').select('id').orderBy('id').execute()).map((t) => t.id)
  for (const tenantId of tenants) {
    const r = await drainTenant(db, embedder, tenantId, options)
    for (const k of Object.keys(total) as Array<keyof DrainResult>) total[k] += r[k]
  }
  return total
}

/** Repeats embedPendingArtifacts until nothing is left to claim (seeds, tests). */
export async function embedAllPendingArtifacts(db: Kysely<DB>, embedder: Embedder, options: DrainOptions = {}): Promise<DrainResult> {
  const total: DrainResult = { claimed: 0, embedded: 0, skipped: 0, failed: 0, superseded: 0, chunks: 0 }
  for (;;) {
    const r = await embedPendingArtifacts(db, embedder, options)
    for (const k of Object.keys(total) as Array<keyof DrainResult>) total[k] += r[k]
    // Superseded rows are pending again: claimable at once, but an artifact edited faster than it
    // embeds would loop here, so stop when a pass only superseded.
    if (r.claimed === 0 || r.claimed === r.superseded) return total
  }
}

type Claimed = ArtifactSource & { claim: string; archived: boolean }

async function drainTenant(db: Kysely<DB>, embedder: Embedder, tenantId: string, options: DrainOptions): Promise<DrainResult> {
  const result: DrainResult = { claimed: 0, embedded: 0, skipped: 0, failed: 0, superseded: 0, chunks: 0 }
  const claimed = await withActor(db, SYSTEM(tenantId), (trx) => claim(trx, options.limit ?? 20, options.staleMs ?? 5 * 60_000))
  result.claimed = claimed.length
  for (const a of claimed) {
    if (a.archived) {
      const done = await withActor(db, SYSTEM(tenantId), (trx) => finish(trx, tenantId, a, 'skipped', [], [], embedder.model))
      result[done ? 'skipped' : 'superseded']++
      continue
    }
    let chunks: Chunk[]
    let vectors: number[][]
    try {
      chunks = chunkDocument(artifactText(a), 'markdown')
      // The first chunk carries the facts line; later ones get the names through the context.
      const label = [artifactLabel(a.artifactType, a.title, a.currentVersion), ...context(a)].join(' · ')
      vectors = await embedder.embed(chunks.map((c) => embeddingText(c.index === 0 ? '' : label, c)))
    } catch (err) {
      options.logger?.warn({ err, artifactId: a.id, tenantId }, 'artifact embedding failed')
      const marked = await withActor(db, SYSTEM(tenantId), (trx) => finish(trx, tenantId, a, 'failed', [], [], embedder.model))
      result[marked ? 'failed' : 'superseded']++
      continue
    }
    const done = await withActor(db, SYSTEM(tenantId), (trx) => finish(trx, tenantId, a, 'embedded', chunks, vectors, embedder.model))
    if (done) {
      result.embedded++
      result.chunks += chunks.length
    } else {
      result.superseded++
    }
  }
  return result
}

async function claim(trx: ActorTx, limit: number, staleMs: number): Promise<Claimed[]> {
  // Raw SQL for FOR UPDATE SKIP LOCKED inside UPDATE … WHERE id IN (…). The claim time is read
  // back as text: a JS Date would drop its microseconds, and finish compares it exactly.
  const { rows } = await sql<{ id: string; claim: string }>`
    UPDATE agency.artifacts a SET embedding_status = 'processing', embedding_claimed_at = clock_timestamp()
     WHERE a.id IN (
       SELECT id FROM agency.artifacts
        WHERE tenant_id = (SELECT agency.current_tenant_id())
          AND (embedding_status = 'pending'
               OR (embedding_status = 'processing' AND embedding_claimed_at < now() - make_interval(secs => ${staleMs / 1000})))
        ORDER BY created_at
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
    RETURNING a.id, a.embedding_claimed_at::text AS claim`.execute(trx)
  if (rows.length === 0) return []
  const sources = await trx.selectFrom('agency.artifacts as a')
    .leftJoin('agency.campaigns as c', 'c.id', 'a.campaign_id')
    .leftJoin('agency.clients as cl', 'cl.id', 'c.client_id')
    .select(['a.id', 'a.title', 'a.artifact_type', 'a.status', 'a.description', 'a.content', 'a.current_version', 'c.name as campaign_name', 'cl.name as client_name'])
    .where('a.id', 'in', rows.map((r) => r.id)).execute()
  const claims = new Map(rows.map((r) => [r.id, r.claim]))
  return sources.map((s) => ({
    id: s.id, title: s.title, artifactType: s.artifact_type, status: s.status, description: s.description, content: s.content,
    currentVersion: s.current_version, campaignName: s.campaign_name, clientName: s.client_name,
    claim: claims.get(s.id)!, archived: s.status === 'archived',
  }))
}

/** Settles one claimed artifact; false when the claim no longer stands (edited or taken over meanwhile). */
async function finish(
  trx: ActorTx, tenantId: string, a: Claimed, status: 'embedded' | 'skipped' | 'failed',
  chunks: Chunk[], vectors: number[][], model: string,
): Promise<boolean> {
  const { rows } = await sql<{ id: string }>`
    SELECT id FROM agency.artifacts
     WHERE id = ${a.id} AND embedding_status = 'processing' AND embedding_claimed_at = ${a.claim}::timestamptz
       FOR UPDATE`.execute(trx)
  if (rows.length === 0) return false
  if (status !== 'failed') {
    await trx.deleteFrom('workroom.artifact_chunks').where('artifact_id', '=', a.id).execute()
    for (let i = 0; i < chunks.length; i += INSERT_BATCH) {
      await trx.insertInto('workroom.artifact_chunks').values(chunks.slice(i, i + INSERT_BATCH).map((c, j) => ({
        tenant_id: tenantId, artifact_id: a.id, version_number: a.currentVersion, chunk_index: c.index, heading: c.heading,
        content: c.content, token_count: c.tokenCount, embedding: toVectorLiteral(vectors[i + j]!), embedding_model: model,
      }))).execute()
    }
  }
  await trx.updateTable('agency.artifacts')
    .set({ embedding_status: status, embedded_at: status === 'embedded' ? sql<Date>`now()` : null, embedding_claimed_at: null })
    .where('id', '=', a.id).execute()
  return true
}

export interface ArtifactWorker {
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>
}

/**
 * Drains pending artifacts every `everySeconds` (croner's protect: a pass still running is not
 * overlapped). Each replica runs one; SKIP LOCKED keeps them off each other's rows.
 */
export function startArtifactWorker(deps: { db: Kysely<DB>; service?: Kysely<DB>; embedder: Embedder; logger: Logger; everySeconds: number }): ArtifactWorker {
  let running: Promise<void> = Promise.resolve()
  const job = new Cron('* * * * * *', { protect: true, interval: deps.everySeconds }, () => {
    running = embedAllPendingArtifacts(deps.db, deps.embedder, { logger: deps.logger, ...(deps.service ? { tenantsFrom: deps.service } : {}) }).then((r) => {
      if (r.claimed > 0) deps.logger.info(r, 'artifacts embedded')
    }, (err: unknown) => deps.logger.error({ err }, 'artifact embedding pass failed'))
    return running
  })
  return {
    stop: async () => {
      job.stop()
      await running
    },
  }
}
