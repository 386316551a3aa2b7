/**
 * Hybrid retrieval: nearest neighbours by cosine through agency.search_knowledge (HNSW, SECURITY
 * INVOKER so the caller's RLS filters chunks) plus PostgreSQL full-text search, fused by
 * reciprocal rank. Everything runs in the asking person's ActorTx: a chunk RLS hides is never a
 * candidate, so it can never be cited.
 */
import { sql } from 'kysely'
import type { ActorTx } from '../db/actor.ts'
import { toVectorLiteral } from './embed.ts'
import { matching, questionQuery, rarityCtes, rarityRank } from './full-text.ts'
import { fullTextArtifactChunks, nearestArtifactChunks, readArtifactPassage } from './retrieve-artifacts.ts'

export interface RetrievalFilters {
  /** Only this client's documents (plus tenant-wide ones unless includeTenantWide is false). */
  clientId?: string
  includeTenantWide?: boolean
  docTypes?: string[]
}

export interface RetrievedChunk {
  chunkId: string
  /**
   * A knowledge document's chunk, or an artifact's (migration 019; documentId is then the
   * artifact's id). retrieve() always sets it; optional so chunks built elsewhere (tests, stored
   * answers) read as documents.
   */
  source?: 'document' | 'artifact'
  documentId: string
  title: string
  heading: string | null
  content: string
  clientId: string | null
  docType: string
  url: string | null
  /** Cosine similarity to the question, when the vector search found the chunk. */
  similarity: number | null
  /** Full-text rank (ts_rank_cd), when full-text search found it. */
  textRank: number | null
  /** Reciprocal-rank fusion of both lists: Σ 1/(60 + rank). */
  score: number
}

export interface RetrievalQuery {
  text: string
  /** Null when the question could not be embedded: full-text search alone. */
  embedding: number[] | null
  model: string
  filters?: RetrievalFilters
  /** Chunks returned (default 8). */
  k?: number
  /** Candidates taken from each list before fusion (default 40). */
  candidates?: number
}

/** Cormack et al.'s constant: damps the head of each list so neither retriever dominates. */
const RRF_K = 60

type Row = {
  chunk_id: string; document_id: string; title: string; heading: string | null; content: string
  client_id: string | null; doc_type: string; source_url: string | null; score: number; source?: 'artifact'
}

export async function retrieve(trx: ActorTx, q: RetrievalQuery): Promise<RetrievedChunk[]> {
  const k = q.k ?? 8
  const candidates = q.candidates ?? 40
  const filters = {
    embedding_model: q.model,
    ...(q.filters?.clientId ? { client_id: q.filters.clientId, include_tenant_wide: q.filters.includeTenantWide ?? true } : {}),
    ...(q.filters?.docTypes?.length ? { doc_types: q.filters.docTypes } : {}),
  }
  const vector = q.embedding ? await nearest(trx, q.embedding, filters, candidates) : []
  const text = await fullText(trx, q.text, q.model, q.filters ?? {}, candidates)
  const artifacts = await artifactCandidates(trx, q, candidates)

  const fused = new Map<string, RetrievedChunk>()
  const add = (rows: Row[], field: 'similarity' | 'textRank') => rows.forEach((r, i) => {
    const hit = fused.get(r.chunk_id) ?? {
      chunkId: r.chunk_id, source: r.source ?? 'document', documentId: r.document_id, title: r.title, heading: r.heading, content: r.content,
      clientId: r.client_id, docType: r.doc_type, url: r.source_url, similarity: null, textRank: null, score: 0,
    }
    hit[field] = r.score
    hit.score += 1 / (RRF_K + i + 1)
    fused.set(r.chunk_id, hit)
  })
  add(byScore(vector, artifacts.vector, candidates), 'similarity')
  add(byScore(text, artifacts.text, candidates), 'textRank')
  return [...fused.values()].sort((a, b) => b.score - a.score || (b.similarity ?? 0) - (a.similarity ?? 0)).slice(0, k)
}

/**
 * HNSW search settings, transaction-local like the actor. Measured in bench/rag.ts:
 * - ef_search 200: recall@10 0.97 at 100k chunks (40, pgvector's default, gave 0.81), for ~2 ms.
 * - random_page_cost 1.1: the planner otherwise prices the exact scan too low (it leaves out the
 *   TOAST reads of 6 KB vectors, pgvector/pgvector#133) and sorts all 10k chunks (55–70 ms)
 *   instead of using the index (2–5 ms).
 * - iterative_scan (pgvector ≥ 0.8): keep walking the graph until enough rows pass the filters
 *   (RLS's tenant and client rules, the model and client filters) instead of filtering the
 *   first ef_search neighbours down to a starved top-k.
 */
export const HNSW_EF_SEARCH = 200

