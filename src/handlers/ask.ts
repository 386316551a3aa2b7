/**
 * `/ask`, mentions and DMs that are questions: retrieve under the asker's RLS, answer with
 * citations, remember the turn for follow-ups in the same thread.
 *
 * Three short transactions around two network calls (embedding the question, the chat model), so
 * no connection is held while a model thinks.
 */
import type { RunAs } from '../db/actor.ts'
import type { LinkedActor } from '../db/identity.ts'
import { answerWithModel, extractiveAnswer, MAX_SOURCES, notFound, type Answer, type AnswerSink, type Turn } from '../rag/answer.ts'
import { saveTurn, threadHistory, type ThreadKey } from '../rag/conversation.ts'
import { terms } from '../rag/embed.ts'
import type { KnowledgeProviders } from '../rag/providers.ts'
import { focusUnheard, meanings, subjectMissing } from '../rag/reader.ts'
import { channelClientOf } from './channel.ts'
import type { ChannelRef } from '../db/digests.ts'
import type { Inbound } from './inbound.ts'
import { knowledgeMentions, retrieve, type RetrievalFilters, type RetrievedChunk } from '../rag/retrieve.ts'


/**
 * Whether the best chunks are evidence of an answer, per embedding model (their scales differ).
 * The hashing embedder is lexical, so it also needs the top chunks to share enough of the
 * question's words: "capital of Mongolia" is near nothing, but "who is the CEO of Tesla" is near
 * everything a little. Calibrated on seeds/QUESTIONS.md (lowest answerable: similarity 0.072,
 * word coverage 0.43) and the off-topic questions in test/rag.test.ts. Conservative: an
 * off-topic question that shares half its words with a document still gets passages.
 */
const RELEVANCE: Record<string, { similarity: number; coverage: number }> = {
  'workroom-hashing-v1': { similarity: 0.065, coverage: 0.4 },
}
const DEFAULT_RELEVANCE = { similarity: 0.25, coverage: 0 }

/** The question after what leads up to it, when a lead-in comes first. */
const ASKED_LAST = /[,.;:!]\s+((?:what|when|where|who|which|how|is|are|can|could|do|does|should|will|would)\b[^,.;:!]*\?*)\s*$/i

export function isRelevant(question: string, chunks: RetrievedChunk[], model: string): boolean {
  const min = RELEVANCE[model] ?? DEFAULT_RELEVANCE
  const similarities = chunks.flatMap((c) => (c.similarity === null ? [] : [c.similarity]))
  const best = Math.max(-1, ...similarities)
  // After a lead-in ("got a courier coming early tmrw, what time is reception open?") the scene's
  // words are rarely in the answer: the question proper is weighed on its own as well.
  const asked = question.trim().match(ASKED_LAST)?.[1]
  const coverage = Math.max(0, ...[question, ...(asked ? [asked] : [])].flatMap((text) => {
    const wanted = new Set(terms(text))
    return chunks.slice(0, 3).map((c) => {
      const have = new Set(terms(`${c.title} ${c.heading ?? ''} ${c.content}`))
      // A word counts when the chunk says it or says it otherwise (the reader's synonyms: nicked → stolen).
      return [...wanted].filter((t) => [...meanings(t)].some((m) => have.has(m))).length / Math.max(1, wanted.size)
    })
  }))
  // Without a vector search (the embedding service was down) only the words can vouch.
  if (similarities.length === 0) return chunks.length > 0 && coverage >= Math.max(0.5, min.coverage)
  return best >= min.similarity && coverage >= min.coverage
}

/**
 * "and what about the budget?" means nothing alone: a short or referring follow-up is retrieved
 * together with the previous question of the thread.
 */
export function retrievalText(question: string, history: Turn[]): string {
  const previous = history.filter((t) => t.role === 'user').at(-1)?.content
  if (!previous) return question
  const refers = /^(and|also|what about|how about|same for)\b|\b(it|its|they|them|their|that|this|those|these)\b/i.test(question)
  return refers || terms(question).length <= 3 ? `${previous} ${question}` : question
}

/** A follow-up is read in its own words first ("and the budget?" asks for an amount), then with the question before it. */
function readOffline(question: string, query: string, chunks: RetrievedChunk[]): Answer {
  const own = extractiveAnswer(question, chunks)
  return own.found || query === question ? own : extractiveAnswer(query, chunks)
}

export interface AskResult {
  answer: Answer
  /** The ai_messages row of the answer: feedback buttons point at it. */
  messageId: string
  conversationId: string
  followUp: boolean
}

/**
 * `channel`: where the question was asked. In a channel scoped to a client (migration 028) the
 * search is that client's documents and artifacts plus the agency-wide ones (src/db/channels.ts);
 * elsewhere it is everything the asker may read, as `filters` say. `sink`: where a chat model's
 * text goes while it is written, when the platform streams (the answer returned is the same).
 */
export async function ask(
  run: RunAs, who: LinkedActor, thread: ThreadKey, question: string, deps: KnowledgeProviders,
  filters: RetrievalFilters = {}, channel: ChannelRef | null = null, sink?: AnswerSink,
): Promise<AskResult> {
  const started = performance.now()
  const { history, scoped } = await run(async (trx) => ({
    history: await threadHistory(trx, who.userId, thread),
    scoped: await channelClientOf(trx, channel),
  }))
  if (scoped) filters = { ...filters, clientId: scoped, includeTenantWide: true }
  const query = retrievalText(question, history)
  // An embedding service that is down still leaves full-text search: answer from that, and say so.
  const embedding = await deps.embedder.embed([query]).then(([v]) => v!, () => null)
  const { chunks, missing } = await run(async (trx) => {
    const chunks = await retrieve(trx, { text: query, embedding, model: deps.embedder.model, filters })
    // A name the passages lack ("the Kestrel brief") means they are about something else,
    // however well they match the rest of the question. When nothing the asker may read
    // mentions it either, the reply says so by name.
    const passages = chunks.slice(0, MAX_SOURCES)
    const name = subjectMissing(question, passages)
    if (name) return { chunks, missing: { name, known: await knowledgeMentions(trx, name) } }
    // What the question asks about ("is there a dress code…") in none of the passages and
    // nowhere else the asker may read: the knowledge base does not cover it. (A word the
    // knowledge base has elsewhere is left to the reader: "main" in "main brand colour".)
    const focus = focusUnheard(question, passages)
    for (const word of focus?.words ?? []) {
      if (!(await knowledgeMentions(trx, word))) return { chunks, missing: { name: focus!.phrase, known: false } }
    }
    return { chunks, missing: undefined }
  })
  const answered = missing ? notFound(chunks, missing.known ? false : missing.name)
    : !isRelevant(query, chunks, deps.embedder.model) ? notFound(chunks)
    : deps.chat ? await answerWithModel(deps.chat, question, history, chunks, sink)
    : readOffline(question, query, chunks)
  const answer: Answer = embedding ? answered : { ...answered, keywordOnly: true }
  const saved = await run((trx) => saveTurn(trx, who, thread, {
    question, answer, latencyMs: performance.now() - started,
    metadata: { embedding_model: deps.embedder.model, retrieved: chunks.map((c) => c.chunkId), ...(query !== question ? { retrieval_text: query } : {}) },
  }))
  return { answer, messageId: saved.answerId, conversationId: saved.conversationId, followUp: history.length > 0 }
}
