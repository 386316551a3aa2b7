/**
 * A cited passage with the whole document around it, as the asker may see it. Both reads run in
 * the person's ActorTx, so row-level security decides: a chunk they may not read is null, exactly
 * like a chunk that does not exist. A chunk carries its document's client (migration 015), so a
 * person who sees the chunk sees all of its document's chunks.
 *
 * The document is rebuilt from its chunks: Workroom keeps no other copy of the text.
 */
import type { ActorTx } from '../db/actor.ts'

export interface CitedDocument {
  title: string
  docType: string
  sourceUrl: string | null
  mimeType: string | null
  /** The chunk's position in `chunks`. */
  cited: number
  chunks: Array<{ id: string; heading: string | null; content: string }>
}

export async function readCitedDocument(trx: ActorTx, chunkId: string): Promise<CitedDocument | null> {
  const hit = await trx.selectFrom('agency.knowledge_chunks as k')
    .innerJoin('agency.knowledge_documents as d', 'd.id', 'k.document_id')
    .select(['k.document_id', 'd.title', 'd.doc_type', 'd.source_url', 'd.mime_type'])
    .where('k.id', '=', chunkId).executeTakeFirst()
  if (!hit) return null
  const chunks = await trx.selectFrom('agency.knowledge_chunks')
    .select(['id', 'heading', 'content'])
    .where('document_id', '=', hit.document_id).orderBy('chunk_index').execute()
  return {
    title: hit.title, docType: hit.doc_type, sourceUrl: hit.source_url, mimeType: hit.mime_type,
    cited: chunks.findIndex((c) => c.id === chunkId), chunks,
  }
}
