/**
 * The knowledge answers, graded against seeds/questions/: questions in people's own words, each
 * with the person who asks it. Shared by `npm run bench -- answers` (which prints every figure)
 * and test/answers-eval.test.ts (which holds floors so they never regress).
 *
 * A question goes where a chat message goes: intentOf decides whether it is a question at all
 * (small talk gets help), then ask() answers it as the asker, under their row security. Grading:
 * - answerable: right when the answer contains the fact and cites the document that states it;
 *   wrong when it answers otherwise; abstained when it declines.
 * - unanswerable, smalltalk, restricted: declined (or helped) with nothing quoted; answered
 *   otherwise. A restricted question's document is one the asker may not see.
 * - every answer: the documents it cites are ones the asker can see (read back as the asker).
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql } from 'kysely'
import { runAs, withActor } from '../../src/db/actor.ts'
import type { Engine } from '../../src/db/engine.ts'
import type { LinkedActor } from '../../src/db/identity.ts'
import { ask } from '../../src/handlers/ask.ts'
import { intentOf } from '../../src/handlers/router.ts'
import type { KnowledgeProviders } from '../../src/rag/providers.ts'
import { retrieve } from '../../src/rag/retrieve.ts'

export type EvalKind = 'answerable' | 'unanswerable' | 'smalltalk' | 'restricted'
export type EvalSet = 'tuning' | 'held-aside'

export interface EvalRow {
  id: string
  set: EvalSet
  kind: EvalKind
  asker: string
  question: string
  /** File name under seeds/knowledge/ (answerable, restricted). */
  document: string | null
  /** Verbatim from that document: a right answer contains it. */
  fact: string | null
}

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../seeds/questions')
const FILES: Record<EvalSet, string> = { tuning: 'tuning.md', 'held-aside': 'held-aside.md' }

export function readEvalRows(set: EvalSet): EvalRow[] {
  return readFileSync(path.join(DIR, FILES[set]), 'utf8').split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| id ') && !l.startsWith('|---'))
    .map((l) => {
      const [id, kind, asker, question, document, fact] = l.slice(2, -2).split(' | ').map((c) => c.trim())
      if (!['answerable', 'unanswerable', 'smalltalk', 'restricted'].includes(kind!)) throw new Error(`${FILES[set]}: ${id} has kind "${kind}"`)
      return { id: id!, set, kind: kind as EvalKind, asker: asker!, question: question!, document: document === '-' ? null : document!, fact: fact === '-' ? null : fact! }
    })
}

export type Verdict = 'right' | 'wrong' | 'abstained' | 'declined' | 'answered'

export interface Graded {
  row: EvalRow
  verdict: Verdict
  /** Small talk and the like, answered with help rather than a search. */
  helped: boolean
  /** The expected document is among the documents of the top 5 chunks retrieved (answerable only). */
  recalledAt5: boolean | null
  /** A decline that still showed passages ("the closest documents I have…"): it quoted something. */
  quoted: boolean
  /** Cited documents the asker cannot see: must always be empty. */
  unseen: string[]
  cited: string[]
  text: string
  /** The question's time, retrieval for recall@5 excluded. */
  ms: number
  /** With a chat model: the model failed (timeout, malformed, uncited) and the offline reader answered instead. */
  fallback?: string
}

