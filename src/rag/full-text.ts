/**
 * Full-text matching and ranking shared by documents' and artifacts' chunks (retrieve.ts,
 * retrieve-artifacts.ts).
 *
 * Matches come from migration 030's functions, not from `content_tsv @@ q` in the query: under
 * row security `@@` (not leakproof) is never an index condition, so the query would read and
 * test every chunk of the tenant. The functions use the GIN indexes and apply the select
 * policies' terms themselves; callers still read the rows back under row security.
 */
import { sql, type RawBuilder } from 'kysely'

/** The filters both tables take (retrieve.ts's RetrievalFilters, retrieve-artifacts.ts's ArtifactFilters). */
export interface MatchFilters {
  clientId?: string
  includeTenantWide?: boolean
  docTypes?: string[]
}

/**
 * The question as a tsquery. websearch_to_tsquery understands what people type ("quoted
 * phrases", -exclusions, or), but joins plain words with AND: a chat question ("who approves a
 * write-off on an invoice?") would then match only chunks containing every word. Relaxing the
 * top-level ANDs to ORs keeps phrases and exclusions and lets the ranking reward chunks that
 * match more of the question. (An AND before a negation stays: "x -y" must not become "x or not y".)
 */
export const questionQuery = (text: string) =>
  sql`regexp_replace(websearch_to_tsquery('english', ${text})::text, ' & (?!!)', ' | ', 'g')::tsquery`

type Table = 'knowledge' | 'artifact'

/** Ids of the chunks matching `q` that the actor may read, at most `max` (030's functions). */
export function matching(table: Table, q: RawBuilder<unknown>, model: string | null, max: number, f: MatchFilters = {}) {
  const fn = table === 'knowledge' ? sql`agency.knowledge_chunks_matching` : sql`workroom.artifact_chunks_matching`
  return sql`${fn}(${q}, ${model}::text, ${max}::int, ${f.clientId ?? null}::uuid, ${f.includeTenantWide ?? true}::boolean,
    ${f.docTypes?.length ? sql`ARRAY[${sql.join(f.docTypes)}]::text[]` : sql`NULL::text[]`})`
}

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
const rarityWeights = (text: string, model: string) => {
  const count = (table: Table, lq: RawBuilder<unknown>) => sql`(SELECT count(*) FROM ${matching(table, lq, model, RARITY_CAP)} m)`
  const total = (table: RawBuilder<unknown>) =>
    sql`(SELECT count(*) FROM (SELECT 1 FROM ${table} c WHERE c.embedding_model = ${model} LIMIT ${RARITY_CAP}) s)`
  return sql`
      SELECT w.lq, ln(1 + (t.n - w.n + 0.5) / (w.n + 0.5)) AS idf
        FROM (SELECT (${total(sql`agency.knowledge_chunks`)} + ${total(sql`workroom.artifact_chunks`)})::float8 AS n) t,
             LATERAL (SELECT l.lq, (${count('knowledge', sql`l.lq`)} + ${count('artifact', sql`l.lq`)})::float8 AS n
                        FROM (SELECT plainto_tsquery('simple', x) AS lq FROM unnest(tsvector_to_array(to_tsvector('english', ${text}))) AS x) l
                       WHERE numnode(l.lq) > 0
                      OFFSET 0) w`  // OFFSET 0: not flattened, or idf, which reads n twice, would count twice
}

/**
 * The CTEs that rank a `matches` CTE (with id and content_tsv) against the question `q`:
 * `weights` (each question word's rarity, computed once per query, hence MATERIALIZED) and
 * `rarity` (per match, the sum of the rarities of the words it has: one join of matches and
 * words, not a subquery per match, which cost ~0.1 ms a match). Select `rarityRank` with
 * `LEFT JOIN rarity r ON r.id = m.id`.
 */
export const rarityCtes = (text: string, model: string) => sql`
    weights AS MATERIALIZED (${rarityWeights(text, model)}),
    rarity AS (SELECT m.id, sum(greatest(w.idf, 0)) AS r FROM matches m JOIN weights w ON m.content_tsv @@ w.lq GROUP BY m.id)`

/** A match `m`'s rank: the rarity of the question words it has (from `rarity r`), then ts_rank_cd (from `q`) between equals. */
export const rarityRank = sql`coalesce(r.r, 0) + ts_rank_cd(m.content_tsv, q.t, 1)`
