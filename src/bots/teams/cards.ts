/**
 * A Reply as a Microsoft Teams Adaptive Card (schema 1.5). Teams renders a Markdown subset in
 * TextBlock text and FactSet titles and values (**bold**, _italic_, "- " and "1. " lists,
 * [links](url)), so every piece of document or user text is backslash-escaped before it gets
 * there and can never become a link, a list or emphasis. The reply's own spans are written around
 * the escaped text: strong as **bold**, code in quotes and a quote block as an emphasised container
 * (Teams' card Markdown has neither), links as [text](url) from http(s) URLs only.
 * Teams rejects a message of more than about 28 KB, so the card's JSON is kept within a budget:
 * long texts are cut, trailing blocks dropped, and the card says so; buttons are the last thing
 * dropped. A button whose id or payload could not come back intact throws rather than render.
 * https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-format
 */
import { CardFactory, type Activity } from 'botbuilder'
import { clipText, isBlank, linesOf, mapSpans, oneLine as oneLineText, plain, spansOf, spanText, type Span, type Text } from '../../chat/text.ts'
import { hasPrivate, MAX_BUTTON_PAYLOAD, NUMBERED_HINT, reply as textReply, shownButtons, type Block, type Button, type Citation, type Mention, type Reply } from '../../handlers/reply.ts'

/** The card's JSON in UTF-8 bytes: Teams' ~28 KB is for the whole activity, which adds the summary and the connector's envelope. */
export const CARD_BUDGET = 24_000
const MAX_SUMMARY_BYTES = 500 // the activity's summary, JSON-encoded
const MAX_HEADER = 150
const MAX_CONTEXT = 3000
const MAX_ITEM = 1000 // one list item
const MAX_FACT_TITLE = 200
const MAX_FACT_VALUE = 2000
const MAX_BUTTON_LABEL = 75
const BUTTONS_PER_SET = 5 // Teams shows 6 per set, the adaptivecards host default allows 5
const MIN_TEXT = 40 // a text cut shorter than this says nothing: drop it instead
const CITATION_TITLE = 200
const CITATION_HEADING = 100
const SNIPPET = 200 // a citation's snippet is a hint, not the passage
const MAX_URL = 1000
const MAX_MENTIONS = 20 // each is an entity outside the card's body: their bytes come out of its budget
const MAX_MENTION_NAME = 100
export const ACTION_ID = /^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/
const MAX_ACTION_ID = 64

export interface TextBlock {
  type: 'TextBlock'
  text: string
  wrap: true
  size?: 'Small' | 'Medium'
  weight?: 'Bolder'
  isSubtle?: true
  spacing?: 'None' | 'Small' | 'Medium'
  separator?: true
}
export interface FactSet { type: 'FactSet'; facts: Array<{ title: string; value: string }>; separator?: true }
export interface Container { type: 'Container'; style: 'emphasis'; items: CardElement[]; separator?: true }
/**
 * A button, as a universal action: Teams sends its click as an `adaptiveCard/action` invoke whose
 * response is the card shown in place of the clicked one, for the person who clicked. The verb is
 * the action id; data is what an `Action.Submit` of older cards sent, so both reach one handler.
 */
export interface ExecuteAction { type: 'Action.Execute'; title: string; verb: string; style?: 'positive' | 'destructive'; data: SubmitData }
export interface ActionSet { type: 'ActionSet'; actions: ExecuteAction[]; separator?: true }
export type CardElement = TextBlock | FactSet | Container | ActionSet

/**
 * What a button sends back: the invoke's `value.action.data` (Action.Execute) or, from cards posted
 * before buttons were universal actions, a message activity's `value` (Action.Submit).
 */
export interface SubmitData { workroom: { actionId: string; payload: string } }

export interface MentionEntity { type: 'mention'; text: string; mentioned: { id: string; name: string } }

export interface AdaptiveCard {
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json'
  type: 'AdaptiveCard'
  version: '1.5'
  msteams: { width: 'Full'; entities?: MentionEntity[] }
  body: CardElement[]
}

