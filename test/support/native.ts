/** Names of the migrated template databases test databases are cloned from (global-setup.ts adds the run's pid). */
export const TEMPLATE_PREFIX = 'workroom_test_template_'
