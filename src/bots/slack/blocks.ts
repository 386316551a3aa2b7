/**
 * A Reply as Slack Block Kit. Every piece of document or user text is escaped before it reaches
 * mrkdwn, so it can never become a mention or a link; the reply's strong, code and link spans
 * and quote blocks are written as mrkdwn around the escaped text (Slack reads "&gt; " at a line
 * start as a quote, as it stores quotes people type). Slack has no escape for '*' or '`', so a
 * strong or code span holding one is shown plain rather than broken. Slack rejects a message that breaks
 * a limit, so each one is met here: long text is split into more blocks, labels are shortened
 * with a visible '…', and a payload that cannot fit throws rather than make a broken button.
 * https://docs.slack.dev/reference/block-kit/blocks
 */
import type { ActionsBlock, Button as SlackButton, ContextActionsBlock, ContextBlock, KnownBlock, MrkdwnElement, SectionBlock } from '@slack/types'
import { isBlank, linesOf, writeSpans, type Text } from '../../chat/text.ts'
import { hasPrivate, MAX_BUTTON_PAYLOAD, NUMBERED_HINT, shownButtons, type Block, type Button, type Citation, type Reply } from '../../handlers/reply.ts'

const MAX_BLOCKS = 50
const MAX_TEXT = 3000 // section text, context text, notification text
const MAX_FIELD = 2000
const MAX_FIELDS = 10 // per section
const MAX_HEADER = 150
const MAX_BUTTON_LABEL = 75
const MAX_BUTTONS = 25 // per actions block
const MAX_ACTION_ID = 255
const SNIPPET = 160 // a citation's snippet is a hint, not the passage

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' }

/** Escapes &, < and > for mrkdwn (Slack's only three), so document or user text can never become a mention (<!channel>, <@U…>) or a link. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/[&<>]/g, (c) => ESCAPES[c]!)
}

/** A Block Kit action_id made unique within its block ("timesheet.choose#2"), and back to the Reply's actionId. */
export function blockActionId(actionId: string, index: number): string {
  return `${actionId}#${index}`
}

