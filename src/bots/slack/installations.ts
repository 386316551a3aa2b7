/**
 * Bolt's installation store over workroom.slack_installations (src/db/slack.ts), so a second
 * workspace can install the app through OAuth without a redeploy, and every replica sees the
 * install at once. Keyed by Enterprise Grid org for org-wide installs, else by workspace.
 */
import type { Installation, InstallationQuery, InstallationStore } from '@slack/oauth'
import type { Kysely } from 'kysely'
import type { DB } from '../../db/schema.ts'
import { deleteSlackInstallation, fetchSlackInstallation, storeSlackInstallation } from '../../db/slack.ts'

const keyOf = (q: { isEnterpriseInstall?: boolean; enterpriseId?: string | undefined; teamId?: string | undefined }) =>
  q.isEnterpriseInstall ? `E:${q.enterpriseId}` : `T:${q.teamId}`

export function pgInstallationStore(db: Kysely<DB>): InstallationStore {
  return {
    async storeInstallation(installation) {
      const key = keyOf({ isEnterpriseInstall: installation.isEnterpriseInstall, enterpriseId: installation.enterprise?.id, teamId: installation.team?.id })
      await storeSlackInstallation(db, key, installation.team?.id ?? null, installation.enterprise?.id ?? null, installation)
    },
    async fetchInstallation(query: InstallationQuery<boolean>) {
      const installation = await fetchSlackInstallation(db, keyOf(query))
      if (!installation) throw new Error(`Workroom is not installed in Slack workspace ${query.teamId ?? query.enterpriseId}`)
      return installation as Installation<'v1' | 'v2', boolean>
    },
    async deleteInstallation(query: InstallationQuery<boolean>) {
      await deleteSlackInstallation(db, keyOf(query))
    },
  }
}
