import { readFile } from 'node:fs/promises'
import type { Kysely } from 'kysely'
import { sql } from 'kysely'
import { withActor, type Actor } from '../../src/db/actor.ts'
import type { DB } from '../../src/db/schema.ts'

/** The schema the views of migration 006 are installed in, beside the live ones, for comparison. */
export const LEGACY = 'legacy_006'

/** The six views of the spec, and campaign_financials(), whose answers must not change. */
export const SPEC_VIEWS = [
  'v_dashboard_kpis', 'v_campaign_overview', 'v_client_360',
  'v_employee_utilization', 'v_artifact_library', 'v_timesheet_summary_by_campaign',
] as const

/**
 * Installs the views and campaign_financials() exactly as migration 006 wrote them (applied
 * migrations are never edited, so the file is the reference), in schema legacy_006, as the owner,
 * readable by workroom_app as the originals were. Later migrations may redefine the live ones in
 * schema agency; a test then reads both under the same actor and expects the same rows.
 */
export async function installLegacyViews(db: Kysely<DB>): Promise<void> {
  const file = await readFile(new URL('../../migrations/20251207_006_agency_views.sql', import.meta.url), 'utf8')
  const start = file.indexOf('CREATE OR REPLACE FUNCTION agency.campaign_financials')
  const end = file.indexOf('-- Activity feed')
  if (start < 0 || end < start) throw new Error('migration 006 no longer has the shape legacy-views.ts reads')
  const body = file.slice(start, end)
    .replaceAll('agency.campaign_financials(', `${LEGACY}.campaign_financials(`)
    .replaceAll('CREATE VIEW agency.', `CREATE VIEW ${LEGACY}.`)
    .replaceAll('JOIN agency.v_campaign_overview', `JOIN ${LEGACY}.v_campaign_overview`)
  if (/agency\.v_|agency\.campaign_financials/.test(body)) throw new Error('legacy views still reference the live ones')
  await sql.raw(`DROP SCHEMA IF EXISTS ${LEGACY} CASCADE; CREATE SCHEMA ${LEGACY};\n${body}\n
    GRANT USAGE ON SCHEMA ${LEGACY} TO workroom_app;
    GRANT SELECT ON ALL TABLES IN SCHEMA ${LEGACY} TO workroom_app;
    GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ${LEGACY} TO workroom_app;`).execute(db)
}

/** Every row of a relation as text, sorted: two relations are equal when these are. */
async function rowsOf(trx: Kysely<DB>, relation: string): Promise<string[]> {
  const r = await sql<{ r: string }>`SELECT v::text AS r FROM ${sql.raw(relation)} v`.execute(trx)
  return r.rows.map((x) => x.r).sort()
}

/** campaign_financials() of every visible campaign, overall and for each week logged on it. */
async function financialsOf(trx: Kysely<DB>, schema: string): Promise<string[]> {
  const r = await sql<{ r: string }>`
    SELECT (c.id, w.week, f.*)::text AS r
      FROM agency.campaigns c
      CROSS JOIN LATERAL (SELECT NULL::date AS week
                          UNION SELECT DISTINCT e.week_start_date FROM agency.timesheet_entries e WHERE e.campaign_id = c.id) w
      CROSS JOIN LATERAL ${sql.raw(schema)}.campaign_financials(c.id, w.week) f`.execute(trx)
  return r.rows.map((x) => x.r).sort()
}

export interface ViewDiff { relation: string; onlyLegacy: string[]; onlyLive: string[] }

/**
 * What one reader (an actor, or the owner when actor is undefined) gets from the legacy and the
 * live definitions, read in one transaction so current_date and the data are the same for both.
 * Empty when they agree.
 */
export async function compareViews(db: Kysely<DB>, actor: Actor | undefined): Promise<ViewDiff[]> {
  return actor ? withActor(db, actor, compareViewsIn) : db.transaction().execute(compareViewsIn)
}

/** compareViews inside a transaction the caller holds (as whoever it runs as). */
export async function compareViewsIn(trx: Kysely<DB>): Promise<ViewDiff[]> {
  {
    // The old definitions are costly enough for native PostgreSQL to JIT-compile every statement.
    await sql`SET LOCAL jit = off`.execute(trx)
    const diffs: ViewDiff[] = []
    const diff = (relation: string, legacy: string[], live: string[]) => {
      const onlyLegacy = legacy.filter((r) => !live.includes(r))
      const onlyLive = live.filter((r) => !legacy.includes(r))
      if (onlyLegacy.length || onlyLive.length || legacy.length !== live.length) diffs.push({ relation, onlyLegacy, onlyLive })
    }
    for (const view of SPEC_VIEWS) diff(view, await rowsOf(trx, `${LEGACY}.${view}`), await rowsOf(trx, `agency.${view}`))
    diff('campaign_financials', await financialsOf(trx, LEGACY), await financialsOf(trx, 'agency'))
    return diffs
  }
}
