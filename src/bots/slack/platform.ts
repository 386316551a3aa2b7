import type { ChatPlatform } from '../../chat/platform.ts'
import { t } from '../../chat/text.ts'
import { slackSettings } from '../../config.ts'

export const slack: ChatPlatform<'slack'> = {
  name: 'slack',
  label: 'Slack',
  workspace: 'Slack workspace',
  voice: {
    slashCommands: true,
    figuresGoTo: 'asked in a channel, only you see them.',
    askHelp: (cmd) => [
      t`${cmd('ask how many quotes do I need for a PO over 10k?')} (only you see the answer)`,
      '"@workroom when are timesheets due?" answers in the thread; follow-ups in the thread keep the context. An answer quoting a client\'s budget or fees goes to you alone, as campaign figures do.',
    ],
  },
  binding: {
    workspaceHelp: 'Slack team id (T…) or Enterprise Grid org id (E…)',
    userHelp: 'Slack user id (U…)',
    checkWorkspace: (id) => (/^[TE][A-Z0-9]{2,}$/.test(id) ? null : `"${id}" is not a Slack team id (T…) or Enterprise Grid org id (E…)`),
  },
  channels: true,
  async start({ config, router, logger, inbox, answerElsewhere }) {
    const settings = slackSettings(config)
    if (!settings) return null
    const { createSlackBot } = await import('./app.ts')
    const bot = createSlackBot(router, settings, logger, { inbox, ...(answerElsewhere ? { answerElsewhere } : {}) })
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