async function nearest(trx: ActorTx, embedding: number[], filters: object, candidates: number): Promise<Row[]> {
  // The search_path part: `::vector` and `<=>` (here and in retrieve-artifacts.ts) resolve through
  // search_path, and pgvector may live in a schema the login role's path lacks (Supabase's
  // `extensions`, where a managed service's admin may have created it too). Transaction-local like the
  // rest, so nothing of it outlives the actor's transaction on a pooled connection.
  await sql`SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true),
                   set_config('hnsw.ef_search', ${String(Math.max(HNSW_EF_SEARCH, candidates))}, true),
                   set_config('random_page_cost', '1.1', true),
                   (SELECT set_config('search_path', concat_ws(', ', nullif(current_setting('search_path'), ''), quote_ident(n.nspname)), true)
                      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                     WHERE e.extname = 'vector' AND n.nspname <> ALL (current_schemas(false)))`.execute(trx)
  const { rows } = await sql<Row>`
    SELECT chunk_id, document_id, title, heading, content, client_id, doc_type, source_url, similarity AS score
      FROM agency.search_knowledge(${toVectorLiteral(embedding)}::vector, -1, ${candidates}, ${JSON.stringify(filters)}::jsonb)`.execute(trx)
  return rows
}

/** Full-text matches ranked per question, at most: see fullText. */
const FULL_TEXT_SCAN = 300

/**
 * Full-text candidates (the question as full-text-ts's questionQuery), through 030's function.
 *
 * Ranking reads every matching chunk's tsvector, so a question made of common words would rank
 * thousands of chunks at 100k. At most FULL_TEXT_SCAN matches are ranked: a question that
 * common is a weak lexical signal anyway, and the vector half carries it.
 */
async function fullText(trx: ActorTx, text: string, model: string, filters: RetrievalFilters, limit: number): Promise<Row[]> {
  const { rows } = await sql<Row>`
    WITH q AS (SELECT ${questionQuery(text)} AS t),
    matches AS (
      SELECT c.id, c.document_id, c.heading, c.content, c.client_id, c.content_tsv, d.title, d.doc_type, d.source_url
        FROM q, ${matching('knowledge', sql`q.t`, model, FULL_TEXT_SCAN, filters)} hit
        JOIN agency.knowledge_chunks c ON c.id = hit
        JOIN agency.knowledge_documents d ON d.id = c.document_id
       WHERE numnode(q.t) > 0
         AND c.embedding_model = ${model}
         ${filters.clientId
           ? (filters.includeTenantWide ?? true) ? sql`AND (c.client_id = ${filters.clientId} OR c.client_id IS NULL)` : sql`AND c.client_id = ${filters.clientId}`
           : sql``}
         ${filters.docTypes?.length ? sql`AND d.doc_type IN (${sql.join(filters.docTypes)})` : sql``}),
    ${rarityCtes(text, model)}
    SELECT m.id AS chunk_id, m.document_id, m.title, m.heading, m.content, m.client_id, m.doc_type, m.source_url,
           ${rarityRank} AS score
      FROM q, matches m LEFT JOIN rarity r ON r.id = m.id
     ORDER BY score DESC, m.id
     LIMIT ${limit}`.execute(trx)
  return rows
}

/**
 * Whether anything the actor may read mentions a word: a document's title, a passage, an
 * artifact's passage (full text, the same English configuration as retrieval). Asked only for a
 * name the retrieved passages lack, so it runs rarely; each part is an index lookup.
 */
export async function knowledgeMentions(trx: ActorTx, word: string): Promise<boolean> {
  const { rows } = await sql<{ found: boolean }>`
    WITH q AS (SELECT plainto_tsquery('english', ${word}) AS t)
    SELECT numnode(q.t) = 0 OR (
             EXISTS (SELECT 1 FROM ${matching('knowledge', sql`q.t`, null, 1)})
          OR EXISTS (SELECT 1 FROM agency.knowledge_documents d WHERE to_tsvector('english', d.title) @@ q.t)
          OR EXISTS (SELECT 1 FROM ${matching('artifact', sql`q.t`, null, 1)})) AS found
      FROM q`.execute(trx)
  return rows[0]?.found === true
}

/** One chunk with its document (or artifact), as the actor may see it (null when RLS hides it or there is none). */
export async function readPassage(trx: ActorTx, chunkId: string) {
  const passage = await trx.selectFrom('agency.knowledge_chunks as k')
    .innerJoin('agency.knowledge_documents as d', 'd.id', 'k.document_id')
    .select(['d.title', 'd.doc_type', 'd.source_url', 'k.heading', 'k.content', 'k.chunk_index', 'd.chunk_count'])
    .where('k.id', '=', chunkId).executeTakeFirst()
  return passage ?? readArtifactPassage(trx, chunkId)
}

// ---------------------------------------------------------------------------------------------
// Artifacts (migration 019): their own queries in retrieve-artifacts.ts, merged here.

/**
 * Artifact candidates for both lists. Same embedding model and same ranking function as the
 * documents', so their scores are comparable and each pair of lists merges by score into one
 * list before fusion. (Fusing them as two more RRF lists was rejected: every list's first hit
 * scores 1/61, so the best artifact would rank beside the best document however poorly it matched.)
 */
async function artifactCandidates(trx: ActorTx, q: RetrievalQuery, candidates: number): Promise<{ vector: Row[]; text: Row[] }> {
  const filters = q.filters ?? {}
  return {
    vector: q.embedding ? await nearestArtifactChunks(trx, q.embedding, q.model, filters, candidates) : [],
    text: await fullTextArtifactChunks(trx, q.text, q.model, filters, candidates, FULL_TEXT_SCAN),
  }
}

const byScore = (a: Row[], b: Row[], limit: number): Row[] =>
  b.length === 0 ? a : [...a, ...b].sort((x, y) => Number(y.score) - Number(x.score)).slice(0, limit)
