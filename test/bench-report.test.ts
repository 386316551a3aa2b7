/**
 * BENCHMARKS.md's header counts the figures met and missed; `npm run bench -- <name> --write`
 * replaces one section, and the count must then be of the report as it stands, not of the last
 * full run.
 */
import { describe, expect, it } from 'vitest'
import { renderSection, replaceSection, type Section } from '../bench/report.ts'

const section = (bench: string, verdicts: string[]): Section => ({
  bench, title: `${bench} figures`, lines: [`What ${bench} measures.`],
  figures: verdicts.map((verdict, i) => ({ engine: 'PostgreSQL (native)', what: `figure ${i}`, median: 1, p99: 2, unit: 'ms' as const, runs: 10, target: 'p99 < 5 ms', verdict })),
})

describe('BENCHMARKS.md written a section at a time', () => {
  it('counts the figures met and missed again over every section when one is replaced', () => {
    const report = ['# Benchmarks', 'Written by `npm run bench`.', '2 figures met their target, 2 missed (listed under their tables, with why).',
      renderSection(section('views', ['met', 'missed: p99 9 ms ≥ 5 ms'])), renderSection(section('slack', ['met', 'missed: p99 7× bare', '—']))].join('\n\n') + '\n'
    const rewritten = replaceSection(report, 'slack', renderSection(section('slack', ['met', 'met', '—'])))
    expect(rewritten).toContain('3 figures met their target, 1 missed (listed under their tables, with why).')
    expect(rewritten).toContain('## views: views figures')
    expect(rewritten.match(/^## /gm)).toHaveLength(2)
    // A new section is appended and counted too.
    expect(replaceSection(rewritten, 'growth', renderSection(section('growth', ['missed: 2× ≥ 1.5×'])))).toContain('3 figures met their target, 2 missed')
  })
})
