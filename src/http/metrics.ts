/**
 * Prometheus metrics (prom-client), one registry per app: tests that create many apps never
 * share or clash, and nothing is registered on prom-client's global default registry.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { HandlerObservation } from '../chat/converse.ts'

export interface Metrics {
  registry: Registry
  httpRequests: Counter<'method' | 'route' | 'status'>
  httpDuration: Histogram<'method' | 'route'>
  handlerDuration: Histogram<'intent' | 'platform'>
  handlerErrors: Counter<'intent' | 'platform'>
  /** ConverseDeps.observe: records one converse run. */
  observeHandler(info: HandlerObservation): void
}

export function createMetrics(): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  // Labels are bounded: route is the matched route pattern ('unmatched' for a 404), never the URL.
  const httpRequests = new Counter({
    name: 'workroom_http_requests_total', help: 'HTTP requests answered, by matched route and status',
    labelNames: ['method', 'route', 'status'] as const, registers: [registry],
  })
  const httpDuration = new Histogram({
    name: 'workroom_http_request_duration_seconds', help: 'Time from request to the last byte of the response, by matched route',
    labelNames: ['method', 'route'] as const, registers: [registry],
  })
  const handlerDuration = new Histogram({
    name: 'workroom_handler_duration_seconds', help: 'Time in a chat handler (converse, after waiting for CHAT_CONCURRENCY), by intent and platform',
    labelNames: ['intent', 'platform'] as const, buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry],
  })
  const handlerErrors = new Counter({
    name: 'workroom_handler_errors_total', help: 'Chat handler runs that threw, by intent and platform',
    labelNames: ['intent', 'platform'] as const, registers: [registry],
  })
  return {
    registry, httpRequests, httpDuration, handlerDuration, handlerErrors,
    observeHandler: ({ intent, platform, seconds, error }) => {
      handlerDuration.observe({ intent, platform }, seconds)
      // +0 on success: the error series exists from the first run, so rate() and alerts see a 0.
      handlerErrors.inc({ intent, platform }, error ? 1 : 0)
    },
  }
}
