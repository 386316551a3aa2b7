import type { Kysely } from 'kysely'
import type { DB, Role } from './schema.ts'

export interface DirectoryPerson {
  name: string
  email: string
  role: Role
  tenant: string
  department: string | null
  weeklyCapacityHours: number
}

/**
 * Every tenant's directory, for the operator's `workroom people` (like seed and migrate, it runs
 * as the database owner from the command line). Request handling reads people through withActor.
 */
export async function listPeople(db: Kysely<DB>, tenantSlug?: string): Promise<DirectoryPerson[]> {
  let q = db.selectFrom('workroom.people as p')
    .innerJoin('workroom.tenants as t', 't.id', 'p.tenant_id')
    .select(['p.display_name as name', 'p.email', 'p.role', 't.slug as tenant', 'p.department', 'p.weekly_capacity_hours as weeklyCapacityHours'])
    .where('p.is_active', '=', true)
    .orderBy('t.slug').orderBy('p.role').orderBy('p.display_name')
  if (tenantSlug) q = q.where('t.slug', '=', tenantSlug)
  return q.execute()
}
