/**
 * What Workroom says in Teams on its own initiative, in Teams' words: Teams has no slash commands
 * (the app's command list sends the bare word), a channel or group chat needs an @mention, and
 * everyone there reads the answers, so figures go to the person's private chat (cards.ts,
 * teamsDelivery). What to type is a code span, which the card shows in quotes.
 */
import { code, t, type Text } from '../../chat/text.ts'
import { reply, type Reply } from '../../handlers/reply.ts'
import type { TeamsConversationType } from './inbound.ts'

const START: Text[] = [
  t`${code('timesheet 3h Nike Air')} logs three hours to a campaign; ${code('timesheet')} alone shows your week`,
  t`${code('campaign nike')} shows how a campaign is doing`,
  t`${code('ask')} and a question, or just the question, answers from the agency's documents with numbered sources`,
  t`${code('help')} shows everything I can do`,
]

/**
 * The welcome posted once where Workroom is added: what it does and how to start. Teams asks every
 * bot for one; in a team it goes to the channel the app was added to.
 */
export function welcomeReply(where: TeamsConversationType | null): Reply {
  const personal = where === 'personal'
  const here = where === 'channel' ? 'this channel' : 'this chat'
  return reply(
    "Hi, I'm Workroom: I log time, look up campaigns and answer questions from the agency's documents.",
    [
      { type: 'header', text: "Hi, I'm Workroom" },
      { type: 'text', text: "I log time, look up campaigns and answer questions from the agency's documents, with the sources I used." },
      { type: 'list', title: personal ? 'Type one of these to start:' : 'Mention me (@Workroom) and type one of these to start:', items: personal ? START : [...START, t`${code('digest daily 09:00')} posts the team's utilization in ${here} every morning`] },
      {
        type: 'context',
        text: personal
          ? 'Only you and I see this chat, so I answer everything here, figures such as budgets and rates included.'
          : `Everyone in ${here} sees my answers. Figures such as budgets and rates I send to the person who asked, in their private chat with me.`,
      },
    ],
    'in_channel',
  )
}

/**
 * The answer to a picture or a file with no words. Teams shows nothing of a bot that does not
 * answer, so silence would look like Workroom is broken; reading the attachment would look like it
 * understood it. Saying it reads only text, and how to start, tells the person what to do instead.
 */
export function attachmentsOnlyReply(): Reply {
  return reply(
    "I can only read text, so I can't look at pictures or files.",
    [
      { type: 'text', text: t`I can only read text, so I can't look at pictures or files. Tell me in words instead, for example ${code('timesheet 3h Nike Air')} or a question about a campaign.` },
      { type: 'context', text: t`Type ${code('help')} to see everything I can do.` },
    ],
    'in_channel',
  )
}
