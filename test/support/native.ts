/** Names of the migrated template databases test databases are cloned from (global-setup.ts adds the run's pid). */
export const TEMPLATE_PREFIX = 'workroom_test_template_'
/** The Supabase-shaped server's template (global-setup.ts adds the run's pid). */
export const SUPABASE_TEMPLATE_PREFIX = 'workroom_supa_template_'
