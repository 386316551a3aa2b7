/**
 * Workroom as a Slack app: a Bolt App whose HTTPReceiver is mounted on the process's own HTTP
 * server at /slack/events (Bolt verifies the signing secret and the 5-minute replay window on
 * every request), or Socket Mode when SLACK_APP_TOKEN is set. Listeners only translate: Slack
 * payload → Inbound (slackToInbound, a pure function in inbound.ts) → router → Reply → Block Kit;
 * whatever slackToInbound sets aside is acked at once and answered with nothing. No SQL here: the
 * inbox lives in src/db/inbox.ts, the installation store in src/db/slack.ts.
 *
 * Nothing acked and lost: every command, event and click is recorded in the inbox before Slack
 * gets its ack, then run from the row (src/handlers/inbox.ts) after it. Slack never retries a
 * slash command or a click, so a process that died after the ack would otherwise leave it
 * unanswered; the row lets another process (src/resume.ts) answer it through the stored
 * response_url or thread.
 */
import { App, HTTPReceiver, LogLevel, type BlockAction, type ButtonAction, type Context, type Logger as SlackLogger, type ViewResponseAction, type ViewSubmitAction } from '@slack/bolt'
import { WebClient, type UsersInfoResponse } from '@slack/web-api'
import { Hono } from 'hono'
import type { HttpBindings } from '@hono/node-server'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import { isDatabaseUnavailable } from '../../db/errors.ts'
import { Inbox, type InboxRow } from '../../db/inbox.ts'
import { bindWorkspace, BindingRefused } from '../../db/workspaces.ts'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Installation } from '@slack/oauth'
import { INSTALL_COOKIE, refuseInstall, tokenFromCookie, tokenFromQuery, verifyInstallToken } from './install-link.ts'
import { abandonUnrecorded, runRecorded, type RecordedInbound } from '../../handlers/inbox.ts'
import { assertShareable, reply as textReply, type Reply } from '../../handlers/reply.ts'
import type { Inbound } from '../../handlers/inbound.ts'
import type { DirectTarget } from '../../chat/platform.ts'
import { COMMANDS, intentOf } from '../../handlers/router.ts'
import { type ConverseDeps, DATABASE_UNAVAILABLE, SOMETHING_WENT_WRONG } from '../../chat/converse.ts'
import type { Logger } from '../../log.ts'
import { MAX_CHAT_BODY_BYTES } from '../../http/limits.ts'
import { renderBlocks, slackVisibility, type SlackPlace } from './blocks.ts'
import { slackPayloadKind, slackToInbound, WORKROOM_ACTION, type SlackInbound } from './inbound.ts'
import { pgInstallationStore } from './installations.ts'
import { LOOKING_IT_UP, threadTitle, workroomAssistant } from './assistant.ts'
import { slackAnswerStream } from './stream.ts'
import { publishHome, registerHome } from './home.ts'
import { isWorkroomSurface, LOG_TIME_VIEW, messageModal, openedFrom, registerLogTime, submissionAck, type SurfaceDeps } from './log-time-modal.ts'

export interface SlackSettings {
  signingSecret: string | undefined
  /** Single workspace. Without it, OAuth (below) installs the app in any number of workspaces. */
  botToken: string | undefined
  /** Single workspace: the tenant (slug) its workspace is bound to on first contact. */
  tenant?: string | undefined
  oauth?: { clientId: string; clientSecret: string; stateSecret: string } | undefined
  /** Socket Mode: no public URL needed (local development). */
  appToken: string | undefined
  /** Web API base URL, e.g. a stand-in in tests; Slack's own when unset. */
  apiUrl: string | undefined
}

/** What manifest/slack/manifest.yml asks for; OAuth requests the same. */
export const BOT_SCOPES = ['app_mentions:read', 'assistant:write', 'chat:write', 'commands', 'im:history', 'users:read', 'users:read.email']

