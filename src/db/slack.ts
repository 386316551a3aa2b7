/**
 * Slack's OAuth installations (migration 012). Not tenant data, so written by the service's own
 * role, outside any actor; workroom_app has no access (they hold bot tokens).
 */
import { sql, type Kysely } from 'kysely'
import type { DB } from './schema.ts'

/** Installation keys: 'T:<team id>' or 'E:<enterprise id>' for an org-wide install. */
export async function storeSlackInstallation(db: Kysely<DB>, key: string, teamId: string | null, enterpriseId: string | null, installation: unknown): Promise<void> {
  await sql`
    INSERT INTO workroom.slack_installations (install_key, team_id, enterprise_id, installation)
    VALUES (${key}, ${teamId}, ${enterpriseId}, ${JSON.stringify(installation)}::jsonb)
    ON CONFLICT (install_key) DO UPDATE SET installation = EXCLUDED.installation, updated_at = now()`.execute(db)
}

export async function fetchSlackInstallation(db: Kysely<DB>, key: string): Promise<unknown | null> {
  const row = await db.selectFrom('workroom.slack_installations').select('installation').where('install_key', '=', key).executeTakeFirst()
  return row?.installation ?? null
}

export async function deleteSlackInstallation(db: Kysely<DB>, key: string): Promise<void> {
  await db.deleteFrom('workroom.slack_installations').where('install_key', '=', key).execute()
}
