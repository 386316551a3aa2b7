/**
 * Request body limit of the chat adapters' webhooks (Slack's /slack/events, Teams' /api/messages)
 * and the playground's /playground/send. Teams accepts activities up to about 28 KB and 40 KB
 * requests, Slack's payloads are smaller still, and a playground send is a message of at most a
 * few thousand characters: a bigger body is refused with 413 before anything parses it.
 */
export const MAX_CHAT_BODY_BYTES = 256 * 1024
