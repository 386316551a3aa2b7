/**
 * A Slack request body, as Bolt's receiver hands it to the app after verifying its signature
 * (JSON events, a slash command's form fields, an interaction's `payload`, or the same in a Socket
 * Mode envelope), turned into an Inbound, or into the reason Workroom does not answer it. Pure:
 * what it needs to know about the app (its bot user id) is passed in; nothing is fetched.
 *
 * Everything this ignores is still acknowledged at once by app.ts: Slack shows the person an
 * error for a command, click, form or shortcut that nobody acks within 3 seconds, and counts an
 * event that is not answered with 200 against the app.
 *
 * Shapes: https://docs.slack.dev/reference/events, https://docs.slack.dev/reference/interaction-payloads,
 * https://docs.slack.dev/interactivity/implementing-slash-commands; recorded bodies in
 * test/fixtures/slack.
 */
import { z } from 'zod'
import { payloadDigest } from '../../handlers/inbox.ts'
import type { Inbound } from '../../handlers/inbound.ts'
import { COMMANDS } from '../../handlers/router.ts'
import { FEEDBACK_ACTION, replyActionId } from './blocks.ts'
import { logTimeSubmission } from './log-time-modal.ts'

/** What the translation needs to know about Workroom's own app in the request's workspace (Bolt's context.botUserId). */
export interface SlackSelf {
  botUserId?: string | undefined
}

export type SlackInbound = Inbound | { ignore: string }

/** The buttons Workroom renders (blocks.ts: a Reply's action id, e.g. "timesheet.undo#0"). */
export const WORKROOM_ACTION = /^(timesheet|campaign|answer)\./

/**
 * Message subtypes a person writes, answered like a plain message: a thread reply also sent to the
 * conversation, a message with a file (its text is answered; the file is not read). Every other
 * subtype is Slack reporting something (an edit, a deletion, a join, a bot's post) and is not a
 * question to Workroom.
 */
const PERSON_SUBTYPES = new Set(['thread_broadcast', 'file_share'])

/** Slack ids are optional or empty in some shapes (enterprise_id on a workspace outside Enterprise Grid). */
const id = z.string().nullish().transform((v) => v || null)

// Only what Workroom reads; Slack sends many more fields, and adds new ones.
const Command = z.looseObject({
  command: z.string(), text: z.string().default(''), team_id: z.string().min(1), enterprise_id: id, user_id: z.string().min(1),
  channel_id: id, trigger_id: z.string().min(1), response_url: z.string().min(1),
})
const Envelope = z.looseObject({
  type: z.literal('event_callback'), team_id: z.string().min(1), enterprise_id: id, event_id: z.string().min(1),
  event: z.looseObject({ type: z.string() }),
})
const MessageLike = z.looseObject({
  type: z.string(), subtype: z.string().optional(), user: z.string().optional(), bot_id: z.string().optional(), text: z.string().default(''),
  channel: z.string().min(1), channel_type: z.string().optional(), ts: z.string().min(1), thread_ts: z.string().optional(),
})
const BlockActions = z.looseObject({
  type: z.literal('block_actions'), trigger_id: z.string().optional(), response_url: z.string().optional(),
  user: z.looseObject({ id: z.string().min(1), team_id: id }),
  team: z.looseObject({ id: z.string().min(1), enterprise_id: id }).nullish(),
  enterprise: z.looseObject({ id: z.string().min(1) }).nullish(),
  channel: z.looseObject({ id: z.string().min(1) }).nullish(),
  container: z.looseObject({ message_ts: z.string().optional(), channel_id: z.string().optional() }).nullish(),
  message: z.looseObject({ ts: z.string().optional(), thread_ts: z.string().optional() }).nullish(),
  actions: z.array(z.looseObject({ type: z.string(), action_id: z.string(), value: z.string().optional(), action_ts: z.string().optional() })).min(1),
})

/**
 * Interaction payload types that are not an Inbound. Workroom's own modal's submission is one
 * (logTimeSubmission); its shortcut, its picker's options and its Home tab go to their own
 * listeners (isWorkroomSurface); the rest of each type is another app's, or not used.
 */
const NOT_USED: Record<string, string> = {
  view_submission: "a modal submitted that is not Workroom's Log time",
  view_closed: 'a modal closed (Workroom has nothing to do when one closes)',
  shortcut: 'a global shortcut (Workroom registers none)',
  message_action: "a message shortcut that is not Workroom's",
  block_suggestion: "an options request for a menu that is not Workroom's",
  interactive_message: 'a legacy attachment button (Workroom sends none)',
  dialog_submission: 'a legacy dialog (Workroom opens none)',
  dialog_cancellation: 'a legacy dialog (Workroom opens none)',
  dialog_suggestion: 'a legacy dialog (Workroom opens none)',
}

export function slackToInbound(body: unknown, self: SlackSelf): SlackInbound {
  if (typeof body !== 'object' || body === null) return { ignore: 'not a Slack payload' }
  const fields = body as Record<string, unknown>
  // Both are answered by Bolt's receiver before any app code runs; here for Socket Mode and completeness.
  if (fields.ssl_check === '1') return { ignore: 'ssl_check (answered by the receiver)' }
  if (fields.type === 'url_verification') return { ignore: 'url_verification (answered by the receiver)' }
  if (typeof fields.command === 'string') return command(fields)
  switch (fields.type) {
    case 'event_callback': return event(fields, self)
    case 'block_actions': return blockAction(fields)
    case 'app_rate_limited': return { ignore: 'app_rate_limited: Slack is holding back events for this workspace' }
    case 'view_submission': {
      const form = logTimeSubmission(fields)
      if (form) return form
      break
    }
  }
  const type = typeof fields.type === 'string' ? fields.type : '(no type)'
  return { ignore: NOT_USED[type] ?? `a ${type} payload, which Workroom does not use` }
}

