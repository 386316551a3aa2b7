/** Summary of timings in milliseconds. Nearest-rank percentiles: a few lines, no library needed. */
export function summarize(samples: number[]): { runs: number; median: number; p90: number; p99: number; min: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
  return { runs: sorted.length, median: rank(50), p90: rank(90), p99: rank(99), min: sorted[0]!, max: sorted[sorted.length - 1]! }
}

export const ms = (n: number) => `${n.toFixed(1)} ms`

export interface Latency { n: number; p50: number; p90: number; p99: number; max: number }

/** summarize() rounded to 0.1 ms, for latencies measured by autocannon (bench/slack-load.ts). */
export function latency(samples: number[]): Latency {
  if (samples.length === 0) return { n: 0, p50: 0, p90: 0, p99: 0, max: 0 }
  const s = summarize(samples)
  const round = (n: number) => Math.round(n * 10) / 10
  return { n: s.runs, p50: round(s.median), p90: round(s.p90), p99: round(s.p99), max: round(s.max) }
}
