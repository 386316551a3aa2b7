/**
 * Workroom as a Teams bot: botbuilder's CloudAdapter on POST /api/messages of the process's own
 * HTTP server. With MICROSOFT_APP_ID set, the SDK validates every activity's Bot Framework token
 * (issuer, audience = our app id, signing key from the OpenID metadata and endorsed for the
 * channel, serviceUrl claim) before any of our code runs. Without one (TEAMS_EMULATOR), nothing is
 * checked: for the Bot Framework Emulator on a developer's machine only.
 *
 * Listeners only translate: activity → teamsToInbound (inbound.ts) → router → Reply → Adaptive
 * Card. No SQL here: the inbox is src/db/inbox.ts, conversation references src/db/teams.ts.
 *
 * Ack first, answer after. The Bot Framework gives a turn about 15 s and redelivers one that fails
 * or times out; a question to the model can take longer. So a turn only records the activity in
 * the inbox (as Slack's deliveries are recorded) and ends: the Bot Framework gets its 200 at once.
 * The handler then runs in this process, outside the turn, and answers through the activity's
 * conversation reference, as a reply to it (Slack's response_url, in Teams). The inbox row is what
 * makes that safe:
 * - it is recorded before the ack, so an acked activity is never lost: if this process dies before
 *   answering, the row's lease runs out and a resumer (src/resume.ts) runs it the same way;
 * - its key is the activity id, so a redelivery finds it and runs nothing a second time, here or
 *   on another replica;
 * - its lease is renewed while the handler runs, so a slow answer is not taken for a dead process.
 * Shutdown waits for the answers in flight (drain); what it cuts off is resumed elsewhere.
 *
 * Throttling: the connector client's Azure pipeline (@azure/core-rest-pipeline's default retry
 * policy) already retries a 429 after its Retry-After, up to 3 times; test/teams.test.ts shows
 * one post after a 429. A 429 means nothing was posted, so the retry cannot duplicate it.
 */
import {
  ActivityTypes, CloudAdapter, ConfigurationBotFrameworkAuthentication, TeamsInfo, TurnContext,
  type Activity, type AdaptiveCardInvokeResponse, type ConversationReference, type InvokeResponse,
  type Request as BotRequest, type Response as BotResponse,
} from 'botbuilder'
import type { ConnectorClient, ServiceClientCredentialsFactory } from 'botframework-connector'
import type { HttpBindings } from '@hono/node-server'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { Inbox, type InboxRow } from '../../db/inbox.ts'
import { findTeamsConversation, findTeamsDirectRoute, forgetTeamsConversations, saveTeamsConversation } from '../../db/teams.ts'
import type { DirectTarget } from '../../chat/platform.ts'
import type { Inbound } from '../../handlers/inbound.ts'
import { abandonUnrecorded, runRecorded, type RecordedInbound } from '../../handlers/inbox.ts'
import { assertShareable, reply as textReply, type Reply } from '../../handlers/reply.ts'
import { isDatabaseUnavailable } from '../../db/errors.ts'
import { UNKNOWN_BUTTON } from '../../handlers/input-limits.ts'
import { intentOf } from '../../handlers/router.ts'
import { type ConverseDeps, DATABASE_UNAVAILABLE, SOMETHING_WENT_WRONG } from '../../chat/converse.ts'
import type { Logger } from '../../log.ts'
import { MAX_CHAT_BODY_BYTES } from '../../http/limits.ts'
import { answerMessageId, finalStreamMessage, informativeUpdate, replyActivity, streamingUpdate, teamsDelivery, teamsPlace } from './cards.ts'
import type { AnswerSink } from '../../rag/answer.ts'
import { runAs } from '../../db/actor.ts'
import { resolveIdentity } from '../../db/identity.ts'
import { feedbackOnPost, rememberAnswerPost } from '../../db/answer-posts.ts'
import { baseConversationId, isEvent, isIgnored, teamsToInbound, type TeamsConversationRef, type TeamsEvent } from './inbound.ts'
import { attachmentsOnlyReply, welcomeReply } from './welcome.ts'
import { Entity as EntityMapper } from 'botframework-connector/lib/connectorApi/models/mappers.js'

