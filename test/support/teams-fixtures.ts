import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const DIR = fileURLToPath(new URL('../fixtures/teams/', import.meta.url))

/** The names of the recorded Teams activities (test/fixtures/teams/README.md says where each is from). */
export const TEAMS_FIXTURES = readdirSync(DIR).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort()

/** A recorded activity, parsed afresh (callers may change their copy), with serviceUrl replaced when given. */
export function teamsFixture(name: string, serviceUrl?: string): Record<string, any> {
  const activity = JSON.parse(readFileSync(`${DIR}${name}.json`, 'utf8')) as Record<string, any>
  return serviceUrl ? { ...activity, serviceUrl } : activity
}
