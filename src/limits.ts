/**
 * Per-person rate limits on chat handlers: questions (each may cost an LLM call) and writes
 * (timesheet entries, edits, undos, button clicks). rate-limiter-flexible's in-memory limiter:
 * per process, so with N replicas a person gets up to N times the allowance; enough to bound
 * spend and stop a runaway script, not an accounting system.
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible'

export type LimitKind = 'ask' | 'write'
export type LimitVerdict = { ok: true } | { ok: false; retryAfterSeconds: number; limit: number; per: string }

export interface RateLimits {
  take(kind: LimitKind, personId: string): Promise<LimitVerdict>
}

/** asksPerHour / writesPerMinute: 0 switches that limit off. */
export function createRateLimits(settings: { asksPerHour: number; writesPerMinute: number }): RateLimits {
  const limiters: Record<LimitKind, { limiter: RateLimiterMemory; limit: number; per: string } | null> = {
    ask: settings.asksPerHour > 0 ? { limiter: new RateLimiterMemory({ points: settings.asksPerHour, duration: 3600 }), limit: settings.asksPerHour, per: 'hour' } : null,
    write: settings.writesPerMinute > 0 ? { limiter: new RateLimiterMemory({ points: settings.writesPerMinute, duration: 60 }), limit: settings.writesPerMinute, per: 'minute' } : null,
  }
  return {
    take: async (kind, personId) => {
      const entry = limiters[kind]
      if (!entry) return { ok: true }
      try {
        await entry.limiter.consume(personId)
        return { ok: true }
      } catch (res) {
        if (!(res instanceof RateLimiterRes)) throw res
        return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)), limit: entry.limit, per: entry.per }
      }
    },
  }
}
