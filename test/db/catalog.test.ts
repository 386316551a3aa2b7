import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Engine } from '../../src/db/engine.ts'
import { describeEachEngine } from '../support/engines.ts'

// Catalog rules as tests, after Supabase's splinter lints (supabase/splinter, lints/*.sql),
// narrowed to our schemas and our roles: splinter's `anon` and `authenticated` are, for us, PUBLIC
// (every role, the login role included) and workroom_app (every actor transaction).
const SCHEMAS = ['agency', 'workroom']

/**
 * The SECURITY DEFINER functions workroom_app may execute. Each one reads past row security on
 * purpose, so adding one is a decision: put it here with the reason.
 */
const APP_DEFINER_FUNCTIONS = [
  // finance changes rates only here; it checks the role, the tenant and the entry's owner itself
  'agency.adjust_timesheet_rates(p_entry_id uuid, p_cost_rate numeric, p_bill_rate numeric)',
  // money for finance and leadership, NULLs for everyone else; the views call it
  'agency.campaign_financials(p_campaign_id uuid, p_week_start date)',
  // "my campaigns" and "my clients" for the policies; an invoker function would recurse into them
  'agency.current_user_campaign_ids()',
  'agency.current_user_client_ids()',
  // full-text matches through the GIN index, which row security keeps from `@@` (030); they
  // apply the select policies' terms themselves (test/db/full-text-matches.test.ts)
  'agency.knowledge_chunks_matching(q tsquery, model text, max_rows integer, client uuid, include_tenant_wide boolean, doc_types text[])',
  'workroom.artifact_chunks_matching(q tsquery, model text, max_rows integer, client uuid, include_tenant_wide boolean, artifact_types text[])',
  // who is asking, before any actor exists; one person or none, of the workspace's tenant (016)
  'workroom.auto_link_identity(p_platform text, p_workspace_id text, p_external_user_id text, p_verified_email text, p_enterprise_id text)',
  'workroom.resolve_identity(p_platform text, p_workspace_id text, p_external_user_id text, p_enterprise_id text)',
  // whether a workspace is bound at all, for the "not connected" reply; a tenant id or NULL
  'workroom.workspace_tenant(p_platform text, p_workspace_id text, p_enterprise_id text)',
]

/** Tables holding tenant data: 015 forces row level security on them. */
const TENANT_TABLES = [
  'agency.ai_conversations', 'agency.ai_messages', 'workroom.artifact_chunks', 'agency.artifact_comments', 'agency.artifact_versions', 'agency.artifacts',
  'agency.brands', 'agency.campaign_phases', 'agency.campaigns', 'agency.clients', 'agency.integration_links',
  'agency.integration_sync_runs', 'agency.knowledge_chunks', 'agency.knowledge_documents', 'agency.team_allocations',
  'agency.timesheet_entries', 'workroom.channel_clients', 'workroom.chat_identities', 'workroom.digest_subscriptions', 'workroom.offered_choices', 'workroom.people', 'workroom.tenants',
  // 027: a person's own timer and reminder settings
  'workroom.timers', 'workroom.reminder_settings',
  // 021's rollups: sums of tenant rows, under policies of their own
  'workroom.campaign_plan_rollups', 'workroom.campaign_artifact_rollups', 'workroom.campaign_hours', 'workroom.campaign_week_hours',
  'workroom.person_week_hours', 'workroom.campaign_money', 'workroom.campaign_week_money',
  // 026's budget-burn alerts: money, sent by the service's job
  'workroom.budget_alerts',
  // 029: where a person's answer was posted, private like the answer
  'workroom.ai_message_posts',
]

/** Columns workroom_app never updates (015): identities, authorship, and money. */
const IMMUTABLE: Array<[string, string[]]> = [
  ['agency.clients', ['id', 'tenant_id', 'created_by', 'is_internal']],
  ['agency.brands', ['id', 'tenant_id']],
  ['agency.campaigns', ['id', 'tenant_id', 'created_by', 'budget']],
  ['agency.campaign_phases', ['id', 'tenant_id', 'budget']],
  ['agency.artifacts', ['id', 'tenant_id', 'owner_id']],
  ['agency.artifact_versions', ['id', 'tenant_id', 'created_by']],
  ['agency.artifact_comments', ['id', 'tenant_id', 'artifact_id', 'parent_comment_id', 'author_id', 'resolved_by', 'resolved_at']],
  ['agency.timesheet_entries', ['id', 'tenant_id', 'user_id', 'cost_rate', 'bill_rate', 'cost_amount', 'bill_amount']],
  ['agency.team_allocations', ['id', 'tenant_id', 'created_by']],
  ['agency.knowledge_documents', ['id', 'tenant_id', 'created_by']],
  ['agency.knowledge_chunks', ['id', 'tenant_id', 'document_id']],
  ['agency.ai_conversations', ['id', 'tenant_id', 'user_id']],
  ['agency.ai_messages', ['id', 'tenant_id', 'conversation_id']],
  ['agency.integration_links', ['id', 'tenant_id', 'created_by']],
  ['agency.integration_sync_runs', ['id', 'tenant_id']],
  ['workroom.digest_subscriptions', ['id', 'tenant_id']],
]

