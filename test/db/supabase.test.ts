import { sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { withActor } from '../../src/db/actor.ts'
import { createEngine, type Engine } from '../../src/db/engine.ts'
import { loadMigrations, migrateUp, migrationStatus } from '../../src/db/migrate.ts'
import { createScratchDatabase, withAdmin, withDatabase } from '../../src/db/scratch.ts'
import { HashingEmbedder } from '../../src/rag/embed.ts'
import { ingest } from '../../src/rag/ingest.ts'
import { retrieve } from '../../src/rag/retrieve.ts'
import { actorOf, seedFixture, sqlstate } from '../support/fixture.ts'
import { supabaseMigrations, supabaseMigrationUp } from '../support/supabase-cli.ts'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { SUPABASE_DIR } from '../../scripts/supabase.ts'

// Runs where the seed says it runs: a PostgreSQL shaped as Supabase ships it (.ci/provision-supabase.sh:
// a non-superuser postgres owner, pgvector in schema extensions, anon/authenticated/service_role),
// directly and behind PgBouncer in transaction mode. The spec's verification queries, the RLS
// matrix and the actor tests also run there: schema.test.ts, rls.test.ts and actor.test.ts.
const supabaseUrl = process.env.TEST_SUPABASE_URL
const poolerUrl = process.env.TEST_POOLER_URL
const missing = !supabaseUrl || !poolerUrl
  ? 'TEST_SUPABASE_URL and TEST_POOLER_URL are not set (.ci/provision-supabase.sh starts both)'
  : null

describe.skipIf(missing)(`Workroom on a Supabase-shaped database${missing ? ` [skipped: ${missing}]` : ''}`, () => {
  const open: Engine[] = []
  afterEach(async () => {
    await Promise.all(open.splice(0).map((e) => e.close()))
  })
  const scratch = async (options: { viaPooler?: boolean; template?: string } = {}) => {
    const e = await createScratchDatabase(supabaseUrl!, {
      prefix: 'workroom_supa', poolSize: 5, ...(options.template ? { template: options.template } : {}),
      ...(options.viaPooler ? { connectVia: poolerUrl!, prepare: false } : {}),
    })
    open.push(e)
    return e
  }

  it('applies supabase/migrations in the CLI\'s order behind PgBouncer, as a postgres that is no superuser, and passes the spec\'s verification', async () => {
    const e = await scratch({ viaPooler: true })
    const applied = await supabaseMigrationUp(e.url)
    expect(applied).toEqual((await supabaseMigrations()).map((m) => m.version))
    const q = async <T>(text: string) => (await e.pool.query(text)).rows as T[]
    expect(await q(`SELECT rolsuper FROM pg_roles WHERE rolname = current_user`)).toEqual([{ rolsuper: false }])
    expect(await q(`SELECT extnamespace::regnamespace::text AS schema FROM pg_extension WHERE extname = 'vector'`)).toEqual([{ schema: 'extensions' }])
    // The spec's Verification, queries 1 to 4.
    expect(await q(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'agency' AND table_type = 'BASE TABLE'`)).toHaveLength(15)
    expect(await q(`SELECT tablename FROM pg_tables WHERE schemaname = 'agency' AND NOT rowsecurity`)).toEqual([])
    expect((await q(`SELECT indexname FROM pg_indexes WHERE schemaname = 'agency'`)).length).toBeGreaterThanOrEqual(50)
    expect(await q(`SELECT table_name FROM information_schema.views WHERE table_schema = 'agency'`)).toHaveLength(6)
    // supabase db reset then loads seed.sql.
    await e.pool.query(await readFile(path.join(SUPABASE_DIR, 'seed.sql'), 'utf8'))
    expect(await q(`SELECT slug FROM workroom.tenants ORDER BY slug`)).toEqual([{ slug: 'northwind' }, { slug: 'southpaw' }])
  })

  it('counts what the Supabase CLI applied as migrated, for the owner and for a bookkeeping login that owns nothing', async () => {
    const e = await scratch()
    await supabaseMigrationUp(e.url)
    expect((await migrationStatus(e.pool)).filter((r) => r.state !== 'applied')).toEqual([])
    expect(await migrateUp(e.pool)).toEqual({ ran: [] })
    const login = `workroom_supa_svc_${process.pid}`
    await sql`SELECT workroom.create_login_role(${login}, 'unused', 'workroom_service')`.execute(e.db)
    const url = new URL(e.url)
    url.username = login
    const service = await createEngine({ kind: 'postgres', url: url.toString(), poolSize: 1 })
    try {
      expect((await migrationStatus(service.pool)).filter((r) => r.state !== 'applied')).toEqual([])
      // workroom migrate made its own ledger after 022 ran: the API roles still get nothing of it.
      expect((await e.pool.query(`SELECT has_table_privilege('anon', 'public.workroom_migrations', 'SELECT') AS anon`)).rows).toEqual([{ anon: false }])
    } finally {
      await service.close()
      await e.pool.query(`DROP ROLE ${login}`)
    }
  })

  it('runs workroom migrate through PgBouncer in transaction mode, and a second run has nothing to do', async () => {
    const e = await scratch({ viaPooler: true })
    const first = await migrateUp(e.pool)
    expect(first.error).toBeUndefined()
    expect(first.ran).toEqual((await loadMigrations()).map((f) => f.name))
    expect(await migrateUp(e.pool)).toEqual({ ran: [] })
    expect((await migrationStatus(e.pool)).every((r) => r.state === 'applied')).toBe(true)
    // No advisory lock left behind on a server connection someone else borrows next.
    const { rows } = await e.pool.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'`)
    expect(rows[0].n).toBe(0)
  })

  it('migrates and searches knowledge as an actor when the login\'s search_path lacks the schema pgvector is in', async () => {
    const made = await scratch()
    // A managed service's login whose search_path is the default: `extensions` is not on it.
    const url = new URL(made.url)
    url.searchParams.set('options', '-c search_path=public')
    const e = await createEngine({ kind: 'postgres', url: url.toString(), poolSize: 3 })
    open.push(e)
    expect((await e.pool.query(`SELECT current_setting('search_path') AS p`)).rows[0].p).toBe('public')
    const result = await migrateUp(e.pool)
    expect(result.error).toBeUndefined()
    const fx = await seedFixture(e.db)
    const embedder = new HashingEmbedder()
    await ingest(e.db, fx.A.tenantId, [{
      sourceId: 'expenses.md', title: 'Expense claims', format: 'markdown', docType: 'policy', clientId: null, url: null, sourceType: 'file',
      text: '# Expense claims\n\nSubmit receipts for taxi fares within 30 days of travel.',
    }], embedder)
    const question = 'How long do I have to submit taxi receipts?'
    const [embedding] = await embedder.embed([question])
    const hits = await withActor(e.db, actorOf(fx, 'A', 'creative'), (trx) => retrieve(trx, { text: question, embedding: embedding!, model: embedder.model }))
    expect(hits[0]?.title).toBe('Expense claims')
    expect(hits[0]?.similarity).toBeGreaterThan(0)
  })

  it('applies every migration as an owner that is neither superuser nor BYPASSRLS (RDS, Cloud SQL), FORCE left off', async () => {
    const owner = `workroom_rds_owner_${process.pid}`
    const name = `workroom_supa_rds_${process.pid}`
    await withAdmin(supabaseUrl!, async (admin) => {
      await admin.query(`CREATE ROLE ${owner} LOGIN CREATEROLE NOBYPASSRLS`)
      await admin.query(`GRANT ${owner} TO postgres`)
      await admin.query(`CREATE DATABASE ${name} OWNER ${owner} TEMPLATE template0`)
    })
    const as = (user: string) => {
      const u = new URL(withDatabase(supabaseUrl!, name))
      u.username = user
      return u.toString()
    }
    // The provider's admin enables pgvector (RDS's rds_superuser; here the cluster's superuser), in public.
    await withAdmin(as('supabase_admin'), (admin) => admin.query('CREATE EXTENSION vector'))
    const e = await createEngine({ kind: 'postgres', url: as(owner), poolSize: 2 })
    try {
      const result = await migrateUp(e.pool)
      expect(result.error).toBeUndefined()
      const forced = await e.pool.query(`SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = 'agency'::regnamespace AND relforcerowsecurity`)
      expect(forced.rows[0].n).toBe(0)
      const fx = await seedFixture(e.db)
      const names = await withActor(e.db, actorOf(fx, 'A', 'creative'), async (trx) =>
        (await trx.selectFrom('agency.campaigns').select('name').execute()).map((r) => r.name))
      expect(names).toEqual(['Campaign cX A'])
    } finally {
      await e.close()
      await withAdmin(supabaseUrl!, async (admin) => {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
        await admin.query(`DROP ROLE IF EXISTS ${owner}`)
      })
    }
  })

  it('stops at 022 naming the GRANT to run when pgvector\'s schema is one the owner may use but not share', async () => {
    const owner = `workroom_rds_owner2_${process.pid}`
    const name = `workroom_supa_rds2_${process.pid}`
    await withAdmin(supabaseUrl!, async (admin) => {
      await admin.query(`CREATE ROLE ${owner} LOGIN CREATEROLE NOBYPASSRLS`)
      await admin.query(`GRANT ${owner} TO postgres`)
      await admin.query(`CREATE DATABASE ${name} OWNER ${owner} TEMPLATE template0`)
    })
    const as = (user: string) => {
      const u = new URL(withDatabase(supabaseUrl!, name))
      u.username = user
      return u.toString()
    }
    await withAdmin(as('supabase_admin'), (admin) => admin.query(
      `CREATE SCHEMA extensions; GRANT USAGE ON SCHEMA extensions TO ${owner}; CREATE EXTENSION vector SCHEMA extensions`))
    const e = await createEngine({ kind: 'postgres', url: as(owner), poolSize: 2 })
    try {
      const result = await migrateUp(e.pool)
      expect(result.error).toMatchObject({ name: '20251210_022_api_roles', sqlstate: '42501' })
      expect(result.error?.message).toContain('GRANT USAGE ON SCHEMA extensions TO workroom_app')
      expect(result.ran).toContain('20251210_019_artifact_knowledge')
    } finally {
      await e.close()
      await withAdmin(supabaseUrl!, async (admin) => {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
        await admin.query(`DROP ROLE IF EXISTS ${owner}`)
      })
    }
  })

  it('names pgvector, and who can install it, when it is missing and this login may not create it', async () => {
    // template0 has no extensions schema and no vector; pgvector is not a trusted extension.
    const name = `workroom_supa_novector_${process.pid}`
    await withAdmin(supabaseUrl!, (admin) => admin.query(`CREATE DATABASE ${name} TEMPLATE template0`))
    const e = await createEngine({ kind: 'postgres', url: withDatabase(supabaseUrl!, name), poolSize: 2 })
    try {
      const result = await migrateUp(e.pool)
      expect(result.error).toMatchObject({ code: 'sql_error', name: '20251207_005_agency_ai_rag', sqlstate: '42501' })
      expect(result.error?.message).toMatch(/pgvector is not installed in this database and this login may not install it/)
      expect(result.error?.message).toMatch(/Database → Extensions/)
    } finally {
      await e.close()
      await withAdmin(supabaseUrl!, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
    }
  })

  it('gives Supabase\'s API roles (anon, authenticated) nothing of Workroom\'s, the migration ledger included', async () => {
    const e = await scratch()
    expect((await migrateUp(e.pool)).error).toBeUndefined()
    for (const role of ['anon', 'authenticated']) {
      for (const table of ['agency.campaigns', 'agency.timesheet_entries', 'workroom.people', 'workroom.chat_inbox', 'public.workroom_migrations']) {
        const client = await e.pool.connect()
        try {
          await client.query('BEGIN')
          await client.query(`SET LOCAL ROLE ${role}`)
          expect(await sqlstate(client.query(`SELECT * FROM ${table} LIMIT 1`)), `${role} reads ${table}`).toBe('42501')
        } finally {
          await client.query('ROLLBACK')
          client.release()
        }
      }
    }
  })
})
