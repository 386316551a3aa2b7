/**
 * The offline reader: which sentence (or table row) of the retrieved passages answers the
 * question, and whether any does. No model: the question's words (stemmed, with the few
 * synonyms the agency's documents need), what kind of answer it asks for (a time, an amount, a
 * person, a colour…), and a preference for the sentence that states a rule over the ones that
 * list its exceptions. Below a confidence calibrated on seeds/questions/tuning.md it declines.
 *
 * Hand-written rather than a library: what it needs is a scoring rule over a few dozen
 * sentences, and the NLP packages that would parse English (wink-nlp, compromise) add models
 * and megabytes for a part this small.
 */
import { distance } from 'fastest-levenshtein'
import { stemmer } from 'stemmer'
import { isCalendarStem, isEnglishStem, isShorthandStem } from './common-words.ts'
import { terms } from './embed.ts'
import type { RetrievedChunk } from './retrieve.ts'

/** A sentence or a table row of a retrieved chunk: what may be quoted as an answer. */
export interface Unit {
  source: number
  /** What is quoted. */
  text: string
  /** Its words, plus, for a table row, its column headers. */
  terms: Set<string>
  /** The words of the headings it sits under (count half). */
  context: Set<string>
  /** Position in its chunk, for "the sentence after". */
  index: number
}

// ---------------------------------------------------------------------------------------------
// Question analysis.

/**
 * Words people use for what the documents call something else, as stems (embed.ts's terms()).
 * Each group is one meaning; a question word matches a sentence word of its group. Kept small:
 * each entry is a miss seen in seeds/questions/tuning.md, or its obvious sibling.
 */
const SYNONYM_GROUPS: string[][] = [
  ['fee', 'cost', 'price', 'charg', 'pai', 'paid', 'pay', 'invoic', 'bill', 'billabl', 'rate'],
  ['deadlin', 'due', 'submit', 'submitt'],
  ['colour', 'color', 'hex', 'palett'],
  ['approv', 'sign', 'signoff'],
  ['proposit', 'smp'],
  ['home', 'remot', 'wfh'],
  ['stolen', 'nick', 'lost', 'theft', 'steal'],
  ['tell', 'report', 'notifi', 'inform'],
  ['start', 'joiner', 'starter'],
  ['probat', 'probationari'],
  ['address', 'offic', 'locat'],
  ['code', 'promo', 'voucher', 'discount'],
  ['export', 'format', 'file', 'upload'],
  ['speed', 'mbp', 'fast'],
  ['ingredi', 'contain', 'formula'],
  ['target', 'aim', 'goal', 'uplift', 'kpi'],
  ['kit', 'sampl', 'pack'],
  ['headlin', 'line', 'tagline', 'slogan'],
  ['instal', 'instalment', 'install', 'tranch', 'payment'],
  ['meet', 'statu', 'updat'],
  ['wifi', 'wi', 'fi', 'network'],
  ['max', 'maximum', 'biggest', 'largest', 'cap', 'limit'],
  ['min', 'minimum', 'smallest', 'least'],
  ['feb', 'februari'], ['jan', 'januari'], ['mar', 'march'], ['apr', 'april'], ['jun', 'june'], ['jul', 'juli'], ['aug', 'august'],
  ['sep', 'sept', 'septemb'], ['oct', 'octob'], ['nov', 'novemb'], ['dec', 'decemb'],
  ['poster', 'print', 'ooh', 'outdoor'],
  ['old', 'previou', 'last'],
  ['food', 'meal', 'lunch', 'dinner', 'subsist'],
  ['spend', 'claim', 'expens', 'reimburs'],
  ['travel', 'trip', 'journei'],
  ['mileag', 'mile'],
  ['toil', 'lieu'],
  ['pick', 'chose', 'chosen', 'choos', 'select', 'decid', 'decis'],
  ['cab', 'taxi', 'uber', 'minicab'],
  ['weeknight', 'weekdai', 'weeknit'],
  ['utilis', 'utiliz', 'target'],
  ['increment', 'chunk', 'block', 'tenth'],
  ['log', 'record'],
  ['price', 'sell', 'retail', 'rrp'],
  ['typefac', 'typographi'],
  ['legal', 'mandatori', 'term', 'disclaim'],
]
const SYNONYMS = new Map<string, Set<string>>()
for (const group of SYNONYM_GROUPS) for (const w of group) SYNONYMS.set(w, new Set([...(SYNONYMS.get(w) ?? []), ...group]))