describeEachEngine('catalog rules', (engine) => {
  let e: Engine
  beforeAll(async () => {
    e = await engine.migrated()
  })
  afterAll(async () => {
    await e?.close()
  })
  const q = async <T>(text: string, params: unknown[] = []) => (await e.pool.query(text, params)).rows as T[]

  it('pins search_path on every function of agency and workroom (splinter 0011, function_search_path_mutable)', async () => {
    const mutable = await q<{ fn: string }>(`
      SELECT n.nspname || '.' || p.proname AS fn
        FROM pg_catalog.pg_proc p
        JOIN pg_catalog.pg_namespace n ON p.pronamespace = n.oid
        LEFT JOIN pg_catalog.pg_depend dep ON p.oid = dep.objid AND dep.deptype = 'e'
       WHERE n.nspname = ANY ($1)
         AND dep.objid IS NULL   -- functions owned by extensions are the extension's business
         AND NOT EXISTS (SELECT 1 FROM unnest(coalesce(p.proconfig, '{}')) AS config WHERE config LIKE 'search_path=%')`, [SCHEMAS])
    expect(mutable).toEqual([])
  })

  it('lets PUBLIC execute no SECURITY DEFINER function (splinter 0028, anon_security_definer_function_executable)', async () => {
    const exposed = await q<{ fn: string }>(`
      SELECT n.nspname || '.' || p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')' AS fn
        FROM pg_catalog.pg_proc p
        JOIN pg_catalog.pg_namespace n ON p.pronamespace = n.oid
       WHERE p.prosecdef AND n.nspname = ANY ($1)
         AND pg_catalog.has_function_privilege('public', p.oid, 'EXECUTE')`, [SCHEMAS])
    expect(exposed).toEqual([])
  })

  it('lets workroom_app execute exactly the allow-listed SECURITY DEFINER functions (splinter 0029, authenticated_security_definer_function_executable)', async () => {
    const executable = await q<{ fn: string }>(`
      SELECT n.nspname || '.' || p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')' AS fn
        FROM pg_catalog.pg_proc p
        JOIN pg_catalog.pg_namespace n ON p.pronamespace = n.oid
       WHERE p.prosecdef AND n.nspname = ANY ($1)
         AND pg_catalog.has_function_privilege('workroom_app', p.oid, 'EXECUTE')
       ORDER BY 1`, [SCHEMAS])
    expect(executable.map((r) => r.fn)).toEqual([...APP_DEFINER_FUNCTIONS].sort())
  })

  it('keeps the operator functions from the application role and from PUBLIC', async () => {
    const rows = await q<{ fn: string; app: boolean; pub: boolean }>(`
      SELECT f AS fn, has_function_privilege('workroom_app', f, 'EXECUTE') AS app, has_function_privilege('public', f, 'EXECUTE') AS pub
        FROM unnest($1::text[]) AS f`,
      [['workroom.directory(text)', 'workroom.link_identity(text, text, text, text)', 'workroom.create_login_role(text, text, text)']])
    expect(rows.filter((r) => r.app || r.pub)).toEqual([])
  })

  it('gives workroom_service its ledgers and the few columns it needs, and nothing else (018)', async () => {
    // Every table and column privilege it holds, from the ACLs themselves (grants to PUBLIC are none: 007, 012–017 revoke them).
    const tables = await q<{ rel: string; privs: string }>(`
      SELECT c.oid::regclass::text AS rel, string_agg(a.privilege_type, ',' ORDER BY a.privilege_type) AS privs
        FROM pg_class c, aclexplode(c.relacl) a
       WHERE a.grantee = 'workroom_service'::regrole GROUP BY 1 ORDER BY 1`)
    expect(tables).toEqual([
      { rel: 'workroom.budget_alerts', privs: 'SELECT,UPDATE' },
      { rel: 'workroom.chat_inbox', privs: 'DELETE,INSERT,SELECT,UPDATE' },
      { rel: 'workroom.digest_runs', privs: 'INSERT,SELECT,UPDATE' },
      { rel: 'workroom.digest_subscriptions', privs: 'SELECT' },
      { rel: 'workroom.reminder_runs', privs: 'INSERT,SELECT,UPDATE' },
      { rel: 'workroom.slack_installations', privs: 'DELETE,INSERT,SELECT,UPDATE' },
      { rel: 'workroom.teams_conversations', privs: 'DELETE,INSERT,SELECT,UPDATE' },
      { rel: 'workroom.workspace_bindings', privs: 'INSERT,SELECT' },
      { rel: 'workroom_migrations', privs: 'SELECT' },
    ])
    const columns = await q<{ col: string; privs: string }>(`
      SELECT c.oid::regclass::text || '.' || att.attname AS col, string_agg(a.privilege_type, ',' ORDER BY a.privilege_type) AS privs
        FROM pg_attribute att JOIN pg_class c ON c.oid = att.attrelid, aclexplode(att.attacl) a
       WHERE a.grantee = 'workroom_service'::regrole GROUP BY 1 ORDER BY 1`)
    expect(columns).toEqual([
      { col: 'workroom.tenants.id', privs: 'SELECT' },
      { col: 'workroom.tenants.slug', privs: 'SELECT' },
      { col: 'workroom.tenants.timesheet_lock_days', privs: 'SELECT,UPDATE' },
    ])
    const definers = await q<{ fn: string }>(`
      SELECT p.oid::regprocedure::text AS fn FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE p.prosecdef AND n.nspname = ANY ($1) AND has_function_privilege('workroom_service', p.oid, 'EXECUTE')`, [SCHEMAS])
    // 027: the reminder tick's decision, which returns hours and ids of the people it claims, nothing else
    expect(definers.map((d) => d.fn).sort()).toEqual([
      'workroom.claim_reminders(timestamp with time zone,integer,interval)',
      'workroom.workspace_tenant(text,text,text)',
    ])
    const memberships = await q<{ role: string }>(`
      SELECT g.rolname::text AS role FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
       WHERE m.member = 'workroom_service'::regrole`)
    expect(memberships).toEqual([])
  })

  it('forces row level security on every tenant table, and on no platform ledger, when migrated by a role that bypasses it', async () => {
    // The tests migrate as a superuser; 015 skips FORCE, with a NOTICE, for an owner that does not bypass RLS.
    const migrator = await q<{ bypass: boolean }>(`SELECT rolsuper OR rolbypassrls AS bypass FROM pg_roles WHERE rolname = current_user`)
    expect(migrator).toEqual([{ bypass: true }])
    const rows = await q<{ rel: string; forced: boolean }>(`
      SELECT c.oid::regclass::text AS rel, c.relforcerowsecurity AS forced
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = ANY ($1) AND c.relkind = 'r' ORDER BY 1`, [SCHEMAS])
    expect(rows.filter((r) => r.forced).map((r) => r.rel)).toEqual([...TENANT_TABLES].sort())
    expect(rows.filter((r) => !r.forced).map((r) => r.rel)).toEqual([
      'workroom.chat_inbox', 'workroom.digest_runs', 'workroom.reminder_runs', 'workroom.slack_installations', 'workroom.teams_conversations',
      'workroom.workspace_bindings',
    ])
  })

  it('gives workroom_app no UPDATE on identity, authorship or money columns, and no INSERT of rates or resolutions', async () => {
    const pairs = IMMUTABLE.flatMap(([table, columns]) => columns.map((column) => `${table}|${column}`))
    const updatable = await q<{ col: string }>(`
      SELECT p AS col FROM unnest($1::text[]) AS p
       WHERE has_column_privilege('workroom_app', split_part(p, '|', 1), split_part(p, '|', 2), 'UPDATE')`, [pairs])
    expect(updatable).toEqual([])
    const insertable = await q<{ col: string }>(`
      SELECT p AS col FROM unnest($1::text[]) AS p
       WHERE has_column_privilege('workroom_app', split_part(p, '|', 1), split_part(p, '|', 2), 'INSERT')`,
      [['agency.timesheet_entries|cost_rate', 'agency.timesheet_entries|bill_rate', 'agency.artifact_comments|resolved_by', 'agency.artifact_comments|resolved_at']])
    expect(insertable).toEqual([])
    // …and still everything the bot writes.
    const writable = await q<{ ok: boolean }>(`
      SELECT bool_and(has_column_privilege('workroom_app', t, c, priv)) AS ok
        FROM (VALUES ('agency.timesheet_entries', 'hours', 'UPDATE'), ('agency.timesheet_entries', 'entry_date', 'UPDATE'),
                     ('agency.timesheet_entries', 'description', 'UPDATE'), ('agency.timesheet_entries', 'status', 'UPDATE'),
                     ('agency.timesheet_entries', 'user_id', 'INSERT'), ('agency.timesheet_entries', 'external_ref', 'INSERT'),
                     ('agency.knowledge_documents', 'client_id', 'UPDATE'), ('agency.knowledge_chunks', 'client_id', 'UPDATE'),
                     ('agency.ai_conversations', 'last_message_at', 'UPDATE'), ('agency.ai_messages', 'feedback', 'UPDATE'),
                     ('workroom.digest_subscriptions', 'created_by', 'UPDATE')) v(t, c, priv)`)
    expect(writable).toEqual([{ ok: true }])
  })

  it('names its write rules as restrictive policies, which every write must pass besides the permissive ones', async () => {
    const rows = await q<{ policyname: string; cmd: string }>(`
      SELECT policyname, cmd FROM pg_policies WHERE schemaname = ANY ($1) AND permissive = 'RESTRICTIVE' ORDER BY 1`, [SCHEMAS])
    expect(rows.every((r) => r.policyname.endsWith(`_${r.cmd.toLowerCase()}_rules`))).toBe(true)
    expect(rows.map((r) => r.policyname.split('_').slice(0, -2).join('_'))).toEqual(expect.arrayContaining([
      'campaigns', 'clients', 'timesheet_entries', 'team_allocations', 'knowledge_documents', 'knowledge_chunks', 'integration_links',
    ]))
  })
})
