/**
 * A streamed answer's text, piece by piece, is the text the whole answer ends with: CitedText
 * against renumberCitations over any text and any way of cutting it into pieces.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CitedText, renumberCitations } from '../src/rag/answer.ts'

/** Feeds the pieces; what was released after each, and at the end. */
function stream(pieces: string[], sources: number) {
  const cited = new CitedText(sources)
  const released = pieces.map((p) => cited.push(p))
  released.push(cited.end())
  return released
}

describe('CitedText (streamed citations)', () => {
  it('releases exactly renumberCitations(text).text, in pieces, whatever the cuts', () => {
    const token = fc.constantFrom('Quotes', ' three', 'a', ' ', '  ', '\t', '\n', '.', ',', ';', '[', ']', '1', '2', '7', '0', ', ', '[1]', '[2]', '[7]', '[1, 2]', '[source 1]', "I couldn't find this in the knowledge base.")
    fc.assert(fc.property(fc.array(token, { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 10 }), fc.integer({ min: 1, max: 5 }), (tokens, cuts, sources) => {
      const text = tokens.join('')
      const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b)
      const pieces = [0, ...at].map((from, i, all) => text.slice(from, all[i + 1] ?? text.length))
      const whole = renumberCitations(text, sources)
      const released = stream(pieces, sources)
      expect(released.join('')).toBe(whole.cited.length > 0 ? whole.text : '')
    }), { numRuns: 2000 })
  })

  it('holds the text back until the first citation of a shown source, then releases as it comes', () => {
    expect(stream(['Suppliers take ', 'five days [', '1]. They need', ' a form [9] [2].'], 2))
      .toEqual(['', '', 'Suppliers take five days [1]. They need', ' a form [2].', ''])
    // A model that found nothing never reaches the person as a stream.
    expect(stream(["I couldn't find ", 'this in the knowledge base.'], 3).join('')).toBe('')
  })
})
