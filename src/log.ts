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

const SECRET_KEYS = ['password', 'token', 'secret', 'authorization', 'apiKey', 'botToken', 'appToken', 'signingSecret', 'clientSecret', 'appPassword', 'databaseUrl']

/**
 * Secrets by their look, wherever they are in a line: Slack tokens (xoxb-, xoxp-, xapp-…),
 * OpenAI-style keys (sk-…), bearer credentials, and the password in a postgres:// URL. Keys are
 * redacted by name (below); this catches the same secrets inside messages and error texts
 * (a library's "invalid token xoxb-…"), which no key path reaches. Lines that carry none are
 * written unchanged.
 */
const SECRET_VALUES = /\b(?:xox[abposr]|xapp)-[A-Za-z0-9-]+|\bsk-[A-Za-z0-9_-]{16,}|(?<=\bBearer )[A-Za-z0-9._~+/-]+=*|(?<=\bpostgres(?:ql)?:\/\/[^:/@\s"]+:)[^@\s"]+(?=@)/g

/**
 * JSON logs with secrets redacted: by key name at the top level and one or two levels down
 * (pino redact), and by value anywhere (SECRET_VALUES).
 * Every line written while a request is served carries its `requestId`, from any logger or child.
 * `destination`: where lines go (stdout when absent), e.g. a stream a test reads.
 */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: {
      paths: [
        ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
        'req.headers["x-slack-signature"]', 'config.DATABASE_URL', 'config.DATABASE_SERVICE_URL', 'config.SLACK_BOT_TOKEN', 'config.SLACK_APP_TOKEN',
        'config.SLACK_SIGNING_SECRET', 'config.SLACK_CLIENT_SECRET', 'config.SLACK_STATE_SECRET', 'config.MICROSOFT_APP_PASSWORD', 'config.OPENAI_API_KEY',
      ],
      censor: '[redacted]',
    },
    hooks: { streamWrite: (line: string) => line.replace(SECRET_VALUES, '[redacted]') },
    mixin: () => {
      const requestId = currentRequestId()
      return requestId === undefined ? {} : { requestId }
    },
  }
  return destination ? pino(options, destination) : pino(options)
}
