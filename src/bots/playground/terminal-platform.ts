import type { ChatPlatform } from '../../chat/platform.ts'
import { privateVoice } from './voice.ts'

/**
 * The command line as a chat client (terminal.ts): not served by the process as such, but through
 * its local endpoint (or by opening the database itself), so it has no start.
 */
export const terminal: ChatPlatform<'cli'> = {
  name: 'cli',
  label: 'Terminal',
  workspace: 'terminal',
  voice: privateVoice,
  channels: false,
  off: () => 'npm run chat -- --as <e-mail>',
}
