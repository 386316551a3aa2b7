/**
 * Conversations: a chat thread is one ai_conversations row per person, each question and answer
 * an ai_messages row. RLS keeps both private to the person who asked.
 *
 * Per person, not per thread: two people asking in one Slack thread may see different documents,
 * and a follow-up's history goes to the model, so one person's history must never feed another
 * person's answer. thread_ref is therefore "<thread id>/<person id>", which keeps the spec's
 * unique (tenant, platform, channel, thread_ref) index meaning "one conversation per thread and
 * person".
 */
import { sql } from 'kysely'
import type { ActorTx } from '../db/actor.ts'
import type { Answer, Turn } from './answer.ts'

export interface ThreadKey { platform: string; channelId: string | null; threadId: string | null }

const threadRef = (key: ThreadKey, userId: string) => (key.threadId ? `${key.threadId}/${userId}` : null)

/** The last `limit` turns of this person's conversation in the thread, oldest first. */
export async function threadHistory(trx: ActorTx, userId: string, key: ThreadKey, limit = 6): Promise<Turn[]> {
  const ref = threadRef(key, userId)
  if (!ref) return []
  const rows = await trx.selectFrom('agency.ai_messages as m')
    .innerJoin('agency.ai_conversations as c', 'c.id', 'm.conversation_id')
    .select(['m.role', 'm.content'])
    .where('c.platform', '=', key.platform).where('c.thread_ref', '=', ref)
    .where((eb) => key.channelId === null ? eb('c.channel_id', 'is', null) : eb('c.channel_id', '=', key.channelId))
    .where('m.role', 'in', ['user', 'assistant'])
    .orderBy('m.created_at', 'desc').limit(limit).execute()
  return rows.reverse().map((r) => ({ role: r.role as Turn['role'], content: r.content }))
}

export interface SavedTurn { conversationId: string; questionId: string; answerId: string }

/** Writes the question and the answer (and the conversation on first use) in the caller's transaction. */
export async function saveTurn(
  trx: ActorTx, who: { tenantId: string; userId: string }, key: ThreadKey,
  turn: { question: string; answer: Answer; latencyMs: number; metadata: Record<string, unknown> },
): Promise<SavedTurn> {
  const ref = threadRef(key, who.userId)
  const values = {
    tenant_id: who.tenantId, user_id: who.userId, platform: key.platform, channel_id: key.channelId, thread_ref: ref,
    title: turn.question.slice(0, 120), last_message_at: sql<Date>`now()`,
  }
  // Two questions in one new thread at once: the second insert meets the first's row and updates it.
  const conversation = ref
    ? await trx.insertInto('agency.ai_conversations').values(values)
      .onConflict((oc) => oc.columns(['tenant_id', 'platform', 'channel_id', 'thread_ref']).where('thread_ref', 'is not', null)
        .doUpdateSet({ last_message_at: sql<Date>`now()` }))
      .returning('id').executeTakeFirstOrThrow()
    : await trx.insertInto('agency.ai_conversations').values(values).returning('id').executeTakeFirstOrThrow()
  const [question, answer] = await trx.insertInto('agency.ai_messages').values([
    { tenant_id: who.tenantId, conversation_id: conversation.id, role: 'user', content: turn.question },
    {
      tenant_id: who.tenantId, conversation_id: conversation.id, role: 'assistant', content: turn.answer.text,
      citations: JSON.stringify(turn.answer.citations), model: turn.answer.model, latency_ms: Math.round(turn.latencyMs),
      prompt_tokens: turn.answer.promptTokens ?? null, completion_tokens: turn.answer.completionTokens ?? null,
      metadata: JSON.stringify({ ...turn.metadata, found: turn.answer.found, ...(turn.answer.fallback ? { fallback: turn.answer.fallback } : {}), ...(turn.answer.keywordOnly ? { keyword_only: true } : {}) }),
      // The answer sorts after its question even when both get the same now().
      created_at: sql<Date>`now() + interval '1 microsecond'`,
    },
  ]).returning('id').execute()
  return { conversationId: conversation.id, questionId: question!.id, answerId: answer!.id }
}

/** 👍 (1) or 👎 (-1) on one of this person's answers; false when it is not theirs or not an answer. */
export async function setFeedback(trx: ActorTx, messageId: string, feedback: 1 | -1): Promise<boolean> {
  const res = await trx.updateTable('agency.ai_messages').set({ feedback })
    .where('id', '=', messageId).where('role', '=', 'assistant').executeTakeFirst()
  return res.numUpdatedRows > 0n
}
