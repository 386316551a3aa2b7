import { afterAll, beforeAll, expect, it } from 'vitest'
import { createApp } from '../src/http/app.ts'
import { createLogger } from '../src/log.ts'
import { loadMigrations, migrateDown } from '../src/db/migrate.ts'
import type { Engine } from '../src/db/engine.ts'
import { describeEachEngine } from './support/engines.ts'

const logger = createLogger('silent')

describeEachEngine('health endpoints', (engine) => {
  let e: Engine
  beforeAll(async () => {
    e = await engine.migrated()
  })
  afterAll(async () => {
    await e?.close()
  })

  it('answers /healthz while the process lives', async () => {
    const res = await createApp({ engine: e, logger }).request('/healthz')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'ok' })
  })

  it('answers /readyz 200 when every migration is applied', async () => {
    const res = await createApp({ engine: e, logger }).request('/readyz')
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'ready', engine: engine.kind })
  })

  it('answers /readyz 503 naming what is pending, then 503 once the database is gone', async () => {
    const app = createApp({ engine: e, logger })
    expect((await migrateDown(e.pool, { to: '20251207_007_agency_rls_policies' })).error).toBeUndefined()
    const pending = await app.request('/readyz')
    expect(pending.status).toBe(503)
    const after007 = (await loadMigrations()).filter((m) => m.name > '20251207_007_agency_rls_policies')
    expect(after007.length).toBeGreaterThan(0)
    expect(await pending.json()).toMatchObject({ status: 'not_ready', migrations: after007.map((m) => `${m.name}: pending`) })
    await e.close()
    const gone = await app.request('/readyz')
    expect(gone.status).toBe(503)
    expect(await gone.json()).toMatchObject({ reason: 'database unreachable' })
  })
})