// Invisible, and JSON spends 6 bytes on each; \t, \n and \r are whitespace the renderer handles.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g

/**
 * Text as Teams Markdown that shows as typed. Within a line: \ * _ ` ~ [ ] and < anywhere (emphasis,
 * code, strikethrough, links, autolinks, <at> mentions and HTML) and & where it would start an entity,
 * except inside a bare URL, which Teams links as it is.
 * At a line's start, what would make a list, heading, quote or rule: - + # > = and "1." / "1)".
 * Leading spaces are dropped (four would make a code block); parentheses, '!' and '|' stay (without
 * '[' they make nothing, and Teams has no tables). Each line becomes a paragraph, since Teams shows
 * a lone line break as a space; blank lines go.
 */
export function escapeMarkdown(text: string): string {
  return lines(text).map((line) => escapeLineStart(line.trimStart(), escapeInline(line.trimStart()))).join('\n\n')
}

const lines = (text: string) => text.replace(CONTROL, '').split(/\r\n|\r|\n/).filter((l) => l.trim())

/**
 * A bare URL, starting a word, as far as it can stay unescaped: Teams links bare URLs itself, and a
 * backslash inside one would become part of the link (or end it). Underscores are common in URLs and
 * stay; the run stops at what could still make markup around it: [ ] < > ` \ * ~ ( ) and an entity.
 */
const BARE_URL = /(?<=^|[\s(])(?:https?:\/\/|www\.)(?:[^\s<>[\]`\\*~()&]|&(?!#?[a-z0-9]+;))*/gi
/**
 * GFM links a bare URL up to the next space or '<', taking the backslash of an escape into the link
 * and so freeing the character it escaped. For most that is cosmetic, but a freed '<' could start HTML
 * or an autolink: after a URL, up to the next space, '<' is written as &lt;, which Markdown shows as
 * '<' and never reads as markup (and which does not end the link).
 */
const URL_TO_SPACE = /(?:https?:\/\/|www\.)\S*/gi

/** Escapes text that follows `before` on its line (which decides whether a '<' ends a bare URL). */
function escapeInline(text: string, before = ''): string {
  const clean = text.replace(CONTROL, '')
  const context = before.replace(CONTROL, '')
  const entity = new Set<number>()
  for (const m of (context + clean).matchAll(URL_TO_SPACE)) {
    for (let i = m[0].indexOf('<'); i >= 0; i = m[0].indexOf('<', i + 1)) entity.add(m.index + i - context.length)
  }
  const escape = (from: number, to: number) => {
    let out = ''
    for (let i = from; i < to; i++) {
      const c = clean[i]!
      if (c === '<' && entity.has(i)) out += '&lt;'
      else if ('\\*_`~[]<'.includes(c) || (c === '&' && /^&#?[a-z0-9]+;/i.test(clean.slice(i, i + 40)))) out += `\\${c}`
      else out += c
    }
    return out
  }
  let out = ''
  let last = 0
  for (const m of clean.matchAll(BARE_URL)) {
    const url = m[0].replace(/_+$/, '') // GFM leaves a URL's trailing '_' out of the link, free to pair with another
    out += escape(last, m.index) + url
    last = m.index + url.length
  }
  return out + escape(last, clean.length)
}

