import type { Voice } from '../../chat/platform.ts'
import { t } from '../../chat/text.ts'

/** The playground and the terminal: one person's own conversation with Workroom, slash commands typed as in Slack. */
export const privateVoice: Voice = {
  slashCommands: true,
  figuresGoTo: 'nobody else sees this conversation.',
  askHelp: (cmd) => [
    t`${cmd('ask how many quotes do I need for a PO over 10k?')}`,
    '"@workroom when are timesheets due?" answers in the thread; follow-ups in the thread keep the context. An answer quoting a client\'s budget or fees goes to you alone, as campaign figures do.',
  ],
}
