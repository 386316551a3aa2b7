import { readFile } from 'node:fs/promises'
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { withActor } from '../../src/db/actor.ts'
import { createEngine, engineOptionsFromConfig, type Engine } from '../../src/db/engine.ts'
import { MAX_PER_CONNECTION } from '../../src/db/prepared.ts'
import type { DB } from '../../src/db/schema.ts'
import { createScratchDatabase } from '../../src/db/scratch.ts'
import { describeEachEngine } from '../support/engines.ts'
import { actorOf, seedFixture, type PersonKey, type TenantKey } from '../support/fixture.ts'

// Prepared statements (src/db/prepared.ts, DATABASE_PREPARE) on both engines: a server's
// connections, and PGlite's one in-process session, which every client of its pool shares.
const nativeUrl = process.env.TEST_DATABASE_URL
const supabaseUrl = process.env.TEST_SUPABASE_URL
const poolerUrl = process.env.TEST_POOLER_URL

/** The names this session has prepared, with their text, as the server lists them. */
const preparedHere = async (db: Kysely<DB>) =>
  (await sql<{ name: string; statement: string }>`SELECT name, statement FROM pg_prepared_statements WHERE name LIKE 'workroom_%' ORDER BY name`.execute(db)).rows

describeEachEngine('prepared statements', (engine) => {
  const open: Engine[] = []
  afterEach(async () => {
    await Promise.all(open.splice(0).map((e) => e.close()))
  })
  // One connection (PGlite has no other), so every statement of a test meets the same session.
  const scratch = async (prepare?: boolean, migrated = false): Promise<Engine> => {
    const options = prepare === undefined ? {} : { prepare }
    const e = engine.kind === 'pglite'
      ? await createEngine({ kind: 'pglite', ...options, ...(migrated ? { loadDataDir: new Blob([await readFile(inject('pgliteMigratedDump'))]) } : {}) })
      : await createScratchDatabase(nativeUrl!, { prefix: 'workroom_test', poolSize: 1, ...options, ...(migrated ? { template: inject('templateDb') } : {}) })
    open.push(e)
    return e
  }
  const urlOf = (e: Engine) => (e as Engine & { url: string }).url

  it('are on unless DATABASE_PREPARE=false', () => {
    const base = { DATABASE_URL: 'postgres://x@127.0.0.1/db', WORKROOM_DATA_DIR: '.data', DATABASE_POOL_SIZE: 10 }
    expect(engineOptionsFromConfig({ ...base, DATABASE_PREPARE: 'true' })).toMatchObject({ prepare: true })
    expect(engineOptionsFromConfig({ ...base, DATABASE_PREPARE: 'false' })).toMatchObject({ prepare: false })
  })

  it('prepares a parameterised statement once per connection and runs it again by name, with the values of each call', async () => {
    const e = await scratch()
    const twice = (n: number) => sql<{ v: number }>`SELECT ${n}::int * 2 AS v`.execute(e.db)
    expect((await twice(2)).rows).toEqual([{ v: 4 }])
    expect((await twice(21)).rows).toEqual([{ v: 42 }])
    await sql`SELECT 1 AS unparameterised`.execute(e.db)
    const prepared = await preparedHere(e.db)
    expect(prepared).toHaveLength(1)
    expect(prepared[0]!.statement).toBe('SELECT $1::int * 2 AS v')
  })

  it('runs as the actor of each transaction: one prepared read under row security answers for each actor what an unprepared one does', async () => {
    const e = await scratch(true, true)
    const fx = await seedFixture(e.db)
    // The same database read unprepared: a second engine on the server; on PGlite, its pool bare.
    const plain = engine.kind === 'pglite' ? { db: new Kysely<DB>({ dialect: new PostgresDialect({ pool: e.pool }) }) } : await createEngine({ kind: 'postgres', url: urlOf(e), poolSize: 1, prepare: false })
    if ('close' in plain) open.push(plain)
    const ids = (db: Kysely<DB>, tenant: TenantKey, person: PersonKey) =>
      withActor(db, actorOf(fx, tenant, person), async (trx) =>
        (await trx.selectFrom('agency.campaigns').select('id').where('name', '!=', '').orderBy('id').execute()).map((r) => r.id))
    // The same statement text, prepared for the first actor, then run for the others.
    const who = [['A', 'leadership'], ['B', 'leadership'], ['A', 'creative'], ['A', 'outsider'], ['A', 'leadership']] as const
    const seen: string[][] = []
    for (const [t, p] of who) seen.push(await ids(e.db, t, p))
    expect((await preparedHere(e.db)).filter((p) => p.statement.startsWith('select "id" from "agency"."campaigns"'))).toHaveLength(1)
    for (const [i, [t, p]] of who.entries()) expect(seen[i]).toEqual(await ids(plain.db, t, p))
    expect(seen[0]).toEqual([...fx.A.rows.entries()].filter(([k]) => k.startsWith('campaign:')).map(([, id]) => id).sort())
    expect(seen[1]!.some((id) => seen[0]!.includes(id))).toBe(false)
    expect(seen[2]!.length).toBeLessThan(seen[0]!.length)
    expect(seen[3]).toEqual([])
  })

  it(`keeps at most ${MAX_PER_CONNECTION} names per connection; statements past that run unnamed and still answer`, async () => {
    const e = await scratch()
    for (let i = 0; i < MAX_PER_CONNECTION + 20; i++) {
      const r = await sql<{ v: number }>`SELECT ${i}::int + ${sql.lit(i)} AS v`.execute(e.db)
      expect(r.rows[0]!.v).toBe(2 * i)
    }
    expect(await preparedHere(e.db)).toHaveLength(MAX_PER_CONNECTION)
  })

  it('a view replaced with other columns fails its prepared statement once, then the statement is prepared afresh', async () => {
    const e = await scratch()
    await sql`CREATE VIEW public.shape AS SELECT 1 AS a`.execute(e.db)
    const read = () => sql<Record<string, number>>`SELECT * FROM public.shape WHERE a = ${1}`.execute(e.db)
    expect((await read()).rows).toEqual([{ a: 1 }])
    await sql`CREATE OR REPLACE VIEW public.shape AS SELECT 1 AS a, 2 AS b`.execute(e.db)
    await expect(read()).rejects.toMatchObject({ code: '0A000', message: 'cached plan must not change result type' })
    expect((await read()).rows).toEqual([{ a: 1, b: 2 }])
    expect((await read()).rows).toEqual([{ a: 1, b: 2 }])
    expect(await preparedHere(e.db)).toHaveLength(2)
  })

  it('a new client of the pool finds the names its session already has (PGlite: one session for every client)', async () => {
    const e = await scratch()
    const read = () => sql<{ v: number }>`SELECT ${5}::int AS v`.execute(e.db)
    expect((await read()).rows).toEqual([{ v: 5 }])
    // The pool drops its client, as it does after an error or its idle timeout; the next read
    // gets a new one (on PGlite, over the same session, once the old client has ended).
    const removed = new Promise((resolve) => e.pool.once('remove', resolve))
    const client = await e.pool.connect()
    client.release(true)
    await removed
    expect((await read()).rows).toEqual([{ v: 5 }])
    expect((await read()).rows).toEqual([{ v: 5 }])
    expect((await preparedHere(e.db)).filter((p) => p.statement === 'SELECT $1::int AS v')).toHaveLength(1)
  })

  it('with DATABASE_PREPARE=false nothing is prepared', async () => {
    const e = await scratch(false)
    await sql`SELECT ${1}::int AS v`.execute(e.db)
    expect(await preparedHere(e.db)).toEqual([])
  })
})

