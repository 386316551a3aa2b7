/**
 * Bolt's installation store in PostgreSQL (workroom.slack_installations, migration 012), so a
 * second workspace can install the app through OAuth without a redeploy, and every replica sees
 * the install at once. Keyed by Enterprise Grid org for org-wide installs, else by workspace.
 */
import type { Installation, InstallationQuery, InstallationStore } from '@slack/oauth'
import { sql, type Kysely } from 'kysely'
import type { DB } from '../../db/schema.ts'

const keyOf = (q: { isEnterpriseInstall?: boolean; enterpriseId?: string | undefined; teamId?: string | undefined }) =>
  q.isEnterpriseInstall ? `E:${q.enterpriseId}` : `T:${q.teamId}`

export function pgInstallationStore(db: Kysely<DB>): InstallationStore {
  return {
    async storeInstallation(installation) {
      const key = keyOf({ isEnterpriseInstall: installation.isEnterpriseInstall, enterpriseId: installation.enterprise?.id, teamId: installation.team?.id })
      await sql`
        INSERT INTO workroom.slack_installations (install_key, team_id, enterprise_id, installation)
        VALUES (${key}, ${installation.team?.id ?? null}, ${installation.enterprise?.id ?? null}, ${JSON.stringify(installation)}::jsonb)
        ON CONFLICT (install_key) DO UPDATE SET installation = EXCLUDED.installation, updated_at = now()`.execute(db)
    },
    async fetchInstallation(query: InstallationQuery<boolean>) {
      const { rows } = await sql<{ installation: Installation<'v1' | 'v2', boolean> }>`
        SELECT installation FROM workroom.slack_installations WHERE install_key = ${keyOf(query)}`.execute(db)
      if (!rows[0]) throw new Error(`Workroom is not installed in Slack workspace ${query.teamId ?? query.enterpriseId}`)
      return rows[0].installation
    },
    async deleteInstallation(query: InstallationQuery<boolean>) {
      await sql`DELETE FROM workroom.slack_installations WHERE install_key = ${keyOf(query)}`.execute(db)
    },
  }
}
