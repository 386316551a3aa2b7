/**
 * Workroom as a Teams bot: botbuilder's CloudAdapter on POST /api/messages of the process's own
 * HTTP server. With MICROSOFT_APP_ID set, the SDK validates every activity's Bot Framework token
 * (issuer, audience = our app id, signing key from the OpenID metadata and endorsed for the
 * channel, serviceUrl claim) before any of our code runs. Without one (TEAMS_EMULATOR), nothing is
 * checked: for the Bot Framework Emulator on a developer's machine only.
 *
 * Listeners only translate: activity → Inbound → router → Reply → Adaptive Card. No SQL here: the
 * delivery ledger is src/db/deliveries.ts, conversation references src/db/teams.ts.
 *
 * Throttling: the connector client's Azure pipeline (@azure/core-rest-pipeline's default retry
 * policy) already retries a 429 after its Retry-After, up to 3 times; test/teams.test.ts shows
 * one post after a 429. A 429 means nothing was posted, so the retry cannot duplicate it.
 */
import {
  ActivityTypes, CloudAdapter, ConfigurationBotFrameworkAuthentication, TeamsInfo, TurnContext,
  type Activity, type ConversationReference, type Request as BotRequest, type Response as BotResponse,
} from 'botbuilder'
import type { ConnectorClient, ServiceClientCredentialsFactory } from 'botframework-connector'
import { randomUUID } from 'node:crypto'
import type { HttpBindings } from '@hono/node-server'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { DeliveryLedger } from '../../db/deliveries.ts'
import { findTeamsConversation, saveTeamsConversation } from '../../db/teams.ts'
import type { Inbound } from '../../handlers/inbound.ts'
import { reply as textReply, type Reply } from '../../handlers/reply.ts'
import { isDatabaseUnavailable } from '../../db/errors.ts'
import { DATABASE_UNAVAILABLE, handleInbound, intentOf, type RouterDeps } from '../../handlers/router.ts'
import type { Logger } from '../../log.ts'
import { MAX_CHAT_BODY_BYTES } from '../../http/limits.ts'
import { replyActivity, submittedAction } from './cards.ts'

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
}

export function createTeamsBot(router: RouterDeps, settings: TeamsSettings, logger: Logger): TeamsBot {
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
  const ledger = new DeliveryLedger(router.db)

  adapter.onTurnError = async (context, err) => {
    log.error({ err, activityId: context.activity.id }, 'teams turn failed')
    await context.sendActivity('Something went wrong on my side, sorry. Nothing was changed; please try again in a minute.').catch(() => undefined)
  }

  const remember = async (activity: Activity) => {
    const type = activity.conversation?.conversationType
    if (!activity.serviceUrl || !activity.conversation?.id || (type !== 'personal' && type !== 'groupChat' && type !== 'channel')) return
    const conversationId = baseConversationId(activity.conversation.id)
    // Without the activity it came with: a proactive post starts a new thread instead of replying.
    const { activityId: _, ...reference } = TurnContext.getConversationReference(activity)
    await saveTeamsConversation(router.db, {
      conversationId, conversationType: type, serviceUrl: activity.serviceUrl,
      aadTenantId: activity.conversation.tenantId ?? activity.channelData?.tenant?.id ?? null,
      teamId: activity.channelData?.team?.id ?? null,
      reference: { ...reference, conversation: { ...reference.conversation, id: conversationId } },
    })
  }

  const onMessage = async (context: TurnContext) => {
    const activity = context.activity
    const submitted = submittedAction(activity.value)
    // A double click is the same (card, button, value): the handlers' request ids make it a no-op.
    const key = submitted
      ? `action:${baseConversationId(activity.conversation.id)}:${activity.replyToId ?? 'none'}:${submitted.actionId}:${submitted.payload}`
      : `activity:${activity.id ?? randomUUID()}`   // Teams always sets an id; without one there is nothing to de-duplicate by
    if (!(await ledger.claim('teams', key))) return
    const text = submitted ? '' : TurnContext.removeRecipientMention(activity).replace(/<at>[^<]*<\/at>/g, ' ').replace(/&nbsp;|\u00a0/g, ' ').trim()
    const input: Inbound['input'] = submitted ? { kind: 'action', ...submitted } : { kind: 'message', text }
    if (input.kind === 'message' && intentOf(input).kind === 'ask') await context.sendActivity({ type: ActivityTypes.Typing })
    const reply = await handleInbound(router, {
      platform: 'teams',
      workspaceId: activity.conversation.tenantId ?? activity.channelData?.tenant?.id ?? 'unknown-tenant',
      externalUserId: activity.from.aadObjectId ?? activity.from.id,
      // The channel (not the reply chain): what /digest subscribes and proactive posts go to.
      channelId: baseConversationId(activity.channelData?.channel?.id ?? activity.conversation.id),
      threadId: activity.conversation.id,
      requestId: `teams:${key}`,
      input,
      verifiedEmail: () => memberEmail(context),
    })
    await context.sendActivity(replyActivity(reply))
  }

  const logic = async (context: TurnContext) => {
    const activity = context.activity
    try {
      if (activity.type === ActivityTypes.Message || activity.type === ActivityTypes.ConversationUpdate || activity.type === ActivityTypes.InstallationUpdate) {
        await remember(activity)
      }
      if (activity.type === ActivityTypes.Message) await onMessage(context)
    } catch (err) {
      // The bookkeeping before any handler (the conversation reference, the delivery claim) needs
      // the database too: when it is down, a message is told so (the handlers' own failures are
      // answered by handleInbound), and the turn still ends in 200, not a 500 the Bot Framework
      // would redeliver into the same outage.
      if (!isDatabaseUnavailable(err)) throw err
      log.warn({ err }, 'database unavailable')
      if (activity.type === ActivityTypes.Message) await context.sendActivity(replyActivity(textReply(DATABASE_UNAVAILABLE)))
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
      const conversation = await findTeamsConversation(router.db, conversationId)
      if (!conversation) return false
      const reference = conversation.reference as Partial<ConversationReference>
      await adapter.continueConversationAsync(settings.appId ?? '', reference, async (context) => {
        // sendActivity would make it a reply to the continuation event; a digest is a new post.
        const connector = context.turnState.get<ConnectorClient>(context.adapter.ConnectorClientKey)
        const { replyToId: _, ...activity } = TurnContext.applyConversationReference(replyActivity(reply), reference)
        await connector.conversations.sendToConversation(conversationId, activity)
      })
      return true
    },
  }
}

/** A channel reply chain is '<channel id>;messageid=<root>'; the channel itself is the part before. */
const baseConversationId = (id: string) => id.split(';')[0]!

/** The member's e-mail as Teams knows it (TeamsInfo.getMember), for auto-linking; null when unavailable. */
async function memberEmail(context: TurnContext): Promise<string | null> {
  const member = await TeamsInfo.getMember(context, context.activity.from.id).catch(() => null)
  const candidates = [member?.email, member?.userPrincipalName]
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
