/**
 * The chat platforms registered in src/chat/platforms.ts against the database's CHECKs on platform
 * columns, the one list a new platform extends outside its folder and its registration line (with
 * a migration). A platform registered without it would fail at its first stored identity or
 * entry; this fails first, naming the column.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { PLATFORMS } from '../../src/chat/platforms.ts'
import type { Engine } from '../../src/db/engine.ts'
import { describeEachEngine } from '../support/engines.ts'

/** The values a column's CHECK (col IN (…)) allows, read from the catalog. */
async function allowed(e: Engine, table: string, column: string): Promise<string[]> {
  const { rows } = await e.pool.query<{ def: string }>(`
    SELECT pg_get_constraintdef(c.oid) AS def
      FROM pg_constraint c
     WHERE c.conrelid = $1::regclass AND c.contype = 'c'
       AND c.conkey = ARRAY[(SELECT attnum FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2)]`, [table, column])
  expect(rows, `${table}.${column} has one CHECK`).toHaveLength(1)
  return [...rows[0]!.def.matchAll(/'([^']+)'::text/g)].map((m) => m[1]!)
}

describeEachEngine('registered chat platforms and the database', (engine) => {
  let e: Engine
  beforeAll(async () => {
    e = await engine.migrated()
  })
  afterAll(async () => {
    await e?.close()
  })

  it('every registered platform may own chat identities and be the source of a time entry', async () => {
    const names = PLATFORMS.map((p) => p.name)
    expect(await allowed(e, 'workroom.chat_identities', 'platform')).toEqual(expect.arrayContaining(names))
    expect(await allowed(e, 'agency.timesheet_entries', 'source')).toEqual(expect.arrayContaining(names))
  })

  it('every platform with channels may hold digest subscriptions and client scopes, and every bound one workspace bindings', async () => {
    const withChannels = PLATFORMS.filter((p) => p.channels).map((p) => p.name)
    const bound = PLATFORMS.filter((p) => p.binding).map((p) => p.name)
    expect(withChannels.length).toBeGreaterThan(0)
    expect(await allowed(e, 'workroom.digest_subscriptions', 'platform')).toEqual(expect.arrayContaining(withChannels))
    expect(await allowed(e, 'workroom.channel_clients', 'platform')).toEqual(expect.arrayContaining(withChannels))
    expect(bound.length).toBeGreaterThan(0)
    expect(await allowed(e, 'workroom.workspace_bindings', 'platform')).toEqual(expect.arrayContaining(bound))
    // A platform an operator cannot bind has no workspace to bind: the binding table refuses it.
    for (const p of PLATFORMS.filter((p) => !p.binding)) expect(await allowed(e, 'workroom.workspace_bindings', 'platform')).not.toContain(p.name)
  })
})
