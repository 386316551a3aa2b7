import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { createEngine, type Engine } from './engine.ts'

/** The same server as `url`, another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.toString()
}

/**
 * A throwaway database on a PostgreSQL server (tests and benchmarks): created empty or from a
 * template, and dropped again when the returned engine is closed. `connectVia` is a pooler in
 * front of that server (PgBouncer): the database is created and dropped directly, the engine
 * connects through it. `prepare`: as DATABASE_PREPARE (src/db/prepared.ts); false through a
 * pooler that cannot keep prepared statements.
 */
export async function createScratchDatabase(serverUrl: string, options: { prefix: string; template?: string; poolSize?: number; connectVia?: string; prepare?: boolean }): Promise<Engine & { url: string }> {
  const name = `${options.prefix}_${randomBytes(5).toString('hex')}`
  await withAdmin(serverUrl, async (admin) => {
    // A backend that just closed can linger on the template for a moment (SQLSTATE 55006).
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${name}${options.template ? ` TEMPLATE ${options.template}` : ''}`)
        return
      } catch (err) {
        if ((err as { code?: string }).code !== '55006' || attempt === 50) throw err
        await new Promise((r) => setTimeout(r, 100))
      }
    }
  })
  const url = withDatabase(options.connectVia ?? serverUrl, name)
  const engine = await createEngine({ kind: 'postgres', url, ...(options.poolSize ? { poolSize: options.poolSize } : {}), ...(options.prepare === false ? { prepare: false } : {}) })
  const close = engine.close.bind(engine)
  return Object.assign(engine, {
    url,
    close: async () => {
      await close()
      await withAdmin(serverUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
    },
  })
}

export async function withAdmin<T>(serverUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  try {
    return await fn(admin)
  } finally {
    await admin.end()
  }
}
