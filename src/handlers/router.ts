/**
 * The router only chooses: what a message asks for (intentOf), which limit it counts against
 * (limitFor), and the handler that does it as the person (route). Who is asking, limits, metrics
 * and error wording are the conversation's (src/chat/converse.ts); use cases live in their own files.
 */
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel'
import type { RunAs } from '../db/actor.ts'
import { CommitOutcomeUnknown, isDatabaseUnavailable } from '../db/errors.ts'
import type { LinkedActor } from '../db/identity.ts'
import type { EntrySource } from '../db/schema.ts'
import { passageLink } from '../links/passage-link.ts'
import { setFeedback } from '../rag/conversation.ts'
import { OFFLINE_PROVIDERS } from '../rag/providers.ts'
import { z } from 'zod'
import { ask } from './ask.ts'
import { campaignDetails, campaignPage, lookupCampaign } from './campaign.ts'
import { channelClientOf, channelCommand, parseChannelCommand } from './channel.ts'
import { digestCommand } from './digest.ts'
import { buildDigest } from './digest-content.ts'
import { visibleCampaign } from './campaign-match.ts'
import type { Inbound, TextInput } from './inbound.ts'
import { submitForm } from './log-form.ts'
import { loggableHours, payloadText, rowId, UNKNOWN_BUTTON } from './input-limits.ts'
import { helpReply, type Voice } from './help.ts'
import type { ChannelRef } from '../db/digests.ts'
import { askReply, campaignPageReply, campaignReply, editHintReply, editReply, logReply, undoReply, weekReply } from './replies.ts'
import { reply, type Reply } from './reply.ts'
import { dateOrderOf, parseDuration, parseTimesheet } from './timesheet-parse.ts'
import { DEFAULT_TIMESHEET_SETTINGS, editLast, entryToEdit, logTime, undoLast, weekView, type LogResult, type TimesheetSettings } from './timesheet.ts'
import type { LimitKind } from '../limits.ts'
import { reminderSetting, setReminder, snoozeReminder, snoozeReply } from './reminders.ts'
import { runningTimer, startTimer, stopTimer, type TimerContext } from './timer.ts'
import { remindReply, startReply, stopReply, timerBlocks } from './timer-replies.ts'
import type { ConverseDeps } from '../chat/converse.ts'
import { sendToPerson } from '../chat/direct.ts'
import { approvalCard, decisionNotice, pendingApprovals, pendingReply, rejectHintReply, reviewReply, reviewWeek, submitReply, submitWeek, type ReviewResult } from './approval.ts'

export type Intent =
  | { kind: 'timesheet'; text: string }
  | { kind: 'campaign'; query: string }
  | { kind: 'campaign_list' }
  | { kind: 'ask'; question: string }
  | { kind: 'digest'; text: string }
  /** `/workroom channel …`: which client the channel is scoped to. */
  | { kind: 'channel'; text: string }
  /** With `unable`: asked to do something Workroom does not do ("can you book me a room?"), said before the help. */
  | { kind: 'help'; unable?: string }

/**
 * Asked to act in the world rather than to log, look up or answer: "can you book me a meeting
 * room for 3pm?", "please order more business cards". Searching the knowledge base for these
 * only finds a passage that mentions booking. ("Book 2h to Aurora" is time, matched before this.)
 */
const ACTS = 'book|reserve|schedule|order|buy|pay|call|ring|phone|email|e-mail|text|arrange|organi[sz]e|cancel|invite|print'
const OUT_OF_SCOPE = new RegExp(
  // "can you book me…", "could you please email…"; or an order ("please order more cards",
  // "schedule a crit for friday") but not a noun phrase asked about ("pay rate for freelancers?").
  `^(?:(?:hey|hi),? )?(?:(?:can|could|would|will) you (?:please |pls |just )?(${ACTS})\\b|(?:please |pls )?(${ACTS}) (?:me|us|a|an|the|some|more|my|our)\\b(?!.*\\?$))`, 'i')

