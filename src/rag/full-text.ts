/**
 * Full-text ranking shared by documents' and artifacts' chunks (retrieve.ts, retrieve-artifacts.ts).
 */
import { sql, type RawBuilder } from 'kysely'

/**
 * ts_rank_cd weighs every word of the question alike, so "how long is probation for new
 * starters?" ranks the chunks that say "new" and "starters" over the one that says "probation".
 * Each question word weighs by how rare it is among the chunks the asker may read (an inverse
 * document frequency, counted through the GIN index up to this many: past it a word is common
 * whatever the exact count).
 */
export const RARITY_CAP = 200

/**
 * Each word of the question (a one-lexeme tsquery `lq`) with its weight: BM25's inverse document
 * frequency, ln(1 + (N − n + ½) / (n + ½)), where n of the N chunks the actor may read (documents'
 * and artifacts' alike: one collection, so the two lists' ranks compare) have the word, each
 * table counted up to RARITY_CAP.
 */
export const rarityWeights = (text: string, model: string) => {
  const count = (table: RawBuilder<unknown>, lq: RawBuilder<unknown> | null) =>
    sql`(SELECT count(*) FROM (SELECT 1 FROM ${table} c WHERE c.embedding_model = ${model} ${lq ? sql`AND c.content_tsv @@ ${lq}` : sql``} LIMIT ${RARITY_CAP}) s)`
  const both = (lq: RawBuilder<unknown> | null) => sql`(${count(sql`agency.knowledge_chunks`, lq)} + ${count(sql`workroom.artifact_chunks`, lq)})::float8`
  return sql`
      SELECT w.lq, ln(1 + (t.n - w.n + 0.5) / (w.n + 0.5)) AS idf
        FROM (SELECT ${both(null)} AS n) t,
             LATERAL (SELECT l.lq, ${both(sql`l.lq`)} AS n
                        FROM (SELECT plainto_tsquery('simple', x) AS lq FROM unnest(tsvector_to_array(to_tsvector('english', ${text}))) AS x) l
                       WHERE numnode(l.lq) > 0) w`
}

/** A match `m`'s rank: the rarity of the question words it has (from `weights`), then ts_rank_cd (from `q`) between equals. */
export const rarityRank = sql`coalesce((SELECT sum(greatest(w.idf, 0)) FROM weights w WHERE m.content_tsv @@ w.lq), 0) + ts_rank_cd(m.content_tsv, q.t, 1)`
