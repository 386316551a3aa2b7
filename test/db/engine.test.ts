import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { promisify } from 'node:util'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.ts'

describe('embedded engine on disk', () => {
  it('closes cleanly right after a failed query (a process that would crash if it did not)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'workroom-engine-'))
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'test/support/close-after-error.ts', dir])
      expect(stdout).toBe('failed as expected: 42883\nclosed\n')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describeEachEngine('engine', (engine) => {
  it('closes cleanly right after a failed query', async () => {
    const e = await engine.migrated()
    await expect(sql`SELECT * FROM workroom.no_such_function(${null})`.execute(e.db)).rejects.toMatchObject({ code: '42883' })
    await e.close()
    // A message still queued for PGlite after close used to surface here as an uncaught error.
    await new Promise((resolve) => setTimeout(resolve, 500))
  })

  it('returns dates as YYYY-MM-DD and numerics and counts as numbers, the same on both engines', async () => {
    const e = await engine.migrated()
    try {
      const row = await sql<{ d: string; n: number; c: number }>`SELECT DATE '2026-11-25' AS d, 2.50::numeric AS n, count(*) AS c FROM generate_series(1, 3)`.execute(e.db)
      expect(row.rows).toEqual([{ d: '2026-11-25', n: 2.5, c: 3 }])
    } finally {
      await e.close()
    }
  })
})
