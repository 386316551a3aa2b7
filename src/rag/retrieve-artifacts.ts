/**
 * Retrieval over artifact chunks (migration 019), kept apart from retrieve.ts's document queries
 * and merged there. Same rules: the asker's ActorTx, so 019's policy (a chunk is visible exactly
 * when its artifact is) decides the candidates; the same model filter; archived artifacts are
 * never candidates, even in the moment between archiving and the worker removing their chunks.
 *
 * Rows come out in retrieve.ts's shape: documentId is the artifact's id, title its label
 * ("Brief — Aurora Air Spring Launch (v3)", the version embedded), docType its artifact type,
 * clientId its campaign's client (what the money rule in src/handlers/replies.ts reads).
 */
import { sql } from 'kysely'
import type { ActorTx } from '../db/actor.ts'
import { artifactLabel } from './artifacts.ts'
import { matching, questionQuery, rarityCtes, rarityRank, type MatchFilters } from './full-text.ts'
import { toVectorLiteral } from './embed.ts'

export type ArtifactFilters = MatchFilters

export type ArtifactRow = {
  chunk_id: string; document_id: string; title: string; heading: string | null; content: string
  client_id: string | null; doc_type: string; source_url: string | null; score: number; source: 'artifact'
}

type Raw = Omit<ArtifactRow, 'title' | 'source'> & { artifact_title: string; version_number: number }

const label = (r: Raw): ArtifactRow => {
  const { artifact_title, version_number, ...rest } = r
  return { ...rest, title: artifactLabel(r.doc_type, artifact_title, version_number), source: 'artifact', score: Number(r.score) }
}

/** The filters as SQL over artifact a and campaign cp: a client's campaigns (and, unless excluded, agency-wide artifacts). */
function where(model: string, f: ArtifactFilters) {
  return sql`c.embedding_model = ${model} AND a.status <> 'archived'
    ${f.clientId
      ? (f.includeTenantWide ?? true) ? sql`AND (cp.client_id = ${f.clientId} OR a.campaign_id IS NULL)` : sql`AND cp.client_id = ${f.clientId}`
      : sql``}
    ${f.docTypes?.length ? sql`AND a.artifact_type IN (${sql.join(f.docTypes)})` : sql``}`
}

/**
 * Nearest artifact chunks by cosine distance. The caller (retrieve.ts's nearest) has set the HNSW
 * settings for the transaction; like search_knowledge, the index scan is ordered by distance
 * with a LIMIT and the artifact filters are applied by iterative scan.
 */
export async function nearestArtifactChunks(trx: ActorTx, embedding: number[], model: string, filters: ArtifactFilters, candidates: number): Promise<ArtifactRow[]> {
  const { rows } = await sql<Raw>`
    SELECT c.id AS chunk_id, c.artifact_id AS document_id, a.title AS artifact_title, c.version_number, c.heading, c.content,
           cp.client_id, a.artifact_type AS doc_type, a.file_url AS source_url,
           1 - (c.embedding <=> ${toVectorLiteral(embedding)}::vector) AS score
      FROM workroom.artifact_chunks c
      JOIN agency.artifacts a ON a.id = c.artifact_id
      LEFT JOIN agency.campaigns cp ON cp.id = a.campaign_id
     WHERE c.embedding IS NOT NULL AND ${where(model, filters)}
     ORDER BY c.embedding <=> ${toVectorLiteral(embedding)}::vector
     LIMIT ${candidates}`.execute(trx)
  return rows.map(label)
}

/** Full-text artifact matches, as retrieve.ts's fullText (see there). */
export async function fullTextArtifactChunks(trx: ActorTx, text: string, model: string, filters: ArtifactFilters, limit: number, scan: number): Promise<ArtifactRow[]> {
  const { rows } = await sql<Raw>`
    WITH q AS (SELECT ${questionQuery(text)} AS t),
    matches AS (
      SELECT c.id, c.artifact_id, c.version_number, c.heading, c.content, c.content_tsv, a.title, a.artifact_type, a.file_url, cp.client_id
        FROM q, ${matching('artifact', sql`q.t`, model, scan, filters)} hit
        JOIN workroom.artifact_chunks c ON c.id = hit
        JOIN agency.artifacts a ON a.id = c.artifact_id
        LEFT JOIN agency.campaigns cp ON cp.id = a.campaign_id
       WHERE numnode(q.t) > 0 AND ${where(model, filters)}),
    ${rarityCtes(text, model)}
    SELECT m.id AS chunk_id, m.artifact_id AS document_id, m.title AS artifact_title, m.version_number, m.heading, m.content,
           m.client_id, m.artifact_type AS doc_type, m.file_url AS source_url, ${rarityRank} AS score
      FROM q, matches m LEFT JOIN rarity r ON r.id = m.id
     ORDER BY score DESC, m.id
     LIMIT ${limit}`.execute(trx)
  return rows.map(label)
}

/** One artifact chunk, as the actor may see it, in readPassage's shape (null when hidden or absent). */
export async function readArtifactPassage(trx: ActorTx, chunkId: string) {
  const row = await trx.selectFrom('workroom.artifact_chunks as k')
    .innerJoin('agency.artifacts as a', 'a.id', 'k.artifact_id')
    .select((eb) => ['a.title', 'a.artifact_type', 'a.file_url', 'k.heading', 'k.content', 'k.chunk_index', 'k.version_number',
      eb.selectFrom('workroom.artifact_chunks as n').select((n) => n.fn.countAll<number>().as('n')).whereRef('n.artifact_id', '=', 'k.artifact_id').as('chunk_count')])
    .where('k.id', '=', chunkId).where('a.status', '<>', 'archived').executeTakeFirst()
  if (!row) return null
  return {
    title: artifactLabel(row.artifact_type, row.title, row.version_number), doc_type: row.artifact_type, source_url: row.file_url,
    heading: row.heading, content: row.content, chunk_index: row.chunk_index, chunk_count: Number(row.chunk_count ?? 0),
  }
}
