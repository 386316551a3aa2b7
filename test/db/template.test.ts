/**
 * A new embedded data directory starts as a copy of one fresh database (src/db/template.ts), made
 * by `npm ci`, rather than a new initdb. What shows it is a copy: initdb gives every cluster its own
 * system identifier, and two new directories share the template's. A copy must then behave as a
 * new database: every migration applies, and the data stays in its own directory.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createEngine, type Engine } from '../../src/db/engine.ts'
import { migrateUp } from '../../src/db/migrate.ts'
import { makeTemplate } from '../../src/db/template.ts'

const dirs: string[] = []
const engines: Engine[] = []
afterAll(async () => {
  for (const e of engines) await e.close()
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

async function newDatabase(): Promise<Engine> {
  const dir = await mkdtemp(path.join(tmpdir(), 'workroom-template-'))
  dirs.push(dir)
  const engine = await createEngine({ kind: 'pglite', dataDir: path.join(dir, 'pglite') })
  engines.push(engine)
  return engine
}

const systemId = async (e: Engine) => (await e.pool.query<{ id: string }>('SELECT system_identifier::text AS id FROM pg_control_system()')).rows[0]!.id

describe('a new embedded data directory', () => {
  it('is a copy of the template, migrates like any new database, and keeps its data to itself', async () => {
    // `npm ci` made it (postinstall); made here when it is missing.
    await makeTemplate()
    const [a, b] = [await newDatabase(), await newDatabase()]
    expect(await systemId(a)).toBe(await systemId(b))

    expect((await migrateUp(a.pool)).error).toBeUndefined()
    expect((await a.pool.query("SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'vector'")).rows[0].n).toBe(1)
    expect((await b.pool.query("SELECT to_regclass('public.workroom_migrations') AS t")).rows[0].t).toBeNull()
  })
})
