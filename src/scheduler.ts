/**
 * The digest scheduler: a croner job ticks every minute; each tick claims the digests that are
 * due (src/db/digests.ts: the claim is a unique row, so every replica may tick and each digest
 * is still posted once), builds each under a system actor of its tenant, and hands it to the
 * platform's sender. A failed delivery is retried on later ticks, then given up and logged.
 */
import { Cron } from 'croner'
import type { Kysely } from 'kysely'
import { claimDue, finishRun, type Claim, type DigestPlatform, type DigestSubscription } from './db/digests.ts'
import type { DB } from './db/schema.ts'
import { buildDigest, digestReply } from './handlers/digest-content.ts'
import type { Reply } from './handlers/reply.ts'
import type { Logger } from './log.ts'
import type { SlackBot } from './bots/slack/app.ts'
import type { TeamsBot } from './bots/teams/app.ts'
import { runDueReminders, type DirectSender } from './reminders.ts'

/** Posts a reply to a subscription's channel; throws when it could not. */
export type DigestSender = (subscription: DigestSubscription, reply: Reply) => Promise<void>

export interface SchedulerDeps {
  /** Digest content, built as the tenant's system actor. */
  db: Kysely<DB>
  /** Claims and outcomes of runs (Engine.service.db); db when absent. */
  service?: Kysely<DB>
  now: () => Date
  senders: Partial<Record<DigestPlatform, DigestSender>>
  logger: Logger
  /** Deliveries tried per digest before giving up (default 3). */
  maxAttempts?: number
  /** How long after a failure the next attempt may start (default 5 minutes). */
  retryAfterMs?: number
  /** Each platform's sendDirect: end-of-day reminders (src/reminders.ts) tick with the digests when any is there. */
  directSenders?: Partial<Record<string, DirectSender>>
}

export interface TickResult { claimed: number; sent: number; failed: number; gaveUp: number }

/** One tick: claim what is due at deps.now() and deliver it. Safe to run in any number of processes at once. */
export async function runDueDigests(deps: SchedulerDeps): Promise<TickResult> {
  const maxAttempts = deps.maxAttempts ?? 3
  const claims = await claimDue(deps.service ?? deps.db, deps.now(), { maxAttempts, retryAfterMs: deps.retryAfterMs ?? 5 * 60_000 })
  const result: TickResult = { claimed: claims.length, sent: 0, failed: 0, gaveUp: 0 }
  // One after another: a tick posts a handful of digests, and the platforms rate-limit per channel anyway.
  for (const claim of claims) {
    const outcome = await deliver(claim)
    if (outcome === 'sent') result.sent++
    else if (outcome === 'failed') result.failed++
    else result.gaveUp++
  }
  return result

  async function deliver(claim: Claim): Promise<'sent' | 'failed' | 'gave_up'> {
    const d = deps
    const { subscription: s } = claim
    const log = d.logger.child({ subscription: s.id, tenant: s.tenantId, platform: s.platform, channel: s.channelId, date: claim.localDate, attempt: claim.attempt })
    try {
      const send = d.senders[s.platform]
      if (!send) throw new Error(`${s.platform} is not configured in this process`)
      const data = await buildDigest(d.db, s.tenantId, claim.localDate, { platform: s.platform, workspaceId: s.workspaceId, channelId: s.channelId })
      await send(s, digestReply(data))
      await finishRun(d.service ?? d.db, claim, { status: 'sent' }, d.now())
      log.info('digest posted')
      return 'sent'
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err)
      const status = claim.attempt >= maxAttempts ? 'gave_up' : 'failed'
      await finishRun(d.service ?? d.db, claim, { status, error }, d.now())
      if (status === 'gave_up') log.error({ err }, `digest not delivered after ${claim.attempt} attempts; giving up for ${claim.localDate}`)
      else log.warn({ err }, 'digest delivery failed; it will be retried')
      return status
    }
  }
}

export interface Scheduler {
  /** Stops ticking and waits for a tick in progress to finish. */
  stop(): Promise<void>
}

/**
 * Ticks at the start of every minute; a tick still running when the next is due is not overlapped.
 * Digests, then reminders: two job kinds on one clock, each claimed by a unique row, so no job
 * queue is needed (docs/digests.md).
 */
export function startScheduler(deps: SchedulerDeps): Scheduler {
  let running: Promise<void> = Promise.resolve()
  const direct = deps.directSenders ?? {}
  const job = new Cron('* * * * *', { protect: true }, () => {
    running = (async () => {
      await runDueDigests(deps).catch((err: unknown) => deps.logger.error({ err }, 'digest tick failed'))
      if (Object.keys(direct).length === 0) return
      await runDueReminders({ db: deps.db, service: deps.service, now: deps.now, senders: direct, logger: deps.logger })
        .catch((err: unknown) => deps.logger.error({ err }, 'reminder tick failed'))
    })()
    return running
  })
  return {
    stop: async () => {
      job.stop()
      await running
    },
  }
}

