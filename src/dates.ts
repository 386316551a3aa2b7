/**
 * Calendar dates as 'YYYY-MM-DD', computed in UTC so no time zone shifts a day. Adding days and
 * finding ISO Mondays is all Workroom needs here; Date does both exactly in UTC, so no date
 * library (natural-language dates are chrono-node's job, in the timesheet parser).
 */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + days)
  return d.toISOString().slice(0, 10)
}

/** 1 = Monday … 7 = Sunday. */
export const isoDow = (date: string): number => new Date(`${date}T00:00:00Z`).getUTCDay() || 7

/** The ISO week's Monday, as PostgreSQL's date_trunc('week', …) and week_start_date have it. */
export const mondayOf = (date: string): string => addDays(date, 1 - isoDow(date))
