/**
 * What Workroom takes from a chat message, in one place. The router checks every inbound message
 * against these before any handler or query runs, so input the database would refuse gets a
 * reply that says what to change instead of an error and silence; the playground's request
 * schema and the button payload schemas use the same numbers.
 */
import { z } from 'zod'
import type { Inbound, TextInput } from './inbound.ts'
import { reply, type Reply } from './reply.ts'

/**
 * A message, question or command text. Far more than any timesheet line or question (the longest
 * of seeds/QUESTIONS.md is under 100), and about a page: a 200 KB question blew PostgreSQL's
 * stack building its full-text query and broke PGlite's commit.
 */
export const MAX_TEXT_CHARS = 4_000

/** A button's payload comes back from the platform; ours are a uuid or a small JSON object. */
export const MAX_PAYLOAD_CHARS = 4_000

/**
 * Hours of one time entry: quarter hours from 0.25 to 24, as the text parser rounds them. A
 * button payload must hold the same: agency.timesheet_entries.hours is numeric(5,2) with
 * CHECK (hours > 0), so 0.001 would be stored as 0 and refused.
 */
export const HOURS = { step: 0.25, max: 24 } as const
export const loggableHours = z.number().min(HOURS.step).max(HOURS.max).refine((h) => Number.isInteger(h / HOURS.step), `must be a multiple of ${HOURS.step}`)

/**
 * A row id in a button payload. PostgreSQL's uuid input rejects anything else with 22P02; any
 * 8-4-4-4-12 hex string is one it takes (z.uuid() would also demand RFC version bits).
 */
export const rowId = z.guid()

/** Text inside a button payload (a campaign name, a note): what a message may hold. */
export const payloadText = z.string().max(MAX_TEXT_CHARS).refine((s) => !s.includes('\u0000'), 'must not contain U+0000')

export const UNKNOWN_BUTTON = "I don't know that button any more. Please send the message again."

export const NUL_REFUSED = "What you sent contains a NUL character (U+0000), which Workroom can't store. Nothing was saved; send it again without it."

/**
 * The reply to a message Workroom will not take, or null. PostgreSQL text cannot hold U+0000
 * (22021), in any field: the ids a platform sends are stored and compared too. `isQuestion` is
 * the router's reading of a text, for the wording of "too long".
 */
export function refuseInput(inbound: Inbound, isQuestion: (input: TextInput) => boolean): Reply | null {
  const { input } = inbound
  const texts = input.kind === 'action' ? [input.actionId, input.payload]
    : input.kind === 'form' ? [input.formId, ...Object.keys(input.fields), ...Object.values(input.fields).map((v) => v ?? '')]
      : input.kind === 'command' ? [input.command, input.text] : [input.text]
  const ids = [inbound.workspaceId, inbound.externalUserId, inbound.channelId ?? '', inbound.threadId ?? '', inbound.requestId]
  if ([...texts, ...ids].some((s) => s.includes('\u0000'))) return reply(NUL_REFUSED)
  if (input.kind === 'action') {
    return input.payload.length > MAX_PAYLOAD_CHARS ? reply(UNKNOWN_BUTTON) : null
  }
  // A form's fields are checked by its handler, which names the field that is too long.
  if (input.kind === 'form') return null
  if (input.text.length <= MAX_TEXT_CHARS) return null
  const chars = (n: number) => n.toLocaleString('en')
  return reply(isQuestion(input)
    ? `That question is too long (${chars(input.text.length)} characters). Workroom takes questions of up to ${chars(MAX_TEXT_CHARS)} characters; ask it in fewer words. Nothing was saved.`
    : `That message is too long (${chars(input.text.length)} characters). Workroom takes messages of up to ${chars(MAX_TEXT_CHARS)} characters. Nothing was saved.`)
}
