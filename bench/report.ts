/**
 * What a bench returns, and BENCHMARKS.md rendered from it. Rendering is a pure function of the
 * results and the machine they ran on, so the file says nothing the benches did not measure.
 */

/** What run.ts passes every bench. */
export interface BenchArgs {
  /** Repetitions (each bench says of what); its own default when absent. */
  runs?: number
  /**
   * Part of `npm run bench` (all benches): a bench whose full size takes many minutes measures
   * a smaller one, and says so in its section.
   */
  quick?: boolean
}

export type Unit = 'ms' | 's' | 'MB'

/** One measured figure: a median and p99 over repeated runs, never a single run. */
export interface Figure {
  engine: string
  what: string
  median: number
  p99: number
  unit: Unit
  runs: number
  /** Our target, e.g. 'p99 < 20 ms'. */
  target?: string
  /** What the spec promises for it, e.g. '< 50 ms'. */
  spec?: string
  /** 'met', 'missed: <by how much>', or '—' when there is nothing to meet. */
  verdict: string
  /** Why it missed, or what else to know when reading it. */
  note?: string
}

export type Row = Record<string, string | number>

/** One bench's part of the report. */
export interface Section {
  bench: string
  title: string
  /** How it was measured and how to read it, a paragraph each. */
  lines: string[]
  figures: Figure[]
  /** Further tables the bench prints (row counts, per-file times, plans), rendered as they are. */
  details?: Array<{ title: string; rows: Row[] }>
}

export interface Failure { bench: string; error: string }

export interface Machine {
  date: string
  commit: string
  cpu: string
  memory: string
  os: string
  node: string
  postgres: string
  pglite: string
}

export const fmt = (n: number, unit: Unit) => `${n.toFixed(unit === 's' || n >= 100 ? 1 : 2)} ${unit}`

/** 'met' when value < limit, else 'missed: …' with both numbers. */
export function judge(label: string, value: number, limit: number, unit: Unit = 'ms'): string {
  return value < limit ? 'met' : `missed: ${label} ${fmt(value, unit)} ≥ ${limit} ${unit}`
}

export const isMissed = (f: Figure) => f.verdict.startsWith('missed')

export function renderReport(machine: Machine, results: Array<Section | Failure>, run: { minutes: number; runs?: number }): string {
  const sections = results.filter((r): r is Section => 'figures' in r)
  const failures = results.filter((r): r is Failure => !('figures' in r))
  const figures = sections.flatMap((s) => s.figures)
  const met = figures.filter((f) => f.verdict === 'met').length
  const missed = figures.filter(isMissed).length
  const blocks = [
    '# Benchmarks',
    `Written by \`npm run bench\` on ${machine.date} at commit ${machine.commit}, in ${run.minutes.toFixed(1)} minutes,`
      + (run.runs === undefined ? ' each bench with its default number of runs.' : ` every bench with \`--runs ${run.runs}\`.`)
      + ' Each section is one bench; `npm run bench -- <name> [--runs N]` runs it alone and prints its tables.'
      + ' Medians and p99 are nearest-rank over the runs shown (with fewer than 100 runs, p99 is the slowest run).',
    `${met} figure${met === 1 ? '' : 's'} met ${met === 1 ? 'its' : 'their'} target, ${missed} missed (listed under their tables, with why)`
      + (failures.length ? `, and ${failures.length} bench${failures.length > 1 ? 'es' : ''} failed: ${failures.map((f) => f.bench).join(', ')}.` : '.'),
    '## Machine',
    table([
      { '': 'CPU', value: machine.cpu },
      { '': 'memory', value: machine.memory },
      { '': 'OS', value: machine.os },
      { '': 'Node.js', value: machine.node },
      { '': 'PostgreSQL (native)', value: machine.postgres },
      { '': 'PGlite (embedded)', value: machine.pglite },
    ]),
    ...results.map((r) => ('figures' in r ? renderSection(r) : renderFailure(r))),
  ]
  return `${blocks.join('\n\n')}\n`
}

