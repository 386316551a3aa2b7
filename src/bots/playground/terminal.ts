/**
 * The command line as a chat client: `workroom as` (one message) and `workroom chat` (a
 * readline session). Buttons in a reply become numbered choices; typing the number clicks it.
 */
import { randomUUID } from 'node:crypto'
import { createInterface } from 'node:readline/promises'
import type { Kysely } from 'kysely'
import type { ChatIdentity, LinkedActor } from '../../db/identity.ts'
import type { DB } from '../../db/schema.ts'
import type { Inbound } from '../../handlers/inbound.ts'
import { renderText } from '../../handlers/render-text.ts'
import type { Button, Reply } from '../../handlers/reply.ts'
import type { TimesheetSettings } from '../../handlers/timesheet.ts'
import type { KnowledgeProviders } from '../../rag/providers.ts'
import type { Logger } from '../../log.ts'

export interface TerminalSession {
  actor: LinkedActor
  /** A slash command, a plain message, or the number of a choice in the last reply. */
  send(text: string): Promise<Reply>
}

/** Null when no active person has that e-mail. The CLI links its own identity per e-mail (operator action). */
export async function openTerminalSession(
  db: Kysely<DB>, email: string, options: { now?: () => Date; timesheet?: TimesheetSettings; knowledge?: KnowledgeProviders; log?: Logger } = {},
): Promise<TerminalSession | null> {
  const now = options.now ?? (() => new Date())
  const identity: ChatIdentity = { platform: 'cli', workspaceId: 'cli', externalUserId: email.trim().toLowerCase() }
  // Imported here, not above: `workroom chat` beside a running server uses only runTerminalChat,
  // and the router's modules are seconds of loading under tsx.
  const [{ linkIdentity }, { converse }] = await Promise.all([import('../../db/identity.ts'), import('../../chat/converse.ts')])
  const actor = await linkIdentity(db, identity, email)
  if (!actor) return null
  let choices: Button[] = []
  // The session is one thread: a question can be followed up ("and what about the budget?").
  const threadId = randomUUID()
  return {
    actor,
    async send(text) {
      const trimmed = text.trim()
      const choice = /^\d+$/.test(trimmed) ? choices[Number(trimmed) - 1] : undefined
      const slash = trimmed.match(/^\/(\w+)\s*([\s\S]*)$/)
      const input: Inbound['input'] = choice
        ? { kind: 'action', actionId: choice.actionId, payload: choice.payload }
        : slash ? { kind: 'command', command: slash[1]!, text: slash[2]! } : { kind: 'message', text: trimmed }
      const deps = { db, now, ...(options.timesheet ? { timesheet: options.timesheet } : {}), ...(options.knowledge ? { knowledge: options.knowledge } : {}), ...(options.log ? { log: options.log } : {}) }
      const out = await converse(deps, { ...identity, channelId: 'terminal', threadId, requestId: randomUUID(), input })
      choices = out.blocks.flatMap((b) => (b.type === 'buttons' ? b.buttons : []))
      return out
    },
  }
}

/** Interactive loop on stdin/stdout until EOF or `/quit`. */
export async function runTerminalChat(session: TerminalSession, io: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream }): Promise<void> {
  const rl = createInterface({ input: io.input, output: io.output, terminal: false })
  const write = (s: string) => io.output.write(`${s}\n`)
  write(`Workroom as ${session.actor.displayName} (${session.actor.role}). Type /workroom help, a command, or a question; /quit to leave.`)
  for await (const line of rl) {
    if (/^\/(quit|exit)$/i.test(line.trim())) break
    if (!line.trim()) continue
    write(renderText(await session.send(line)))
  }
  rl.close()
}
