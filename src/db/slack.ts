/**
 * Slack's platform bookkeeping (migration 012): the delivery ledger and OAuth installations.
 * Not tenant data, so written by the service's own role, outside any actor; workroom_app has no
 * access (installations hold bot tokens).
 */
import { sql, type Kysely } from 'kysely'
import type { DB } from './schema.ts'

/**
 * Deliveries already handled, by Slack's event id (retries carry the same one) or by button
 * click: a retried event or a double click acts once, across replicas.
 */
export class DeliveryLedger {
  private writes = 0
  constructor(private readonly db: Kysely<DB>) {}

  /** True the first time a key is seen, false ever after. */
  async claim(key: string): Promise<boolean> {
    const { rows } = await sql<{ key: string }>`
      INSERT INTO workroom.slack_deliveries (delivery_key) VALUES (${key})
      ON CONFLICT (delivery_key) DO NOTHING RETURNING delivery_key AS key`.execute(this.db)
    // Slack retries within minutes: a day of keys is plenty. Pruned now and then, not per request.
    if (++this.writes % 500 === 0) await sql`DELETE FROM workroom.slack_deliveries WHERE received_at < now() - interval '1 day'`.execute(this.db)
    return rows.length === 1
  }
}

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
