/**
 * Slack's assistant view (the "agent" container: a split pane with threads, a status line,
 * suggested prompts and thread titles), through Bolt's Assistant.
 *
 * - `assistant_thread_started`: a greeting and suggested prompts for this person's role, computed
 *   as them (their RLS: src/handlers/prompts.ts). Nothing is recorded: setting prompts again on a
 *   retried event is harmless.
 * - `assistant_thread_context_changed` (the channel the person is looking at): not used. Bolt's
 *   default store would keep one context for the whole process and rewrite the greeting's
 *   metadata; Workroom answers from the person's own access, not from the channel beside it.
 * - a message in the thread: the same pipeline as any direct message (recorded in the inbox, the
 *   person resolved, the router run as them), with the thread's status line instead of a
 *   "Looking that up…" note, and the thread titled from the question (app.ts, onMessage).
 */
import { Assistant, type AssistantConfig } from '@slack/bolt'
import type { WebClient } from '@slack/web-api'
import { runAs } from '../../db/actor.ts'
import type { LinkedActor } from '../../db/identity.ts'
import { identify, type ConverseDeps } from '../../chat/converse.ts'
import { GREETING, suggestedPrompts, UNLINKED_PROMPTS, type SuggestedPrompt } from '../../handlers/prompts.ts'
import type { Logger } from '../../log.ts'

/** The status shown under the thread while a question is being answered (Slack prefixes the app's name). */
export const LOOKING_IT_UP = 'is looking that up…'

/** A thread title is a line in Slack's history list: the question, shortened. */
export function threadTitle(question: string): string {
  const line = question.replace(/\s+/g, ' ').trim()
  return line.length <= 60 ? line : `${line.slice(0, 59)}…`
}

const NO_THREAD_CONTEXT: NonNullable<AssistantConfig['threadContextStore']> = { get: async () => ({}), save: async () => undefined }

export interface AssistantOptions {
  deps: ConverseDeps
  logger: Logger
  /** Runs work after the event's ack, tracked for drain and logged when it fails. */
  track(work: () => Promise<unknown>): void
  /** The person's confirmed e-mail from Slack (users.info), for auto-linking as converse does. */
  emailOf(client: WebClient, who: { workspaceId: string; enterpriseId: string | null; externalUserId: string }): Promise<string | null>
  /** A message in an assistant thread: the app's direct-message path, marked as an assistant thread. */
  onMessage(args: { body: unknown; event: { channel: string }; client: WebClient; context: Record<string, unknown>; setStatus(status: string): Promise<unknown>; setTitle(title: string): Promise<unknown> }): Promise<void>
}

export function workroomAssistant(options: AssistantOptions): Assistant {
  const { deps, logger } = options
  /** This person, as every turn resolves them (converse's identify: linked, or auto-linked by their confirmed e-mail in a connected workspace); null otherwise. */
  const personOf = async (client: WebClient, id: { workspaceId: string; enterpriseId: string | null; externalUserId: string }): Promise<LinkedActor | null> => {
    const known = await identify(deps, { platform: 'slack', ...id, verifiedEmail: () => options.emailOf(client, id) })
    return 'who' in known ? known.who : null
  }
  return new Assistant({
    threadContextStore: NO_THREAD_CONTEXT,
    threadStarted: async ({ event, body, client }) => {
      const thread = event.assistant_thread
      const team = (body as { team_id?: string }).team_id ?? thread.context.team_id ?? ''
      const enterprise = (body as { enterprise_id?: string | null }).enterprise_id ?? thread.context.enterprise_id ?? null
      options.track(async () => {
        const who = await personOf(client, { workspaceId: team, enterpriseId: enterprise, externalUserId: thread.user_id })
        const prompts: SuggestedPrompt[] = who ? await suggestedPrompts(runAs(deps.db, who), who) : UNLINKED_PROMPTS
        await client.chat.postMessage({ channel: thread.channel_id, thread_ts: thread.thread_ts, text: GREETING })
        await client.assistant.threads.setSuggestedPrompts({ channel_id: thread.channel_id, thread_ts: thread.thread_ts, title: 'Try one of these:', prompts })
        logger.debug({ team, prompts: prompts.length, linked: who !== null }, 'assistant thread started')
      })
    },
    threadContextChanged: async () => undefined,
    userMessage: async ({ body, event, client, context, setStatus, setTitle }) => {
      await options.onMessage({ body, event: event as { channel: string }, client, context, setStatus, setTitle })
    },
  })
}
