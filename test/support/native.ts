/** The migrated template database test databases are cloned from (made by global-setup.ts). */
export const TEMPLATE_DB = 'workroom_test_template'