/** Escapes a list, heading, quote or rule marker that starts the line (raw is the line before inline escaping). */
function escapeLineStart(raw: string, escaped: string): string {
  if (/^(?:[-+](?=\s|$)|[-=][-=\s]*$|#{1,6}(?=\s|$)|>)/.test(raw)) return `\\${escaped}`
  const ordered = /^(\d{1,9})([.)])(?=\s|$)/.exec(escaped)
  return ordered ? `${ordered[1]}\\${escaped.slice(ordered[1]!.length)}` : escaped
}

/**
 * One line of spans as Teams Markdown: plain text escaped, strong as **bold** (Markdown bolds only
 * what starts and ends with a visible character; anything else stays plain), code in quotes
 * (Teams' card Markdown has no code), links as [text](url) from http(s) URLs.
 */
function inlineSpans(line: readonly Span[]): string {
  let raw = ''
  let out = ''
  for (const s of line) {
    const words = spanText(s).replace(CONTROL, '')
    const before = raw
    raw += words
    if (typeof s === 'string') out += escapeInline(words, before)
    else if ('strong' in s) out += /^\S(.*\S)?$/.test(words) ? `**${escapeInline(words, `${before}*`)}**` : escapeInline(words, before)
    else if ('code' in s) out += `"${escapeInline(words, `${before}"`)}"`
    else {
      const href = linkUrl(s.url)
      out += href && words.trim() ? `[${escapeInline(words, `${before}[`)}](${href})` : escapeInline(words, before)
    }
  }
  // A line's own start could make a list, heading or quote; a line that starts with markup we wrote cannot.
  return typeof line[0] === 'string' ? escapeLineStart(raw, out) : out
}

/** Lines as paragraphs, like escapeMarkdown, with the reply's spans. */
const paragraphs = (text: Text) => linesOf(mapSpans(text, (w) => w.replace(CONTROL, ''))).map((line) => {
  const trimmed = oneLineText(line)
  return trimmed.length ? inlineSpans(trimmed) : ''
}).filter(Boolean).join('\n\n')
const oneLine = (text: string) => text.replace(CONTROL, '').replace(/\s+/g, ' ').trim()

/** Shortens to max characters, ending with '…' so the reader sees something was left out. Cuts raw text: escaping comes after. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text
  let at = Math.max(0, max - 1)
  const code = text.charCodeAt(at - 1)
  if (code >= 0xd800 && code <= 0xdbff) at -= 1 // never half a surrogate pair
  return `${text.slice(0, at)}…`
}

const textBlock = (text: string, extra: Partial<TextBlock> = {}): TextBlock => ({ type: 'TextBlock', text, wrap: true, ...extra })
const subtle = (text: string, extra: Partial<TextBlock> = {}) => textBlock(text, { isSubtle: true, size: 'Small', ...extra })
const more = (n: number, what: string) => subtle(`…${n} more ${what} not shown`, { spacing: 'None' })

/** Text as paragraphs; a quote as paragraphs in an emphasised container, the way Slack and the playground set quotes apart. */
const textElements = (quoted: boolean) => (text: Text): CardElement[] => {
  const body = paragraphs(text)
  if (!body) return []
  return quoted ? [{ type: 'Container', style: 'emphasis', items: [textBlock(body)] }] : [textBlock(body)]
}

/** An http(s) URL as a Markdown link destination: no raw parentheses, spaces, '<' or '>' (URL serialising encodes the last three). */
function linkUrl(url: string | null): string | null {
  if (!url || !URL.canParse(url)) return null
  const parsed = new URL(url)
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.hostname.startsWith('[')) return null
  const href = parsed.href.replace(/[()\\[\]]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)
  return href.length <= MAX_URL ? href : null // a link this long is better shown as a title
}

function citationElements(c: Citation): CardElement[] {
  const raw = clip(oneLine(c.title), CITATION_TITLE)
  const title = escapeInline(raw) || 'Untitled'
  const url = linkUrl(c.url)
  // A bare URL inside link text is linked on its own by GFM, breaking the citation's link: link a word beside it instead.
  const source = !url ? title : /https?:\/\/|www\./i.test(raw) ? `${title} · [link](${url})` : `[${title}](${url})`
  const heading = c.heading ? ` › ${escapeInline(clip(oneLine(c.heading.split(' › ').at(-1)!), CITATION_HEADING))}` : ''
  const snippet = clip(oneLine(c.snippet), SNIPPET)
  return [
    textBlock(`\\[${c.n}\\] ${source}${heading}`, { spacing: 'Small' }),
    ...(snippet ? [subtle(escapeInline(snippet), { spacing: 'None' })] : []),
  ]
}

function executeAction(b: Button): ExecuteAction {
  // Teams would deliver these, but submittedAction could not read them back: a bug, not a limit to meet.
  if (!ACTION_ID.test(b.actionId) || b.actionId.length > MAX_ACTION_ID) throw new Error(`Button ${JSON.stringify(b.actionId)}: an action id must look like "timesheet.choose"`)
  if (b.payload.length > MAX_BUTTON_PAYLOAD) throw new Error(`Button ${b.actionId}: payload is ${b.payload.length} characters, at most ${MAX_BUTTON_PAYLOAD} come back`)
  return {
    type: 'Action.Execute',
    title: clip(oneLine(b.label), MAX_BUTTON_LABEL), // a title is plain text: no Markdown to escape
    verb: b.actionId,
    ...(b.style ? { style: b.style === 'primary' ? 'positive' as const : 'destructive' as const } : {}),
    data: { workroom: { actionId: b.actionId, payload: b.payload } },
  }
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/**
 * One Reply block as something that can be shown in part: build(levels) is all of it, build(0)
 * nothing, and in between a visibly shortened version that grows with the level (characters of a
 * text, items of a list, facts, citations or buttons).
 */
interface Piece {
  buttons: boolean
  levels: number
  /** Below this a cut text says nothing and is dropped instead. */
  minLevel: number
  separator: boolean
  build(level: number): CardElement[]
}

function textPiece(text: Text, build: (text: Text) => CardElement[]): Omit<Piece, 'separator'> {
  const length = plain(text).length
  return {
    buttons: false,
    levels: length,
    minLevel: Math.min(length, MIN_TEXT),
    build: (level) => (!level ? [] : level >= length ? build(text) : [...build(clipText(text, level)), more(length - level + 1, 'characters')]),
  }
}

function countPiece<T>(items: T[], build: (kept: T[], dropped: number) => CardElement[], buttons = false): Omit<Piece, 'separator'> {
  return { buttons, levels: items.length, minLevel: Math.min(items.length, 1), build: (level) => (level ? build(items.slice(0, level), items.length - level) : []) }
}

function piece(b: Exclude<Block, { type: 'divider' }>): Omit<Piece, 'separator'> | null {
  switch (b.type) {
    case 'header': {
      const text = oneLine(b.text)
      return text ? textPiece(clip(text, MAX_HEADER), (t) => [textBlock(escapeMarkdown(plain(t)), { size: 'Medium', weight: 'Bolder' })]) : null
    }
    case 'text':
    case 'quote':
      return isBlank(b.text) ? null : textPiece(b.text, textElements(b.type === 'quote'))
    case 'context':
      return isBlank(b.text) ? null : textPiece(clipText(b.text, MAX_CONTEXT), (t) => { const body = paragraphs(t); return body ? [subtle(body)] : [] })
    case 'fields': {
      // A fact needs both: an empty one says nothing, and a missing half shows as a dash, as the week's empty days do.
      const facts = b.fields
        .map((f) => ({ title: inlineSpans([clip(oneLine(f.label), MAX_FACT_TITLE)]), value: inlineSpans([clip(oneLine(f.value), MAX_FACT_VALUE)]) }))
        .filter((f) => f.title || f.value)
        .map((f) => ({ title: f.title || '—', value: f.value || '—' }))
      return facts.length ? countPiece(facts, (kept, dropped) => [{ type: 'FactSet', facts: kept }, ...(dropped ? [more(dropped, 'fields')] : [])]) : null
    }
    case 'list': {
      const items = b.items.map((i) => clipText(oneLineText(mapSpans(i, (w) => w.replace(CONTROL, ''))), MAX_ITEM))
      const title = b.title ? oneLine(b.title) : ''
      if (!items.length && !title) return null
      const head = title ? [textBlock(inlineSpans([title]), { weight: 'Bolder' })] : []
      if (!items.length) return countPiece([title], () => head)
      // "- item" lines joined by single breaks are one list in Teams; each item is escaped, so it stays one item.
      const rows = items.map((i) => `- ${inlineSpans(spansOf(i)) || '\u00a0'}`)
      return countPiece(rows, (kept, dropped) => [
        ...head,
        textBlock(kept.join('\n'), head.length ? { spacing: 'Small' } : {}),
        ...(dropped ? [more(dropped, 'items')] : []),
      ])
    }
    case 'citations':
      return b.citations.length
        ? countPiece(b.citations, (kept, dropped) => [
          textBlock('Sources', { weight: 'Bolder', size: 'Small' }),
          ...kept.flatMap(citationElements),
          ...(dropped ? [more(dropped, 'sources')] : []),
        ])
        : null
    case 'mentions': {
      // Up to MAX_MENTIONS real mentions (each adds an entity to the card); the rest by name.
      const names = named(b.people).map((p, i) => (p.externalId && i < MAX_MENTIONS ? atTag(p.name) : `**${escapeInline(oneLine(p.name))}**`))
      return names.length ? countPiece(names, (kept, dropped) => [textBlock(`${escapeInline(oneLine(b.label))} ${kept.join(', ')}`), ...(dropped ? [more(dropped, 'people')] : [])]) : null
    }
    case 'buttons': {
      const actions = shownButtons(b).filter((btn) => oneLine(btn.label)).map(executeAction)
      return actions.length
        ? countPiece(actions, (kept, dropped) => [
          ...chunk(kept, BUTTONS_PER_SET).map((set): ActionSet => ({ type: 'ActionSet', actions: set })),
          ...(dropped ? [more(dropped, 'choices')] : []),
          ...(b.numbered ? [subtle(NUMBERED_HINT, { spacing: 'Small' })] : []),
        ], true)
        : null
    }
  }
}

/**
 * A name as it goes inside <at>…</at>, where the entity must match it exactly: what could end the tag or
 * make a link or emphasis becomes a space rather than an escape, which the mention could show as typed.
 */
const mentionName = (name: string) => clip(oneLine(name.replace(/[[\]*_~`\\<>]/g, ' ')), MAX_MENTION_NAME)
/** People with a name to show: a mention of nobody would be an empty <at></at> or ****. */
const named = (people: Mention[]) => people.filter((p) => mentionName(p.name))

