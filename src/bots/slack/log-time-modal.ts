/**
 * Slack's Log time modal and how it is opened: the App Home's "Log time" button, and the message
 * shortcut "Log time for this" (the note prefilled from the message, its campaign preselected
 * when the message names one). The campaign picker is an external_select whose options
 * (block_suggestion) come from the SQL shortlist, read as the person: a static_select would
 * have to carry every visible campaign in the view (a pm sees the whole agency's, past Slack's
 * 100 options) and go stale while the modal is open.
 *
 * The submission (view_submission, callback id `log_time`) is an Inbound like any other
 * (logTimeSubmission, called by slackToInbound): app.ts records it in the inbox and runs it
 * through converse, and its reply is the modal's answer (submissionAck).
 */
import type { App, BlockSuggestion, MessageShortcut } from '@slack/bolt'
import type { KnownBlock, ModalView, Option, PlainTextOption, View } from '@slack/types'
import type { WebClient } from '@slack/web-api'
import { identify, localDate, type Asker, type ConverseDeps } from '../../chat/converse.ts'
import { runAs } from '../../db/actor.ts'
import type { LinkedActor } from '../../db/identity.ts'
import { campaignNamedIn, campaignOptions, type CampaignCandidate } from '../../handlers/campaign-match.ts'
import type { Inbound } from '../../handlers/inbound.ts'
import { MAX_TEXT_CHARS } from '../../handlers/input-limits.ts'
import { LOG_FORM, LOG_FORM_FIELDS } from '../../handlers/log-form.ts'
import type { Reply } from '../../handlers/reply.ts'
import type { Logger } from '../../log.ts'
import { renderBlocks } from './blocks.ts'

export const LOG_TIME_VIEW = 'log_time'
export const LOG_TIME_BUTTON = 'home.log_time'
export const LOG_TIME_SHORTCUT = 'log_time_for_message'

const MAX_OPTION_TEXT = 75
const MAX_INPUT_CHARS = 3000 // plain_text_input's max_length

/** What the modal remembers between opening and submission (private_metadata). */
interface Opened {
  /** Where it was opened: the Home tab is published again after a submission from it. */
  from: 'home' | 'message'
}

