/**
 * One answer thread (src/answer-workers.ts starts them): its own database pool and the chat
 * platforms' answering halves, no HTTP server. Each row the main thread acknowledged and hands
 * over is run through its platform's resume, as a process resuming a row after a crash would:
 * the same handler path, the same error boundary, the same place to answer.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { byName, startPlatforms } from './chat/platforms.ts'
import type { DirectSenders } from './chat/direct.ts'
import { createEngine, engineOptionsFromConfig, type Engine } from './db/engine.ts'
import { Inbox } from './db/inbox.ts'
import { createLogger } from './log.ts'
import { converseDeps } from './chat/deps.ts'
import { providersFromConfig } from './rag/providers.ts'
import type { AnswerWorkerData, FromWorker, ToWorker } from './answer-workers.ts'

const port = parentPort
if (!port) throw new Error('src/answer-worker.ts runs as an answer thread (src/answer-workers.ts), not on its own')
const send = (message: FromWorker) => port.postMessage(message)
const data = workerData as AnswerWorkerData
const logger = createLogger(data.config.LOG_LEVEL).child({ thread: `answers-${data.index}` })

let engine: Engine | null = null
try {
  engine = await createEngine(engineOptionsFromConfig(data.config), { role: 'server', command: 'Workroom answers' })
  const direct: DirectSenders = {}
  // Handler timings go to the main thread's /metrics.
  const router = converseDeps(data.config, engine, { knowledge: providersFromConfig(data.config), direct, logger, observe: (info) => send({ kind: 'observe', info }), passageLinks: data.passageLinks })
  // The main thread's owner: the rows it hands over are leased to it, and renewed and settled here.
  const inbox = new Inbox(engine.service.db, { leaseMs: data.config.INBOX_LEASE_SECONDS * 1000, owner: data.owner })
  const platforms = await startPlatforms({ config: data.config, router, logger, inbox })
  Object.assign(direct, byName(platforms, 'sendDirect'))
  const resumers = byName(platforms, 'resume')
  const running = new Set<Promise<void>>()
  port.on('message', (message: ToWorker) => {
    if (message.kind === 'stop') {
      void Promise.allSettled([...running]).then(() => engine?.close()).finally(() => port.close())
      return
    }
    const resume = resumers[message.row.platform]
    const work: Promise<void> = (resume ? resume(message.row) : Promise.reject(new Error(`no ${message.row.platform} platform in the answer thread`)))
      .catch((err: unknown) => logger.error({ err, inboxKey: message.row.key }, 'answer thread: a row failed outside its platform\'s error boundary'))
      .finally(() => {
        running.delete(work)
        send({ kind: 'done', id: message.id })
      })
    running.add(work)
  })
  send({ kind: 'ready' })
} catch (err) {
  send({ kind: 'failed', message: err instanceof Error ? err.message : String(err) })
  await engine?.close()
  port.close()
}
