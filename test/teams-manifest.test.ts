import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { strFromU8, unzipSync } from 'fflate'
import { PNG } from 'pngjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { COMMANDS, intentOf } from '../src/handlers/router.ts'
import { ACCENT, teamsIcons } from '../scripts/teams-icons.ts'
import { buildTeamsPackage } from '../scripts/teams-package.ts'

const run = promisify(execFile)

interface Command { title: string; description: string }
interface Manifest {
  manifestVersion: string
  version: string
  id: string
  developer: { name: string; websiteUrl: string; privacyUrl: string; termsOfUseUrl: string }
  name: { short: string; full: string }
  description: { short: string; full: string }
  icons: { color: string; outline: string }
  accentColor: string
  bots: Array<{ botId: string; scopes: string[]; supportsFiles: boolean; isNotificationOnly: boolean; commandLists: Array<{ scopes: string[]; commands: Command[] }> }>
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const APP_ID = '0b6f3c1e-5d2a-4e8b-9f47-2c1d8a6e3b90'

describe('Teams app package (scripts/teams-package.ts)', () => {
  const files = unzipSync(buildTeamsPackage({ appId: APP_ID }))
  const manifestText = strFromU8(files['manifest.json'] ?? new Uint8Array())
  const manifest = JSON.parse(manifestText) as Manifest
  const bot = manifest.bots[0]!

  it('holds exactly manifest.json, color.png and outline.png at its root', () => {
    expect(Object.keys(files).sort()).toEqual(['color.png', 'manifest.json', 'outline.png'])
    expect(manifest.icons).toEqual({ color: 'color.png', outline: 'outline.png' })
  })

  it('fills in the bot id, keeps its own app id, and leaves no placeholder', () => {
    expect(manifest.bots).toHaveLength(1)
    expect(bot.botId).toBe(APP_ID)
    expect(manifest.id).toMatch(GUID)
    expect(manifest.id).not.toBe(APP_ID)
    expect(manifestText).not.toContain('{{')
    expect(bot.scopes.sort()).toEqual(['groupChat', 'personal', 'team'])
    expect(bot).toMatchObject({ supportsFiles: false, isNotificationOnly: false })
  })

  it('lists every command the router answers, and nothing else, in every scope the bot has', () => {
    for (const scope of bot.scopes) {
      const titles = bot.commandLists.filter((l) => l.scopes.includes(scope)).flatMap((l) => l.commands.map((c) => c.title))
      expect(titles.sort(), scope).toEqual([...COMMANDS].sort())
    }
    // No list for a scope the bot does not have.
    for (const list of bot.commandLists) for (const scope of list.scopes) expect(bot.scopes).toContain(scope)
  })

  it("routes every example in the command list to that command's handler (workroom is help)", () => {
    for (const list of bot.commandLists) {
      for (const c of list.commands) {
        const expected = c.title === 'workroom' ? 'help' : c.title
        const examples = c.title === 'workroom' ? [c.title] : c.description.replace(/^[^:]*:\s*/, '').split(' · ')
        for (const example of examples) {
          expect(example.startsWith(c.title), example).toBe(true)
          expect(intentOf({ kind: 'message', text: example }).kind, example).toBe(expected)
          // In a channel the text arrives after the mention.
          expect(intentOf({ kind: 'message', text: `@Workroom ${example}` }).kind, example).toBe(expected)
        }
      }
    }
  })

  it("keeps within Teams' limits", () => {
    expect(manifest.manifestVersion).toBe('1.19')
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+$/)
    expect(manifest.name.short.length).toBeLessThanOrEqual(30)
    expect(manifest.name.full.length).toBeLessThanOrEqual(100)
    expect(manifest.description.short.length).toBeLessThanOrEqual(80)
    expect(manifest.description.full.length).toBeLessThanOrEqual(4000)
    expect(manifest.developer.name.length).toBeLessThanOrEqual(32)
    for (const url of [manifest.developer.websiteUrl, manifest.developer.privacyUrl, manifest.developer.termsOfUseUrl]) expect(url).toMatch(/^https:\/\//)
    expect(manifest.accentColor).toMatch(/^#[0-9a-fA-F]{6}$/)
    expect(bot.commandLists.length).toBeLessThanOrEqual(3)
    for (const list of bot.commandLists) {
      expect(list.commands.length).toBeLessThanOrEqual(10)
      for (const c of list.commands) {
        expect(c.title.length).toBeLessThanOrEqual(32)
        expect(c.description.length).toBeLessThanOrEqual(128)
        // A usage hint: the description shows the command word in use.
        if (c.title !== 'workroom') expect(c.description).toContain(`${c.title} `)
      }
    }
  })

  it('has a 192×192 fully opaque colour icon on the accent colour', () => {
    const png = PNG.sync.read(Buffer.from(files['color.png']!))
    expect([png.width, png.height]).toEqual([192, 192])
    let seeThrough = 0
    for (let i = 3; i < png.data.length; i += 4) if (png.data[i] !== 255) seeThrough++
    expect(seeThrough).toBe(0)
    const corner = `#${[...png.data.subarray(0, 3)].map((b) => b.toString(16).padStart(2, '0')).join('')}`
    expect(corner.toLowerCase()).toBe(manifest.accentColor.toLowerCase())
    expect(ACCENT.toLowerCase()).toBe(manifest.accentColor.toLowerCase())
  })

  it('has a 32×32 outline icon that is only white or fully transparent, with some of each', () => {
    const png = PNG.sync.read(Buffer.from(files['outline.png']!))
    expect([png.width, png.height]).toEqual([32, 32])
    let white = 0
    let clear = 0
    for (let i = 0; i < png.data.length; i += 4) {
      const [r, g, b, a] = png.data.subarray(i, i + 4)
      if (a === 0) clear++
      else if (r === 255 && g === 255 && b === 255 && a === 255) white++
      else throw new Error(`outline pixel ${i / 4} is rgba(${r}, ${g}, ${b}, ${a})`)
    }
    expect(white).toBeGreaterThan(0)
    expect(clear).toBeGreaterThan(0)
  })

  it('draws the same icons every time, and the committed manifest/teams/*.png are what it draws now', () => {
    const now = teamsIcons()
    const again = teamsIcons()
    expect(again.color.equals(now.color)).toBe(true)
    expect(again.outline.equals(now.outline)).toBe(true)
    // Compared as pixels, so a Node with another zlib does not fail it; `npm run teams:icons` rewrites them.
    for (const name of ['color', 'outline'] as const) {
      const committed = PNG.sync.read(readFileSync(`manifest/teams/${name}.png`))
      const drawn = PNG.sync.read(now[name])
      expect([committed.width, committed.height], name).toEqual([drawn.width, drawn.height])
      expect(committed.data.equals(drawn.data), `manifest/teams/${name}.png is stale: run npm run teams:icons`).toBe(true)
    }
    expect(Buffer.from(files['color.png']!).equals(now.color)).toBe(true)
  })
})

describe('npm run teams:package (command line)', { timeout: 60_000 }, () => {
  let dir: string
  const env: NodeJS.ProcessEnv = { ...process.env }
  delete env.MICROSOFT_APP_ID
  const pack = (args: string[], extra: NodeJS.ProcessEnv = {}) => run(process.execPath, ['--import', 'tsx', 'scripts/teams-package.ts', ...args], { env: { ...env, ...extra } })
  const fails = async (args: string[], extra: NodeJS.ProcessEnv = {}) => {
    try {
      await pack(args, extra)
    } catch (err) {
      return err as { code: number; stderr: string }
    }
    throw new Error(`teams-package ${args.join(' ')} succeeded`)
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'workroom-teams-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('refuses a missing app id with exit code 1 and writes nothing', async () => {
    const out = path.join(dir, 'x.zip')
    const err = await fails(['--out', out])
    expect(err.code).toBe(1)
    expect(err.stderr).toContain('No Microsoft App ID: pass --app-id <guid> or set MICROSOFT_APP_ID')
    expect(await readdir(dir)).toEqual([])
  })

  it('refuses a malformed app id, from the flag or the environment, with exit code 1 and writes nothing', async () => {
    const out = path.join(dir, 'x.zip')
    const flag = await fails(['--app-id', 'not-a-guid', '--out', out])
    expect(flag.code).toBe(1)
    expect(flag.stderr).toContain('--app-id must be a GUID')
    const fromEnv = await fails(['--out', out], { MICROSOFT_APP_ID: '{{MICROSOFT_APP_ID}}' })
    expect(fromEnv.code).toBe(1)
    expect(fromEnv.stderr).toContain('MICROSOFT_APP_ID must be a GUID')
    expect(existsSync(out)).toBe(false)
    expect(await readdir(dir)).toEqual([])
  })

  it('writes the zip where --out says, with the id from MICROSOFT_APP_ID', async () => {
    const out = path.join(dir, 'nested', 'workroom-teams.zip')
    const { stdout } = await pack(['--out', out], { MICROSOFT_APP_ID: APP_ID })
    expect(stdout).toContain(`for bot ${APP_ID}`)
    const manifest = JSON.parse(strFromU8(unzipSync(readFileSync(out))['manifest.json']!)) as Manifest
    expect(manifest.bots[0]!.botId).toBe(APP_ID)
    await rm(path.join(dir, 'nested'), { recursive: true, force: true })
  })
})