/** Teams mentions someone where the text has <at>name</at> and the card an entity with the same text. */
const atTag = (name: string) => `<at>${mentionName(name)}</at>`

/** The mention entities the card could need: they sit outside its body, so their bytes come out of its budget. */
function mentionEntities(reply: Reply): MentionEntity[] {
  return reply.blocks.flatMap((b) => (b.type === 'mentions' ? named(b.people).slice(0, MAX_MENTIONS) : []))
    .filter((p): p is { name: string; externalId: string } => Boolean(p.externalId))
    .map((p) => ({ type: 'mention' as const, text: atTag(p.name), mentioned: { id: p.externalId, name: mentionName(p.name) } }))
}

/** Every piece of Markdown in a body: where the <at> tags the card kept are (truncation may have dropped some). */
const markdownOf = (els: CardElement[]): string[] => els.flatMap((e) =>
  e.type === 'TextBlock' ? [e.text] : e.type === 'Container' ? markdownOf(e.items) : e.type === 'FactSet' ? e.facts.flatMap((f) => [f.title, f.value]) : [])

/** The search for what fits builds each piece at many levels, and the others at the same ones again and again. */
function memo(build: Piece['build']): Piece['build'] {
  const cache = new Map<number, CardElement[]>()
  return (level) => {
    let elements = cache.get(level)
    if (!elements) cache.set(level, (elements = build(level)))
    return [...elements]
  }
}

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8')

