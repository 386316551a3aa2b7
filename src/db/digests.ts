/**
 * Digest subscriptions and runs (migration 014).
 *
 * Subscriptions are tenant data: the /digest handler reads and writes them inside the person's
 * actor transaction, where row security lets only pm, leadership and finance subscribe. The
 * scheduler's side (which subscriptions are due, across tenants, and the runs table) is the
 * service's own bookkeeping: it reads only the scheduling columns, and builds each digest
 * afterwards under a system actor of the subscription's tenant.
 */
import { sql, type Kysely } from 'kysely'
import type { ActorTx } from './actor.ts'
import type { DB, DigestSubscriptionsTable } from './schema.ts'

export type DigestPlatform = DigestSubscriptionsTable['platform']
export type Cadence = DigestSubscriptionsTable['cadence']

export interface DigestSubscription {
  id: string
  tenantId: string
  platform: DigestPlatform
  workspaceId: string
  channelId: string
  cadence: Cadence
  /** 'HH:MM', wall-clock time in `timezone`. */
  postAt: string
  timezone: string
  createdBy: string
}

export interface ChannelRef { platform: DigestPlatform; workspaceId: string; channelId: string }

const columns = ['id', 'tenant_id', 'platform', 'workspace_id', 'channel_id', 'cadence', 'post_at', 'timezone', 'created_by'] as const
type Row = Pick<DigestSubscriptionsTable, Exclude<(typeof columns)[number], 'id'>> & { id: string }
const toSubscription = (r: Row): DigestSubscription => ({
  id: r.id, tenantId: r.tenant_id, platform: r.platform, workspaceId: r.workspace_id, channelId: r.channel_id,
  cadence: r.cadence, postAt: r.post_at.slice(0, 5), timezone: r.timezone, createdBy: r.created_by,
})

/** The channel's subscription, if the actor's tenant has one. */
export async function findSubscription(trx: ActorTx, channel: ChannelRef): Promise<DigestSubscription | null> {
  const row = await trx.selectFrom('workroom.digest_subscriptions').select(columns)
    .where('platform', '=', channel.platform).where('workspace_id', '=', channel.workspaceId).where('channel_id', '=', channel.channelId)
    .executeTakeFirst()
  return row ? toSubscription(row) : null
}

/**
 * Subscribes the channel or changes its schedule, as the actor (row security refuses roles that
 * may not). `now` is when it takes effect: a post time already past today starts tomorrow.
 *
 * Null when the channel already has another tenant's subscription (one per channel). Row security
 * hides that row, and an INSERT … ON CONFLICT DO UPDATE onto a row the actor may not update fails
 * with 42501, so: insert, or else update the tenant's own row, which finds nothing when the row is
 * another tenant's.
 */
export async function saveSubscription(trx: ActorTx, s: Omit<DigestSubscription, 'id'>, now: Date): Promise<DigestSubscription | null> {
  const schedule = { cadence: s.cadence, post_at: s.postAt, timezone: s.timezone, created_by: s.createdBy, created_at: now, updated_at: now }
  const inserted = await trx.insertInto('workroom.digest_subscriptions')
    .values({ tenant_id: s.tenantId, platform: s.platform, workspace_id: s.workspaceId, channel_id: s.channelId, ...schedule })
    .onConflict((oc) => oc.constraint('digest_subscriptions_channel_key').doNothing())
    .returning(columns)
    .executeTakeFirst()
  if (inserted) return toSubscription(inserted)
  const updated = await trx.updateTable('workroom.digest_subscriptions').set(schedule)
    .where('platform', '=', s.platform).where('workspace_id', '=', s.workspaceId).where('channel_id', '=', s.channelId)
    .returning(columns)
    .executeTakeFirst()
  return updated ? toSubscription(updated) : null
}

/** True when there was a subscription to remove. */
export async function deleteSubscription(trx: ActorTx, channel: ChannelRef): Promise<boolean> {
  const rows = await trx.deleteFrom('workroom.digest_subscriptions')
    .where('platform', '=', channel.platform).where('workspace_id', '=', channel.workspaceId).where('channel_id', '=', channel.channelId)
    .returning('id').execute()
  return rows.length > 0
}

/** PostgreSQL's own zone list decides, since the scheduler computes local times there. */
export async function isKnownTimezone(trx: ActorTx, zone: string): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean }>`SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = ${zone}) AS ok`.execute(trx)
  return rows[0]?.ok ?? false
}