export interface SlackBot {
  app: App
  /** Routes to mount on the HTTP server (empty in Socket Mode). */
  routes: Hono<{ Bindings: HttpBindings }>
  mode: 'http' | 'socket'
  /** Posts a reply to a channel unprompted (digests), with that workspace's bot token. */
  postMessage(workspaceId: string, channelId: string, reply: Reply): Promise<void>
  /** Sends a reply to one person's DM with the app; false when Slack cannot reach them there. */
  sendDirect(to: DirectTarget, reply: Reply): Promise<boolean>
  /** Runs an inbox row another process acknowledged and never answered, answering where it says. */
  resume(row: InboxRow): Promise<void>
  start(): Promise<void>
  stop(): Promise<void>
  /** Resolves when the work acknowledged so far (handlers and their answers) has finished. */
  drain(): Promise<void>
}

/** Bolt's helpers for the assistant thread a message came from. */
interface AssistantThread { setStatus(status: string): Promise<unknown>; setTitle(title: string): Promise<unknown> }

/**
 * Where a row is answered: a response_url (commands, clicks), a channel and thread (mentions,
 * DMs), or the person's DM with the app, by their user id (a modal's submission answered late).
 */
type AnswerTo =
  | { kind: 'response_url'; url: string; replaceOriginal: boolean | null }
  | { kind: 'thread'; channel: string; user: string; threadTs: string | null; replaceTs: string | null; place: SlackPlace; assistant?: boolean }
  | { kind: 'direct'; user: string }

/**
 * How long after a request reached the server its ack may wait for the inbox insert. Slack wants
 * the ack within 3 s of sending; a database that is slow to answer (rather than down), or a
 * process so busy that the request waited to be read, must not cost the ack, so past this the ack
 * goes out and the insert is awaited after it (the row is then recorded a moment after the ack,
 * not before). Normally the insert takes a millisecond or two.
 */
const ACK_WITHIN_MS = 1_500

/** When each HTTP request reached the route, for ACK_WITHIN_MS (Bolt hands listeners the parsed body, not the request). */
const ARRIVED = new WeakMap<object, number>()

/**
 * When Bolt answers a request that nothing acknowledged. Its default is 404 after 3,001 ms, past
 * Slack's 3 s (the person has already seen an error) and logged as an error. Every body Bolt can
 * route is acked at once by the catch-all (app.use below), and Workroom's own listeners ack within
 * ACK_WITHIN_MS of arrival; what is left is a body Bolt cannot route (Slack's app_rate_limited
 * notice, a payload type newer than Bolt), answered 200 here before Slack's deadline.
 */
const UNHANDLED_ACK_MS = 2_500

/**
 * How long after its arrival a Log time submission's answer may take before the ack goes without
 * it (Slack closes the modal then, and the answer goes to the person's DM). Within Slack's 3 s,
 * with room for the response to travel.
 */
const VIEW_ANSWER_WITHIN_MS = 2_300

/** A response_url that does not answer is given up on (the row fails) rather than waited on forever. */
const RESPOND_TIMEOUT_MS = 15_000

