/**
 * A page of the campaign list as Workroom pages it (src/handlers/campaign.ts, campaignPage): 100
 * campaigns in name order, each page starting after the last campaign of the one before (keyset,
 * by name and id), not at an OFFSET. Read from the view (benches views and growth) and, for the
 * floor, from the table; both can walk idx_campaigns_tenant_name (025) and stop after 100 rows,
 * where an OFFSET page must sort the whole visible list first.
 */
import { sql, type Kysely } from 'kysely'
import type { DB } from '../src/db/schema.ts'

export const PAGE = 100

export type PageKey = { name: string; id: string } | null

/** Where each page starts: null for the first, then the key of every PAGE-th campaign, as the actor sees them. */
export async function pageKeys(trx: Kysely<DB>): Promise<PageKey[]> {
  const all = await trx.selectFrom('agency.campaigns').select(['name', 'id']).orderBy('name').orderBy('id').execute()
  const keys: PageKey[] = [null]
  for (let i = PAGE - 1; i < all.length - 1; i += PAGE) keys.push(all[i]!)
  return keys
}

const after = (key: PageKey) => sql<boolean>`(name, id) > (${key?.name ?? ''}, ${key?.id ?? '00000000-0000-0000-0000-000000000000'}::uuid)`

/** The page of agency.v_campaign_overview after `key`. */
export const overviewPage = (trx: Kysely<DB>, key: PageKey) =>
  trx.selectFrom('agency.v_campaign_overview').selectAll().$if(key !== null, (q) => q.where(after(key)))
    .orderBy('name').orderBy('id').limit(PAGE)

/** Its floor: the same campaigns' names straight from the table. */
export const namesPage = (trx: Kysely<DB>, key: PageKey) =>
  trx.selectFrom('agency.campaigns').select(['id', 'name', 'code', 'status']).$if(key !== null, (q) => q.where(after(key)))
    .orderBy('name').orderBy('id').limit(PAGE)