function card(body: CardElement[]): AdaptiveCard {
  return { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.5', msteams: { width: 'Full' }, body }
}

/** The card body at these levels; where the first block is missing entirely, a note says how many are. */
function assemble(pieces: Piece[], levels: number[]): CardElement[] {
  const body: CardElement[] = []
  const dropped = pieces.filter((p, i) => levels[i] === 0).length
  let separator = false
  let noted = false
  pieces.forEach((p, i) => {
    separator ||= p.separator
    const elements = p.build(levels[i]!)
    if (!elements.length && !noted && dropped) {
      noted = true
      elements.push(subtle(`…${dropped} more ${dropped === 1 ? 'block' : 'blocks'} not shown; ask in the Workroom playground or narrow the request.`))
    }
    if (!elements.length) return
    if (separator) elements[0] = { ...elements[0]!, separator: true }
    separator = false
    body.push(...elements)
  })
  return body
}

/** The largest level of pieces[i] (others as they are) whose card fits the budget; 0 always does when called. */
function largestFitting(pieces: Piece[], levels: number[], i: number, budget: number): number {
  const fits = (level: number) => bytes(card(assemble(pieces, levels.with(i, level)))) <= budget
  let lo = 0
  let hi = pieces[i]!.levels
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2)
    if (fits(mid)) lo = mid
    else hi = mid - 1
  }
  return lo < pieces[i]!.minLevel ? 0 : lo
}

