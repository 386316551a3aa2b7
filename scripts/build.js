/**
 * The server and the command line compiled ahead of time: esbuild bundles src/main.ts and
 * src/cli.ts (with seeds/ and most npm packages) into dist/app/. `npm start`
 * (bin/start.js) and `workroom` (bin/workroom.js) run the build, and build it first when a source
 * file changed since, so `npm ci && npm start` needs no build step and an edit is never stale.
 * Tests and benchmarks still run the sources through tsx.
 *
 * Why not tsx at run time: it runs every import, node_modules included, through its loader
 * thread. Measured in docs/running.md (The build): seconds of every start, and about 100 MB of
 * the server's memory.
 *
 * Plain JavaScript, so it runs before anything is compiled. `node scripts/build.js` builds now.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
/** Under the project's root (a test builds a project of its own). */
const OUT = 'dist/app'
const CURRENT = 'current.json'
const ENTRIES = { main: 'src/main.ts', cli: 'src/cli.ts', template: 'src/db/template.ts', 'answer-worker': 'src/answer-worker.ts' }
const EXTERNAL = ['@electric-sql/*', 'pino', 'pino-*', 'thread-stream', 'pg-native', '@slack/*', 'botbuilder', 'botbuilder-*', 'botframework-*', '@faker-js/*']
/** A superseded build is deleted once it is this old: a process that started on it has loaded it by then. */
const KEEP_OLD_MS = 60 * 60_000

/**
 * The directory of an up-to-date build, building one first when there is none or a file it was
 * built from has changed since (or is gone). `onBuild` is told before a build starts.
 */
export async function ensureBuilt({ root = ROOT, onBuild } = {}) {
  const out = path.join(root, OUT)
  const current = readCurrent(out)
  if (current && isFresh(root, out, current)) return path.join(out, current.dir)
  onBuild?.(current ? 'sources changed since the last build' : 'first run')
  return path.join(out, (await build(root)).dir)
}

/** Every file a build was made from, unchanged since it began. */
function isFresh(root, out, current) {
  if (!existsSync(path.join(out, current.dir))) return false
  for (const file of current.inputs) {
    try {
      if (statSync(path.join(root, file)).mtimeMs > current.startedAt) return false
    } catch {
      return false
    }
  }
  return true
}

function readCurrent(out) {
  try {
    const c = JSON.parse(readFileSync(path.join(out, CURRENT), 'utf8'))
    return typeof c.dir === 'string' && Array.isArray(c.inputs) && typeof c.startedAt === 'number' ? c : null
  } catch {
    return null
  }
}

/**
 * One build in a directory of its own, then current.json pointing at it (written whole, then
 * renamed: several processes may build at once, and each reader sees one finished build). A
 * running server may still load chunks of the build it started on, so old builds stay an hour.
 */
export async function build(root = ROOT) {
  const { build: esbuild } = await import('esbuild')
  // Recorded before reading any source: a file saved during the build makes the next run rebuild.
  const startedAt = Date.now() - 1
  const dir = `b-${startedAt.toString(36)}-${process.pid}`
  const out = path.join(root, OUT)
  const outdir = path.join(out, dir)
  mkdirSync(out, { recursive: true })
  const result = await esbuild({
    absWorkingDir: root,
    entryPoints: ENTRIES,
    outdir,
    bundle: true,
    // Lazy imports (the Slack and Teams SDKs only when configured, each command's modules) stay
    // lazy as chunks of their own; without splitting esbuild hoists their packages to the top.
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // npm packages are bundled too: loading hundreds of small ES modules (Kysely, zod, chrono,
    // OpenAI's client) cost more than a second of CPU in Node's loader. Left out: what finds files
    // next to its own (PGlite's WASM, pino's worker), what is loaded only when configured or on
    // a first start (the Slack and Teams SDKs, faker), and pg's optional native binding.
    external: EXTERNAL,
    // Bundled CommonJS calls require() for Node's modules; ES modules have none of their own.
    banner: { js: "import { createRequire as __workroomRequire } from 'node:module'; const require = __workroomRequire(import.meta.url);" },
    chunkNames: '[name]-[hash]',
    sourcemap: 'linked',
    sourcesContent: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [sourceLocation(outdir)],
  })
  // The packages' files count as one: npm rewrites node_modules/.package-lock.json on every
  // install, and stat-ing a thousand files of theirs took 80 ms of each command.
  const own = Object.keys(result.metafile.inputs).filter((file) => !file.split('/').includes('node_modules'))
  const installed = existsSync(path.join(root, 'node_modules/.package-lock.json')) ? ['node_modules/.package-lock.json'] : []
  const inputs = [...own, ...installed, path.relative(root, fileURLToPath(import.meta.url)), 'package.json']
  const tmp = path.join(out, `${CURRENT}.${process.pid}.tmp`)
  writeFileSync(tmp, `${JSON.stringify({ dir, startedAt, inputs })}\n`)
  renameSync(tmp, path.join(out, CURRENT))
  prune(out, dir)
  return { dir, inputs }
}

/**
 * `import.meta.url` keeps naming the source file: src/db/migrate.ts finds migrations/ and
 * seeds/knowledge.ts its documents relative to where they sit in the repository, and cli.ts and
 * main.ts compare it with process.argv[1]. Every output file is in outdir, so the path from there
 * is the same for all of them.
 */
function sourceLocation(outdir) {
  return {
    name: 'source-location',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8')
        if (!text.includes('import.meta.url')) return undefined
        const rel = path.relative(outdir, args.path).split(path.sep).join('/')
        return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'ts' }
      })
    },
  }
}

function prune(out, keep) {
  for (const entry of readdirSync(out)) {
    if (entry === keep || !entry.startsWith('b-')) continue
    const full = path.join(out, entry)
    try {
      if (Date.now() - statSync(full).mtimeMs > KEEP_OLD_MS) rmSync(full, { recursive: true, force: true })
    } catch {
      // another process pruned it first
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  let started = performance.now()
  const { dir, inputs } = await build()
  console.log(`built dist/app/${dir} from ${inputs.length} files in ${Math.round(performance.now() - started)} ms`)
  // `npm ci` (postinstall) and `npm run build`: the copy of a fresh database a first start begins from.
  started = performance.now()
  const { makeTemplate } = await import(pathToFileURL(path.join(ROOT, OUT, dir, 'template.js')).href)
  if ((await makeTemplate()) === 'made') console.log(`made the embedded database's template (src/db/template.ts) in ${Math.round(performance.now() - started)} ms`)
}
