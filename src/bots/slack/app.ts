/**
 * Workroom as a Slack app: a Bolt App whose HTTPReceiver is mounted on the process's own HTTP
 * server at /slack/events (Bolt verifies the signing secret and the 5-minute replay window on
 * every request), or Socket Mode when SLACK_APP_TOKEN is set. Listeners only translate: Slack
 * payload → Inbound → router → Reply → Block Kit. No SQL here: the delivery ledger lives in
 * src/db/deliveries.ts, the installation store in src/db/slack.ts.
 */
import { App, HTTPReceiver, LogLevel, type Logger as SlackLogger } from '@slack/bolt'
import { WebClient } from '@slack/web-api'
import { Hono } from 'hono'
import type { HttpBindings } from '@hono/node-server'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import { DeliveryLedger } from '../../db/deliveries.ts'
import type { Inbound } from '../../handlers/inbound.ts'
import { reply as textReply, type Reply } from '../../handlers/reply.ts'
import { claimDelivery, COMMANDS, DATABASE_UNAVAILABLE, handleInbound, intentOf, type RouterDeps } from '../../handlers/router.ts'
import type { Logger } from '../../log.ts'
import { MAX_CHAT_BODY_BYTES } from '../../http/limits.ts'
import { renderBlocks, replyActionId } from './blocks.ts'
import { pgInstallationStore } from './installations.ts'

export interface SlackSettings {
  signingSecret: string | undefined
  /** Single workspace. Without it, OAuth (below) installs the app in any number of workspaces. */
  botToken: string | undefined
  oauth?: { clientId: string; clientSecret: string; stateSecret: string } | undefined
  /** Socket Mode: no public URL needed (local development). */
  appToken: string | undefined
  /** Web API base URL, e.g. a stand-in in tests; Slack's own when unset. */
  apiUrl: string | undefined
}

/** What manifest/slack/manifest.yml asks for; OAuth requests the same. */
export const BOT_SCOPES = ['app_mentions:read', 'chat:write', 'commands', 'im:history', 'users:read', 'users:read.email']

export interface SlackBot {
  app: App
  /** Routes to mount on the HTTP server (empty in Socket Mode). */
  routes: Hono<{ Bindings: HttpBindings }>
  mode: 'http' | 'socket'
  /** Posts a reply to a channel unprompted (digests), with that workspace's bot token. */
  postMessage(workspaceId: string, channelId: string, reply: Reply): Promise<void>
  start(): Promise<void>
  stop(): Promise<void>
}