/**
 * An Adaptive Card for a Reply whose JSON stays within CARD_BUDGET bytes, less `reserved` (what the
 * activity carries besides the card, such as the AI entity). Teams has no ephemeral messages in
 * channels: visibility is the adapter's business.
 */
export function renderCard(reply: Reply, reserved = 0): AdaptiveCard {
  const possible = mentionEntities(reply)
  const body = cardBody(reply, CARD_BUDGET - reserved - (possible.length ? bytes({ entities: possible }) : 0))
  const text = markdownOf(body).join('\n')
  const entities = possible.filter((e) => text.includes(e.text))
  const out = card(body)
  return entities.length ? { ...out, msteams: { ...out.msteams, entities } } : out
}

function cardBody(reply: Reply, budget: number): CardElement[] {
  const pieces: Piece[] = []
  let separator = false
  for (const b of reply.blocks) {
    if (b.type === 'divider') {
      separator = pieces.length > 0 // a separator above the first element shows nothing
      continue
    }
    const p = piece(b)
    if (!p) continue
    pieces.push({ ...p, build: memo(p.build), separator })
    separator = false
  }
  if (!pieces.length) {
    const summary = reply.summary.replace(CONTROL, '').trim()
    if (summary) pieces.push({ ...textPiece(summary, textElements(false)), separator: false })
  }

  const levels = pieces.map((p) => p.levels)
  if (bytes(card(assemble(pieces, levels))) <= budget) return assemble(pieces, levels)

  // Too big: content goes first, from the end, and buttons last.
  pieces.forEach((p, i) => { if (!p.buttons) levels[i] = 0 })
  if (bytes(card(assemble(pieces, levels))) > budget) {
    for (let i = pieces.length - 1; i >= 0; i--) {
      if (!pieces[i]!.buttons) continue
      levels[i] = 0
      levels[i] = largestFitting(pieces, levels, i, budget)
      if (levels[i]) break
    }
    return assemble(pieces, levels)
  }
  for (let i = 0; i < pieces.length; i++) {
    if (pieces[i]!.buttons) continue
    const level = largestFitting(pieces, levels, i, budget)
    levels[i] = level
    if (level < pieces[i]!.levels) break // what follows stays out, counted in the note
  }
  return assemble(pieces, levels)
}

/** Shortens text until its JSON takes at most max bytes. */
function clipBytes(text: string, max: number): string {
  if (bytes(text) <= max) return text
  let lo = 0
  let hi = text.length
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2)
    if (bytes(clip(text, mid)) <= max) lo = mid
    else hi = mid - 1
  }
  return clip(text, lo)
}

/**
 * The message activity for a Reply: one message, the card. Teams shows an activity's `text` above
 * its attachments, so a text would repeat what the card says; `summary` (the Bot Framework's text
 * for where a card cannot be shown, plain) is not shown in the message, and goes along for
 * notifications and clients that cannot render the card.
 */
