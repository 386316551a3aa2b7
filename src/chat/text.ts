/**
 * Reply text as structured spans, not markup: a handler says "this is a command" or "this is the
 * campaign's name, in bold", and each renderer writes its own platform's syntax and escaping
 * (Slack mrkdwn, Teams Markdown, HTML, plain text). A plain string is always plain: a '*' or a
 * '`' in a campaign name, a document or a person's words is shown as typed, never read as markup,
 * because no renderer parses text for markup.
 */
export type Span =
  | string
  | { strong: string }
  /** Something to type: a command, a date format. */
  | { code: string }
  /** An http(s) link; a renderer that cannot link it (a bad URL) shows the text. */
  | { link: string; url: string }

/** A plain string, or spans in reading order. */
export type Text = string | readonly Span[]

export const strong = (text: string): Span => ({ strong: text })
export const code = (text: string): Span => ({ code: text })
export const link = (text: string, url: string): Span => ({ link: text, url })

/**
 * Spans from a template: `t\`Logged ${hours} to ${strong(name)}.\`` The literal parts and string
 * values are plain text; span values keep their kind. Adjacent plain parts are merged.
 */
export function t(literals: TemplateStringsArray, ...values: Array<Span | Text | number>): Span[] {
  const out: Span[] = []
  const push = (s: Span) => {
    if (typeof s === 'string') {
      if (s === '') return
      if (typeof out.at(-1) === 'string') out[out.length - 1] = `${out.at(-1) as string}${s}`
      else out.push(s)
    } else out.push(s)
  }
  literals.forEach((literal, i) => {
    push(literal)
    if (i < values.length) {
      const v = values[i]!
      if (typeof v === 'number') push(String(v))
      else if (Array.isArray(v)) (v as readonly Span[]).forEach(push)
      else push(v as Span)
    }
  })
  return out
}

/** The spans of a Text (a plain string is one span). */
export const spansOf = (text: Text): readonly Span[] => (typeof text === 'string' ? [text] : text)

/** The words of a span as a reader sees them, without any formatting. */
export function spanText(span: Span): string {
  if (typeof span === 'string') return span
  if ('strong' in span) return span.strong
  if ('code' in span) return span.code
  return span.link
}

/** Text as plain words: summaries, notifications, logs, the terminal. */
export const plain = (text: Text): string => spansOf(text).map(spanText).join('')

/**
 * Renders spans with one function per kind, for a renderer whose syntax works within a line
 * (Slack, HTML, the terminal).
 */
export interface SpanWriter {
  plain(text: string): string
  strong(text: string): string
  code(text: string): string
  link(text: string, url: string): string
}

export function writeSpans(text: Text, w: SpanWriter): string {
  return spansOf(text).map((s) =>
    typeof s === 'string' ? w.plain(s) : 'strong' in s ? w.strong(s.strong) : 'code' in s ? w.code(s.code) : w.link(s.link, s.url)).join('')
}

/** Whether a Text has anything to show. */
export const isBlank = (text: Text): boolean => plain(text).trim() === ''

/** Splits Text into lines, each line its own spans (a span with line breaks is split too). */
export function linesOf(text: Text): Span[][] {
  const lines: Span[][] = [[]]
  for (const s of spansOf(text)) {
    const parts = spanText(s).split(/\r\n|\r|\n/)
    parts.forEach((part, i) => {
      if (i > 0) lines.push([])
      if (part === '') return
      const piece: Span = typeof s === 'string' ? part : 'strong' in s ? { strong: part } : 'code' in s ? { code: part } : { link: part, url: s.url }
      lines.at(-1)!.push(piece)
    })
  }
  return lines
}

/** The same spans with fn applied to the words of each (never to a link's URL); spans left empty are dropped. */
export function mapSpans(text: Text, fn: (words: string) => string): Span[] {
  return spansOf(text).flatMap((s): Span[] => {
    const words = fn(spanText(s))
    if (words === '') return []
    return [typeof s === 'string' ? words : 'strong' in s ? { strong: words } : 'code' in s ? { code: words } : { link: words, url: s.url }]
  })
}

/** Text on one line: runs of whitespace (line breaks too) as one space, none at either end. */
export function oneLine(text: Text): Span[] {
  const spans = mapSpans(text, (w) => w.replace(/\s+/g, ' '))
  const ends = (i: number, f: (w: string) => string) => {
    if (spans[i] !== undefined) spans.splice(i, 1, ...mapSpans([spans[i]!], f))
  }
  ends(0, (w) => w.trimStart())
  ends(spans.length - 1, (w) => w.trimEnd())
  return spans
}

/**
 * Shortens Text to at most max characters of words, ending with '…' so the reader sees something
 * was left out; never cuts a surrogate pair in half.
 */
export function clipText(text: Text, max: number): Text {
  if (plain(text).length <= max) return text
  const out: Span[] = []
  let left = Math.max(0, max - 1)
  for (const s of spansOf(text)) {
    const words = spanText(s)
    if (words.length <= left) {
      out.push(s)
      left -= words.length
      continue
    }
    let at = left
    const c = words.charCodeAt(at - 1)
    if (c >= 0xd800 && c <= 0xdbff) at -= 1
    if (at > 0) out.push(...mapSpans([s], (w) => w.slice(0, at)))
    break
  }
  out.push('…')
  return out
}