const plainText = (text: string) => ({ type: 'plain_text' as const, text, emoji: false })
const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`)

export const campaignOption = (c: Pick<CampaignCandidate, 'id' | 'name' | 'code'>): PlainTextOption =>
  ({ text: plainText(clip(`${c.name} · ${c.code}`, MAX_OPTION_TEXT)), value: c.id })

/** The modal: campaign (searched as typed), hours, date (today in the person's zone), billable (on), note. */
export function logTimeModal(options: { today: string; from: Opened['from']; campaign?: CampaignCandidate | null; note?: string | null }): ModalView {
  const note = options.note ? clip(options.note, Math.min(MAX_INPUT_CHARS, MAX_TEXT_CHARS)) : null
  const billable = { text: plainText('Billable to the client'), value: 'billable' }
  const blocks: KnownBlock[] = [
    {
      type: 'input', block_id: 'campaign', label: plainText('Campaign'),
      element: {
        type: 'external_select', action_id: 'campaign', placeholder: plainText('Type a campaign, client or code'), min_query_length: 0,
        ...(options.campaign ? { initial_option: campaignOption(options.campaign) } : {}),
      },
    },
    { type: 'input', block_id: 'hours', label: plainText('Hours'), hint: plainText('e.g. 1.5, 1h30 or 45m'), element: { type: 'plain_text_input', action_id: 'hours', placeholder: plainText('1.5') } },
    { type: 'input', block_id: 'date', label: plainText('Date'), element: { type: 'datepicker', action_id: 'date', initial_date: options.today } },
    {
      type: 'input', block_id: 'billable', label: plainText('Billable'), optional: true,
      element: { type: 'checkboxes', action_id: 'billable', options: [billable], initial_options: [billable] },
    },
    {
      type: 'input', block_id: 'note', label: plainText('Note'), optional: true,
      element: { type: 'plain_text_input', action_id: 'note', multiline: true, max_length: MAX_INPUT_CHARS, ...(note ? { initial_value: note } : {}) },
    },
  ]
  return {
    type: 'modal', callback_id: LOG_TIME_VIEW, title: plainText('Log time'), submit: plainText('Log'), close: plainText('Cancel'),
    private_metadata: JSON.stringify({ from: options.from } satisfies Opened), blocks,
  }
}

/** A modal that only says something (the person is not linked; what was logged). */
export function messageModal(reply: Reply, title = 'Log time'): ModalView {
  // Buttons in a modal would come back without a message to answer in: the words only.
  const blocks = renderBlocks(reply).blocks.filter((b) => b.type !== 'actions')
  return { type: 'modal', title: plainText(title), close: plainText('Close'), blocks }
}

/** The answer to a submission: the fields' errors (the modal stays open), or the modal replaced by what was logged. */
export function submissionAck(reply: Reply): { response_action: 'errors'; errors: Record<string, string> } | { response_action: 'update'; view: View } {
  if (reply.fieldErrors && Object.keys(reply.fieldErrors).length > 0) {
    // Block ids are the field names (logTimeModal).
    return { response_action: 'errors', errors: { ...reply.fieldErrors } }
  }
  return { response_action: 'update', view: messageModal(reply) }
}

/** Where the submitted modal was opened, from its private_metadata. */
export function openedFrom(view: { private_metadata?: string } | undefined): Opened['from'] | null {
  try {
    const parsed = JSON.parse(view?.private_metadata ?? '') as Partial<Opened>
    return parsed.from === 'home' || parsed.from === 'message' ? parsed.from : null
  } catch {
    return null
  }
}

interface ViewState { values?: Record<string, Record<string, { type?: string; value?: string | null; selected_option?: Option | null; selected_date?: string | null; selected_options?: Option[] }>> }

/**
 * A view_submission of the Log time modal as an Inbound (its fields by name), or null when the
 * body is another view's or lacks what Workroom needs. The request id names the view: a view that
 * logged once never logs again, however often it is submitted (a retry, a second click after a
 * slow answer); after refused fields nothing was written, so the corrected submission logs.
 */
export function logTimeSubmission(body: Record<string, unknown>): Inbound | { ignore: string } | null {
  const view = body.view as { id?: string; callback_id?: string; state?: ViewState } | undefined
  if (view?.callback_id !== LOG_TIME_VIEW) return null
  const user = body.user as { id?: string; team_id?: string } | undefined
  const team = body.team as { id?: string; enterprise_id?: string } | null | undefined
  const enterprise = body.enterprise as { id?: string } | null | undefined
  const workspace = team?.id ?? user?.team_id
  if (!view.id || !user?.id || !workspace) return { ignore: 'a Log time submission without its view, user or team' }
  const values = view.state?.values ?? {}
  const field = (name: string) => values[name]?.[name]
  const fields: Record<string, string | null> = {}
  for (const name of LOG_FORM_FIELDS) {
    const v = field(name)
    fields[name] = name === 'campaign' ? v?.selected_option?.value ?? null
      : name === 'date' ? v?.selected_date ?? null
        : name === 'billable' ? String((v?.selected_options ?? []).some((o) => o.value === 'billable'))
          : v?.value ?? null
  }
  return {
    platform: 'slack', workspaceId: workspace, enterpriseId: enterprise?.id ?? team?.enterprise_id ?? null, externalUserId: user.id,
    channelId: null, threadId: null, requestId: `view:${view.id}`, input: { kind: 'form', formId: LOG_FORM, fields },
  }
}

/** The Slack requests that open, fill or show Workroom's modal and home (the catch-all lets them through to their listeners). */
export function isWorkroomSurface(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false
  const b = body as { type?: unknown; event?: { type?: unknown }; callback_id?: unknown; actions?: Array<{ action_id?: unknown }>; view?: { callback_id?: unknown } }
  if (b.type === 'event_callback') return b.event?.type === 'app_home_opened'
  if (b.type === 'message_action') return b.callback_id === LOG_TIME_SHORTCUT
  if (b.type === 'block_suggestion') return b.view?.callback_id === LOG_TIME_VIEW
  if (b.type === 'block_actions') return b.actions?.[0]?.action_id === LOG_TIME_BUTTON
  return false
}

/** The text of a Slack message as a note: mentions, channels and links as people read them. */
export function noteFromMessage(text: string): string {
  return text
    .replace(/<([@#!])[^|>]*\|([^>]+)>/g, (_, sigil: string, label: string) => `${sigil === '!' ? '@' : sigil}${label}`)
    .replace(/<@([A-Z0-9]+)>/g, '@$1').replace(/<#([A-Z0-9]+)>/g, '#$1').replace(/<!(\w+)>/g, '@$1')
    .replace(/<([^|>]+)\|([^>]+)>/g, '$2').replace(/<([^>]+)>/g, '$1')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
    .trim()
}

export interface SurfaceDeps {
  router: ConverseDeps
  logger: Logger
  /** The confirmed e-mail of a Slack user, for auto-linking (users.info), as for messages. */
  verifiedEmail: (client: WebClient, asker: Omit<Asker, 'verifiedEmail'>) => () => Promise<string | null>
  /** Work after the ack, tracked for drain() and logged when it fails. */
  track: (work: () => Promise<unknown>) => void
}

type Who = { who: LinkedActor } | { refused: Reply }

/** The person behind a Slack user, as every turn resolves them. */
export const slackAsker = (deps: SurfaceDeps, client: WebClient, ids: { team: string; enterprise: string | null; user: string }): Promise<Who> => {
  const asker = { platform: 'slack' as const, workspaceId: ids.team, enterpriseId: ids.enterprise, externalUserId: ids.user }
  return identify(deps.router, { ...asker, verifiedEmail: deps.verifiedEmail(client, asker) })
}

/** Opens the modal for a trigger (valid for 3 seconds): the form for a linked person, else why not. */
async function openModal(deps: SurfaceDeps, client: WebClient, triggerId: string, identified: Who, build: (who: LinkedActor, today: string) => Promise<ModalView>) {
  const view = 'refused' in identified ? messageModal(identified.refused) : await build(identified.who, localDate(deps.router.now(), identified.who.timezone))
  await client.views.open({ trigger_id: triggerId, view })
}

export function registerLogTime(app: App, deps: SurfaceDeps): void {
  // The Home tab's button: the empty form.
  app.action(LOG_TIME_BUTTON, async ({ ack, body, client }) => {
    await ack()
    const b = body as { trigger_id?: string; user: { id: string; team_id?: string }; team?: { id: string; enterprise_id?: string } | null }
    if (!b.trigger_id) return
    deps.track(async () => {
      const identified = await slackAsker(deps, client, { team: b.team?.id ?? b.user.team_id ?? '', enterprise: b.team?.enterprise_id ?? null, user: b.user.id })
      await openModal(deps, client, b.trigger_id!, identified, async (_who, today) => logTimeModal({ today, from: 'home' }))
    })
  })

  // "Log time for this" on a message: the note is the message, the campaign the one it names.
  app.shortcut<MessageShortcut>(LOG_TIME_SHORTCUT, async ({ ack, shortcut, client }) => {
    await ack()
    deps.track(async () => {
      const identified = await slackAsker(deps, client, { team: shortcut.team?.id ?? shortcut.user.team_id ?? '', enterprise: shortcut.team?.enterprise_id ?? null, user: shortcut.user.id })
      const note = noteFromMessage(shortcut.message.text ?? '')
      await openModal(deps, client, shortcut.trigger_id, identified, async (who, today) => {
        const campaign = note ? await runAs(deps.router.db, who)((trx) => campaignNamedIn(trx, note)) : null
        return logTimeModal({ today, from: 'message', campaign, note })
      })
    })
  })

  // The campaign picker's options, for what has been typed: the person's loggable campaigns.
  app.options<'block_suggestion'>({ action_id: 'campaign' }, async ({ ack, body, client }) => {
    const b = body as BlockSuggestion
    try {
      const identified = await slackAsker(deps, client, { team: b.team?.id ?? b.user.team_id ?? '', enterprise: b.team?.enterprise_id ?? null, user: b.user.id })
      if ('refused' in identified) return await ack({ options: [] })
      const found = await runAs(deps.router.db, identified.who)((trx) => campaignOptions(trx, b.value ?? ''))
      await ack({ options: found.map(campaignOption) })
    } catch (err) {
      deps.logger.error({ err }, 'Log time: campaign options failed')
      await ack({ options: [] })
    }
  })
}