export interface Claim { subscription: DigestSubscription; localDate: string; attempt: number }

/**
 * Claims the digests due at `now`: for each subscription whose local time has reached its post
 * time today (weekdays only for 'weekdays'), and which existed at that moment, one row per
 * (subscription, local date) in digest_runs. The insert is the claim, so any number of
 * schedulers running at once post each digest once. Local dates come from PostgreSQL's time
 * zones, so a day with a daylight-saving change is still one day: a post time the clocks skip
 * (02:30 on a spring-forward night) is claimed when the clocks pass it, and an hour that repeats
 * (autumn) cannot claim the same date twice.
 *
 * Only for channels of a workspace still bound to the subscription's tenant (migration 016), and
 * for Teams, only where Workroom still is.
 *
 * Also re-claims runs that failed at least `retryAfterMs` ago and have attempts left.
 */
export async function claimDue(db: Kysely<DB>, now: Date, options: { maxAttempts: number; retryAfterMs: number }): Promise<Claim[]> {
  // A Teams conversation has a reference only while Workroom is in it (src/db/teams.ts): removed,
  // its digests pause (claimed never, so never failed, retried and given up on each day), and
  // resume once Workroom is added back or addressed there. The subscription itself stays.
  const reachable = sql`(s.platform <> 'teams' OR EXISTS (SELECT 1 FROM workroom.teams_conversations c WHERE c.conversation_id = s.channel_id))`
  const fresh = await sql<{ subscription_id: string; local_date: string; attempts: number }>`
    INSERT INTO workroom.digest_runs (subscription_id, local_date, claimed_at)
    SELECT s.id, (${now}::timestamptz AT TIME ZONE s.timezone)::date, ${now}::timestamptz
      FROM workroom.digest_subscriptions s
     WHERE (${now}::timestamptz AT TIME ZONE s.timezone)::time >= s.post_at
       AND (s.cadence = 'daily' OR extract(isodow FROM ${now}::timestamptz AT TIME ZONE s.timezone) < 6)
       AND s.created_at <= (((${now}::timestamptz AT TIME ZONE s.timezone)::date + s.post_at) AT TIME ZONE s.timezone)
       -- A workspace unbound (or bound to another agency) since it subscribed gets no more digests.
       AND workroom.workspace_tenant(s.platform, s.workspace_id) IS NOT DISTINCT FROM s.tenant_id
       AND ${reachable}
    ON CONFLICT (subscription_id, local_date) DO NOTHING
    RETURNING subscription_id, local_date, attempts`.execute(db)
  const retried = await sql<{ subscription_id: string; local_date: string; attempts: number }>`
    UPDATE workroom.digest_runs SET status = 'claimed', attempts = attempts + 1, claimed_at = ${now}::timestamptz, finished_at = NULL
     WHERE status = 'failed' AND attempts < ${options.maxAttempts}
       AND claimed_at <= ${now}::timestamptz - make_interval(secs => ${options.retryAfterMs / 1000})
       AND EXISTS (SELECT 1 FROM workroom.digest_subscriptions s WHERE s.id = digest_runs.subscription_id AND ${reachable})
    RETURNING subscription_id, local_date, attempts`.execute(db)
  const runs = [...fresh.rows, ...retried.rows]
  if (runs.length === 0) return []
  const subs = await db.selectFrom('workroom.digest_subscriptions').select(columns).where('id', 'in', runs.map((r) => r.subscription_id)).execute()
  const byId = new Map(subs.map((r) => [r.id, toSubscription(r)]))
  return runs.flatMap((r) => {
    const subscription = byId.get(r.subscription_id)
    return subscription ? [{ subscription, localDate: r.local_date, attempt: r.attempts }] : []
  })
}

/** Records how a claimed run ended: sent, failed (retried on a later tick) or given up. */
export async function finishRun(db: Kysely<DB>, claim: Claim, outcome: { status: 'sent' } | { status: 'failed' | 'gave_up'; error: string }, now: Date): Promise<void> {
  await db.updateTable('workroom.digest_runs')
    .set({ status: outcome.status, finished_at: now, last_error: outcome.status === 'sent' ? null : outcome.error.slice(0, 2000) })
    .where('subscription_id', '=', claim.subscription.id).where('local_date', '=', claim.localDate)
    .execute()
}
