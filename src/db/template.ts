/**
 * A new embedded database is a copy of a fresh one rather than a new initdb. PGlite's initdb
 * runs PostgreSQL's bootstrap in a second WASM module: 12 s of CPU, most of a first start
 * (docs/running.md). `npm ci` makes the copy once (scripts/build.js calls makeTemplate), and
 * createEngine loads it into a new data directory with PGlite's own loadDataDir, in about 3 s.
 * The copy is of initdb's output only, before any migration: what the directory holds after it
 * is what initdb would have made, and the migrations and the seed run as on any first start.
 * Without the copy (deleted, or a PGlite upgraded since), a new directory is initdb'd as before.
 */
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { PGlite } from '@electric-sql/pglite'

const require = createRequire(import.meta.url)
const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/pglite-template')

/** One copy per PGlite version: another version's initdb may lay out its files otherwise. */
export function templateFile(): string {
  // PGlite's exports leave out its package.json: found beside its entry point.
  const entry = require.resolve('@electric-sql/pglite')
  const { version } = JSON.parse(readFileSync(path.join(path.dirname(entry), '..', 'package.json'), 'utf8')) as { version: string }
  return path.join(DIR, `pglite-${version}.tar.gz`)
}

/** The copy, for PGlite's loadDataDir; undefined when there is none. */
export async function readTemplate(): Promise<Blob | undefined> {
  try {
    return new Blob([await readFile(templateFile())])
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return undefined
    throw err
  }
}

/** Makes the copy unless it is there: initdb in memory, dumped (written whole, then renamed). */
export async function makeTemplate(): Promise<'made' | 'present'> {
  const file = templateFile()
  if (existsSync(file)) return 'present'
  const lite = await PGlite.create()
  let dump: Blob
  try {
    dump = await lite.dumpDataDir('gzip')
  } finally {
    await lite.close()
  }
  await mkdir(DIR, { recursive: true })
  const tmp = `${file}.${process.pid}.tmp`
  await writeFile(tmp, Buffer.from(await dump.arrayBuffer()))
  await rename(tmp, file)
  return 'made'
}
