import { randomBytes } from 'node:crypto'
import { z } from 'zod'

/** HOST values that accept connections from this machine only. */
export const isLoopbackHost = (host: string) => ['127.0.0.1', '::1', 'localhost'].includes(host.toLowerCase().replace(/^\[|\]$/g, ''))

/**
 * Every environment variable Workroom reads, parsed once. Slack, Teams and OpenAI settings are
 * added by the issues that bring those adapters; each switches on only when present.
 */
const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Unset: the embedded PGlite database under WORKROOM_DATA_DIR. Set: any PostgreSQL 15+ with pgvector. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  /**
   * Production with a server database: the service's bookkeeping (chat inbox, installations,
   * digest runs…) logs in as its own role, a member of workroom_service (docs/security.md).
   * Unset: DATABASE_URL's role does it too, which must then be the owner.
   */
  DATABASE_SERVICE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  WORKROOM_DATA_DIR: z.string().min(1).default('.data/pglite'),
  /** Connections in the pg.Pool for a server database (PGlite always has one). */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /**
   * Prepare each parameterised statement once per connection (PGlite's one session or a
   * server's connections), so PostgreSQL plans it once rather than on every request
   * (src/db/prepared.ts). 'false' behind a
   * transaction-mode pooler without prepared-statement support (PgBouncer before 1.21,
   * docs/deploy.md).
   */
  DATABASE_PREPARE: z.enum(['true', 'false']).default('true'),
  /**
   * Chat handlers (a command, a question, a button) running at once in this process. Slack's
   * acks never wait for it; a bound keeps the event loop free to ack and accept connections
   * (bench slack, 50 connections: p99 ack 101 ms unbounded, 57 ms at 8).
   */
  CHAT_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(8),
  /**
   * Threads that run the chat answers (handlers, the replies they post) beside the one that takes
   * requests and acks them, on a PostgreSQL server (the embedded database is the main thread's
   * alone: there, answers always run on it). 0: answers on the main thread. Worth it when the
   * database runs on another machine; beside the database on two cores it costs throughput
   * (docs/performance.md, "The Slack ack path").
   */
  ANSWER_WORKERS: z.coerce.number().int().min(0).max(16).default(0),
  /** Questions per person per hour (each may be an LLM call); 0: no limit. Per process. */
  ASK_RATE_LIMIT: z.coerce.number().int().min(0).max(100_000).default(60),
  /** Timesheet writes and button clicks per person per minute; 0: no limit. Per process. */
  WRITE_RATE_LIMIT: z.coerce.number().int().min(0).max(100_000).default(30),
  /**
   * How long a process holds an inbox row it is answering without renewing the claim (it renews at
   * a third of this while it works). A process killed after the ack leaves its rows to others
   * once this runs out; every replica looks for such rows every third of it.
   */
  INBOX_LEASE_SECONDS: z.coerce.number().int().min(1).max(600).default(30),
  /** SIGTERM: how long requests, answers and the digest tick in flight get to finish before the process closes them. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  /** Timesheet entries older than this many days are locked (Northwind's policy: 14). */
  TIMESHEET_LOCK_DAYS: z.coerce.number().int().min(0).max(366).default(14),
  /** How long after logging `/timesheet undo` and `edit` may change an entry. */
  TIMESHEET_UNDO_MINUTES: z.coerce.number().int().min(1).max(60 * 24 * 31).default(60 * 24),
  /** Either one switches the OpenAI providers on (RAG_EMBEDDINGS / RAG_ANSWERS 'auto'). */
  OPENAI_API_KEY: z.string().optional(),
  /** Any OpenAI-compatible server (Azure, vLLM, Ollama, LiteLLM…), e.g. http://127.0.0.1:11434/v1. */
  OPENAI_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  OPENAI_EMBEDDING_MODEL: z.string().min(1).default('text-embedding-3-small'),
  OPENAI_CHAT_MODEL: z.string().min(1).default('gpt-4o-mini'),
  /** Per attempt; the SDK retries 429 and 5xx OPENAI_MAX_RETRIES times with back-off. */
  OPENAI_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(20_000),
  OPENAI_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  /** Slack: the app's signing secret (Basic Information) verifies every request to /slack/events. */
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  /** Slack: the bot token (xoxb-…) of a single-workspace install. */
  SLACK_BOT_TOKEN: z.string().regex(/^xoxb-/, 'must be a bot token (xoxb-…)').optional(),
  /**
   * Slack, single workspace: the tenant (slug) the bot token's workspace belongs to. On first
   * contact Workroom binds that workspace (from auth.test) to it; without it an operator binds it
   * with `workroom workspaces bind`.
   */
  SLACK_TENANT: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be a tenant slug (workroom people lists them)').optional(),
  /** Slack: an app-level token (xapp-…) switches to Socket Mode: no public URL needed. */
  SLACK_APP_TOKEN: z.string().regex(/^xapp-/, 'must be an app-level token (xapp-…)').optional(),
  /** Slack OAuth (multi-workspace: any workspace installs at /slack/install). Instead of SLACK_BOT_TOKEN. */
  SLACK_CLIENT_ID: z.string().min(1).optional(),
  SLACK_CLIENT_SECRET: z.string().min(1).optional(),
  /** Signs the OAuth state parameter; any long random string. */
  SLACK_STATE_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Slack Web API base URL, e.g. a stand-in; default Slack's. */
  SLACK_API_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Teams: the bot's Microsoft App ID (Azure Bot resource); switches Teams on at /api/messages with JWT checks. */
  MICROSOFT_APP_ID: z.string().min(1).optional(),
  /** Teams: the app's client secret (not needed for UserAssignedMSI). */
  MICROSOFT_APP_PASSWORD: z.string().min(1).optional(),
  MICROSOFT_APP_TYPE: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('MultiTenant'),
  /** Teams: the Microsoft Entra tenant of a SingleTenant or UserAssignedMSI app. */
  MICROSOFT_APP_TENANT_ID: z.string().min(1).optional(),
  /** Teams without an app id, for the Bot Framework Emulator on this machine: no token is checked. */
  TEAMS_EMULATOR: z.enum(['true', 'false']).default('false'),
  /** The web playground at /: no login, acts as anyone. auto: on unless NODE_ENV=production. */
  PLAYGROUND_ENABLED: z.enum(['auto', 'true', 'false']).default('auto'),
  /** Write the demo agencies on start when the database has no tenant yet. auto: for the embedded database only. */
  WORKROOM_DEMO_SEED: z.enum(['auto', 'true', 'false']).default('auto'),
  /**
   * The address people reach this server at from their browser, e.g. https://workroom.example.com.
   * Set: citations of documents without a URL of their own link to a passage page under it,
   * through a link signed for the person who asked (src/links/passage-link.ts). Unset: such
   * citations show no link.
   */
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Signs passage links. Required with PUBLIC_URL under NODE_ENV=production; elsewhere a random one per process when unset. */
  LINK_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** offline: feature hashing, no network. auto: OpenAI when OPENAI_API_KEY or OPENAI_BASE_URL is set. */
  RAG_EMBEDDINGS: z.enum(['auto', 'offline', 'openai']).default('auto'),
  /** extractive: quoted passages, no network. auto: an OpenAI chat model when configured. */
  RAG_ANSWERS: z.enum(['auto', 'extractive', 'openai']).default('auto'),
}).superRefine((env, ctx) => {
  const oauth = [env.SLACK_CLIENT_ID, env.SLACK_CLIENT_SECRET, env.SLACK_STATE_SECRET]
  const issue = (key: string, message: string) => ctx.addIssue({ code: 'custom', path: [key], message })
  if (oauth.some(Boolean) && !oauth.every(Boolean)) {
    for (const [i, key] of ['SLACK_CLIENT_ID', 'SLACK_CLIENT_SECRET', 'SLACK_STATE_SECRET'].entries()) if (!oauth[i]) issue(key, 'is required for Slack OAuth (multi-workspace) along with the other two')
  }
  if (env.SLACK_BOT_TOKEN && env.SLACK_CLIENT_ID) issue('SLACK_BOT_TOKEN', 'and SLACK_CLIENT_ID are exclusive: one workspace with a bot token, or OAuth for many')
  if ((env.SLACK_BOT_TOKEN || env.SLACK_CLIENT_ID) && !env.SLACK_SIGNING_SECRET && !env.SLACK_APP_TOKEN) {
    issue('SLACK_SIGNING_SECRET', 'is required to verify requests from Slack (or set SLACK_APP_TOKEN for Socket Mode)')
  }
  if ((env.SLACK_SIGNING_SECRET || env.SLACK_APP_TOKEN) && !env.SLACK_BOT_TOKEN && !env.SLACK_CLIENT_ID) {
    issue('SLACK_BOT_TOKEN', 'is required to answer in Slack (xoxb-…, OAuth & Permissions), or SLACK_CLIENT_ID/SECRET/STATE_SECRET for OAuth')
  }
  if (env.DATABASE_SERVICE_URL && !env.DATABASE_URL) issue('DATABASE_SERVICE_URL', 'is the bookkeeping login beside DATABASE_URL; set DATABASE_URL too')
  if (env.SLACK_TENANT && !env.SLACK_BOT_TOKEN) issue('SLACK_TENANT', 'names the tenant of a single-workspace install (SLACK_BOT_TOKEN); OAuth installs are bound by their install link')
  if (env.SLACK_APP_TOKEN && env.SLACK_CLIENT_ID) issue('SLACK_APP_TOKEN', 'Socket Mode is for one workspace: use SLACK_BOT_TOKEN with it')
  if (env.MICROSOFT_APP_ID && !env.MICROSOFT_APP_PASSWORD && env.MICROSOFT_APP_TYPE !== 'UserAssignedMSI') {
    issue('MICROSOFT_APP_PASSWORD', 'is required with MICROSOFT_APP_ID to answer in Teams (the app\'s client secret)')
  }
  if (!env.MICROSOFT_APP_ID && (env.MICROSOFT_APP_PASSWORD || env.MICROSOFT_APP_TENANT_ID)) issue('MICROSOFT_APP_ID', 'is required when MICROSOFT_APP_PASSWORD or MICROSOFT_APP_TENANT_ID is set')
  if (env.MICROSOFT_APP_ID && env.MICROSOFT_APP_TYPE !== 'MultiTenant' && !env.MICROSOFT_APP_TENANT_ID) {
    issue('MICROSOFT_APP_TENANT_ID', `is required for a ${env.MICROSOFT_APP_TYPE} app`)
  }
  if (env.TEAMS_EMULATOR === 'true' && env.MICROSOFT_APP_ID) issue('TEAMS_EMULATOR', 'is for running without an app id; unset it or MICROSOFT_APP_ID')
  if (env.TEAMS_EMULATOR === 'true' && env.NODE_ENV === 'production') issue('TEAMS_EMULATOR', 'accepts unauthenticated activities and is refused with NODE_ENV=production')
  // The playground has no login (it acts as anyone): in production, only on this machine.
  if (env.PLAYGROUND_ENABLED === 'true' && env.NODE_ENV === 'production' && !isLoopbackHost(env.HOST)) {
    issue('PLAYGROUND_ENABLED', `the playground acts as anyone with no login, so NODE_ENV=production refuses it on HOST=${env.HOST}; set HOST=127.0.0.1 (or ::1, localhost) or PLAYGROUND_ENABLED=false`)
  }
  // A secret made up at start would change on every restart and differ between replicas: links
  // minted by one would be refused by another. Fine on a developer's machine, not in production.
  if (env.PUBLIC_URL && !env.LINK_SECRET && env.NODE_ENV === 'production') issue('LINK_SECRET', 'is required with PUBLIC_URL under NODE_ENV=production (at least 32 random characters, the same on every replica): it signs the passage links citations carry')
  const openai = Boolean(env.OPENAI_API_KEY || env.OPENAI_BASE_URL)
  for (const key of ['RAG_EMBEDDINGS', 'RAG_ANSWERS'] as const) {
    if (env[key] === 'openai' && !openai) ctx.addIssue({ code: 'custom', path: [key], message: "is 'openai' but neither OPENAI_API_KEY nor OPENAI_BASE_URL is set" })
  }
})

