/**
 * One conversation step, the same for every platform: input limits, who is asking (the workspace's
 * binding, then the person, auto-linked by a verified e-mail inside that binding), rate limits,
 * metrics, the router's choice run as that person, and the one error boundary that turns a
 * database outage, a lost commit, a locked week or a bug into words the person understands.
 * Platforms turn their payloads into an Inbound, call converse(), and render and deliver the Reply.
 */
import type { DirectSenders } from './direct.ts'
import type { Kysely } from 'kysely'
import type { LimitFunction } from 'p-limit'
import { runAs } from '../db/actor.ts'
import { OFFER_MINUTES, offerChoices, pickChoice, type OfferedChoice } from '../db/choices.ts'
import { CommitOutcomeUnknown, isDatabaseUnavailable, timesheetRefusal } from '../db/errors.ts'
import { autoLinkIdentity, resolveIdentity, type LinkedActor } from '../db/identity.ts'
import type { DB } from '../db/schema.ts'
import { workspaceTenant } from '../db/workspaces.ts'
import type { Inbound } from '../handlers/inbound.ts'
import { refuseInput } from '../handlers/input-limits.ts'
import { reply, type Reply } from '../handlers/reply.ts'
import { intentOf, limitFor, route, type Intent } from '../handlers/router.ts'
import { platformNamed } from './platforms.ts'
import type { ChatPlatform } from './platform.ts'
import type { ChannelRef } from '../db/digests.ts'
import type { TimesheetSettings } from '../handlers/timesheet.ts'
import type { LimitKind, RateLimits } from '../limits.ts'
import type { PassageLinks } from '../links/passage-link.ts'
import type { Logger } from '../log.ts'
import type { KnowledgeProviders } from '../rag/providers.ts'
import type { AnswerSink } from '../rag/answer.ts'

export interface ConverseDeps {
  /** Requests: every handler runs as its actor on this (runAs). */
  db: Kysely<DB>
  /**
   * The service's bookkeeping outside any actor (inbox, installations, conversation references,
   * bindings from installs): Engine.service.db. Absent: db, whose login must then own the tables.
   */
  service?: Kysely<DB>
  /** Injected so tests control "today" and the undo window. */
  now: () => Date
  timesheet?: TimesheetSettings
  /** Embedding and answer providers; offline (hashing, extractive) when absent. */
  knowledge?: KnowledgeProviders
  /**
   * Bounds the handlers running at once (CHAT_CONCURRENCY); the rest wait their turn. Adapters
   * acknowledge before calling in, so a busy process still acks and accepts connections at once.
   */
  inFlight?: LimitFunction
  /** Per-person limits on questions and writes (ASK_RATE_LIMIT, WRITE_RATE_LIMIT); none when absent. */
  limits?: RateLimits
  /**
   * PUBLIC_URL and LINK_SECRET: citations of documents with no URL of their own link to the
   * passage page, signed for the person who asked. None when absent (citations show no link).
   */
  passageLinks?: PassageLinks
  /** Where a handler's failure is logged (the person gets SOMETHING_WENT_WRONG); not logged when absent. */
  log?: Logger
  /**
   * Private messages to other people (approval cards, a decided week), per platform name: the
   * running platforms' sendDirect (src/chat/direct.ts). None when absent: the reply says so.
   */
  direct?: DirectSenders
  /**
   * Per delivery, not per process: where an answer's text streams while a chat model writes it
   * (runRecorded sets it from the Delivery). Answers post once when absent.
   */
  answerSink?: AnswerSink
  /** Told after every handler run (success or error), e.g. for metrics; the handler's own time, without the wait for inFlight. */
  observe?: (info: HandlerObservation) => void
}

export interface HandlerObservation {
  intent: Intent['kind'] | 'action' | 'form'
  platform: Inbound['platform']
  seconds: number
  /** The handler threw (the reply failed); a refusal or a "did not understand" reply is not an error. */
  error: boolean
}

/**
 * A click's claim (per person, per button), asked once the clicker is known and allowed to act,
 * right before the action runs: false when it was claimed already (a double click). Claiming any
 * earlier would let a click from someone who may not act (not linked, over their limit) use the
 * button up.
 */
export type ClaimOnce = () => Promise<boolean>

