/** The embedding and answer providers the configuration asks for. */
import { ConsecutiveBreaker, circuitBreaker, handleAll, type CircuitBreakerPolicy } from 'cockatiel'
import { ragProviders, type Config } from '../config.ts'
import { openaiChat, type ChatModel } from './answer.ts'
import { HashingEmbedder, OpenAIEmbedder, openaiClient, type Embedder } from './embed.ts'

export interface KnowledgeProviders {
  embedder: Embedder
  /** Null: extractive answers only. */
  chat: ChatModel | null
}

export const OFFLINE_PROVIDERS: KnowledgeProviders = { embedder: new HashingEmbedder(), chat: null }

export function providersFromConfig(config: Config): KnowledgeProviders {
  const chosen = ragProviders(config)
  const client = chosen.embeddings === 'openai' || chosen.answers === 'openai'
    ? openaiClient({ apiKey: config.OPENAI_API_KEY, baseURL: config.OPENAI_BASE_URL, timeoutMs: config.OPENAI_TIMEOUT_MS, maxRetries: config.OPENAI_MAX_RETRIES })
    : null
  return withBreakers({
    embedder: chosen.embeddings === 'openai' ? new OpenAIEmbedder(client!, config.OPENAI_EMBEDDING_MODEL) : new HashingEmbedder(),
    chat: chosen.answers === 'openai' ? openaiChat(client!, config.OPENAI_CHAT_MODEL) : null,
  })
}

/**
 * A circuit breaker (cockatiel) in front of each remote provider: after `failures` calls in a row
 * fail (each already retried by the SDK and bounded by its timeout), calls fail at once for
 * `cooldownMs`, then one is let through to test the service. While it is open, questions get the
 * offline fallbacks (quoted passages; keyword search) immediately instead of every asker waiting
 * out the timeouts of a service that is down. The offline providers need none.
 */
export function withBreakers(p: KnowledgeProviders, options: { failures?: number; cooldownMs?: number } = {}): KnowledgeProviders {
  const breaker = () => circuitBreaker(handleAll, { halfOpenAfter: options.cooldownMs ?? 30_000, breaker: new ConsecutiveBreaker(options.failures ?? 3) })
  const guard = <T>(policy: CircuitBreakerPolicy, fn: () => Promise<T>) => policy.execute(fn)
  let embedder = p.embedder
  if (!(p.embedder instanceof HashingEmbedder)) {
    const inner = p.embedder
    const policy = breaker()
    embedder = { model: inner.model, embed: (texts) => guard(policy, () => inner.embed(texts)) }
  }
  let chat = p.chat
  if (p.chat) {
    const inner = p.chat
    const policy = breaker()
    chat = {
      model: inner.model,
      complete: (messages) => guard(policy, () => inner.complete(messages)),
      ...(inner.stream ? { stream: (messages, onDelta) => guard(policy, () => inner.stream!(messages, onDelta)) } satisfies Pick<ChatModel, 'stream'> : {}),
    }
  }
  return { embedder, chat }
}

/** One line for start-up output: which providers answer questions. */
export const describeProviders = (p: KnowledgeProviders) =>
  `embeddings ${p.embedder.model}${p.embedder instanceof HashingEmbedder ? ' (offline)' : ''}, answers ${p.chat ? p.chat.model : 'extractive (offline)'}`
