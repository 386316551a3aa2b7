/**
 * How Workroom talks about itself on a platform: the help's command syntax and who can read what.
 * Words only; how a reply looks is the renderer's. Each platform's registration carries one.
 */
export interface Voice {
  /** Commands are typed as slash commands (/timesheet …), or as bare words after @Workroom (Teams' command list). */
  slashCommands: boolean
  /** Who reads budgets and margins a person asks for where others could read them. */
  figuresGoTo: string
  /** The help's "Ask the knowledge base" lines; `cmd` writes a command in this platform's syntax. */
  askHelp(cmd: (text: string) => Text): Array<string | Text>
}

/**
 * What Workroom does, in the words of the platform it is read on (its Voice, registered with it):
 * Slack has slash commands and ephemeral replies; Teams has neither (its command list sends the
 * bare words, and a channel answer is seen by the channel); the playground and the terminal take
 * the slash commands.
 */
import { code, t, type Text } from '../chat/text.ts'
import type { LinkedActor } from '../db/identity.ts'
import { reply, type Reply } from './reply.ts'

export function helpReply(actor: LinkedActor, voice: Voice, unable?: string): Reply {
  const seesMoney = actor.role === 'finance' || actor.role === 'leadership'
  const first = actor.displayName.split(' ')[0]
  const lead = unable ? `Sorry ${first}, I can't ${unable} things for you; here is what I can do` : `Hi ${first}, here is what I can do`
  const cmd = (text: string): Text => [code(voice.slashCommands ? `/${text}` : text)]
  return reply(`${lead}.`, [
    { type: 'header', text: lead },
    { type: 'list', title: 'Log time', items: [
      cmd('timesheet 3h Aurora Air Spring Launch'),
      cmd('timesheet 1h30 yesterday Fizzwell / production - storyboards'),
      cmd('timesheet half a day last fri Tidewave nb'),
      t`${cmd('timesheet')} shows your week · ${cmd('timesheet undo')} removes your last entry`,
      t`${cmd('timesheet start Aurora Air')} runs a timer, ${cmd('timesheet stop')} logs it · ${cmd('timesheet remind at 17:30')} or ${cmd('timesheet remind off')} for the end-of-day reminder`,
      t`${cmd('timesheet submit')} hands your week in for approval (${cmd('timesheet submit last week')} for the one before); approved time is locked`,
      ...(actor.role === 'pm' || actor.role === 'leadership'
        ? [t`${cmd('timesheet approvals')} lists the weeks waiting for you · ${cmd('timesheet reject lucy.fernandes 2026-11-23 what to fix')} sends one back`]
        : []),
    ] },
    { type: 'list', title: 'Look up a campaign', items: [
      // Without slash commands, the words after @Workroom; with them, a mention also works.
      t`${cmd('campaign aurora air')} or ${voice.slashCommands ? code('@workroom status of aurora air') : cmd('status of aurora air')}`,
      t`${cmd('campaign list')} lists the campaigns you can see, 100 at a time`,
      seesMoney
        ? `You see budgets, costs and margins (finance and leadership), and only you: ${voice.figuresGoTo}`
        : 'Budgets and margins are shown to finance and leadership only, and only to the person who asked.',
    ] },
    { type: 'list', title: 'Ask the knowledge base', items: voice.askHelp(cmd) },
    { type: 'context', text: `You are ${actor.displayName} (${actor.role}). You see the campaigns your role and your teams allow.` },
  ])
}
