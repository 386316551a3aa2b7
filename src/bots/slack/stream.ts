/**
 * An answer streamed into a Slack assistant thread while the chat model writes it, through the
 * SDK's ChatStreamer (chat.startStream, chat.appendStream, chat.stopStream); Slack shows the text
 * growing in one message. What streams is only the answer's text, already checked (AnswerSink);
 * the rest of the reply (citations, the note, the feedback buttons) goes with chat.stopStream as
 * blocks, so the finished message is the non-streamed reply: the streamed text rendered as the
 * reply's own answer blocks would be, then the same blocks that follow them.
 *
 * When the streamed text turns out not to be the answer (the model failed half way and the
 * passages were quoted instead) or Slack refused a stream call, the message is stopped and
 * replaced with the whole reply (chat.update); nothing streamed at all: the reply is posted once.
 */
import type { ChatStreamer, WebClient } from '@slack/web-api'
import type { AnswerSink } from '../../rag/answer.ts'
import { answerBlocks } from '../../handlers/replies.ts'
import { reply as textReply, type Reply } from '../../handlers/reply.ts'
import type { Logger } from '../../log.ts'
import { escapeMrkdwn, renderBlocks } from './blocks.ts'

/**
 * Characters gathered before each stream call: the SDK's default (256) makes a short answer one
 * call; 96 shows a four-sentence answer grow in a few steps without a call per token (Slack
 * rate-limits chat.appendStream per message).
 */
export const STREAM_BUFFER = 96

export interface SlackAnswerStream extends AnswerSink {
  /** Whether any text went into the stream: answer with finish() then, else as usual. */
  readonly started: boolean
  finish(reply: Reply): Promise<void>
}

export function slackAnswerStream(client: WebClient, to: { channel: string; threadTs: string; team: string; user: string }, logger: Logger): SlackAnswerStream {
  let streamer: ChatStreamer | null = null
  let streamed = ''
  let broken = false
  return {
    get started() { return streamer !== null },
    async append(text) {
      if (broken) return
      try {
        streamer ??= client.chatStream({ channel: to.channel, thread_ts: to.threadTs, recipient_team_id: to.team, recipient_user_id: to.user, buffer_size: STREAM_BUFFER })
        streamed += text
        // Escaped as every other text Workroom sends (blocks.ts): a document quoted by the model
        // cannot become a mention or a link.
        await streamer.append({ markdown_text: escapeMrkdwn(text) })
      } catch (err) {
        // The answer itself goes on; finish() replaces whatever was shown with the whole reply.
        broken = true
        logger.warn({ err, channel: to.channel }, 'Slack answer stream failed; the answer is posted whole')
      }
    },
    async finish(reply) {
      if (!streamer) throw new Error('finish() on a stream that never started')
      const whole = renderBlocks(reply)
      const lead = renderBlocks(textReply(streamed, answerBlocks(streamed))).blocks
      const same = !broken && JSON.stringify(whole.blocks.slice(0, lead.length)) === JSON.stringify(lead)
      if (same) {
        await streamer.stop({ blocks: whole.blocks.slice(lead.length) })
        return
      }
      const stopped = await streamer.stop().then(() => true, () => false)
      if (streamer.ts && stopped) await client.chat.update({ channel: to.channel, ts: streamer.ts, text: whole.text, blocks: whole.blocks })
      else await client.chat.postMessage({ channel: to.channel, thread_ts: to.threadTs, text: whole.text, blocks: whole.blocks })
    },
  }
}
