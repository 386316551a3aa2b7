/**
 * Server-side prepared statements for the statements Kysely sends to a PostgreSQL server.
 *
 * Why: a request's reads go through views whose plans join half a dozen tables, each under its
 * row-security policy, and PostgreSQL plans an unnamed statement afresh on every execution. At
 * bench scale, as leadership, planning was most of a campaign-list page: 11 to 17 ms of planning
 * for 3 ms of execution (docs/performance.md, "Prepared statements"). A named statement is parsed
 * and analysed once per connection; after five executions PostgreSQL keeps a generic plan when it
 * costs no more than the custom ones did, and skips planning from then on.
 *
 * node-postgres prepares a statement when a query is given a `name`, and remembers per connection
 * which names it has parsed; Kysely has no option for it, so the pool Kysely is given hands out
 * clients whose query() names each parameterised statement after its text. Hand-written rather
 * than a library's because it is a few lines over node-postgres's own mechanism; what is
 * ours is the bound and the recovery:
 *
 * - Only statements with parameters are named: they already go by the extended protocol, so
 *   naming them changes nothing about what may be sent (a multi-statement string stays simple).
 * - At most MAX_PER_CONNECTION names per connection, so a statement whose text varies (an IN list
 *   of varying length) cannot grow the server's memory without bound: past it, statements run
 *   unnamed, as before.
 * - A prepared statement whose result columns change under it (a migration replaced a view while
 *   this process ran) fails with "cached plan must not change result type" on every later
 *   execution, and the server keeps it that way. The failing statement's text gets a new name, so
 *   the next transaction prepares it afresh: one statement fails, once per connection.
 * - A name is the hash of its text, so one name always means one statement, on any server
 *   connection. Behind a transaction-mode pooler without prepared-statement support (PgBouncer
 *   before 1.21, Supavisor in transaction mode), a transaction may land on a server connection
 *   that has never seen the name (26000) or already has it (42P05): the statement fails, and this
 *   pool stops naming statements from then on, with a warning to set DATABASE_PREPARE=false
 *   (docs/deploy.md). A name can never run another statement's text.
 */
import { createHash } from 'node:crypto'
import type pg from 'pg'
import type { PostgresPool, PostgresPoolClient } from 'kysely'

export const MAX_PER_CONNECTION = 200

/** SQLSTATEs meaning the server connection is not the one the name was prepared on. */
const NOT_THIS_CONNECTION = new Set(['26000', '42P05'])

/** The names prepared in one server session, and the texts that went stale there. */
interface Session {
  byText: Map<string, string>
  /** Statements whose prepared form went stale (0A000): their next name is salted by the count. */
  stale: Map<string, number>
}

/**
 * A pool Kysely can use whose clients prepare their parameterised statements. Names are kept per
 * node-postgres connection, which is what remembers them: a server connection's own, and for
 * PGlite the one in-process connection every client of its pool shares (its session outlives
 * the clients, and so do its names).
 */
export function preparingPool(pool: pg.Pool): PostgresPool {
  let enabled = true
  const sessions = new WeakMap<object, Session>()
  const clients = new WeakMap<pg.PoolClient, PostgresPoolClient>()
  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    const key = (client as unknown as { connection: object }).connection
    const session = sessions.get(key) ?? { byText: new Map(), stale: new Map() }
    sessions.set(key, session)
    const { byText, stale } = session
    const nameOf = (text: string): string | undefined => {
      const known = byText.get(text)
      if (known !== undefined || byText.size >= MAX_PER_CONNECTION) return known
      const name = `workroom_${createHash('sha1').update(`${stale.get(text) ?? 0}\0${text}`).digest('hex').slice(0, 24)}`
      byText.set(text, name)
      return name
    }
    const query = (text: unknown, values?: readonly unknown[]): any => {
      const name = enabled && typeof text === 'string' && values?.length ? nameOf(text) : undefined
      if (name === undefined) return (client.query as (...a: unknown[]) => unknown)(text, values)
      return client.query({ name, text: text as string, values: values as unknown[] }).catch((err: unknown) => {
        const code = (err as { code?: string }).code
        // 0A000 feature_not_supported: "cached plan must not change result type".
        if (code === '0A000' && byText.get(text as string) === name) {
          byText.delete(text as string)
          stale.set(text as string, (stale.get(text as string) ?? 0) + 1)
        }
        if (code !== undefined && NOT_THIS_CONNECTION.has(code) && enabled) {
          enabled = false
          process.emitWarning('the database connection lost a prepared statement (a transaction-mode pooler?); statements are no longer prepared. Set DATABASE_PREPARE=false for this database (docs/deploy.md).', { code: 'WORKROOM_PREPARE_OFF' })
        }
        throw err
      })
    }
    return { query, release: (destroy?: boolean) => client.release(destroy) } as PostgresPoolClient
  }
  return {
    connect: async () => {
      const client = await pool.connect()
      let wrapped = clients.get(client)
      if (!wrapped) clients.set(client, (wrapped = wrap(client)))
      return wrapped
    },
    end: () => pool.end(),
  }
}