describe.skipIf(!supabaseUrl || !poolerUrl)(`prepared statements behind PgBouncer in transaction mode${supabaseUrl && poolerUrl ? '' : ' [skipped: TEST_SUPABASE_URL and TEST_POOLER_URL are not set (.ci/provision-supabase.sh)]'}`, () => {
  it('left on by mistake: the statement that meets another server connection fails, then nothing more is prepared and every statement answers', async () => {
    // One client connection to the pooler, prepare on (the mistake docs/deploy.md warns of).
    const e = await createScratchDatabase(supabaseUrl!, { prefix: 'workroom_supa', poolSize: 1, connectVia: poolerUrl! })
    const other = new pg.Client({ connectionString: e.url })
    const warned = new Promise<Error>((resolve) => process.once('warning', resolve))
    try {
      const read = () => e.db.transaction().execute((trx) => sql<{ v: number }>`SELECT ${7}::int AS v`.execute(trx))
      expect((await read()).rows).toEqual([{ v: 7 }])   // prepared on the pool's one server connection
      // Another client holds that server connection in a transaction: PgBouncer gives the next
      // transaction a new server connection, which has never seen the name.
      await other.connect()
      await other.query('BEGIN')
      await other.query('SELECT 1')
      await expect(read()).rejects.toMatchObject({ code: '26000' })
      expect((await warned).message).toMatch(/DATABASE_PREPARE=false/)
      for (let i = 0; i < 3; i++) expect((await read()).rows).toEqual([{ v: 7 }])
      await other.query('COMMIT')
      for (let i = 0; i < 3; i++) expect((await read()).rows).toEqual([{ v: 7 }])
    } finally {
      await other.end().catch(() => {})
      await e.close()
    }
  })
})
