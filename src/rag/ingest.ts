/**
 * Ingestion: sources → heading-aware chunks → embeddings → knowledge_documents/knowledge_chunks.
 *
 * Runs as an admin actor of the tenant (the only role RLS lets write knowledge), so a source can
 * never land in another tenant. A source is identified by its source_id: re-ingesting it with the
 * same content and the same embedding model is a no-op; anything else replaces its chunks in one
 * transaction, so a reader sees the old chunks or the new ones, never a mix or none.
 *
 * Embedding happens between transactions: a slow embedding API must not hold a database
 * connection (PGlite has exactly one).
 */
import { createHash } from 'node:crypto'
import type { Kysely } from 'kysely'
import { systemActor, withActor, type ActorTx } from '../db/actor.ts'
import type { DB } from '../db/schema.ts'
import { chunkDocument, type Chunk, type SourceFormat } from './chunk.ts'
import { toVectorLiteral, type Embedder } from './embed.ts'

export interface IngestSource {
  /** Stable id in the source system: a path relative to the ingest root, a Notion page id… */
  sourceId: string
  title: string
  text: string
  format: SourceFormat
  docType: string
  clientId: string | null
  url: string | null
  sourceType: 'file' | 'seed' | 'upload' | 'notion' | 'gdrive' | 'web' | 'manual'
  mimeType?: string
  /** Id for a new document (seeds use stable ids); existing documents keep theirs. */
  id?: string
}

export type IngestStatus = 'created' | 'updated' | 'unchanged'
export interface IngestResult { sourceId: string; documentId: string; status: IngestStatus; chunks: number; tokens: number }

export const contentHash = (text: string) => createHash('sha256').update(text).digest('hex')

/** What the embedder sees for a chunk: the document title and heading path give a short passage its context. */
export const embeddingText = (title: string, chunk: Pick<Chunk, 'heading' | 'content'>) =>
  [title, chunk.heading, chunk.content].filter(Boolean).join('\n')

const INSERT_BATCH = 100

export async function ingest(
  db: Kysely<DB>, tenantId: string, sources: IngestSource[], embedder: Embedder,
  options: { onProgress?: (done: number, total: number, sourceId: string) => void } = {},
): Promise<IngestResult[]> {
  const actor = systemActor(tenantId)
  const seen = new Set<string>()
  for (const s of sources) {
    if (seen.has(s.sourceId)) throw new Error(`${s.sourceId} is listed twice in one ingest`)
    seen.add(s.sourceId)
  }
  const existing = new Map(
    sources.length === 0 ? [] : (await withActor(db, actor, (trx) => trx.selectFrom('agency.knowledge_documents')
      .select(['id', 'source_id', 'content_hash', 'embedding_model', 'chunk_count', 'title', 'doc_type', 'client_id', 'source_type', 'source_url'])
      .where('source_id', 'in', sources.map((s) => s.sourceId)).execute())).map((d) => [d.source_id!, d]),
  )
  const results: IngestResult[] = []
  let done = 0
  for (const source of sources) {
    const hash = contentHash(source.text)
    const old = existing.get(source.sourceId)
    if (old && old.content_hash === hash && old.embedding_model === embedder.model && old.chunk_count > 0) {
      // Same text, same model: the chunks stand. A new title, type or client needs no re-embedding,
      // but the chunks' copy of client_id (what RLS reads) must follow the document's.
      const moved = old.title !== source.title || old.doc_type !== source.docType || old.client_id !== source.clientId
        || old.source_type !== source.sourceType || old.source_url !== sourceUrl(source)
      if (moved) {
        await withActor(db, actor, async (trx) => {
          await trx.updateTable('agency.knowledge_documents').set(documentColumns(source)).where('id', '=', old.id).execute()
          await trx.updateTable('agency.knowledge_chunks').set({ client_id: source.clientId }).where('document_id', '=', old.id).execute()
        })
      }
      results.push({ sourceId: source.sourceId, documentId: old.id, status: moved ? 'updated' : 'unchanged', chunks: old.chunk_count, tokens: 0 })
    } else {
      const chunks = chunkDocument(source.text, source.format)
      if (chunks.length === 0) throw new Error(`${source.sourceId} has no text to index`)
      const vectors = await embedder.embed(chunks.map((c) => embeddingText(source.title, c)))
      const documentId = await withActor(db, actor, (trx) => replaceDocument(trx, tenantId, source, hash, chunks, vectors, embedder.model))
      results.push({ sourceId: source.sourceId, documentId, status: old ? 'updated' : 'created', chunks: chunks.length, tokens: chunks.reduce((n, c) => n + c.tokenCount, 0) })
    }
    options.onProgress?.(++done, sources.length, source.sourceId)
  }
  return results
}