// botbuilder's Bot Connector client serializes activity.entities through a mapper that knows only
// type, text and mentioned, and silently drops every other property (botbuilder-js#4673,
// teams-ai#2307): the AI label and citations (cards.ts, aiMessageEntity) would never leave the
// process. With additionalProperties, @azure/core-client's serializer passes the rest through as
// it is. The client is botbuilder's own; this is the one place its model is widened.
;(EntityMapper.type as { additionalProperties?: unknown }).additionalProperties ??= { type: { name: 'Object' } }

export interface TeamsSettings {
  /** Unset: anonymous mode for the Bot Framework Emulator (no token checked). */
  appId: string | undefined
  appPassword: string | undefined
  appType: 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI'
  tenantId: string | undefined
  /**
   * Where the SDK fetches the channel's signing keys and which issuer it expects; the Bot
   * Framework's own when unset. Tests point them at a stand-in serving the test's keys.
   */
  openIdMetadataUrl?: string | undefined
  tokenIssuer?: string | undefined
  /**
   * Credentials for Workroom's own calls to the Bot Connector; by default Entra ID client
   * credentials for appId/appPassword. Tests pass a fixed token: login.microsoftonline.com is not
   * reachable here, and MSAL accepts only https authorities.
   */
  credentialsFactory?: ServiceClientCredentialsFactory | undefined
}

export interface TeamsBot {
  routes: Hono<{ Bindings: HttpBindings }>
  mode: 'authenticated' | 'anonymous'
  /** Posts a reply where the bot was installed or addressed before (digests); false if it never was. */
  sendProactive(conversationId: string, reply: Reply): Promise<boolean>
  /** Sends a reply to one person's 1:1 chat with the bot; false when Teams cannot reach them. */
  sendDirect(to: DirectTarget, reply: Reply): Promise<boolean>
  /** Runs an inbox row another process took in and never answered, as a reply to its activity. */
  resume(row: InboxRow): Promise<void>
  /** Resolves once every answer this process acknowledged a turn for has been sent (or given up). */
  drain(): Promise<void>
}

/**
 * Where a row is answered: the activity's own conversation reference (its activityId makes the
 * answer a reply to it), and the team it came from, where Teams looks up the asker's profile.
 */
interface AnswerTo { reference: Partial<ConversationReference>; teamId?: string | null }

/** Where a reply was posted: its conversation and the activity id Teams gave it. */
interface Posted { conversationId: string; activityId: string }

/** An Action.Execute click whose answer was not ready within the invoke's time: it follows as a reply to the card. */
const WORKING = 'Working on it: the answer follows in this conversation.'
/** A click on a button that already acted (a double click, or Teams sending the click again). */
const DONE_ALREADY = 'Done already: that button acts once.'

/**
 * Teams waits a few seconds for an invoke's response and then shows the person an error on the
 * card; what is not answered within this is answered as a reply instead.
 */
const INVOKE_ANSWER_WITHIN_MS = 4_000
const STREAM_UPDATE_EVERY_MS = 1_000

export interface TeamsBotOptions {
  inbox?: Inbox
  /**
   * The least time between two streaming updates of an answer (STREAM_UPDATE_EVERY_MS): Teams
   * throttles a stream's updates to about one a second, and each carries the whole text so far,
   * so fewer lose nothing.
   */
  streamUpdateEveryMs?: number
  /** How long an adaptiveCard/action invoke waits for its answer to go in the response (INVOKE_ANSWER_WITHIN_MS). */
  invokeAnswerWithinMs?: number
  /**
   * Where a recorded message or Action.Submit click is answered instead of after the turn here:
   * an answer thread (src/answer-workers.ts), which runs it through resume. An Action.Execute
   * click is answered here, since its answer may go in the invoke's response.
   */
  answerElsewhere?: (row: InboxRow) => Promise<void>
}

/** The invoke's HTTP answer: 200, with a card or a message Teams shows on the clicked card. */
const invokeResponse = (body?: AdaptiveCardInvokeResponse): Partial<Activity> => ({
  type: ActivityTypes.InvokeResponse, value: { status: 200, ...(body ? { body } : {}) } satisfies InvokeResponse,
})
const cardResponse = (card: Record<string, unknown>): AdaptiveCardInvokeResponse => ({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card })
// The schema types value as an object; for this type Teams takes the message text itself.
const messageResponse = (text: string): AdaptiveCardInvokeResponse => ({ statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: text as unknown as Record<string, unknown> })
/** The Adaptive Card a reply activity carries (replyActivity makes exactly one). */
const cardOf = (activity: Partial<Activity>) => activity.attachments?.[0]?.content as Record<string, unknown> | undefined

