/**
 * The resumer: finds inbox rows (src/db/inbox.ts) that were acknowledged but never answered and
 * whose lease has run out (their process was killed, crashed, or cut off at shutdown), and runs
 * each through its bot's own path, answering where the platform said to (a Slack response_url or
 * thread, a Teams conversation). Once when the process starts and then every third of a lease:
 * one indexed query that usually finds nothing. Any number of replicas may run it; each row is
 * leased to one of them.
 */
import type { Inbox, InboxPlatform, InboxRow } from './db/inbox.ts'
import type { Logger } from './log.ts'

/** Slack's response_url takes answers for 30 minutes; later, a resumed answer could not be delivered. */
export const GIVE_UP_AFTER_MS = 30 * 60_000
/** A row whose process died this many times is not tried again: it may be what kills them. */
export const MAX_ATTEMPTS = 3

export interface ResumeDeps {
  inbox: Inbox
  /** Per platform this process answers on: runs one row as if it had just been acknowledged. */
  resumers: Partial<Record<InboxPlatform, (row: InboxRow) => Promise<void>>>
  logger: Logger
  /** Rows taken per pass; the rest wait for the next one. */
  batch?: number
}

export interface ResumeResult { resumed: number; gaveUp: number }

/** One pass: give up what is too old, resume what is left. */
export async function resumeUnanswered(deps: ResumeDeps): Promise<ResumeResult> {
  const log = deps.logger.child({ component: 'inbox' })
  const abandoned = await deps.inbox.giveUp({ maxAgeMs: GIVE_UP_AFTER_MS, maxAttempts: MAX_ATTEMPTS })
  for (const row of abandoned) {
    // Who and what, not the text: a question or a note may be private.
    const inbound = row.inbound as { workspaceId?: string; externalUserId?: string; input?: { kind?: string; command?: string; actionId?: string } } | null
    log.warn({
      inboxKey: row.key, platform: row.platform, attempts: row.attempts, receivedAt: row.receivedAt,
      workspaceId: inbound?.workspaceId, user: inbound?.externalUserId, input: inbound?.input?.command ?? inbound?.input?.actionId ?? inbound?.input?.kind,
    }, row.attempts >= MAX_ATTEMPTS
      ? `gave up on an unanswered inbound: its process died ${row.attempts} times while running it`
      : 'gave up on an unanswered inbound: older than a Slack response_url lives (30 minutes), the answer could not be delivered')
  }
  const platforms = (Object.keys(deps.resumers) as InboxPlatform[]).filter((p) => deps.resumers[p])
  const rows = await deps.inbox.claimUnanswered(platforms, { limit: deps.batch ?? 20, maxAgeMs: GIVE_UP_AFTER_MS, maxAttempts: MAX_ATTEMPTS })
  await Promise.all(rows.map(async (row) => {
    log.info({ inboxKey: row.key, platform: row.platform, attempt: row.attempts, receivedAt: row.receivedAt }, 'resumed an unanswered inbound')
    try {
      await deps.resumers[row.platform]!(row)
    } catch (err) {
      // The bots answer and log their own failures; this is only what escaped them.
      log.error({ err, inboxKey: row.key }, 'resuming an inbound failed')
    }
  }))
  return { resumed: rows.length, gaveUp: abandoned.length }
}

export interface Resumer {
  /** Stops the timer and waits for a pass in progress (and the rows it resumed) to finish. */
  stop(): Promise<void>
}

/** A pass now and then every `everyMs`; passes never overlap. Settled rows older than a day are pruned once an hour. */
export function startResumer(deps: ResumeDeps & { everyMs: number }): Resumer {
  let running: Promise<void> = Promise.resolve()
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  let prunedAt = 0
  const pass = async () => {
    try {
      await resumeUnanswered(deps)
      if (Date.now() - prunedAt > 3600_000) {
        prunedAt = Date.now()
        await deps.inbox.prune()
      }
    } catch (err) {
      // The database may be away; the next pass tries again.
      deps.logger.warn({ err, component: 'inbox' }, 'inbox resume pass failed')
    }
  }
  const tick = () => {
    running = pass().finally(() => {
      if (!stopped) timer = setTimeout(tick, deps.everyMs)
    })
  }
  tick()
  return {
    stop: async () => {
      stopped = true
      clearTimeout(timer)
      await running
    },
  }
}
