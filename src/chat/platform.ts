/**
 * What a chat platform is to the process: something that may start (when its settings are there),
 * may serve HTTP routes, may post digests, may resume deliveries another process acked, and drains
 * on shutdown. Each platform registers one of these in src/chat/platforms.ts; main.ts, the
 * scheduler and /readyz go through the list, never through a platform by name.
 *
 * Inside, every platform has the same shape: a pure `toInbound` (payload → Inbound, or ignore), the
 * router (converse: identity, limits, one error boundary, the handler), and a pure renderer
 * (Reply → the platform's message), with delivery (ack, answer, post) its own business.
 */
import type { Hono } from 'hono'
import type { Config } from '../config.ts'
import type { Inbox } from '../db/inbox.ts'
import type { ConverseDeps } from './converse.ts'
import type { Logger } from '../log.ts'
import type { InboxRow } from '../db/inbox.ts'
import type { DigestSender } from '../scheduler.ts'
import type { Reply } from '../handlers/reply.ts'
import type { Voice } from '../handlers/help.ts'
import type { Inbound } from '../handlers/inbound.ts'
import type { AnswerSink } from '../rag/answer.ts'

/**
 * How one inbound is answered, once it is recorded and acknowledged: the adapter makes one per
 * delivery (Slack: the command's response_url or the mention's thread; Teams: the activity's
 * conversation reference), and the pipeline (runRecorded, then converse) calls it with the Reply.
 * The same object is rebuilt from the inbox row by a process resuming another's delivery. Acking
 * stays with each adapter: Slack's 3 s deadline and Teams' invoke responses differ too much to
 * share more than "record first" (src/db/inbox.ts).
 */
export interface Delivery {
  /** Renders and sends the reply where the inbound came from; throws when it could not. */
  answer(reply: Reply): Promise<void>
  /** The asker's e-mail as the platform vouches for it, fetched only when the person is not linked yet. */
  verifiedEmail?: Inbound['verifiedEmail']
  /**
   * Where an answer streams while a chat model writes it, on a platform and in a place that
   * stream (Slack's assistant threads); answer(reply) then finishes that message.
   */
  stream?: AnswerSink
}

/** One person on one platform, as their chat identity names them (workroom.chat_identities). */
export interface DirectTarget {
  workspaceId: string
  externalUserId: string
  enterpriseId?: string | null
}

export interface PlatformContext {
  config: Config
  router: ConverseDeps
  logger: Logger
  /** The process's one inbox: platforms that ack before answering record deliveries in it. */
  inbox: Inbox
  /**
   * Where an acknowledged row is run instead of here: an answer thread (src/answer-workers.ts),
   * which runs it through this platform's resume. Absent: here, after the ack.
   */
  answerElsewhere?: (row: InboxRow) => Promise<void>
}

export interface RunningPlatform {
  /** How it runs, for /readyz: 'http', 'socket', 'authenticated', 'on'… */
  mode: string
  /** The start-up banner's line for it, given the server's URL. */
  describe(url: string): string
  /** Mounted on the HTTP server as they are. */
  routes?: Hono<any>
  /** After the HTTP server listens (Socket Mode connects here). */
  start?(): Promise<void>
  /** Stops taking new work (first step of shutdown). */
  stop?(): Promise<void>
  /** Resolves when the work already acknowledged has been answered. */
  drain?(): Promise<void>
  /** Answers an inbox row another process acknowledged and never answered. */
  resume?(row: InboxRow): Promise<void>
  /** Posts a digest to a channel of this platform. */
  postDigest?: DigestSender
  /**
   * Sends a reply to one person privately (a Slack DM, a Teams 1:1 chat with the bot), outside any
   * conversation they started: reminders, approval cards, budget alerts. False when the platform
   * cannot reach them (the app is not installed for them, or they blocked it).
   */
  sendDirect?(to: DirectTarget, reply: Reply): Promise<boolean>
}

/** How an operator names a workspace and its people on the command line (workroom link / workspaces bind). */
export interface Binding {
  workspaceHelp: string
  userHelp: string
  /** What is wrong with a workspace id, or null when it is one. */
  checkWorkspace(id: string): string | null
}

export type { Voice }

export interface ChatPlatform<N extends string = string> {
  /** As stored in the database (chat_identities.platform, digest_subscriptions.platform…). */
  name: N
  /** As people know it: 'Slack'. */
  label: string
  /** What one of its workspaces is, in a sentence: "This Slack workspace is not connected…". */
  workspace: string
  voice: Voice
  /** Its workspaces are bound to tenants by an operator (and people linked by e-mail); absent: Workroom's own surfaces. */
  binding?: Binding
  /** It has channels people subscribe to digests in (and bind to clients). */
  channels: boolean
  /**
   * Running, or null when its settings are absent (or it is turned off). A platform loads its SDK
   * here, only when configured: Bolt and botbuilder take about 2 s to load (docs/running.md).
   * Absent: the process does not serve it (the terminal, served by the local endpoint).
   */
  start?(context: PlatformContext): Promise<RunningPlatform | null> | RunningPlatform | null
  /** The banner's line when it is off: how to turn it on. */
  off(config: Config): string
}
