import { sql, type Kysely } from 'kysely'
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
 * Every tenant's directory for the operator's `workroom people`, through workroom.directory()
 * (migration 009): names, e-mails, roles and capacity, never rates. workroom_app may not call it.
 */
export async function listPeople(db: Kysely<DB>, tenantSlug?: string): Promise<DirectoryPerson[]> {
  const { rows } = await sql<DirectoryPerson>`
    SELECT name, email, role, tenant, department, weekly_capacity_hours AS "weeklyCapacityHours"
      FROM workroom.directory(${tenantSlug ?? null})`.execute(db)
  return rows
}

/** The tenants by name, for operator tools (the playground's picker, `workroom ingest`). */
export async function listTenants(db: Kysely<DB>): Promise<Array<{ id: string; slug: string; name: string; timezone: string }>> {
  return db.selectFrom('workroom.tenants').select(['id', 'slug', 'name', 'timezone']).orderBy('name').execute()
}

/**
 * The database's own timesheet lock (migration 015, workroom.tenants.timesheet_lock_days) set to
 * the configured TIMESHEET_LOCK_DAYS for every tenant, so the bot's friendly refusal and the
 * database's hard one agree. Run by the server at start, as the owner. Returns the tenants changed.
 */
export async function applyTimesheetLock(db: Kysely<DB>, lockDays: number): Promise<number> {
  const rows = await db.updateTable('workroom.tenants').set({ timesheet_lock_days: lockDays })
    .where('timesheet_lock_days', '<>', lockDays).returning('id').execute()
  return rows.length
}
