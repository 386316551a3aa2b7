import type { Platform } from '../db/identity.ts'

/**
 * One message to the bot, whatever the platform: what each adapter (Bolt, botbuilder, the
 * playground, the CLI) turns its request into. Handlers never see a platform payload.
 */
export interface Inbound {
  platform: Platform
  /** Slack team id, Teams tenant id, the playground's tenant slug. */
  workspaceId: string
  /** Slack Enterprise Grid org id, when the workspace belongs to one: its binding covers its teams. */
  enterpriseId?: string | null
  externalUserId: string
  channelId: string | null
  /** Slack thread_ts or Teams reply-chain id; null outside a thread. */
  threadId: string | null
  /** A slash command and its text, a plain message (mention, DM), a click on a Reply button, or a submitted form. */
  input:
    | { kind: 'command'; command: string; text: string }
    | { kind: 'message'; text: string }
    | { kind: 'action'; actionId: string; payload: string }
    /**
     * A form the platform shows (Slack's Log time modal): its id and each field as the person
     * left it (null when empty). Validated by its handler like any other input.
     */
    | { kind: 'form'; formId: string; fields: Record<string, string | null> }
  /** The platform's delivery id: a retried delivery carries the same one and must not act twice. */
  requestId: string
  /**
   * An e-mail address the platform has verified for this user, for auto-linking; or how to
   * fetch it (Slack's users.info), called only when the user is not linked yet.
   */
  verifiedEmail?: string | null | (() => Promise<string | null>)
}

/** The inputs that are words (a command and its text, a message): what intentOf reads. */
export type TextInput = Extract<Inbound['input'], { kind: 'command' | 'message' }>
