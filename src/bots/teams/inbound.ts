/**
 * A Bot Framework activity from Teams as what Workroom does with it: a pure function of the
 * activity, with no server, database or turn behind it (test/teams-inbound.test.ts runs it over
 * the payloads in test/fixtures/teams/). app.ts acts on the result.
 *
 * - A message, or a click on a Workroom `Action.Submit` button (a message whose `value` is the
 *   button's data), is an `Inbound` for the router.
 * - `adaptiveCard/action` (an `Action.Execute` click) is answered in the invoke's own response, by
 *   the handler the same button's `Action.Submit` click would reach; `message/submitAction` with
 *   `actionName: 'feedback'` is Teams' own 👍/👎 on an answer; other invokes are answered 200
 *   with nothing (Teams shows an error for a 501).
 * - Install and removal, whichever of `installationUpdate` and `conversationUpdate` says so: Teams
 *   sends both for the same install, so what they lead to must happen once (app.ts).
 * - Everything else (reactions, renames, other people joining) is ignored, with the reason.
 *
 * The fields read are checked with zod: Teams adds fields over time and a sender may omit any, so
 * an activity that lacks what a case needs is ignored with the reason, never a crash.
 */
import { ActivityTypes } from 'botbuilder'
import { z } from 'zod'
import type { Inbound } from '../../handlers/inbound.ts'
import { payloadDigest } from '../../handlers/inbox.ts'
import { submittedAction } from './cards.ts'

export type TeamsConversationType = 'personal' | 'groupChat' | 'channel'

/** Where an install or a removal happened. */
export interface TeamsConversationRef {
  /** Without a channel reply chain's ';messageid=…': the conversation references are stored by this. */
  conversationId: string
  conversationType: TeamsConversationType | null
  /** Set for a team: a removal from the team takes all of its channels with it. */
  teamId: string | null
  /** The Entra tenant the activity came from: a removal forgets only that tenant's conversations. */
  aadTenantId: string | null
}

export type TeamsEvent =
  /** Workroom was added: its conversation reference is stored and, the first time, a welcome posted. */
  | { event: 'installed'; conversation: TeamsConversationRef; via: 'conversationUpdate' | 'installationUpdate' }
  /** Workroom was removed: its conversation references there are deleted, so nothing is posted there. */
  | { event: 'removed'; conversation: TeamsConversationRef; via: 'conversationUpdate' | 'installationUpdate' }
  /**
   * Teams' own 👍/👎 under an answer (the feedback loop): a `message/submitAction` invoke naming
   * the bot's message (`postId`, its replyToId). Stored as the person who clicked, on their answer
   * posted as that message only (app.ts).
   */
  | { event: 'feedback'; who: { workspaceId: string; externalUserId: string }; conversationId: string; postId: string; reaction: 1 | -1; comment: string | null }
  /** An `Action.Execute` click: `inbound` when it came from a Workroom button, else null. */
  | { event: 'card_action'; inbound: Inbound | null }
  /** An invoke Workroom does not use (message extensions, task modules, sign-in, …). */
  | { event: 'invoke'; name: string }
  /**
   * A picture or a file with no words: nothing to act on, but silence would look broken, so the
   * person is told that Workroom reads only text and how to start (app.ts).
   */
  | { event: 'attachments_only' }

export type TeamsInbound = Inbound | { ignore: string } | TeamsEvent

export const isIgnored = (r: TeamsInbound): r is { ignore: string } => 'ignore' in r
export const isEvent = (r: TeamsInbound): r is TeamsEvent => 'event' in r

const Account = z.object({ id: z.string().min(1), name: z.string().optional().catch(undefined), aadObjectId: z.string().min(1).optional().catch(undefined) })
const Conversation = z.object({
  id: z.string().min(1),
  conversationType: z.string().optional().catch(undefined),
  tenantId: z.string().min(1).optional().catch(undefined),
})
const IdOnly = z.object({ id: z.string().min(1) })
const ChannelData = z.object({
  tenant: IdOnly.optional().catch(undefined),
  team: IdOnly.optional().catch(undefined),
  channel: IdOnly.optional().catch(undefined),
  eventType: z.string().optional().catch(undefined),
}).catch({})
const Entities = z.array(z.unknown()).catch([])
const Mention = z.object({ type: z.literal('mention'), text: z.string(), mentioned: IdOnly })
const Attachments = z.array(z.object({ contentType: z.string().optional().catch(undefined) }).passthrough().catch({})).catch([])
const Members = z.array(z.object({ id: z.string() }).catch({ id: '' })).catch([])

