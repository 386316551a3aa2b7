/** Names shared by the global setup and the test files for the native PostgreSQL engine. */
export const TEMPLATE_DB = 'workroom_test_template'

/** The same server as TEST_DATABASE_URL, another database. */
export function adminUrl(url: string, database: string): string {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.toString()
}
