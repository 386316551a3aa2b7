/**
 * Budget-burn alerts: the database records a campaign's cost crossing 50, 75, 90 or 100 % of its
 * budget once per threshold, as it happens (migration 026, a trigger on the campaign's cost
 * rollup); this job sends what it recorded. Each tick claims unsent alerts for a lease (FOR UPDATE
 * SKIP LOCKED), so any number of replicas may tick and each alert is sent by one of them; an alert
 * whose sender died is claimed again once its lease runs out.
 *
 * Who gets it: people whose role may read money (finance and leadership, agency.can_view_financials):
 * every finance person of the tenant, and the campaign's pm (its producer, else its creator) when
 * their role may read money. A role without money rights never gets one, and nothing goes to a
 * channel: only sendDirect, to each recipient privately.
 */
import { h, money } from './handlers/replies.ts'
import { Cron } from 'croner'
import { sql, type Kysely } from 'kysely'
import { sendToPerson, type DirectSenders } from './chat/direct.ts'
import { systemActor, withActor } from './db/actor.ts'
import type { DB } from './db/schema.ts'
import type { Block, Reply } from './handlers/reply.ts'
import type { Logger } from './log.ts'

/** Roles that read money (agency.can_view_financials, migration 007). */
export const MONEY_ROLES = ['finance', 'leadership'] as const

export interface AlertDeps {
  /** Alert content and recipients, read as a finance system actor of the alert's tenant. */
  db: Kysely<DB>
  /** Claims (Engine.service.db); db when absent. */
  service?: Kysely<DB>
  now: () => Date
  senders: DirectSenders
  logger: Logger
  /** How long a claim holds before another tick may take the alert again (default 5 minutes). */
  leaseMs?: number
  /** Claims before an alert no platform could take is given up (default 5). */
  maxAttempts?: number
}

interface Claimed { id: string; tenant_id: string; campaign_id: string; threshold: number; cost_amount: number; budget: number; attempts: number }

export interface AlertContent {
  campaign: string
  code: string | null
  currency: string
  budget: number
  cost: number
  phases: Array<{ phase: string; hours: number }>
  contributors: Array<{ name: string; hours: number }>
  recipients: Array<{ id: string; name: string; role: string }>
}

/** What the alert says, and to whom; read as finance, so row security decides what money shows. */
export async function alertContent(db: Kysely<DB>, tenantId: string, campaignId: string): Promise<AlertContent | null> {
  return withActor(db, systemActor(tenantId, 'finance'), async (trx) => {
    const { rows: [c] } = await sql<{ name: string; code: string | null; currency: string; budget: number | null; cost: number | null; manager: string | null }>`
      SELECT c.name, c.code, c.currency, f.budget, f.cost_amount AS cost, coalesce(c.producer_id, c.created_by) AS manager
        FROM agency.campaigns c CROSS JOIN LATERAL agency.campaign_financials(c.id) f
       WHERE c.id = ${campaignId}`.execute(trx)
    if (!c) return null
    const { rows: phases } = await sql<{ phase: string; hours: number }>`
      SELECT coalesce(p.name, 'No phase') AS phase, sum(e.hours) AS hours
        FROM agency.timesheet_entries e LEFT JOIN agency.campaign_phases p ON p.id = e.phase_id
       WHERE e.campaign_id = ${campaignId}
       GROUP BY coalesce(p.name, 'No phase'), coalesce(p.phase_order, 1000)
       ORDER BY coalesce(p.phase_order, 1000), 1`.execute(trx)
    const { rows: contributors } = await sql<{ name: string; hours: number }>`
      SELECT p.display_name AS name, sum(e.hours) AS hours
        FROM agency.timesheet_entries e JOIN workroom.people p ON p.id = e.user_id
       WHERE e.campaign_id = ${campaignId}
       GROUP BY p.id, p.display_name ORDER BY sum(e.hours) DESC, p.display_name LIMIT 5`.execute(trx)
    const recipients = await trx.selectFrom('workroom.people').select(['id', 'display_name as name', 'role'])
      .where('is_active', '=', true).where('role', 'in', [...MONEY_ROLES])
      .where((eb) => eb.or([eb('role', '=', 'finance'), ...(c.manager ? [eb('id', '=', c.manager)] : [])]))
      .orderBy('display_name').execute()
    return {
      campaign: c.name, code: c.code, currency: c.currency, budget: Number(c.budget ?? 0), cost: Number(c.cost ?? 0),
      phases: phases.map((p) => ({ phase: p.phase, hours: Number(p.hours) })),
      contributors: contributors.map((p) => ({ name: p.name, hours: Number(p.hours) })),
      recipients,
    }
  })
}


