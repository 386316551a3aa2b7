/**
 * `/workroom channel …` in a Slack or Teams channel (Teams: "workroom channel …" addressed to the
 * bot there): scopes the channel to one client (migration 028).
 *
 *   /workroom channel                            which client this channel is scoped to, if any
 *   /workroom channel client Aurora Athletics    scope it to that client (pm and leadership)
 *   /workroom channel client off                 unscope it (also: /workroom channel off)
 *
 * Binding and unbinding are for pm and leadership; row security refuses everyone else too.
 * Anyone may ask what the channel is scoped to.
 */
import { code, t, type Text } from '../chat/text.ts'
import type { ActorTx, RunAs } from '../db/actor.ts'
import { bindableClients, bindChannel, findChannelClient, unbindChannel } from '../db/channels.ts'
import type { ChannelRef } from '../db/digests.ts'
import type { LinkedActor } from '../db/identity.ts'
import type { Inbound } from './inbound.ts'
import { reply, type Reply } from './reply.ts'

const BINDERS = new Set(['pm', 'leadership'])
const USAGE = t`Use ${code('/workroom channel client Aurora Athletics')} to scope this channel to a client, ${code('/workroom channel client off')} to unscope it, or ${code('/workroom channel')} to see its scope.`

export type ChannelCommand = { kind: 'show' } | { kind: 'off' } | { kind: 'bind'; client: string }

/** The words after "/workroom channel". */
export function parseChannelCommand(text: string): { ok: true; command: ChannelCommand } | { ok: false; message: Text } {
  const words = text.trim().replace(/\s+/g, ' ')
  if (!words) return { ok: true, command: { kind: 'show' } }
  if (/^(?:client\s+)?(?:off|none|unbind|clear|remove)$/i.test(words)) return { ok: true, command: { kind: 'off' } }
  const m = /^client(?:\s+(.+))?$/i.exec(words)
  if (!m) return { ok: false, message: t`I don't know "/workroom channel ${words}". ${USAGE}` }
  if (!m[1]) return { ok: false, message: t`Which client? For example ${code('/workroom channel client Aurora Athletics')}.` }
  return { ok: true, command: { kind: 'bind', client: m[1] } }
}

/** The client the message's channel is scoped to, read in the asker's transaction; null when unbound or not a channel. */
export async function channelClientOf(trx: ActorTx, channel: ChannelRef | null): Promise<string | null> {
  return channel ? (await findChannelClient(trx, channel))?.clientId ?? null : null
}

const normalise = (s: string) => s.toLowerCase().normalize('NFKD').replace(/[^\p{L}\p{N}]+/gu, ' ').trim()

type Client = { id: string; name: string; code: string | null }

/** A client by what was typed: its exact name or code, else the one client every typed word starts a word of. */
export function matchClient(typed: string, clients: Client[]): { kind: 'one'; client: Client } | { kind: 'several'; clients: Client[] } | { kind: 'none'; clients: Client[] } {
  const q = normalise(typed)
  const exact = clients.filter((c) => normalise(c.name) === q || (c.code !== null && normalise(c.code) === q))
  if (exact.length === 1) return { kind: 'one', client: exact[0]! }
  const words = q.split(' ')
  const fitting = clients.filter((c) => {
    const hay = normalise(`${c.name} ${c.code ?? ''}`).split(' ')
    return words.every((w) => hay.some((h) => h.startsWith(w)))
  })
  if (fitting.length === 1) return { kind: 'one', client: fitting[0]! }
  return fitting.length > 1 ? { kind: 'several', clients: fitting } : { kind: 'none', clients }
}

const names = (clients: Client[]) => {
  const shown = clients.slice(0, 10).map((c) => c.name)
  return clients.length > 10 ? `${shown.join(', ')} and ${clients.length - 10} more` : shown.join(', ')
}

/** `channel`: where the command was typed; null off Slack and Teams channels. */
export async function channelCommand(run: RunAs, who: LinkedActor, channel: ChannelRef | null, text: string, now: Date): Promise<Reply> {
  const parsed = parseChannelCommand(text)
  if (!parsed.ok) return reply(parsed.message)
  const command = parsed.command
  if (!channel) return reply(t`Only Slack and Teams channels can be scoped to a client: run ${code('/workroom channel client …')} in the channel.`)
  if (command.kind !== 'show' && !BINDERS.has(who.role)) {
    return reply(t`Only project managers and leadership can change which client a channel is scoped to; ${code('/workroom channel')} shows its scope.`)
  }
  return run(async (trx) => {
    const current = await findChannelClient(trx, channel)
    switch (command.kind) {
      case 'show':
        return reply(current
          ? t`This channel is scoped to ${current.clientName ?? "a client you don't work with"}: answers here come from ${current.clientName ? `${current.clientName}'s` : "that client's"} documents and artifacts and the agency-wide ones, ${code('/campaign')} prefers its campaigns, and its digest covers its campaigns and team.`
          : t`This channel is not scoped to a client: answers come from everything you may read. ${USAGE}`)
      case 'off':
        return (await unbindChannel(trx, channel))
          ? reply(`Done: this channel is no longer scoped to ${current?.clientName ?? 'a client'}.`, undefined, 'in_channel')
          : reply('This channel is not scoped to a client, so there was nothing to undo.')
      case 'bind': {
        const match = matchClient(command.client, await bindableClients(trx))
        if (match.kind === 'several') return reply(`"${command.client}" fits several clients: ${names(match.clients)}. Which one? Type more of its name.`)
        if (match.kind === 'none') return reply(`I don't know a client called "${command.client}". Clients: ${names(match.clients)}.`)
        const client = match.client
        if (current?.clientId === client.id) return reply(`This channel is already scoped to ${client.name}.`)
        const bound = await bindChannel(trx, { ...channel, tenantId: who.tenantId, clientId: client.id, boundBy: who.userId }, now)
        if (!bound) return reply("This channel is scoped by another Workroom organisation; you can't change it. Nothing was changed.")
        return reply(
          `${current ? 'Changed' : 'Done'}: this channel is scoped to ${client.name}. Answers here come from ${client.name}'s documents and artifacts and the agency-wide ones, /campaign prefers its campaigns, and its digest covers its campaigns and team.`,
          undefined, 'in_channel')
      }
    }
  })
}
