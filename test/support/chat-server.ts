import { createSlackBot } from '../../src/bots/slack/app.ts'
import { createTeamsBot } from '../../src/bots/teams/app.ts'
import type { Engine } from '../../src/db/engine.ts'
import { createApp } from '../../src/http/app.ts'
import { startServer } from '../../src/http/server.ts'
import { createLogger } from '../../src/log.ts'

/**
 * The real HTTP server with both chat adapters on one engine: Slack over HTTP (a bot token, its
 * Web API at slackApiUrl, usually a stand-in) and Teams in anonymous mode (no token checks), on a
 * free loopback port. close() stops the server only; the engine and stand-ins are the caller's.
 */
export async function startChatServer(engine: Engine, slack: { signingSecret: string; botToken: string; apiUrl: string; tenant?: string }, options: { playground?: boolean } = {}) {
  const logger = createLogger('silent')
  const router = { db: engine.db, now: () => new Date() }
  const slackBot = createSlackBot(router, { ...slack, appToken: undefined }, logger)
  const teamsBot = createTeamsBot(router, { appId: undefined, appPassword: undefined, appType: 'MultiTenant', tenantId: undefined }, logger)
  const server = await startServer(
    createApp({ engine, logger, router, ...(options.playground ? { playground: true } : {}), adapters: [slackBot.routes, teamsBot.routes] }),
    { port: 0, host: '127.0.0.1', logger },
  )
  return { url: `http://127.0.0.1:${server.port}`, close: () => server.close() }
}