export function converse(deps: ConverseDeps, inbound: Inbound): Promise<Reply>
/** With a claim for clicks: null when the claim was taken already, and nothing ran. */
export function converse(deps: ConverseDeps, inbound: Inbound, once: ClaimOnce | undefined): Promise<Reply | null>
export function converse(deps: ConverseDeps, inbound: Inbound, once?: ClaimOnce): Promise<Reply | null> {
  // Input the database would refuse (a NUL, a page-long question) is answered before anything runs.
  const refused = refuseInput(inbound, (input) => intentOf(input).kind === 'ask')
  if (refused) return Promise.resolve(refused)
  const run = deps.observe ? () => observed(deps, inbound, once, deps.observe!) : () => answer(deps, inbound, once)
  return (deps.inFlight ? deps.inFlight(run) : run()).catch((err: unknown) => {
    // Every write is one transaction, so a database that went away mid-request wrote nothing:
    // say so, and let the person try again, instead of leaving them without an answer. Unless it
    // went away during the COMMIT itself: then nobody knows yet, and the reply says that.
    if (err instanceof CommitOutcomeUnknown) return reply(COMMIT_OUTCOME_UNKNOWN)
    if (isDatabaseUnavailable(err)) return reply(DATABASE_UNAVAILABLE)
    const timesheet = timesheetRefusal(err)
    if (timesheet) return reply(timesheet === 'locked' ? TIMESHEET_LOCKED : TIMESHEET_APPROVED)
    // The one error boundary for every platform: a bug is logged, and the person hears the same
    // words on Slack, Teams, the playground and the terminal. A handler writes in one
    // transaction, which a throw inside it rolls back: nothing was saved.
    deps.log?.error({ err, platform: inbound.platform, input: inbound.input.kind, delivery: inbound.requestId }, 'handler failed')
    return { ...reply(SOMETHING_WENT_WRONG), failed: err instanceof Error ? err.message : String(err) }
  })
}

export const SOMETHING_WENT_WRONG = 'Something went wrong on my side, sorry, so nothing was saved. Please try again in a minute.'

export const DATABASE_UNAVAILABLE = "Workroom can't reach its database right now, so nothing was saved. Please try again in a minute."
export const COMMIT_OUTCOME_UNKNOWN = "Workroom lost its database connection at the last moment, so it can't tell whether this was saved. If you were changing something, check before you try again (/timesheet shows your week)."

export const TIMESHEET_LOCKED = 'That day is in a locked period, so nothing was changed: changes to closed weeks need a Timesheet Amendment Request.'
export const TIMESHEET_APPROVED = "That entry has been approved, so nothing was changed. Ask your project manager to reopen it first."

async function observed(deps: ConverseDeps, inbound: Inbound, once: ClaimOnce | undefined, observe: NonNullable<ConverseDeps['observe']>): Promise<Reply | null> {
  const intent = inbound.input.kind === 'action' || inbound.input.kind === 'form' ? inbound.input.kind : intentOf(inbound.input).kind
  const started = performance.now()
  let error = true
  try {
    const result = await answer(deps, inbound, once)
    error = false
    return result
  } finally {
    try {
      observe({ intent, platform: inbound.platform, seconds: (performance.now() - started) / 1000, error })
    } catch {
      // An observer's failure never costs the person their reply (or hides the handler's error).
    }
  }
}

/** Who a platform user is: the fields of an Inbound identification reads. */
export type Asker = Pick<Inbound, 'platform' | 'workspaceId' | 'enterpriseId' | 'externalUserId' | 'verifiedEmail'>

/**
 * The person behind a platform user (the workspace's binding, then their link, auto-linked by a
 * verified e-mail inside that binding), or the reply that says why there is none. Every turn
 * starts here, and so does anything a platform shows a person outside a turn (Slack's App Home,
 * a form's options): nobody unlinked sees a tenant's data.
 */
export async function identify(deps: Pick<ConverseDeps, 'db'>, asker: Asker): Promise<{ who: LinkedActor } | { refused: Reply }> {
  const id = { platform: asker.platform, workspaceId: asker.workspaceId, externalUserId: asker.externalUserId, enterpriseId: asker.enterpriseId ?? null }
  let actor: LinkedActor | null = await resolveIdentity(deps.db, id)
  if (!actor) {
    // Only now, off the hot path: is the workspace connected to an agency at all? If not, nothing
    // of any tenant is touched, not even the platform's e-mail lookup.
    if (!(await workspaceTenant(deps.db, id.platform, id.workspaceId, id.enterpriseId))) return { refused: notConnectedReply(asker) }
    if (asker.verifiedEmail) {
      const email = typeof asker.verifiedEmail === 'function' ? await asker.verifiedEmail() : asker.verifiedEmail
      if (email) actor = await autoLinkIdentity(deps.db, id, email)
    }
  }
  if (!actor) {
    return { refused: reply("I don't know who you are yet, so I can't do anything for you.", [
      { type: 'text', text: "I don't know who you are yet, so I can't do anything for you." },
      { type: 'context', text: `Ask a Workroom admin to run: workroom link --platform ${asker.platform} --workspace ${asker.workspaceId} --user ${asker.externalUserId} --email <your work e-mail>` },
    ]) }
  }
  return { who: actor }
}

