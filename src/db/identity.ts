import { sql, type Kysely } from 'kysely'
import { APP_ROLE, type Actor } from './actor.ts'
import type { DB, Role } from './schema.ts'
import type { PlatformName } from '../chat/platforms.ts'

/** A registered chat platform (src/chat/platforms.ts). */
export type Platform = PlatformName

export interface ChatIdentity {
  platform: Platform
  workspaceId: string
  externalUserId: string
  /** Slack Enterprise Grid: the org of the workspace, whose binding covers its teams (migration 016). */
  enterpriseId?: string | null
}

export interface LinkedActor extends Actor {
  displayName: string
  email: string
  /** IANA zone for "today" and "yesterday": the person's, else their tenant's. */
  timezone: string
  /** The tenant's BCP 47 locale (migration 024): how its people write numeric dates. */
  locale: string
}

interface IdentityRow {
  tenant_id: string
  user_id: string
  role: Role
  display_name: string
  email: string
  timezone: string
  locale: string
}

const toActor = (row: IdentityRow | undefined): LinkedActor | null =>
  row ? { tenantId: row.tenant_id, userId: row.user_id, role: row.role, displayName: row.display_name, email: row.email, timezone: row.timezone, locale: row.locale } : null

/**
 * Who is asking, or null for someone not linked yet or whose workspace is not bound to their
 * tenant. One statement, no transaction: the only cross-tenant lookup of a request is
 * workroom.resolve_identity (migrations 010, 016), a SECURITY DEFINER function that returns one
 * person or none, whoever calls it.
 */
export async function resolveIdentity(db: Kysely<DB>, id: ChatIdentity): Promise<LinkedActor | null> {
  const { rows } = await sql<IdentityRow>`
    SELECT * FROM workroom.resolve_identity(${id.platform}, ${id.workspaceId}, ${id.externalUserId}, ${id.enterpriseId ?? null})`.execute(db)
  return toActor(rows[0])
}

/**
 * Links an unknown chat user by an e-mail address the platform has confirmed, to a person of the
 * tenant their workspace is bound to; never moves an existing link. Null when no active person of
 * that tenant has that address.
 */
export async function autoLinkIdentity(db: Kysely<DB>, id: ChatIdentity, verifiedEmail: string): Promise<LinkedActor | null> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT set_config('role', ${APP_ROLE}, true)`.execute(trx)
    const { rows } = await sql<IdentityRow>`
      SELECT * FROM workroom.auto_link_identity(${id.platform}, ${id.workspaceId}, ${id.externalUserId}, ${verifiedEmail}, ${id.enterpriseId ?? null})`.execute(trx)
    return toActor(rows[0])
  })
}

/**
 * Operator linking (`workroom link`), as the database owner: may move a link to another person,
 * of the tenant the workspace is bound to (SQLSTATE 22023 otherwise: bind the workspace first).
 */
export async function linkIdentity(db: Kysely<DB>, id: ChatIdentity, email: string): Promise<LinkedActor | null> {
  const { rows } = await sql<IdentityRow>`
    SELECT * FROM workroom.link_identity(${id.platform}, ${id.workspaceId}, ${id.externalUserId}, ${email})`.execute(db)
  return toActor(rows[0])
}