export function timesheetSettings(config: Config): { lockDays: number; undoWindowMinutes: number } {
  return { lockDays: config.TIMESHEET_LOCK_DAYS, undoWindowMinutes: config.TIMESHEET_UNDO_MINUTES }
}

export type Config = z.infer<typeof EnvSchema>

/** Every variable Workroom reads: README's table and .env.example document each one. */
export const CONFIG_KEYS = Object.keys(EnvSchema.shape) as Array<keyof Config>

/** Slack settings when Slack is configured, else null. */
export function slackSettings(config: Config) {
  if (!config.SLACK_BOT_TOKEN && !config.SLACK_CLIENT_ID) return null
  return {
    signingSecret: config.SLACK_SIGNING_SECRET, botToken: config.SLACK_BOT_TOKEN, appToken: config.SLACK_APP_TOKEN, apiUrl: config.SLACK_API_URL,
    tenant: config.SLACK_TENANT,
    oauth: config.SLACK_CLIENT_ID ? { clientId: config.SLACK_CLIENT_ID, clientSecret: config.SLACK_CLIENT_SECRET!, stateSecret: config.SLACK_STATE_SECRET! } : undefined,
  }
}

/** Teams settings when Teams is configured (an app id, or the Emulator's anonymous mode), else null. */
export function teamsSettings(config: Config) {
  if (!config.MICROSOFT_APP_ID && config.TEAMS_EMULATOR !== 'true') return null
  return {
    appId: config.MICROSOFT_APP_ID, appPassword: config.MICROSOFT_APP_PASSWORD,
    appType: config.MICROSOFT_APP_TYPE, tenantId: config.MICROSOFT_APP_TENANT_ID,
  }
}

