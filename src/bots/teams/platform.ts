import type { ChatPlatform } from '../../chat/platform.ts'
import { teamsSettings } from '../../config.ts'
import type { DigestSender } from '../../scheduler.ts'
import type { TeamsBot } from './app.ts'

/** A digest goes to a conversation Workroom was added to, through its stored reference. */
export const digestSender = (bot: Pick<TeamsBot, 'sendProactive'>): DigestSender => async (s, reply) => {
  if (!(await bot.sendProactive(s.channelId, reply))) throw new Error('Workroom was never added to that Teams conversation')
}

export const teams: ChatPlatform = {
  name: 'teams',
  label: 'Teams',
  async start({ config, router, logger, inbox }) {
    const settings = teamsSettings(config)
    if (!settings) return null
    const { createTeamsBot } = await import('./app.ts')
    const bot = createTeamsBot(router, settings, logger, { inbox })
    return {
      mode: bot.mode,
      describe: (url) => `on, ${url}/api/messages${bot.mode === 'anonymous' ? ' (Emulator mode: NO token checks)' : ''}`,
      routes: bot.routes,
      drain: () => bot.drain(),
      resume: (row) => bot.resume(row),
      postDigest: digestSender(bot),
      sendDirect: (to, reply) => bot.sendDirect(to, reply),
    }
  },
  off: () => 'off (set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD, or TEAMS_EMULATOR=true for the Bot Framework Emulator)',
}
