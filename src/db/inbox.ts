/**
 * The chat inbox (migration 017): every inbound delivery is written here before the platform
 * gets its ack, with what its handler needs and where to answer, and processed from the row. The
 * insert is also the de-duplication claim (a retry or a replay has the same key), and the lease
 * (claimed_by, lease_until) says which process runs the row: one that dies leaves a row whose
 * lease runs out, and claimUnanswered hands it to another process. Times are the database's
 * now(), so replicas whose clocks disagree still agree on who holds a lease.
 *
 * Platform bookkeeping, not tenant data: the service's own role, outside any actor. What a row
 * carries (the Inbound, a response_url) is dropped when it is settled; the key stays a day.
 *
 * Raw SQL throughout: leases are intervals on the server's clock, and the resumer's claim needs
 * FOR UPDATE SKIP LOCKED, so that replicas ticking together take different rows.
 */
import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { sql, type Kysely } from 'kysely'
import type { ChatInboxTable, DB } from './schema.ts'

export type InboxPlatform = ChatInboxTable['platform']

/** A row being processed: `inbound` and `answerTo` are whatever the adapter recorded. */
export interface InboxRow<I = unknown, A = unknown> {
  key: string
  platform: InboxPlatform
  inbound: I
  answerTo: A
  /** 1 when recorded; one more each time a resumer takes the row over. */
  attempts: number
  receivedAt: Date
}

/** A row given up on: what the log needs to say whose message it was. */
export interface AbandonedRow { key: string; platform: InboxPlatform; inbound: unknown; attempts: number; receivedAt: Date }

export interface InboxOptions {
  /** How long a claim holds without renewal (INBOX_LEASE_SECONDS); a live process renews it at a third of that. */
  leaseMs?: number
  /** This process, as claimed_by records it. */
  owner?: string
}

export const DEFAULT_LEASE_MS = 30_000
const DAY_MS = 24 * 3600_000

interface DbRow { inbox_key: string; platform: InboxPlatform; inbound: unknown; answer_to: unknown; attempts: number; received_at: Date }
const toRow = <I, A>(r: DbRow): InboxRow<I, A> => ({
  key: r.inbox_key, platform: r.platform, inbound: r.inbound as I, answerTo: r.answer_to as A, attempts: r.attempts, receivedAt: r.received_at,
})
const seconds = (ms: number) => ms / 1000

export class Inbox {
  readonly owner: string
  readonly leaseMs: number

