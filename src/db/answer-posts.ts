/**
 * The platform message an answer was posted as (migration 029), for feedback that names only that
 * message: Teams' feedback loop. Written and read as the person who asked, under their actor: row
 * security shows a person only the posts of their own answers, so anyone else's feedback on the
 * same message finds nothing and changes nothing.
 */
import { sql } from 'kysely'
import type { ActorTx } from './actor.ts'
import { setFeedback } from '../rag/conversation.ts'

export interface AnswerPost {
  platform: 'slack' | 'teams'
  /** Where it was posted: a Teams conversation id without its reply chain, a Slack channel. */
  conversationId: string
  /** The message's id there: a Teams activity id, a Slack ts. */
  postId: string
}

/** Records that this person's answer was posted as that message; false when the answer is not theirs. */
export async function rememberAnswerPost(trx: ActorTx, tenantId: string, messageId: string, post: AnswerPost): Promise<boolean> {
  const res = await trx.insertInto('workroom.ai_message_posts')
    .values({ tenant_id: tenantId, message_id: messageId, platform: post.platform, conversation_id: post.conversationId, post_id: post.postId })
    .onConflict((oc) => oc.doNothing()).returning('message_id').executeTakeFirst()
  return res !== undefined
}

/** Longest free-text feedback kept: a comment, not a document. */
const MAX_COMMENT = 2000

/**
 * The person's 👍 or 👎 (and what they wrote) on the answer posted as that message: stored on
 * agency.ai_messages as the router's feedback buttons store it. False when the message is not one
 * of their answers (someone else's, or never recorded): nothing is written.
 */
export async function feedbackOnPost(trx: ActorTx, post: AnswerPost, feedback: 1 | -1, comment: string | null): Promise<boolean> {
  const row = await trx.selectFrom('workroom.ai_message_posts').select('message_id')
    .where('platform', '=', post.platform).where('conversation_id', '=', post.conversationId).where('post_id', '=', post.postId)
    .executeTakeFirst()
  if (!row || !(await setFeedback(trx, row.message_id, feedback))) return false
  const text = comment?.replace(/\u0000/g, '').trim().slice(0, MAX_COMMENT)
  if (text) {
    await trx.updateTable('agency.ai_messages')
      .set({ metadata: sql`metadata || jsonb_build_object('feedback_comment', ${text}::text)` })
      .where('id', '=', row.message_id).execute()
  }
  return true
}