export const playgroundEnabled = (config: Config) =>
  config.PLAYGROUND_ENABLED === 'auto' ? config.NODE_ENV !== 'production' : config.PLAYGROUND_ENABLED === 'true'

/** What to warn about at start when the playground listens beyond loopback (allowed outside production), else null. */
export function playgroundWarning(config: Config): string | null {
  if (!playgroundEnabled(config) || isLoopbackHost(config.HOST)) return null
  return `The playground listens on ${config.HOST}, beyond this machine: anyone who can reach port ${config.PORT} can act as any person, with no login. Set HOST=127.0.0.1 unless that is what you want.`
}

/**
 * Where passage links point and what signs them; null without PUBLIC_URL (no links are minted).
 * Without LINK_SECRET (allowed outside production) a random secret for this process: links it
 * mints stop working when it restarts, and other processes refuse them.
 */
export function passageLinkSettings(config: Config, randomSecret: () => string = () => randomBytes(32).toString('base64url')): { publicUrl: string; secret: string; secretGenerated: boolean } | null {
  if (!config.PUBLIC_URL) return null
  return { publicUrl: config.PUBLIC_URL.replace(/\/+$/, ''), secret: config.LINK_SECRET ?? randomSecret(), secretGenerated: !config.LINK_SECRET }
}

export const demoSeedOnStart = (config: Config) =>
  config.WORKROOM_DEMO_SEED === 'auto' ? !config.DATABASE_URL : config.WORKROOM_DEMO_SEED === 'true'

/** Which providers the knowledge answers use, from RAG_EMBEDDINGS and RAG_ANSWERS. */
export function ragProviders(config: Config): { embeddings: 'offline' | 'openai'; answers: 'extractive' | 'openai' } {
  const openai = Boolean(config.OPENAI_API_KEY || config.OPENAI_BASE_URL)
  return {
    embeddings: config.RAG_EMBEDDINGS === 'auto' ? (openai ? 'openai' : 'offline') : config.RAG_EMBEDDINGS,
    answers: config.RAG_ANSWERS === 'auto' ? (openai ? 'openai' : 'extractive') : config.RAG_ANSWERS,
  }
}

export class ConfigError extends Error {
  readonly code = 'config_invalid'
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
  }
}

/** Parses the environment; throws ConfigError listing every missing or malformed variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Treat empty strings as unset: `DATABASE_URL= npm start` means "no database URL".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''))
  const parsed = EnvSchema.safeParse(cleaned)
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`))
  }
  return parsed.data
}