  constructor(private readonly db: Kysely<DB>, options: InboxOptions = {}) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS
    // Host and pid for whoever reads the table; the suffix tells a restarted pid 1 in a container apart.
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
  }

  /**
   * Records a delivery, leased to this process. null: the key is already there (a retried event,
   * a replayed request), whatever state that row is in: nothing more is to be done with it here.
   */
  async record<I, A>(platform: InboxPlatform, key: string, inbound: I, answerTo: A): Promise<InboxRow<I, A> | null> {
    const { rows } = await sql<DbRow>`
      INSERT INTO workroom.chat_inbox (inbox_key, platform, inbound, answer_to, claimed_by, lease_until)
      VALUES (${key}, ${platform}, ${JSON.stringify(inbound)}::jsonb, ${JSON.stringify(answerTo)}::jsonb, ${this.owner},
              now() + make_interval(secs => ${seconds(this.leaseMs)}))
      ON CONFLICT (inbox_key) DO NOTHING
      RETURNING inbox_key, platform, inbound, answer_to, attempts, received_at`.execute(this.db)
    return rows[0] ? toRow<I, A>(rows[0]) : null
  }

  /** Extends this process's lease on a row it is still working on; false when the row is no longer its own. */
  async renew(key: string): Promise<boolean> {
    const { rows } = await sql`
      UPDATE workroom.chat_inbox SET lease_until = now() + make_interval(secs => ${seconds(this.leaseMs)})
       WHERE inbox_key = ${key} AND claimed_by = ${this.owner} AND state = 'received'
      RETURNING 1 AS ok`.execute(this.db)
    return rows.length === 1
  }

  /** Changes where a row is answered (e.g. a progress note was posted, to be replaced by the answer). */
  async redirect<A>(key: string, answerTo: A): Promise<void> {
    await sql`UPDATE workroom.chat_inbox SET answer_to = ${JSON.stringify(answerTo)}::jsonb
               WHERE inbox_key = ${key} AND state = 'received'`.execute(this.db)
  }

  /**
   * A click's claim (per person, per button): true when this row now holds `onceKey`, or already
   * did (the row is being resumed), false when another row holds it (a double click).
   */
  async claimOnce(key: string, onceKey: string): Promise<boolean> {
    try {
      const { rows } = await sql`
        UPDATE workroom.chat_inbox SET once_key = ${onceKey}
         WHERE inbox_key = ${key} AND (once_key IS NULL OR once_key = ${onceKey})
        RETURNING 1 AS ok`.execute(this.db)
      return rows.length === 1
    } catch (err) {
      if ((err as { code?: unknown }).code === '23505') return false   // unique_violation: another click holds it
      throw err
    }
  }

  /**
   * Settles a row: answered (a reply went out, whatever it said) or failed (the handler threw).
   * Its payload (the Inbound, the response_url) is dropped; its key stays for de-duplication.
   */
  async settle(key: string, state: 'answered' | 'failed', error?: string): Promise<void> {
    await sql`
      UPDATE workroom.chat_inbox SET state = ${state}, inbound = NULL, answer_to = NULL, finished_at = now(),
             last_error = ${error === undefined ? null : error.slice(0, 2000)}
       WHERE inbox_key = ${key} AND state = 'received'`.execute(this.db)
  }

  /**
   * Leases to this process up to `limit` rows that were recorded but never answered and whose
   * lease has run out (their process died or was cut off at shutdown), oldest first, on the
   * given platforms (the ones this process can answer). Rows past `maxAgeMs` or `maxAttempts`
   * are left to giveUp.
   */
  async claimUnanswered<I, A>(platforms: InboxPlatform[], options: { limit: number; maxAgeMs: number; maxAttempts: number }): Promise<Array<InboxRow<I, A>>> {
    if (platforms.length === 0) return []
    const { rows } = await sql<DbRow>`
      UPDATE workroom.chat_inbox i
         SET claimed_by = ${this.owner}, lease_until = now() + make_interval(secs => ${seconds(this.leaseMs)}), attempts = i.attempts + 1
       WHERE i.inbox_key IN (
             SELECT inbox_key FROM workroom.chat_inbox
              WHERE state = 'received' AND lease_until < now()
                AND platform IN (${sql.join(platforms)})
                AND received_at >= now() - make_interval(secs => ${seconds(options.maxAgeMs)})
                AND attempts < ${options.maxAttempts}
              ORDER BY received_at
              LIMIT ${options.limit}
                FOR UPDATE SKIP LOCKED)
      RETURNING i.inbox_key, i.platform, i.inbound, i.answer_to, i.attempts, i.received_at`.execute(this.db)
    return rows.map((r) => toRow<I, A>(r))
  }

  /**
   * Marks failed the unanswered rows nobody holds that are too old to answer (Slack's
   * response_url lives 30 minutes) or were run `maxAttempts` times already (a row that
   * kills its process every time must not kill every process in turn). Returned for the log.
   */
  async giveUp(options: { maxAgeMs: number; maxAttempts: number }): Promise<AbandonedRow[]> {
    const { rows } = await sql<{ inbox_key: string; platform: InboxPlatform; inbound: unknown; attempts: number; received_at: Date }>`
      WITH stale AS (
        SELECT inbox_key, inbound FROM workroom.chat_inbox
         WHERE state = 'received' AND lease_until < now()
           AND (received_at < now() - make_interval(secs => ${seconds(options.maxAgeMs)}) OR attempts >= ${options.maxAttempts})
           FOR UPDATE SKIP LOCKED)
      UPDATE workroom.chat_inbox i
         SET state = 'failed', inbound = NULL, answer_to = NULL, finished_at = now(),
             last_error = 'given up: never answered, and too old or tried too often to try again'
        FROM stale WHERE i.inbox_key = stale.inbox_key
      RETURNING i.inbox_key, i.platform, stale.inbound, i.attempts, i.received_at`.execute(this.db)
    return rows.map((r) => ({ key: r.inbox_key, platform: r.platform, inbound: r.inbound, attempts: r.attempts, receivedAt: r.received_at }))
  }

  /** Deletes settled rows older than a day: platforms retry within minutes, and clicks are de-duplicated for as long. */
  async prune(olderThanMs = DAY_MS): Promise<number> {
    const { numAffectedRows } = await sql`
      DELETE FROM workroom.chat_inbox
       WHERE received_at < now() - make_interval(secs => ${seconds(olderThanMs)}) AND state <> 'received'`.execute(this.db)
    return Number(numAffectedRows ?? 0)
  }
}
