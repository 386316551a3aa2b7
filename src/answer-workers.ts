/**
 * Answer threads: the chat answers (a handler's statements, an answer's reading, the reply's
 * POST) run in worker threads, and the main thread only takes requests, records them in the inbox
 * and acks. On one event loop an ack waited for whatever answer was running when its request
 * arrived (bench slack at one connection: most of the ack was the previous command's answer; see
 * docs/performance.md, "The Slack ack path").
 *
 * A row goes to a worker after its ack: the inbox row (src/db/inbox.ts) is the message, and the
 * worker runs it as a resumer would (the platform's resume), under the main thread's lease owner,
 * so renewals and the settle find the row theirs. One person's rows always go to the same worker
 * (their rate limits are per process, as they are per replica). A worker that dies takes its rows
 * with it only as far as the inbox allows: they are still leased, unanswered, and the resumer
 * runs them once their lease runs out; the worker is started again.
 *
 * Only on a PostgreSQL server: the embedded database belongs to the main thread (each worker has
 * a pool of its own). Worker threads rather than processes: one deployment unit, a shared exit,
 * and messages are structured clones of the row, no socket to secure.
 */
import { Worker } from 'node:worker_threads'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Config } from './config.ts'
import type { ConverseDeps } from './chat/converse.ts'
import type { InboxRow } from './db/inbox.ts'
import type { PassageLinks } from './links/passage-link.ts'
import type { Logger } from './log.ts'

/** What the main thread tells a worker when it starts (workerData). */
export interface AnswerWorkerData {
  config: Config
  /** The main thread's inbox owner: the rows it hands over are leased to it. */
  owner: string
  passageLinks: PassageLinks | null
  index: number
}

/** Main thread → worker. */
export type ToWorker = { kind: 'run'; id: number; row: InboxRow } | { kind: 'stop' }
/** Worker → main thread. */
export type FromWorker =
  | { kind: 'ready' }
  | { kind: 'failed'; message: string }
  | { kind: 'done'; id: number }
  | { kind: 'observe'; info: Parameters<NonNullable<ConverseDeps['observe']>>[0] }

export interface AnswerWorkers {
  /**
   * Runs an acknowledged row in its person's worker. Resolves when the worker has run it (answered
   * or failed: the worker's own error boundary apologised), or when the worker died with it (the
   * row is then the resumer's).
   */
  run(row: InboxRow): Promise<void>
  readonly size: number
  /** Rows run by the workers since they started (for /metrics and tests). */
  readonly ran: number
  /**
   * Waits up to `withinMs` for the rows handed over, then ends the workers (cut off at the
   * deadline, a row stays leased and unanswered: it is resumed elsewhere).
   */
  stop(withinMs: number): Promise<void>
}

export interface AnswerWorkerOptions {
  config: Config
  count: number
  owner: string
  passageLinks: PassageLinks | null
  logger: Logger
  observe?: ConverseDeps['observe']
}

