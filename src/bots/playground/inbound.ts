import type { ChatIdentity } from '../../db/identity.ts'
import type { Inbound } from '../../handlers/inbound.ts'

/** A send from the playground page, validated (web.ts, Send): text, or a click on a reply's button. */
export interface PlaygroundSend {
  threadId?: string | null | undefined
  text?: string | undefined
  action?: { actionId: string; payload: string } | undefined
}

/**
 * A playground send as an Inbound, a pure function as Slack's and Teams' are: "/timesheet 2h…" is
 * a slash command, other text a message, a click an action. Every new message starts a thread;
 * "reply in thread" sends its id back.
 */
export function playgroundToInbound(send: PlaygroundSend, identity: ChatIdentity, requestId: string): Inbound {
  const slash = send.text?.match(/^\/(\w+)\s*([\s\S]*)$/)
  const input: Inbound['input'] = send.action
    ? { kind: 'action', ...send.action }
    : slash ? { kind: 'command', command: slash[1]!, text: slash[2]! } : { kind: 'message', text: send.text ?? '' }
  return { ...identity, channelId: 'playground', threadId: send.threadId ?? requestId, requestId, input }
}