/** One bench's section: what it measured, its figures, notes, what missed and why, its details. */
export function renderSection(s: Section): string {
  const noted = s.figures.filter((f) => f.note)
  const noteNumber = (f: Figure) => noted.indexOf(f) + 1
  const rows = s.figures.map((f) => ({
    engine: f.engine, figure: f.what, median: fmt(f.median, f.unit), p99: fmt(f.p99, f.unit), runs: f.runs,
    target: f.target ?? '—', spec: f.spec ?? '—', verdict: f.verdict, note: f.note ? `(${noteNumber(f)})` : '',
  }))
  const missed = s.figures.filter(isMissed).map((f) => `- **Missed**: ${f.engine}, ${f.what}: ${f.verdict.replace(/^missed: /, '')}. `
    + (f.note ? `See note (${noteNumber(f)}).` : 'No explanation recorded: investigate before relying on this figure.'))
  return [
    `## ${s.bench}: ${s.title}`,
    ...s.lines,
    table(rows),
    ...noted.map((f) => `(${noteNumber(f)}) ${f.note}`),
    ...(missed.length ? [missed.join('\n')] : []),
    ...(s.details ?? []).flatMap((d) => [`**${d.title}**`, table(d.rows)]),
  ].join('\n\n')
}

/**
 * The report with one bench's section (from its `## name:` heading to the next `## `) replaced,
 * or appended when it has none. The header keeps the commit and date of the full run; the
 * section says what it measured.
 */
export function replaceSection(report: string, bench: string, section: string): string {
  const start = report.search(new RegExp(`^## ${bench}:`, 'm'))
  const replaced = start < 0 ? `${report.trimEnd()}\n\n${section}\n` : (() => {
    const rest = report.slice(start + 3).search(/^## /m)
    const end = rest < 0 ? report.length : start + 3 + rest
    return `${report.slice(0, start)}${section}\n${rest < 0 ? '' : `\n${report.slice(end)}`}`
  })()
  return recount(replaced)
}

/** The header's count of figures met and missed, counted again from the verdict columns of the report's tables as they now stand. */
function recount(report: string): string {
  let met = 0
  let missed = 0
  let verdict = -1
  for (const line of report.split('\n')) {
    if (!line.startsWith('|')) { verdict = -1; continue }
    const cells = line.split('|').slice(1, -1).map((c) => c.trim())
    if (verdict < 0) { verdict = cells.indexOf('verdict'); if (verdict < 0) verdict = -2; continue }
    if (verdict === -2 || /^-+$/.test(cells[0] ?? '')) continue
    if (cells[verdict] === 'met') met++
    else if (cells[verdict]?.startsWith('missed')) missed++
  }
  return report.replace(/^\d+ figures? met (?:its|their) target, \d+ missed \(listed under their tables, with why\)/m,
    `${met} figure${met === 1 ? '' : 's'} met ${met === 1 ? 'its' : 'their'} target, ${missed} missed (listed under their tables, with why)`)
}

function renderFailure(f: Failure): string {
  return [`## ${f.bench}: failed`, 'The bench threw; its figures are missing from this report.', `\`\`\`\n${f.error}\n\`\`\``].join('\n\n')
}

/** A markdown table with the columns of the first row (and any later ones). */
function table(rows: Row[]): string {
  if (rows.length === 0) return '(no rows)'
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))]
  const cell = (v: string | number | undefined) => String(v ?? '').replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ')
  return [
    `| ${columns.map(cell).join(' | ')} |`,
    `|${columns.map((c) => (rows.every((r) => typeof r[c] === 'number') ? ' ---: ' : ' --- ')).join('|')}|`,
    ...rows.map((r) => `| ${columns.map((c) => cell(r[c])).join(' | ')} |`),
  ].join('\n')
}
