import type { ChatPlatform } from '../../chat/platform.ts'
import { z } from 'zod'
import { teamsSettings } from '../../config.ts'
import type { DigestSender } from '../../scheduler.ts'
import type { TeamsBot } from './app.ts'

/** A digest goes to a conversation Workroom was added to, through its stored reference. */
export const digestSender = (bot: Pick<TeamsBot, 'sendProactive'>): DigestSender => async (s, reply) => {
  if (!(await bot.sendProactive(s.channelId, reply))) throw new Error('Workroom was never added to that Teams conversation')
}

export const teams: ChatPlatform<'teams'> = {
  name: 'teams',
  label: 'Teams',
  workspace: 'Microsoft 365 organisation',
  voice: {
    slashCommands: false,
    figuresGoTo: 'asked in a channel, they come to your private chat with Workroom.',
    askHelp: () => [
      'Ask in your own words: "how many quotes do I need for a PO over 10k?"',
      'In a channel, @mention Workroom: the answer is posted in the thread, for the channel to see; reply in the thread to follow up. An answer quoting a client\'s budget or fees comes to your private chat instead.',
    ],
  },
  binding: {
    workspaceHelp: 'the Entra tenant id (a GUID, e.g. from the Azure portal\'s tenant properties)',
    userHelp: 'Teams user\'s Entra (AAD) object id',
    checkWorkspace: (id) => (z.uuid().safeParse(id).success ? null : `"${id}" is not an Entra tenant id (a GUID, e.g. from the Azure portal's tenant properties)`),
  },
  channels: true,
  async start({ config, router, logger, inbox, answerElsewhere }) {
    const settings = teamsSettings(config)
    if (!settings) return null
    const { createTeamsBot } = await import('./app.ts')
    const bot = createTeamsBot(router, settings, logger, { inbox, ...(answerElsewhere ? { answerElsewhere } : {}) })
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
