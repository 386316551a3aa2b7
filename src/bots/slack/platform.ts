import type { ChatPlatform } from '../../chat/platform.ts'
import { slackSettings } from '../../config.ts'

export const slack: ChatPlatform = {
  name: 'slack',
  label: 'Slack',
  async start({ config, router, logger, inbox }) {
    const settings = slackSettings(config)
    if (!settings) return null
    const { createSlackBot } = await import('./app.ts')
    const bot = createSlackBot(router, settings, logger, { inbox })
    return {
      mode: bot.mode,
      describe: (url) => (bot.mode === 'socket' ? 'on, Socket Mode' : `on, ${url}/slack/events${settings.oauth ? ` (install: ${url}/slack/install)` : ''}`),
      routes: bot.routes,
      start: () => bot.start(),
      stop: () => bot.stop(),
      drain: () => bot.drain(),
      resume: (row) => bot.resume(row),
      postDigest: (s, reply) => bot.postMessage(s.workspaceId, s.channelId, reply),
      sendDirect: (to, reply) => bot.sendDirect(to, reply),
    }
  },
  off: () => 'off (set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET, or SLACK_APP_TOKEN for Socket Mode)',
}
