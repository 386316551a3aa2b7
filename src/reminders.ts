/**
 * The reminder tick: once a minute, alongside the digests (src/scheduler.ts). One call of
 * workroom.claim_reminders (migration 027) decides, across tenants, who is due and short of
 * their hours, and claims each (person, local date) by inserting its run: the primary key is the
 * claim, as for digests, so any number of replicas may tick and each person gets one reminder a
 * day. A process restarted after sending finds the run and sends nothing more. One that dies
 * between claiming and sending leaves the run 'claimed': that person misses the day's reminder
 * rather than getting two (at most once, since a nudge matters less than a duplicate).
 *
 * The content (usual campaigns, where to reach them) is read as the person, under row security;
 * it goes through RunningPlatform.sendDirect, to the first of their Slack or Teams identities the
 * platform can reach.
 */
import { isPlatformName } from './chat/platforms.ts'
import { sql, type Kysely } from 'kysely'
import pLimit from 'p-limit'
import type { DirectTarget } from './chat/platform.ts'
import { withActor } from './db/actor.ts'
import type { DB, Role } from './db/schema.ts'
import { reminderReply, usualCampaigns, type ReminderContent } from './handlers/reminders.ts'
import type { Reply } from './handlers/reply.ts'
import type { Logger } from './log.ts'

/** RunningPlatform.sendDirect: true when delivered, false when the person cannot be reached there. */
export type DirectSender = (to: DirectTarget, reply: Reply) => Promise<boolean>

export interface ReminderDeps {
  /** The person's own reads, as them. */
  db: Kysely<DB>
  /** The claim and the runs (Engine.service.db); db when absent. */
  service?: Kysely<DB>
  now: () => Date
  senders: Partial<Record<string, DirectSender>>
  logger: Logger
  /** Deliveries tried per person and day before giving up (default 3). */
  maxAttempts?: number
  /** How long after a failure the next attempt may start (default 5 minutes). */
  retryAfterMs?: number
  /** Reminders built and sent at once (default 8): the platforms rate-limit per workspace. */
  concurrency?: number
}

export interface ReminderTickResult { claimed: number; sent: number; skipped: number; unreachable: number; failed: number; gaveUp: number }

export interface ReminderClaim {
  personId: string
  tenantId: string
  role: Role
  localDate: string
  weekly: boolean
  logged: number
  target: number
  attempt: number
}

/** The decision: one statement, safe to run in any number of processes at once. */
export async function claimReminders(service: Kysely<DB>, now: Date, options: { maxAttempts: number; retryAfterMs: number }): Promise<ReminderClaim[]> {
  const { rows } = await sql<{ person_id: string; tenant_id: string; role: Role; local_date: string; weekly: boolean; logged: number; target: number; attempt: number }>`
    SELECT * FROM workroom.claim_reminders(${now}::timestamptz, ${options.maxAttempts}::int, make_interval(secs => ${options.retryAfterMs / 1000}))`.execute(service)
  return rows.map((r) => ({
    personId: r.person_id, tenantId: r.tenant_id, role: r.role, localDate: r.local_date, weekly: r.weekly,
    logged: Number(r.logged), target: Number(r.target), attempt: r.attempt,
  }))
}

type Outcome = 'sent' | 'skipped' | 'unreachable' | 'failed' | 'gave_up'

export async function runDueReminders(deps: ReminderDeps): Promise<ReminderTickResult> {
  const service = deps.service ?? deps.db
  const maxAttempts = deps.maxAttempts ?? 3
  const claims = await claimReminders(service, deps.now(), { maxAttempts, retryAfterMs: deps.retryAfterMs ?? 5 * 60_000 })
  const result: ReminderTickResult = { claimed: claims.length, sent: 0, skipped: 0, unreachable: 0, failed: 0, gaveUp: 0 }
  const limit = pLimit(deps.concurrency ?? 8)
  const outcomes = await Promise.all(claims.map((claim) => limit(() => deliver(claim))))
  for (const o of outcomes) {
    if (o === 'gave_up') result.gaveUp++
    else result[o]++
  }
  return result

  async function deliver(claim: ReminderClaim): Promise<Outcome> {
    const log = deps.logger.child({ person: claim.personId, tenant: claim.tenantId, date: claim.localDate, attempt: claim.attempt })
    let outcome: Outcome
    let error: string | null = null
    try {
      outcome = await send(claim)
    } catch (err) {
      error = err instanceof Error ? err.message : String(err)
      outcome = claim.attempt >= maxAttempts ? 'gave_up' : 'failed'
      if (outcome === 'gave_up') log.error({ err }, `reminder not delivered after ${claim.attempt} attempts; giving up for ${claim.localDate}`)
      else log.warn({ err }, 'reminder delivery failed; it will be retried')
    }
    await service.updateTable('workroom.reminder_runs')
      .set({ status: outcome, finished_at: deps.now(), last_error: error?.slice(0, 2000) ?? null })
      .where('person_id', '=', claim.personId).where('local_date', '=', claim.localDate)
      .execute()
    if (outcome === 'unreachable') log.info('reminder due, but no platform could reach the person')
    return outcome
  }

  async function send(claim: ReminderClaim): Promise<Outcome> {
    // A snoozed reminder comes back here; logged enough since, it is not sent.
    if (claim.logged >= claim.target) return 'skipped'
    const actor = { tenantId: claim.tenantId, userId: claim.personId, role: claim.role }
    // The platforms this process can send a direct message on.
    const reachable = Object.keys(deps.senders).filter(isPlatformName)
    if (reachable.length === 0) return 'unreachable'
    const { identities, campaigns } = await withActor(deps.db, actor, async (trx) => ({
      identities: await trx.selectFrom('workroom.chat_identities').select(['platform', 'workspace_id', 'external_user_id'])
        .where('person_id', '=', claim.personId).where('platform', 'in', reachable)
        // Only where the workspace is still bound to their agency, as the claim checked.
        .where(sql<boolean>`workroom.workspace_tenant(platform, workspace_id) IS NOT DISTINCT FROM ${claim.tenantId}::uuid`)
        .orderBy('created_at', 'desc').execute(),
      campaigns: await usualCampaigns(trx, actor, claim.localDate),
    }))
    const content: ReminderContent = { personId: claim.personId, date: claim.localDate, weekly: claim.weekly, logged: claim.logged, target: claim.target, campaigns }
    const message = reminderReply(content)
    for (const i of identities) {
      const sendDirect = deps.senders[i.platform]
      if (!sendDirect) continue
      if (await sendDirect({ workspaceId: i.workspace_id, externalUserId: i.external_user_id }, message)) return 'sent'
    }
    return 'unreachable'
  }
}