/**
 * A turn that waits for the first answer of a row it handed to `answer` (an invoke's response
 * carries it): `take` gives it the answer while it still waits, and says whether it did; `done`
 * tells it that the row ran without answering (a double click).
 */
function firstAnswer(withinMs: number) {
  let settle: (outcome: Partial<Activity> | 'late' | 'none') => void = () => undefined
  const outcome = new Promise<Partial<Activity> | 'late' | 'none'>((resolve) => { settle = resolve })
  let open = true
  const close = (value: Partial<Activity> | 'late' | 'none') => {
    if (!open) return false
    open = false
    clearTimeout(timer)
    settle(value)
    return true
  }
  const timer = setTimeout(() => close('late'), withinMs)
  return {
    outcome,
    take: (activity: Partial<Activity>) => (cardOf(activity) ? close(activity) : false),
    done: () => { close('none') },
  }
}
type FirstAnswer = ReturnType<typeof firstAnswer>

export function createTeamsBot(router: ConverseDeps, settings: TeamsSettings, logger: Logger, options: TeamsBotOptions = {}): TeamsBot {
  const log = logger.child({ component: 'teams' })
  const anonymous = !settings.appId
  if (anonymous) log.warn('Teams runs WITHOUT authentication (TEAMS_EMULATOR): anyone who can reach /api/messages can act as any Teams user. For the Bot Framework Emulator on this machine only.')
  const auth = new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppId: settings.appId,
    MicrosoftAppPassword: settings.appPassword,
    MicrosoftAppType: settings.appType,
    MicrosoftAppTenantId: settings.tenantId,
    ...(settings.openIdMetadataUrl ? { ToBotFromChannelOpenIdMetadataUrl: settings.openIdMetadataUrl } : {}),
    ...(settings.tokenIssuer ? { ToBotFromChannelTokenIssuer: settings.tokenIssuer } : {}),
  }, settings.credentialsFactory)
  const adapter = new CloudAdapter(auth)
  const bookkeeping = router.service ?? router.db
  const inbox = options.inbox ?? new Inbox(bookkeeping)

  adapter.onTurnError = async (context, err) => {
    log.error({ err, activityId: context.activity.id }, 'teams turn failed')
    await context.sendActivity(SOMETHING_WENT_WRONG).catch(() => undefined)
  }

  // Work that outlives its turn (answers, notes), tracked so that shutdown can wait for it.
  const working = new Set<Promise<void>>()
  const afterTurn = (work: Promise<void>) => {
    const tracked: Promise<void> = work.finally(() => working.delete(tracked))
    working.add(tracked)
  }

  /**
   * Runs work in a conversation after the turn that brought it in has ended (botbuilder revokes a
   * turn's context once the turn is over): a context of its own, and the connector client for
   * Workroom's calls to the Bot Connector.
   */
  const inConversation = (reference: Partial<ConversationReference>, work: (context: TurnContext, connector: ConnectorClient) => Promise<void>) =>
    adapter.continueConversationAsync(settings.appId ?? '', reference, async (context) => {
      await work(context, context.turnState.get<ConnectorClient>(context.adapter.ConnectorClientKey))
    })

  /**
   * Sends an activity as a reply to the reference's activity. (context.sendActivity in a
   * continuation would reply to the continuation event, which has an id of its own.)
   */
  const replyTo = (connector: ConnectorClient, reference: Partial<ConversationReference>) => (reply: Partial<Activity>) => {
    const activity = TurnContext.applyConversationReference(reply, reference)
    return reference.activityId
      ? connector.conversations.replyToActivity(reference.conversation!.id, reference.activityId, activity)
      : connector.conversations.sendToConversation(reference.conversation!.id, activity)
  }

  /**
   * One reply, where it may be read: here (`here` answers the asker's activity), or, for a reply
   * with figures asked for in a channel or group chat, the figures in the person's 1:1 chat and a
   * notice here. The notice says the figures were sent, so it goes out only once they were.
   */
  const deliver = async (context: TurnContext, tenantId: string, reply: Reply, here: (activity: Partial<Activity>) => Promise<Posted | null>): Promise<Posted | null> => {
    const delivery = teamsDelivery(reply, teamsPlace(context.activity.conversation?.conversationType))
    if (delivery.kind === 'here') return here(delivery.activity)
    const personal = await sendPersonally(context, tenantId, delivery.activity)
    await here(personal ? delivery.notice : delivery.unreachable)
    return personal
  }

  /**
   * A knowledge answer's message, recorded as the person who asked (migration 029): Teams' own
   * 👍/👎 under it names only the message. Best effort: without the record, feedback on that
   * message stores nothing, which is no reason to fail an answer already sent.
   */
  const rememberPost = async (inbound: RecordedInbound, reply: Reply, posted: Posted | null) => {
    const messageId = answerMessageId(reply)
    if (!messageId || !posted) return
    try {
      const actor = await resolveIdentity(router.db, { platform: 'teams', workspaceId: inbound.workspaceId, externalUserId: inbound.externalUserId })
      if (!actor) return
      await runAs(router.db, actor)((trx) => rememberAnswerPost(trx, actor.tenantId, messageId, { platform: 'teams', conversationId: baseConversationId(posted.conversationId), postId: posted.activityId }))
    } catch (err) {
      log.warn({ err, activityId: posted.activityId }, 'teams answer not recorded for feedback')
    }
  }

  /**
   * Teams' own 👍/👎 on an answer: stored as the person who clicked, on their own answer posted as
   * that message; anyone else's click finds no answer of theirs there (row security) and changes
   * nothing. Teams wants a 200 whatever happened, and shows no reply to it.
   */
  const takeFeedback = async (feedback: Extract<TeamsEvent, { event: 'feedback' }>) => {
    try {
      const actor = await resolveIdentity(router.db, { platform: 'teams', ...feedback.who })
      const stored = actor
        ? await runAs(router.db, actor)((trx) => feedbackOnPost(trx, { platform: 'teams', conversationId: feedback.conversationId, postId: feedback.postId }, feedback.reaction, feedback.comment))
        : false
      log.info({ postId: feedback.postId, reaction: feedback.reaction, stored }, stored ? 'teams feedback stored' : 'teams feedback on no answer of the clicker: nothing stored')
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err
      log.warn({ err, postId: feedback.postId }, 'teams feedback not stored: database unavailable')
    }
  }

  /**
   * Runs an inbox row and answers it as a reply to its activity: the same for the turn that just
   * recorded it (after that turn ended) and for a resumer's. Its own error boundary: a failure is
   * logged and the person gets an apology where the answer would have gone.
   */
  const answer = (stored: InboxRow, first: { typing?: boolean; turn?: FirstAnswer } = {}) => {
    const row = stored as InboxRow<RecordedInbound, AnswerTo>
    const { reference, teamId } = row.answerTo
    return inConversation(reference, async (context, connector) => {
      const reply = replyTo(connector, reference)
      // A question in a personal chat, with a chat model to write the answer, streams; elsewhere it is one message.
      const stream = first.typing && router.knowledge?.chat && teamsPlace(reference.conversation?.conversationType) === 'personal'
        ? await startStream(reply) : null
      const here = async (activity: Partial<Activity>): Promise<Posted | null> => {
        if (first.turn?.take(activity)) return null
        const sent = await reply(activity)
        return sent?.id ? { conversationId: reference.conversation!.id, activityId: sent.id } : null
      }
      try {
        // Best effort: a typing indicator that could not be shown is no reason not to answer.
        if (first.typing && !stream) await reply({ type: ActivityTypes.Typing }).catch((err: unknown) => log.debug({ err }, 'typing indicator not sent'))
        await runRecorded(router, inbox, row, {
          answer: async (answered) => {
            const posted = stream ? await here(finalStreamMessage(answered, stream.id)) : await deliver(context, row.inbound.workspaceId, answered, here)
            await rememberPost(row.inbound, answered, posted)
          },
          ...(stream ? { stream: stream.sink } : {}),
          verifiedEmail: () => memberEmail(context, row.inbound.workspaceId, teamId ?? null), logger: log,
        })
      } catch (err) {
        log.error({ err, inboxKey: row.key, activityId: reference.activityId }, 'teams turn failed')
        const sorry = textReply(SOMETHING_WENT_WRONG)
        await here(stream ? finalStreamMessage(sorry, stream.id) : replyActivity(sorry)).catch(() => undefined)
      } finally {
        first.turn?.done()
      }
    }).catch((err: unknown) => {
      first.turn?.done()
      // The Bot Connector could not be reached at all: the row stays unanswered, and is resumed.
      log.error({ err, inboxKey: row.key, activityId: reference.activityId }, 'teams answer not sent')
    })
  }

  /**
   * Opens a stream for an answer: the informative update, whose id names the stream. Null when
   * Teams would not take it: the answer is then one message, as in a channel. The sink sends the
   * text so far as a streaming update at most every STREAM_UPDATE_EVERY_MS; an update Teams
   * refuses (the person stopped the stream, or it is throttled) ends the updates, not the answer,
   * whose final message follows in any case.
   */
  const startStream = async (send: (activity: Partial<Activity>) => Promise<{ id?: string } | undefined>): Promise<{ id: string; sink: AnswerSink } | null> => {
    const opened = await send(informativeUpdate()).catch((err: unknown) => {
      log.debug({ err }, 'teams stream not opened: answering in one message')
      return undefined
    })
    const id = opened?.id
    if (!id) return null
    const every = options.streamUpdateEveryMs ?? STREAM_UPDATE_EVERY_MS
    let text = ''
    let sequence = 1
    let last = 0
    let open = true
    const sink: AnswerSink = {
      append: async (piece) => {
        text += piece
        if (!open || Date.now() - last < every) return
        last = Date.now()
        sequence += 1
        await send(streamingUpdate(id, sequence, text)).catch((err: unknown) => {
          open = false
          log.debug({ err, streamId: id }, 'teams streaming update refused: the rest comes in the final message')
        })
      },
    }
    return { id, sink }
  }

  /** Stores (or refreshes) where Teams can be posted to later; true when this conversation is new to Workroom. */
  const remember = async (activity: Activity): Promise<boolean> => {
    const type = activity.conversation?.conversationType
    if (!activity.serviceUrl || !activity.conversation?.id || (type !== 'personal' && type !== 'groupChat' && type !== 'channel')) return false
    const conversationId = baseConversationId(activity.conversation.id)
    // Without the activity it came with: a proactive post starts a new thread instead of replying.
    const { activityId: _, ...reference } = TurnContext.getConversationReference(activity)
    return saveTeamsConversation(bookkeeping, {
      conversationId, conversationType: type, serviceUrl: activity.serviceUrl,
      aadTenantId: activity.conversation.tenantId ?? activity.channelData?.tenant?.id ?? null,
      teamId: activity.channelData?.team?.id ?? null,
      reference: { ...reference, conversation: { ...reference.conversation, id: conversationId } },
    })
  }

  /**
   * Records the inbound before the turn ends; null when it was recorded before: a redelivery,
   * answered already, or being answered by a live process, or left to the resumer once that
   * process's lease runs out. Never run twice at once.
   */
  const record = (context: TurnContext, inbound: Inbound, answerTo: AnswerTo) => {
    const key = `teams:activity:${context.activity.id}`
    return inbox.record<RecordedInbound, AnswerTo>('teams', key, inbound, answerTo).catch((err: unknown) => {
      if (isDatabaseUnavailable(err)) abandonUnrecorded(inbox, key, log)
      throw err
    })
  }
  const teamOf = (activity: Activity): string | null => activity.channelData?.team?.id ?? null

  /** A message or an Action.Submit click: recorded in the turn, answered after it (answer). */
  const take = async (context: TurnContext, inbound: Inbound) => {
    const row = await record(context, inbound, { reference: TurnContext.getConversationReference(context.activity), teamId: teamOf(context.activity) })
    if (row) afterTurn(options.answerElsewhere ? options.answerElsewhere(row) : answer(row, { typing: asks(row) }))
  }
  /** A question gets a typing indicator (or a stream) first, resumed or not. */
  const asks = (row: InboxRow) => {
    const input = (row.inbound as RecordedInbound).input
    return input.kind === 'message' && intentOf(input).kind === 'ask'
  }

  /**
   * An Action.Execute click: Teams shows the invoke's response on the clicked card, so the
   * handler's card goes there when it is ready in time; later, it is a reply to the card, and the
   * response says so. The handler is the one an Action.Submit click of the same button reaches.
   */
  const takeCardAction = async (context: TurnContext, inbound: Inbound | null) => {
    if (!inbound) {
      await context.sendActivity(invokeResponse(cardResponse(cardOf(replyActivity(textReply(UNKNOWN_BUTTON)))!)))
      return
    }
    const activity = context.activity
    // A late or resumed answer replies to the card that was clicked, not to the invoke.
    const reference = { ...TurnContext.getConversationReference(activity), activityId: activity.replyToId ?? activity.id }
    const row = await record(context, inbound, { reference, teamId: teamOf(activity) })
    if (!row) {
      await context.sendActivity(invokeResponse(messageResponse(DONE_ALREADY)))
      return
    }
    const turn = firstAnswer(options.invokeAnswerWithinMs ?? INVOKE_ANSWER_WITHIN_MS)
    afterTurn(answer(row, { turn }))
    const outcome = await turn.outcome
    const body = outcome === 'late' ? messageResponse(WORKING) : outcome === 'none' ? messageResponse(DONE_ALREADY) : cardResponse(cardOf(outcome)!)
    await context.sendActivity(invokeResponse(body))
  }

  /** A short reply of Workroom's own (not a handler's) to the turn's activity, after the turn. */
  const note = (context: TurnContext, reply: Reply) => {
    const reference = TurnContext.getConversationReference(context.activity)
    afterTurn(inConversation(reference, (_, connector) => replyTo(connector, reference)(replyActivity(reply)).then(() => undefined))
      .catch((err: unknown) => log.warn({ err, activityId: reference.activityId }, 'teams note not sent')))
  }

  /**
   * The welcome, posted once per install as a new message where Workroom was added. "Once" is the
   * conversation reference's insert (saveTeamsConversation): Teams announces one install with two
   * activities, and may deliver each again, to any replica; only the one that stored the reference
   * welcomes. Removed and added again is a new install, and is welcomed again. A welcome that could
   * not be sent is not retried: the install stands, and the person can type help.
   */
  const welcome = (activity: Activity, where: TeamsConversationRef) => {
    const { activityId: _, ...stored } = TurnContext.getConversationReference(activity)
    const reference = { ...stored, conversation: { ...stored.conversation!, id: where.conversationId } }
    afterTurn(inConversation(reference, async (_context, connector) => {
      const { replyToId: _r, ...message } = TurnContext.applyConversationReference(replyActivity(welcomeReply(where.conversationType)), reference)
      await connector.conversations.sendToConversation(where.conversationId, message)
    }).catch((err: unknown) => log.warn({ err, conversation: where.conversationId }, 'teams welcome not sent')))
  }

  const logic = async (context: TurnContext) => {
    const activity = context.activity
    const what = teamsToInbound(activity)
    try {
      if (isIgnored(what)) {
        log.debug({ type: activity.type, reason: what.ignore }, 'teams activity ignored')
        return
      }
      if (isEvent(what)) {
        if (what.event === 'attachments_only') {
          await remember(activity)
          note(context, attachmentsOnlyReply())
        } else if (what.event === 'card_action') {
          await remember(activity)
          await takeCardAction(context, what.inbound)
        } else if (what.event === 'feedback') {
          await takeFeedback(what)
          await context.sendActivity(invokeResponse())
        } else if (what.event === 'invoke') {
          log.debug({ name: what.name }, 'teams invoke not used')
          await context.sendActivity(invokeResponse())
        } else if (what.event === 'installed') {
          if (await remember(activity)) welcome(activity, what.conversation)
        } else if (what.event === 'removed') {
          const forgotten = await forgetTeamsConversations(bookkeeping, what.conversation)
          log.info({ via: what.via, conversation: what.conversation.conversationId, team: what.conversation.teamId, forgotten }, 'removed from a Teams conversation; nothing is posted there any more')
        }
        return
      }
      await remember(activity)
      await take(context, what)
    } catch (err) {
      // The bookkeeping before any handler (the conversation reference, the inbox row) needs
      // the database too: when it is down, a message is told so (the handlers' own failures are
      // answered by converse), and the turn still ends in 200, not a 500 the Bot Framework
      // would redeliver into the same outage.
      if (!isDatabaseUnavailable(err)) throw err
      log.warn({ err }, 'database unavailable')
      const unavailable = replyActivity(textReply(DATABASE_UNAVAILABLE))
      if (activity.type === ActivityTypes.Message) await context.sendActivity(unavailable)
      if (activity.type === ActivityTypes.Invoke) await context.sendActivity(invokeResponse(cardResponse(cardOf(unavailable)!)))
    }
  }

  const routes = new Hono<{ Bindings: HttpBindings }>()
  routes.post('/api/messages', bodyLimit({ maxSize: MAX_CHAT_BODY_BYTES, onError: (c) => c.json({ error: 'request body too large' }, 413) }), async (c) => {
    let body: unknown
    try {
      body = await c.req.json()
    } catch {
      return c.json({ error: 'the body must be a JSON Bot Framework activity' }, 400)
    }
    if (!body || typeof body !== 'object' || Array.isArray(body) || typeof (body as { type?: unknown }).type !== 'string') {
      return c.json({ error: 'the body must be a JSON Bot Framework activity with a type' }, 400)
    }
    // The SDK builds its connector client from serviceUrl before any turn, and answers 500 when it is
    // not a string (found by test/fuzz-http.test.ts): the sender's mistake.
    const serviceUrl = (body as { serviceUrl?: unknown }).serviceUrl
    if (serviceUrl !== undefined && typeof serviceUrl !== 'string') return c.json({ error: 'malformed activity' }, 400)
    const req: BotRequest = { method: 'POST', headers: Object.fromEntries(c.req.raw.headers), body: body as Record<string, unknown> }
    const res = capture()
    let turned = false
    try {
      await adapter.process(req, res, async (context) => {
        turned = true
        await logic(context)
      })
    } catch (err) {
      // The SDK throws on activities it cannot parse (before authentication): the sender's mistake.
      log.warn({ err }, 'teams activity rejected')
      return c.json({ error: 'malformed activity' }, 400)
    }
    // The SDK answers 500 for some bad tokens (a signature that does not verify); no turn ran, so
    // it was authentication that failed, not us.
    if (res.statusCode === 500 && !turned && !anonymous) res.statusCode = 401
    if (res.statusCode === 401) {
      // The SDK's body is its error message ("invalid signature", "Invalid AppId passed on token: …"):
      // it tells a prober which check failed. The log keeps it; the caller gets a fixed 401.
      log.warn({ status: 401, reason: typeof res.body === 'string' ? res.body : undefined }, 'teams activity refused: missing or invalid Bot Framework token')
      return c.json({ error: 'unauthorized' }, 401)
    }
    return res.body === undefined ? c.body(null, res.statusCode as 200) : c.json(res.body as object, res.statusCode as 200)
  })

  return {
    routes,
    mode: anonymous ? 'anonymous' : 'authenticated',
    sendProactive: async (conversationId, reply) => {
      const conversation = await findTeamsConversation(bookkeeping, conversationId)
      if (!conversation) return false
      if (teamsPlace(conversation.conversationType) === 'shared') assertShareable(reply, `Teams ${conversation.conversationType} ${conversationId}`)
      const reference = conversation.reference as Partial<ConversationReference>
      await inConversation(reference, async (_, connector) => {
        // A digest is a new post, not a reply.
        const { replyToId: _r, ...activity } = TurnContext.applyConversationReference(replyActivity(reply), reference)
        await connector.conversations.sendToConversation(conversationId, activity)
      })
      return true
    },
    sendDirect: async (to, reply) => {
      // workspaceId is the Entra tenant id for Teams; the person's 1:1 chat, or a route to open it.
      const route = await findTeamsDirectRoute(bookkeeping, to.workspaceId, to.externalUserId)
      if (!route) {
        log.warn({ tenant: to.workspaceId, user: to.externalUserId }, 'Teams direct message not sent: Workroom is in no conversation of that tenant')
        return false
      }
      const reference = route.via.reference as Partial<ConversationReference>
      let sent = false
      await inConversation(reference, async (_, connector) => {
        let conversationId = route.personal?.conversationId
        if (!conversationId) {
          try {
            // Teams answers with the person's one personal chat with the bot, creating it if need be.
            ;({ id: conversationId } = await connector.conversations.createConversation({
              isGroup: false, bot: reference.bot!, members: [{ id: route.teamsUserId ?? to.externalUserId, name: '', ...(to.externalUserId.startsWith('29:') ? {} : { aadObjectId: to.externalUserId }) }],
              tenantId: to.workspaceId, channelData: { tenant: { id: to.workspaceId } },
            } as Parameters<ConnectorClient['conversations']['createConversation']>[0]))
          } catch (err) {
            if (err instanceof Error && (err as Error & { statusCode?: unknown }).statusCode === 403) {
              log.warn({ tenant: to.workspaceId, user: to.externalUserId }, 'Teams direct message not sent: the app is not installed for the person, or they blocked it')
              return
            }
            throw err
          }
        }
        const { activityId: _a, ...base } = reference
        const { replyToId: _r, ...activity } = TurnContext.applyConversationReference(replyActivity(reply), {
          ...base, user: { id: route.teamsUserId ?? to.externalUserId, name: '' },
          conversation: { id: conversationId!, conversationType: 'personal', isGroup: false, tenantId: to.workspaceId, name: '' },
        })
        await connector.conversations.sendToConversation(conversationId!, activity)
        sent = true
      })
      return sent
    },
    resume: (stored) => answer(stored, { typing: asks(stored) }),
    drain: async () => {
      while (working.size > 0) await Promise.allSettled([...working])
    },
  }
}