/** The stems a question's stem matches in a document: itself, or any word of its synonym groups. */
export const meanings = (stem: string): Set<string> => SYNONYMS.get(stem) ?? new Set([stem])

/** Question words that say what is asked, not about what: they decide the answer type, not the match. */
const ASKING = new Set(terms([
  'how much many long quickly soon often fast what which who whom where when time day date',
  // chat filler: says nothing about what is asked
  'roughly actually exactly remind again just pls please thx thanks stuff thing things bit job get got getting come coming',
  'want wants put add couple far so still currently right now ever even really ok okay yes no need needs myself mean',
  // contractions typed without their apostrophe
  'its im ive dont cant wont didnt doesnt isnt arent theres thats whats hows youre',
].join(' ')))

export type AnswerType = 'amount' | 'percent' | 'measure' | 'number' | 'time' | 'duration' | 'person' | 'font' | 'colour' | 'place' | 'code' | 'choice' | 'rule' | null

/** Numbers as documents write them in words ("at most two objectives", "four skin types"); "one" is too often not a number. */
const NUMBER_WORDS = 'two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundred|dozen|twice|single'
const NUMBER_WORD = new RegExp(`^(?:${NUMBER_WORDS})$`, 'i')

const PATTERNS: Record<Exclude<AnswerType, null>, RegExp> = {
  // Money, not a share: "how much is it going to sell for?" is not answered by "a 15% serum".
  amount: /[£$€]\s?\d|\d(?:[\d,.]*)\s?(?:p\b|pence|k\b)|\b\d[\d,.]*\s?(?:pounds|dollars|euros|gbp|usd|eur)\b/i,
  percent: /\d\s?(?:%|per ?cent|points?)/i,
  // A speed, a range, a size: a number with its unit ("900 Mbps", "the 412-mile range", "2 GB").
  measure: /\d[\d,.]*\s?-?(?:[kmg]bps|mph|km\/h|kph|miles?|km|kilomet\w*|metres?|meters?|mm|cm|px|pt|kg|g|ml|litres?|liters?|[kmgt]b|inch(?:es)?|ft|feet|mah|w|kw|kwh)\b/i,
  number: new RegExp(`\\d|\\b(?:${NUMBER_WORDS})\\b`, 'i'),
  time: /\b\d{1,2}[:.]\d{2}\b|\b\d{1,2}\s?(?:am|pm)\b|\bnoon\b|\bmidnight\b|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|\b(?:january|february|march|april|may|june|july|august|september|october|november|december)\b|\b\d+(?:st|nd|rd|th)\b|\bworking days?\b|\bwithin\b|\bbefore\b|\bafter\b|\bday (?:one|\d+)\b|\b(?:first|last) (?:day|week|month)\b|\b(?:daily|weekly|monthly|annually|every)\b|\b(?:dawn|dusk|sunrise|sunset|morning|afternoon|evening|overnight)\b/i,
  duration: /\b(?:\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|a|an)(?:\s+|-)(?:working\s+|calendar\s+|business\s+)?(?:minutes?|hours?|days?|weeks?|months?|years?|seconds?|pages?|words?|characters?|slides?)\b|\b\d+\s?(?:h|hrs?|mins?)\b/i,
  person: /\b[A-Z][a-z]+(?:[ '’-][A-Z][a-z]+)+\b|\b(?:director|manager|lead|head|team|finance|ecd|producer|coordinator|owner|approver|partner)\b/,
  // A typeface is a name of capitalised words ("Neue Haas Grotesk Display", "Eurostile Extended Bold").
  font: /\b[A-Z][a-z]+(?: [A-Z][a-z]+)+\b/,
  colour: /#[0-9a-f]{6}\b|\b(?:red|orange|yellow|green|teal|blue|navy|purple|violet|pink|black|white|grey|gray|gold|silver|lime|cream|ultramarine|cyan|magenta|turquoise|coral|indigo|crimson|amber|copper|bronze|beige|ivory)\b/i,
  place: /\b\d+\s+[A-Z][a-z]+|\b(?:in|at) (?:[A-Z][a-z]+)\b|\b[A-Z]{1,2}\d{1,2}[A-Z]?\s?\d[A-Z]{2}\b|\bfloor\b|\broom\b/,
  // "Which route did they pick?": the sentence that says which was chosen.
  choice: /\b(?:chose|chosen|choose|picked|selected|went with|agreed|preferred|winner|winning|decided)\b/i,
  code: /\b(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z0-9][A-Z0-9-]{3,}\b/,
  // What a yes-or-no question about what is allowed is answered by: the sentence with the rule.
  rule: /\b(?:must|never|always|not|only|should|shouldn't|allowed|required|requires|need to|needs to|cannot|can't|don't|doesn't|no)\b/i,
}

/** Kinds of answer that are names, written capitalised. */
const NAMED = new Set<AnswerType>(['person', 'font', 'place'])

/** A lesser kind of the answer asked for: a share where an amount is asked ("a 50% surcharge"), counting for less than the kind itself. */
const WEAKER: Partial<Record<Exclude<AnswerType, null>, RegExp>> = {
  amount: /\d\s?(?:%|per ?cent)/i,
}

/** What kind of answer the question asks for, from its first words and its nouns. */
export function answerType(question: string): AnswerType {
  const q = question.toLowerCase()
  if (/\b(hex|colou?r)\b/.test(q) && !/\bcolou?rways?\b/.test(q)) return 'colour'
  if (/\b(typefaces?|fonts?|typography)\b/.test(q)) return 'font'
  if (/\b(promo code|discount code|voucher|reference number|frn|code)\b/.test(q) && !/\b(dress code|code of conduct)\b/.test(q)) return 'code'
  if (/\bhow (long|quickly|soon|fast)\b|\bhow many (?:\S+ ){0,2}(days|weeks|months|hours|minutes)\b|\bhow much (time|warning|notice)\b/.test(q)) return 'duration'
  // "when" asking, not "when I start…".
  if (/^(when|what time|what day)\b|\bhow (late|early)\b|\buntil when\b|\bwhen(?:'s|’s| is| are| do| does| did| will| can| should| was| were)\b|\b(by when|deadline|due|how often)\b/.test(q)) return 'time'
  if (/%|\bper ?cent(age)?\b|\b(awareness|uplift|utili[sz]ation)\b/.test(q)) return 'percent'
  // "How much lighter", "how much faster": a difference, measured in whatever unit.
  if (/\bhow much \w+er\b/.test(q) && !/\bhow much (?:\w+ )?(?:cheaper|dearer)\b/.test(q)) return 'number'
  if (/\bhow (much|expensive)\b|\b(fee|fees|cost|costs|price|charge|charging|rate|budget|deposit|retainer|bonus|salary|worth|bill|billed|invoice|invoiced|spend)\b/.test(q)) return 'amount'
  if (/\b(speed|range|size|weight|distance|dimensions?|resolution|capacity|battery)\b/.test(q) && !/\bhow many\b/.test(q)) return 'measure'
  if (/\bhow many\b|\bnumber of\b|\bhow (big|small|large|heavy|light)\b|\b(figure|speed|target|limit|maximum|minimum|max|min|smallest|largest|biggest|most|least)\b/.test(q)) return 'number'
  if (/\bwho\b|\bwhom\b/.test(q)) return 'person'
  if (/^which\b.*\b(pick|picked|choose|chose|chosen|go with|went with|select|selected|decide|decided|agree|agreed|prefer|preferred)\b/.test(q)) return 'choice'
  if (/\bwhere\b|\baddress\b/.test(q)) return 'place'
  // "can we use X as a headline?", "…, is that ok?": a rule answers it, not a description.
  if (/^(can|could|may|should|must) (i|we|you|they|it|that|this)\b|^(do|does) (i|we|you|they|it|that|this) (need|have to|require)\b|\b(is|are) (that|it|this) (ok|okay|alright|fine|allowed)\b|\b(am i|are we|is it) (allowed|ok|okay|fine) to\b/.test(q)) return 'rule'
  return null
}

const OUTCOME = /\b(?:so far|in the end|end(?:ed)? up|in total|to date|have we (?:got|had|hit|reached)|did (?:we|they|it|\w+) (?:actually )?(?:hit|reach|get|make|achieve|meet))\b/i
/** A sentence stating an aim: "Business: drive 40,000 pre-orders by 30 June", "get 30,000 sign-ups within 10 weeks". */
const TARGET = /^(?:business|communications?|objectives?|targets?|goals?|kpis?)\b[^:]{0,20}:|\b(?:targets?|goals?|aims?|objectives?)\b|\b(?:drive|secure|get|reach|achieve|grow|deliver)\b[^.]*\b(?:by|before) (?:\d|the end)|\bwithin \d+ (?:weeks|months|days)\b/i

/** …unless it also says how it went: "2,611 pre-approvals against a target of 2,000". */
const RESULT = /\b(?:against|versus|vs|compared|exceed\w*|beat|missed|hit|reached|achieved|delivered|ended|final)\b/i

export interface QuestionTerms {
  /** Each content word of the question with the stems that count as it. */
  words: Array<{ stem: string; matches: Set<string> }>
  type: AnswerType
  /** It asks what happened ("so far", "in the end", "did we hit…"), which a target does not say. */
  outcome: boolean
  /** What "how many" counts ("how many pre-approvals did…" → pre, approv, …): see score(). */
  counted: Set<string>
}

export function analyse(question: string): QuestionTerms {
  const stems = [...new Set(terms(question))].filter((t) => !ASKING.has(t))
  const counted = new Set(terms(question.match(/\bhow many\s+((?:\S+\s+){0,2}\S+)/i)?.[1] ?? ''))
  // Two words of one synonym group ("new starter", "fee cost") are one meaning: counted once.
  const words: QuestionTerms['words'] = []
  for (const stem of stems) if (!words.some((w) => w.matches.has(stem))) words.push({ stem, matches: meanings(stem) })
  return { words, type: answerType(question), counted, outcome: OUTCOME.test(question) }
}

/** What a word adds to its stem to make another word of the same meaning: month → monthly, music → musical. */
const DERIVED = /^(?:li|al|ic|i|er|ment)$/

/**
 * Typos and spelling variants: a question word also matches the passages' words within one edit
 * (two for words of eight letters or more), for words of five letters or more ("resturant",
 * "utilization"). Numbers and short words match exactly.
 */
export function withNearSpellings(q: QuestionTerms, vocabulary: Set<string>): QuestionTerms {
  return {
    ...q,
    words: q.words.map((w) => {
      if (w.stem.length < 4 || /\d/.test(w.stem) || [...w.matches].some((m) => vocabulary.has(m))) return w
      const near = w.stem.length < 5 ? [] : [...vocabulary].filter((v) => v.length >= 4 && !/\d/.test(v) && Math.abs(v.length - w.stem.length) <= 2 && distance(v, w.stem) <= (w.stem.length >= 8 ? 2 : 1))
      // Otherwise a shortening ("comms" for communication) or a derived form ("monthly" for month).
      const related = near.length ? near : [...vocabulary].filter((v) => !/\d/.test(v) && ((v.length >= 4 && w.stem.startsWith(v) && DERIVED.test(w.stem.slice(v.length))) || (v.startsWith(w.stem) && v.length - w.stem.length <= 6)))
      return related.length ? { ...w, matches: new Set([...w.matches, ...related]) } : w
    }),
  }
}

// ---------------------------------------------------------------------------------------------
// Units: sentences and table rows.

const SEGMENTER = new Intl.Segmenter('en', { granularity: 'sentence' })

/**
 * A document's own bracketed numerals ("see [2]", "[3, 4]", "[12-14]") as (2), (3, 4), (12-14):
 * in an answer, [n] is Workroom's citation of its n-th source, so a quoted "[2]" would read as a
 * citation of a different source, and a model shown one might copy it as one.
 */
export const unbracketNumerals = (text: string) => text.replace(/\[(\s*\d+(?:\s*[-–,]\s*\d+)*\s*)\]/g, '($1)')

/** Markdown inline markup removed; a document's own [2] becomes (2) so only ours cite. */
const plain = (s: string) => unbracketNumerals(s.replace(/\*\*|__|`/g, '').replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')).trim()
const cells = (line: string) => line.replace(/^\||\|$/g, '').split('|').map((c) => plain(c.trim()))

/** The sentences and table rows of a chunk, each with the headings it sits under. */
export function units(chunk: Pick<RetrievedChunk, 'content' | 'heading' | 'title'>, source: number): Unit[] {
  const out: Unit[] = []
  let heading = `${chunk.title} ${chunk.heading ?? ''}`
  let header: string[] | null = null
  const lines = chunk.content.split('\n')
  const push = (text: string, extra = '') => {
    const own = terms(`${text} ${extra}`)
    if (own.length === 0) return
    out.push({ source, text: text.length > 320 ? `${text.slice(0, 317)}…` : text, terms: new Set(own), context: new Set(terms(heading)), index: out.length })
  }
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    const h = line.match(/^#{1,6}\s+(.*)$/)
    if (h) { heading = `${chunk.title} ${chunk.heading ?? ''} ${h[1]}`; header = null; continue }
    if (line === '') { header = null; continue }
    if (line.startsWith('|')) {
      if (/^\|?\s*:?-{3,}/.test(line)) continue
      const row = cells(line)
      // A header row is the one above the separator: its cells name the columns of the rows below.
      if (/^\|?\s*:?-{3,}/.test(lines[i + 1]?.trim() ?? '')) { header = row; continue }
      push(row.filter(Boolean).join(' — '), header ? header.join(' ') : '')
      continue
    }
    const text = plain(line.replace(/^(?:[-*+]|\d+\.)\s+/, '').replace(/^>\s*/, ''))
    for (const { segment } of SEGMENTER.segment(text)) push(segment.trim())
  }
  // A unit that only asks or announces ("Lost or stolen laptop?", "Name every file like this:")
  // is read together with the one that answers it.
  // A sentence that opens with a pronoun ("It appears on packaging… but never as a headline") is
  // about what the one before it names: that one's words count as its context (half).
  return out.map((u, i) => {
    const next = out[i + 1]
    const before = out[i - 1]
    const about = before && /^(?:it|this|that|they|these|those)\b/i.test(u.text) ? { ...u, context: new Set([...u.context, ...before.terms]) } : u
    if (!next || next.source !== u.source || !/[?:]$/.test(u.text)) return about
    return { ...about, text: `${u.text} ${next.text}`, terms: new Set([...u.terms, ...next.terms]) }
  })
}

// ---------------------------------------------------------------------------------------------
// Scoring.

/** An exception, a consequence or an aside, rather than the rule itself. */
const EXCEPTION = /^(?:if|unless|except|when|where|for example|e\.g\.|note|exception|otherwise|however|in that case)\b|\b(?:instead|moves to|does not apply)\b/i

export interface Scored { unit: Unit; coverage: number; typed: boolean; score: number }

/**
 * Each unit's share of the question's (rare) words — a heading's words count half, a synonym
 * counts whole — times a bonus when it has the kind of answer asked for and a malus when it
 * states an exception, favouring better-ranked sources a little.
 */
export function score(q: QuestionTerms, all: Unit[]): Scored[] {
  if (q.words.length === 0) return []
  // Inverse unit frequency over these passages: "campaign" is everywhere, "probation" is not.
  const df = new Map<string, number>()
  for (const u of all) for (const w of q.words) if ([...w.matches].some((m) => u.terms.has(m))) df.set(w.stem, (df.get(w.stem) ?? 0) + 1)
  const idf = (stem: string) => Math.log(1 + all.length / (df.get(stem) ?? 0.5))
  // Words in none of the passages are left to read()'s unknown-word rule: here they would only shrink every share alike.
  const known = q.words.filter((w) => df.has(w.stem))
  const total = known.reduce((n, w) => n + idf(w.stem), 0) || 1
  const countedMatches = new Set(q.words.filter((w) => q.counted.has(w.stem)).flatMap((w) => [...w.matches]))
  const counting = q.type === 'number' && all.some((u) => counts(u.text, countedMatches))
  const asked = new Set(q.words.flatMap((w) => [...w.matches]))
  return all.map((unit) => {
    let have = 0
    for (const w of q.words) {
      const m = [...w.matches]
      have += m.some((x) => unit.terms.has(x)) ? idf(w.stem) : m.some((x) => unit.context.has(x)) ? idf(w.stem) / 2 : 0
    }
    const coverage = have / total
    // "How many pre-approvals": when some passage counts them, only a count of them is the kind asked for.
    // A name is looked for in what the unit adds to the question: "Aurora Air" in "what's the
    // Aurora Air typeface?" is not a typeface's name, nor a person's in "who…". (A quantity's
    // unit may be the question's own word: "how many hours" — "212.5 hours".)
    const added = q.type && NAMED.has(q.type) ? withoutWords(unit.text, asked) : unit.text
    const strong = q.type === null || (counting ? counts(unit.text, countedMatches) : PATTERNS[q.type].test(added))
    const weaker = !strong && !!WEAKER[q.type!]?.test(added)
    // "How many did we get in the end?" is not answered by what was aimed for.
    const typed = (strong || weaker) && !(q.outcome && TARGET.test(unit.text) && !RESULT.test(unit.text))
    const s = coverage * (typed ? (q.type ? (weaker ? 1.2 : 1.5) : 1) : 0.6) * (EXCEPTION.test(unit.text) ? 0.75 : 1) * (unit.text.endsWith('?') ? 0.5 : 1) / (1 + 0.08 * unit.source)
    return { unit, coverage, typed, score: s }
  }).sort((a, b) => b.score - a.score)
}

/** The text with its words of these stems blanked out (numbers kept). */
function withoutWords(text: string, stems: Set<string>): string {
  return text.replace(/\p{L}+(?:['’]\p{L}+)?/gu, (word) => stems.has(terms(word)[0] ?? '') ? '·' : word)
}

/** Whether the text has a number (not a share: "38% of…") followed, within three words, by one of these stems ("2,611 mortgage pre-approvals"). */
function counts(text: string, stems: Set<string>): boolean {
  if (stems.size === 0) return false
  const words = text.replace(/\d[\d.,]*\s?(?:%|per ?cent)/gi, ' ').match(/[\p{L}\p{N}]+(?:[.,'’][\p{L}\p{N}]+)*/gu) ?? []
  return words.some((w, i) => (/^\d/.test(w) || NUMBER_WORD.test(w)) && words.slice(i + 1, i + 4).some((next) => stems.has(terms(next)[0] ?? '')))
}

// ---------------------------------------------------------------------------------------------
// Reading: the answer, its support, and whether to give it at all.

/** Below these the reader declines (calibrated on seeds/questions/tuning.md; see bench/answers.ts). */
export const CONFIDENCE = {
  /** The best unit must carry this share of the question's (rare) words… */
  coverage: 0.3,
  /** …or this much when a word of the question is in none of the passages (a name the knowledge base does not know). */
  coverageWithUnknownWord: 0.5,
}

export interface Reading {
  /** The answer first, then at most two supporting units. Empty when declining. */
  picked: Scored[]
  confident: boolean
  /** The best unit's share of the question's words (0 when there is none). */
  coverage: number
}

/**
 * A word of the question no passage has that is not an English word, short, a number, an
 * abbreviation of a passage word ("doc" for documentary) or a compound of passage words
 * ("signup"): the name of what is asked about ("the Kestrel brief", "the Copperline colours"
 * asked at the other agency). Passages that lack it are about something else, however well
 * they match the rest of the question. (A missing English word may be a paraphrase: people say
 * "uplift" where a brief says "from 41% to 49%".)
 */
export function unknownSubject(question: string, q: QuestionTerms, vocabulary: Set<string>): string | undefined {
  const vocab = [...vocabulary]
  const named = namedWords(question)
  const particle = new Set(['up', 'in', 'out', 'off', 'on', 'down', 'over', 'back'])
  const missing = q.words.find(({ stem, matches }) => {
    // Three letters or fewer ("til", "u", "SMP") and contractions ("can't") are too ambiguous to decline on.
    if (stem.length <= 3 || /['’]/.test(stem) || /\d/.test(stem)) return false
    // A word of the synonym list is a way of saying something the documents may say otherwise.
    if ([...matches].some((m) => vocabulary.has(m)) || SYNONYMS.has(stem)) return false
    // An English word may be a paraphrase, unless it is written as a name: "Southpaw's deadline", "the Pioneer range".
    if (isEnglishStem(stem) && !named.has(stem)) return false
    if (stem.length >= 3 && vocab.some((v) => v.length > stem.length && v.startsWith(stem))) return false
    for (let i = 3; i <= stem.length - 2; i++) {
      const rest = stem.slice(i)
      if (vocabulary.has(stemmer(stem.slice(0, i))) && (particle.has(rest) || vocabulary.has(stemmer(rest)))) return false
    }
    return true
  })
  if (!missing) return undefined
  return question.match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu)?.find((w) => terms(w)[0] === missing.stem) ?? missing.stem
}

/** The question's words that name what it is about: not English, or written as a name ("Southpaw's", "the Pioneer range"). */
function subjectsOf(question: string, q: QuestionTerms, vocabulary: Set<string>): QuestionTerms['words'] {
  const named = namedWords(question)
  return q.words.filter((w) => w.stem.length > 3 && !/[\d'’]/.test(w.stem) && !SYNONYMS.has(w.stem) && (named.has(w.stem) || !isEnglishStem(w.stem)) && [...w.matches].some((m) => vocabulary.has(m)))
}

/** Stems of the question's words written as names: an owner ("southpaw's") or capitalised after the first word. */
function namedWords(question: string): Set<string> {
  const possessive = [...question.matchAll(/([\p{L}]+)['’]s\b/gu)].map((m) => m[1]!)
  const capitalised = [...question.matchAll(/(?<=[\p{L}\p{N},;:]\s+)(\p{Lu}\p{Ll}+)\b/gu)].map((m) => m[1]!)
  return new Set(terms([...possessive, ...capitalised].join(' ')).filter((t) => !isCalendarStem(t)))
}

type Passage = Pick<RetrievedChunk, 'content' | 'heading' | 'title'>

const vocabularyOf = (sources: Passage[]) => new Set(sources.flatMap((s) => terms(`${s.title} ${s.heading ?? ''} ${s.content}`)))

/**
 * unknownSubject() of a question over these passages: a name none of them has. Whether the
 * knowledge base has it anywhere else is for the caller to ask (retrieve.ts's
 * knowledgeMentions): a name it does not know means it cannot say.
 */
export function subjectMissing(question: string, sources: Passage[]): string | undefined {
  const vocabulary = vocabularyOf(sources)
  return unknownSubject(question, withNearSpellings(analyse(question), vocabulary), vocabulary)
}

/** How a question names the thing it asks about: "is there a…", "do we get a…", "what's the…", "how many…". */
const FOCUS_LEAD = /^(?:(?:is|are) there|(?:do|does|can|will|would) (?:we|i|you|staff|people|anyone|\p{L}+) (?:get|have|offer|give)|(?:what|when|where|who|which)(?:['’]s|s| is| are| was| were)?|how many)\s+(?:(?:a|an|any|some|the|our|my|your)\s+)?(.*)$/iu
/**
 * Words of degree after "what's the…" ("the latest we can…", "the most I can…"): they ask for a
 * limit of something said later, and name nothing themselves.
 */
const DEGREE = new Set(terms('latest earliest soonest most least max maximum min minimum biggest smallest longest shortest highest lowest best worst first last next usual normal typical standard quickest fastest cheapest furthest oldest newest'))
/** Where that name ends: a preposition, a verb, a pronoun. */
const FOCUS_END = /^(?:for|at|on|in|after|before|to|if|of|with|from|by|when|about|into|over|under|during|since|until|til|than|as|per|like|and|or|so|that|this|there|here|the|a|an|do|does|did|is|are|was|were|be|been|can|could|should|would|will|have|has|had|go|going|use|need|get|got|we|i|you|they|he|she|it)$/i

/**
 * The thing a question asks about, as its first words name it: "is there a dress code for client
 * meetings?" → "dress code"; "when's the southpaw holiday party?" → "southpaw holiday party".
 * null when the question does not start that way ("photographer wants to crack on…").
 */
export function focusOf(question: string): { phrase: string; stems: string[] } | null {
  const rest = question.trim().match(FOCUS_LEAD)?.[1]
  if (!rest) return null
  const words: string[] = []
  for (const w of rest.split(/[^\p{L}\p{N}'’-]+/u)) {
    if (!w || FOCUS_END.test(w)) break
    words.push(w)
  }
  const stems = terms(words.join(' ')).filter((t) => t.length >= 4 && !/\d/.test(t) && !ASKING.has(t) && !DEGREE.has(t) && !isShorthandStem(t))
  return stems.length > 0 ? { phrase: words.join(' '), stems } : null
}

/**
 * The question's focus (focusOf) when some of its words are in none of these passages, even said
 * otherwise or misspelt, with those words as the question writes them ("sabbatical" in "do we get
 * a sabbatical after 5 years?"). Whether the knowledge base has them anywhere else is the
 * caller's question (knowledgeMentions): when it does not, it does not cover the thing asked about.
 */
export function focusUnheard(question: string, sources: Passage[]): { phrase: string; words: string[] } | undefined {
  const focus = focusOf(question)
  if (!focus) return undefined
  const vocabulary = vocabularyOf(sources)
  const q = withNearSpellings(analyse(question), vocabulary)
  const unheard = new Set(focus.stems.filter((stem) => !q.words.some((w) => w.stem === stem && [...w.matches].some((m) => vocabulary.has(m)))))
  if (unheard.size === 0) return undefined
  return { phrase: focus.phrase, words: focus.phrase.split(/\s+/).filter((w) => unheard.has(terms(w)[0] ?? '')) }
}

export function read(question: string, sources: Passage[]): Reading {
  const vocabulary = vocabularyOf(sources)
  const q = withNearSpellings(analyse(question), vocabulary)
  // A name the question is about ("ledgerly's brand colour") is answered from a passage about
  // it: a colour from another brand's guidelines is not Ledgerly's, however well it reads.
  const about = subjectsOf(question, q, vocabulary)
  const aboutIt = sources.map((s) => { const own = new Set(terms(`${s.title} ${s.heading ?? ''} ${s.content}`)); return about.every((w) => [...w.matches].some((m) => own.has(m))) })
  const ranked = score(q, sources.flatMap((s, i) => units(s, i))).filter((s) => aboutIt[s.unit.source])
  // The answer has the kind of thing asked for: a unit without it only supports.
  const best = ranked.find((s) => s.typed)
  if (!best) return { picked: [], confident: false, coverage: ranked[0]?.coverage ?? 0 }
  const unknown = q.words.some((w) => ![...w.matches].some((m) => vocabulary.has(m)))
  const confident = best.coverage >= (unknown ? CONFIDENCE.coverageWithUnknownWord : CONFIDENCE.coverage)
  if (!confident) return { picked: [], confident: false, coverage: best.coverage }
  // Support comes from the answer's own passage, or from another one only when it reads almost
  // as well: a side remark from an unrelated document is noise (and may carry its figures along).
  const picked: Scored[] = [best]
  for (const s of ranked) {
    if (s === best) continue
    if (s.score < best.score * 0.5 || picked.length === 3) break
    const sameSource = s.unit.source === best.unit.source
    if ((sameSource || s.score >= best.score * 0.7) && picked.filter((p) => p.unit.source === s.unit.source).length < 2) picked.push(s)
  }
  return { picked, confident, coverage: best.coverage }
}

/**
 * Who might know, from the nearest document: its named owner ("Policy owner: Priya Raman,
 * Finance Director", "Questions go to Mia Novak, lead Art Director on Aurora").
 */
export function ownerOf(content: string): string | null {
  const m = plain(content).match(/\b(?:[Pp]olicy [Oo]wner|[Dd]ocument [Oo]wner|[Oo]wner|[Qq]uestions go to|[Cc]ontact|[Aa]sk)\s*:?\s+(\p{Lu}[\p{L}'’-]+(?: \p{Lu}[\p{L}'’-]+)+)(?:,\s*([^.;,\n]{3,60}))?/u)
  return m ? (m[2] ? `${m[1]}, ${m[2].trim()}` : m[1]!) : null
}