export function replyActivity(reply: Reply): Partial<Activity> {
  const summary = clipBytes(oneLine(reply.summary).replace(CONTROL, ''), MAX_SUMMARY_BYTES)
  const cited = reply.blocks.flatMap((b) => (b.type === 'citations' ? b.citations : []))
  const entities = cited.length ? [aiMessageEntity(cited)] : []
  const feedback = answerMessageId(reply) !== null
  const shown = feedback ? withoutFeedbackButtons(reply) : reply
  return {
    type: 'message',
    summary,
    attachments: [CardFactory.adaptiveCard(renderCard(shown, entities.length ? bytes({ entities }) : 0))],
    ...(entities.length ? { entities } : {}),
    ...(feedback ? { channelData: FEEDBACK_LOOP } : {}),
  }
}

/**
 * Streaming in a personal chat, as Microsoft documents it ("Stream bot messages"): an informative
 * update (`typing`, streamSequence 1) whose id is the stream's, streaming updates (`typing`, the
 * whole text so far, streamSequence counting up), and a final message (`message`, streamType
 * final). Each carries a `streaminfo` entity.
 */
export interface StreamInfo { type: 'streaminfo'; streamType: 'informative' | 'streaming' | 'final'; streamId?: string; streamSequence?: number }

export const LOOKING_IT_UP = 'Looking that up…'

export function informativeUpdate(text = LOOKING_IT_UP): Partial<Activity> {
  return { type: 'typing', text, entities: [{ type: 'streaminfo', streamType: 'informative', streamSequence: 1 } satisfies StreamInfo] }
}

export function streamingUpdate(streamId: string, sequence: number, text: string): Partial<Activity> {
  return { type: 'typing', text, entities: [{ type: 'streaminfo', streamId, streamType: 'streaming', streamSequence: sequence } satisfies StreamInfo] }
}

/**
 * The message that ends a stream: the answer's own words as the message's text (Teams replaces
 * the streamed text with it, and links its [n] to the citation entity), and the rest of the reply
 * (sources, notes, buttons) as the card, with the AI label and the feedback loop as unstreamed.
 * The text is what the card of the same answer unstreamed shows first, so nothing is said twice.
 * A reply that is not an answer (nothing found) keeps its whole card, with its summary as text.
 */
export function finalStreamMessage(reply: Reply, streamId: string): Partial<Activity> {
  const cut = reply.blocks.findIndex((b) => b.type === 'citations')
  const body = cut > 0 ? reply.blocks.slice(0, cut) : []
  const answer = body.length && body.every((b) => b.type === 'text' || b.type === 'quote')
  const text = answer
    ? body.map((b) => paragraphs((b as { text: Text }).text)).filter(Boolean).join('\n\n').replace(/\\\[(\d+)\\\]/g, '[$1]')
    : escapeMarkdown(reply.summary)
  const activity = replyActivity(answer ? { ...reply, blocks: reply.blocks.slice(cut) } : reply)
  return {
    ...activity,
    text: text || '…',
    entities: [...(activity.entities ?? []), { type: 'streaminfo', streamId, streamType: 'final' } satisfies StreamInfo],
  }
}

/**
 * Teams' own 👍/👎 under a message, as Microsoft documents the feedback loop: `feedbackLoopEnabled`
 * for Teams' default form. Not together with `feedbackLoop` (its newer form, needed only for a
 * custom dialog): Teams rejects an activity that sets both. A click comes back as a
 * `message/submitAction` invoke (inbound.ts).
 */
export const FEEDBACK_LOOP = { feedbackLoopEnabled: true } as const

const FEEDBACK_ACTION = 'answer.feedback'

/**
 * The ai_messages row a knowledge answer stands for, read from its feedback buttons (whose payload
 * is `<message id>:<±1>`); null for any other reply.
 */
export function answerMessageId(reply: Reply): string | null {
  for (const b of reply.blocks) {
    if (b.type !== 'buttons') continue
    const button = b.buttons.find((x) => x.actionId === FEEDBACK_ACTION)
    const id = button?.payload.split(':')[0]
    if (id) return id
  }
  return null
}

/** The reply without its 👍/👎 buttons: Teams shows its own under the message instead. */
function withoutFeedbackButtons(reply: Reply): Reply {
  const blocks = reply.blocks.flatMap((b): Block[] => {
    if (b.type !== 'buttons') return [b]
    const kept = b.buttons.filter((x) => x.actionId !== FEEDBACK_ACTION)
    return kept.length ? [{ ...b, buttons: kept }] : []
  })
  return { ...reply, blocks }
}