export function createSlackBot(router: RouterDeps, settings: SlackSettings, logger: Logger): SlackBot {
  const socket = Boolean(settings.appToken)
  const installationStore = pgInstallationStore(router.db)
  const oauth = settings.botToken ? undefined : settings.oauth && {
    ...settings.oauth,
    scopes: BOT_SCOPES,
    installationStore,
    installerOptions: { installPath: '/slack/install', redirectUriPath: '/slack/oauth_redirect', directInstall: true, clientOptions: { ...(settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {}) } },
  }
  const receiver = socket ? undefined : new HTTPReceiver({
    signingSecret: settings.signingSecret!,
    endpoints: '/slack/events',
    logger: slackLogger(logger),
    // Bolt's own limit (raw-body's, 4 MB by default) for bodies without a Content-Length: see the route.
    bodyLimit: MAX_CHAT_BODY_BYTES,
    ...oauth,
  })
  const clientOptions = { ...(settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {}) }
  const app = new App({
    ...(settings.botToken ? { authorize: singleWorkspace(new WebClient(undefined, clientOptions), settings.botToken) } : {}),
    // SocketModeClient writes retryConfig { retries: 100 } into the clientOptions it is given, which
    // would be every listener's: it gets a copy.
    ...(socket ? { socketMode: true, appToken: settings.appToken, installerOptions: { clientOptions: { ...clientOptions } }, ...oauth } : { receiver }),
    logger: slackLogger(logger),
    clientOptions,
  })
  const ledger = new DeliveryLedger(router.db)

  const run = (inbound: Inbound) => handleInbound(router, inbound)
  const emailOf = (client: WebClient, user: string) => async () => {
    const info = await client.users.info({ user }).catch(() => null)
    return (info?.user?.profile?.email as string | undefined) ?? null
  }

  // Slash commands: ack at once (Slack allows 3 s), answer through response_url.
  app.command(new RegExp(`^/(${COMMANDS.join('|')})$`), async ({ command, ack, respond, client }) => {
    const slow = command.command === '/ask'
    await ack(slow ? { response_type: 'ephemeral', text: ':mag: Looking that up in the knowledge base…' } : undefined)
    const reply = await run({
      platform: 'slack', workspaceId: command.team_id, externalUserId: command.user_id, channelId: command.channel_id, threadId: null,
      requestId: `slash:${command.trigger_id}`, input: { kind: 'command', command: command.command, text: command.text },
      verifiedEmail: emailOf(client, command.user_id),
    })
    await respond({ ...renderBlocks(reply), response_type: reply.visibility, ...(slow ? { replace_original: true } : {}) })
  })

  // Mentions in channels and direct messages: answered in the thread of the message.
  const onMessage = async (args: {
    eventId: string; team: string; user: string; channel: string; ts: string; threadTs: string | undefined; text: string; client: WebClient; inThread: boolean
  }) => {
    const claim = await claimDelivery(ledger.claim('slack', `event:${args.eventId}`))
    if (!claim) return   // a retry of a delivery we already have
    const { client } = args
    const threadTs = args.inThread ? (args.threadTs ?? args.ts) : args.threadTs
    if (claim === 'unavailable') return deliver(client, textReply(DATABASE_UNAVAILABLE), { channel: args.channel, user: args.user, threadTs, replaceTs: undefined })
    const inbound: Inbound = {
      platform: 'slack', workspaceId: args.team, externalUserId: args.user, channelId: args.channel, threadId: threadTs ?? null,
      requestId: `event:${args.eventId}`, input: { kind: 'message', text: args.text }, verifiedEmail: emailOf(client, args.user),
    }
    const asking = intentOf({ kind: 'message', text: args.text }).kind === 'ask'
    const progress = asking
      ? await client.chat.postMessage({ channel: args.channel, ...(threadTs ? { thread_ts: threadTs } : {}), text: ':mag: Looking that up…' })
      : null
    const reply = await run(inbound)
    await deliver(client, reply, { channel: args.channel, user: args.user, threadTs, replaceTs: progress?.ts })
  }

  app.event('app_mention', async ({ event, body, client }) => {
    if (!event.user) return
    await onMessage({ eventId: body.event_id, team: body.team_id, user: event.user, channel: event.channel, ts: event.ts, threadTs: event.thread_ts, text: event.text, client, inThread: true })
  })
  app.message(async ({ message, body, client }) => {
    // Direct messages only (mentions arrive as app_mention); never bots, edits or joins.
    if (message.channel_type !== 'im' || message.subtype !== undefined || !('user' in message) || !message.user) return
    const eventBody = body as { event_id: string; team_id: string }
    await onMessage({ eventId: eventBody.event_id, team: eventBody.team_id, user: message.user, channel: message.channel, ts: message.ts, threadTs: message.thread_ts, text: message.text ?? '', client, inThread: false })
  })

  // Buttons: the block action id maps back to the Reply's action id; the payload is the value.
  app.action(/^(timesheet|campaign|answer)\./, async ({ ack, body, action, respond, client }) => {
    await ack()
    if (body.type !== 'block_actions' || action.type !== 'button' || !('action_id' in action)) return
    const messageTs = body.container?.message_ts ?? body.message?.ts ?? 'none'
    // A double click is the same (message, button, value): the handlers' request ids make it a no-op.
    const requestId = `action:${messageTs}:${action.action_id}:${action.value ?? ''}`
    const claim = await claimDelivery(ledger.claim('slack', requestId))
    if (!claim) return
    const reply = claim === 'unavailable' ? textReply(DATABASE_UNAVAILABLE) : await run({
      platform: 'slack', workspaceId: body.team?.id ?? body.user.team_id ?? '', externalUserId: body.user.id,
      channelId: body.channel?.id ?? null, threadId: body.message?.thread_ts ?? messageTs, requestId,
      input: { kind: 'action', actionId: replyActionId(action.action_id), payload: action.value ?? '' },
      verifiedEmail: emailOf(client, body.user.id),
    })
    await respond({ ...renderBlocks(reply), response_type: reply.visibility, replace_original: false })
  })

  app.error(async (err) => {
    logger.error({ err }, 'slack listener failed')
  })

  const routes = new Hono<{ Bindings: HttpBindings }>()
  if (receiver) {
    // Bolt reads the raw body itself (the signature covers its exact bytes) and writes the response.
    const bolt = (c: { env: HttpBindings }) => {
      receiver.requestListener(c.env.incoming, c.env.outgoing)
      return RESPONSE_ALREADY_SENT
    }
    // Body limit. Hono's bodyLimit middleware would read c.req.raw, but Bolt reads the Node stream
    // (c.env.incoming) itself, so: a Content-Length over the limit is refused here with 413, before
    // a byte is read. A body without one (chunked) goes to Bolt, whose receiver buffers it with
    // raw-body under the same limit (bodyLimit above): raw-body stops reading once the stream
    // grows past it and Bolt answers 413 with no body, before verifying or parsing anything, so
    // no listener ever runs. (Refusing chunked bodies with 411 would also be safe, but Slack does
    // not promise a Content-Length, and a proxy in front may re-chunk.)
    routes.post('/slack/events', (c) => {
      if (stampedAhead(c.req.header('x-slack-request-timestamp'), Date.now())) return c.json({ error: 'invalid request timestamp' }, 401)
      const length = c.req.header('content-length')
      if (length !== undefined && Number(length) > MAX_CHAT_BODY_BYTES) {
        // The unread body is not worth draining: the connection closes after the answer.
        c.header('connection', 'close')
        return c.json({ error: 'request body too large' }, 413)
      }
      return bolt(c)
    })
    if (oauth) routes.get('/slack/install', bolt).get('/slack/oauth_redirect', bolt)
  }
  return {
    app, routes, mode: socket ? 'socket' : 'http',
    postMessage: async (workspaceId, channelId, reply) => {
      const token = settings.botToken
        ?? (await installationStore.fetchInstallation({ teamId: workspaceId, enterpriseId: undefined, isEnterpriseInstall: false })).bot?.token
      if (!token) throw new Error(`no bot token for Slack workspace ${workspaceId}`)
      // The WebClient retries a 429 after its Retry-After; nothing was posted, so no duplicate.
      await app.client.chat.postMessage({ token, channel: channelId, ...renderBlocks(reply) })
    },
    start: async () => {
      if (socket) await app.start()
    },
    stop: async () => {
      if (socket) await app.stop()
    },
  }
}

