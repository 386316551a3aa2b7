/**
 * Builds the Teams app package: a zip of manifest.json, color.png and outline.png at its root,
 * which Teams takes under Apps → Manage your apps → Upload an app.
 *
 *   npm run teams:package -- --app-id <guid> [--out <path>]
 *
 * The bot's Microsoft App ID (--app-id, else MICROSOFT_APP_ID) replaces {{MICROSOFT_APP_ID}} in
 * manifest/teams/manifest.json; without a GUID nothing is written. The icons are drawn afresh by
 * scripts/teams-icons.ts, so the zip never holds stale ones. Default output: dist/workroom-teams.zip.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { strToU8, zipSync } from 'fflate'
import { teamsIcons } from './teams-icons.ts'

export const MANIFEST_PATH = fileURLToPath(new URL('../manifest/teams/manifest.json', import.meta.url))
export const DEFAULT_OUT = fileURLToPath(new URL('../dist/workroom-teams.zip', import.meta.url))
export const APP_ID_PLACEHOLDER = '{{MICROSOFT_APP_ID}}'

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** A failure the user can fix: printed without a stack trace, exit code 1. */
export class PackageError extends Error {}

export function isGuid(value: string): boolean {
  return GUID.test(value)
}

/** The manifest with the bot's App ID filled in, as the package's manifest.json holds it. */
export function teamsManifest(appId: string): string {
  if (!isGuid(appId)) throw new PackageError(`The Microsoft App ID must be a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx), not "${appId}".`)
  const text = readFileSync(MANIFEST_PATH, 'utf8').replaceAll(APP_ID_PLACEHOLDER, appId)
  const left = text.match(/\{\{\s*\w+\s*\}\}/)
  if (left) throw new PackageError(`${path.relative(process.cwd(), MANIFEST_PATH)} still has the placeholder ${left[0]} after filling in the App ID.`)
  JSON.parse(text)   // a syntax error is found here, not by Teams at upload
  return text
}

/** The uploadable zip: manifest.json, color.png and outline.png, and nothing else. */
export function buildTeamsPackage({ appId }: { appId: string }): Uint8Array {
  const { color, outline } = teamsIcons()
  // A fixed local date, so the same inputs give the same zip; PNGs are stored (already deflated).
  const mtime = new Date(2025, 0, 1)
  return zipSync({
    'manifest.json': [strToU8(teamsManifest(appId)), { level: 9, mtime }],
    'color.png': [new Uint8Array(color), { level: 0, mtime }],
    'outline.png': [new Uint8Array(outline), { level: 0, mtime }],
  })
}

/** The App ID from --app-id, else MICROSOFT_APP_ID; refuses a missing or malformed one. */
export function resolveAppId(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const [value, source] = flag !== undefined ? [flag.trim(), '--app-id'] : [env.MICROSOFT_APP_ID?.trim() ?? '', 'MICROSOFT_APP_ID']
  if (value === '') {
    throw new PackageError('No Microsoft App ID: pass --app-id <guid> or set MICROSOFT_APP_ID to the bot\'s Application (client) ID (Azure Bot resource → Configuration, or the Teams Developer Portal → Tools → Bot management).')
  }
  if (!isGuid(value)) throw new PackageError(`${source} must be a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx), not "${value}".`)
  return value
}

export function main(argv: string[]): void {
  let values: { 'app-id'?: string | undefined; out?: string | undefined }
  try {
    ({ values } = parseArgs({ args: argv, options: { 'app-id': { type: 'string' }, out: { type: 'string' } }, strict: true, allowPositionals: false }))
  } catch (err) {
    throw new PackageError(`${(err as Error).message}\nUsage: npm run teams:package -- --app-id <guid> [--out <path>]`)
  }
  const appId = resolveAppId(values['app-id'])
  const zip = buildTeamsPackage({ appId })
  const out = values.out ? path.resolve(values.out) : DEFAULT_OUT
  mkdirSync(path.dirname(out), { recursive: true })
  writeFileSync(out, zip)
  console.log(`Wrote ${path.relative(process.cwd(), out) || out} (${zip.length} bytes) for bot ${appId}. Upload it in Teams: Apps → Manage your apps → Upload an app.`)
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2))
  } catch (err) {
    if (!(err instanceof PackageError)) throw err
    console.error(err.message)
    process.exit(1)
  }
}