export function replyActionId(blockActionId: string): string {
  return blockActionId.replace(/#\d+$/, '')
}

/** Shortens to max characters, ending with '…' so the reader sees something was left out. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text
  return `${text.slice(0, cutAt(text, max - 1))}…`
}

/** Where to cut escaped text at most max long without splitting an entity (&amp;) or a surrogate pair. */
function cutAt(text: string, max: number): number {
  let at = max
  const amp = text.lastIndexOf('&', at - 1)
  if (amp >= 0 && amp > at - 5 && /^&(amp|lt|gt);/.test(text.slice(amp, amp + 5)) && text.indexOf(';', amp) >= at) at = amp
  const code = text.charCodeAt(at - 1)
  if (code >= 0xd800 && code <= 0xdbff) at -= 1
  return at
}

/** Escaped mrkdwn in pieces of at most 3,000 characters: whole lines where they fit, hard cuts only inside a longer line. */
function splitText(text: string, max = MAX_TEXT): string[] {
  const out: string[] = []
  let current: string | null = null
  for (let line of text.split('\n')) {
    while (line.length > max) {
      if (current !== null) out.push(current)
      current = null
      const at = cutAt(line, max)
      out.push(line.slice(0, at))
      line = line.slice(at)
    }
    if (current !== null && current.length + 1 + line.length <= max) current += `\n${line}`
    else {
      if (current !== null) out.push(current)
      current = line
    }
  }
  if (current !== null) out.push(current)
  // Slack refuses an empty section; a blank piece only ever held line breaks.
  return out.filter((piece) => piece.trim() !== '')
}

const mrkdwn = (text: string): MrkdwnElement => ({ type: 'mrkdwn', text })
const sections = (escaped: string): SectionBlock[] => splitText(escaped).map((t) => ({ type: 'section', text: mrkdwn(t) }))
const context = (escaped: string): ContextBlock => ({ type: 'context', elements: [mrkdwn(clip(escaped, MAX_TEXT))] })

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** Link text may not contain '|' (it would end the URL) and Slack has no escape for it; '>' is already &gt;. */
const linkText = (text: string) => escapeMrkdwn(text).replace(/\|/g, '∣')

/** An http(s) URL as it may sit inside <…|…>: no raw '|', '<' or '>' (URL serialising encodes the last two). */
function linkUrl(url: string | null): string | null {
  if (!url || !URL.canParse(url)) return null
  const parsed = new URL(url)
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null
  const href = escapeMrkdwn(parsed.href.replace(/\|/g, '%7C'))
  return href.length <= 1000 ? href : null // a link longer than its block is better shown as a title
}

/** Spans as mrkdwn: plain text escaped, strong as *bold*, code as `code`, links as <url|text>. */
export function mrkdwnOf(text: Text): string {
  return writeSpans(text, {
    plain: escapeMrkdwn,
    strong: (s) => (/^[^*\s](?:[^*]*[^*\s])?$/.test(s) ? `*${escapeMrkdwn(s)}*` : escapeMrkdwn(s)),
    code: (s) => (/^[^`\n]+$/.test(s) ? `\`${escapeMrkdwn(s)}\`` : escapeMrkdwn(s)),
    link: (s, url) => {
      const href = linkUrl(url)
      return href ? `<${href}|${linkText(s)}>` : escapeMrkdwn(s)
    },
  })
}

/** Quoted text: each line a mrkdwn quote. */
const quoteOf = (text: Text) => linesOf(text).map((line) => `&gt; ${mrkdwnOf(line)}`).join('\n')

function citationLine(c: Citation): string {
  const title = clip(c.title.replace(/\s+/g, ' ').trim(), 200)
  const url = linkUrl(c.url)
  const source = url ? `<${url}|${linkText(title)}>` : `*${escapeMrkdwn(title)}*`
  const heading = c.heading ? ` › ${escapeMrkdwn(clip(c.heading.split(' › ').at(-1)!, 100))}` : ''
  // Italics end at the next '_' or line break, so neither may stay inside the snippet.
  const snippet = c.snippet.replace(/\s+/g, ' ').replace(/_/g, ' ').trim()
  return `[${c.n}] ${source}${heading}${snippet ? ` _${escapeMrkdwn(clip(snippet, SNIPPET))}_` : ''}`
}

function slackButton(b: Button, index: number): SlackButton {
  const actionId = blockActionId(b.actionId, index)
  // Slack would reject or cut these, and a cut id or payload routes the click nowhere: a bug, not a limit to meet.
  if (b.payload.length > MAX_BUTTON_PAYLOAD) throw new Error(`Button ${b.actionId}: payload is ${b.payload.length} characters, Slack allows ${MAX_BUTTON_PAYLOAD}`)
  if (actionId.length > MAX_ACTION_ID) throw new Error(`Button ${b.actionId}: action id is longer than Slack's ${MAX_ACTION_ID} characters`)
  return {
    type: 'button',
    text: { type: 'plain_text', text: clip(b.label, MAX_BUTTON_LABEL), emoji: true },
    action_id: actionId,
    ...(b.payload ? { value: b.payload } : {}),
    ...(b.style ? { style: b.style } : {}),
  }
}

/** The Reply's action id of an answer's 👍 / 👎 pair (payloads "<ai_messages id>:1" and ":-1"). */
export const FEEDBACK_ACTION = 'answer.feedback'

/**
 * An answer's 👍 / 👎 as Slack's own feedback buttons (a context_actions block, as Slack's AI apps
 * show them under a reply) rather than two plain buttons; null for any other buttons. A click
 * comes back as a block action of type feedback_buttons with the clicked button's value.
 */
function feedbackButtons(b: Extract<Block, { type: 'buttons' }>, index: number): ContextActionsBlock | null {
  const [up, down, ...rest] = b.buttons
  if (rest.length || !up || !down || b.numbered || up.actionId !== FEEDBACK_ACTION || down.actionId !== FEEDBACK_ACTION) return null
  if (!up.payload.endsWith(':1') || !down.payload.endsWith(':-1')) return null
  for (const btn of [up, down]) if (btn.payload.length > MAX_BUTTON_PAYLOAD) throw new Error(`Button ${btn.actionId}: payload is ${btn.payload.length} characters, Slack allows ${MAX_BUTTON_PAYLOAD}`)
  return {
    type: 'context_actions',
    elements: [{
      type: 'feedback_buttons', action_id: blockActionId(FEEDBACK_ACTION, index),
      positive_button: { text: { type: 'plain_text', text: '👍' }, accessibility_label: 'This answer was helpful', value: up.payload },
      negative_button: { text: { type: 'plain_text', text: '👎' }, accessibility_label: 'This answer was not helpful', value: down.payload },
    }],
  }
}

/** Block Kit blocks for a Reply, within Slack's limits, plus the fallback text for notifications. */
export function renderBlocks(reply: Reply): { text: string; blocks: KnownBlock[] } {
  let buttonIndex = 0 // across the message, so action ids are unique in it, not just in one block
  const render = (b: Block): KnownBlock[] => {
    switch (b.type) {
      case 'header':
        return b.text.trim() ? [{ type: 'header', text: { type: 'plain_text', text: clip(b.text, MAX_HEADER), emoji: true } }] : []
      case 'text':
        return sections(mrkdwnOf(b.text))
      case 'quote':
        return sections(quoteOf(b.text))
      case 'fields':
        return chunk(b.fields, MAX_FIELDS).map((fields): SectionBlock => ({
          type: 'section',
          fields: fields.map((f) => mrkdwn(clip(`*${escapeMrkdwn(f.label)}*\n${escapeMrkdwn(f.value)}`, MAX_FIELD))),
        }))
      case 'list':
        return sections([...(b.title ? [`*${escapeMrkdwn(b.title)}*`] : []), ...b.items.map((i) => `• ${mrkdwnOf(i)}`)].join('\n'))
      case 'buttons': {
        const feedback = feedbackButtons(b, buttonIndex)
        if (feedback) {
          buttonIndex += 1
          return [feedback]
        }
        const buttons = shownButtons(b).filter((btn) => btn.label.trim()).map((btn) => slackButton(btn, buttonIndex++))
        return [
          ...chunk(buttons, MAX_BUTTONS).map((elements): ActionsBlock => ({ type: 'actions', elements })),
          ...(b.numbered && buttons.length ? [context(NUMBERED_HINT)] : []),
        ]
      }
      case 'citations':
        return sections(b.citations.map(citationLine).join('\n'))
      case 'context':
        return isBlank(b.text) ? [] : [context(mrkdwnOf(b.text))]
      case 'divider':
        return [{ type: 'divider' }]
      case 'mentions':
        // Slack user ids are [A-Z0-9]; anything else is not one and is shown as the name.
        return b.people.length === 0 ? [] : sections(`${escapeMrkdwn(b.label)} ${b.people
          .map((p) => (p.externalId && /^[UW][A-Z0-9]{2,}$/.test(p.externalId) ? `<@${p.externalId}>` : escapeMrkdwn(p.name))).join(', ')}`)
    }
  }
  const all = reply.blocks.flatMap(render)
  const blocks = all.length <= MAX_BLOCKS ? all : [
    ...all.slice(0, MAX_BLOCKS - 1),
    context(`…${all.length - (MAX_BLOCKS - 1)} more blocks not shown; ask in the Workroom playground or narrow the request.`),
  ]
  return { text: clip(escapeMrkdwn(reply.summary), MAX_TEXT), blocks }
}

/**
 * Where a Slack reply would be seen: 'shared' by others (a channel, a group DM, the channel a
 * slash command or button was used in), 'dm' by the asker and the bot alone (their IM with
 * Workroom, channel_type 'im').
 */
export type SlackPlace = 'shared' | 'dm'

/**
 * Who may see a reply in that place: a reply with private content (money) is ephemeral wherever
 * others would see it, whatever the handler asked for; the rest as the handler asked. Every
 * delivery path of the app goes through this, so no handler can put figures in a channel.
 */
export function slackVisibility(reply: Reply, place: SlackPlace): Reply['visibility'] {
  return place === 'shared' && hasPrivate(reply) ? 'ephemeral' : reply.visibility
}