/**
 * Sends an activity to the asker's 1:1 chat with the bot: Bot Connector createConversation
 * (isGroup false, the bot, the person's Teams id, the tenant), which Teams answers with their one
 * personal chat with the bot (creating it if need be), then a new message there. Null when Teams
 * refuses to open it (403: the app is not installed for the person, or they blocked it); else where
 * the message went, for the feedback record.
 */
async function sendPersonally(context: TurnContext, tenantId: string, activity: Partial<Activity>): Promise<Posted | null> {
  const incoming = context.activity
  const connector = context.turnState.get<ConnectorClient>(context.adapter.ConnectorClientKey)
  let conversationId: string
  try {
    ;({ id: conversationId } = await connector.conversations.createConversation({
      isGroup: false, bot: incoming.recipient, members: [{ id: incoming.from.id, name: incoming.from.name }],
      tenantId, channelData: { tenant: { id: tenantId } },
    }))
  } catch (err) {
    // The connector's RestError (@azure/core-rest-pipeline, not a dependency of ours) carries the HTTP status.
    if (err instanceof Error && (err as Error & { statusCode?: unknown }).statusCode === 403) return null
    throw err
  }
  // Without the activity it came from: a new message in the 1:1 chat, not a reply to the channel's.
  const { activityId: _, ...reference } = TurnContext.getConversationReference(incoming)
  const { replyToId: __, ...message } = TurnContext.applyConversationReference(activity, {
    ...reference, conversation: { id: conversationId, conversationType: 'personal', isGroup: false, tenantId, name: '' },
  })
  const sent = await connector.conversations.sendToConversation(conversationId, message)
  return { conversationId, activityId: sent.id }
}

/**
 * The member's e-mail as Teams knows it (TeamsInfo: the team's member when the message came from a
 * team, else the conversation's), for auto-linking; null when unavailable, and for a guest or a
 * member of another Entra tenant (a shared channel), whose address their own organisation's admin
 * set: only the bound tenant's directory vouches for it.
 */
async function memberEmail(context: TurnContext, workspaceTenant: string, teamId: string | null): Promise<string | null> {
  const userId = context.activity.from.id
  const member = await (teamId ? TeamsInfo.getTeamMember(context, teamId, userId) : TeamsInfo.getMember(context, userId)).catch(() => null)
  if (!member || (member.tenantId && member.tenantId !== workspaceTenant) || member.userRole === 'guest') return null
  const candidates = [member.email, member.userPrincipalName]
  return candidates.find((v): v is string => typeof v === 'string' && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v)) ?? null
}

/** The express-like response CloudAdapter.process writes to, kept for Hono to send. */
function capture(): BotResponse & { statusCode: number; body: unknown } {
  const res = {
    statusCode: 200,
    body: undefined as unknown,
    socket: undefined,
    status(code: number) { res.statusCode = code; return res },
    send(body: unknown) { res.body = body; return res },
    header() { return res },
    end() { return res },
  }
  return res
}
