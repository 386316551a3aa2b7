/** Telling a database that went away from a request the database refused. */

/** Connection refused or dropped, or the server shutting down or starting up: not the request's fault. */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (err instanceof CommitOutcomeUnknown) return true
  const e = err as { code?: unknown; message?: unknown } | null
  const code = typeof e?.code === 'string' ? e.code : ''
  return ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'].includes(code)
    || /^(08|57P0[1-3])/.test(code)   // connection exceptions; admin / crash shutdown, cannot connect now
    || /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(typeof e?.message === 'string' ? e.message : '')
}

/**
 * The connection was lost after the transaction's work was done, while COMMIT was on its way: the
 * server may have committed it (and crashed before saying so) or not. Only the database knows,
 * once it is back; "nothing was saved" would be a guess.
 */
export class CommitOutcomeUnknown extends Error {
  constructor(cause: unknown) {
    super('the connection was lost while committing: the transaction may or may not have been committed', { cause })
    this.name = 'CommitOutcomeUnknown'
  }
}

/**
 * The database's own timesheet refusals (migration 015), by their SQLSTATE: an entry in a locked
 * period (WR001), or one that was approved and is frozen until a reviewer reopens it (WR002).
 * The bot checks both before it writes; these are what the database says when it knows better
 * (a lock shorter than the bot's setting, an approval made between the check and the write).
 */
export function timesheetRefusal(err: unknown): 'locked' | 'approved' | null {
  const code = (err as { code?: unknown } | null)?.code
  return code === 'WR001' ? 'locked' : code === 'WR002' ? 'approved' : null
}
