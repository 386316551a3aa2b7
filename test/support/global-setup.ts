import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import { createEngine } from '../../src/db/engine.ts'
import { migrateUp } from '../../src/db/migrate.ts'
import { withAdmin, withDatabase } from '../../src/db/scratch.ts'
import { SUPABASE_TEMPLATE_PREFIX, TEMPLATE_PREFIX } from './native.ts'
import { supabaseMigrationUp } from './supabase-cli.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteEmptyDump: string
    pgliteMigratedDump: string
    /** The native server's migrated template for this run. */
    templateDb: string
    /** The Supabase-shaped server's template, migrated from supabase/migrations as the CLI does. */
    supabaseTemplateDb: string
  }
}

/**
 * Builds each engine's starting points once per run: PGlite dumps (empty, and migrated) that
 * test files restore in ~2 s instead of running initdb and the migrations again, and on a
 * native server a migrated template database that test databases are cloned from.
 */
export default async function setup(project: TestProject) {
  const dir = await mkdtemp(path.join(tmpdir(), 'workroom-test-'))
  const lite = await createEngine({ kind: 'pglite' })
  const emptyDump = path.join(dir, 'empty.tar')
  await writeFile(emptyDump, Buffer.from(await (await lite.lite!.dumpDataDir('none')).arrayBuffer()))
  const result = await migrateUp(lite.pool)
  if (result.error) throw new Error(`test setup: ${result.error.message}`)
  const migratedDump = path.join(dir, 'migrated.tar')
  await writeFile(migratedDump, Buffer.from(await (await lite.lite!.dumpDataDir('none')).arrayBuffer()))
  await lite.close()
  project.provide('pgliteEmptyDump', emptyDump)
  project.provide('pgliteMigratedDump', migratedDump)

  // One template per run: two runs against one server (a CI check beside a developer's run)
  // must not drop each other's template.
  const templateDb = `${TEMPLATE_PREFIX}${process.pid}`
  project.provide('templateDb', templateDb)
  const url = process.env.TEST_DATABASE_URL
  if (url) {
    await withAdmin(url, async (admin) => {
      await admin.query(`DROP DATABASE IF EXISTS ${templateDb} WITH (FORCE)`)
      await admin.query(`CREATE DATABASE ${templateDb}`)
    })
    const engine = await createEngine({ kind: 'postgres', url: withDatabase(url, templateDb) })
    const migrated = await migrateUp(engine.pool)
    await engine.close()
    if (migrated.error) throw new Error(`test setup (native): ${migrated.error.message}`)
  }

  // As the non-superuser postgres, the way `supabase db reset` / `migration up` apply them.
  const supabaseUrl = process.env.TEST_SUPABASE_URL
  const supabaseTemplateDb = `${SUPABASE_TEMPLATE_PREFIX}${process.pid}`
  project.provide('supabaseTemplateDb', supabaseTemplateDb)
  if (supabaseUrl) {
    await withAdmin(supabaseUrl, async (admin) => {
      await admin.query(`DROP DATABASE IF EXISTS ${supabaseTemplateDb} WITH (FORCE)`)
      await admin.query(`CREATE DATABASE ${supabaseTemplateDb}`)
    })
    await supabaseMigrationUp(withDatabase(supabaseUrl, supabaseTemplateDb))
  }

  return async () => {
    await rm(dir, { recursive: true, force: true })
    if (url) await withAdmin(url, (admin) => admin.query(`DROP DATABASE IF EXISTS ${templateDb} WITH (FORCE)`))
    if (supabaseUrl) await withAdmin(supabaseUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${supabaseTemplateDb} WITH (FORCE)`))
  }
}
