/**
 * Embedding providers. Every vector is 1536-dimensional (the column's width) and carries the name
 * of the model that made it: vectors of different models are never compared (retrieval filters
 * on embedding_model), so switching provider means re-ingesting, which `workroom ingest` does by
 * itself because a document embedded by another model is not "unchanged".
 */
import OpenAI from 'openai'
import { stemmer } from 'stemmer'
import { eng as STOPWORDS } from 'stopword'

export const EMBEDDING_DIMENSIONS = 1536

export interface Embedder {
  /** Stored on every chunk and used as the retrieval filter. */
  readonly model: string
  embed(texts: string[]): Promise<number[][]>
}

// ---------------------------------------------------------------------------------------------
// Offline: feature hashing. No network, no model file, deterministic across machines and runs.

/** Question words and chat filler the stopword package's list leaves in. */
const EXTRA_STOPWORDS = ['when', 'does', 'doing', 'tell', 'please', 'whats', 'anyone', 'know', 'need', 'want', 'i’m', "i'm", 'we’re']
const STOP = new Set([...STOPWORDS, ...EXTRA_STOPWORDS])
// Words, numbers with inner separators kept whole ("0.25", "60,000", "PO-NW-20418" → po, nw, 20418).
const WORD = /[\p{L}\p{N}]+(?:[.,'’][\p{L}\p{N}]+)*/gu

/** The terms a text is made of: lower-cased, accents folded, stop words dropped, stemmed. */
export function terms(text: string): string[] {
  const folded = text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase()
  const out: string[] = []
  for (const [word] of folded.matchAll(WORD)) {
    let w = word.replace(/[’']s$/, '').replace(/,/g, '')
    if (STOP.has(w)) continue
    // "10k" and "£10,000" are the same amount.
    const amount = w.match(/^(\d+(?:\.\d+)?)(k|m|bn)$/)
    if (amount) w = String(Math.round(Number(amount[1]) * { k: 1e3, m: 1e6, bn: 1e9 }[amount[2] as 'k' | 'm' | 'bn']))
    out.push(/^\p{L}+$/u.test(w) ? stemmer(w) : w)
  }
  return out
}

/**
 * 32-bit FNV-1a. Hand-written: five lines, and the one property we need (the same string gives
 * the same bucket on every machine, forever) rules out anything seeded per process.
 */
function fnv1a(s: string, seed = 0x811c9dc5): number {
  let h = seed
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/**
 * Bag of stemmed words (weight 1), adjacent-word pairs (0.6, phrases such as "payment run") and
 * character trigrams of each word (0.25 spread over the trigrams, so "utilisation" still meets
 * "utilization" and typos half-match), hashed into 1536 signed buckets with sublinear term
 * frequency, then L2-normalised so the dot product is the cosine. A lexical embedder: it finds
 * passages sharing words with the question, which full-text search then corroborates.
 */
export class HashingEmbedder implements Embedder {
  readonly model = 'workroom-hashing-v1'

  async embed(texts: string[]): Promise<number[][]> {
    return texts.map((t) => this.vector(t))
  }

  vector(text: string): number[] {
    const features = new Map<string, number>()
    const add = (f: string, w: number) => features.set(f, (features.get(f) ?? 0) + w)
    const ts = terms(text)
    ts.forEach((t, i) => {
      add(`w:${t}`, 1)
      if (i > 0) add(`b:${ts[i - 1]} ${t}`, 0.6)
      const padded = `^${t}$`
      if (padded.length > 4) {
        const n = padded.length - 2
        for (let j = 0; j < n; j++) add(`c:${padded.slice(j, j + 3)}`, 0.25 / Math.sqrt(n))
      }
    })
    const v = new Array<number>(EMBEDDING_DIMENSIONS).fill(0)
    for (const [f, w] of features) {
      const h = fnv1a(f)
      const sign = fnv1a(f, 0x9747b28c) & 1 ? 1 : -1
      v[h % EMBEDDING_DIMENSIONS]! += sign * (w > 1 ? 1 + Math.log(w) : w)
    }
    const norm = Math.hypot(...v)
    // A text with no terms at all ("?", "the") still needs a valid vector: cosine over a zero vector is NaN.
    if (norm === 0) return v.map((_, i) => (i === 0 ? 1 : 0))
    return v.map((x) => x / norm)
  }
}

// ---------------------------------------------------------------------------------------------
// OpenAI (or any server speaking its embeddings API).

export interface OpenAISettings {
  apiKey: string | undefined
  baseURL: string | undefined
  timeoutMs: number
  maxRetries: number
}

/** The SDK retries 429 and 5xx with exponential back-off (honouring Retry-After) and times out each attempt. */
export function openaiClient(s: OpenAISettings): OpenAI {
  return new OpenAI({ apiKey: s.apiKey ?? 'not-needed', baseURL: s.baseURL, timeout: s.timeoutMs, maxRetries: s.maxRetries })
}

export class OpenAIEmbedder implements Embedder {
  /** Inputs per request: well inside the API's 2,048 and its 300k tokens per request at ≤ 800 tokens a chunk. */
  static readonly BATCH = 128

  constructor(private readonly client: OpenAI, readonly model = 'text-embedding-3-small') {}

  async embed(texts: string[]): Promise<number[][]> {
    const out: number[][] = []
    for (let i = 0; i < texts.length; i += OpenAIEmbedder.BATCH) {
      const batch = texts.slice(i, i + OpenAIEmbedder.BATCH)
      const res = await this.client.embeddings.create({ model: this.model, input: batch, dimensions: EMBEDDING_DIMENSIONS })
      const vectors = [...res.data].sort((a, b) => a.index - b.index).map((d) => d.embedding)
      if (vectors.length !== batch.length || vectors.some((v) => v.length !== EMBEDDING_DIMENSIONS)) {
        throw new Error(`${this.model} returned ${vectors.length} embeddings of ${vectors[0]?.length ?? 0} dimensions for ${batch.length} inputs; expected ${EMBEDDING_DIMENSIONS} each`)
      }
      out.push(...vectors)
    }
    return out
  }
}

/** pgvector's text form: '[0.1,0.2,…]'. */
export const toVectorLiteral = (v: number[]) => `[${v.join(',')}]`
