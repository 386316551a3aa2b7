/**
 * What a handler returns: a small tree each bot renders its own way (Block Kit, Adaptive Cards,
 * HTML, plain text). Platform limits (Slack's 50 blocks, Teams' card size) live in the renderers.
 */
export type Block =
  | { type: 'header'; text: string }
  | { type: 'text'; text: string }
  | { type: 'fields'; fields: Array<{ label: string; value: string }> }
  | { type: 'list'; title?: string; items: string[] }
  | { type: 'buttons'; buttons: Button[] }
  | { type: 'citations'; citations: Citation[] }
  | { type: 'context'; text: string }
  | { type: 'divider' }
  /**
   * People to notify by name, e.g. the digest's "no time logged yesterday": each platform renders
   * a real mention where it knows the person's user id there (Slack <@U…>), else the name.
   */
  | { type: 'mentions'; label: string; people: Mention[] }

export interface Mention {
  name: string
  /** The person's user id on the platform the reply goes to; null when they are not linked there. */
  externalId: string | null
}

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
  /** One line that stands for the whole reply: notifications, screen readers, plain-text clients. */
  summary: string
  blocks: Block[]
  /** Ephemeral replies are seen only by the person who asked (Slack); default in-channel. */
  visibility: 'ephemeral' | 'in_channel'
}

export const reply = (summary: string, blocks: Block[] = [{ type: 'text', text: summary }], visibility: Reply['visibility'] = 'ephemeral'): Reply =>
  ({ summary, blocks, visibility })
