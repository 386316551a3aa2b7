/**
 * Channels scoped to a client (migration 028). Tenant data, read and written inside the person's
 * actor transaction (or the digest's system actor): row security lets anyone of the tenant read a
 * binding and only pm and leadership write one.
 */
import { sql } from 'kysely'
import type { ActorTx } from './actor.ts'
import type { ChannelRef } from './digests.ts'

export interface ChannelClient {
  clientId: string
  /**
   * Null when the asker may not see the client (agency.clients' policy: a creative sees only the
   * clients they work for): the scope still applies to them, but its name is not theirs to read.
   */
  clientName: string | null
  boundBy: string
  boundAt: Date
}

/** The client the channel is bound to, if the actor's tenant bound it. */
export async function findChannelClient(trx: ActorTx, channel: ChannelRef): Promise<ChannelClient | null> {
  const row = await trx.selectFrom('workroom.channel_clients as b')
    .leftJoin('agency.clients as cl', 'cl.id', 'b.client_id')
    .select(['b.client_id', 'cl.name', 'b.bound_by', 'b.bound_at'])
    .where('b.platform', '=', channel.platform).where('b.workspace_id', '=', channel.workspaceId).where('b.channel_id', '=', channel.channelId)
    .executeTakeFirst()
  return row ? { clientId: row.client_id, clientName: row.name, boundBy: row.bound_by, boundAt: row.bound_at } : null
}

/**
 * Binds the channel to a client, or moves its binding to another, as the actor (row security
 * refuses roles that may not, and clients they may not bind). False when the channel is bound in
 * another tenant: that row is invisible here, so the insert conflicts and the update finds nothing
 * (an INSERT … ON CONFLICT DO UPDATE onto a row the actor may not update would fail with 42501).
 */
export async function bindChannel(trx: ActorTx, b: ChannelRef & { tenantId: string; clientId: string; boundBy: string }, now: Date): Promise<boolean> {
  const inserted = await trx.insertInto('workroom.channel_clients')
    .values({ tenant_id: b.tenantId, platform: b.platform, workspace_id: b.workspaceId, channel_id: b.channelId, client_id: b.clientId, bound_by: b.boundBy, bound_at: now })
    .onConflict((oc) => oc.columns(['platform', 'workspace_id', 'channel_id']).doNothing())
    .returning('client_id').executeTakeFirst()
  if (inserted) return true
  const updated = await trx.updateTable('workroom.channel_clients').set({ client_id: b.clientId, bound_by: b.boundBy, bound_at: now })
    .where('platform', '=', b.platform).where('workspace_id', '=', b.workspaceId).where('channel_id', '=', b.channelId)
    .returning('client_id').executeTakeFirst()
  return updated !== undefined
}

/** True when there was a binding to remove. */
export async function unbindChannel(trx: ActorTx, channel: ChannelRef): Promise<boolean> {
  const rows = await trx.deleteFrom('workroom.channel_clients')
    .where('platform', '=', channel.platform).where('workspace_id', '=', channel.workspaceId).where('channel_id', '=', channel.channelId)
    .returning('client_id').execute()
  return rows.length > 0
}

/** The clients a channel may be bound to, as the actor sees them: every client but the agency itself. */
export async function bindableClients(trx: ActorTx): Promise<Array<{ id: string; name: string; code: string | null }>> {
  return trx.selectFrom('agency.clients').select(['id', 'name', 'code']).where('is_internal', '=', false).orderBy(sql`lower(name)`).execute()
}
