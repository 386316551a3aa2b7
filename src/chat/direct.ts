/**
 * A reply to one Workroom person, privately, on every platform they are linked on and this
 * process serves: the sendDirect of each running platform (byName(started, 'sendDirect')), to
 * each of their chat identities (workroom.chat_identities). Reminders, approval cards and budget
 * alerts go through here; nothing here posts to a channel.
 */
import { sql, type Kysely } from 'kysely'
import { systemActor, withActor } from '../db/actor.ts'
import type { DB } from '../db/schema.ts'
import type { Reply } from '../handlers/reply.ts'
import type { Logger } from '../log.ts'
import type { DirectTarget, RunningPlatform } from './platform.ts'

/** Per platform name (chat_identities.platform), how to reach one person there. */
export type DirectSenders = Record<string, NonNullable<RunningPlatform['sendDirect']>>

export interface DirectOutcome { platform: string; target: DirectTarget; sent: boolean; error?: string }

/** The person's chat identities on the given platforms, read as their tenant's admin (row security: only admins see others' links). */
export async function chatIdentitiesOf(db: Kysely<DB>, tenantId: string, personId: string, platforms: string[]): Promise<Array<{ platform: string; target: DirectTarget }>> {
  if (platforms.length === 0) return []
  return withActor(db, systemActor(tenantId, 'admin'), async (trx) => {
    const { rows } = await sql<{ platform: string; workspace_id: string; external_user_id: string }>`
      SELECT platform, workspace_id, external_user_id FROM workroom.chat_identities
       WHERE person_id = ${personId} AND platform = ANY(${platforms}::text[])
       ORDER BY platform, created_at`.execute(trx)
    return rows.map((r) => ({ platform: r.platform, target: { workspaceId: r.workspace_id, externalUserId: r.external_user_id } }))
  })
}

/**
 * Sends the reply to every identity of the person on a running platform. Resolves with each
 * attempt's outcome (a platform that failed does not stop the others); `sent` is whether any
 * arrived. No identity, or none reachable, is not an error: the caller decides what that means.
 */
export async function sendToPerson(deps: { db: Kysely<DB>; senders: DirectSenders; logger?: Logger }, tenantId: string, personId: string, reply: Reply): Promise<{ sent: boolean; outcomes: DirectOutcome[] }> {
  const identities = await chatIdentitiesOf(deps.db, tenantId, personId, Object.keys(deps.senders))
  const outcomes: DirectOutcome[] = []
  for (const { platform, target } of identities) {
    try {
      outcomes.push({ platform, target, sent: await deps.senders[platform]!(target, reply) })
    } catch (err) {
      deps.logger?.warn({ err, platform, person: personId }, 'direct message not sent')
      outcomes.push({ platform, target, sent: false, error: err instanceof Error ? err.message : String(err) })
    }
  }
  return { sent: outcomes.some((o) => o.sent), outcomes }
}