/** Starts `count` workers and resolves once each has its database pool and platforms ready. */
export async function startAnswerWorkers(options: AnswerWorkerOptions): Promise<AnswerWorkers> {
  const log = options.logger.child({ component: 'answers' })
  let stopping = false
  let ran = 0
  let next = 0
  const slots = Array.from({ length: options.count }, (_, index) => ({ index, worker: null as Worker | null, pending: new Map<number, () => void>() }))

  const spawn = (slot: (typeof slots)[number]): Promise<void> => new Promise<void>((resolve, reject) => {
    const workerData = { config: options.config, owner: options.owner, passageLinks: options.passageLinks, index: slot.index } satisfies AnswerWorkerData
    // From the sources (tests, benches, `tsx`) the worker loads TypeScript through tsx's API:
    // `--import tsx` in a worker's execArgv registers its hooks after the worker's module loads.
    const worker = WORKER_FILE.endsWith('.ts')
      ? new Worker(`import('tsx/esm/api').then((tsx) => tsx.tsImport(${JSON.stringify(pathToFileURL(WORKER_FILE).href)}, ${JSON.stringify(pathToFileURL(import.meta.filename).href)}))`, { eval: true, workerData })
      : new Worker(WORKER_FILE, { workerData })
    let ready = false
    worker.on('message', (message: FromWorker) => {
      if (message.kind === 'ready') {
        ready = true
        slot.worker = worker
        resolve()
      } else if (message.kind === 'failed') {
        reject(new Error(`answer thread ${slot.index} could not start: ${message.message}`))
      } else if (message.kind === 'done') {
        ran++
        slot.pending.get(message.id)?.()
        slot.pending.delete(message.id)
      } else if (message.kind === 'observe') {
        options.observe?.(message.info)
      }
    })
    worker.on('error', (err) => log.error({ err, worker: slot.index }, 'answer thread failed'))
    worker.on('exit', (code) => {
      if (slot.worker === worker) slot.worker = null
      // Its rows are still leased to this process and unanswered: the resumer takes them when the lease runs out.
      for (const done of slot.pending.values()) done()
      if (slot.pending.size > 0) log.warn({ worker: slot.index, rows: slot.pending.size, code }, 'answer thread ended with rows unanswered: they are resumed when their lease runs out')
      slot.pending.clear()
      if (!ready) return reject(new Error(`answer thread ${slot.index} exited (code ${code}) before it was ready`))
      if (!stopping) {
        log.error({ worker: slot.index, code }, 'answer thread exited: starting another')
        spawn(slot).catch((err: unknown) => log.error({ err, worker: slot.index }, 'answer thread could not be started again'))
      }
    })
  })

  try {
    await Promise.all(slots.map(spawn))
  } catch (err) {
    stopping = true
    await Promise.all(slots.map((s) => s.worker?.terminate()))
    throw err
  }
  log.info({ threads: options.count }, 'answer threads ready')

  return {
    size: options.count,
    get ran() { return ran },
    run: (row) => {
      const slot = slots[personOf(row, options.count)]!
      const worker = slot.worker
      // Between a worker's death and its replacement: the row stays leased and unanswered, for the resumer.
      if (!worker) {
        log.warn({ inboxKey: row.key, worker: slot.index }, 'no answer thread to run a row: it is resumed when its lease runs out')
        return Promise.resolve()
      }
      const id = next++
      return new Promise<void>((resolve) => {
        slot.pending.set(id, resolve)
        worker.postMessage({ kind: 'run', id, row } satisfies ToWorker)
      })
    },
    stop: async (withinMs) => {
      stopping = true
      await Promise.all(slots.map(async (slot) => {
        const worker = slot.worker
        if (!worker) return
        let timer: NodeJS.Timeout | undefined
        const exited = new Promise((resolve) => worker.once('exit', resolve))
        worker.postMessage({ kind: 'stop' } satisfies ToWorker)
        await Promise.race([exited, new Promise<void>((resolve) => { timer = setTimeout(resolve, withinMs) })])
        clearTimeout(timer)
        await worker.terminate()
      }))
    },
  }
}

/**
 * The worker's module: beside this one, as TypeScript from the sources, or as answer-worker.js in
 * the build (scripts/build.js builds it as an entry of its own). `import.meta.filename` is the
 * file actually running, in the build too (where the build rewrites the module's URL to name its source).
 */
const WORKER_FILE = path.join(path.dirname(import.meta.filename), import.meta.filename.endsWith('.ts') ? 'answer-worker.ts' : 'answer-worker.js')

/** The worker of a row's person: the same one for each of their rows. */
function personOf(row: InboxRow, count: number): number {
  const inbound = row.inbound as { workspaceId?: string; externalUserId?: string } | null
  const key = `${row.platform}:${inbound?.workspaceId ?? ''}:${inbound?.externalUserId ?? row.key}`
  let h = 0
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) | 0
  return Math.abs(h) % count
}
