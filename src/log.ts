import { AsyncLocalStorage } from 'node:async_hooks'
import { pino, type DestinationStream, type Logger } from 'pino'

export type { Logger }

/**
 * The HTTP request being served, if any: src/http/app.ts runs every request inside it, so
 * everything that request causes (adapters, handlers, Slack's work after the ack) sees it.
 */
const requestScope = new AsyncLocalStorage<{ requestId: string }>()

/** Runs fn (and everything it starts) as part of the request with this id. */
export function inRequest<T>(requestId: string, fn: () => T): T {
  return requestScope.run({ requestId }, fn)
}

/** The id of the request being served, or undefined outside one (CLI, scheduler, start-up). */
export function currentRequestId(): string | undefined {
  return requestScope.getStore()?.requestId
}

/**
 * JSON logs; anything that looks like a secret is redacted wherever it appears in a record.
 * Every line written while a request is served carries its `requestId`, from any logger or child.
 * `destination`: where lines go (stdout when absent), e.g. a stream a test reads.
 */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: {
      paths: [
        '*.password', '*.token', '*.secret', '*.authorization', '*.apiKey', '*.databaseUrl',
        'req.headers.authorization', 'req.headers["x-slack-signature"]', 'config.DATABASE_URL',
      ],
      censor: '[redacted]',
    },
    mixin: () => {
      const requestId = currentRequestId()
      return requestId === undefined ? {} : { requestId }
    },
  }
  return destination ? pino(options, destination) : pino(options)
}
