/**
 * Teams conversation references (migration 013): where the bot may post without being spoken
 * to first (digests). Platform bookkeeping, not tenant data: the service's own role, outside any
 * actor; workroom_app has no access.
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

/** Inserts or refreshes (serviceUrl can change between activities; the latest one wins). */
export async function saveTeamsConversation(db: Kysely<DB>, c: TeamsConversation): Promise<void> {
  await sql`
    INSERT INTO workroom.teams_conversations (conversation_id, aad_tenant_id, conversation_type, team_id, service_url, reference)
    VALUES (${c.conversationId}, ${c.aadTenantId}, ${c.conversationType}, ${c.teamId}, ${c.serviceUrl}, ${JSON.stringify(c.reference)}::jsonb)
    ON CONFLICT (conversation_id) DO UPDATE SET
      aad_tenant_id = EXCLUDED.aad_tenant_id, conversation_type = EXCLUDED.conversation_type, team_id = EXCLUDED.team_id,
      service_url = EXCLUDED.service_url, reference = EXCLUDED.reference, updated_at = now()
    WHERE teams_conversations.reference IS DISTINCT FROM EXCLUDED.reference`.execute(db)
}

export async function findTeamsConversation(db: Kysely<DB>, conversationId: string): Promise<TeamsConversation | null> {
  const row = await db.selectFrom('workroom.teams_conversations').selectAll().where('conversation_id', '=', conversationId).executeTakeFirst()
  return row ? {
    conversationId: row.conversation_id, aadTenantId: row.aad_tenant_id, conversationType: row.conversation_type,
    teamId: row.team_id, serviceUrl: row.service_url, reference: row.reference as Record<string, unknown>,
  } : null
}
