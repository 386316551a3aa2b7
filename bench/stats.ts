/** Summary of timings in milliseconds. Nearest-rank percentiles: a few lines, no library needed. */
export function summarize(samples: number[]): { runs: number; median: number; p90: number; p99: number; min: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
  return { runs: sorted.length, median: rank(50), p90: rank(90), p99: rank(99), min: sorted[0]!, max: sorted[sorted.length - 1]! }
}

export const ms = (n: number) => `${n.toFixed(1)} ms`