function command(fields: Record<string, unknown>): SlackInbound {
  const name = String(fields.command)
  if (!(COMMANDS as readonly string[]).includes(name.replace(/^\//, ''))) return { ignore: `the command ${name}, which is not Workroom's` }
  const parsed = Command.safeParse(fields)
  if (!parsed.success) return malformed(`the command ${name}`, parsed.error)
  const c = parsed.data
  return {
    platform: 'slack', workspaceId: c.team_id, enterpriseId: c.enterprise_id, externalUserId: c.user_id, channelId: c.channel_id, threadId: null,
    requestId: `slash:${c.trigger_id}`, input: { kind: 'command', command: c.command, text: c.text },
  }
}

function event(fields: Record<string, unknown>, self: SlackSelf): SlackInbound {
  const envelope = Envelope.safeParse(fields)
  if (!envelope.success) return malformed('an event', envelope.error)
  const { team_id: team, enterprise_id: enterprise, event_id: eventId, event: inner } = envelope.data
  if (inner.type !== 'app_mention' && inner.type !== 'message') return { ignore: `a ${inner.type} event, which Workroom does not use` }
  const parsed = MessageLike.safeParse(inner)
  const subtype = typeof inner.subtype === 'string' ? inner.subtype : undefined
  // Edits, deletions and joins carry no text of their own (or another shape): decided before parsing.
  if (subtype !== undefined && !PERSON_SUBTYPES.has(subtype)) return { ignore: `a message with subtype ${subtype}` }
  if (!parsed.success) return malformed(`a ${inner.type} event`, parsed.error)
  const m = parsed.data
  if (m.bot_id !== undefined) return { ignore: "a bot's message" }
  if (!m.user) return { ignore: 'a message without a user' }
  if (m.user === self.botUserId) return { ignore: "Workroom's own message" }
  if (m.user === 'USLACKBOT') return { ignore: 'a message from Slackbot' }
  // Mentions arrive as app_mention; a message event is answered only in the person's DM with Workroom.
  if (inner.type === 'message' && m.channel_type !== 'im') return { ignore: `a message in a ${m.channel_type ?? 'conversation'}, not a direct message` }
  // A mention is answered in its thread (starting one); a DM in its thread only when it was in one.
  const threadTs = inner.type === 'app_mention' ? (m.thread_ts ?? m.ts) : (m.thread_ts ?? null)
  return {
    platform: 'slack', workspaceId: team, enterpriseId: enterprise, externalUserId: m.user, channelId: m.channel, threadId: threadTs,
    requestId: `event:${eventId}`, input: { kind: 'message', text: withoutMention(m.text, self.botUserId) },
  }
}

function blockAction(fields: Record<string, unknown>): SlackInbound {
  const parsed = BlockActions.safeParse(fields)
  if (!parsed.success) return malformed('a block action', parsed.error)
  const b = parsed.data
  const action = b.actions[0]!
  if (!WORKROOM_ACTION.test(action.action_id)) return { ignore: `the action ${action.action_id}, which is not one of Workroom's buttons` }
  // Buttons, and an answer's feedback buttons (blocks.ts renders them as Slack's own).
  const feedback = action.type === 'feedback_buttons' && replyActionId(action.action_id) === FEEDBACK_ACTION
  if (action.type !== 'button' && !feedback) return { ignore: `a ${action.type} element, where Workroom renders only buttons and an answer's feedback buttons` }
  // Workroom's buttons are only ever in messages, which come with a response_url to answer at.
  if (!b.response_url) return { ignore: `the action ${action.action_id} outside a message (no response_url)` }
  const messageTs = b.container?.message_ts ?? b.message?.ts ?? 'none'
  const payload = action.value ?? ''
  return {
    platform: 'slack', workspaceId: b.team?.id ?? b.user.team_id ?? '', enterpriseId: b.enterprise?.id ?? b.team?.enterprise_id ?? null,
    externalUserId: b.user.id, channelId: b.channel?.id ?? b.container?.channel_id ?? null, threadId: b.message?.thread_ts ?? messageTs,
    // The claim of a click (src/handlers/inbox.ts): per person and per button, so that a double
    // click acts once and a colleague's click does not use the owner's button up.
    requestId: `action:${b.user.id}:${messageTs}:${action.action_id}:${payloadDigest(payload)}`,
    input: { kind: 'action', actionId: replyActionId(action.action_id), payload },
  }
}

/** What kind of Slack payload a body is, for logs: "command /ask", "event message (message_changed)", "view_submission". */
export function slackPayloadKind(body: unknown): string {
  if (typeof body !== 'object' || body === null) return typeof body
  const fields = body as Record<string, unknown>
  if (typeof fields.command === 'string') return `command ${fields.command}`
  const inner = fields.event as Record<string, unknown> | undefined
  if (fields.type === 'event_callback' && typeof inner === 'object' && inner !== null) {
    return `event ${String(inner.type)}${typeof inner.subtype === 'string' ? ` (${inner.subtype})` : ''}`
  }
  return typeof fields.type === 'string' ? fields.type : fields.ssl_check === '1' ? 'ssl_check' : 'unknown'
}

/** The text without the mention of Workroom itself (<@U…> or <@U…|name>); other people's mentions stay. */
function withoutMention(text: string, botUserId: string | undefined): string {
  if (!botUserId) return text.trim()
  return text.replace(new RegExp(`<@${botUserId}(?:\\|[^>]*)?>`, 'g'), '').replace(/^[\s,:]+/, '').trim()
}

function malformed(what: string, error: z.ZodError): { ignore: string } {
  const issue = error.issues[0]
  return { ignore: `${what} without the fields Workroom needs (${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid'})` }
}
