/**
 * Teams conversation references (migration 013): where the bot may post without being spoken
 * to first (digests). A conversation has one while Workroom is in it: stored when it is added or
 * addressed there, deleted when it is removed. Platform bookkeeping, not tenant data: the
 * service's own role, outside any actor; workroom_app has no access.
 */
import { sql, type Kysely } from 'kysely'
import type { DB, TeamsConversationsTable } from './schema.ts'

export interface TeamsConversation {
  conversationId: string
  aadTenantId: string | null
  conversationType: TeamsConversationsTable['conversation_type']
  teamId: string | null
  serviceUrl: string
  /** A Bot Framework ConversationReference, as botbuilder's TurnContext.getConversationReference() makes it. */
  reference: Record<string, unknown>
}

/**
 * Inserts or refreshes (serviceUrl can change between activities; the latest one wins). True when
 * it inserted: the conversation was new to Workroom (or new again since it was removed from it),
 * so that of the several activities Teams sends for one install, on any replica, exactly one sees true.
 */
export async function saveTeamsConversation(db: Kysely<DB>, c: TeamsConversation): Promise<boolean> {
  const { rows } = await sql<{ conversation_id: string }>`
    INSERT INTO workroom.teams_conversations (conversation_id, aad_tenant_id, conversation_type, team_id, service_url, reference)
    VALUES (${c.conversationId}, ${c.aadTenantId}, ${c.conversationType}, ${c.teamId}, ${c.serviceUrl}, ${JSON.stringify(c.reference)}::jsonb)
    ON CONFLICT (conversation_id) DO NOTHING
    RETURNING conversation_id`.execute(db)
  if (rows.length > 0) return true
  await sql`
    UPDATE workroom.teams_conversations SET
      aad_tenant_id = ${c.aadTenantId}, conversation_type = ${c.conversationType}, team_id = ${c.teamId},
      service_url = ${c.serviceUrl}, reference = ${JSON.stringify(c.reference)}::jsonb, updated_at = now()
    WHERE conversation_id = ${c.conversationId} AND reference IS DISTINCT FROM ${JSON.stringify(c.reference)}::jsonb`.execute(db)
  return false
}

export async function findTeamsConversation(db: Kysely<DB>, conversationId: string): Promise<TeamsConversation | null> {
  const row = await db.selectFrom('workroom.teams_conversations').selectAll().where('conversation_id', '=', conversationId).executeTakeFirst()
  return row ? {
    conversationId: row.conversation_id, aadTenantId: row.aad_tenant_id, conversationType: row.conversation_type,
    teamId: row.team_id, serviceUrl: row.service_url, reference: row.reference as Record<string, unknown>,
  } : null
}

/**
 * Forgets where Workroom was removed from, so that nothing is posted there any more: the
 * conversation, and for a team every channel of it (a removal from a team is one activity, while
 * a reference was stored per channel Workroom was addressed in), within the Entra tenant the
 * removal came from. The conversation ids forgotten.
 */
export async function forgetTeamsConversations(db: Kysely<DB>, where: { conversationId: string; teamId: string | null; aadTenantId: string | null }): Promise<string[]> {
  // Only the removing tenant's own: an activity naming another tenant's conversation or team forgets nothing.
  if (!where.aadTenantId) return []
  const rows = await db.deleteFrom('workroom.teams_conversations')
    .where('aad_tenant_id', '=', where.aadTenantId)
    .where((eb) => eb.or([
      eb('conversation_id', '=', where.conversationId),
      ...(where.teamId ? [eb('team_id', '=', where.teamId), eb('conversation_id', '=', where.teamId)] : []),
    ]))
    .returning('conversation_id')
    .execute()
  return rows.map((r) => r.conversation_id)
}

/**
 * Where Workroom can reach one person of an Entra tenant privately: their own 1:1 chat with the
 * bot when Workroom was ever addressed there (`personal`), else any conversation of that tenant
 * Workroom is in (`via`: its serviceUrl and bot account open the 1:1 chat), and the person's Teams
 * id (29:…) when a stored reference names them. Null when Workroom is in no conversation of that
 * tenant: Teams gives no serviceUrl to post to before the app was installed somewhere there.
 */
export async function findTeamsDirectRoute(db: Kysely<DB>, aadTenantId: string, externalUserId: string): Promise<{ personal: TeamsConversation | null; via: TeamsConversation; teamsUserId: string | null } | null> {
  const { rows } = await sql<{ conversation_id: string; aad_tenant_id: string | null; conversation_type: TeamsConversationsTable['conversation_type']; team_id: string | null; service_url: string; reference: Record<string, unknown>; mine: boolean }>`
    SELECT c.*, (c.reference->'user'->>'aadObjectId' = ${externalUserId} OR c.reference->'user'->>'id' = ${externalUserId}) AS mine
      FROM workroom.teams_conversations c
     WHERE c.aad_tenant_id = ${aadTenantId}
     ORDER BY (c.conversation_type = 'personal' AND (c.reference->'user'->>'aadObjectId' = ${externalUserId} OR c.reference->'user'->>'id' = ${externalUserId})) DESC,
              (c.reference->'user'->>'aadObjectId' = ${externalUserId}) DESC, c.updated_at DESC
     LIMIT 1`.execute(db)
  const row = rows[0]
  if (!row) return null
  const conversation: TeamsConversation = {
    conversationId: row.conversation_id, aadTenantId: row.aad_tenant_id, conversationType: row.conversation_type,
    teamId: row.team_id, serviceUrl: row.service_url, reference: row.reference,
  }
  const user = (row.reference.user ?? {}) as { id?: string; aadObjectId?: string }
  const teamsUserId = row.mine && typeof user.id === 'string' && user.id.startsWith('29:') ? user.id : externalUserId.startsWith('29:') ? externalUserId : null
  return { personal: row.mine && row.conversation_type === 'personal' ? conversation : null, via: conversation, teamsUserId }
}
