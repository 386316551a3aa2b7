/**
 * Request body limit of the chat adapters' webhooks (Slack's /slack/events, Teams' /api/messages).
 * Teams accepts activities up to about 28 KB and 40 KB requests, Slack's payloads are smaller
 * still: a bigger body is not a chat platform's, and is refused with 413 before anything parses it.
 */
export const MAX_CHAT_BODY_BYTES = 256 * 1024
