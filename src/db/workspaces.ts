/**
 * Which tenant each chat workspace belongs to (migration 016): a Slack team or Enterprise Grid
 * org, a Teams (Entra) tenant. Written by operators (`workroom workspaces`), by a Slack install
 * through an operator-issued link, and by the single-workspace Slack app for its configured
 * tenant, always as the service's own role; requests only see a binding through
 * workroom.workspace_tenant().
 */
import { sql, type Kysely } from 'kysely'
import type { DB, WorkspaceBindingsTable } from './schema.ts'

export type BoundPlatform = WorkspaceBindingsTable['platform']
export type BoundVia = WorkspaceBindingsTable['bound_via']

export interface WorkspaceBinding {
  platform: BoundPlatform
  workspaceId: string
  tenant: string
  boundVia: BoundVia
  createdAt: Date
}

/** A binding the operator asked for cannot be made; the message says why and what to do. */
export class BindingRefused extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'BindingRefused'
  }
}

/** The tenant id a workspace is bound to, or null: what a request from it may touch. */
export async function workspaceTenant(db: Kysely<DB>, platform: string, workspaceId: string, enterpriseId: string | null = null): Promise<string | null> {
  const { rows } = await sql<{ tenant: string | null }>`
    SELECT workroom.workspace_tenant(${platform}, ${workspaceId}, ${enterpriseId}) AS tenant`.execute(db)
  return rows[0]?.tenant ?? null
}

/**
 * Binds a workspace to the tenant with this slug. Binding it again to the same tenant is a no-op
 * (false); a workspace bound to another tenant is refused: moving a workspace between agencies is
 * an unbind and a bind, on purpose, never a side effect.
 */
export async function bindWorkspace(db: Kysely<DB>, platform: BoundPlatform, workspaceId: string, tenantSlug: string, via: BoundVia): Promise<boolean> {
  const id = workspaceId.trim()
  if (!/^\S{1,200}$/.test(id)) throw new BindingRefused(`"${workspaceId}" is not a ${platform} workspace id`)
  return db.transaction().execute(async (trx) => {
    const tenant = await trx.selectFrom('workroom.tenants').select('id').where('slug', '=', tenantSlug).executeTakeFirst()
    if (!tenant) throw new BindingRefused(`there is no tenant "${tenantSlug}" (see workroom people)`)
    const inserted = await trx.insertInto('workroom.workspace_bindings')
      .values({ platform, workspace_id: id, tenant_id: tenant.id, bound_via: via })
      .onConflict((oc) => oc.columns(['platform', 'workspace_id']).doNothing())
      .returning('tenant_id').executeTakeFirst()
    if (inserted) return true
    const existing = await trx.selectFrom('workroom.workspace_bindings as b').innerJoin('workroom.tenants as t', 't.id', 'b.tenant_id')
      .select('t.slug').where('b.platform', '=', platform).where('b.workspace_id', '=', id).executeTakeFirstOrThrow()
    if (existing.slug !== tenantSlug) {
      throw new BindingRefused(`the ${platform} workspace ${id} is already bound to tenant "${existing.slug}"; unbind it first (workroom workspaces unbind --platform ${platform} --workspace ${id})`)
    }
    return false
  })
}

/** True when there was a binding to remove. People linked from that workspace stop resolving at once. */
export async function unbindWorkspace(db: Kysely<DB>, platform: BoundPlatform, workspaceId: string): Promise<boolean> {
  const rows = await db.deleteFrom('workroom.workspace_bindings')
    .where('platform', '=', platform).where('workspace_id', '=', workspaceId.trim()).returning('workspace_id').execute()
  return rows.length > 0
}

export async function listBindings(db: Kysely<DB>): Promise<WorkspaceBinding[]> {
  const rows = await db.selectFrom('workroom.workspace_bindings as b').innerJoin('workroom.tenants as t', 't.id', 'b.tenant_id')
    .select(['b.platform', 'b.workspace_id', 't.slug', 'b.bound_via', 'b.created_at'])
    .orderBy('t.slug').orderBy('b.platform').orderBy('b.workspace_id').execute()
  return rows.map((r) => ({ platform: r.platform, workspaceId: r.workspace_id, tenant: r.slug, boundVia: r.bound_via, createdAt: new Date(r.created_at as unknown as string) }))
}
