// Slack request bodies recorded from Slack's documentation and SDK tests (test/fixtures/slack,
// sources in its README), as Slack posts them and as Bolt's receiver parses them.
import { readFileSync } from 'node:fs'
import { HTTPModuleFunctions, type BufferedIncomingMessage } from '@slack/bolt'

const DIR = new URL('../fixtures/slack/', import.meta.url)

/** Interaction payloads: Slack posts them form-encoded as payload=<JSON>. */
const INTERACTIONS = new Set(['block_actions', 'view_submission', 'view_closed', 'shortcut', 'message_action', 'block_suggestion'])

export interface SlackRequest {
  /** The HTTP body, byte for byte as Slack sends it (what the signature covers). */
  raw: string
  contentType: 'application/json' | 'application/x-www-form-urlencoded'
  /** What Bolt hands the app: the JSON, the form fields, or an interaction's parsed payload. */
  body: Record<string, any>
}

/** The recorded body of test/fixtures/slack/<name>.json or .txt. */
export function slackFixture(name: string): Record<string, any> | string {
  if (name.endsWith('.txt')) return readFileSync(new URL(name, DIR), 'utf8')
  return JSON.parse(readFileSync(new URL(name, DIR), 'utf8')) as Record<string, any>
}

/** A recorded body (or one derived from it) as the HTTP request Slack would send. */
export function asSlackRequest(recorded: Record<string, any> | string): SlackRequest {
  const form = typeof recorded === 'string' || INTERACTIONS.has(recorded.type)
  const raw = typeof recorded === 'string' ? recorded
    : form ? new URLSearchParams({ payload: JSON.stringify(recorded) }).toString() : JSON.stringify(recorded)
  const contentType = form ? 'application/x-www-form-urlencoded' as const : 'application/json' as const
  const body = HTTPModuleFunctions.parseHTTPRequestBody({ rawBody: Buffer.from(raw), headers: { 'content-type': contentType } } as unknown as BufferedIncomingMessage) as Record<string, any>
  return { raw, contentType, body }
}

/** A message event recorded in a channel, as message.im delivers the same message in a DM with the app. */
export function inDm(recorded: Record<string, any>, channel = 'D0DIRECT1'): Record<string, any> {
  return { ...recorded, event: { ...recorded.event, channel, channel_type: 'im' } }
}

/** Every fixture file, for suites that replay them all. */
export const SLACK_FIXTURES = [
  'url_verification.json', 'ssl_check.txt', 'app_rate_limited.json',
  'command_timesheet.txt', 'command_campaign.txt', 'command_ask.txt', 'command_digest.txt', 'command_workroom.txt', 'command_foreign.txt',
  'app_mention.json', 'message_im.json', 'message_im_slackbot.json', 'message_channel_join.json', 'message_bot.json', 'message_bot_message.json',
  'message_changed.json', 'message_deleted.json', 'message_thread_broadcast.json', 'message_file_share.json',
  'block_actions_workroom.json', 'block_actions_foreign.json', 'view_submission.json', 'shortcut_global.json', 'shortcut_message.json',
] as const
