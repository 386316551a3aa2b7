/** The embedding and answer providers the configuration asks for. */
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
  return {
    embedder: chosen.embeddings === 'openai' ? new OpenAIEmbedder(client!, config.OPENAI_EMBEDDING_MODEL) : new HashingEmbedder(),
    chat: chosen.answers === 'openai' ? openaiChat(client!, config.OPENAI_CHAT_MODEL) : null,
  }
}

/** One line for start-up output: which providers answer questions. */
export const describeProviders = (p: KnowledgeProviders) =>
  `embeddings ${p.embedder.model}${p.embedder instanceof HashingEmbedder ? ' (offline)' : ''}, answers ${p.chat ? p.chat.model : 'extractive (offline)'}`