/** Who is asking, whether they may, then the router's choice, run as them. */
async function answer(deps: ConverseDeps, inbound: Inbound, once?: ClaimOnce): Promise<Reply | null> {
  const identified = await identify(deps, inbound)
  if ('refused' in identified) return identified.refused
  const actor = identified.who
  const now = deps.now()
  const today = localDate(now, actor.timezone)
  const who = actor
  // Handlers run as the person who asked, and only so: this capability, never deps.db.
  const run = runAs(deps.db, who)
  const limit = limitFor(inbound.input, today, who.locale)
  if (limit) {
    const refused = await overLimit(deps, who, limit)
    if (refused) return refused
  }
  if (inbound.input.kind === 'action' && once && !(await once())) return null
  // A message that is only a number picks from the choices offered here last, as their button would.
  const n = inbound.channelId && inbound.input.kind === 'message' ? choiceNumber(inbound.input.text) : null
  let turn = inbound
  if (n !== null) {
    const where = { platform: inbound.platform, channelId: inbound.channelId! }
    const pick = await run((trx) => pickChoice(trx, where, n, now))
    if (pick.kind === 'none') return reply(`I haven't offered you any choices here in the last ${OFFER_MINUTES} minutes, so "${n}" picks nothing. Send your message again to get them.`)
    if (pick.kind === 'out_of_range') return reply(pick.count === 1 ? 'There is only one choice: reply 1, or click its button.' : `Reply with a number from 1 to ${pick.count}, or click one of the buttons.`)
    turn = { ...inbound, input: { kind: 'action', actionId: pick.choice.actionId, payload: pick.choice.payload } }
    const picked = limitFor(turn.input, today, who.locale)
    if (picked && picked !== limit) {
      const refused = await overLimit(deps, who, picked)
      if (refused) return refused
    }
  }
  const platform = platformNamed(inbound.platform)
  const result = await route(deps, { run, who, inbound: turn, channel: channelOf(platform, inbound), voice: platform.voice, now, today })
  const offered = inbound.channelId ? numberedChoices(result) : []
  if (offered.length) await run((trx) => offerChoices(trx, { platform: inbound.platform, channelId: inbound.channelId! }, offered, now))
  return result
}

/**
 * The channel a message came from, on a platform whose registration says it has channels; their
 * names are the values the channel tables' CHECKs allow (test/db/platforms.test.ts holds that).
 */
function channelOf(platform: ChatPlatform, inbound: Inbound): ChannelRef | null {
  return platform.channels && inbound.channelId
    ? { platform: inbound.platform as ChannelRef['platform'], workspaceId: inbound.workspaceId, channelId: inbound.channelId }
    : null
}

/** "2", "#2", "2.", "option 2": a pick from the choices offered; null for anything else. */
export function choiceNumber(text: string): number | null {
  const m = text.match(/^\s*(?:#|no\.?\s*|number\s+|option\s+|choice\s+)?(\d{1,2})\s*[.)]?\s*$/i)
  return m && Number(m[1]) >= 1 ? Number(m[1]) : null
}

/** The choices of a reply's numbered buttons, in the order the renderers number them. */
const numberedChoices = (r: Reply): OfferedChoice[] =>
  r.blocks.flatMap((b) => (b.type === 'buttons' && b.numbered ? b.buttons.map(({ label, actionId, payload }) => ({ label, actionId, payload })) : []))

/** A request from a workspace bound to no tenant: what it is, and what an operator runs to connect it. */
export function notConnectedReply(inbound: Pick<Inbound, 'platform' | 'workspaceId'>): Reply {
  const what = platformNamed(inbound.platform).workspace
  const summary = `This ${what} is not connected to an agency in Workroom yet, so I can't do anything here.`
  return reply(summary, [
    { type: 'text', text: summary },
    { type: 'context', text: `A Workroom operator connects it with: workroom workspaces bind --platform ${inbound.platform} --workspace ${inbound.workspaceId} --tenant <agency>` },
  ])
}

/** 'YYYY-MM-DD' of `now` in the person's zone: "today" at 00:30 in London is not UTC's. */
export function localDate(now: Date, timeZone: string): string {
  const format = dayFormat(timeZone)
  return format ? format.format(now) : now.toISOString().slice(0, 10)   // unknown zone in the directory
}

// One formatter per zone: building an Intl.DateTimeFormat costs more than the rest of a request's
// routing (bench/slack.ts profile). null: a zone Intl does not know.
const DAY_FORMATS = new Map<string, Intl.DateTimeFormat | null>()
function dayFormat(timeZone: string): Intl.DateTimeFormat | null {
  if (!DAY_FORMATS.has(timeZone)) {
    try {
      DAY_FORMATS.set(timeZone, new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }))
    } catch (err) {
      if (!(err instanceof RangeError)) throw err
      DAY_FORMATS.set(timeZone, null)
    }
  }
  return DAY_FORMATS.get(timeZone)!
}

/**
 * A question, or anything that writes (a timesheet entry, edit or undo, a button click), counts
 * against the person's limit; looking things up does not. Over it: a reply saying when to retry.
 */
async function overLimit(deps: ConverseDeps, who: LinkedActor, kind: LimitKind): Promise<Reply | null> {
  if (!deps.limits) return null
  const verdict = await deps.limits.take(kind, who.userId)
  if (verdict.ok) return null
  const wait = verdict.retryAfterSeconds >= 90 ? `${Math.ceil(verdict.retryAfterSeconds / 60)} minutes` : `${verdict.retryAfterSeconds} seconds`
  return reply(kind === 'ask'
    ? `You've asked ${verdict.limit} questions in the last ${verdict.per}, the most Workroom answers per person. Try again in ${wait}.`
    : `That's ${verdict.limit} changes in a ${verdict.per}, the most Workroom takes from one person. Nothing was changed; try again in ${wait}.`)
}
