import { sql } from 'kysely'
import type { ActorTx } from './actor.ts'

/** A choice as offered: its label, and the action its button would have run. */
export interface OfferedChoice {
  label: string
  actionId: string
  payload: string
}

/** How long an offer stays open to "reply with its number". */
export const OFFER_MINUTES = 15

/**
 * Records the choices a reply offers this person in this conversation (replacing an older offer
 * there), so that a message that is only a number can pick one. Row security keeps it theirs.
 */
export async function offerChoices(trx: ActorTx, where: { platform: string; channelId: string }, choices: OfferedChoice[], now: Date): Promise<void> {
  await sql`
    INSERT INTO workroom.offered_choices (tenant_id, person_id, platform, channel_id, choices, offered_at)
    VALUES (agency.current_tenant_id(), agency.current_user_id(), ${where.platform}, ${where.channelId}, ${JSON.stringify(choices)}::jsonb, ${now})
    ON CONFLICT (person_id, platform, channel_id) DO UPDATE SET choices = excluded.choices, offered_at = excluded.offered_at`.execute(trx)
}

export type Pick =
  | { kind: 'picked'; choice: OfferedChoice }
  /** An open offer, but no choice with that number: the offer stays open. */
  | { kind: 'out_of_range'; count: number }
  /** Nothing offered here in the last OFFER_MINUTES (or it was picked already). */
  | { kind: 'none' }

/**
 * The n-th (1-based) choice offered to this person in this conversation, taken: the offer is
 * deleted in the same statement, so two quick "1"s (or a redelivery) pick once.
 */
export async function pickChoice(trx: ActorTx, where: { platform: string; channelId: string }, n: number, now: Date): Promise<Pick> {
  const since = new Date(now.getTime() - OFFER_MINUTES * 60_000)
  const { rows } = await sql<{ choices: OfferedChoice[] }>`
    SELECT choices FROM workroom.offered_choices
     WHERE person_id = agency.current_user_id() AND platform = ${where.platform} AND channel_id = ${where.channelId} AND offered_at >= ${since}
       FOR UPDATE`.execute(trx)
  const choices = rows[0]?.choices
  if (!choices) return { kind: 'none' }
  const choice = choices[n - 1]
  if (!choice) return { kind: 'out_of_range', count: choices.length }
  await sql`DELETE FROM workroom.offered_choices WHERE person_id = agency.current_user_id() AND platform = ${where.platform} AND channel_id = ${where.channelId}`.execute(trx)
  return { kind: 'picked', choice }
}