const norm = (s: string) => s.replace(/\*\*|__|`/g, '').replace(/[‘’]/g, "'").replace(/[“”]/g, '"').replace(/\s+/g, ' ').trim().toLowerCase()

/** The asker as a LinkedActor, found by e-mail (as the owner: this is the harness, not a request). */
async function actorOf(engine: Engine, email: string): Promise<LinkedActor> {
  const row = await engine.db.selectFrom('workroom.people as p').innerJoin('workroom.tenants as t', 't.id', 'p.tenant_id')
    .select(['p.id', 'p.tenant_id', 'p.role', 'p.display_name', 'p.email', 't.timezone', 't.locale']).where('p.email', '=', email).executeTakeFirst()
  if (!row) throw new Error(`no person ${email} in the seed`)
  return { tenantId: row.tenant_id, userId: row.id, role: row.role, displayName: row.display_name, email: row.email, timezone: row.timezone, locale: row.locale }
}

export async function grade(engine: Engine, rows: EvalRow[], providers: KnowledgeProviders): Promise<Graded[]> {
  const files = new Map((await sql<{ id: string; source_id: string | null }>`SELECT id, source_id FROM agency.knowledge_documents`.execute(engine.db))
    .rows.map((r) => [r.id, path.basename(r.source_id ?? '')]))
  const actors = new Map<string, LinkedActor>()
  const out: Graded[] = []
  for (const row of rows) {
    const who = actors.get(row.asker) ?? await actorOf(engine, row.asker)
    actors.set(row.asker, who)
    let recalledAt5: boolean | null = null
    if (row.kind === 'answerable') {
      const [embedding] = await providers.embedder.embed([row.question])
      const chunks = await withActor(engine.db, who, (trx) => retrieve(trx, { text: row.question, embedding: embedding!, model: providers.embedder.model }))
      recalledAt5 = chunks.slice(0, 5).some((c) => files.get(c.documentId) === row.document)
    }
    const started = performance.now()
    const intent = intentOf({ kind: 'message', text: row.question })
    if (intent.kind !== 'ask') {
      const helped = intent.kind === 'help'
      out.push({ row, verdict: row.kind === 'answerable' ? 'abstained' : 'declined', helped, quoted: false, recalledAt5, unseen: [], cited: [], text: `(${intent.kind})`, ms: performance.now() - started })
      continue
    }
    const { answer } = await ask(runAs(engine.db, who), who, { platform: 'cli', channelId: `eval-${row.id}`, threadId: null }, row.question, providers)
    const ms = performance.now() - started
    const citedIds = [...new Set(answer.citations.map((c) => c.document_id))]
    // Documents and artifacts (migration 019) alike, read back as the asker.
    const visible = citedIds.length === 0 ? [] : await withActor(engine.db, who, async (trx) => [
      ...(await trx.selectFrom('agency.knowledge_documents').select('id').where('id', 'in', citedIds).execute()),
      ...(await trx.selectFrom('agency.artifacts').select('id').where('id', 'in', citedIds).execute()),
    ].map((r) => r.id))
    const unseen = citedIds.filter((id) => !visible.includes(id)).map((id) => files.get(id) ?? id)
    const cited = citedIds.map((id) => files.get(id) ?? id)
    const declined = !answer.found
    const verdict: Verdict = row.kind === 'answerable'
      ? declined ? 'abstained' : norm(answer.text).includes(norm(row.fact!)) && cited.includes(row.document!) ? 'right' : 'wrong'
      : declined ? 'declined' : 'answered'
    const quoted = declined && answer.citations.some((c) => c.snippet)
    out.push({ row, verdict, helped: false, quoted, recalledAt5, unseen, cited, text: answer.text, ms, ...(answer.fallback ? { fallback: answer.fallback } : {}) })
  }
  return out
}

export interface Tally {
  answerable: number
  right: number
  wrong: number
  abstained: number
  unanswerable: number
  declined: number
  /** Declined with nothing quoted: the target's measure. */
  declinedClean: number
  answered: number
  recallAt5: number
  /** Answers that cited a document the asker cannot see: must be 0. */
  unseen: number
  /** Answers the offline reader gave because the chat model failed (0 offline). */
  fallbacks: number
}

export function tally(graded: Graded[]): Tally {
  const answerable = graded.filter((g) => g.row.kind === 'answerable')
  const rest = graded.filter((g) => g.row.kind !== 'answerable')
  return {
    answerable: answerable.length,
    right: answerable.filter((g) => g.verdict === 'right').length,
    wrong: answerable.filter((g) => g.verdict === 'wrong').length,
    abstained: answerable.filter((g) => g.verdict === 'abstained').length,
    unanswerable: rest.length,
    declined: rest.filter((g) => g.verdict === 'declined').length,
    declinedClean: rest.filter((g) => g.verdict === 'declined' && !g.quoted).length,
    answered: rest.filter((g) => g.verdict === 'answered').length,
    recallAt5: answerable.filter((g) => g.recalledAt5).length,
    unseen: graded.filter((g) => g.unseen.length > 0).length,
    fallbacks: graded.filter((g) => g.fallback).length,
  }
}

export const pct = (n: number, of: number) => (of === 0 ? '—' : `${((100 * n) / of).toFixed(1)} %`)