const Envelope = z.object({
  type: z.string(),
  id: z.string().min(1).optional().catch(undefined),
  from: Account,
  recipient: Account,
  conversation: Conversation,
  channelData: ChannelData.optional(),
  replyToId: z.string().min(1).optional().catch(undefined),
})
type Envelope = z.infer<typeof Envelope>

/** Teams' own rendering of a message's text travels as a text/html attachment beside it: not something sent. */
const SENT = (contentType: string | undefined) => contentType !== 'text/html'

export function teamsToInbound(activity: unknown): TeamsInbound {
  const type = typeof activity === 'object' && activity !== null ? (activity as { type?: unknown }).type : undefined
  if (typeof type !== 'string') return { ignore: 'not an activity' }
  const a = activity as Record<string, unknown>
  switch (type) {
    case ActivityTypes.Message:
      return message(a)
    case ActivityTypes.Invoke:
      return invoke(a)
    case ActivityTypes.ConversationUpdate:
      return conversationUpdate(a)
    case ActivityTypes.InstallationUpdate:
      return installationUpdate(a)
    case ActivityTypes.MessageReaction:
      return { ignore: 'a reaction to a message: Workroom does not act on reactions' }
    default:
      return { ignore: `a ${type} activity: Workroom does not use them` }
  }
}

function envelope(a: Record<string, unknown>): Envelope | { ignore: string } {
  const parsed = Envelope.safeParse(a)
  if (!parsed.success) return { ignore: `a ${String(a.type)} without ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}` }
  return parsed.data
}

function message(a: Record<string, unknown>): TeamsInbound {
  const e = envelope(a)
  if ('ignore' in e) return e
  // Teams always sets an id; without one there is nothing to de-duplicate a redelivery by.
  if (!e.id) return { ignore: 'a message without an id' }
  const submitted = submittedAction(a.value)
  if (submitted) return inbound(e, click(e, submitted), { kind: 'action', ...submitted })
  const text = withoutMentions(typeof a.text === 'string' ? a.text : '', e.recipient.id, Entities.parse(a.entities))
  if (text) return inbound(e, `teams:activity:${e.id}`, { kind: 'message', text })
  if (Attachments.parse(a.attachments).some((x) => SENT(x.contentType as string | undefined))) return { event: 'attachments_only' }
  // A card's submit that Workroom's buttons do not send (another app's card, or a form's data).
  if (a.value !== undefined && a.value !== null) return { ignore: 'a card submit that is not from a Workroom button' }
  // The bot mentioned and nothing else: answered as a request for help.
  return inbound(e, `teams:activity:${e.id}`, { kind: 'message', text: '' })
}

/**
 * The feedback loop's invoke value, as Microsoft documents it: `actionName: 'feedback'` and an
 * `actionValue` with the reaction and, as a JSON string (or an object), what the form collected
 * (`{"feedbackText": "…"}` for the default form).
 */
const FeedbackValue = z.object({
  actionName: z.literal('feedback'),
  actionValue: z.object({ reaction: z.enum(['like', 'dislike']), feedback: z.union([z.string(), z.record(z.string(), z.unknown())]).optional().catch(undefined) }),
})
const FeedbackForm = z.object({ feedbackText: z.string() })

/** The form's text: `feedback` is documented as a JSON string or, in some SDKs, already an object. */
function feedbackComment(feedback: string | Record<string, unknown> | undefined): string | null {
  if (!feedback) return null
  try {
    const form = FeedbackForm.safeParse(typeof feedback === 'string' ? JSON.parse(feedback) : feedback)
    return form.success ? form.data.feedbackText : null
  } catch {
    return null
  }
}

function invoke(a: Record<string, unknown>): TeamsInbound {
  const name = typeof a.name === 'string' ? a.name : ''
  if (name === 'message/submitAction') return submitAction(a)
  if (name !== 'adaptiveCard/action') return { event: 'invoke', name }
  const e = envelope(a)
  if ('ignore' in e) return e
  if (!e.id) return { ignore: 'an invoke without an id' }
  const value = typeof a.value === 'object' && a.value !== null ? (a.value as { action?: { data?: unknown } }) : {}
  const submitted = submittedAction(value.action?.data)
  return { event: 'card_action', inbound: submitted ? inbound(e, click(e, submitted), { kind: 'action', ...submitted }) : null }
}

