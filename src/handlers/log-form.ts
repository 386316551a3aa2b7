/**
 * The Log time form (Slack's modal; any platform's form with the same fields): a campaign picked
 * by id from the person's visible campaigns, hours, a date, billable, a note. Submitted through
 * converse() like any other input and logged by logTime, as `/timesheet` logs, with the same
 * idempotency (the form's request id is the entry's external_ref) and the same refusals. What is
 * wrong is answered per field (Reply.fieldErrors), so the form can show it beside the field and
 * the person fixes it in place; nothing is written then.
 */
import type { RunAs } from '../db/actor.ts'
import type { LinkedActor } from '../db/identity.ts'
import { HOURS, loggableHours, MAX_TEXT_CHARS, payloadText, rowId } from './input-limits.ts'
import { logReply } from './replies.ts'
import { reply, type Reply } from './reply.ts'
import { logSettled } from './router.ts'
import { parseDuration } from './timesheet-parse.ts'
import { logTime, type LogContext, type LogResult } from './timesheet.ts'

export const LOG_FORM = 'timesheet.log'

/** The form's fields by name: each platform's form uses these names (Slack: block and action ids). */
export const LOG_FORM_FIELDS = ['campaign', 'hours', 'date', 'billable', 'note'] as const
export type LogFormField = typeof LOG_FORM_FIELDS[number]

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/

const refused = (errors: Partial<Record<LogFormField, string>>): Reply => {
  const first = Object.values(errors)[0] ?? 'Please check the form.'
  return { ...reply(`Nothing was logged: ${first}`), fieldErrors: errors }
}

/** What the form holds, checked field by field; every problem at once, so the person fixes them together. */
function readForm(fields: Record<string, string | null>) {
  const errors: Partial<Record<LogFormField, string>> = {}
  const campaign = fields.campaign?.trim() || null
  if (!campaign) errors.campaign = 'Pick a campaign.'
  else if (!rowId.safeParse(campaign).success) errors.campaign = 'Pick a campaign from the list.'
  const typed = fields.hours?.trim() ?? ''
  // The same reading as /timesheet ("1h30", "90m", "half a day", rounded to the quarter hour); a
  // bare number, which in a message is not a duration, is hours in a field called Hours.
  const hours = typed ? parseDuration(/^\d+(?:[.,]\d+)?$/.test(typed) ? `${typed.replace(',', '.')}h` : typed) : null
  if (!typed) errors.hours = 'How many hours? e.g. 1.5 or 1h30.'
  else if (hours === null || !Number.isFinite(hours)) errors.hours = `"${typed.slice(0, 40)}" isn't a number of hours: write e.g. 1.5 or 1h30.`
  else if (hours <= 0) errors.hours = `Log at least a quarter of an hour (${HOURS.step}).`
  else if (hours > HOURS.max) errors.hours = `A day holds ${HOURS.max} hours at most.`
  else if (!loggableHours.safeParse(hours).success) errors.hours = 'Hours are logged in quarter hours: e.g. 1.25, 1.5 or 1.75.'
  const date = fields.date?.trim() ?? ''
  if (!ISO_DATE.test(date)) errors.date = 'Pick a date.'
  const note = fields.note?.trim() || null
  if (note !== null && !payloadText.safeParse(note).success) errors.note = `A note holds up to ${MAX_TEXT_CHARS.toLocaleString('en')} characters.`
  if (Object.keys(errors).length > 0) return { errors, entry: null }
  return { errors: null, entry: { campaignId: campaign!, hours: hours!, date, note, billable: fields.billable === 'true' } }
}

/** A refusal of logTime, beside the field it is about; anything else is the reply /timesheet gives. */
function formReply(r: LogResult): Reply {
  const said = () => logReply(r).summary
  switch (r.kind) {
    case 'unknown_campaign':
      return refused({ campaign: "That campaign isn't one you can log time to (any more). Pick another." })
    case 'inactive_campaign':
    case 'outside_campaign_dates':
      return refused({ campaign: said() })
    case 'future_date':
    case 'locked_period':
      return refused({ date: said() })
    case 'day_over_24':
      return refused({ hours: said() })
    case 'long_day':
      // The form has no "log it anyway" step: /timesheet asks, and its button logs exactly that.
      return refused({ hours: `${said().replace(/ Log it anyway\?$/, '')} Lower the hours, or log it with /timesheet, which asks you to confirm.` })
    default:
      return logReply(r)
  }
}

/** Logs what the form holds, as the person, through logTime; or says, per field, why not. */
export async function submitForm(run: RunAs, who: LinkedActor, form: { formId: string; fields: Record<string, string | null> }, ctx: LogContext): Promise<Reply> {
  if (form.formId !== LOG_FORM) return reply("I don't know that form any more. Please open it again.")
  const read = readForm(form.fields)
  if (read.errors) return refused(read.errors)
  const { campaignId, hours, date, note, billable } = read.entry!
  return logSettled(() => run((trx) =>
    logTime(trx, who, { campaignId, campaignQuery: 'that campaign', hours, date, note, billable, phase: null }, ctx)), formReply)
}
