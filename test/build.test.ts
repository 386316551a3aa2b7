/**
 * scripts/build.js, which `npm start` and `workroom` run through: a build is made once, reused
 * while no source changed, made again when one did, and the built code finds files where its
 * sources sit. On a project of a few files in a directory of its own, so the repository's build
 * is left alone.
 */
import { mkdtemp, mkdir, readFile, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// @ts-expect-error plain JavaScript without types (it runs before anything is compiled)
import { ensureBuilt } from '../scripts/build.js'

type Ensure = (options: { root: string; onBuild?: (why: string) => void }) => Promise<string>
const ensure = ensureBuilt as Ensure

let root: string
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'workroom-build-'))
  await mkdir(path.join(root, 'src'))
  await writeFile(path.join(root, 'package.json'), '{ "type": "module" }\n')
  await writeFile(path.join(root, 'src/where.ts'), "export const here: string = new URL('.', import.meta.url).pathname\nexport const word: string = 'one'\n")
  await writeFile(path.join(root, 'src/main.ts'), "export { here, word } from './where.ts'\nexport const running: string = import.meta.filename\n")
  await writeFile(path.join(root, 'src/answer-worker.ts'), "export const thread = 'answers'\n")
  await writeFile(path.join(root, 'src/cli.ts'), "export const lazy = () => import('./where.ts')\n")
  await mkdir(path.join(root, 'src/db'))
  await writeFile(path.join(root, 'src/db/template.ts'), 'export const makeTemplate = async () => "present"\n')
})
afterAll(() => rm(root, { recursive: true, force: true }))

async function load(dir: string): Promise<{ here: string; word: string }> {
  return import(pathToFileURL(path.join(dir, 'main.js')).href)
}

describe('the build npm start runs', () => {
  it('builds on the first run, reuses the build while nothing changed, and rebuilds once a source is edited', async () => {
    const built: string[] = []
    const first = await ensure({ root, onBuild: (why) => built.push(why) })
    expect(built).toEqual(['first run'])
    expect((await load(first)).word).toBe('one')

    expect(await ensure({ root, onBuild: (why) => built.push(why) })).toBe(first)
    expect(built).toHaveLength(1)

    await writeFile(path.join(root, 'src/where.ts'), (await readFile(path.join(root, 'src/where.ts'), 'utf8')).replace("'one'", "'two'"))
    // A save within the same millisecond as the build's start still counts: one second later, as an editor would be.
    const later = new Date(Date.now() + 1000)
    await utimes(path.join(root, 'src/where.ts'), later, later)
    const second = await ensure({ root, onBuild: (why) => built.push(why) })
    expect(built).toEqual(['first run', 'sources changed since the last build'])
    expect(second).not.toBe(first)
    expect((await load(second)).word).toBe('two')
  })

  it('keeps import.meta.url naming the source file, so files beside the sources are found', async () => {
    const dir = await ensure({ root })
    expect((await load(dir)).here).toBe(`${path.join(root, 'src')}/`)
  })

  it('builds the answer thread beside main.js, where import.meta.filename (the file running) finds it', async () => {
    const dir = await ensure({ root })
    const { running } = await load(dir) as unknown as { running: string }
    expect(path.dirname(running)).toBe(dir)
    expect((await import(pathToFileURL(path.join(path.dirname(running), 'answer-worker.js')).href)).thread).toBe('answers')
  })
})