/**
 * The Notion page of a Notion source: its source_id is the page id (32 hex digits, dashed or not),
 * and notion.so/<id> opens the page for whoever may read it in Notion. Null for anything else.
 */
export function notionPageUrl(sourceId: string): string | null {
  const id = sourceId.replace(/-/g, '').toLowerCase()
  return /^[0-9a-f]{32}$/.test(id) ? `https://www.notion.so/${id}` : null
}

/** Where citations of the document link: the source's own URL, else a Notion page's. */
const sourceUrl = (s: IngestSource) => s.url ?? (s.sourceType === 'notion' ? notionPageUrl(s.sourceId) : null)

function documentColumns(s: IngestSource) {
  return {
    title: s.title, doc_type: s.docType, client_id: s.clientId, source_type: s.sourceType, source_url: sourceUrl(s),
    mime_type: s.mimeType ?? MIME[s.format], status: 'active' as const, last_synced_at: new Date().toISOString(),
  }
}
const MIME: Record<SourceFormat, string> = { markdown: 'text/markdown', text: 'text/plain', html: 'text/html' }

async function replaceDocument(
  trx: ActorTx, tenantId: string, source: IngestSource, hash: string,
  chunks: Chunk[], vectors: number[][], model: string,
): Promise<string> {
  const columns = { ...documentColumns(source), content_hash: hash, embedding_model: model, chunk_count: chunks.length }
  const doc = await trx.insertInto('agency.knowledge_documents')
    .values({ ...(source.id ? { id: source.id } : {}), tenant_id: tenantId, source_id: source.sourceId, ...columns })
    .onConflict((oc) => oc.columns(['tenant_id', 'source_id']).where('source_id', 'is not', null).doUpdateSet(columns))
    .returning(['id', 'client_id']).executeTakeFirstOrThrow()
  await trx.deleteFrom('agency.knowledge_chunks').where('document_id', '=', doc.id).execute()
  for (let i = 0; i < chunks.length; i += INSERT_BATCH) {
    await trx.insertInto('agency.knowledge_chunks').values(chunks.slice(i, i + INSERT_BATCH).map((c, j) => ({
      tenant_id: tenantId, document_id: doc.id, client_id: doc.client_id, chunk_index: c.index, heading: c.heading,
      content: c.content, token_count: c.tokenCount, embedding: toVectorLiteral(vectors[i + j]!), embedding_model: model,
    }))).execute()
  }
  return doc.id
}

/** A client of the tenant by name or code, case-insensitive; the candidates when none or several match. */
export async function findClient(db: Kysely<DB>, tenantId: string, nameOrCode: string): Promise<{ id: string; name: string } | { candidates: string[] }> {
  const clients = await withActor(db, systemActor(tenantId), (trx) => trx.selectFrom('agency.clients').select(['id', 'name', 'code']).orderBy('name').execute())
  const wanted = nameOrCode.trim().toLowerCase()
  const hits = clients.filter((c) => c.name.toLowerCase() === wanted || c.code?.toLowerCase() === wanted)
  return hits.length === 1 ? hits[0]! : { candidates: (hits.length ? hits : clients).map((c) => c.code ? `${c.name} (${c.code})` : c.name) }
}
