/**
 * One inbound, run from its inbox row (src/db/inbox.ts): the same path for the process that
 * acknowledged it and for a process that resumes it after the first one died. Adapters record
 * first, acknowledge, then call runRecorded with how to answer on their platform.
 *
 * What "exactly once" means here: a row is settled only after its answer went out, so a process
 * killed anywhere before that leaves it to be resumed, and the handler runs again. Writes are
 * safe to run again: a time entry is idempotent by the request id (external_ref), so a resumed
 * /timesheet finds the entry the killed process wrote; a click's claim is held by its row, so a
 * resumed click passes it again and a double click does not. An answer can be sent twice only
 * when a process dies between sending it and settling the row: then the person sees it twice
 * (for a time entry: the second time as "already logged"); never two entries.
 */
import { createHash } from 'node:crypto'
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel'
import { isDatabaseUnavailable } from '../db/errors.ts'
import type { Inbox, InboxRow } from '../db/inbox.ts'
import type { Logger } from '../log.ts'
import type { Inbound } from './inbound.ts'
import type { Reply } from './reply.ts'
import { converse, type ConverseDeps } from '../chat/converse.ts'
import type { Delivery } from '../chat/platform.ts'

/** The Inbound as a row stores it: everything but how to fetch the e-mail, which the adapter supplies again. */
export type RecordedInbound = Omit<Inbound, 'verifiedEmail'>

export interface RunOptions extends Delivery {
  logger: Logger
}

/**
 * Runs the row's handler and answers. A click (an 'action' input) claims its per-person,
 * per-button key once the clicker is identified and allowed; when it was claimed already (a
 * double click) nothing runs and nothing is said. The lease is renewed while this runs, so a slow
 * answer (an LLM) is not taken for a dead process. A handler or an answer that throws settles
 * the row as failed and rethrows: the adapter's one error boundary logs it and apologises.
 */
export async function runRecorded(deps: ConverseDeps, inbox: Inbox, row: InboxRow<RecordedInbound>, options: RunOptions): Promise<'answered' | 'double_click'> {
  const lease = keepLeased(inbox, row.key, options.logger)
  try {
    const inbound: Inbound = { ...row.inbound, ...(options.verifiedEmail ? { verifiedEmail: options.verifiedEmail } : {}) }
    // The request id of a click names the person and the button (adapters build it so): it is the claim.
    const once = inbound.input.kind === 'action' ? () => inbox.claimOnce(row.key, `${row.platform}:${inbound.requestId}`) : undefined
    let reply: Reply | null
    try {
      reply = await converse(options.stream ? { ...deps, answerSink: options.stream } : deps, inbound, once)
      if (reply) await options.answer(reply)
    } catch (err) {
      lease.stop()
      await settleSoon(inbox, row.key, 'failed', options.logger, err instanceof Error ? err.message : String(err))
      throw err
    }
    // Renewals end before the settle: one still on its way would find the row settled, not lost.
    lease.stop()
    await settleSoon(inbox, row.key, reply?.failed ? 'failed' : 'answered', options.logger, reply?.failed)
    return reply ? 'answered' : 'double_click'
  } finally {
    lease.stop()
  }
}

/**
 * A delivery that could not be recorded because the database was unavailable: the person is told
 * nothing was saved. The insert may still have committed (the connection dropped after it), so
 * the row, if it exists, is settled as failed as soon as the database answers, before its lease
 * runs out and a resumer would run what the person was told did not happen.
 */
export function abandonUnrecorded(inbox: Inbox, key: string, logger: Logger): void {
  void settleSoon(inbox, key, 'failed', logger, 'the database was unavailable when this was received; the person was told nothing was saved')
}

/**
 * Retries while the database is unavailable, for about as long as a lease lasts by default
 * (0.25, 0.5, 1, 2, then every 4 s: 10 tries over ~28 s): long enough that a short outage does
 * not leave an answered row to be resumed and answered twice.
 */
const SETTLE_RETRY = retry(handleWhen(isDatabaseUnavailable), { maxAttempts: 9, backoff: new ExponentialBackoff({ initialDelay: 250, maxDelay: 4_000 }) })

async function settleSoon(inbox: Inbox, key: string, state: 'answered' | 'failed', logger: Logger, error?: string): Promise<void> {
  try {
    await SETTLE_RETRY.execute(() => inbox.settle(key, state, error))
  } catch (err) {
    // The answer went out (or the person was told it failed); only the bookkeeping is missing.
    // Once the lease runs out the row is resumed, and may be answered a second time.
    logger.warn({ err, inboxKey: key, state }, 'could not settle an inbox row; it may be answered again')
  }
}

/** Renews the lease at a third of its length while the row is worked on. */
function keepLeased(inbox: Inbox, key: string, logger: Logger): { stop(): void } {
  let stopped = false
  const timer = setInterval(() => {
    inbox.renew(key).then(
      (ours) => { if (!ours && !stopped) logger.warn({ inboxKey: key }, 'lost the lease on an inbox row (another process took it over); it may be answered twice') },
      (err: unknown) => logger.debug({ err, inboxKey: key }, 'could not renew an inbox lease'),
    )
  }, Math.max(250, inbox.leaseMs / 3))
  // A lease never keeps the process alive.
  timer.unref()
  return { stop: () => { stopped = true; clearInterval(timer) } }
}

/**
 * A short, fixed-length stand-in for a button's payload inside a request id: payloads run to
 * 2,000 characters (a timesheet choice is JSON), and the id is an indexed key (external_ref,
 * the click's claim).
 */
export const payloadDigest = (payload: string): string => createHash('sha256').update(payload).digest('base64url').slice(0, 22)
