import { sql, type Kysely, type Transaction } from 'kysely'
import { CommitOutcomeUnknown, isDatabaseUnavailable } from './errors.ts'
import type { DB, Role } from './schema.ts'

/** The person a request runs as: their tenant, role and directory id. */
export interface Actor {
  tenantId: string
  userId: string
  role: Role
  displayName?: string
}

/** The NOLOGIN role every actor transaction switches to (migration 007). */
export const APP_ROLE = 'workroom_app'

declare const actorTx: unique symbol

/**
 * A transaction running as workroom_app with an actor's tenant, role and user id set. Only
 * withActor creates one, and code that reads or writes tenant data takes an ActorTx, so passing
 * a plain Kysely<DB> or an unscoped Transaction<DB> there does not compile. The brand exists
 * only in the type system.
 */
export type ActorTx = Transaction<DB> & { readonly [actorTx]: true }

/**
 * Runs fn in one transaction as the actor: SET LOCAL ROLE workroom_app (so row-level security
 * applies even when the login role owns the tables) and transaction-local app.current_tenant,
 * app.current_role and app.current_user_id. Transaction-local settings are what make this safe
 * behind transaction-mode poolers (PgBouncer, Supavisor): nothing leaks to the next borrower.
 *
 * Use only trx inside fn. On PGlite the pool has one connection, so reaching for db again
 * inside fn waits for this very transaction: a deadlock.
 *
 * A malformed actor is not an error here: the database helpers read malformed or empty
 * settings as "no context", so such a transaction sees no rows and every write is refused.
 */
export async function withActor<T>(db: Kysely<DB>, actor: Actor, fn: (trx: ActorTx) => Promise<T>): Promise<T> {
  let committing = false
  try {
    return await db.transaction().execute(async (trx) => {
      // One round trip. set_config('role', …, true) is SET LOCAL ROLE with a bindable value; the
      // select list is evaluated left to right, so the role is switched before anything else.
      await sql`SELECT set_config('role', ${APP_ROLE}, true),
                       set_config('app.current_tenant', ${actor.tenantId}, true),
                       set_config('app.current_role', ${actor.role}, true),
                       set_config('app.current_user_id', ${actor.userId}, true)`.execute(trx)
      const result = await fn(trx as ActorTx)
      committing = true
      return result
    })
  } catch (err) {
    // Lost during COMMIT: the server may have committed and crashed before answering.
    throw committing && isDatabaseUnavailable(err) ? new CommitOutcomeUnknown(err) : err
  }
}

/** Runs a transaction as one actor: what a handler gets instead of the database handle (runAs). */
export type RunAs = <T>(fn: (trx: ActorTx) => Promise<T>) => Promise<T>

/** The capability to run as this actor on this database, and nothing more. */
export const runAs = (db: Kysely<DB>, actor: Actor): RunAs => (fn) => withActor(db, actor, fn)

/**
 * Workroom itself, in one tenant, with no person behind it: ingest (admin), the digest's
 * figures (pm), the artifact worker (leadership). Row security still applies: the tenant and
 * the role bound what it sees.
 */
export const systemActor = (tenantId: string, role: Actor['role'] = 'admin'): Actor =>
  ({ tenantId, role, userId: '00000000-0000-0000-0000-000000000000', displayName: 'Workroom' })