/**
 * Slack's replay window is 5 minutes either side of now, and Bolt enforces only the past side: a
 * request stamped an hour ahead would verify, and could be replayed, for the next hour and five
 * minutes. Refused here before Bolt reads the body (so before any listener); a missing or
 * malformed timestamp is Bolt's 401.
 */
const SLACK_SKEW_SECONDS = 5 * 60
function stampedAhead(header: string | undefined, nowMs: number): boolean {
  const seconds = Number(header)
  return header !== undefined && Number.isFinite(seconds) && seconds > Math.floor(nowMs / 1000) + SLACK_SKEW_SECONDS
}

/**
 * The single-workspace bot's identity: auth.test once, remembered (and asked again only after a
 * failure). Bolt's own token mode either calls it at construction (failing a start without
 * Slack) or, with verification off, before every request: bench/slack.ts saw one auth.test per
 * slash command, a Web API round trip in front of every ack.
 */
function singleWorkspace(client: WebClient, botToken: string) {
  let identity: Promise<{ botUserId: string; botId: string }> | null = null
  return async () => {
    identity ??= client.auth.test({ token: botToken }).then(
      (r) => ({ botUserId: r.user_id!, botId: r.bot_id! }),
      (err: unknown) => {
        identity = null
        throw err
      },
    )
    return { botToken, ...(await identity) }
  }
}

/** A reply to a message: ephemeral ones only to the person, others in the thread (replacing the progress note). */
async function deliver(client: WebClient, reply: Reply, to: { channel: string; user: string; threadTs: string | undefined; replaceTs: string | undefined }) {
  const { text, blocks } = renderBlocks(reply)
  const thread = to.threadTs ? { thread_ts: to.threadTs } : {}
  if (reply.visibility === 'ephemeral') {
    if (to.replaceTs) await client.chat.delete({ channel: to.channel, ts: to.replaceTs }).catch(() => undefined)
    await client.chat.postEphemeral({ channel: to.channel, user: to.user, text, blocks, ...thread })
  } else if (to.replaceTs) {
    await client.chat.update({ channel: to.channel, ts: to.replaceTs, text, blocks })
  } else {
    await client.chat.postMessage({ channel: to.channel, text, blocks, ...thread })
  }
}

/** Bolt's logger interface over pino. */
function slackLogger(logger: Logger): SlackLogger {
  const child = logger.child({ component: 'slack' })
  let level = LogLevel.INFO
  return {
    debug: (...msg) => child.debug(msg.join(' ')),
    info: (...msg) => child.info(msg.join(' ')),
    warn: (...msg) => child.warn(msg.join(' ')),
    error: (...msg) => child.error(msg.join(' ')),
    setLevel: (l) => { level = l },
    getLevel: () => level,
    setName: () => undefined,
  }
}