/**
 * An answer from the knowledge base, marked as Microsoft documents for AI bot messages (the
 * schema.org Message entity): Teams shows its "AI generated" label beside the bot's name, and the
 * sources as its own citation references, numbered as the card's [n]. Limits are Teams': a name of
 * 80 characters, an abstract of 160, and 20 citations (the card lists them all regardless).
 */
export function aiMessageEntity(citations: Citation[]): AiMessageEntity {
  return {
    type: 'https://schema.org/Message',
    '@type': 'Message',
    '@context': 'https://schema.org',
    '@id': '',
    additionalType: ['AIGeneratedContent'],
    citation: citations.slice(0, MAX_AI_CITATIONS).map((c) => {
      const url = linkUrl(c.url)
      return {
        '@type': 'Claim' as const,
        position: c.n,
        appearance: {
          '@type': 'DigitalDocument' as const,
          name: clip(oneLine(c.title).replace(CONTROL, ''), 80) || 'Untitled',
          abstract: clip(oneLine(c.snippet).replace(CONTROL, ''), 160),
          ...(url ? { url } : {}),
        },
      }
    }),
  }
}

const MAX_AI_CITATIONS = 20

export interface AiMessageEntity {
  type: 'https://schema.org/Message'
  '@type': 'Message'
  '@context': 'https://schema.org'
  '@id': ''
  additionalType: ['AIGeneratedContent']
  citation: Array<{ '@type': 'Claim'; position: number; appearance: { '@type': 'DigitalDocument'; name: string; abstract: string; url?: string } }>
}

/**
 * Where a Teams reply would be seen: 'personal' in the person's 1:1 chat with the bot, 'shared'
 * in a channel or group chat (and anything else: unknown counts as shared).
 */
export type TeamsPlace = 'personal' | 'shared'

export const teamsPlace = (conversationType: string | undefined): TeamsPlace => (conversationType === 'personal' ? 'personal' : 'shared')

/**
 * How a reply reaches the person. Teams has no ephemeral messages: in a shared place, a reply with
 * private content (money) goes to the person's 1:1 chat with the bot, and where they asked only
 * a notice is posted: `notice` once the 1:1 message is sent, `unreachable` when Teams would not
 * open that chat (the figures are then shown nowhere). Everything else is answered where it was asked.
 */
export type TeamsDelivery =
  | { kind: 'here'; activity: Partial<Activity> }
  | { kind: 'privately'; activity: Partial<Activity>; notice: Partial<Activity>; unreachable: Partial<Activity> }

export function teamsDelivery(reply: Reply, place: TeamsPlace): TeamsDelivery {
  if (place === 'personal' || !hasPrivate(reply)) return { kind: 'here', activity: replyActivity(reply) }
  const what = reply.subject ? `the figures for ${reply.subject}` : 'my answer, which has figures only you may see,'
  const why = reply.subject ? `the figures for ${reply.subject} are only for you` : 'my answer has figures only you may see'
  return {
    kind: 'privately',
    activity: replyActivity(reply),
    notice: replyActivity(textReply(`I've sent ${what} to you in a private chat.`, undefined, 'in_channel')),
    unreachable: replyActivity(textReply(
      `I couldn't open a private chat with you, and ${why}. Open your chat with Workroom (or add it as a personal app) and ask me there.`,
      undefined, 'in_channel',
    )),
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The button a Teams card submit came from (the activity's value), or null for anything a Workroom button does not send. */
export function submittedAction(value: unknown): { actionId: string; payload: string } | null {
  if (!isRecord(value) || !isRecord(value.workroom)) return null
  const { actionId, payload } = value.workroom
  if (typeof actionId !== 'string' || actionId.length > MAX_ACTION_ID || !ACTION_ID.test(actionId)) return null
  if (typeof payload !== 'string' || payload.length > MAX_BUTTON_PAYLOAD) return null
  return { actionId, payload }
}
