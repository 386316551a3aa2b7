/**
 * The handlers' dependencies (ConverseDeps) from the configuration: one place, for the main thread
 * (src/main.ts) and the answer threads (src/answer-worker.ts).
 */
import pLimit, { type LimitFunction } from 'p-limit'
import { timesheetSettings, type Config } from '../config.ts'
import type { Engine } from '../db/engine.ts'
import { createRateLimits } from '../limits.ts'
import type { PassageLinks } from '../links/passage-link.ts'
import type { Logger } from '../log.ts'
import type { KnowledgeProviders } from '../rag/providers.ts'
import type { ConverseDeps } from './converse.ts'
import type { DirectSenders } from './direct.ts'

/** An answer thread signs passage links with the main thread's secret: `passageLinks` comes from there. */
export function converseDeps(config: Config, engine: Engine, parts: { knowledge: KnowledgeProviders; direct: DirectSenders; logger: Logger; observe: ConverseDeps['observe']; passageLinks: PassageLinks | null }): ConverseDeps & { inFlight: LimitFunction } {
  return {
    db: engine.db, service: engine.service.db, now: () => new Date(), timesheet: timesheetSettings(config), knowledge: parts.knowledge,
    inFlight: pLimit(config.CHAT_CONCURRENCY), log: parts.logger.child({ component: 'router' }), direct: parts.direct,
    ...(parts.observe ? { observe: parts.observe } : {}),
    ...(parts.passageLinks ? { passageLinks: parts.passageLinks } : {}),
    limits: createRateLimits({ asksPerHour: config.ASK_RATE_LIMIT, writesPerMinute: config.WRITE_RATE_LIMIT }),
  }
}
