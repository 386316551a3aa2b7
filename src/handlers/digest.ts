/**
 * `/digest` in a channel (Teams: "digest …" addressed to the bot there):
 *
 *   /digest                          what this channel gets
 *   /digest daily 09:00 [zone]       every day at 09:00 (zone: IANA name; default the person's)
 *   /digest weekdays 08:30 [zone]    Monday to Friday
 *   /digest off                      stop
 *   /digest now                      a preview of today's digest, only to the asker
 *
 * Subscribing, stopping and previewing are for pm, leadership and finance (row security enforces
 * the writes too); anyone may ask what the channel gets.
 */
import { code, t, type Text } from '../chat/text.ts'
import type { RunAs } from '../db/actor.ts'
import { deleteSubscription, findSubscription, isKnownTimezone, saveSubscription, type Cadence, type ChannelRef, type DigestPlatform } from '../db/digests.ts'
import type { LinkedActor } from '../db/identity.ts'
import { digestReply, type DigestData } from './digest-content.ts'
import type { Inbound } from './inbound.ts'
import { reply, type Reply } from './reply.ts'

const MANAGERS = new Set(['pm', 'leadership', 'finance'])
const USAGE = t`Use ${code('/digest daily 09:00')}, ${code('/digest weekdays 08:30 Europe/London')}, ${code('/digest off')}, ${code('/digest now')} (a preview only you see) or ${code('/digest')} to see what this channel gets.`

export type DigestCommand =
  | { kind: 'show' }
  | { kind: 'off' }
  | { kind: 'now' }
  | { kind: 'subscribe'; cadence: Cadence; postAt: string; timezone: string | null }

/**
 * Parses the words after /digest. Times are 24-hour "9:00" / "09:30" or "9am" / "5:30pm": a
 * regular expression, since a date library's free-text parsing would also accept "tomorrow at 9"
 * and we want exactly a clock time.
 */
export function parseDigestCommand(text: string): { ok: true; command: DigestCommand } | { ok: false; message: Text } {
  const words = text.trim().split(/\s+/).filter(Boolean)
  const [first, time, zone, ...rest] = words.map((w, i) => (i < 2 ? w.toLowerCase() : w))
  if (!first) return { ok: true, command: { kind: 'show' } }
  if ((first === 'off' || first === 'stop' || first === 'now') && words.length === 1) return { ok: true, command: { kind: first === 'now' ? 'now' : 'off' } }
  if (first !== 'daily' && first !== 'weekdays') return { ok: false, message: t`I don't know "/digest ${text.trim()}". ${USAGE}` }
  if (!time) return { ok: false, message: t`At what time? For example ${code(`/digest ${first} 09:00`)}.` }
  const postAt = clockTime(time)
  if (!postAt) return { ok: false, message: `"${time}" is not a time of day. Write it as 09:00, 17:30 or 9am.` }
  if (rest.length > 0) return { ok: false, message: t`I expected at most a time zone after the time, not "${rest.join(' ')}". ${USAGE}` }
  return { ok: true, command: { kind: 'subscribe', cadence: first, postAt, timezone: zone ?? null } }
}

function clockTime(word: string): string | null {
  const m = /^(\d{1,2})(?::(\d{2}))?(am|pm)?$/.exec(word)
  if (!m || (!m[2] && !m[3])) return null
  let hour = Number(m[1])
  const minute = Number(m[2] ?? 0)
  if (m[3]) {
    if (hour < 1 || hour > 12) return null
    hour = (hour % 12) + (m[3] === 'pm' ? 12 : 0)
  }
  if (hour > 23 || minute > 59) return null
  return `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`
}

/** `preview`: today's digest of the person's tenant, built as the digest is (its own system actor). */
export async function digestCommand(
  run: RunAs, who: LinkedActor, channel: ChannelRef | null, text: string, now: Date, today: string,
  preview: (target: ChannelRef | undefined) => Promise<DigestData>,
): Promise<Reply> {
  const parsed = parseDigestCommand(text)
  if (!parsed.ok) return reply(parsed.message)
  const command = parsed.command
  if (command.kind !== 'show' && !MANAGERS.has(who.role)) {
    return reply(t`Only project managers, leadership and finance can ${command.kind === 'now' ? 'preview' : 'change'} a channel's digest; you can see what this channel gets with ${code('/digest')}.`)
  }
  if (command.kind === 'now') {
    const shown = digestReply(await preview(channel ?? undefined))
    return { ...shown, visibility: 'ephemeral', blocks: [...shown.blocks, { type: 'context', text: 'A preview only you can see.' }] }
  }
  if (!channel) return reply(t`Digests are posted to Slack and Teams channels: run ${code('/digest')} in the channel that should get it.`)
  return run(async (trx) => {
    const current = await findSubscription(trx, channel)
    switch (command.kind) {
      case 'show':
        return reply(current
          ? t`This channel gets the utilization digest ${schedule(current.cadence, current.postAt, current.timezone)}. ${code('/digest off')} stops it.`
          : t`This channel gets no digest. ${USAGE}`)
      case 'off':
        return (await deleteSubscription(trx, channel))
          ? reply('Done: this channel gets no more digests.', undefined, 'in_channel')
          : reply('This channel gets no digest, so there was nothing to stop.')
      case 'subscribe': {
        const timezone = command.timezone ?? who.timezone
        if (!(await isKnownTimezone(trx, timezone))) return reply(`"${timezone}" is not a time zone I know. Use a name like Europe/London or America/New_York.`)
        const saved = await saveSubscription(trx, { ...channel, tenantId: who.tenantId, cadence: command.cadence, postAt: command.postAt, timezone, createdBy: who.userId }, now)
        if (!saved) return reply("This channel already gets a digest set up in another Workroom organisation; you can't change it. Nothing was changed.")
        return reply(`${current ? 'Changed' : 'Subscribed'}: this channel gets the utilization digest ${schedule(saved.cadence, saved.postAt, saved.timezone)}, starting with the next one.`, undefined, 'in_channel')
      }
    }
  })
}

const schedule = (cadence: Cadence, postAt: string, timezone: string) =>
  `${cadence === 'daily' ? 'every day' : 'on weekdays'} at ${postAt} (${timezone})`

