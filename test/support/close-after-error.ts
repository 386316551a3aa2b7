// Run as a child process by test/db/engine.test.ts: a failed query, then close, then exit 0.
import { sql } from 'kysely'
import { createEngine } from '../../src/db/engine.ts'

const e = await createEngine({ kind: 'pglite', dataDir: process.argv[2]! })
try {
  await sql`SELECT * FROM public.no_such_function(${null})`.execute(e.db)
} catch (err) {
  console.log(`failed as expected: ${(err as { code?: string }).code}`)
}
await e.close()
console.log('closed')