export function createSlackBot(router: ConverseDeps, settings: SlackSettings, logger: Logger, options: { inbox?: Inbox; answerElsewhere?: (row: InboxRow) => Promise<void> } = {}): SlackBot {
  const socket = Boolean(settings.appToken)
  const bookkeeping = router.service ?? router.db
  const installationStore = pgInstallationStore(bookkeeping)
  const oauth = settings.botToken ? undefined : settings.oauth && {
    ...settings.oauth,
    scopes: BOT_SCOPES,
    installationStore,
    installerOptions: {
      installPath: '/slack/install', redirectUriPath: '/slack/oauth_redirect', directInstall: true, clientOptions: { ...(settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {}) },
      // Only with an operator's link for a tenant: see install-link.ts.
      installPathOptions: {
        beforeRedirection: async (req: IncomingMessage, res: ServerResponse) => {
          const token = tokenFromQuery(req)
          if (!verifyInstallToken(settings.oauth!.stateSecret, token)) {
            refuseInstall(res, 403, 'Installing Workroom needs an install link from a Workroom operator (workroom workspaces install-link --tenant <agency>). This one is missing, expired or not valid.')
            return false
          }
          res.setHeader('Set-Cookie', `${INSTALL_COOKIE}=${encodeURIComponent(token!)}; Path=/slack; HttpOnly; SameSite=Lax; Max-Age=600${req.headers['x-forwarded-proto'] === 'https' ? '; Secure' : ''}`)
          return true
        },
      },
      callbackOptions: {
        afterInstallation: async (installation: Installation, _options: unknown, req: IncomingMessage, res: ServerResponse) => {
          const tenant = verifyInstallToken(settings.oauth!.stateSecret, tokenFromCookie(req))
          const workspace = installation.isEnterpriseInstall ? installation.enterprise?.id : installation.team?.id
          if (!tenant || !workspace) {
            refuseInstall(res, 403, 'This install did not start from a valid Workroom install link, or it took longer than ten minutes. Ask a Workroom operator for a new link.')
            return false
          }
          try {
            await bindWorkspace(bookkeeping, 'slack', workspace, tenant, 'slack_install')
          } catch (err) {
            if (!(err instanceof BindingRefused)) throw err
            logger.warn({ workspace, tenant }, `Slack install refused: ${err.message}`)
            refuseInstall(res, 409, `This Slack workspace is already connected to another agency in Workroom, so it was not connected to "${tenant}". A Workroom operator can change that.`)
            return false
          }
          return true
        },
      },
    },
  }
  const receiver = socket ? undefined : new HTTPReceiver({
    signingSecret: settings.signingSecret!,
    endpoints: '/slack/events',
    logger: slackLogger(logger),
    // Bolt's own limit (raw-body's, 4 MB by default) for bodies without a Content-Length: see the route.
    bodyLimit: MAX_CHAT_BODY_BYTES,
    // Bolt acknowledges an event before any listener runs; with this, the HTTP response waits
    // until the listener returns, and ours return as soon as the event is recorded in the inbox
    // (the work runs after, detached). Commands and clicks call ack() themselves, after recording.
    processBeforeResponse: true,
    // Listeners see it as context.arrivedAt.
    customPropertiesExtractor: (req) => ({ arrivedAt: ARRIVED.get(req) ?? performance.now() }),
    unhandledRequestTimeoutMillis: UNHANDLED_ACK_MS,
    unhandledRequestHandler: ({ request, response }) => {
      logger.warn({ path: request.url }, `Slack request not acknowledged within ${UNHANDLED_ACK_MS} ms (a payload Bolt cannot route, or a listener past the deadline): answered 200`)
      if (response.headersSent) return
      response.writeHead(200)
      response.end()
    },
    ...oauth,
  })
  const clientOptions = { ...(settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {}) }
  // The configured tenant's claim on the token's workspace. An operator's binding to another
  // tenant wins (and is reported): configuration never moves a workspace between agencies.
  const bindConfigured = async (team: { teamId: string; enterpriseId: string | null }) => {
    if (!settings.tenant) return
    try {
      if (await bindWorkspace(bookkeeping, 'slack', team.teamId, settings.tenant, 'config')) {
        logger.info({ team: team.teamId, tenant: settings.tenant }, 'Slack workspace bound to its configured tenant')
      }
    } catch (err) {
      if (!(err instanceof BindingRefused)) throw err
      logger.error({ team: team.teamId, tenant: settings.tenant }, `SLACK_TENANT not applied: ${err.message}`)
    }
  }
  const app = new App({
    ...(settings.botToken ? { authorize: singleWorkspace(new WebClient(undefined, clientOptions), settings.botToken, bindConfigured) } : {}),
    // SocketModeClient writes retryConfig { retries: 100 } into the clientOptions it is given, which
    // would be every listener's: it gets a copy.
    ...(socket ? { socketMode: true, appToken: settings.appToken, installerOptions: { clientOptions: { ...clientOptions } }, ...oauth } : { receiver }),
    logger: slackLogger(logger),
    clientOptions,
  })
  const inbox = options.inbox ?? new Inbox(bookkeeping)

  const emailOf = (client: WebClient, inbound: Pick<RecordedInbound, 'workspaceId' | 'enterpriseId' | 'externalUserId'>) => async () =>
    confirmedEmail(await client.users.info({ user: inbound.externalUserId }).catch(() => null), { team: inbound.workspaceId, enterprise: inbound.enterpriseId ?? null })

  /** Sends a reply where the row says; the client carries the workspace's bot token. */
  const answer = async (client: WebClient, to: AnswerTo, reply: Reply): Promise<void> => {
    // 'shared' even in a DM: a slash command or button there may be in a DM between two people.
    if (to.kind === 'response_url') return respondAt(to.url, { ...renderBlocks(reply), response_type: slackVisibility(reply, 'shared'), ...(to.replaceOriginal === null ? {} : { replace_original: to.replaceOriginal }) })
    // A user id as the channel is the person's DM with the app (as sendDirect): nobody else reads it.
    if (to.kind === 'direct') return void await client.chat.postMessage({ channel: to.user, ...renderBlocks(reply) })
    return deliver(client, reply, { channel: to.channel, user: to.user, threadTs: to.threadTs ?? undefined, replaceTs: to.replaceTs ?? undefined, place: to.place })
  }

  /** The row's handler and its answer: the same for the process that acked it and for a resumer. */
  const run = (row: InboxRow<RecordedInbound, AnswerTo>, client: WebClient, answerWith = (reply: Reply) => answer(client, row.answerTo, reply)) => {
    // In an assistant thread a chat model's answer streams (stream.ts); elsewhere it posts once.
    const to = row.answerTo
    const stream = to.kind === 'thread' && to.assistant && to.threadTs
      ? slackAnswerStream(client, { channel: to.channel, threadTs: to.threadTs, team: row.inbound.workspaceId, user: to.user }, logger)
      : undefined
    return runRecorded(router, inbox, row, {
      answer: (reply) => (stream?.started ? stream.finish(reply) : answerWith(reply)),
      ...(stream ? { stream } : {}), verifiedEmail: emailOf(client, row.inbound), logger,
    })
  }

  // The one error boundary for work after the ack: logged, and the person gets an apology where
  // the answer would have gone. Tracked, so that shutdown can wait for it (drain).
  //
  // The work starts on the next turn of the event loop (setImmediate), not in the listener that
  // acks: Bolt writes the ack once the listener's promise settles, so work started inside it ran
  // its first synchronous stretch (identity lookup, query building) ahead of the ack, and a
  // request already waiting on its socket was read only after that. Deferred, the ack goes out
  // first and waiting requests are read before the work begins.
  const working = new Set<Promise<void>>()
  const guarded = (client: WebClient, to: AnswerTo, work: () => Promise<unknown>): Promise<void> => {
    const done: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve)).then(work).then(() => undefined, async (err: unknown) => {
      logger.error({ err }, 'slack listener failed')
      await answer(client, to, textReply(SOMETHING_WENT_WRONG)).catch(() => undefined)
    }).finally(() => working.delete(done))
    working.add(done)
    return done
  }

  /**
   * Records a delivery in the inbox and waits for it, within ACK_WITHIN_MS of its arrival, before
   * the caller acks. `early`: 'duplicate' (the key was there: a retried event), 'late' (no time
   * left: ack anyway), otherwise what `recorded` resolves to. A database that is down resolves
   * 'unavailable': the person is told nothing was saved, as before there was an inbox.
   */
  const record = async (context: Record<string, unknown>, key: string, inbound: RecordedInbound, to: AnswerTo) => {
    // Socket Mode has no HTTP request: its budget starts here.
    const arrivedAt = typeof context.arrivedAt === 'number' ? context.arrivedAt : performance.now()
    const recorded: Promise<InboxRow<RecordedInbound, AnswerTo> | null | 'unavailable'> = inbox.record('slack', key, inbound, to).catch((err: unknown) => {
      if (!isDatabaseUnavailable(err)) throw err
      abandonUnrecorded(inbox, key, logger)
      return 'unavailable' as const
    })
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), Math.max(0, arrivedAt + ACK_WITHIN_MS - performance.now())) })
    // A failure other than an outage is a bug: it is rethrown after the ack, inside the boundary.
    const early = await Promise.race([recorded, late]).catch(() => 'late' as const).finally(() => clearTimeout(timer))
    if (early === 'late') logger.debug({ inboxKey: key }, 'acked before the inbox insert finished (no time left before Slack\'s deadline)')
    return { early: early === null ? 'duplicate' as const : early, recorded }
  }
  /**
   * After the ack: the recorded row run (in an answer thread when there are some: its resume runs
   * it there, as here), or the outage told.
   */
  const afterAck = async (recorded: Promise<InboxRow<RecordedInbound, AnswerTo> | null | 'unavailable'>, client: WebClient, to: AnswerTo, start?: (row: InboxRow<RecordedInbound, AnswerTo>) => Promise<InboxRow<RecordedInbound, AnswerTo>>) => {
    const row = await recorded
    if (row === null) return   // recorded by an earlier delivery of the same thing
    if (row === 'unavailable') return answer(client, to, textReply(DATABASE_UNAVAILABLE))
    const started = start ? await start(row) : row
    await (options.answerElsewhere ? options.answerElsewhere(started) : run(started, client))
  }

  const self = (context: Context) => ({ botUserId: context.botUserId })

  // Slack's assistant view: its events and the messages in its threads go here before the
  // catch-all (which would set aside assistant_thread_started); a message is still checked by
  // slackToInbound, so Workroom's own posts and other bots' are not answered.
  app.assistant(workroomAssistant({
    deps: router, logger,
    track: (work) => {
      const done: Promise<void> = work().then(() => undefined, (err: unknown) => { logger.error({ err }, 'slack assistant listener failed') })
        .finally(() => working.delete(done))
      working.add(done)
    },
    emailOf: (client, who) => emailOf(client, who)(),
    onMessage: async ({ body, event, client, context, setStatus, setTitle }) => {
      const inbound = slackToInbound(body, self(context as Context))
      if ('ignore' in inbound) {
        logger.debug({ slack: slackPayloadKind(body), reason: inbound.ignore }, 'Slack assistant thread message acknowledged, not for Workroom')
        return
      }
      await onMessage({ eventId: (body as { event_id: string }).event_id, channel: event.channel, inbound, place: 'dm', client, context, assistant: { setStatus, setTitle } })
    },
  }))

  // The catch-all: every request Bolt routes comes here first. What slackToInbound sets aside (a
  // command, button, modal or shortcut that is not Workroom's, a message Workroom does not answer)
  // is acked now and goes no further; without this, a command or click no listener matches would
  // wait for Bolt's unhandled-request timer. Events are acked by Bolt before any middleware.
  // The catch-all's translation, for the listener that handles the same body (Bolt hands both the
  // same object): a payload is parsed once per request, not twice.
  const translations = new WeakMap<object, SlackInbound>()
  const translated = (body: unknown, context: Context): SlackInbound => {
    const known = typeof body === 'object' && body !== null ? translations.get(body) : undefined
    if (known) return known
    const inbound = slackToInbound(body, self(context))
    if (typeof body === 'object' && body !== null) translations.set(body, inbound)
    return inbound
  }
  app.use(async (args) => {
    const inbound = translated(args.body, args.context)
    if (!('ignore' in inbound) || isWorkroomSurface(args.body)) return args.next()
    if ('ack' in args && args.ack) await args.ack()
    logger.debug({ slack: slackPayloadKind(args.body), reason: inbound.ignore }, 'Slack request acknowledged, not for Workroom')
  })

  /** The Inbound of a request the catch-all let through: the same pure function, so an ignore here is a bug. */
  const inboundOf = (body: unknown, context: Context): Inbound => {
    const inbound = translated(body, context)
    if ('ignore' in inbound) throw new Error(`a Slack listener ran for a request slackToInbound ignores: ${inbound.ignore}`)
    return inbound
  }

  // Slash commands: recorded, acked (Slack allows 3 s), answered through response_url.
  app.command(new RegExp(`^/(${COMMANDS.join('|')})$`), async ({ command, body, ack, client, context }) => {
    const inbound = inboundOf(body, context)
    const slow = command.command === '/ask'
    const to: AnswerTo = { kind: 'response_url', url: command.response_url, replaceOriginal: slow ? true : null }
    const { early, recorded } = await record(context, `slack:command:${command.trigger_id}`, inbound, to)
    // Slack does not retry commands: a key seen before is a replayed request, acked and ignored.
    if (early === 'duplicate') return ack()
    await ack(slow && early !== 'unavailable' ? { response_type: 'ephemeral', text: ':mag: Looking that up in the knowledge base…' } : undefined)
    void guarded(client, to, () => afterAck(recorded, client, to))
  })

  // Mentions in channels and direct messages: answered in the thread of the message (a mention
  // starts one; a DM is threaded only when it was in a thread).
  const onMessage = async (args: { eventId: string; channel: string; inbound: Inbound; place: SlackPlace; client: WebClient; context: Record<string, unknown>; assistant?: AssistantThread }) => {
    const { client, inbound, assistant } = args
    if (inbound.input.kind !== 'message') throw new Error(`a Slack message listener got a ${inbound.input.kind}`)
    const text = inbound.input.text
    const to: AnswerTo = { kind: 'thread', channel: args.channel, user: inbound.externalUserId, threadTs: inbound.threadId, replaceTs: null, place: args.place, ...(assistant ? { assistant: true } : {}) }
    const { early, recorded } = await record(args.context, `slack:event:${args.eventId}`, inbound, to)
    if (early === 'duplicate') return   // a retry of a delivery we already have
    // A question gets a progress note first; its ts goes into the row, so that whoever answers replaces it.
    // In an assistant thread it gets the thread's status line instead (cleared by Slack when the
    // answer is posted) and titles the thread; neither is worth failing the answer for.
    const progress = async (row: InboxRow<RecordedInbound, AnswerTo>) => {
      if (intentOf({ kind: 'message', text }).kind !== 'ask') return row
      if (assistant) {
        await Promise.all([assistant.setStatus(LOOKING_IT_UP), assistant.setTitle(threadTitle(text))])
          .catch((err: unknown) => logger.warn({ err }, 'could not set the assistant thread status or title'))
        return row
      }
      const note = await client.chat.postMessage({ channel: args.channel, ...(inbound.threadId ? { thread_ts: inbound.threadId } : {}), text: ':mag: Looking that up…' })
      const answerTo: AnswerTo = { ...to, replaceTs: note.ts ?? null }
      await inbox.redirect(row.key, answerTo)
      return { ...row, answerTo }
    }
    void guarded(client, to, () => afterAck(recorded, client, to, progress))
  }

  app.event('app_mention', async ({ event, body, client, context }) => {
    await onMessage({ eventId: body.event_id, channel: event.channel, inbound: inboundOf(body, context), place: 'shared', client, context })
  })
  // Only direct messages from people get this far (the catch-all sets the rest aside).
  app.message(async ({ message, body, client, context }) => {
    await onMessage({ eventId: (body as { event_id: string }).event_id, channel: message.channel, inbound: inboundOf(body, context), place: 'dm', client, context })
  })

  // Buttons: the block action id maps back to the Reply's action id; the payload is the value.
  app.action<BlockAction<ButtonAction>>(WORKROOM_ACTION, async ({ ack, body, action, client, context }) => {
    // Every click is its own row (Slack gives each a trigger_id). Whether it acts is decided after
    // the clicker is identified, by the claim in its request id (slackToInbound).
    const inbound = inboundOf(body, context)
    const to: AnswerTo = { kind: 'response_url', url: body.response_url, replaceOriginal: false }
    const { early, recorded } = await record(context, `slack:click:${body.trigger_id ?? `${body.user.id}:${action.action_ts}`}`, inbound, to)
    await ack()
    if (early === 'duplicate') return
    void guarded(client, to, () => afterAck(recorded, client, to))
  })

  // The Home tab, the Log time modal's openers and its campaign picker (home.ts, log-time-modal.ts).
  const surfaces: SurfaceDeps = {
    router, logger,
    verifiedEmail: (client, asker) => async () =>
      confirmedEmail(await client.users.info({ user: asker.externalUserId }).catch(() => null), { team: asker.workspaceId, enterprise: asker.enterpriseId ?? null }),
    track: (work) => {
      const done: Promise<void> = work().then(() => undefined, (err: unknown) => { logger.error({ err }, 'slack listener failed') }).finally(() => working.delete(done))
      working.add(done)
    },
  }
  registerHome(app, surfaces)
  registerLogTime(app, surfaces)

  /**
   * A Log time submission: recorded in the inbox (its trigger_id: a retried delivery is found and
   * runs nothing), run through converse like any input, and answered in the ack itself: the
   * fields' errors, or the modal replaced by what was logged. Past the ack's deadline the modal
   * closes and the answer goes to the person's DM with the app, as it does for a resumer.
   */
  const submitLogTime = async ({ ack, body, client, context }: { ack: (response?: ViewResponseAction) => Promise<void>; body: ViewSubmitAction; client: WebClient; context: Context }) => {
    const inbound = inboundOf(body, context)
    const to: AnswerTo = { kind: 'direct', user: body.user.id }
    const { early, recorded } = await record(context, `slack:view:${body.trigger_id}`, inbound, to)
    if (early === 'duplicate') return ack()
    if (early === 'unavailable') return ack({ response_action: 'update', view: messageModal(textReply(DATABASE_UNAVAILABLE)) })
    const arrivedAt = typeof context.arrivedAt === 'number' ? context.arrivedAt : performance.now()
    let inDm = false
    let settle!: (reply: Reply | null) => void
    const inModal = new Promise<Reply | null>((resolve) => { settle = resolve })
    const work = guarded(client, to, async () => {
      const row = await recorded
      if (row === null || row === 'unavailable') return settle(row === null ? null : textReply(DATABASE_UNAVAILABLE))
      await run(row, client, async (reply) => (inDm ? answer(client, to, reply) : settle(reply)))
      settle(null)
    })
    // A failure is the boundary's: it apologises in the DM; the modal closes.
    void work.finally(() => settle(null))
    let timer: NodeJS.Timeout | undefined
    // From the moment the deadline passes, an answer goes to the DM (set here, not after the race,
    // so that an answer arriving in between is not given to a modal already closed).
    const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => { inDm = true; resolve('late') }, Math.max(0, arrivedAt + VIEW_ANSWER_WITHIN_MS - performance.now())) })
    const result = await Promise.race([inModal, late]).finally(() => clearTimeout(timer))
    if (result === 'late' || result === null) return ack()
    await ack(submissionAck(result) as ViewResponseAction)
    // What was logged shows on the Home tab at once, when the modal was opened from it.
    if (!result.fieldErrors && openedFrom(body.view) === 'home') {
      surfaces.track(() => publishHome(surfaces, client, { team: inbound.workspaceId, enterprise: inbound.enterpriseId ?? null, user: inbound.externalUserId }))
    }
  }
  app.view<ViewSubmitAction>({ callback_id: LOG_TIME_VIEW, type: 'view_submission' }, (args) => submitLogTime({ ...args, ack: args.ack as (response?: ViewResponseAction) => Promise<void> }))

  app.error(async (err) => {
    logger.error({ err }, 'slack listener failed')
  })

  const routes = new Hono<{ Bindings: HttpBindings }>()
  if (receiver) {
    // Bolt reads the raw body itself (the signature covers its exact bytes) and writes the response.
    const bolt = (c: { env: HttpBindings }) => {
      ARRIVED.set(c.env.incoming, performance.now())
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
  const tokenFor = async (workspaceId: string) => {
    const token = settings.botToken
      ?? (await installationStore.fetchInstallation({ teamId: workspaceId, enterpriseId: undefined, isEnterpriseInstall: false })).bot?.token
    if (!token) throw new Error(`no bot token for Slack workspace ${workspaceId}`)
    return token
  }
  // One WebClient per bot token, as Bolt keeps for its listeners: an answer thread resumes every row it runs.
  const clients = new Map<string, WebClient>()
  const clientFor = (token: string) => {
    let client = clients.get(token)
    if (!client) clients.set(token, client = new WebClient(token, clientOptions))
    return client
  }
  return {
    app, routes, mode: socket ? 'socket' : 'http',
    postMessage: async (workspaceId, channelId, reply) => {
      // The WebClient retries a 429 after its Retry-After; nothing was posted, so no duplicate.
      await app.client.chat.postMessage({ token: await tokenFor(workspaceId), channel: channelId, ...renderBlocks(assertShareable(reply, `Slack channel ${channelId}`)) })
    },
    sendDirect: async (to, reply) => {
      // A user id as the channel posts to the person's DM with the app (its Messages tab): only
      // chat:write is needed, no conversations.open (im:write). Private content may go there: only
      // that person reads it.
      try {
        await app.client.chat.postMessage({ token: await tokenFor(to.workspaceId), channel: to.externalUserId, ...renderBlocks(reply) })
        return true
      } catch (err) {
        if (UNREACHABLE_IN_DM.has((err as { data?: { error?: string } }).data?.error ?? '')) {
          logger.warn({ team: to.workspaceId, user: to.externalUserId, error: (err as { data?: { error?: string } }).data?.error }, 'Slack direct message not delivered: the person cannot be reached')
          return false
        }
        throw err
      }
    },
    resume: async (stored) => {
      const row = stored as InboxRow<RecordedInbound, AnswerTo>
      const client = clientFor(await tokenFor(row.inbound.workspaceId))
      await guarded(client, row.answerTo, () => run(row, client))
    },
    start: async () => {
      if (socket) await app.start()
    },
    stop: async () => {
      if (socket) await app.stop()
    },
    drain: async () => {
      while (working.size > 0) await Promise.allSettled([...working])
    },
  }
}

/**
 * chat.postMessage errors that mean this person cannot get a DM from the app (deactivated, never
 * had it, the workspace uninstalled it): not worth retrying, reported as false.
 */
const UNREACHABLE_IN_DM = new Set(['channel_not_found', 'user_not_found', 'user_disabled', 'cannot_dm_bot', 'messages_tab_disabled', 'not_in_channel', 'account_inactive', 'is_archived'])

/** Posts to a response_url as Bolt's respond() does, bounded in time. */
async function respondAt(url: string, message: Record<string, unknown>): Promise<void> {
  const res = await fetch(url, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message), signal: AbortSignal.timeout(RESPOND_TIMEOUT_MS),
  })
  // Slack answers 404 once the response_url has expired (30 minutes) or was used five times.
  if (!res.ok) throw new Error(`the response_url answered ${res.status} ${res.statusText}`)
  await res.arrayBuffer()
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
function singleWorkspace(client: WebClient, botToken: string, onFirstContact: (team: { teamId: string; enterpriseId: string | null }) => Promise<void>) {
  let identity: Promise<{ botUserId: string; botId: string }> | null = null
  return async () => {
    identity ??= client.auth.test({ token: botToken }).then(
      async (r) => {
        await onFirstContact({ teamId: r.team_id!, enterpriseId: r.enterprise_id ?? null })
        return { botUserId: r.user_id!, botId: r.bot_id! }
      },
      (err: unknown) => {
        identity = null
        throw err
      },
    )
    return { botToken, ...(await identity) }
  }
}