/** The alert: private throughout (money), so no renderer would ever put it in a channel. */
export function budgetAlertReply(threshold: number, a: AlertContent): Reply {
  const name = a.code ? `${a.campaign} (${a.code})` : a.campaign
  const title = threshold >= 100 ? `${name} has used its whole budget` : `${name} has passed ${threshold}% of its budget`
  const used = a.budget > 0 ? Math.round((1000 * a.cost) / a.budget) / 10 : 0
  const blocks: Block[] = [
    { type: 'header', text: title, private: true },
    { type: 'fields', private: true, fields: [
      { label: 'Cost to date', value: money(a.cost, a.currency), private: true },
      { label: 'Budget', value: money(a.budget, a.currency), private: true },
      { label: 'Used', value: `${used}%`, private: true },
    ] },
    { type: 'list', title: 'Hours by phase', items: a.phases.map((p) => `${p.phase}: ${h(p.hours)}`), private: true },
    { type: 'list', title: 'Top contributors', items: a.contributors.map((p) => `${p.name}: ${h(p.hours)}`), private: true },
    { type: 'context', text: 'Sent privately to finance and the campaign\'s pm where they may see budgets; never posted in a channel.', private: true },
  ]
  return { summary: title, blocks, visibility: 'ephemeral', subject: a.campaign }
}

export interface AlertTick { claimed: number; sent: number; gaveUp: number }

/** One tick: claim what is unsent, send each to its recipients, record the outcome. Safe in any number of processes. */
export async function runBudgetAlerts(deps: AlertDeps): Promise<AlertTick> {
  const service = deps.service ?? deps.db
  const now = deps.now()
  const leaseMs = deps.leaseMs ?? 5 * 60_000
  const maxAttempts = deps.maxAttempts ?? 5
  const { rows: claimed } = await sql<Claimed>`
    UPDATE workroom.budget_alerts a SET claimed_until = ${new Date(now.getTime() + leaseMs)}::timestamptz, attempts = a.attempts + 1
     WHERE a.id IN (SELECT id FROM workroom.budget_alerts
                     WHERE sent_at IS NULL AND gave_up_at IS NULL AND (claimed_until IS NULL OR claimed_until <= ${now}::timestamptz)
                     ORDER BY crossed_at LIMIT 50 FOR UPDATE SKIP LOCKED)
    RETURNING a.id, a.tenant_id, a.campaign_id, a.threshold, a.cost_amount, a.budget, a.attempts`.execute(service)
  const tick: AlertTick = { claimed: claimed.length, sent: 0, gaveUp: 0 }
  for (const alert of claimed) {
    const log = deps.logger.child({ alert: alert.id, tenant: alert.tenant_id, campaign: alert.campaign_id, threshold: alert.threshold })
    const content = await alertContent(deps.db, alert.tenant_id, alert.campaign_id)
    const reply = content ? budgetAlertReply(alert.threshold, content) : null
    const reached: string[] = []
    const missed: string[] = []
    for (const r of content?.recipients ?? []) {
      const { sent } = await sendToPerson({ db: deps.db, senders: deps.senders, logger: log }, alert.tenant_id, r.id, reply!)
      ;(sent ? reached : missed).push(r.name)
    }
    // Reaching nobody (no recipient linked on a running platform yet) is retried a few times, then given up.
    if (reached.length > 0 || !content) {
      await service.updateTable('workroom.budget_alerts').set({ sent_at: now, last_error: missed.length > 0 ? `not reached: ${missed.join(', ')}`.slice(0, 2000) : null })
        .where('id', '=', alert.id).execute()
      tick.sent++
      log.info({ reached: reached.length, missed: missed.length }, 'budget alert sent')
    } else if (alert.attempts >= maxAttempts) {
      await service.updateTable('workroom.budget_alerts').set({ gave_up_at: now, last_error: 'no recipient could be reached' }).where('id', '=', alert.id).execute()
      tick.gaveUp++
      log.warn('budget alert given up: no recipient could be reached')
    } else {
      await service.updateTable('workroom.budget_alerts').set({ last_error: 'no recipient could be reached' }).where('id', '=', alert.id).execute()
    }
  }
  return tick
}

/** Ticks at the start of every minute, not overlapping itself. */
export function startBudgetAlerts(deps: AlertDeps): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve()
  const job = new Cron('* * * * *', { protect: true }, () => {
    running = runBudgetAlerts(deps).then(() => undefined, (err: unknown) => deps.logger.error({ err }, 'budget alert tick failed'))
    return running
  })
  return {
    stop: async () => {
      job.stop()
      await running
    },
  }
}