function submitAction(a: Record<string, unknown>): TeamsInbound {
  const e = envelope(a)
  if ('ignore' in e) return e
  const value = FeedbackValue.safeParse(a.value)
  if (!value.success) return { event: 'invoke', name: 'message/submitAction' }
  if (!e.replyToId) return { ignore: 'feedback without the message it is on (replyToId)' }
  const tenant = tenantOf(e)
  if (!tenant) return { ignore: 'feedback without a tenant' }
  return {
    event: 'feedback',
    who: { workspaceId: tenant, externalUserId: e.from.aadObjectId ?? e.from.id },
    conversationId: baseConversationId(e.conversation.id),
    postId: e.replyToId,
    reaction: value.data.actionValue.reaction === 'like' ? 1 : -1,
    comment: feedbackComment(value.data.actionValue.feedback),
  }
}

function conversationUpdate(a: Record<string, unknown>): TeamsInbound {
  const e = envelope(a)
  if ('ignore' in e) return e
  const bot = (members: unknown) => Members.parse(members).some((m) => m.id === e.recipient.id)
  if (bot(a.membersRemoved)) return { event: 'removed', conversation: place(e), via: 'conversationUpdate' }
  if (bot(a.membersAdded)) return { event: 'installed', conversation: place(e), via: 'conversationUpdate' }
  return { ignore: `a conversationUpdate (${e.channelData?.eventType ?? 'no eventType'}) that does not add or remove Workroom` }
}

/**
 * 'add-upgrade' and 'remove-upgrade' are an app update that added the bot to, or took it out of,
 * the app's manifest: for the bot, an install and a removal (botbuilder's ActivityHandler reads
 * them the same way).
 */
function installationUpdate(a: Record<string, unknown>): TeamsInbound {
  const e = envelope(a)
  if ('ignore' in e) return e
  const action = typeof a.action === 'string' ? a.action : ''
  if (action === 'add' || action === 'add-upgrade') return { event: 'installed', conversation: place(e), via: 'installationUpdate' }
  if (action === 'remove' || action === 'remove-upgrade') return { event: 'removed', conversation: place(e), via: 'installationUpdate' }
  return { ignore: `an installationUpdate with action ${JSON.stringify(action)}` }
}

function inbound(e: Envelope, requestId: string, input: Inbound['input']): Inbound {
  return {
    platform: 'teams',
    workspaceId: tenantOf(e) ?? 'unknown-tenant',
    externalUserId: e.from.aadObjectId ?? e.from.id,
    // The channel (not the reply chain): what /digest subscribes and proactive posts go to.
    channelId: baseConversationId(e.channelData?.channel?.id ?? e.conversation.id),
    threadId: e.conversation.id,
    requestId,
    input,
  }
}

/**
 * A click's request id is its claim, taken once the clicker is identified: per person (a
 * colleague's click on someone's Undo is another key, and does not use the owner's button up) and
 * per button (a double click is the same key, and acts once). The same for `Action.Submit` and
 * `Action.Execute`: replyToId is the card's message either way.
 */
function click(e: Envelope, submitted: { actionId: string; payload: string }): string {
  const clicker = e.from.aadObjectId ?? e.from.id
  return `teams:action:${clicker}:${baseConversationId(e.conversation.id)}:${e.replyToId ?? 'none'}:${submitted.actionId}:${payloadDigest(submitted.payload)}`
}

const tenantOf = (e: Envelope) => e.conversation.tenantId ?? e.channelData?.tenant?.id ?? null

function place(e: Envelope): TeamsConversationRef {
  const type = e.conversation.conversationType
  return {
    conversationId: baseConversationId(e.conversation.id),
    conversationType: type === 'personal' || type === 'groupChat' || type === 'channel' ? type : null,
    teamId: e.channelData?.team?.id ?? null,
    aadTenantId: tenantOf(e),
  }
}

/**
 * The text without the bot's own mention (each mention entity of the recipient names the exact
 * `<at>…</at>` it stands for), then without any other `<at>` tags, with Teams' non-breaking spaces
 * as spaces and the gaps the mentions leave closed.
 */
function withoutMentions(text: string, botId: string, entities: unknown[]): string {
  let out = text
  for (const entity of entities) {
    const m = Mention.safeParse(entity)
    if (m.success && m.data.mentioned.id === botId && m.data.text) out = out.split(m.data.text).join(' ')
  }
  return out.replace(/<at>[^<]*<\/at>/g, ' ').replace(/&nbsp;|\u00a0/g, ' ').replace(/ {2,}/g, ' ').trim()
}

/** A channel reply chain is '<channel id>;messageid=<root>'; the channel itself is the part before. */
export const baseConversationId = (id: string) => id.split(';')[0]!