/**
 * The e-mail of a Slack user for auto-linking, only when Slack says the address is confirmed and
 * the user belongs to the workspace (or Grid org) the request came from: not a Slack Connect
 * stranger from another organisation, not a bot, not a deactivated account. Anyone can type any
 * address into an unconfirmed profile.
 */
export function confirmedEmail(info: UsersInfoResponse | null, workspace: { team: string; enterprise: string | null }): string | null {
  const user = info?.user
  if (!user || user.is_email_confirmed !== true || user.is_stranger || user.is_bot || user.deleted) return null
  const home = [user.team_id, user.enterprise_user?.enterprise_id].filter(Boolean)
  if (home.length > 0 && !home.some((id) => id === workspace.team || (workspace.enterprise !== null && id === workspace.enterprise))) return null
  return user.profile?.email ?? null
}

/**
 * A reply to a message: ephemeral ones (and, in a shared place, any with figures) only to the
 * person, others in the thread (replacing the progress note).
 */
async function deliver(client: WebClient, reply: Reply, to: { channel: string; user: string; threadTs: string | undefined; replaceTs: string | undefined; place: SlackPlace }) {
  const { text, blocks } = renderBlocks(reply)
  const thread = to.threadTs ? { thread_ts: to.threadTs } : {}
  if (slackVisibility(reply, to.place) === 'ephemeral') {
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
