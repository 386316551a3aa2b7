/**
 * Deliveries already acted on (migrations 012/013), for every chat platform: Slack retries an
 * event it thinks went unanswered, the Bot Framework may deliver an activity twice, and people
 * double-click buttons. Adapters claim each delivery here first, so any number of replicas act
 * on it once. Platform bookkeeping, not tenant data: the service's own role, outside any actor.
 */
import { sql, type Kysely } from 'kysely'
import type { Platform } from './identity.ts'
import type { DB } from './schema.ts'

export class DeliveryLedger {
  private writes = 0
  constructor(private readonly db: Kysely<DB>) {}

  /** True the first time (platform, key) is seen, false ever after. */
  async claim(platform: Platform, key: string): Promise<boolean> {
    const { rows } = await sql<{ key: string }>`
      INSERT INTO workroom.chat_deliveries (delivery_key) VALUES (${`${platform}:${key}`})
      ON CONFLICT (delivery_key) DO NOTHING RETURNING delivery_key AS key`.execute(this.db)
    // Retries come within minutes: a day of keys is plenty. Pruned now and then, not per request.
    if (++this.writes % 500 === 0) await sql`DELETE FROM workroom.chat_deliveries WHERE received_at < now() - interval '1 day'`.execute(this.db)
    return rows.length === 1
  }
}
