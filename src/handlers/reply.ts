import { plain, type Text } from '../chat/text.ts'

/**
 * What a handler returns: a small tree each bot renders its own way (Block Kit, Adaptive Cards,
 * HTML, plain text). Text is structured spans (src/chat/text.ts), never a platform's markup.
 * Platform limits (Slack's 50 blocks, Teams' card size) live in the renderers.
 */
export type Block = (
  | { type: 'header'; text: string }
  | { type: 'text'; text: Text }
  /** Words quoted from a source (a document's sentence), set apart from the reply's own. */
  | { type: 'quote'; text: Text }
  | { type: 'fields'; fields: Field[] }
  | { type: 'list'; title?: string; items: Text[] }
  /**
   * numbered: choices (which campaign did you mean?) that the person may also pick by replying with
   * a choice's number, on every platform: renderers show the numbers, converse() remembers the offer.
   */
  | { type: 'buttons'; buttons: Button[]; numbered?: true }
  | { type: 'citations'; citations: Citation[] }
  | { type: 'context'; text: Text }
  | { type: 'divider' }
  /**
   * People to notify by name, e.g. the digest's "no time logged yesterday": each platform renders
   * a real mention where it knows the person's user id there (Slack <@U…>), else the name.
   */
  | { type: 'mentions'; label: string; people: Mention[] }
) & Private

/**
 * Content only the person who asked may read: money (rates, costs, budgets, margins, fees). The
 * database decides who may read it at all (agency.campaign_financials); but a reply posted where
 * others read it (a Slack channel, a Teams channel or group chat) would show it to all of them.
 * The handler that produces such content marks it; delivery, not each handler, keeps a reply
 * that holds any of it out of public places (Slack: ephemeral; Teams: the person's 1:1 chat).
 */
export interface Private {
  private?: true
}

export interface Field extends Private {
  label: string
  value: string
}

export interface Mention {
  name: string
  /** The person's user id on the platform the reply goes to; null when they are not linked there. */
  externalId: string | null
}

/**
 * The most a button's payload may hold on every platform: Slack's button value and what Teams
 * brings back of an Action.Submit's data are both 2,000 characters. Renderers refuse more (a cut
 * payload would route the click nowhere); handlers offer no button that would not fit.
 */
export const MAX_BUTTON_PAYLOAD = 2000

export interface Button {
  label: string
  /** Stable id the adapter routes the click back with, e.g. 'timesheet.choose'. */
  actionId: string
  /** Opaque to the bot; the handler gets it back on click. */
  payload: string
  style?: 'primary' | 'danger'
}

export interface Citation {
  n: number
  title: string
  url: string | null
  snippet: string
  /** The cited passage: the playground links to it; other renderers may ignore it. */
  chunkId?: string
  heading?: string | null
}

export interface Reply {
  /**
   * One line that stands for the whole reply: notifications, screen readers, plain-text clients.
   * It goes wherever the reply goes, so it may carry what the blocks carry (it is the first line
   * of an answer); a notice standing in for a private reply never uses it.
   */
  summary: string
  blocks: Block[]
  /**
   * Ephemeral replies are seen only by the person who asked (Slack); default in-channel. A reply
   * with private content is only ever shown to the asker, whatever this says (hasPrivate).
   */
  visibility: 'ephemeral' | 'in_channel'
  /** What the reply is about, in a few words ("Aurora Air Spring Launch"): a notice that stands in for a private reply names it. */
  subject?: string
  /**
   * The answer to a submitted form that is refused: what is wrong, by field name, for the
   * platform to show beside each field (Slack's response_action: errors). Nothing was saved.
   */
  fieldErrors?: Record<string, string>
  /** Set on the apology for a handler that failed: why, for the inbox's bookkeeping. Never shown. */
  failed?: string
}

/** A reply whose summary is the message's words; by default the message is its only block. */
export const reply = (message: Text, blocks: Block[] = [{ type: 'text', text: message }], visibility: Reply['visibility'] = 'ephemeral'): Reply =>
  ({ summary: plain(message), blocks, visibility })

/** Whether any block or field of the reply is private: such a reply is only for the person who asked. */
export function hasPrivate(reply: Reply): boolean {
  return reply.blocks.some((b) => b.private === true || (b.type === 'fields' && b.fields.some((f) => f.private === true)))
}

/** A reply with private content on its way to a place others read: a bug in delivery, never sent. */
export class PrivateContentInPublic extends Error {
  constructor(where: string, reply: Reply) {
    super(`refusing to post private content (${JSON.stringify(reply.summary)}) to ${where}`)
    this.name = 'PrivateContentInPublic'
  }
}

/** For paths that can only post publicly (a digest to a channel): throws rather than show private content there. */
export function assertShareable(reply: Reply, where: string): Reply {
  if (hasPrivate(reply)) throw new PrivateContentInPublic(where, reply)
  return reply
}

/** A buttons block's buttons as shown: numbered choices read "1 · Aurora Air Spring Launch (AUR-01)". */
export const shownButtons = (b: Extract<Block, { type: 'buttons' }>): Button[] =>
  b.numbered ? b.buttons.map((btn, i) => ({ ...btn, label: `${i + 1} · ${btn.label}` })) : b.buttons

/** Under numbered choices, on the platforms where a number is typed rather than pressed. */
export const NUMBERED_HINT = 'Click one, or reply with its number.'