/** Every slash command the router answers; each platform's manifest registers exactly these. */
export const COMMANDS = ['timesheet', 'campaign', 'ask', 'digest', 'workroom'] as const

const COMMAND_WORD = new RegExp(`^(${COMMANDS.join('|')})(?:\\s+(.*))?$`, 'i')
const MENTION = /<@[A-Z0-9]+>|@workroom\b/gi

/** A clause that asks, after a comma or a full stop: a question word, then who does what. */
const ASKED_AFTER_LEAD_IN = /[,.;]\s+(?:what|how|who|when|where|why|which|can|could|should|do|does|is|are)\s+(?:am|do|does|did|should|can|could|would|will|is|are|i|we|you|they)\b/i

/** Slash commands map directly; free text by intent: a duration → timesheet, "status of …" → lookup, else a question. */
export function intentOf(input: TextInput): Intent {
  if (input.kind === 'command') {
    const command = input.command.replace(/^\//, '').toLowerCase()
    const text = input.text.trim()
    if (command === 'timesheet') return { kind: 'timesheet', text }
    if (command === 'campaign') return /^list$/i.test(text) ? { kind: 'campaign_list' } : text ? { kind: 'campaign', query: text } : { kind: 'help' }
    if (command === 'ask') return text ? { kind: 'ask', question: text } : { kind: 'help' }
    if (command === 'digest') return { kind: 'digest', text }
    const channel = text.match(/^channel\b\s*(.*)$/i)
    if (channel) return { kind: 'channel', text: channel[1]! }
    return { kind: 'help' }
  }
  const text = input.text.replace(MENTION, ' ').replace(/\s+/g, ' ').trim()
  if (/^\/?(help|\?)$/i.test(text) || text === '' || isSmallTalk(text)) return { kind: 'help' }
  const slash = text.match(/^\/(\w+)\s*(.*)$/)
  if (slash) return intentOf({ kind: 'command', command: slash[1]!, text: slash[2]! })
  // Teams has no slash commands: its command list sends the same words without the slash.
  const word = text.match(COMMAND_WORD)
  if (word) return intentOf({ kind: 'command', command: word[1]!, text: word[2] ?? '' })
  const status = text.match(/^(?:what(?:'s| is) the )?(?:status of|campaign|show(?: me)?)\s+(.+?)\??$/i)
  if (status) return { kind: 'campaign', query: status[1]!.replace(/^the\s+/i, '') }
  // "3h on Aurora Air", "log 1h30 to Fizzwell yesterday", "half a day Tidewave": a duration and
  // something else. Spelled-out durations count only at the start ("is a day rate…" is a question),
  // and a question mark always means a question.
  const words = text.replace(/^(?:log|add|book)\s+/i, '')
  const tokens = words.split(' ')
  const numericDuration = tokens.some((w, i) => /\d/.test(w) && (parseDuration(w) !== null || (i + 1 < tokens.length && parseDuration(`${w} ${tokens[i + 1]}`) !== null)))
  const unable = text.match(OUT_OF_SCOPE)
  if (unable && !numericDuration) return { kind: 'help', unable: (unable[1] ?? unable[2])!.toLowerCase() }
  // A question mark, or a question word first ("whats the smallest entry, it's a 10 min call"), or
  // a question after a lead-in ("client's proof is 3 days overdue, what am i meant to do?"), means a
  // question. (An entry's note does not ask: "3h Fizzwell, what a day" stays an entry.)
  if (text.endsWith('?') || /^(?:what|what's|whats|when|where|who|whose|why|which|how)\b/i.test(text) || ASKED_AFTER_LEAD_IN.test(text)) return { kind: 'ask', question: text }
  const spelledDuration = /^(?:half an hour|an hour|half a day|half day|a day|full day)\b/i.test(words)
  if (tokens.length > 1 && (numericDuration || spelledDuration)) return { kind: 'timesheet', text: words }
  return { kind: 'ask', question: text }
}

/**
 * Words of greetings, thanks and "are you there?": a message made of nothing else is small talk,
 * answered with help rather than a search ("hi" would otherwise quote whatever mentions "hi").
 * Anything else in the message ("can you do the Aurora budget?") makes it a question.
 */
const SMALL_TALK = new Set(`hi hello hey heya hiya yo howdy morning afternoon evening good gm happy great nice cool ok okay k
  thanks thank thx ty ta cheers much many lots appreciated appreciate brilliant perfect awesome helpful useful super very really so
  bye goodbye later cya see ya night you your u there here anyone anybody hear me can could do what who are is it this that's thats
  how's hows it's what's whats up sup
  a an the bot workroom test testing ping lol haha monday tuesday wednesday thursday friday saturday sunday weekend all everyone
  how going doing alright well today help`.split(/\s+/))

export function isSmallTalk(text: string): boolean {
  const words = text.toLowerCase().replace(/[’]/g, "'").match(/[a-z']+/g) ?? []
  return words.length > 0 && words.length <= 8 && words.every((w) => SMALL_TALK.has(w))
}

/** An entry's source is the platform it came from: each registered platform's name is one of the column's values. */
const sourceOf = (platform: Inbound['platform']): EntrySource => platform

export const SAVED_ONCE = 'Logged. The connection to the database dropped just as this was saved; it is saved once.'

/**
 * Retries for a time entry whose COMMIT lost its connection (CommitOutcomeUnknown), while the
 * database is away: up to 6 more tries over about 15 s.
 */
const SETTLE = retry(handleWhen(isDatabaseUnavailable), { maxAttempts: 6, backoff: new ExponentialBackoff({ initialDelay: 250, maxDelay: 4_000 }) })

/**
 * Logs time, and settles an unknown outcome instead of reporting it. logTime is idempotent by the
 * request id, so once the database answers again, asking again finds the entry the lost COMMIT
 * saved (a 'duplicate': it is saved once) or writes it now. Either way the person is told it is
 * logged. Only when the database stays away is the outcome still unknown, and the reply says so
 * (converse). Undo and edit are not idempotent and are not retried.
 */
export async function logSettled(log: () => Promise<LogResult>, toReply: (r: LogResult) => Reply = logReply): Promise<Reply> {
  try {
    return toReply(await log())
  } catch (err) {
    if (!(err instanceof CommitOutcomeUnknown)) throw err
    const settled = await SETTLE.execute(log).catch(() => { throw err })
    return settled.kind === 'duplicate' ? reply(SAVED_ONCE) : toReply(settled)
  }
}

// Button payloads come back from the platform: validated like any other input, and the campaign
// is still matched against what RLS lets this person see.
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/)
const ChosenEntry = z.object({
  hours: loggableHours, campaignQuery: payloadText,
  phase: payloadText.nullable(), note: payloadText.nullable(), billable: z.boolean(), campaignId: z.string().uuid(),
  confirmedLongDayFor: rowId.optional(), offeredTo: rowId.optional(),
})
const ChosenLog = z.union([
  ChosenEntry.extend({ date: isoDate }),
  // A range of days ("mon-wed"): a week or two at most, as the parser makes them.
  ChosenEntry.extend({ dates: z.array(isoDate).min(1).max(31) }),
])

// "Change it anyway" on an edit that makes a long day: the edit as resolved, naming its entry by id.
const ConfirmedEdit = z.object({
  hours: loggableHours.nullable(), date: isoDate.nullable(), note: payloadText.nullable(), campaignOrNote: payloadText.nullable().optional(),
  entryRef: z.string().uuid(), confirmedLongDayFor: rowId,
})

const ReviewTarget = z.object({ u: z.string().uuid(), w: isoDate })

const Feedback = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:(1|-1)$/i)

/** What the router needs of one message: the person, the capability to run as them, and "now" in their day. */
export interface Turn {
  run: RunAs
  who: LinkedActor
  inbound: Inbound
  /** The channel it came from, on a platform with channels (digests, client scopes); null elsewhere. */
  channel: ChannelRef | null
  /** How Workroom talks about itself on the asker's platform. */
  voice: Voice
  now: Date
  /** 'YYYY-MM-DD' in the person's time zone. */
  today: string
}

/**
 * Which limit a message counts against, decided before it runs: a question the asking limit;
 * anything that writes (a time entry, edit or undo, a click) the writing one; looking up nothing.
 */
export function limitFor(input: Inbound['input'], today: string, locale = 'en-GB'): LimitKind | null {
  if (input.kind === 'action' || input.kind === 'form') return 'write'
  const intent = intentOf(input)
  if (intent.kind === 'ask') return 'ask'
  if (intent.kind === 'channel') {
    const parsed = parseChannelCommand(intent.text)
    return parsed.ok && parsed.command.kind !== 'show' ? 'write' : null
  }
  if (intent.kind !== 'timesheet') return null
  const parsed = parseTimesheet(intent.text, { today, dateOrder: dateOrderOf(locale) })
  return parsed.ok && parsed.command.kind !== 'week' && parsed.command.kind !== 'help' && parsed.command.kind !== 'approvals' ? 'write' : null
}

/** Chooses the handler for a message and runs it as the person (converse() has checked who and whether). */
export async function route(deps: ConverseDeps, { run, who, inbound, channel, voice, now, today }: Turn): Promise<Reply> {
  const settings = deps.timesheet ?? DEFAULT_TIMESHEET_SETTINGS
  if (inbound.input.kind === 'action') return handleAction(deps, run, who, inbound, inbound.input, now, today, settings)
  if (inbound.input.kind === 'form') return submitForm(run, who, inbound.input, { today, requestId: inbound.requestId, source: sourceOf(inbound.platform), settings })
  const intent = intentOf(inbound.input)
  switch (intent.kind) {
    case 'help':
      return helpReply(who, voice, intent.unable)
    case 'campaign':
      // In a channel scoped to a client, that client's campaigns win when the name fits several.
      return campaignReply(await run(async (trx) => lookupCampaign(trx, intent.query, today, await channelClientOf(trx, channel))))
    case 'campaign_list':
      return campaignPageReply(await run((trx) => campaignPage(trx, null)))
    case 'ask': {
      // A slash command's answer is for the asker; a mention is answered where it was asked.
      const visibility = inbound.input.kind === 'command' ? 'ephemeral' : 'in_channel'
      const thread = { platform: inbound.platform, channelId: inbound.channelId, threadId: inbound.threadId }
      const links = deps.passageLinks
      const linkFor = links ? (chunkId: string) => passageLink(links, chunkId, inbound, now) : undefined
      return askReply(await ask(run, who, thread, intent.question, deps.knowledge ?? OFFLINE_PROVIDERS, {}, channel, deps.answerSink), visibility, linkFor)
    }
    case 'digest':
      return digestCommand(run, who, channel, intent.text, now, today, (target) => buildDigest(deps.db, who.tenantId, today, target))
    case 'channel':
      return channelCommand(run, who, channel, intent.text, now)
    case 'timesheet': {
      const parsed = parseTimesheet(intent.text, { today, dateOrder: dateOrderOf(who.locale) })
      if (!parsed.ok) return reply(parsed.error.message)
      const cmd = parsed.command
      switch (cmd.kind) {
        case 'log':
        case 'log_days':
          return logSettled(() => run((trx) =>
            logTime(trx, who, cmd, { today, requestId: inbound.requestId, source: sourceOf(inbound.platform), settings })))
        case 'week': {
          const { week, timer } = await run(async (trx) => ({ week: await weekView(trx, who, cmd.weekOf, now, settings), timer: await runningTimer(trx, who, who.timezone) }))
          const shown = weekReply(week)
          return timer ? { ...shown, blocks: [...timerBlocks(timer, now, who.timezone), ...(shown.blocks ?? [])] } : shown
        }
        case 'timer_start':
          return startReply(await run((trx) => startTimer(trx, who, cmd, timerContext(inbound, who, now, today, settings))), who.timezone)
        case 'timer_stop':
          return stopReply(await run((trx) => stopTimer(trx, who, timerContext(inbound, who, now, today, settings))), who.timezone)
        case 'remind':
          return cmd.setting === 'show'
            ? remindReply(await run((trx) => reminderSetting(trx, who, who.timezone)), false)
            : remindReply(await run((trx) => setReminder(trx, who, { enabled: cmd.setting === 'on', ...(cmd.at ? { at: cmd.at } : {}) }, now, who.timezone)), true)
        case 'undo':
          return undoReply(await run((trx) => undoLast(trx, who, now, settings)))
        case 'edit':
          return editReply(await run((trx) => editLast(trx, who, cmd, now, today, settings)))
        case 'help':
          return helpReply(who, voice)
        case 'submit':
          return submit(deps, run, who, cmd.weekOf)
        case 'approvals':
          return pendingReply(await run((trx) => pendingApprovals(trx, who)))
        case 'review':
          return review(deps, who, await run((trx) => reviewWeek(trx, who, { handle: cmd.person }, cmd.weekOf, cmd.decision, cmd.reason)))
      }
    }
  }
}

/**
 * A private message to another person of the tenant, after the handler's transaction committed
 * (the decision is saved whether or not it arrives). False when no platform reaches them.
 */
async function tell(deps: ConverseDeps, tenantId: string, personId: string, message: Reply): Promise<boolean> {
  if (!deps.direct || Object.keys(deps.direct).length === 0) return false
  try {
    return (await sendToPerson({ db: deps.db, senders: deps.direct, ...(deps.log ? { logger: deps.log } : {}) }, tenantId, personId, message)).sent
  } catch (err) {
    deps.log?.warn({ err, person: personId }, 'direct message not sent')
    return false
  }
}

async function submit(deps: ConverseDeps, run: RunAs, who: LinkedActor, weekOf: string): Promise<Reply> {
  const result = await run((trx) => submitWeek(trx, who, weekOf))
  const reached: string[] = []
  if (result.kind === 'submitted') {
    for (const request of result.requests) {
      if (await tell(deps, who.tenantId, request.approver.id, approvalCard(request))) reached.push(request.approver.name)
    }
  }
  return submitReply(result, reached)
}

async function review(deps: ConverseDeps, who: LinkedActor, result: ReviewResult): Promise<Reply> {
  const reached = result.kind === 'reviewed' ? await tell(deps, who.tenantId, result.owner.id, decisionNotice(result)) : false
  return reviewReply(result, reached)
}

const timerContext = (inbound: Inbound, who: LinkedActor, now: Date, today: string, settings: TimesheetSettings): TimerContext =>
  ({ now, today, timezone: who.timezone, source: sourceOf(inbound.platform), settings })

// The timer's buttons: Stop (and, past midnight or on a long day, how to log it) name the timer,
// so a button left in an old message never stops a newer one.
const TimerStop = z.object({ timerId: z.string().uuid(), pastMidnight: z.enum(['midnight', 'discard']).optional(), confirmed: z.boolean().optional() })
const TimerStart = z.object({ campaignQuery: payloadText, phase: payloadText.nullable(), note: payloadText.nullable(), billable: z.boolean(), campaignId: z.string().uuid() })
const SnoozeMinutes = z.coerce.number().int().min(5).max(12 * 60)

/** A button's JSON payload, or undefined when it is not JSON (then it fails validation like any other bad payload). */
function parseJson(payload: string): unknown {
  try {
    return JSON.parse(payload)
  } catch (err) {
    if (err instanceof SyntaxError) return undefined
    throw err
  }
}

async function handleAction(
  deps: ConverseDeps, run: RunAs, who: LinkedActor, inbound: Inbound, action: { actionId: string; payload: string },
  now: Date, today: string, settings: TimesheetSettings,
): Promise<Reply> {
  switch (action.actionId) {
    case 'timesheet.choose':
    case 'timesheet.confirm': {
      const chosen = ChosenLog.safeParse(parseJson(action.payload))
      if (!chosen.success) return reply('That choice has expired. Please send the message again.')
      return logSettled(() => run((trx) =>
        logTime(trx, who, chosen.data, { today, requestId: inbound.requestId, source: sourceOf(inbound.platform), settings })))
    }
    case 'timesheet.confirm_edit': {
      const edit = ConfirmedEdit.safeParse(parseJson(action.payload))
      if (!edit.success) return reply('That choice has expired. Please send the message again.')
      return editReply(await run((trx) => editLast(trx, who, edit.data, now, today, settings)))
    }
    case 'timesheet.timer_stop': {
      const stop = TimerStop.safeParse(parseJson(action.payload))
      if (!stop.success) return reply(UNKNOWN_BUTTON)
      return stopReply(await run((trx) => stopTimer(trx, who, timerContext(inbound, who, now, today, settings), stop.data)), who.timezone)
    }
    case 'timesheet.timer_start': {
      const start = TimerStart.safeParse(parseJson(action.payload))
      if (!start.success) return reply('That choice has expired. Please send the message again.')
      return startReply(await run((trx) => startTimer(trx, who, start.data, timerContext(inbound, who, now, today, settings))), who.timezone)
    }
    case 'timesheet.snooze': {
      const minutes = SnoozeMinutes.safeParse(action.payload)
      if (!minutes.success) return reply(UNKNOWN_BUTTON)
      return snoozeReply(await run((trx) => snoozeReminder(trx, who, minutes.data, now)), who.timezone)
    }
    case 'timesheet.edit':
      if (!rowId.safeParse(action.payload).success) return reply(UNKNOWN_BUTTON)
      return editHintReply(await run((trx) => entryToEdit(trx, who, action.payload)))
    case 'timesheet.undo':
      if (!rowId.safeParse(action.payload).success) return reply(UNKNOWN_BUTTON)
      return undoReply(await run((trx) => undoLast(trx, who, now, settings, action.payload)))
    case 'timesheet.submit':
      if (!isoDate.safeParse(action.payload).success) return reply(UNKNOWN_BUTTON)
      return submit(deps, run, who, action.payload)
    case 'timesheet.approve': {
      const target = ReviewTarget.safeParse(parseJson(action.payload))
      if (!target.success) return reply(UNKNOWN_BUTTON)
      return review(deps, who, await run((trx) => reviewWeek(trx, who, { ownerId: target.data.u }, target.data.w, 'approve', null)))
    }
    case 'timesheet.reject': {
      const target = ReviewTarget.safeParse(parseJson(action.payload))
      if (!target.success) return reply(UNKNOWN_BUTTON)
      const owner = await run((trx) => trx.selectFrom('workroom.people').select(['id', 'display_name', 'email']).where('id', '=', target.data.u).executeTakeFirst())
      return rejectHintReply(owner ? { id: owner.id, name: owner.display_name, handle: owner.email.split('@')[0]!.toLowerCase() } : null, target.data.w)
    }
    case 'campaign.show':
      if (!rowId.safeParse(action.payload).success) return reply(UNKNOWN_BUTTON)
      return campaignReply(await run(async (trx) => {
        const campaign = await visibleCampaign(trx, action.payload)
        return campaign
          ? { kind: 'found' as const, campaign: await campaignDetails(trx, campaign, today) }
          : { kind: 'unknown_campaign' as const, query: 'that campaign', suggestions: [] }
      }))
    case 'campaign.page':
      if (!rowId.safeParse(action.payload).success) return reply(UNKNOWN_BUTTON)
      return campaignPageReply(await run((trx) => campaignPage(trx, action.payload)))
    case 'answer.feedback': {
      const parsed = Feedback.safeParse(action.payload)
      if (!parsed.success) return reply("I don't know that button any more. Please send the message again.")
      const [messageId, value] = parsed.data.split(':') as [string, '1' | '-1']
      const stored = await run((trx) => setFeedback(trx, messageId, value === '1' ? 1 : -1))
      return reply(stored ? 'Thanks for the feedback.' : "I can't find that answer any more.")
    }
    default:
      return reply("I don't know that button any more. Please send the message again.")
  }
}
